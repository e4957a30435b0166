/* rest_waits.c: GET /api/v1/reports/waits: how accurate the wait estimates shown to
 * patrons were (docs/API.md). Staff only, scoped to the caller's library. The rows are read
 * on a worker; the numbers are computed on the loop by desk/wait.c's wait_accuracy. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "api/routes.h"
#include "desk/wait.h"
#include "util/log.h"

#define DAY_MS (24LL * 60 * 60 * 1000)
#define WAITS_MAX 100000 /* chats read per report (newest first) */

struct waits_job {
	struct worker_job job;
	uint64_t http_id;
	int64_t lib, since, until;
	int rc;
	struct buf picked; /* int64_t pairs (estimate, actual) of picked-up chats */
	int64_t abandoned; /* chats left before a pick, after seeing an estimate */
};

static int wait_row(void *ctx, int64_t est, int64_t actual, int picked)
{
	struct waits_job *j = ctx;
	int64_t pair[2] = {est, actual};

	if (!picked)
		j->abandoned++;
	else
		buf_put(&j->picked, pair, sizeof pair);
	return j->picked.oom ? STORE_ERR : 0;
}

static void waits_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct waits_job *j = (struct waits_job *)job;

	j->rc = ops->waits ? ops->waits(sc, j->lib, j->since, j->until, WAITS_MAX, wait_row, j)
			   : STORE_ERR;
}

static void share(struct buf *b, const char *key, int64_t n, int64_t of)
{
	if (of > 0)
		buf_printf(b, "\"%s\":%.4g,", key, (double)n / (double)of);
	else
		buf_printf(b, "\"%s\":null,", key);
}

static void waits_done(struct worker_job *job)
{
	struct waits_job *j = (struct waits_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);
	size_t n = j->picked.len / (2 * sizeof(int64_t)), i;
	int64_t *est = NULL, *act = NULL;
	struct wait_accuracy a;
	struct buf b = {0};

	if (!h)
		goto out;
	if (j->rc) {
		log_warn("rest", "waits report failed: %s", store_strerror(j->rc));
		api_http_fail(h, API_STORE_FAILED, "Could not read; try again.");
		goto out;
	}
	est = malloc((n ? n : 1) * sizeof *est);
	act = malloc((n ? n : 1) * sizeof *act);
	for (i = 0; est && act && i < n; i++) {
		memcpy(&est[i], j->picked.data + i * 2 * sizeof(int64_t), sizeof(int64_t));
		memcpy(&act[i], j->picked.data + (i * 2 + 1) * sizeof(int64_t), sizeof(int64_t));
	}
	if (!est || !act || wait_accuracy(est, act, n, &a)) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		goto out;
	}
	buf_putc(&b, '{');
	json_kint(&b, "since", j->since);
	json_kint(&b, "until", j->until);
	json_kint(&b, "chats", a.chats);
	if (a.chats) {
		json_kint(&b, "median_abs_error_ms", a.median_abs_error_ms);
		json_kint(&b, "mean_error_ms", a.mean_error_ms);
	} else {
		buf_puts(&b, "\"median_abs_error_ms\":null,\"mean_error_ms\":null,");
	}
	share(&b, "within_50pct_share", a.within_50pct, a.chats);
	share(&b, "within_1min_share", a.within_1min, a.chats);
	json_kint(&b, "within_50pct", a.within_50pct);
	json_kint(&b, "abandoned", j->abandoned);
	json_close(&b, '}');
	rest_respond_buf(h, 200, &b);
out:
	free(est);
	free(act);
	buf_free(&j->picked);
	free(j);
}

/* days=N (1..3660, default 30) from the query string: 0, or -1 when malformed. */
static int arg_days(struct http_conn *h, int64_t *days)
{
	char arg[48];
	const char *v = http_query_arg(h, "days=", arg, sizeof arg);
	int64_t n = 0;
	int digits = 0;

	if (!v)
		return 0;
	while (*v >= '0' && *v <= '9' && digits < 6) {
		n = n * 10 + (*v++ - '0');
		digits++;
	}
	if (*v || !digits || n < 1 || n > 3660)
		return -1;
	*days = n;
	return 0;
}

void waits_report(struct call *k)
{
	struct http_conn *h = k->h;
	struct staff *st = k->staff;
	struct waits_job *j;
	int64_t days = 30;

	if (arg_days(h, &days)) {
		rest_bad_request(h, "days is 1 to 3660.");
		return;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	j->job.run = waits_run;
	j->job.done = waits_done;
	j->http_id = h->id;
	j->lib = st->lib->id;
	j->until = app_now_ms() + 1; /* chats created up to now, this millisecond too */
	j->since = j->until - days * DAY_MS;
	api_submit_http(h, &j->job, NULL);
	return;
}
