/* writer.c: the group-commit writer thread (see writer.h).
 *
 * Writes submitted during a loop iteration wait in a list of the loop's own, and
 * writer_flush() hands them over together once per iteration. Two lists under one mutex:
 * `queue` (handed over, not yet taken by the thread) and `done` (batches that committed or
 * failed, not yet drained by the loop). The thread takes up to max_batch writes at a time,
 * so everything that arrived while the previous commit was waiting for fsync goes into the
 * next transaction together. After each commit the thread yields, so that on a core it
 * shares with a busy loop the next batch is the loop's whole iteration, not the handful
 * that arrived during fsync (measured: 27 writes a commit and 2,600 commits/s at 55k
 * messages/s before, about 1,400 writes a commit after; docs/DECISIONS.md).
 *
 * A batch either commits whole or fails whole. When a write is refused for a reason that
 * retrying cannot fix (duplicate key, bad argument, missing row), the batch fails at once:
 * that write completes with its own rc, the others in the batch with STORE_ERR (never with
 * the culprit's STORE_EXISTS, which a caller could mistake for "already stored"). Only
 * STORE_ERR (busy, I/O) is retried.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"
#include "writer.h"

#define TAG "writer"
#define DEFAULT_MAX_BATCH 4096
#define RETRIES 3 /* after the first attempt */
#define STOP_ROUNDS 16 /* follow-up writes from callbacks accepted during stop */

struct wr_batch {
	struct wr_batch *next;
	struct store_write *head; /* linked by store_write.next, in submission order */
	struct store_write *culprit; /* the write that failed the batch, if one did */
	int rc; /* 0, or the rc of every write but the culprit */
	int culprit_rc;
	uint64_t commit_us;
};

struct writer {
	const struct store_ops *ops;
	struct store_conn *conn;
	unsigned max_batch;
	void (*notify)(void *ctx);
	void *ctx;
	pthread_t thread;

	pthread_mutex_t mu;
	pthread_cond_t work; /* queue became non-empty, or stopping */
	pthread_cond_t idle; /* a batch completed */
	struct store_write *q_head, *q_tail;
	struct wr_batch *d_head, *d_tail;
	int busy; /* the thread holds a batch */
	int stopping; /* written by the loop thread under mu */
	struct writer_stats stats;

	/* loop thread only */
	size_t pending;
	size_t max_pending; /* the bound on pending (writer_set_max) */
	struct store_write *l_head, *l_tail; /* submitted, not yet handed over */
	struct store_write *rej_head, *rej_tail; /* refused (stopping, or full) */
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#define IDLE_AFTER_MS 250L /* no work for this long: a quiet spell */

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* One transaction for the whole batch; see the top of the file for failures. */
static void run_batch(struct writer *wr, struct wr_batch *b)
{
	const struct store_ops *ops = wr->ops;
	struct store_write *culprit = NULL;
	int rc = STORE_OK;

	for (int attempt = 0; attempt <= RETRIES; attempt++) {
		uint64_t t0 = mono_us();

		culprit = NULL;
		rc = ops->begin(wr->conn);
		for (struct store_write *w = b->head; rc == STORE_OK && w; w = w->next) {
			if (w->kind == STW_BARRIER)
				continue;
			rc = ops->apply(wr->conn, w);
			if (rc != STORE_OK)
				culprit = w;
		}
		if (rc == STORE_OK)
			rc = ops->commit(wr->conn);
		if (rc == STORE_OK) {
			b->commit_us = mono_us() - t0;
			b->rc = STORE_OK;
			return;
		}
		ops->rollback(wr->conn);
		if (rc != STORE_ERR || attempt == RETRIES)
			break;
		log_warn(TAG, "batch failed (%s), retrying", store_strerror(rc));
		sleep_ms(10 + 20 * attempt); /* 10, 30, 50 ms */
	}
	log_error(TAG, "batch failed: %s", store_strerror(rc));
	b->rc = STORE_ERR;
	b->culprit = culprit;
	b->culprit_rc = rc;
}

/* Moves up to max_batch writes from the queue into b. Called with mu held. */
static uint64_t take_batch(struct writer *wr, struct wr_batch *b)
{
	struct store_write *last = wr->q_head;
	uint64_t n = 1;

	while (last->next && n < wr->max_batch) {
		last = last->next;
		n++;
	}
	b->head = wr->q_head;
	wr->q_head = last->next;
	if (!wr->q_head)
		wr->q_tail = NULL;
	last->next = NULL;
	return n;
}

static void finish_batch(struct writer *wr, struct wr_batch *b, uint64_t n)
{
	pthread_mutex_lock(&wr->mu);
	if (wr->d_tail)
		wr->d_tail->next = b;
	else
		wr->d_head = b;
	wr->d_tail = b;
	if (b->rc == STORE_OK) {
		wr->stats.batches++;
		wr->stats.writes += n;
		if (n > wr->stats.max_batch)
			wr->stats.max_batch = n;
		if (b->commit_us > wr->stats.commit_us_max)
			wr->stats.commit_us_max = b->commit_us;
		{
			unsigned bucket = 0;

			while (bucket < 31 && (b->commit_us >> bucket))
				bucket++;
			wr->stats.commit_hist[bucket]++;
		}
	} else {
		wr->stats.failed += n;
	}
	wr->busy = 0;
	pthread_cond_broadcast(&wr->idle);
	pthread_mutex_unlock(&wr->mu);
	if (wr->notify)
		wr->notify(wr->ctx);
}

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	struct wr_batch *spare = NULL;
	int idled = 0;

