/* promise.c: the promise ledger's states, rules and the book of open promises. See
 * promise.h. */
#include "desk/promise.h"
#include "desk/desk_int.h"

#include <stdlib.h>
#include <string.h>

static int blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] > ' ')
			return 0;
	return 1;
}

/* See promise.h. */
int promise_check_new(int64_t now, const char *what, size_t len, int64_t due_at)
{
	if (!what || blank(what, len))
		return DESK_EMPTY;
	if (len > PROMISE_WHAT_MAX)
		return DESK_TOO_LONG;
	if (due_at <= now || due_at - now > PROMISE_HORIZON_MS)
		return DESK_BAD_STATE;
	return DESK_OK;
}

/* See promise.h. The library is checked first so that nothing about another library's
 * promise (its state, its owner) can be learned from the answer. */
int promise_may(const struct promise *p, const struct promise_who *who, enum promise_act act)
{
	(void)act; /* today every action follows the same rule */
	if (!p || !who || p->library_id != who->library_id)
		return DESK_NOT_FOUND;
	if (p->state != PROMISE_OPEN)
		return DESK_BAD_STATE;
	if (p->owner_id != who->staff_id && !who->admin)
		return DESK_FORBIDDEN;
	return DESK_OK;
}

/* See promise.h. */
int promise_apply(struct promise *p, const struct promise_who *who, enum promise_act act,
		  int64_t now, const char *note, int64_t new_owner)
{
	size_t len = note ? strlen(note) : 0;
	int rc = promise_may(p, who, act);

	if (rc)
		return rc;
	if (len > PROMISE_NOTE_MAX)
		return DESK_TOO_LONG;
	switch (act) {
	case PROMISE_COMPLETE:
		p->state = PROMISE_DONE;
		p->done_at = now;
		break;
	case PROMISE_CANCEL:
		if (blank(note ? note : "", len))
			return DESK_EMPTY;
		p->state = PROMISE_CANCELLED;
		p->done_at = now;
		break;
	case PROMISE_REASSIGN:
		if (new_owner <= 0 || new_owner == p->owner_id)
			return DESK_BAD_STATE;
		p->owner_id = new_owner;
		return DESK_OK; /* the hand-over note belongs to the history, not the promise */
	}
	memcpy(p->note, note ? note : "", len + 1);
	return DESK_OK;
}

/* See promise.h. */
enum promise_phase promise_phase(const struct promise *p, int64_t now, int64_t lead_ms)
{
	if (p->state != PROMISE_OPEN)
		return PHASE_CLOSED;
	if (now > p->due_at)
		return PHASE_OVERDUE;
	if (p->due_at - now <= lead_ms)
		return PHASE_DUE_SOON;
	return PHASE_LATER;
}

/* See promise.h. */
int promise_kept_on_time(const struct promise *p)
{
	return p->state == PROMISE_DONE && p->done_at <= p->due_at;
}

/* See promise.h. */
int promise_share(int64_t kept, int64_t late, int64_t open_overdue, double *share)
{
	int64_t due = kept + late + open_overdue;

	if (due <= 0 || kept < 0 || late < 0 || open_overdue < 0)
		return -1;
	*share = (double)kept / (double)due;
	return 0;
}

static const char *const state_names[] = {"open", "done", "cancelled"};
static const char *const channel_names[] = {"email", "chat"};

const char *promise_state_name(enum promise_state s)
{
	return (unsigned)s < 3 ? state_names[s] : "open";
}

const char *promise_channel_name(enum promise_channel c)
{
	return (unsigned)c < 2 ? channel_names[c] : "email";
}

int promise_state_of(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, state_names[i]))
			return i;
	return -1;
}

int promise_channel_of(const char *s)
{
	for (int i = 0; s && i < 2; i++)
		if (!strcmp(s, channel_names[i]))
			return i;
	return -1;
}

/* ---- the book ------------------------------------------------------------------------- */

static int64_t lead(const struct promise_book *b)
{
	return b->lead_ms > 0 ? b->lead_ms : PROMISE_LEAD_MS;
}

static size_t find(const struct promise_book *b, int64_t id)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i]->id == id)
			return i;
	return b->n;
}

/* See promise.h. */
int promise_book_put(struct promise_book *b, const struct promise *p, int64_t now)
{
	size_t i = find(b, p->id);
	struct promise *c;

	if (p->state != PROMISE_OPEN) {
		promise_book_drop(b, p->id);
		return DESK_OK;
	}
	if (i == b->n) {
		if (b->n == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 16;
			struct promise **v = realloc(b->v, cap * sizeof *v);

			if (!v)
				return DESK_NOMEM;
			b->v = v;
			b->cap = cap;
		}
		if (!(b->v[b->n] = malloc(sizeof **b->v)))
			return DESK_NOMEM;
		b->n++;
	}
	c = b->v[i];
	*c = *p;
	c->phase_seen = promise_phase(c, now, lead(b));
	return DESK_OK;
}

struct promise *promise_book_get(const struct promise_book *b, int64_t id)
{
	size_t i = find(b, id);

	return i < b->n ? b->v[i] : NULL;
}

void promise_book_drop(struct promise_book *b, int64_t id)
{
	size_t i = find(b, id);

	if (i == b->n)
		return;
	free(b->v[i]);
	b->v[i] = b->v[--b->n];
}

size_t promise_book_name_patron(struct promise_book *b, int64_t patron_id, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < b->n; i++) {
		struct promise *p = b->v[i];

		if (p->patron_id != patron_id || !strcmp(p->patron_name, name ? name : ""))
			continue;
		desk_copy_utf8(p->patron_name, sizeof p->patron_name, name ? name : "");
		n++;
	}
	return n;
}

void promise_book_clear(struct promise_book *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->v[i]);
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* See promise.h. */
size_t promise_book_tick(struct promise_book *b, int64_t now,
			 void (*fn)(void *ctx, const struct promise *p), void *ctx)
{
	size_t i, changed = 0;

	for (i = 0; i < b->n; i++) {
		struct promise *p = b->v[i];
		enum promise_phase ph = promise_phase(p, now, lead(b));

		if (ph == p->phase_seen)
			continue;
		p->phase_seen = ph;
		changed++;
		if (fn)
			fn(ctx, p);
	}
	return changed;
}

static int by_due(const void *a, const void *b)
{
	const struct promise *x = *(const struct promise *const *)a;
	const struct promise *y = *(const struct promise *const *)b;

	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* See promise.h. Sorts the matches (the earliest max of them are kept). */
size_t promise_book_select(const struct promise_book *b, int64_t library_id, int64_t owner_id,
			   int64_t patron_id, const struct promise **out, size_t max, size_t *total)
{
	const struct promise **all;
	size_t i, n = 0;

	if (total)
		*total = 0;
	if (!b->n || !max)
		return 0;
	all = malloc(b->n * sizeof *all);
	if (!all)
		return 0;
	for (i = 0; i < b->n; i++) {
		const struct promise *p = b->v[i];

		if (p->library_id != library_id || (owner_id > 0 && p->owner_id != owner_id) ||
		    (patron_id > 0 && p->patron_id != patron_id))
			continue;
		all[n++] = p;
	}
	qsort(all, n, sizeof *all, by_due);
	if (total)
		*total = n;
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}
