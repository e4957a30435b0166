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

/* See sqlite_int.h. */
int sq_each_row(struct store_conn *c, sqlite3_stmt *st, int bind_rc, sq_fill_fn fill, void *rec,
		sq_row_fn row, void *cb, void *ctx, const char *what)
{
	int rc = bind_rc, out = STORE_OK;

	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			out = fill(st, rec);
			if (out == STORE_OK)
				out = row(cb, ctx, rec);
			if (out != STORE_OK)
				break;
		}
	}
	sq_done(st);
	if (out == STORE_STOP)
		return STORE_OK;
	if (out != STORE_OK)
		return out;
	return sq_err(c, rc, what);
}

/* See sqlite_int.h. */
int sq_one_row(struct store_conn *c, sqlite3_stmt *st, int bind_rc, sq_fill_fn fill, void *rec,
	       const char *what)
{
	int rc = bind_rc, out;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		out = fill(st, rec);
	else if (rc == SQLITE_DONE)
		out = STORE_NOTFOUND;
	else
		out = sq_err(c, rc, what);
	sq_done(st);
	return out;
}

/* See sqlite_int.h. */
int sq_limit(int limit)
{
	return limit > 0 ? limit : -1; /* SQLite: a negative LIMIT means none */
}

/* ---- row fillers ------------------------------------------------------------------- */

static int fill_library(sqlite3_stmt *st, void *rec)
{
	struct store_library *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->created_at = sqlite3_column_int64(st, 4);
	if (sq_col_text(st, 1, r->slug, sizeof r->slug) ||
	    sq_col_text(st, 2, r->name, sizeof r->name) ||
	    sq_col_text(st, 3, r->origins, sizeof r->origins))
		return STORE_ERR;
	return STORE_OK;
}

static int fill_queue(sqlite3_stmt *st, void *rec)
{
	struct store_queue *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->created_at = sqlite3_column_int64(st, 4);
	if (sq_col_text(st, 2, r->slug, sizeof r->slug) ||
	    sq_col_text(st, 3, r->name, sizeof r->name))
		return STORE_ERR;
	return STORE_OK;
}

static int fill_staff(sqlite3_stmt *st, void *rec)
{
	struct store_staff *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->max_chats = sqlite3_column_int(st, 6);
	r->created_at = sqlite3_column_int64(st, 7);
	r->listed = sqlite3_column_int(st, 11);
	r->photo_at = sqlite3_column_int64(st, 13);
	if (sq_col_text(st, 2, r->email, sizeof r->email) ||
	    sq_col_text(st, 3, r->display_name, sizeof r->display_name) ||
	    sq_col_text(st, 4, r->role, sizeof r->role) ||
	    sq_col_text(st, 5, r->pw_hash, sizeof r->pw_hash) ||
	    sq_col_text(st, 8, r->pronouns, sizeof r->pronouns) ||
	    sq_col_text(st, 9, r->subjects, sizeof r->subjects) ||
	    sq_col_text(st, 10, r->bio, sizeof r->bio) ||
	    sq_col_text(st, 12, r->photo_type, sizeof r->photo_type))
		return STORE_ERR;
	return STORE_OK;
}

/* Copies a token hash column; STORE_ERR unless it is exactly STORE_TOKEN_HASH_LEN bytes. */
static int col_hash(sqlite3_stmt *st, int col, uint8_t *dst)
{
	const void *b = sqlite3_column_blob(st, col);

	if (!b || sqlite3_column_bytes(st, col) != STORE_TOKEN_HASH_LEN)
		return STORE_ERR;
	memcpy(dst, b, STORE_TOKEN_HASH_LEN);
	return STORE_OK;
}

static int fill_session(sqlite3_stmt *st, void *rec)
{
	struct store_session *r = rec;

	r->staff_id = sqlite3_column_int64(st, 1);
	r->created_at = sqlite3_column_int64(st, 3);
	r->last_seen = sqlite3_column_int64(st, 4);
	if (col_hash(st, 0, r->token_hash) || sq_col_text(st, 2, r->csrf, sizeof r->csrf))
		return STORE_ERR;
	return STORE_OK;
}

