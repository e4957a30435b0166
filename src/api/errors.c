/* errors.c: the table behind enum api_err and the desk/store mappings (errors.h). */
#include <stddef.h>

#include "api/errors.h"
#include "desk/desk.h"
#include "net/net.h"
#include "store/store.h"

static const struct api_error_def table[API_ERR_COUNT] = {
	[API_OK] = {"ok", 200, "OK."},
	[API_BAD_REQUEST] = {"bad_request", 400, "The request is not valid."},
	[API_BAD_JSON] = {"bad_json", 400, "The request is not valid JSON."},
	[API_BAD_FRAME] = {"bad_frame", 400, "The frame is not valid."},
	[API_TOO_LONG] = {"too_long", 400, "The text is too long."},
	[API_EMPTY] = {"empty", 400, "The text is empty."},
	[API_UNAUTHENTICATED] = {"unauthenticated", 401, "Please log in."},
	[API_BAD_CREDENTIALS] = {"bad_credentials", 401, "Wrong email or password."},
	[API_CSRF_REQUIRED] = {"csrf_required", 403, "Send the X-CSRF-Token header."},
	[API_FORBIDDEN] = {"forbidden", 403, "Only an administrator may do this."},
	[API_BAD_ORIGIN] = {"bad_origin", 403, "Log in from rapport's own page."},
	[API_NOT_FOUND] = {"not_found", 404, "No such record."},
	[API_NO_ENDPOINT] = {"not_found", 404, "No such endpoint."},
	[API_METHOD] = {"method_not_allowed", 405, "Only GET and POST."},
	[API_BAD_STATE] = {"bad_state", 409, "Not allowed in the chat's current state."},
	[API_TAKEN] = {"taken", 409, "Another librarian picked this chat."},
	[API_OFFERED] = {"offered", 409, "This chat is offered to another librarian for now."},
	[API_AT_CAPACITY] = {"at_capacity", 409, "You are at your maximum of chats."},
	[API_CONFLICT] = {"conflict", 409, "It changed meanwhile; reload it."},
	[API_TOO_MANY] = {"too_many", 409, "There are too many of these."},
	[API_LENGTH_REQUIRED] = {"length_required", 411,
				 "Send a Content-Length; chunked bodies are refused."},
	[API_TOO_LARGE] = {"too_large", 413, "The request body is too large."},
	[API_MEDIA_TYPE] = {"unsupported_media_type", 415, "Send application/json."},
	[API_RATE_LIMITED] = {"rate_limited", 429, "Too many requests; try again soon."},
	[API_CASE_CLOSED] = {"case_closed", 409, "This question is closed."},
	[API_NO_CONSENT] = {"no_consent", 409, "The patron has not agreed to be remembered."},
	[API_NOT_REMEMBERED] = {"not_remembered", 409, "Only a remembered patron can do this."},
	[API_STALE_NOTICE] = {"stale_notice", 409, "The privacy notice changed; read it again."},
	[API_BAD_TEXT] = {"bad_text", 400, "The text is not valid."},
	[API_BAD_EMAIL] = {"bad_email", 400, "That is not an e-mail address we can send to."},
	[API_ALREADY_HELLO] = {"already_hello", 400, "You already said hello."},
	[API_HELLO_REQUIRED] = {"hello_required", 400, "Send hello first."},
	[API_UNKNOWN_TOKEN] = {"unknown_token", 401, "This patron token is not known."},
	[API_SIGNIN_INVALID] = {"signin_invalid", 401,
				"This sign-in link was already used or has expired."},
	[API_ORIGIN_NOT_ALLOWED] = {"origin_not_allowed", 403,
				    "This library does not allow chats from this site."},
	[API_MAIL_UNAVAILABLE] = {"mail_unavailable", 503,
				  "This library cannot send e-mail right now."},
	[API_NOT_SHARED] = {"not_shared", 409, "That library is not in your consortium."},
	[API_OFF_DUTY] = {"off_duty", 409, "That colleague is not on duty now."},
	[API_NOBODY_ELSE] = {"nobody_else", 409, "Nobody else is on duty right now."},
	[API_LINK_INVALID] = {"link_invalid", 410,
			      "This link was already used or has expired. Ask your administrator "
			      "for a new one."},
	[API_LAST_ADMIN] = {"last_admin", 409,
			    "The library would have no administrator left. Make someone else an "
			    "administrator first."},
	[API_NOMEM] = {"busy", 503, "Out of memory."},
	[API_STOPPING] = {"busy", 503, "The server is shutting down."},
	[API_QUEUE_FULL] = {"busy", 503, "The server is busy; try again in a moment."},
	[API_STORE_FAILED] = {"store_failed", 503, "Could not save; try again."},
	[API_READ_FAILED] = {"store_failed", 503, "Could not read; try again."},
};

const struct api_error_def *api_error(enum api_err e)
{
	if ((int)e <= API_OK || e >= API_ERR_COUNT)
		e = API_NOMEM;
	return &table[e];
}

enum api_err api_err_desk(int rc)
{
	switch (rc) {
	case DESK_NOT_FOUND: return API_NOT_FOUND;
	case DESK_FORBIDDEN: return API_FORBIDDEN;
	case DESK_BAD_STATE: return API_BAD_STATE;
	case DESK_FULL: return API_BAD_STATE;
	case DESK_TAKEN: return API_TAKEN;
	case DESK_OFFERED: return API_OFFERED;
	case DESK_AT_CAPACITY: return API_AT_CAPACITY;
	case DESK_TOO_LONG: return API_TOO_LONG;
	case DESK_EMPTY: return API_EMPTY;
	case DESK_NOT_SHARED: return API_NOT_SHARED;
	case DESK_OFF_DUTY: return API_OFF_DUTY;
	case DESK_NOBODY_ELSE: return API_NOBODY_ELSE;
	default: return API_NOMEM;
	}
}

enum api_err api_err_store(int rc, int writing)
{
	switch (rc) {
	case STORE_NOTFOUND: return API_NOT_FOUND;
	case STORE_EXISTS: return API_CONFLICT;
	case STORE_FULL: return API_QUEUE_FULL;
	default: return writing ? API_STORE_FAILED : API_READ_FAILED;
	}
}

void api_http_fail(struct http_conn *h, enum api_err e, const char *message)
{
	const struct api_error_def *d = api_error(e);

	http_error(h, d->http, d->code, message ? message : d->message);
}

void api_ws_fail(struct ws_conn *c, enum api_err e, const char *message, const char *ref)
{
	const struct api_error_def *d = api_error(e);

	ws_error(c, d->code, message ? message : d->message, ref);
}
