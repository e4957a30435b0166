/* sqlite_handoff.c: the team desk in the SQLite backend: the parameters of hand-off writes
 * (which sqlite.c applies, see write_steps), and the reads of the supervisors' reports
 * (worker threads): hand-offs and rated chats. SQL in sqlite_sql.c (migration 13). */
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

/* The named parameters of the hand-off writes, from struct store_handoff: the integers,
 * then the texts. sqlite.c binds them (bind_write) through sq_bind_handoff. */
#define I64(name, m) SQ_PARAM(name, SQP_I64, struct store_handoff, m)
#define TEXT(name, m) SQ_PARAM(name, SQP_FIELD, struct store_handoff, m)
static const struct sq_param handoff_params[] = {
	I64("chat", chat_id),	   I64("seq", seq),	    I64("library", library_id),
	I64("queue", queue_id),	   I64("from", from_staff), I64("to", to_staff),
	I64("to_queue", to_queue), I64("at", created_at),   I64("decided", decided_at),
	TEXT("kind", kind),	   TEXT("note", note),	    TEXT("state", state),
	TEXT("reason", reason),
};

int sq_bind_handoff(sqlite3_stmt *st, const struct store_handoff *r)
{
	return sq_bind_named(st, handoff_params, SQ_N(handoff_params), r);
}

/* the columns of SQ_HANDOFFS are in the order of handoff_params */
SQ_FILL_FN(fill_handoff, handoff_params)
SQ_ROW_ADAPTER(row_handoff, store_handoff_cb, struct store_handoff)

#define QUERY(name, kind, m) SQ_PARAM(name, kind, struct store_handoff_query, m)
static const struct sq_param query_params[] = {
	QUERY("library", SQP_I64, library_id),	  QUERY("chat", SQP_I64, chat_id),
	QUERY("since", SQP_I64, since),		  QUERY("until", SQP_I64, until),
	QUERY("consortium", SQP_INT, consortium), QUERY("limit", SQP_INT, limit),
};

/* See store.h. */
int sq_handoffs(struct store_conn *c, const struct store_handoff_query *q, store_handoff_cb cb,
		void *ctx)
{
	struct store_handoff r;
	sqlite3_stmt *st;

	if (!q || !cb || q->limit <= 0)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_HANDOFFS);
	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, sq_bind_named(st, query_params, SQ_N(query_params), q),
			   fill_handoff, &r, row_handoff, &cb, ctx, "handoffs");
}

SQ_ROW_ADAPTER(row_chat, store_chat_cb, struct store_chat)

/* See store.h. */
int sq_rated_chats(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		   int limit, store_chat_cb cb, void *ctx)
{
	struct store_chat r;

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_RATED_CHATS,
		       (const int64_t[]){library_id, since, until, sq_limit(limit)}, 4,
		       sq_fill_chat, &r, row_chat, &cb, ctx, "rated_chats");
}
