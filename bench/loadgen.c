/* loadgen.c: load generator for rapport, speaking the real protocol (docs/PROTOCOL.md).
 *
 * One process, one thread, libwebsockets on one libuv (epoll) loop. It logs staff in over HTTP,
 * opens M staff and N patron WebSockets, has every patron join the queue and a staff connection
 * pick the chat, then both sides of every pair send messages: either keeping K in flight
 * each (saturate) or at a fixed total rate with Poisson arrivals (rate). Every message
 * carries its scheduled send time (CLOCK_MONOTONIC, shared by both ends) in its cmid and
 * text, so ack latency is measured at the sender and delivery latency at the receiver
 * without any per-message state. Run `loadgen --help` for options.
 *
 * Cost: outgoing frames are built straight into one LWS_PRE-headroom buffer per
 * connection, already framed and masked, and each connection's buffer goes out in one
 * lws_write (LWS_WRITE_RAW) per loop iteration, from a uv_check handle that runs after
 * the loop has handled its I/O. Connections whose last write lws still holds wait for
 * their writeable callback instead. So a burst of acks costs one send per connection,
 * not one per frame, and no epoll re-arm in the common case. Acks and text messages are
 * parsed with a fixed-layout scan (we wrote their cmid and text); every other frame with
 * jansson.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#include "util/buf.h"

#include "loadgen_hist.h"
#include "loadgen_sys.h"

#define MAX_CONNS 30000
#define MAX_ACCOUNTS 64
#define MAX_ERR_CODES 24
#define OUT_MAX ((size_t)4 << 20) /* bytes waiting in one connection's out buffer */
#define RX_MAX ((size_t)16 << 20) /* one reassembled incoming frame */
#define SEC ((int64_t)1000000000)
#define TICK_NS (10 * 1000000)
#define SETUP_LIMIT (22 * SEC)
#define DRAIN_LIMIT (5 * SEC)
#define END_LIMIT (2 * SEC)
#define SUBPROTOCOL "rapport.v1"

enum kind { K_STAFF, K_PATRON, K_IDLE };
enum cstate { C_NEW, C_CONNECTING, C_HELLO, C_JOINING, C_PICKING, C_READY, C_GONE };
enum phase { PH_STAFF, PH_PAIRS, PH_IDLE, PH_WARMUP, PH_MEASURE, PH_DRAIN, PH_ENDING, PH_DONE };
enum mode { M_SATURATE, M_RATE };

struct account {
	char email[128];
	char password[128];
	char cookie[256];
};

struct opts {
	int port;
	int pairs, staff, idle;
	int inflight, text_bytes, setup_conc;
	enum mode mode;
	double rate;
	int duration, warmup;
	uint64_t seed;
	int server_pid;
	int json;
};

/* An outgoing byte queue; the bytes start at mem + LWS_PRE. */
struct outq {
	unsigned char *mem;
	size_t len, cap;
};

struct conn {
	struct lws *wsi;
	struct outq out;
	char *rx;
	size_t rx_len, rx_cap;
	int64_t t_start;
	int32_t pair; /* patron: its pair; others -1 */
	uint16_t account; /* staff: index into accounts */
	uint8_t kind, state, want_write, dirty, counted;
};

/* One sending side of a pair. n counts this side's messages (cmids are unique per sender). */
struct endpoint {
	uint64_t sent, acked, delivered, last_delivered_n;
};

struct pair {
	int64_t chat;
	uint32_t patron, staff; /* indexes into conns */
	struct endpoint ep[2]; /* [0] patron sends, [1] staff sends */
	uint8_t patron_joined, staff_joined, ready, ended;
};

struct errcount {
	char code[32];
	uint64_t n;
};

struct loadgen {
	struct opts o;
	struct account acct[MAX_ACCOUNTS];
	int n_acct;
	struct lws_context *ctx;
	uv_loop_t loop;
	uv_poll_t tpoll; /* the timerfd: arrivals and the phase clock */
	uv_check_t flush; /* after each loop iteration's I/O: write what was queued */
	int tfd, finishing;
	int *dirty; /* connections with queued bytes */
	int n_dirty;
	enum phase phase;
	int destroying, aborted;
	char abort_reason[256];
	uint64_t rng[4];

	struct conn *conns;
	int n_conns, next_conn, conn_target, setup_inflight;
	struct pair *pairs;
	int64_t *chat_keys; /* open-addressing map chat id -> pair */
	int32_t *chat_vals;
	size_t chat_cap;
	int64_t queue_id;

