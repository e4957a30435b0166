/* desk.c: chats, queues and who may do what. See desk.h. */
#include "desk/desk.h"
#include "desk/desk_int.h"

#include <stdlib.h>
#include <string.h>

#define GROW(arr, n, cap) ((n) < (cap) ? 0 : grow_array((void **)&(arr), &(cap), sizeof *(arr)))

static int grow_array(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * elem);

	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* copy_str for text shown to people: a cut never splits a UTF-8 character. */
void desk_copy_utf8(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--; /* src[n] is the first byte left out: not inside a character */
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

struct desk *desk_new(const struct desk_config *cfg)
{
	struct desk *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	if (cfg)
		d->cfg = *cfg;
	if (d->cfg.default_max_chats <= 0)
		d->cfg.default_max_chats = 3;
	if (d->cfg.text_max <= 0)
		d->cfg.text_max = 4000;
	if (d->cfg.chat_max_msgs <= 0)
		d->cfg.chat_max_msgs = 10000;
	if (d->cfg.queue_grace_ms <= 0)
		d->cfg.queue_grace_ms = 120000;
	if (d->cfg.offer_window_ms <= 0)
		d->cfg.offer_window_ms = 30000;
	if (d->cfg.handback_grace_ms <= 0)
		d->cfg.handback_grace_ms = 60000;
	return d;
}

static void chat_free(struct chat *c)
{
	size_t i;

	for (i = 0; i < c->n_msgs; i++)
		free(c->msgs[i]);
	free(c->msgs);
	idmap_free(&c->cmids);
	free(c);
}

static void free_chat_cb(void *ctx, int64_t id, void *val)
{
	chat_free(val);
}

static void free_patron_cb(void *ctx, int64_t id, void *val)
{
	struct patron *p = val;

	free(p->chats);
	free(p);
}

void desk_free(struct desk *d)
{
	size_t i;

	if (!d)
		return;
	idmap_each(&d->chats, free_chat_cb, NULL);
	idmap_each(&d->patrons, free_patron_cb, NULL);
	idmap_free(&d->chats);
	idmap_free(&d->patrons);
	for (i = 0; i < d->n_queues; i++) {
		free(d->queues[i]->waiting);
		free(d->queues[i]);
	}
	for (i = 0; i < d->n_libs; i++)
		free(d->libs[i]);
	for (i = 0; i < d->n_staff; i++)
		free(d->staff[i]);
	free(d->queues);
	free(d->libs);
	free(d->staff);
	free(d);
}

/* ---- lookups ---------------------------------------------------------------------- */

struct library *desk_library(const struct desk *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->n_libs; i++)
		if (d->libs[i]->id == id)
			return d->libs[i];
	return NULL;
}

struct library *desk_library_by_slug(const struct desk *d, const char *slug)
{
	size_t i;

	for (i = 0; i < d->n_libs; i++)
		if (strcmp(d->libs[i]->slug, slug) == 0)
			return d->libs[i];
	return NULL;
}

struct queue *desk_queue(const struct desk *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->n_queues; i++)
		if (d->queues[i]->id == id)
			return d->queues[i];
	return NULL;
}

struct staff *desk_staff(const struct desk *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->n_staff; i++)
		if (d->staff[i]->id == id)
			return d->staff[i];
	return NULL;
}

struct chat *desk_chat(const struct desk *d, int64_t id)
{
	return id > 0 ? idmap_get(&d->chats, id) : NULL;
}

struct patron *desk_patron(struct desk *d, int64_t id, int64_t library_id)
{
	struct patron *p = idmap_get(&d->patrons, id);

	if (p)
		return p;
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->id = id;
	p->library_id = library_id;
	if (idmap_put(&d->patrons, id, p)) {
		free(p);
		return NULL;
	}
	if (id > d->last_patron_id)
		d->last_patron_id = id;
	return p;
}

