/* sqlite.c: the SQLite backend: statement helpers, connections, migrations, transactions
 * and the ops table. Writes and set-up are in sqlite_write.c, reads in sqlite_read.c (and
 * the files of each feature), SQL text in sqlite_schema.c and sqlite_sql.c.
 *
 * One file per store, <dir>/rapport.db, in WAL mode. The writer connection turns off
 * SQLite's automatic checkpoints and checkpoints itself (PASSIVE) when the writer thread
 * goes idle, or after about CKPT_PAGES pages of WAL growth if it never does, so that
 * checkpoint work does not land on a random commit in the middle of a burst.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sqlite_int.h"
#include "util/log.h"

#define TAG "store"
#define DB_FILE "rapport.db"
#define BUSY_TIMEOUT_MS 5000
#define CKPT_PAGES 1000 /* ~4 MiB: a checkpoint (page copies + fsync) stalls the next commit */

/* ---- statement helpers ------------------------------------------------------------- */

/* See sqlite_int.h. */
sqlite3_stmt *sq_stmt(struct store_conn *c, enum sq_stmt id)
{
	int rc;

	if (c->st[id])
		return c->st[id];
	rc = sqlite3_prepare_v3(c->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL);
	if (rc != SQLITE_OK) {
		log_error(TAG, "prepare %d: %s", (int)id, sqlite3_errmsg(c->db));
		c->st[id] = NULL;
	}
	return c->st[id];
}

/* See sqlite_int.h. */
void sq_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* See sqlite_int.h. Constraint failures are the caller's (or a duplicate) and are not
 * logged as errors; everything else is. */
int sq_err(struct store_conn *c, int rc, const char *what)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return STORE_OK;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		log_debug(TAG, "%s: %s", what, sqlite3_errmsg(c->db));
		return STORE_EXISTS;
	default: break;
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_TOOBIG ||
	    (rc & 0xff) == SQLITE_RANGE) {
		log_debug(TAG, "%s: %s", what, sqlite3_errmsg(c->db));
		return STORE_BADARG;
	}
	log_error(TAG, "%s: %s (%d)", what, sqlite3_errmsg(c->db), rc);
	return STORE_ERR;
}

/* See sqlite_int.h. */
int sq_col_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	if (n >= size) {
		dst[0] = '\0';
		log_error(TAG, "column %d too long (%zu bytes) for its field", col, n);
		return STORE_ERR;
	}
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
	return STORE_OK;
}

/* Steps a statement that returns no rows, then resets it. */
static int exec_stmt(struct store_conn *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sq_done(st);
	return sq_err(c, rc, what);
}

/* ---- open, close ------------------------------------------------------------------- */

/* mkdir -p with mode 0700 for the parts it creates. */
static int make_dir(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path)
		return STORE_BADARG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		goto fail;
	return STORE_OK;
fail:
	log_error(TAG, "mkdir %s: %s", path, strerror(errno));
	return STORE_ERR;
}

static int exec_sql(struct store_conn *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error(TAG, "%.60s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Called by SQLite after each commit on the writer connection with the WAL's size. A
 * writer that is never idle still checkpoints every CKPT_PAGES pages of growth. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_conn *c = arg;
	int log = 0, done = 0;

	c->wal_dirty = 1;
	if (pages < c->wal_ckpt_at) /* the WAL was restarted from the top */
		c->wal_ckpt_at = 0;
	if (pages - c->wal_ckpt_at < CKPT_PAGES)
		return SQLITE_OK;
	if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
	    SQLITE_OK) {
		c->wal_ckpt_at = pages;
		c->wal_dirty = log != done;
	}
	return SQLITE_OK;
}

static int user_version(struct store_conn *c, int *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_USER_VERSION);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sq_done(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_err(c, rc, "user_version");
}

