/* test_wait.c: unit tests for src/desk/wait.c (the wait estimator and the grew rule) with a
 * fake clock and synthetic histories, and for the desk's use of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "desk/desk.h"
#include "desk/wait.h"

#define T0 1763800000000LL
#define SEC 1000LL
#define MIN (60 * SEC)

/* n handling times of `ms` each, noted a second apart ending at `now`. */
static void handles(struct wait_hist *h, int64_t now, int n, int64_t ms)
{
	for (int i = 0; i < n; i++)
		wait_note(&h->handles, now - (n - i) * SEC, ms, 0);
}

static void test_cold_start(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing busy = {.on_duty = 2, .slots = 6, .free = 0};
	struct wait_staffing room = {.on_duty = 2, .slots = 6, .free = 2};
	struct wait_est e;

	/* nothing seen yet and every place taken: no number, rather than an invented one */
	wait_estimate(&h, T0, &busy, 2, &e);
	assert_int_equal(e.basis, WAIT_NONE);
	assert_int_equal(e.ms, -1);
	assert_int_equal(wait_bucket(&e), -1);
	/* a place is free: the wait is the pick, with a wide range until we have seen picks */
	wait_estimate(&h, T0, &room, 1, &e);
	assert_int_equal(e.basis, WAIT_FREE);
	assert_int_equal(e.ms, 0);
	assert_int_equal(e.high_ms, 60000);
	assert_int_equal(wait_bucket(&e), 0);
	/* two ahead, two free: this one still needs a place to free up */
	wait_estimate(&h, T0, &room, 2, &e);
	assert_int_equal(e.basis, WAIT_NONE);
}

static void test_no_librarians(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing nobody = {0};
	struct wait_est e;

	handles(&h, T0, 20, 5 * MIN);
	wait_estimate(&h, T0, &nobody, 0, &e);
	assert_int_equal(e.basis, WAIT_NONE);
	assert_int_equal(e.raw, -1);
}

static void test_steady_state(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing st = {.on_duty = 2, .slots = 6, .free = 0};
	struct wait_est e;

	handles(&h, T0, 20, 6 * MIN);
	/* first in line, every place taken: one of six places frees in 6/6 = 1 minute */
	wait_estimate(&h, T0, &st, 0, &e);
	assert_int_equal(e.basis, WAIT_RECENT);
	assert_int_equal(e.ms, 1 * MIN);
	/* sixth in line: six places must free up */
	wait_estimate(&h, T0, &st, 5, &e);
	assert_int_equal(e.ms, 6 * MIN);
	assert_int_equal(e.low_ms, 6 * MIN); /* all handling times equal: a narrow range */
	assert_int_equal(e.high_ms, 6 * MIN);
	assert_int_equal(wait_bucket(&e), 6);
	/* with two places free the same chat waits for four */
	st.free = 2;
	wait_estimate(&h, T0, &st, 5, &e);
	assert_int_equal(e.ms, 4 * MIN);
}

static void test_range_and_few_samples(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing st = {.on_duty = 1, .slots = 1, .free = 0};
	struct wait_est e;

	/* two samples only: the range is at least half to double */
	handles(&h, T0, 1, 2 * MIN);
	handles(&h, T0, 1, 4 * MIN);
	wait_estimate(&h, T0, &st, 0, &e);
	assert_int_equal(e.ms, 3 * MIN);
	assert_true(e.low_ms <= 90 * SEC);
	assert_true(e.high_ms >= 6 * MIN);
	/* many varied samples: the range follows the quartiles */
	for (int i = 0; i < 40; i++)
		wait_note(&h.handles, T0 - i * SEC, (2 + i % 5) * MIN, 0); /* 2..6 min */
	wait_estimate(&h, T0, &st, 0, &e);
	assert_true(e.low_ms < e.ms && e.ms < e.high_ms);
	assert_true(e.low_ms >= 2 * MIN && e.high_ms <= 6 * MIN);
}

