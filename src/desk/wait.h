/* wait.h: honest waits. Estimates how long a queued chat will wait from what happened
 * recently (waits from join to pick, handling times from pick to end), who is on duty with
 * how many free places, and how many chats are ahead; decides when an estimate changed
 * enough to tell the patron again, and when it grew so far past what we said that we owe
 * them an apology. Pure: no clock (every call takes `now`, ms since the epoch), no I/O, no
 * threads (the desk's loop thread). The model is described in docs/DECISIONS.md ("Honest
 * waits: the estimator").
 */
#ifndef RAPPORT_WAIT_H
#define RAPPORT_WAIT_H

#include <stddef.h>
#include <stdint.h>

#define WAIT_HIST_MAX 64 /* samples kept per kind and library */
#define WAIT_WINDOW_MS (2LL * 60 * 60 * 1000) /* samples older than this are ignored */
#define WAIT_GREW_RATIO_PCT 150 /* "grew": more than 1.5x what we said ... */
#define WAIT_GREW_MIN_MS 60000 /* ... and more than a minute longer */

/* One observation. raw: for a wait, the queue term the model had for the chat when it
 * joined (0: a place was free at once; > 0: ms; -1: no estimate then); unused for
 * handling times. */
struct wait_sample {
	int64_t at, ms, raw;
};

struct wait_ring {
	struct wait_sample s[WAIT_HIST_MAX];
	size_t n, next;
};

/* Recent history of one library (its librarians serve all its queues). */
struct wait_hist {
	struct wait_ring waits; /* join -> pick, noted at the pick */
	struct wait_ring handles; /* pick -> end, noted at the end */
};

#define WAIT_AGES_MAX 32 /* ages of busy places kept per estimate (a sample beyond that) */
#define WAIT_AGES_REFRESH_MS 1000 /* the desk re-samples a library's busy places this often */

/* Who can take chats now. */
struct wait_staffing {
	int on_duty; /* librarians taking chats (desk_wait_takes) */
	int slots; /* the sum of their caps */
	int free; /* places free now (slots minus chats they hold, never negative) */
	/* the places taken: how long their chats have been going (ms since the pick), of up
	 * to WAIT_AGES_MAX of them. busy 0: every place counts as just started. */
	int busy;
	int n_ages;
	int64_t ages[WAIT_AGES_MAX];
};

enum wait_basis {
	WAIT_NONE, /* no estimate: nobody on duty, or no handling times seen yet */
	WAIT_FREE, /* a place is free now: the wait is how long a librarian takes to pick */
	WAIT_RECENT, /* from recent handling times and waits */
};

/* An estimate of the remaining wait. ms, low_ms, high_ms are -1 with WAIT_NONE. */
struct wait_est {
	enum wait_basis basis;
	int64_t ms, low_ms, high_ms;
	int64_t raw; /* the model's queue term (for calibration later), -1 if none */
};

/* Notes an observation at `now` (oldest samples are overwritten). */
void wait_note(struct wait_ring *r, int64_t now, int64_t ms, int64_t raw);

/* Estimates the remaining wait of a chat with `ahead` chats of its library queued before
 * it. Each busy place frees after the mean residual of the recent handling times longer
 * than its chat has already run (half its age once it outran them: a chat that has gone
 * long is likely to go on), so the estimate rises while every place stays taken. Always
 * fills *out. */
void wait_estimate(const struct wait_hist *h, int64_t now, const struct wait_staffing *st,
		   size_t ahead, struct wait_est *out);

/* The bucket a patron reads an estimate in: 0 "under a minute", then minutes (1-10),
 * 5-minute steps to an hour, 15-minute steps after; -1 for no estimate. Two estimates in
 * the same bucket read the same, so a change within a bucket is not worth a frame. */
int64_t wait_bucket(const struct wait_est *e);
/* Whether `cur` reads differently from `shown` (basis or bucket). */
int wait_changed(const struct wait_est *shown, const struct wait_est *cur);

/* What the patron was told, against which a new estimate is held (wait_hold). */
struct wait_told {
	int64_t at; /* when `shown` was sent, -1: nothing told yet */
	struct wait_est shown;
	int64_t anchor_at; /* when places last moved for this chat (or the first estimate) */
	int64_t anchor_ms; /* the remaining wait estimated then, -1: none */
};

/* Whether the library's places moved (a librarian picked a chat or ended one) after `since`. */
int wait_moved_since(const struct wait_hist *h, int64_t since);

/* The one rule every estimate a patron sees obeys (welcome, queue moves, timers). While
 * nothing moved (no pick, no end, no place free; wait_moved_since) since what was told:
 * - never less than what was told minus the time since (the told->shown.ms counted down);
 * - once the wait outran the estimate made when places last moved (anchor_ms), at least
 *   the time since then: a wait that keeps going with nobody free rises, minute by minute.
 * When something moved, the model's estimate stands and becomes the new anchor. Adjusts *e
 * (ms and its range) and told's anchor; needs `now`. */
void wait_hold(const struct wait_hist *h, int64_t now, struct wait_told *told, struct wait_est *e);

/* Whether to tell the patron the wait grew: the total now expected (elapsed + cur->ms)
 * exceeds promised_ms by more than WAIT_GREW_RATIO_PCT percent and by more than
 * WAIT_GREW_MIN_MS, and cur reads larger than `shown`, the estimate they read last (so the
 * notice always names a bigger number). Never without an estimate now or a promise (< 0). */
int wait_grew(int64_t promised_ms, int64_t elapsed_ms, const struct wait_est *shown,
	      const struct wait_est *cur);

/* Accuracy of estimates against actual waits. An estimate is "within 50%" when
 * |estimate - actual| <= actual / 2. */
struct wait_accuracy {
	int64_t chats;
	int64_t median_abs_error_ms; /* -1 with no chats */
	int64_t mean_error_ms; /* signed: > 0 means we said too much */
	int64_t within_50pct; /* chats */
	int64_t within_1min; /* chats with |error| <= 60 s */
};
/* Computes it over n pairs (est[i], actual[i]). Returns 0, or -1 on out of memory. */
int wait_accuracy(const int64_t *est, const int64_t *actual, size_t n, struct wait_accuracy *out);

#endif