/* Applies one migration in its own transaction, unless another process got there first. */
static int migrate_one(struct store_conn *c, int version)
{
	char set[48];
	int have = 0, rc;

	if (exec_sql(c, sq_sql[SQ_BEGIN]) != STORE_OK)
		return STORE_ERR;
	rc = user_version(c, &have);
	if (rc == STORE_OK && have < version) {
		/* an integer we control, not data: PRAGMA values cannot be bound */
		snprintf(set, sizeof set, "%s%d", sq_pragma_set_version, version);
		rc = exec_sql(c, sq_migrations[version - 1]);
		if (rc == STORE_OK)
			rc = exec_sql(c, set);
	}
	if (rc == STORE_OK)
		rc = exec_sql(c, sq_sql[SQ_COMMIT]);
	if (rc != STORE_OK) {
		exec_sql(c, sq_sql[SQ_ROLLBACK]);
		log_error(TAG, "migration %d failed", version);
		return STORE_ERR;
	}
	if (have < version)
		log_info(TAG, "schema migrated to version %d", version);
	return STORE_OK;
}

static int migrate(struct store_conn *c)
{
	int have = 0;

	if (user_version(c, &have) != STORE_OK)
		return STORE_ERR;
	if (have > sq_migration_count) {
		log_error(TAG, "database schema version %d is newer than this program (%d)", have,
			  sq_migration_count);
		return STORE_ERR;
	}
	for (int v = have + 1; v <= sq_migration_count; v++)
		if (migrate_one(c, v) != STORE_OK)
			return STORE_ERR;
	return STORE_OK;
}

/* See sqlite_int.h. */
size_t sq_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* s[max] is the first byte left out: while it continues a character, that
	 * character started inside the kept part and goes too */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* SQL rapport_utf8_cut(text, max_bytes): the longest prefix of text of at most max_bytes
 * bytes that ends on a character boundary (migration 3 fills chats.question with it). */
static void sql_utf8_cut(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	sqlite3_int64 max = sqlite3_value_int64(argv[1]);
	size_t n;

	(void)argc;
	if (!s) {
		sqlite3_result_null(ctx);
		return;
	}
	n = (size_t)sqlite3_value_bytes(argv[0]);
	n = sq_utf8_cut(s, n, max > 0 ? (size_t)max : 0);
	sqlite3_result_text(ctx, s, (int)n, SQLITE_TRANSIENT);
}

static int configure(struct store_conn *c, enum store_durability durability)
{
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	if (exec_sql(c, sq_pragma_fk) != STORE_OK)
		return STORE_ERR;
	if (c->readonly)
		return STORE_OK;
	if (sqlite3_create_function(c->db, "rapport_utf8_cut", 2,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				    sql_utf8_cut, NULL, NULL) != SQLITE_OK) {
		log_error(TAG, "create function: %s", sqlite3_errmsg(c->db));
		return STORE_ERR;
	}
	if (exec_sql(c, sq_pragma_wal) != STORE_OK ||
	    exec_sql(c, durability == STORE_DURABILITY_FULL ? sq_pragma_sync_full
							    : sq_pragma_sync_normal) != STORE_OK ||
	    exec_sql(c, sq_pragma_no_autockpt) != STORE_OK ||
	    exec_sql(c, sq_pragma_writer_cache) != STORE_OK)
		return STORE_ERR;
	/* replaces SQLite's own auto-checkpoint hook, which the pragma above disabled */
	sqlite3_wal_hook(c->db, wal_hook, c);
	return STORE_OK;
}

static void sq_close(struct store_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(c->st[i]);
	if (c->db && sqlite3_close(c->db) != SQLITE_OK)
		log_error(TAG, "close: %s", sqlite3_errmsg(c->db));
	free(c);
}

static int sq_open(const char *dir, enum store_durability durability, int readonly,
		   struct store_conn **out)
{
	char path[PATH_MAX];
	struct store_conn *c;
	int flags, rc;

	*out = NULL;
	if (!dir || (durability != STORE_DURABILITY_FULL && durability != STORE_DURABILITY_NORMAL))
		return STORE_BADARG;
	if ((size_t)snprintf(path, sizeof path, "%s/" DB_FILE, dir) >= sizeof path)
		return STORE_BADARG;
	if (!readonly && make_dir(dir) != STORE_OK)
		return STORE_ERR;
	c = calloc(1, sizeof *c);
	if (!c)
		return STORE_ERR;
	c->readonly = readonly != 0;
	/* one thread at a time per connection: SQLite's own mutexes are not needed */
	flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		log_error(TAG, "open %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "no memory");
		sq_close(c);
		return STORE_ERR;
	}
	if (configure(c, durability) != STORE_OK || (!readonly && migrate(c) != STORE_OK)) {
		sq_close(c);
		return STORE_ERR;
	}
	*out = c;
	return STORE_OK;
}

