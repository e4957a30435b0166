/* sqlite.c: the SQLite backend: connections, migrations, transactions, writes, set-up.
 * Reads are in sqlite_read.c, SQL text in sqlite_sql.c.
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
#include <time.h>

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

/* Binds a fixed-size char array field; BADARG when it is not NUL-terminated. */
static int bind_field(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		return SQLITE_RANGE;
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}
#define BIND_FIELD(st, i, field) bind_field((st), (i), (field), sizeof(field))

static int bind_hash(sqlite3_stmt *st, int i, const uint8_t *h)
{
	return sqlite3_bind_blob(st, i, h, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
}

/* Steps a statement that returns no rows, then resets it. */
static int exec_stmt(struct store_conn *c, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sq_done(st);
	return sq_err(c, rc, what);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* ---- writes ------------------------------------------------------------------------ */

static int msg_kind(const char *s)
{
	if (strcmp(s, "text") == 0)
		return SQ_KIND_TEXT;
	if (strcmp(s, "event") == 0)
		return SQ_KIND_EVENT;
	return -1;
}

static int msg_author(const char *s)
{
	if (strcmp(s, "system") == 0)
		return SQ_AUTHOR_SYSTEM;
	if (strcmp(s, "patron") == 0)
		return SQ_AUTHOR_PATRON;
	if (strcmp(s, "staff") == 0)
		return SQ_AUTHOR_STAFF;
	return -1;
}

static int bind_message(sqlite3_stmt *st, const struct store_message *m)
{
	int kind = -1, author = -1, rc;
	size_t cmid_len = strnlen(m->cmid, sizeof m->cmid);

	if (strnlen(m->kind, sizeof m->kind) < sizeof m->kind)
		kind = msg_kind(m->kind);
	if (strnlen(m->author, sizeof m->author) < sizeof m->author)
		author = msg_author(m->author);
	if (kind < 0 || author < 0 || cmid_len == sizeof m->cmid)
		return SQLITE_RANGE;
	rc = sqlite3_bind_int64(st, 1, m->chat_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, m->seq);
	rc = rc ? rc : sqlite3_bind_int(st, 3, kind);
	rc = rc ? rc : sqlite3_bind_int(st, 4, author);
	rc = rc ? rc : sqlite3_bind_int64(st, 5, m->author_id);
	if (!rc && cmid_len)
		rc = sqlite3_bind_text(st, 6, m->cmid, (int)cmid_len, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_text(st, 7, m->body ? m->body : "", -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 8, m->created_at);
	return rc;
}

/* A wait in ms, NULL when negative (none). */
static int bind_ms(sqlite3_stmt *st, int i, int64_t ms)
{
	return ms < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, ms);
}

static int bind_chat_insert(sqlite3_stmt *st, const struct store_chat *ch)
{
	int rc = sqlite3_bind_int64(st, 1, ch->id);

	rc = rc ? rc : sqlite3_bind_int64(st, 2, ch->library_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, ch->queue_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 4, ch->patron_id);
	if (!rc && ch->staff_id) /* NULL until picked, so the foreign key holds */
		rc = sqlite3_bind_int64(st, 5, ch->staff_id);
	rc = rc ? rc : BIND_FIELD(st, 6, ch->state);
	rc = rc ? rc : BIND_FIELD(st, 7, ch->join_cmid);
	rc = rc ? rc : BIND_FIELD(st, 8, ch->ended_by);
	rc = rc ? rc : sqlite3_bind_int64(st, 9, ch->created_at);
	rc = rc ? rc : sqlite3_bind_int64(st, 10, ch->picked_at);
	rc = rc ? rc : sqlite3_bind_int64(st, 11, ch->ended_at);
	rc = rc ? rc : sqlite3_bind_int(st, 12, ch->remembered != 0);
	rc = rc ? rc : BIND_FIELD(st, 13, ch->question);
	rc = rc ? rc : bind_ms(st, 14, ch->wait_estimate_ms);
	rc = rc ? rc : bind_ms(st, 15, ch->wait_last_ms);
	return rc ? rc : bind_ms(st, 16, ch->wait_raw_ms);
}

static int bind_chat_update(sqlite3_stmt *st, const struct store_chat *ch)
{
	int rc = sqlite3_bind_int64(st, 1, ch->id);

	if (!rc && ch->staff_id)
		rc = sqlite3_bind_int64(st, 2, ch->staff_id);
	rc = rc ? rc : BIND_FIELD(st, 3, ch->state);
	rc = rc ? rc : BIND_FIELD(st, 4, ch->ended_by);
	rc = rc ? rc : sqlite3_bind_int64(st, 5, ch->picked_at);
	rc = rc ? rc : sqlite3_bind_int64(st, 6, ch->ended_at);
	rc = rc ? rc : bind_ms(st, 7, ch->wait_estimate_ms);
	rc = rc ? rc : bind_ms(st, 8, ch->wait_last_ms);
	rc = rc ? rc : bind_ms(st, 9, ch->wait_actual_ms);
	return rc ? rc : sqlite3_bind_int(st, 10, ch->wait_grew > 0 ? ch->wait_grew : 0);
}

static int bind_write(sqlite3_stmt *st, const struct store_write *w)
{
	const struct store_patron *p = &w->u.patron;
	const struct store_session *s = &w->u.session;
	int rc = SQLITE_OK;

	switch (w->kind) {
	case STW_PATRON_INSERT:
		rc = sqlite3_bind_int64(st, 1, p->id);
		rc = rc ? rc : sqlite3_bind_int64(st, 2, p->library_id);
		rc = rc ? rc : bind_hash(st, 3, p->token_hash);
		rc = rc ? rc : sqlite3_bind_int64(st, 4, p->created_at);
		rc = rc ? rc : sqlite3_bind_int64(st, 5, p->last_seen);
		return rc;
	case STW_PATRON_TOUCH:
		rc = sqlite3_bind_int64(st, 1, p->id);
		return rc ? rc : sqlite3_bind_int64(st, 2, p->last_seen);
	case STW_CHAT_INSERT: return bind_chat_insert(st, &w->u.chat);
	case STW_CHAT_UPDATE: return bind_chat_update(st, &w->u.chat);
	case STW_CHAT_ROUTE:
		rc = sqlite3_bind_int64(st, 1, w->u.chat.id);
		if (!rc && w->u.chat.offer_staff_id)
			rc = sqlite3_bind_int64(st, 2, w->u.chat.offer_staff_id);
		rc = rc ? rc : BIND_FIELD(st, 3, w->u.chat.offer_why);
		rc = rc ? rc : sqlite3_bind_int64(st, 4, w->u.chat.offer_until);
		rc = rc ? rc : sqlite3_bind_int64(st, 5, w->u.chat.route_ends);
		return rc ? rc : sqlite3_bind_int(st, 6, w->u.chat.routing != 0);
	case STW_MESSAGE_INSERT: return bind_message(st, &w->u.message);
	case STW_SESSION_INSERT:
		rc = bind_hash(st, 1, s->token_hash);
		rc = rc ? rc : sqlite3_bind_int64(st, 2, s->staff_id);
		rc = rc ? rc : BIND_FIELD(st, 3, s->csrf);
		rc = rc ? rc : sqlite3_bind_int64(st, 4, s->created_at);
		return rc ? rc : sqlite3_bind_int64(st, 5, s->last_seen);
	case STW_SESSION_TOUCH:
		rc = bind_hash(st, 1, s->token_hash);
		return rc ? rc : sqlite3_bind_int64(st, 2, s->last_seen);
	case STW_SESSION_DELETE: return bind_hash(st, 1, s->token_hash);
	case STW_BARRIER: break;
	case STW_CONSENT_GIVE:
	case STW_CONSENT_WITHDRAW:
	case STW_PATRON_PROFILE:
	case STW_NOTE_ADD:
	case STW_NOTE_EDIT:
	case STW_NOTE_DELETE:
	case STW_TRAIT_SET:
	case STW_TRAIT_KEY_PUT:
	case STW_FAVOURITE:
	case STW_PREFERRED:
	case STW_CHAT_OUTCOME:
	case STW_CHAT_RATE:
	case STW_CARD_VIEW:
	case STW_STAFF_PROFILE:
	case STW_STAFF_PHOTO: return sq_bind_rel(st, &w->u.rel);
	case STW_PROMISE_ADD:
	case STW_PROMISE_DONE:
	case STW_PROMISE_CANCEL:
	case STW_PROMISE_REASSIGN: return sq_bind_promise(st, &w->u.promise);
	case STW_CASE_ADD:
	case STW_CASE_REPLY:
	case STW_CASE_CLOSE: return sq_bind_case(st, &w->u.kase);
	case STW_MAIL_QUEUE:
	case STW_MAIL_CLAIM:
	case STW_MAIL_RESULT:
	case STW_MAIL_RECOVER:
	case STW_MAIL_RETRY:
	case STW_SIGNIN_CREATE:
	case STW_SIGNIN_USE: return sq_bind_mail(st, w);
	case STW_FOLLOWUP_ADD:
	case STW_FOLLOWUP_CANCEL:
	case STW_FOLLOWUP_ANSWER:
	case STW_FOLLOWUP_STOP: return sq_bind_followup(st, w);
	}
	return rc;
}

/* A write runs its statements in order. STEP_COUNT adds the statement's changes to
 * w->changed; STEP_IF runs only if something was counted before it. So the first
 * statement of a relationship write decides whether it applies, and the rest follow. */
enum step_how { STEP_END = 0, STEP_COUNT, STEP_IF };
struct step {
	enum sq_stmt st;
	enum step_how how;
};
#define STEPS_MAX 8
#define ONE(s)                                                                                     \
	{                                                                                          \
		{                                                                                  \
			(s), STEP_COUNT                                                            \
		}                                                                                  \
	}

static const struct step write_steps[][STEPS_MAX] = {
	[STW_PATRON_INSERT] = ONE(SQ_PATRON_INSERT),
	[STW_PATRON_TOUCH] = ONE(SQ_PATRON_TOUCH),
	[STW_CHAT_INSERT] = ONE(SQ_CHAT_INSERT),
	[STW_CHAT_UPDATE] = ONE(SQ_CHAT_UPDATE),
	[STW_CHAT_ROUTE] = ONE(SQ_CHAT_ROUTE),
	[STW_MESSAGE_INSERT] = ONE(SQ_MESSAGE_INSERT),
	[STW_SESSION_INSERT] = ONE(SQ_SESSION_INSERT),
	[STW_SESSION_TOUCH] = ONE(SQ_SESSION_TOUCH),
	[STW_SESSION_DELETE] = ONE(SQ_SESSION_DELETE),
	[STW_BARRIER] = {{SQ_BEGIN, STEP_END}}, /* nothing to run */
	[STW_CONSENT_GIVE] = {{SQ_CONSENT_GIVE, STEP_COUNT},
			      {SQ_CONSENT_GIVE_LOG, STEP_IF},
			      {SQ_CONSENT_GIVE_TRAITS, STEP_IF},
			      {SQ_CONSENT_GIVE_CHATS, STEP_IF}},
	[STW_CONSENT_WITHDRAW] = {{SQ_WITHDRAW_LOG, STEP_COUNT},
				  {SQ_WITHDRAW_PATRON, STEP_IF},
				  {SQ_WITHDRAW_NOTES, STEP_IF},
				  {SQ_WITHDRAW_TRAITS, STEP_IF},
				  {SQ_WITHDRAW_FAVOURITES, STEP_IF},
				  {SQ_WITHDRAW_CHATS, STEP_IF},
				  {SQ_WITHDRAW_FOLLOWUPS, STEP_IF},
				  {SQ_WITHDRAW_FOLLOWUP_MAIL, STEP_IF}},
	[STW_PATRON_PROFILE] = {{SQ_PROFILE_PATRON, STEP_COUNT},
				{SQ_PROFILE_TRAITS, STEP_IF},
				{SQ_TRAITS_PRUNE, STEP_IF}},
	[STW_NOTE_ADD] = ONE(SQ_NOTE_ADD),
	[STW_NOTE_EDIT] = ONE(SQ_NOTE_EDIT),
	[STW_NOTE_DELETE] = ONE(SQ_NOTE_DELETE),
	[STW_TRAIT_SET] = {{SQ_TRAIT_SET, STEP_COUNT}, {SQ_TRAITS_PRUNE, STEP_IF}},
	/* one of the two matches, depending on whether the label is "" */
	[STW_TRAIT_KEY_PUT] = {{SQ_TRAIT_KEY_PUT, STEP_COUNT}, {SQ_TRAIT_KEY_DELETE, STEP_COUNT}},
	[STW_FAVOURITE] = {{SQ_FAVOURITE_PUT, STEP_COUNT}, {SQ_FAVOURITE_DROP, STEP_IF}},
	[STW_PREFERRED] = ONE(SQ_PREFERRED),
	[STW_CHAT_OUTCOME] = ONE(SQ_CHAT_OUTCOME),
	[STW_CHAT_RATE] = ONE(SQ_CHAT_RATE),
	[STW_CARD_VIEW] = ONE(SQ_CARD_VIEW),
	[STW_STAFF_PROFILE] = ONE(SQ_STAFF_PROFILE),
	[STW_STAFF_PHOTO] = {{SQ_STAFF_PHOTO_META, STEP_COUNT},
			     {SQ_STAFF_PHOTO_PUT, STEP_IF},
			     {SQ_STAFF_PHOTO_DROP, STEP_IF}},
	[STW_PROMISE_ADD] = {{SQ_PROMISE_ADD, STEP_COUNT}, {SQ_PROMISE_ADD_EVENT, STEP_IF}},
	[STW_PROMISE_DONE] = {{SQ_PROMISE_DONE, STEP_COUNT}, {SQ_PROMISE_DONE_EVENT, STEP_IF}},
	[STW_PROMISE_CANCEL] = {{SQ_PROMISE_CANCEL, STEP_COUNT},
				{SQ_PROMISE_CANCEL_EVENT, STEP_IF}},
	[STW_PROMISE_REASSIGN] = {{SQ_PROMISE_REASSIGN, STEP_COUNT},
				  {SQ_PROMISE_REASSIGN_EVENT, STEP_IF}},
	[STW_MAIL_QUEUE] = ONE(SQ_MAIL_QUEUE),
	[STW_MAIL_CLAIM] = ONE(SQ_MAIL_CLAIM),
	[STW_MAIL_RESULT] = {{SQ_MAIL_RESULT, STEP_COUNT}, {SQ_FOLLOWUP_SENT, STEP_IF}},
	[STW_MAIL_RECOVER] = ONE(SQ_MAIL_RECOVER),
	[STW_MAIL_RETRY] = ONE(SQ_MAIL_RETRY),
	[STW_SIGNIN_CREATE] = ONE(SQ_SIGNIN_CREATE),
	[STW_SIGNIN_USE] = {{SQ_SIGNIN_USE, STEP_COUNT}, {SQ_SIGNIN_TOKEN, STEP_IF}},
	/* the follow-up first (it decides), then its mail, the mail's id, the chat link */
	[STW_FOLLOWUP_ADD] = {{SQ_FOLLOWUP_ADD, STEP_COUNT},
			      {SQ_FOLLOWUP_MAIL, STEP_IF},
			      {SQ_FOLLOWUP_LINK, STEP_IF},
			      {SQ_FOLLOWUP_SIGNIN, STEP_IF}},
	[STW_FOLLOWUP_CANCEL] = {{SQ_FOLLOWUP_CANCEL, STEP_COUNT}, {SQ_FOLLOWUP_UNQUEUE, STEP_IF}},
	[STW_FOLLOWUP_ANSWER] = ONE(SQ_FOLLOWUP_ANSWER),
	[STW_FOLLOWUP_STOP] = {{SQ_FOLLOWUP_OPTOUT, STEP_COUNT},
			       {SQ_FOLLOWUP_STOP, STEP_IF},
			       {SQ_FOLLOWUP_STOP_UNQUEUE, STEP_IF}},
	[STW_CASE_ADD] = ONE(SQ_CASE_ADD),
	[STW_CASE_REPLY] = {{SQ_CASE_REPLY_MSG, STEP_COUNT},
			    {SQ_CASE_REPLY_STATE, STEP_IF},
			    {SQ_CASE_TOKEN_ADD, STEP_IF}},
	[STW_CASE_CLOSE] = ONE(SQ_CASE_CLOSE),
};

/* Steps `id` with chat_id bound to ?1; *changes gets its changes if not NULL. */
static int chat_step(struct store_conn *c, enum sq_stmt id, int64_t chat_id, int *changes)
{
	sqlite3_stmt *st = sq_stmt(c, id);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, chat_id);
	rc = rc ? rc : sqlite3_step(st);
	sq_done(st);
	if (changes)
		*changes = sqlite3_changes(c->db);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : sq_err(c, rc, sq_sql[id]);
}

/* Moves a closed chat's messages from the log into `messages` (clustered by chat) and,
 * for an ended chat (search covers those, store.h), indexes their text. A chat is indexed
 * once, when it is first archived: the contentless index cannot replace a document, and a
 * second one with the same rowid would make the chat match twice. */
static int archive_chat(struct store_conn *c, int64_t chat_id, int ended)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_ARCHIVED);
	int rc, had, moved = 0;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, chat_id);
	rc = rc ? rc : sqlite3_step(st);
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_err(c, rc, "archived");
	had = rc == SQLITE_ROW;
	rc = chat_step(c, SQ_ARCHIVE_CHAT, chat_id, &moved);
	if (rc == STORE_OK && ended && moved > 0 && !had)
		rc = chat_step(c, SQ_CHAT_INDEX, chat_id, NULL);
	return rc == STORE_OK ? chat_step(c, SQ_UNLOG_CHAT, chat_id, NULL) : rc;
}

