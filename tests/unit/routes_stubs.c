/* routes_stubs.c: what src/api/routes.c calls, for test_routes.c: every handler records
 * that it ran (its name, the librarian and ids the router gave it); a session is found
 * for the cookie "jen" (a librarian) or "sam" (an administrator), with CSRF token "t". */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "app/app.h"
#include "desk/desk.h"
#include "util/crypto.h"

#include "routes_stubs.h"

struct stub_route_log stub_route;

#define STUB(name)                                                                                 \
	void name(struct call *k)                                                                  \
	{                                                                                          \
		stub_route.handler = #name;                                                        \
		stub_route.staff = k->staff;                                                       \
		stub_route.id0 = k->id[0];                                                         \
	}
STUB(rest_healthz)
STUB(rest_me)
STUB(rest_colleagues)
STUB(handoffs_report)
STUB(handoffs_of_chat)
STUB(feedback_report)
STUB(rest_login)
STUB(rest_logout)
STUB(rest_chats)
STUB(rest_chat)
STUB(rest_chat_post)
STUB(rel_card)
STUB(rel_photo)
STUB(rel_profile)
STUB(rel_trait_keys)
STUB(rel_search)
STUB(rel_continuity)
STUB(rel_audit)
STUB(rel_note_add)
STUB(rel_note_edit)
STUB(rel_note_delete)
STUB(rel_trait)
STUB(rel_outcome)
STUB(rel_trait_key_post)
STUB(rel_profile_post)
STUB(rel_photo_post)
STUB(rel_photo_delete)
STUB(waits_report)
STUB(promises_list)
STUB(promises_owners)
STUB(promises_one)
STUB(promises_report)
STUB(promises_new)
STUB(promises_done)
STUB(promises_cancel)
STUB(promises_reassign)
STUB(outbox_list)
STUB(outbox_retry)
STUB(followup_public)
STUB(followup_list)
STUB(followup_response)
STUB(followup_stop)
STUB(followup_new)
STUB(followup_cancel)
STUB(case_public)
STUB(case_list)
STUB(case_one)
STUB(case_public_reply)
STUB(case_reply)
STUB(case_close)
STUB(admin_queues)
STUB(admin_queue_new)
STUB(admin_queue_edit)
STUB(admin_library)
STUB(admin_library_edit)
STUB(admin_consortium)
STUB(admin_staff)
STUB(admin_staff_invite)
STUB(admin_staff_edit)
STUB(admin_staff_link)
STUB(password_link)
STUB(password_link_set)
STUB(password_change)

static struct library lib = {.id = 1};
static struct staff jen = {.id = 1, .lib = &lib, .access = ACCESS_LIBRARIAN};
static struct staff sam = {.id = 2, .lib = &lib, .access = ACCESS_ADMIN};
static struct staff cleo = {.id = 3, .lib = &lib, .access = ACCESS_CONSORTIUM_ADMIN};
static struct staff sue = {.id = 4, .lib = &lib, .access = ACCESS_SUPERVISOR};
static struct session jen_s = {.staff_id = 1, .csrf = "t"};
static struct session sam_s = {.staff_id = 2, .csrf = "t"};
static struct session cleo_s = {.staff_id = 3, .csrf = "t"};
static struct session sue_s = {.staff_id = 4, .csrf = "t"};
static struct app app;
struct app *g_app = &app;

struct session *auth_session_by_token(const char *token, int64_t now)
{
	return !strcmp(token, "jen")	? &jen_s
	       : !strcmp(token, "sam")	? &sam_s
	       : !strcmp(token, "cleo") ? &cleo_s
	       : !strcmp(token, "sue")	? &sue_s
					: NULL;
}

struct staff *desk_staff(const struct desk *d, int64_t id)
{
	struct staff *all[] = {&jen, &sam, &cleo, &sue};

	return id >= 1 && id <= 4 ? all[id - 1] : NULL;
}

int crypto_str_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

int64_t app_now_ms(void)
{
	return 0;
}

int static_serve(struct http_conn *h, const char *root)
{
	stub_route.handler = "static_serve";
	return 0;
}

struct call call_http(struct http_conn *h)
{
	struct call k = {.via = CALL_HTTP, .conn_id = h->id, .h = h};

	return k;
}

void call_fail(const struct call *k, enum api_err e, const char *message)
{
	api_http_fail(k->h, e, message);
}
