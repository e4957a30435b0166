/* store_mail.h: the records of the e-mail outbox and sign-in links in the store
 * (migration 6). Included by store.h only, after its constants (it needs
 * STORE_TOKEN_HASH_LEN). */
#ifndef RAPPORT_STORE_MAIL_H
#define RAPPORT_STORE_MAIL_H

#include <stdint.h>

/* ---- e-mail outbox and sign-in links (migration 6) --------------------------------------
 * A mail is a row of `outbox`: queued -> sending (claimed by the sender) -> sent, or back
 * to queued with a later next_attempt_at, or dead after too many attempts. The message
 * is fully determined by the row (Date is created_at, Message-ID is stored), so a resend
 * after a crash is byte-for-byte the same message (docs/DECISIONS.md). */
#define STORE_MAIL_KINDS "transcript", "signin", "followup", "case", "other"
#define STORE_MAIL_SUBJECT_MAX 255 /* bytes */
#define STORE_MAIL_BODY_MAX (1 << 20) /* bytes, per part */

struct store_mail {
	int64_t id;
	int64_t library_id;
	char kind[16];
	char to_addr[256];
	char subject[STORE_MAIL_SUBJECT_MAX + 1];
	char *body_text; /* writes: owned by the write; reads: valid during the callback */
	char *body_html; /* may be NULL (no HTML part) */
	char list_unsubscribe[512]; /* "" or a URL (mailto: or https:) */
	char message_id[128]; /* "<random@host>", unique */
	int64_t created_at;
	char state[8]; /* "queued", "sending", "sent", "dead" */
	int attempts;
	int64_t next_attempt_at;
	char last_error[256];
	int64_t sent_at;
};

struct store_signin {
	uint8_t hash[STORE_TOKEN_HASH_LEN]; /* of the sign-in token */
	uint8_t new_hash[STORE_TOKEN_HASH_LEN]; /* STW_SIGNIN_USE: of the new patron token */
	int64_t patron_id;
	int64_t library_id;
	int64_t at;
	int64_t expires_at;
};

#endif
