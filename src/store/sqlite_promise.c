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

/* See sqlite_int.h. An unknown parameter name is a bug in sqlite_sql.c: SQLITE_RANGE. */
int sq_bind_promise(sqlite3_stmt *st, const struct store_promise_write *p)
{
	int n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;

	for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);

		if (!name || name[0] != ':')
			return SQLITE_RANGE;
		name++;
		if (!strcmp(name, "id"))
			rc = sqlite3_bind_int64(st, i, p->id);
		else if (!strcmp(name, "library"))
			rc = sqlite3_bind_int64(st, i, p->library_id);
		else if (!strcmp(name, "patron"))
			rc = sqlite3_bind_int64(st, i, p->patron_id);
		else if (!strcmp(name, "chat"))
			rc = sqlite3_bind_int64(st, i, p->chat_id);
		else if (!strcmp(name, "owner"))
			rc = sqlite3_bind_int64(st, i, p->owner_id);
		else if (!strcmp(name, "by"))
			rc = sqlite3_bind_int64(st, i, p->by);
		else if (!strcmp(name, "at"))
			rc = sqlite3_bind_int64(st, i, p->at);
		else if (!strcmp(name, "due"))
			rc = sqlite3_bind_int64(st, i, p->due_at);
		else if (!strcmp(name, "channel"))
			rc = strnlen(p->channel, sizeof p->channel) == sizeof p->channel
				     ? SQLITE_RANGE
				     : sqlite3_bind_text(st, i, p->channel, -1, SQLITE_STATIC);
		else if (!strcmp(name, "text"))
			rc = p->text ? sqlite3_bind_text(st, i, p->text, -1, SQLITE_STATIC)
				     : sqlite3_bind_null(st, i);
		else
			rc = SQLITE_RANGE;
	}
	return rc;
}

/* ---- reads ------------------------------------------------------------------------- */

/* A row of PROMISE_COLS (sqlite_sql.c). */
static int fill_promise(sqlite3_stmt *st, void *rec)
{
	struct store_promise *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->patron_id = sqlite3_column_int64(st, 2);
	r->chat_id = sqlite3_column_int64(st, 3);
	r->owner_id = sqlite3_column_int64(st, 4);
	r->created_by = sqlite3_column_int64(st, 5);
	r->created_at = sqlite3_column_int64(st, 6);
	r->due_at = sqlite3_column_int64(st, 7);
	r->done_at = sqlite3_column_int64(st, 8);
	if (sq_col_text(st, 9, r->what, sizeof r->what) ||
	    sq_col_text(st, 10, r->channel, sizeof r->channel) ||
	    sq_col_text(st, 11, r->state, sizeof r->state) ||
	    sq_col_text(st, 12, r->done_note, sizeof r->done_note) ||
	    sq_col_text(st, 13, r->cancel_reason, sizeof r->cancel_reason))
		return STORE_ERR;
	/* names are capped below the field's size; one that is not is left out, not cut */
	if (sq_col_text(st, 14, r->patron_name, sizeof r->patron_name))
		r->patron_name[0] = '\0';
	r->chat_at = sqlite3_column_int64(st, 15);
	return STORE_OK;
}

static int fill_event(sqlite3_stmt *st, void *rec)
{
	struct store_promise_event *r = rec;

	r->promise_id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	r->by = sqlite3_column_int64(st, 2);
	r->owner_id = sqlite3_column_int64(st, 3);
	if (sq_col_text(st, 4, r->kind, sizeof r->kind) ||
	    sq_col_text(st, 5, r->note, sizeof r->note))
		return STORE_ERR;
	return STORE_OK;
}

static int row_promise(void *cb, void *ctx, const void *rec)
{
	return (*(store_promise_cb *)cb)(ctx, rec);
}

static int row_event(void *cb, void *ctx, const void *rec)
{
	return (*(store_promise_event_cb *)cb)(ctx, rec);
}

/* See store.h. */
int sq_promise_get(struct store_conn *c, int64_t id, struct store_promise *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_PROMISE_GET);

	if (!out)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(out, 0, sizeof *out);
	return sq_one_row(c, st, sqlite3_bind_int64(st, 1, id), fill_promise, out, "promise_get");
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
	sqlite3_stmt *st = sq_stmt(c, SQ_PROMISE_EVENTS);
	struct store_promise_event r;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(&r, 0, sizeof r);
	return sq_each_row(c, st, sqlite3_bind_int64(st, 1, promise_id), fill_event, &r, row_event,
			   &cb, ctx, "promise_events");
}

/* See store.h. */
int sq_promise_report(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		      int64_t now, struct store_promise_report *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_PROMISE_REPORT);
	int rc;

	if (!out)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(out, 0, sizeof *out);
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, since);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, until);
	rc = rc ? rc : sqlite3_bind_int64(st, 4, now);
	rc = rc ? rc : sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->made = sqlite3_column_int64(st, 0);
		out->kept_on_time = sqlite3_column_int64(st, 1);
		out->late = sqlite3_column_int64(st, 2);
		out->open_overdue = sqlite3_column_int64(st, 3);
		out->open = sqlite3_column_int64(st, 4);
		out->cancelled = sqlite3_column_int64(st, 5);
		rc = SQLITE_DONE;
	}
	sq_done(st);
	return sq_err(c, rc, "promise_report");
}
