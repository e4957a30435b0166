/* wait.c: the wait estimator and the grew rule (see wait.h), and the desk's use of them
 * (desk_wait_*, see desk.h). */
#include "desk/wait.h"

#include <stdlib.h>
#include <string.h>

#include "desk/desk.h"

#define MIN_SAMPLES_CALIB 3 /* queued waits needed before we trust their calibration */
#define MIN_SAMPLES_TIGHT 5 /* handling times needed before the range narrows */
#define CALIB_MIN_PCT 50 /* calibration factor bounds, percent */
#define CALIB_MAX_PCT 300

void wait_note(struct wait_ring *r, int64_t now, int64_t ms, int64_t raw)
{
	if (ms < 0)
		ms = 0;
	r->s[r->next].at = now;
	r->s[r->next].ms = ms;
	r->s[r->next].raw = raw;
	r->next = (r->next + 1) % WAIT_HIST_MAX;
	if (r->n < WAIT_HIST_MAX)
		r->n++;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of sorted v[0..n), nearest rank; n > 0. */
static int64_t pct(const int64_t *v, size_t n, int p)
{
	size_t i = (size_t)((n - 1) * (size_t)p + 50) / 100;

	return v[i < n ? i : n - 1];
}

/* Copies the ms of the ring's samples within the window (and matching `raw_sel`: -2 any,
 * 0 only raw == 0, 1 only raw > 0) into v, sorted. Returns how many. */
static size_t recent(const struct wait_ring *r, int64_t now, int raw_sel, int64_t *v)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		const struct wait_sample *s = &r->s[i];

		if (now - s->at > WAIT_WINDOW_MS || s->at > now)
			continue;
		if ((raw_sel == 0 && s->raw != 0) || (raw_sel == 1 && s->raw <= 0))
			continue;
		v[n++] = s->ms;
	}
	qsort(v, n, sizeof *v, cmp_i64);
	return n;
}

/* How much longer (or shorter) queued waits really were than the model's queue term, in
 * percent: the median of (wait - reaction) / raw over recent queued waits, clamped. 100
 * until there are enough of them. */
static int64_t calibration(const struct wait_ring *r, int64_t now, int64_t reaction)
{
	int64_t v[WAIT_HIST_MAX], k;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		const struct wait_sample *s = &r->s[i];
		int64_t q = s->ms - reaction;

		if (now - s->at > WAIT_WINDOW_MS || s->at > now || s->raw <= 0)
			continue;
		v[n++] = (q > 0 ? q : 0) * 100 / s->raw;
	}
	if (n < MIN_SAMPLES_CALIB)
		return 100;
	qsort(v, n, sizeof *v, cmp_i64);
	k = pct(v, n, 50);
	return k < CALIB_MIN_PCT ? CALIB_MIN_PCT : k > CALIB_MAX_PCT ? CALIB_MAX_PCT : k;
}

static void none(struct wait_est *out)
{
	out->basis = WAIT_NONE;
	out->ms = out->low_ms = out->high_ms = -1;
	out->raw = -1;
}

#define RESIDUAL_MIN_SAMPLES 3 /* handling times longer than a chat's age to trust their mean */
#define RESIDUAL_MIN_MS 1000

/* How much longer a chat that has run `age` ms will likely go on, from the sorted handling
 * times hand[0..n) (n > 0) and their suffix sums (suf[i] = hand[i] + ... + hand[n-1]): the
 * mean of (h - age) over the times h longer than age; half its age once fewer than
 * RESIDUAL_MIN_SAMPLES are longer (it outran what we have seen). */
static int64_t residual(const int64_t *hand, const int64_t *suf, size_t n, int64_t age)
{
	size_t lo = 0, hi = n, m;
	int64_t r = -1;

	if (age < 0)
		age = 0;
	while (lo < hi) { /* the first time longer than age */
		size_t mid = lo + (hi - lo) / 2;

		if (hand[mid] <= age)
			lo = mid + 1;
		else
			hi = mid;
	}
	m = n - lo;
	if (m)
		r = suf[lo] / (int64_t)m - age;
	if (m < RESIDUAL_MIN_SAMPLES && r < age / 2)
		r = age / 2;
	return r < RESIDUAL_MIN_MS ? RESIDUAL_MIN_MS : r;
}

