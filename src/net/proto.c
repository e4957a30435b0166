/* proto.c: client frame decoding. See proto.h. */
#include "net/proto.h"

#include <stdio.h>
#include <string.h>

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
	const char *t, *notice = NULL, *dn = NULL, *pn = NULL, *pr = NULL, *em = NULL;
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
	if (c->email[0] && (!strchr(c->email, '@') || strpbrk(c->email, " \t\r\n<>,;"))) {
		snprintf(err->text, sizeof err->text, "email is not an e-mail address");
		return -1;
	}
	return 0;
}

/* Unpacks the fields of one frame type; JSON_STRICT rejects members we do not know. */
static int unpack_fields(struct cmd *c, json_error_t *err)
{
	const char *t = NULL, *role = NULL, *token = NULL, *lib = NULL, *cmid = NULL;
	const char *signin = NULL, *email = NULL;
	json_t *root = c->root;
	int on = 0, rc = -1;

	switch (c->type) {
	case CMD_HELLO:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:s, s?s, s?s, s?s}", "type", &t,
				    "role", &role, "token", &token, "library", &lib, "signin",
				    &signin);
		if (rc)
			return rc;
		if ((strcmp(role, "patron") && strcmp(role, "staff")) ||
		    copy_field(c->role, sizeof c->role, role) ||
		    (token && copy_field(c->token, sizeof c->token, token)) ||
		    (lib && copy_field(c->library, sizeof c->library, lib)) ||
		    (signin && (!signin[0] || copy_field(c->signin, sizeof c->signin, signin)))) {
			snprintf(err->text, sizeof err->text, "bad role, token, library or signin");
			return -1;
		}
		if (c->signin[0] && c->token[0]) {
			snprintf(err->text, sizeof err->text, "send a token or a signin, not both");
			return -1;
		}
		return 0;
	case CMD_EMAIL_TRANSCRIPT:
	case CMD_SIGNIN_LINK:
		if (c->type == CMD_EMAIL_TRANSCRIPT)
			rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:s}", "type", &t,
					    "chat", &c->chat, "email", &email);
		else
			rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s?s}", "type", &t,
					    "email", &email);
		if (!rc && email && copy_field(c->email, sizeof c->email, email)) {
			snprintf(err->text, sizeof err->text, "email is at most %d bytes",
				 PROTO_EMAIL_MAX);
			rc = -1;
		}
		return rc;
	case CMD_ASK_OFFLINE:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:s%, s:s}", "type", &t,
				    "queue", &c->queue, "text", &c->text, &c->text_len, "email",
				    &email);
		if (!rc && (copy_field(c->email, sizeof c->email, email) || !strchr(email, '@') ||
			    strpbrk(email, " \t\r\n<>,;\"") || email[0] == '@')) {
			snprintf(err->text, sizeof err->text, "email is not an e-mail address");
			rc = -1;
		}
		return rc;
	case CMD_JOIN:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:s, s:s%, s?I}", "type",
				    &t, "queue", &c->queue, "cmid", &cmid, "text", &c->text,
				    &c->text_len, "staff", &c->staff);
		break;
	case CMD_REMEMBER: return unpack_remember(c, err);
	case CMD_FORGET: return json_unpack_ex(root, err, JSON_STRICT, "{s:s}", "type", &t);
	case CMD_CHOOSE: {
		const char *choice = NULL;

		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:s, s?I}", "type", &t,
				    "chat", &c->chat, "choice", &choice, "staff", &c->staff);
		if (rc)
			return rc;
		if ((strcmp(choice, "first") && strcmp(choice, "wait") &&
		     strcmp(choice, "staff")) ||
		    (strcmp(choice, "staff") == 0) != (c->staff > 0)) {
			snprintf(err->text, sizeof err->text,
				 "choice is first, wait, or staff with a staff id");
			return -1;
		}
		memcpy(c->choice, choice, strlen(choice) + 1);
		return 0;
	}
	case CMD_RATE:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:I}", "type", &t, "chat",
				    &c->chat, "rating", &c->rating);
		if (!rc && (c->rating < 1 || c->rating > 5))
			rc = -1, snprintf(err->text, sizeof err->text, "rating is 1 to 5");
		return rc;
	case CMD_FAVOURITE:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:b}", "type", &t, "staff",
				    &c->staff, "on", &on);
		c->on = on;
		if (!rc && c->staff <= 0)
			rc = -1, snprintf(err->text, sizeof err->text, "staff is a staff id");
		return rc;
	case CMD_PREFER:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I}", "type", &t, "staff",
				    &c->staff);
		if (!rc && c->staff < 0)
			rc = -1, snprintf(err->text, sizeof err->text, "staff is a staff id or 0");
		return rc;
	case CMD_SEND:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:s, s:s%}", "type", &t,
				    "chat", &c->chat, "cmid", &cmid, "text", &c->text,
				    &c->text_len);
		break;
	case CMD_RESUME:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:I}", "type", &t, "chat",
				    &c->chat, "after", &c->after);
		if (!rc && c->after < 0)
			rc = -1, snprintf(err->text, sizeof err->text, "after must be >= 0");
		return rc;
	case CMD_TYPING:
		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I, s:b}", "type", &t, "chat",
				    &c->chat, "on", &on);
		c->on = on;
		return rc;
	case CMD_PICK:
	case CMD_END:
		return json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:I}", "type", &t, "chat",
				      &c->chat);
	case CMD_PING: return json_unpack_ex(root, err, JSON_STRICT, "{s:s}", "type", &t);
	case CMD_STATUS: {
		const char *status = NULL;

		rc = json_unpack_ex(root, err, JSON_STRICT, "{s:s, s:s, s?b}", "type", &t, "status",
				    &status, "handback", &on);
		if (rc)
			return rc;
		c->on = on;
		c->away = strcmp(status, "away") == 0;
		if ((!c->away && strcmp(status, "on_duty")) || (on && !c->away)) {
			snprintf(err->text, sizeof err->text,
				 "status is away or on_duty; handback only with away");
			return -1;
		}
		return 0;
	}
	}
	if (rc)
		return rc;
	if (!proto_cmid_valid(cmid)) {
		snprintf(err->text, sizeof err->text, "cmid must be 1-64 of [A-Za-z0-9_-]");
		return -1;
	}
	memcpy(c->cmid, cmid, strlen(cmid) + 1);
	return 0;
}

