/* async.c: store reads on the workers and writes on the writer, for a call (async.h). */
#include <stdlib.h>

#include "api/api.h"
#include "api/async.h"

void *api_job_new(const struct call *k, size_t size, api_run_fn run, api_done_fn done)
{
	struct api_job *j = size >= sizeof *j ? calloc(1, size) : NULL;

	if (!j) {
		call_fail(k, API_NOMEM, NULL);
		return NULL;
	}
	j->call = *k;
	j->call.body = NULL; /* borrowed from the request: gone by completion */
	j->run = run;
	j->done = done;
	return j;
}

static void job_free(struct api_job *j)
{
	if (j->free_fn)
		j->free_fn(j);
	free(j);
}

static void read_run(struct worker_job *w, const struct store_ops *ops, struct store_conn *sc)
{
	struct api_job *j = (struct api_job *)w;

	j->run(j, ops, sc);
}

static void read_done(struct worker_job *w)
{
	struct api_job *j = (struct api_job *)w;

	call_find(&j->call);
	j->done(j, &j->call);
	job_free(j);
}

enum api_err api_read(struct api_job *j)
{
	struct call k = j->call;
	int rc;

	j->w.run = read_run;
	j->w.done = read_done;
	rc = worker_submit(g_app->workers, &j->w);
	if (rc == 0)
		return API_OK;
	call_find(&k);
	call_fail(&k, rc == STORE_FULL ? API_QUEUE_FULL : API_STOPPING, NULL);
	job_free(j);
	return rc == STORE_FULL ? API_QUEUE_FULL : API_STOPPING;
}

struct write_wrap {
	struct call call;
	api_write_done_fn done;
	void *arg;
};

static void write_done(struct store_write *w, int rc)
{
	struct write_wrap *x = w->arg;

	call_find(&x->call);
	x->done(&x->call, w, rc, x->arg);
	free(x);
}

enum api_err api_write(const struct call *k, struct store_write *w, api_write_done_fn done,
		       void *arg)
{
	struct write_wrap *x = calloc(1, sizeof *x);

	if (!x) {
		store_write_free(w);
		call_fail(k, API_NOMEM, NULL);
		return API_NOMEM;
	}
	x->call = *k;
	x->call.body = NULL;
	x->done = done;
	x->arg = arg;
	w->done = write_done;
	w->arg = x;
	writer_submit(g_app->writer, w); /* refused: done still runs, with its rc */
	return API_OK;
}

int api_submit(const struct call *k, struct worker_job *job, void (*free_fn)(void *job))
{
	int rc = worker_submit(g_app->workers, job);

	if (rc == 0)
		return 0;
	if (k)
		call_fail(k, rc == STORE_FULL ? API_QUEUE_FULL : API_STOPPING, NULL);
	if (free_fn)
		free_fn(job);
	else
		free(job);
	return -1;
}

int api_submit_http(struct http_conn *h, struct worker_job *job, void (*free_fn)(void *job))
{
	struct call k = call_http(h);

	return api_submit(&k, job, free_fn);
}

int api_submit_ws(struct ws_conn *c, const char *ref, struct worker_job *job,
		  void (*free_fn)(void *job))
{
	struct call k = call_ws(c, ref);

	return api_submit(&k, job, free_fn);
}
