/* chat.c: the rapport.v1 commands over the desk. Each command checks access through the
 * desk, changes desk state, hands the rows to the writer, and only when they committed
 * acknowledges and delivers (see docs/PROTOCOL.md, "Guarantees"). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/cases.h"
#include "api/chat_int.h"
#include "api/errors.h"
#include "desk/settings.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/utf8.h"

#define QUEUE_SHOWN 100 /* queue entries listed in a queue frame (all are counted) */
#define BUSY_RESEND_MS 2000 /* `queues` for a librarian reaching or leaving their cap */
#define WAIT_REFRESH_MS 3000 /* a queued chat's estimate is recomputed at most this often */

/* What to do when an action's last write committed. */
enum op_kind {
	OP_JOIN,
	OP_SEND,
	OP_PICK,
	OP_END,
	OP_ABANDON,
	OP_ACK_DUP,
	OP_REST_SEND,
	OP_HANDBACK,
	OP_EVENT /* a hand-off's event: deliver and announce */
};

struct op {
	enum op_kind kind;
	uint64_t conn_id; /* ws or http connection to answer, 0 if none */
	struct chat *chat; /* holds a reference */
	int64_t seq;
	int existed; /* REST: a repeated cmid */
	char cmid[65];
	int was_queued;
};

static void op_done(struct store_write *w, int rc);

/* Whether lib shares with its consortium what makes a patron "returning" (their tenure or
 * earlier chats, desk/settings.h). */
static int shares_history(const struct library *lib)
{
	unsigned m = settings_card_parse(lib->consortium_card);

	return (m >> settings_card_index("tenure") & 1u) ||
	       (m >> settings_card_index("chats") & 1u);
}

void chat_queue_json(struct buf *b, const struct library *lib)
{
	size_t i, j, total = 0;

	buf_puts(b, "\"queue\":[");
	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		if (!desk_libs_share(q->lib, lib))
			continue; /* of another library, out of the consortium */
		for (j = 0; j < q->n_waiting; j++) {
			struct chat *ch = q->waiting[j];
			struct message *first = ch->n_msgs ? ch->msgs[0] : NULL;
			size_t n = first ? first->len : 0;
			size_t k = first ? utf8_prefix_chars(first->text, n, 200) : 0;

			if (ch->durable_seq < 1 || (q->lib != lib && !ch->cascaded))
				continue; /* not committed yet; another library's, not cascaded */
			if (++total > QUEUE_SHOWN)
				continue; /* counted, not listed */
			buf_putc(b, '{');
			json_kint(b, "id", ch->id);
			json_kint(b, "queue", q->id);
			json_kint(b, "created_at", ch->created_at);
			buf_puts(b, "\"question\":");
			json_strn(b, first ? first->text : "", k);
			buf_putc(b, ',');
			json_kbool(b, "patron_online", ch->patron->online > 0);
			json_kint(b, "patron", ch->patron->id);
			json_kbool(b, "remembered", desk_chat_remembered(ch));
			/* another library's: returning only if it shares what says so */
			json_kbool(b, "returning",
				   desk_chat_returning(ch) &&
					   (q->lib == lib || shares_history(ch->lib)));
			chat_offer_json(b, ch, 0);
			chat_handback_json(b, ch);
			if (ch->cascaded) {
				json_kbool(b, "cascaded", 1);
				library_notes_json(b, ch->lib);
			}
			json_close(b, '}');
			buf_putc(b, ',');
		}
	}
	json_close(b, ']');
	buf_putc(b, ',');
	json_kint(b, "queue_total", (int64_t)total);
	handoffs_json(b, lib);
}

/* The queue of ch's library changed (and, for a cascaded chat, what the consortium's
 * consoles list). Announcements are coalesced: chat_flush_queues() sends them once per
 * loop iteration, however many changes a batch of commits made. */
