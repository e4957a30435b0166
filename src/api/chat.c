/* chat.c: the rapport.v1 commands over the desk. Each command checks access through the
 * desk, changes desk state, hands the rows to the writer, and only when they committed
 * acknowledges and delivers (see docs/PROTOCOL.md, "Guarantees"). */
#include <stdlib.h>
#include <string.h>

#include "api/cases.h"
#include "api/api.h"
#include "util/crypto.h"
#include "util/log.h"

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
	OP_HANDBACK
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

/* ---- JSON --------------------------------------------------------------------------- */

static void staff_json(struct buf *b, const struct staff *s)
{
	if (!s) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	json_kint(b, "id", s->id);
	json_kstr(b, "name", s->name);
	json_close(b, '}');
}

void staff_profile_json(struct buf *b, const struct staff *s)
{
	if (!s) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	staff_profile_fields(b, s);
	json_close(b, '}');
}

void staff_profile_fields(struct buf *b, const struct staff *s)
{
	char photo[64] = "";

	if (s->photo_at)
		snprintf(photo, sizeof photo, "/api/v1/staff/%lld/photo?v=%lld", (long long)s->id,
			 (long long)s->photo_at);
	json_kint(b, "id", s->id);
	json_kstr(b, "name", s->name);
	json_kstr(b, "pronouns", s->pronouns);
	json_kstr(b, "subjects", s->subjects);
	json_kstr(b, "bio", s->bio);
	json_kstr(b, "photo", photo);
}

/* "offer":{...} or null, with a trailing comma. Staff see the librarian's id and name,
 * patrons their profile. */
static void offer_json(struct buf *b, const struct chat *ch, int profile)
{
	buf_puts(b, "\"offer\":");
	if (ch->state != CHAT_QUEUED || !ch->offer) {
		buf_puts(b, "null,");
		return;
	}
	buf_puts(b, "{\"staff\":");
	if (profile)
		staff_profile_json(b, ch->offer);
	else
		staff_json(b, ch->offer);
	buf_putc(b, ',');
	json_kstr(b, "why", desk_offer_name(ch->offer_why));
	json_kint(b, "until", ch->offer_until);
	json_close(b, '}');
	buf_putc(b, ',');
}

static const char *wait_basis_name(enum wait_basis b)
{
	return b == WAIT_RECENT ? "recent" : b == WAIT_FREE ? "free" : "none";
}

/* json_kint, or null for a negative (unknown) value. */
static void kms(struct buf *b, const char *key, int64_t ms)
{
	if (ms >= 0)
		json_kint(b, key, ms);
	else
		buf_printf(b, "\"%s\":null,", key);
}

/* "wait":{...}, of a queued chat (trailing comma): the remaining wait last told, the
 * total we stand by (promised_ms, from the join), and how often it grew past that. */
static void wait_json(struct buf *b, const struct chat *ch)
{
	if (ch->state != CHAT_QUEUED || !ch->wait_shown)
		return;
	buf_puts(b, "\"wait\":{");
	kms(b, "estimate_ms", ch->wait.ms);
	kms(b, "low_ms", ch->wait.low_ms);
	kms(b, "high_ms", ch->wait.high_ms);
	json_kstr(b, "basis", wait_basis_name(ch->wait.basis));
	kms(b, "promised_ms", ch->wait_promised_ms);
	json_kint(b, "grew", ch->wait_grew);
	if (ch->offer && !ch->offer_until)
		kms(b, "first_available_ms", ch->wait_any_ms);
	json_kint(b, "at", ch->wait_at);
	json_close(b, '}');
	buf_putc(b, ',');
}

/* "handed_back":{"by":{id,name},"at":ms}, of a queued chat a librarian handed back
 * (trailing comma); nothing otherwise. */
static void handback_json(struct buf *b, const struct chat *ch)
{
	if (ch->state != CHAT_QUEUED || !ch->handed_from)
		return;
	buf_puts(b, "\"handed_back\":{\"by\":");
	staff_json(b, ch->handed_from);
	buf_putc(b, ',');
	json_kint(b, "at", ch->handed_at);
	json_close(b, '}');
	buf_putc(b, ',');
}