static void test_burst_and_capacity(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing st = {.on_duty = 3, .slots = 9, .free = 0};
	struct wait_est one, many;

	handles(&h, T0, 30, 9 * MIN);
	/* a burst: twenty ahead, everyone at capacity; each place frees every 9 minutes */
	wait_estimate(&h, T0, &st, 0, &one);
	wait_estimate(&h, T0, &st, 20, &many);
	assert_int_equal(one.ms, 1 * MIN);
	assert_int_equal(many.ms, 21 * MIN);
	assert_int_equal(wait_bucket(&many), 20);
	/* a fourth librarian comes on: the same queue moves faster */
	st.on_duty = 4;
	st.slots = 12;
	st.free = 3;
	wait_estimate(&h, T0, &st, 20, &many);
	assert_int_equal(many.ms, 18 * 9 * MIN / 12);
}

static void test_calibration_and_reaction(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing st = {.on_duty = 1, .slots = 2, .free = 0};
	struct wait_est e;

	handles(&h, T0, 10, 4 * MIN);
	/* picks with a free place took 30 s (the librarian's reaction) */
	for (int i = 0; i < 5; i++)
		wait_note(&h.waits, T0 - i * SEC, 30 * SEC, 0);
	/* queued chats really waited twice the model's term (plus the reaction) */
	for (int i = 0; i < 5; i++)
		wait_note(&h.waits, T0 - i * SEC, 30 * SEC + 2 * 2 * MIN, 2 * MIN);
	wait_estimate(&h, T0, &st, 0, &e); /* raw: 1 x 4 min / 2 = 2 min */
	assert_int_equal(e.raw, 2 * MIN);
	assert_int_equal(e.ms, 30 * SEC + 4 * MIN);
	/* a free place: the reaction alone */
	st.free = 1;
	wait_estimate(&h, T0, &st, 0, &e);
	assert_int_equal(e.basis, WAIT_FREE);
	assert_int_equal(e.ms, 30 * SEC);
	/* absurd history is clamped to at most 3x */
	for (int i = 0; i < 10; i++)
		wait_note(&h.waits, T0 - i * SEC, 30 * SEC + 100 * MIN, 1 * MIN);
	st.free = 0;
	wait_estimate(&h, T0, &st, 0, &e);
	assert_int_equal(e.ms, 30 * SEC + 3 * 2 * MIN);
}

static void test_window(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing st = {.on_duty = 1, .slots = 1, .free = 0};
	struct wait_est e;

	handles(&h, T0, 10, 10 * MIN);
	/* three hours later, those are too old to say anything */
	wait_estimate(&h, T0 + 3 * 60 * MIN, &st, 0, &e);
	assert_int_equal(e.basis, WAIT_NONE);
	/* the ring keeps only the latest WAIT_HIST_MAX */
	for (int i = 0; i < WAIT_HIST_MAX; i++)
		wait_note(&h.handles, T0 + i, 2 * MIN, 0);
	wait_estimate(&h, T0 + WAIT_HIST_MAX, &st, 0, &e);
	assert_int_equal(e.ms, 2 * MIN);
}

static void test_grew(void **state)
{
	struct wait_est cur = {.basis = WAIT_RECENT, .ms = 5 * MIN};

	/* told 3 minutes; 2 minutes in, 5 more: 7 > 4.5 and 4 minutes longer */
	assert_true(wait_grew(3 * MIN, 2 * MIN, NULL, &cur));
	/* told 3; 4 in total is not 1.5x */
	cur.ms = 2 * MIN;
	assert_false(wait_grew(3 * MIN, 2 * MIN, NULL, &cur));
	/* told 20 s; 50 s is 2.5x but less than a minute longer */
	cur.ms = 30 * SEC;
	assert_false(wait_grew(20 * SEC, 20 * SEC, NULL, &cur));
	/* ... 90 s is */
	cur.ms = 70 * SEC;
	assert_true(wait_grew(20 * SEC, 20 * SEC, NULL, &cur));
	/* no promise, or no estimate now: nothing to apologise for */
	assert_false(wait_grew(-1, 10 * MIN, NULL, &cur));
	cur.basis = WAIT_NONE;
	cur.ms = -1;
	assert_false(wait_grew(1 * MIN, 10 * MIN, NULL, &cur));
}