	for (;;) {
		uint64_t n;

		if (!spare && !(spare = calloc(1, sizeof *spare))) {
			log_error(TAG, "out of memory, waiting");
			sleep_ms(10);
			continue;
		}
		pthread_mutex_lock(&wr->mu);
		while (!wr->q_head && !wr->stopping) {
			if (!idled) {
				/* housekeeping (a WAL checkpoint) only in a real quiet spell: an
				 * empty queue between two batches under load is not one, and a
				 * checkpoint there would delay the next commit */
				struct timespec until;

				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_nsec += IDLE_AFTER_MS * 1000000L;
				if (until.tv_nsec >= 1000000000L) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000L;
				}
				if (pthread_cond_timedwait(&wr->work, &wr->mu, &until) == 0 ||
				    wr->q_head || wr->stopping)
					continue;
				pthread_mutex_unlock(&wr->mu);
				wr->ops->idle(wr->conn);
				idled = 1;
				pthread_mutex_lock(&wr->mu);
				continue;
			}
			pthread_cond_wait(&wr->work, &wr->mu);
		}
		if (!wr->q_head) { /* stopping, and everything is written */
			pthread_mutex_unlock(&wr->mu);
			break;
		}
		n = take_batch(wr, spare);
		wr->busy = 1;
		pthread_mutex_unlock(&wr->mu);

		idled = 0;
		run_batch(wr, spare);
		finish_batch(wr, spare, n);
		spare = NULL;
		/* Let the loop run before taking the next batch. On a core of its own this
		 * returns at once; on a core shared with a busy loop it lets the loop finish its
		 * iteration (acks of this batch, the next writes), so the next commit takes an
		 * iteration's worth, not the handful that arrived during fsync. */
		sched_yield();
	}
	free(spare);
	return NULL;
}

/* Starts the writer thread on `conn`. On success the writer owns conn and closes it in
 * writer_stop(); on failure (STORE_BADARG, STORE_ERR) the caller still owns it. Loop
 * thread. */
