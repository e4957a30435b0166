/* http.c: HTTP on the "http" protocol: WebSocket upgrade checks, request capture and body
 * framing, and the response writer. What a request means is the http_request hook's
 * business (the REST routes above net); static.c serves files.
 *
 * libwebsockets 4.1 traps handled here: request bodies can complete twice (body_done);
 * chunked request bodies are refused with 411; every response to a request with a body is
 * sent with "Connection: close" and the connection closed (two pipelined POSTs on one
 * keep-alive connection make lws spin); lws does not check Origin (we do, at upgrade);
 * responses are written only from the writeable callback. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/net_int.h"
#include "util/crypto.h"
#include "util/log.h"

struct http_conn *http_find(struct net *n, uint64_t id)
{
	return (id && !(id & 1)) ? idmap_get(&n->conns, (int64_t)id) : NULL;
}

const char *http_query_arg(struct http_conn *h, const char *name_eq, char *buf, size_t len)
{
	return lws_get_urlarg_by_name(h->wsi, name_eq, buf, (int)len);
}

void http_add_header(struct http_conn *h, const char *name, const char *value)
{
	size_t n = strlen(h->extra_headers);

	snprintf(h->extra_headers + n, sizeof h->extra_headers - n, "%s: %s\r\n", name, value);
}

void http_respond(struct http_conn *h, int status, char *body, size_t len)
{
	if (h->responding) {
		free(body);
		return;
	}
	h->responding = 1;
	h->status = status;
	h->resp = body;
	h->resp_len = body ? len : 0;
	lws_callback_on_writable(h->wsi);
}

void http_error(struct http_conn *h, int status, const char *code, const char *message)
{
	struct buf b = {0};
	size_t n;
	char *body;

	buf_puts(&b, "{\"error\":{");
	json_kstr(&b, "code", code);
	json_kstr(&b, "message", message);
	json_close(&b, '}');
	buf_putc(&b, '}');
	body = buf_take(&b, &n);
	http_respond(h, status, body, n);
}

static int hdr(struct lws *wsi, char *dst, int cap, enum lws_token_indexes t)
{
	int n = lws_hdr_total_length(wsi, t);

	dst[0] = '\0';
	if (n <= 0)
		return 0;
	if (n >= cap || lws_hdr_copy(wsi, dst, cap, t) < 0) {
		dst[0] = '\0';
		return -1;
	}
	return n;
}

static int custom_hdr(struct lws *wsi, char *dst, int cap, const char *name)
{
	int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));

	dst[0] = '\0';
	if (n <= 0)
		return 0;
	if (n >= cap || lws_hdr_custom_copy(wsi, dst, cap, name, (int)strlen(name)) < 0) {
		dst[0] = '\0';
		return -1;
	}
	return n;
}

/* ---- WebSocket upgrade ---------------------------------------------------------------------- */

