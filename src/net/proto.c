/* proto.c: client frame decoding. See proto.h. */
#include "net/proto.h"

#include <stdio.h>
#include <string.h>

#include "util/email.h"

int proto_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + k >= n)
			return 0; /* truncated sequence */
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

int proto_cmid_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return i > 0;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int bad(char *msg, size_t msglen, const char *what)
{
	snprintf(msg, msglen, "%s", what);
	return PROTO_BAD_FRAME;
}

/* Copies an optional string member of `remember`, checking its length. */
static int opt_field(const char *src, char *dst, size_t cap, const char *name, json_error_t *err)
{
	if (src && copy_field(dst, cap, src)) {
		snprintf(err->text, sizeof err->text, "%s is at most %zu bytes", name, cap - 1);
		return -1;
	}
	return 0;
}

static int unpack_remember(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *notice = NULL, *dn = NULL, *pn = NULL, *pr = NULL, *em = NULL;
	int rc =
		json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:s, s?s, s?s, s?s, s?s, s?I}",
			       "type", &t, "notice", &notice, "display_name", &dn, "preferred_name",
			       &pn, "pronouns", &pr, "email", &em, "chat", &c->chat);

	if (rc)
		return rc;
	if (opt_field(notice, c->notice, sizeof c->notice, "notice", err) ||
	    opt_field(dn, c->display_name, sizeof c->display_name, "display_name", err) ||
	    opt_field(pn, c->preferred_name, sizeof c->preferred_name, "preferred_name", err) ||
	    opt_field(pr, c->pronouns, sizeof c->pronouns, "pronouns", err) ||
	    opt_field(em, c->email, sizeof c->email, "email", err))
		return -1;
	if (c->email[0] && !mail_addr_valid(c->email)) {
		snprintf(err->text, sizeof err->text, "email is not an e-mail address");
		return -1;
	}
	return 0;
}

/* Says why a frame's fields are refused, in err->text; returns -1. */
static int refuse(json_error_t *err, const char *why)
{
	snprintf(err->text, sizeof err->text, "%s", why);
	return -1;
}

/* The cmid of join and send into c->cmid, when it is valid. */
static int take_cmid(struct cmd *c, const char *cmid, json_error_t *err)
{
	if (!proto_cmid_valid(cmid))
		return refuse(err, "cmid must be 1-64 of [A-Za-z0-9_-]");
	memcpy(c->cmid, cmid, strlen(cmid) + 1);
	return 0;
}

/* The unpackers, one per frame type: JSON_STRICT rejects members we do not know. Each
 * fills c from c->root and returns 0, or non-zero with the reason in err->text. */

static int unpack_hello(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *role = NULL, *token = NULL, *lib = NULL, *signin = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:s, s?s, s?s, s?s}", "type", &t,
				"role", &role, "token", &token, "library", &lib, "signin", &signin);

	if (rc)
		return rc;
	if ((strcmp(role, "patron") && strcmp(role, "staff")) ||
	    copy_field(c->role, sizeof c->role, role) ||
	    (token && copy_field(c->token, sizeof c->token, token)) ||
	    (lib && copy_field(c->library, sizeof c->library, lib)) ||
	    (signin && (!signin[0] || copy_field(c->signin, sizeof c->signin, signin))))
		return refuse(err, "bad role, token, library or signin");
	if (c->signin[0] && c->token[0])
		return refuse(err, "send a token or a signin, not both");
	return 0;
}

/* email_transcript (chat and email) and signin_link (email, optional). */
static int unpack_email(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *email = NULL;
	int rc;

	if (c->type == CMD_EMAIL_TRANSCRIPT)
		rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:s}", "type", &t,
				    "chat", &c->chat, "email", &email);
	else
		rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s?s}", "type", &t, "email",
				    &email);
	if (!rc && email && copy_field(c->email, sizeof c->email, email)) {
		snprintf(err->text, sizeof err->text, "email is at most %d bytes", PROTO_EMAIL_MAX);
		rc = -1;
	}
	return rc;
}

