/* desk.c: the desk's registry (libraries, queues, staff, patrons), loading, the rules of
 * who may do what, presence and names. The chats' lifecycle is in desk_chat.c. See desk.h. */
#include "desk/desk.h"
#include "desk/desk_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

void desk_copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* desk_copy_str for text shown to people: a cut never splits a UTF-8 character. */
void desk_copy_utf8(char *dst, size_t cap, const char *src)
{
	utf8_copy(dst, cap, src ? src : "", src ? strlen(src) : 0);
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
	if (d->cfg.handoff_timeout_ms <= 0)
		d->cfg.handoff_timeout_ms = 60000;
	return d;
}

static void free_chat_cb(void *ctx, int64_t id, void *val)
{
	desk_chat_free(val);
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
	idmap_free(&d->lib_ids);
	idmap_free(&d->queue_ids);
	idmap_free(&d->staff_ids);
	for (i = 0; i < d->n_queues; i++) {
		free(d->queues[i]->waiting);
		free(d->queues[i]);
	}
	for (i = 0; i < d->n_libs; i++)
		free(d->libs[i]);
	for (i = 0; i < d->n_staff; i++)
		free(d->staff[i]);
	free(d->handing);
	free(d->queues);
	free(d->libs);
	free(d->staff);
	free(d);
}

/* ---- lookups ---------------------------------------------------------------------- */

struct library *desk_library(const struct desk *d, int64_t id)
{
	return id > 0 ? idmap_get(&d->lib_ids, id) : NULL;
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
	return id > 0 ? idmap_get(&d->queue_ids, id) : NULL;
}

struct staff *desk_staff(const struct desk *d, int64_t id)
{
	return id > 0 ? idmap_get(&d->staff_ids, id) : NULL;
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
		arr = l && id > 0 ? realloc(d->libs, (d->n_libs + 1) * sizeof *arr) : NULL;
		if (!arr || idmap_put(&d->lib_ids, id, l)) {
			if (arr)
				d->libs = arr;
			free(l);
			return NULL;
		}
		d->libs = arr;
		d->libs[d->n_libs++] = l;
		l->id = id;
	}
	desk_copy_str(l->slug, sizeof l->slug, slug);
	desk_copy_str(l->name, sizeof l->name, name);
	desk_copy_str(l->origins, sizeof l->origins, origins);
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
		arr = q && id > 0 ? realloc(d->queues, (d->n_queues + 1) * sizeof *arr) : NULL;
		if (!arr || idmap_put(&d->queue_ids, id, q)) {
			if (arr)
				d->queues = arr;
			free(q);
			return NULL;
		}
		d->queues = arr;
		d->queues[d->n_queues++] = q;
		q->id = id;
	}
	q->lib = l;
	desk_copy_str(q->slug, sizeof q->slug, slug);
	desk_copy_str(q->name, sizeof q->name, name);
	return q;
}

struct staff *desk_put_staff(struct desk *d, int64_t id, int64_t library_id, const char *email,
			     const char *name, enum staff_access access, int max_chats)
{
	struct library *l = desk_library(d, library_id);
	struct staff *s, **arr;

	if (!l)
		return NULL;
	s = desk_staff(d, id);
	if (!s) {
		s = calloc(1, sizeof *s);
		arr = s && id > 0 ? realloc(d->staff, (d->n_staff + 1) * sizeof *arr) : NULL;
		if (!arr || idmap_put(&d->staff_ids, id, s)) {
			if (arr)
				d->staff = arr;
			free(s);
			return NULL;
		}
		d->staff = arr;
		d->staff[d->n_staff++] = s;
		s->id = id;
		s->active = 1;
	} else if (s->lib != l && s->online && !s->away) {
		s->lib->staff_online -= s->online;
		l->staff_online += s->online;
	}
	s->lib = l;
	desk_copy_str(s->email, sizeof s->email, email);
	desk_copy_str(s->name, sizeof s->name, name);
	s->access = access;
	s->max_chats = max_chats;
	return s;
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
	return desk_check_chars(text, len, (size_t)d->cfg.text_max);
}

int desk_check_chars(const char *text, size_t len, size_t max)
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
	if (chars > max)
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

	if (!c)
		return DESK_NOT_FOUND;
	if (a->kind == AUTHOR_STAFF && !desk_staff_reads(a->staff, c))
		return a->staff && a->staff->lib == c->lib ? DESK_FORBIDDEN : DESK_NOT_FOUND;
	if (a->kind != AUTHOR_STAFF && !desk_may_read_row(a, c->lib->id, c->patron->id))
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

void desk_patron_release(struct desk *d, struct patron *p)
{
	if (p->online > 0 || p->n_chats > 0 || p->saving)
		return;
	idmap_del(&d->patrons, p->id);
	free(p->chats);
	free(p);
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

enum store_author desk_author_to_store(enum author a)
{
	return a == AUTHOR_PATRON  ? STORE_AUTHOR_PATRON
	       : a == AUTHOR_STAFF ? STORE_AUTHOR_STAFF
				   : STORE_AUTHOR_SYSTEM;
}

enum author desk_author_of_store(enum store_author a)
{
	return a == STORE_AUTHOR_PATRON	 ? AUTHOR_PATRON
	       : a == STORE_AUTHOR_STAFF ? AUTHOR_STAFF
					 : AUTHOR_SYSTEM;
}

enum store_msg_kind desk_kind_to_store(enum msg_kind k)
{
	return k == MSG_EVENT ? STORE_MSG_EVENT : STORE_MSG_TEXT;
}

enum store_chat_state desk_state_to_store(enum chat_state s)
{
	return s == CHAT_ACTIVE	     ? STORE_CHAT_ACTIVE
	       : s == CHAT_ENDED     ? STORE_CHAT_ENDED
	       : s == CHAT_ABANDONED ? STORE_CHAT_ABANDONED
				     : STORE_CHAT_QUEUED;
}

enum chat_state desk_state_of_store(enum store_chat_state s)
{
	return s == STORE_CHAT_ACTIVE	   ? CHAT_ACTIVE
	       : s == STORE_CHAT_ENDED	   ? CHAT_ENDED
	       : s == STORE_CHAT_ABANDONED ? CHAT_ABANDONED
					   : CHAT_QUEUED;
}

enum msg_kind desk_kind_of_store(enum store_msg_kind k)
{
	return k == STORE_MSG_EVENT ? MSG_EVENT : MSG_TEXT;
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
	case DESK_NOT_SHARED: return "That library is not in your consortium.";
	case DESK_OFF_DUTY: return "That colleague is not on duty now.";
	case DESK_NOBODY_ELSE: return "Nobody else is on duty right now.";
	}
	return "Unknown error.";
}

static const char *const access_names[] = {
	[ACCESS_LIBRARIAN] = "librarian",
	[ACCESS_SUPERVISOR] = "supervisor",
	[ACCESS_ADMIN] = "admin",
	[ACCESS_CONSORTIUM_ADMIN] = "consortium_admin",
};

int desk_access_of(const char *name)
{
	for (size_t i = 0; name && i < sizeof access_names / sizeof *access_names; i++)
		if (!strcmp(name, access_names[i]))
			return (int)i;
	return -1;
}

const char *desk_access_name(enum staff_access a)
{
	return (unsigned)a < sizeof access_names / sizeof *access_names ? access_names[a]
									: "librarian";
}
