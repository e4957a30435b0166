/* test_mail.c: unit tests for src/mail/message (addresses, header cleaning, RFC 2047
 * encoded words, dates, the MIME structure). Encoded text is decoded back with libsodium
 * and compared with what went in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "mail/message.h"
#include "net/proto.h"

/* Decodes one header value made of encoded words (and plain text between them) back to
 * UTF-8 into out[cap]; checks every word is at most 75 characters. */
static void decode_words(const char *v, char *out, size_t cap)
{
	size_t o = 0;

	while (*v) {
		if (!strncmp(v, "=?UTF-8?B?", 10)) {
			const char *end = strstr(v + 10, "?=");
			size_t bin = 0;

			assert_non_null(end);
			assert_true(end + 2 - v <= 75);
			assert_int_equal(sodium_base642bin((unsigned char *)out + o, cap - o - 1,
							   v + 10, (size_t)(end - v - 10), NULL,
							   &bin, NULL,
							   sodium_base64_VARIANT_ORIGINAL),
					 0);
			o += bin;
			v = end + 2;
			if (!strncmp(v, "\r\n ", 3) && !strncmp(v + 3, "=?", 2))
				v += 3; /* folding between words is not part of the text */
			continue;
		}
		out[o++] = *v++;
		assert_true(o < cap);
	}
	out[o] = '\0';
}

