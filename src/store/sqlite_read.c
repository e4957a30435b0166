/* sqlite_read.c: the reads of the SQLite backend (start-up loading, worker threads).
 *
 * Iterating reads call the callback once per row with a record whose strings point into
 * SQLite's buffers, valid only during the call. A callback returning STORE_STOP ends the
 * iteration early and the read returns 0; any other non-zero return ends it and is
 * returned. Single-row reads return STORE_NOTFOUND when there is no row.
 */
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- row fillers ------------------------------------------------------------------- */

/* Each table: the columns of its statements (sqlite_sql.c), in order. */
#define LIB(kind, m) SQ_COL(kind, struct store_library, m)
static const struct sq_param library_cols[] = {
	LIB(SQP_I64, id),
	LIB(SQP_FIELD, slug),
	LIB(SQP_FIELD, name),
	LIB(SQP_FIELD, origins),
	LIB(SQP_I64, created_at),
	LIB(SQP_I64, consortium_id),
	LIB(SQP_FIELD, policy_notes),
	LIB(SQP_FIELD, consortium_card),
	LIB(SQP_FIELD, greeting),
	LIB(SQP_FIELD, colour),
	LIB(SQP_FIELD, text_colour),
};
#define QUEUE(kind, m) SQ_COL(kind, struct store_queue, m)
static const struct sq_param queue_cols[] = {
	QUEUE(SQP_I64, id),	QUEUE(SQP_I64, library_id), QUEUE(SQP_FIELD, slug),
	QUEUE(SQP_FIELD, name), QUEUE(SQP_I64, created_at), QUEUE(SQP_I64, cascade_ms),
};
#define STAFF(kind, m) SQ_COL(kind, struct store_staff, m)
static const struct sq_param staff_cols[] = {
	STAFF(SQP_I64, id),	      STAFF(SQP_I64, library_id),
	STAFF(SQP_FIELD, email),      STAFF(SQP_FIELD, display_name),
	STAFF(SQP_FIELD, role),	      STAFF(SQP_FIELD, pw_hash),
	STAFF(SQP_INT, max_chats),    STAFF(SQP_I64, created_at),
	STAFF(SQP_FIELD, pronouns),   STAFF(SQP_FIELD, subjects),
	STAFF(SQP_FIELD, bio),	      STAFF(SQP_INT, listed),
	STAFF(SQP_FIELD, photo_type), STAFF(SQP_I64, photo_at),
	STAFF(SQP_INT, active),
};
#define SESSION(kind, m) SQ_COL(kind, struct store_session, m)
static const struct sq_param session_cols[] = {
	SESSION(SQP_HASH, token_hash), SESSION(SQP_I64, staff_id),  SESSION(SQP_FIELD, csrf),
	SESSION(SQP_I64, created_at),  SESSION(SQP_I64, last_seen),
};
#define PATRON(kind, m) SQ_COL(kind, struct store_patron, m)
static const struct sq_param patron_cols[] = {
	PATRON(SQP_I64, id),	     PATRON(SQP_I64, library_id), PATRON(SQP_HASH, token_hash),
	PATRON(SQP_I64, created_at), PATRON(SQP_I64, last_seen),
};
#define CHAT(kind, m) SQ_COL(kind, struct store_chat, m)
static const struct sq_param chat_cols[] = {
	CHAT(SQP_I64, id),	     CHAT(SQP_I64, library_id),
	CHAT(SQP_I64, queue_id),     CHAT(SQP_I64, patron_id),
	CHAT(SQP_I64, staff_id),     CHAT(SQP_CHAT_STATE, state),
	CHAT(SQP_FIELD, join_cmid),  CHAT(SQP_FIELD, ended_by),
	CHAT(SQP_I64, created_at),   CHAT(SQP_I64, picked_at),
	CHAT(SQP_I64, ended_at),     CHAT(SQP_INT, remembered),
	CHAT(SQP_FIELD, question),   CHAT(SQP_FIELD, outcome),
	CHAT(SQP_INT, rating),	     CHAT(SQP_I64, wait_estimate_ms),
	CHAT(SQP_I64, wait_last_ms), CHAT(SQP_I64, wait_actual_ms),
	CHAT(SQP_INT, wait_grew),    CHAT(SQP_I64, offer_staff_id),
	CHAT(SQP_FIELD, offer_why),  CHAT(SQP_I64, offer_until),
	CHAT(SQP_I64, route_ends),   CHAT(SQP_INT, routing),
};
SQ_FILL_FN(fill_queue, queue_cols)
SQ_FILL_FN(fill_session, session_cols)
SQ_FILL_FN(fill_patron, patron_cols)

/* See sqlite_int.h. Columns as in LIBRARY_COLS and STAFF_COLS (sqlite_sql.c). */
int sq_fill_library(sqlite3_stmt *st, void *rec)
{
	return SQ_FILL(st, library_cols, rec);
}

