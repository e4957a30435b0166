/* wait.c: the wait estimator and the grew rule (see wait.h), and the desk's use of them
 * (desk_wait_*, see desk.h). */
#include "desk/wait.h"

#include <stdlib.h>
#include <string.h>

#include "desk/desk.h"

#define MIN_SAMPLES_CALIB 3 /* queued waits needed before we trust their calibration */
#define MIN_SAMPLES_TIGHT 5 /* handling times needed before the range narrows */
#define CALIB_MIN_PCT 50    /* calibration factor bounds, percent */
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

void wait_estimate(const struct wait_hist *h, int64_t now, const struct wait_staffing *st,
		   size_t ahead, struct wait_est *out)
{
	int64_t hand[WAIT_HIST_MAX], react[WAIT_HIST_MAX], need, sum = 0, mean, k;
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
	out->raw = need * mean / st->slots;
	if (out->raw < 1)
		out->raw = 1;
	k = calibration(&h->waits, now, r50);
	out->basis = WAIT_RECENT;
	out->ms = r50 + out->raw * k / 100;
	out->low_ms = r25 + need * pct(hand, nh, 25) / st->slots * k / 100;
	out->high_ms = r75 + need * pct(hand, nh, 75) / st->slots * k / 100;
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

int wait_grew(int64_t promised_ms, int64_t elapsed_ms, const struct wait_est *cur)
{
	int64_t total;

	if (promised_ms < 0 || cur->basis == WAIT_NONE || cur->ms < 0)
		return 0;
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

void desk_wait_staffing(const struct desk *d, const struct library *lib, struct wait_staffing *st)
{
	size_t i;

	memset(st, 0, sizeof *st);
	for (i = 0; i < d->n_staff; i++) {
		const struct staff *s = d->staff[i];
		int cap;

		if (s->lib != lib || !desk_staff_available(s))
			continue;
		cap = desk_max_chats(d, s);
		st->on_duty++;
		st->slots += cap;
		if (s->n_active < cap)
			st->free += cap - s->n_active;
	}
}

/* Chats of c's library queued before c: in each of the library's queues, those joined
 * earlier (waiting lists are in join order, and chat ids grow with joins), after the chats
 * handed back to its front (desk_handback), which all count as ahead. A handed-back chat
 * has only the handed-back chats before it in its own queue ahead of it. */
static size_t ahead_of(const struct desk *d, const struct chat *c)
{
	size_t i, n = 0;

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
		n += lo;
	}
	return n;
}

int desk_wait_refresh(struct desk *d, int64_t now, struct chat *c)
{
	struct wait_staffing st;
	struct wait_est e;
	int64_t elapsed = now - c->created_at;
	int tell;

	if (c->state != CHAT_QUEUED)
		return 0;
	desk_wait_staffing(d, c->lib, &st);
	wait_estimate(&c->lib->wait, now, &st, ahead_of(d, c), &e);
	c->wait_at = now;
	if (!c->wait_shown) { /* the first estimate: what we promise */
		c->wait = e;
		c->wait_shown = 1;
		c->wait_raw_join = e.raw;
		c->wait_first_ms = e.basis == WAIT_NONE ? -1 : e.ms;
		c->wait_promised_ms = c->wait_first_ms;
		c->wait_last_ms = c->wait_first_ms;
		return 1;
	}
	tell = wait_changed(&c->wait, &e);
	if (e.basis != WAIT_NONE && c->wait_promised_ms < 0) {
		c->wait_promised_ms = elapsed + e.ms; /* the first number we could give */
		tell = 1;
	} else if (wait_grew(c->wait_promised_ms, elapsed, &e)) {
		c->wait_promised_ms = elapsed + e.ms;
		c->wait_grew++;
		tell = 1;
	}
	if (tell) {
		c->wait = e;
		if (e.basis != WAIT_NONE)
			c->wait_last_ms = elapsed + e.ms;
	}
	return tell;
}