static void queue_changed(const struct chat *ch)
{
	ch->lib->queue_dirty = 1;
	for (size_t i = 0; ch->cascaded && i < g_app->desk->n_libs; i++)
		if (desk_libs_share(ch->lib, g_app->desk->libs[i]))
			g_app->desk->libs[i]->queue_dirty = 1;
}

/* Stores a queued chat's continuity routing (who it is offered to, until when), so a
 * restart keeps it. Best effort: a refused write only means a restart opens the chat to
 * all, as it did before routing was stored. */
static void save_route(const struct chat *ch)
{
	struct store_write *w;

	if (g_app->stopping)
		return; /* consoles closing as the server stops are not librarians leaving */
	w = store_write_new(STW_CHAT_ROUTE);
	if (!w)
		return;
	w->u.chat.id = ch->id;
	w->u.chat.offer_staff_id = ch->offer ? ch->offer->id : 0;
	snprintf(w->u.chat.offer_why, sizeof w->u.chat.offer_why, "%s",
		 desk_offer_name(ch->offer_why));
	w->u.chat.offer_until = ch->offer_until;
	w->u.chat.route_ends = ch->route_ends;
	w->u.chat.routing = ch->routing;
	writer_submit(g_app->writer, w); /* takes w, even when it refuses */
}

/* Staff get the new queue; waiting patrons whose place changed get their position. */
static void announce_queue(struct library *lib)
{
	struct buf b = {0};
	size_t i, j;

	frame_begin(&b, "queue");
	chat_queue_json(&b, lib);
	fan_send_staff_of(&b, lib);
	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		for (j = 0; q->lib == lib && j < q->n_waiting; j++) {
			struct chat *ch = q->waiting[j];
			struct sub *s;

			if (ch->offer_dirty)
				save_route(ch);
			if (ch->position_sent == (int64_t)j + 1 && !ch->offer_dirty &&
			    !ch->wait_dirty)
				continue;
			if (ch->position_sent && ch->position_sent != (int64_t)j + 1)
				desk_wait_refresh(g_app->desk, app_now_ms(),
						  ch); /* a frame goes anyway */
			ch->position_sent = (int64_t)j + 1;
			ch->offer_dirty = 0;
			ch->wait_dirty = 0;
			for (s = ch->subs; s; s = s->chat_next) {
				struct buf f = {0};

				if (s->conn->role != ROLE_PATRON)
					continue;
				frame_begin(&f, "chat");
				buf_puts(&f, "\"chat\":");
				chat_json(&f, ch);
				buf_putc(&f, ',');
				frame_send(s->conn, &f);
			}
		}
	}
}

static int match_patrons_of(struct ws_conn *c, const void *lib)
{
	return c->role == ROLE_PATRON && c->lib == lib;
}

void chat_flush_queues(void)
{
	size_t i;

	for (i = 0; i < g_app->desk->n_libs; i++) {
		struct library *lib = g_app->desk->libs[i];

		if (lib->queue_dirty) {
			lib->queue_dirty = 0;
			announce_queue(lib);
		}
		if (!lib->staff_dirty && app_now_ms() - lib->busy_sent_at >= BUSY_RESEND_MS &&
		    busy_signature(lib) != lib->busy_sent) /* someone reached or left their cap */
			lib->staff_dirty = 1;
		if (lib->staff_dirty) { /* how many are on changed: patrons of the library see it */
			struct buf b = {0};

			lib->staff_dirty = 0;
			lib->busy_sent = busy_signature(lib);
			lib->busy_sent_at = app_now_ms();
			frame_begin(&b, "queues");
			hello_queues_json(&b, lib);
			librarians_json(&b, lib);
			fan_send_copies(&b, match_patrons_of, lib);
		}
	}
}

/* The chat's state changed: tell the library's staff consoles (they track every chat of
 * their library) and its other subscribers (its patron). Walks the few consoles and the
 * chat's subscribers, not every connection: a join or pick is O(consoles). */
