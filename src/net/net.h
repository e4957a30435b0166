/* net.h: the transport. WebSocket connections of the rapport.v1 protocol and HTTP requests
 * on libwebsockets, and nothing about libraries or patrons: the layers above get a decoded
 * frame or a request through struct net_hooks and answer through the functions below.
 *
 * What lives in src/net: ws.c (frames, limits, the bounded send queue), http.c (request
 * capture, body framing, the response writer), static.c (files of the web root), listen.c
 * (the lws context on the app's libuv loop), proto.c (frame decoding). Only src/net includes
 * <libwebsockets.h>; this header does not, so the layers above never see lws types.
 * Loop thread only. */
#ifndef RAPPORT_NET_H
#define RAPPORT_NET_H

#include <stddef.h>
#include <stdint.h>

#include "net/proto.h"
#include "util/buf.h"
#include "util/idmap.h"

#define RAPPORT_VERSION "0.1.0"
#define SUBPROTOCOL "rapport.v1"
#define SESSION_COOKIE "rapport_session"
#define NET_TOKEN_HASH_LEN 32 /* a session cookie's hash, as the store keeps it */

/* WebSocket close codes the layers above use (RFC 6455). */
#define WS_CLOSE_GOING_AWAY 1001
#define WS_CLOSE_POLICY 1008

struct lws;
struct lws_context;
struct uv_loop_s;
struct net;

/* One queued outgoing WebSocket frame: LWS_PRE bytes of headroom, then the payload. */
struct frame {
	struct frame *next;
	size_t len; /* payload bytes */
	unsigned char data[];
};

enum ws_role { ROLE_NONE, ROLE_PATRON, ROLE_STAFF };

struct ws_conn {
	uint64_t id; /* never reused; async replies find the conn by it */
	struct lws *wsi;
	struct net *net;
	char origin[256];
	char host[256];
	char peer[64];
	uint8_t session_hash[NET_TOKEN_HASH_LEN]; /* of the session cookie, if any */
	int has_session;
	/* the layers above: net keeps these only for them (role, hello_pending and the staff
	 * list it reads; the rest it never touches) */
	enum ws_role role;
	int hello_pending; /* hello answered asynchronously: frames are held meanwhile */
	struct patron *patron;
	struct staff *staff;
	struct library *lib;
	int64_t session_checked; /* staff: when the session was last checked and touched */
	struct sub *subs;
	int starved; /* deliveries paused for a full queue; on_drained at the low mark */
	struct db_resume *db_resumes; /* resumes of chats read from the store, in order */
	/* receive */
	char *rx;
	size_t rx_len;
	struct frame *held_head, *held_tail; /* frames that came while hello was pending */
	int n_held;
	/* send queue */
	struct frame *out_head, *out_tail;
	size_t out_bytes;
	int close_code; /* > 0: close with it at the next writeable */
	int close_sent; /* our close frame is out; waiting for the peer's */
	char close_reason[64];
	/* rate limit: token bucket */
	double tokens;
	uint64_t tokens_at; /* uv_now of last refill */
	int dropped_in_row;
	struct ws_conn *next, *prev; /* all ws connections */
	struct ws_conn *staff_next, *staff_prev; /* staff consoles only, after their hello */
};

enum http_method { HTTP_OTHER = 0, HTTP_GET = 1, HTTP_POST = 2 };

struct http_conn {
	uint64_t id;
	struct lws *wsi;
	struct net *net;
	char path[256];
	char query[256];
	int method; /* enum http_method */
	char *body;
	size_t body_len, body_max;
	int body_done; /* request body complete once (lws may say it twice) */
	int refused; /* an error answer is queued; ignore the body */
	int responding; /* a response is being written */
	/* the response, written at HTTP_WRITEABLE */
	int status;
	char *resp;
	size_t resp_len;
	char extra_headers[512]; /* "name: value\r\n"... */
	int close_after;
	char origin[256];
	char host[256];
	char peer[64];
	char cookie[128];
	char auth[128]; /* Authorization header */
	char csrf[128]; /* X-CSRF-Token header */
	char ctype[128]; /* request Content-Type */
	char req_type[16]; /* a raw body's accepted type ("image/png"), set above */
	char resp_type[32]; /* response Content-Type; "" means application/json */
	char resp_cache[48]; /* response Cache-Control; "" means no-store */
};

