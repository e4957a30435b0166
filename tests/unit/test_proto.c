/* test_proto.c: unit tests for src/net/proto (client frame decoding and validation,
 * docs/PROTOCOL.md). Every frame is decoded from an exact-length heap copy, so the
 * sanitizer build catches any read past `len`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/proto.h"

struct res {
	int rc;
	char msg[256];
	char ref[65];
};

/* Decodes the first len bytes of s from a heap copy of exactly len bytes (not
 * NUL-terminated). On PROTO_OK the caller owns *c. */
static int decode_n(const char *s, size_t len, struct cmd *c, struct res *r)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, s, len);
	memset(r, 0x5A, sizeof *r);
	r->rc = proto_decode(copy, len, c, r->msg, sizeof r->msg, r->ref);
	free(copy);
	/* ref is always a string; the error text is written on failure only */
	assert_non_null(memchr(r->ref, '\0', sizeof r->ref));
	if (r->rc != PROTO_OK) {
		assert_non_null(memchr(r->msg, '\0', sizeof r->msg));
		assert_true(r->msg[0] != '\0');
	}
	return r->rc;
}

/* Decodes s, which must succeed with type t; the caller frees *c. */
static void ok(const char *s, enum cmd_type t, const char *name, struct cmd *c)
{
	struct res r;

	if (decode_n(s, strlen(s), c, &r) != PROTO_OK)
		fail_msg("expected OK for %s, got %d (%s)", s, r.rc, r.msg);
	assert_int_equal(c->type, t);
	assert_non_null(c->type_name);
	assert_string_equal(c->type_name, name);
	assert_non_null(c->root);
}

/* Decodes s, which must fail with want; returns the ref that came back in r. */
static void fails(const char *s, int want, struct res *r)
{
	struct cmd c;

	memset(&c, 0x33, sizeof c);
	if (decode_n(s, strlen(s), &c, r) != want)
		fail_msg("expected %d for %s, got %d (%s)", want, s, r->rc, r->msg);
	/* on failure nothing is left to free: out is zeroed */
	assert_null(c.root);
	assert_null(c.text);
}

static void bad_json(const char *s)
{
	struct res r;

	fails(s, PROTO_BAD_JSON, &r);
	assert_string_equal(r.ref, "");
}

static void bad_frame(const char *s)
{
	struct res r;

	fails(s, PROTO_BAD_FRAME, &r);
}

/* ---- frames that decode ---- */

static void test_hello_patron(void **state)
{
	struct cmd c;
	const char *tok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM-_01"; /* 43 chars */
	char frame[256];

	ok("{\"type\":\"hello\",\"role\":\"patron\"}", CMD_HELLO, "hello", &c);
	assert_string_equal(c.role, "patron");
	assert_string_equal(c.token, "");
	assert_string_equal(c.library, "");
	assert_int_equal(c.chat, 0);
	assert_null(c.text);
	proto_cmd_free(&c);
	assert_null(c.root);

	snprintf(frame, sizeof frame,
		 "{\"library\":\"main-branch\",\"token\":\"%s\",\"role\":\"patron\","
		 "\"type\":\"hello\"}",
		 tok);
	ok(frame, CMD_HELLO, "hello", &c);
	assert_string_equal(c.role, "patron");
	assert_string_equal(c.token, tok);
	assert_int_equal(strlen(c.token), 43);
	assert_string_equal(c.library, "main-branch");
	proto_cmd_free(&c);

	/* each optional member on its own */
	ok("{\"type\":\"hello\",\"role\":\"patron\",\"token\":\"t0k\"}", CMD_HELLO, "hello", &c);
	assert_string_equal(c.token, "t0k");
	assert_string_equal(c.library, "");
	proto_cmd_free(&c);
	ok("{\"type\":\"hello\",\"role\":\"patron\",\"library\":\"demo\"}", CMD_HELLO, "hello", &c);
	assert_string_equal(c.token, "");
	assert_string_equal(c.library, "demo");
	proto_cmd_free(&c);

	/* whitespace around the JSON is fine */
	ok(" \n\t{ \"type\" : \"hello\" , \"role\" : \"patron\" } \r\n", CMD_HELLO, "hello", &c);
	assert_string_equal(c.role, "patron");
	proto_cmd_free(&c);
}

static void test_hello_staff(void **state)
{
	struct cmd c;

	ok("{\"type\":\"hello\",\"role\":\"staff\"}", CMD_HELLO, "hello", &c);
	assert_string_equal(c.role, "staff");
	assert_string_equal(c.token, "");
	assert_string_equal(c.library, "");
	proto_cmd_free(&c);
}

static void test_hello_limits(void **state)
{
	char frame[256], s[80];
	struct cmd c;

	/* token[64] and library[64] hold 63 characters; 64 is refused, not truncated */
	memset(s, 'x', 63);
	s[63] = '\0';
	snprintf(frame, sizeof frame, "{\"type\":\"hello\",\"role\":\"patron\",\"token\":\"%s\"}",
		 s);
	ok(frame, CMD_HELLO, "hello", &c);
	assert_string_equal(c.token, s);
	proto_cmd_free(&c);
	snprintf(frame, sizeof frame, "{\"type\":\"hello\",\"role\":\"patron\",\"library\":\"%s\"}",
		 s);
	ok(frame, CMD_HELLO, "hello", &c);
	assert_string_equal(c.library, s);
	proto_cmd_free(&c);

	s[63] = 'x';
	s[64] = '\0';
	snprintf(frame, sizeof frame, "{\"type\":\"hello\",\"role\":\"patron\",\"token\":\"%s\"}",
		 s);
	bad_frame(frame);
	snprintf(frame, sizeof frame, "{\"type\":\"hello\",\"role\":\"patron\",\"library\":\"%s\"}",
		 s);
	bad_frame(frame);
}