static void chat_frame(struct buf *b, const struct chat *ch, int staff)
{
	frame_begin(b, "chat");
	buf_puts(b, "\"chat\":");
	chat_json_as(b, ch, staff);
	buf_putc(b, ',');
	json_close(b, '}');
}

static void chat_changed(struct chat *ch)
{
	struct buf b = {0}, p = {0};
	struct sub *s;

	chat_frame(&b, ch, 1);
	fan_copy_to_staff_of(&b, ch->lib);
	for (s = ch->subs; s; s = s->chat_next) {
		if (s->conn->role == ROLE_STAFF && s->conn->lib == ch->lib)
			continue; /* had it above */
		if (s->conn->role == ROLE_STAFF) { /* covering for another library */
			fan_send_copy(s->conn, &b);
			continue;
		}
		if (!p.len)
			chat_frame(&p, ch, 0);
		fan_send_copy(s->conn, &p);
	}
	buf_free(&b);
	buf_free(&p);
}

void chat_announce(struct chat *ch)
{
	chat_changed(ch);
}

void chat_send_staff_of(struct buf *b, const struct library *lib)
{
	fan_send_staff_of(b, lib);
}

static void send_ack(struct ws_conn *c, const char *cmid, int64_t chat, int64_t seq)
{
	struct buf b = {0};

	if (!c)
		return;
	frame_begin(&b, "ack");
	json_kstr(&b, "cmid", cmid);
	json_kint(&b, "chat", chat);
	json_kint(&b, "seq", seq);
	frame_send(c, &b);
}

/* ---- writes ----------------------------------------------------------------------------- */

static struct op *op_new(enum op_kind kind, uint64_t conn_id, struct chat *ch)
{
	struct op *o = calloc(1, sizeof *o);

	if (!o)
		return NULL;
	o->kind = kind;
	o->conn_id = conn_id;
	o->chat = ch;
	if (ch)
		desk_chat_ref(ch);
	return o;
}

static void submit(struct store_write *w)
{
	if (!w || writer_submit_owed(g_app->writer, w)) {
		log_error("chat", "cannot queue a write; stopping to keep acknowledged data safe");
		g_app->exit_code = 1;
		server_stop_now();
	}
}

static struct store_write *chat_row_write(enum store_write_kind kind, const struct chat *ch)
{
	struct store_write *w = store_write_new(kind);
	struct store_chat *r;

	if (!w)
		return NULL;
	r = &w->u.chat;
	r->id = ch->id;
	r->library_id = ch->lib->id;
	r->queue_id = ch->queue->id;
	r->patron_id = ch->patron->id;
	r->staff_id = ch->staff ? ch->staff->id : 0;
	r->state = desk_state_to_store(ch->state);
	snprintf(r->join_cmid, sizeof r->join_cmid, "%s", ch->join_cmid);
	if (ch->state == CHAT_ENDED || ch->state == CHAT_ABANDONED)
		snprintf(r->ended_by, sizeof r->ended_by, "%s", desk_author_name(ch->ended_by));
	r->created_at = ch->created_at;
	r->picked_at = ch->picked_at;
	r->ended_at = ch->ended_at;
	r->remembered = desk_chat_remembered(ch);
	r->wait_estimate_ms = ch->wait_first_ms;
	r->wait_raw_ms = ch->wait_raw_join;
	r->wait_last_ms = ch->wait_last_ms;
	r->wait_grew = ch->wait_grew;
	r->wait_actual_ms = ch->picked_at > 0		  ? ch->picked_at - ch->created_at
			    : ch->state == CHAT_ABANDONED ? ch->ended_at - ch->created_at
							  : -1;
	if (r->wait_actual_ms < -1)
		r->wait_actual_ms = 0; /* a clock step backwards */
	if (kind == STW_CHAT_INSERT && ch->n_msgs) { /* the question, cut on a UTF-8 boundary */
		const struct message *q = ch->msgs[0];
		size_t n = utf8_cut(q->text, q->len, sizeof r->question - 1);

		memcpy(r->question, q->text, n);
		r->question[n] = '\0';
	}
	return w;
}

