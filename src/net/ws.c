/* ws.c: WebSocket connections of the rapport.v1 protocol: receiving whole frames within
 * limits, rate limiting, and the bounded per-connection send queue written only from the
 * writeable callback. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "net/net_int.h"
#include "util/crypto.h"
#include "util/log.h"

#define FRAME_HDR (offsetof(struct frame, data) + LWS_PRE)
#define SOCKET_SNDBUF (128 * 1024)
#define DROPPED_MAX 200 /* rate-limited frames in a row before we hang up */

struct ws_conn *ws_find(struct net *n, uint64_t id)
{
	return (id & 1) ? idmap_get(&n->conns, (int64_t)id) : NULL;
}

size_t ws_high_water(const struct ws_conn *c)
{
	return (size_t)c->net->cfg.send_queue_max / 2;
}

size_t ws_low_water(const struct ws_conn *c)
{
	return (size_t)c->net->cfg.send_queue_max / 4;
}

void frame_begin(struct buf *b, const char *type)
{
	if (buf_reserve(b, FRAME_HDR + 448)) /* one allocation for a typical frame */
		return;
	memset(b->data, 0, FRAME_HDR);
	b->len = FRAME_HDR;
	buf_puts(b, "{\"type\":\"");
	buf_puts(b, type);
	buf_puts(b, "\",");
}

void frame_send(struct ws_conn *c, struct buf *b)
{
	json_close(b, '}');
	ws_send(c, b);
}

void ws_close(struct ws_conn *c, int code, const char *reason)
{
	if (c->close_code)
		return;
	c->close_code = code;
	snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
	lws_callback_on_writable(c->wsi);
}

static void free_queue(struct ws_conn *c)
{
	struct frame *f, *n;

	for (f = c->out_head; f; f = n) {
		n = f->next;
		free(f);
	}
	c->out_head = c->out_tail = NULL;
	c->out_bytes = 0;
}

void ws_send(struct ws_conn *c, struct buf *b)
{
	struct frame *f;
	size_t total;
	char *data = buf_take(b, &total);

	if (!data)
		return;
	if (c->close_code) {
		free(data);
		return;
	}
	f = (struct frame *)data;
	f->next = NULL;
	f->len = total - FRAME_HDR;
	if (c->out_bytes + f->len > (size_t)c->net->cfg.send_queue_max) {
		free(f);
		log_warn("ws", "conn %llu: send queue full (%zu bytes), closing",
			 (unsigned long long)c->id, c->out_bytes);
		free_queue(c); /* it is not reading: do not wait to flush before closing */
		ws_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "send queue full");
		return;
	}
	if (c->out_tail)
		c->out_tail->next = f;
	else
		c->out_head = f;
	c->out_tail = f;
	c->out_bytes += f->len;
	if (f == c->out_head)
		lws_callback_on_writable(c->wsi);
}

void ws_error(struct ws_conn *c, const char *code, const char *message, const char *ref)
{
	struct buf b = {0};

	frame_begin(&b, "error");
	json_kstr(&b, "code", code);
	json_kstr(&b, "message", message);
	if (ref && ref[0])
		json_kstr(&b, "ref", ref);
	frame_send(c, &b);
}

/* Token bucket: 1 if the frame may pass. */
static int rate_ok(struct ws_conn *c)
{
	uint64_t now = uv_now(c->net->loop);
	double rate = c->net->cfg.rate, burst = c->net->cfg.burst;

	c->tokens += (double)(now - c->tokens_at) * rate / 1000.0;
	c->tokens_at = now;
	if (c->tokens > burst)
		c->tokens = burst;
	if (c->tokens < 1.0)
		return 0;
	c->tokens -= 1.0;
	return 1;
}

static void copy_hdr(struct lws *wsi, char *dst, int cap, enum lws_token_indexes h)
{
	if (lws_hdr_total_length(wsi, h) <= 0 || lws_hdr_copy(wsi, dst, cap, h) < 0)
		dst[0] = '\0';
}

static void on_established(struct lws *wsi, struct ws_conn *c)
{
	struct net *a = lws_context_user(lws_get_context(wsi));

	c->net = a;
	c->id = (a->next_conn_id += 2) | 1; /* odd ids: ws; even: http */
	c->wsi = wsi;
	c->tokens = a->cfg.burst;
	c->tokens_at = uv_now(a->loop);
	lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
	{
		/* bound what the kernel holds for a client that stops reading, so the send
		 * queue limit, not kernel autotuning (several MiB), decides when it is cut off */
		int sndbuf = SOCKET_SNDBUF;

		setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	}
	idmap_put(&a->conns, (int64_t)c->id, c);
	c->next = a->ws_list;
	if (a->ws_list)
		a->ws_list->prev = c;
	a->ws_list = c;
	a->n_ws++;
	if (a->stopping)
		ws_close(c, WS_CLOSE_GOING_AWAY, "server shutting down");
}

