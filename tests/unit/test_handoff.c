/* test_handoff.c: unit tests for src/desk/handoff.c (warm hand-offs of live chats, desk.h
 * "hand-offs"): offer, accept, decline, cancel, the timeout and off-duty returns, the chat
 * ending or going back to the queue mid hand-off, and who may read a chat handed across a
 * consortium. The desk has no clock: each test drives `f->now` by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "desk/desk.h"

#define T0 1763900000000LL
#define CONSORTIUM 7
#define PATRON_NOTE "The patron asked if someone else could help."

/* Four libraries: north, south and east share a consortium, west is on its own. */
enum { L_NORTH, L_SOUTH, L_EAST, L_WEST, N_LIBS };
/* Staff (fx.s): ann, bob, cy (cap 1), dee of north; sue of south, eve of east, wes of west */
enum { ANN, BOB, CY, DEE, SUE, EVE, WES, N_STAFF };

static const struct {
	int64_t id, consortium;
	const char *slug;
} lib_rows[N_LIBS] = {{1, CONSORTIUM, "north"},
		      {2, CONSORTIUM, "south"},
		      {3, CONSORTIUM, "east"},
		      {4, 0, "west"}};

static const struct {
	int64_t id;
	int lib, max_chats;
	const char *name;
} staff_rows[N_STAFF] = {{100, L_NORTH, 0, "ann"}, {101, L_NORTH, 0, "bob"},
			 {102, L_NORTH, 1, "cy"},  {103, L_NORTH, 0, "dee"},
			 {200, L_SOUTH, 0, "sue"}, {300, L_EAST, 0, "eve"},
			 {400, L_WEST, 0, "wes"}};

struct fx {
	struct desk *d;
	int64_t now;
	struct library *lib[N_LIBS];
	struct queue *q[N_LIBS]; /* one queue a library, id 10 * library id */
	struct staff *s[N_STAFF];
	struct patron *p; /* the patron of the chat held() made last */
	struct handoff *h; /* the last offer's record */
	struct message *ev; /* the last call's event */
	int n_returned; /* desk_tick_handoffs calls back */
	struct chat *returned;
};

static int setup_cfg(void **state, const struct desk_config *cfg)
{
	struct fx *f = test_calloc(1, sizeof *f);
	int i;

	assert_non_null(f);
	f->now = T0;
	f->d = desk_new(cfg);
	assert_non_null(f->d);
	for (i = 0; i < N_LIBS; i++) {
		int64_t id = lib_rows[i].id;

		f->lib[i] = desk_add_library(f->d, id, lib_rows[i].slug, lib_rows[i].slug, "");
		assert_non_null(f->lib[i]);
		f->lib[i]->consortium_id = lib_rows[i].consortium;
		f->q[i] = desk_add_queue(f->d, 10 * id, id, "ref", "Reference");
		assert_non_null(f->q[i]);
	}
	for (i = 0; i < N_STAFF; i++) {
		f->s[i] = desk_put_staff(f->d, staff_rows[i].id, lib_rows[staff_rows[i].lib].id,
					 staff_rows[i].name, staff_rows[i].name, ACCESS_LIBRARIAN,
					 staff_rows[i].max_chats);
		assert_non_null(f->s[i]);
	}
	desk_staff_online(f->d, f->s[ANN], +1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	desk_free(((struct fx *)*state)->d);
	test_free(*state);
	return 0;
}

/* Replaces the fixture with one made with cfg. */
static struct fx *refixture(void **state, const struct desk_config *cfg)
{
	teardown(state);
	setup_cfg(state, cfg);
	return *state;
}

static int setup(void **state)
{
	return setup_cfg(state, NULL);
}

static void duty(struct fx *f, int who, int delta)
{
	desk_staff_online(f->d, f->s[who], delta);
}

static struct desk_actor staff_actor(const struct fx *f, int who)
{
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = f->s[who]};

	return a;
}

/* A new patron of north joins its queue; `who` (on duty) picks the chat, unless -1. */
static struct chat *held(struct fx *f, int who)
{
	struct chat *c = NULL, *out = NULL;
	int existing = -1;
	const char *text = "Do you have the 1890 county atlas?";

	f->p = desk_patron(f->d, desk_next_patron_id(f->d), lib_rows[L_NORTH].id);
	assert_non_null(f->p);
	desk_patron_online(f->d, f->p, +1, f->now);
	assert_int_equal(desk_join(f->d, f->now, f->p, f->q[L_NORTH], "j", text, strlen(text), &c,
				   &existing),
			 DESK_OK);
	if (who >= 0)
		assert_int_equal(desk_pick(f->d, f->now, f->s[who], c->id, &out, &f->ev), DESK_OK);
	return c;
}