static struct store_write *msg_write(const struct chat *ch, const struct message *m)
{
	struct store_write *w = store_write_new(STW_MESSAGE_INSERT);
	struct store_message *r;
	char *body;

	if (!w)
		return NULL;
	body = malloc(m->len + 1);
	if (!body) {
		store_write_free(w);
		return NULL;
	}
	memcpy(body, m->text, m->len + 1);
	r = &w->u.message;
	r->chat_id = ch->id;
	r->seq = m->seq;
	r->kind = desk_kind_to_store(m->kind);
	r->author = desk_author_to_store(m->author);
	r->author_id = m->author_id;
	snprintf(r->cmid, sizeof r->cmid, "%s", m->cmid);
	r->body = body;
	r->created_at = m->at;
	return w;
}

/* Submits the final write of an action with its op. */
static void submit_op(struct store_write *w, struct op *o)
{
	if (!w || !o) {
		store_write_free(w);
		free(o);
		submit(NULL);
		return;
	}
	w->done = op_done;
	w->arg = o;
	submit(w);
}

/* A repeated cmid whose first copy may still be on its way to disk: answer after a
 * barrier, which completes once everything before it committed. */
static void ack_after_barrier(uint64_t conn_id, struct chat *ch, const struct message *m,
			      enum op_kind kind)
{
	struct op *o = op_new(kind, conn_id, ch);

	if (o) {
		o->seq = m->seq;
		o->existed = 1;
		snprintf(o->cmid, sizeof o->cmid, "%s", m->cmid);
	}
	submit_op(store_write_new(STW_BARRIER), o);
}

/* ---- commands ------------------------------------------------------------------------- */

struct desk_actor chat_actor(struct ws_conn *c)
{
	struct desk_actor a = {.kind = c->role == ROLE_STAFF ? AUTHOR_STAFF : AUTHOR_PATRON,
			       .patron = c->patron,
			       .staff = c->staff};
	return a;
}

static void desk_error(struct ws_conn *c, int rc, const char *ref)
{
	api_ws_fail(c, api_err_desk(rc), desk_strerror(rc), ref);
}

void chat_cmd_join(struct ws_conn *c, struct cmd *cmd)
{
	struct queue *q = desk_queue(g_app->desk, cmd->queue);
	struct chat *ch;
	int existing, rc;
	int64_t now = app_now_ms();

	if (!q || q->lib != c->lib) {
		api_ws_fail(c, API_NOT_FOUND, "No such queue.", cmd->cmid);
		return;
	}
	if (cmd->staff) { /* asking for a librarian: one of this library who is on now */
		struct staff *s = desk_staff(g_app->desk, cmd->staff);

		if (!s || s->lib != c->lib || !desk_staff_available(s)) {
			api_ws_fail(c, API_NOT_FOUND, "That librarian is not on now.", cmd->cmid);
			return;
		}
	}
	rc = desk_join(g_app->desk, now, c->patron, q, cmd->cmid, cmd->text, cmd->text_len, &ch,
		       &existing);
	if (rc) {
		desk_error(c, rc, cmd->cmid);
		return;
	}
	chat_subscribe(c, ch, 0);
	if (existing) {
		if (ch->durable_seq >= 1)
			send_ack(c, cmd->cmid, ch->id, 1);
		else
			ack_after_barrier(c->id, ch, ch->msgs[0], OP_ACK_DUP);
		fan_deliver(ch);
		return;
	}
	ch->msgs[0]->origin = c->id;
	if (cmd->staff) {
		struct desk_actor a = chat_actor(c);

		desk_choose(g_app->desk, now, &a, ch->id, CHOOSE_STAFF, cmd->staff);
		ch->wait_shown =
			0; /* nothing was sent yet: the first estimate is for that choice */
		desk_wait_refresh(g_app->desk, now, ch);
	}
	submit(chat_row_write(STW_CHAT_INSERT, ch));
	{
		struct op *o = op_new(OP_JOIN, c->id, ch);

		if (o) {
			o->seq = 1;
			snprintf(o->cmid, sizeof o->cmid, "%s", cmd->cmid);
		}
		submit_op(msg_write(ch, ch->msgs[0]), o);
	}
}

