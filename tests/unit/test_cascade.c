/* test_cascade.c: unit tests for the consortium cascade (desk.h, "the consortium cascade"):
 * desk_cascade() and desk_tick() offering a queued chat nobody of its library picked to the
 * consortium's librarians on duty, who may then read it (desk_staff_reads) and pick it; what
 * holds the cascade back; what a covering librarian may do once the chat is theirs, ended or
 * handed back; and that the patron's memory stays with the home library. The desk has no
 * clock: each test moves `f->now` by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "desk/desk.h"

#define T0 1764000000000LL
#define CASCADE_MS 40000 /* every queue's, unless a test says otherwise */
#define WINDOW_MS 30000 /* the desk's default offer_window_ms */
#define QUESTION "Where are the parish registers for 1850?"

/* home and peer share consortium 5; solo has none; far is alone in consortium 9. Library
 * i has id i + 1 and one queue, id 10 * (i + 1). */
enum { HOME, PEER, SOLO, FAR, N_LIBS };
static const int64_t consortium_of[N_LIBS] = {5, 5, 0, 9};
static const char *const lib_slug[N_LIBS] = {"home", "peer", "solo", "far"};

/* Staff i has id 100 + i. On duty (a live console): hugo, pia, sal, fay. */
enum { HANA, HUGO, PIA, PAM, SAL, FAY, N_STAFF };
static const struct {
	int lib, on;
	const char *name;
} who[N_STAFF] = {
	[HANA] = {HOME, 0, "hana"}, [HUGO] = {HOME, 1, "hugo"}, [PIA] = {PEER, 1, "pia"},
	[PAM] = {PEER, 0, "pam"},   [SAL] = {SOLO, 1, "sal"},	[FAY] = {FAR, 1, "fay"},
};

struct fx {
	struct desk *d;
	int64_t now; /* the fake clock */
	struct library *lib[N_LIBS];
	struct queue *q[N_LIBS];
	struct staff *s[N_STAFF];
	struct patron *p; /* whose chat ask() made last */
	struct message *ev; /* the last pick's or end's event */
	int n_joins, n_abandoned;
};

static int setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof *f);

	assert_non_null(f);
	f->now = T0;
	f->d = desk_new(NULL);
	assert_non_null(f->d);
	for (int i = 0; i < N_LIBS; i++) {
		assert_non_null(f->lib[i] = desk_add_library(f->d, i + 1, lib_slug[i], "", ""));
		assert_non_null(f->q[i] = desk_add_queue(f->d, 10 * (i + 1), i + 1, "ref", "Ref"));
		f->lib[i]->consortium_id = consortium_of[i];
		f->q[i]->cascade_ms = CASCADE_MS;
	}
	for (int i = 0; i < N_STAFF; i++) {
		f->s[i] = desk_put_staff(f->d, 100 + i, who[i].lib + 1, who[i].name, who[i].name,
					 ACCESS_LIBRARIAN, 0);
		assert_non_null(f->s[i]);
		if (who[i].on)
			desk_staff_online(f->d, f->s[i], +1);
	}
	*state = f;
	return 0;
}

enum op { READ, PICK, END };

/* What staff member `i` gets doing op to c: DESK_OK or the desk's refusal. */
static int as(struct fx *f, int i, enum op op, const struct chat *c)
{
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = f->s[i]};
	struct chat *out = NULL;

	switch (op) {
	case READ: return desk_readable(f->d, &a, c->id, &out);
	case PICK: return desk_pick(f->d, f->now, f->s[i], c->id, &out, &f->ev);
	case END: return desk_end(f->d, f->now, &a, c->id, &out, &f->ev);
	}
	return DESK_BAD_STATE;
}

/* A new patron of library `lib`, online; remembered when `preferred` or `helper` names a
 * librarian (-1: none). */
static struct patron *patron(struct fx *f, int lib, int preferred, int helper)
{
	struct patron *p = desk_patron(f->d, desk_next_patron_id(f->d), lib + 1);
	int64_t helpers[1] = {helper >= 0 ? f->s[helper]->id : 0};