/* `from` hands c on to colleague `to` (or -1) or else queue q, with note. */
static int offer_n(struct fx *f, int from, const struct chat *c, int to, struct queue *q,
		   const char *note, size_t len)
{
	struct desk_actor a = staff_actor(f, from);

	return desk_handoff_offer(f->d, f->now, &a, c->id, to >= 0 ? f->s[to] : NULL, q, note, len,
				  &f->h, &f->ev);
}

static int offer(struct fx *f, int from, const struct chat *c, int to, struct queue *q,
		 const char *note)
{
	return offer_n(f, from, c, to, q, note, strlen(note));
}

/* ann holds a new chat and hands it on to colleague `to`, whom this brings on duty. */
static struct chat *offered(struct fx *f, int to, const char *note)
{
	struct chat *c;

	duty(f, to, +1);
	c = held(f, ANN);
	assert_int_equal(offer(f, ANN, c, to, NULL, note), DESK_OK);
	return c;
}

static int accept(struct fx *f, int who, const struct chat *c)
{
	struct chat *out = NULL;

	return desk_handoff_accept(f->d, f->now, f->s[who], c->id, &out, &f->ev);
}

static int decline(struct fx *f, int who, const struct chat *c, int cancel, const char *reason)
{
	struct chat *out = NULL;

	return desk_handoff_decline(f->d, f->now, f->s[who], c->id, cancel, reason, strlen(reason),
				    &out, &f->ev);
}

static int reads(const struct fx *f, int who, const struct chat *c)
{
	struct desk_actor a = staff_actor(f, who);
	struct chat *out = NULL;

	return desk_readable(f->d, &a, c->id, &out);
}

static void on_returned(void *ctx, struct chat *c, struct message *ev)
{
	struct fx *f = ctx;

	f->n_returned++;
	f->returned = c;
	assert_ptr_equal(ev, c->msgs[c->n_msgs - 1]);
}

static void tick_at(struct fx *f, int64_t at)
{
	f->now = at;
	desk_tick_handoffs(f->d, f->now, on_returned, f);
}

/* The transcript's last entry is event `name` by `author` (id). */
static void assert_last(const struct chat *c, const char *name, enum author author, int64_t id)
{
	const struct message *m = c->msgs[c->n_msgs - 1];

	assert_int_equal(m->kind, MSG_EVENT);
	assert_string_equal(m->text, name);
	assert_int_equal(m->author, author);
	assert_int_equal(m->author_id, id);
}

/* c's hand-off ended as `end` at f->now, with reason, the record to be written, c with
 * `holder`, and nothing pending on the desk. */
static void assert_decided(const struct fx *f, const struct chat *c, enum handoff_end end,
			   const char *reason, int holder)
{
	assert_non_null(c->handoff);
	assert_int_equal(c->handoff->end, end);
	assert_int_equal(c->handoff->decided_at, f->now);
	assert_string_equal(c->handoff->reason, reason);
	assert_int_equal(c->handoff->dirty, 1);
	assert_int_equal(f->d->n_handing, 0);
	if (holder >= 0)
		assert_ptr_equal(c->staff, f->s[holder]);
}

/* `who` took c over: it is theirs, they are its taker, by their handoff_accepted event. */
static void assert_taken(const struct fx *f, const struct chat *c, int who)
{
	assert_last(c, "handoff_accepted", AUTHOR_STAFF, f->s[who]->id);
	assert_decided(f, c, HANDOFF_ACCEPTED, "", who);
	assert_ptr_equal(c->handoff->taker, f->s[who]);
}

/* c's hand-off came back to its sender as `end`, by their handoff_returned event. */
static void assert_returned(const struct fx *f, const struct chat *c, enum handoff_end end,
			    const char *reason)
{
	assert_last(c, "handoff_returned", AUTHOR_STAFF, c->handoff->from->id);
	assert_decided(f, c, end, reason, -1);
	assert_ptr_equal(c->staff, c->handoff->from);
}

/* How many chats each librarian holds: want[i] for staff i, 0 for those not named. */
static void assert_loads(const struct fx *f, const int *want)
{
	for (int i = 0; i < N_STAFF; i++)
		assert_int_equal(f->s[i]->n_active, want[i]);
}
#define LOADS(...) assert_loads(f, (const int[N_STAFF]){__VA_ARGS__})

/* A failed call left c as it was: `n_msgs` entries, pending as before or not at all. */
static void assert_unchanged(const struct fx *f, const struct chat *c, size_t n_msgs,
			     size_t n_handing)
{
	assert_int_equal(c->n_msgs, n_msgs);
	assert_int_equal(f->d->n_handing, n_handing);
	if (n_handing)
		assert_int_equal(c->handoff->end, HANDOFF_PENDING);
}