int64_t desk_next_patron_id(struct desk *d)
{
	return ++d->last_patron_id;
}

/* ---- loading ---------------------------------------------------------------------- */

struct library *desk_add_library(struct desk *d, int64_t id, const char *slug, const char *name,
				 const char *origins)
{
	struct library *l = desk_library(d, id);

	if (!l) {
		struct library **arr;

		l = calloc(1, sizeof *l);
		arr = l ? realloc(d->libs, (d->n_libs + 1) * sizeof *arr) : NULL;
		if (!arr) {
			free(l);
			return NULL;
		}
		d->libs = arr;
		d->libs[d->n_libs++] = l;
		l->id = id;
	}
	copy_str(l->slug, sizeof l->slug, slug);
	copy_str(l->name, sizeof l->name, name);
	copy_str(l->origins, sizeof l->origins, origins);
	return l;
}

struct queue *desk_add_queue(struct desk *d, int64_t id, int64_t library_id, const char *slug,
			     const char *name)
{
	struct library *l = desk_library(d, library_id);
	struct queue *q, **arr;

	if (!l)
		return NULL;
	q = desk_queue(d, id);
	if (!q) {
		q = calloc(1, sizeof *q);
		arr = q ? realloc(d->queues, (d->n_queues + 1) * sizeof *arr) : NULL;
		if (!arr) {
			free(q);
			return NULL;
		}
		d->queues = arr;
		d->queues[d->n_queues++] = q;
		q->id = id;
	}
	q->lib = l;
	copy_str(q->slug, sizeof q->slug, slug);
	copy_str(q->name, sizeof q->name, name);
	return q;
}