static void test_join(void **state)
{
	struct cmd c;

	ok("{\"type\":\"join\",\"queue\":3,\"cmid\":\"q-1_A\",\"text\":\"Do you have Dune?\"}",
	   CMD_JOIN, "join", &c);
	assert_int_equal(c.queue, 3);
	assert_int_equal(c.chat, 0);
	assert_string_equal(c.cmid, "q-1_A");
	assert_non_null(c.text);
	assert_string_equal(c.text, "Do you have Dune?");
	assert_int_equal(c.text_len, 17);
	proto_cmd_free(&c);
}

static void test_send_utf8(void **state)
{
	struct cmd c;
	/* é (2 bytes), 日本 (3+3), 🙂 (4): 1+2+3+1+6+1+4 = 18 bytes, 11 characters */
	const char *want = "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x99\x82";

	ok("{\"type\":\"send\",\"chat\":42,\"cmid\":\"m1\",\"text\":\"h\xC3\xA9llo "
	   "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x99\x82\"}",
	   CMD_SEND, "send", &c);
	assert_int_equal(c.chat, 42);
	assert_int_equal(c.queue, 0);
	assert_string_equal(c.cmid, "m1");
	assert_int_equal(c.text_len, 18);
	assert_memory_equal(c.text, want, 18);
	assert_int_equal(c.text[18], '\0');
	assert_true(proto_utf8_valid(c.text, c.text_len));
	proto_cmd_free(&c);

	/* the same text written with JSON escapes, including a surrogate pair */
	ok("{\"type\":\"send\",\"chat\":42,\"cmid\":\"m2\",\"text\":\"h\\u00e9llo "
	   "\\u65e5\\u672c \\ud83d\\ude42\"}",
	   CMD_SEND, "send", &c);
	assert_int_equal(c.text_len, 18);
	assert_memory_equal(c.text, want, 18);
	proto_cmd_free(&c);

	/* escapes are decoded: text_len counts the decoded bytes */
	ok("{\"type\":\"send\",\"chat\":1,\"cmid\":\"m3\",\"text\":\"a\\\"b\\\\c\\nd\"}", CMD_SEND,
	   "send", &c);
	assert_int_equal(c.text_len, 7);
	assert_string_equal(c.text, "a\"b\\c\nd");
	proto_cmd_free(&c);

	/* empty text is a shape the decoder accepts (`empty` is decided above it) */
	ok("{\"type\":\"send\",\"chat\":1,\"cmid\":\"m4\",\"text\":\"\"}", CMD_SEND, "send", &c);
	assert_non_null(c.text);
	assert_int_equal(c.text_len, 0);
	proto_cmd_free(&c);
}

static void test_resume_typing_pick_end_ping(void **state)
{
	struct cmd c;

	ok("{\"type\":\"resume\",\"chat\":7,\"after\":0}", CMD_RESUME, "resume", &c);
	assert_int_equal(c.chat, 7);
	assert_int_equal(c.after, 0);
	proto_cmd_free(&c);
	ok("{\"after\":123456789012,\"chat\":9007199254740993,\"type\":\"resume\"}", CMD_RESUME,
	   "resume", &c);
	assert_int_equal(c.chat, 9007199254740993LL); /* above 2^53: kept exact */
	assert_int_equal(c.after, 123456789012LL);
	proto_cmd_free(&c);
	ok("{\"type\":\"resume\",\"chat\":9223372036854775807,\"after\":5}", CMD_RESUME, "resume",
	   &c);
	assert_true(c.chat == INT64_MAX);
	proto_cmd_free(&c);

	ok("{\"type\":\"typing\",\"chat\":5,\"on\":true}", CMD_TYPING, "typing", &c);
	assert_int_equal(c.chat, 5);
	assert_int_equal(c.on, 1);
	proto_cmd_free(&c);
	ok("{\"type\":\"typing\",\"chat\":5,\"on\":false}", CMD_TYPING, "typing", &c);
	assert_int_equal(c.chat, 5);
	assert_int_equal(c.on, 0);
	proto_cmd_free(&c);

	ok("{\"type\":\"pick\",\"chat\":11}", CMD_PICK, "pick", &c);
	assert_int_equal(c.chat, 11);
	proto_cmd_free(&c);
	ok("{\"type\":\"end\",\"chat\":12}", CMD_END, "end", &c);
	assert_int_equal(c.chat, 12);
	proto_cmd_free(&c);
	ok("{\"type\":\"ping\"}", CMD_PING, "ping", &c);
	assert_int_equal(c.chat, 0);
	assert_string_equal(c.cmid, "");
	proto_cmd_free(&c);
}

/* len is the frame: bytes after it are ignored, bytes cut off make it incomplete */
static void test_length_is_honoured(void **state)
{
	const char *s = "{\"type\":\"ping\"}GARBAGE";
	struct cmd c;
	struct res r;

	assert_int_equal(decode_n(s, 15, &c, &r), PROTO_OK);
	assert_string_equal(c.type_name, "ping");
	proto_cmd_free(&c);
	assert_int_equal(decode_n(s, 14, &c, &r), PROTO_BAD_JSON);
	assert_int_equal(decode_n(s, 16, &c, &r), PROTO_BAD_JSON);
	assert_int_equal(decode_n(s, 0, &c, &r), PROTO_BAD_JSON);
}