/* n copies of the character ch (UTF-8) in buf[cap]; returns the byte length. */
static size_t repeat(char *buf, size_t cap, const char *ch, size_t n)
{
	size_t k = strlen(ch);

	assert_true(n * k < cap);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * k, ch, k);
	buf[n * k] = '\0';
	return n * k;
}

/* ---- to a named colleague ----------------------------------------------------------- */

static void test_offer_accept_colleague(void **state)
{
	struct fx *f = *state;
	struct chat *c;
	struct desk_actor ann = staff_actor(f, ANN), bob = staff_actor(f, BOB);

	duty(f, BOB, +1);
	c = held(f, ANN);
	f->lib[L_NORTH]->queue_dirty = 0;
	assert_int_equal(offer(f, ANN, c, BOB, NULL, "Wants the map room; I am off at 5"), DESK_OK);
	assert_ptr_equal(f->h, c->handoff);
	assert_int_equal(f->h->kind, HANDOFF_STAFF);
	assert_int_equal(f->h->end, HANDOFF_PENDING);
	assert_ptr_equal(f->h->from, f->s[ANN]);
	assert_ptr_equal(f->h->to, f->s[BOB]);
	assert_string_equal(f->h->note, "Wants the map room; I am off at 5");
	assert_int_equal(f->h->until, f->now + 60000);
	assert_int_equal(f->h->seq, f->ev->seq);
	assert_int_equal(f->h->seq, (int64_t)c->n_msgs);
	assert_last(c, "handoff_offered", AUTHOR_STAFF, f->s[ANN]->id);
	assert_int_equal(f->d->n_handing, 1);
	assert_int_equal(c->handoffs, 1);
	assert_int_equal(f->lib[L_NORTH]->queue_dirty, 1);
	/* the sender keeps the chat meanwhile; only the colleague asked may take it */
	assert_true(desk_may_write(&ann, c));
	assert_true(desk_handoff_for(c, f->s[BOB]));
	assert_false(desk_handoff_for(c, f->s[DEE]));
	assert_false(desk_handoff_for(c, f->s[ANN]));

	f->now += 1500;
	assert_int_equal(accept(f, BOB, c), DESK_OK);
	LOADS([BOB] = 1);
	assert_taken(f, c, BOB);
	assert_string_equal(c->msgs[c->handoff->seq - 1]->text, "handoff_offered");
	assert_false(desk_may_write(&ann, c));
	assert_true(desk_may_write(&bob, c));
	/* taken: a second accept by the taker is a state error */
	assert_int_equal(accept(f, BOB, c), DESK_BAD_STATE);
}

/* ---- to a queue: the first to accept takes it --------------------------------------- */

static void test_queue_first_accept_wins(void **state)
{
	struct fx *f = *state;
	struct chat *c;
	size_t n;

	duty(f, BOB, +1);
	duty(f, DEE, +1);
	c = held(f, ANN);
	assert_int_equal(offer(f, ANN, c, -1, f->q[L_NORTH], "Genealogy, needs a specialist"),
			 DESK_OK);
	assert_int_equal(f->h->kind, HANDOFF_QUEUE);
	assert_ptr_equal(f->h->to_queue, f->q[L_NORTH]);
	assert_null(f->h->to);
	assert_true(desk_handoff_for(c, f->s[BOB]));
	assert_true(desk_handoff_for(c, f->s[DEE]));
	assert_false(desk_handoff_for(c, f->s[ANN]));
	/* the sender cannot take their own; a receiver cannot decline a queue's hand-off */
	n = c->n_msgs;
	assert_int_equal(accept(f, ANN, c), DESK_FORBIDDEN);
	assert_int_equal(decline(f, DEE, c, 0, "busy"), DESK_FORBIDDEN);
	assert_unchanged(f, c, n, 1);

	f->now += 2000;
	assert_int_equal(accept(f, DEE, c), DESK_OK);
	assert_int_equal(accept(f, BOB, c), DESK_TAKEN);
	LOADS([DEE] = 1);
	assert_int_equal(c->n_msgs, n + 1); /* one handoff_accepted, by the winner */
	assert_taken(f, c, DEE);
}

/* ---- declined, cancelled, and by whom ----------------------------------------------- */