/* ms until `need` places free up: the places taken free at 1/residual each (their ages
 * known, or a sample of them standing for all), the others at 1/mean; need / total rate. */
static int64_t queue_term(const int64_t *hand, size_t nh, int64_t mean,
			  const struct wait_staffing *st, int64_t need)
{
	int64_t suf[WAIT_HIST_MAX + 1];
	double rate, busy_rate = 0;
	int busy = st->busy < st->slots ? st->busy : st->slots, n_ages, i;
	size_t j;

	if (busy < 0)
		busy = 0;
	if (mean < RESIDUAL_MIN_MS)
		mean = RESIDUAL_MIN_MS;
	suf[nh] = 0;
	for (j = nh; j-- > 0;)
		suf[j] = suf[j + 1] + hand[j];
	n_ages = st->n_ages < WAIT_AGES_MAX ? st->n_ages : WAIT_AGES_MAX;
	if (busy && n_ages > 0) {
		for (i = 0; i < n_ages; i++)
			busy_rate += 1.0 / (double)residual(hand, suf, nh, st->ages[i]);
		busy_rate = busy_rate / n_ages * busy;
	} else {
		busy_rate = (double)busy / (double)mean;
	}
	rate = busy_rate + (double)(st->slots - busy) / (double)mean;
	return rate > 0 ? (int64_t)((double)need / rate) : -1;
}

void wait_estimate(const struct wait_hist *h, int64_t now, const struct wait_staffing *st,
		   size_t ahead, struct wait_est *out)
{
	int64_t hand[WAIT_HIST_MAX], react[WAIT_HIST_MAX], need, sum = 0, mean, k, flat, term;
	double stretch;
	int64_t r25 = 0, r50 = 0, r75 = 0;
	size_t nh, nr, i;

	none(out);
	if (st->on_duty <= 0 || st->slots <= 0)
		return; /* nobody to take it: no honest number */
	nr = recent(&h->waits, now, 0, react);
	if (nr) {
		r25 = pct(react, nr, 25);
		r50 = pct(react, nr, 50);
		r75 = pct(react, nr, 75);
	}
	need = (int64_t)ahead + 1 - (st->free > 0 ? st->free : 0);
	if (need <= 0) { /* a place is free now: only the librarian's pick is left */
		out->basis = WAIT_FREE;
		out->raw = 0;
		out->ms = r50;
		out->low_ms = r25;
		out->high_ms = nr ? r75 : 60000;
		return;
	}
	nh = recent(&h->handles, now, -2, hand);
	if (!nh)
		return; /* no handling time seen yet: we do not know how fast places free up */
	for (i = 0; i < nh; i++)
		sum += hand[i];
	mean = sum / (int64_t)nh; /* throughput follows the mean, not the median */
	flat = need * mean / st->slots; /* every place just started */
	term = queue_term(hand, nh, mean, st, need);
	out->raw = term > flat ? term : flat; /* long-running chats only slow places down */
	if (out->raw < 1)
		out->raw = 1;
	k = calibration(&h->waits, now, r50);
	out->basis = WAIT_RECENT;
	out->ms = r50 + out->raw * k / 100;
	/* the quartiles of H, stretched as the ages stretched the mean */
	stretch = flat > 0 ? (double)out->raw / (double)flat : 1.0;
	out->low_ms =
		r25 + (int64_t)((double)(need * pct(hand, nh, 25) / st->slots * k / 100) * stretch);
	out->high_ms =
		r75 + (int64_t)((double)(need * pct(hand, nh, 75) / st->slots * k / 100) * stretch);
	if (nh < MIN_SAMPLES_TIGHT) { /* few samples: say so with a wider range */
		if (out->low_ms > out->ms / 2)
			out->low_ms = out->ms / 2;
		if (out->high_ms < out->ms * 2)
			out->high_ms = out->ms * 2;
	}
	if (out->low_ms > out->ms)
		out->low_ms = out->ms;
	if (out->high_ms < out->ms)
		out->high_ms = out->ms;
}