	assert_non_null(p);
	desk_patron_online(f->d, p, +1, f->now);
	if (preferred >= 0 || helper >= 0)
		desk_set_relation(f->d, f->now, p, 1, "Maya",
				  preferred >= 0 ? f->s[preferred]->id : 0, helpers, 1);
	return p;
}

/* Patron p (NULL: a new one) of library `lib` asks QUESTION in its queue, now. */
static struct chat *ask(struct fx *f, int lib, struct patron *p)
{
	struct chat *c = NULL;
	char cmid[24];
	int existing = -1;

	f->p = p ? p : patron(f, lib, -1, -1);
	snprintf(cmid, sizeof cmid, "join-%d", ++f->n_joins);
	assert_int_equal(desk_join(f->d, f->now, f->p, f->q[lib], cmid, QUESTION, strlen(QUESTION),
				   &c, &existing),
			 DESK_OK);
	assert_int_equal(c->state, CHAT_QUEUED);
	return c;
}

static void on_abandoned(void *ctx, struct chat *c, struct message *ev)
{
	((struct fx *)ctx)->n_abandoned++;
}

/* The clock moves to `ms` after c joined and the desk's tick runs (every patron here is
 * online: nothing is abandoned). */
static void tick(struct fx *f, const struct chat *c, int64_t ms)
{
	f->now = c->created_at + ms;
	desk_tick(f->d, f->now, on_abandoned, f);
	assert_int_equal(f->n_abandoned, 0);
}

/* A new patron's chat at home, cascaded by the tick at CASCADE_MS. */
static struct chat *cascaded(struct fx *f)
{
	struct chat *c = ask(f, HOME, NULL);

	tick(f, c, CASCADE_MS);
	assert_true(c->cascaded);
	return c;
}

/* Who may read c now: want[i] for staff i: 1 reads it; 0 (those not named) is told it
 * is not there, reading it or trying to pick it; 2, a librarian of its library while a
 * colleague holds it, may not read it and is told it was taken. */
static void assert_sees(struct fx *f, const struct chat *c, const int *want)
{
	for (int i = 0; i < N_STAFF; i++) {
		assert_int_equal(desk_staff_reads(f->s[i], c), want[i] == 1);
		assert_int_equal(as(f, i, READ, c), want[i] == 1   ? DESK_OK
						    : want[i] == 2 ? DESK_FORBIDDEN
								   : DESK_NOT_FOUND);
		if (want[i] != 1)
			assert_int_equal(as(f, i, PICK, c),
					 want[i] == 2 ? DESK_TAKEN : DESK_NOT_FOUND);
	}
}
#define SEES(c, ...) assert_sees(f, c, (const int[N_STAFF]){__VA_ARGS__})
#define HOME_ONLY [HANA] = 1, [HUGO] = 1

/* Which libraries' consoles were told their queue changed: want[i] for library i. */
static void assert_dirty(const struct fx *f, const int *want)
{
	for (int i = 0; i < N_LIBS; i++)
		assert_int_equal(f->lib[i]->queue_dirty, want[i]);
}
#define DIRTY(...) assert_dirty(f, (const int[N_LIBS]){__VA_ARGS__})

static void calm(struct fx *f)
{
	for (int i = 0; i < N_LIBS; i++)
		f->lib[i]->queue_dirty = 0;
}

/* c is active with staff member i, who picked it just now. */
static void assert_held_by(const struct fx *f, const struct chat *c, int i)
{
	assert_int_equal(c->state, CHAT_ACTIVE);
	assert_ptr_equal(c->staff, f->s[i]);
	assert_ptr_equal(c->lib, f->lib[HOME]); /* still the home library's chat */
	assert_ptr_equal(f->ev, c->msgs[c->n_msgs - 1]);
	assert_string_equal(f->ev->text, "joined");
	assert_int_equal(f->ev->author_id, f->s[i]->id);
	assert_int_equal(desk_position(c), 0);
}