void ws_staff_joined(struct ws_conn *c)
{
	struct net *n = c->net;

	c->staff_next = n->staff_list;
	if (n->staff_list)
		n->staff_list->staff_prev = c;
	n->staff_list = c;
}

static void staff_left(struct ws_conn *c)
{
	if (c->staff_prev)
		c->staff_prev->staff_next = c->staff_next;
	else
		c->net->staff_list = c->staff_next;
	if (c->staff_next)
		c->staff_next->staff_prev = c->staff_prev;
}

static void free_held(struct ws_conn *c)
{
	struct frame *f;

	while ((f = c->held_head)) {
		c->held_head = f->next;
		free(f);
	}
	c->held_tail = NULL;
	c->n_held = 0;
}

static void on_closed(struct ws_conn *c)
{
	struct net *a = c->net;

	if (!c->id)
		return;
	if (c->role == ROLE_STAFF) /* before the hook, which clears the role */
		staff_left(c);
	a->hooks.ws_closed(c);
	free_queue(c);
	free_held(c);
	free(c->rx);
	c->rx = NULL;
	idmap_del(&a->conns, (int64_t)c->id);
	if (c->prev)
		c->prev->next = c->next;
	else
		a->ws_list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	a->n_ws--;
	c->id = 0;
}

/* Decodes a frame that passed the transport checks and hands it up. */
static void dispatch_frame(struct ws_conn *c, const char *data, size_t len)
{
	char msg[256], ref[65];
	struct cmd cmd;
	int rc;

	rc = proto_decode(data, len, &cmd, msg, sizeof msg, ref);
	if (rc != PROTO_OK) {
		ws_error(c, rc == PROTO_BAD_JSON ? "bad_json" : "bad_frame", msg, ref);
		return;
	}
	c->net->hooks.ws_frame(c, &cmd);
	proto_cmd_free(&cmd);
}

/* Keeps a frame that came while the hello is answered asynchronously, so a client may
 * pipeline hello, resume and send; replay_held() handles them in order once it settles.
 * At most WS_HELD_MAX frames are kept: a client that sends more before its welcome is
 * told so and that frame is dropped (nothing acknowledged is lost). */
static void hold_frame(struct ws_conn *c, const char *data, size_t len)
{
	struct frame *f;

	if (c->n_held >= WS_HELD_MAX || !(f = malloc(sizeof *f + len))) {
		ws_error(c, "busy", "Too many frames before welcome; wait for it and send again.",
			 "hello");
		return;
	}
	f->next = NULL;
	f->len = len;
	memcpy(f->data, data, len);
	if (c->held_tail)
		c->held_tail->next = f;
	else
		c->held_head = f;
	c->held_tail = f;
	c->n_held++;
}

/* Handles held frames in order while no hello is pending (one of them may be a new hello,
 * after a failed one: the rest wait for it). Called at the next writeable after the hello's
 * answer was queued, so the replies follow the welcome. */
static void replay_held(struct ws_conn *c)
{
	struct frame *f;

	while ((f = c->held_head) && !c->hello_pending && !c->close_code) {
		c->held_head = f->next;
		if (!c->held_head)
			c->held_tail = NULL;
		c->n_held--;
		dispatch_frame(c, (const char *)f->data, f->len);
		free(f);
	}
}

/* A whole frame arrived: check it and hand it up. */
static void on_frame(struct ws_conn *c, const char *data, size_t len)
{
	char msg[256], ref[65];
	struct cmd cmd;
	int rc;

	if (!proto_utf8_valid(data, len)) {
		ws_close(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8");
		return;
	}
	if (!rate_ok(c)) {
		if (++c->dropped_in_row > DROPPED_MAX) {
			ws_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "rate limit");
			return;
		}
		rc = proto_decode(data, len, &cmd, msg, sizeof msg, ref);
		if (rc == PROTO_OK)
			proto_cmd_free(&cmd);
		ws_error(c, "rate_limited", "Too many frames; send it again in a moment.", ref);
		return;
	}
	c->dropped_in_row = 0;
	if (c->hello_pending || c->held_head) {
		hold_frame(c, data, len);
		return;
	}
	dispatch_frame(c, data, len);
}

static int on_receive(struct lws *wsi, struct ws_conn *c, const void *in, size_t len)
{
	size_t max = (size_t)c->net->cfg.frame_max;
	char *p;

	if (c->close_code)
		return 0; /* closing: ignore the rest */
	if (lws_frame_is_binary(wsi)) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
				 (unsigned char *)"text frames only", 16);
		return -1;
	}
	if (c->rx_len + len > max) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
				 (unsigned char *)"frame too large", 15);
		return -1;
	}
	if (!c->rx_len && lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
		on_frame(c, in, len); /* the usual case: whole in one piece, no copy */
		return 0;
	}
	p = realloc(c->rx, c->rx_len + len + 1);
	if (!p)
		return -1;
	c->rx = p;
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	on_frame(c, c->rx, c->rx_len);
	free(c->rx); /* pieced-together frames are rare: keep no buffer around */
	c->rx = NULL;
	c->rx_len = 0;
	return 0;
}