static int64_t newest(const struct wait_ring *r)
{
	return r->n ? r->s[(r->next + WAIT_HIST_MAX - 1) % WAIT_HIST_MAX].at : -1;
}

int wait_moved_since(const struct wait_hist *h, int64_t since)
{
	return newest(&h->waits) > since || newest(&h->handles) > since;
}

void wait_hold(const struct wait_hist *h, int64_t now, struct wait_told *told, struct wait_est *e)
{
	int64_t floor = -1, since;

	if (e->basis != WAIT_RECENT || told->anchor_ms < 0 || told->anchor_at < 0 ||
	    wait_moved_since(h, told->anchor_at)) {
		/* places moved, one is free, or nothing to hold to: the model stands */
		told->anchor_at = now;
		told->anchor_ms = e->basis == WAIT_NONE ? -1 : e->ms;
		return;
	}
	if (told->at >= 0 && told->shown.basis != WAIT_NONE && told->shown.ms >= 0 &&
	    !wait_moved_since(h, told->at))
		floor = told->shown.ms - (now - told->at); /* what we said, counted down */
	since = now - told->anchor_at;
	if (since < told->anchor_ms) {
		if (told->anchor_ms - since > floor)
			floor = told->anchor_ms - since;
	} else if (since > floor) {
		floor = since; /* outran: as long again as it has gone since places last moved */
	}
	if (floor > e->ms) {
		int64_t up = floor - e->ms;

		e->ms = floor;
		e->high_ms += up;
		if (e->low_ms > e->ms)
			e->low_ms = e->ms;
	}
}

int64_t wait_bucket(const struct wait_est *e)
{
	int64_t m;

	if (e->basis == WAIT_NONE || e->ms < 0)
		return -1;
	if (e->ms < 60000)
		return 0;
	m = (e->ms + 30000) / 60000; /* rounded minutes */
	if (m <= 10)
		return m;
	if (m <= 60)
		return (m + 2) / 5 * 5;
	return (m + 7) / 15 * 15;
}

int wait_changed(const struct wait_est *shown, const struct wait_est *cur)
{
	return shown->basis != cur->basis || wait_bucket(shown) != wait_bucket(cur);
}

int wait_grew(int64_t promised_ms, int64_t elapsed_ms, const struct wait_est *shown,
	      const struct wait_est *cur)
{
	int64_t total;

	if (promised_ms < 0 || cur->basis == WAIT_NONE || cur->ms < 0)
		return 0;
	if (shown && wait_bucket(cur) <= wait_bucket(shown))
		return 0; /* it would not read larger than what they read last */
	total = (elapsed_ms > 0 ? elapsed_ms : 0) + cur->ms;
	return total * 100 > promised_ms * WAIT_GREW_RATIO_PCT &&
	       total - promised_ms > WAIT_GREW_MIN_MS;
}

int wait_accuracy(const int64_t *est, const int64_t *actual, size_t n, struct wait_accuracy *out)
{
	int64_t *err, sum = 0;
	size_t i;

	memset(out, 0, sizeof *out);
	out->median_abs_error_ms = -1;
	if (!n)
		return 0;
	err = malloc(n * sizeof *err);
	if (!err)
		return -1;
	for (i = 0; i < n; i++) {
		int64_t e = est[i] - actual[i], a = e < 0 ? -e : e;

		sum += e;
		err[i] = a;
		out->within_50pct += a * 2 <= actual[i];
		out->within_1min += a <= 60000;
	}
	qsort(err, n, sizeof *err, cmp_i64);
	out->chats = (int64_t)n;
	out->median_abs_error_ms = n % 2 ? err[n / 2] : (err[n / 2 - 1] + err[n / 2]) / 2;
	out->mean_error_ms = sum / (int64_t)n;
	free(err);
	return 0;
}

