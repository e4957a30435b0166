/* loop.c: start-up (load the live state from the store), the libuv loop that rapport
 * owns with libwebsockets on it (foreign loop), the 1 s housekeeping timer, and graceful
 * shutdown: stop accepting, close every WebSocket with 1001, flush the writer, exit 0.
 *
 * The loop's phases, in the order one iteration runs them:
 *  1. poll: lws reads frames and requests; handlers change the desk and submit writes.
 *  2. check (`flush`, on_check): the queue and staff announcements the iteration's changes
 *     made, coalesced (chat_flush_queues).
 *  3. prepare (`handover`, on_prepare), before the loop sleeps: the iteration's writes go
 *     to the writer thread in one hand-over (writer_flush), so they commit together.
 *  4. async (`wake`, on_wake), when the writer or a worker finished: the outbox's results,
 *     then the writer's completions (acks and deliveries, only now that the commit is
 *     durable), then the workers' completions (reads).
 *  5. timer (`tick`, on_tick, 1 s): housekeeping (abandon, hand-back, sessions, reminders,
 *     hours, mail rounds).
 * Nothing is sent for a write before its commit: step 4 is the only place acks leave. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "api/api.h"
#include "api/cases.h"
#include "util/log.h"

#define STOP_GRACE_MS 3000

struct app *g_app;

static int clock_scale = 1;
static int64_t clock_origin;

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void app_clock_scale(int scale)
{
	clock_origin = wall_ms();
	clock_scale = scale > 1 ? scale : 1;
}

int64_t app_now_ms(void)
{
	int64_t now = wall_ms();

	return clock_scale > 1 ? clock_origin + (now - clock_origin) * clock_scale : now;
}

void server_config_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1");
	cfg->port = 8080;
	snprintf(cfg->data_dir, sizeof cfg->data_dir, "./data");
	snprintf(cfg->web_root, sizeof cfg->web_root, "./web");
	cfg->durability = STORE_DURABILITY_FULL;
	cfg->max_chats = 3;
	cfg->text_max = 4000;
	cfg->chat_max_messages = 10000;
	cfg->frame_max = 16384;
	cfg->rate = 30;
	cfg->burst = 60;
	cfg->send_queue_max = 1 << 20;
	cfg->body_max = 65536;
	cfg->write_queue_max = WRITER_PENDING_DEFAULT;
	cfg->read_queue_max = WORKER_OUTSTANDING_DEFAULT;
	cfg->session_idle = 7200;
	cfg->session_max = 43200;
	cfg->queue_grace = 120;
	cfg->offer_window = 30;
	cfg->handback_grace_ms = 60000;
	cfg->handoff_timeout_ms = 60000;
	cfg->workers = 2;
	cfg->new_patrons = 300;
	cfg->mail_retry_ms = 30000;
	cfg->mail_retry_max_ms = 3600000;
	cfg->mail_attempts = 30;
	cfg->mail_timeout = 60;
	cfg->patron_mails = 5;
	cfg->signin_ttl = 1800;
}

/* ---- loading ------------------------------------------------------------------------- */

/* Hand-offs pending when the server stopped came back to their senders, who still hold
 * the chats: their records say so (cancelled) before anything new is offered. */
static int settle_handoffs(void)
{
	struct store_write *w = store_write_new(STW_HANDOFF_SETTLE);

	if (!w)
		return -1;
	w->u.handoff.decided_at = app_now_ms();
	return writer_submit(g_app->writer, w) ? -1 : 0;
}

static int load_lib(void *ctx, const struct store_library *r)
{
	struct library *lib = desk_add_library(g_app->desk, r->id, r->slug, r->name, r->origins);

	if (!lib)
		return STORE_ERR;
	lib->consortium_id = r->consortium_id;
	snprintf(lib->policy_notes, sizeof lib->policy_notes, "%s", r->policy_notes);
	snprintf(lib->consortium_card, sizeof lib->consortium_card, "%s", r->consortium_card);
	/* the widget's look: arrays of the same sizes, NUL-terminated by the store's read */
	_Static_assert(sizeof lib->greeting == sizeof r->greeting, "greeting");
	memcpy(lib->greeting, r->greeting, sizeof lib->greeting);
	memcpy(lib->colour, r->colour, sizeof lib->colour);
	memcpy(lib->text_colour, r->text_colour, sizeof lib->text_colour);
	return 0;
}

static int load_queue(void *ctx, const struct store_queue *r)
{
	struct queue *q = desk_add_queue(g_app->desk, r->id, r->library_id, r->slug, r->name);

	if (!q)
		return STORE_ERR;
	q->cascade_ms = r->cascade_ms;
	return 0;
}

