/* routes.h: the REST handlers the route table (routes.c) names. Each is called after the
 * router's checks with a call whose h, session, staff and id[] are filled in, and
 * answers through k->h (or call_send/call_fail). */
#ifndef RAPPORT_API_ROUTES_H
#define RAPPORT_API_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#include "api/call.h"

struct http_conn;

/* The flags of a route: what the router checks before its handler runs. */
enum {
	RT_OPEN = 0, /* anyone */
	RT_STAFF = 1 << 0, /* a logged-in librarian; a POST also needs the CSRF header */
	RT_ADMIN = 1 << 1, /* an administrator (a librarian too) */
	RT_EITHER = 1 << 2, /* a patron's Bearer token, or else a librarian as RT_STAFF */
	RT_LIVE = 1 << 3, /* refused with `busy` while the server stops */
	RT_IMAGE = 1 << 4, /* the body is a PNG or JPEG image (else JSON, when there is one) */
	RT_SUPERVISOR = 1 << 6, /* a supervisor or an administrator (a librarian too) */
	RT_CONSORTIUM = 1 << 5, /* a consortium administrator (with RT_ADMIN) */
};

/* Finds and runs the route of h (GET: when the request arrives; POST: once its body has
 * been read), or answers 404; a GET outside /api/ serves a file of the web root. Returns
 * what the transport's request hook returns (static_serve's result, else 0). Loop
 * thread. */
int api_route(struct http_conn *h);
/* Runs the caller checks of h's route before its body is read: 0 to go on, else h was
 * answered (401, 403, 404). */
int api_route_admit(struct http_conn *h);
/* 1 if POST h goes to a route whose body is an image (see RT_IMAGE), else 0. */
int api_route_takes_image(const struct http_conn *h);

/* The patron token of h's "Authorization: Bearer ..." header, or NULL. */
const char *api_bearer(const struct http_conn *h);
/* The pattern of the route method+path matches (NULL: none), with its {id} segments in
 * id[] and its flags in *flags (may be NULL). For tests and the route listing. */
const char *api_route_pattern(int method, const char *path, int64_t id[CALL_IDS_MAX],
			      unsigned *flags);
/* The table, row by row: the pattern of row i and its method (NULL past the end). */
size_t api_routes_count(void);
const char *api_routes_at(size_t i, int *method);

/* rest.c */
void rest_healthz(struct call *k);
void rest_me(struct call *k);
/* rest_team.c: whom a librarian may hand a chat to now. */
void rest_colleagues(struct call *k);
/* rest_handoffs.c: the hand-off report, and one chat's hand-offs. */
void handoffs_report(struct call *k);
void handoffs_of_chat(struct call *k);
/* rest_feedback.c: patrons' ratings, by librarian (supervisors). */
void feedback_report(struct call *k);
void rest_login(struct call *k);
void rest_logout(struct call *k);
void rest_chats(struct call *k);
void rest_chat(struct call *k);
void rest_chat_post(struct call *k);
/* rest_rel.c */
void rel_card(struct call *k);
void rel_photo(struct call *k);
void rel_profile(struct call *k);
void rel_trait_keys(struct call *k);
void rel_search(struct call *k);
void rel_continuity(struct call *k);
void rel_audit(struct call *k);
void rel_note_add(struct call *k);
void rel_note_edit(struct call *k);
void rel_note_delete(struct call *k);
void rel_trait(struct call *k);
void rel_outcome(struct call *k);
void rel_trait_key_post(struct call *k);
void rel_profile_post(struct call *k);
void rel_photo_post(struct call *k);
void rel_photo_delete(struct call *k);
/* rest_waits.c */
void waits_report(struct call *k);
/* rest_promise.c */
void promises_list(struct call *k);
void promises_owners(struct call *k);
void promises_one(struct call *k);
void promises_report(struct call *k);
void promises_new(struct call *k);
void promises_done(struct call *k);
void promises_cancel(struct call *k);
void promises_reassign(struct call *k);
/* app/mailer.c */
void outbox_list(struct call *k);
void outbox_retry(struct call *k);
/* rest_followup.c */
void followup_public(struct call *k);
void followup_list(struct call *k);
void followup_response(struct call *k);
void followup_stop(struct call *k);
void followup_new(struct call *k);
void followup_cancel(struct call *k);
/* rest_admin.c: administration of the caller's library (docs/API.md, "Administration") */
void admin_queues(struct call *k);
void admin_queue_new(struct call *k);
void admin_queue_edit(struct call *k);
void admin_library(struct call *k);
void admin_library_edit(struct call *k);
void admin_consortium(struct call *k);
/* rest_admin_staff.c: accounts, set-password links, a librarian's own password */
void admin_staff(struct call *k);
void admin_staff_invite(struct call *k);
void admin_staff_edit(struct call *k);
void admin_staff_link(struct call *k);
void password_link(struct call *k);
void password_link_set(struct call *k);
void password_change(struct call *k);
/* rest_case.c */
void case_public(struct call *k);
void case_list(struct call *k);
void case_one(struct call *k);
void case_public_reply(struct call *k);
void case_reply(struct call *k);
void case_close(struct call *k);

#endif