static void test_decline_with_reason(void **state)
{
	struct fx *f = *state;
	struct chat *c;
	char reason[HANDOFF_REASON_MAX + 2];

	c = offered(f, BOB, "Tax forms question");
	repeat(reason, sizeof reason, "x", HANDOFF_REASON_MAX + 1);
	assert_int_equal(decline(f, BOB, c, 0, reason), DESK_TOO_LONG);
	assert_int_equal(f->d->n_handing, 1);
	f->now += 700;
	assert_int_equal(decline(f, BOB, c, 0, "On a call with a school"), DESK_OK);
	assert_returned(f, c, HANDOFF_DECLINED, "On a call with a school");
	LOADS([ANN] = 1);
	/* over: neither accepted nor declined again */
	assert_int_equal(accept(f, BOB, c), DESK_BAD_STATE);
	assert_int_equal(decline(f, BOB, c, 0, ""), DESK_BAD_STATE);
	/* the sender may try again; the new record starts clean */
	assert_int_equal(offer(f, ANN, c, BOB, NULL, "Tax forms, second try"), DESK_OK);
	assert_int_equal(c->handoffs, 2);
	assert_int_equal(c->handoff->end, HANDOFF_PENDING);
	assert_string_equal(c->handoff->reason, "");
	assert_int_equal(c->handoff->dirty, 0);
}

static void test_cancel_and_third_parties(void **state)
{
	struct fx *f = *state;
	struct chat *c;
	size_t n;

	c = offered(f, BOB, "Patent search");
	n = c->n_msgs;
	/* the colleague asked declines, not cancels; a colleague of the library sees the
	 * chat but may do neither; of the consortium but not asked, or of no shared desk:
	 * no such chat */
	assert_int_equal(decline(f, BOB, c, 1, ""), DESK_FORBIDDEN);
	assert_int_equal(decline(f, DEE, c, 0, "no"), DESK_FORBIDDEN);
	assert_int_equal(decline(f, DEE, c, 1, "no"), DESK_FORBIDDEN);
	for (int k = 0; k < 4; k++) /* eve and wes, declining and cancelling */
		assert_int_equal(decline(f, k < 2 ? EVE : WES, c, k & 1, "no"), DESK_NOT_FOUND);
	assert_unchanged(f, c, n, 1);
	assert_ptr_equal(c->handoff->to, f->s[BOB]);
	assert_string_equal(c->handoff->reason, "");
	/* the sender calls it off */
	f->now += 300;
	assert_int_equal(decline(f, ANN, c, 1, "found it myself"), DESK_OK);
	assert_returned(f, c, HANDOFF_CANCELLED, "found it myself");
	assert_int_equal(accept(f, BOB, c), DESK_BAD_STATE);
	LOADS([ANN] = 1);
}

/* ---- timeouts and the colleague going off duty -------------------------------------- */

/* The default 60 s, several due at once; then a configured 5 s. */
static void test_timeouts(void **state)
{
	struct desk_config cfg = {.handoff_timeout_ms = 5000};
	struct fx *f = *state;
	struct chat *c1, *c2, *c3;
	int64_t t = f->now;

	duty(f, BOB, +1);
	c1 = held(f, ANN);
	c2 = held(f, ANN);
	c3 = held(f, ANN);
	assert_int_equal(offer(f, ANN, c1, BOB, NULL, "one"), DESK_OK);
	f->now = t + 1000;
	assert_int_equal(offer(f, ANN, c2, -1, f->q[L_NORTH], "two"), DESK_OK);
	f->now = t + 2000;
	assert_int_equal(offer(f, ANN, c3, BOB, NULL, "three"), DESK_OK);
	assert_int_equal(f->d->n_handing, 3);
	tick_at(f, t + 59999);
	assert_int_equal(f->n_returned, 0);
	assert_int_equal(c1->handoff->end, HANDOFF_PENDING);
	/* the first two are due at once; the third still has a second to go */
	tick_at(f, t + 61000);
	assert_int_equal(f->n_returned, 2);
	assert_int_equal(c1->handoff->end, HANDOFF_TIMED_OUT);
	assert_int_equal(c2->handoff->end, HANDOFF_TIMED_OUT);
	assert_int_equal(c1->handoff->decided_at, f->now);
	assert_int_equal(c1->handoff->dirty, 1);
	assert_last(c1, "handoff_returned", AUTHOR_STAFF, f->s[ANN]->id);
	assert_last(c2, "handoff_returned", AUTHOR_STAFF, f->s[ANN]->id);
	assert_int_equal(c3->handoff->end, HANDOFF_PENDING);
	assert_int_equal(f->d->n_handing, 1);
	assert_ptr_equal(f->d->handing[0], c3);
	assert_int_equal(accept(f, BOB, c1), DESK_BAD_STATE);
	assert_int_equal(accept(f, BOB, c3), DESK_OK);
	assert_int_equal(f->d->n_handing, 0);
	tick_at(f, t + 600000);
	assert_int_equal(f->n_returned, 2);
	LOADS([ANN] = 2, [BOB] = 1);

	f = refixture(state, &cfg);
	c1 = offered(f, BOB, "Quick one");
	t = c1->handoff->at;
	assert_int_equal(f->h->until, t + 5000);
	tick_at(f, t + 4999);
	assert_int_equal(f->n_returned, 0);
	assert_int_equal(f->d->n_handing, 1);
	tick_at(f, t + 5000);
	assert_int_equal(f->n_returned, 1);
	assert_ptr_equal(f->returned, c1);
	assert_returned(f, c1, HANDOFF_TIMED_OUT, "");
}