void chat_json(struct buf *b, const struct chat *ch)
{
	buf_putc(b, '{');
	json_kint(b, "id", ch->id);
	json_kstr(b, "state", desk_state_name(ch->state));
	json_kint(b, "queue", ch->queue->id);
	json_kint(b, "patron", ch->patron->id);
	json_kbool(b, "remembered", desk_chat_remembered(ch));
	json_kbool(b, "returning", desk_chat_returning(ch));
	buf_puts(b, "\"staff\":");
	staff_profile_json(b, ch->staff);
	buf_putc(b, ',');
	offer_json(b, ch, 1);
	handback_json(b, ch);
	json_kint(b, "created_at", ch->created_at);
	json_kint(b, "picked_at", ch->picked_at);
	json_kint(b, "ended_at", ch->ended_at);
	if (ch->state == CHAT_ENDED || ch->state == CHAT_ABANDONED)
		json_kstr(b, "ended_by", desk_author_name(ch->ended_by));
	json_kint(b, "last_seq", ch->durable_seq);
	json_kint(b, "position", (int64_t)desk_position(ch));
	wait_json(b, ch);
	if (ch->outcome[0])
		json_kstr(b, "outcome", ch->outcome);
	json_close(b, '}');
}

void chat_row_json(struct buf *b, const struct store_chat *r)
{
	struct chat *live = desk_chat(g_app->desk, r->id);
	struct staff *s = r->staff_id ? desk_staff(g_app->desk, r->staff_id) : NULL;

	if (live) {
		chat_json(b, live);
		return;
	}
	buf_putc(b, '{');
	json_kint(b, "id", r->id);
	json_kstr(b, "state", r->state);
	json_kint(b, "queue", r->queue_id);
	json_kint(b, "patron", r->patron_id);
	json_kbool(b, "remembered", r->remembered);
	buf_puts(b, "\"staff\":");
	staff_profile_json(b, s);
	buf_putc(b, ',');
	if (r->question[0])
		json_kstr(b, "question", r->question);
	if (r->outcome[0])
		json_kstr(b, "outcome", r->outcome);
	if (r->rating)
		json_kint(b, "rating", r->rating);
	json_kint(b, "created_at", r->created_at);
	json_kint(b, "picked_at", r->picked_at);
	json_kint(b, "ended_at", r->ended_at);
	if (r->ended_by[0])
		json_kstr(b, "ended_by", r->ended_by);
	json_kint(b, "position", 0);
	json_close(b, '}');
}

static const char *author_label(enum author a, int64_t id)
{
	struct staff *s;

	if (a == AUTHOR_PATRON)
		return patron_label(id);
	if (a == AUTHOR_STAFF && (s = desk_staff(g_app->desk, id)))
		return s->name;
	return NULL;
}

/* Message fields shared by the WebSocket frame and the REST transcript. */
void msg_fields_raw(struct buf *b, int64_t chat_id, int64_t seq, int event, enum author author,
		    int64_t author_id, const char *cmid, const char *text, size_t len, int64_t at,
		    enum author ended_by)
{
	const char *name = author_label(author, author_id);

	json_kint(b, "chat", chat_id);
	json_kint(b, "seq", seq);
	json_kstr(b, "kind", event ? "event" : "text");
	json_kstr(b, "from", desk_author_name(author));
	if (name)
		json_kstr(b, "name", name);
	if (event) {
		buf_puts(b, "\"event\":");
		json_strn(b, text, len);
		buf_putc(b, ',');
		if (len == 5 && memcmp(text, "ended", 5) == 0)
			json_kstr(b, "by", desk_author_name(ended_by));
	} else {
		buf_puts(b, "\"text\":");
		json_strn(b, text, len);
		buf_putc(b, ',');
	}
	if (cmid && cmid[0])
		json_kstr(b, "cmid", cmid);
	json_kint(b, "at", at);
}

void msg_fields(struct buf *b, const struct chat *ch, const struct message *m)
{
	msg_fields_raw(b, ch->id, m->seq, m->kind == MSG_EVENT, m->author, m->author_id, m->cmid,
		       m->text, m->len, m->at, m->author);
}

/* ---- subscriptions and delivery ------------------------------------------------------ */

static struct sub *sub_find(struct ws_conn *c, struct chat *ch)
{
	struct sub *s;

	for (s = c->subs; s; s = s->conn_next)
		if (s->chat == ch)
			return s;
	return NULL;
}

struct sub *chat_subscribe(struct ws_conn *c, struct chat *ch, int64_t after)
{
	struct sub *s = sub_find(c, ch);