/* ---- bad_json ---- */

static void test_bad_json(void **state)
{
	bad_json("ping");
	bad_json("");
	bad_json("   ");
	bad_json("{\"type\":\"ping\"");
	bad_json("{\"type\":\"pi");
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"hi\"");
	bad_json("{\"type\":\"ping\",}");
	bad_json("{'type':'ping'}");
	bad_json("{\"type\":\"ping\"} x");
	bad_json("{\"type\":\"ping\"}{\"type\":\"ping\"}");
	/* valid JSON, but not an object */
	bad_json("[]");
	bad_json("[{\"type\":\"ping\"}]");
	bad_json("\"ping\"");
	bad_json("42");
	bad_json("null");
	bad_json("true");
	/* duplicate keys, equal or not */
	bad_json("{\"type\":\"ping\",\"type\":\"ping\"}");
	bad_json("{\"type\":\"send\",\"chat\":1,\"chat\":2,\"cmid\":\"a\",\"text\":\"x\"}");
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"cmid\":\"a\",\"text\":\"x\"}");
	/* invalid UTF-8 inside a string is refused by the parser */
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"\xC0\xAF\"}");
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"\xED\xA0\x80\"}");
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"\xFF\"}");
	/* a lone surrogate escape is not a character */
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"\\ud83d\"}");
	/* integers that do not fit int64 */
	bad_json("{\"type\":\"pick\",\"chat\":9223372036854775808}");
}

/* jansson is not given JSON_ALLOW_NUL, so "\u0000" (and a raw NUL byte) cannot reach
 * text, whose users treat it as a C string: the frame is bad_json. */
static void test_embedded_nul(void **state)
{
	static const char raw[] = "{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"a\0b\"}";
	struct cmd c;
	struct res r;

	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"a\\u0000b\"}");
	bad_json("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"\\u0000\"}");
	bad_json("{\"type\":\"join\",\"queue\":1,\"cmid\":\"a\",\"text\":\"x\\u0000\"}");
	bad_json("{\"type\":\"hello\",\"role\":\"patron\\u0000x\"}");
	bad_json("{\"type\":\"ping\\u0000\"}");
	assert_int_equal(decode_n(raw, sizeof raw - 1, &c, &r), PROTO_BAD_JSON);
	/* a NUL right after a complete object is trailing garbage */
	assert_int_equal(decode_n("{\"type\":\"ping\"}\0", 16, &c, &r), PROTO_BAD_JSON);
}

/* ---- bad_frame ---- */

static void test_bad_type(void **state)
{
	bad_frame("{}");
	bad_frame("{\"chat\":1}");
	bad_frame("{\"type\":1}");
	bad_frame("{\"type\":null}");
	bad_frame("{\"type\":true}");
	bad_frame("{\"type\":[\"ping\"]}");
	bad_frame("{\"type\":{\"ping\":1}}");
	bad_frame("{\"type\":\"\"}");
	bad_frame("{\"type\":\"pong\"}");
	bad_frame("{\"type\":\"PING\"}");
	bad_frame("{\"type\":\"ping \"}");
	bad_frame("{\"type\":\"welcome\"}");
	bad_frame("{\"Type\":\"ping\"}");
}

static void test_unknown_field(void **state)
{
	bad_frame("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":\"x\",\"extra\":1}");
	bad_frame("{\"type\":\"ping\",\"extra\":null}");
	bad_frame("{\"type\":\"ping\",\"chat\":1}");
	bad_frame("{\"type\":\"hello\",\"role\":\"patron\",\"name\":\"x\"}");
	bad_frame("{\"type\":\"join\",\"queue\":1,\"chat\":1,\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"resume\",\"chat\":1,\"after\":0,\"cmid\":\"a\"}");
	bad_frame("{\"type\":\"typing\",\"chat\":1,\"on\":true,\"text\":\"x\"}");
	bad_frame("{\"type\":\"pick\",\"chat\":1,\"after\":0}");
	bad_frame("{\"type\":\"end\",\"chat\":1,\"queue\":1}");
}

static void test_missing_field(void **state)
{
	bad_frame("{\"type\":\"hello\"}");
	bad_frame("{\"type\":\"join\",\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"join\",\"queue\":1,\"text\":\"x\"}");
	bad_frame("{\"type\":\"join\",\"queue\":1,\"cmid\":\"a\"}");
	bad_frame("{\"type\":\"send\",\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"send\",\"chat\":1,\"text\":\"x\"}");
	bad_frame("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\"}");
	bad_frame("{\"type\":\"resume\",\"chat\":1}");
	bad_frame("{\"type\":\"resume\",\"after\":1}");
	bad_frame("{\"type\":\"typing\",\"chat\":1}");
	bad_frame("{\"type\":\"typing\",\"on\":true}");
	bad_frame("{\"type\":\"pick\"}");
	bad_frame("{\"type\":\"end\"}");
}