struct staff *server_put_staff(const struct store_staff *r)
{
	int access = desk_access_of(r->role);
	struct staff *s = desk_put_staff(
		g_app->desk, r->id, r->library_id, r->email, r->display_name,
		access < 0 ? ACCESS_LIBRARIAN : (enum staff_access)access, r->max_chats);

	if (s) {
		s->active = r->active;
		s->invited = !r->pw_hash[0]; /* invited accounts have none until their link */
		snprintf(s->pronouns, sizeof s->pronouns, "%s", r->pronouns);
		snprintf(s->subjects, sizeof s->subjects, "%s", r->subjects);
		snprintf(s->bio, sizeof s->bio, "%s", r->bio);
		s->listed = r->listed;
		s->photo_at = r->photo_type[0] ? r->photo_at : 0;
	}
	return s;
}

static int load_staff(void *ctx, const struct store_staff *r)
{
	return server_put_staff(r) ? 0 : STORE_ERR;
}

static int load_msg(void *ctx, const struct store_message *m)
{
	struct chat *ch = desk_chat(g_app->desk, m->chat_id);

	if (!ch) {
		log_warn("load", "message %lld of chat %lld, which is not open: skipped",
			 (long long)m->seq, (long long)m->chat_id);
		return 0;
	}
	if (m->seq != (int64_t)ch->n_msgs + 1) {
		log_error("load", "chat %lld: message %lld out of sequence", (long long)ch->id,
			  (long long)m->seq);
		return STORE_ERR;
	}
	return desk_load_message(g_app->desk, ch, desk_kind_of_store(m->kind),
				 desk_author_of_store(m->author), m->author_id, m->cmid, m->body,
				 m->created_at)
		       ? STORE_ERR
		       : 0;
}

struct open_rows {
	struct store_chat *v;
	size_t n, cap;
};

static int collect_open(void *ctx, const struct store_chat *r)
{
	struct open_rows *o = ctx;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct store_chat *v = realloc(o->v, cap * sizeof *v);

		if (!v)
			return STORE_ERR;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = *r;
	return 0;
}

/* The wait history read at start-up, newest first (store.h, wait_history). */
struct hist_rows {
	struct wait_sample v[2][WAIT_HIST_MAX];
	size_t n[2];
};

static int collect_hist(void *ctx, int kind, int64_t at, int64_t ms, int64_t raw)
{
	struct hist_rows *h = ctx;

	if (kind < 0 || kind > 1 || h->n[kind] >= WAIT_HIST_MAX)
		return 0;
	h->v[kind][h->n[kind]++] = (struct wait_sample){.at = at, .ms = ms, .raw = raw};
	return 0;
}

/* Each library's latest waits and handling times, so estimates do not start cold after a
 * restart: they were stored with the chats (through the writer), and are noted oldest
 * first as if they had just happened in order. */
static int load_wait_history(struct store_conn *sc, int64_t now)
{
	size_t i, j;
	int k, rc;

	if (!g_app->ops->wait_history)
		return 0;
	for (i = 0; i < g_app->desk->n_libs; i++) {
		struct library *lib = g_app->desk->libs[i];
		struct hist_rows *h = calloc(1, sizeof *h);

		if (!h)
			return STORE_ERR;
		rc = g_app->ops->wait_history(sc, lib->id, now - WAIT_WINDOW_MS, WAIT_HIST_MAX,
					      collect_hist, h);
		for (k = 0; !rc && k < 2; k++)
			for (j = h->n[k]; j-- > 0;)
				wait_note(k ? &lib->wait.handles : &lib->wait.waits, h->v[k][j].at,
					  h->v[k][j].ms, h->v[k][j].raw);
		free(h);
		if (rc)
			return rc;
	}
	return 0;
}