	int staff_ready, pairs_joined, pairs_ready, idle_ready, ended;
	int64_t t0, t_login, t_staff, t_staff_done, t_pairs, t_joined_last, t_pairs_done;
	int64_t t_idle, t_idle_done, setup_deadline;
	int64_t t_warm, t_meas, t_end, t_drain_limit, t_end_limit; /* relative to t0 */
	int64_t next_arrival; /* relative to t0 */
	double mean_gap_ns;

	char *filler;
	char scratch[16384];
	char hosthdr[64];

	uint64_t sent_total, acked_total, delivered_total;
	uint64_t sent_win, acked_win, delivered_win, late_win, late_total, echoes;
	struct hist h_ack, h_del;

	uint64_t err_connect, err_close, err_order, err_overflow, err_proto, err_timeout;
	struct errcount errs[MAX_ERR_CODES];
	int n_errs;
	int last_close_code;
	int held; /* connections open and set up at the end of the window */

	struct proc_sample srv0, srv1, srv_idle0, srv_idle1;
	int64_t cpu0, cpu1, w0, w1;
	/* the patron set-up phase: this process's CPU time and the server's at its ends */
	struct proc_sample srv_pairs0, srv_pairs1;
	int64_t cpu_pairs0, cpu_pairs1;
};

static struct loadgen g;

/* ---- small helpers ------------------------------------------------------------------- */

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, seedable, good enough for arrivals and masks. */
static uint64_t rng_next(void)
{
	uint64_t *s = g.rng, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		g.rng[i] = z ^ (z >> 31);
	}
}

/* Uniform in (0, 1]. */
static double rng_unit(void)
{
	return ((double)(rng_next() >> 11) + 1.0) / 9007199254740992.0;
}

static int64_t now_rel(void)
{
	return mono_ns() - g.t0;
}

static int in_window(int64_t t)
{
	return t >= g.t_meas && t < g.t_end;
}

/* Ends the run after a set-up failure: what, then detail (may be ""). The first wins. */
static void fail_setup(const char *what, const char *detail)
{
	if (g.aborted)
		return;
	g.aborted = 1;
	snprintf(g.abort_reason, sizeof g.abort_reason, "%s%s", what, detail);
}

static void count_error(const char *code)
{
	int i;

	for (i = 0; i < g.n_errs; i++)
		if (!strcmp(g.errs[i].code, code))
			break;
	if (i == g.n_errs) {
		if (g.n_errs == MAX_ERR_CODES)
			i = MAX_ERR_CODES - 1; /* the last slot collects the rest */
		else
			snprintf(g.errs[g.n_errs++].code, sizeof g.errs[0].code, "%s", code);
	}
	g.errs[i].n++;
}

static const char *find(const char *d, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *p = memmem(d, n, needle, k);

	return p ? p + k : NULL;
}

/* Parses a decimal number at *p (stopping at the first non-digit); advances *p. */
static uint64_t parse_u64(const char **p, const char *end)
{
	uint64_t v = 0;

	while (*p < end && **p >= '0' && **p <= '9')
		v = v * 10 + (uint64_t)(*(*p)++ - '0');
	return v;
}

/* ---- chat id -> pair ------------------------------------------------------------------ */

static void chat_put(int64_t chat, int32_t pair)
{
	size_t i = (size_t)chat * 0x9e3779b97f4a7c15ULL & (g.chat_cap - 1);

	while (g.chat_keys[i] && g.chat_keys[i] != chat)
		i = (i + 1) & (g.chat_cap - 1);
	g.chat_keys[i] = chat;
	g.chat_vals[i] = pair;
}

static int32_t chat_get(int64_t chat)
{
	size_t i = (size_t)chat * 0x9e3779b97f4a7c15ULL & (g.chat_cap - 1);

	while (g.chat_keys[i]) {
		if (g.chat_keys[i] == chat)
			return g.chat_vals[i];
		i = (i + 1) & (g.chat_cap - 1);
	}
	return -1;
}

/* ---- outgoing frames ------------------------------------------------------------------ */

static void want_write(struct conn *c)
{
	if (!c->want_write && c->wsi) {
		c->want_write = 1;
		lws_callback_on_writable(c->wsi);
	}
}

/* Writes c's queued frames in one lws_write, unless lws still holds part of the last
 * write: then the writeable callback does it. Returns -1 if the connection failed. */
static int conn_flush(struct conn *c)
{
	int n;

	if (!c->wsi || !c->out.len)
		return 0;
	if (lws_partial_buffered(c->wsi)) {
		want_write(c);
		return 0;
	}
	/* whole frames, already framed and masked; lws keeps any part the socket does not
	 * take and sends it before our next writeable callback */
	n = lws_write(c->wsi, c->out.mem + LWS_PRE, c->out.len, LWS_WRITE_RAW);
	c->out.len = 0;
	return n < 0 ? -1 : 0;
}

