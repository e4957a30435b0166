/* test_store_rel.c: relationship memory in the SQLite backend (migration 3, the
 * relationship writes and reads), against a fresh database in a temporary directory per
 * test. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "store/sqlite_int.h"
#include "store/store.h"
#include "store/writer.h"

/* Two libraries: A (staff s1, s2; patrons 1, 2) and B (staff s3; patron 3). */
struct fx {
	char dir[64];
	struct store_conn *c;
	int64_t lib_a, lib_b, queue_a, queue_b, s1, s2, s3;
};

#include "store_fx.h"

/* ---- fixture ----------------------------------------------------------------------- */

static int setup_empty(void **state)
{
	fx_new(state, "/tmp/rapport-rel-XXXXXX");
	return 0;
}

/* Applies one write in its own transaction; returns apply's rc, *changed its changed. */
static int apply1c(struct store_conn *c, struct store_write *w, int *changed)
{
	return fx_apply(c, w, changed, NULL);
}

static int apply1(struct store_conn *c, struct store_write *w)
{
	return apply1c(c, w, NULL);
}

/* Applies one write that must succeed; returns its `changed`. */
static int applied(struct store_conn *c, struct store_write *w)
{
	int changed = -1;

	assert_int_equal(apply1c(c, w, &changed), 0);
	return changed;
}

static int64_t put_library(struct fx *f, const char *slug, int64_t *queue)
{
	return fx_library(f->c, slug, slug, "ask", "Ask", queue);
}

static int64_t put_staff(struct fx *f, int64_t lib, const char *email, const char *name)
{
	return fx_staff(f->c, lib, email, name, "librarian");
}

static void put_patron(struct fx *f, int64_t id, int64_t lib)
{
	struct store_write *w = store_write_new(STW_PATRON_INSERT);

	w->u.patron = (struct store_patron){
		.id = id, .library_id = lib, .created_at = 10, .last_seen = 10};
	fill_hash(w->u.patron.token_hash, (int)id);
	assert_int_equal(apply1(f->c, w), 0);
}

static void seed(struct fx *f)
{
	f->lib_a = put_library(f, "a", &f->queue_a);
	f->lib_b = put_library(f, "b", &f->queue_b);
	f->s1 = put_staff(f, f->lib_a, "s1@a.org", "Jen");
	f->s2 = put_staff(f, f->lib_a, "s2@a.org", "Sam");
	f->s3 = put_staff(f, f->lib_b, "s3@b.org", "Kim");
	put_patron(f, 1, f->lib_a);
	put_patron(f, 2, f->lib_a);
	put_patron(f, 3, f->lib_b);
}

static int setup(void **state)
{
	struct fx *f;

	setup_empty(state);
	f = *state;
	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_NORMAL, 0, &f->c), 0);
	seed(f);
	return 0;
}

/* ---- writes ------------------------------------------------------------------------ */

static struct store_write *rel(enum store_write_kind kind, int64_t patron, int64_t lib)
{
	struct store_write *w = store_write_new(kind);

	assert_non_null(w);
	w->u.rel.patron_id = patron;
	w->u.rel.library_id = lib;
	w->u.rel.at = 5000;
	return w;
}

static struct store_write *consent(int64_t patron, int64_t lib, int64_t at, const char *name,
				   const char *pref, const char *pronouns)
{
	struct store_write *w = rel(STW_CONSENT_GIVE, patron, lib);

	w->u.rel.at = at;
	strcpy(w->u.rel.key, "2026-11");
	strcpy(w->u.rel.display_name, name);
	strcpy(w->u.rel.preferred_name, pref);
	strcpy(w->u.rel.pronouns, pronouns);
	snprintf(w->u.rel.email, sizeof w->u.rel.email, "%s%s", name, *name ? "@x.org" : "");
	return w;
}

static struct store_write *note_add(int64_t patron, int64_t lib, int64_t staff, const char *b)
{
	struct store_write *w = rel(STW_NOTE_ADD, patron, lib);

	w->u.rel.staff_id = staff;
	w->u.rel.text = b ? strdup(b) : NULL;
	return w;
}

static struct store_write *trait(int64_t patron, int64_t lib, int64_t staff, const char *key,
				 const char *value)
{
	struct store_write *w = rel(STW_TRAIT_SET, patron, lib);

	w->u.rel.staff_id = staff;
	snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", key);
	snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s", value);
	return w;
}

static struct store_write *trait_key(int64_t lib, const char *key, const char *label)
{
	struct store_write *w = rel(STW_TRAIT_KEY_PUT, 0, lib);

	snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", key);
	snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s", label);
	return w;
}

static struct store_write *favourite(int64_t patron, int64_t staff, int on, int64_t at)
{
	struct store_write *w = rel(STW_FAVOURITE, patron, 0);

	w->u.rel.staff_id = staff;
	w->u.rel.on = on;
	w->u.rel.at = at;
	return w;
}

static struct store_write *preferred(int64_t patron, int64_t staff)
{
	struct store_write *w = rel(STW_PREFERRED, patron, 0);

	w->u.rel.staff_id = staff;
	return w;
}

static struct store_write *rate(int64_t chat, int64_t patron, int rating)
{
	struct store_write *w = rel(STW_CHAT_RATE, patron, 0);

	w->u.rel.chat_id = chat;
	w->u.rel.on = rating;
	return w;
}

static struct store_write *outcome(int64_t chat, int64_t lib, const char *o)
{
	struct store_write *w = rel(STW_CHAT_OUTCOME, 0, lib);

	w->u.rel.chat_id = chat;
	snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", o);
	return w;
}

static struct store_write *card_view(int64_t staff, int64_t patron, int64_t at)
{
	struct store_write *w = rel(STW_CARD_VIEW, patron, 0);

	w->u.rel.staff_id = staff;
	w->u.rel.at = at;
	return w;
}

/* A chat of `patron` in the library's queue, written as the desk would. */
static void put_chat(struct fx *f, int64_t id, int64_t patron, int64_t lib, const char *state,
		     int64_t staff, int64_t t, int remembered, const char *question)
{
	struct store_write *w = store_write_new(STW_CHAT_INSERT);

	w->u.chat = (struct store_chat){.id = id,
					.library_id = lib,
					.queue_id = lib == f->lib_a ? f->queue_a : f->queue_b,
					.patron_id = patron,
					.staff_id = staff,
					.created_at = t,
					.picked_at = staff ? t + 1 : 0,
					.remembered = remembered};
	w->u.chat.state = (enum store_chat_state)store_chat_state_of(state);
	snprintf(w->u.chat.join_cmid, sizeof w->u.chat.join_cmid, "j%lld", (long long)id);
	snprintf(w->u.chat.question, sizeof w->u.chat.question, "%s", question);
	assert_int_equal(apply1(f->c, w), 0);
}

static struct store_write *message(int64_t chat, int64_t seq, enum store_msg_kind kind,
				   enum store_author author, const char *body)
{
	struct store_write *w = store_write_new(STW_MESSAGE_INSERT);

	w->u.message.chat_id = chat;
	w->u.message.seq = seq;
	w->u.message.kind = kind;
	w->u.message.author = author;
	w->u.message.body = strdup(body);
	w->u.message.created_at = 1000 + seq;
	return w;
}

/* Ends an open chat (archiving and indexing its messages). */
static void end_chat(struct fx *f, int64_t id, const char *state)
{
	struct store_chat ch;
	struct store_write *w = store_write_new(STW_CHAT_UPDATE);

	assert_int_equal(ops->chat_get(f->c, id, &ch), 0);
	w->u.chat = ch;
	w->u.chat.state = (enum store_chat_state)store_chat_state_of(state);
	strcpy(w->u.chat.ended_by, "patron");
	w->u.chat.ended_at = ch.created_at + 100;
	assert_int_equal(apply1(f->c, w), 0);
}

/* An ended chat whose messages are `texts` (patron, staff, patron...), with a join and
 * an end event in between, archived and indexed. */
static void chat_with_text(struct fx *f, int64_t id, int64_t patron, int64_t lib, int64_t staff,
			   int64_t t, int remembered, const char *const *texts, int n)
{
	int64_t seq = 1;

	put_chat(f, id, patron, lib, "active", staff, t, remembered, texts[0]);
	for (int i = 0; i < n; i++) {
		assert_int_equal(
			apply1(f->c,
			       message(id, seq++, STORE_MSG_TEXT,
				       i % 2 ? STORE_AUTHOR_STAFF : STORE_AUTHOR_PATRON, texts[i])),
			0);
		if (i == 0)
			assert_int_equal(apply1(f->c, message(id, seq++, STORE_MSG_EVENT,
							      STORE_AUTHOR_SYSTEM, "joined")),
					 0);
	}
	end_chat(f, id, "ended");
}