/* The colleague asked leaves: bob closes the last of his two consoles, dee goes Away. */
static void test_colleague_leaves(void **state)
{
	struct fx *f = *state;
	struct chat *to_bob, *to_dee;

	duty(f, BOB, +2);
	duty(f, DEE, +1);
	to_bob = held(f, ANN);
	to_dee = held(f, ANN);
	assert_int_equal(offer(f, ANN, to_bob, BOB, NULL, "Interlibrary loan"), DESK_OK);
	assert_int_equal(offer(f, ANN, to_dee, DEE, NULL, "Reader's advisory"), DESK_OK);
	duty(f, BOB, -1);
	tick_at(f, f->now + 1000);
	assert_int_equal(f->n_returned, 0);
	assert_int_equal(f->d->n_handing, 2);
	duty(f, BOB, -1); /* his last console: off duty */
	assert_false(desk_handoff_for(to_bob, f->s[BOB]));
	assert_int_equal(accept(f, BOB, to_bob), DESK_FORBIDDEN);
	tick_at(f, f->now + 1000);
	assert_int_equal(f->n_returned, 1);
	assert_ptr_equal(f->returned, to_bob);
	assert_last(to_bob, "handoff_returned", AUTHOR_STAFF, f->s[ANN]->id);
	assert_int_equal(to_bob->handoff->end, HANDOFF_CANCELLED);
	assert_string_equal(to_bob->handoff->reason, "went off duty");
	assert_int_equal(to_dee->handoff->end, HANDOFF_PENDING);
	assert_int_equal(desk_staff_set_away(f->d, f->s[DEE], 1, f->now), 1);
	tick_at(f, f->now + 1000);
	assert_int_equal(f->n_returned, 2);
	assert_ptr_equal(f->returned, to_dee);
	assert_returned(f, to_dee, HANDOFF_CANCELLED, "went off duty");
	LOADS([ANN] = 2);
}

/* ---- the chat ends, or goes back to the queue --------------------------------------- */

static void test_patron_ends_mid_handoff(void **state)
{
	struct fx *f = *state;
	struct chat *out = NULL, *c = offered(f, BOB, "Citation help");
	struct desk_actor pa = {.kind = AUTHOR_PATRON, .patron = f->p};

	f->now += 4000;
	assert_int_equal(desk_end(f->d, f->now, &pa, c->id, &out, &f->ev), DESK_OK);
	assert_int_equal(c->state, CHAT_ENDED);
	assert_last(c, "ended", AUTHOR_PATRON, f->p->id); /* no handoff_returned */
	assert_decided(f, c, HANDOFF_CANCELLED, "the chat ended", -1);
	LOADS(0);
	assert_int_equal(accept(f, BOB, c), DESK_BAD_STATE);
	tick_at(f, f->now + 120000);
	assert_int_equal(f->n_returned, 0);
}

static void test_sender_gone_handback(void **state)
{
	struct desk_config cfg = {.handback_grace_ms = 5000, .handoff_timeout_ms = 600000};
	struct fx *f = refixture(state, &cfg);
	struct chat *c, *out = NULL;
	struct message *ev = NULL;
	static const char note[] = "Asked about the 1911 census; sources sent";

	duty(f, BOB, +1);
	c = held(f, ANN);
	assert_int_equal(offer(f, ANN, c, -1, f->q[L_SOUTH], note), DESK_OK);
	duty(f, ANN, -1);
	desk_tick_handbacks(f->d, f->now, on_returned, f);
	f->now += 4999;
	desk_tick_handbacks(f->d, f->now, on_returned, f);
	assert_int_equal(c->state, CHAT_ACTIVE);
	assert_int_equal(f->d->n_handing, 1);
	f->now += 1;
	desk_tick_handbacks(f->d, f->now, on_returned, f);
	assert_int_equal(f->n_returned, 1);
	assert_int_equal(c->state, CHAT_QUEUED);
	assert_int_equal(f->q[L_NORTH]->n_waiting, 1);
	LOADS(0);
	assert_last(c, "handed_back", AUTHOR_STAFF, f->s[ANN]->id);
	assert_decided(f, c, HANDOFF_CANCELLED, "the chat went back to the queue", -1);
	assert_null(c->staff);
	/* nobody may take the spent hand-off; whoever picks the chat reads its note */
	assert_int_equal(accept(f, SUE, c), DESK_NOT_FOUND);
	assert_int_equal(desk_pick(f->d, f->now, f->s[BOB], c->id, &out, &ev), DESK_OK);
	assert_ptr_equal(c->staff, f->s[BOB]);
	assert_string_equal(c->handoff->note, note);
	tick_at(f, f->now + 700000);
	assert_int_equal(f->n_returned, 1);
}