/* The patron's helpers are exactly the staff listed, most recent first. */
static void assert_helpers(const struct fx *f, const struct patron *p, const int *want, size_t n)
{
	assert_int_equal(p->n_helpers, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p->helpers[i], f->s[want[i]]->id);
}
#define HELPERS(p, ...)                                                                            \
	assert_helpers(f, p, (const int[]){__VA_ARGS__}, sizeof((int[]){__VA_ARGS__}) / sizeof(int))

static int teardown(void **state)
{
	struct fx *f = *state;

	desk_free(f->d);
	test_free(f);
	return 0;
}

/* ---- the cascade ------------------------------------------------------------------ */

static void test_cascade_at_delay(void **state)
{
	struct fx *f = *state;
	struct chat *c = ask(f, HOME, NULL);
	struct desk_actor pia = {.kind = AUTHOR_STAFF, .staff = f->s[PIA]};

	SEES(c, HOME_ONLY);
	tick(f, c, CASCADE_MS - 1);
	assert_false(c->cascaded);
	SEES(c, HOME_ONLY);
	calm(f);
	tick(f, c, CASCADE_MS);
	assert_true(c->cascaded);
	DIRTY(1, 1, 0, 0); /* every console of the consortium hears, no other */
	/* pam has no console; sal's library has no consortium; fay's is another one */
	SEES(c, HOME_ONLY, [PIA] = 1);
	assert_int_equal(c->state, CHAT_QUEUED);
	assert_int_equal(desk_position(c), 1);

	f->now += 1500;
	assert_int_equal(as(f, PIA, PICK, c), DESK_OK);
	assert_held_by(f, c, PIA);
	assert_int_equal(f->s[PIA]->n_active, 1);
	assert_int_equal(f->s[HUGO]->n_active, 0);
	assert_true(desk_may_write(&pia, c));
	assert_int_equal(as(f, HUGO, PICK, c), DESK_TAKEN);
	/* theirs now: another librarian of pia's library coming on duty does not see it */
	desk_staff_online(f->d, f->s[PAM], +1);
	SEES(c, [HANA] = 2, [HUGO] = 2, [PIA] = 1);
}

static void test_cascade_once(void **state)
{
	struct fx *f = *state;
	struct chat *c = ask(f, HOME, NULL);

	f->now = c->created_at + CASCADE_MS - 1;
	assert_int_equal(desk_cascade(f->d, f->now, c), 0);
	assert_false(c->cascaded);
	calm(f);
	f->now++;
	assert_int_equal(desk_cascade(f->d, f->now, c), 1);
	assert_true(c->cascaded);
	DIRTY(1, 1, 0, 0);
	calm(f);
	assert_int_equal(desk_cascade(f->d, f->now + 1000, c), 0); /* only once */
	tick(f, c, 2 * CASCADE_MS);
	DIRTY(0, 0, 0, 0);
}

/* The home library's librarians may pick the chat before the delay and after it. */
static void test_home_picks_all_along(void **state)
{
	struct fx *f = *state;
	struct chat *early = ask(f, HOME, NULL), *late = ask(f, HOME, NULL);

	tick(f, early, 1000);
	assert_int_equal(as(f, HUGO, PICK, early), DESK_OK);
	assert_held_by(f, early, HUGO);
	tick(f, early, 10 * CASCADE_MS);
	assert_false(early->cascaded); /* picked: nothing to cascade */
	SEES(early, [HANA] = 2, [HUGO] = 1);
	assert_true(late->cascaded);
	assert_int_equal(as(f, HUGO, PICK, late), DESK_OK);
	assert_held_by(f, late, HUGO);
	assert_int_equal(f->s[HUGO]->n_active, 2);
	SEES(late, [HANA] = 2, [HUGO] = 1);
}

/* ---- no cascade ------------------------------------------------------------------- */

