/* sqlite_case.c: opening hours and offline questions in the SQLite backend: a queue's
 * schedule (read at start-up, replaced by the CLI in one transaction), the parameters of
 * case writes (which sqlite.c applies, see write_steps) and the case reads (worker
 * threads). SQL in sqlite_sql.c (migration 8). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"

/* See sqlite_int.h. An unknown parameter name is a bug in sqlite_sql.c: SQLITE_RANGE. */
int sq_bind_case(sqlite3_stmt *st, const struct store_case_write *k)
{
	int n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;

	for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);

		if (!name || name[0] != ':')
			return SQLITE_RANGE;
		name++;
		if (!strcmp(name, "id"))
			rc = sqlite3_bind_int64(st, i, k->id);
		else if (!strcmp(name, "library"))
			rc = sqlite3_bind_int64(st, i, k->library_id);
		else if (!strcmp(name, "queue"))
			rc = sqlite3_bind_int64(st, i, k->queue_id);
		else if (!strcmp(name, "patron"))
			rc = sqlite3_bind_int64(st, i, k->patron_id);
		else if (!strcmp(name, "staff"))
			rc = sqlite3_bind_int64(st, i, k->staff_id);
		else if (!strcmp(name, "promise"))
			rc = sqlite3_bind_int64(st, i, k->promise_id);
		else if (!strcmp(name, "at"))
			rc = sqlite3_bind_int64(st, i, k->at);
		else if (!strcmp(name, "reply_by"))
			rc = sqlite3_bind_int64(st, i, k->reply_by);
		else if (!strcmp(name, "email"))
			rc = strnlen(k->email, sizeof k->email) == sizeof k->email
				     ? SQLITE_RANGE
				     : sqlite3_bind_text(st, i, k->email, -1, SQLITE_STATIC);
		else if (!strcmp(name, "token"))
			rc = sqlite3_bind_blob(st, i, k->token_hash, STORE_TOKEN_HASH_LEN,
					       SQLITE_STATIC);
		else if (!strcmp(name, "text"))
			rc = k->text ? sqlite3_bind_text(st, i, k->text, -1, SQLITE_STATIC)
				     : SQLITE_RANGE;
		else
			rc = SQLITE_RANGE;
	}
	return rc;
}

/* ---- schedules ----------------------------------------------------------------------- */

static int step_done(struct store_conn *c, sqlite3_stmt *st, int rc, const char *what)
{
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sq_done(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_err(c, rc, what);
}

/* See store.h. */
int sq_schedule_get(struct store_conn *c, int64_t queue_id, struct store_schedule *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!out)
		return STORE_BADARG;
	memset(out, 0, sizeof *out);
	if (!(st = sq_stmt(c, SQ_SCHED_LIBRARY)))
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, queue_id);
	rc = rc ? rc : sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = sq_col_text(st, 0, out->time_zone, sizeof out->time_zone) ? SQLITE_ERROR
									       : SQLITE_DONE;
		out->reply_policy_hours = sqlite3_column_int(st, 1);
	} else if (rc == SQLITE_DONE) {
		sq_done(st);
		return STORE_NOTFOUND;
	}
	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_err(c, rc, "schedule_get");
	if (!(st = sq_stmt(c, SQ_SCHED_HOURS)))
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, queue_id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_hours < STORE_HOURS_MAX) {
		for (int i = 0; i < 3; i++)
			out->hours[out->n_hours][i] = sqlite3_column_int(st, i);
		out->n_hours++;
		rc = SQLITE_OK;
	}
	sq_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_err(c, rc, "schedule_get hours");
	if (!(st = sq_stmt(c, SQ_SCHED_CLOSED)))
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, queue_id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->n_closed < STORE_CLOSED_MAX) {
		int y, m, d;
		const unsigned char *t = sqlite3_column_text(st, 0);

		if (t && sscanf((const char *)t, "%4d-%2d-%2d", &y, &m, &d) == 3)
			out->closed[out->n_closed++] = y * 10000 + m * 100 + d;
		rc = SQLITE_OK;
	}
	sq_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_err(c, rc, "schedule_get closed");
	return STORE_OK;
}

