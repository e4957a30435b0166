/* test_routes.c: the REST route table and its matcher (src/api/routes.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/routes.h"
#include "net/net.h"

static const char *pat(int method, const char *path, int64_t id[CALL_IDS_MAX])
{
	return api_route_pattern(method, path, id, NULL);
}

static void test_ids_are_parsed_once_and_strictly(void **state)
{
	int64_t id[CALL_IDS_MAX] = {0};

	assert_string_equal(pat(HTTP_GET, "/api/v1/chats/12", id), "/api/v1/chats/{id}");
	assert_int_equal(id[0], 12);
	assert_string_equal(pat(HTTP_POST, "/api/v1/chats/7/messages", id),
			    "/api/v1/chats/{id}/messages");
	assert_int_equal(id[0], 7);
	assert_string_equal(pat(HTTP_GET, "/api/v1/chats/999999999999999999", id),
			    "/api/v1/chats/{id}");
	assert_int_equal(id[0], 999999999999999999LL);
	/* no leading zero, sign, 19 digits, empty id, trailing junk or slash */
	assert_null(pat(HTTP_GET, "/api/v1/chats/012", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/-1", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/+1", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/0", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/1234567890123456789", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/5x", id));
	assert_null(pat(HTTP_GET, "/api/v1/chats/5/", id));
}

static void test_method_and_exact_path(void **state)
{
	int64_t id[CALL_IDS_MAX] = {0};
	unsigned flags = 0;

	assert_null(pat(HTTP_GET, "/api/v1/login", id)); /* POST only */
	assert_null(pat(HTTP_POST, "/api/v1/chats/5", id)); /* GET only */
	assert_null(pat(HTTP_OTHER, "/healthz", id));
	assert_null(pat(HTTP_GET, "/api/v1/chatsX", id));
	assert_null(pat(HTTP_GET, "/api/v1/chat", id));
	assert_null(pat(HTTP_GET, "/healthz/", id));
	assert_string_equal(pat(HTTP_GET, "/api/v1/promises/owners", id),
			    "/api/v1/promises/owners");
	assert_string_equal(pat(HTTP_POST, "/api/v1/notes/3/delete", id),
			    "/api/v1/notes/{id}/delete");
	assert_int_equal(id[0], 3);
	assert_non_null(api_route_pattern(HTTP_POST, "/api/v1/me/photo", id, &flags));
	assert_true(flags & RT_IMAGE);
	assert_true(flags & RT_STAFF);
	assert_non_null(api_route_pattern(HTTP_POST, "/api/v1/notes/3/delete", id, &flags));
	assert_true(flags & RT_ADMIN);
	assert_non_null(api_route_pattern(HTTP_GET, "/api/v1/case", id, &flags));
	assert_int_equal(flags, RT_OPEN);
}

/* Every row is reachable: no two rows of one method match the same paths, and every
 * pattern is an /api/v1/ route or /healthz. */
static void test_every_row_reachable(void **state)
{
	size_t n = api_routes_count(), i;

	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		int method = 0;
		const char *p = api_routes_at(i, &method);
		char path[256];
		int64_t id[CALL_IDS_MAX] = {0};
		size_t o = 0;

		assert_true(strncmp(p, "/api/v1/", 8) == 0 || strcmp(p, "/healthz") == 0);
		/* the pattern with each {id} as 42 must match this very row */
		for (const char *c = p; *c && o + 3 < sizeof path;) {
			if (strncmp(c, "{id}", 4) == 0) {
				memcpy(path + o, "42", 2);
				o += 2;
				c += 4;
			} else {
				path[o++] = *c++;
			}
		}
		path[o] = '\0';
		assert_ptr_equal(api_route_pattern(method, path, id, NULL), p);
	}
	assert_null(api_routes_at(n, &(int){0}));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ids_are_parsed_once_and_strictly),
	cmocka_unit_test(test_method_and_exact_path),
	cmocka_unit_test(test_every_row_reachable),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
