/* referrals.c: the hand-off report's arithmetic (referrals.h). */
#include "desk/referrals.h"

#include <stdlib.h>
#include <string.h>

static void count(struct referral_counts *n, const struct referral_row *r)
{
	n->total++;
	switch (r->end) {
	case HANDOFF_PENDING: n->pending++; break;
	case HANDOFF_ACCEPTED:
		n->accepted++;
		n->accept_ms_sum +=
			r->decided_at > r->created_at ? r->decided_at - r->created_at : 0;
		break;
	case HANDOFF_DECLINED: n->declined++; break;
	case HANDOFF_TIMED_OUT: n->timed_out++; break;
	case HANDOFF_CANCELLED: n->cancelled++; break;
	}
}

/* The group of `id` in *arr (added if new); NULL on out of memory. */
static struct referral_group *group(struct referral_group **arr, size_t *n, int64_t id)
{
	struct referral_group *g;

	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i].id == id)
			return &(*arr)[i];
	g = realloc(*arr, (*n + 1) * sizeof **arr);
	if (!g)
		return NULL;
	*arr = g;
	g = &g[(*n)++];
	memset(g, 0, sizeof *g);
	g->id = id;
	return g;
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Rows of one chat together (their order within it does not matter to the counts). */
static int by_chat(const void *a, const void *b)
{
	int64_t x = (*(const struct referral_row *const *)a)->chat_id;

	return by_value(&x, &(*(const struct referral_row *const *)b)->chat_id);
}

/* The chats: one with k hand-offs counts in its first one's library and queue. */
static int count_chats(struct referral_report *out, const struct referral_row **sorted, size_t n)
{
	for (size_t i = 0, k; i < n; i += k) {
		const struct referral_row *first = sorted[i];
		struct referral_group *l = group(&out->libs, &out->n_libs, first->library_id);
		struct referral_group *q = group(&out->queues, &out->n_queues, first->queue_id);

		if (!l || !q)
			return -1;
		for (k = 1; i + k < n && sorted[i + k]->chat_id == first->chat_id; k++)
			;
		out->all.chats++;
		l->n.chats++;
		q->n.chats++;
		out->all.chats_two_plus += k >= 2;
		l->n.chats_two_plus += k >= 2;
		q->n.chats_two_plus += k >= 2;
	}
	return 0;
}

static void finish(struct referral_counts *n)
{
	n->accept_ms_mean = n->accepted ? n->accept_ms_sum / n->accepted : -1;
}

static int64_t median_accept(const struct referral_row *rows, size_t n, int *oom)
{
	int64_t *ms = malloc((n ? n : 1) * sizeof *ms), med = -1;
	size_t k = 0;

	if (!ms) {
		*oom = 1;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].end == HANDOFF_ACCEPTED)
			ms[k++] = rows[i].decided_at > rows[i].created_at
					  ? rows[i].decided_at - rows[i].created_at
					  : 0;
	qsort(ms, k, sizeof *ms, by_value);
	if (k)
		med = k % 2 ? ms[k / 2] : (ms[k / 2 - 1] + ms[k / 2]) / 2;
	free(ms);
	return med;
}

int referrals_build(const struct referral_row *rows, size_t n, struct referral_report *out)
{
	const struct referral_row **sorted = malloc((n ? n : 1) * sizeof *sorted);
	int oom = !sorted;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; !oom && i < n; i++) {
		const struct referral_row *r = &rows[i];
		struct referral_group *l = group(&out->libs, &out->n_libs, r->library_id);
		struct referral_group *q = group(&out->queues, &out->n_queues, r->queue_id);

		sorted[i] = r;
		if (!l || !q) {
			oom = 1;
			break;
		}
		count(&out->all, r);
		count(&l->n, r);
		count(&q->n, r);
		if (r->kind == HANDOFF_PATRON) {
			struct referral_group *a = group(&out->asked, &out->n_asked, r->from_staff);

			oom = !a;
			if (a)
				count(&a->n, r);
		}
	}
	if (!oom) {
		qsort(sorted, n, sizeof *sorted, by_chat);
		oom = count_chats(out, sorted, n) != 0;
	}
	free(sorted);
	out->accept_ms_median = oom ? -1 : median_accept(rows, n, &oom);
	if (oom) {
		referrals_free(out);
		return -1;
	}
	finish(&out->all);
	for (size_t i = 0; i < out->n_libs; i++)
		finish(&out->libs[i].n);
	for (size_t i = 0; i < out->n_queues; i++)
		finish(&out->queues[i].n);
	for (size_t i = 0; i < out->n_asked; i++)
		finish(&out->asked[i].n);
	return 0;
}

void referrals_free(struct referral_report *r)
{
	free(r->libs);
	free(r->queues);
	free(r->asked);
	memset(r, 0, sizeof *r);
}
