/* route.c: continuity routing (who a queued chat is offered to), the patron's choices
 * while queued, and what the desk remembers of a patron. See desk.h, "relationship memory
 * and continuity routing". */
#include "desk/desk.h"
#include "desk/desk_int.h"

#include <string.h>

#define N_HELPERS (sizeof((struct patron *)0)->helpers / sizeof *((struct patron *)0)->helpers)

/* Every change of who a chat is offered to goes through here, so the net layer hears of
 * it: offer_dirty for the chat's subscribers, queue_dirty for the library's consoles. */
static void set_offer(struct chat *c, struct staff *s, enum offer_why why, int64_t until)
{
	if (!s) {
		why = OFFER_NONE;
		until = 0;
	}
	if (c->offer == s && c->offer_why == why && c->offer_until == until)
		return;
	c->offer = s;
	c->offer_why = why;
	c->offer_until = until;
	c->offer_dirty = 1;
	c->lib->queue_dirty = 1;
}

/* Routing is over for good: any librarian of the library may pick the chat. */
void desk_open_to_all(struct chat *c)
{
	c->routing = 0;
	set_offer(c, NULL, OFFER_NONE, 0);
}

static int on_duty(const struct chat *c, const struct staff *s)
{
	return s && s->lib == c->lib && desk_staff_available(s);
}

/* Does the chat's standing offer still stand for its librarian's presence? On duty, or
 * (in a timed call) soon after a restart, while consoles reconnect. */
static int offer_present(const struct desk *d, const struct chat *c, int64_t now, int timed)
{
	return on_duty(c, c->offer) || (timed && c->offer && c->offer->lib == c->lib &&
					c->offer->online == 0 && now < d->offers_held_until);
}

/* May continuity routing offer the chat to s (or keep it offered)? */
static int can_take(const struct desk *d, const struct chat *c, const struct staff *s)
{
	return on_duty(c, s) && s->n_active < desk_max_chats(d, s);
}

/* The first candidate, in order (preferred librarian, then helpers most recent first),
 * who can take the chat now; NULL if none. */
static struct staff *first_candidate(const struct desk *d, const struct chat *c,
				     enum offer_why *why)
{
	const struct patron *p = c->patron;
	struct staff *s;
	size_t i;

	if (p->preferred_staff) {
		s = desk_staff(d, p->preferred_staff);
		if (can_take(d, c, s)) {
			*why = OFFER_PREFERRED;
			return s;
		}
	}
	for (i = 0; i < p->n_helpers && i < N_HELPERS; i++) {
		if (p->helpers[i] == 0 || p->helpers[i] == p->preferred_staff)
			continue; /* the preferred one was asked first */
		s = desk_staff(d, p->helpers[i]);
		if (can_take(d, c, s)) {
			*why = OFFER_HELPED;
			return s;
		}
	}
	return NULL;
}

/* desk_route. `timed` 0: the caller does not know the time (desk_staff_online), so a
 * window that has lapsed is left for the next tick to close. */
static void route(struct desk *d, struct chat *c, int64_t now, int timed)
{
	enum offer_why why = OFFER_NONE;
	struct staff *s;

	if (c->state != CHAT_QUEUED) {
		desk_open_to_all(c);
		return;
	}
	if (c->offer && c->offer_until == 0) {
		/* asked for, or waited for: no time limit and no cap, only presence counts */
		if (!offer_present(d, c, now, timed))
			desk_open_to_all(c);
		return;
	}
	if (!c->routing || (timed && now >= c->route_ends)) {
		desk_open_to_all(c);
		return;
	}
	if (can_take(d, c, c->offer) || (!on_duty(c, c->offer) && offer_present(d, c, now, timed) &&
					 c->offer->n_active < desk_max_chats(d, c->offer)))
		return;
	s = first_candidate(d, c, &why);
	/* nobody they know can take it now: open to anyone, but routing goes on until the
	 * window ends, so someone they know who comes on duty (or frees a slot) within it
	 * is still asked first */
	set_offer(c, s, why, s ? c->route_ends : 0);
}

void desk_route(struct desk *d, int64_t now, struct chat *c)
{
	route(d, c, now, 1);
}

/* Re-routes the queued chats of s's library that are still routing and offered to nobody
 * (s just came on duty and may be someone their patron knows). `timed` as for route(). */
void desk_reroute_for(struct desk *d, const struct staff *s, int64_t now, int timed)
{
	size_t i, j;

	for (i = 0; i < d->n_queues; i++) {
		struct queue *q = d->queues[i];

		if (q->lib != s->lib)
			continue;
		for (j = 0; j < q->n_waiting; j++)
			if (q->waiting[j]->routing && !q->waiting[j]->offer)
				route(d, q->waiting[j], now, timed);
	}
}

/* Re-routes the queued chats offered to s (who just went off duty or filled up). */
void desk_reroute_offered_to(struct desk *d, const struct staff *s, int64_t now, int timed)
{
	size_t i, j;

	for (i = 0; i < d->n_queues; i++) {
		struct queue *q = d->queues[i];

		for (j = 0; j < q->n_waiting; j++)
			if (q->waiting[j]->offer == s)
				route(d, q->waiting[j], now, timed);
	}
}

