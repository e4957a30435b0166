/* test_store.c: the SQLite backend, the group-commit writer and the worker pool, against
 * a fresh database in a temporary directory per test. */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "store/worker.h"
#include "store/writer.h"

struct fx {
	char dir[64];
	struct store_conn *c;
	int64_t lib, queue, staff, patron, chat;
};

#include "store_fx.h"

/* ---- fixture ----------------------------------------------------------------------- */

static int setup(void **state)
{
	struct fx *f = fx_new(state, "/tmp/rapport-test-XXXXXX");

	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_FULL, 0, &f->c), 0);
	return 0;
}

/* Applies one write in its own transaction, returning apply's rc. */
static int apply1(struct store_conn *c, struct store_write *w)
{
	return fx_apply(c, w, NULL, NULL);
}

static int put_patron(struct store_conn *c, int64_t id, int64_t lib, int seed, int64_t t)
{
	struct store_write *w = store_write_new(STW_PATRON_INSERT);

	w->u.patron =
		(struct store_patron){.id = id, .library_id = lib, .created_at = t, .last_seen = t};
	fill_hash(w->u.patron.token_hash, seed);
	return apply1(c, w);
}

static int put_chat(struct fx *f, int64_t id, int64_t patron, const char *state, int64_t t)
{
	struct store_write *w = store_write_new(STW_CHAT_INSERT);

	w->u.chat = (struct store_chat){.id = id,
					.library_id = f->lib,
					.queue_id = f->queue,
					.patron_id = patron,
					.created_at = t};
	w->u.chat.state = (enum store_chat_state)store_chat_state_of(state);
	snprintf(w->u.chat.join_cmid, sizeof w->u.chat.join_cmid, "join-%lld", (long long)id);
	return apply1(f->c, w);
}

static struct store_write *new_message(int64_t chat, int64_t seq, const char *body)
{
	struct store_write *w = store_write_new(STW_MESSAGE_INSERT);

	assert_non_null(w);
	w->u.message.chat_id = chat;
	w->u.message.seq = seq;
	w->u.message.kind = STORE_MSG_TEXT;
	w->u.message.author = STORE_AUTHOR_PATRON;
	w->u.message.author_id = 1;
	snprintf(w->u.message.cmid, sizeof w->u.message.cmid, "c%lld", (long long)seq);
	w->u.message.body = strdup(body);
	w->u.message.created_at = 1000 + seq;
	return w;
}

/* A library, a queue, a staff member, a patron and a chat: what most tests need. */
static void seed(struct fx *f)
{
	f->lib = fx_library(f->c, "main", "Main Library", "ref", "Reference", &f->queue);
	f->staff = fx_staff(f->c, f->lib, "Ann@Example.org", "Ann", "librarian");
	f->patron = 1, f->chat = 1;
	assert_int_equal(put_patron(f->c, 1, f->lib, 1, 100), 0);
	assert_int_equal(put_chat(f, 1, 1, "active", 100), 0);
}

/* ---- row collectors ---------------------------------------------------------------- */

struct rows {
	int n;
	int stop_after; /* 0 = never */
	int64_t ids[64];
	char text[64][64];
};

static int collect_chat(void *ctx, const struct store_chat *r)
{
	struct rows *rs = ctx;

	assert_true(rs->n < 64);
	rs->ids[rs->n] = r->id;
	strcpy(rs->text[rs->n], store_chat_state_name(r->state));
	rs->n++;
	return rs->stop_after && rs->n >= rs->stop_after ? STORE_STOP : 0;
}

static int collect_message(void *ctx, const struct store_message *r)
{
	struct rows *rs = ctx;

	assert_true(rs->n < 64);
	rs->ids[rs->n] = r->seq;
	snprintf(rs->text[rs->n], sizeof rs->text[0], "%s", r->body);
	rs->n++;
	return 0;
}

static int collect_session(void *ctx, const struct store_session *r)
{
	struct rows *rs = ctx;

	rs->ids[rs->n] = r->token_hash[0];
	strcpy(rs->text[rs->n], r->csrf);
	rs->n++;
	return rs->stop_after && rs->n >= rs->stop_after ? STORE_STOP : 0;
}

static int count_message(void *ctx, const struct store_message *r)
{
	int64_t *n = ctx;

	if (r->seq != *n + 1) /* strictly in seq order, none missing */
		return STORE_ERR;
	(*n)++;
	return 0;
}

static int count_library(void *ctx, const struct store_library *r)
{
	struct rows *rs = ctx;

	rs->ids[rs->n] = r->id;
	strcpy(rs->text[rs->n], r->name);
	rs->n++;
	return 0;
}