static void test_ages_rise(void **state)
{
	struct wait_hist h = {0};
	struct wait_staffing st = {.on_duty = 2, .slots = 4, .free = 0, .busy = 4, .n_ages = 4};
	struct wait_est fresh, e;
	int64_t last = 0;

	handles(&h, T0, 20, 2 * MIN);
	/* ages unknown: the flat model, one of four places every 2/4 minutes */
	st.n_ages = 0;
	wait_estimate(&h, T0, &st, 0, &fresh);
	assert_int_equal(fresh.ms, 30 * SEC);
	/* every chat has run past every handling time seen, and keeps going: the estimate
	 * rises with them instead of promising the same half minute for ever */
	st.n_ages = 4;
	for (int64_t age = 3 * MIN; age <= 30 * MIN; age += 3 * MIN) {
		for (int i = 0; i < 4; i++)
			st.ages[i] = age + i * SEC;
		wait_estimate(&h, T0, &st, 0, &e);
		assert_int_equal(e.basis, WAIT_RECENT);
		assert_true(e.ms > last);
		assert_true(e.ms >= fresh.ms);
		assert_true(e.high_ms >= e.ms && e.low_ms <= e.ms);
		last = e.ms;
	}
	/* half an hour in: a place likely frees in about 30/2/4 minutes */
	assert_true(last >= 3 * MIN);
	/* the queue position still counts: third in line waits longer */
	wait_estimate(&h, T0, &st, 2, &fresh);
	assert_true(fresh.ms > last);
}

static void test_hold(void **state)
{
	struct wait_hist h = {0};
	struct wait_told told = {.at = -1, .anchor_at = -1, .anchor_ms = -1};
	struct wait_est e = {
		.basis = WAIT_RECENT, .ms = 3 * MIN, .low_ms = 2 * MIN, .high_ms = 4 * MIN};

	handles(&h, T0 - 10 * MIN, 5, 2 * MIN);
	/* the first estimate: nothing to hold to, it anchors */
	wait_hold(&h, T0, &told, &e);
	assert_int_equal(e.ms, 3 * MIN);
	assert_int_equal(told.anchor_ms, 3 * MIN);
	told.at = T0;
	told.shown = e;
	/* a minute on, the model says 20 s: nobody moved, so it reads 3 - 1 = 2 minutes */
	e.ms = 20 * SEC;
	wait_hold(&h, T0 + 1 * MIN, &told, &e);
	assert_int_equal(e.ms, 2 * MIN);
	assert_true(e.high_ms >= e.ms);
	/* four minutes on, the three we said have run out: it rises with the time since */
	e.ms = 20 * SEC;
	wait_hold(&h, T0 + 4 * MIN, &told, &e);
	assert_int_equal(e.ms, 4 * MIN);
	e.ms = 20 * SEC;
	wait_hold(&h, T0 + 9 * MIN, &told, &e);
	assert_int_equal(e.ms, 9 * MIN);
	/* a higher model stands */
	e.ms = 20 * MIN;
	wait_hold(&h, T0 + 9 * MIN, &told, &e);
	assert_int_equal(e.ms, 20 * MIN);
	/* a librarian ends a chat: places moved, the model stands and anchors anew */
	wait_note(&h.handles, T0 + 10 * MIN, 5 * MIN, 0);
	e.ms = 40 * SEC;
	wait_hold(&h, T0 + 10 * MIN + SEC, &told, &e);
	assert_int_equal(e.ms, 40 * SEC);
	assert_int_equal(told.anchor_at, T0 + 10 * MIN + SEC);
	/* a free place: no holding either */
	e.basis = WAIT_FREE;
	e.ms = 10 * SEC;
	wait_hold(&h, T0 + 20 * MIN, &told, &e);
	assert_int_equal(e.ms, 10 * SEC);
}

