/* sqlite_mail.c: the e-mail outbox and sign-in links in the SQLite backend: the
 * parameters of their writes (which sqlite.c applies, see write_steps) and the outbox
 * reads (worker threads). SQL in sqlite_sql.c. */
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

/* A fixed-size char array field as text; SQLITE_RANGE when it is not NUL-terminated. */
static int bind_field(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		return SQLITE_RANGE;
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}
#define FIELD(f) bind_field(st, i, (f), sizeof(f))

/* A malloc'd body: NULL binds NULL; longer than STORE_MAIL_BODY_MAX is refused. */
static int bind_body(sqlite3_stmt *st, int i, const char *s)
{
	size_t n;

	if (!s)
		return sqlite3_bind_null(st, i);
	n = strlen(s);
	if (n > STORE_MAIL_BODY_MAX)
		return SQLITE_TOOBIG;
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}

static int bind_mail_param(sqlite3_stmt *st, int i, const char *name, const struct store_mail *m)
{
	if (!strcmp(name, "id"))
		return sqlite3_bind_int64(st, i, m->id);
	if (!strcmp(name, "library"))
		return sqlite3_bind_int64(st, i, m->library_id);
	if (!strcmp(name, "kind"))
		return FIELD(m->kind);
	if (!strcmp(name, "to"))
		return FIELD(m->to_addr);
	if (!strcmp(name, "subject"))
		return FIELD(m->subject);
	if (!strcmp(name, "text"))
		return m->body_text ? bind_body(st, i, m->body_text) : SQLITE_RANGE;
	if (!strcmp(name, "html"))
		return bind_body(st, i, m->body_html);
	if (!strcmp(name, "unsubscribe"))
		return FIELD(m->list_unsubscribe);
	if (!strcmp(name, "created"))
		return sqlite3_bind_int64(st, i, m->created_at);
	if (!strcmp(name, "next"))
		return sqlite3_bind_int64(st, i, m->next_attempt_at);
	if (!strcmp(name, "message_id"))
		return FIELD(m->message_id);
	if (!strcmp(name, "state"))
		return FIELD(m->state);
	if (!strcmp(name, "error"))
		return FIELD(m->last_error);
	if (!strcmp(name, "sent"))
		return sqlite3_bind_int64(st, i, m->sent_at);
	return SQLITE_RANGE;
}

static int bind_signin_param(sqlite3_stmt *st, int i, const char *name,
			     const struct store_signin *s)
{
	if (!strcmp(name, "hash"))
		return sqlite3_bind_blob(st, i, s->hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	if (!strcmp(name, "new_hash"))
		return sqlite3_bind_blob(st, i, s->new_hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	if (!strcmp(name, "patron"))
		return sqlite3_bind_int64(st, i, s->patron_id);
	if (!strcmp(name, "library"))
		return sqlite3_bind_int64(st, i, s->library_id);
	if (!strcmp(name, "at"))
		return sqlite3_bind_int64(st, i, s->at);
	if (!strcmp(name, "expires"))
		return sqlite3_bind_int64(st, i, s->expires_at);
	return SQLITE_RANGE;
}

/* See sqlite_int.h. An unknown parameter name is a bug in sqlite_sql.c: SQLITE_RANGE. */
int sq_bind_mail(sqlite3_stmt *st, const struct store_write *w)
{
	int n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;
	int signin = w->kind == STW_SIGNIN_CREATE || w->kind == STW_SIGNIN_USE;

	for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);

		if (!name || name[0] != ':')
			return SQLITE_RANGE;
		rc = signin ? bind_signin_param(st, i, name + 1, &w->u.signin)
			    : bind_mail_param(st, i, name + 1, &w->u.mail);
	}
	return rc;
}

/* ---- reads ------------------------------------------------------------------------- */

/* Fills from a row of MAIL_COLS; the bodies point into the statement (valid until the
 * next step). */
static int fill_mail(sqlite3_stmt *st, struct store_mail *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->body_text = (char *)sqlite3_column_text(st, 5);
	r->body_html = (char *)sqlite3_column_text(st, 6);
	r->created_at = sqlite3_column_int64(st, 8);
	r->attempts = sqlite3_column_int(st, 10);
	r->next_attempt_at = sqlite3_column_int64(st, 11);
	r->sent_at = sqlite3_column_int64(st, 13);
	if (!r->body_text || sq_col_text(st, 2, r->kind, sizeof r->kind) ||
	    sq_col_text(st, 3, r->to_addr, sizeof r->to_addr) ||
	    sq_col_text(st, 4, r->subject, sizeof r->subject) ||
	    sq_col_text(st, 7, r->list_unsubscribe, sizeof r->list_unsubscribe) ||
	    sq_col_text(st, 9, r->state, sizeof r->state) ||
	    sq_col_text(st, 12, r->last_error, sizeof r->last_error) ||
	    sq_col_text(st, 14, r->message_id, sizeof r->message_id))
		return STORE_ERR;
	return STORE_OK;
}

static int mail_rows(struct store_conn *c, sqlite3_stmt *st, int rc, store_mail_cb cb, void *ctx,
		     const char *what)
{
	struct store_mail r;
	int out = STORE_OK;

	if (rc == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			out = fill_mail(st, &r);
			if (out == STORE_OK)
				out = cb(ctx, &r);
			if (out != STORE_OK)
				break;
		}
	}
	sq_done(st);
	if (out == STORE_STOP)
		return STORE_OK;
	return out != STORE_OK ? out : sq_err(c, rc, what);
}

/* See store.h (mail_due). */
int sq_mail_due(struct store_conn *c, int64_t now, int limit, store_mail_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_DUE);
	int rc;

	if (!cb || limit <= 0)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, now);
	rc = rc ? rc : sqlite3_bind_int(st, 2, limit);
	return mail_rows(c, st, rc, cb, ctx, "mail_due");
}

/* See store.h (mail_list). */
int sq_mail_list(struct store_conn *c, int64_t library_id, const char *state, int limit,
		 store_mail_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_LIST);
	int rc;

	if (!cb || !state)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	return mail_rows(c, st, rc, cb, ctx, "mail_list");
}

/* See store.h (mail_counts). */
int sq_mail_counts(struct store_conn *c, int64_t *queued, int64_t *dead)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_COUNTS);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*queued = sqlite3_column_int64(st, 0);
		*dead = sqlite3_column_int64(st, 1);
	}
	sq_done(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_err(c, rc, "mail_counts");
}

/* See store.h (mail_summary). */
int sq_mail_summary(struct store_conn *c, int64_t library_id, int64_t *queued, int64_t *sent,
		    int64_t *dead)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_SUMMARY);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*queued = sqlite3_column_int64(st, 0);
		*sent = sqlite3_column_int64(st, 1);
		*dead = sqlite3_column_int64(st, 2);
	}
	sq_done(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_err(c, rc, "mail_summary");
}