static int64_t count(struct store_conn *c, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- collectors -------------------------------------------------------------------- */

struct ids {
	int n;
	int64_t v[64];
	char text[64][256];
};

static int collect_chat(void *ctx, const struct store_chat *r)
{
	struct ids *s = ctx;

	assert_true(s->n < 64);
	snprintf(s->text[s->n], sizeof s->text[0], "%s", r->question);
	s->v[s->n++] = r->id;
	return 0;
}

static struct ids search(struct fx *f, int64_t lib, int64_t patron, const char *q, int64_t before,
			 int limit, int want_rc)
{
	struct ids s = {0};

	assert_int_equal(ops->search(f->c, lib, patron, q, before, limit, collect_chat, &s),
			 want_rc);
	return s;
}

/* ---- FTS5 and migration ------------------------------------------------------------ */

static void test_fts5_compiled_in(void **state)
{
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_compileoption_used("ENABLE_FTS5"), 1);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE VIRTUAL TABLE t USING fts5(body, content='');"
				      "INSERT INTO t (rowid, body) VALUES (7, 'hello world');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
}

static void test_utf8_cut(void **state)
{
	const char *s = "ab\xc3\xa9\xf0\x9f\x98\x80z"; /* a b é 😀 z: 1 1 2 4 1 bytes */

	(void)state;
	assert_int_equal(sq_utf8_cut(s, 9, 100), 9);
	assert_int_equal(sq_utf8_cut(s, 9, 9), 9);
	assert_int_equal(sq_utf8_cut(s, 9, 8), 8);
	assert_int_equal(sq_utf8_cut(s, 9, 7), 4); /* inside the emoji: all of it goes */
	assert_int_equal(sq_utf8_cut(s, 9, 5), 4);
	assert_int_equal(sq_utf8_cut(s, 9, 4), 4);
	assert_int_equal(sq_utf8_cut(s, 9, 3), 2); /* inside é */
	assert_int_equal(sq_utf8_cut(s, 9, 0), 0);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/* A version-2 database with history: its chats get their question, and archived chats
 * are searchable right after the upgrade; open ones once they end. */
static void test_migration_from_v2(void **state)
{
	struct fx *f = *state;
	char path[128], long_q[512], want[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	struct store_chat ch;
	struct ids s;
	char folded[2 + 200 + 1];
	int v = 0;
	size_t n;

	/* "ab" + 200 x é: 402 bytes; 255 falls inside an é, so 254 bytes are kept */
	strcpy(long_q, "ab");
	for (int i = 0; i < 200; i++)
		strcat(long_q, "\xc3\xa9");
	memcpy(want, long_q, 254);
	want[254] = '\0';

	snprintf(path, sizeof path, "%s/rapport.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec_ok(db, "BEGIN");
	exec_ok(db, sq_migrations[0]);
	exec_ok(db, sq_migrations[1]);
	exec_ok(db, "PRAGMA user_version=2");
	exec_ok(db, "INSERT INTO libraries VALUES (1, 'a', 'A', '', 1);"
		    "INSERT INTO queues VALUES (1, 1, 'ask', 'Ask', 1);"
		    "INSERT INTO staff VALUES (1, 1, 's@a.org', 'S', 'librarian', 'h', 0, 1);"
		    "INSERT INTO patrons VALUES (1, 1, zeroblob(32), 1, 1);"
		    "INSERT INTO chats VALUES (1, 1, 1, 1, 1, 'ended', 'j1', 'staff', 10, 11, 20);"
		    "INSERT INTO chats VALUES (2, 1, 1, 1, NULL, 'queued', 'j2', '', 30, 0, 0);"
		    "INSERT INTO chats VALUES (3, 1, 1, 1, NULL, 'abandoned', 'j3', 'patron', 40, "
		    "0, 41);"
		    /* chat 1: archived: question, an event, the librarian's answer */
		    "INSERT INTO messages VALUES (1, 2, 1, 0, 0, NULL, 'joined', 12);"
		    "INSERT INTO messages VALUES (1, 3, 0, 2, 1, 'c3', 'Try the APA guide', 13);"
		    /* chat 3: abandoned, archived: a question but not searchable */
		    "INSERT INTO messages VALUES (3, 1, 0, 1, 1, 'c1', 'The maps?', 40);"
		    /* chat 2: still open, in the log */
		    "INSERT INTO message_log (chat_id, seq, kind, author, author_id, cmid, body, "
		    "created_at) VALUES (2, 1, 0, 1, 1, 'c1', 'Where is the microfilm?', 31);");
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO messages VALUES (1, 1, 0, 1, 1, 'c1', ?1, "
					    "11)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, long_q, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	exec_ok(db, "COMMIT");
	sqlite3_close(db);

	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_NORMAL, 0, &f->c), 0);
	assert_int_equal(ops->schema_version(f->c, &v), 0);
	assert_int_equal(v, sq_migration_count);
	assert_int_equal(ops->chat_get(f->c, 1, &ch), 0);
	n = strlen(ch.question);
	assert_int_equal(n, 254);
	assert_string_equal(ch.question, want);
	assert_int_equal(ch.remembered, 0);
	assert_string_equal(ch.outcome, "");
	assert_int_equal(ch.rating, 0);
	assert_int_equal(ops->chat_get(f->c, 2, &ch), 0);
	assert_string_equal(ch.question, "Where is the microfilm?");
	assert_int_equal(ops->chat_get(f->c, 3, &ch), 0);
	assert_string_equal(ch.question, "The maps?");
	assert_int_equal(search(f, 1, 0, "maps", 0, 10, 0).n, 0);

	/* the archived chat is indexed: its question and the answer, not the event */
	s = search(f, 1, 0, "apa guide", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 1);
	assert_int_equal(search(f, 1, 0, "joined", 0, 10, 0).n, 0);
	memset(folded, 'e', sizeof folded - 1); /* é folds to e */
	memcpy(folded, "ab", 2);
	folded[sizeof folded - 1] = '\0';
	assert_int_equal(search(f, 1, 0, folded, 0, 10, 0).n, 1);
	assert_int_equal(search(f, 1, 0, "abe", 0, 10, 0).n, 0); /* not a prefix */
	assert_int_equal(search(f, 1, 0, "microfilm", 0, 10, 0).n, 0);
	/* the open chat becomes searchable when it ends */
	end_chat(f, 2, "ended");
	s = search(f, 1, 0, "microfilm", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 2);
	assert_int_equal(count(f->c, "SELECT count(*) FROM message_log"), 0);
	/* one document per ended chat, with its patron's token, from the backfill and
	 * from archiving */
	assert_int_equal(count(f->c, "SELECT count(*) FROM chat_text WHERE chat_text MATCH "
				     "'\"the\" OR \"where\"'"),
			 2);
	assert_int_equal(count(f->c, "SELECT count(*) FROM chat_text WHERE chat_text MATCH "
				     "'patron : p1'"),
			 2);
}

/* ---- consent, relation, card ------------------------------------------------------- */

static void test_chat_insert_fields(void **state)
{
	struct fx *f = *state;
	struct store_chat ch;

	put_chat(f, 1, 1, f->lib_a, "queued", 0, 100, 1, "Is the library open?");
	assert_int_equal(ops->chat_get(f->c, 1, &ch), 0);
	assert_string_equal(ch.question, "Is the library open?");
	assert_int_equal(ch.remembered, 0); /* the patron is not remembered: not stored so */
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 200, "", "", "")), 1);
	assert_int_equal(ops->chat_get(f->c, 1, &ch), 0);
	assert_int_equal(ch.remembered, 1); /* consent marks open chats */
	put_chat(f, 2, 1, f->lib_a, "queued", 0, 300, 1, "q2");
	assert_int_equal(ops->chat_get(f->c, 2, &ch), 0);
	assert_int_equal(ch.remembered, 1);
	put_chat(f, 3, 1, f->lib_a, "queued", 0, 300, 0, "q3");
	assert_int_equal(ops->chat_get(f->c, 3, &ch), 0);
	assert_int_equal(ch.remembered, 0);
}

