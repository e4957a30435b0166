/* store_fx.h: what the SQLite store tests (test_store.c, test_store_rel.c,
 * test_store_promise.c) share: a database directory made fresh per test and removed after
 * it, token hashes, one write applied in a transaction of its own, and the query plan of
 * a statement; a test's fixture made and unmade. Include it after <cmocka.h> and after the
 * test's own `struct fx`, whose `dir` (char[64]) and `c` the fixture functions use. */
#ifndef RAPPORT_TESTS_STORE_FX_H
#define RAPPORT_TESTS_STORE_FX_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/sqlite_int.h"
#include "store/store.h"

static const struct store_ops *ops = &store_sqlite_ops;

static inline int fx_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* Makes a fresh directory named after `tmpl` (ending in XXXXXX) into `dir`. */
static inline void fx_mkdir(char *dir, const char *tmpl)
{
	strcpy(dir, tmpl);
	assert_non_null(mkdtemp(dir));
}

/* Closes `c` and removes `dir` with all it holds. */
static inline void fx_cleanup(char *dir, struct store_conn *c)
{
	ops->close(c);
	nftw(dir, fx_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static inline void fill_hash(uint8_t h[STORE_TOKEN_HASH_LEN], int seed)
{
	for (int i = 0; i < STORE_TOKEN_HASH_LEN; i++)
		h[i] = (uint8_t)(seed * 31 + i);
}

/* Applies one write in its own transaction (committed if apply succeeded, else rolled
 * back) and frees it; returns apply's rc, *changed its `changed` and *promise_id the
 * promise id it holds after apply (either may be NULL). */
static inline int fx_apply(struct store_conn *c, struct store_write *w, int *changed,
			   int64_t *promise_id)
{
	int rc;

	assert_int_equal(ops->begin(c), 0);
	rc = ops->apply(c, w);
	if (changed)
		*changed = w->changed;
	if (promise_id)
		*promise_id = w->u.promise.id;
	assert_int_equal(rc == 0 ? ops->commit(c) : ops->rollback(c), 0);
	store_write_free(w);
	return rc;
}

/* What the plan of a statement must hold (for plan_has). */
struct plan_want {
	enum sq_stmt id;
	const char *must;
};

/* The plan of statement `id` as one line ("SEARCH chats USING INDEX ...; ...") in `out`,
 * printed; fails unless it holds `must`. */
static inline void plan_has(struct store_conn *c, enum sq_stmt id, const char *must, char *out,
			    size_t size)
{
	char sql[4096];
	sqlite3_stmt *st;
	size_t n = 0;

	snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", sq_sql[id]);
	assert_int_equal(sqlite3_prepare_v2(c->db, sql, -1, &st, NULL), SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? "; " : "",
				      (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	print_message("plan %d: %s\n", (int)id, out);
	if (!strstr(out, must))
		fail_msg("statement %d: want \"%s\" in \"%s\"", (int)id, must, out);
}

/* Library `slug` called `name`, with one queue (`qslug`, `qname`); returns the library's
 * id, and the queue's in *queue unless that is NULL. */
static inline int64_t fx_library(struct store_conn *c, const char *slug, const char *name,
				 const char *qslug, const char *qname, int64_t *queue)
{
	struct store_library l = {.created_at = 1};
	struct store_queue q = {.created_at = 1};

	strcpy(l.slug, slug);
	strcpy(l.name, name);
	assert_int_equal(ops->library_ensure(c, &l), 0);
	q.library_id = l.id;
	strcpy(q.slug, qslug);
	strcpy(q.name, qname);
	assert_int_equal(ops->queue_ensure(c, &q), 0);
	if (queue)
		*queue = q.id;
	return l.id;
}

/* A staff member of library `lib`; returns the id. */
static inline int64_t fx_staff(struct store_conn *c, int64_t lib, const char *email,
			       const char *name, const char *role)
{
	struct store_staff s = {.library_id = lib, .created_at = 1};

	strcpy(s.email, email);
	strcpy(s.display_name, name);
	strcpy(s.role, role);
	strcpy(s.pw_hash, "$argon2id$x");
	assert_int_equal(ops->staff_put(c, &s), 0);
	return s.id;
}

/* A zeroed struct fx in *state, with a fresh directory named after `tmpl`. */
static inline struct fx *fx_new(void **state, const char *tmpl)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	fx_mkdir(f->dir, tmpl);
	*state = f;
	return f;
}

/* The cmocka teardown of every store test: closes the database, removes its directory
 * and frees the fixture. */
static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	fx_cleanup(f->dir, f->c);
	free(f);
	return 0;
}

#endif