struct staff *desk_put_staff(struct desk *d, int64_t id, int64_t library_id, const char *email,
			     const char *name, int admin, int max_chats)
{
	struct library *l = desk_library(d, library_id);
	struct staff *s, **arr;

	if (!l)
		return NULL;
	s = desk_staff(d, id);
	if (!s) {
		s = calloc(1, sizeof *s);
		arr = s ? realloc(d->staff, (d->n_staff + 1) * sizeof *arr) : NULL;
		if (!arr) {
			free(s);
			return NULL;
		}
		d->staff = arr;
		d->staff[d->n_staff++] = s;
		s->id = id;
	} else if (s->lib != l && s->online && !s->away) {
		s->lib->staff_online -= s->online;
		l->staff_online += s->online;
	}
	s->lib = l;
	copy_str(s->email, sizeof s->email, email);
	copy_str(s->name, sizeof s->name, name);
	s->admin = admin;
	s->max_chats = max_chats;
	return s;
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
	copy_str(c->join_cmid, sizeof c->join_cmid, join_cmid);
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

static struct message *msg_add(struct desk *d, struct chat *c, int64_t now, enum msg_kind kind,
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
	copy_str(m->cmid, sizeof m->cmid, cmid);
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

static void mark_away(void *ctx, int64_t id, void *val)
{
	((struct patron *)val)->offline_since = *(const int64_t *)ctx;
}

void desk_loaded(struct desk *d, int64_t now)
{
	idmap_each(&d->patrons, mark_away, &now);
	d->offers_held_until = now + DESK_RESTART_HOLD_MS;
}

int desk_load_message(struct desk *d, struct chat *c, enum msg_kind kind, enum author author,
		      int64_t author_id, const char *cmid, const char *text, int64_t at)
{
	struct message *m = msg_add(d, c, at, kind, author, author_id, cmid, text, strlen(text));

	if (!m)
		return DESK_NOMEM;
	c->durable_seq = m->seq;
	return DESK_OK;
}

/* ---- rules ------------------------------------------------------------------------ */

int desk_origin_allowed(const struct library *lib, const char *origin, size_t len)
{
	const char *p = lib->origins;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n > 0 && n == len &&
		    memcmp(p, origin, len) == 0) /* a blank line allows nothing */
			return 1;
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

int desk_check_text(const struct desk *d, const char *text, size_t len)
{
	size_t i, chars = 0;
	int blank = 1;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if ((ch & 0xC0) != 0x80)
			chars++;
		if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r')
			blank = 0;
	}
	if (blank)
		return DESK_EMPTY;
	if (chars > (size_t)d->cfg.text_max)
		return DESK_TOO_LONG;
	return DESK_OK;
}

int desk_max_chats(const struct desk *d, const struct staff *s)
{
	return s->max_chats > 0 ? s->max_chats : d->cfg.default_max_chats;
}

size_t desk_position(const struct chat *c)
{
	size_t i;

	if (c->state != CHAT_QUEUED)
		return 0;
	for (i = 0; i < c->queue->n_waiting; i++)
		if (c->queue->waiting[i] == c)
			return i + 1;
	return 0;
}

int desk_may_read_row(const struct desk_actor *a, int64_t library_id, int64_t patron_id)
{
	if (a->kind == AUTHOR_PATRON)
		return a->patron && a->patron->id == patron_id;
	if (a->kind == AUTHOR_STAFF)
		return a->staff && a->staff->lib->id == library_id;
	return 0;
}

int desk_readable(const struct desk *d, const struct desk_actor *a, int64_t chat_id,
		  struct chat **out)
{
	struct chat *c = desk_chat(d, chat_id);

	if (!c || !desk_may_read_row(a, c->lib->id, c->patron->id))
		return DESK_NOT_FOUND;
	*out = c;
	return DESK_OK;
}

int desk_may_write(const struct desk_actor *a, const struct chat *c)
{
	if (a->kind == AUTHOR_PATRON) /* own chats only, even when called without desk_readable */
		return a->patron && c->patron->id == a->patron->id &&
		       (c->state == CHAT_QUEUED || c->state == CHAT_ACTIVE);
	return a->kind == AUTHOR_STAFF && a->staff && c->state == CHAT_ACTIVE &&
	       c->staff == a->staff;
}

/* Looks up a chat for a write by the actor: not_found if unreadable, then state/owner. */
int desk_chat_for_write(const struct desk *d, const struct desk_actor *a, int64_t chat_id,
			struct chat **out)
{
	struct chat *c;
	int rc = desk_readable(d, a, chat_id, &c);

	if (rc)
		return rc;
	*out = c;
	if (a->kind == AUTHOR_STAFF && c->staff != a->staff)
		return c->state == CHAT_ENDED || c->state == CHAT_ABANDONED ? DESK_BAD_STATE
									    : DESK_FORBIDDEN;
	return desk_may_write(a, c) ? DESK_OK : DESK_BAD_STATE;
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
	copy_str(c->join_cmid, sizeof c->join_cmid, cmid);
	if (!msg_add(d, c, now, MSG_TEXT, AUTHOR_PATRON, p->id, cmid, text, len) ||
	    queue_push(q, c)) {
		patron_remove_chat(p, c);
		idmap_del(&d->chats, c->id);
		chat_free(c);
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
	*out = msg_add(d, c, now, MSG_TEXT, who, who_id, cmid, text, len);
	return *out ? DESK_OK : DESK_NOMEM;
}

int desk_pick(struct desk *d, int64_t now, struct staff *s, int64_t chat_id, struct chat **out,
	      struct message **event)
{
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = s};
	struct chat *c;
	int rc = desk_readable(d, &a, chat_id, &c);

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
	*event = msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, s->id, "", "joined", 6);
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

	*event = msg_add(d, c, now, MSG_EVENT, by, by_id, "", name, strlen(name));
	if (!*event)
		return DESK_NOMEM;
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
	if (rc == DESK_OK && was_active && c->staff && c->remembered && c->patron->remembered)
		desk_helpers_front(c->patron, c->staff->id);
	return rc;
}

