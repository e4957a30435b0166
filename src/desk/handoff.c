/* handoff.c: warm hand-offs of live chats (desk.h, "hand-offs"): offering a chat on,
 * accepting, declining and cancelling, the timeout, and who may read a chat that is
 * handed on. The state machine is in docs/DECISIONS.md, "The hand-off state machine". */
#include "desk/desk.h"
#include "desk/desk_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define PATRON_NOTE "The patron asked if someone else could help."

static const char *const kind_names[] = {"staff", "queue", "patron"};
static const char *const end_names[] = {"offered", "accepted", "declined", "timed_out",
					"cancelled"};

const char *desk_handoff_kind_name(enum handoff_kind k)
{
	return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k] : "staff";
}

const char *desk_handoff_end_name(enum handoff_end e)
{
	return (unsigned)e < sizeof end_names / sizeof *end_names ? end_names[e] : "offered";
}

/* The index of name in names[n], or 0 (the first) for anything else. */
static int index_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return 0;
}

enum handoff_kind desk_handoff_kind_of(const char *name)
{
	return (enum handoff_kind)index_of(kind_names, sizeof kind_names / sizeof *kind_names,
					   name);
}

enum handoff_end desk_handoff_end_of(const char *name)
{
	return (enum handoff_end)index_of(end_names, sizeof end_names / sizeof *end_names, name);
}

int desk_libs_share(const struct library *a, const struct library *b)
{
	return a && b && (a == b || (a->consortium_id && a->consortium_id == b->consortium_id));
}

static int pending(const struct chat *c)
{
	return c->handoff && c->handoff->end == HANDOFF_PENDING;
}

int desk_handoff_for(const struct chat *c, const struct staff *s)
{
	const struct handoff *h = c->handoff;

	if (!pending(c) || !s || !s->active || !desk_staff_available(s))
		return 0;
	if (h->kind == HANDOFF_STAFF)
		return s == h->to;
	return s != h->from && s != c->staff && s->lib == h->to_queue->lib;
}

/* Whether s was among the receivers of h (whatever came of it). */
static int was_for(const struct handoff *h, const struct staff *s)
{
	if (h->kind == HANDOFF_STAFF)
		return s == h->to;
	return s != h->from && s->lib == h->to_queue->lib;
}

/* Whether s may know of c at all: of its library (who see its summary even when they
 * may not read it), or reading it now. Anyone else is told it is not there. */
static int knows(const struct staff *s, const struct chat *c)
{
	return s && (s->lib == c->lib || desk_staff_reads(s, c));
}

int desk_staff_reads(const struct staff *s, const struct chat *c)
{
	if (!s)
		return 0;
	/* of the library: anything but a colleague's live chat, which a supervisor may
	 * watch and a receiver may read before taking it */
	if (s->lib == c->lib)
		return c->state != CHAT_ACTIVE || c->staff == s || desk_staff_supervises(s) ||
		       desk_handoff_for(c, s);
	if (!desk_libs_share(s->lib, c->lib))
		return 0;
	/* covering for another library: only while it is theirs, or theirs to take */
	return (c->state == CHAT_ACTIVE && c->staff == s) || desk_handoff_for(c, s) ||
	       (c->state == CHAT_QUEUED && c->cascaded && s->active && desk_staff_available(s));
}

static void handing_remove(struct desk *d, const struct chat *c)
{
	for (size_t i = 0; i < d->n_handing; i++)
		if (d->handing[i] == c) {
			memmove(d->handing + i, d->handing + i + 1,
				(d->n_handing - i - 1) * sizeof *d->handing);
			d->n_handing--;
			return;
		}
}

void desk_handoff_announce(struct chat *c)
{
	const struct handoff *h = c->handoff;

	c->lib->queue_dirty = 1;
	if (h && h->to)
		h->to->lib->queue_dirty = 1;
	if (h && h->to_queue)
		h->to_queue->lib->queue_dirty = 1;
}

/* Ends the pending hand-off of c as `end`, with reason (may be NULL). */
static void decide(struct desk *d, struct chat *c, int64_t now, enum handoff_end end,
		   const char *reason, size_t len)
{
	struct handoff *h = c->handoff;

	h->end = end;
	h->decided_at = now;
	h->dirty = 1;
	utf8_copy(h->reason, sizeof h->reason, reason ? reason : "", reason ? len : 0);
	handing_remove(d, c);
	desk_handoff_announce(c);
}

