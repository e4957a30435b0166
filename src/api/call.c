/* call.c: the reply handle of call.h over the two transports. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/call.h"
#include "desk/desk.h"

struct call call_ws(struct ws_conn *c, const char *ref)
{
	struct call k = {.via = CALL_WS, .conn_id = c->id, .c = c};

	if (ref)
		snprintf(k.ref, sizeof k.ref, "%s", ref);
	return k;
}

struct call call_http(struct http_conn *h)
{
	struct call k = {.via = CALL_HTTP, .conn_id = h->id, .h = h};

	return k;
}

int call_find(struct call *k)
{
	k->c = k->via == CALL_WS ? ws_find(&g_app->net, k->conn_id) : NULL;
	k->h = k->via == CALL_HTTP ? http_find(&g_app->net, k->conn_id) : NULL;
	return call_open(k);
}

int call_open(const struct call *k)
{
	return k->c || k->h;
}

void call_begin(const struct call *k, struct buf *b, const char *type)
{
	if (k->via == CALL_WS) {
		frame_begin(b, type);
		if (k->ref[0])
			json_kstr(b, "ref", k->ref);
	} else {
		buf_putc(b, '{');
	}
}

void call_send(const struct call *k, int status, struct buf *b)
{
	json_close(b, '}');
	if (k->c)
		frame_send(k->c, b);
	else if (k->h)
		rest_respond_buf(k->h, status, b);
	else
		buf_free(b);
}

void call_send_list(const struct call *k, struct buf *b)
{
	json_close(b, ']');
	buf_putc(b, ',');
	call_send(k, 200, b);
}

void call_fail(const struct call *k, enum api_err e, const char *message)
{
	if (k->c)
		api_ws_fail(k->c, e, message, k->ref);
	else if (k->h)
		api_http_fail(k->h, e, message);
}

void call_fail_desk(const struct call *k, int desk_rc)
{
	enum api_err e = api_err_desk(desk_rc);

	call_fail(k, e, e == API_NOMEM ? NULL : desk_strerror(desk_rc));
}

void call_fail_store(const struct call *k, int store_rc, int writing)
{
	call_fail(k, api_err_store(store_rc, writing), NULL);
}