static void test_consent_relation(void **state)
{
	struct fx *f = *state;
	struct store_relation r;
	struct store_chat ch;

	put_chat(f, 1, 1, f->lib_a, "ended", f->s1, 100, 0, "old, before consent");
	put_chat(f, 2, 1, f->lib_a, "active", f->s2, 200, 0, "open");
	put_chat(f, 3, 1, f->lib_a, "queued", 0, 300, 0, "queued");

	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.patron_id, 1);
	assert_int_equal(r.library_id, f->lib_a);
	assert_int_equal(r.remembered, 0);
	assert_int_equal(ops->relation(f->c, 99, &r), STORE_NOTFOUND);

	/* wrong library: nothing happens */
	assert_int_equal(applied(f->c, consent(1, f->lib_b, 1000, "Maya", "May", "she/her")), 0);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.remembered, 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM consents"), 0);

	assert_int_equal(applied(f->c, consent(1, f->lib_a, 1000, "Maya", "May", "she/her")), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.remembered, 1);
	assert_int_equal(r.remembered_since, 1000);
	assert_string_equal(r.notice_version, "2026-11");
	assert_string_equal(r.display_name, "Maya");
	assert_string_equal(r.email, "Maya@x.org");
	assert_string_equal(r.preferred_name, "May");
	assert_string_equal(r.pronouns, "she/her");
	assert_int_equal(r.preferred_staff_id, 0);
	/* open chats joined the history, the ended one did not */
	assert_int_equal(r.n_chats, 2);
	assert_int_equal(r.first_chat_at, 200);
	assert_int_equal(r.n_helpers, 1);
	assert_int_equal(r.helpers[0], f->s2);
	assert_int_equal(ops->chat_get(f->c, 1, &ch), 0);
	assert_int_equal(ch.remembered, 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM consents WHERE action = 'give' AND "
				     "patron_id = 1 AND notice_version = '2026-11' AND at = 1000"),
			 1);
	assert_int_equal(count(f->c, "SELECT count(*) FROM traits WHERE updated_by = 0"), 2);

	/* given again later with empty fields: the earlier date and fields stay */
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 2000, "", "", "")), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.remembered_since, 1000);
	assert_string_equal(r.display_name, "Maya");
	assert_string_equal(r.preferred_name, "May");
	assert_int_equal(count(f->c, "SELECT count(*) FROM consents"), 2);

	/* helpers: distinct, most recent first, only chats that had a librarian */
	put_chat(f, 4, 1, f->lib_a, "ended", f->s1, 400, 1, "q4");
	put_chat(f, 5, 1, f->lib_a, "ended", f->s2, 500, 1, "q5");
	put_chat(f, 6, 1, f->lib_a, "abandoned", 0, 600, 1, "q6");
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.n_chats, 5);
	assert_int_equal(r.n_helpers, 2);
	assert_int_equal(r.helpers[0], f->s2);
	assert_int_equal(r.helpers[1], f->s1);
	assert_int_equal(r.first_chat_at, 200);

	/* the patron edits the profile: all four set, "" clears */
	{
		struct store_write *w = rel(STW_PATRON_PROFILE, 1, 0);

		strcpy(w->u.rel.display_name, "Maya R.");
		strcpy(w->u.rel.preferred_name, "Maya");
		assert_int_equal(applied(f->c, w), 1);
	}
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_string_equal(r.display_name, "Maya R.");
	assert_string_equal(r.email, "");
	assert_string_equal(r.preferred_name, "Maya");
	assert_string_equal(r.pronouns, "");
	assert_int_equal(count(f->c, "SELECT count(*) FROM traits WHERE patron_id = 1"), 1);
	/* not for a patron who is not remembered */
	{
		struct store_write *w = rel(STW_PATRON_PROFILE, 2, 0);

		strcpy(w->u.rel.display_name, "Nobody");
		assert_int_equal(applied(f->c, w), 0);
	}
	assert_int_equal(count(f->c, "SELECT count(*) FROM patrons WHERE display_name <> ''"), 1);
}

static void test_card(void **state)
{
	struct fx *f = *state;
	struct store_card *card = malloc(sizeof *card);
	char body[32];

	assert_non_null(card);
	/* not remembered: only rel, remembered 0 */
	put_chat(f, 1, 1, f->lib_a, "ended", f->s1, 100, 0, "forgotten");
	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->rel.patron_id, 1);
	assert_int_equal(card->rel.remembered, 0);
	assert_int_equal(card->n_chats, 0);
	assert_int_equal(card->n_notes, 0);
	assert_int_equal(card->n_traits, 0);
	assert_int_equal(ops->card(f->c, f->lib_b, 1, card), STORE_NOTFOUND);
	assert_int_equal(ops->card(f->c, f->lib_a, 3, card), STORE_NOTFOUND);
	assert_int_equal(ops->card(f->c, f->lib_a, 77, card), STORE_NOTFOUND);

	assert_int_equal(applied(f->c, consent(1, f->lib_a, 50, "Maya", "May", "")), 1);
	for (int i = 0; i < 25; i++) {
		char q[32];

		snprintf(q, sizeof q, "question %d", i);
		put_chat(f, 10 + i, 1, f->lib_a, "ended", i % 2 ? f->s1 : f->s2, 1000 + i, 1, q);
	}
	assert_int_equal(applied(f->c, outcome(34, f->lib_a, "follow_up")), 1);
	assert_int_equal(applied(f->c, rate(34, 1, 4)), 1);
	for (int i = 0; i < 22; i++) {
		snprintf(body, sizeof body, "note %d", i);
		assert_int_equal(applied(f->c, note_add(1, f->lib_a, f->s1, body)), 1);
	}
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s2, "programme", "BSc Nursing")), 1);
	put_patron(f, 4, f->lib_a); /* someone else's rows do not leak in */
	assert_int_equal(applied(f->c, consent(4, f->lib_a, 50, "Other", "", "")), 1);
	assert_int_equal(applied(f->c, note_add(4, f->lib_a, f->s1, "other")), 1);
	put_chat(f, 99, 4, f->lib_a, "ended", f->s1, 5000, 1, "other");

	memset(card, 0x55, sizeof *card);
	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->rel.remembered, 1);
	assert_string_equal(card->rel.preferred_name, "May");
	assert_int_equal(card->rel.n_chats, 25);
	assert_int_equal(card->rel.first_chat_at, 1000);
	assert_int_equal(card->n_chats, STORE_CARD_CHATS);
	assert_int_equal(card->chats[0].id, 34);
	assert_string_equal(card->chats[0].question, "question 24");
	assert_string_equal(card->chats[0].outcome, "follow_up");
	assert_int_equal(card->chats[0].rating, 4);
	assert_int_equal(card->chats[0].remembered, 1);
	assert_int_equal(card->chats[0].staff_id, f->s2);
	assert_int_equal(card->chats[19].id, 15);
	assert_string_equal(card->chats[1].outcome, "");
	assert_int_equal(card->n_notes, STORE_CARD_NOTES);
	assert_string_equal(card->notes[0].body, "note 21");
	assert_string_equal(card->notes[19].body, "note 2");
	assert_int_equal(card->notes[0].author_id, f->s1);
	assert_int_equal(card->notes[0].patron_id, 1);
	assert_int_equal(card->notes[0].library_id, f->lib_a);
	assert_int_equal(card->notes[0].created_at, 5000);
	assert_true(card->notes[0].id > card->notes[1].id);
	assert_int_equal(card->n_traits, 2); /* by key */
	assert_string_equal(card->traits[0].key, "preferred_name");
	assert_int_equal(card->traits[0].updated_by, 0);
	assert_string_equal(card->traits[1].key, "programme");
	assert_string_equal(card->traits[1].value, "BSc Nursing");
	assert_int_equal(card->traits[1].updated_by, f->s2);
	free(card);
}

/* ---- conditional writes ------------------------------------------------------------ */

/* Everything that must not apply, each with changed 0 and rc 0, in one transaction with
 * writes that must: the good ones commit. */
