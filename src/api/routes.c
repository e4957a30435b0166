/* routes.c: every REST route, in one table, and the router. A request is matched here
 * against {method, pattern, flags, handler}; the checks a row's flags ask for run once,
 * here, in this order: not while stopping (RT_LIVE); who may call it (open, a patron's
 * Bearer token or a librarian, a librarian, an administrator) with the CSRF header on a
 * librarian's POST; then the handler runs with the {id} segments parsed. docs/API.md
 * describes every route; tests/api/routes.test.mjs checks that it, docs/openapi.yaml and
 * this table list the same ones. */
#include <string.h>

#include "api/api.h"
#include "api/errors.h"
#include "api/routes.h"
#include "util/crypto.h"

struct route {
	int method; /* enum http_method */
	const char *pattern; /* "{id}" matches a positive id */
	unsigned flags;
	void (*fn)(struct call *k);
	const char *forbidden; /* RT_ADMIN, RT_CONSORTIUM: the 403 message (NULL: the table's) */
};

static const struct route routes[] = {
	{HTTP_GET, "/healthz", RT_OPEN, rest_healthz, NULL},
	{HTTP_POST, "/api/v1/login", RT_OPEN, rest_login, NULL},
	{HTTP_POST, "/api/v1/logout", RT_STAFF, rest_logout, NULL},
	{HTTP_GET, "/api/v1/me", RT_STAFF, rest_me, NULL},
	{HTTP_GET, "/api/v1/colleagues", RT_STAFF, rest_colleagues, NULL},
	/* chats and their messages */
	{HTTP_GET, "/api/v1/chats", RT_EITHER, rest_chats, NULL},
	{HTTP_GET, "/api/v1/chats/{id}", RT_EITHER, rest_chat, NULL},
	{HTTP_POST, "/api/v1/chats/{id}/messages", RT_EITHER | RT_LIVE, rest_chat_post, NULL},
	{HTTP_POST, "/api/v1/chats/{id}/outcome", RT_STAFF, rel_outcome, NULL},
	{HTTP_POST, "/api/v1/chats/{id}/followup", RT_STAFF, followup_new, NULL},
	{HTTP_GET, "/api/v1/chats/{id}/handoffs", RT_STAFF, handoffs_of_chat, NULL},
	/* relationship memory */
	{HTTP_GET, "/api/v1/patrons/{id}/card", RT_STAFF, rel_card, NULL},
	{HTTP_POST, "/api/v1/patrons/{id}/notes", RT_STAFF, rel_note_add, NULL},
	{HTTP_POST, "/api/v1/notes/{id}", RT_STAFF, rel_note_edit, NULL},
	{HTTP_POST, "/api/v1/notes/{id}/delete", RT_ADMIN, rel_note_delete,
	 "Only an administrator may delete notes."},
	{HTTP_POST, "/api/v1/patrons/{id}/traits", RT_STAFF, rel_trait, NULL},
	{HTTP_GET, "/api/v1/trait-keys", RT_STAFF, rel_trait_keys, NULL},
	{HTTP_POST, "/api/v1/trait-keys", RT_ADMIN, rel_trait_key_post,
	 "Only an administrator may change trait keys."},
	{HTTP_GET, "/api/v1/search", RT_STAFF, rel_search, NULL},
	{HTTP_GET, "/api/v1/reports/continuity", RT_STAFF, rel_continuity, NULL},
	{HTTP_GET, "/api/v1/reports/waits", RT_STAFF, waits_report, NULL},
	{HTTP_GET, "/api/v1/reports/handoffs", RT_SUPERVISOR, handoffs_report,
	 "Only a supervisor or an administrator may see this."},
	{HTTP_GET, "/api/v1/reports/feedback", RT_SUPERVISOR, feedback_report,
	 "Only a supervisor or an administrator may see this."},
	{HTTP_GET, "/api/v1/audit/card-views", RT_ADMIN, rel_audit, NULL},
	/* librarians' profiles */
	{HTTP_GET, "/api/v1/me/profile", RT_STAFF, rel_profile, NULL},
	{HTTP_POST, "/api/v1/me/profile", RT_STAFF, rel_profile_post, NULL},
	{HTTP_POST, "/api/v1/me/photo", RT_STAFF | RT_IMAGE, rel_photo_post, NULL},
	{HTTP_POST, "/api/v1/me/photo/delete", RT_STAFF, rel_photo_delete, NULL},
	{HTTP_GET, "/api/v1/staff/{id}/photo", RT_OPEN, rel_photo, NULL},
	/* promises */
	{HTTP_GET, "/api/v1/promises", RT_STAFF, promises_list, NULL},
	{HTTP_POST, "/api/v1/promises", RT_STAFF, promises_new, NULL},
	{HTTP_GET, "/api/v1/promises/owners", RT_STAFF, promises_owners, NULL},
	{HTTP_GET, "/api/v1/promises/{id}", RT_STAFF, promises_one, NULL},
	{HTTP_POST, "/api/v1/promises/{id}/done", RT_STAFF, promises_done, NULL},
	{HTTP_POST, "/api/v1/promises/{id}/cancel", RT_STAFF, promises_cancel, NULL},
	{HTTP_POST, "/api/v1/promises/{id}/reassign", RT_STAFF, promises_reassign, NULL},
	{HTTP_GET, "/api/v1/reports/promises", RT_STAFF, promises_report, NULL},
	/* e-mail */
	{HTTP_GET, "/api/v1/outbox", RT_ADMIN, outbox_list, NULL},
	{HTTP_POST, "/api/v1/outbox/{id}/retry", RT_ADMIN, outbox_retry, NULL},
	/* follow-ups */
	{HTTP_GET, "/api/v1/followups", RT_STAFF, followup_list, NULL},
	{HTTP_POST, "/api/v1/followups/{id}/cancel", RT_STAFF, followup_cancel, NULL},
	{HTTP_GET, "/api/v1/followup", RT_OPEN, followup_public, NULL},
	{HTTP_POST, "/api/v1/followup-response", RT_OPEN, followup_response, NULL},
	{HTTP_POST, "/api/v1/followup-stop", RT_OPEN, followup_stop, NULL},
	/* offline questions */
	{HTTP_GET, "/api/v1/cases", RT_STAFF, case_list, NULL},
	{HTTP_GET, "/api/v1/cases/{id}", RT_STAFF, case_one, NULL},
	{HTTP_POST, "/api/v1/cases/{id}/reply", RT_STAFF, case_reply, NULL},
	{HTTP_POST, "/api/v1/cases/{id}/close", RT_STAFF, case_close, NULL},
	{HTTP_GET, "/api/v1/case", RT_OPEN, case_public, NULL},
	{HTTP_POST, "/api/v1/case-reply", RT_OPEN, case_public_reply, NULL},
	/* administration of the caller's library */
	{HTTP_GET, "/api/v1/admin/queues", RT_ADMIN, admin_queues, NULL},
	{HTTP_POST, "/api/v1/admin/queues", RT_ADMIN, admin_queue_new, NULL},
	{HTTP_POST, "/api/v1/admin/queues/{id}", RT_ADMIN, admin_queue_edit, NULL},
	{HTTP_GET, "/api/v1/admin/staff", RT_ADMIN, admin_staff, NULL},
	{HTTP_POST, "/api/v1/admin/staff", RT_ADMIN, admin_staff_invite, NULL},
	{HTTP_POST, "/api/v1/admin/staff/{id}", RT_ADMIN, admin_staff_edit, NULL},
	{HTTP_POST, "/api/v1/admin/staff/{id}/invite", RT_ADMIN, admin_staff_link, NULL},
	{HTTP_GET, "/api/v1/admin/library", RT_ADMIN, admin_library, NULL},
	{HTTP_POST, "/api/v1/admin/library", RT_ADMIN, admin_library_edit, NULL},
	{HTTP_GET, "/api/v1/admin/consortium", RT_ADMIN | RT_CONSORTIUM, admin_consortium,
	 "Only a consortium administrator may see the consortium."},
	/* passwords */
	{HTTP_GET, "/api/v1/set-password", RT_OPEN, password_link, NULL},
	{HTTP_POST, "/api/v1/set-password", RT_OPEN, password_link_set, NULL},
	{HTTP_POST, "/api/v1/me/password", RT_STAFF, password_change, NULL},
};

