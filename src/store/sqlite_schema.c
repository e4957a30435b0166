/* sqlite_schema.c: the SQL of the SQLite backend's schema: the migrations and the
 * pragmas each connection runs when it opens. The statements are in sqlite_sql.c.
 *
 * Migrations: sq_migrations[i] brings the schema from version i to i+1 (PRAGMA
 * user_version). Never edit a migration that has shipped; append a new one.
 */
#include "sqlite_int.h"

/* ---- schema ------------------------------------------------------------------------ */

/* Version 1. Notes:
 * - chats.staff_id is NULL (not 0) until someone picks the chat, so the foreign key holds.
 * - messages is the hot table: WITHOUT ROWID on (chat_id, seq), no secondary index, kind
 *   and author as small integers (enum store_msg_kind, store_author), cmid NULL when
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

/* Version 3: relationship memory (docs/PRIVACY.md). Notes:
 * - A patron is anonymous unless `remembered`; withdrawal clears every personal column
 *   and deletes notes, traits and favourites. `consents` is the append-only record of
 *   each give and withdraw (no personal content) and outlives the withdrawal.
 * - chats.remembered marks the chats that make up a patron's remembered history;
 *   chats_remembered serves the card, the relation (count, helpers) and continuity, all
 *   as range scans of one patron's entries.
 * - chats.question is the patron's first message (seq 1) cut to 255 bytes on a UTF-8
 *   boundary by rapport_utf8_cut(), a C function sqlite.c registers on the writer
 *   connection (SQL substr counts characters, not bytes).
 * - chat_text is contentless full-text (FTS5): rowid = chat id, one document per ended
 *   chat (abandoned ones are not searched): `body` its text messages joined by newlines,
 *   `patron` the chat's patron as one token, 'p' || patron_id (a chat's patron never
 *   changes; whether the chat is remembered is checked in chats, so forgetting unlinks
 *   at once). Filled when a chat is archived; here for the chats ended already.
 *   columnsize=0: results are never ranked.
 * - notes ids are AUTOINCREMENT so a deleted note's id is never reused by another. */