void desk_patron_online(struct desk *d, struct patron *p, int delta, int64_t now)
{
	p->online += delta;
	if (p->online < 0)
		p->online = 0;
	if (p->online == 0)
		p->offline_since = now;
}

void desk_staff_online(struct desk *d, struct staff *s, int delta)
{
	int was = s->online;

	s->online += delta;
	if (s->online < 0)
		s->online = 0;
	if (!s->away)
		s->lib->staff_online += s->online - was;
	if (delta > 0)
		s->offline_since = 0; /* back within the grace: nothing is handed back */
	if (was > 0 && s->online == 0)
		desk_reroute_offered_to(d, s, 0, 0);
	else if (was == 0 && s->online > 0 && !s->away)
		desk_reroute_for(d, s, 0, 0);
}

int desk_staff_available(const struct staff *s)
{
	return s && s->online > 0 && !s->away;
}

int desk_staff_set_away(struct desk *d, struct staff *s, int away, int64_t now)
{
	int was = desk_staff_available(s);

	away = away != 0;
	if (s->away == away)
		return 0;
	s->away = away;
	s->lib->staff_online += away ? -s->online : s->online;
	if (was && !desk_staff_available(s))
		desk_reroute_offered_to(d, s, now, 1);
	else if (!was && desk_staff_available(s))
		desk_reroute_for(d, s, now, 1); /* back on duty: patrons who know them */
	return was != desk_staff_available(s);
}

int desk_handback(struct desk *d, int64_t now, struct chat *c, struct message **event)
{
	struct staff *s = c->staff;

	if (c->state != CHAT_ACTIVE || !s)
		return DESK_BAD_STATE;
	*event = msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, s->id, "", "handed_back", 11);
	if (!*event)
		return DESK_NOMEM;
	if (queue_push_front(c->queue, c)) {
		c->n_msgs--; /* not added after all */
		free(*event);
		*event = NULL;
		return DESK_NOMEM;
	}
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

void desk_patron_release(struct desk *d, struct patron *p)
{
	if (p->online > 0 || p->n_chats > 0 || p->saving)
		return;
	idmap_del(&d->patrons, p->id);
	free(p->chats);
	free(p);
}

void desk_chat_unref(struct desk *d, struct chat *c)
{
	struct patron *p = c->patron;

	if (--c->refs > 0 || c->state == CHAT_QUEUED || c->state == CHAT_ACTIVE)
		return; /* pending writes and subscriptions each hold a reference */
	idmap_del(&d->chats, c->id);
	patron_remove_chat(p, c);
	chat_free(c);
	desk_patron_release(d, p);
}

const char *desk_state_name(enum chat_state s)
{
	switch (s) {
	case CHAT_QUEUED: return "queued";
	case CHAT_ACTIVE: return "active";
	case CHAT_ENDED: return "ended";
	case CHAT_ABANDONED: return "abandoned";
	}
	return "?";
}

const char *desk_author_name(enum author a)
{
	switch (a) {
	case AUTHOR_PATRON: return "patron";
	case AUTHOR_STAFF: return "staff";
	case AUTHOR_SYSTEM: return "system";
	}
	return "?";
}

const char *desk_strerror(int err)
{
	switch (err) {
	case DESK_OK: return "ok";
	case DESK_NOT_FOUND: return "No such chat.";
	case DESK_FORBIDDEN: return "That chat is assigned to someone else.";
	case DESK_BAD_STATE: return "The chat is not open for that.";
	case DESK_TAKEN: return "Someone else picked this chat up first.";
	case DESK_AT_CAPACITY: return "You already hold your maximum number of chats.";
	case DESK_TOO_LONG: return "The message is too long.";
	case DESK_EMPTY: return "The message is empty.";
	case DESK_NOMEM: return "The server is out of memory.";
	case DESK_FULL: return "This chat has reached its maximum length.";
	case DESK_OFFERED: return "This chat is offered to another librarian for now.";
	}
	return "Unknown error.";
}