static void test_no_cascade_delay_zero(void **state)
{
	struct fx *f = *state;
	struct chat *c;

	f->q[HOME]->cascade_ms = 0;
	c = ask(f, HOME, NULL);
	tick(f, c, CASCADE_MS);
	tick(f, c, 100 * CASCADE_MS);
	assert_int_equal(desk_cascade(f->d, f->now, c), 0);
	assert_false(c->cascaded);
	SEES(c, HOME_ONLY);
}

static void test_no_cascade_without_consortium(void **state)
{
	struct fx *f = *state;
	struct chat *c = ask(f, SOLO, NULL);

	calm(f);
	tick(f, c, CASCADE_MS);
	assert_int_equal(desk_cascade(f->d, f->now + 1, c), 0);
	assert_false(c->cascaded);
	DIRTY(0, 0, 0, 0);
	SEES(c, [SAL] = 1);
	/* two libraries without a consortium share nothing: consortium 0 is no consortium */
	f->lib[FAR]->consortium_id = 0;
	assert_false(desk_libs_share(f->lib[SOLO], f->lib[FAR]));
	SEES(c, [SAL] = 1);
	assert_true(desk_libs_share(f->lib[SOLO], f->lib[SOLO]));
	assert_true(desk_libs_share(f->lib[HOME], f->lib[PEER]));
	assert_false(desk_libs_share(f->lib[HOME], f->lib[SOLO]));
	assert_false(desk_libs_share(f->lib[HOME], NULL));
}

/* Continuity routing holds the cascade until it is over: while the chat is offered to the
 * patron's preferred librarian (on duty), and while it waits for one who may come back
 * within the window (off duty, the chat open to the home library meanwhile). */
static void test_routing_holds_cascade(void **state)
{
	static const int preferred[] = {HUGO, HANA};
	struct fx *f = *state;

	f->q[HOME]->cascade_ms = 10000; /* due well inside the window */
	for (size_t i = 0; i < sizeof preferred / sizeof *preferred; i++) {
		struct chat *c = ask(f, HOME, patron(f, HOME, preferred[i], -1));

		assert_true(c->routing);
		assert_ptr_equal(c->offer, preferred[i] == HUGO ? f->s[HUGO] : NULL);
		tick(f, c, 10000);
		tick(f, c, WINDOW_MS - 1);
		assert_false(c->cascaded);
		SEES(c, HOME_ONLY);
		tick(f, c, WINDOW_MS);
		assert_false(c->routing);
		assert_null(c->offer);
		assert_true(c->cascaded);
		SEES(c, HOME_ONLY, [PIA] = 1);
	}
}

/* A patron who asked for a librarian waits for them: no cascade while they are on. */
static void test_asked_for_not_cascaded(void **state)
{
	struct fx *f = *state;
	struct chat *c = ask(f, HOME, NULL);
	struct desk_actor me = {.kind = AUTHOR_PATRON, .patron = f->p};

	assert_int_equal(desk_choose(f->d, f->now, &me, c->id, CHOOSE_STAFF, f->s[HUGO]->id),
			 DESK_OK);
	tick(f, c, CASCADE_MS);
	tick(f, c, 10 * CASCADE_MS);
	assert_false(c->cascaded);
	assert_ptr_equal(c->offer, f->s[HUGO]);
	assert_int_equal(c->offer_why, OFFER_ASKED);
	SEES(c, HOME_ONLY);
	/* the librarian asked for leaves: nobody is waited for any more */
	desk_staff_online(f->d, f->s[HUGO], -1);
	tick(f, c, 10 * CASCADE_MS + 1000);
	assert_true(c->cascaded);
	SEES(c, HOME_ONLY, [PIA] = 1);
}

/* ---- who covers ------------------------------------------------------------------- */

