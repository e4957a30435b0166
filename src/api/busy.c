/* busy.c: how busy the desk is, as patrons see it before they ask: in each queue, the free
 * places and the likely wait for a chat asked now; for each librarian listed, whether they
 * are at their cap and how long asking for them is likely to take. The numbers come from
 * desk/wait.c, the same model and the same notion of who takes chats (desk_wait_takes)
 * as the estimate of a queued chat. */
#include "api/api.h"

/* "key":ms, or null for a negative (unknown) value. */
static void kms(struct buf *b, const char *key, int64_t ms)
{
	if (ms >= 0)
		json_kint(b, key, ms);
	else
		buf_printf(b, "\"%s\":null,", key);
}

void busy_queue_json(struct buf *b, const struct library *lib)
{
	struct wait_est e;
	int on, free_places;

	desk_wait_free(g_app->desk, lib, &on, &free_places);
	desk_wait_new(g_app->desk, app_now_ms(), lib, NULL, &e);
	json_kint(b, "free", free_places);
	json_kbool(b, "all_busy", on > 0 && free_places == 0);
	kms(b, "wait_ms", e.basis == WAIT_NONE ? -1 : e.ms);
}

static int at_cap(const struct staff *s)
{
	return s->n_active >= desk_max_chats(g_app->desk, s);
}

void busy_librarian_json(struct buf *b, const struct staff *s)
{
	struct wait_est e;

	json_kbool(b, "busy", at_cap(s));
	if (!at_cap(s))
		return;
	desk_wait_new(g_app->desk, app_now_ms(), s->lib, s, &e);
	kms(b, "wait_ms", e.basis == WAIT_NONE ? -1 : e.ms);
}

uint64_t busy_signature(const struct library *lib)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over (id, at cap) of those taking chats */
	size_t i;

	for (i = 0; i < g_app->desk->n_staff; i++) {
		const struct staff *s = g_app->desk->staff[i];

		if (s->lib != lib || !desk_wait_takes(g_app->desk, s))
			continue;
		h = (h ^ (uint64_t)s->id) * 1099511628211ULL;
		h = (h ^ (uint64_t)at_cap(s)) * 1099511628211ULL;
	}
	return h;
}