/* Moves staff_id to the front of the patron's helpers: distinct, at most N_HELPERS. */
void desk_helpers_front(struct patron *p, int64_t staff_id)
{
	size_t n = p->n_helpers < N_HELPERS ? p->n_helpers : N_HELPERS, i;

	for (i = 0; i < n && p->helpers[i] != staff_id; i++)
		;
	if (i == n) { /* new: grows the list, or drops the oldest */
		if (n < N_HELPERS)
			n++;
		i = n - 1;
	}
	memmove(p->helpers + 1, p->helpers, i * sizeof *p->helpers);
	p->helpers[0] = staff_id;
	p->n_helpers = n;
}

int desk_choose(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
		enum desk_choice choice, int64_t staff_id)
{
	struct staff *s;
	struct chat *c;
	int rc;

	if (a->kind != AUTHOR_PATRON || !a->patron)
		return DESK_NOT_FOUND;
	rc = desk_readable(d, a, chat_id, &c);
	if (rc)
		return rc;
	if (c->state != CHAT_QUEUED)
		return DESK_BAD_STATE;
	desk_route(d, now, c); /* choose against the offer as it stands now */
	switch (choice) {
	case CHOOSE_FIRST: desk_open_to_all(c); return DESK_OK;
	case CHOOSE_WAIT:
		if (!c->offer)
			return DESK_BAD_STATE;
		c->routing = 0;
		set_offer(c, c->offer, c->offer_why, 0);
		return DESK_OK;
	case CHOOSE_STAFF:
		s = staff_id > 0 ? desk_staff(d, staff_id) : NULL;
		if (!on_duty(c, s))
			return DESK_NOT_FOUND;
		c->routing = 0;
		set_offer(c, s, OFFER_ASKED, 0);
		return DESK_OK;
	}
	return DESK_BAD_STATE;
}

void desk_set_relation(struct desk *d, int64_t now, struct patron *p, int remembered,
		       const char *name, int64_t preferred_staff, const int64_t *helpers,
		       size_t n_helpers)
{
	size_t i, j;

	p->n_helpers = 0;
	if (!remembered) {
		p->remembered = 0;
		p->name[0] = '\0';
		p->preferred_staff = 0;
		p->first_chat_at = 0;
		for (i = 0; i < p->n_chats; i++) {
			struct chat *c = p->chats[i];

			c->remembered = 0; /* held ended chats too: forgetting unlinks them all */
			if (c->state != CHAT_QUEUED && c->state != CHAT_ACTIVE)
				continue;
			c->routing = 0;
			if (c->offer_why == OFFER_PREFERRED || c->offer_why == OFFER_HELPED)
				desk_open_to_all(
					c); /* continuity ends; a librarian they asked for stays */
		}
		return;
	}
	p->remembered = 1;
	desk_copy_utf8(p->name, sizeof p->name, name);
	p->preferred_staff = preferred_staff > 0 ? preferred_staff : 0;
	for (i = 0; helpers && i < n_helpers && p->n_helpers < N_HELPERS; i++) {
		if (helpers[i] <= 0)
			continue;
		for (j = 0; j < p->n_helpers && p->helpers[j] != helpers[i]; j++)
			;
		if (j == p->n_helpers)
			p->helpers[p->n_helpers++] = helpers[i];
	}
	for (i = 0; i < p->n_chats; i++)
		if (p->chats[i]->state == CHAT_QUEUED || p->chats[i]->state == CHAT_ACTIVE)
			p->chats[i]->remembered = 1;
}

void desk_link_chat(struct patron *p, int64_t chat_id)
{
	size_t i;

	for (i = 0; p->remembered && i < p->n_chats; i++) {
		struct chat *c = p->chats[i];

		if (c->id != chat_id)
			continue;
		c->remembered = 1;
		if (p->first_chat_at <= 0 || c->created_at < p->first_chat_at)
			p->first_chat_at = c->created_at;
	}
}

int desk_chat_remembered(const struct chat *c)
{
	return c->remembered && c->patron->remembered;
}

int desk_chat_returning(const struct chat *c)
{
	return desk_chat_remembered(c) && c->patron->first_chat_at > 0 &&
	       c->patron->first_chat_at < c->created_at;
}

void desk_set_preferred(struct desk *d, struct patron *p, int64_t staff_id)
{
	if (p->remembered)
		p->preferred_staff = staff_id > 0 ? staff_id : 0;
}

void desk_load_route(struct desk *d, struct chat *c, int64_t offer_staff, enum offer_why why,
		     int64_t until, int routing, int64_t route_ends)
{
	struct staff *s = offer_staff > 0 ? desk_staff(d, offer_staff) : NULL;

	if (c->state != CHAT_QUEUED)
		return;
	c->routing = routing != 0;
	c->route_ends = route_ends;
	if (s && s->lib == c->lib && why != OFFER_NONE)
		set_offer(c, s, why, until);
}

enum offer_why desk_offer_why(const char *name)
{
	static const enum offer_why all[] = {OFFER_PREFERRED, OFFER_HELPED, OFFER_ASKED};
	size_t i;

	for (i = 0; i < sizeof all / sizeof *all; i++)
		if (strcmp(name, desk_offer_name(all[i])) == 0)
			return all[i];
	return OFFER_NONE;
}

const char *desk_offer_name(enum offer_why w)
{
	switch (w) {
	case OFFER_NONE: return "";
	case OFFER_PREFERRED: return "preferred";
	case OFFER_HELPED: return "helped";
	case OFFER_ASKED: return "asked";
	}
	return "";
}