static void test_conditional_writes_one_batch(void **state)
{
	struct fx *f = *state;
	struct store_write *good[8], *bad[64];
	char big[STORE_NOTE_MAX + 2];
	size_t ng = 0, nb = 0;
	int64_t note_id;

	assert_int_equal(applied(f->c, consent(1, f->lib_a, 100, "Maya", "", "")), 1);
	assert_int_equal(applied(f->c, consent(3, f->lib_b, 100, "Bo", "", "")), 1);
	put_chat(f, 1, 1, f->lib_a, "ended", f->s1, 100, 1, "q");
	put_chat(f, 2, 1, f->lib_a, "abandoned", 0, 200, 1, "q");
	put_chat(f, 3, 1, f->lib_a, "active", f->s1, 300, 1, "q");
	put_chat(f, 4, 2, f->lib_a, "ended", f->s1, 400, 0, "q");
	{
		struct store_write *w = note_add(1, f->lib_a, f->s1, "by s1");

		assert_int_equal(apply1c(f->c, w, NULL), 0);
		note_id = count(f->c, "SELECT max(id) FROM notes");
	}
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';

	good[ng++] = note_add(1, f->lib_a, f->s2, "a good note");
	good[ng++] = trait(1, f->lib_a, f->s1, "language", "French");
	good[ng++] = favourite(1, f->s2, 1, 10);
	good[ng++] = rate(1, 1, 5);

	bad[nb++] = consent(1, f->lib_b, 100, "x", "", ""); /* wrong library */
	bad[nb++] = consent(42, f->lib_a, 100, "x", "", ""); /* no such patron */
	bad[nb++] = rel(STW_CONSENT_WITHDRAW, 42, 0); /* no such patron */
	bad[nb++] = rel(STW_PATRON_PROFILE, 2, 0); /* not remembered */
	bad[nb++] = note_add(2, f->lib_a, f->s1, "not remembered");
	bad[nb++] = note_add(3, f->lib_a, f->s1, "other library's patron");
	bad[nb++] = note_add(1, f->lib_a, f->s3, "author of another library");
	bad[nb++] = note_add(1, f->lib_a, 999, "no such author");
	bad[nb++] = note_add(1, f->lib_a, f->s1, "");
	bad[nb++] = note_add(1, f->lib_a, f->s1, NULL);
	bad[nb++] = note_add(1, f->lib_a, f->s1, big);
	bad[nb] = rel(STW_NOTE_EDIT, 0, f->lib_a); /* not the author */
	bad[nb]->u.rel.id = note_id, bad[nb]->u.rel.staff_id = f->s2;
	bad[nb++]->u.rel.text = strdup("edited");
	bad[nb] = rel(STW_NOTE_EDIT, 0, f->lib_b); /* wrong library */
	bad[nb]->u.rel.id = note_id, bad[nb]->u.rel.staff_id = f->s1;
	bad[nb++]->u.rel.text = strdup("edited");
	bad[nb] = rel(STW_NOTE_EDIT, 0, f->lib_a); /* empty */
	bad[nb]->u.rel.id = note_id, bad[nb]->u.rel.staff_id = f->s1;
	bad[nb++]->u.rel.text = strdup("");
	bad[nb] = rel(STW_NOTE_DELETE, 0, f->lib_b); /* wrong library */
	bad[nb++]->u.rel.id = note_id;
	bad[nb] = rel(STW_NOTE_DELETE, 0, f->lib_a); /* no such note */
	bad[nb++]->u.rel.id = note_id + 100;
	bad[nb++] = trait(1, f->lib_a, f->s1, "shoe_size", "42"); /* unknown key */
	bad[nb++] = trait(2, f->lib_a, f->s1, "language", "x"); /* not remembered */
	bad[nb++] = trait(1, f->lib_b, f->s3, "language", "x"); /* wrong library */
	bad[nb++] = trait(1, f->lib_a, f->s3, "language", "x"); /* staff elsewhere */
	bad[nb++] = trait(2, f->lib_a, f->s1, "language", ""); /* delete, not remembered */
	bad[nb++] = trait(1, f->lib_a, f->s1, "programme", big + (sizeof big - 202)); /* 201 */
	bad[nb++] = trait(1, f->lib_a, f->s1, "pronouns", big + (sizeof big - 65)); /* 64 */
	bad[nb++] = trait_key(f->lib_a, "Bad-Key", "Label");
	bad[nb++] = trait_key(f->lib_a, "", "Label");
	bad[nb++] = trait_key(f->lib_a, "programme", "Preset");
	bad[nb++] = trait_key(999, "ok_key", "No library");
	bad[nb++] = trait_key(f->lib_a, "never_defined", ""); /* delete: nothing there */
	bad[nb++] = favourite(1, f->s3, 1, 10); /* staff of another library */
	bad[nb++] = favourite(2, f->s1, 1, 10); /* not remembered */
	bad[nb++] = favourite(1, 999, 1, 10); /* no such staff */
	bad[nb++] = preferred(1, f->s3);
	bad[nb++] = preferred(2, f->s1);
	bad[nb++] = preferred(1, 999);
	bad[nb++] = outcome(1, f->lib_b, "answered");
	bad[nb++] = outcome(1, f->lib_a, "great");
	bad[nb++] = outcome(999, f->lib_a, "answered");
	bad[nb++] = rate(1, 2, 5); /* not their chat */
	bad[nb++] = rate(2, 1, 5); /* abandoned */
	bad[nb++] = rate(3, 1, 5); /* still active */
	bad[nb++] = rate(1, 1, 0);
	bad[nb++] = rate(1, 1, 6);
	bad[nb++] = rate(1, 1, -1);
	bad[nb++] = card_view(f->s3, 1, 10); /* staff of another library */
	bad[nb++] = card_view(f->s1, 999, 10);
	bad[nb++] = card_view(999, 1, 10);
	bad[nb] = rel(STW_STAFF_PROFILE, 0, 0); /* empty name */
	bad[nb++]->u.rel.staff_id = f->s1;
	bad[nb] = rel(STW_STAFF_PROFILE, 0, 0); /* bio too long for the record */
	bad[nb]->u.rel.staff_id = f->s1;
	strcpy(bad[nb]->u.rel.display_name, "Jen");
	bad[nb++]->u.rel.text = strdup(big);
	bad[nb] = rel(STW_STAFF_PROFILE, 0, 0); /* no such staff */
	bad[nb]->u.rel.staff_id = 999;
	strcpy(bad[nb++]->u.rel.display_name, "Ghost");
	bad[nb] = rel(STW_STAFF_PHOTO, 0, 0); /* not an allowed type */
	bad[nb]->u.rel.staff_id = f->s1;
	strcpy(bad[nb]->u.rel.key, "image/svg+xml");
	bad[nb]->u.rel.blob = strdup("<svg/>");
	bad[nb++]->u.rel.blob_len = 6;
	bad[nb] = rel(STW_STAFF_PHOTO, 0, 0); /* no such staff */
	bad[nb]->u.rel.staff_id = 999;
	strcpy(bad[nb]->u.rel.key, "image/png");
	bad[nb]->u.rel.blob = strdup("png");
	bad[nb++]->u.rel.blob_len = 3;
	assert_true(nb <= sizeof bad / sizeof bad[0]);

	/* interleaved, in one transaction: a batch */
	assert_int_equal(ops->begin(f->c), 0);
	for (size_t i = 0; i < nb || i < ng; i++) {
		if (i < ng) {
			assert_int_equal(ops->apply(f->c, good[i]), 0);
			assert_int_equal(good[i]->changed, 1);
		}
		if (i < nb) {
			bad[i]->changed = 77;
			if (ops->apply(f->c, bad[i]) != 0 || bad[i]->changed != 0)
				fail_msg("write %zu (kind %d) applied", i, (int)bad[i]->kind);
		}
	}
	assert_int_equal(ops->commit(f->c), 0);
	assert_true(good[0]->u.rel.id > note_id);
	for (size_t i = 0; i < ng; i++)
		store_write_free(good[i]);
	for (size_t i = 0; i < nb; i++)
		store_write_free(bad[i]);

	/* the good ones are there, and nothing of the rest */
	assert_int_equal(count(f->c, "SELECT count(*) FROM notes"), 2);
	assert_int_equal(count(f->c, "SELECT count(*) FROM notes WHERE body = 'by s1'"), 1);
	assert_int_equal(count(f->c, "SELECT count(*) FROM traits"), 1);
	assert_int_equal(count(f->c, "SELECT count(*) FROM trait_keys"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM favourites"), 1);
	assert_int_equal(count(f->c, "SELECT count(*) FROM patrons WHERE preferred_staff_id "
				     "IS NOT NULL"),
			 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM chats WHERE outcome <> ''"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM chats WHERE rating <> 0"), 1);
	assert_int_equal(count(f->c, "SELECT rating FROM chats WHERE id = 1"), 5);
	assert_int_equal(count(f->c, "SELECT count(*) FROM card_views"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM staff WHERE pronouns <> '' OR "
				     "bio <> '' OR photo_type <> '' OR display_name = ''"),
			 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM staff_photos"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM consents"), 2);
	assert_int_equal(count(f->c, "SELECT count(*) FROM patrons WHERE remembered = 1"), 2);
}

static void done_note(struct store_write *w, int rc)
{
	int64_t *out = w->arg;

	out[0] = rc;
	out[1] = w->changed;
	out[2] = w->u.rel.id;
}

/* Through the real writer: the callback sees rc 0 and `changed`. */
static void test_writer_reports_changed(void **state)
{
	struct fx *f = *state;
	struct writer *wr = NULL;
	int64_t good[3] = {-1, -1, -1}, bad[3] = {-1, -1, -1};
	struct store_write *w;

	assert_int_equal(applied(f->c, consent(1, f->lib_a, 100, "Maya", "", "")), 1);
	assert_int_equal(writer_start(ops, f->c, 0, NULL, NULL, &wr), 0);
	f->c = NULL;
	w = note_add(2, f->lib_a, f->s1, "not remembered");
	w->done = done_note, w->arg = bad;
	assert_int_equal(writer_submit(wr, w), 0);
	w = note_add(1, f->lib_a, f->s1, "fine");
	w->done = done_note, w->arg = good;
	assert_int_equal(writer_submit(wr, w), 0);
	writer_stop(wr); /* commits and runs the callbacks */
	assert_int_equal(bad[0], 0);
	assert_int_equal(bad[1], 0);
	assert_int_equal(good[0], 0);
	assert_int_equal(good[1], 1);
	assert_true(good[2] > 0);
	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_NORMAL, 0, &f->c), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM notes WHERE body = 'fine'"), 1);
}

/* ---- withdrawal -------------------------------------------------------------------- */

