/* desk_chat.c: a chat's lifecycle on the desk: creating and loading chats and their
 * messages, the queues they wait in, join, post, pick, end, hand-back, the ticks that
 * abandon and hand back chats, and freeing a chat nobody holds. See desk.h. */
#include "desk/desk.h"
#include "desk/desk_int.h"

#include <stdlib.h>
#include <string.h>

int desk_grow(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * elem);

	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

void desk_chat_free(struct chat *c)
{
	size_t i;

	for (i = 0; i < c->n_msgs; i++)
		free(c->msgs[i]);
	free(c->msgs);
	idmap_free(&c->cmids);
	desk_handoff_free(c);
	free(c);
}

static int queue_push(struct queue *q, struct chat *c)
{
	if (GROW(q->waiting, q->n_waiting, q->cap_waiting))
		return DESK_NOMEM;
	q->waiting[q->n_waiting++] = c;
	return DESK_OK;
}

/* A handed-back chat goes first: its patron already waited their turn. */
static int queue_push_front(struct queue *q, struct chat *c)
{
	if (GROW(q->waiting, q->n_waiting, q->cap_waiting))
		return DESK_NOMEM;
	memmove(q->waiting + 1, q->waiting, q->n_waiting * sizeof *q->waiting);
	q->waiting[0] = c;
	q->n_waiting++;
	return DESK_OK;
}

static void queue_remove(struct queue *q, struct chat *c)
{
	size_t i;

	for (i = 0; i < q->n_waiting; i++)
		if (q->waiting[i] == c) {
			memmove(q->waiting + i, q->waiting + i + 1,
				(q->n_waiting - i - 1) * sizeof *q->waiting);
			q->n_waiting--;
			return;
		}
}

static int patron_add_chat(struct patron *p, struct chat *c)
{
	if (GROW(p->chats, p->n_chats, p->cap_chats))
		return DESK_NOMEM;
	p->chats[p->n_chats++] = c;
	return DESK_OK;
}

static void patron_remove_chat(struct patron *p, struct chat *c)
{
	size_t i;

	for (i = 0; i < p->n_chats; i++)
		if (p->chats[i] == c) {
			memmove(p->chats + i, p->chats + i + 1,
				(p->n_chats - i - 1) * sizeof *p->chats);
			p->n_chats--;
			return;
		}
}

static struct chat *chat_new(struct desk *d, int64_t id, struct queue *q, struct patron *p)
{
	struct chat *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->id = id;
	c->lib = q->lib;
	c->queue = q;
	c->patron = p;
	c->wait.basis = WAIT_NONE;
	c->wait.ms = c->wait.low_ms = c->wait.high_ms = c->wait.raw = -1;
	c->wait_raw_join = c->wait_first_ms = c->wait_last_ms = c->wait_promised_ms = -1;
	c->wait_told.at = c->wait_told.anchor_at = c->wait_told.anchor_ms = -1;
	c->wait_told.shown = c->wait;
	c->wait_any_ms = -1;
	if (idmap_put(&d->chats, id, c)) {
		free(c);
		return NULL;
	}
	if (patron_add_chat(p, c)) {
		idmap_del(&d->chats, id);
		free(c);
		return NULL;
	}
	if (id > d->last_chat_id)
		d->last_chat_id = id;
	return c;
}

struct chat *desk_load_chat(struct desk *d, int64_t id, int64_t queue_id, int64_t patron_id,
			    int64_t staff_id, enum chat_state state, const char *join_cmid,
			    int64_t created_at, int64_t picked_at)
{
	struct queue *q = desk_queue(d, queue_id);
	struct patron *p;
	struct chat *c;

	if (!q || (state != CHAT_QUEUED && state != CHAT_ACTIVE))
		return NULL;
	p = desk_patron(d, patron_id, q->lib->id);
	if (!p)
		return NULL;
	c = chat_new(d, id, q, p);
	if (!c)
		return NULL;
	c->state = state;
	c->created_at = created_at;
	c->picked_at = picked_at;
	desk_copy_str(c->join_cmid, sizeof c->join_cmid, join_cmid);
	if (state == CHAT_ACTIVE) {
		c->staff = desk_staff(d, staff_id);
		if (c->staff)
			c->staff->n_active++;
	} else if (queue_push(q, c)) {
		return NULL;
	}
	return c;
}