/* Is a librarian of c's library other than its own on duty (someone else to ask)? */
static int someone_else_on(const struct desk *d, const struct chat *c)
{
	for (size_t i = 0; i < d->n_staff; i++) {
		const struct staff *s = d->staff[i];

		if (s != c->staff && s->lib == c->lib && s->active && desk_staff_available(s))
			return 1;
	}
	return 0;
}

/* The target of a librarian's hand-off, checked. */
static int check_target(const struct staff *from, const struct staff *to, const struct queue *q)
{
	if (to) {
		if (!desk_libs_share(from->lib, to->lib))
			return DESK_NOT_SHARED;
		return to != from && to->active && desk_staff_available(to) ? DESK_OK
									    : DESK_OFF_DUTY;
	}
	if (!q)
		return DESK_NOT_FOUND;
	return desk_libs_share(from->lib, q->lib) ? DESK_OK : DESK_NOT_SHARED;
}

int desk_handoff_offer(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
		       struct staff *to, struct queue *to_queue, const char *note, size_t len,
		       struct handoff **out, struct message **event)
{
	int patron = a->kind == AUTHOR_PATRON;
	struct handoff *h;
	struct chat *c;
	int rc = patron ? desk_chat_for_write(d, a, chat_id, &c) : desk_readable(d, a, chat_id, &c);

	/* staff: their own chat, or (a supervisor reassigning) a colleague's of their library */
	if (!rc && !patron && c->staff != a->staff &&
	    !(desk_staff_supervises(a->staff) && a->staff->lib == c->lib))
		rc = c->state == CHAT_ACTIVE ? DESK_FORBIDDEN : DESK_BAD_STATE;
	if (rc)
		return rc;
	if (c->state != CHAT_ACTIVE || !c->staff || pending(c))
		return DESK_BAD_STATE;
	if (patron) {
		if (!someone_else_on(d, c))
			return DESK_NOBODY_ELSE;
		to = NULL;
		to_queue = c->queue;
		note = PATRON_NOTE;
		len = strlen(note);
	} else if ((rc = desk_check_chars(note, len, HANDOFF_NOTE_MAX)) ||
		   (rc = check_target(c->staff, to, to_queue))) {
		return rc;
	}
	h = calloc(1, sizeof *h);
	if (!h || GROW(d->handing, d->n_handing, d->cap_handing)) {
		free(h);
		return DESK_NOMEM;
	}
	*event = patron ? desk_msg_add(d, c, now, MSG_EVENT, AUTHOR_PATRON, c->patron->id, "",
				       "someone_else", 12)
			: desk_msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, c->staff->id, "",
				       "handoff_offered", 15);
	if (!*event) {
		free(h);
		return DESK_NOMEM;
	}
	h->chat = c;
	h->kind = patron ? HANDOFF_PATRON : to ? HANDOFF_STAFF : HANDOFF_QUEUE;
	h->from = c->staff;
	h->to = to;
	h->to_queue = to ? NULL : to_queue;
	h->seq = (*event)->seq;
	h->at = now;
	h->until = now + d->cfg.handoff_timeout_ms;
	utf8_copy(h->note, sizeof h->note, note, len);
	free(c->handoff);
	c->handoff = h;
	c->handoffs++;
	d->handing[d->n_handing++] = c;
	desk_handoff_announce(c);
	*out = h;
	return DESK_OK;
}

int desk_handoff_accept(struct desk *d, int64_t now, struct staff *s, int64_t chat_id,
			struct chat **out, struct message **event)
{
	struct chat *c = desk_chat(d, chat_id);
	struct staff *from;

	if (!c || !s || !desk_libs_share(s->lib, c->lib))
		return DESK_NOT_FOUND;
	*out = c;
	if (!pending(c)) {
		/* "taken" only to who could have taken it or reads it anyway: to anyone else
		 * of the consortium the chat is not found */
		if (c->handoff && c->handoff->end == HANDOFF_ACCEPTED && c->handoff->taker != s &&
		    (was_for(c->handoff, s) || knows(s, c)))
			return DESK_TAKEN;
		return knows(s, c) ? DESK_BAD_STATE : DESK_NOT_FOUND;
	}
	if (!desk_handoff_for(c, s))
		return knows(s, c) ? DESK_FORBIDDEN : DESK_NOT_FOUND;
	if (s->n_active >= desk_max_chats(d, s))
		return DESK_AT_CAPACITY;
	*event =
		desk_msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, s->id, "", "handoff_accepted", 16);
	if (!*event)
		return DESK_NOMEM;
	from = c->staff;
	from->n_active--;
	s->n_active++;
	c->staff = s;
	c->handoff->taker = s;
	decide(d, c, now, HANDOFF_ACCEPTED, NULL, 0);
	if (s->n_active >= desk_max_chats(d, s))
		desk_reroute_offered_to(d, s, now, 1);
	return DESK_OK;
}