/* Whatever the model says from one moment to the next, while nothing moves what is told
 * never falls faster than time passes, and once the wait outran the anchor it only rises. */
static void test_hold_any_model(void **state)
{
	struct wait_hist h = {0};
	struct wait_told told = {.at = -1, .anchor_at = -1, .anchor_ms = -1};
	struct wait_est e;
	uint32_t x = 2463534242u;
	int64_t now = T0, prev_ms = -1, prev_at = 0;

	handles(&h, T0 - 30 * MIN, 5, 2 * MIN);
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		e = (struct wait_est){.basis = WAIT_RECENT,
				      .ms = (int64_t)(x % (5 * MIN)),
				      .low_ms = 0,
				      .high_ms = 5 * MIN};
		wait_hold(&h, now, &told, &e);
		assert_true(e.low_ms <= e.ms && e.ms <= e.high_ms);
		if (prev_ms >= 0)
			assert_true(e.ms >= prev_ms - (now - prev_at));
		if (now - told.anchor_at >= told.anchor_ms)
			assert_true(e.ms >= now - told.anchor_at);
		if (x % 4 == 0) { /* told this time */
			told.at = now;
			told.shown = e;
			prev_ms = e.ms;
			prev_at = now;
		}
		now += 3 * SEC;
	}
	assert_int_equal(told.anchor_at, T0); /* nothing moved all along */
}

static void test_grew_larger(void **state)
{
	struct wait_est shown = {.basis = WAIT_RECENT, .ms = 20 * SEC};
	struct wait_est cur = {.basis = WAIT_RECENT, .ms = 30 * SEC};

	/* told 20 s, 6 minutes in: far past, but "under a minute" again is no news */
	assert_false(wait_grew(20 * SEC, 6 * MIN, &shown, &cur));
	cur.ms = 8 * MIN;
	assert_true(wait_grew(20 * SEC, 6 * MIN, &shown, &cur));
	/* shown 8, still reads 8: not again */
	shown.ms = 8 * MIN;
	assert_false(wait_grew(20 * SEC, 7 * MIN, &shown, &cur));
}

static void test_buckets(void **state)
{
	struct wait_est a = {.basis = WAIT_RECENT, .ms = 20 * SEC}, b = a;

	assert_int_equal(wait_bucket(&a), 0);
	b.ms = 50 * SEC;
	assert_false(wait_changed(&a, &b)); /* both "under a minute" */
	b.ms = 3 * MIN + 10 * SEC;
	assert_int_equal(wait_bucket(&b), 3);
	assert_true(wait_changed(&a, &b));
	b.ms = 23 * MIN;
	assert_int_equal(wait_bucket(&b), 25);
	b.ms = 95 * MIN;
	assert_int_equal(wait_bucket(&b), 90);
	b = a;
	b.basis = WAIT_FREE;
	assert_true(wait_changed(&a, &b));
}

static void test_accuracy(void **state)
{
	int64_t est[] = {60 * SEC, 120 * SEC, 300 * SEC, 0};
	int64_t act[] = {80 * SEC, 60 * SEC, 310 * SEC, 5 * SEC};
	struct wait_accuracy a;

	assert_int_equal(wait_accuracy(est, act, 4, &a), 0);
	assert_int_equal(a.chats, 4);
	/* errors 20, 60, 10, 5 s: median (10 + 20) / 2 */
	assert_int_equal(a.median_abs_error_ms, 15 * SEC);
	assert_int_equal(a.within_50pct, 2); /* 20/80 and 10/310 */
	assert_int_equal(a.within_1min, 4);
	assert_int_equal(a.mean_error_ms, (-20 + 60 - 10 - 5) * SEC / 4);
	assert_int_equal(wait_accuracy(est, act, 0, &a), 0);
	assert_int_equal(a.median_abs_error_ms, -1);
}

/* ---- the desk ---------------------------------------------------------------------- */

struct fx {
	struct desk *d;
	int64_t now;
	struct queue *q;
	struct staff *ann, *bob;
};