/* Appends one masked client text frame holding payload[0..n) to c's queue.
 * Returns 0, or -1 if the queue is over OUT_MAX or memory ran out. */
static int queue_frame(struct conn *c, const char *payload, size_t n)
{
	struct outq *q = &c->out;
	size_t need = LWS_PRE + q->len + n + 14;
	unsigned char *h, key[4];
	uint32_t k = (uint32_t)rng_next();

	if (!c->wsi || q->len + n > OUT_MAX)
		return -1;
	if (need > q->cap) {
		size_t cap = q->cap ? q->cap : 4096;
		unsigned char *m;

		while (cap < need)
			cap *= 2;
		m = realloc(q->mem, cap);
		if (!m)
			return -1;
		q->mem = m;
		q->cap = cap;
	}
	h = q->mem + LWS_PRE + q->len;
	*h++ = 0x81; /* FIN, text */
	if (n < 126) {
		*h++ = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		*h++ = 0x80 | 126;
		*h++ = (unsigned char)(n >> 8);
		*h++ = (unsigned char)n;
	} else {
		return -1; /* we never send frames this large */
	}
	memcpy(key, &k, 4);
	memcpy(h, key, 4);
	h += 4;
	for (size_t i = 0; i < n; i++)
		h[i] = (unsigned char)payload[i] ^ key[i & 3];
	q->len = (size_t)(h + n - (q->mem + LWS_PRE));
	if (!c->dirty) {
		c->dirty = 1;
		g.dirty[g.n_dirty++] = (int)(c - g.conns);
	}
	return 0;
}

static void queue_text(struct conn *c, const char *s)
{
	if (queue_frame(c, s, strlen(s)))
		g.err_overflow++;
}

/* Queues message number n+1 of one side of pair pi, scheduled at t (ns since t0). */
static void send_msg(uint32_t pi, int side, int64_t t)
{
	struct pair *p = &g.pairs[pi];
	struct endpoint *e = &p->ep[side];
	struct conn *c = &g.conns[side ? p->staff : p->patron];
	int n = snprintf(g.scratch, sizeof g.scratch,
			 "{\"type\":\"send\",\"chat\":%lld,\"cmid\":\"%u-%llu-%lld\","
			 "\"text\":\"t=%lld %s\"}",
			 (long long)p->chat, pi, (unsigned long long)e->sent + 1, (long long)t,
			 (long long)t, g.filler);

	if (n <= 0 || (size_t)n >= sizeof g.scratch || queue_frame(c, g.scratch, (size_t)n)) {
		g.err_overflow++;
		return;
	}
	e->sent++;
	g.sent_total++;
	if (in_window(t))
		g.sent_win++;
}

/* ---- set-up progress ------------------------------------------------------------------ */

static void drive(void);

static void conn_open(struct conn *c)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof ci);
	ci.context = g.ctx;
	ci.address = "127.0.0.1";
	ci.port = g.o.port;
	ci.path = "/ws";
	ci.host = g.hosthdr;
	ci.protocol = SUBPROTOCOL;
	ci.local_protocol_name = SUBPROTOCOL;
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	c->state = C_CONNECTING;
	c->t_start = mono_ns();
	if (!lws_client_connect_via_info(&ci)) {
		c->wsi = NULL;
		c->state = C_GONE;
		g.err_connect++;
		fail_setup("could not start a connection", "");
	}
}

/* Starts connections up to the set-up concurrency; keeps the server's queue short. */
static void start_connects(void)
{
	while (!g.aborted && g.setup_inflight < g.o.setup_conc && g.next_conn < g.conn_target) {
		g.setup_inflight++;
		conn_open(&g.conns[g.next_conn++]);
	}
}

static void setup_done(struct conn *c)
{
	if (!c->counted) {
		c->counted = 1;
		g.setup_inflight--;
	}
	start_connects();
}

static void pair_check_ready(struct pair *p)
{
	if (p->ready || !p->patron_joined || !p->staff_joined)
		return;
	p->ready = 1;
	g.pairs_ready++;
	g.conns[p->patron].state = C_READY;
	setup_done(&g.conns[p->patron]);
	if (g.pairs_ready == g.o.pairs)
		drive();
}