static void test_addresses(void **state)
{
	const char *good[] = {"a@example.org", "first.last+tag@sub.example.co.uk",
			      "o'brien@example.org", "x_y-z@a-b.example"};
	const char *bad[] = {"",
			     "a",
			     "@example.org",
			     "a@",
			     "a@example",
			     "a@.example.org",
			     "a@example..org",
			     "a@-example.org",
			     "a@example-.org",
			     ".a@example.org",
			     "a.@example.org",
			     "a..b@example.org",
			     "a b@example.org",
			     "a@example.org\r\nBcc: x@y.org",
			     "a@example.org\n",
			     "<a@example.org>",
			     "a@example.org, b@example.org",
			     "\"a\"@example.org",
			     "a@exa mple.org",
			     "zoë@example.org",
			     "a@例え.jp",
			     "a@b@example.org"};
	char longer[300];

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(mail_addr_valid(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (mail_addr_valid(bad[i]))
			fail_msg("accepted %s", bad[i]);
	memset(longer, 'a', sizeof longer);
	memcpy(longer + 250, "@b.org", 7);
	assert_false(mail_addr_valid(longer));
	assert_false(mail_addr_valid(NULL));
}

static void test_header_clean(void **state)
{
	char out[32];

	mail_header_clean(out, sizeof out, "Eve\r\nBcc: x@y\tz\x7f!");
	assert_string_equal(out, "Eve  Bcc: x@y z !");
	/* cut to fit, never inside a character: "é" is two bytes */
	mail_header_clean(out, 6, "abcdé");
	assert_string_equal(out, "abcd");
	mail_header_clean(out, 7, "abcdé");
	assert_string_equal(out, "abcdé");
	assert_true(proto_utf8_valid(out, strlen(out)));
}

static void test_header_ascii_and_encoded(void **state)
{
	struct buf b = {0};
	char dec[512];
	const char *s = "Your chat with Zoë Ñúñez — Riverside Public Library and a long tail "
			"of text so the value needs more than one word: ✓✓✓✓✓✓✓✓✓✓";

	mail_header(&b, "Subject", "Plain ASCII subject");
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "Subject: Plain ASCII subject\r\n");
	b.len = 0;
	/* "=?" in plain text would read as an encoded word: it is encoded */
	mail_header(&b, "Subject", "a =?x?= b");
	buf_putc(&b, '\0');
	assert_non_null(strstr(b.data, "=?UTF-8?B?"));
	b.len = 0;
	mail_header(&b, "Subject", s);
	buf_putc(&b, '\0');
	assert_memory_equal(b.data, "Subject: =?UTF-8?B?", 19);
	assert_non_null(strstr(b.data, "\r\n =?UTF-8?B?")); /* folded */
	for (char *l = b.data; *l;) { /* every line at most 76 characters */
		char *e = strstr(l, "\r\n");

		assert_non_null(e);
		assert_true(e - l <= 76);
		l = e + 2;
	}
	b.data[b.len - 3] = '\0'; /* drop the final CRLF */
	decode_words(b.data + 9, dec, sizeof dec);
	assert_string_equal(dec, s);
	/* a CR/LF inside a non-ASCII value is cleaned before encoding */
	b.len = 0;
	mail_header(&b, "Subject", "é\r\nBcc: x@y.org");
	buf_putc(&b, '\0');
	b.data[b.len - 3] = '\0';
	decode_words(b.data + 9, dec, sizeof dec);
	assert_string_equal(dec, "é  Bcc: x@y.org");
	buf_free(&b);
}

static void test_date_and_id(void **state)
{
	char d[40], id[128], id2[128];

	mail_date(d, 1795356309123LL); /* 2026-11-22T14:05:09Z, a Sunday */
	assert_string_equal(d, "Sun, 22 Nov 2026 14:05:09 +0000");
	mail_date(d, 0);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mail_new_message_id(id, "desk@library.example.org");
	mail_new_message_id(id2, "desk@library.example.org");
	assert_int_equal(strlen(id), 1 + 32 + 1 + strlen("library.example.org") + 1);
	assert_int_equal(id[0], '<');
	assert_non_null(strstr(id, "@library.example.org>"));
	assert_string_not_equal(id, id2);
	mail_new_message_id(id, "not an address");
	assert_non_null(strstr(id, "@rapport.invalid>"));
}

/* The base64 body of the part whose Content-Type starts with `type`, decoded. */
static void part_text(const char *msg, const char *type, char *out, size_t cap)
{
	char want[64], b64[8192];
	const char *p, *body, *end;
	size_t n = 0, bin = 0;

	snprintf(want, sizeof want, "Content-Type: %s; charset=UTF-8\r\n", type);
	p = strstr(msg, want);
	assert_non_null(p);
	body = strstr(p, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	end = strstr(body, "\r\n--");
	if (!end)
		end = body + strlen(body);
	for (; body < end; body++) {
		if (*body == '\r' || *body == '\n')
			continue;
		b64[n++] = *body;
	}
	assert_int_equal(sodium_base642bin((unsigned char *)out, cap - 1, b64, n, NULL, &bin, NULL,
					   sodium_base64_VARIANT_ORIGINAL),
			 0);
	out[bin] = '\0';
}

static void test_format(void **state)
{
	struct mail_content m = {
		.from_name = "Riverside \"Public\" Library",
		.from_addr = "desk@library.example.org",
		.to_addr = "reader@example.org",
		.subject = "Your chat — transcript",
		.text = "Line one\nZoë wrote: ça va?\r\nLast line\n",
		.html = "<p>Zoë</p>",
		.list_unsubscribe = "https://library.example.org/unsub?x=1",
		.message_id = "<0123456789abcdef0123456789abcdef@library.example.org>",
		.date_ms = 1795356309123LL,
	};
	struct buf b = {0};
	char text[512], head[2048];
	const char *sep, *p;

	assert_int_equal(mail_format(&m, &b), 0);
	buf_putc(&b, '\0');
	sep = strstr(b.data, "\r\n\r\n");
	assert_non_null(sep);
	snprintf(head, sizeof head, "%.*s", (int)(sep - b.data + 2), b.data);
	assert_non_null(strstr(head, "Date: Sun, 22 Nov 2026 14:05:09 +0000\r\n"));
	assert_non_null(strstr(head, "From: \"Riverside \\\"Public\\\" Library\" "
				     "<desk@library.example.org>\r\n"));
	assert_non_null(strstr(head, "To: <reader@example.org>\r\n"));
	assert_non_null(strstr(head, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(head, "Message-ID: <0123456789abcdef0123456789abcdef@library."
				     "example.org>\r\n"));
	assert_non_null(strstr(head, "List-Unsubscribe: <https://library.example.org/unsub?x=1>"
				     "\r\n"));
	assert_non_null(strstr(head, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(head, "Content-Type: multipart/alternative; boundary=\"=_rapport_"));
	/* every line ends with CRLF, none is longer than 998 (body lines 76) */
	for (p = b.data; *p; p++) {
		if (*p == '\n')
			assert_int_equal(p[-1], '\r');
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
	part_text(b.data, "text/plain", text, sizeof text);
	assert_string_equal(text, "Line one\r\nZoë wrote: ça va?\r\nLast line\r\n");
	part_text(b.data, "text/html", text, sizeof text);
	assert_string_equal(text, "<p>Zoë</p>");
	assert_non_null(strstr(b.data, "--\r\n")); /* the closing boundary */
	/* the same row gives the same bytes (a resend is the same message) */
	{
		struct buf again = {0};

		assert_int_equal(mail_format(&m, &again), 0);
		buf_putc(&again, '\0');
		assert_string_equal(again.data, b.data);
		buf_free(&again);
	}
	buf_free(&b);
}

static void test_format_refuses_and_plain(void **state)
{
	struct mail_content m = {.from_addr = "desk@library.example.org",
				 .to_addr = "x@example.org\r\nBcc: y@example.org",
				 .subject = "s",
				 .text = "t",
				 .message_id = "<a@b.org>"};
	struct buf b = {0};

	assert_int_equal(mail_format(&m, &b), -1);
	m.to_addr = "x@example.org";
	m.from_name = "Bibliothèque";
	m.list_unsubscribe = "https://x.org/u> \r\nBcc: y@example.org"; /* not a URL: left out */
	b.len = 0;
	assert_int_equal(mail_format(&m, &b), 0);
	buf_putc(&b, '\0');
	assert_null(strstr(b.data, "List-Unsubscribe"));
	assert_null(strstr(b.data, "\r\nBcc"));
	assert_non_null(strstr(b.data, "From: =?UTF-8?B?"));
	assert_null(strstr(b.data, "multipart")); /* no HTML: one text/plain part */
	assert_non_null(strstr(b.data, "Content-Type: text/plain; charset=UTF-8\r\n"));
	buf_free(&b);
}

/* Times in the library's zone, in words, across daylight saving and midnight/noon. */
static void test_when_and_duration(void **state)
{
	char out[64], d[32];

	(void)state;
	/* 2026-12-04 14:24:20 UTC is a Friday; London is on GMT in December */
	mail_when(out, 1796394260000LL, "Europe/London");
	assert_string_equal(out, "Friday 4 December, 2:24 pm");
	mail_when(out, 1796394260000LL, "UTC");
	assert_string_equal(out, "Friday 4 December, 2:24 pm");
	mail_when(out, 1796394260000LL, NULL);
	assert_string_equal(out, "Friday 4 December, 2:24 pm");
	/* New York is 5 hours behind in December */
	mail_when(out, 1796394260000LL, "America/New_York");
	assert_string_equal(out, "Friday 4 December, 9:24 am");
	/* 2026-07-01 11:00 UTC: London on BST is noon; Tokyo is past 8 pm */
	mail_when(out, 1782903600000LL, "Europe/London");
	assert_string_equal(out, "Wednesday 1 July, 12:00 pm");
	mail_when(out, 1782903600000LL, "Asia/Tokyo");
	assert_string_equal(out, "Wednesday 1 July, 8:00 pm");
	/* 2026-07-01 23:05 UTC is 00:05 on Thursday in London */
	mail_when(out, 1782947100000LL, "Europe/London");
	assert_string_equal(out, "Thursday 2 July, 12:05 am");

	mail_duration(d, 1800);
	assert_string_equal(d, "30 minutes");
	mail_duration(d, 60);
	assert_string_equal(d, "1 minute");
	mail_duration(d, 90);
	assert_string_equal(d, "2 minutes");
	mail_duration(d, 2);
	assert_string_equal(d, "2 seconds");
	mail_duration(d, 1);
	assert_string_equal(d, "1 second");
	mail_duration(d, 7200);
	assert_string_equal(d, "2 hours");
	mail_duration(d, 86400);
	assert_string_equal(d, "1 day");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_header_clean),
		cmocka_unit_test(test_header_ascii_and_encoded),
		cmocka_unit_test(test_date_and_id),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_refuses_and_plain),
		cmocka_unit_test(test_when_and_duration),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
