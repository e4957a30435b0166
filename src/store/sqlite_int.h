/* sqlite_int.h: internals shared by the SQLite backend's files (sqlite.c, sqlite_read.c,
 * sqlite_sql.c). Not for use outside src/store/sqlite*.c.
 *
 * All SQL text lives in sqlite_sql.c: the schema migrations and one table of statements,
 * indexed by `enum sq_stmt`. Each connection prepares a statement the first time it is
 * used (SQLITE_PREPARE_PERSISTENT) and keeps it until close.
 */
#ifndef RAPPORT_STORE_SQLITE_INT_H
#define RAPPORT_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store.h"

enum sq_stmt {
	/* transactions and housekeeping */
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_USER_VERSION,
	/* writes (writer thread) */
	SQ_PATRON_INSERT,
	SQ_PATRON_TOUCH,
	SQ_CHAT_INSERT,
	SQ_CHAT_UPDATE,
	SQ_MESSAGE_INSERT,
	SQ_ARCHIVE_CHAT,
	SQ_UNLOG_CHAT,
	SQ_SESSION_INSERT,
	SQ_SESSION_TOUCH,
	SQ_SESSION_DELETE,
	/* set-up (CLI) */
	SQ_LIBRARY_ENSURE,
	SQ_QUEUE_ENSURE,
	SQ_STAFF_PUT,
	/* reads */
	SQ_LIBRARIES,
	SQ_QUEUES,
	SQ_STAFF_ALL,
	SQ_STAFF_BY_EMAIL,
	SQ_SESSIONS_LIVE,
	SQ_PATRON_BY_TOKEN,
	SQ_CHAT_GET,
	SQ_CHATS_OPEN,
	SQ_CHATS_BY_PATRON,
	SQ_CHATS_BY_LIBRARY,
	SQ_MESSAGES,
	SQ_ARCHIVED,
	SQ_LOG_MESSAGES,
	SQ_LOG_ALL,
	SQ_MAX_IDS,
	SQ__COUNT
};

/* Message kind and author are stored as small integers: the messages table is the hot
 * one, and SQLite stores the integers 0 and 1 in the record header alone. */
enum sq_msg_kind { SQ_KIND_TEXT = 0, SQ_KIND_EVENT = 1 };
enum sq_msg_author { SQ_AUTHOR_SYSTEM = 0, SQ_AUTHOR_PATRON = 1, SQ_AUTHOR_STAFF = 2 };

struct store_conn {
	sqlite3 *db;
	int readonly;
	int wal_ckpt_at;  /* WAL size in pages right after the last checkpoint */
	int wal_dirty;    /* commits since the last complete checkpoint */
	sqlite3_stmt *st[SQ__COUNT];
};

/* ---- sqlite_sql.c: the SQL text ---- */

extern const char *const sq_sql[SQ__COUNT];
extern const char *const sq_migrations[];
extern const int sq_migration_count;
extern const char sq_pragma_wal[];
extern const char sq_pragma_sync_full[];
extern const char sq_pragma_sync_normal[];
extern const char sq_pragma_fk[];
extern const char sq_pragma_no_autockpt[];
extern const char sq_pragma_writer_cache[];
extern const char sq_pragma_set_version[];

/* ---- sqlite.c: helpers used by sqlite_read.c ---- */

/* Returns the connection's prepared statement `id`, preparing it on first use; NULL on
 * failure (logged). The caller must pass it to sq_done() after use. */
sqlite3_stmt *sq_stmt(struct store_conn *c, enum sq_stmt id);
/* Resets the statement and clears its bindings so it holds no locks or pointers. */
void sq_done(sqlite3_stmt *st);
/* Maps a SQLite result code to a store error, logging real failures with `what`. */
int sq_err(struct store_conn *c, int rc, const char *what);
/* Copies column `col` as text into dst[size]; STORE_ERR if it does not fit. */
int sq_col_text(sqlite3_stmt *st, int col, char *dst, size_t size);

/* ---- sqlite_read.c: the read half of the ops table ---- */

int sq_libraries(struct store_conn *c, store_library_cb cb, void *ctx);
int sq_queues(struct store_conn *c, store_queue_cb cb, void *ctx);
int sq_staff_all(struct store_conn *c, store_staff_cb cb, void *ctx);
int sq_staff_by_email(struct store_conn *c, const char *email, struct store_staff *out);
int sq_sessions_live(struct store_conn *c, int64_t idle_since, int64_t created_since,
		     store_session_cb cb, void *ctx);
int sq_patron_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
		       struct store_patron *out);
int sq_chat_get(struct store_conn *c, int64_t id, struct store_chat *out);
int sq_chats_open(struct store_conn *c, store_chat_cb cb, void *ctx);
int sq_chats_by_patron(struct store_conn *c, int64_t patron_id, int limit, store_chat_cb cb,
		       void *ctx);
int sq_chats_by_library(struct store_conn *c, int64_t library_id, const char *state,
			int64_t before_id, int limit, store_chat_cb cb, void *ctx);
int sq_log_messages(struct store_conn *c, store_message_cb cb, void *ctx);
int sq_messages(struct store_conn *c, int64_t chat_id, int64_t after_seq, int limit,
		store_message_cb cb, void *ctx);
int sq_max_ids(struct store_conn *c, int64_t *max_chat_id, int64_t *max_patron_id);

#endif