static int setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof *f);

	f->now = T0;
	f->d = desk_new(NULL);
	assert_non_null(desk_add_library(f->d, 1, "north", "North", ""));
	f->q = desk_add_queue(f->d, 10, 1, "ref", "Reference");
	f->ann = desk_put_staff(f->d, 100, 1, "ann@x", "Ann", 0, 2);
	f->bob = desk_put_staff(f->d, 101, 1, "bob@x", "Bob", 0, 2);
	assert_non_null(f->q);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	desk_free(f->d);
	test_free(f);
	return 0;
}

static struct chat *join(struct fx *f, int64_t patron)
{
	struct patron *p = desk_patron(f->d, patron, 1);
	struct chat *c;
	char cmid[32];
	int existing;

	snprintf(cmid, sizeof cmid, "j%lld", (long long)patron);
	desk_patron_online(f->d, p, 1, f->now);
	assert_int_equal(desk_join(f->d, f->now, p, f->q, cmid, "help", 4, &c, &existing), 0);
	return c;
}

static void pick(struct fx *f, struct staff *s, struct chat *c)
{
	struct chat *out;
	struct message *ev;

	assert_int_equal(desk_pick(f->d, f->now, s, c->id, &out, &ev), 0);
}

static void end(struct fx *f, struct chat *c)
{
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = c->staff};
	struct chat *out;
	struct message *ev;

	assert_int_equal(desk_end(f->d, f->now, &a, c->id, &out, &ev), 0);
}

static void test_desk_flow(void **state)
{
	struct fx *f = *state;
	struct wait_staffing st;
	struct chat *c[8];
	int i;

	/* nobody on: the first estimate is "none", and stays the promise of nothing */
	c[0] = join(f, 1);
	assert_int_equal(c[0]->wait.basis, WAIT_NONE);
	assert_int_equal(c[0]->wait_first_ms, -1);
	desk_staff_online(f->d, f->ann, 1);
	desk_staff_online(f->d, f->bob, 1);
	desk_wait_staffing(f->d, f->q->lib, &st);
	assert_int_equal(st.on_duty, 2);
	assert_int_equal(st.slots, 4);
	assert_int_equal(st.free, 4);
	/* Ann is free: the estimate turns into "any moment" and the patron is told */
	assert_int_equal(desk_wait_refresh(f->d, f->now, c[0]), 1);
	assert_int_equal(c[0]->wait.basis, WAIT_FREE);
	f->now += 10 * SEC;
	pick(f, f->ann, c[0]);
	/* fill all four places, with handling times of 4 minutes seen */
	for (i = 1; i < 4; i++) {
		c[i] = join(f, 1 + i);
		pick(f, i < 2 ? f->ann : f->bob, c[i]);
	}
	for (i = 0; i < 4; i++) {
		f->now += 1 * MIN;
		end(f, c[i]);
		c[i] = join(f, 10 + i);
		pick(f, c[i]->lib == f->q->lib && f->ann->n_active < 2 ? f->ann : f->bob, c[i]);
	}
	assert_int_equal(f->q->lib->wait.handles.n, 4);
	/* everyone busy; two join: 1 x (mean handling) / 4 places, then 2x */
	c[4] = join(f, 20);
	c[5] = join(f, 21);
	assert_int_equal(c[4]->wait.basis, WAIT_RECENT);
	assert_true(c[5]->wait.ms > c[4]->wait.ms);
	assert_int_equal(c[5]->wait_first_ms, c[5]->wait.ms);
	/* nothing frees for a long time: the total expected grows past what we said */
	f->now += c[5]->wait_first_ms * 2 + 2 * MIN;
	assert_int_equal(desk_wait_refresh(f->d, f->now, c[5]), 1);
	assert_int_equal(c[5]->wait_grew, 1);
	assert_true(c[5]->wait_promised_ms > c[5]->wait_first_ms);
	/* asked again at once: nothing new to say */
	assert_int_equal(desk_wait_refresh(f->d, f->now, c[5]), 0);
	assert_int_equal(c[5]->wait_grew, 1);
	/* a pick notes the wait with the model's term at join */
	end(f, c[0]);
	pick(f, c[0]->staff, c[4]);
	assert_int_equal(f->q->lib->wait.waits.n, 9);
}

