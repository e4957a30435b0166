/* test_settings.c: what an administrator may set (src/desk/settings.c) and widget origins
 * (src/util/origin.c, libcurl's URL parser), linked alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "desk/settings.h"
#include "util/origin.h"

static void test_slugs(void **state)
{
	char long_slug[70];

	assert_true(settings_slug_ok("ask"));
	assert_true(settings_slug_ok("evening-desk-2"));
	assert_true(settings_slug_ok("0"));
	assert_false(settings_slug_ok(""));
	assert_false(settings_slug_ok("-ask"));
	assert_false(settings_slug_ok("Ask"));
	assert_false(settings_slug_ok("a b"));
	assert_false(settings_slug_ok("a/b"));
	assert_false(settings_slug_ok("caf\xc3\xa9"));
	assert_false(settings_slug_ok(NULL));
	memset(long_slug, 'a', 64);
	long_slug[64] = '\0';
	assert_false(settings_slug_ok(long_slug)); /* 64: one too many */
	long_slug[63] = '\0';
	assert_true(settings_slug_ok(long_slug));
}

static void test_colours(void **state)
{
	char out[8];

	assert_int_equal(settings_colour("#1A5f7a", out), 0);
	assert_string_equal(out, "#1a5f7a");
	assert_int_equal(settings_colour("", out), 0);
	assert_string_equal(out, "");
}

static void test_colours_refused(void **state)
{
	static const char *const bad[] = {"red",    "#fff",	"#12345g",
					  "1a5f7a", "#1a5f7a ", "#1a5f7aa",
					  "url(x)", "#1a5f7a;", "expression(1)"};
	char out[8] = "x";

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(settings_colour(bad[i], out), -1);
		assert_string_equal(out, ""); /* nothing half-copied */
	}
	assert_int_equal(settings_colour(NULL, out), -1);
}

static void test_card_fields(void **state)
{
	char out[256];
	unsigned mask;

	assert_int_equal(settings_card_index("display_name"), 0);
	assert_int_equal(settings_card_index("followups"), SETTINGS_CARD_N - 1);
	assert_int_equal(settings_card_index("ssn"), -1);
	assert_int_equal(settings_card_index(NULL), -1);
	assert_null(settings_card_name(SETTINGS_CARD_N));
	mask = (1u << settings_card_index("tenure")) |
	       (1u << settings_card_index("preferred_name"));
	settings_card_format(mask, out, sizeof out);
	assert_string_equal(out, "preferred_name,tenure"); /* the card's order */
	assert_int_equal(settings_card_parse(out), mask);
	assert_int_equal(settings_card_parse("tenure,,bogus,preferred_name"), mask);
	assert_int_equal(settings_card_parse(""), 0);
	settings_card_format(0, out, sizeof out);
	assert_string_equal(out, "");
	settings_card_format((1u << SETTINGS_CARD_N) - 1, out, 20); /* whole names only */
	assert_string_equal(out, "display_name");
	settings_card_format((1u << SETTINGS_CARD_N) - 1, out, sizeof out);
	assert_int_equal(settings_card_parse(out), (1u << SETTINGS_CARD_N) - 1);
}

static void test_origins(void **state)
{
	char out[256];

	assert_int_equal(origin_normalise("https://www.library.example", out, sizeof out), 0);
	assert_string_equal(out, "https://www.library.example");
	assert_int_equal(origin_normalise("HTTPS://WWW.Library.Example:443", out, sizeof out), 0);
	assert_string_equal(out, "https://www.library.example");
	assert_int_equal(origin_normalise("http://localhost:8000", out, sizeof out), 0);
	assert_string_equal(out, "http://localhost:8000");
	assert_int_equal(origin_normalise("http://127.0.0.1:80", out, sizeof out), 0);
	assert_string_equal(out, "http://127.0.0.1");
}

static void test_origins_refused(void **state)
{
	static const char *const bad[] = {"https://www.library.example/",
					  "https://www.library.example/chat",
					  "https://www.library.example?x=1",
					  "https://www.library.example#top",
					  "https://user@www.library.example",
					  "https://u:p@www.library.example",
					  "javascript:alert(1)",
					  "ftp://files.library.example",
					  "www.library.example",
					  "",
					  "https://",
					  "https:\\\\evil.example",
					  "https://www.library.example:99999"};
	char out[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out[0] = 'x';
		assert_int_equal(origin_normalise(bad[i], out, sizeof out), -1);
		assert_string_equal(out, "");
	}
	assert_int_equal(origin_normalise("https://a.example", out, 10), -1); /* does not fit */
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_slugs),		cmocka_unit_test(test_colours),
	cmocka_unit_test(test_colours_refused), cmocka_unit_test(test_card_fields),
	cmocka_unit_test(test_origins),		cmocka_unit_test(test_origins_refused),
};

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