/* ---- the desk's use ----------------------------------------------------------------- */

int desk_wait_takes(const struct desk *d, const struct staff *s)
{
	(void)d;
	return desk_staff_available(s); /* on duty with a live console, not Away */
}

/* The staffing of lib (only: of that librarian alone), with the ages of the chats they
 * hold when `now` >= 0. */
static void staffing(const struct desk *d, const struct library *lib, const struct staff *only,
		     int64_t now, struct wait_staffing *st)
{
	size_t i;

	memset(st, 0, sizeof *st);
	for (i = 0; i < d->n_staff; i++) {
		const struct staff *s = d->staff[i];
		int cap;

		if (s->lib != lib || (only && s != only) || !desk_wait_takes(d, s))
			continue;
		cap = desk_max_chats(d, s);
		st->on_duty++;
		st->slots += cap;
		st->busy += s->n_active < cap ? s->n_active : cap;
		if (s->n_active < cap)
			st->free += cap - s->n_active;
	}
	if (now < 0 || !st->busy)
		return;
	if (!only) { /* the library's sample, a second old at most: estimates run per chat */
		struct library *cache =
			(struct library *)lib; /* a cache, not the library's state */
		int k;

		if (cache->wait_picks_at <= 0 || now < cache->wait_picks_at ||
		    now - cache->wait_picks_at >= WAIT_AGES_REFRESH_MS) {
			cache->n_wait_picks = 0;
			for (i = 0; i < d->chats.cap && cache->n_wait_picks < WAIT_AGES_MAX &&
				    cache->n_wait_picks < st->busy;
			     i++) {
				const struct chat *c = d->chats.vals[i];

				if (d->chats.keys[i] && c->lib == lib && c->state == CHAT_ACTIVE &&
				    c->staff && desk_wait_takes(d, c->staff) && c->picked_at > 0)
					cache->wait_picks[cache->n_wait_picks++] = c->picked_at;
			}
			cache->wait_picks_at = now;
		}
		for (k = 0; k < cache->n_wait_picks; k++)
			st->ages[st->n_ages++] = now - cache->wait_picks[k];
		return;
	}
	for (i = 0; i < d->chats.cap && st->n_ages < WAIT_AGES_MAX && st->n_ages < st->busy; i++) {
		const struct chat *c = d->chats.vals[i];

		if (d->chats.keys[i] && c->lib == lib && c->state == CHAT_ACTIVE &&
		    c->staff == only && c->picked_at > 0)
			st->ages[st->n_ages++] = now - c->picked_at;
	}
}

void desk_wait_staffing(const struct desk *d, const struct library *lib, struct wait_staffing *st)
{
	staffing(d, lib, NULL, -1, st);
}

/* Chats of c's library queued before c: in each of the library's queues, those joined
 * earlier (waiting lists are in join order, and chat ids grow with joins), after the chats
 * handed back to its front (desk_handback), which all count as ahead. A handed-back chat
 * has only the handed-back chats before it in its own queue ahead of it. With `for_s`,
 * only those that librarian could take (open to all, or offered to them). */