	if (s) { /* never send a connection the same seq twice */
		if (after > s->sent_seq)
			s->sent_seq = after;
		return s;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->conn = c;
	s->chat = ch;
	s->sent_seq = after;
	s->chat_next = ch->subs;
	if (ch->subs)
		ch->subs->chat_prev = s;
	ch->subs = s;
	s->conn_next = c->subs;
	c->subs = s;
	desk_chat_ref(ch);
	return s;
}

void chat_deliver_to(struct sub *s)
{
	struct chat *ch = s->chat;
	struct ws_conn *c = s->conn;

	while (s->sent_seq < ch->durable_seq && !c->close_code) {
		if (!s->resume_to && ch->msgs[s->sent_seq]->origin == c->id) {
			s->sent_seq++; /* live: the sender has it, and gets an ack */
			continue;
		}
		if (s->resume_to && c->out_bytes > ws_high_water(c)) {
			/* a replay pauses and continues from resume_drained(); live delivery
			 * does not, so a client that stops reading is cut off at the limit */
			c->starved = 1;
			return;
		}
		struct message *m = ch->msgs[s->sent_seq];
		struct buf b = {0};

		frame_begin(&b, "msg");
		msg_fields(&b, ch, m);
		frame_send(s->conn, &b);
		s->sent_seq++;
	}
	if (s->resume_to && s->sent_seq >= s->resume_to && !c->close_code) {
		struct buf b = {0};

		frame_begin(&b, "resumed");
		json_kint(&b, "chat", ch->id);
		json_kint(&b, "last", s->sent_seq);
		frame_send(c, &b);
		s->resume_to = 0;
	}
}

/* Sends every subscriber the committed messages it has not had yet. */
static void deliver(struct chat *ch)
{
	struct sub *s;

	for (s = ch->subs; s; s = s->chat_next)
		chat_deliver_to(s);
}

static void send_copy(struct ws_conn *c, const struct buf *b)
{
	struct buf copy = {0};

	buf_put(&copy, b->data, b->len);
	ws_send(c, &copy);
}

/* Sends a built frame to every connection that matches. The buffer is consumed. */
static void send_copies(struct buf *b, int (*match)(struct ws_conn *, const void *),
			const void *arg)
{
	struct ws_conn *c;

	json_close(b, '}');
	for (c = g_app->net.ws_list; c; c = c->next)
		if (match(c, arg))
			send_copy(c, b);
	buf_free(b);
}

/* Sends a closed frame to the staff consoles of a library. */
static void copy_to_staff_of(const struct buf *b, const struct library *lib)
{
	struct ws_conn *c;

	for (c = g_app->net.staff_list; c; c = c->staff_next)
		if (c->lib == lib)
			send_copy(c, b);
}

/* Sends a built frame to the staff consoles of a library. The buffer is consumed. */
static void send_staff_of(struct buf *b, const struct library *lib)
{
	json_close(b, '}');
	copy_to_staff_of(b, lib);
	buf_free(b);
}

void chat_queue_json(struct buf *b, const struct library *lib)
{
	size_t i, j, total = 0;

	buf_puts(b, "\"queue\":[");
	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		if (q->lib != lib)
			continue;
		for (j = 0; j < q->n_waiting; j++) {
			struct chat *ch = q->waiting[j];
			struct message *first = ch->n_msgs ? ch->msgs[0] : NULL;
			size_t n = first ? first->len : 0, k = 0, chars = 0;

			if (ch->durable_seq < 1)
				continue; /* not committed yet */
			if (++total > QUEUE_SHOWN)
				continue; /* counted, not listed */
			while (k < n && chars < 200) { /* cut at 200 characters, on a boundary */
				k++;
				while (k < n && ((unsigned char)first->text[k] & 0xC0) == 0x80)
					k++;
				chars++;
			}
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
			json_kbool(b, "returning", desk_chat_returning(ch));
			offer_json(b, ch, 0);
			handback_json(b, ch);
			json_close(b, '}');
			buf_putc(b, ',');
		}
	}
	json_close(b, ']');
	buf_putc(b, ',');
	json_kint(b, "queue_total", (int64_t)total);
}

/* The queue of `lib` changed. Announcements are coalesced: chat_flush_queues() sends them
 * once per loop iteration, however many changes a batch of commits made. */
static void queue_changed(struct library *lib)
{
	if (lib)
		lib->queue_dirty = 1;
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
	send_staff_of(&b, lib);
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
			send_copies(&b, match_patrons_of, lib);
		}
	}
}

/* The chat's state changed: tell the library's staff consoles (they track every chat of
 * their library) and its other subscribers (its patron). Walks the few consoles and the
 * chat's subscribers, not every connection: a join or pick is O(consoles). */