/* ---- across libraries --------------------------------------------------------------- */

static void test_consortium_cover(void **state)
{
	struct fx *f = *state;
	struct chat *c, *out = NULL;
	struct desk_actor sue = staff_actor(f, SUE);

	duty(f, SUE, +1);
	duty(f, EVE, +1);
	duty(f, WES, +1);
	c = held(f, ANN);
	assert_int_equal(reads(f, SUE, c), DESK_NOT_FOUND);
	f->lib[L_SOUTH]->queue_dirty = 0;
	assert_int_equal(offer(f, ANN, c, -1, f->q[L_SOUTH], "South has the microfilm"), DESK_OK);
	assert_int_equal(f->lib[L_SOUTH]->queue_dirty, 1);
	/* theirs to take: south reads it; east and west do not, nor take it */
	assert_int_equal(reads(f, SUE, c), DESK_OK);
	assert_true(desk_staff_reads(f->s[SUE], c));
	assert_int_equal(reads(f, EVE, c), DESK_NOT_FOUND);
	assert_int_equal(reads(f, WES, c), DESK_NOT_FOUND);
	assert_int_equal(accept(f, EVE, c), DESK_NOT_FOUND);
	assert_int_equal(accept(f, WES, c), DESK_NOT_FOUND);
	assert_int_equal(accept(f, BOB, c), DESK_FORBIDDEN); /* north: not south's queue */

	assert_int_equal(accept(f, SUE, c), DESK_OK);
	assert_ptr_equal(c->staff, f->s[SUE]);
	assert_ptr_equal(c->lib, f->lib[L_NORTH]); /* the chat keeps its library */
	LOADS([SUE] = 1);
	assert_int_equal(reads(f, SUE, c), DESK_OK);
	/* the sender, a librarian, no longer reads it: a colleague's live chat */
	assert_int_equal(reads(f, ANN, c), DESK_FORBIDDEN);
	assert_int_equal(reads(f, EVE, c), DESK_NOT_FOUND);
	/* taken or not, east must not learn the chat exists */
	assert_int_equal(accept(f, EVE, c), DESK_NOT_FOUND);

	assert_int_equal(desk_end(f->d, f->now, &sue, c->id, &out, &f->ev), DESK_OK);
	LOADS(0);
	assert_int_equal(reads(f, SUE, c), DESK_NOT_FOUND);
	assert_false(desk_staff_reads(f->s[SUE], c));
	assert_int_equal(reads(f, ANN, c), DESK_OK);
	assert_int_equal(reads(f, EVE, c), DESK_NOT_FOUND);
}

/* ---- the patron's "someone else" ---------------------------------------------------- */

static int someone_else(struct fx *f, struct patron *p, const struct chat *c)
{
	struct desk_actor a = {.kind = AUTHOR_PATRON, .patron = p};

	return desk_handoff_offer(f->d, f->now, &a, c->id, NULL, NULL, "x", 1, &f->h, &f->ev);
}

static void test_someone_else(void **state)
{
	struct fx *f = *state;
	struct chat *other = held(f, ANN), *c = held(f, ANN);
	struct patron *p = f->p;
	size_t n = c->n_msgs;

	assert_int_equal(someone_else(f, p, c), DESK_NOBODY_ELSE);
	/* Away is not on duty; a librarian of another library is not someone else here */
	duty(f, BOB, +1);
	assert_int_equal(desk_staff_set_away(f->d, f->s[BOB], 1, f->now), 1);
	duty(f, SUE, +1);
	assert_int_equal(someone_else(f, p, c), DESK_NOBODY_ELSE);
	assert_unchanged(f, c, n, 0);
	assert_null(c->handoff);
	assert_int_equal(desk_staff_set_away(f->d, f->s[BOB], 0, f->now), 1);
	assert_int_equal(someone_else(f, p, other), DESK_NOT_FOUND); /* not their chat */
	assert_int_equal(someone_else(f, p, c), DESK_OK);
	assert_int_equal(f->d->n_handing, 1);
	assert_int_equal(f->h->kind, HANDOFF_PATRON);
	assert_ptr_equal(f->h->from, f->s[ANN]);
	assert_ptr_equal(f->h->to_queue, f->q[L_NORTH]);
	assert_string_equal(f->h->note, PATRON_NOTE);
	assert_int_equal(f->h->seq, f->ev->seq);
	assert_last(c, "someone_else", AUTHOR_PATRON, p->id);
	assert_int_equal(someone_else(f, p, c), DESK_BAD_STATE); /* asked already */
	/* the librarian they asked to be rid of cannot take it back */
	assert_false(desk_handoff_for(c, f->s[ANN]));
	assert_int_equal(accept(f, ANN, c), DESK_FORBIDDEN);
	assert_int_equal(accept(f, BOB, c), DESK_OK);
	LOADS([ANN] = 1, [BOB] = 1);
	assert_taken(f, c, BOB);
}

