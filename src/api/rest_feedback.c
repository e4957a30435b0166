/* rest_feedback.c: GET /api/v1/reports/feedback: what patrons said of their chats, for a
 * supervisor: the ratings (1 to 5) patrons gave at the end of chats of the library, by
 * librarian, and the latest rated chats to read (docs/API.md). Supervisors and admins. */
#include <stdlib.h>

#include "api/api.h"
#include "api/async.h"
#include "api/routes.h"

#define FEEDBACK_ROWS 20000 /* rated chats read, newest first */
#define RECENT_SHOWN 20
#define BY_STAFF_MAX 512

struct fb_job {
	struct api_job job;
	int64_t lib, since, until;
	struct buf rows; /* packed struct store_chat */
};

struct tally {
	int64_t staff_id;
	int64_t n[6]; /* n[r]: chats rated r */
};

REST_ROW_PACKER(pack, struct store_chat)

static void run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct fb_job *j = (struct fb_job *)job;

	job->rc = ops->rated_chats ? ops->rated_chats(sc, j->lib, j->since, j->until, FEEDBACK_ROWS,
						      pack, &j->rows)
				   : STORE_ERR;
}

static void job_free(struct api_job *job)
{
	buf_free(&((struct fb_job *)job)->rows);
}

/* "rated":N,"mean":x|null,"ratings":[n1..n5], with a trailing comma. */
static void tally_json(struct buf *b, const int64_t n[6])
{
	int64_t rated = 0, sum = 0;

	for (int r = 1; r <= 5; r++) {
		rated += n[r];
		sum += r * n[r];
	}
	json_kint(b, "rated", rated);
	if (rated)
		buf_printf(b, "\"mean\":%.3g,", (double)sum / (double)rated);
	else
		buf_puts(b, "\"mean\":null,");
	buf_printf(b, "\"ratings\":[%lld,%lld,%lld,%lld,%lld],", (long long)n[1], (long long)n[2],
		   (long long)n[3], (long long)n[4], (long long)n[5]);
}

static struct tally *tally_of(struct tally *t, size_t *n, int64_t staff_id)
{
	for (size_t i = 0; i < *n; i++)
		if (t[i].staff_id == staff_id)
			return &t[i];
	if (*n == BY_STAFF_MAX)
		return NULL;
	t[*n] = (struct tally){.staff_id = staff_id};
	return &t[(*n)++];
}

static void done(struct api_job *job, struct call *k)
{
	struct fb_job *j = (struct fb_job *)job;
	const struct store_chat *r = (const struct store_chat *)j->rows.data;
	size_t n = j->rows.len / sizeof *r, n_staff = 0;
	struct tally *by = calloc(BY_STAFF_MAX, sizeof *by), all = {0};
	struct buf b = {0};

	if (job->rc || !by) {
		free(by);
		job->rc ? call_fail_store(k, job->rc, 0) : call_fail(k, API_NOMEM, NULL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct tally *t = tally_of(by, &n_staff, r[i].staff_id);
		int v = r[i].rating >= 1 && r[i].rating <= 5 ? r[i].rating : 0;

		all.n[v]++;
		if (t)
			t->n[v]++;
	}
	call_begin(k, &b, "feedback");
	json_kint(&b, "since", j->since);
	json_kint(&b, "until", j->until);
	tally_json(&b, all.n);
	buf_puts(&b, "\"by_staff\":[");
	for (size_t i = 0; i < n_staff; i++) {
		buf_putc(&b, '{');
		rest_staff_ref(&b, "staff", by[i].staff_id);
		tally_json(&b, by[i].n);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_puts(&b, ",\"recent\":[");
	for (size_t i = 0; i < n && i < RECENT_SHOWN; i++) {
		/* the chat as any list shows it (live if still held), with what was rated */
		buf_puts(&b, "{\"chat\":");
		chat_row_json(&b, &r[i], 1);
		buf_putc(&b, ',');
		json_kint(&b, "rating", r[i].rating);
		json_kstr(&b, "question", r[i].question);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	free(by);
	call_send_list(k, &b);
}

void feedback_report(struct call *k)
{
	struct fb_job *j = api_job_new(k, sizeof *j, run, done);

	if (!j)
		return;
	j->lib = k->staff->lib->id;
	if (rest_report_window(k, &j->since, &j->until)) {
		free(j); /* not submitted: nothing else to free */
		return;
	}
	j->job.free_fn = job_free;
	api_read(&j->job);
}
