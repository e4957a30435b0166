/* writer.h: the group-commit writer thread.
 *
 * The loop thread submits writes and hands them over with writer_flush() once per loop
 * iteration; the writer thread takes everything queued (up to
 * `max_batch`), runs BEGIN IMMEDIATE, applies each write, COMMITs, and hands the batch
 * back. The loop then calls writer_drain(), which runs each write's `done` callback in
 * submission order and frees the writes. So the loop acknowledges or delivers only what
 * has committed. Writes commit in submission order.
 *
 * If a batch fails to commit it is retried (rollback, then the whole batch again) up to
 * 3 times with a short pause; if it still fails, each write completes with a negative rc
 * and the writer stays usable for later batches.
 */
#ifndef RAPPORT_WRITER_H
#define RAPPORT_WRITER_H

#include "store.h"

struct writer;

struct writer_stats {
	uint64_t batches; /* transactions committed */
	uint64_t writes; /* writes committed */
	uint64_t failed; /* writes completed with an error */
	uint64_t max_batch; /* largest batch seen */
	uint64_t commit_us_max; /* slowest commit (BEGIN..COMMIT) in microseconds */
	/* commit times: commit_hist[i] counts commits of [2^(i-1), 2^i) microseconds
	 * (commit_hist[0]: under 1 us); see writer_commit_quantile() */
	uint64_t commit_hist[32];
};

/* The commit time (microseconds, rounded up to a power of two) below which a share q
 * (0..1) of commits fell, from stats. 0 if there were none. */
uint64_t writer_commit_quantile(const struct writer_stats *st, double q);

/* Starts the writer thread on `conn` (the writer owns and closes it). `notify(ctx)` is
 * called from the writer thread after each batch completes; it must only wake the loop
 * (e.g. uv_async_send). max_batch 0 means 4096. Returns 0 or STORE_ERR (then the caller
 * still owns conn). Loop thread. */
int writer_start(const struct store_ops *ops, struct store_conn *conn, unsigned max_batch,
		 void (*notify)(void *ctx), void *ctx, struct writer **out);

/* Queues a write; takes ownership. It goes to the thread at the next writer_flush().
 * Never blocks. Loop thread. Returns 0; STORE_BADARG if the writer is stopping, or
 * STORE_FULL if max_pending writes are already waiting (writer_set_max): w's `done` then
 * still runs, with rc STORE_ERR or STORE_FULL, on the next drain, so the caller must not
 * free what `done` frees (w->arg). */
int writer_submit(struct writer *wr, struct store_write *w);

/* Queues a write the desk already owes the store: a change it has made in memory (after
 * the request that caused it passed writer_has_room, or from a timer such as a chat
 * abandoned). The bound does not apply: these writes are bounded by what the desk holds
 * (each chat changes state a bounded number of times), and refusing them would leave
 * memory ahead of the store. Refused only while stopping, as writer_submit. */
int writer_submit_owed(struct writer *wr, struct store_write *w);

/* The bound on writes submitted and not yet drained (0: the default). Loop thread. */
#define WRITER_PENDING_DEFAULT 65536
void writer_set_max(struct writer *wr, size_t max_pending);

/* Hands every write submitted since the last call to the thread (takes a mutex briefly).
 * Call it once per loop iteration, before the loop waits. Loop thread. */
void writer_flush(struct writer *wr);

/* Runs `done` for every completed write in order, then frees them. Returns the number
 * completed. Loop thread. */
size_t writer_drain(struct writer *wr);

/* Number of writes submitted but not yet drained. Loop thread. */
size_t writer_pending(const struct writer *wr);
/* 1 if n more writes would be taken now (not stopping, room under the bound): a caller
 * that changes live state before it submits asks first, so that a full queue refuses the
 * request and leaves memory and the store alike. Loop thread. */
int writer_has_room(const struct writer *wr, size_t n);

void writer_get_stats(struct writer *wr, struct writer_stats *out);

/* Finishes everything queued, commits it, runs the remaining callbacks (on the calling
 * thread, which must be the loop thread), stops the thread, closes the connection and
 * frees. NULL is fine. */
void writer_stop(struct writer *wr);

#endif