static void test_covering_needs_duty(void **state)
{
	struct fx *f = *state;
	struct chat *c = cascaded(f);

	assert_int_equal(desk_staff_set_away(f->d, f->s[PIA], 1, f->now), 1);
	SEES(c, HOME_ONLY);
	desk_staff_set_away(f->d, f->s[PIA], 0, f->now);
	desk_staff_online(f->d, f->s[PAM], +1);
	SEES(c, HOME_ONLY, [PIA] = 1, [PAM] = 1);
	desk_staff_online(f->d, f->s[PAM], -1); /* the console closed */
	f->s[PIA]->active = 0; /* deactivated */
	SEES(c, HOME_ONLY);
	f->s[PIA]->active = 1;
	/* once theirs, Away keeps it: they may still read it */
	assert_int_equal(as(f, PIA, PICK, c), DESK_OK);
	desk_staff_set_away(f->d, f->s[PIA], 1, f->now);
	SEES(c, [HANA] = 2, [HUGO] = 2, [PIA] = 1);
}

/* The covering librarian ends the chat: it is no longer theirs to read, and the patron's
 * memory stays with the home library. A home librarian who ends one becomes a helper. */
static void test_end_memory_stays_home(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron(f, HOME, -1, HANA); /* hana helped before; off duty now */
	struct chat *c = ask(f, HOME, p);

	tick(f, c, CASCADE_MS);
	assert_true(c->cascaded);
	assert_true(c->remembered);
	assert_int_equal(as(f, PIA, PICK, c), DESK_OK);
	f->now += 60000;
	assert_int_equal(as(f, PIA, END, c), DESK_OK);
	assert_int_equal(c->state, CHAT_ENDED);
	assert_string_equal(f->ev->text, "ended");
	assert_int_equal(f->s[PIA]->n_active, 0);
	SEES(c, HOME_ONLY);
	assert_int_equal(as(f, PIA, END, c), DESK_NOT_FOUND);
	HELPERS(p, HANA);

	c = ask(f, HOME, p);
	assert_int_equal(as(f, HUGO, PICK, c), DESK_OK);
	f->now += 60000;
	assert_int_equal(as(f, HUGO, END, c), DESK_OK);
	HELPERS(p, HUGO, HANA);
}

/* Handed back after the covering librarian's pick, the chat is queued again at the front,
 * still cascaded: the consortium may pick it again. */
static void test_handback_stays_cascaded(void **state)
{
	struct fx *f = *state;
	struct chat *c = cascaded(f), *next = ask(f, HOME, NULL);
	struct message *ev = NULL;

	assert_int_equal(as(f, PIA, PICK, c), DESK_OK);
	f->now += 5000;
	assert_int_equal(desk_handback(f->d, f->now, c, &ev), DESK_OK);
	assert_string_equal(ev->text, "handed_back");
	assert_int_equal(ev->author_id, f->s[PIA]->id);
	assert_int_equal(c->state, CHAT_QUEUED);
	assert_null(c->staff);
	assert_ptr_equal(c->handed_from, f->s[PIA]);
	assert_int_equal(f->s[PIA]->n_active, 0);
	assert_int_equal(desk_position(c), 1);
	assert_int_equal(desk_position(next), 2);
	assert_true(c->cascaded);
	desk_staff_online(f->d, f->s[PAM], +1);
	SEES(c, HOME_ONLY, [PIA] = 1, [PAM] = 1);
	tick(f, c, CASCADE_MS + 6000);
	assert_true(c->cascaded);
	assert_int_equal(as(f, PAM, PICK, c), DESK_OK);
	assert_held_by(f, c, PAM);
	assert_int_equal(f->s[PAM]->n_active, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const struct CMUnitTest tests[] = {
	T(test_cascade_at_delay),
	T(test_cascade_once),
	T(test_home_picks_all_along),
	T(test_no_cascade_delay_zero),
	T(test_no_cascade_without_consortium),
	T(test_routing_holds_cascade),
	T(test_asked_for_not_cascaded),
	T(test_covering_needs_duty),
	T(test_end_memory_stays_home),
	T(test_handback_stays_cascaded),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