/* Key of a message's client id in the chat's cmid index: a 63-bit FNV-1a hash of who
 * sent it and the cmid (never 0). A collision is caught by comparing the message. */
static int64_t cmid_key(enum author who, int64_t who_id, const char *cmid)
{
	uint64_t h = 1469598103934665603ull;
	const unsigned char *p = (const unsigned char *)cmid;

	h = (h ^ (uint64_t)who) * 1099511628211ull;
	h = (h ^ (uint64_t)who_id) * 1099511628211ull;
	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h &= 0x7fffffffffffffffull;
	return h ? (int64_t)h : 1;
}

struct message *desk_msg_add(struct desk *d, struct chat *c, int64_t now, enum msg_kind kind,
			     enum author author, int64_t author_id, const char *cmid,
			     const char *text, size_t len)
{
	struct message *m;

	if (c->n_msgs >= (size_t)d->cfg.chat_max_msgs + 16) /* events may exceed a little */
		return NULL;
	if (GROW(c->msgs, c->n_msgs, c->cap_msgs))
		return NULL;
	m = malloc(sizeof *m + len + 1);
	if (!m)
		return NULL;
	m->seq = (int64_t)c->n_msgs + 1;
	m->kind = kind;
	m->author = author;
	m->author_id = author_id;
	m->at = now;
	m->origin = 0;
	desk_copy_str(m->cmid, sizeof m->cmid, cmid);
	m->len = len;
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	if (m->cmid[0] && kind == MSG_TEXT &&
	    idmap_put(&c->cmids, cmid_key(author, author_id, m->cmid), m)) {
		free(m);
		return NULL;
	}
	c->msgs[c->n_msgs++] = m;
	return m;
}

int desk_load_message(struct desk *d, struct chat *c, enum msg_kind kind, enum author author,
		      int64_t author_id, const char *cmid, const char *text, int64_t at)
{
	struct message *m =
		desk_msg_add(d, c, at, kind, author, author_id, cmid, text, strlen(text));

	if (!m)
		return DESK_NOMEM;
	c->durable_seq = m->seq;
	return DESK_OK;
}

/* ---- actions ---------------------------------------------------------------------- */

int desk_join(struct desk *d, int64_t now, struct patron *p, struct queue *q, const char *cmid,
	      const char *text, size_t len, struct chat **out, int *existing)
{
	struct chat *c;
	size_t i;
	int rc;

	*existing = 0;
	if (q->lib->id != p->library_id)
		return DESK_NOT_FOUND;
	for (i = 0; i < p->n_chats; i++)
		if (cmid[0] && strcmp(p->chats[i]->join_cmid, cmid) == 0) {
			*out = p->chats[i];
			*existing = 1;
			return DESK_OK;
		}
	rc = desk_check_text(d, text, len);
	if (rc)
		return rc;
	c = chat_new(d, d->last_chat_id + 1, q, p);
	if (!c)
		return DESK_NOMEM;
	c->state = CHAT_QUEUED;
	c->created_at = now;
	desk_copy_str(c->join_cmid, sizeof c->join_cmid, cmid);
	if (!desk_msg_add(d, c, now, MSG_TEXT, AUTHOR_PATRON, p->id, cmid, text, len) ||
	    queue_push(q, c)) {
		patron_remove_chat(p, c);
		idmap_del(&d->chats, c->id);
		desk_chat_free(c);
		return DESK_NOMEM;
	}
	if (p->remembered) {
		c->remembered = 1;
		if (p->first_chat_at <= 0)
			p->first_chat_at = c->created_at; /* the first of their history */
		c->routing = 1;
		c->route_ends = now + d->cfg.offer_window_ms;
		desk_route(d, now, c);
	}
	desk_wait_refresh(d, now, c); /* the estimate we show first, and stand by */
	*out = c;
	return DESK_OK;
}

