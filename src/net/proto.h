/* proto.h: decoding and validating client frames of the rapport.v1 protocol
 * (docs/PROTOCOL.md). Pure: no I/O, any thread. Parsing is jansson's; this module only
 * checks shapes (no unknown fields, right types, sane lengths). */
#ifndef RAPPORT_PROTO_H
#define RAPPORT_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum cmd_type {
	CMD_HELLO,
	CMD_JOIN,
	CMD_SEND,
	CMD_RESUME,
	CMD_TYPING,
	CMD_PICK,
	CMD_END,
	CMD_PING,
	CMD_REMEMBER,
	CMD_FORGET,
	CMD_CHOOSE,
	CMD_RATE,
	CMD_FAVOURITE,
	CMD_PREFER,
	CMD_EMAIL_TRANSCRIPT,
	CMD_SIGNIN_LINK,
	CMD_ASK_OFFLINE,
	CMD_STATUS,
	CMD_HANDOFF,
	CMD_HANDOFF_ACCEPT,
	CMD_HANDOFF_DECLINE,
	CMD_HANDOFF_CANCEL,
	CMD_SOMEONE_ELSE
};

/* Patron profile fields of `remember` (bytes, without the NUL). */
#define PROTO_NAME_MAX 127
#define PROTO_PRONOUNS_MAX 63
#define PROTO_EMAIL_MAX 254

struct cmd {
	enum cmd_type type;
	const char *type_name;
	char role[8]; /* hello: "patron" or "staff" */
	char token[64]; /* hello: patron token, "" if none */
	char library[64]; /* hello: library slug, "" for the default */
	char signin[64]; /* hello: a sign-in link's token, "" if none */
	int64_t queue; /* join, ask_offline, handoff */
	int64_t chat; /* send, resume, typing, pick, end; remember (optional) */
	int64_t after; /* resume */
	char cmid[65]; /* join, send */
	const char *text; /* join, send, ask_offline, handoff (note), handoff_decline (reason, or
			   * NULL): points into root, valid until proto_cmd_free */
	size_t text_len;
	int on; /* typing, favourite; status: handback */
	int away; /* status: 1 "away", 0 "on_duty" */
	int64_t staff; /* join (optional), choose, favourite, prefer (0 clears), handoff */
	char choice[8]; /* choose: "first", "wait" or "staff" */
	int64_t rating; /* rate: 1..5 */
	/* remember: "" when absent */
	char notice[32];
	char display_name[PROTO_NAME_MAX + 1];
	char preferred_name[PROTO_NAME_MAX + 1];
	char pronouns[PROTO_PRONOUNS_MAX + 1];
	char email[PROTO_EMAIL_MAX + 1]; /* also email_transcript and ask_offline
					  * (required), signin_link */
	json_t *root;
};

/* Errors of decoding, as protocol error codes. */
enum proto_err { PROTO_OK = 0, PROTO_BAD_JSON = -1, PROTO_BAD_FRAME = -2 };

/* Parses one frame (len bytes, need not be NUL-terminated). On success fills *out (free
 * it with proto_cmd_free) and returns PROTO_OK. On failure returns PROTO_BAD_JSON or
 * PROTO_BAD_FRAME and writes a human explanation to msg[msglen]; out needs no freeing.
 * If the frame had a usable "cmid" (or "type"), it is copied to ref[65] for the error's
 * `ref`. */
int proto_decode(const char *buf, size_t len, struct cmd *out, char *msg, size_t msglen,
		 char ref[65]);
void proto_cmd_free(struct cmd *c);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int proto_utf8_valid(const char *s, size_t n);

/* 1 if a cmid is 1-64 characters of [A-Za-z0-9_-]. */
int proto_cmid_valid(const char *s);

#endif