static void test_withdraw_forgets(void **state)
{
	struct fx *f = *state;
	struct store_card *card = malloc(sizeof *card);
	struct store_relation r;
	struct store_write *w;
	const char *texts[] = {"I need help with my thesis bibliography", "Sure, Zotero"};

	assert_non_null(card);
	put_patron(f, 4, f->lib_a);
	for (int p = 1; p <= 4; p += 3) {
		assert_int_equal(applied(f->c, consent(p, f->lib_a, 100, "Maya", "May", "they")),
				 1);
		assert_int_equal(applied(f->c, note_add(p, f->lib_a, f->s1, "likes Zotero")), 1);
		assert_int_equal(applied(f->c, trait(p, f->lib_a, f->s1, "programme", "PhD")), 1);
		assert_int_equal(applied(f->c, favourite(p, f->s1, 1, 10)), 1);
		assert_int_equal(applied(f->c, preferred(p, f->s2)), 1);
	}
	chat_with_text(f, 1, 1, f->lib_a, f->s1, 100, 1, texts, 2);
	put_chat(f, 2, 1, f->lib_a, "active", f->s2, 200, 1, "open one");
	chat_with_text(f, 3, 4, f->lib_a, f->s1, 300, 1, texts, 2);
	assert_int_equal(applied(f->c, card_view(f->s1, 1, 400)), 1);
	assert_int_equal(search(f, f->lib_a, 1, "zotero", 0, 10, 0).n, 1);

	w = rel(STW_CONSENT_WITHDRAW, 1, 0);
	w->u.rel.at = 9000;
	assert_int_equal(applied(f->c, w), 1);

	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.remembered, 0);
	assert_int_equal(r.remembered_since, 0);
	assert_int_equal(r.n_chats, 0);
	assert_int_equal(r.n_helpers, 0);
	assert_int_equal(r.n_favourites, 0);
	assert_int_equal(r.preferred_staff_id, 0);
	assert_string_equal(r.display_name, "");
	assert_string_equal(r.preferred_name, "");
	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->rel.remembered, 0);
	assert_int_equal(card->n_chats + card->n_notes + card->n_traits, 0);
	/* gone from the tables themselves, not just hidden */
	assert_int_equal(count(f->c, "SELECT count(*) FROM notes WHERE patron_id = 1"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM traits WHERE patron_id = 1"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM favourites WHERE patron_id = 1"), 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM patrons WHERE id = 1 AND ("
				     "remembered <> 0 OR remembered_since <> 0 OR notice_version "
				     "<> '' OR display_name <> '' OR email <> '' OR "
				     "preferred_staff_id IS NOT NULL)"),
			 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM chats WHERE patron_id = 1 AND "
				     "remembered = 1"),
			 0);
	/* the record of consent stays, with the notice agreed to */
	assert_int_equal(count(f->c, "SELECT count(*) FROM consents WHERE patron_id = 1"), 2);
	assert_int_equal(count(f->c, "SELECT count(*) FROM consents WHERE patron_id = 1 AND "
				     "action = 'withdraw' AND at = 9000 AND "
				     "notice_version = '2026-11'"),
			 1);
	/* transcripts stay the library's, but no longer link to the patron's history */
	assert_int_equal(count(f->c, "SELECT count(*) FROM chats WHERE patron_id = 1"), 2);
	assert_int_equal(search(f, f->lib_a, 1, "zotero", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "zotero", 0, 10, 0).n, 2);
	/* the audit of views stays (no content) */
	assert_int_equal(count(f->c, "SELECT count(*) FROM card_views"), 1);
	/* the other patron is untouched */
	assert_int_equal(ops->relation(f->c, 4, &r), 0);
	assert_int_equal(r.remembered, 1);
	assert_int_equal(r.n_favourites, 1);
	assert_int_equal(r.preferred_staff_id, f->s2);
	assert_int_equal(count(f->c, "SELECT count(*) FROM notes WHERE patron_id = 4"), 1);
	/* what needs a remembered patron no longer applies */
	assert_int_equal(applied(f->c, note_add(1, f->lib_a, f->s1, "again")), 0);
	assert_int_equal(applied(f->c, favourite(1, f->s1, 1, 10)), 0);
	/* consent again: a fresh start */
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 10000, "", "", "")), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.remembered_since, 10000);
	assert_int_equal(r.n_chats, 1); /* only the open chat */
	assert_string_equal(r.display_name, "");
	free(card);
}

/* ---- notes, traits, favourites, ratings -------------------------------------------- */

static void test_notes(void **state)
{
	struct fx *f = *state;
	struct store_card *card = malloc(sizeof *card);
	struct store_write *w;
	int64_t id;

	assert_non_null(card);
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 100, "", "", "")), 1);
	w = note_add(1, f->lib_a, f->s1, "first");
	w->u.rel.at = 111;
	assert_int_equal(ops->begin(f->c), 0);
	assert_int_equal(ops->apply(f->c, w), 0);
	assert_int_equal(w->changed, 1);
	id = w->u.rel.id;
	assert_true(id > 0);
	assert_int_equal(ops->commit(f->c), 0);
	store_write_free(w);

	w = rel(STW_NOTE_EDIT, 0, f->lib_a); /* another librarian: no */
	w->u.rel.id = id, w->u.rel.staff_id = f->s2, w->u.rel.text = strdup("hijack");
	assert_int_equal(applied(f->c, w), 0);
	w = rel(STW_NOTE_EDIT, 0, f->lib_a); /* the author: yes */
	w->u.rel.id = id, w->u.rel.staff_id = f->s1, w->u.rel.text = strdup("first, edited");
	w->u.rel.at = 222;
	assert_int_equal(applied(f->c, w), 1);
	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->n_notes, 1);
	assert_int_equal(card->notes[0].id, id);
	assert_string_equal(card->notes[0].body, "first, edited");
	assert_int_equal(card->notes[0].created_at, 111);
	assert_int_equal(card->notes[0].updated_at, 222);

	/* a note of exactly STORE_NOTE_MAX bytes fits */
	{
		char *big = malloc(STORE_NOTE_MAX + 1);

		memset(big, 'n', STORE_NOTE_MAX);
		big[STORE_NOTE_MAX] = '\0';
		w = note_add(1, f->lib_a, f->s2, big);
		assert_int_equal(applied(f->c, w), 1);
		free(big);
	}
	w = rel(STW_NOTE_DELETE, 0, f->lib_a);
	w->u.rel.id = id;
	assert_int_equal(applied(f->c, w), 1);
	w = rel(STW_NOTE_DELETE, 0, f->lib_a); /* already gone */
	w->u.rel.id = id;
	assert_int_equal(applied(f->c, w), 0);
	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->n_notes, 1);
	assert_int_equal(strlen(card->notes[0].body), STORE_NOTE_MAX);
	/* ids are not reused after a delete */
	w = note_add(1, f->lib_a, f->s1, "later");
	assert_int_equal(ops->begin(f->c), 0);
	assert_int_equal(ops->apply(f->c, w), 0);
	assert_true(w->u.rel.id > id + 1);
	assert_int_equal(ops->commit(f->c), 0);
	store_write_free(w);
	free(card);
}

struct keys {
	int n;
	char key[8][32];
	char label[8][64];
};

static int collect_key(void *ctx, const char *key, const char *label)
{
	struct keys *k = ctx;

	assert_true(k->n < 8);
	snprintf(k->key[k->n], sizeof k->key[0], "%s", key);
	snprintf(k->label[k->n], sizeof k->label[0], "%s", label);
	k->n++;
	return 0;
}

static void test_traits(void **state)
{
	struct fx *f = *state;
	static const char *const presets[] = {STORE_PRESET_TRAITS};
	struct store_card *card = malloc(sizeof *card);
	struct keys k = {0};
	char v[256];

	assert_non_null(card);
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 100, "", "", "")), 1);
	assert_int_equal(applied(f->c, consent(3, f->lib_b, 100, "", "", "")), 1);
	/* every preset key is accepted without a definition */
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
		assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, presets[i], "v")), 1);
	assert_int_equal(count(f->c, "SELECT count(*) FROM traits WHERE patron_id = 1"), 5);
	/* custom keys only once the library defines them, and only for that library */
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "campus", "North")), 0);
	assert_int_equal(applied(f->c, trait_key(f->lib_a, "campus", "Home campus")), 1);
	assert_int_equal(applied(f->c, trait_key(f->lib_a, "campus", "Campus")), 1); /* relabel */
	assert_int_equal(applied(f->c, trait_key(f->lib_a, "year_2", "Year")), 1);
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "campus", "North")), 1);
	assert_int_equal(applied(f->c, trait(3, f->lib_b, f->s3, "campus", "South")), 0);
	assert_int_equal(ops->trait_keys(f->c, f->lib_a, collect_key, &k), 0);
	assert_int_equal(k.n, 2);
	assert_string_equal(k.key[0], "campus");
	assert_string_equal(k.label[0], "Campus");
	assert_string_equal(k.key[1], "year_2");
	k.n = 0;
	assert_int_equal(ops->trait_keys(f->c, f->lib_b, collect_key, &k), 0);
	assert_int_equal(k.n, 0);

	/* by the patron (staff 0); limits: preferred_name fits its field, others 200 */
	assert_int_equal(applied(f->c, trait(1, f->lib_a, 0, "style", "big-picture")), 1);
	assert_int_equal(count(f->c, "SELECT updated_by FROM traits WHERE key = 'style'"), 0);
	memset(v, 'p', 127);
	v[127] = '\0';
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "preferred_name", v)), 1);
	v[127] = 'p', v[128] = '\0';
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "preferred_name", v)), 0);
	memset(v, 'l', 200);
	v[200] = '\0';
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "language", v)), 1);

	/* a field that is not NUL-terminated is a caller bug: the write fails */
	{
		struct store_write *w = trait(1, f->lib_a, f->s1, "language", "x");

		memset(w->u.rel.key, 'k', sizeof w->u.rel.key);
		assert_int_equal(apply1(f->c, w), STORE_BADARG);
	}
	/* "" deletes; deleting again still applies (the key is valid) */
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "programme", "")), 1);
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "programme", "")), 1);
	assert_int_equal(count(f->c, "SELECT count(*) FROM traits WHERE key = 'programme'"), 0);

	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->n_traits, 5);
	assert_string_equal(card->traits[0].key, "campus");
	assert_string_equal(card->traits[0].value, "North");
	assert_string_equal(card->traits[1].key, "language");
	assert_int_equal(strlen(card->traits[1].value), 200);
	assert_string_equal(card->traits[2].key, "preferred_name");
	assert_int_equal(strlen(card->rel.preferred_name), 127);
	assert_string_equal(card->traits[3].key, "pronouns");
	assert_string_equal(card->traits[4].key, "style");
	assert_int_equal(card->traits[4].updated_by, 0);

	/* removing a custom key hides its values */
	assert_int_equal(applied(f->c, trait_key(f->lib_a, "campus", "")), 1);
	assert_int_equal(ops->card(f->c, f->lib_a, 1, card), 0);
	assert_int_equal(card->n_traits, 4);
	assert_string_equal(card->traits[0].key, "language");
	assert_int_equal(applied(f->c, trait(1, f->lib_a, f->s1, "campus", "East")), 0);
	free(card);
}