int chat_load_state(struct store_conn *sc)
{
	const struct store_ops *ops = g_app->ops;
	struct open_rows o = {0};
	int64_t max_chat, max_patron;
	size_t i;
	int rc;

	if ((rc = ops->libraries(sc, load_lib, NULL)) || (rc = ops->queues(sc, load_queue, NULL)) ||
	    (rc = ops->staff_all(sc, load_staff, NULL)) ||
	    (rc = ops->max_ids(sc, &max_chat, &max_patron)) ||
	    (rc = ops->chats_open(sc, collect_open, &o)))
		goto out;
	g_app->desk->last_chat_id = max_chat;
	g_app->desk->last_patron_id = max_patron;
	for (i = 0; i < o.n; i++) {
		struct store_chat *r = &o.v[i];
		struct chat *ch = desk_load_chat(g_app->desk, r->id, r->queue_id, r->patron_id,
						 r->staff_id, desk_state_of_store(r->state),
						 r->join_cmid, r->created_at, r->picked_at);

		if (!ch) {
			rc = STORE_ERR;
			goto out;
		}
		ch->remembered = r->remembered;
		desk_load_route(g_app->desk, ch, r->offer_staff_id, desk_offer_why(r->offer_why),
				r->offer_until, r->routing, r->route_ends);
		snprintf(ch->outcome, sizeof ch->outcome, "%s", r->outcome);
		if (r->wait_estimate_ms >= 0 || r->wait_last_ms >= 0) { /* what we told them */
			ch->wait_shown = 1;
			ch->wait_first_ms = r->wait_estimate_ms;
			ch->wait_last_ms = r->wait_last_ms;
			ch->wait_promised_ms = r->wait_last_ms;
			ch->wait_grew = r->wait_grew;
		}
		if (r->remembered && !ch->patron->remembered) { /* consent owns the flag: load it */
			struct store_relation rel;

			if ((rc = ops->relation(sc, r->patron_id, &rel)))
				goto out;
			patron_apply_relation(ch->patron, &rel);
		}
	}
	/* open chats' messages are all in the log, in the order they were written */
	if ((rc = ops->log_messages(sc, load_msg, NULL)))
		goto out;
	if ((rc = load_wait_history(sc, app_now_ms())))
		goto out;
	desk_loaded(g_app->desk, app_now_ms());
	log_info("load", "%zu libraries, %zu staff, %zu open chats", g_app->desk->n_libs,
		 g_app->desk->n_staff, o.n);
out:
	free(o.v);
	return rc;
}

/* ---- loop plumbing ----------------------------------------------------------------------- */

static void net_config_from(struct net *n, const struct server_config *cfg)
{
	struct net_config *nc = &n->cfg;

	snprintf(nc->listen, sizeof nc->listen, "%s", cfg->listen);
	nc->port = cfg->port;
	nc->demo_site_port = cfg->demo_site_port;
	snprintf(nc->web_root, sizeof nc->web_root, "%s", cfg->web_root);
	nc->frame_max = cfg->frame_max;
	nc->rate = cfg->rate;
	nc->burst = cfg->burst;
	nc->send_queue_max = cfg->send_queue_max;
	nc->body_max = cfg->body_max;
	api_hooks(&n->hooks);
}

static void on_wake(uv_async_t *h)
{
	outbox_wake();
	writer_drain(g_app->writer);
	worker_drain(g_app->workers);
}

static void notify_loop(void *ctx)
{
	uv_async_send(&g_app->wake);
}

static void on_check(uv_check_t *h)
{
	chat_flush_queues();
}

static void on_prepare(uv_prepare_t *h)
{
	writer_flush(g_app->writer);
}

static void finish(void)
{
	struct app *a = g_app;

	uv_timer_stop(&a->tick);
	net_close(&a->net);
	uv_close((uv_handle_t *)&a->tick, NULL);
	uv_check_stop(&a->flush);
	uv_close((uv_handle_t *)&a->flush, NULL);
	uv_prepare_stop(&a->handover);
	uv_close((uv_handle_t *)&a->handover, NULL);
	uv_close((uv_handle_t *)&a->sigterm, NULL);
	uv_close((uv_handle_t *)&a->sigint, NULL);
	uv_stop(&a->loop);
}

static void on_tick(uv_timer_t *t)
{
	struct app *a = g_app;
	int64_t now = app_now_ms();

	if (a->stopping) {
		if (a->net.n_ws == 0 || uv_now(&a->loop) >= a->stop_deadline)
			finish();
		return;
	}
	chat_tick(now);
	auth_tick(now);
	promises_tick(now);
	cases_tick(now);
	outbox_tick(now);
}

static void begin_stop(void)
{
	struct app *a = g_app;

	if (a->stopping)
		return;
	a->stopping = 1;
	log_info("server", "stopping: closing %zu connections", a->net.n_ws);
	net_stop(&a->net);
	a->stop_deadline = uv_now(&a->loop) + STOP_GRACE_MS;
	uv_timer_start(&a->tick, on_tick, 20, 20);
}

void server_stop_now(void)
{
	begin_stop();
	g_app->stop_deadline = uv_now(&g_app->loop);
}

static void on_signal(uv_signal_t *s, int signum)
{
	begin_stop();
}

/* The desk's settings from the server's. */
static struct desk_config desk_config_of(const struct server_config *cfg)
{
	struct desk_config dc = {0};

	dc.default_max_chats = cfg->max_chats;
	dc.text_max = cfg->text_max;
	dc.chat_max_msgs = cfg->chat_max_messages;
	dc.queue_grace_ms = (int64_t)cfg->queue_grace * 1000;
	/* 0 means no window: 1 ms, as a zero field would take the desk's default */
	dc.offer_window_ms = cfg->offer_window ? (int64_t)cfg->offer_window * 1000 : 1;
	dc.handback_grace_ms = cfg->handback_grace_ms;
	dc.handoff_timeout_ms = cfg->handoff_timeout_ms;
	return dc;
}