int proto_decode(const char *buf, size_t len, struct cmd *out, char *msg, size_t msglen,
		 char ref[65])
{
	static const struct {
		const char *name;
		enum cmd_type type;
	} types[] = {{"hello", CMD_HELLO},
		     {"join", CMD_JOIN},
		     {"send", CMD_SEND},
		     {"resume", CMD_RESUME},
		     {"typing", CMD_TYPING},
		     {"pick", CMD_PICK},
		     {"end", CMD_END},
		     {"ping", CMD_PING},
		     {"remember", CMD_REMEMBER},
		     {"forget", CMD_FORGET},
		     {"choose", CMD_CHOOSE},
		     {"rate", CMD_RATE},
		     {"favourite", CMD_FAVOURITE},
		     {"prefer", CMD_PREFER},
		     {"email_transcript", CMD_EMAIL_TRANSCRIPT},
		     {"signin_link", CMD_SIGNIN_LINK},
		     {"ask_offline", CMD_ASK_OFFLINE},
		     {"status", CMD_STATUS}};
	json_error_t err;
	json_t *root, *jt, *jc;
	const char *t;
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
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(t, types[i].name) == 0)
			break;
	if (i == sizeof types / sizeof types[0]) {
		proto_cmd_free(out);
		return bad(msg, msglen, "Unknown frame type.");
	}
	out->type = types[i].type;
	out->type_name = types[i].name;
	if (unpack_fields(out, &err)) {
		snprintf(msg, msglen, "Bad %s frame: %s", types[i].name, err.text);
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