static void test_favourites_preferred(void **state)
{
	struct fx *f = *state;
	struct store_relation r;
	int64_t s4 = put_staff(f, f->lib_a, "s4@a.org", "Lee");

	assert_int_equal(applied(f->c, favourite(1, f->s1, 1, 10)), 0); /* not remembered */
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 5, "", "", "")), 1);
	assert_int_equal(applied(f->c, favourite(1, f->s1, 1, 10)), 1);
	assert_int_equal(applied(f->c, favourite(1, f->s2, 1, 20)), 1);
	assert_int_equal(applied(f->c, favourite(1, s4, 1, 30)), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.n_favourites, 3);
	assert_int_equal(r.favourites[0], s4);
	assert_int_equal(r.favourites[1], f->s2);
	assert_int_equal(r.favourites[2], f->s1);
	/* again: moves to the front; off: gone; off again: still applies, nothing there */
	assert_int_equal(applied(f->c, favourite(1, f->s1, 1, 40)), 1);
	assert_int_equal(applied(f->c, favourite(1, f->s2, 0, 50)), 1);
	assert_int_equal(applied(f->c, favourite(1, f->s2, 0, 60)), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.n_favourites, 2);
	assert_int_equal(r.favourites[0], f->s1);
	assert_int_equal(r.favourites[1], s4);
	assert_int_equal(applied(f->c, favourite(1, f->s3, 1, 70)), 0); /* other library */

	assert_int_equal(applied(f->c, preferred(1, f->s2)), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.preferred_staff_id, f->s2);
	assert_int_equal(applied(f->c, preferred(1, f->s3)), 0);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.preferred_staff_id, f->s2);
	assert_int_equal(applied(f->c, preferred(1, 0)), 1);
	assert_int_equal(ops->relation(f->c, 1, &r), 0);
	assert_int_equal(r.preferred_staff_id, 0);
}

static void test_rating_outcome(void **state)
{
	struct fx *f = *state;
	static const char *const outcomes[] = {STORE_OUTCOMES};
	struct store_chat ch;

	put_chat(f, 1, 1, f->lib_a, "ended", f->s1, 100, 0, "q"); /* not remembered: fine */
	put_chat(f, 2, 1, f->lib_a, "abandoned", 0, 200, 0, "q");
	for (int r = 1; r <= 5; r++)
		assert_int_equal(applied(f->c, rate(1, 1, r)), 1);
	assert_int_equal(ops->chat_get(f->c, 1, &ch), 0);
	assert_int_equal(ch.rating, 5);
	assert_int_equal(applied(f->c, rate(1, 1, 2)), 1); /* they may change their mind */
	assert_int_equal(applied(f->c, rate(2, 1, 3)), 0);
	assert_int_equal(applied(f->c, rate(1, 1, 9)), 0);
	assert_int_equal(ops->chat_get(f->c, 1, &ch), 0);
	assert_int_equal(ch.rating, 2);

	for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
		assert_int_equal(applied(f->c, outcome(2, f->lib_a, outcomes[i])), 1);
		assert_int_equal(ops->chat_get(f->c, 2, &ch), 0);
		assert_string_equal(ch.outcome, outcomes[i]);
	}
	assert_int_equal(applied(f->c, outcome(2, f->lib_a, "Answered")), 0);
	assert_int_equal(applied(f->c, outcome(2, f->lib_a, "")), 1);
	assert_int_equal(ops->chat_get(f->c, 2, &ch), 0);
	assert_string_equal(ch.outcome, "");
}

/* ---- search ------------------------------------------------------------------------ */

static void fts_is(const char *in, const char *want)
{
	int err = 0;
	char *q = sq_fts_query(in, &err);

	if (!want) {
		assert_null(q);
		assert_int_equal(err, STORE_BADARG);
		return;
	}
	assert_non_null(q);
	assert_string_equal(q, want);
	free(q);
}

static void test_fts_query(void **state)
{
	(void)state;
	fts_is("apa", "\"apa\"");
	fts_is("  nursing\tAPA  cit ", "\"nursing\" \"APA\" \"cit\"");
	fts_is("say \"hi\"", "\"say\" \"\"\"hi\"\"\"");
	fts_is("a OR b", "\"a\" \"OR\" \"b\"");
	fts_is("body:x NEAR(y) -- !! ** z*", "\"body:x\" \"NEAR(y)\" \"z*\"");
	fts_is("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	fts_is("", NULL);
	fts_is("  -- !! \"\" * ", NULL);
}

static void test_search(void **state)
{
	struct fx *f = *state;
	const char *t1[] = {"How do I cite a website in APA?", "Use the APA 7 guide"};
	const char *t2[] = {"Where are the nursing journals?", "CINAHL is the place"};
	const char *t3[] = {"APA for a nursing paper", "see the guide"};
	const char *t4[] = {"apa question in library B", "ok"};
	const char *t5[] = {"a \"quoted\" NEAR thing OR other", "AND NOT"};
	struct ids s;

	assert_int_equal(applied(f->c, consent(1, f->lib_a, 1, "", "", "")), 1);
	chat_with_text(f, 1, 1, f->lib_a, f->s1, 100, 1, t1, 2);
	chat_with_text(f, 2, 2, f->lib_a, f->s1, 200, 0, t2, 2);
	chat_with_text(f, 3, 1, f->lib_a, f->s2, 300, 0, t3, 2); /* patron 1, not remembered */
	chat_with_text(f, 4, 3, f->lib_b, f->s3, 400, 0, t4, 2);
	chat_with_text(f, 5, 2, f->lib_a, f->s1, 500, 0, t5, 2);
	chat_with_text(f, 6, 1, f->lib_a, f->s1, 600, 1, t2, 2);
	put_chat(f, 7, 1, f->lib_a, "active", f->s1, 700, 1, "APA open");
	assert_int_equal(
		apply1(f->c, message(7, 1, STORE_MSG_TEXT, STORE_AUTHOR_PATRON, "APA open")), 0);
	/* abandoned chats are not searched */
	put_chat(f, 8, 1, f->lib_a, "queued", 0, 800, 1, "APA abandoned");
	assert_int_equal(
		apply1(f->c, message(8, 1, STORE_MSG_TEXT, STORE_AUTHOR_PATRON, "APA abandoned")),
		0);
	end_chat(f, 8, "abandoned");
	assert_int_equal(search(f, f->lib_a, 0, "abandoned", 0, 10, 0).n, 0);
	assert_int_equal(count(f->c, "SELECT count(*) FROM message_log"), 1);

	/* library scope, newest first, open chats not included */
	s = search(f, f->lib_a, 0, "apa", 0, 10, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 3);
	assert_int_equal(s.v[1], 1);
	assert_string_equal(s.text[1], t1[0]);
	s = search(f, f->lib_b, 0, "apa", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 4);
	/* every word must occur, as a whole word; case and order free */
	s = search(f, f->lib_a, 0, "Apa NURSING", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 3);
	s = search(f, f->lib_a, 0, "nursing", 0, 10, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0], 6);
	assert_int_equal(s.v[2], 2);
	assert_int_equal(search(f, f->lib_a, 0, "nursing guide", 0, 10, 0).n, 1);
	/* no prefix match, not even of the last word, nor with a * */
	assert_int_equal(search(f, f->lib_a, 0, "nurs", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "nursing ap", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "nurs*", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "journal", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "journals", 0, 10, 0).n, 2);
	/* a one-letter word is a word too */
	assert_int_equal(search(f, f->lib_a, 0, "a", 0, 10, 0).n, 3);
	assert_int_equal(search(f, f->lib_a, 0, "apa journals", 0, 10, 0).n, 0);
	/* the librarian's words count too; events do not */
	assert_int_equal(search(f, f->lib_a, 0, "cinahl", 0, 10, 0).n, 2);
	assert_int_equal(search(f, f->lib_a, 0, "joined", 0, 10, 0).n, 0);
	/* patron scope: only their remembered chats */
	s = search(f, f->lib_a, 1, "apa", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 1);
	s = search(f, f->lib_a, 1, "cinahl", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 6);
	assert_int_equal(search(f, f->lib_b, 1, "apa", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 3, "apa", 0, 10, 0).n, 0);
	/* paging */
	s = search(f, f->lib_a, 0, "the", 0, 2, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 6);
	assert_int_equal(s.v[1], 3);
	s = search(f, f->lib_a, 0, "the", s.v[1], 2, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 2);
	assert_int_equal(s.v[1], 1);
	s = search(f, f->lib_a, 0, "the", 1, 2, 0);
	assert_int_equal(s.n, 0);
	/* FTS syntax in the input is plain words */
	s = search(f, f->lib_a, 0, "OR", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 5);
	assert_int_equal(search(f, f->lib_a, 0, "\"quoted\" near", 0, 10, 0).n, 1);
	assert_int_equal(search(f, f->lib_a, 0, "AND NOT", 0, 10, 0).n, 1);
	assert_int_equal(search(f, f->lib_a, 0, "apa NOT", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "body:apa", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "nurs* OR apa", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "apa )", 0, 10, 0).n, 2);
	/* nothing searchable */
	search(f, f->lib_a, 0, " ?! -- ", 0, 10, STORE_BADARG);
	search(f, f->lib_a, 0, "", 0, 10, STORE_BADARG);
	/* the open chat is found once it ends, once */
	end_chat(f, 7, "ended");
	s = search(f, f->lib_a, 0, "apa", 0, 10, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0], 7);
	end_chat(f, 7, "ended"); /* a repeated end does not index it twice */
	assert_int_equal(search(f, f->lib_a, 0, "apa", 0, 10, 0).n, 3);
}