/* The pending hand-off of c comes back to its sender (who still holds the chat). */
static int come_back(struct desk *d, struct chat *c, int64_t now, enum handoff_end end,
		     const char *reason, size_t len, struct message **event)
{
	*event = desk_msg_add(d, c, now, MSG_EVENT, AUTHOR_STAFF, c->staff->id, "",
			      "handoff_returned", 16);
	if (!*event)
		return DESK_NOMEM;
	decide(d, c, now, end, reason, len);
	return DESK_OK;
}

int desk_handoff_decline(struct desk *d, int64_t now, struct staff *s, int64_t chat_id, int cancel,
			 const char *reason, size_t len, struct chat **out, struct message **event)
{
	struct chat *c = desk_chat(d, chat_id);
	int rc;

	if (!c || !knows(s, c))
		return DESK_NOT_FOUND;
	*out = c;
	if (!pending(c))
		return DESK_BAD_STATE;
	/* cancel: the sender, or a supervisor of the library (who may have made it, reassigning) */
	if (cancel ? c->staff != s && !(desk_staff_supervises(s) && s->lib == c->lib)
		   : c->handoff->kind != HANDOFF_STAFF || c->handoff->to != s)
		return DESK_FORBIDDEN;
	if (len && (rc = desk_check_chars(reason, len, HANDOFF_REASON_MAX)) == DESK_TOO_LONG)
		return rc;
	return come_back(d, c, now, cancel ? HANDOFF_CANCELLED : HANDOFF_DECLINED, reason, len,
			 event);
}

void desk_tick_handoffs(struct desk *d, int64_t now,
			void (*fn)(void *ctx, struct chat *c, struct message *event), void *ctx)
{
	static const char off_duty[] = "went off duty";

	for (size_t i = d->n_handing; i-- > 0;) {
		struct chat *c = d->handing[i];
		const struct handoff *h = c->handoff;
		struct message *ev;
		int rc;

		if (now >= h->until)
			rc = come_back(d, c, now, HANDOFF_TIMED_OUT, NULL, 0, &ev);
		else if (h->kind == HANDOFF_STAFF && !desk_staff_available(h->to))
			rc = come_back(d, c, now, HANDOFF_CANCELLED, off_duty, sizeof off_duty - 1,
				       &ev);
		else
			continue;
		if (rc == DESK_OK)
			fn(ctx, c, ev);
	}
}

void desk_handoff_drop(struct desk *d, struct chat *c, int64_t now, const char *reason)
{
	if (pending(c))
		decide(d, c, now, HANDOFF_CANCELLED, reason, strlen(reason));
}

void desk_handoff_free(struct chat *c)
{
	free(c->handoff);
	c->handoff = NULL;
}

int desk_cascade(struct desk *d, int64_t now, struct chat *c)
{
	const struct queue *q = c->queue;

	/* routing holds the cascade only while it may still find someone the patron knows */
	int routing = c->routing && (c->patron->preferred_staff || c->patron->n_helpers);

	if (c->cascaded || c->state != CHAT_QUEUED || q->cascade_ms <= 0 ||
	    !c->lib->consortium_id || c->offer || routing || now - c->created_at < q->cascade_ms)
		return 0;
	c->cascaded = 1;
	for (size_t i = 0; i < d->n_libs; i++) /* every console of the consortium hears */
		if (desk_libs_share(c->lib, d->libs[i]))
			d->libs[i]->queue_dirty = 1;
	return 1;
}

struct chat *desk_covered_chat(const struct desk *d, const struct staff *s, int64_t patron_id)
{
	const struct patron *p = idmap_get(&d->patrons, patron_id);

	for (size_t i = 0; p && s && i < p->n_chats; i++) {
		struct chat *c = p->chats[i];

		if (c->lib != s->lib && desk_staff_reads(s, c))
			return c;
	}
	return NULL;
}