static void on_join_ack(struct conn *c, const char *d, size_t n)
{
	const char *q = find(d, n, "\"chat\":");
	struct pair *p = &g.pairs[c->pair];
	char pick[96];

	if (!q || c->state != C_JOINING) {
		g.err_proto++;
		return;
	}
	p->chat = (int64_t)parse_u64(&q, d + n);
	chat_put(p->chat, c->pair);
	c->state = C_PICKING;
	g.pairs_joined++;
	g.t_joined_last = mono_ns();
	snprintf(pick, sizeof pick, "{\"type\":\"pick\",\"chat\":%lld}", (long long)p->chat);
	queue_text(&g.conns[p->staff], pick);
}

static void on_welcome(struct conn *c, json_t *root)
{
	char join[160];

	if (c->state != C_HELLO) {
		g.err_proto++;
		return;
	}
	if (c->kind == K_STAFF) {
		c->state = C_READY;
		g.staff_ready++;
		setup_done(c);
		if (g.staff_ready == g.o.staff)
			drive();
		return;
	}
	if (c->kind == K_IDLE) {
		c->state = C_READY;
		g.idle_ready++;
		setup_done(c);
		if (g.idle_ready == g.o.idle)
			drive();
		return;
	}
	if (!g.queue_id && root) {
		json_t *q0 = json_array_get(json_object_get(root, "queues"), 0);

		g.queue_id = json_integer_value(json_object_get(q0, "id"));
	}
	if (!g.queue_id) {
		fail_setup("the patron welcome lists no queue", "");
		return;
	}
	c->state = C_JOINING;
	snprintf(join, sizeof join,
		 "{\"type\":\"join\",\"queue\":%lld,\"cmid\":\"q%d\","
		 "\"text\":\"loadgen question %d\"}",
		 (long long)g.queue_id, c->pair, c->pair);
	queue_text(c, join);
}

static void on_event(struct conn *c, json_t *root)
{
	const char *ev = json_string_value(json_object_get(root, "event"));
	int32_t pi = chat_get(json_integer_value(json_object_get(root, "chat")));
	struct pair *p;

	if (!ev || pi < 0)
		return;
	p = &g.pairs[pi];
	if (!strcmp(ev, "joined")) {
		if (c->kind == K_PATRON && (uint32_t)(c - g.conns) == p->patron)
			p->patron_joined = 1;
		else if (c->kind == K_STAFF && (uint32_t)(c - g.conns) == p->staff)
			p->staff_joined = 1;
		pair_check_ready(p);
	} else if (!strcmp(ev, "ended") && c->kind == K_STAFF && !p->ended) {
		p->ended = 1;
		g.ended++;
	}
}

static void on_error_frame(struct conn *c, json_t *root)
{
	const char *code = json_string_value(json_object_get(root, "code"));
	const char *msg = json_string_value(json_object_get(root, "message"));

	count_error(code ? code : "(no code)");
	if (c->state != C_READY) {
		char why[200];

		snprintf(why, sizeof why, "%s: %s", code ? code : "?", msg ? msg : "");
		fail_setup("server error during set-up: ", why);
	}
}

/* Every frame that is not an ack or a text message: parsed with jansson. */
static void on_other(struct conn *c, const char *d, size_t n)
{
	json_error_t jerr;
	json_t *root = json_loadb(d, n, JSON_REJECT_DUPLICATES, &jerr);
	const char *type = json_string_value(json_object_get(root, "type"));

	if (!type) {
		g.err_proto++;
	} else if (!strcmp(type, "welcome")) {
		on_welcome(c, root);
	} else if (!strcmp(type, "error")) {
		on_error_frame(c, root);
	} else if (!strcmp(type, "msg")) {
		on_event(c, root);
	} else if (!strcmp(type, "ack")) {
		g.err_proto++; /* acks are handled on the fast path */
	}
	json_decref(root);
}

/* ---- the measured path ---------------------------------------------------------------- */

/* cmid "<pair>-<n>-<t>": fills the three numbers; 0 if it is one of ours. */
static int parse_cmid(const char *q, const char *end, uint64_t *pi, uint64_t *num, int64_t *t)
{
	*pi = parse_u64(&q, end);
	if (q >= end || *q++ != '-')
		return -1;
	*num = parse_u64(&q, end);
	if (q >= end || *q++ != '-')
		return -1;
	*t = (int64_t)parse_u64(&q, end);
	return q < end && *q == '"' && *pi < (uint64_t)g.o.pairs ? 0 : -1;
}

