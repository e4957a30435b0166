/* sqlite_sql.c: every SQL string of the SQLite backend, in one place.
 *
 * Migrations: sq_migrations[i] brings the schema from version i to i+1 (PRAGMA
 * user_version). Never edit a migration that has shipped; append a new one.
 * Statements: all values are bound parameters; nothing is ever pasted into SQL text.
 */
#include "sqlite_int.h"

/* ---- schema ------------------------------------------------------------------------ */

/* Version 1. Notes:
 * - chats.staff_id is NULL (not 0) until someone picks the chat, so the foreign key holds.
 * - messages is the hot table: WITHOUT ROWID on (chat_id, seq), no secondary index, kind
 *   and author as small integers (see enum sq_msg_kind, sq_msg_author), cmid NULL when
 *   the client sent none (so a future unique (chat_id, cmid) index ignores those).
 * - token hashes are 32-byte BLOBs (BLAKE2b-256 of the token, never the token). */
static const char migration_1[] =
	"CREATE TABLE libraries ("
	" id INTEGER PRIMARY KEY,"
	" slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 63),"
	" name TEXT NOT NULL,"
	" origins TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE queues ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 63),"
	" name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" UNIQUE (library_id, slug)"
	");"
	"CREATE TABLE staff ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 255),"
	" display_name TEXT NOT NULL,"
	" role TEXT NOT NULL CHECK (role IN ('librarian', 'admin')),"
	" pw_hash TEXT NOT NULL,"
	" max_chats INTEGER NOT NULL DEFAULT 0 CHECK (max_chats >= 0),"
	" created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE sessions ("
	" token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	" staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,"
	" csrf TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE patrons ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	" created_at INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL"
	");"
	"CREATE TABLE chats ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" queue_id INTEGER NOT NULL REFERENCES queues(id),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" staff_id INTEGER REFERENCES staff(id),"
	" state TEXT NOT NULL CHECK (state IN ('queued', 'active', 'ended', 'abandoned')),"
	" join_cmid TEXT NOT NULL DEFAULT '',"
	" ended_by TEXT NOT NULL DEFAULT ''"
	"  CHECK (ended_by IN ('', 'patron', 'staff', 'system')),"
	" created_at INTEGER NOT NULL,"
	" picked_at INTEGER NOT NULL DEFAULT 0,"
	" ended_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX chats_open ON chats(id) WHERE state IN ('queued', 'active');"
	"CREATE INDEX chats_by_patron ON chats(patron_id, id DESC);"
	"CREATE INDEX chats_by_library ON chats(library_id, id DESC);"
	"CREATE TABLE messages ("
	" chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL CHECK (seq > 0),"
	" kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
	" author INTEGER NOT NULL CHECK (author IN (0, 1, 2)),"
	" author_id INTEGER NOT NULL,"
	" cmid TEXT,"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" PRIMARY KEY (chat_id, seq)"
	") WITHOUT ROWID;";

/* Version 2: live messages go to an append-only log keyed by a global sequence. A commit
 * of messages to hundreds of chats then dirties only the few log pages its rows fill,
 * instead of one (chat, seq) leaf page per chat. When a chat ends, its messages move into
 * `messages` in one write (SQ_ARCHIVE_CHAT, SQ_UNLOG_CHAT). The log holds only open chats'
 * messages, which the server also keeps in memory; it has no index on purpose. */
static const char migration_2[] =
	"CREATE TABLE message_log ("
	" id INTEGER PRIMARY KEY,"
	" chat_id INTEGER NOT NULL,"
	" seq INTEGER NOT NULL CHECK (seq > 0),"
	" kind INTEGER NOT NULL CHECK (kind IN (0, 1)),"
	" author INTEGER NOT NULL CHECK (author IN (0, 1, 2)),"
	" author_id INTEGER NOT NULL,"
	" cmid TEXT,"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL"
	");"
	/* open chats' messages move to the log, so each message lives in one place */
	"INSERT INTO message_log (chat_id, seq, kind, author, author_id, cmid, body, created_at)"
	" SELECT m.chat_id, m.seq, m.kind, m.author, m.author_id, m.cmid, m.body, m.created_at"
	" FROM messages m JOIN chats c ON c.id = m.chat_id"
	" WHERE c.state IN ('queued', 'active') ORDER BY m.chat_id, m.seq;"
	"DELETE FROM messages WHERE chat_id IN"
	" (SELECT id FROM chats WHERE state IN ('queued', 'active'));";

const char *const sq_migrations[] = {
	migration_1,
	migration_2,
};
const int sq_migration_count = (int)(sizeof sq_migrations / sizeof sq_migrations[0]);

/* ---- connection set-up ------------------------------------------------------------- */

const char sq_pragma_wal[] = "PRAGMA journal_mode=WAL";
const char sq_pragma_sync_full[] = "PRAGMA synchronous=FULL";
const char sq_pragma_sync_normal[] = "PRAGMA synchronous=NORMAL";
const char sq_pragma_fk[] = "PRAGMA foreign_keys=ON";
/* writer: 32 MiB of page cache keeps the leaf pages of hundreds of live chats' messages
 * in memory (the 2 MiB default cost a third of insert throughput at 500 chats) */
const char sq_pragma_writer_cache[] = "PRAGMA cache_size=-32768";
/* the writer checkpoints itself, when idle or every ~1000 pages (see sqlite.c) */
const char sq_pragma_no_autockpt[] = "PRAGMA wal_autocheckpoint=0";
/* followed by the migration's version number (pragmas take no bound parameters) */
const char sq_pragma_set_version[] = "PRAGMA user_version=";

/* ---- statements -------------------------------------------------------------------- */