/* A chat handed back goes to the front of the queue: it has nobody ahead of it, and the
 * chats already waiting have it ahead of them, whatever the ids say. */
static void test_handed_back_ahead(void **state)
{
	struct fx *f = *state;
	struct chat *a[4], *q1, *q2, *late;
	struct message *ev;
	int i;

	desk_staff_online(f->d, f->ann, 1);
	desk_staff_online(f->d, f->bob, 1);
	for (i = 0; i < 4; i++) { /* handling times seen: four chats of four minutes */
		a[i] = join(f, 1 + i);
		pick(f, i < 2 ? f->ann : f->bob, a[i]);
	}
	f->now += 4 * MIN;
	for (i = 0; i < 4; i++)
		end(f, a[i]);
	a[0] = join(f, 10);
	pick(f, f->ann, a[0]);
	a[1] = join(f, 11);
	pick(f, f->ann, a[1]);
	a[2] = join(f, 12);
	pick(f, f->bob, a[2]);
	q1 = join(f, 20);
	q2 = join(f, 21);
	late = join(f, 22); /* joined after q1 and q2, picked before them */
	pick(f, f->bob, late);
	/* Bob's console is gone and his newest chat is handed back */
	desk_staff_online(f->d, f->bob, -1);
	assert_int_equal(desk_handback(f->d, f->now, late, &ev), 0);
	assert_int_equal(desk_position(late), 1);
	f->now += 5 * SEC;
	desk_wait_refresh(f->d, f->now, late);
	desk_wait_refresh(f->d, f->now, q1);
	desk_wait_refresh(f->d, f->now, q2);
	assert_int_equal(late->wait.basis, WAIT_RECENT);
	assert_int_equal(q1->wait.basis, WAIT_RECENT);
	assert_true(late->wait.ms < q1->wait.ms);
	assert_true(q1->wait.ms < q2->wait.ms);
}

/* The case seen in a browser: both librarians at their cap for many minutes after short
 * chats. What the patron reads never drops below what they were told minus the time since,
 * rises while nobody frees, and each "grew" names a bigger number than the one before. */
static void test_desk_all_full(void **state)
{
	struct fx *f = *state;
	struct chat *c[4], *w;
	int64_t told_ms, told_at, first, grew_seen = 0, last_bucket;
	int i, tells = 0;

	desk_staff_online(f->d, f->ann, 1);
	desk_staff_online(f->d, f->bob, 1);
	for (i = 0; i < 8; i++) { /* eight 40-second chats seen */
		c[0] = join(f, 50 + i);
		pick(f, f->ann, c[0]);
		f->now += 40 * SEC;
		end(f, c[0]);
	}
	for (i = 0; i < 4; i++) { /* every place taken */
		c[i] = join(f, 60 + i);
		pick(f, i < 2 ? f->ann : f->bob, c[i]);
	}
	w = join(f, 70);
	assert_int_equal(w->wait.basis, WAIT_RECENT);
	first = w->wait.ms;
	told_ms = w->wait.ms;
	told_at = f->now;
	last_bucket = wait_bucket(&w->wait);
	for (i = 0; i < 400; i++) { /* 20 minutes, every 3 s; nobody frees */
		f->now += 3 * SEC;
		if (!desk_wait_refresh(f->d, f->now, w))
			continue;
		tells++;
		assert_true(w->wait.ms >= told_ms - (f->now - told_at));
		if (w->wait_grew > grew_seen) {
			assert_true(wait_bucket(&w->wait) > last_bucket);
			assert_true(w->wait.ms >= 60 * SEC); /* never "under a minute" */
			grew_seen = w->wait_grew;
		}
		told_ms = w->wait.ms;
		told_at = f->now;
		last_bucket = wait_bucket(&w->wait);
	}
	assert_true(tells > 0);
	assert_true(grew_seen >= 1);
	assert_true(w->wait.ms > first);
	assert_true(w->wait.ms >= 10 * MIN); /* 20 minutes of nobody freeing */
	/* Ann ends one: places moved, the estimate may fall again */
	end(f, c[0]);
	f->now += 3 * SEC;
	desk_wait_refresh(f->d, f->now, w);
	assert_int_equal(w->wait.basis, WAIT_FREE);
}