static size_t ahead_of(const struct desk *d, const struct chat *c, const struct staff *for_s)
{
	size_t i, j, n = 0;

	for (i = 0; i < d->n_queues; i++) {
		const struct queue *q = d->queues[i];
		size_t front = 0, lo, hi = q->n_waiting;

		if (q->lib != c->lib)
			continue;
		while (front < q->n_waiting && q->waiting[front]->handbacks > 0 &&
		       q->waiting[front] != c)
			front++;
		if (c->handbacks > 0) {
			n += q == c->queue ? front : 0;
			continue;
		}
		lo = front;
		while (lo < hi) { /* the first waiting chat after the front with an id >= c's */
			size_t mid = lo + (hi - lo) / 2;

			if (q->waiting[mid]->id < c->id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!for_s) {
			n += lo;
			continue;
		}
		for (j = 0; j < lo; j++)
			n += !q->waiting[j]->offer || q->waiting[j]->offer == for_s;
	}
	return n;
}

void desk_wait_new(const struct desk *d, int64_t now, const struct library *lib,
		   const struct staff *s, struct wait_est *e)
{
	struct wait_staffing st;
	size_t i, j, ahead = 0;

	staffing(d, lib, s, now, &st);
	for (i = 0; i < d->n_queues; i++) {
		const struct queue *q = d->queues[i];

		for (j = 0; q->lib == lib && j < q->n_waiting; j++)
			ahead += !s || !q->waiting[j]->offer || q->waiting[j]->offer == s;
	}
	wait_estimate(&lib->wait, now, &st, ahead, e);
}

void desk_wait_free(const struct desk *d, const struct library *lib, int *on, int *free_places)
{
	struct wait_staffing st;

	staffing(d, lib, NULL, -1, &st);
	*on = st.on_duty;
	*free_places = st.free;
}

int desk_wait_refresh(struct desk *d, int64_t now, struct chat *c)
{
	struct wait_staffing st;
	struct wait_est e;
	int64_t elapsed = now - c->created_at;
	int64_t scope = c->offer && !c->offer_until ? c->offer->id : 0;
	int tell, rescoped;

	if (c->state != CHAT_QUEUED)
		return 0;
	/* the patron chose whom to wait for: a new promise, not a wait that grew */
	rescoped = c->wait_shown && scope != c->wait_scope;
	c->wait_scope = scope;
	if (rescoped || !c->wait_shown)
		c->wait_told.anchor_at = c->wait_told.at = -1;
	/* offered to one librarian for as long as they are on: only their places count, and
	 * the patron is also told what the first available would likely be */
	c->wait_any_ms = -1;
	if (c->offer && !c->offer_until) {
		staffing(d, c->lib, NULL, now, &st);
		wait_estimate(&c->lib->wait, now, &st, ahead_of(d, c, NULL), &e);
		c->wait_any_ms = e.basis == WAIT_NONE ? -1 : e.ms;
	}
	staffing(d, c->lib, c->offer && !c->offer_until ? c->offer : NULL, now, &st);
	wait_estimate(&c->lib->wait, now, &st,
		      ahead_of(d, c, c->offer && !c->offer_until ? c->offer : NULL), &e);
	wait_hold(&c->lib->wait, now, &c->wait_told, &e); /* the first call sets the anchor */
	c->wait_at = now;
	if (!c->wait_shown) { /* the first estimate: what we promise */
		c->wait = e;
		c->wait_shown = 1;
		c->wait_told.at = now;
		c->wait_told.shown = e;
		c->wait_raw_join = e.raw;
		c->wait_first_ms = e.basis == WAIT_NONE ? -1 : e.ms;
		c->wait_promised_ms = c->wait_first_ms;
		c->wait_last_ms = c->wait_first_ms;
		return 1;
	}
	tell = wait_changed(&c->wait, &e);
	if (rescoped) {
		c->wait_promised_ms = e.basis == WAIT_NONE ? -1 : elapsed + e.ms;
		tell = 1;
	} else if (e.basis != WAIT_NONE && c->wait_promised_ms < 0) {
		c->wait_promised_ms = elapsed + e.ms; /* the first number we could give */
		tell = 1;
	} else if (wait_grew(c->wait_promised_ms, elapsed, &c->wait, &e)) {
		c->wait_promised_ms = elapsed + e.ms;
		c->wait_grew++;
		tell = 1;
	}
	if (tell) {
		c->wait = e;
		c->wait_told.at = now;
		c->wait_told.shown = e;
		if (e.basis != WAIT_NONE)
			c->wait_last_ms = elapsed + e.ms;
	}
	return tell;
}