static int count_staff(void *ctx, const struct store_staff *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_queue(void *ctx, const struct store_queue *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- schema and connections -------------------------------------------------------- */

static void test_migrations(void **state)
{
	struct fx *f = *state;
	struct store_conn *c2 = NULL;
	struct stat sb;
	int v = 0;
	char path[128];
	const char *names[] = {
		"libraries",   "queues",   "staff",	 "sessions",	    "patrons",
		"chats",       "messages", "chats_open", "chats_by_patron", "chats_by_library",
		"message_log", "handoffs", "consortia",	 "staff_tokens"};

	assert_int_equal(sq_migration_count, 14);
	assert_int_equal(ops->schema_version(f->c, &v), 0);
	assert_int_equal(v, sq_migration_count);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(f->c->db,
						    "SELECT count(*) FROM sqlite_schema "
						    "WHERE name = ?1",
						    -1, &st, NULL),
				 SQLITE_OK);
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
	}
	/* the log's checks hold, and inserting builds no temporary b-tree (migration 9) */
	{
#define INS(kind, author)                                                                          \
	"INSERT INTO message_log (chat_id, seq, kind, author, author_id, body, created_at) "       \
	"VALUES (1, 1, " #kind ", " #author ", 1, 'x', 1)"
		const char *sql = "EXPLAIN " INS(1, 2);
		sqlite3_stmt *st;
		int ephemeral = 0;

		assert_int_not_equal(sqlite3_exec(f->c->db, INS(0, 3), NULL, NULL, NULL),
				     SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(f->c->db, INS(2, 0), NULL, NULL, NULL),
				     SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(f->c->db, sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW)
			ephemeral +=
				!strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral");
		sqlite3_finalize(st);
		assert_int_equal(ephemeral, 0);
		assert_int_equal(sqlite3_exec(f->c->db, sql + 8, NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(
			sqlite3_exec(f->c->db, "DELETE FROM message_log", NULL, NULL, NULL),
			SQLITE_OK);
#undef INS
	}
	/* writer connection settings */
	assert_int_equal(pragma_int(f->c->db, "PRAGMA synchronous"), 2);
	assert_int_equal(pragma_int(f->c->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(pragma_int(f->c->db, "PRAGMA wal_autocheckpoint"), 0);
	assert_int_equal(pragma_int(f->c->db, "PRAGMA cache_size"), -32768);
	assert_int_equal(pragma_int(f->c->db, "PRAGMA busy_timeout"), 5000);
	snprintf(path, sizeof path, "%s/rapport.db", f->dir);
	assert_int_equal(stat(path, &sb), 0);

	/* data survives a reopen, and migration 1 is not applied again (it would fail) */
	seed(f);
	ops->close(f->c);
	f->c = NULL;
	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_NORMAL, 0, &f->c), 0);
	assert_int_equal(pragma_int(f->c->db, "PRAGMA synchronous"), 1);
	assert_int_equal(ops->schema_version(f->c, &v), 0);
	assert_int_equal(v, sq_migration_count);
	assert_int_equal(pragma_int(f->c->db, "SELECT count(*) FROM libraries"), 1);

	/* a read-only connection can read, cannot write */
	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_FULL, 1, &c2), 0);
	assert_int_equal(ops->schema_version(c2, &v), 0);
	assert_int_equal(v, sq_migration_count);
	assert_int_not_equal(ops->begin(c2), 0);
	ops->close(c2);

	/* a database from a newer program is refused */
	assert_int_equal(sqlite3_exec(f->c->db, "PRAGMA user_version=99", NULL, NULL, NULL), 0);
	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_FULL, 0, &c2), STORE_ERR);
	assert_null(c2);
	assert_int_equal(sqlite3_exec(f->c->db, "PRAGMA user_version=1", NULL, NULL, NULL), 0);
	assert_int_equal(ops->open(f->dir, 7, 0, &c2), STORE_BADARG);
}

