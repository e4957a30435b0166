/* test_routes.c: the REST route table, its matcher and the router's checks
 * (src/api/routes.c), linked with the error table and small stubs (test_routes.mods). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/routes.h"
#include "app/app.h"
#include "net/net.h"

#include "routes_stubs.h"

extern int stub_http_status;
extern char stub_code[64], stub_message[256], stub_ref[128];

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

/* Routes h as the router does and returns the handler that ran (NULL: answered an error,
 * its status in stub_http_status). */
static const char *route(int method, const char *path, const char *cookie, const char *csrf,
			 const char *auth)
{
	struct http_conn h = {.method = method};

	snprintf(h.path, sizeof h.path, "%s", path);
	snprintf(h.cookie, sizeof h.cookie, "%s", cookie ? cookie : "");
	snprintf(h.csrf, sizeof h.csrf, "%s", csrf ? csrf : "");
	snprintf(h.auth, sizeof h.auth, "%s", auth ? auth : "");
	memset(&stub_route, 0, sizeof stub_route);
	stub_http_status = 0;
	stub_code[0] = '\0';
	api_route(&h);
	return stub_route.handler;
}

/* Who may call a route is decided by its row, once, before the handler runs. */
static void test_caller_checks(void **state)
{
	g_app->stopping = 0;
	/* a librarian's route: no session is 401, a POST without the CSRF header 403 */
	assert_null(route(HTTP_GET, "/api/v1/patrons/5/card", NULL, NULL, NULL));
	assert_int_equal(stub_http_status, 401);
	assert_string_equal(stub_code, "unauthenticated");
	assert_string_equal(route(HTTP_GET, "/api/v1/patrons/5/card", "jen", NULL, NULL),
			    "rel_card");
	assert_int_equal(stub_route.id0, 5);
	assert_non_null(stub_route.staff);
	assert_null(route(HTTP_POST, "/api/v1/patrons/5/notes", "jen", NULL, NULL));
	assert_string_equal(stub_code, "csrf_required");
	assert_null(route(HTTP_POST, "/api/v1/patrons/5/notes", "jen", "wrong", NULL));
	assert_string_equal(stub_code, "csrf_required");
	assert_string_equal(route(HTTP_POST, "/api/v1/patrons/5/notes", "jen", "t", NULL),
			    "rel_note_add");
	/* an administrator's route: a librarian gets the row's own words */
	assert_null(route(HTTP_POST, "/api/v1/notes/3/delete", "jen", "t", NULL));
	assert_int_equal(stub_http_status, 403);
	assert_string_equal(stub_message, "Only an administrator may delete notes.");
	assert_string_equal(route(HTTP_POST, "/api/v1/notes/3/delete", "sam", "t", NULL),
			    "rel_note_delete");
	assert_null(route(HTTP_GET, "/api/v1/outbox", "jen", NULL, NULL));
	assert_string_equal(stub_message, "Only an administrator may do this.");
	/* a patron's token or a librarian: the token decides, and needs no CSRF header */
	assert_string_equal(route(HTTP_POST, "/api/v1/chats/9/messages", "jen", NULL, "Bearer x"),
			    "rest_chat_post");
	assert_null(stub_route.staff);
	assert_null(route(HTTP_POST, "/api/v1/chats/9/messages", "jen", NULL, NULL));
	assert_string_equal(stub_code, "csrf_required");
	assert_null(route(HTTP_GET, "/api/v1/chats", NULL, NULL, "Bearer "));
	assert_string_equal(stub_message, "Log in, or send your patron token.");
	/* open routes need nobody */
	assert_string_equal(route(HTTP_GET, "/api/v1/case", NULL, NULL, NULL), "case_public");
	assert_string_equal(route(HTTP_POST, "/api/v1/login", NULL, NULL, NULL), "rest_login");
}

/* Administration: a library admin or consortium admin only; the consortium's route only a
 * consortium admin (RT_CONSORTIUM), with its own words; set-password links need nobody. */
static void test_admin_roles(void **state)
{
	static const char *const admin_gets[] = {"/api/v1/admin/queues", "/api/v1/admin/staff",
						 "/api/v1/admin/library"};

	g_app->stopping = 0;
	for (size_t i = 0; i < sizeof admin_gets / sizeof admin_gets[0]; i++) {
		assert_null(route(HTTP_GET, admin_gets[i], "jen", NULL, NULL));
		assert_int_equal(stub_http_status, 403);
		assert_null(route(HTTP_GET, admin_gets[i], "sue", NULL, NULL));
		assert_int_equal(stub_http_status, 403);
		assert_non_null(route(HTTP_GET, admin_gets[i], "sam", NULL, NULL));
		assert_non_null(route(HTTP_GET, admin_gets[i], "cleo", NULL, NULL));
	}
	assert_null(route(HTTP_POST, "/api/v1/admin/staff/2", "sam", NULL, NULL));
	assert_string_equal(stub_code, "csrf_required");
	assert_string_equal(route(HTTP_POST, "/api/v1/admin/staff/2", "sam", "t", NULL),
			    "admin_staff_edit");
	assert_int_equal(stub_route.id0, 2);
	assert_null(route(HTTP_GET, "/api/v1/admin/consortium", "sam", NULL, NULL));
	assert_int_equal(stub_http_status, 403);
	assert_string_equal(stub_message,
			    "Only a consortium administrator may see the consortium.");
	assert_string_equal(route(HTTP_GET, "/api/v1/admin/consortium", "cleo", NULL, NULL),
			    "admin_consortium");
	assert_null(route(HTTP_GET, "/api/v1/admin/consortium", NULL, NULL, NULL));
	assert_int_equal(stub_http_status, 401);
	assert_string_equal(route(HTTP_POST, "/api/v1/set-password", NULL, NULL, NULL),
			    "password_link_set");
	assert_null(route(HTTP_POST, "/api/v1/me/password", "jen", NULL, NULL));
	assert_string_equal(stub_code, "csrf_required");
}

static void test_unknown_stopping_and_static(void **state)
{
	g_app->stopping = 0;
	assert_null(route(HTTP_GET, "/api/v1/nothing", "jen", NULL, NULL));
	assert_int_equal(stub_http_status, 404);
	assert_string_equal(stub_message, "No such endpoint.");
	assert_null(route(HTTP_POST, "/chat", NULL, NULL, NULL));
	assert_int_equal(stub_http_status, 404);
	assert_string_equal(route(HTTP_GET, "/chat", NULL, NULL, NULL), "static_serve");
	g_app->stopping = 1; /* a message is refused while stopping; reads go on */
	assert_null(route(HTTP_POST, "/api/v1/chats/9/messages", NULL, NULL, "Bearer x"));
	assert_int_equal(stub_http_status, 503);
	assert_string_equal(stub_code, "busy");
	assert_string_equal(route(HTTP_GET, "/api/v1/chats/9", NULL, NULL, "Bearer x"),
			    "rest_chat");
	g_app->stopping = 0;
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_caller_checks),
	cmocka_unit_test(test_admin_roles),
	cmocka_unit_test(test_unknown_stopping_and_static),

	cmocka_unit_test(test_ids_are_parsed_once_and_strictly),
	cmocka_unit_test(test_method_and_exact_path),
	cmocka_unit_test(test_every_row_reachable),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