/* ---- bad input ---------------------------------------------------------------------- */

static void test_note_checked(void **state)
{
	struct fx *f = *state;
	static char buf[HANDOFF_NOTE_MAX * 4 + 8];
	struct chat *c;
	size_t n, len;

	duty(f, BOB, +1);
	c = held(f, ANN);
	n = c->n_msgs;
	assert_int_equal(offer(f, ANN, c, BOB, NULL, ""), DESK_EMPTY);
	assert_int_equal(offer(f, ANN, c, BOB, NULL, " \t\r\n "), DESK_EMPTY);
	len = repeat(buf, sizeof buf, "\xc3\xa9", HANDOFF_NOTE_MAX + 1); /* é */
	assert_int_equal(offer_n(f, ANN, c, BOB, NULL, buf, len), DESK_TOO_LONG);
	len = repeat(buf, sizeof buf, "a", HANDOFF_NOTE_MAX + 1);
	assert_int_equal(offer_n(f, ANN, c, BOB, NULL, buf, len), DESK_TOO_LONG);
	assert_unchanged(f, c, n, 0);
	assert_null(c->handoff);
	/* characters count, not bytes: 1000 four-byte characters are a whole note */
	len = repeat(buf, sizeof buf, "\xf0\x9f\x93\x9a", HANDOFF_NOTE_MAX); /* U+1F4DA */
	assert_int_equal(offer_n(f, ANN, c, BOB, NULL, buf, len), DESK_OK);
	assert_int_equal(strlen(c->handoff->note), len);
	assert_memory_equal(c->handoff->note, buf, len);
}

static void test_offer_states(void **state)
{
	struct fx *f = *state;
	struct chat *c, *queued, *out = NULL;
	struct desk_actor ann = staff_actor(f, ANN), pa;
	size_t n;

	duty(f, DEE, +1);
	c = offered(f, BOB, "first");
	n = c->n_msgs;
	assert_int_equal(offer(f, ANN, c, DEE, NULL, "second"), DESK_BAD_STATE);
	assert_int_equal(offer(f, ANN, c, -1, f->q[L_NORTH], "second"), DESK_BAD_STATE);
	assert_unchanged(f, c, n, 1);
	assert_ptr_equal(c->handoff->to, f->s[BOB]);
	assert_string_equal(c->handoff->note, "first");
	/* a colleague may not hand on a chat that is not theirs */
	assert_int_equal(offer(f, BOB, c, DEE, NULL, "mine now"), DESK_FORBIDDEN);
	/* a queued chat is nobody's to hand on, nor the patron's to pass on */
	queued = held(f, -1);
	pa = (struct desk_actor){.kind = AUTHOR_PATRON, .patron = f->p};
	assert_int_equal(offer(f, ANN, queued, BOB, NULL, "queued"), DESK_BAD_STATE);
	assert_int_equal(someone_else(f, f->p, queued), DESK_BAD_STATE);
	assert_null(queued->handoff);
	/* nor an ended one */
	assert_int_equal(decline(f, ANN, c, 1, ""), DESK_OK);
	assert_int_equal(desk_end(f->d, f->now, &ann, c->id, &out, &f->ev), DESK_OK);
	assert_int_equal(offer(f, ANN, c, BOB, NULL, "too late"), DESK_BAD_STATE);
	assert_int_equal(desk_end(f->d, f->now, &pa, queued->id, &out, &f->ev), DESK_OK);
	assert_int_equal(f->d->n_handing, 0);
}