int sq_fill_staff(sqlite3_stmt *st, void *rec)
{
	return SQ_FILL(st, staff_cols, rec);
}

/* See sqlite_int.h. Columns as in CHAT_COLS (sqlite_sql.c). */
int sq_fill_chat(sqlite3_stmt *st, void *rec)
{
	return SQ_FILL(st, chat_cols, rec);
}

static int fill_message(sqlite3_stmt *st, void *rec)
{
	struct store_message *r = rec;
	int kind = sqlite3_column_int(st, 2), author = sqlite3_column_int(st, 3);

	if (kind < STORE_MSG_TEXT || kind > STORE_MSG_EVENT || author < STORE_AUTHOR_SYSTEM ||
	    author > STORE_AUTHOR_STAFF)
		return STORE_ERR;
	r->chat_id = sqlite3_column_int64(st, 0);
	r->seq = sqlite3_column_int64(st, 1);
	r->kind = (enum store_msg_kind)kind;
	r->author = (enum store_author)author;
	r->author_id = sqlite3_column_int64(st, 4);
	r->body = (const char *)sqlite3_column_text(st, 6);
	if (!r->body)
		r->body = "";
	r->created_at = sqlite3_column_int64(st, 7);
	return sq_col_text(st, 5, r->cmid, sizeof r->cmid);
}

/* ---- typed callback adapters ------------------------------------------------------- */

SQ_ROW_ADAPTER(row_library, store_library_cb, struct store_library)
SQ_ROW_ADAPTER(row_queue, store_queue_cb, struct store_queue)
SQ_ROW_ADAPTER(row_staff, store_staff_cb, struct store_staff)
SQ_ROW_ADAPTER(row_session, store_session_cb, struct store_session)
SQ_ROW_ADAPTER(row_chat, store_chat_cb, struct store_chat)
SQ_ROW_ADAPTER(row_message, store_message_cb, struct store_message)

/* ---- the reads (contracts in store.h, struct store_ops) ---------------------------- */

/* All libraries by id. */
int sq_libraries(struct store_conn *c, store_library_cb cb, void *ctx)
{
	struct store_library r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_LIBRARIES, NULL, 0, sq_fill_library, &r, row_library, &cb, ctx,
		       "libraries");
}

/* All queues by id. */
int sq_queues(struct store_conn *c, store_queue_cb cb, void *ctx)
{
	struct store_queue r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_QUEUES, NULL, 0, fill_queue, &r, row_queue, &cb, ctx, "queues");
}

/* All staff by id. */
int sq_staff_all(struct store_conn *c, store_staff_cb cb, void *ctx)
{
	struct store_staff r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_STAFF_ALL, NULL, 0, sq_fill_staff, &r, row_staff, &cb, ctx,
		       "staff_all");
}

/* One staff member by e-mail, ASCII case-insensitively (the column is COLLATE NOCASE). */
int sq_staff_by_email(struct store_conn *c, const char *email, struct store_staff *out)
{
	sqlite3_stmt *st;

	if (!email || !out)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_STAFF_BY_EMAIL);
	if (!st)
		return STORE_ERR;
	return sq_one_row(c, st, sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC), sq_fill_staff,
			  out, "staff_by_email");
}

/* Sessions still valid: seen since idle_since and created since created_since. */
int sq_sessions_live(struct store_conn *c, int64_t idle_since, int64_t created_since,
		     store_session_cb cb, void *ctx)
{
	struct store_session r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_SESSIONS_LIVE, (const int64_t[]){idle_since, created_since}, 2,
		       fill_session, &r, row_session, &cb, ctx, "sessions_live");
}

/* The patron whose token hashes to `hash`. */
int sq_patron_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
		       struct store_patron *out)
{
	sqlite3_stmt *st;

	if (!hash || !out)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_PATRON_BY_TOKEN);
	if (!st)
		return STORE_ERR;
	return sq_one_row(c, st,
			  sqlite3_bind_blob(st, 1, hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC),
			  fill_patron, out, "patron_by_token");
}

/* One chat by id. */
int sq_chat_get(struct store_conn *c, int64_t id, struct store_chat *out)
{
	if (!out)
		return STORE_BADARG;
	return sq_get(c, SQ_CHAT_GET, &id, 1, sq_fill_chat, out, "chat_get");
}

/* Queued and active chats, oldest first, through the partial index chats_open. */
int sq_chats_open(struct store_conn *c, store_chat_cb cb, void *ctx)
{
	struct store_chat r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_CHATS_OPEN, NULL, 0, sq_fill_chat, &r, row_chat, &cb, ctx,
		       "chats_open");
}