static int fill_patron(sqlite3_stmt *st, void *rec)
{
	struct store_patron *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->created_at = sqlite3_column_int64(st, 3);
	r->last_seen = sqlite3_column_int64(st, 4);
	return col_hash(st, 2, r->token_hash);
}

/* See sqlite_int.h. Columns as in CHAT_COLS (sqlite_sql.c). */
int sq_fill_chat(sqlite3_stmt *st, void *rec)
{
	struct store_chat *r = rec;

	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->queue_id = sqlite3_column_int64(st, 2);
	r->patron_id = sqlite3_column_int64(st, 3);
	r->staff_id = sqlite3_column_int64(st, 4);
	r->created_at = sqlite3_column_int64(st, 8);
	r->picked_at = sqlite3_column_int64(st, 9);
	r->ended_at = sqlite3_column_int64(st, 10);
	r->remembered = sqlite3_column_int(st, 11);
	r->rating = sqlite3_column_int(st, 14);
	r->wait_estimate_ms = sqlite3_column_int64(st, 15);
	r->wait_last_ms = sqlite3_column_int64(st, 16);
	r->wait_actual_ms = sqlite3_column_int64(st, 17);
	r->wait_grew = sqlite3_column_int(st, 18);
	r->offer_staff_id = sqlite3_column_int64(st, 19);
	r->offer_until = sqlite3_column_int64(st, 21);
	r->route_ends = sqlite3_column_int64(st, 22);
	r->routing = sqlite3_column_int(st, 23);
	if (sq_col_text(st, 5, r->state, sizeof r->state) ||
	    sq_col_text(st, 6, r->join_cmid, sizeof r->join_cmid) ||
	    sq_col_text(st, 7, r->ended_by, sizeof r->ended_by) ||
	    sq_col_text(st, 12, r->question, sizeof r->question) ||
	    sq_col_text(st, 13, r->outcome, sizeof r->outcome) ||
	    sq_col_text(st, 20, r->offer_why, sizeof r->offer_why))
		return STORE_ERR;
	return STORE_OK;
}

static int fill_message(sqlite3_stmt *st, void *rec)
{
	static const char *const kinds[] = {[SQ_KIND_TEXT] = "text", [SQ_KIND_EVENT] = "event"};
	static const char *const authors[] = {[SQ_AUTHOR_SYSTEM] = "system",
					      [SQ_AUTHOR_PATRON] = "patron",
					      [SQ_AUTHOR_STAFF] = "staff"};
	struct store_message *r = rec;
	int kind = sqlite3_column_int(st, 2), author = sqlite3_column_int(st, 3);

	if (kind < 0 || kind > SQ_KIND_EVENT || author < 0 || author > SQ_AUTHOR_STAFF)
		return STORE_ERR;
	r->chat_id = sqlite3_column_int64(st, 0);
	r->seq = sqlite3_column_int64(st, 1);
	strcpy(r->kind, kinds[kind]);
	strcpy(r->author, authors[author]);
	r->author_id = sqlite3_column_int64(st, 4);
	r->body = (const char *)sqlite3_column_text(st, 6);
	if (!r->body)
		r->body = "";
	r->created_at = sqlite3_column_int64(st, 7);
	return sq_col_text(st, 5, r->cmid, sizeof r->cmid);
}

/* ---- typed callback adapters ------------------------------------------------------- */

/* Function pointers cannot pass through void *, so each adapter gets a pointer to one. */
#define ROW_ADAPTER(name, cbtype, rectype)                                                         \
	static int name(void *cb, void *ctx, const void *rec)                                      \
	{                                                                                          \
		return (*(cbtype *)cb)(ctx, (const rectype *)rec);                                 \
	}
ROW_ADAPTER(row_library, store_library_cb, struct store_library)
ROW_ADAPTER(row_queue, store_queue_cb, struct store_queue)
ROW_ADAPTER(row_staff, store_staff_cb, struct store_staff)
ROW_ADAPTER(row_session, store_session_cb, struct store_session)
ROW_ADAPTER(row_chat, store_chat_cb, struct store_chat)
ROW_ADAPTER(row_message, store_message_cb, struct store_message)

/* ---- the reads (contracts in store.h, struct store_ops) ---------------------------- */

