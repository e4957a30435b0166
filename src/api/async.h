/* async.h: the one way a handler reads from or writes to the store off the loop.
 *
 * The helper owns the call (so the connection id), checks the submit result, and runs the
 * completion on the loop with the connection looked up again: if it has closed meanwhile,
 * the completion still runs (to free what it owns) but every answer it makes is dropped.
 * A refused submit (queue full, stopping) is answered here with the spine's `busy` error
 * and the job is freed: no leak, no request left unanswered. */
#ifndef RAPPORT_API_ASYNC_H
#define RAPPORT_API_ASYNC_H

#include "api/call.h"
#include "store/store.h"
#include "store/worker.h"

struct api_job;
typedef void (*api_run_fn)(struct api_job *j, const struct store_ops *ops, struct store_conn *sc);
/* Loop thread: k is the call, its connection looked up again (call_open may be 0). */
typedef void (*api_done_fn)(struct api_job *j, struct call *k);
/* Frees what the job owns besides itself (NULL: nothing). */
typedef void (*api_free_fn)(struct api_job *j);

/* Embed first in your job struct; recover yours with a cast. */
struct api_job {
	struct worker_job w; /* the helper's */
	struct call call;
	int rc; /* the run's result, a store_err; the completion maps it (call_fail_store) */
	api_run_fn run;
	api_done_fn done;
	api_free_fn free_fn;
};

/* Allocates a zeroed job of `size` bytes (>= sizeof(struct api_job)) for call k. On out
 * of memory answers k with `busy` and returns NULL. */
void *api_job_new(const struct call *k, size_t size, api_run_fn run, api_done_fn done);
/* Submits j to the workers; it owns j from here on (frees it after done, with free_fn).
 * Refused: answers the call `busy`, frees j and returns the api_err; else API_OK. */
enum api_err api_read(struct api_job *j);

/* A write for call k: w is queued to the writer (the helper owns w and arg from here);
 * when it has committed or failed, done(k, w, rc, arg) runs on the loop with the
 * connection looked up again. A refused submit also ends in done, with rc STORE_FULL or
 * STORE_ERR, so done is the one place that answers. Returns API_OK or API_NOMEM (then
 * nothing was queued, the call was answered `busy`, and w was freed; arg is the
 * caller's). */
typedef void (*api_write_done_fn)(struct call *k, struct store_write *w, int rc, void *arg);
enum api_err api_write(const struct call *k, struct store_write *w, api_write_done_fn done,
		       void *arg);

/* Submits a worker job whose struct embeds `job` first, for the request of call k (NULL:
 * work of the server's own, nobody to answer). 0 if queued. Refused (queue full,
 * stopping): answers k `busy`, frees the job with free_fn (NULL: free()) and returns -1.
 * Every worker_submit of src/api and src/app goes through here or api_read. */
int api_submit(const struct call *k, struct worker_job *job, void (*free_fn)(void *job));
int api_submit_http(struct http_conn *h, struct worker_job *job, void (*free_fn)(void *job));
int api_submit_ws(struct ws_conn *c, const char *ref, struct worker_job *job,
		  void (*free_fn)(void *job));

#endif
