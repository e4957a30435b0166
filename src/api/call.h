/* call.h: one request as a handler sees it, whether it came as a WebSocket command or a
 * REST call, with the handle to answer it by. The dispatcher (WebSocket) and the router
 * (REST) fill it in after their checks; a handler answers through call_begin/call_send or
 * call_fail and never needs to know which way the request came.
 *
 * A call is a small value: copy it into an async job (api/async.h) and the answer still
 * reaches the right connection, or is dropped if it has gone meanwhile. */
#ifndef RAPPORT_API_CALL_H
#define RAPPORT_API_CALL_H

#include <stdint.h>

#include <jansson.h>

#include "api/errors.h"
#include "util/buf.h"

struct ws_conn;
struct http_conn;
struct session;
struct staff;

enum call_via { CALL_WS = 1, CALL_HTTP = 2 };

#define CALL_REF_MAX 65
#define CALL_IDS_MAX 2

struct call {
	enum call_via via;
	uint64_t conn_id; /* finds the connection again after async work */
	/* the connection, or NULL once it has gone; valid until the handler returns, and again
	 * after call_find() in an async completion */
	struct ws_conn *c;
	struct http_conn *h;
	char ref[CALL_REF_MAX]; /* WebSocket: echoed as the answer's `ref` ("" for none) */
	/* what the router resolved (REST) or the hello established (WebSocket) */
	struct session *session; /* a staff session, or NULL */
	struct staff *staff; /* its librarian on the desk, or NULL */
	int64_t id[CALL_IDS_MAX]; /* the {id} segments of the route, in order */
	json_t *body; /* the parsed JSON body (routes that take one), borrowed */
};

/* A call for a WebSocket command on c, answered with ref (may be NULL). */
struct call call_ws(struct ws_conn *c, const char *ref);
/* A call for the REST request h. */
struct call call_http(struct http_conn *h);
/* Looks the connection up again by id after async work: 1 if it is still open (k->c or
 * k->h set), else 0 (both NULL; every answer is then dropped). */
int call_find(struct call *k);
/* 1 while the connection is known to be open. */
int call_open(const struct call *k);

/* Starts an answer in b: a `type` frame (with the ref) over WebSocket, a JSON object
 * over REST. Append members with json_k* and a trailing comma each, as frames do. */
void call_begin(const struct call *k, struct buf *b, const char *type);
/* Closes and sends what call_begin started: over REST with `status`; takes b. Nothing is
 * sent (b is freed) if the connection has gone. */
void call_send(const struct call *k, int status, struct buf *b);
/* Ends an answer whose last member is a list ("key":[rows with trailing commas): closes
 * the list, then as call_send with 200. */
void call_send_list(const struct call *k, struct buf *b);
/* Answers with an error of the spine: an `error` frame, or its HTTP status and body.
 * message NULL: the table's. */
void call_fail(const struct call *k, enum api_err e, const char *message);
/* A desk rc (negative) or a store rc as the error answer. */
void call_fail_desk(const struct call *k, int desk_rc);
void call_fail_store(const struct call *k, int store_rc, int writing);

#endif