/* All libraries by id. */
int sq_libraries(struct store_conn *c, store_library_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_LIBRARIES);
	struct store_library r = {0};

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, SQLITE_OK, fill_library, &r, row_library, &cb, ctx, "libraries");
}

/* All queues by id. */
int sq_queues(struct store_conn *c, store_queue_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_QUEUES);
	struct store_queue r = {0};

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, SQLITE_OK, fill_queue, &r, row_queue, &cb, ctx, "queues");
}

/* All staff by id. */
int sq_staff_all(struct store_conn *c, store_staff_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_STAFF_ALL);
	struct store_staff r = {0};

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, SQLITE_OK, fill_staff, &r, row_staff, &cb, ctx, "staff_all");
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
	return sq_one_row(c, st, sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC), fill_staff,
			  out, "staff_by_email");
}

/* Sessions still valid: seen since idle_since and created since created_since. */
int sq_sessions_live(struct store_conn *c, int64_t idle_since, int64_t created_since,
		     store_session_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_SESSIONS_LIVE);
	struct store_session r = {0};
	int rc;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, idle_since);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, created_since);
	return sq_each_row(c, st, rc, fill_session, &r, row_session, &cb, ctx, "sessions_live");
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
	sqlite3_stmt *st;

	if (!out)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_CHAT_GET);
	if (!st)
		return STORE_ERR;
	return sq_one_row(c, st, sqlite3_bind_int64(st, 1, id), sq_fill_chat, out, "chat_get");
}

/* Queued and active chats, oldest first, through the partial index chats_open. */
int sq_chats_open(struct store_conn *c, store_chat_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CHATS_OPEN);
	struct store_chat r = {0};

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, SQLITE_OK, sq_fill_chat, &r, row_chat, &cb, ctx, "chats_open");
}

/* A patron's chats, newest first; limit <= 0 means all. */
int sq_chats_by_patron(struct store_conn *c, int64_t patron_id, int limit, store_chat_cb cb,
		       void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CHATS_BY_PATRON);
	struct store_chat r = {0};
	int rc;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, patron_id);
	rc = rc ? rc : sqlite3_bind_int(st, 2, sq_limit(limit));
	return sq_each_row(c, st, rc, sq_fill_chat, &r, row_chat, &cb, ctx, "chats_by_patron");
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
	st = sq_stmt(c, archived ? SQ_MESSAGES : SQ_LOG_MESSAGES);
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, chat_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, after_seq);
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	return sq_each_row(c, st, rc, fill_message, &r, row_message, &cb, ctx, "messages");
}

/* Largest chat and patron ids, 0 when the tables are empty. */
int sq_max_ids(struct store_conn *c, int64_t *max_chat_id, int64_t *max_patron_id)
{
	sqlite3_stmt *st;
	int rc;

	if (!max_chat_id || !max_patron_id)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_MAX_IDS);
	if (!st)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*max_chat_id = sqlite3_column_int64(st, 0);
		*max_patron_id = sqlite3_column_int64(st, 1);
	}
	sq_done(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_err(c, rc, "max_ids");
}

/* Every message in the log (open chats), in the order written: start-up loading. */
int sq_log_messages(struct store_conn *c, store_message_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_LOG_ALL);
	struct store_message r = {0};

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, SQLITE_OK, fill_message, &r, row_message, &cb, ctx, "log");
}

/* One of the wait history reads (store.h, wait_history). */
static int wait_samples(struct store_conn *c, int which, int kind, int64_t library_id,
			int64_t since, int limit, store_wait_sample_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, which);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, since);
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = cb(ctx, kind, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			   sqlite3_column_int64(st, 2));

		if (r) {
			sq_done(st);
			return r == STORE_STOP ? STORE_OK : r;
		}
		rc = SQLITE_OK;
	}
	sq_done(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_err(c, rc, "wait_history");
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
	sqlite3_stmt *st = sq_stmt(c, SQ_WAITS);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, since);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, until);
	rc = rc ? rc : sqlite3_bind_int(st, 4, sq_limit(limit));
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			   sqlite3_column_int(st, 2));

		if (r) {
			sq_done(st);
			return r == STORE_STOP ? STORE_OK : r;
		}
		rc = SQLITE_OK;
	}
	sq_done(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_err(c, rc, "waits");
}