static void post(struct ws_conn *c, const struct desk_actor *a, uint64_t conn_id, int rest,
		 int64_t chat_id, const char *cmid, const char *text, size_t len, int *err)
{
	struct message *m;
	struct chat *ch;
	struct op *o;
	int dup, rc = desk_post(g_app->desk, app_now_ms(), a, chat_id, cmid, text, len, &m, &dup);

	*err = rc;
	if (rc)
		return;
	ch = desk_chat(g_app->desk, chat_id);
	if (dup) {
		if (m->seq <= ch->durable_seq && !rest) {
			send_ack(c, cmid, ch->id, m->seq);
		} else {
			ack_after_barrier(conn_id, ch, m, rest ? OP_REST_SEND : OP_ACK_DUP);
		}
		return;
	}
	if (!rest)
		m->origin = conn_id; /* its sender's connection gets the ack, not the msg */
	o = op_new(rest ? OP_REST_SEND : OP_SEND, conn_id, ch);
	if (o) {
		o->seq = m->seq;
		snprintf(o->cmid, sizeof o->cmid, "%s", cmid);
	}
	submit_op(msg_write(ch, m), o);
}

void chat_cmd_send(struct ws_conn *c, struct cmd *cmd)
{
	struct desk_actor a = chat_actor(c);
	int err;

	post(c, &a, c->id, 0, cmd->chat, cmd->cmid, cmd->text, cmd->text_len, &err);
	if (err)
		desk_error(c, err, cmd->cmid);
}

void chat_rest_post(struct http_conn *h, const struct desk_actor *a, int64_t chat_id,
		    const char *cmid, const char *text, size_t len)
{
	int err;

	if (!writer_has_room(g_app->writer, 1)) {
		api_http_fail(h, g_app->stopping ? API_STOPPING : API_QUEUE_FULL, NULL);
		return;
	}
	post(NULL, a, h->id, 1, chat_id, cmid, text, len, &err);
	if (err)
		api_http_fail(h, api_err_desk(err), desk_strerror(err));
}

void chat_cmd_typing(struct ws_conn *c, struct cmd *cmd)
{
	struct desk_actor a = chat_actor(c);
	struct chat *ch;
	struct sub *s;

	int rc = desk_readable(g_app->desk, &a, cmd->chat, &ch);

	if (rc == DESK_NOT_FOUND) {
		api_ws_fail(c, API_NOT_FOUND, "No such chat.", "typing");
		return;
	}
	if (rc || !desk_may_write(&a, ch)) {
		api_ws_fail(c,
			    rc || (a.kind == AUTHOR_STAFF && ch->staff != c->staff) ? API_FORBIDDEN
										    : API_BAD_STATE,
			    "You cannot type in this chat now.", "typing");
		return;
	}
	for (s = ch->subs; s; s = s->chat_next) {
		struct buf b = {0};

		if (s->conn->role == c->role)
			continue;
		frame_begin(&b, "typing");
		json_kint(&b, "chat", ch->id);
		json_kstr(&b, "from", c->role == ROLE_STAFF ? "staff" : "patron");
		if (c->role == ROLE_STAFF)
			json_kstr(&b, "name", c->staff->name);
		json_kbool(&b, "on", cmd->on);
		frame_send(s->conn, &b);
	}
}

void chat_cmd_pick(struct ws_conn *c, struct cmd *cmd)
{
	struct message *ev;
	struct chat *ch;
	int rc = desk_pick(g_app->desk, app_now_ms(), c->staff, cmd->chat, &ch, &ev);

	if (rc) {
		desk_error(c, rc, "pick");
		return;
	}
	chat_subscribe(c, ch, 0);
	submit(chat_row_write(STW_CHAT_UPDATE, ch));
	{
		struct op *o = op_new(OP_PICK, c->id, ch);

		if (o)
			o->seq = ev->seq;
		submit_op(msg_write(ch, ev), o);
	}
}

