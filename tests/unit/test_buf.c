/* test_buf.c: unit tests for src/util/buf (byte buffer and JSON writer). Everything the
 * writer produces is parsed back with jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/buf.h"

/* Writes {"s": <s as n bytes>} and parses it back; returns the object (caller decrefs). */
static json_t *roundtrip(const char *s, size_t n, struct buf *out)
{
	json_error_t err;
	json_t *o;

	buf_putc(out, '{');
	buf_puts(out, "\"s\":");
	json_strn(out, s, n);
	buf_putc(out, ',');
	json_close(out, '}');
	assert_false(out->oom);
	assert_int_equal(strlen(out->data), out->len);
	o = json_loadb(out->data, out->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (!o)
		fail_msg("jansson: %s in %s", err.text, out->data);
	assert_true(json_is_object(o));
	return o;
}

static void check_roundtrip(const char *s, size_t n)
{
	struct buf b = {0};
	json_t *o = roundtrip(s, n, &b);
	json_t *v = json_object_get(o, "s");

	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), n);
	assert_memory_equal(json_string_value(v), s, n);
	json_decref(o);
	buf_free(&b);
}

static void test_escapes(void **state)
{
	struct buf b = {0};
	const char *s = "say \"hi\" \\ back\\slash / end\\";
	json_t *o = roundtrip(s, strlen(s), &b);

	assert_string_equal(json_string_value(json_object_get(o, "s")), s);
	assert_non_null(strstr(b.data, "\\\"hi\\\""));
	assert_non_null(strstr(b.data, "end\\\\\""));
	json_decref(o);
	buf_free(&b);
	check_roundtrip("\"", 1);
	check_roundtrip("\\", 1);
	check_roundtrip("\"\"\\\\\"", 5);
	check_roundtrip("", 0);
}

static void test_control_chars(void **state)
{
	char all[32];
	struct buf b = {0};
	json_t *o;
	size_t i;

	for (i = 0; i < 32; i++)
		all[i] = (char)i;
	check_roundtrip(all, sizeof all); /* includes NUL, as \u0000 */
	check_roundtrip("line\nbreak\r\ttab\b\f", 17);
	check_roundtrip("\x7f", 1);
	o = roundtrip(all, sizeof all, &b);
	/* no raw control byte may appear in the output */
	for (i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] >= 0x20);
	assert_non_null(strstr(b.data, "\\u0000"));
	assert_non_null(strstr(b.data, "\\u001f"));
	assert_non_null(strstr(b.data, "\\n"));
	json_decref(o);
	buf_free(&b);
}

static void test_html_chars(void **state)
{
	const char *s = "</script><script>alert(1)&amp;</script>";
	struct buf b = {0};
	json_t *o = roundtrip(s, strlen(s), &b);

	assert_string_equal(json_string_value(json_object_get(o, "s")), s);
	assert_null(strchr(b.data, '<'));
	assert_null(strchr(b.data, '>'));
	assert_null(strchr(b.data, '&'));
	assert_non_null(strstr(b.data, "\\u003c/script\\u003e"));
	assert_non_null(strstr(b.data, "\\u0026amp;"));
	json_decref(o);
	buf_free(&b);
}

static void test_utf8_passes_through(void **state)
{
	/* é, 漢字, 😀, U+2028, and a mix with escapes around them */
	const char *s = "caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80 \xe2\x80\xa8"
			" \"\xc3\xa9\"<\xf0\x9f\x98\x80>";
	struct buf b = {0};
	json_t *o = roundtrip(s, strlen(s), &b);

	assert_string_equal(json_string_value(json_object_get(o, "s")), s);
	/* the multi-byte sequences are written as they are, not as \u escapes */
	assert_non_null(strstr(b.data, "caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x98\x80"));
	assert_null(strstr(b.data, "\\ud83d"));
	json_decref(o);
	buf_free(&b);
}

static void test_strn_bounds(void **state)
{
	struct buf b = {0};

	json_strn(&b, "abc\"def", 3); /* only the first 3 bytes */
	assert_string_equal(b.data, "\"abc\"");
	json_str(&b, NULL);
	assert_string_equal(b.data, "\"abc\"null");
	buf_free(&b);
}

static void test_object(void **state)
{
	struct buf b = {0};
	json_error_t err;
	json_t *o, *a;
	char *text;
	size_t len = 0;

	buf_putc(&b, '{');
	json_kstr(&b, "type", "msg");
	json_kint(&b, "chat", 5);
	json_kint(&b, "min", INT64_MIN);
	json_kint(&b, "max", INT64_MAX);
	json_kint(&b, "neg", -42);
	json_kbool(&b, "yes", 1);
	json_kbool(&b, "no", 0);
	json_kstr(&b, "none", NULL);
	json_kstr(&b, "comma", "a,");
	buf_puts(&b, "\"list\":[");
	json_str(&b, "x");
	buf_putc(&b, ',');
	json_str(&b, "y");
	buf_putc(&b, ',');
	json_close(&b, ']');
	buf_puts(&b, ",\"empty\":{");
	json_close(&b, '}');
	buf_puts(&b, ",\"arr0\":[");
	json_close(&b, ']');
	buf_putc(&b, ',');
	json_close(&b, '}');
	text = buf_take(&b, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!o)
		fail_msg("jansson: %s in %s", err.text, text);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "msg");
	assert_int_equal(json_integer_value(json_object_get(o, "chat")), 5);
	assert_true(json_integer_value(json_object_get(o, "min")) == INT64_MIN);
	assert_true(json_integer_value(json_object_get(o, "max")) == INT64_MAX);
	assert_int_equal(json_integer_value(json_object_get(o, "neg")), -42);
	assert_true(json_is_true(json_object_get(o, "yes")));
	assert_true(json_is_false(json_object_get(o, "no")));
	assert_true(json_is_null(json_object_get(o, "none")));
	assert_string_equal(json_string_value(json_object_get(o, "comma")), "a,");
	a = json_object_get(o, "list");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 1)), "y");
	assert_int_equal(json_object_size(json_object_get(o, "empty")), 0);
	assert_int_equal(json_array_size(json_object_get(o, "arr0")), 0);
	assert_int_equal(json_object_size(o), 12);
	json_decref(o);
	free(text);
}

static void test_growth_and_printf(void **state)
{
	struct buf b = {0};
	char *big = malloc(100001);
	size_t i;

	assert_non_null(big);
	for (i = 0; i < 100000; i++)
		big[i] = "ab\"<\n\xc3\xa9"[i % 7]; /* whole é every 7 bytes */
	big[100000] = '\0';
	/* 100000 is not a multiple of 7: cut at the last whole group */
	check_roundtrip(big, 99995);
	buf_printf(&b, "%s-%d-%05.1f", "x", 42, 3.14159);
	assert_string_equal(b.data, "x-42-003.1");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%zu,", i);
	assert_int_equal(strlen(b.data), b.len);
	assert_true(b.cap > b.len);
	assert_non_null(strstr(b.data, "998,999,"));
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	/* a taken empty buffer */
	assert_null(buf_take(&b, NULL));
	/* an out-of-memory buffer refuses to grow and buf_take hands back nothing */
	b.oom = 1;
	buf_puts(&b, "x");
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_reserve(&b, 1), -1);
	assert_null(buf_take(&b, NULL));
	assert_int_equal(b.oom, 0);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_html_chars),
		cmocka_unit_test(test_utf8_passes_through),
		cmocka_unit_test(test_strn_bounds),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_growth_and_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