/* Within a patron: only their remembered chats of the library, however many of the
 * library's chats share the words; newest first, paged; forgetting unlinks at once. The
 * patron token in the index is never matched by a query word. */
static void test_search_patron(void **state)
{
	struct fx *f = *state;
	const char *t[] = {"Where are the nursing journals?", "CINAHL is the place"};
	const char *tok[] = {"Is p1 the page number?", "Yes, page p1"};
	struct ids s;

	assert_int_equal(applied(f->c, consent(1, f->lib_a, 1, "", "", "")), 1);
	assert_int_equal(applied(f->c, consent(2, f->lib_a, 1, "", "", "")), 1);
	for (int64_t id = 10; id <= 14; id++)
		chat_with_text(f, id, 1, f->lib_a, f->s1, 100 * id, 1, t, 2);
	chat_with_text(f, 16, 1, f->lib_a, f->s1, 1600, 0, t, 2); /* not remembered */
	chat_with_text(f, 20, 2, f->lib_a, f->s2, 2000, 1, t, 2);
	chat_with_text(f, 21, 2, f->lib_a, f->s2, 2100, 1, t, 2);
	chat_with_text(f, 22, 2, f->lib_a, f->s2, 2200, 1, tok, 2);
	chat_with_text(f, 30, 3, f->lib_b, f->s3, 3000, 0, t, 2);

	/* one word, two words, no match */
	s = search(f, f->lib_a, 1, "nursing", 0, 10, 0);
	assert_int_equal(s.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(s.v[i], 14 - i);
	assert_int_equal(search(f, f->lib_a, 1, "cinahl NURSING", 0, 10, 0).n, 5);
	assert_int_equal(search(f, f->lib_a, 1, "nursing zzzz", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 1, "page", 0, 10, 0).n, 0);
	s = search(f, f->lib_a, 2, "nursing", 0, 10, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 21);
	assert_int_equal(s.v[1], 20);
	assert_int_equal(search(f, f->lib_a, 0, "nursing", 0, 10, 0).n, 8);
	/* the patron's chats are of library a */
	assert_int_equal(search(f, f->lib_b, 1, "nursing", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_b, 3, "nursing", 0, 10, 0).n, 0);
	/* paging within the patron */
	s = search(f, f->lib_a, 1, "nursing", 0, 2, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[1], 13);
	s = search(f, f->lib_a, 1, "nursing", s.v[1], 2, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 12);
	assert_int_equal(s.v[1], 11);
	s = search(f, f->lib_a, 1, "nursing", s.v[1], 2, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 10);
	assert_int_equal(search(f, f->lib_a, 1, "nursing", 10, 2, 0).n, 0);
	/* "p1" is a word of chat 22's text only, never the patron token of patron 1 */
	s = search(f, f->lib_a, 0, "p1", 0, 10, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 22);
	assert_int_equal(search(f, f->lib_a, 1, "p1", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 2, "p1", 0, 10, 0).n, 1);
	assert_int_equal(search(f, f->lib_a, 0, "p2", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 0, "patron:p1", 0, 10, 0).n, 0);
	/* forgetting unlinks the history at once; the library still finds the chats */
	assert_int_equal(applied(f->c, rel(STW_CONSENT_WITHDRAW, 1, 0)), 1);
	assert_int_equal(search(f, f->lib_a, 1, "nursing", 0, 10, 0).n, 0);
	assert_int_equal(search(f, f->lib_a, 2, "nursing", 0, 10, 0).n, 2);
	assert_int_equal(search(f, f->lib_a, 0, "nursing", 0, 10, 0).n, 8);
}

/* ---- staff profiles and photos ----------------------------------------------------- */

static int find_staff(void *ctx, const struct store_staff *r)
{
	struct store_staff *out = ctx;

	if (r->id == out->id)
		*out = *r;
	return 0;
}

static void test_staff_profile_photo(void **state)
{
	struct fx *f = *state;
	struct store_staff s, all = {.id = f->s1};
	struct store_write *w;
	unsigned char png[300];
	char type[16];
	void *data;
	size_t len;

	w = rel(STW_STAFF_PROFILE, 0, 0);
	w->u.rel.staff_id = f->s1;
	strcpy(w->u.rel.display_name, "Jen Ortiz");
	strcpy(w->u.rel.pronouns, "she/her");
	strcpy(w->u.rel.value, "nursing, health sciences, APA");
	w->u.rel.text = strdup("Ask me about systematic reviews.");
	w->u.rel.on = 1;
	assert_int_equal(applied(f->c, w), 1);
	assert_int_equal(ops->staff_by_email(f->c, "S1@a.org", &s), 0);
	assert_string_equal(s.display_name, "Jen Ortiz");
	assert_string_equal(s.pronouns, "she/her");
	assert_string_equal(s.subjects, "nursing, health sciences, APA");
	assert_string_equal(s.bio, "Ask me about systematic reviews.");
	assert_int_equal(s.listed, 1);
	assert_string_equal(s.photo_type, "");
	assert_int_equal(s.photo_at, 0);
	assert_int_equal(ops->staff_photo(f->c, f->s1, type, &data, &len), STORE_NOTFOUND);

	for (size_t i = 0; i < sizeof png; i++)
		png[i] = (unsigned char)(i * 7);
	w = rel(STW_STAFF_PHOTO, 0, 0);
	w->u.rel.staff_id = f->s1;
	w->u.rel.at = 777;
	strcpy(w->u.rel.key, "image/png");
	w->u.rel.blob = malloc(sizeof png);
	memcpy(w->u.rel.blob, png, sizeof png);
	w->u.rel.blob_len = sizeof png;
	assert_int_equal(applied(f->c, w), 1);
	assert_int_equal(ops->staff_photo(f->c, f->s1, type, &data, &len), 0);
	assert_string_equal(type, "image/png");
	assert_int_equal(len, sizeof png);
	assert_memory_equal(data, png, sizeof png);
	free(data);
	w = rel(STW_STAFF_PHOTO, 0, 0); /* replaced by a JPEG */
	w->u.rel.staff_id = f->s1;
	w->u.rel.at = 888;
	strcpy(w->u.rel.key, "image/jpeg");
	w->u.rel.blob = strdup("\xff\xd8\xff");
	w->u.rel.blob_len = 3;
	assert_int_equal(applied(f->c, w), 1);
	assert_int_equal(ops->staff_photo(f->c, f->s1, type, &data, &len), 0);
	assert_string_equal(type, "image/jpeg");
	assert_int_equal(len, 3);
	free(data);

	/* staff_all sees it all; staff_put (a password change, say) keeps the profile */
	assert_int_equal(ops->staff_all(f->c, find_staff, &all), 0);
	assert_string_equal(all.bio, "Ask me about systematic reviews.");
	assert_string_equal(all.photo_type, "image/jpeg");
	assert_int_equal(all.photo_at, 888);
	s.max_chats = 4;
	strcpy(s.pw_hash, "$argon2id$new");
	assert_int_equal(ops->staff_put(f->c, &s), 0);
	assert_int_equal(ops->staff_by_email(f->c, "s1@a.org", &s), 0);
	assert_string_equal(s.pw_hash, "$argon2id$new");
	assert_string_equal(s.pronouns, "she/her");
	assert_string_equal(s.bio, "Ask me about systematic reviews.");
	assert_int_equal(s.listed, 1);
	assert_string_equal(s.photo_type, "image/jpeg");

	w = rel(STW_STAFF_PHOTO, 0, 0); /* removed */
	w->u.rel.staff_id = f->s1;
	assert_int_equal(applied(f->c, w), 1);
	assert_int_equal(ops->staff_photo(f->c, f->s1, type, &data, &len), STORE_NOTFOUND);
	assert_int_equal(ops->staff_by_email(f->c, "s1@a.org", &s), 0);
	assert_string_equal(s.photo_type, "");
	assert_int_equal(s.photo_at, 0);

	w = rel(STW_STAFF_PROFILE, 0, 0); /* unlisted, bio cleared (text NULL) */
	w->u.rel.staff_id = f->s1;
	strcpy(w->u.rel.display_name, "Jen");
	assert_int_equal(applied(f->c, w), 1);
	assert_int_equal(ops->staff_by_email(f->c, "s1@a.org", &s), 0);
	assert_string_equal(s.bio, "");
	assert_string_equal(s.subjects, "");
	assert_int_equal(s.listed, 0);
}

/* ---- audit and continuity ---------------------------------------------------------- */

static int collect_view(void *ctx, const struct store_card_view *r)
{
	struct ids *s = ctx;

	assert_true(s->n < 64);
	snprintf(s->text[s->n], sizeof s->text[0], "%lld:%lld", (long long)r->staff_id,
		 (long long)r->patron_id);
	s->v[s->n++] = r->at;
	return 0;
}

static void test_card_views(void **state)
{
	struct fx *f = *state;
	struct ids s = {0};
	char want[32];

	assert_int_equal(applied(f->c, card_view(f->s1, 1, 100)), 1);
	assert_int_equal(applied(f->c, card_view(f->s2, 2, 200)), 1); /* not remembered: ok */
	assert_int_equal(applied(f->c, card_view(f->s1, 2, 300)), 1);
	assert_int_equal(applied(f->c, card_view(f->s3, 3, 400)), 1);
	assert_int_equal(applied(f->c, card_view(f->s3, 1, 500)), 0);
	assert_int_equal(ops->card_views(f->c, f->lib_a, 0, 0, collect_view, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0], 300);
	assert_int_equal(s.v[2], 100);
	snprintf(want, sizeof want, "%lld:2", (long long)f->s1);
	assert_string_equal(s.text[0], want);
	s.n = 0;
	assert_int_equal(ops->card_views(f->c, f->lib_a, 0, 2, collect_view, &s), 0);
	assert_int_equal(s.n, 2);
	s.n = 0;
	assert_int_equal(ops->card_views(f->c, f->lib_a, 2, 0, collect_view, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 300);
	assert_int_equal(s.v[1], 200);
	s.n = 0;
	assert_int_equal(ops->card_views(f->c, f->lib_a, 3, 0, collect_view, &s), 0);
	assert_int_equal(s.n, 0); /* patron of library B */
	s.n = 0;
	assert_int_equal(ops->card_views(f->c, f->lib_b, 0, 0, collect_view, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(count(f->c, "SELECT library_id FROM card_views WHERE at = 400"), f->lib_b);
}

static void test_continuity(void **state)
{
	struct fx *f = *state;
	int64_t ret = -1, cont = -1;

	put_patron(f, 4, f->lib_a);
	assert_int_equal(applied(f->c, consent(1, f->lib_a, 1, "", "", "")), 1);
	assert_int_equal(applied(f->c, consent(2, f->lib_a, 1, "", "", "")), 1);
	/* patron 1: s1, s1, s2 */
	put_chat(f, 1, 1, f->lib_a, "ended", f->s1, 100, 1, "a");
	put_chat(f, 2, 1, f->lib_a, "ended", f->s1, 200, 1, "b"); /* returning, continued */
	put_chat(f, 3, 1, f->lib_a, "ended", f->s2, 300, 1, "c"); /* returning */
	/* patron 2: s2, then a queued one, then s1 */
	put_chat(f, 4, 2, f->lib_a, "ended", f->s2, 150, 1, "d"); /* first */
	put_chat(f, 5, 2, f->lib_a, "queued", 0, 260, 1, "e"); /* never picked */
	put_chat(f, 6, 2, f->lib_a, "active", f->s1, 250, 1, "f"); /* returning */
	/* patron 4, not remembered: never counted */
	put_chat(f, 7, 4, f->lib_a, "ended", f->s1, 160, 0, "g");
	put_chat(f, 8, 4, f->lib_a, "ended", f->s1, 260, 0, "h");
	/* patron 3 in library B: s3, s3 */
	assert_int_equal(applied(f->c, consent(3, f->lib_b, 1, "", "", "")), 1);
	put_chat(f, 9, 3, f->lib_b, "ended", f->s3, 170, 1, "i");
	put_chat(f, 10, 3, f->lib_b, "ended", f->s3, 270, 1, "j");

	assert_int_equal(ops->continuity(f->c, f->lib_a, 150, 400, &ret, &cont), 0);
	assert_int_equal(ret, 3);
	assert_int_equal(cont, 1);
	assert_int_equal(ops->continuity(f->c, f->lib_a, 0, 200, &ret, &cont), 0);
	assert_int_equal(ret, 0); /* chat 2 was created at 200: outside [0, 200) */
	assert_int_equal(cont, 0);
	assert_int_equal(ops->continuity(f->c, f->lib_a, 0, 201, &ret, &cont), 0);
	assert_int_equal(ret, 1);
	assert_int_equal(cont, 1);
	assert_int_equal(ops->continuity(f->c, f->lib_b, 0, 1000, &ret, &cont), 0);
	assert_int_equal(ret, 1);
	assert_int_equal(cont, 1);
	/* withdrawal takes the patron's chats out */
	assert_int_equal(applied(f->c, rel(STW_CONSENT_WITHDRAW, 1, 0)), 1);
	assert_int_equal(ops->continuity(f->c, f->lib_a, 150, 400, &ret, &cont), 0);
	assert_int_equal(ret, 1);
	assert_int_equal(cont, 0);
}

/* ---- query plans ------------------------------------------------------------------- */

/* Every relationship read is a search of an index (or primary key), never a scan of a
 * table; the search walks the full-text index (a virtual table "scan" by MATCH). */
static void test_query_plans(void **state)
{
	struct fx *f = *state;
	static const struct plan_want plans[] = {
		{SQ_REL_PATRON, "SEARCH patrons USING INTEGER PRIMARY KEY (rowid=?)"},
		{SQ_REL_HISTORY,
		 "SEARCH chats USING COVERING INDEX chats_remembered (patron_id=?)"},
		{SQ_REL_NAMES, "SEARCH traits USING PRIMARY KEY (patron_id=? AND key=?)"},
		{SQ_REL_FAVOURITES,
		 "SEARCH favourites USING COVERING INDEX favourites_recent (patron_id=?)"},
		{SQ_CARD_CHATS, "SEARCH chats USING INDEX chats_remembered (patron_id=?)"},
		{SQ_CARD_NOTES, "SEARCH notes USING INDEX notes_by_patron (patron_id=?)"},
		{SQ_CARD_TRAITS, "SEARCH t USING PRIMARY KEY (patron_id=?)"},
		{SQ_SEARCH, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"},
		/* 192: in rowid order, descending; M: the MATCH; <: the before bound */
		{SQ_SEARCH, "SCAN chat_text VIRTUAL TABLE INDEX 192:M2<"},
		{SQ_SEARCH_PATRON, "SCAN chat_text VIRTUAL TABLE INDEX 192:M2<"},
		{SQ_SEARCH_PATRON, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"},
		{SQ_CARD_VIEWS_LIBRARY, "SEARCH card_views USING INDEX card_views_by_library"},
		{SQ_CARD_VIEWS_PATRON, "SEARCH card_views USING INDEX card_views_by_patron"},
		{SQ_TRAIT_KEYS, "SEARCH trait_keys USING PRIMARY KEY (library_id=?)"},
		{SQ_STAFF_PHOTO, "SEARCH staff_photos USING INTEGER PRIMARY KEY (rowid=?)"},
		{SQ_MAIL_DUE, "SEARCH outbox USING INDEX outbox_due (next_attempt_at<?)"},
		{SQ_MAIL_LIST, "SEARCH outbox USING INDEX outbox_state (library_id=? AND state=?)"},
		{SQ_CONTINUITY, "SEARCH c USING INDEX chats_continuity (library_id=? AND "
				"created_at>? AND created_at<?)"},
	};
	char plan[2048];

	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		plan_has(f->c, plans[i].id, plans[i].must, plan, sizeof plan);
		if (strstr(plan, "TEMP B-TREE"))
			fail_msg("statement %d sorts: %s", (int)plans[i].id, plan);
		for (const char *p = plan; (p = strstr(p, "SCAN ")); p++)
			if (strncmp(p, "SCAN chat_text VIRTUAL TABLE", 28) != 0)
				fail_msg("statement %d scans: %s", (int)plans[i].id, plan);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fts5_compiled_in),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_fts_query),
		cmocka_unit_test_setup_teardown(test_migration_from_v2, setup_empty, fx_teardown),
		T(test_chat_insert_fields),
		T(test_consent_relation),
		T(test_card),
		T(test_conditional_writes_one_batch),
		T(test_writer_reports_changed),
		T(test_withdraw_forgets),
		T(test_notes),
		T(test_traits),
		T(test_favourites_preferred),
		T(test_rating_outcome),
		T(test_search),
		T(test_search_patron),
		T(test_staff_profile_photo),
		T(test_card_views),
		T(test_continuity),
		T(test_query_plans),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