static void test_wrong_types(void **state)
{
	bad_frame("{\"type\":\"send\",\"chat\":\"1\",\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"send\",\"chat\":1.0,\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"send\",\"chat\":null,\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"send\",\"chat\":1,\"cmid\":7,\"text\":\"x\"}");
	bad_frame("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":5}");
	bad_frame("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":null}");
	bad_frame("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\",\"text\":[\"x\"]}");
	bad_frame("{\"type\":\"join\",\"queue\":\"ask\",\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"typing\",\"chat\":1,\"on\":1}");
	bad_frame("{\"type\":\"typing\",\"chat\":1,\"on\":0}");
	bad_frame("{\"type\":\"typing\",\"chat\":1,\"on\":\"true\"}");
	bad_frame("{\"type\":\"typing\",\"chat\":1,\"on\":null}");
	bad_frame("{\"type\":\"resume\",\"chat\":1,\"after\":\"0\"}");
	bad_frame("{\"type\":\"resume\",\"chat\":1,\"after\":0.5}");
	bad_frame("{\"type\":\"pick\",\"chat\":true}");
	bad_frame("{\"type\":\"end\",\"chat\":{}}");
	bad_frame("{\"type\":\"hello\",\"role\":1}");
	bad_frame("{\"type\":\"hello\",\"role\":\"patron\",\"token\":1}");
	bad_frame("{\"type\":\"hello\",\"role\":\"patron\",\"token\":null}");
	bad_frame("{\"type\":\"hello\",\"role\":\"patron\",\"library\":2}");
}

static void test_negative_ids(void **state)
{
	struct cmd c;

	bad_frame("{\"type\":\"send\",\"chat\":-1,\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"join\",\"queue\":-3,\"cmid\":\"a\",\"text\":\"x\"}");
	bad_frame("{\"type\":\"resume\",\"chat\":-1,\"after\":0}");
	bad_frame("{\"type\":\"resume\",\"chat\":1,\"after\":-1}");
	bad_frame("{\"type\":\"resume\",\"chat\":1,\"after\":-9223372036854775808}");
	bad_frame("{\"type\":\"typing\",\"chat\":-5,\"on\":true}");
	bad_frame("{\"type\":\"pick\",\"chat\":-9223372036854775808}");
	bad_frame("{\"type\":\"end\",\"chat\":-1}");
	/* zero is a well-formed id (it matches no chat; that is not_found, later) */
	ok("{\"type\":\"end\",\"chat\":0}", CMD_END, "end", &c);
	assert_int_equal(c.chat, 0);
	proto_cmd_free(&c);
}

static void test_bad_role(void **state)
{
	bad_frame("{\"type\":\"hello\",\"role\":\"admin\"}");
	bad_frame("{\"type\":\"hello\",\"role\":\"\"}");
	bad_frame("{\"type\":\"hello\",\"role\":\"Patron\"}");
	bad_frame("{\"type\":\"hello\",\"role\":\"patron \"}");
	bad_frame("{\"type\":\"hello\",\"role\":\"staffer\"}");
	bad_frame("{\"type\":\"hello\",\"role\":\"sta\"}");
}

static void test_cmid_in_frames(void **state)
{
	char frame[256], id[80];
	struct cmd c;
	struct res r;
	int i;

	for (i = 0; i < 64; i++)
		id[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"[i];
	id[64] = '\0';
	snprintf(frame, sizeof frame,
		 "{\"type\":\"send\",\"chat\":1,\"cmid\":\"%s\",\"text\":\"x\"}", id);
	ok(frame, CMD_SEND, "send", &c);
	assert_string_equal(c.cmid, id);
	assert_int_equal(strlen(c.cmid), 64);
	proto_cmd_free(&c);
	snprintf(frame, sizeof frame,
		 "{\"type\":\"join\",\"queue\":1,\"cmid\":\"%s\",\"text\":\"x\"}", id);
	ok(frame, CMD_JOIN, "join", &c);
	assert_string_equal(c.cmid, id);
	proto_cmd_free(&c);

	/* 65 characters: refused; ref falls back to the type */
	id[64] = 'z';
	id[65] = '\0';
	snprintf(frame, sizeof frame,
		 "{\"type\":\"send\",\"chat\":1,\"cmid\":\"%s\",\"text\":\"x\"}", id);
	fails(frame, PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "send");

	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"\",\"text\":\"x\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "send");
	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a b\",\"text\":\"x\"}", PROTO_BAD_FRAME,
	      &r);
	assert_string_equal(r.ref, "send");
	fails("{\"type\":\"join\",\"queue\":1,\"cmid\":\" ab\",\"text\":\"x\"}", PROTO_BAD_FRAME,
	      &r);
	assert_string_equal(r.ref, "join");
	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"caf\xC3\xA9\",\"text\":\"x\"}",
	      PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "send");
	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"caf\\u00e9\",\"text\":\"x\"}",
	      PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "send");
	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a.b\",\"text\":\"x\"}", PROTO_BAD_FRAME,
	      &r);
	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a/b\",\"text\":\"x\"}", PROTO_BAD_FRAME,
	      &r);
	fails("{\"type\":\"send\",\"chat\":1,\"cmid\":\"a\\nb\",\"text\":\"x\"}", PROTO_BAD_FRAME,
	      &r);
}