/* Asking for a librarian at their cap: the estimate counts only their places, the wait for
 * the first available stays beside it, and "busy" numbers come from the same model. */
static void test_desk_asked_busy(void **state)
{
	struct fx *f = *state;
	struct desk_actor pa;
	struct chat *c[3], *w;
	struct wait_est e;
	int on, free_places;

	desk_staff_online(f->d, f->ann, 1);
	desk_staff_online(f->d, f->bob, 1);
	for (int i = 0; i < 6; i++) { /* six 3-minute chats seen */
		c[0] = join(f, 30 + i);
		pick(f, f->ann, c[0]);
		f->now += 3 * MIN;
		end(f, c[0]);
	}
	c[1] = join(f, 40);
	pick(f, f->ann, c[1]);
	c[2] = join(f, 41);
	pick(f, f->ann, c[2]); /* Ann full, Bob free */
	desk_wait_free(f->d, f->q->lib, &on, &free_places);
	assert_int_equal(on, 2);
	assert_int_equal(free_places, 2);
	desk_wait_new(f->d, f->now, f->q->lib, f->ann, &e);
	assert_int_equal(e.basis, WAIT_RECENT); /* asking Ann: one of her two places must free */
	assert_true(e.ms >= 1 * MIN);
	desk_wait_new(f->d, f->now, f->q->lib, NULL, &e);
	assert_int_equal(e.basis, WAIT_FREE); /* anyone: Bob has room */
	w = join(f, 42);
	pa = (struct desk_actor){.kind = AUTHOR_PATRON, .patron = w->patron};
	assert_int_equal(desk_choose(f->d, f->now, &pa, w->id, CHOOSE_STAFF, f->ann->id), 0);
	desk_wait_refresh(f->d, f->now + 3 * SEC, w);
	assert_ptr_equal(w->offer, f->ann);
	assert_int_equal(w->offer_until, 0);
	assert_int_equal(w->wait.basis, WAIT_RECENT);
	assert_true(w->wait.ms >= 1 * MIN);
	assert_true(w->wait_any_ms >= 0 && w->wait_any_ms < w->wait.ms);
	/* the patron's choice made a new promise: not "it's taking longer than we said" */
	assert_int_equal(w->wait_grew, 0);
	assert_int_equal(w->wait_promised_ms, 3 * SEC + w->wait.ms);
	/* first available after all: open to everyone, and the estimate is Bob's free place */
	assert_int_equal(desk_choose(f->d, f->now, &pa, w->id, CHOOSE_FIRST, 0), 0);
	desk_wait_refresh(f->d, f->now + 6 * SEC, w);
	assert_int_equal(w->wait.basis, WAIT_FREE);
	assert_int_equal(w->wait_any_ms, -1);
	assert_int_equal(w->wait_grew, 0);
	/* Bob fills up too: "all busy" */
	pick(f, f->bob, w);
	c[0] = join(f, 43);
	pick(f, f->bob, c[0]);
	desk_wait_free(f->d, f->q->lib, &on, &free_places);
	assert_int_equal(free_places, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cold_start),
		cmocka_unit_test(test_no_librarians),
		cmocka_unit_test(test_steady_state),
		cmocka_unit_test(test_range_and_few_samples),
		cmocka_unit_test(test_burst_and_capacity),
		cmocka_unit_test(test_calibration_and_reaction),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_grew),
		cmocka_unit_test(test_ages_rise),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_hold_any_model),
		cmocka_unit_test(test_grew_larger),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_accuracy),
		cmocka_unit_test_setup_teardown(test_desk_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handed_back_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desk_all_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_desk_asked_busy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