static int unpack_ask_offline(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *email = NULL;
	int rc =
		json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:s%, s:s}", "type", &t,
			       "queue", &c->queue, "text", &c->text, &c->text_len, "email", &email);

	/* the address is judged by the feature, which answers bad_email (the widget says why) */
	if (!rc && copy_field(c->email, sizeof c->email, email))
		rc = refuse(err, "email is not an e-mail address");
	return rc;
}

static int unpack_join(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *cmid = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:s, s:s%, s?I}", "type", &t,
				"queue", &c->queue, "cmid", &cmid, "text", &c->text, &c->text_len,
				"staff", &c->staff);

	return rc ? rc : take_cmid(c, cmid, err);
}

static int unpack_send(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *cmid = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:s, s:s%}", "type", &t,
				"chat", &c->chat, "cmid", &cmid, "text", &c->text, &c->text_len);

	return rc ? rc : take_cmid(c, cmid, err);
}

/* forget and ping: nothing but the type. */
static int unpack_type_only(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;

	return json_unpack_ex(c->root, err, JSON_STRICT, "{s:s}", "type", &t);
}

/* pick and end: the chat. */
static int unpack_chat_only(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;

	return json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I}", "type", &t, "chat",
			      &c->chat);
}

static int unpack_choose(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *choice = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:s, s?I}", "type", &t,
				"chat", &c->chat, "choice", &choice, "staff", &c->staff);

	if (rc)
		return rc;
	if ((strcmp(choice, "first") && strcmp(choice, "wait") && strcmp(choice, "staff")) ||
	    (strcmp(choice, "staff") == 0) != (c->staff > 0))
		return refuse(err, "choice is first, wait, or staff with a staff id");
	memcpy(c->choice, choice, strlen(choice) + 1);
	return 0;
}

static int unpack_rate(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:I}", "type", &t, "chat",
				&c->chat, "rating", &c->rating);

	if (!rc && (c->rating < 1 || c->rating > 5))
		rc = refuse(err, "rating is 1 to 5");
	return rc;
}

static int unpack_favourite(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;
	int on = 0, rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:b}", "type", &t,
					"staff", &c->staff, "on", &on);

	c->on = on;
	if (!rc && c->staff <= 0)
		rc = refuse(err, "staff is a staff id");
	return rc;
}

static int unpack_prefer(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I}", "type", &t, "staff",
				&c->staff);

	if (!rc && c->staff < 0)
		rc = refuse(err, "staff is a staff id or 0");
	return rc;
}

static int unpack_resume(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:I}", "type", &t, "chat",
				&c->chat, "after", &c->after);

	if (!rc && c->after < 0)
		rc = refuse(err, "after must be >= 0");
	return rc;
}

static int unpack_typing(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;
	int on = 0, rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s:b}", "type", &t,
					"chat", &c->chat, "on", &on);

	c->on = on;
	return rc;
}

static int unpack_status(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *status = NULL;
	int on = 0, rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:s, s?b}", "type", &t,
					"status", &status, "handback", &on);

	if (rc)
		return rc;
	c->on = on;
	c->away = strcmp(status, "away") == 0;
	if ((!c->away && strcmp(status, "on_duty")) || (on && !c->away))
		return refuse(err, "status is away or on_duty; handback only with away");
	return 0;
}

/* handoff: the chat, a colleague (staff) or a queue, and the note. */
static int unpack_handoff(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;
	int rc = json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s?I, s?I, s:s%}", "type", &t,
				"chat", &c->chat, "staff", &c->staff, "queue", &c->queue, "note",
				&c->text, &c->text_len);

	if (!rc && (c->staff > 0) == (c->queue > 0))
		rc = refuse(err, "hand off to a staff id or a queue id");
	return rc;
}

static int unpack_handoff_decline(struct cmd *c, json_error_t *err)
{
	const char *t = NULL;

	return json_unpack_ex(c->root, err, JSON_STRICT, "{s:s, s:I, s?s%}", "type", &t, "chat",
			      &c->chat, "reason", &c->text, &c->text_len);
}

