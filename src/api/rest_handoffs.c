/* rest_handoffs.c: the hand-off (referral) report, GET /api/v1/reports/handoffs
 * (supervisors and admins: their library; a consortium admin: every library of the
 * consortium), and one chat's hand-offs, GET /api/v1/chats/{id}/handoffs (staff of the
 * chat's library). Rows are read on a worker; the arithmetic is desk/referrals.c's. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/routes.h"
#include "desk/referrals.h"

#define REPORT_ROWS 50000 /* hand-offs read per report, oldest first */
#define CHAT_ROWS 200 /* hand-offs listed for one chat */

struct ho_job {
	struct api_job job;
	struct store_handoff_query q;
	struct buf rows; /* packed struct store_handoff (chat) or struct referral_row */
};

static int pack(void *ctx, const struct store_handoff *r)
{
	struct ho_job *j = ctx;

	if (j->q.chat_id) {
		buf_put(&j->rows, r, sizeof *r);
	} else {
		struct referral_row row = {
			.chat_id = r->chat_id,
			.library_id = r->library_id,
			.queue_id = r->queue_id,
			.from_staff = r->from_staff,
			.kind = desk_handoff_kind_of(r->kind),
			.end = desk_handoff_end_of(r->state),
			.created_at = r->created_at,
			.decided_at = r->decided_at,
		};
		buf_put(&j->rows, &row, sizeof row);
	}
	return j->rows.oom ? STORE_ERR : 0;
}

static void run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct ho_job *j = (struct ho_job *)job;
	struct store_chat row;

	/* one chat: another library's answers as a missing one does */
	if (j->q.chat_id) {
		job->rc = ops->chat_get(sc, j->q.chat_id, &row);
		if (!job->rc && row.library_id != j->q.library_id)
			job->rc = STORE_NOTFOUND;
		if (job->rc)
			return;
	}
	job->rc = ops->handoffs ? ops->handoffs(sc, &j->q, pack, j) : STORE_ERR;
}

static void job_free(struct api_job *job)
{
	buf_free(&((struct ho_job *)job)->rows);
}

/* "key":{...counts...} with a trailing comma. */
static void counts_json(struct buf *b, const struct referral_counts *n)
{
	json_kint(b, "total", n->total);
	json_kint(b, "accepted", n->accepted);
	json_kint(b, "declined", n->declined);
	json_kint(b, "timed_out", n->timed_out);
	json_kint(b, "cancelled", n->cancelled);
	json_kint(b, "chats", n->chats);
	json_kint(b, "chats_two_plus", n->chats_two_plus);
	if (n->chats > 0)
		buf_printf(b, "\"per_chat\":%.4g,", (double)n->total / (double)n->chats);
	else
		buf_puts(b, "\"per_chat\":null,");
	if (n->accept_ms_mean >= 0)
		json_kint(b, "accept_ms_mean", n->accept_ms_mean);
	else
		buf_puts(b, "\"accept_ms_mean\":null,");
}

/* "key":[{"<ref>":{id,name},counts}...] with a trailing comma; name_of gives the name. */
static void groups_json(struct buf *b, const char *key, const char *ref,
			const struct referral_group *g, size_t n, const char *(*name_of)(int64_t))
{
	buf_printf(b, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "{\"%s\":{\"id\":%lld,", ref, (long long)g[i].id);
		json_kstr(b, "name", name_of(g[i].id));
		json_close(b, '}');
		buf_putc(b, ',');
		counts_json(b, &g[i].n);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

static const char *lib_name(int64_t id)
{
	const struct library *l = desk_library(g_app->desk, id);

	return l ? l->name : "";
}

static const char *queue_name(int64_t id)
{
	const struct queue *q = desk_queue(g_app->desk, id);

	return q ? q->name : "";
}

static const char *staff_name(int64_t id)
{
	const struct staff *s = desk_staff(g_app->desk, id);

	return s ? s->name : "";
}

static void report_done(struct api_job *job, struct call *k)
{
	struct ho_job *j = (struct ho_job *)job;
	struct referral_report r;
	struct buf b = {0};

	if (job->rc) {
		call_fail_store(k, job->rc, 0);
		return;
	}
	if (referrals_build((const struct referral_row *)j->rows.data,
			    j->rows.len / sizeof(struct referral_row), &r)) {
		call_fail(k, API_NOMEM, NULL);
		return;
	}
	call_begin(k, &b, "handoffs");
	json_kint(&b, "since", j->q.since);
	json_kint(&b, "until", j->q.until);
	counts_json(&b, &r.all);
	if (r.accept_ms_median >= 0)
		json_kint(&b, "accept_ms_median", r.accept_ms_median);
	else
		buf_puts(&b, "\"accept_ms_median\":null,");
	groups_json(&b, "by_library", "library", r.libs, r.n_libs, lib_name);
	groups_json(&b, "by_queue", "queue", r.queues, r.n_queues, queue_name);
	groups_json(&b, "someone_else", "staff", r.asked, r.n_asked, staff_name);
	referrals_free(&r);
	call_send(k, 200, &b);
}

void handoffs_report(struct call *k)
{
	int64_t since, until;
	struct ho_job *j;

	if (rest_report_window(k, &since, &until) ||
	    !(j = api_job_new(k, sizeof *j, run, report_done)))
		return;
	j->job.free_fn = job_free;
	j->q.library_id = k->staff->lib->id;
	j->q.consortium = k->staff->access == ACCESS_CONSORTIUM_ADMIN;
	j->q.since = since;
	j->q.until = until;
	j->q.limit = REPORT_ROWS;
	api_read(&j->job);
}

static void chat_done(struct api_job *job, struct call *k);

void handoffs_of_chat(struct call *k)
{
	struct ho_job *j = api_job_new(k, sizeof *j, run, chat_done);

	if (!j)
		return;
	j->job.free_fn = job_free;
	j->q.library_id = k->staff->lib->id; /* the SQL keeps to the chat of this library */
	j->q.chat_id = k->id[0];
	j->q.until = INT64_MAX;
	j->q.limit = CHAT_ROWS;
	api_read(&j->job);
}

static void chat_done(struct api_job *job, struct call *k)
{
	struct ho_job *j = (struct ho_job *)job;
	const struct store_handoff *r = (const struct store_handoff *)j->rows.data;
	size_t n = j->rows.len / sizeof *r;
	struct buf b = {0};

	if (job->rc) {
		call_fail_store(k, job->rc, 0);
		return;
	}
	call_begin(k, &b, "handoffs");
	buf_puts(&b, "\"handoffs\":[");
	for (size_t i = 0; i < n; i++, r++) {
		buf_putc(&b, '{');
		json_kstr(&b, "kind", r->kind);
		json_kstr(&b, "state", r->state);
		rest_staff_ref(&b, "from", r->from_staff);
		rest_staff_ref(&b, "to", r->to_staff);
		json_kint(&b, "queue", r->to_queue);
		json_kstr(&b, "note", r->note);
		json_kstr(&b, "reason", r->reason);
		json_kint(&b, "created_at", r->created_at);
		json_kint(&b, "decided_at", r->decided_at);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	call_send_list(k, &b);
}
