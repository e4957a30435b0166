/* email.h: the one rule for an e-mail address rapport accepts, from a patron's frame, a
 * librarian's account or an outgoing message alike. Pure; any thread. */
#ifndef RAPPORT_EMAIL_H
#define RAPPORT_EMAIL_H

/* 1 if addr is a plain address local@domain we are willing to send to: at most 254
 * bytes, ASCII, no spaces, quotes, angle brackets, commas or controls, a dot-atom local
 * part and a domain of letters, digits and hyphens with at least one dot. Else 0. */
int mail_addr_valid(const char *addr);
/* 1 if d is a domain of letters, digits and hyphens in labels of at most 63, with at
 * least one dot. */
int email_domain_valid(const char *d);

#endif