static int sq_schema_version(struct store_conn *c, int *out)
{
	return user_version(c, out);
}

/* ---- transactions ------------------------------------------------------------------ */

static int run_simple(struct store_conn *c, enum sq_stmt id, const char *what)
{
	sqlite3_stmt *st = sq_stmt(c, id);

	return st ? exec_stmt(c, st, what) : STORE_ERR;
}

/* Read-only connections refuse: SQLite would let BEGIN IMMEDIATE through and fail later. */
static int sq_begin(struct store_conn *c)
{
	if (c->readonly)
		return STORE_BADARG;
	return run_simple(c, SQ_BEGIN, "begin");
}

static int sq_commit(struct store_conn *c)
{
	return run_simple(c, SQ_COMMIT, "commit");
}

/* A failed COMMIT or statement may already have rolled back: then there is nothing to do. */
static int sq_rollback(struct store_conn *c)
{
	if (sqlite3_get_autocommit(c->db))
		return STORE_OK;
	return run_simple(c, SQ_ROLLBACK, "rollback");
}

static int sq_idle(struct store_conn *c)
{
	int log = 0, done = 0, rc;

	if (c->readonly || !c->wal_dirty)
		return STORE_OK;
	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return sq_err(c, rc, "checkpoint");
	c->wal_ckpt_at = log;
	/* readers may have held back part of it; the next idle tries again */
	c->wal_dirty = rc != SQLITE_OK || log != done;
	return STORE_OK;
}

/* ---- the table --------------------------------------------------------------------- */

/* The SQLite backend (see store.h). Connections are not thread-safe: one thread at a
 * time per connection, any number of connections per process. */
const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.schema_version = sq_schema_version,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.apply = sq_apply,
	.idle = sq_idle,
	.library_ensure = sq_library_ensure,
	.queue_ensure = sq_queue_ensure,
	.staff_put = sq_staff_put,
	.libraries = sq_libraries,
	.queues = sq_queues,
	.staff_all = sq_staff_all,
	.staff_by_email = sq_staff_by_email,
	.sessions_live = sq_sessions_live,
	.patron_by_token = sq_patron_by_token,
	.chat_get = sq_chat_get,
	.chats_open = sq_chats_open,
	.chats_by_patron = sq_chats_by_patron,
	.chats_by_library = sq_chats_by_library,
	.messages = sq_messages,
	.log_messages = sq_log_messages,
	.max_ids = sq_max_ids,
	.relation = sq_relation,
	.card = sq_card,
	.search = sq_search,
	.staff_photo = sq_staff_photo,
	.trait_keys = sq_trait_keys,
	.card_views = sq_card_views,
	.continuity = sq_continuity,
	.waits = sq_waits,
	.wait_history = sq_wait_history,
	.handoffs = sq_handoffs,
	.rated_chats = sq_rated_chats,
	.promise_get = sq_promise_get,
	.promises = sq_promises,
	.promise_events = sq_promise_events,
	.promise_report = sq_promise_report,
	.mail_due = sq_mail_due,
	.mail_list = sq_mail_list,
	.mail_counts = sq_mail_counts,
	.mail_summary = sq_mail_summary,
	.followups = sq_followups,
	.followup_by_token = sq_followup_by_token,
	.schedule_get = sq_schedule_get,
	.schedule_put = sq_schedule_put,
	.cases = sq_cases,
	.case_get = sq_case_get,
	.case_by_token = sq_case_by_token,
	.case_messages = sq_case_messages,
	.staff_token = sq_staff_token,
	.consortium_of = sq_consortium_of,
	.consortium_members = sq_consortium_members,
	.consortium_by_slug = sq_consortium_by_slug,
	.consortium_ensure = sq_consortium_ensure,
	.library_consortium = sq_library_consortium,
};