static void chat_changed(struct chat *ch)
{
	struct buf b = {0};
	struct sub *s;

	frame_begin(&b, "chat");
	buf_puts(&b, "\"chat\":");
	chat_json(&b, ch);
	buf_putc(&b, ',');
	json_close(&b, '}');
	copy_to_staff_of(&b, ch->lib);
	for (s = ch->subs; s; s = s->chat_next)
		if (!(s->conn->role == ROLE_STAFF && s->conn->lib == ch->lib))
			send_copy(s->conn, &b);
	buf_free(&b);
}

void chat_announce(struct chat *ch)
{
	chat_changed(ch);
}

void chat_send_staff_of(struct buf *b, const struct library *lib)
{
	send_staff_of(b, lib);
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
	if (!w || writer_submit(g_app->writer, w)) {
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
	snprintf(r->state, sizeof r->state, "%s", desk_state_name(ch->state));
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
		size_t n = q->len < sizeof r->question - 1 ? q->len : sizeof r->question - 1;

		while (n < q->len && n > 0 && ((unsigned char)q->text[n] & 0xC0) == 0x80)
			n--;
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
	snprintf(r->kind, sizeof r->kind, "%s", m->kind == MSG_EVENT ? "event" : "text");
	snprintf(r->author, sizeof r->author, "%s", desk_author_name(m->author));
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

static const char *err_code(int rc)
{
	switch (rc) {
	case DESK_NOT_FOUND: return "not_found";
	case DESK_FORBIDDEN: return "forbidden";
	case DESK_BAD_STATE: return "bad_state";
	case DESK_TAKEN: return "taken";
	case DESK_OFFERED: return "offered";
	case DESK_AT_CAPACITY: return "at_capacity";
	case DESK_TOO_LONG: return "too_long";
	case DESK_EMPTY: return "empty";
	case DESK_FULL: return "bad_state";
	default: return "busy";
	}
}

static void desk_error(struct ws_conn *c, int rc, const char *ref)
{
	ws_error(c, err_code(rc), desk_strerror(rc), ref);
}

static void cmd_join(struct ws_conn *c, struct cmd *cmd)
{
	struct queue *q = desk_queue(g_app->desk, cmd->queue);
	struct chat *ch;
	int existing, rc;
	int64_t now = app_now_ms();

	if (!q || q->lib != c->lib) {
		ws_error(c, "not_found", "No such queue.", cmd->cmid);
		return;
	}
	if (cmd->staff) { /* asking for a librarian: one of this library who is on now */
		struct staff *s = desk_staff(g_app->desk, cmd->staff);

		if (!s || s->lib != c->lib || !desk_staff_available(s)) {
			ws_error(c, "not_found", "That librarian is not on now.", cmd->cmid);
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
		deliver(ch);
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

static void cmd_send(struct ws_conn *c, struct cmd *cmd)
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

	post(NULL, a, h->id, 1, chat_id, cmid, text, len, &err);
	if (err)
		http_error(h,
			   err == DESK_NOT_FOUND		       ? 404
			   : err == DESK_FORBIDDEN		       ? 403
			   : err == DESK_BAD_STATE		       ? 409
			   : err == DESK_TOO_LONG || err == DESK_EMPTY ? 400
								       : 503,
			   err_code(err), desk_strerror(err));
}

static void cmd_typing(struct ws_conn *c, struct cmd *cmd)
{
	struct desk_actor a = chat_actor(c);
	struct chat *ch;
	struct sub *s;

	if (desk_readable(g_app->desk, &a, cmd->chat, &ch)) {
		ws_error(c, "not_found", "No such chat.", "typing");
		return;
	}
	if (!desk_may_write(&a, ch)) {
		ws_error(c,
			 a.kind == AUTHOR_STAFF && ch->staff != c->staff ? "forbidden"
									 : "bad_state",
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

static void cmd_pick(struct ws_conn *c, struct cmd *cmd)
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

	/* the event first: the chat update that closes the chat archives its messages */
	submit(msg_write(ch, ev));
	o = op_new(kind, 0, ch);
	if (o) {
		o->seq = ev->seq;
		o->was_queued = was_queued;
	}
	submit_op(chat_row_write(STW_CHAT_UPDATE, ch), o);
}

static void cmd_end(struct ws_conn *c, struct cmd *cmd)
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

void chat_handed_back(struct chat *ch, struct message *ev)
{
	struct sub *s, *n, **pp;

	/* the librarian who left follows the chat no longer (they may still resume it) */
	for (s = ch->subs; s; s = n) {
		struct ws_conn *c = s->conn;

		n = s->chat_next;
		if (c->role != ROLE_STAFF || c->staff != ch->handed_from)
			continue;
		for (pp = &c->subs; *pp && *pp != s; pp = &(*pp)->conn_next)
			;
		if (*pp)
			*pp = s->conn_next;
		sub_drop(s); /* queued: the chat stays in the desk */
	}
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
		deliver(ch);
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
		deliver(ch); /* first, so an ack comes after every earlier msg of the chat */
		if (o->kind == OP_JOIN || o->kind == OP_SEND || o->kind == OP_ACK_DUP)
			send_ack(c, o->cmid, ch->id, o->seq);
		if (o->kind == OP_JOIN || o->kind == OP_PICK || o->was_queued)
			queue_changed(ch->lib);
		if (o->kind != OP_SEND && o->kind != OP_ACK_DUP)
			chat_changed(ch);
	}
	if (ch)
		desk_chat_unref(g_app->desk, ch);
	free(o);
}

/* ---- dispatch --------------------------------------------------------------------------- */

void chat_on_frame(struct ws_conn *c, struct cmd *cmd)
{
	const char *ref = cmd->cmid[0] ? cmd->cmid : cmd->type_name;

	if (cmd->type == CMD_HELLO) {
		if (c->role != ROLE_NONE || c->hello_pending)
			ws_error(c, "already_hello", "You already said hello.", ref);
		else
			cmd_hello(c, cmd);
		return;
	}
	if (c->role == ROLE_NONE) {
		ws_error(c, "hello_required", "Send hello first.", ref);
		return;
	}
	if (cmd->type == CMD_PING) {
		struct buf b = {0};

		frame_begin(&b, "pong");
		frame_send(c, &b);
		return;
	}
	if (g_app->stopping) {
		ws_error(c, "busy", "The server is shutting down.", ref);
		return;
	}
	if (c->role == ROLE_STAFF && app_now_ms() - c->session_checked > 60000) {
		/* console activity keeps the session alive; an ended session ends the console */
		c->session_checked = app_now_ms();
		if (!auth_session_by_hash(c->session_hash, c->session_checked)) {
			ws_error(c, "unauthenticated",
				 "Your session has ended; please log in again.", ref);
			ws_close(c, WS_CLOSE_POLICY, "session expired");
			return;
		}
	}
	if (c->role == ROLE_PATRON && c->patron && c->patron->unsaved && cmd->type != CMD_TYPING &&
	    cmd->type != CMD_RESUME && cmd->type != CMD_FORGET && hello_patron_save(c->patron)) {
		ws_error(c, "busy", "Could not keep that; try again in a moment.", ref);
		return;
	}
	switch (cmd->type) {
	case CMD_JOIN:
		if (c->role != ROLE_PATRON)
			ws_error(c, "bad_frame", "Only patrons join queues.", ref);
		else
			cmd_join(c, cmd);
		break;
	case CMD_SEND: cmd_send(c, cmd); break;
	case CMD_RESUME: resume_cmd(c, cmd); break;
	case CMD_TYPING: cmd_typing(c, cmd); break;
	case CMD_PICK:
		if (c->role != ROLE_STAFF)
			ws_error(c, "bad_frame", "Only staff pick chats.", ref);
		else
			cmd_pick(c, cmd);
		break;
	case CMD_END: cmd_end(c, cmd); break;
	case CMD_REMEMBER:
	case CMD_FORGET:
	case CMD_CHOOSE:
	case CMD_RATE:
	case CMD_FAVOURITE:
	case CMD_PREFER: patron_cmd(c, cmd); break;
	case CMD_EMAIL_TRANSCRIPT:
	case CMD_SIGNIN_LINK: patron_mail_cmd(c, cmd); break;
	case CMD_ASK_OFFLINE: cases_cmd_ask_offline(c, cmd); break;
	case CMD_STATUS:
		if (c->role != ROLE_STAFF)
			ws_error(c, "bad_frame", "Only staff set a status.", ref);
		else
			duty_cmd(c, cmd);
		break;
	default: break;
	}
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
		int queued = 0;

		desk_patron_online(g_app->desk, p, -1, now);
		for (i = 0; i < p->n_chats; i++)
			queued |= p->chats[i]->state == CHAT_QUEUED;
		if (queued && p->online == 0)
			queue_changed(desk_library(g_app->desk, p->library_id));
		desk_patron_release(g_app->desk, p);
	} else if (c->role == ROLE_STAFF && c->staff) {
		desk_staff_online(g_app->desk, c->staff, -1);
		c->staff->lib->staff_dirty = 1;
	}
	c->patron = NULL;
	c->staff = NULL;
	c->role = ROLE_NONE;
}