static int put_rows(struct store_conn *c, int64_t q, const struct store_schedule *s)
{
	sqlite3_stmt *st;
	int rc;
	size_t i;

	if (!(st = sq_stmt(c, SQ_SCHED_SET_LIBRARY)))
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, q);
	rc = rc ? rc : sqlite3_bind_text(st, 2, s->time_zone, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int(st, 3, s->reply_policy_hours);
	if ((rc = step_done(c, st, rc, "schedule_put library")))
		return rc;
	if (!(st = sq_stmt(c, SQ_SCHED_CLEAR_HOURS)) ||
	    step_done(c, st, sqlite3_bind_int64(st, 1, q), "schedule_put"))
		return STORE_ERR;
	if (!(st = sq_stmt(c, SQ_SCHED_CLEAR_CLOSED)) ||
	    step_done(c, st, sqlite3_bind_int64(st, 1, q), "schedule_put"))
		return STORE_ERR;
	for (i = 0; i < s->n_hours; i++) {
		if (!(st = sq_stmt(c, SQ_SCHED_ADD_HOURS)))
			return STORE_ERR;
		rc = sqlite3_bind_int64(st, 1, q);
		for (int k = 0; k < 3 && rc == SQLITE_OK; k++)
			rc = sqlite3_bind_int(st, 2 + k, s->hours[i][k]);
		if ((rc = step_done(c, st, rc, "schedule_put hours")))
			return rc;
	}
	for (i = 0; i < s->n_closed; i++) {
		char date[16];

		snprintf(date, sizeof date, "%04d-%02d-%02d", (int)(s->closed[i] / 10000),
			 (int)(s->closed[i] / 100 % 100), (int)(s->closed[i] % 100));
		if (!(st = sq_stmt(c, SQ_SCHED_ADD_CLOSED)))
			return STORE_ERR;
		rc = sqlite3_bind_int64(st, 1, q);
		rc = rc ? rc : sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
		if ((rc = step_done(c, st, rc, "schedule_put closed")))
			return rc;
	}
	return STORE_OK;
}

/* See store.h. */
int sq_schedule_put(struct store_conn *c, int64_t queue_id, const struct store_schedule *s)
{
	sqlite3_stmt *st;
	int rc;

	if (!s || c->readonly || s->n_hours > STORE_HOURS_MAX || s->n_closed > STORE_CLOSED_MAX)
		return STORE_BADARG;
	if (!(st = sq_stmt(c, SQ_BEGIN)) || step_done(c, st, SQLITE_OK, "begin"))
		return STORE_ERR;
	rc = put_rows(c, queue_id, s);
	st = sq_stmt(c, rc ? SQ_ROLLBACK : SQ_COMMIT);
	if (!st)
		return STORE_ERR;
	if (step_done(c, st, SQLITE_OK, rc ? "rollback" : "commit"))
		return STORE_ERR;
	return rc;
}

/* ---- cases ----------------------------------------------------------------------------- */

static int fill_case(sqlite3_stmt *st, void *rec)
{
	struct store_case *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->queue_id = sqlite3_column_int64(st, 2);
	r->patron_id = sqlite3_column_int64(st, 3);
	r->created_at = sqlite3_column_int64(st, 6);
	r->reply_by = sqlite3_column_int64(st, 7);
	r->updated_at = sqlite3_column_int64(st, 8);
	r->promise_id = sqlite3_column_int64(st, 10);
	r->closed_at = sqlite3_column_int64(st, 11);
	r->closed_by = sqlite3_column_int64(st, 12);
	if (sq_col_text(st, 4, r->email, sizeof r->email) ||
	    sq_col_text(st, 5, r->question, sizeof r->question) ||
	    sq_col_text(st, 9, r->state, sizeof r->state))
		return STORE_ERR;
	return STORE_OK;
}

static int row_case(void *cb, void *ctx, const void *rec)
{
	return (*(store_case_cb *)cb)(ctx, rec);
}

static int fill_msg(sqlite3_stmt *st, void *rec)
{
	struct store_case_msg *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->case_id = sqlite3_column_int64(st, 1);
	r->staff_id = sqlite3_column_int64(st, 3);
	r->body = (const char *)sqlite3_column_text(st, 4);
	r->created_at = sqlite3_column_int64(st, 5);
	if (!r->body || sq_col_text(st, 2, r->author, sizeof r->author))
		return STORE_ERR;
	return STORE_OK;
}

static int row_msg(void *cb, void *ctx, const void *rec)
{
	return (*(store_case_msg_cb *)cb)(ctx, rec);
}

/* See store.h. */
int sq_cases(struct store_conn *c, int64_t library_id, const char *state, int limit,
	     store_case_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	struct store_case r;
	int rc;

	if (!cb || !state)
		return STORE_BADARG;
	if (!(st = sq_stmt(c, SQ_CASES)))
		return STORE_ERR;
	memset(&r, 0, sizeof r);
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	return sq_each_row(c, st, rc, fill_case, &r, row_case, &cb, ctx, "cases");
}

/* See store.h. */
int sq_case_get(struct store_conn *c, int64_t id, struct store_case *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CASE_GET);

	if (!out)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(out, 0, sizeof *out);
	return sq_one_row(c, st, sqlite3_bind_int64(st, 1, id), fill_case, out, "case_get");
}

/* See store.h. */
int sq_case_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
		     struct store_case *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CASE_BY_TOKEN);

	if (!out || !hash)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(out, 0, sizeof *out);
	return sq_one_row(c, st,
			  sqlite3_bind_blob(st, 1, hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC),
			  fill_case, out, "case_by_token");
}

/* See store.h. */
int sq_case_messages(struct store_conn *c, int64_t case_id, int limit, store_case_msg_cb cb,
		     void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CASE_MESSAGES);
	struct store_case_msg r;
	int rc;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	memset(&r, 0, sizeof r);
	rc = sqlite3_bind_int64(st, 1, case_id);
	rc = rc ? rc : sqlite3_bind_int(st, 2, sq_limit(limit));
	return sq_each_row(c, st, rc, fill_msg, &r, row_msg, &cb, ctx, "case_messages");
}
