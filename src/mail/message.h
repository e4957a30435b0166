/* message.h: well-formed Internet messages (RFC 5322, MIME) from an outbox row, and the
 * words for times and durations in mail text. Pure (no I/O, no clock, any thread), except
 * mail_when, which reads the zone's tzdata.
 *
 * A message is multipart/alternative with a text/plain and (when there is HTML) a
 * text/html part, both UTF-8 in base64 with CRLF line ends. Header values never carry
 * text as given: control characters (CR and LF above all) become spaces, and any value
 * that is not plain ASCII is written as RFC 2047 encoded words, so no user text can start
 * a header of its own.
 *
 * What lives in src/mail: message.c (rendering a message from an outbox row, header
 * cleaning, the words for times), sender.c (the SMTP sender thread on libcurl). It may
 * include desk (for schedules and time zones), store and util.
 */
#ifndef RAPPORT_MAIL_MESSAGE_H
#define RAPPORT_MAIL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/email.h"

/* What one message is made of. Strings are UTF-8; html and list_unsubscribe may be NULL
 * or "". */
struct mail_content {
	const char *from_name; /* display name of the sender, e.g. the library's name */
	const char *from_addr; /* envelope and header sender */
	const char *to_addr;
	const char *subject;
	const char *text;
	const char *html;
	const char *list_unsubscribe; /* a URL; written as <URL> */
	const char *message_id; /* "<...@...>" */
	int64_t date_ms; /* the Date header, ms since the epoch */
};

/* Copies src into dst[cap] with every control character (CR, LF, TAB, DEL...) replaced
 * by a space, cut on a UTF-8 character boundary so it fits. */
void mail_header_clean(char *dst, size_t cap, const char *src);

/* Appends "Name: value\r\n" to b: value cleaned as above; if it is not plain ASCII (or
 * contains "=?"), as RFC 2047 "=?UTF-8?B?...?=" words of at most 75 characters, folded
 * onto continuation lines, never splitting a UTF-8 character. */
void mail_header(struct buf *b, const char *name, const char *value);

/* The RFC 5322 date of ms since the epoch, in UTC: "Sun, 22 Nov 2026 14:05:09 +0000". */
void mail_date(char out[40], int64_t ms);

/* `ms` as a patron or librarian reads it, in the library's time zone tz (an IANA name;
 * NULL or "" is UTC), in words: "Friday 4 December, 2:24 pm" ("12:00 pm" is noon,
 * "12:05 am" just after midnight). Reads the zone's tzdata through schedule_local
 * (desk/schedule.h), so unlike the rest of this file it is not free of I/O. */
void mail_when(char out[64], int64_t ms, const char *tz);

/* A length of time in words, rounded up to the unit: "1 minute", "30 minutes", "2 hours",
 * "45 seconds", "1 day" (whole hours and days only when exact, else minutes). */
void mail_duration(char out[32], int64_t seconds);

/* A fresh Message-ID "<32 hex digits@domain>" with the domain of from_addr (or
 * "rapport.invalid"). Uses libsodium's random generator. */
void mail_new_message_id(char out[128], const char *from_addr);

/* Appends s to b as HTML text of a mail body: <, >, & and " escaped, a newline as <br>. */
void mail_html_text(struct buf *b, const char *s);

/* Appends the whole message (headers, blank line, MIME body) to b. Returns 0, or -1
 * when an address is not valid (nothing useful appended) or out of memory. */
int mail_format(const struct mail_content *m, struct buf *b);

#endif