static const char migration_3[] =
	"ALTER TABLE patrons ADD COLUMN remembered INTEGER NOT NULL DEFAULT 0"
	" CHECK (remembered IN (0, 1));"
	"ALTER TABLE patrons ADD COLUMN remembered_since INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE patrons ADD COLUMN notice_version TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE patrons ADD COLUMN display_name TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE patrons ADD COLUMN email TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE patrons ADD COLUMN preferred_staff_id INTEGER REFERENCES staff(id);"
	"CREATE TABLE consents ("
	" id INTEGER PRIMARY KEY,"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" action TEXT NOT NULL CHECK (action IN ('give', 'withdraw')),"
	" scope TEXT NOT NULL DEFAULT 'remember' CHECK (scope IN ('remember')),"
	" notice_version TEXT NOT NULL DEFAULT '',"
	" at INTEGER NOT NULL"
	");"
	"CREATE INDEX consents_by_patron ON consents(patron_id, id);"
	"ALTER TABLE chats ADD COLUMN remembered INTEGER NOT NULL DEFAULT 0"
	" CHECK (remembered IN (0, 1));"
	"ALTER TABLE chats ADD COLUMN question TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE chats ADD COLUMN outcome TEXT NOT NULL DEFAULT ''"
	" CHECK (outcome IN ('', 'answered', 'partly', 'referred', 'follow_up', 'unanswered'));"
	"ALTER TABLE chats ADD COLUMN rating INTEGER NOT NULL DEFAULT 0"
	" CHECK (rating BETWEEN 0 AND 5);"
	"UPDATE chats SET question = coalesce((SELECT rapport_utf8_cut(body, 255) FROM messages"
	" WHERE chat_id = chats.id AND seq = 1 AND kind = 0 AND author = 1), '');"
	"UPDATE chats SET question = rapport_utf8_cut(l.body, 255) FROM message_log l"
	" WHERE l.chat_id = chats.id AND l.seq = 1 AND l.kind = 0 AND l.author = 1;"
	/* remembered is a column too: SQLite (3.40) covers a query with a partial index
	 * only if the index holds every column the query names */
	"CREATE INDEX chats_remembered ON chats(patron_id, id DESC, staff_id, created_at,"
	" remembered) WHERE remembered = 1;"
	"CREATE INDEX chats_continuity ON chats(library_id, created_at)"
	" WHERE remembered = 1 AND staff_id IS NOT NULL;"
	"CREATE TABLE notes ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" author_id INTEGER NOT NULL REFERENCES staff(id),"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL"
	");"
	"CREATE INDEX notes_by_patron ON notes(patron_id, id DESC);"
	"CREATE TABLE traits ("
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" key TEXT NOT NULL,"
	" value TEXT NOT NULL,"
	" updated_by INTEGER NOT NULL DEFAULT 0," /* staff id, 0: the patron */
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY (patron_id, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE trait_keys ("
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" key TEXT NOT NULL,"
	" label TEXT NOT NULL,"
	" PRIMARY KEY (library_id, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE favourites ("
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" staff_id INTEGER NOT NULL REFERENCES staff(id),"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY (patron_id, staff_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX favourites_recent ON favourites(patron_id, at DESC);"
	"CREATE TABLE card_views ("
	" id INTEGER PRIMARY KEY,"
	" staff_id INTEGER NOT NULL REFERENCES staff(id),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" at INTEGER NOT NULL"
	");"
	"CREATE INDEX card_views_by_library ON card_views(library_id, id DESC);"
	"CREATE INDEX card_views_by_patron ON card_views(patron_id, id DESC);"
	"ALTER TABLE staff ADD COLUMN pronouns TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE staff ADD COLUMN subjects TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE staff ADD COLUMN bio TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE staff ADD COLUMN listed INTEGER NOT NULL DEFAULT 0 CHECK (listed IN (0, 1));"
	"ALTER TABLE staff ADD COLUMN photo_type TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE staff ADD COLUMN photo_at INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE staff_photos ("
	" staff_id INTEGER PRIMARY KEY REFERENCES staff(id),"
	" type TEXT NOT NULL CHECK (type IN ('image/png', 'image/jpeg')),"
	" data BLOB NOT NULL"
	");"
	"CREATE VIRTUAL TABLE chat_text USING fts5(body, patron, content='', columnsize=0,"
	" tokenize='unicode61 remove_diacritics 2');"
	/* the subquery's ORDER BY gives group_concat the messages in seq order; every row
	 * of a group has the same patron_id */
	"INSERT INTO chat_text (rowid, body, patron) SELECT chat_id,"
	" group_concat(body, char(10)), 'p' || min(patron_id)"
	" FROM (SELECT m.chat_id, m.body, c.patron_id FROM chats c JOIN messages m"
	" ON m.chat_id = c.id WHERE c.state = 'ended' AND m.kind = 0"
	" ORDER BY m.chat_id, m.seq)"
	" GROUP BY chat_id;";

/* Version 4: honest waits (docs/DECISIONS.md, "Honest waits").
 * - the estimate first shown and last shown, as total waits from the join (ms), NULL
 *   when the patron was told we could not estimate; the actual wait (join to pick, or to
 *   leaving for abandoned chats) NULL while queued; how often we said it grew.
 * - chats_waits serves the accuracy report (one library's chats by creation time, only
 *   those with an estimate). */
static const char migration_4[] =
	"ALTER TABLE chats ADD COLUMN wait_estimate_ms INTEGER CHECK (wait_estimate_ms >= 0);"
	"ALTER TABLE chats ADD COLUMN wait_last_ms INTEGER CHECK (wait_last_ms >= 0);"
	"ALTER TABLE chats ADD COLUMN wait_actual_ms INTEGER CHECK (wait_actual_ms >= 0);"
	"ALTER TABLE chats ADD COLUMN wait_grew INTEGER NOT NULL DEFAULT 0"
	" CHECK (wait_grew >= 0);"
	"CREATE INDEX chats_waits ON chats(library_id, created_at, wait_estimate_ms,"
	" wait_actual_ms, picked_at) WHERE wait_estimate_ms IS NOT NULL;";

/* Version 5: the promise ledger (src/desk/promise.h). Notes:
 * - A promise belongs to a library and a patron (remembered or not: it is about a chat,
 *   not about memory); chat_id is NULL when it was not made in a chat.
 * - done_at is when it was completed or cancelled; kept on time is done_at <= due_at.
 * - The three (x, state, due_at) indexes serve "my open promises", "the desk's open
 *   promises" and "a patron's open promises" as range scans already in due order
 *   (overdue first); promises_made serves the report.
 * - promise_events is the history (created, done, cancelled, reassigned) with the owner
 *   after each change. */
static const char migration_5[] =
	"CREATE TABLE promises ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" chat_id INTEGER REFERENCES chats(id),"
	" what TEXT NOT NULL CHECK (length(CAST(what AS BLOB)) BETWEEN 1 AND 500),"
	" due_at INTEGER NOT NULL,"
	" owner_id INTEGER NOT NULL REFERENCES staff(id),"
	" channel TEXT NOT NULL CHECK (channel IN ('email', 'chat')),"
	" state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled')),"
	" created_by INTEGER NOT NULL REFERENCES staff(id),"
	" created_at INTEGER NOT NULL,"
	" done_at INTEGER NOT NULL DEFAULT 0,"
	" done_note TEXT NOT NULL DEFAULT '',"
	" cancel_reason TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX promises_by_owner ON promises(owner_id, state, due_at);"
	"CREATE INDEX promises_by_library ON promises(library_id, state, due_at);"
	"CREATE INDEX promises_by_patron ON promises(patron_id, state, due_at);"
	"CREATE INDEX promises_made ON promises(library_id, created_at);"
	"CREATE TABLE promise_events ("
	" id INTEGER PRIMARY KEY,"
	" promise_id INTEGER NOT NULL REFERENCES promises(id),"
	" at INTEGER NOT NULL,"
	" staff_id INTEGER NOT NULL REFERENCES staff(id)," /* who acted */
	" kind TEXT NOT NULL CHECK (kind IN ('created', 'done', 'cancelled', 'reassigned')),"
	" owner_id INTEGER NOT NULL REFERENCES staff(id),"
	" note TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX promise_events_by_promise ON promise_events(promise_id, id);";

/* Version 6: the e-mail outbox and sign-in links (docs/DECISIONS.md, "E-mail: at least
 * once to the SMTP server, exactly once with Message-ID"). Notes:
 * - outbox rows are never deleted by the server; `outbox_due` holds only rows waiting to
 *   be sent (queued, or sending after a crash), `outbox_state` serves the admin lists,
 *   `outbox_dead` the count of dead letters for /healthz.
 * - message_id is chosen when the mail is queued and never changes: a resend is the same
 *   message.
 * - patron_tokens: more tokens of one patron (a browser signed in by a link); the first
 *   token stays in patrons.token_hash.
 * - signin_tokens: single-use links, stored hashed; used_at > 0 once consumed. */
static const char migration_6[] =
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" kind TEXT NOT NULL CHECK (kind IN ('transcript', 'signin', 'followup', 'case', 'other')),"
	" to_addr TEXT NOT NULL CHECK (length(to_addr) BETWEEN 3 AND 254),"
	" subject TEXT NOT NULL,"
	" body_text TEXT NOT NULL,"
	" body_html TEXT,"
	" list_unsubscribe TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued'"
	"  CHECK (state IN ('queued', 'sending', 'sent', 'dead')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt_at INTEGER NOT NULL,"
	" last_error TEXT NOT NULL DEFAULT '',"
	" sent_at INTEGER NOT NULL DEFAULT 0,"
	" message_id TEXT NOT NULL UNIQUE"
	");"
	"CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state IN ('queued', "
	"'sending');"
	"CREATE INDEX outbox_state ON outbox(library_id, state, id DESC);"
	"CREATE INDEX outbox_dead ON outbox(id) WHERE state = 'dead';"
	"CREATE TABLE patron_tokens ("
	" token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" created_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE signin_tokens ("
	" token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" used_at INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;";

/* Migration 7: follow-ups (docs/DECISIONS.md, "Follow-ups").
 * - a follow-up's mail is an outbox row (mail_id) queued for due_at; cancelling deletes
 *   the row while it is still queued, so it is never claimed.
 * - token_hash: of the rating link's token (random, expiring with expires_at).
 * - followup_optouts: patrons who asked for no more follow-ups (List-Unsubscribe). */
static const char migration_7[] =
	"CREATE TABLE followups ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" chat_id INTEGER NOT NULL REFERENCES chats(id),"
	" staff_id INTEGER NOT NULL REFERENCES staff(id),"
	" due_at INTEGER NOT NULL,"
	" message TEXT NOT NULL CHECK (length(CAST(message AS BLOB)) BETWEEN 1 AND 500),"
	" state TEXT NOT NULL DEFAULT 'scheduled'"
	"  CHECK (state IN ('scheduled', 'sent', 'answered', 'cancelled')),"
	" created_at INTEGER NOT NULL,"
	" sent_at INTEGER NOT NULL DEFAULT 0,"
	" rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),"
	" reply TEXT NOT NULL DEFAULT '' CHECK (length(CAST(reply AS BLOB)) <= 2000),"
	" answered_at INTEGER NOT NULL DEFAULT 0,"
	" token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	" expires_at INTEGER NOT NULL,"
	" mail_id INTEGER"
	");"
	"CREATE INDEX followups_by_library ON followups(library_id, state, due_at, id);"
	"CREATE INDEX followups_by_patron ON followups(patron_id, id DESC);"
	"CREATE INDEX followups_by_mail ON followups(mail_id) WHERE mail_id IS NOT NULL;"
	"CREATE TABLE followup_optouts ("
	" patron_id INTEGER PRIMARY KEY REFERENCES patrons(id),"
	" at INTEGER NOT NULL"
	");";

/* Version 8: opening hours, holidays and offline questions (docs/OPERATIONS.md, "Opening
 * hours and offline questions"). Notes:
 * - a queue without queue_hours rows is always open by schedule.
 * - queue_hours.closes_min <= opens_min means the interval closes the next day.
 * - libraries.time_zone is an IANA name checked by the CLI; reply_policy_hours counts
 *   hours on business days (desk/schedule.h, schedule_reply_by).
 * - cases: an offline question; token_hash is the hash of the patron's view link token
 *   of the acknowledgement; each reply mail carries a fresh link (case_tokens), as only
 *   hashes are kept;
 *   promise_id the ledger promise that tracks the reply (NULL when the library had no
 *   staff to own it). case_messages: the thread after the question. */
static const char migration_8[] =
	"ALTER TABLE libraries ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';"
	"ALTER TABLE libraries ADD COLUMN reply_policy_hours INTEGER NOT NULL DEFAULT 24"
	" CHECK (reply_policy_hours BETWEEN 1 AND 2400);"
	"CREATE TABLE queue_hours ("
	" queue_id INTEGER NOT NULL REFERENCES queues(id),"
	" weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),"
	" opens_min INTEGER NOT NULL CHECK (opens_min BETWEEN 0 AND 1439),"
	" closes_min INTEGER NOT NULL CHECK (closes_min BETWEEN 1 AND 1440),"
	" PRIMARY KEY (queue_id, weekday, opens_min)"
	") WITHOUT ROWID;"
	"CREATE TABLE queue_closed ("
	" queue_id INTEGER NOT NULL REFERENCES queues(id),"
	" date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),"
	" PRIMARY KEY (queue_id, date)"
	") WITHOUT ROWID;"
	"CREATE TABLE cases ("
	" id INTEGER PRIMARY KEY,"
	" library_id INTEGER NOT NULL REFERENCES libraries(id),"
	" queue_id INTEGER NOT NULL REFERENCES queues(id),"
	" patron_id INTEGER NOT NULL REFERENCES patrons(id),"
	" email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),"
	" question TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" reply_by INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'closed')),"
	" token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	" promise_id INTEGER REFERENCES promises(id)"
	");"
	"CREATE INDEX cases_by_state ON cases(library_id, state, reply_by, id);"
	"CREATE TABLE case_messages ("
	" id INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id),"
	" author TEXT NOT NULL CHECK (author IN ('patron', 'staff')),"
	" staff_id INTEGER REFERENCES staff(id),"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX case_messages_by_case ON case_messages(case_id, id);"
	"CREATE TABLE case_tokens ("
	" token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	" case_id INTEGER NOT NULL REFERENCES cases(id),"
	" created_at INTEGER NOT NULL"
	") WITHOUT ROWID;";

/* Migration 9: message_log again, with `author BETWEEN 0 AND 2`. SQLite 3.40 checks a
 * three-value `IN (...)` by building a temporary b-tree for every row inserted, which was
 * about 5% of the server's CPU under full load. The log holds only open chats' messages,
 * so copying it is quick. */
static const char migration_9[] =
	"CREATE TABLE message_log_9 ("
	" id INTEGER PRIMARY KEY,"
	" chat_id INTEGER NOT NULL,"
	" seq INTEGER NOT NULL CHECK (seq > 0),"
	" kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 1),"
	" author INTEGER NOT NULL CHECK (author BETWEEN 0 AND 2),"
	" author_id INTEGER NOT NULL,"
	" cmid TEXT,"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL"
	");"
	"INSERT INTO message_log_9 SELECT id, chat_id, seq, kind, author, author_id, cmid, body,"
	" created_at FROM message_log ORDER BY id;"
	"DROP TABLE message_log;"
	"ALTER TABLE message_log_9 RENAME TO message_log;";

/* Migration 10: continuity routing of queued chats (who a chat is offered to, until when,
 * and whether routing goes on), so a restart does not open every offered chat to all. */
static const char migration_10[] =
	"ALTER TABLE chats ADD COLUMN offer_staff_id INTEGER;"
	"ALTER TABLE chats ADD COLUMN offer_why TEXT NOT NULL DEFAULT ''"
	" CHECK (offer_why IN ('', 'preferred', 'helped', 'asked'));"
	"ALTER TABLE chats ADD COLUMN offer_until INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chats ADD COLUMN route_ends INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE chats ADD COLUMN routing INTEGER NOT NULL DEFAULT 0"
	" CHECK (routing IN (0, 1));";

/* Migration 11: a librarian closes a case; who and when are kept on it (docs/DECISIONS.md,
 * "Cases are closed by a librarian"). closed_at 0 and closed_by NULL: never closed. */
static const char migration_11[] =
	"ALTER TABLE cases ADD COLUMN closed_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN closed_by INTEGER REFERENCES staff(id);";

/* Migration 12: wait history that survives a restart (docs/DECISIONS.md, "Honest waits: the
 * history survives a restart").
 * - wait_raw_ms: the model's queue term when the chat joined (0: a place was free; NULL:
 *   no estimate then), the calibration sample of its wait;
 * - chats_picks and chats_ends serve the start-up read of a library's latest waits (join to
 *   pick, by pick time) and handling times (pick to end, by end time). */
static const char migration_12[] =
	"ALTER TABLE chats ADD COLUMN wait_raw_ms INTEGER CHECK (wait_raw_ms >= 0);"
	"CREATE INDEX chats_picks ON chats(library_id, picked_at) WHERE picked_at > 0;"
	"CREATE INDEX chats_ends ON chats(library_id, ended_at)"
	" WHERE picked_at > 0 AND ended_at > 0;";

/* Migration 13: the team desk (docs/DECISIONS.md, "The team desk").
 * - staff.access is the role (librarian, supervisor, admin, consortium_admin). Version 1's
 *   role column keeps its CHECK (SQLite cannot change one without copying the table, and
 *   sessions, notes and promises refer to staff): it is written as 'admin' for both admin
 *   roles and 'librarian' for the others, and read by nothing.
 * - staff.active 0: deactivated; they cannot log in and hold no session.
 * - a library may belong to one consortium; policy_notes are what a covering librarian of
 *   another library reads beside its chats; consortium_card lists the card fields it
 *   shares with them (comma-separated names, "" shares none).
 * - queues.cascade_ms: a queued chat unpicked this long is offered to the consortium.
 * - handoffs: every hand-off of a chat (docs/DECISIONS.md, "The hand-off state machine").
 *   No foreign key on chat_id: a patron's forgetting may remove chats, the counts stay. */
static const char migration_13[] =
	"ALTER TABLE staff ADD COLUMN access TEXT NOT NULL DEFAULT 'librarian'"
	" CHECK (access IN ('librarian', 'supervisor', 'admin', 'consortium_admin'));"
	"UPDATE staff SET access = role;"
	"ALTER TABLE staff ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));"
	"CREATE TABLE consortia ("
	" id INTEGER PRIMARY KEY,"
	" slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 63),"
	" name TEXT NOT NULL,"
	" created_at INTEGER NOT NULL"
	");"
	"ALTER TABLE libraries ADD COLUMN consortium_id INTEGER REFERENCES consortia(id);"
	"ALTER TABLE libraries ADD COLUMN policy_notes TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE libraries ADD COLUMN consortium_card TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE queues ADD COLUMN cascade_ms INTEGER NOT NULL DEFAULT 0"
	" CHECK (cascade_ms >= 0);"
	"CREATE TABLE handoffs ("
	" id INTEGER PRIMARY KEY,"
	" chat_id INTEGER NOT NULL,"
	" seq INTEGER NOT NULL," /* of its handoff_offered event: the desk's key */
	" library_id INTEGER NOT NULL REFERENCES libraries(id)," /* the chat's library */
	" queue_id INTEGER NOT NULL REFERENCES queues(id)," /* the chat's queue then */
	" kind TEXT NOT NULL CHECK (kind IN ('staff', 'queue', 'patron')),"
	" from_staff INTEGER NOT NULL REFERENCES staff(id),"
	" to_staff INTEGER REFERENCES staff(id)," /* asked for, or who accepted */
	" to_queue INTEGER REFERENCES queues(id),"
	" note TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('offered', 'accepted', 'declined', 'timed_out',"
	"  'cancelled')),"
	" reason TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" decided_at INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE (chat_id, seq)"
	");"
	"CREATE INDEX handoffs_by_library ON handoffs(library_id, created_at);";

/* Migration 14: administration in the console (docs/DECISIONS.md, "Administration in the
 * console").
 * - libraries.greeting, colour and text_colour: the widget's and the patron page's look;
 *   colours are "" (the default look) or "#rrggbb" in lower case, never other CSS.
 * - staff_tokens: single-use set-password links of invited (or reset) accounts, stored
 *   hashed; used_at > 0 once used, or once a password was set another way. An invited
 *   account's pw_hash is '' until then: it matches no password. */
static const char migration_14[] =
	"ALTER TABLE libraries ADD COLUMN greeting TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE libraries ADD COLUMN colour TEXT NOT NULL DEFAULT ''"
	" CHECK (colour = '' OR colour GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]');"
	"ALTER TABLE libraries ADD COLUMN text_colour TEXT NOT NULL DEFAULT ''"
	" CHECK (text_colour = '' OR text_colour GLOB"
	" '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]');"
	"CREATE TABLE staff_tokens ("
	" token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	" staff_id INTEGER NOT NULL REFERENCES staff(id),"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" used_at INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE INDEX staff_tokens_by_staff ON staff_tokens(staff_id) WHERE used_at = 0;";

const char *const sq_migrations[] = {
	migration_1,  migration_2,  migration_3,  migration_4,	migration_5,
	migration_6,  migration_7,  migration_8,  migration_9,	migration_10,
	migration_11, migration_12, migration_13, migration_14,
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