/* Writes a state change plus its event, finishing with `kind`. */
static void close_writes(struct chat *ch, struct message *ev, enum op_kind kind, int was_queued)
{
	struct op *o;

	handoff_save(ch); /* a pending hand-off ended with the chat or its hand-back */
	/* the event first: the chat update that closes the chat archives its messages */
	submit(msg_write(ch, ev));
	o = op_new(kind, 0, ch);
	if (o) {
		o->seq = ev->seq;
		o->was_queued = was_queued;
	}
	submit_op(chat_row_write(STW_CHAT_UPDATE, ch), o);
}

void chat_cmd_end(struct ws_conn *c, struct cmd *cmd)
{
	struct desk_actor a = chat_actor(c);
	struct message *ev;
	struct chat *ch = desk_chat(g_app->desk, cmd->chat);
	int was_queued = ch && ch->state == CHAT_QUEUED;
	int rc = desk_end(g_app->desk, app_now_ms(), &a, cmd->chat, &ch, &ev);

	if (rc) {
		desk_error(c, rc, "end");
		return;
	}
	close_writes(ch, ev, OP_END, was_queued);
}

void chat_write_event(struct chat *ch, struct message *ev, int row)
{
	struct op *o = op_new(OP_EVENT, 0, ch);

	handoff_save(ch);
	if (row)
		submit(chat_row_write(STW_CHAT_UPDATE, ch));
	if (o)
		o->seq = ev->seq;
	submit_op(msg_write(ch, ev), o);
}

void chat_submit_owed(struct store_write *w)
{
	submit(w);
}

static void abandon_cb(void *ctx, struct chat *ch, struct message *ev)
{
	close_writes(ch, ev, OP_ABANDON, 1);
}

/* Takes subscription s out of its chat's list, frees it and drops its reference to the
 * chat. The caller takes it out of the connection's list. */
static void sub_drop(struct sub *s)
{
	struct chat *ch = s->chat;

	if (s->chat_prev)
		s->chat_prev->chat_next = s->chat_next;
	else
		ch->subs = s->chat_next;
	if (s->chat_next)
		s->chat_next->chat_prev = s->chat_prev;
	free(s);
	desk_chat_unref(g_app->desk, ch);
}

/* Drops the subscriptions to ch of staff consoles for which keep() says no. */
static void drop_staff_subs(struct chat *ch,
			    int (*keep)(const struct ws_conn *c, const struct chat *ch))
{
	struct sub *s, *n, **pp;

	desk_chat_ref(ch); /* the last subscription must not free ch under us */
	for (s = ch->subs; s; s = n) {
		struct ws_conn *c = s->conn;

		n = s->chat_next;
		if (c->role != ROLE_STAFF || keep(c, ch))
			continue;
		for (pp = &c->subs; *pp && *pp != s; pp = &(*pp)->conn_next)
			;
		if (*pp)
			*pp = s->conn_next;
		sub_drop(s);
	}
	desk_chat_unref(g_app->desk, ch);
}

static int not_the_leaver(const struct ws_conn *c, const struct chat *ch)
{
	return c->staff != ch->handed_from;
}

static int may_read(const struct ws_conn *c, const struct chat *ch)
{
	return desk_staff_reads(c->staff, ch);
}

void chat_handed_back(struct chat *ch, struct message *ev)
{
	/* the librarian who left follows the chat no longer (they may still resume it) */
	drop_staff_subs(ch, not_the_leaver);
	close_writes(ch, ev, OP_HANDBACK, 1);
}

static void handback_cb(void *ctx, struct chat *ch, struct message *ev)
{
	log_info("chat",
		 "chat %lld handed back: staff %lld has had no console for the grace "
		 "period",
		 (long long)ch->id, (long long)ch->handed_from->id);
	chat_handed_back(ch, ev);
}

