/* sqlite_case.c: opening hours and offline questions in the SQLite backend: a queue's
 * schedule (read at start-up, replaced by the CLI in one transaction), the parameters of
 * case writes (which sqlite.c applies, see write_steps) and the case reads (worker
 * threads). SQL in sqlite_sql.c (migration 8). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_int.h"

#define CASE(name, kind, m) SQ_PARAM(name, kind, struct store_case_write, m)
static const struct sq_param case_params[] = {
	CASE("id", SQP_I64, id),	  CASE("library", SQP_I64, library_id),
	CASE("queue", SQP_I64, queue_id), CASE("patron", SQP_I64, patron_id),
	CASE("staff", SQP_I64, staff_id), CASE("promise", SQP_I64, promise_id),
	CASE("at", SQP_I64, at),	  CASE("reply_by", SQP_I64, reply_by),
	CASE("email", SQP_FIELD, email),  CASE("token", SQP_HASH, token_hash),
	CASE("text", SQP_TEXT_REQ, text),
};

/* See sqlite_int.h. */
int sq_bind_case(sqlite3_stmt *st, const struct store_case_write *k)
{
	return sq_bind_named(st, case_params, SQ_N(case_params), k);
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

#define CASE_COL(kind, m) SQ_COL(kind, struct store_case, m)
static const struct sq_param case_cols[] = {
	CASE_COL(SQP_I64, id),	       CASE_COL(SQP_I64, library_id), CASE_COL(SQP_I64, queue_id),
	CASE_COL(SQP_I64, patron_id),  CASE_COL(SQP_FIELD, email),    CASE_COL(SQP_FIELD, question),
	CASE_COL(SQP_I64, created_at), CASE_COL(SQP_I64, reply_by),   CASE_COL(SQP_I64, updated_at),
	CASE_COL(SQP_FIELD, state),    CASE_COL(SQP_I64, promise_id), CASE_COL(SQP_I64, closed_at),
	CASE_COL(SQP_I64, closed_by),
};
SQ_FILL_FN(fill_case, case_cols)
SQ_ROW_ADAPTER(row_case, store_case_cb, struct store_case)

#define MSG_COL(kind, m) SQ_COL(kind, struct store_case_msg, m)
static const struct sq_param msg_cols[] = {
	MSG_COL(SQP_I64, id),	    MSG_COL(SQP_I64, case_id),	 MSG_COL(SQP_FIELD, author),
	MSG_COL(SQP_I64, staff_id), MSG_COL(SQP_TEXT_REQ, body), MSG_COL(SQP_I64, created_at),
};
SQ_FILL_FN(fill_msg, msg_cols)

SQ_ROW_ADAPTER(row_msg, store_case_msg_cb, struct store_case_msg)

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
	if (!out)
		return STORE_BADARG;
	memset(out, 0, sizeof *out);
	return sq_get(c, SQ_CASE_GET, &id, 1, fill_case, out, "case_get");
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
	struct store_case_msg r;

	if (!cb)
		return STORE_BADARG;
	memset(&r, 0, sizeof r);
	return sq_list(c, SQ_CASE_MESSAGES, (const int64_t[]){case_id, sq_limit(limit)}, 2,
		       fill_msg, &r, row_msg, &cb, ctx, "case_messages");
}
