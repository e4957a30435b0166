/* worker.h: a small pool of threads for work that must not run on the loop: reads from
 * the store (each thread has its own read-only connection) and CPU-heavy jobs such as
 * password hashing.
 *
 * A job's `run` runs on a worker thread with that thread's connection; its `done` then
 * runs on the loop thread from worker_drain(). The job struct is the caller's; embed it
 * in your own struct and recover it with a container-of cast.
 */
#ifndef RAPPORT_WORKER_H
#define RAPPORT_WORKER_H

#include "store.h"

struct worker_job;
typedef void (*worker_run_fn)(struct worker_job *job, const struct store_ops *ops,
			      struct store_conn *conn);
typedef void (*worker_done_fn)(struct worker_job *job);

struct worker_job {
	worker_run_fn run; /* worker thread */
	worker_done_fn done; /* loop thread; may free the job */
	struct worker_job *next; /* owned by the pool while queued */
};

struct worker_pool;

/* Starts `threads` threads (1..16), each opening its own read-only connection on `dir`
 * with `ops`. `notify(ctx)` is called from a worker thread when a job finished; it must
 * only wake the loop. Returns 0 or STORE_ERR. Loop thread. */
int worker_start(const struct store_ops *ops, const char *dir, unsigned threads,
		 void (*notify)(void *ctx), void *ctx, struct worker_pool **out);

/* Queues a job (run and done must be set). Never blocks on I/O. Loop thread. Returns 0;
 * STORE_FULL if max jobs are already outstanding (worker_set_max), STORE_BADARG if
 * stopping: then the job is not taken, its done never runs, and the caller answers and
 * frees (api_read does all of that). */
int worker_submit(struct worker_pool *p, struct worker_job *job);

/* The bound on jobs submitted and not yet drained (0: the default). Loop thread. */
#define WORKER_OUTSTANDING_DEFAULT 4096
void worker_set_max(struct worker_pool *p, size_t max);

/* Runs `done` for finished jobs. Returns how many. Loop thread. */
size_t worker_drain(struct worker_pool *p);

/* Waits for queued jobs to finish, runs their `done`, stops threads, closes
 * connections, frees. NULL is fine. Loop thread. */
void worker_stop(struct worker_pool *p);

#endif