/* What net calls above it. Every member is set (listen.c checks). */
struct net_hooks {
	/* A frame passed the transport checks (UTF-8, rate, size) and decoded. */
	void (*ws_frame)(struct ws_conn *c, struct cmd *cmd);
	/* The connection closed: drop what the layers above hold of it. */
	void (*ws_closed)(struct ws_conn *c);
	/* The send queue drained below the low mark after deliveries paused (c->starved). */
	void (*ws_drained)(struct ws_conn *c);
	/* Whether a WebSocket upgrade from origin (not empty) to host may go ahead. */
	int (*origin_allowed)(const char *origin, const char *host);
	/* A request's headers arrived (GET, or a POST whose framing is fine: a Content-Length,
	 * not chunked; h->ctype is set). The hook answers, or for a POST accepts the body with
	 * http_read_body(); returns as an lws callback would (0, or -1 to hang up). */
	int (*http_request)(struct http_conn *h, uint64_t content_length);
	/* A POST's body is complete (h->body, NUL-terminated, h->body_len bytes). */
	void (*http_body)(struct http_conn *h);
	/* " <origin>..." of every page origin allowed to embed the patron widget. */
	void (*embed_origins)(char *out, size_t cap);
};

struct net_config {
	char listen[64]; /* address to bind */
	int port;
	int demo_site_port; /* > 0: a second vhost serving <web_root>/demo-site */
	char web_root[512];
	int frame_max; /* bytes per WebSocket frame */
	int rate, burst; /* frames per second per connection; token bucket size */
	int send_queue_max; /* bytes waiting per connection */
	int body_max; /* REST body bytes */
};

/* The transport's state; the app holds one. */
struct net {
	struct net_config cfg;
	struct net_hooks hooks;
	struct uv_loop_s *loop;
	struct lws_context *ctx;
	struct idmap conns; /* id -> ws_conn (odd ids) or http_conn (even) */
	uint64_t next_conn_id;
	struct ws_conn *ws_list;
	struct ws_conn *staff_list; /* the staff consoles of ws_list: the few, for broadcasts */
	size_t n_ws;
	int stopping; /* no new WebSockets; new ones are closed with 1001 */
};

/* ---- listen.c -------------------------------------------------------------------------- */
/* Creates the lws context on loop and listens (and the demo-site vhost). 0 or -1. */
int net_listen(struct net *n, struct uv_loop_s *loop);
/* Stops listening and closes every WebSocket with 1001 (the server is stopping). */
void net_stop(struct net *n);
/* First stage of tearing down: lws closes its loop handles (call before uv_stop). */
void net_close(struct net *n);
/* After the loop stopped: frees the context (run the loop once more after it). */
void net_free(struct net *n);
/* Sets lws's log level and sends its lines to util/log. */
void net_log_init(void);

/* ---- ws.c ------------------------------------------------------------------------------ */
struct ws_conn *ws_find(struct net *n, uint64_t id);
/* Queues a built frame (b->data has LWS_PRE bytes of headroom, see frame_begin) to c and
 * asks for a writeable callback. Takes the buffer. If the queue would exceed the limit,
 * the connection is closed with 1008 instead. */
void ws_send(struct ws_conn *c, struct buf *b);
/* A staff console said hello: it joins net->staff_list (left again when it closes). */
void ws_staff_joined(struct ws_conn *c);
/* Closes c with a code at its next writeable callback. */
void ws_close(struct ws_conn *c, int code, const char *reason);
/* Sends an error frame. ref may be NULL. */
void ws_error(struct ws_conn *c, const char *code, const char *message, const char *ref);
/* Starts a frame: reserves LWS_PRE bytes and opens the JSON object with "type". */
void frame_begin(struct buf *b, const char *type);
/* Closes the object and sends it. */
void frame_send(struct ws_conn *c, struct buf *b);
/* Deliveries pause above the high mark of queued bytes and continue below the low mark,
 * so a resume of a long chat never overflows the send queue. */
size_t ws_high_water(const struct ws_conn *c);
size_t ws_low_water(const struct ws_conn *c);

#define WS_BATCH_MAX (64 * 1024) /* bytes of frames combined into one batch frame */
#define WS_HELD_MAX 32 /* frames kept while a hello is answered */

/* ---- http.c ---------------------------------------------------------------------------- */
struct http_conn *http_find(struct net *n, uint64_t id);
/* Sets the response of h and asks for a writeable callback. Takes `body` (malloc'd JSON or
 * NULL for empty). */
void http_respond(struct http_conn *h, int status, char *body, size_t len);
void http_error(struct http_conn *h, int status, const char *code, const char *message);
void http_add_header(struct http_conn *h, const char *name, const char *value);
/* Accepts a POST body of the declared length (from the http_request hook): http_body runs
 * once it is complete (at once for an empty body). Answers 503 when out of memory. */
int http_read_body(struct http_conn *h, uint64_t content_length);
/* A query argument's value ("name=" form) into buf, or NULL when absent. */
const char *http_query_arg(struct http_conn *h, const char *name_eq, char *buf, size_t len);
/* Whether a Content-Type names exactly `type` (parameters allowed after ';'). */
int http_ctype_is(const char *ctype, const char *type);

/* ---- static.c -------------------------------------------------------------------------- */
/* Serves the file of the web root (or root, for the demo site) for h->path with the
 * security headers. Returns as an lws callback would. */
int static_serve(struct http_conn *h, const char *root);

#endif