static void on_ack(struct conn *c, const char *d, size_t n)
{
	const char *q = find(d, n, "\"cmid\":\"");
	const char *end = d + n;
	uint64_t pi, num;
	int64_t t, now;
	int side = c->kind == K_STAFF;
	struct endpoint *e;

	if (q && q < end && *q == 'q') {
		on_join_ack(c, d, n);
		return;
	}
	if (!q || parse_cmid(q, end, &pi, &num, &t)) {
		g.err_proto++;
		return;
	}
	e = &g.pairs[pi].ep[side];
	e->acked++;
	g.acked_total++;
	now = now_rel();
	if (in_window(now))
		g.acked_win++;
	if (in_window(t))
		hist_add(&g.h_ack, (uint64_t)(now - t));
	if (g.o.mode == M_SATURATE && (g.phase == PH_WARMUP || g.phase == PH_MEASURE) &&
	    now < g.t_end)
		send_msg((uint32_t)pi, side, now);
}

static void on_text_msg(struct conn *c, const char *d, size_t n)
{
	const char *end = d + n, *from = find(d, n, "\"from\":\""), *q, *tx;
	int own = c->kind == K_STAFF, side;
	uint64_t pi, num;
	int64_t t, now;
	struct endpoint *e;

	if (!from) {
		g.err_proto++;
		return;
	}
	side = !strncmp(from, "staff\"", 6) ? 1 : !strncmp(from, "patron\"", 7) ? 0 : -1;
	if (side == own) {
		g.echoes++; /* our own message, sent back to the sending connection too */
		return;
	}
	q = find(d, n, "\"cmid\":\"");
	if (q && q < end && *q == 'q')
		return; /* the question, replayed to the picking staff connection */
	tx = find(d, n, "\"text\":\"t=");
	if (side < 0 || !q || !tx || parse_cmid(q, end, &pi, &num, &t)) {
		g.err_proto++;
		return;
	}
	t = (int64_t)parse_u64(&tx, end);
	e = &g.pairs[pi].ep[side];
	if (num <= e->last_delivered_n)
		g.err_order++;
	e->last_delivered_n = num;
	e->delivered++;
	g.delivered_total++;
	now = now_rel();
	if (in_window(now))
		g.delivered_win++;
	if (in_window(t))
		hist_add(&g.h_del, (uint64_t)(now - t));
}

static void on_frame(struct conn *c, const char *d, size_t n)
{
	static const char ack[] = "{\"type\":\"ack\",", msg[] = "{\"type\":\"msg\",";
	static const char batch[] = "{\"type\":\"batch\",\"frames\":[\n";

	if (n > sizeof batch + 2 && !memcmp(d, batch, sizeof batch - 1)) {
		/* frames combined by the server, separated by ",\n" (never inside a frame:
		 * the server escapes newlines in strings) and closed by "\n]}" */
		const char *p = d + sizeof batch - 1, *end = d + n - 3;

		while (p < end) {
			const char *q = memmem(p, (size_t)(end - p), ",\n", 2);
			const char *e = q ? q : end;

			on_frame(c, p, (size_t)(e - p));
			p = e + 2;
		}
		return;
	}
	if (n > sizeof ack && !memcmp(d, ack, sizeof ack - 1)) {
		on_ack(c, d, n);
	} else if (n > sizeof msg && !memcmp(d, msg, sizeof msg - 1)) {
		if (find(d, n, "\"kind\":\"text\""))
			on_text_msg(c, d, n);
		else
			on_other(c, d, n);
	} else if (!strncmp(d, "{\"type\":\"queue\"", n < 15 ? n : 15) ||
		   !strncmp(d, "{\"type\":\"chat\"", n < 14 ? n : 14) ||
		   (!strncmp(d, "{\"type\":\"welcome\"", n < 17 ? n : 17) &&
		    (c->kind != K_PATRON || g.queue_id))) {
		if (d[9] == 'w')
			on_welcome(c, NULL); /* staff, idle, or the queue id is known */
	} else {
		on_other(c, d, n);
	}
}

/* Reassembles frames that arrive in pieces; whole frames are handled in place. */
static void on_receive(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
	int final = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);

	if (final && !c->rx_len) {
		on_frame(c, in, len);
		return;
	}
	if (c->rx_len + len > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : 8192;
		char *r;

		while (cap < c->rx_len + len)
			cap *= 2;
		if (cap > RX_MAX || !(r = realloc(c->rx, cap))) {
			g.err_overflow++;
			c->rx_len = 0;
			return;
		}
		c->rx = r;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (final) {
		on_frame(c, c->rx, c->rx_len);
		c->rx_len = 0;
	}
}

static void conn_lost(struct conn *c, int unexpected)
{
	int was_setup = c->state != C_READY;

	c->wsi = NULL;
	c->state = C_GONE;
	if (g.destroying)
		return;
	if (unexpected)
		g.err_close++;
	if (was_setup && g.phase <= PH_IDLE)
		fail_setup("a connection closed during set-up", "");
}