static void test_ref(void **state)
{
	struct cmd c;
	struct res r;

	/* a valid cmid is echoed, whatever else is wrong */
	fails("{\"type\":\"send\",\"chat\":-1,\"cmid\":\"k2x9\",\"text\":\"x\"}", PROTO_BAD_FRAME,
	      &r);
	assert_string_equal(r.ref, "k2x9");
	fails("{\"type\":\"send\",\"chat\":\"5\",\"cmid\":\"k2x9\",\"text\":\"x\"}",
	      PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "k2x9");
	fails("{\"type\":\"send\",\"chat\":5,\"cmid\":\"k2x9\",\"text\":\"x\",\"extra\":1}",
	      PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "k2x9");
	fails("{\"cmid\":\"k2x9\",\"chat\":5}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "k2x9");
	fails("{\"type\":5,\"cmid\":\"k2x9\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "k2x9");
	fails("{\"type\":\"launch\",\"cmid\":\"k2x9\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "k2x9");

	/* without a cmid, the type */
	fails("{\"type\":\"pick\",\"chat\":\"x\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "pick");
	fails("{\"type\":\"resume\",\"chat\":1,\"after\":-1}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "resume");
	fails("{\"type\":\"hello\",\"role\":\"admin\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "hello");
	fails("{\"type\":\"launch\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "launch");
	/* a cmid that is not valid is not echoed */
	fails("{\"type\":\"launch\",\"cmid\":\"no way\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "launch");
	fails("{\"type\":\"launch\",\"cmid\":17}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "launch");

	/* nothing usable: empty */
	fails("{}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "");
	fails("{\"type\":\"<script>\"}", PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "");
	fails("{\"type\":"
	      "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	      PROTO_BAD_FRAME, &r);
	assert_string_equal(r.ref, "");
	fails("{\"type\":\"ping\",\"type\":\"ping\",\"cmid\":\"k2x9\"}", PROTO_BAD_JSON, &r);
	assert_string_equal(r.ref, "");

	/* on success too */
	assert_int_equal(decode_n("{\"type\":\"ping\"}", 15, &c, &r), PROTO_OK);
	assert_string_equal(r.ref, "ping");
	proto_cmd_free(&c);
}

/* The error text is cut to msglen and stays terminated. */
static void test_small_msg_buffer(void **state)
{
	const char *s = "{\"type\":\"launch\"}";
	char msg[4], ref[65];
	struct cmd c;

	memset(msg, 'Z', sizeof msg);
	assert_int_equal(proto_decode(s, strlen(s), &c, msg, sizeof msg, ref), PROTO_BAD_FRAME);
	assert_int_equal(strlen(msg), 3);
	memset(msg, 'Z', sizeof msg);
	assert_int_equal(proto_decode("[1]", 3, &c, msg, 1, ref), PROTO_BAD_JSON);
	assert_int_equal(msg[0], '\0');
	assert_int_equal(msg[1], 'Z');
}

/* ---- proto_utf8_valid ---- */

static int utf8(const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	int v;

	assert_non_null(copy);
	memcpy(copy, s, n);
	v = proto_utf8_valid(copy, n);
	free(copy);
	return v;
}

#define U8(lit) utf8(lit, sizeof lit - 1)

static void test_utf8_accepts(void **state)
{
	assert_int_equal(utf8("", 0), 1);
	assert_int_equal(U8("plain ASCII ~!@#\x7F"), 1);
	assert_int_equal(utf8("a\0b", 3), 1); /* NUL is ASCII; n, not the NUL, ends it */
	assert_int_equal(U8("\xC2\x80"), 1); /* U+0080 */
	assert_int_equal(U8("\xC3\xA9"), 1); /* é */
	assert_int_equal(U8("\xDF\xBF"), 1); /* U+07FF */
	assert_int_equal(U8("\xE0\xA0\x80"), 1); /* U+0800 */
	assert_int_equal(U8("\xE2\x82\xAC"), 1); /* € */
	assert_int_equal(U8("\xED\x9F\xBF"), 1); /* U+D7FF */
	assert_int_equal(U8("\xEE\x80\x80"), 1); /* U+E000 */
	assert_int_equal(U8("\xEF\xBF\xBF"), 1); /* U+FFFF */
	assert_int_equal(U8("\xF0\x90\x80\x80"), 1); /* U+10000 */
	assert_int_equal(U8("\xF0\x9F\x99\x82"), 1); /* 🙂 */
	assert_int_equal(U8("\xF4\x8F\xBF\xBF"), 1); /* U+10FFFF */
	assert_int_equal(U8("a\xC3\xA9z\xE6\x97\xA5\xF0\x9F\x99\x82!"), 1);
}

static void test_utf8_rejects(void **state)
{
	assert_int_equal(U8("\x80"), 0); /* lone continuation bytes */
	assert_int_equal(U8("\xBF"), 0);
	assert_int_equal(U8("a\x80z"), 0);
	assert_int_equal(U8("\xC3\xA9\xA9"), 0);
	/* truncated at the end of the buffer */
	assert_int_equal(U8("\xC3"), 0);
	assert_int_equal(U8("abc\xE2\x82"), 0);
	assert_int_equal(U8("\xE2"), 0);
	assert_int_equal(U8("\xF0\x9F\x99"), 0);
	assert_int_equal(U8("\xF0\x9F"), 0);
	assert_int_equal(U8("\xF0"), 0);
	assert_int_equal(utf8("\xE2\x82\xAC", 2), 0); /* complete in memory, cut by n */
	assert_int_equal(utf8("\xF0\x9F\x99\x82", 3), 0);
	/* truncated before an ASCII byte */
	assert_int_equal(U8("\xC3z"), 0);
	assert_int_equal(U8("\xE2\x82z"), 0);
	assert_int_equal(U8("\xF0\x9F\x99z"), 0);
	/* overlong encodings */
	assert_int_equal(U8("\xC0\xAF"), 0);
	assert_int_equal(U8("\xC0\x80"), 0);
	assert_int_equal(U8("\xC1\xBF"), 0);
	assert_int_equal(U8("\xE0\x80\xAF"), 0);
	assert_int_equal(U8("\xE0\x9F\xBF"), 0);
	assert_int_equal(U8("\xF0\x80\x80\xAF"), 0);
	assert_int_equal(U8("\xF0\x8F\xBF\xBF"), 0);
	/* UTF-16 surrogates */
	assert_int_equal(U8("\xED\xA0\x80"), 0);
	assert_int_equal(U8("\xED\xBF\xBF"), 0);
	assert_int_equal(U8("\xED\xA0\xBD\xED\xB8\x82"), 0); /* CESU-8 pair */
	/* above U+10FFFF */
	assert_int_equal(U8("\xF4\x90\x80\x80"), 0);
	assert_int_equal(U8("\xF7\xBF\xBF\xBF"), 0);
	/* bytes that never occur */
	for (unsigned b = 0xF5; b <= 0xFF; b++) {
		char s[4] = {(char)b, '\x80', '\x80', '\x80'};

		assert_int_equal(utf8(s, 1), 0);
		assert_int_equal(utf8(s, 4), 0);
	}
}

/* Table 3-7 of the Unicode Standard, written independently of proto.c. */
static int ref_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], lo = 0x80, hi = 0xBF;
		size_t k, j;

		if (c <= 0x7F) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			k = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			k = 2;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 3;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return 0;
		}
		if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return 0;
		i += k + 1;
	}
	return 1;
}

/* Every 1-, 2- and 3-byte string, and a fixed sample of 4-byte ones, against the table. */
static void test_utf8_exhaustive(void **state)
{
	unsigned char s[4];
	uint32_t x = 12345;
	long bad = 0;

	for (unsigned a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		if (proto_utf8_valid((char *)s, 1) != ref_utf8(s, 1))
			bad++;
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			if (proto_utf8_valid((char *)s, 2) != ref_utf8(s, 2))
				bad++;
			for (unsigned c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				if (proto_utf8_valid((char *)s, 3) != ref_utf8(s, 3))
					bad++;
			}
		}
	}
	for (int i = 0; i < 2000000; i++) {
		x = x * 1103515245u + 12345u;
		s[0] = (unsigned char)(0xE0 + (x >> 24) % 0x20);
		s[1] = (unsigned char)(0x70 + (x >> 16) % 0x60);
		s[2] = (unsigned char)(0x70 + (x >> 8) % 0x60);
		s[3] = (unsigned char)(0x70 + (x >> 3) % 0x60);
		if (proto_utf8_valid((char *)s, 4) != ref_utf8(s, 4))
			bad++;
	}
	assert_int_equal(bad, 0);
}

/* ---- proto_cmid_valid ---- */

static void test_cmid_valid(void **state)
{
	char s[1001];

	assert_int_equal(proto_cmid_valid(""), 0);
	assert_int_equal(proto_cmid_valid("a"), 1);
	assert_int_equal(proto_cmid_valid("-"), 1);
	assert_int_equal(proto_cmid_valid("_"), 1);
	assert_int_equal(proto_cmid_valid("0"), 1);
	assert_int_equal(proto_cmid_valid("AZaz09_-"), 1);
	assert_int_equal(proto_cmid_valid("k2x9"), 1);
	/* the neighbours of each allowed range */
	assert_int_equal(proto_cmid_valid("@"), 0);
	assert_int_equal(proto_cmid_valid("["), 0);
	assert_int_equal(proto_cmid_valid("`"), 0);
	assert_int_equal(proto_cmid_valid("{"), 0);
	assert_int_equal(proto_cmid_valid("/"), 0);
	assert_int_equal(proto_cmid_valid(":"), 0);
	assert_int_equal(proto_cmid_valid("^"), 0);
	assert_int_equal(proto_cmid_valid("."), 0);
	assert_int_equal(proto_cmid_valid("+"), 0);
	assert_int_equal(proto_cmid_valid("="), 0);
	assert_int_equal(proto_cmid_valid("a b"), 0);
	assert_int_equal(proto_cmid_valid(" a"), 0);
	assert_int_equal(proto_cmid_valid("a "), 0);
	assert_int_equal(proto_cmid_valid("a\tb"), 0);
	assert_int_equal(proto_cmid_valid("caf\xC3\xA9"), 0);
	assert_int_equal(proto_cmid_valid("\xFF"), 0);
	/* every byte: exactly 64 are allowed */
	{
		int n = 0;

		for (int b = 1; b < 256; b++) {
			char one[2] = {(char)b, '\0'};

			n += proto_cmid_valid(one);
		}
		assert_int_equal(n, 64);
	}
	/* length: 64 yes, 65 no, long no (and no reading past the NUL) */
	memset(s, 'a', sizeof s - 1);
	s[64] = '\0';
	assert_int_equal(proto_cmid_valid(s), 1);
	s[63] = '\0';
	assert_int_equal(proto_cmid_valid(s), 1);
	s[63] = 'a';
	s[64] = 'a';
	s[65] = '\0';
	assert_int_equal(proto_cmid_valid(s), 0);
	s[65] = 'a';
	s[1000] = '\0';
	assert_int_equal(proto_cmid_valid(s), 0);
	{
		char *h = malloc(65);

		assert_non_null(h);
		memset(h, '-', 64);
		h[64] = '\0';
		assert_int_equal(proto_cmid_valid(h), 1);
		free(h);
	}
}

/* ---- fuzz ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, same run every time */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static const char *const seeds[] = {
	"{\"type\":\"hello\",\"role\":\"patron\"}",
	"{\"type\":\"hello\",\"role\":\"patron\",\"token\":\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
	"KLM-_01\",\"library\":\"demo\"}",
	"{\"type\":\"hello\",\"role\":\"staff\"}",
	"{\"type\":\"join\",\"queue\":1,\"cmid\":\"q1\",\"text\":\"Do you have Dune?\"}",
	"{\"type\":\"send\",\"chat\":5,\"cmid\":\"k2x9\",\"text\":\"h\xC3\xA9llo \xE6\x97\xA5 "
	"\xF0\x9F\x99\x82 \\u00e9\\ud83d\\ude42\\n\"}",
	"{\"type\":\"resume\",\"chat\":5,\"after\":7}",
	"{\"type\":\"typing\",\"chat\":5,\"on\":true}",
	"{\"type\":\"typing\",\"chat\":5,\"on\":false}",
	"{\"type\":\"pick\",\"chat\":5}",
	"{\"type\":\"end\",\"chat\":5}",
	"{\"type\":\"ping\"}",
};

static const char *const names[] = {"hello",  "join", "send", "resume",
				    "typing", "pick", "end",  "ping"};

static const char tokens[] = "{}[]\":,\\-0123456789.eE tfn\x00\x80\xC3\xA9\xED\xF0\xFFu";

/* One random edit of buf[*len] (capacity cap). */
static void mutate(char *buf, size_t *len, size_t cap)
{
	size_t n = *len, at = n ? rnd() % n : 0;

	switch (rnd() % 7) {
	case 0: /* flip a bit */
		if (n)
			buf[at] ^= (char)(1u << (rnd() % 8));
		break;
	case 1: /* replace with a random byte */
		if (n)
			buf[at] = (char)rnd();
		break;
	case 2: /* replace with a structural or tricky byte */
		if (n)
			buf[at] = tokens[rnd() % (sizeof tokens - 1)];
		break;
	case 3: /* insert */
		if (n < cap) {
			memmove(buf + at + 1, buf + at, n - at);
			buf[at] = tokens[rnd() % (sizeof tokens - 1)];
			*len = n + 1;
		}
		break;
	case 4: /* delete a run */
		if (n) {
			size_t k = 1 + rnd() % 4;

			if (k > n - at)
				k = n - at;
			memmove(buf + at, buf + at + k, n - at - k);
			*len = n - k;
		}
		break;
	case 5: /* truncate */ *len = at; break;
	default: /* duplicate a run (duplicates keys, values, nesting) */
		if (n) {
			size_t k = 1 + rnd() % 12;

			if (k > n - at)
				k = n - at;
			if (n + k <= cap) {
				memmove(buf + at + k, buf + at, n - at);
				*len = n + k;
			}
		}
		break;
	}
}

static void check_decoded(const char *buf, size_t len, long *oks)
{
	struct res r;
	struct cmd c;
	int rc = decode_n(buf, len, &c, &r);

	if (rc != PROTO_OK) {
		assert_true(rc == PROTO_BAD_JSON || rc == PROTO_BAD_FRAME);
		assert_true(r.ref[0] == '\0' || proto_cmid_valid(r.ref));
		return;
	}
	(*oks)++;
	assert_non_null(c.type_name);
	assert_true((unsigned)c.type < sizeof names / sizeof names[0]);
	assert_string_equal(c.type_name, names[c.type]);
	assert_non_null(c.root);
	assert_true(c.chat >= 0 && c.queue >= 0 && c.after >= 0);
	assert_true(c.on == 0 || c.on == 1);
	if (c.type == CMD_HELLO)
		assert_true(!strcmp(c.role, "patron") || !strcmp(c.role, "staff"));
	if (c.type == CMD_JOIN || c.type == CMD_SEND) {
		assert_true(proto_cmid_valid(c.cmid));
		assert_string_equal(r.ref, c.cmid);
		assert_non_null(c.text);
		assert_int_equal(strlen(c.text), c.text_len);
		assert_true(proto_utf8_valid(c.text, c.text_len));
	} else {
		assert_string_equal(c.cmid, "");
		assert_null(c.text);
	}
	proto_cmd_free(&c);
	assert_null(c.root);
}

/* The relationship frames: remember, forget, choose, rate, favourite, prefer. */
static void test_relationship_frames(void **state)
{
	struct cmd c;
	struct res r;
	char big[400];

	(void)state;
	ok("{\"type\":\"remember\",\"notice\":\"2026-11\",\"display_name\":\"Maya <b>\","
	   "\"preferred_name\":\"May\",\"pronouns\":\"she/her\",\"email\":\"m@example.org\"}",
	   CMD_REMEMBER, "remember", &c);
	assert_string_equal(c.notice, "2026-11");
	assert_string_equal(c.display_name, "Maya <b>"); /* text, kept as given */
	assert_string_equal(c.preferred_name, "May");
	assert_string_equal(c.pronouns, "she/her");
	assert_string_equal(c.email, "m@example.org");
	proto_cmd_free(&c);
	ok("{\"type\":\"remember\",\"notice\":\"2026-11\"}", CMD_REMEMBER, "remember", &c);
	assert_string_equal(c.display_name, "");
	assert_string_equal(c.email, "");
	proto_cmd_free(&c);
	fails("{\"type\":\"remember\"}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"remember\",\"notice\":7}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"remember\",\"notice\":\"2026-11\",\"email\":\"not an address\"}",
	      PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"remember\",\"notice\":\"2026-11\",\"email\":\"a@b\",\"x\":1}",
	      PROTO_BAD_FRAME, &r);
	snprintf(big, sizeof big, "{\"type\":\"remember\",\"notice\":\"v\",\"pronouns\":\"%.*s\"}",
		 PROTO_PRONOUNS_MAX + 1,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	fails(big, PROTO_BAD_FRAME, &r);

	ok("{\"type\":\"forget\"}", CMD_FORGET, "forget", &c);
	proto_cmd_free(&c);
	fails("{\"type\":\"forget\",\"all\":true}", PROTO_BAD_FRAME, &r);

	ok("{\"type\":\"choose\",\"chat\":5,\"choice\":\"first\"}", CMD_CHOOSE, "choose", &c);
	assert_int_equal(c.chat, 5);
	assert_string_equal(c.choice, "first");
	proto_cmd_free(&c);
	ok("{\"type\":\"choose\",\"chat\":5,\"choice\":\"staff\",\"staff\":3}", CMD_CHOOSE,
	   "choose", &c);
	assert_int_equal(c.staff, 3);
	proto_cmd_free(&c);
	fails("{\"type\":\"choose\",\"chat\":5,\"choice\":\"staff\"}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"choose\",\"chat\":5,\"choice\":\"wait\",\"staff\":3}", PROTO_BAD_FRAME,
	      &r);
	fails("{\"type\":\"choose\",\"chat\":5,\"choice\":\"later\"}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"choose\",\"chat\":5,\"choice\":\"staff\",\"staff\":-2}", PROTO_BAD_FRAME,
	      &r);

	ok("{\"type\":\"rate\",\"chat\":5,\"rating\":5}", CMD_RATE, "rate", &c);
	assert_int_equal(c.rating, 5);
	proto_cmd_free(&c);
	fails("{\"type\":\"rate\",\"chat\":5,\"rating\":0}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"rate\",\"chat\":5,\"rating\":6}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"rate\",\"chat\":5,\"rating\":4.5}", PROTO_BAD_FRAME, &r);

	ok("{\"type\":\"favourite\",\"staff\":2,\"on\":false}", CMD_FAVOURITE, "favourite", &c);
	assert_int_equal(c.staff, 2);
	assert_int_equal(c.on, 0);
	proto_cmd_free(&c);
	fails("{\"type\":\"favourite\",\"staff\":0,\"on\":true}", PROTO_BAD_FRAME, &r);
	ok("{\"type\":\"prefer\",\"staff\":0}", CMD_PREFER, "prefer", &c);
	assert_int_equal(c.staff, 0);
	proto_cmd_free(&c);
	fails("{\"type\":\"prefer\"}", PROTO_BAD_FRAME, &r);

	ok("{\"type\":\"join\",\"queue\":1,\"cmid\":\"j1\",\"text\":\"hi\",\"staff\":2}", CMD_JOIN,
	   "join", &c);
	assert_int_equal(c.staff, 2);
	proto_cmd_free(&c);
}

/* status: on duty or Away, with an optional hand-back only when going Away. */
static void test_status_frame(void **state)
{
	struct cmd c;
	struct res r;

	ok("{\"type\":\"status\",\"status\":\"away\"}", CMD_STATUS, "status", &c);
	assert_int_equal(c.away, 1);
	assert_int_equal(c.on, 0);
	proto_cmd_free(&c);
	ok("{\"type\":\"status\",\"status\":\"away\",\"handback\":true}", CMD_STATUS, "status", &c);
	assert_int_equal(c.away, 1);
	assert_int_equal(c.on, 1);
	proto_cmd_free(&c);
	ok("{\"type\":\"status\",\"status\":\"on_duty\",\"handback\":false}", CMD_STATUS, "status",
	   &c);
	assert_int_equal(c.away, 0);
	proto_cmd_free(&c);
	fails("{\"type\":\"status\",\"status\":\"on_duty\",\"handback\":true}", PROTO_BAD_FRAME,
	      &r);
	fails("{\"type\":\"status\",\"status\":\"lunch\"}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"status\"}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"status\",\"status\":1}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"status\",\"status\":\"away\",\"handback\":1}", PROTO_BAD_FRAME, &r);
	fails("{\"type\":\"status\",\"status\":\"away\",\"chat\":1}", PROTO_BAD_FRAME, &r);
}

static void test_fuzz(void **state)
{
	enum { ROUNDS = 20000, CAP = 512 };
	size_t nseeds = sizeof seeds / sizeof seeds[0];
	char buf[CAP];
	long oks = 0;

	rng_state = 0x9E3779B97F4A7C15ULL;
	for (size_t i = 0; i < nseeds; i++)
		check_decoded(seeds[i], strlen(seeds[i]), &oks);
	assert_int_equal(oks, (long)nseeds);
	oks = 0;
	for (int round = 0; round < ROUNDS; round++) {
		const char *seed = seeds[rnd() % nseeds];
		size_t len = strlen(seed);
		int edits = rnd() % 2 ? 1 : 1 + (int)(rnd() % 4);

		memcpy(buf, seed, len);
		for (int e = 0; e < edits; e++)
			mutate(buf, &len, CAP);
		check_decoded(buf, len, &oks);
	}
	/* the loop must exercise both outcomes to mean anything */
	print_message("fuzz: %ld of %d mutants decoded\n", oks, (int)ROUNDS);
	assert_true(oks > ROUNDS / 100);
	assert_true(oks < ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_patron),
		cmocka_unit_test(test_hello_staff),
		cmocka_unit_test(test_hello_limits),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_send_utf8),
		cmocka_unit_test(test_resume_typing_pick_end_ping),
		cmocka_unit_test(test_length_is_honoured),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_missing_field),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_negative_ids),
		cmocka_unit_test(test_bad_role),
		cmocka_unit_test(test_cmid_in_frames),
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_small_msg_buffer),
		cmocka_unit_test(test_utf8_accepts),
		cmocka_unit_test(test_utf8_rejects),
		cmocka_unit_test(test_utf8_exhaustive),
		cmocka_unit_test(test_cmid_valid),
		cmocka_unit_test(test_relationship_frames),
		cmocka_unit_test(test_status_frame),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
