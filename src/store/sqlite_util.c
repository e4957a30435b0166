/* sqlite_util.c: the small helpers every file of the SQLite backend reads and binds with:
 * named parameters from a table of fields, positional int64 parameters, and stepping a
 * statement into records (one row, every row, or one row of counts). */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

int sq_bind_chat_state(sqlite3_stmt *st, int i, enum store_chat_state s)
{
	const char *name = store_chat_state_name(s);

	return name ? sqlite3_bind_text(st, i, name, -1, SQLITE_STATIC) : SQLITE_RANGE;
}

/* Whether a table row's field has the size its kind reads and writes. */
static int size_ok(const struct sq_param *p)
{
	switch (p->kind) {
	case SQP_I64: return p->size == sizeof(int64_t);
	case SQP_INT: return p->size == sizeof(int);
	case SQP_HASH: return p->size == STORE_TOKEN_HASH_LEN;
	case SQP_FIELD: return p->size > 0;
	case SQP_BLOB: return 1; /* size is the offset of the length */
	case SQP_CHAT_STATE: return p->size == sizeof(enum store_chat_state);
	default: return p->size == sizeof(char *);
	}
}

/* Binds one parameter `i` from the field `p` describes in `rec`. */
static int bind_param(sqlite3_stmt *st, int i, const struct sq_param *p, const void *rec)
{
	const char *f = (const char *)rec + p->off;
	const char *s;
	size_t n;

	if (!size_ok(p))
		return SQLITE_MISUSE;
	switch (p->kind) {
	case SQP_I64: return sqlite3_bind_int64(st, i, *(const int64_t *)f);
	case SQP_INT: return sqlite3_bind_int(st, i, *(const int *)f);
	case SQP_HASH: return sqlite3_bind_blob(st, i, f, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	case SQP_FIELD:
		n = strnlen(f, p->size);
		return n == p->size ? SQLITE_RANGE
				    : sqlite3_bind_text(st, i, f, (int)n, SQLITE_STATIC);
	case SQP_CHAT_STATE: return sq_bind_chat_state(st, i, *(const enum store_chat_state *)f);
	default: break;
	}
	s = *(const char *const *)f;
	if (!s)
		return p->kind == SQP_TEXT_REQ || p->kind == SQP_BODY_REQ
			       ? SQLITE_RANGE
			       : sqlite3_bind_null(st, i);
	switch (p->kind) {
	case SQP_TEXT:
	case SQP_TEXT_REQ: return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	case SQP_BODY:
	case SQP_BODY_REQ:
		n = strlen(s);
		return n > STORE_MAIL_BODY_MAX ? SQLITE_TOOBIG
					       : sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
	case SQP_BLOB:
		n = *(const size_t *)((const char *)rec + p->size);
		return !n	     ? sqlite3_bind_null(st, i)
		       : n > INT_MAX ? SQLITE_TOOBIG
				     : sqlite3_bind_blob(st, i, s, (int)n, SQLITE_STATIC);
	default: return SQLITE_RANGE;
	}
}

/* See sqlite_int.h. An unknown parameter name is a bug in sqlite_sql.c: SQLITE_RANGE. */
int sq_bind_named(sqlite3_stmt *st, const struct sq_param *tab, size_t n_tab, const void *rec)
{
	int n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;

	for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);
		size_t k = 0;

		if (!name || name[0] != ':')
			return SQLITE_RANGE;
		while (k < n_tab && strcmp(name + 1, tab[k].name))
			k++;
		rc = k < n_tab ? bind_param(st, i, &tab[k], rec) : SQLITE_RANGE;
	}
	return rc;
}

/* See sqlite_int.h. */
int sq_bind_cols(sqlite3_stmt *st, const struct sq_param *tab, int n, const void *rec)
{
	int rc = SQLITE_OK;

	for (int i = 0; i < n && rc == SQLITE_OK; i++)
		rc = bind_param(st, i + 1, &tab[i], rec);
	return rc;
}

/* See sqlite_int.h. */
int sq_fill_cols(sqlite3_stmt *st, const struct sq_param *tab, int n, void *rec)
{
	for (int i = 0; i < n; i++) {
		const struct sq_param *p = &tab[i];
		char *f = (char *)rec + p->off;
		const char *t;

		if (!size_ok(p))
			return STORE_ERR;
		switch (p->kind) {
		case SQP_I64: *(int64_t *)f = sqlite3_column_int64(st, i); break;
		case SQP_INT: *(int *)f = sqlite3_column_int(st, i); break;
		case SQP_HASH:
			t = sqlite3_column_blob(st, i);
			if (!t || sqlite3_column_bytes(st, i) != STORE_TOKEN_HASH_LEN)
				return STORE_ERR;
			memcpy(f, t, STORE_TOKEN_HASH_LEN);
			break;
		case SQP_FIELD:
			if (sq_col_text(st, i, f, p->size))
				return STORE_ERR;
			break;
		case SQP_CHAT_STATE: {
			int s = store_chat_state_of((const char *)sqlite3_column_text(st, i));

			if (s < 0)
				return STORE_ERR;
			*(enum store_chat_state *)f = (enum store_chat_state)s;
			break;
		}
		case SQP_TEXT:
		case SQP_TEXT_REQ:
			t = (const char *)sqlite3_column_text(st, i);
			if (!t && p->kind == SQP_TEXT_REQ)
				return STORE_ERR;
			*(const char **)f = t;
			break;
		default: return STORE_ERR;
		}
	}
	return STORE_OK;
}

/* See sqlite_int.h. */
int sq_bind_i64s(sqlite3_stmt *st, const int64_t *v, int n)
{
	int rc = SQLITE_OK;

	for (int i = 0; i < n && rc == SQLITE_OK; i++)
		rc = sqlite3_bind_int64(st, i + 1, v[i]);
	return rc;
}

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
int sq_list(struct store_conn *c, enum sq_stmt id, const int64_t *v, int n, sq_fill_fn fill,
	    void *rec, sq_row_fn row, void *cb, void *ctx, const char *what)
{
	sqlite3_stmt *st = sq_stmt(c, id);

	if (!st)
		return STORE_ERR;
	return sq_each_row(c, st, sq_bind_i64s(st, v, n), fill, rec, row, cb, ctx, what);
}

/* See sqlite_int.h. */
int sq_get(struct store_conn *c, enum sq_stmt id, const int64_t *v, int n, sq_fill_fn fill,
	   void *rec, const char *what)
{
	sqlite3_stmt *st = sq_stmt(c, id);

	if (!st)
		return STORE_ERR;
	return sq_one_row(c, st, sq_bind_i64s(st, v, n), fill, rec, what);
}

/* See sqlite_int.h. */
int sq_one_counts(struct store_conn *c, sqlite3_stmt *st, int bind_rc, int64_t *const *out, int n,
		  const char *what)
{
	int rc = bind_rc;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < n; i++)
			*out[i] = sqlite3_column_int64(st, i);
	sq_done(st);
	return sq_err(c, rc, what);
}

/* See sqlite_int.h. */
int sq_limit(int limit)
{
	return limit > 0 ? limit : -1; /* SQLite: a negative LIMIT means none */
}