static void test_open_creates_private_dir(void **state)
{
	struct fx *f = *state;
	struct store_conn *c = NULL;
	char dir[128];
	struct stat sb;

	snprintf(dir, sizeof dir, "%s/a/b", f->dir);
	/* read-only never creates anything */
	assert_int_equal(ops->open(dir, STORE_DURABILITY_FULL, 1, &c), STORE_ERR);
	assert_int_equal(stat(dir, &sb), -1);
	assert_int_equal(ops->open(dir, STORE_DURABILITY_FULL, 0, &c), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	ops->close(c);
}

/* ---- set-up rows ------------------------------------------------------------------- */

static void test_setup_idempotent(void **state)
{
	struct fx *f = *state;
	struct store_library l = {0};
	struct store_queue q = {0};
	struct store_staff s = {0}, got;
	struct rows rs = {0};
	int n = 0;

	seed(f);
	strcpy(l.slug, "main");
	strcpy(l.name, "Renamed");
	strcpy(l.origins, "https://a.example\nhttps://b.example");
	assert_int_equal(ops->library_ensure(f->c, &l), 0);
	assert_int_equal(l.id, f->lib);
	assert_int_equal(l.created_at, 1); /* kept from the first insert */
	assert_int_equal(ops->libraries(f->c, count_library, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.text[0], "Renamed");

	q.library_id = f->lib;
	strcpy(q.slug, "ref");
	strcpy(q.name, "Ask us");
	assert_int_equal(ops->queue_ensure(f->c, &q), 0);
	assert_int_equal(q.id, f->queue);
	strcpy(q.slug, "kids");
	q.id = 0;
	assert_int_equal(ops->queue_ensure(f->c, &q), 0);
	assert_true(q.id > f->queue);
	assert_int_equal(ops->queues(f->c, count_queue, &n), 0);
	assert_int_equal(n, 2);
	q.library_id = 999; /* no such library: foreign key */
	assert_int_equal(ops->queue_ensure(f->c, &q), STORE_BADARG);

	/* same e-mail in another case: an update of the same person */
	s.library_id = f->lib;
	strcpy(s.email, "ann@EXAMPLE.org");
	strcpy(s.display_name, "Ann B.");
	strcpy(s.role, "admin");
	strcpy(s.pw_hash, "$argon2id$y");
	s.max_chats = 3;
	assert_int_equal(ops->staff_put(f->c, &s), 0);
	assert_int_equal(s.id, f->staff);
	assert_int_equal(ops->staff_by_email(f->c, "ANN@example.ORG", &got), 0);
	assert_int_equal(got.id, f->staff);
	assert_string_equal(got.display_name, "Ann B.");
	assert_string_equal(got.role, "admin");
	assert_string_equal(got.pw_hash, "$argon2id$y");
	assert_int_equal(got.max_chats, 3);
	assert_int_equal(ops->staff_by_email(f->c, "bob@example.org", &got), STORE_NOTFOUND);
	n = 0;
	assert_int_equal(ops->staff_all(f->c, count_staff, &n), 0);
	assert_int_equal(n, 1);

	strcpy(s.email, "eve@example.org");
	strcpy(s.role, "root"); /* CHECK constraint */
	assert_int_equal(ops->staff_put(f->c, &s), STORE_BADARG);
	memset(s.display_name, 'x', sizeof s.display_name); /* not NUL-terminated */
	strcpy(s.role, "admin");
	assert_int_equal(ops->staff_put(f->c, &s), STORE_BADARG);
}

/* ---- patrons, chats, messages, sessions -------------------------------------------- */

static void test_patrons(void **state)
{
	struct fx *f = *state;
	struct store_patron p;
	struct store_write *w;
	uint8_t h[STORE_TOKEN_HASH_LEN];
	int64_t mc = -1, mp = -1;

	assert_int_equal(ops->max_ids(f->c, &mc, &mp), 0);
	assert_int_equal(mc, 0);
	assert_int_equal(mp, 0);
	seed(f);
	assert_int_equal(put_patron(f->c, 7, f->lib, 7, 500), 0);
	fill_hash(h, 7);
	assert_int_equal(ops->patron_by_token(f->c, h, &p), 0);
	assert_int_equal(p.id, 7);
	assert_int_equal(p.library_id, f->lib);
	assert_int_equal(p.created_at, 500);
	assert_memory_equal(p.token_hash, h, sizeof h);
	fill_hash(h, 8);
	assert_int_equal(ops->patron_by_token(f->c, h, &p), STORE_NOTFOUND);

	w = store_write_new(STW_PATRON_TOUCH);
	w->u.patron.id = 7;
	w->u.patron.last_seen = 900;
	assert_int_equal(apply1(f->c, w), 0);
	fill_hash(h, 7);
	assert_int_equal(ops->patron_by_token(f->c, h, &p), 0);
	assert_int_equal(p.last_seen, 900);

	assert_int_equal(put_patron(f->c, 8, f->lib, 7, 500), STORE_EXISTS); /* same token */
	assert_int_equal(put_patron(f->c, 7, f->lib, 9, 500), STORE_EXISTS); /* same id */
	assert_int_equal(put_patron(f->c, 9, 999, 9, 500), STORE_BADARG); /* no library */
	assert_int_equal(ops->max_ids(f->c, &mc, &mp), 0);
	assert_int_equal(mc, 1);
	assert_int_equal(mp, 7);
}

static void test_chats(void **state)
{
	struct fx *f = *state;
	struct store_chat ch;
	struct store_write *w;
	struct rows rs = {0};

	seed(f); /* chat 1, patron 1, active */
	assert_int_equal(put_patron(f->c, 2, f->lib, 2, 100), 0);
	assert_int_equal(put_chat(f, 2, 2, "queued", 200), 0);
	assert_int_equal(put_chat(f, 3, 1, "ended", 300), 0);
	assert_int_equal(put_chat(f, 4, 1, "queued", 400), 0);
	assert_int_equal(put_chat(f, 5, 2, "abandoned", 500), 0);
	assert_int_equal(put_chat(f, 6, 1, "active", 600), 0);
	assert_int_equal(put_chat(f, 7, 1, "nonsense", 700), STORE_BADARG);
	assert_int_equal(put_chat(f, 6, 1, "active", 600), STORE_EXISTS);

	assert_int_equal(ops->chat_get(f->c, 4, &ch), 0);
	assert_int_equal(ch.patron_id, 1);
	assert_int_equal(ch.staff_id, 0);
	assert_int_equal(ch.state, STORE_CHAT_QUEUED);
	assert_string_equal(ch.join_cmid, "join-4");
	assert_string_equal(ch.ended_by, "");
	assert_int_equal(ops->chat_get(f->c, 99, &ch), STORE_NOTFOUND);

	assert_int_equal(ops->chats_open(f->c, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 4);
	assert_int_equal(rs.ids[0], 1);
	assert_int_equal(rs.ids[1], 2);
	assert_int_equal(rs.ids[2], 4);
	assert_int_equal(rs.ids[3], 6);

	/* chat 4 picked up, then ended: leaves the open set */
	w = store_write_new(STW_CHAT_UPDATE);
	w->u.chat.id = 4;
	w->u.chat.staff_id = f->staff;
	w->u.chat.state = STORE_CHAT_ENDED;
	strcpy(w->u.chat.ended_by, "staff");
	w->u.chat.picked_at = 410;
	w->u.chat.ended_at = 450;
	assert_int_equal(apply1(f->c, w), 0);
	assert_int_equal(ops->chat_get(f->c, 4, &ch), 0);
	assert_int_equal(ch.staff_id, f->staff);
	assert_int_equal(ch.state, STORE_CHAT_ENDED);
	assert_string_equal(ch.ended_by, "staff");
	assert_int_equal(ch.picked_at, 410);
	assert_int_equal(ch.ended_at, 450);
	assert_int_equal(ch.created_at, 400);
	rs = (struct rows){0};
	assert_int_equal(ops->chats_open(f->c, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.ids[2], 6);

	w = store_write_new(STW_CHAT_UPDATE); /* a chat that was never stored */
	w->u.chat.id = 42;
	w->u.chat.state = STORE_CHAT_ENDED;
	assert_int_equal(apply1(f->c, w), STORE_NOTFOUND);

	/* a patron's chats, newest first, limited */
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_patron(f->c, 1, 3, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.ids[0], 6);
	assert_int_equal(rs.ids[1], 4);
	assert_int_equal(rs.ids[2], 3);
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_patron(f->c, 2, 0, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.ids[0], 5);

	/* a library's chats: all, paged, filtered */
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_library(f->c, f->lib, NULL, 0, 2, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.ids[0], 6);
	assert_int_equal(rs.ids[1], 5);
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_library(f->c, f->lib, NULL, 5, 2, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.ids[0], 4);
	assert_int_equal(rs.ids[1], 3);
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_library(f->c, f->lib, "ended", 0, 0, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.ids[0], 4);
	assert_int_equal(rs.ids[1], 3);
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_library(f->c, f->lib, "queued", 0, 0, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.ids[0], 2);
	rs = (struct rows){0};
	assert_int_equal(ops->chats_by_library(f->c, 999, NULL, 0, 0, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 0);
	/* a callback can stop the iteration early */
	rs = (struct rows){.stop_after = 1};
	assert_int_equal(ops->chats_by_library(f->c, f->lib, NULL, 0, 0, collect_chat, &rs), 0);
	assert_int_equal(rs.n, 1);
}

static int check_message_fields(void *ctx, const struct store_message *r)
{
	int *n = ctx;

	if (r->seq == 1) {
		assert_int_equal(r->kind, STORE_MSG_EVENT);
		assert_int_equal(r->author, STORE_AUTHOR_SYSTEM);
		assert_int_equal(r->author_id, 0);
		assert_string_equal(r->cmid, "");
		assert_string_equal(r->body, "joined");
	} else {
		assert_int_equal(r->kind, STORE_MSG_TEXT);
		assert_int_equal(r->author, STORE_AUTHOR_PATRON);
		assert_int_equal(r->author_id, 1);
		assert_int_equal(r->created_at, 1000 + r->seq);
	}
	(*n)++;
	return 0;
}

static int count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_messages(void **state)
{
	struct fx *f = *state;
	struct store_write *w;
	struct rows rs = {0};
	int n = 0;

	seed(f);
	w = new_message(f->chat, 1, "joined");
	w->u.message.kind = STORE_MSG_EVENT;
	w->u.message.author = STORE_AUTHOR_SYSTEM;
	w->u.message.author_id = 0;
	w->u.message.cmid[0] = '\0';
	assert_int_equal(apply1(f->c, w), 0);
	assert_int_equal(ops->begin(f->c), 0);
	for (int seq = 2; seq <= 10; seq++) {
		char body[32];

		snprintf(body, sizeof body, "hello %d", seq);
		w = new_message(f->chat, seq, body);
		assert_int_equal(ops->apply(f->c, w), 0);
		store_write_free(w);
	}
	assert_int_equal(ops->commit(f->c), 0);

	assert_int_equal(ops->messages(f->c, f->chat, 0, 0, check_message_fields, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(ops->messages(f->c, f->chat, 3, 4, collect_message, &rs), 0);
	assert_int_equal(rs.n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(rs.ids[i], 4 + i);
	assert_string_equal(rs.text[0], "hello 4");
	rs = (struct rows){0};
	assert_int_equal(ops->messages(f->c, f->chat, 10, 0, collect_message, &rs), 0);
	assert_int_equal(rs.n, 0);
	assert_int_equal(ops->messages(f->c, 999, 0, 0, collect_message, &rs), 0);
	assert_int_equal(rs.n, 0);

	w = new_message(f->chat, 11, "x");
	w->u.message.kind = (enum store_msg_kind)7; /* no such kind */
	assert_int_equal(apply1(f->c, w), STORE_BADARG);
	w = new_message(f->chat, 11, "x");
	w->u.message.author = (enum store_author) - 1; /* no such author */
	assert_int_equal(apply1(f->c, w), STORE_BADARG);

	/* closing the chat moves its messages from the log into `messages`, all of them,
	 * and nothing stays behind in the log */
	w = store_write_new(STW_CHAT_UPDATE);
	w->u.chat.id = f->chat;
	w->u.chat.state = STORE_CHAT_ENDED;
	strcpy(w->u.chat.ended_by, "staff");
	w->u.chat.ended_at = 2000;
	assert_int_equal(apply1(f->c, w), 0);
	assert_int_equal(count_rows(f->c->db, "SELECT count(*) FROM message_log"), 0);
	assert_int_equal(count_rows(f->c->db, "SELECT count(*) FROM messages"), 10);
	n = 0;
	assert_int_equal(ops->messages(f->c, f->chat, 0, 0, check_message_fields, &n), 0);
	assert_int_equal(n, 10);
	rs = (struct rows){0};
	assert_int_equal(ops->messages(f->c, f->chat, 4, 1, collect_message, &rs), 0);
	assert_string_equal(rs.text[0], "hello 5");
}

/* A sequence number logged twice (a bug upstream) is caught when the chat is archived:
 * the whole transaction fails and the log keeps the messages. */
static void test_archive_duplicate(void **state)
{
	struct fx *f = *state;
	struct store_write *w;

	seed(f);
	assert_int_equal(apply1(f->c, new_message(f->chat, 1, "one")), 0);
	assert_int_equal(apply1(f->c, new_message(f->chat, 1, "one again")), 0);
	w = store_write_new(STW_CHAT_UPDATE);
	w->u.chat.id = f->chat;
	w->u.chat.state = STORE_CHAT_ENDED;
	strcpy(w->u.chat.ended_by, "patron");
	assert_int_equal(apply1(f->c, w), STORE_EXISTS);
	assert_int_equal(count_rows(f->c->db, "SELECT count(*) FROM message_log"), 2);
	assert_int_equal(count_rows(f->c->db, "SELECT count(*) FROM messages"), 0);
}

static struct store_write *new_session(int seed, int64_t staff, int64_t created, int64_t seen)
{
	struct store_write *w = store_write_new(STW_SESSION_INSERT);

	fill_hash(w->u.session.token_hash, seed);
	w->u.session.staff_id = staff;
	snprintf(w->u.session.csrf, sizeof w->u.session.csrf, "csrf-%d", seed);
	w->u.session.created_at = created;
	w->u.session.last_seen = seen;
	return w;
}

static void test_sessions(void **state)
{
	struct fx *f = *state;
	struct store_write *w;
	struct rows rs = {0};

	seed(f);
	assert_int_equal(apply1(f->c, new_session(1, f->staff, 1000, 5000)), 0); /* live */
	assert_int_equal(apply1(f->c, new_session(2, f->staff, 1000, 1500)), 0); /* idle */
	assert_int_equal(apply1(f->c, new_session(3, f->staff, 100, 5000)), 0); /* too old */
	assert_int_equal(apply1(f->c, new_session(4, f->staff, 3000, 3000)), 0); /* live */
	assert_int_equal(apply1(f->c, new_session(4, f->staff, 1, 1)), STORE_EXISTS);
	assert_int_equal(apply1(f->c, new_session(5, 999, 1, 1)), STORE_BADARG);

	assert_int_equal(ops->sessions_live(f->c, 2000, 500, collect_session, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_true((rs.ids[0] == 1 * 31 && rs.ids[1] == 4 * 31) ||
		    (rs.ids[0] == 4 * 31 && rs.ids[1] == 1 * 31));
	assert_true(strcmp(rs.text[0], "csrf-1") == 0 || strcmp(rs.text[0], "csrf-4") == 0);

	w = store_write_new(STW_SESSION_TOUCH); /* the idle one comes back */
	fill_hash(w->u.session.token_hash, 2);
	w->u.session.last_seen = 2500;
	assert_int_equal(apply1(f->c, w), 0);
	w = store_write_new(STW_SESSION_DELETE);
	fill_hash(w->u.session.token_hash, 1);
	assert_int_equal(apply1(f->c, w), 0);
	w = store_write_new(STW_SESSION_DELETE); /* already gone: harmless */
	fill_hash(w->u.session.token_hash, 1);
	assert_int_equal(apply1(f->c, w), 0);
	rs = (struct rows){0};
	assert_int_equal(ops->sessions_live(f->c, 2000, 500, collect_session, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_true(rs.ids[0] == 2 * 31 || rs.ids[1] == 2 * 31);
	rs = (struct rows){.stop_after = 1};
	assert_int_equal(ops->sessions_live(f->c, 0, 0, collect_session, &rs), 0);
	assert_int_equal(rs.n, 1);
}

static void test_strerror_and_writes(void **state)
{
	struct store_write *w = store_write_new(STW_BARRIER);

	(void)state;
	assert_non_null(w);
	assert_int_equal(w->kind, STW_BARRIER);
	assert_null(w->next);
	assert_null(w->done);
	store_write_free(w);
	store_write_free(NULL);
	assert_string_equal(store_strerror(STORE_OK), "ok");
	assert_string_equal(store_strerror(STORE_EXISTS), "already exists");
	assert_string_equal(store_strerror(STORE_NOTFOUND), "not found");
	assert_string_equal(store_strerror(-99), "unknown store error");
}

static off_t file_size(const char *dir, const char *name)
{
	char path[128];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static void write_big_messages(struct fx *f, int64_t from, int n)
{
	char body[4000];

	memset(body, 'm', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	assert_int_equal(ops->begin(f->c), 0);
	for (int64_t seq = from; seq < from + n; seq++) {
		struct store_write *w = new_message(f->chat, seq, body);

		assert_int_equal(ops->apply(f->c, w), 0);
		store_write_free(w);
	}
	assert_int_equal(ops->commit(f->c), 0);
}

/* No automatic checkpoints: the WAL is copied back in idle(), or after ~1000 pages. */
static void test_checkpoints(void **state)
{
	struct fx *f = *state;
	off_t before;

	seed(f);
	before = file_size(f->dir, "rapport.db");
	write_big_messages(f, 1, 300); /* about 300 pages: below the threshold */
	assert_int_equal(file_size(f->dir, "rapport.db"), before);
	assert_true(file_size(f->dir, "rapport.db-wal") > 300 * 4000);
	assert_int_equal(ops->idle(f->c), 0);
	assert_true(file_size(f->dir, "rapport.db") > before + 300 * 4000);
	assert_int_equal(ops->idle(f->c), 0); /* nothing new: nothing to do */

	/* never idle: the WAL hook checkpoints once growth passes ~10000 pages */
	before = file_size(f->dir, "rapport.db");
	for (int i = 0; i < 12; i++)
		write_big_messages(f, 301 + i * 1000, 1000);
	assert_true(file_size(f->dir, "rapport.db") > before + 100 * 4000);
}

/* ---- the writer -------------------------------------------------------------------- */

struct waker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long n, seen;
};

static void wake(void *ctx)
{
	struct waker *k = ctx;

	pthread_mutex_lock(&k->mu);
	k->n++;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

/* Waits (at most 10 s) for a notify not yet seen. */
static void wait_wake(struct waker *k)
{
	struct timespec dl;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&k->mu);
	while (k->n == k->seen && rc == 0)
		rc = pthread_cond_timedwait(&k->cv, &k->mu, &dl);
	k->seen = k->n;
	pthread_mutex_unlock(&k->mu);
	assert_int_equal(rc, 0);
}

struct tally {
	int n;
	int64_t last_seq;
	int rcs[16];
	int64_t seqs[16];
};

static void done_in_order(struct store_write *w, int rc)
{
	struct tally *t = w->arg;

	assert_int_equal(rc, 0);
	assert_int_equal(w->u.message.seq, t->last_seq + 1);
	t->last_seq = w->u.message.seq;
	t->n++;
}

static void done_record(struct store_write *w, int rc)
{
	struct tally *t = w->arg;

	assert_true(t->n < 16);
	t->rcs[t->n] = rc;
	t->seqs[t->n] = w->kind == STW_MESSAGE_INSERT ? w->u.message.seq : -1;
	t->n++;
}

static void reopen(struct fx *f)
{
	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_FULL, 0, &f->c), 0);
}

static void test_writer_group_commit(void **state)
{
	struct fx *f = *state;
	struct waker k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	struct tally t = {0};
	struct writer_stats ws;
	struct writer *wr = NULL;
	struct timespec t0, t1;
	const int N = 10000;
	int64_t n = 0;
	double secs;

	seed(f);
	assert_int_equal(writer_start(ops, f->c, 0, wake, &k, &wr), 0);
	f->c = NULL; /* the writer owns it now */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i <= N; i++) {
		struct store_write *w = new_message(1, i,
						    "a message of ordinary length, say "
						    "sixty-odd bytes of text");

		w->done = done_in_order;
		w->arg = &t;
		assert_int_equal(writer_submit(wr, w), 0);
		if (i % 64 == 0)
			writer_flush(wr); /* as a loop would, now and then */
	}
	writer_flush(wr);
	assert_int_equal(writer_pending(wr), N);
	while (t.n < N) {
		wait_wake(&k);
		writer_drain(wr);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(t.last_seq, N);
	assert_int_equal(writer_pending(wr), 0);
	writer_get_stats(wr, &ws);
	assert_int_equal(ws.writes, N);
	assert_int_equal(ws.failed, 0);
	assert_true(ws.batches > 0);
	assert_true(ws.batches < (uint64_t)N); /* group commit happened */
	assert_true(ws.max_batch > 1 && ws.max_batch <= 4096);
	assert_true(ws.commit_us_max > 0);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("writer: %d messages in %llu batches (largest %llu, slowest commit %llu us), "
	       "%.0f msg/s\n",
	       N, (unsigned long long)ws.batches, (unsigned long long)ws.max_batch,
	       (unsigned long long)ws.commit_us_max, N / secs);
	writer_stop(wr);

	reopen(f);
	assert_int_equal(ops->messages(f->c, 1, 0, 0, count_message, &n), 0);
	assert_int_equal(n, N);
}

/* The ops table with hooks, to hold the writer in BEGIN or make commits fail. */
static struct store_ops gated;
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int hold, held; /* begin waits while hold; held says it is waiting */
	int fail_commits; /* commits that fail with STORE_ERR before one succeeds */
	int begins, commits; /* attempts */
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0};

static int gated_begin(struct store_conn *c)
{
	pthread_mutex_lock(&gate.mu);
	gate.held = 1;
	gate.begins++;
	pthread_cond_broadcast(&gate.cv);
	while (gate.hold)
		pthread_cond_wait(&gate.cv, &gate.mu);
	gate.held = 0;
	pthread_mutex_unlock(&gate.mu);
	return store_sqlite_ops.begin(c);
}

static int gated_commit(struct store_conn *c)
{
	int fail;

	pthread_mutex_lock(&gate.mu);
	gate.commits++;
	fail = gate.fail_commits > 0;
	if (fail)
		gate.fail_commits--;
	pthread_mutex_unlock(&gate.mu);
	return fail ? STORE_ERR : store_sqlite_ops.commit(c);
}

static void gate_hold(void)
{
	pthread_mutex_lock(&gate.mu);
	gate.hold = 1;
	gate.held = 0;
	gate.begins = gate.commits = 0;
	pthread_mutex_unlock(&gate.mu);
}

/* Waits until the writer is parked in begin, so what is submitted now is one batch. */
static void gate_wait_held(void)
{
	pthread_mutex_lock(&gate.mu);
	while (!gate.held)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
}

/* Lets the parked writer go on; the next `fail` commits fail with STORE_ERR. */
static void gate_release(int fail)
{
	pthread_mutex_lock(&gate.mu);
	gate.fail_commits = fail;
	gate.hold = 0;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

static struct writer *start_gated(struct fx *f, struct waker *k)
{
	struct writer *wr = NULL;

	gated = store_sqlite_ops;
	gated.begin = gated_begin;
	gated.commit = gated_commit;
	assert_int_equal(writer_start(&gated, f->c, 0, wake, k, &wr), 0);
	f->c = NULL;
	return wr;
}

static void submit_msg(struct writer *wr, struct tally *t, int64_t chat, int64_t seq)
{
	struct store_write *w = new_message(chat, seq, "m");

	w->done = done_record;
	w->arg = t;
	assert_int_equal(writer_submit(wr, w), 0);
	writer_flush(wr);
}

/* Seeds `f`, starts a gated writer and parks message 1 of chat 1 (the first batch) in a
 * held begin. */
static struct writer *start_held(struct fx *f, struct waker *k, struct tally *t)
{
	struct writer *wr;

	seed(f);
	gate_hold();
	wr = start_gated(f, k);
	submit_msg(wr, t, 1, 1);
	gate_wait_held();
	return wr;
}

static void drain_until(struct writer *wr, struct waker *k, struct tally *t, int n)
{
	while (t->n < n) {
		wait_wake(k);
		writer_drain(wr);
	}
}

/* Writes wait on the loop's side until writer_flush(), and what one flush hands over
 * commits as one transaction. */
static void test_writer_flush_hands_over(void **state)
{
	struct fx *f = *state;
	struct waker k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	struct tally t = {0};
	struct writer_stats ws;
	struct writer *wr = NULL;
	const struct timespec pause = {.tv_nsec = 50 * 1000000L};

	seed(f);
	assert_int_equal(writer_start(ops, f->c, 0, wake, &k, &wr), 0);
	f->c = NULL;
	for (int seq = 1; seq <= 12; seq++) {
		struct store_write *w = new_message(1, seq, "m");

		w->done = done_record;
		w->arg = &t;
		assert_int_equal(writer_submit(wr, w), 0);
	}
	nanosleep(&pause, NULL);
	writer_get_stats(wr, &ws);
	assert_int_equal(ws.batches, 0); /* not handed over yet */
	assert_int_equal(writer_pending(wr), 12);
	writer_flush(wr);
	writer_flush(wr); /* nothing new: no effect */
	drain_until(wr, &k, &t, 12);
	writer_get_stats(wr, &ws);
	assert_int_equal(ws.batches, 1);
	assert_int_equal(ws.max_batch, 12);
	assert_int_equal(t.seqs[11], 12);
	writer_stop(wr);
}

/* A failing write fails the whole batch; nothing of it is committed. */
static void test_writer_failed_batch(void **state)
{
	struct fx *f = *state;
	struct waker k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	struct tally t = {0};
	struct writer_stats ws;
	struct writer *wr;
	struct rows rs = {0};

	wr = start_held(f, &k, &t); /* batch 1, held in begin */
	submit_msg(wr, &t, 1, 2); /* batch 2: 2, 3, an update of a missing chat, 4 */
	submit_msg(wr, &t, 1, 3);
	{
		struct store_write *w = store_write_new(STW_CHAT_UPDATE);

		w->u.chat.id = 999;
		w->u.chat.state = STORE_CHAT_ACTIVE;
		w->done = done_record;
		w->arg = &t;
		assert_int_equal(writer_submit(wr, w), 0);
		writer_flush(wr);
	}
	submit_msg(wr, &t, 1, 4);
	gate_release(0);
	drain_until(wr, &k, &t, 5);
	assert_int_equal(t.rcs[0], 0);
	assert_int_equal(t.seqs[1], 2);
	assert_int_equal(t.rcs[1], STORE_ERR);
	assert_int_equal(t.rcs[2], STORE_ERR);
	assert_int_equal(t.seqs[3], -1);
	assert_int_equal(t.rcs[3], STORE_NOTFOUND); /* the culprit gets its own reason */
	assert_int_equal(t.rcs[4], STORE_ERR);
	assert_int_equal(gate.begins, 2); /* batch 2 not retried: retrying cannot help */
	assert_int_equal(gate.commits, 1);

	submit_msg(wr, &t, 1, 2); /* the writer is still usable */
	drain_until(wr, &k, &t, 6);
	assert_int_equal(t.rcs[5], 0);
	writer_get_stats(wr, &ws);
	assert_int_equal(ws.batches, 2);
	assert_int_equal(ws.writes, 2);
	assert_int_equal(ws.failed, 4);
	writer_stop(wr);

	reopen(f);
	assert_int_equal(ops->messages(f->c, 1, 0, 0, collect_message, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.ids[0], 1);
	assert_int_equal(rs.ids[1], 2);
}

/* Commit failures (STORE_ERR) are retried three times, then every write fails. */
static void test_writer_retries(void **state)
{
	struct fx *f = *state;
	struct waker k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	struct tally t = {0};
	struct writer *wr;
	int64_t n = 0;

	wr = start_held(f, &k, &t);
	gate_release(2);
	drain_until(wr, &k, &t, 1);
	assert_int_equal(t.rcs[0], 0);
	assert_int_equal(gate.begins, 3);
	assert_int_equal(gate.commits, 3);

	gate_hold();
	submit_msg(wr, &t, 1, 2); /* parked alone */
	gate_wait_held();
	submit_msg(wr, &t, 1, 3); /* these two are the next batch */
	submit_msg(wr, &t, 1, 4);
	gate_release(1000);
	drain_until(wr, &k, &t, 4);
	for (int i = 1; i < 4; i++)
		assert_int_equal(t.rcs[i], STORE_ERR);
	pthread_mutex_lock(&gate.mu);
	assert_int_equal(gate.begins, 8); /* two batches, each first try + 3 retries */
	assert_int_equal(gate.commits, 8);
	gate.fail_commits = 0;
	pthread_mutex_unlock(&gate.mu);
	submit_msg(wr, &t, 1, 2); /* usable again */
	drain_until(wr, &k, &t, 5);
	assert_int_equal(t.rcs[4], 0);
	writer_stop(wr);

	reopen(f);
	assert_int_equal(ops->messages(f->c, 1, 0, 0, count_message, &n), 0);
	assert_int_equal(n, 2);
}

static struct writer *stop_wr;

/* A follow-up submitted from a callback while the writer stops is still committed. */
static void done_follow_up(struct store_write *w, int rc)
{
	struct tally *t = w->arg;

	done_record(w, rc);
	if (w->u.message.seq == 3)
		submit_msg(stop_wr, t, 1, 4);
}

static void test_writer_stop_drains(void **state)
{
	struct fx *f = *state;
	struct tally t = {0};
	int64_t n = 0;

	seed(f);
	assert_int_equal(writer_start(ops, f->c, 2, NULL, NULL, &stop_wr), 0);
	f->c = NULL;
	for (int seq = 1; seq <= 3; seq++) {
		struct store_write *w = new_message(1, seq, "bye");

		w->done = done_follow_up;
		w->arg = &t;
		assert_int_equal(writer_submit(stop_wr, w), 0);
	}
	assert_int_equal(writer_submit(stop_wr, store_write_new(STW_BARRIER)), 0);
	writer_stop(stop_wr); /* no notify: stop waits by itself */
	stop_wr = NULL;
	assert_int_equal(t.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(t.rcs[i], 0);
		assert_int_equal(t.seqs[i], i + 1);
	}
	writer_stop(NULL);

	reopen(f);
	assert_int_equal(ops->messages(f->c, 1, 0, 0, count_message, &n), 0);
	assert_int_equal(n, 4);
}

/* ---- the worker pool --------------------------------------------------------------- */

struct read_job {
	struct worker_job job;
	pthread_t ran_on, done_on;
	int rc;
	int64_t max_chat;
	int *done_count;
};

static void read_run(struct worker_job *job, const struct store_ops *o, struct store_conn *c)
{
	struct read_job *j = (struct read_job *)((char *)job - offsetof(struct read_job, job));
	int64_t mp;

	j->ran_on = pthread_self();
	j->rc = o->max_ids(c, &j->max_chat, &mp);
	if (j->rc == 0 && o->begin(c) == 0) /* a read connection cannot write */
		j->rc = -100;
}

static void read_done(struct worker_job *job)
{
	struct read_job *j = (struct read_job *)((char *)job - offsetof(struct read_job, job));

	j->done_on = pthread_self();
	(*j->done_count)++;
}

static void test_worker_pool(void **state)
{
	struct fx *f = *state;
	struct waker k = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	struct worker_pool *p = NULL, *bad = NULL;
	struct read_job jobs[8];
	struct worker_job nodone = {.run = read_run};
	int done = 0;
	char missing[128];

	seed(f);
	assert_int_equal(worker_start(ops, f->dir, 0, NULL, NULL, &bad), STORE_BADARG);
	assert_int_equal(worker_start(ops, f->dir, 17, NULL, NULL, &bad), STORE_BADARG);
	snprintf(missing, sizeof missing, "%s/nowhere", f->dir);
	assert_int_equal(worker_start(ops, missing, 2, NULL, NULL, &bad), STORE_ERR);
	assert_null(bad);

	assert_int_equal(worker_start(ops, f->dir, 3, wake, &k, &p), 0);
	assert_int_equal(worker_submit(p, &nodone), STORE_BADARG);
	for (int i = 0; i < 8; i++) {
		jobs[i] = (struct read_job){.job = {.run = read_run, .done = read_done},
					    .done_count = &done};
		assert_int_equal(worker_submit(p, &jobs[i].job), 0);
	}
	while (done < 4) {
		wait_wake(&k);
		worker_drain(p);
	}
	worker_stop(p); /* the rest complete here */
	assert_int_equal(done, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(jobs[i].rc, 0);
		assert_int_equal(jobs[i].max_chat, 1);
		assert_false(pthread_equal(jobs[i].ran_on, pthread_self()));
		assert_true(pthread_equal(jobs[i].done_on, pthread_self()));
	}
	worker_stop(NULL);
}

/* Honest waits: the estimate shown is stored at insert, the actual wait at update, and the
 * report reads back only chats with both, newest first, within the time range. */
struct wait_rows {
	int n;
	int64_t est[8], act[8];
	int picked[8];
};

static int wait_row(void *ctx, int64_t est, int64_t act, int picked)
{
	struct wait_rows *r = ctx;

	r->est[r->n] = est;
	r->act[r->n] = act;
	r->picked[r->n++] = picked;
	return r->n < 8 ? 0 : STORE_STOP;
}

static void test_chat_waits(void **state)
{
	struct fx *f = *state;
	struct store_write *w;
	struct store_chat ch;
	struct wait_rows r = {0};

	seed(f);
	/* chat 2: told 90 s, picked after 120 s; chat 3: no estimate; chat 4: left after 30 s */
	for (int64_t id = 2; id <= 4; id++) {
		w = store_write_new(STW_CHAT_INSERT);
		w->u.chat = (struct store_chat){.id = id,
						.library_id = f->lib,
						.queue_id = f->queue,
						.patron_id = 1,
						.created_at = 1000 * id,
						.wait_estimate_ms = id == 3 ? -1 : 90000,
						.wait_last_ms = id == 3 ? -1 : 90000,
						.wait_actual_ms = -1};
		w->u.chat.state = STORE_CHAT_QUEUED;
		assert_int_equal(apply1(f->c, w), 0);
	}
	assert_int_equal(ops->chat_get(f->c, 2, &ch), 0);
	assert_int_equal(ch.wait_estimate_ms, 90000);
	assert_int_equal(ch.wait_actual_ms, -1);
	assert_int_equal(ops->chat_get(f->c, 3, &ch), 0);
	assert_int_equal(ch.wait_estimate_ms, -1);
	w = store_write_new(STW_CHAT_UPDATE);
	w->u.chat = (struct store_chat){.id = 2,
					.staff_id = f->staff,
					.picked_at = 2000 + 120000,
					.wait_estimate_ms = 90000,
					.wait_last_ms = 150000,
					.wait_actual_ms = 120000,
					.wait_grew = 1};
	w->u.chat.state = STORE_CHAT_ACTIVE;
	assert_int_equal(apply1(f->c, w), 0);
	w = store_write_new(STW_CHAT_UPDATE);
	w->u.chat = (struct store_chat){.id = 4,
					.ended_at = 4000 + 30000,
					.wait_estimate_ms = 90000,
					.wait_last_ms = 90000,
					.wait_actual_ms = 30000};
	w->u.chat.state = STORE_CHAT_ABANDONED;
	strcpy(w->u.chat.ended_by, "patron");
	assert_int_equal(apply1(f->c, w), 0);
	assert_int_equal(ops->chat_get(f->c, 2, &ch), 0);
	assert_int_equal(ch.wait_last_ms, 150000);
	assert_int_equal(ch.wait_actual_ms, 120000);
	assert_int_equal(ch.wait_grew, 1);
	assert_int_equal(ops->waits(f->c, f->lib, 0, 100000, 0, wait_row, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.act[0], 30000); /* newest first: chat 4 */
	assert_int_equal(r.picked[0], 0);
	assert_int_equal(r.est[1], 90000);
	assert_int_equal(r.act[1], 120000);
	assert_int_equal(r.picked[1], 1);
	r.n = 0; /* the range excludes chat 4 */
	assert_int_equal(ops->waits(f->c, f->lib, 0, 4000, 0, wait_row, &r), 0);
	assert_int_equal(r.n, 1);
}

struct hist_rows {
	int n, kind[8];
	int64_t at[8], ms[8], raw[8];
};

static int hist_row(void *ctx, int kind, int64_t at, int64_t ms, int64_t raw)
{
	struct hist_rows *h = ctx;

	if (h->n < 8) {
		h->kind[h->n] = kind;
		h->at[h->n] = at;
		h->ms[h->n] = ms;
		h->raw[h->n++] = raw;
	}
	return 0;
}

/* The wait history read at start-up: the latest picks with their queue term at join, then
 * the latest handling times, newest first, only since the given time. */
static void test_wait_history(void **state)
{
	struct fx *f = *state;
	struct store_write *w;
	struct hist_rows h = {0};

	seed(f);
	for (int64_t id = 2; id <= 5; id++) {
		w = store_write_new(STW_CHAT_INSERT);
		w->u.chat = (struct store_chat){.id = id,
						.library_id = f->lib,
						.queue_id = f->queue,
						.patron_id = 1,
						.created_at = 1000 * id,
						.wait_estimate_ms = -1,
						.wait_last_ms = -1,
						.wait_actual_ms = -1,
						.wait_raw_ms = id == 3 ? -1 : 500 * id};
		w->u.chat.state = STORE_CHAT_QUEUED;
		assert_int_equal(apply1(f->c, w), 0);
	}
	/* 2, 3, 4 picked 10 s after joining; 2 and 3 ended 60 s later; 5 still queued */
	for (int64_t id = 2; id <= 4; id++) {
		w = store_write_new(STW_CHAT_UPDATE);
		w->u.chat = (struct store_chat){.id = id,
						.staff_id = f->staff,
						.picked_at = 1000 * id + 10000,
						.ended_at = id < 4 ? 1000 * id + 70000 : 0,
						.wait_estimate_ms = -1,
						.wait_last_ms = -1,
						.wait_actual_ms = 10000};
		w->u.chat.state = id < 4 ? STORE_CHAT_ENDED : STORE_CHAT_ACTIVE;
		if (id < 4)
			strcpy(w->u.chat.ended_by, "staff");
		assert_int_equal(apply1(f->c, w), 0);
	}
	assert_int_equal(ops->wait_history(f->c, f->lib, 0, 10, hist_row, &h), 0);
	assert_int_equal(h.n, 5);
	assert_int_equal(h.kind[0], 0); /* picks, newest first: 4, 3, 2 */
	assert_int_equal(h.at[0], 14000);
	assert_int_equal(h.ms[0], 10000);
	assert_int_equal(h.raw[0], 2000);
	assert_int_equal(h.raw[1], -1); /* no estimate at join */
	assert_int_equal(h.raw[2], 1000);
	assert_int_equal(h.kind[3], 1); /* then handling times: 3, 2 */
	assert_int_equal(h.at[3], 73000);
	assert_int_equal(h.ms[3], 60000);
	assert_int_equal(h.kind[4], 1);
	memset(&h, 0, sizeof h); /* since 13.5 s: only chat 4's pick and both ends */
	assert_int_equal(ops->wait_history(f->c, f->lib, 13500, 10, hist_row, &h), 0);
	assert_int_equal(h.n, 3);
	memset(&h, 0, sizeof h); /* another library has none */
	assert_int_equal(ops->wait_history(f->c, f->lib + 999, 0, 10, hist_row, &h), 0);
	assert_int_equal(h.n, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_migrations),
		T(test_open_creates_private_dir),
		T(test_setup_idempotent),
		T(test_patrons),
		T(test_chats),
		T(test_messages),
		T(test_archive_duplicate),
		T(test_sessions),
		cmocka_unit_test(test_strerror_and_writes),
		T(test_checkpoints),
		T(test_writer_group_commit),
		T(test_writer_flush_hands_over),
		T(test_writer_failed_batch),
		T(test_writer_retries),
		T(test_writer_stop_drains),
		T(test_worker_pool),
		T(test_chat_waits),
		T(test_wait_history),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