/* Runs the write's statements (write_steps) and sets w->changed, and w->u.rel.id for a
 * note added (w->u.promise.id for a promise). Touches and session deletes of a row that is gone are
 * harmless and succeed, and so is a relationship write whose condition fails (changed 0); a chat
 * update that matches nothing means the chat was never stored, so it fails. */
static int sq_apply(struct store_conn *c, struct store_write *w)
{
	const struct step *s;

	if (!w || c->readonly)
		return STORE_BADARG;
	w->changed = 0;
	if ((unsigned)w->kind >= sizeof write_steps / sizeof write_steps[0] ||
	    (!write_steps[w->kind][0].how && w->kind != STW_BARRIER))
		return STORE_BADARG; /* a kind without statements would do nothing silently */
	for (s = write_steps[w->kind]; s < write_steps[w->kind] + STEPS_MAX && s->how; s++) {
		sqlite3_stmt *st;
		int rc;

		if (s->how == STEP_IF && w->changed == 0)
			continue;
		st = sq_stmt(c, s->st);
		if (!st)
			return STORE_ERR;
		rc = bind_write(st, w);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		sq_done(st);
		if (rc != SQLITE_DONE)
			return sq_err(c, rc, sq_sql[s->st]);
		if (s->how == STEP_COUNT)
			w->changed += sqlite3_changes(c->db);
		/* a new promise's id, before its history line (bound as :id) is written */
		if (w->kind == STW_PROMISE_ADD && s == write_steps[w->kind] && w->changed)
			w->u.promise.id = sqlite3_last_insert_rowid(c->db);
		if (w->kind == STW_FOLLOWUP_ADD && s == write_steps[w->kind] && w->changed)
			w->u.followup.id = sqlite3_last_insert_rowid(c->db);
	}
	if (w->kind == STW_NOTE_ADD && w->changed)
		w->u.rel.id = sqlite3_last_insert_rowid(c->db);
	if (w->kind == STW_CASE_ADD && w->changed)
		w->u.kase.id = sqlite3_last_insert_rowid(c->db);
	if (w->kind == STW_MAIL_QUEUE && w->changed)
		w->u.mail.id = sqlite3_last_insert_rowid(c->db);
	if (w->kind == STW_CHAT_UPDATE && w->changed == 0)
		return STORE_NOTFOUND;
	if (w->kind == STW_CHAT_UPDATE &&
	    (!strcmp(w->u.chat.state, "ended") || !strcmp(w->u.chat.state, "abandoned")))
		return archive_chat(c, w->u.chat.id, !strcmp(w->u.chat.state, "ended"));
	return STORE_OK;
}