int writer_start(const struct store_ops *ops, struct store_conn *conn, unsigned max_batch,
		 void (*notify)(void *ctx), void *ctx, struct writer **out)
{
	struct writer *wr;
	sigset_t all, old;
	int rc;

	if (!out)
		return STORE_BADARG;
	*out = NULL;
	if (!ops || !conn)
		return STORE_BADARG;
	wr = calloc(1, sizeof *wr);
	if (!wr)
		return STORE_ERR;
	wr->ops = ops;
	wr->conn = conn;
	wr->max_batch = max_batch ? max_batch : DEFAULT_MAX_BATCH;
	wr->max_pending = WRITER_PENDING_DEFAULT;
	wr->notify = notify;
	wr->ctx = ctx;
	pthread_mutex_init(&wr->mu, NULL);
	pthread_cond_init(&wr->work, NULL);
	pthread_cond_init(&wr->idle, NULL);
	/* signals are the loop's business: the thread starts with all of them blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&wr->thread, NULL, writer_main, wr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_error(TAG, "pthread_create failed (%d)", rc);
		pthread_cond_destroy(&wr->idle);
		pthread_cond_destroy(&wr->work);
		pthread_mutex_destroy(&wr->mu);
		free(wr);
		return STORE_ERR;
	}
	pthread_setname_np(wr->thread, "rapport-writer");
	*out = wr;
	return STORE_OK;
}

/* Queues a write (takes ownership) until the next writer_flush(). Never waits for I/O.
 * Loop thread. Refused (stopping, or `bounded` and full): w completes with its rc on the
 * next drain. */
static int enqueue(struct writer *wr, struct store_write *w, int bounded)
{
	if (!w)
		return STORE_BADARG;
	if (!wr) {
		store_write_free(w);
		return STORE_BADARG;
	}
	w->next = NULL;
	if (wr->stopping || (bounded && wr->pending >= wr->max_pending)) {
		w->refused = wr->stopping ? STORE_ERR : STORE_FULL;
		wr->pending++;
		if (wr->rej_tail)
			wr->rej_tail->next = w;
		else
			wr->rej_head = w;
		wr->rej_tail = w;
		return wr->stopping ? STORE_BADARG : STORE_FULL;
	}
	wr->pending++;
	if (wr->l_tail)
		wr->l_tail->next = w;
	else
		wr->l_head = w;
	wr->l_tail = w;
	return STORE_OK;
}

int writer_submit(struct writer *wr, struct store_write *w)
{
	return enqueue(wr, w, 1);
}

int writer_submit_owed(struct writer *wr, struct store_write *w)
{
	return enqueue(wr, w, 0);
}

/* Hands the writes submitted since the last flush to the thread. Loop thread. */
void writer_flush(struct writer *wr)
{
	if (!wr || !wr->l_head)
		return;
	pthread_mutex_lock(&wr->mu);
	/* the thread waits only when the queue is empty, so only then can it be asleep */
	if (!wr->q_head)
		pthread_cond_signal(&wr->work);
	if (wr->q_tail)
		wr->q_tail->next = wr->l_head;
	else
		wr->q_head = wr->l_head;
	wr->q_tail = wr->l_tail;
	pthread_mutex_unlock(&wr->mu);
	wr->l_head = wr->l_tail = NULL;
}

static void complete(struct store_write *w, int rc)
{
	w->next = NULL;
	if (w->done)
		w->done(w, rc);
	store_write_free(w);
}

/* Runs `done` for every completed write in submission order, then frees the writes.
 * Returns how many completed. Loop thread; `done` must not call writer_drain(). */
size_t writer_drain(struct writer *wr)
{
	struct wr_batch *b;
	size_t n = 0;

	if (!wr)
		return 0;
	pthread_mutex_lock(&wr->mu);
	b = wr->d_head;
	wr->d_head = wr->d_tail = NULL;
	pthread_mutex_unlock(&wr->mu);
	while (b) {
		struct wr_batch *next_b = b->next;

		for (struct store_write *w = b->head, *next; w; w = next) {
			next = w->next;
			complete(w, w == b->culprit ? b->culprit_rc : b->rc);
			n++;
		}
		free(b);
		b = next_b;
	}
	/* submitted after everything above, so they complete after it */
	while (wr->rej_head) {
		struct store_write *w = wr->rej_head;

		wr->rej_head = w->next;
		if (!wr->rej_head)
			wr->rej_tail = NULL;
		complete(w, w->refused);
		n++;
	}
	wr->pending -= n;
	return n;
}

void writer_set_max(struct writer *wr, size_t max_pending)
{
	if (wr)
		wr->max_pending = max_pending ? max_pending : WRITER_PENDING_DEFAULT;
}

/* Writes submitted and not yet drained. Loop thread. */
size_t writer_pending(const struct writer *wr)
{
	return wr ? wr->pending : 0;
}

int writer_has_room(const struct writer *wr, size_t n)
{
	/* an empty queue takes any one request, even one of more writes than the bound */
	return wr && !wr->stopping && (wr->pending == 0 || wr->pending + n <= wr->max_pending);
}

/* Copies the counters (zeroes if wr is NULL). Any thread. */
void writer_get_stats(struct writer *wr, struct writer_stats *out)
{
	if (!wr) {
		*out = (struct writer_stats){0};
		return;
	}
	pthread_mutex_lock(&wr->mu);
	*out = wr->stats;
	pthread_mutex_unlock(&wr->mu);
}

/* Waits until the thread has nothing queued or in hand. */
static void wait_settled(struct writer *wr)
{
	pthread_mutex_lock(&wr->mu);
	while (wr->q_head || wr->busy)
		pthread_cond_wait(&wr->idle, &wr->mu);
	pthread_mutex_unlock(&wr->mu);
}

/* Commits everything queued and runs the callbacks. Writes that callbacks submit while
 * this runs are committed too, for a bounded number of rounds; after that they are
 * refused (STORE_ERR). Then stops the thread, closes the connection and frees. NULL is
 * fine. Loop thread. */
void writer_stop(struct writer *wr)
{
	if (!wr)
		return;
	for (int round = 0; round < STOP_ROUNDS && wr->pending > 0; round++) {
		writer_flush(wr);
		wait_settled(wr);
		writer_drain(wr);
	}
	writer_flush(wr); /* the last round's follow-ups still commit */
	pthread_mutex_lock(&wr->mu);
	wr->stopping = 1;
	pthread_cond_signal(&wr->work);
	pthread_mutex_unlock(&wr->mu);
	pthread_join(wr->thread, NULL);
	while (writer_drain(wr) > 0)
		;
	wr->ops->close(wr->conn);
	pthread_cond_destroy(&wr->idle);
	pthread_cond_destroy(&wr->work);
	pthread_mutex_destroy(&wr->mu);
	free(wr);
}

uint64_t writer_commit_quantile(const struct writer_stats *st, double q)
{
	uint64_t total = 0, seen = 0;
	unsigned i;

	for (i = 0; i < 32; i++)
		total += st->commit_hist[i];
	if (!total)
		return 0;
	for (i = 0; i < 32; i++) {
		seen += st->commit_hist[i];
		if ((double)seen >= q * (double)total)
			return i ? (uint64_t)1 << i : 1;
	}
	return st->commit_us_max;
}