static void test_targets(void **state)
{
	struct fx *f = *state;
	struct chat *c = held(f, ANN);
	size_t n = c->n_msgs;

	/* outside the consortium: neither a librarian nor a queue, even on duty */
	duty(f, WES, +1);
	assert_int_equal(offer(f, ANN, c, WES, NULL, "Try west?"), DESK_NOT_SHARED);
	assert_int_equal(offer(f, ANN, c, -1, f->q[L_WEST], "Try west?"), DESK_NOT_SHARED);
	/* not on duty: of the library, or of the consortium; nor oneself */
	assert_int_equal(offer(f, ANN, c, DEE, NULL, "dee?"), DESK_OFF_DUTY);
	assert_int_equal(offer(f, ANN, c, SUE, NULL, "sue?"), DESK_OFF_DUTY);
	assert_int_not_equal(offer(f, ANN, c, ANN, NULL, "me?"), DESK_OK);
	/* neither a colleague nor a queue */
	assert_int_equal(offer(f, ANN, c, -1, NULL, "anyone?"), DESK_NOT_FOUND);
	assert_unchanged(f, c, n, 0);
	assert_null(c->handoff);
	assert_int_equal(c->handoffs, 0);
	/* a consortium colleague on duty may be asked by name */
	duty(f, SUE, +1);
	assert_int_equal(offer(f, ANN, c, SUE, NULL, "sue!"), DESK_OK);
	assert_int_equal(reads(f, SUE, c), DESK_OK);
	assert_int_equal(accept(f, SUE, c), DESK_OK);
	assert_ptr_equal(c->staff, f->s[SUE]);
	assert_true(desk_libs_share(f->lib[L_NORTH], f->lib[L_EAST]));
	assert_true(desk_libs_share(f->lib[L_WEST], f->lib[L_WEST]));
	assert_false(desk_libs_share(f->lib[L_NORTH], f->lib[L_WEST]));
	f->lib[L_EAST]->consortium_id = 0; /* no consortium is not one consortium */
	assert_false(desk_libs_share(f->lib[L_EAST], f->lib[L_WEST]));
	assert_false(desk_libs_share(f->lib[L_EAST], f->lib[L_NORTH]));
}

static void test_accept_at_capacity(void **state)
{
	struct fx *f = *state;
	struct chat *mine, *c, *out = NULL;
	struct desk_actor cy = staff_actor(f, CY);
	size_t n;

	duty(f, CY, +1);
	mine = held(f, CY); /* cy's one place is taken */
	c = offered(f, CY, "Braille books");
	n = c->n_msgs;
	assert_int_equal(accept(f, CY, c), DESK_AT_CAPACITY);
	assert_unchanged(f, c, n, 1);
	assert_ptr_equal(c->staff, f->s[ANN]);
	LOADS([ANN] = 1, [CY] = 1);
	assert_int_equal(desk_end(f->d, f->now, &cy, mine->id, &out, &f->ev), DESK_OK);
	assert_int_equal(accept(f, CY, c), DESK_OK);
	assert_ptr_equal(c->staff, f->s[CY]);
	LOADS([CY] = 1);
}

/* The teardown frees the desk with hand-offs pending and decided: nothing may leak (the
 * ASan build's leak checker runs this binary). */
static void test_free_pending(void **state)
{
	struct fx *f = *state;
	struct chat *a, *b, *c;

	duty(f, BOB, +1);
	a = held(f, ANN);
	b = held(f, ANN);
	c = held(f, ANN);
	assert_int_equal(offer(f, ANN, a, BOB, NULL, "pending, to bob"), DESK_OK);
	assert_int_equal(offer(f, ANN, b, -1, f->q[L_SOUTH], "pending, to south"), DESK_OK);
	assert_int_equal(offer(f, ANN, c, BOB, NULL, "decided"), DESK_OK);
	assert_int_equal(accept(f, BOB, c), DESK_OK);
	assert_int_equal(f->d->n_handing, 2);
	assert_non_null(c->handoff);
}

static void test_names(void **state)
{
	static const char *const kinds[] = {"staff", "queue", "patron"};
	static const char *const ends[] = {"offered", "accepted", "declined", "timed_out",
					   "cancelled"};

	for (int k = HANDOFF_STAFF; k <= HANDOFF_PATRON; k++)
		assert_string_equal(desk_handoff_kind_name(k), kinds[k]);
	for (int e = HANDOFF_PENDING; e <= HANDOFF_CANCELLED; e++)
		assert_string_equal(desk_handoff_end_name(e), ends[e]);
	/* out of range: the first of each */
	assert_string_equal(desk_handoff_kind_name((enum handoff_kind)9), "staff");
	assert_string_equal(desk_handoff_end_name((enum handoff_end)42), "offered");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
	T(test_offer_accept_colleague),
	T(test_queue_first_accept_wins),
	T(test_decline_with_reason),
	T(test_cancel_and_third_parties),
	T(test_timeouts),
	T(test_colleague_leaves),
	T(test_patron_ends_mid_handoff),
	T(test_sender_gone_handback),
	T(test_consortium_cover),
	T(test_someone_else),
	T(test_note_checked),
	T(test_offer_states),
	T(test_targets),
	T(test_accept_at_capacity),
	T(test_free_pending),
	cmocka_unit_test(test_names),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
