/* worker.c: a pool of threads with read-only store connections (see worker.h).
 *
 * One mutex guards two FIFO lists: `queue` (submitted jobs) and `done` (finished jobs
 * waiting for worker_drain). Each thread opens its connection when it starts; worker_start
 * waits until every thread has opened one (or one failed) so that a missing database
 * shows up at start-up rather than on the first job.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "worker.h"

#define TAG "worker"
#define MAX_THREADS 16

struct worker_pool {
	const struct store_ops *ops;
	char *dir;
	void (*notify)(void *ctx);
	void *ctx;

	pthread_mutex_t mu;
	pthread_cond_t work; /* queue became non-empty, or stopping */
	pthread_cond_t state; /* a thread opened its connection (or failed), or a job finished */
	struct worker_job *q_head, *q_tail;
	struct worker_job *d_head, *d_tail;
	unsigned opened, failed;
	int stopping;

	unsigned nthreads; /* threads created */
	pthread_t tid[MAX_THREADS];
	size_t outstanding; /* loop thread only: submitted, not yet drained */
	size_t max_outstanding; /* loop thread only: the bound on outstanding */
};

static struct worker_job *pop(struct worker_job **head, struct worker_job **tail)
{
	struct worker_job *j = *head;

	*head = j->next;
	if (!*head)
		*tail = NULL;
	j->next = NULL;
	return j;
}

static void push(struct worker_job **head, struct worker_job **tail, struct worker_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void *worker_main(void *arg)
{
	struct worker_pool *p = arg;
	struct store_conn *conn = NULL;
	int rc = p->ops->open(p->dir, STORE_DURABILITY_FULL, 1, &conn);

	pthread_mutex_lock(&p->mu);
	if (rc != STORE_OK) {
		p->failed++;
		pthread_cond_broadcast(&p->state);
		pthread_mutex_unlock(&p->mu);
		log_error(TAG, "cannot open a read connection: %s", store_strerror(rc));
		return NULL;
	}
	p->opened++;
	pthread_cond_broadcast(&p->state);
	for (;;) {
		struct worker_job *job;

		while (!p->q_head && !p->stopping)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->q_head)
			break;
		job = pop(&p->q_head, &p->q_tail);
		pthread_mutex_unlock(&p->mu);

		job->run(job, p->ops, conn);

		pthread_mutex_lock(&p->mu);
		push(&p->d_head, &p->d_tail, job);
		pthread_cond_broadcast(&p->state);
		pthread_mutex_unlock(&p->mu);
		if (p->notify)
			p->notify(p->ctx);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	p->ops->close(conn);
	return NULL;
}

/* Stops and joins the threads, then frees the pool; jobs still queued are not run. */
static void pool_free(struct worker_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->state);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->mu);
	free(p->dir);
	free(p);
}

/* Starts `threads` (1..16) threads, each with its own read-only connection on `dir`, and
 * waits until all have opened it. Returns 0, STORE_BADARG, or STORE_ERR (a thread or a
 * connection could not be created; nothing is left running). Loop thread. */
int worker_start(const struct store_ops *ops, const char *dir, unsigned threads,
		 void (*notify)(void *ctx), void *ctx, struct worker_pool **out)
{
	struct worker_pool *p;
	sigset_t all, old;
	int ok = 1;

	if (!out)
		return STORE_BADARG;
	*out = NULL;
	if (!ops || !dir || threads < 1 || threads > MAX_THREADS)
		return STORE_BADARG;
	p = calloc(1, sizeof *p);
	if (!p || !(p->dir = strdup(dir))) {
		free(p);
		return STORE_ERR;
	}
	p->ops = ops;
	p->max_outstanding = WORKER_OUTSTANDING_DEFAULT;
	p->notify = notify;
	p->ctx = ctx;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->state, NULL);

	sigfillset(&all); /* signals are the loop's: threads start with them blocked */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->tid[i], NULL, worker_main, p) != 0) {
			log_error(TAG, "pthread_create failed");
			ok = 0;
			break;
		}
		pthread_setname_np(p->tid[i], "rapport-worker");
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&p->mu);
	while (p->opened + p->failed < p->nthreads)
		pthread_cond_wait(&p->state, &p->mu);
	ok = ok && p->failed == 0;
	pthread_mutex_unlock(&p->mu);
	if (!ok) {
		pool_free(p);
		return STORE_ERR;
	}
	*out = p;
	return STORE_OK;
}

/* Queues a job; the pool holds it until its `done` has run. Never waits for I/O. Returns
 * 0, or STORE_BADARG (missing run/done, or the pool is stopping: the job stays the
 * caller's). Loop thread. */
int worker_submit(struct worker_pool *p, struct worker_job *job)
{
	if (!p || !job || !job->run || !job->done)
		return STORE_BADARG;
	if (p->outstanding >= p->max_outstanding)
		return STORE_FULL;
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		pthread_mutex_unlock(&p->mu);
		return STORE_BADARG;
	}
	push(&p->q_head, &p->q_tail, job);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	p->outstanding++;
	return STORE_OK;
}

void worker_set_max(struct worker_pool *p, size_t max)
{
	if (p)
		p->max_outstanding = max ? max : WORKER_OUTSTANDING_DEFAULT;
}

/* Runs `done` for finished jobs in the order they finished; `done` may free its job or
 * submit new ones. Returns how many. Loop thread. */
size_t worker_drain(struct worker_pool *p)
{
	struct worker_job *j;
	size_t n = 0;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	j = p->d_head;
	p->d_head = p->d_tail = NULL;
	pthread_mutex_unlock(&p->mu);
	while (j) {
		struct worker_job *next = j->next;

		j->next = NULL;
		j->done(j);
		n++;
		j = next;
	}
	p->outstanding -= n;
	return n;
}

/* Waits for every submitted job (including ones that `done` callbacks submit meanwhile)
 * to finish and runs its `done`, then stops the threads, closes their connections and
 * frees. NULL is fine. Loop thread. */
void worker_stop(struct worker_pool *p)
{
	if (!p)
		return;
	while (p->outstanding > 0) {
		pthread_mutex_lock(&p->mu);
		while (!p->d_head)
			pthread_cond_wait(&p->state, &p->mu);
		pthread_mutex_unlock(&p->mu);
		worker_drain(p);
	}
	pool_free(p);
}