int desk_post(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
	      const char *cmid, const char *text, size_t len, struct message **out, int *dup)
{
	enum author who = a->kind;
	int64_t who_id = who == AUTHOR_PATRON ? a->patron->id : a->staff->id;
	struct chat *c;
	int rc;

	*dup = 0;
	rc = desk_readable(d, a, chat_id, &c);
	if (rc)
		return rc;
	/* a resend is answered even after the chat ended: the client only wants its ack */
	if (cmid[0]) {
		struct message *m = idmap_get(&c->cmids, cmid_key(who, who_id, cmid));

		if (m && m->author == who && m->author_id == who_id && strcmp(m->cmid, cmid) == 0) {
			*out = m;
			*dup = 1;
			return DESK_OK;
		}
	}
	rc = desk_chat_for_write(d, a, chat_id, &c);
	if (rc)
		return rc;
	rc = desk_check_text(d, text, len);
	if (rc)
		return rc;
	if (c->n_msgs >= (size_t)d->cfg.chat_max_msgs)
		return DESK_FULL;
	*out = desk_msg_add(d, c, now, MSG_TEXT, who, who_id, cmid, text, len);
	return *out ? DESK_OK : DESK_NOMEM;
}

int desk_pick(struct desk *d, int64_t now, struct staff *s, int64_t chat_id, struct chat **out,
	      struct message **event)
{
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = s};
	struct chat *c;
	int rc = desk_readable(d, &a, chat_id, &c);

	if (rc == DESK_FORBIDDEN) { /* a colleague's live chat: they picked it first */
		*out = desk_chat(d, chat_id);
		return DESK_TAKEN;
	}
	if (rc)
		return rc;
	*out = c;
	if (c->state == CHAT_ACTIVE)
		return c->staff == s ? DESK_BAD_STATE : DESK_TAKEN;
	if (c->state != CHAT_QUEUED)
		return DESK_BAD_STATE;
	if (c->offer || c->routing)
		desk_route(d, now, c); /* a window may have lapsed since the last tick */
	if (c->offer && c->offer != s)
		return DESK_OFFERED;
	if (s->n_active >= desk_max_chats(d, s))
		return DESK_AT_CAPACITY;
	*event = desk_msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, s->id, "", "joined", 6);
	if (!*event)
		return DESK_NOMEM;
	queue_remove(c->queue, c);
	c->state = CHAT_ACTIVE;
	c->staff = s;
	if (!c->handbacks) { /* a re-pick is no queue wait sample, and keeps the first pick */
		wait_note(&c->lib->wait.waits, now, now - c->created_at, c->wait_raw_join);
		c->picked_at = now;
	}
	c->handed_from = NULL;
	s->n_active++;
	desk_open_to_all(c); /* the offer is spent */
	if (s->n_active >= desk_max_chats(d, s))
		desk_reroute_offered_to(d, s, now, 1);
	return DESK_OK;
}

static int close_chat(struct desk *d, int64_t now, struct chat *c, enum chat_state to,
		      enum author by, int64_t by_id, struct message **event)
{
	const char *name = to == CHAT_ABANDONED ? "abandoned" : "ended";

	*event = desk_msg_add(d, c, now, MSG_EVENT, by, by_id, "", name, strlen(name));
	if (!*event)
		return DESK_NOMEM;
	desk_handoff_drop(d, c, now, "the chat ended");
	if (c->state == CHAT_QUEUED) {
		queue_remove(c->queue, c);
		desk_open_to_all(c);
	}
	if (c->state == CHAT_ACTIVE && c->staff) {
		c->staff->n_active--;
		if (c->picked_at > 0)
			wait_note(&c->lib->wait.handles, now, now - c->picked_at, 0);
	}
	c->state = to;
	c->ended_by = by;
	c->ended_at = now;
	return DESK_OK;
}

int desk_end(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
	     struct chat **out, struct message **event)
{
	struct chat *c;
	int rc = desk_chat_for_write(d, a, chat_id, &c), was_active;

