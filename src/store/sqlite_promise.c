/* sqlite_promise.c: the promise ledger in the SQLite backend: the parameters of its writes
 * (which sqlite.c applies, see write_steps) and its reads (worker threads, and loading the
 * open promises at start). SQL in sqlite_sql.c (migration 6).
 *
 * Every list is a range of one index in due order: (library, state, due_at) for the desk,
 * (owner, state, due_at) for "mine" and (patron, state, due_at) for a patron; the report
 * is a range of (library, created_at).
 */
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

#define PROMISE(name, kind, m) SQ_PARAM(name, kind, struct store_promise_write, m)
static const struct sq_param promise_params[] = {
	PROMISE("id", SQP_I64, id),
	PROMISE("library", SQP_I64, library_id),
	PROMISE("patron", SQP_I64, patron_id),
	PROMISE("chat", SQP_I64, chat_id),
	PROMISE("owner", SQP_I64, owner_id),
	PROMISE("by", SQP_I64, by),
	PROMISE("at", SQP_I64, at),
	PROMISE("due", SQP_I64, due_at),
	PROMISE("channel", SQP_FIELD, channel),
	PROMISE("text", SQP_TEXT, text),
};

/* See sqlite_int.h. */
int sq_bind_promise(sqlite3_stmt *st, const struct store_promise_write *p)
{
	return sq_bind_named(st, promise_params, SQ_N(promise_params), p);
}

/* ---- reads ------------------------------------------------------------------------- */

/* A row of PROMISE_COLS (sqlite_sql.c), up to the patron's name. */
#define PROMISE_COL(kind, m) SQ_COL(kind, struct store_promise, m)
static const struct sq_param promise_cols[] = {
	PROMISE_COL(SQP_I64, id),	   PROMISE_COL(SQP_I64, library_id),
	PROMISE_COL(SQP_I64, patron_id),   PROMISE_COL(SQP_I64, chat_id),
	PROMISE_COL(SQP_I64, owner_id),	   PROMISE_COL(SQP_I64, created_by),
	PROMISE_COL(SQP_I64, created_at),  PROMISE_COL(SQP_I64, due_at),
	PROMISE_COL(SQP_I64, done_at),	   PROMISE_COL(SQP_FIELD, what),
	PROMISE_COL(SQP_FIELD, channel),   PROMISE_COL(SQP_FIELD, state),
	PROMISE_COL(SQP_FIELD, done_note), PROMISE_COL(SQP_FIELD, cancel_reason),
};

static int fill_promise(sqlite3_stmt *st, void *rec)
{
	struct store_promise *r = rec;
	int n = (int)SQ_N(promise_cols);

	if (sq_fill_cols(st, promise_cols, n, r))
		return STORE_ERR;
	/* names are capped below the field's size; one that is not is left out, not cut */
	if (sq_col_text(st, n, r->patron_name, sizeof r->patron_name))
		r->patron_name[0] = '\0';
	r->chat_at = sqlite3_column_int64(st, n + 1);
	return STORE_OK;
}

#define EVENT_COL(kind, m) SQ_COL(kind, struct store_promise_event, m)
static const struct sq_param event_cols[] = {
	EVENT_COL(SQP_I64, promise_id), EVENT_COL(SQP_I64, at),	    EVENT_COL(SQP_I64, by),
	EVENT_COL(SQP_I64, owner_id),	EVENT_COL(SQP_FIELD, kind), EVENT_COL(SQP_FIELD, note),
};
SQ_FILL_FN(fill_event, event_cols)

SQ_ROW_ADAPTER(row_promise, store_promise_cb, struct store_promise)
SQ_ROW_ADAPTER(row_event, store_promise_event_cb, struct store_promise_event)

/* See store.h. */
int sq_promise_get(struct store_conn *c, int64_t id, struct store_promise *out)
{
	if (!out)
		return STORE_BADARG;
	memset(out, 0, sizeof *out);
	return sq_get(c, SQ_PROMISE_GET, &id, 1, fill_promise, out, "promise_get");
}

/* See store.h. The promise record is large (three texts of up to 500 bytes), so it is not
 * on the caller's stack twice: one record, refilled per row. */
int sq_promises(struct store_conn *c, int64_t library_id, const char *state, int64_t owner_id,
		int64_t patron_id, int limit, store_promise_cb cb, void *ctx)
{
	enum sq_stmt id = owner_id > 0	  ? SQ_PROMISES_BY_OWNER
			  : patron_id > 0 ? SQ_PROMISES_BY_PATRON
					  : SQ_PROMISES_BY_LIBRARY;
	sqlite3_stmt *st;
	struct store_promise r;
	int rc;

	if (!cb || !state ||
	    (strcmp(state, "open") && strcmp(state, "done") && strcmp(state, "cancelled")))
		return STORE_BADARG;
	if (owner_id > 0 && patron_id > 0)
		return STORE_BADARG; /* one index per list; the caller filters further */
	if (!(st = sq_stmt(c, id)))
		return STORE_ERR;
	memset(&r, 0, sizeof r);
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	if (id != SQ_PROMISES_BY_LIBRARY)
		rc = rc ? rc : sqlite3_bind_int64(st, 4, owner_id > 0 ? owner_id : patron_id);
	return sq_each_row(c, st, rc, fill_promise, &r, row_promise, &cb, ctx, "promises");
}

/* See store.h. */
int sq_promise_events(struct store_conn *c, int64_t promise_id, store_promise_event_cb cb,
		      void *ctx)
{
	struct store_promise_event r;

	if (!cb)
		return STORE_BADARG;
	memset(&r, 0, sizeof r);
	return sq_list(c, SQ_PROMISE_EVENTS, &promise_id, 1, fill_event, &r, row_event, &cb, ctx,
		       "promise_events");
}

/* See store.h. */
int sq_promise_report(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		      int64_t now, struct store_promise_report *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_PROMISE_REPORT);

	if (!out)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(out, 0, sizeof *out);
	int64_t *const cols[] = {&out->made,	     &out->kept_on_time, &out->late,
				 &out->open_overdue, &out->open,	 &out->cancelled};
	return sq_one_counts(c, st,
			     sq_bind_i64s(st, (const int64_t[]){library_id, since, until, now}, 4),
			     cols, 6, "promise_report");
}
