/* entry.c: where the transport hands up: the net hooks. A decoded frame goes to the
 * command dispatcher (api_dispatch); a request to the REST routes, after the body rules
 * (which routes take a body, how large, of what type) are applied before it is read. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/errors.h"
#include "api/routes.h"

static void on_ws_closed(struct ws_conn *c)
{
	chat_on_close(c);
	resume_forget(c);
}

/* A route whose body is an image (RT_IMAGE in routes.c: a PNG or JPEG of up to
 * RESTREL_PHOTO_MAX). Only a logged-in staff member may make us buffer that much; the
 * content itself is checked against the declared type in rest_rel.c. */
static int photo_request(struct http_conn *h, uint64_t clen)
{
	h->refused = 1;
	if (api_route_admit(h))
		; /* answered by the router's own checks, before anything is buffered */
	else if (clen > RESTREL_PHOTO_MAX)
		api_http_fail(h, API_TOO_LARGE, "The photo is larger than 512 KiB.");
	else if (!http_ctype_is(h->ctype, "image/png") && !http_ctype_is(h->ctype, "image/jpeg"))
		api_http_fail(h, API_MEDIA_TYPE, "Send a PNG or JPEG image.");
	else {
		h->refused = 0;
		snprintf(h->req_type, sizeof h->req_type, "%s",
			 http_ctype_is(h->ctype, "image/png") ? "image/png" : "image/jpeg");
		return http_read_body(h, clen);
	}
	return 0;
}

static int on_http_request(struct http_conn *h, uint64_t clen)
{
	if (h->method == HTTP_GET)
		return api_route(h);
	if (api_route_takes_image(h))
		return photo_request(h, clen);
	if (clen > (uint64_t)g_app->cfg.body_max) {
		h->refused = 1;
		api_http_fail(h, API_TOO_LARGE, "The request body is too large.");
		return 0;
	}
	if (clen > 0 && !http_ctype_is(h->ctype, "application/json")) {
		h->refused = 1;
		api_http_fail(h, API_MEDIA_TYPE, "Send application/json.");
		return 0;
	}
	return http_read_body(h, clen);
}

/* " <origin>..." of every library's allowed widget origins (newline-separated). */
static void embed_origins(char *out, size_t cap)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < g_app->desk->n_libs && n < cap; i++) {
		const char *o = g_app->desk->libs[i]->origins;

		while (*o && n < cap) {
			size_t len = strcspn(o, "\n");

			n += (size_t)snprintf(out + n, cap - n, " %.*s", (int)len, o);
			o += len;
			if (*o == '\n')
				o++;
		}
	}
}

static void route_body(struct http_conn *h)
{
	api_route(h);
}

void api_hooks(struct net_hooks *k)
{
	k->ws_frame = api_dispatch;
	k->ws_closed = on_ws_closed;
	k->ws_drained = resume_drained;
	k->origin_allowed = origin_allowed_any;
	k->http_request = on_http_request;
	k->http_body = route_body;
	k->embed_origins = embed_origins;
}