/* ---- set-up ------------------------------------------------------------------------ */

/* Steps an upsert ... RETURNING id, created_at to completion (an autocommit statement,
 * hence its own transaction) and reads back the row. */
static int upsert(struct store_conn *c, sqlite3_stmt *st, int bind_rc, int64_t *id,
		  int64_t *created_at, const char *what)
{
	int rc = bind_rc;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*created_at = sqlite3_column_int64(st, 1);
		rc = sqlite3_step(st);
	}
	sq_done(st);
	return sq_err(c, rc, what);
}

static int sq_library_ensure(struct store_conn *c, struct store_library *r)
{
	sqlite3_stmt *st;
	int rc;

	if (!r || c->readonly)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_LIBRARY_ENSURE);
	if (!st)
		return STORE_ERR;
	rc = BIND_FIELD(st, 1, r->slug);
	rc = rc ? rc : BIND_FIELD(st, 2, r->name);
	rc = rc ? rc : BIND_FIELD(st, 3, r->origins);
	rc = rc ? rc : sqlite3_bind_int64(st, 4, r->created_at ? r->created_at : now_ms());
	return upsert(c, st, rc, &r->id, &r->created_at, "library_ensure");
}

static int sq_queue_ensure(struct store_conn *c, struct store_queue *r)
{
	sqlite3_stmt *st;
	int rc;

	if (!r || c->readonly)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_QUEUE_ENSURE);
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, r->library_id);
	rc = rc ? rc : BIND_FIELD(st, 2, r->slug);
	rc = rc ? rc : BIND_FIELD(st, 3, r->name);
	rc = rc ? rc : sqlite3_bind_int64(st, 4, r->created_at ? r->created_at : now_ms());
	return upsert(c, st, rc, &r->id, &r->created_at, "queue_ensure");
}

static int sq_staff_put(struct store_conn *c, struct store_staff *r)
{
	sqlite3_stmt *st;
	int rc;

	if (!r || c->readonly || r->max_chats < 0)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_STAFF_PUT);
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, r->library_id);
	rc = rc ? rc : BIND_FIELD(st, 2, r->email);
	rc = rc ? rc : BIND_FIELD(st, 3, r->display_name);
	rc = rc ? rc : BIND_FIELD(st, 4, r->role);
	rc = rc ? rc : BIND_FIELD(st, 5, r->pw_hash);
	rc = rc ? rc : sqlite3_bind_int(st, 6, r->max_chats);
	rc = rc ? rc : sqlite3_bind_int64(st, 7, r->created_at ? r->created_at : now_ms());
	return upsert(c, st, rc, &r->id, &r->created_at, "staff_put");
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
};