/* One descriptor per connection: allow as many as the hard limit does. */
static void raise_fd_limit(void)
{
	struct rlimit rl, want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	want = rl;
	if (want.rlim_max < 65536) /* root may raise the hard limit too */
		want.rlim_max = 65536;
	want.rlim_cur = want.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &want)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Opens the store, loads the live state and starts the writer and the workers. Returns 0;
 * -1 before the wake handle exists, -2 after (it must be closed). */
static int start_store(struct app *a, const struct server_config *cfg)
{
	struct store_conn *sc = NULL;

	if (a->ops->open(cfg->data_dir, cfg->durability, 0, &sc)) {
		log_error("server", "cannot open the store in %s", cfg->data_dir);
		return -1;
	}
	if (chat_load_state(sc) || auth_load(sc) || promises_load(sc) || cases_load_schedules(sc)) {
		log_error("server", "cannot load state from the store");
		a->ops->close(sc);
		return -1;
	}
	uv_async_init(&a->loop, &a->wake, on_wake);
	if (writer_start(a->ops, sc, 0, notify_loop, a, &a->writer) ||
	    worker_start(a->ops, cfg->data_dir, (unsigned)cfg->workers, notify_loop, a,
			 &a->workers)) {
		log_error("server", "cannot start store threads");
		return -2;
	}
	writer_set_max(a->writer, (size_t)cfg->write_queue_max);
	worker_set_max(a->workers, (size_t)cfg->read_queue_max);
	return 0;
}

/* The loop's handles (timers, the check and prepare phases, signals), then listening. */
static void start_loop(struct app *a, const struct server_config *cfg, const char *banner)
{
	if (settle_handoffs() || outbox_start())
		log_error("server", "cannot start the outbox (out of memory): no mail is sent");
	uv_timer_init(&a->loop, &a->tick);
	uv_check_init(&a->loop, &a->flush);
	uv_check_start(&a->flush, on_check);
	uv_prepare_init(&a->loop, &a->handover);
	uv_prepare_start(&a->handover, on_prepare);
	uv_signal_init(&a->loop, &a->sigterm);
	uv_signal_init(&a->loop, &a->sigint);
	uv_signal_start(&a->sigterm, on_signal, SIGTERM);
	uv_signal_start(&a->sigint, on_signal, SIGINT);
	net_config_from(&a->net, cfg);
	if (net_listen(&a->net, &a->loop)) {
		log_error("server", "cannot listen on %s:%d", cfg->listen, cfg->port);
		a->exit_code = 1;
		finish();
		return;
	}
	uv_timer_start(&a->tick, on_tick, 1000, 1000);
	log_info("server", "listening on http://%s:%d", cfg->listen, cfg->port);
	if (banner) {
		fputs(banner, stdout);
		fflush(stdout);
	}
}

/* The loop has stopped: flush what is queued (callbacks find no connections). */
static void stop_store(struct app *a)
{
	outbox_stop();
	writer_stop(a->writer);
	worker_stop(a->workers);
	a->writer = NULL;
	a->workers = NULL;
	outbox_free();
}

/* Closes the wake handle and whatever net still holds, running the loop until they have. */
static void close_handles(struct app *a)
{
	uv_close((uv_handle_t *)&a->wake, NULL);
	while (uv_run(&a->loop, UV_RUN_NOWAIT))
		;
	if (a->net.ctx) {
		net_free(&a->net);
		while (uv_run(&a->loop, UV_RUN_NOWAIT))
			;
	}
	if (uv_loop_close(&a->loop))
		log_warn("server", "loop handles still open at exit");
	log_info("server", "stopped");
}

static void app_free(struct app *a)
{
	struct session *s, *n;

	for (s = a->sessions; s; s = n) {
		n = s->next;
		free(s);
	}
	net_free(&a->net);
	promise_book_clear(&a->promises);
	desk_free(a->desk);
	free(a);
}

int server_run(const struct server_config *cfg, const char *banner)
{
	struct app *a = calloc(1, sizeof *a);
	struct desk_config dc;
	int rc = 1, st;

	if (!a)
		return 1;
	g_app = a;
	a->cfg = *cfg;
	a->ops = &store_sqlite_ops;
	dc = desk_config_of(cfg);
	a->desk = desk_new(&dc);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	net_log_init();
	if (!a->desk || uv_loop_init(&a->loop))
		goto out;
	st = start_store(a, cfg);
	if (st == -1)
		goto out;
	if (st == 0) {
		start_loop(a, cfg, banner);
		uv_run(&a->loop, UV_RUN_DEFAULT);
		rc = a->exit_code;
		stop_store(a);
	}
	close_handles(a);
out:
	app_free(a);
	g_app = NULL;
	return rc;
}