/* Recomputes the estimates of queued chats (each at most every WAIT_REFRESH_MS) and marks
 * those that read differently, or grew past what we said, for the next announcement. A
 * chat not yet committed or announced keeps the estimate it joined with. */
static void wait_tick(int64_t now)
{
	size_t i, j;

	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		for (j = 0; j < q->n_waiting; j++) {
			struct chat *ch = q->waiting[j];

			if (ch->durable_seq < 1 || !ch->position_sent ||
			    now - ch->wait_at < WAIT_REFRESH_MS)
				continue;
			if (desk_wait_refresh(g_app->desk, now, ch)) {
				ch->wait_dirty = 1;
				q->lib->queue_dirty = 1;
			}
		}
	}
}

void chat_tick(int64_t now)
{
	desk_tick(g_app->desk, now, abandon_cb, NULL);
	desk_tick_handbacks(g_app->desk, now, handback_cb, NULL);
	handoff_tick(now);
	wait_tick(now);
}

/* ---- completion ------------------------------------------------------------------------- */

static void op_done(struct store_write *w, int rc)
{
	struct op *o = w->arg;
	struct chat *ch = o->chat;
	struct ws_conn *c = ws_find(&g_app->net, o->conn_id);

	if (rc) {
		log_error("chat", "a write failed (%s); stopping to keep acknowledged data safe",
			  store_strerror(rc));
		g_app->exit_code = 1;
		server_stop_now();
	} else if (o->kind == OP_REST_SEND) {
		struct http_conn *h = http_find(&g_app->net, o->conn_id);
		struct buf b = {0};

		desk_durable(ch, o->seq);
		fan_deliver(ch);
		if (h) {
			buf_putc(&b, '{');
			json_kint(&b, "chat", ch->id);
			json_kint(&b, "seq", o->seq);
			json_close(&b, '}');
			size_t n;
			char *body = buf_take(&b, &n);
			http_respond(h, o->existed ? 200 : 201, body, n);
		}
	} else {
		desk_durable(ch, o->seq);
		fan_deliver(ch); /* first, so an ack comes after every earlier msg of the chat */
		if (o->kind == OP_JOIN || o->kind == OP_SEND || o->kind == OP_ACK_DUP)
			send_ack(c, o->cmid, ch->id, o->seq);
		if (o->kind == OP_JOIN || o->kind == OP_PICK || o->was_queued)
			queue_changed(ch);
		if (o->kind == OP_EVENT) /* receivers' lists show what is now durable */
			desk_handoff_announce(ch);
		if (o->kind != OP_SEND && o->kind != OP_ACK_DUP) {
			chat_changed(ch);
			/* who may read it may have changed (a hand-off taken, a chat ended):
			 * consoles that no longer may stop following it */
			drop_staff_subs(ch, may_read);
		}
	}
	if (ch)
		desk_chat_unref(g_app->desk, ch);
	free(o);
}

void chat_on_close(struct ws_conn *c)
{
	struct sub *s, *n;
	int64_t now = app_now_ms();

	for (s = c->subs; s; s = n) {
		n = s->conn_next;
		sub_drop(s);
	}
	c->subs = NULL;
	if (c->role == ROLE_PATRON && c->patron) {
		struct patron *p = c->patron;
		size_t i;

		desk_patron_online(g_app->desk, p, -1, now);
		for (i = 0; p->online == 0 && i < p->n_chats; i++)
			if (p->chats[i]->state == CHAT_QUEUED)
				queue_changed(p->chats[i]); /* its entry shows them offline */
		desk_patron_release(g_app->desk, p);
	} else if (c->role == ROLE_STAFF && c->staff) {
		desk_staff_online(g_app->desk, c->staff, -1);
		c->staff->lib->staff_dirty = 1;
	}
	c->patron = NULL;
	c->staff = NULL;
	c->role = ROLE_NONE;
}