/* A patron's chats, newest first; limit <= 0 means all. */
int sq_chats_by_patron(struct store_conn *c, int64_t patron_id, int limit, store_chat_cb cb,
		       void *ctx)
{
	struct store_chat r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_CHATS_BY_PATRON, (const int64_t[]){patron_id, sq_limit(limit)}, 2,
		       sq_fill_chat, &r, row_chat, &cb, ctx, "chats_by_patron");
}

/* A library's chats, newest first, optionally in one state, below before_id when it is
 * positive; limit <= 0 means all. */
int sq_chats_by_library(struct store_conn *c, int64_t library_id, const char *state,
			int64_t before_id, int limit, store_chat_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CHATS_BY_LIBRARY);
	struct store_chat r = {0};
	int rc;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	if (!rc && state)
		rc = sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
	rc = rc ? rc : sqlite3_bind_int(st, 4, sq_limit(limit));
	return sq_each_row(c, st, rc, sq_fill_chat, &r, row_chat, &cb, ctx, "chats_by_library");
}

/* Messages of a chat after after_seq, in seq order; limit <= 0 means all. */
/* Messages of an ended chat are in `messages`; an open chat's are still in the log. */
int sq_messages(struct store_conn *c, int64_t chat_id, int64_t after_seq, int limit,
		store_message_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_ARCHIVED);
	struct store_message r = {0};
	int rc, archived;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, chat_id);
	rc = rc ? rc : sqlite3_step(st);
	archived = rc == SQLITE_ROW;
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_err(c, rc, "archived");
	return sq_list(c, archived ? SQ_MESSAGES : SQ_LOG_MESSAGES,
		       (const int64_t[]){chat_id, after_seq, sq_limit(limit)}, 3, fill_message, &r,
		       row_message, &cb, ctx, "messages");
}

/* Largest chat and patron ids, 0 when the tables are empty. */
int sq_max_ids(struct store_conn *c, int64_t *max_chat_id, int64_t *max_patron_id)
{
	sqlite3_stmt *st;

	if (!max_chat_id || !max_patron_id)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_MAX_IDS);
	if (!st)
		return STORE_ERR;
	return sq_one_counts(c, st, SQLITE_OK, (int64_t *const[]){max_chat_id, max_patron_id}, 2,
			     "max_ids");
}

/* Every message in the log (open chats), in the order written: start-up loading. */
int sq_log_messages(struct store_conn *c, store_message_cb cb, void *ctx)
{
	struct store_message r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_LOG_ALL, NULL, 0, fill_message, &r, row_message, &cb, ctx, "log");
}

/* A row of the wait reads: three integer columns, and which read it came from. */
struct wait_row {
	int kind;
	int64_t v[3];
};

static int fill_wait_row(sqlite3_stmt *st, void *rec)
{
	struct wait_row *r = rec;

	for (int i = 0; i < 3; i++)
		r->v[i] = sqlite3_column_int64(st, i);
	return STORE_OK;
}

static int row_sample(void *cb, void *ctx, const void *rec)
{
	const struct wait_row *r = rec;

	return (*(store_wait_sample_cb *)cb)(ctx, r->kind, r->v[0], r->v[1], r->v[2]);
}

static int row_wait(void *cb, void *ctx, const void *rec)
{
	const struct wait_row *r = rec;

	return (*(store_wait_cb *)cb)(ctx, r->v[0], r->v[1], (int)r->v[2]);
}

/* One of the wait history reads (store.h, wait_history). */
static int wait_samples(struct store_conn *c, enum sq_stmt which, int kind, int64_t library_id,
			int64_t since, int limit, store_wait_sample_cb cb, void *ctx)
{
	struct wait_row r = {.kind = kind};

	return sq_list(c, which, (const int64_t[]){library_id, since, sq_limit(limit)}, 3,
		       fill_wait_row, &r, row_sample, &cb, ctx, "wait_history");
}

/* A library's latest waits and handling times since `since` (store.h). */
int sq_wait_history(struct store_conn *c, int64_t library_id, int64_t since, int limit,
		    store_wait_sample_cb cb, void *ctx)
{
	int rc;

	if (!cb)
		return STORE_BADARG;
	rc = wait_samples(c, SQ_WAIT_PICKS, 0, library_id, since, limit, cb, ctx);
	return rc ? rc : wait_samples(c, SQ_WAIT_ENDS, 1, library_id, since, limit, cb, ctx);
}

/* Honest waits of a library's chats created in [since, until) (store.h). */
int sq_waits(struct store_conn *c, int64_t library_id, int64_t since, int64_t until, int limit,
	     store_wait_cb cb, void *ctx)
{
	struct wait_row r = {0};

	return sq_list(c, SQ_WAITS, (const int64_t[]){library_id, since, until, sq_limit(limit)}, 4,
		       fill_wait_row, &r, row_wait, &cb, ctx, "waits");
}
