/* test_utf8.c: cutting UTF-8 on character boundaries (src/util/utf8.c), linked alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/utf8.h"

/* "aé€😀": 1 + 2 + 3 + 4 bytes */
static const char TEXT[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

static void test_cut_never_splits_a_character(void **state)
{
	size_t len = strlen(TEXT);

	assert_int_equal(utf8_cut(TEXT, len, 0), 0);
	assert_int_equal(utf8_cut(TEXT, len, 1), 1);
	assert_int_equal(utf8_cut(TEXT, len, 2), 1); /* inside é */
	assert_int_equal(utf8_cut(TEXT, len, 3), 3);
	assert_int_equal(utf8_cut(TEXT, len, 5), 3); /* inside € */
	assert_int_equal(utf8_cut(TEXT, len, 6), 6);
	assert_int_equal(utf8_cut(TEXT, len, 9), 6); /* inside the emoji */
	assert_int_equal(utf8_cut(TEXT, len, 10), 10);
	assert_int_equal(utf8_cut(TEXT, len, 99), 10); /* max past the end */
}

static void test_prefix_counts_characters(void **state)
{
	size_t len = strlen(TEXT);

	assert_int_equal(utf8_prefix_chars(TEXT, len, 0), 0);
	assert_int_equal(utf8_prefix_chars(TEXT, len, 1), 1);
	assert_int_equal(utf8_prefix_chars(TEXT, len, 2), 3);
	assert_int_equal(utf8_prefix_chars(TEXT, len, 3), 6);
	assert_int_equal(utf8_prefix_chars(TEXT, len, 4), 10);
	assert_int_equal(utf8_prefix_chars(TEXT, len, 200), 10);
}

static void test_sequence_lengths(void **state)
{
	assert_int_equal(utf8_seq_len('a'), 1);
	assert_int_equal(utf8_seq_len(0xc3), 2);
	assert_int_equal(utf8_seq_len(0xe2), 3);
	assert_int_equal(utf8_seq_len(0xf0), 4);
	assert_int_equal(utf8_seq_len(0x80), 1); /* a stray continuation byte */
}

/* Text with a broken sequence is cut by its bytes, never read past len. */
static void test_short_and_broken_input(void **state)
{
	assert_int_equal(utf8_cut("", 0, 5), 0);
	assert_int_equal(utf8_prefix_chars("", 0, 3), 0);
	assert_int_equal(utf8_cut("\xc3", 1, 1), 1); /* a lead byte alone: nothing follows */
	assert_int_equal(utf8_prefix_chars("\x80\x80x", 3, 1), 2); /* strays join the first */
}

/* utf8_copy: cut to fit, never inside a character, always terminated. */
static void test_copy_fits_and_terminates(void **state)
{
	char dst[6];

	utf8_copy(dst, sizeof dst, "caf\xc3\xa9s", 6); /* "cafés" is 6 bytes: 5 fit */
	assert_string_equal(dst, "caf\xc3\xa9");
	utf8_copy(dst, sizeof dst, "ab\xe2\x82\xac\xe2\x82\xac", 8); /* a second euro won't fit */
	assert_string_equal(dst, "ab\xe2\x82\xac");
	utf8_copy(dst, 1, "abc", 3);
	assert_string_equal(dst, "");
	utf8_copy(dst, sizeof dst, "", 0);
	assert_string_equal(dst, "");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_cut_never_splits_a_character),
	cmocka_unit_test(test_prefix_counts_characters),
	cmocka_unit_test(test_sequence_lengths),
	cmocka_unit_test(test_short_and_broken_input),
	cmocka_unit_test(test_copy_fits_and_terminates),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