/* Pops the head frame of c's queue. */
static void pop_frame(struct ws_conn *c)
{
	struct frame *f = c->out_head;

	c->out_head = f->next;
	if (!c->out_head)
		c->out_tail = NULL;
	c->out_bytes -= f->len;
	free(f);
}

/* Writes the queued frames from the head as one "batch" frame (two or more that fit in
 * WS_BATCH_MAX), so a busy connection costs one send per loop iteration, not one per frame.
 * Frames are separated by ",\n": our JSON never holds a raw newline, so a client may split
 * on it. Returns lws_write's result, or 0 if there was nothing to combine. */
static int write_batch(struct lws *wsi, struct ws_conn *c)
{
	static unsigned char out[LWS_PRE + WS_BATCH_MAX + 64];
	static const char head[] = "{\"type\":\"batch\",\"frames\":[\n", tail[] = "\n]}";
	size_t len = sizeof head - 1, n = 0, want;
	struct frame *f;

	for (f = c->out_head; f && len + f->len + 2 + sizeof tail <= WS_BATCH_MAX; f = f->next)
		len += f->len + 2, n++;
	if (n < 2)
		return 0;
	memcpy(out + LWS_PRE, head, sizeof head - 1);
	len = sizeof head - 1;
	while (n--) {
		f = c->out_head;
		memcpy(out + LWS_PRE + len, f->data + LWS_PRE, f->len);
		len += f->len;
		if (n) {
			memcpy(out + LWS_PRE + len, ",\n", 2);
			len += 2;
		}
		pop_frame(c);
	}
	memcpy(out + LWS_PRE + len, tail, sizeof tail - 1);
	want = len + sizeof tail - 1;
	return lws_write(wsi, out + LWS_PRE, want, LWS_WRITE_TEXT) < (int)want ? -1 : 1;
}

static int on_writeable(struct lws *wsi, struct ws_conn *c)
{
	struct frame *f;

	if (c->close_sent)
		return 0;
	if (c->held_head && !c->hello_pending)
		replay_held(c);
	for (int first = 1; (f = c->out_head); first = 0) {
		int rc;

		/* lws_send_pipe_choked() costs a poll() syscall; the first write of a writeable
		 * callback needs no check */
		if (!first && lws_send_pipe_choked(wsi)) {
			lws_callback_on_writable(wsi);
			break;
		}
		rc = write_batch(wsi, c);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
			return -1;
		pop_frame(c);
	}
	if (c->starved && !c->close_code && c->out_bytes <= ws_low_water(c))
		c->net->hooks.ws_drained(c);
	if (c->close_code && !c->out_head) { /* queued frames (the error) went first */
		/* lws 4.1 drops a close reason set outside the receive path when we return -1
		 * from here, so the close frame is written by hand */
		unsigned char cf[LWS_PRE + 2 + sizeof c->close_reason];
		size_t n = strlen(c->close_reason);

		cf[LWS_PRE] = (unsigned char)(c->close_code >> 8);
		cf[LWS_PRE + 1] = (unsigned char)(c->close_code & 0xff);
		memcpy(cf + LWS_PRE + 2, c->close_reason, n);
		lws_write(wsi, cf + LWS_PRE, n + 2, (enum lws_write_protocol)4 /* close */);
		/* wait (briefly) for the peer's close: hanging up with its frames still unread
		 * would reset the connection and the peer would never see our close frame */
		c->close_sent = 1;
		lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_ACK, 2);
		return 0;
	}
	return 0;
}

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct ws_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		char cookie[128];
		size_t max = sizeof cookie;

		memset(c, 0, sizeof *c);
		copy_hdr(wsi, c->origin, sizeof c->origin, WSI_TOKEN_ORIGIN);
		copy_hdr(wsi, c->host, sizeof c->host, WSI_TOKEN_HOST);
		if (lws_http_cookie_get(wsi, SESSION_COOKIE, cookie, &max) == 0) {
			crypto_token_hash(cookie, strlen(cookie), c->session_hash);
			c->has_session = 1;
		}
		return 0;
	}
	case LWS_CALLBACK_ESTABLISHED: on_established(wsi, c); return 0;
	case LWS_CALLBACK_RECEIVE: return on_receive(wsi, c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE: return on_writeable(wsi, c);
	case LWS_CALLBACK_CLOSED: on_closed(c); return 0;
	default: return 0;
	}
}