static int cb_ws(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len)
{
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (c && c->kind == K_STAFF) {
			unsigned char **p = in, *end = *p + len;
			const char *ck = g.acct[c->account].cookie;

			if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE,
							 (const unsigned char *)ck, (int)strlen(ck),
							 p, end))
				return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->state = C_HELLO;
		queue_text(c, c->kind == K_STAFF ? "{\"type\":\"hello\",\"role\":\"staff\"}"
						 : "{\"type\":\"hello\",\"role\":\"patron\"}");
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE: on_receive(c, wsi, in, len); break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		c->want_write = 0;
		if (conn_flush(c))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c) {
			g.err_connect++;
			if (!g.destroying)
				fprintf(stderr, "loadgen: connection failed: %s\n",
					in ? (const char *)in : "(no reason)");
			conn_lost(c, 0);
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			g.last_close_code = ((const unsigned char *)in)[0] << 8 |
					    ((const unsigned char *)in)[1];
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c)
			conn_lost(c, 1);
		break;
	default: break;
	}
	return 0;
}

/* ---- phases and the clock ------------------------------------------------------------- */

static void arm_timer(int64_t at_rel)
{
	struct itimerspec its = {0};
	int64_t at = at_rel + g.t0;

	its.it_value.tv_sec = at / SEC;
	its.it_value.tv_nsec = at % SEC;
	timerfd_settime(g.tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Rate mode: sends every arrival due by now. Arrivals are scheduled, not reactive: a
 * sender with too many messages outstanding still sends (and the send is counted late),
 * and latency runs from the scheduled time. */
static void arrivals(int64_t now)
{
	uint32_t eps = (uint32_t)g.o.pairs * 2;

	while (g.next_arrival <= now && g.next_arrival < g.t_end) {
		uint32_t k = (uint32_t)(rng_next() % eps);
		struct endpoint *e = &g.pairs[k >> 1].ep[k & 1];

		if (e->sent - e->acked >= (uint64_t)g.o.inflight) {
			g.late_total++;
			if (in_window(g.next_arrival))
				g.late_win++;
		}
		send_msg(k >> 1, (int)(k & 1), g.next_arrival);
		g.next_arrival += (int64_t)(-log(rng_unit()) * g.mean_gap_ns) + 1;
	}
}

static void start_load(int64_t now)
{
	g.phase = PH_WARMUP;
	g.t_warm = now;
	g.t_meas = now + (int64_t)g.o.warmup * SEC;
	g.t_end = g.t_meas + (int64_t)g.o.duration * SEC;
	if (g.o.mode == M_SATURATE) {
		for (int i = 0; i < g.o.pairs; i++)
			for (int k = 0; k < g.o.inflight; k++) {
				send_msg((uint32_t)i, 0, now);
				send_msg((uint32_t)i, 1, now);
			}
	} else {
		g.next_arrival = now;
	}
	if (g.o.warmup == 0) {
		g.phase = PH_MEASURE;
		g.w0 = mono_ns();
		g.cpu0 = self_cpu_ns();
		g.srv0 = proc_read(g.o.server_pid);
	}
}

static void start_ending(void)
{
	char end[80];

	g.phase = PH_ENDING;
	g.t_end_limit = now_rel() + END_LIMIT;
	for (int i = 0; i < g.o.pairs; i++) {
		struct pair *p = &g.pairs[i];

		if (!p->ready)
			continue;
		snprintf(end, sizeof end, "{\"type\":\"end\",\"chat\":%lld}", (long long)p->chat);
		queue_text(&g.conns[p->staff], end);
	}
}

static void after_pairs(int64_t now)
{
	if (g.o.idle > 0) {
		g.phase = PH_IDLE;
		g.srv_idle0 = proc_read(g.o.server_pid);
		g.t_idle = mono_ns();
		g.conn_target = g.n_conns;
		start_connects();
	} else {
		start_load(now);
	}
}

/* The phase machine; runs on every timer tick and when a set-up step completes. */
static void drive(void)
{
	int64_t now = now_rel();
	int64_t next = now + TICK_NS;

	if (g.phase == PH_WARMUP || g.phase == PH_MEASURE) {
		if (g.o.mode == M_RATE)
			arrivals(now);
		if (g.phase == PH_WARMUP && now >= g.t_meas) {
			g.phase = PH_MEASURE;
			g.w0 = mono_ns();
			g.cpu0 = self_cpu_ns();
			g.srv0 = proc_read(g.o.server_pid);
		}
		if (g.phase == PH_MEASURE && now >= g.t_end) {
			g.w1 = mono_ns();
			g.cpu1 = self_cpu_ns();
			g.srv1 = proc_read(g.o.server_pid);
			for (int i = 0; i < g.n_conns; i++)
				g.held += g.conns[i].state == C_READY;
			g.phase = PH_DRAIN;
			g.t_drain_limit = now + DRAIN_LIMIT;
		}
	}
	switch (g.phase) {
	case PH_STAFF:
		start_connects();
		if (g.staff_ready == g.o.staff) {
			g.t_staff_done = mono_ns();
			g.phase = PH_PAIRS;
			g.t_pairs = g.t_staff_done;
			g.cpu_pairs0 = self_cpu_ns();
			g.srv_pairs0 = proc_read(g.o.server_pid);
			g.conn_target = g.o.staff + g.o.pairs;
			start_connects();
		}
		break;
	case PH_PAIRS:
		if (g.pairs_ready == g.o.pairs) {
			g.t_pairs_done = mono_ns();
			g.cpu_pairs1 = self_cpu_ns();
			g.srv_pairs1 = proc_read(g.o.server_pid);
			after_pairs(now);
		}
		break;
	case PH_IDLE:
		if (g.idle_ready == g.o.idle) {
			g.t_idle_done = mono_ns();
			g.srv_idle1 = proc_read(g.o.server_pid);
			start_load(now);
		}
		break;
	case PH_DRAIN:
		if ((g.acked_total == g.sent_total && g.delivered_total == g.sent_total) ||
		    now >= g.t_drain_limit) {
			if (g.acked_total != g.sent_total || g.delivered_total != g.sent_total)
				g.err_timeout++;
			start_ending();
		}
		break;
	case PH_ENDING:
		if (g.ended >= g.pairs_ready || now >= g.t_end_limit)
			g.phase = PH_DONE;
		break;
	default: break;
	}
	if (g.phase <= PH_IDLE && mono_ns() > g.setup_deadline)
		fail_setup("set-up did not finish within 22 s", "");
	if (g.aborted)
		g.phase = PH_DONE;
	if (g.o.mode == M_RATE && (g.phase == PH_WARMUP || g.phase == PH_MEASURE) &&
	    g.next_arrival < next)
		next = g.next_arrival;
	arm_timer(next);
}

static void on_timerfd(uv_poll_t *h, int status, int events)
{
	uint64_t ticks;

	if (read(g.tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
		g.phase = PH_DONE;
	else
		drive();
}

/* Stops the loop: first stage of the lws context teardown, then our handles. */
static void finish(void)
{
	g.finishing = 1;
	g.destroying = 1;
	lws_context_destroy(g.ctx);
	uv_poll_stop(&g.tpoll);
	uv_close((uv_handle_t *)&g.tpoll, NULL);
	uv_check_stop(&g.flush);
	uv_close((uv_handle_t *)&g.flush, NULL);
	uv_stop(&g.loop);
}

static void on_flush(uv_check_t *h)
{
	if (g.finishing)
		return;
	if (g.phase == PH_DONE) {
		finish();
		return;
	}
	/* conn_flush never queues, so the list does not grow while we walk it */
	for (int i = 0; i < g.n_dirty; i++) {
		struct conn *c = &g.conns[g.dirty[i]];

		c->dirty = 0;
		if (conn_flush(c) && c->wsi)
			lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
					LWS_TO_KILL_ASYNC);
	}
	g.n_dirty = 0;
}

static const struct lws_protocols protocols[] = {
	{SUBPROTOCOL, cb_ws, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

#include "loadgen_cli.h"
#include "loadgen_report.h"

static void on_alarm(int sig)
{
	static const char m[] = "loadgen: global time limit reached, stopping\n";

	(void)sig;
	if (write(2, m, sizeof m - 1) < 0)
		_exit(4);
	_exit(4);
}

static int setup_memory(void)
{
	size_t cap = 16;

	g.n_conns = g.o.staff + g.o.pairs + g.o.idle;
	g.conns = calloc((size_t)g.n_conns, sizeof *g.conns);
	g.pairs = calloc((size_t)g.o.pairs, sizeof *g.pairs);
	while (cap < (size_t)g.o.pairs * 2)
		cap *= 2;
	g.chat_cap = cap;
	g.chat_keys = calloc(cap, sizeof *g.chat_keys);
	g.chat_vals = calloc(cap, sizeof *g.chat_vals);
	g.filler = malloc((size_t)g.o.text_bytes + 1);
	g.dirty = calloc((size_t)g.n_conns, sizeof *g.dirty);
	if (!g.conns || !g.pairs || !g.chat_keys || !g.chat_vals || !g.filler || !g.dirty)
		return -1;
	{
		int fill = g.o.text_bytes > 24 ? g.o.text_bytes - 24 : 1;

		memset(g.filler, 'x', (size_t)fill);
		g.filler[fill] = '\0';
	}
	for (int i = 0; i < g.n_conns; i++) {
		struct conn *c = &g.conns[i];

		c->pair = -1;
		if (i < g.o.staff) {
			c->kind = K_STAFF;
			c->account = (uint16_t)(i % g.n_acct);
		} else if (i < g.o.staff + g.o.pairs) {
			c->kind = K_PATRON;
			c->pair = i - g.o.staff;
			g.pairs[c->pair].patron = (uint32_t)i;
			g.pairs[c->pair].staff = (uint32_t)(c->pair % g.o.staff);
		} else {
			c->kind = K_IDLE;
		}
	}
	return 0;
}

static void free_memory(void)
{
	for (int i = 0; g.conns && i < g.n_conns; i++) {
		free(g.conns[i].out.mem);
		free(g.conns[i].rx);
	}
	free(g.conns);
	free(g.pairs);
	free(g.chat_keys);
	free(g.chat_vals);
	free(g.filler);
	free(g.dirty);
}

/* The loop, the lws context on it, the timerfd and the flush hook. Returns 0 or -1. */
static int create_loop(void)
{
	struct lws_context_creation_info info;
	void *loops[1] = {&g.loop};

	if (uv_loop_init(&g.loop))
		return -1;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = loops;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.timeout_secs = 20;
	info.fd_limit_per_thread = (unsigned)g.n_conns + 64;
	g.ctx = lws_create_context(&info);
	g.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!g.ctx || g.tfd < 0)
		return -1;
	uv_poll_init(&g.loop, &g.tpoll, g.tfd);
	uv_poll_start(&g.tpoll, UV_READABLE, on_timerfd);
	uv_check_init(&g.loop, &g.flush);
	uv_check_start(&g.flush, on_flush);
	return 0;
}

/* Second stage of the teardown, after the loop stopped (see finish()). */
static void close_loop(void)
{
	while (uv_run(&g.loop, UV_RUN_NOWAIT))
		;
	if (g.ctx) { /* with a foreign loop, the second call frees the context */
		lws_context_destroy(g.ctx);
		g.ctx = NULL;
		while (uv_run(&g.loop, UV_RUN_NOWAIT))
			;
	}
	if (uv_loop_close(&g.loop))
		fprintf(stderr, "loadgen: loop handles still open at exit\n");
	if (g.tfd >= 0)
		close(g.tfd);
}

static int login_all(void)
{
	char err[256];

	g.t_login = mono_ns();
	for (int i = 0; i < g.n_acct && i < g.o.staff; i++)
		if (http_login(g.o.port, g.acct[i].email, g.acct[i].password, g.acct[i].cookie,
			       sizeof g.acct[i].cookie, err, sizeof err)) {
			fprintf(stderr, "loadgen: %s\n", err);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);

	if (rc >= 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(g.o.warmup + g.o.duration + 30));
	lws_set_log_level(LLL_ERR, NULL);
	rng_seed(g.o.seed);
	g.tfd = -1;
	g.mean_gap_ns = g.o.mode == M_RATE ? 1e9 / g.o.rate : 0;
	snprintf(g.hosthdr, sizeof g.hosthdr, "127.0.0.1:%d", g.o.port);
	if (raise_nofile((rlim_t)(g.o.staff + g.o.pairs + g.o.idle) + 128)) {
		fprintf(stderr, "loadgen: cannot raise the open-file limit to %d\n",
			g.o.staff + g.o.pairs + g.o.idle + 128);
		return 2;
	}
	if (setup_memory()) {
		fprintf(stderr, "loadgen: out of memory\n");
		free_memory();
		return 4;
	}
	g.t0 = mono_ns();
	if (login_all()) {
		free_memory();
		return 4;
	}
	if (create_loop()) {
		fprintf(stderr, "loadgen: cannot create the loop or the libwebsockets context\n");
		if (g.ctx)
			lws_context_destroy(g.ctx);
		free_memory();
		return 4;
	}
	g.t_staff = mono_ns();
	g.setup_deadline = g.t0 + SETUP_LIMIT; /* logins count too */
	g.phase = PH_STAFF;
	g.conn_target = g.o.staff;
	drive();
	uv_run(&g.loop, UV_RUN_DEFAULT);
	close_loop();
	rc = report();
	free_memory();
	return rc;
}