/* The frame types: the "type" of the frame, its command and its unpacker. */
static const struct frame_type {
	const char *name;
	enum cmd_type type;
	int (*unpack)(struct cmd *c, json_error_t *err);
} frame_types[] = {
	{"hello", CMD_HELLO, unpack_hello},
	{"join", CMD_JOIN, unpack_join},
	{"send", CMD_SEND, unpack_send},
	{"resume", CMD_RESUME, unpack_resume},
	{"typing", CMD_TYPING, unpack_typing},
	{"pick", CMD_PICK, unpack_chat_only},
	{"end", CMD_END, unpack_chat_only},
	{"ping", CMD_PING, unpack_type_only},
	{"remember", CMD_REMEMBER, unpack_remember},
	{"forget", CMD_FORGET, unpack_type_only},
	{"choose", CMD_CHOOSE, unpack_choose},
	{"rate", CMD_RATE, unpack_rate},
	{"favourite", CMD_FAVOURITE, unpack_favourite},
	{"prefer", CMD_PREFER, unpack_prefer},
	{"email_transcript", CMD_EMAIL_TRANSCRIPT, unpack_email},
	{"signin_link", CMD_SIGNIN_LINK, unpack_email},
	{"ask_offline", CMD_ASK_OFFLINE, unpack_ask_offline},
	{"status", CMD_STATUS, unpack_status},
	{"handoff", CMD_HANDOFF, unpack_handoff},
	{"handoff_accept", CMD_HANDOFF_ACCEPT, unpack_chat_only},
	{"handoff_decline", CMD_HANDOFF_DECLINE, unpack_handoff_decline},
	{"handoff_cancel", CMD_HANDOFF_CANCEL, unpack_chat_only},
	{"someone_else", CMD_SOMEONE_ELSE, unpack_chat_only},
};

#define N_FRAME_TYPES (sizeof frame_types / sizeof frame_types[0])

int proto_decode(const char *buf, size_t len, struct cmd *out, char *msg, size_t msglen,
		 char ref[65])
{
	json_error_t err;
	json_t *root, *jt, *jc;
	const char *t = NULL;
	size_t i;

	memset(out, 0, sizeof *out);
	ref[0] = '\0';
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!root || !json_is_object(root)) {
		snprintf(msg, msglen, "%s", root ? "A frame must be a JSON object." : err.text);
		json_decref(root);
		return PROTO_BAD_JSON;
	}
	jc = json_object_get(root, "cmid");
	if (json_is_string(jc) && proto_cmid_valid(json_string_value(jc)))
		snprintf(ref, 65, "%s", json_string_value(jc));
	jt = json_object_get(root, "type");
	t = json_string_value(jt);
	if (!t) {
		json_decref(root);
		return bad(msg, msglen, "A frame needs a string \"type\".");
	}
	if (!ref[0] && strlen(t) < 65 && proto_cmid_valid(t))
		snprintf(ref, 65, "%s", t);
	out->root = root;
	for (i = 0; i < N_FRAME_TYPES; i++)
		if (strcmp(t, frame_types[i].name) == 0)
			break;
	if (i == N_FRAME_TYPES) {
		proto_cmd_free(out);
		return bad(msg, msglen, "Unknown frame type.");
	}
	out->type = frame_types[i].type;
	out->type_name = frame_types[i].name;
	if (frame_types[i].unpack(out, &err)) {
		snprintf(msg, msglen, "Bad %s frame: %s", frame_types[i].name, err.text);
		proto_cmd_free(out);
		return PROTO_BAD_FRAME;
	}
	if (out->chat < 0 || out->queue < 0 || out->staff < 0) {
		proto_cmd_free(out);
		return bad(msg, msglen, "Ids are positive.");
	}
	return PROTO_OK;
}

void proto_cmd_free(struct cmd *c)
{
	json_decref(c->root);
	memset(c, 0, sizeof *c);
}