static int confirm_upgrade(struct lws *wsi)
{
	char uri[64], proto[256], origin[256], host[256];
	int has_proto = 0;
	char *tok, *save = NULL;

	struct net *n = lws_context_user(lws_get_context(wsi));

	if (n->stopping)
		return lws_return_http_status(wsi, 503, "shutting down") ? -1 : 1;
	hdr(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
	if (strcmp(uri, "/ws") != 0)
		return lws_return_http_status(wsi, 404, "no WebSocket here") ? -1 : 1;
	if (hdr(wsi, proto, sizeof proto, WSI_TOKEN_PROTOCOL) > 0)
		for (tok = strtok_r(proto, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			has_proto |= strcmp(tok, SUBPROTOCOL) == 0;
	if (!has_proto)
		return lws_return_http_status(wsi, 400, "subprotocol " SUBPROTOCOL " required") ? -1
												: 1;
	if (hdr(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0 ||
	    hdr(wsi, host, sizeof host, WSI_TOKEN_HOST) < 0 ||
	    (origin[0] && !n->hooks.origin_allowed(origin, host)))
		return lws_return_http_status(wsi, 403, "origin not allowed") ? -1 : 1;
	return 0;
}

/* ---- the callback ------------------------------------------------------------------------------
 */

static void reset(struct http_conn *h)
{
	if (h->id)
		idmap_del(&h->net->conns, (int64_t)h->id);
	free(h->body);
	free(h->resp);
	memset(h, 0, sizeof *h);
}

int http_ctype_is(const char *ctype, const char *type)
{
	size_t n = strlen(type);

	return strncasecmp(ctype, type, n) == 0 &&
	       (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

static int on_request(struct lws *wsi, struct http_conn *h, const char *uri)
{
	struct net *n = lws_context_user(lws_get_context(wsi));
	char clen[32], te[64];
	int is_demo_site = strcmp(lws_get_vhost_name(lws_get_vhost(wsi)), "demo-site") == 0;

	reset(h);
	h->wsi = wsi;
	h->net = n;
	h->id = (n->next_conn_id += 2) & ~(uint64_t)1;
	idmap_put(&n->conns, (int64_t)h->id, h);
	snprintf(h->path, sizeof h->path, "%s", uri);
	h->method = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)    ? HTTP_GET
		    : lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) ? HTTP_POST
								    : HTTP_OTHER;
	hdr(wsi, h->origin, sizeof h->origin, WSI_TOKEN_ORIGIN);
	hdr(wsi, h->host, sizeof h->host, WSI_TOKEN_HOST);
	hdr(wsi, h->auth, sizeof h->auth, WSI_TOKEN_HTTP_AUTHORIZATION);
	custom_hdr(wsi, h->csrf, sizeof h->csrf, "x-csrf-token:");
	lws_get_peer_simple(wsi, h->peer, sizeof h->peer);
	{
		size_t max = sizeof h->cookie;

		if (lws_http_cookie_get(wsi, SESSION_COOKIE, h->cookie, &max))
			h->cookie[0] = '\0';
	}
	if (is_demo_site) {
		char root[600];

		snprintf(root, sizeof root, "%s/demo-site", n->cfg.web_root);
		if (h->method != HTTP_GET) {
			http_error(h, 405, "method_not_allowed", "GET only.");
			return 0;
		}
		return static_serve(h, root);
	}
	if (h->method == HTTP_OTHER) {
		h->close_after = 1;
		http_error(h, 405, "method_not_allowed", "Only GET and POST.");
		return 0;
	}
	if (h->method == HTTP_GET) {
		/* a GET that declares a body is answered, its body ignored, and the
		 * connection closed so the unread body cannot be taken for a request */
		if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ||
		    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
			h->close_after = 1;
		return n->hooks.http_request(h, 0);
	}
	/* POST: check the body's framing before reading it */
	h->close_after = 1;
	hdr(wsi, te, sizeof te, WSI_TOKEN_HTTP_TRANSFER_ENCODING);
	hdr(wsi, h->ctype, sizeof h->ctype, WSI_TOKEN_HTTP_CONTENT_TYPE);
	if (te[0] || hdr(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		h->refused = 1;
		http_error(h, 411, "length_required",
			   "Send a Content-Length; chunked bodies are refused.");
		return 0;
	}
	return n->hooks.http_request(h, strtoull(clen, NULL, 10));
}

int http_read_body(struct http_conn *h, uint64_t content_length)
{
	h->body_max = (size_t)content_length;
	h->body = malloc(h->body_max + 1);
	if (!h->body) {
		h->refused = 1;
		http_error(h, 503, "busy", "Out of memory.");
		return 0;
	}
	if (h->body_max == 0) {
		h->body_done = 1;
		h->body[0] = '\0';
		h->net->hooks.http_body(h);
	}
	return 0;
}

static int on_writeable(struct http_conn *h)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
					   *end = buf + sizeof buf - 1;
	struct lws *wsi = h->wsi;
	char *e, *line = h->extra_headers;
	const char *type = h->resp_type[0] ? h->resp_type : "application/json";
	const char *cache = h->resp_cache[0] ? h->resp_cache : "no-store";

	if (!h->responding)
		return 0;
	if (lws_add_http_common_headers(wsi, (unsigned)h->status, type, h->resp_len, &p, end) ||
	    lws_add_http_header_by_name(
		    wsi, (const unsigned char *)"cache-control:", (const unsigned char *)cache,
		    (int)strlen(cache), &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
					(const unsigned char *)"nosniff", 7, &p, end))
		return -1;
	if (h->close_after &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
					 5, &p, end))
		return -1;
	while ((e = strstr(line, "\r\n"))) {
		char name[64];
		const char *colon = memchr(line, ':', (size_t)(e - line));

		if (colon && colon - line < 62) {
			size_t nl = (size_t)(colon - line);
			const char *v = colon + 2;

			memcpy(name, line, nl);
			name[nl] = ':';
			name[nl + 1] = '\0';
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
							(const unsigned char *)v, (int)(e - v), &p,
							end))
				return -1;
		}
		line = e + 2;
	}
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (h->resp_len) {
		unsigned char *out = malloc(LWS_PRE + h->resp_len);
		int n;

		if (!out)
			return -1;
		memcpy(out + LWS_PRE, h->resp, h->resp_len);
		n = lws_write(wsi, out + LWS_PRE, h->resp_len, LWS_WRITE_HTTP_FINAL);
		free(out);
		if (n < (int)h->resp_len)
			return -1;
	}
	h->responding = 0;
	free(h->resp);
	h->resp = NULL;
	if (h->close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len)
{
	struct http_conn *h = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return confirm_upgrade(wsi);
	case LWS_CALLBACK_HTTP: return on_request(wsi, h, in);
	case LWS_CALLBACK_HTTP_BODY:
		if (h->refused || h->body_done || !h->body)
			return 0;
		if (h->body_len + len > h->body_max) {
			h->refused = 1;
			http_error(h, 413, "too_large",
				   "The request body is longer than declared.");
			return 0;
		}
		memcpy(h->body + h->body_len, in, len);
		h->body_len += len;
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		/* lws may report completion twice, and reports it for a body sent with any
		 * method: only a POST whose framing was accepted has a buffer to complete */
		if (h->refused || h->body_done || !h->body)
			return 0;
		h->body_done = 1;
		h->body[h->body_len] = '\0';
		h->net->hooks.http_body(h);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE: return on_writeable(h);
	case LWS_CALLBACK_HTTP_FILE_COMPLETION: return lws_http_transaction_completed(wsi) ? -1 : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		if (h)
			reset(h);
		return 0;
	default: return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