#define CHAT_COLS                                                                          \
	"id, library_id, queue_id, patron_id, coalesce(staff_id, 0), state, join_cmid, "   \
	"ended_by, created_at, picked_at, ended_at"

const char *const sq_sql[SQ__COUNT] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_USER_VERSION] = "PRAGMA user_version",

	[SQ_PATRON_INSERT] = "INSERT INTO patrons (id, library_id, token_hash, created_at, "
			     "last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_PATRON_TOUCH] = "UPDATE patrons SET last_seen = ?2 WHERE id = ?1",
	[SQ_CHAT_INSERT] = "INSERT INTO chats (id, library_id, queue_id, patron_id, staff_id, "
			   "state, join_cmid, ended_by, created_at, picked_at, ended_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[SQ_CHAT_UPDATE] = "UPDATE chats SET staff_id = ?2, state = ?3, ended_by = ?4, "
			   "picked_at = ?5, ended_at = ?6 WHERE id = ?1",
	[SQ_MESSAGE_INSERT] = "INSERT INTO message_log (chat_id, seq, kind, author, author_id, "
			      "cmid, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[SQ_ARCHIVE_CHAT] = "INSERT INTO messages (chat_id, seq, kind, author, author_id, cmid, "
			    "body, created_at) SELECT chat_id, seq, kind, author, author_id, "
			    "cmid, body, created_at FROM message_log WHERE chat_id = ?1 "
			    "ORDER BY seq",
	[SQ_UNLOG_CHAT] = "DELETE FROM message_log WHERE chat_id = ?1",
	[SQ_SESSION_INSERT] = "INSERT INTO sessions (token_hash, staff_id, csrf, created_at, "
			      "last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_SESSION_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
	[SQ_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",

	[SQ_LIBRARY_ENSURE] = "INSERT INTO libraries (slug, name, origins, created_at) "
			      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (slug) DO UPDATE SET "
			      "name = excluded.name, origins = excluded.origins "
			      "RETURNING id, created_at",
	[SQ_QUEUE_ENSURE] = "INSERT INTO queues (library_id, slug, name, created_at) "
			    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (library_id, slug) DO UPDATE "
			    "SET name = excluded.name RETURNING id, created_at",
	[SQ_STAFF_PUT] = "INSERT INTO staff (library_id, email, display_name, role, pw_hash, "
			 "max_chats, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
			 "ON CONFLICT (email) DO UPDATE SET library_id = excluded.library_id, "
			 "display_name = excluded.display_name, role = excluded.role, "
			 "pw_hash = excluded.pw_hash, max_chats = excluded.max_chats "
			 "RETURNING id, created_at",

	[SQ_LIBRARIES] = "SELECT id, slug, name, origins, created_at FROM libraries "
			 "ORDER BY id",
	[SQ_QUEUES] = "SELECT id, library_id, slug, name, created_at FROM queues ORDER BY id",
	[SQ_STAFF_ALL] = "SELECT id, library_id, email, display_name, role, pw_hash, "
			 "max_chats, created_at FROM staff ORDER BY id",
	[SQ_STAFF_BY_EMAIL] = "SELECT id, library_id, email, display_name, role, pw_hash, "
			      "max_chats, created_at FROM staff WHERE email = ?1",
	[SQ_SESSIONS_LIVE] = "SELECT token_hash, staff_id, csrf, created_at, last_seen "
			     "FROM sessions WHERE last_seen >= ?1 AND created_at >= ?2",
	[SQ_PATRON_BY_TOKEN] = "SELECT id, library_id, token_hash, created_at, last_seen "
			       "FROM patrons WHERE token_hash = ?1",
	[SQ_CHAT_GET] = "SELECT " CHAT_COLS " FROM chats WHERE id = ?1",
	/* the WHERE must repeat the partial index's condition for the planner to use it */
	[SQ_CHATS_OPEN] = "SELECT " CHAT_COLS " FROM chats INDEXED BY chats_open "
			  "WHERE state IN ('queued', 'active') ORDER BY id",
	[SQ_CHATS_BY_PATRON] = "SELECT " CHAT_COLS " FROM chats WHERE patron_id = ?1 "
			       "ORDER BY id DESC LIMIT ?2",
	/* ?3 is always a real bound (INT64_MAX when not paging) so the index range starts
	 * at the page boundary instead of scanning from the newest chat */
	[SQ_CHATS_BY_LIBRARY] = "SELECT " CHAT_COLS " FROM chats WHERE library_id = ?1 "
				"AND id < ?3 AND (?2 IS NULL OR state = ?2) "
				"ORDER BY id DESC LIMIT ?4",
	[SQ_MESSAGES] = "SELECT chat_id, seq, kind, author, author_id, coalesce(cmid, ''), "
			"body, created_at FROM messages WHERE chat_id = ?1 AND seq > ?2 "
			"ORDER BY seq LIMIT ?3",
	[SQ_ARCHIVED] = "SELECT 1 FROM messages WHERE chat_id = ?1 LIMIT 1",
	/* a chat still open: the log has no index (the server reads open chats from memory,
	 * and loads them at start with SQ_LOG_ALL), so this scans it */
	[SQ_LOG_MESSAGES] = "SELECT chat_id, seq, kind, author, author_id, coalesce(cmid, ''), "
			    "body, created_at FROM message_log WHERE chat_id = ?1 AND seq > ?2 "
			    "ORDER BY seq LIMIT ?3",
	[SQ_LOG_ALL] = "SELECT chat_id, seq, kind, author, author_id, coalesce(cmid, ''), "
		       "body, created_at FROM message_log ORDER BY id",
	[SQ_MAX_IDS] = "SELECT coalesce((SELECT max(id) FROM chats), 0), "
		       "coalesce((SELECT max(id) FROM patrons), 0)",
};