#define N_ROUTES (sizeof routes / sizeof routes[0])

/* The one id parser (api.h): a positive id, no sign, no leading zero, at most 18 digits;
 * 0 if none. */
int64_t rest_parse_id(const char *p, const char **rest)
{
	int64_t v = 0;
	int n = 0;

	if (*p < '1' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9' && n < 18) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (*p >= '0' && *p <= '9')
		return 0;
	*rest = p;
	return v;
}

/* 1 if path matches pattern, with its {id} segments in id[] (at most CALL_IDS_MAX). */
static int match(const char *pattern, const char *path, int64_t id[CALL_IDS_MAX])
{
	int n = 0;

	while (*pattern) {
		if (strncmp(pattern, "{id}", 4) == 0) {
			const char *rest = NULL;
			int64_t v = rest_parse_id(path, &rest);

			if (!v || n >= CALL_IDS_MAX)
				return 0;
			id[n++] = v;
			path = rest;
			pattern += 4;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *path == '\0';
}

static const struct route *find(int method, const char *path, int64_t id[CALL_IDS_MAX])
{
	size_t i;

	for (i = 0; i < N_ROUTES; i++)
		if (routes[i].method == method && match(routes[i].pattern, path, id))
			return &routes[i];
	return NULL;
}

const char *api_bearer(const struct http_conn *h)
{
	return strncmp(h->auth, "Bearer ", 7) == 0 && h->auth[7] ? h->auth + 7 : NULL;
}

/* Who is calling, as the row asks: 0 to go on, else the call was answered. */
static int check_caller(const struct route *r, struct call *k)
{
	struct http_conn *h = k->h;

	if ((r->flags & (RT_STAFF | RT_ADMIN | RT_SUPERVISOR | RT_CONSORTIUM | RT_EITHER)) == 0)
		return 0;
	if ((r->flags & RT_EITHER) && api_bearer(h))
		return 0; /* a patron: the handler looks the token up */
	k->session = h->cookie[0] ? auth_session_by_token(h->cookie, app_now_ms()) : NULL;
	k->staff = k->session ? desk_staff(g_app->desk, k->session->staff_id) : NULL;
	if (!k->staff) {
		call_fail(k, API_UNAUTHENTICATED,
			  r->flags & RT_EITHER ? "Log in, or send your patron token." : NULL);
		return -1;
	}
	if (h->method == HTTP_POST && (!h->csrf[0] || !crypto_str_eq(h->csrf, k->session->csrf))) {
		call_fail(k, API_CSRF_REQUIRED, NULL);
		return -1;
	}
	if (((r->flags & RT_ADMIN) && !desk_staff_admin(k->staff)) ||
	    ((r->flags & RT_SUPERVISOR) && !desk_staff_supervises(k->staff)) ||
	    ((r->flags & RT_CONSORTIUM) && k->staff->access < ACCESS_CONSORTIUM_ADMIN)) {
		call_fail(k, API_FORBIDDEN, r->forbidden);
		return -1;
	}
	return 0;
}

int api_route(struct http_conn *h)
{
	struct call k = call_http(h);
	const struct route *r = find(h->method, h->path, k.id);

	if (!r) {
		if (h->method == HTTP_GET && strncmp(h->path, "/api/", 5) != 0)
			return static_serve(h, g_app->cfg.web_root);
		call_fail(&k, API_NO_ENDPOINT, NULL);
		return 0;
	}
	if ((r->flags & RT_LIVE) && g_app->stopping)
		call_fail(&k, API_STOPPING, NULL);
	else if (check_caller(r, &k) == 0)
		r->fn(&k);
	return 0;
}

int api_route_admit(struct http_conn *h)
{
	struct call k = call_http(h);
	const struct route *r = find(h->method, h->path, k.id);

	if (!r) {
		call_fail(&k, API_NO_ENDPOINT, NULL);
		return -1;
	}
	return check_caller(r, &k);
}

int api_route_takes_image(const struct http_conn *h)
{
	int64_t id[CALL_IDS_MAX];
	const struct route *r = find(h->method, h->path, id);

	return r && (r->flags & RT_IMAGE);
}

const char *api_route_pattern(int method, const char *path, int64_t id[CALL_IDS_MAX],
			      unsigned *flags)
{
	const struct route *r = find(method, path, id);

	if (r && flags)
		*flags = r->flags;
	return r ? r->pattern : NULL;
}

size_t api_routes_count(void)
{
	return N_ROUTES;
}

const char *api_routes_at(size_t i, int *method)
{
	if (i >= N_ROUTES)
		return NULL;
	*method = routes[i].method;
	return routes[i].pattern;
}