	if (rc)
		return rc;
	*out = c;
	was_active = c->state == CHAT_ACTIVE;
	if (a->kind == AUTHOR_PATRON)
		rc = close_chat(d, now, c, was_active ? CHAT_ENDED : CHAT_ABANDONED, AUTHOR_PATRON,
				a->patron->id, event);
	else
		rc = close_chat(d, now, c, CHAT_ENDED, AUTHOR_STAFF, a->staff->id, event);
	/* memory follows who actually helped, and stays with the home library: a covering
	 * librarian of another library is not one of the patron's helpers here */
	if (rc == DESK_OK && was_active && c->staff && c->staff->lib == c->lib && c->remembered &&
	    c->patron->remembered)
		desk_helpers_front(c->patron, c->staff->id);
	return rc;
}

int desk_handback(struct desk *d, int64_t now, struct chat *c, struct message **event)
{
	struct staff *s = c->staff;

	if (c->state != CHAT_ACTIVE || !s)
		return DESK_BAD_STATE;
	*event = desk_msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, s->id, "", "handed_back", 11);
	if (!*event)
		return DESK_NOMEM;
	if (queue_push_front(c->queue, c)) {
		c->n_msgs--; /* not added after all */
		free(*event);
		*event = NULL;
		return DESK_NOMEM;
	}
	desk_handoff_drop(d, c, now, "the chat went back to the queue");
	s->n_active--;
	c->state = CHAT_QUEUED;
	c->staff = NULL;
	c->handed_from = s;
	c->handed_at = now;
	c->handbacks++;
	c->position_sent = 0; /* the patron hears of their (first) place */
	desk_open_to_all(c);
	c->lib->queue_dirty = 1;
	return DESK_OK;
}

void desk_tick_handbacks(struct desk *d, int64_t now,
			 void (*fn)(void *ctx, struct chat *c, struct message *event), void *ctx)
{
	size_t i, j;

	for (i = 0; i < d->n_staff; i++) {
		struct staff *s = d->staff[i];

		if (s->online > 0 || s->n_active <= 0) {
			s->offline_since = 0;
			continue;
		}
		if (!s->offline_since)
			s->offline_since = now; /* first seen gone: the grace starts */
		if (now - s->offline_since < d->cfg.handback_grace_ms)
			continue;
		for (j = 0; j < d->chats.cap && s->n_active > 0; j++) {
			struct chat *c = d->chats.vals[j];
			struct message *ev;

			if (d->chats.keys[j] && c->state == CHAT_ACTIVE && c->staff == s &&
			    desk_handback(d, now, c, &ev) == DESK_OK)
				fn(ctx, c, ev);
		}
		s->offline_since = 0;
	}
}

void desk_tick(struct desk *d, int64_t now,
	       void (*fn)(void *ctx, struct chat *c, struct message *event), void *ctx)
{
	size_t i, j;

	for (i = 0; i < d->n_queues; i++) {
		struct queue *q = d->queues[i];

		for (j = 0; j < q->n_waiting;) {
			struct chat *c = q->waiting[j];
			struct message *ev;

			if (c->patron->online <= 0 &&
			    now - c->patron->offline_since >= d->cfg.queue_grace_ms &&
			    close_chat(d, now, c, CHAT_ABANDONED, AUTHOR_SYSTEM, 0, &ev) ==
				    DESK_OK) {
				fn(ctx, c, ev); /* close_chat removed c from q->waiting */
				continue;
			}
			if (c->offer || c->routing)
				desk_route(d, now, c);
			desk_cascade(d, now, c);
			j++;
		}
	}
}

void desk_durable(struct chat *c, int64_t seq)
{
	if (seq > c->durable_seq)
		c->durable_seq = seq;
}

void desk_chat_ref(struct chat *c)
{
	c->refs++;
}

void desk_chat_unref(struct desk *d, struct chat *c)
{
	struct patron *p = c->patron;

	if (--c->refs > 0 || c->state == CHAT_QUEUED || c->state == CHAT_ACTIVE)
		return; /* pending writes and subscriptions each hold a reference */
	idmap_del(&d->chats, c->id);
	patron_remove_chat(p, c);
	desk_chat_free(c);
	desk_patron_release(d, p);
}
