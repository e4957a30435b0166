/* errors.h: the one error spine. Every failure a handler answers is an enum api_err; one
 * table gives its wire code (WebSocket `error` frames and REST bodies use the same codes),
 * its HTTP status and its default message. Desk and store errors map into it here and
 * nowhere else. docs/PROTOCOL.md and docs/API.md list the codes. */
#ifndef RAPPORT_API_ERRORS_H
#define RAPPORT_API_ERRORS_H

struct ws_conn;
struct http_conn;

enum api_err {
	API_OK = 0,
	API_BAD_REQUEST, /* bad_request 400 */
	API_BAD_JSON, /* bad_json 400 */
	API_BAD_FRAME, /* bad_frame 400 */
	API_TOO_LONG, /* too_long 400 (a text over the limit) */
	API_EMPTY, /* empty 400 (a blank text) */
	API_UNAUTHENTICATED, /* unauthenticated 401 */
	API_BAD_CREDENTIALS, /* bad_credentials 401 */
	API_CSRF_REQUIRED, /* csrf_required 403 */
	API_FORBIDDEN, /* forbidden 403 */
	API_BAD_ORIGIN, /* bad_origin 403 */
	API_NOT_FOUND, /* not_found 404: no such record, or not yours */
	API_NO_ENDPOINT, /* not_found 404: no such route */
	API_METHOD, /* method_not_allowed 405 */
	API_BAD_STATE, /* bad_state 409 */
	API_TAKEN, /* taken 409: another librarian picked it */
	API_OFFERED, /* offered 409: offered to another librarian for now */
	API_AT_CAPACITY, /* at_capacity 409 */
	API_CONFLICT, /* conflict 409 */
	API_TOO_MANY, /* too_many 409: a per-record limit */
	API_LENGTH_REQUIRED, /* length_required 411 */
	API_TOO_LARGE, /* too_large 413 */
	API_MEDIA_TYPE, /* unsupported_media_type 415 */
	API_RATE_LIMITED, /* rate_limited 429 */
	API_CASE_CLOSED, /* case_closed 409: the offline question is closed */
	API_NO_CONSENT, /* no_consent 409: the patron has not agreed to be remembered */
	API_NOT_REMEMBERED, /* not_remembered 409: needs a remembered patron */
	API_STALE_NOTICE, /* stale_notice 409: consent given to an older privacy notice */
	API_BAD_TEXT, /* bad_text 400 */
	API_BAD_EMAIL, /* bad_email 400 */
	API_ALREADY_HELLO, /* already_hello 400 (WebSocket) */
	API_HELLO_REQUIRED, /* hello_required 400 (WebSocket) */
	API_UNKNOWN_TOKEN, /* unknown_token 401: a patron token not known here */
	API_SIGNIN_INVALID, /* signin_invalid 401: a used or expired sign-in link */
	API_ORIGIN_NOT_ALLOWED, /* origin_not_allowed 403: a page the library did not allow */
	API_MAIL_UNAVAILABLE, /* mail_unavailable 503: the library cannot send e-mail now */
	API_NOT_SHARED, /* not_shared 409: a hand-off outside the consortium */
	API_OFF_DUTY, /* off_duty 409: a hand-off to a colleague not on duty */
	API_NOBODY_ELSE, /* nobody_else 409: no other librarian is on to take over */
	API_LINK_INVALID, /* link_invalid 410: a used or expired set-password link */
	API_LAST_ADMIN, /* last_admin 409: the change would leave the library with no admin */
	API_NOMEM, /* busy 503: out of memory */
	API_STOPPING, /* busy 503: the server is shutting down */
	API_QUEUE_FULL, /* busy 503: the writer's or the workers' queue is full */
	API_STORE_FAILED, /* store_failed 503: a write did not commit */
	API_READ_FAILED, /* store_failed 503: a read failed */
	API_ERR_COUNT
};

struct api_error_def {
	const char *code; /* the wire code */
	int http; /* the HTTP status */
	const char *message; /* the default message, a sentence a person reads */
};

/* The table row of e (API_OK and out-of-range values give the row of API_NOMEM). */
const struct api_error_def *api_error(enum api_err e);
/* A desk error (enum desk_err, negative) as an api_err. */
enum api_err api_err_desk(int desk_rc);
/* A store error (enum store_err, negative) of a read (writing 0) or a write. */
enum api_err api_err_store(int store_rc, int writing);
/* Answers h (status, code of the table) with message, or the table's when NULL. */
void api_http_fail(struct http_conn *h, enum api_err e, const char *message);
/* Sends c an `error` frame (code of the table) with message or the table's; ref may be
 * NULL. */
void api_ws_fail(struct ws_conn *c, enum api_err e, const char *message, const char *ref);

#endif
