/* sqlite_mail.c: the e-mail outbox and sign-in links in the SQLite backend: the
 * parameters of their writes (which sqlite.c applies, see write_steps) and the outbox
 * reads (worker threads). SQL in sqlite_sql.c. */
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

#define MAIL(name, kind, m) SQ_PARAM(name, kind, struct store_mail, m)
static const struct sq_param mail_params[] = {
	MAIL("id", SQP_I64, id),
	MAIL("library", SQP_I64, library_id),
	MAIL("kind", SQP_FIELD, kind),
	MAIL("to", SQP_FIELD, to_addr),
	MAIL("subject", SQP_FIELD, subject),
	MAIL("text", SQP_BODY_REQ, body_text),
	MAIL("html", SQP_BODY, body_html),
	MAIL("unsubscribe", SQP_FIELD, list_unsubscribe),
	MAIL("created", SQP_I64, created_at),
	MAIL("next", SQP_I64, next_attempt_at),
	MAIL("message_id", SQP_FIELD, message_id),
	MAIL("state", SQP_FIELD, state),
	MAIL("error", SQP_FIELD, last_error),
	MAIL("sent", SQP_I64, sent_at),
};

#define SIGNIN(name, kind, m) SQ_PARAM(name, kind, struct store_signin, m)
static const struct sq_param signin_params[] = {
	SIGNIN("hash", SQP_HASH, hash),
	SIGNIN("new_hash", SQP_HASH, new_hash),
	SIGNIN("patron", SQP_I64, patron_id),
	SIGNIN("library", SQP_I64, library_id),
	SIGNIN("at", SQP_I64, at),
	SIGNIN("expires", SQP_I64, expires_at),
};

/* See sqlite_int.h. */
int sq_bind_mail(sqlite3_stmt *st, const struct store_write *w)
{
	if (w->kind == STW_SIGNIN_CREATE || w->kind == STW_SIGNIN_USE)
		return sq_bind_named(st, signin_params, SQ_N(signin_params), &w->u.signin);
	return sq_bind_named(st, mail_params, SQ_N(mail_params), &w->u.mail);
}

/* ---- reads ------------------------------------------------------------------------- */

/* Fills from a row of MAIL_COLS; the bodies point into the statement (valid until the
 * next step). */
#define MAIL_COL(kind, m) SQ_COL(kind, struct store_mail, m)
static const struct sq_param mail_cols[] = {
	MAIL_COL(SQP_I64, id),		 MAIL_COL(SQP_I64, library_id),
	MAIL_COL(SQP_FIELD, kind),	 MAIL_COL(SQP_FIELD, to_addr),
	MAIL_COL(SQP_FIELD, subject),	 MAIL_COL(SQP_TEXT_REQ, body_text),
	MAIL_COL(SQP_TEXT, body_html),	 MAIL_COL(SQP_FIELD, list_unsubscribe),
	MAIL_COL(SQP_I64, created_at),	 MAIL_COL(SQP_FIELD, state),
	MAIL_COL(SQP_INT, attempts),	 MAIL_COL(SQP_I64, next_attempt_at),
	MAIL_COL(SQP_FIELD, last_error), MAIL_COL(SQP_I64, sent_at),
	MAIL_COL(SQP_FIELD, message_id),
};

static int fill_mail(sqlite3_stmt *st, void *rec)
{
	memset(rec, 0, sizeof(struct store_mail));
	return SQ_FILL(st, mail_cols, rec);
}

SQ_ROW_ADAPTER(row_mail, store_mail_cb, struct store_mail)

/* See store.h (mail_due). */
int sq_mail_due(struct store_conn *c, int64_t now, int limit, store_mail_cb cb, void *ctx)
{
	struct store_mail r;

	if (!cb || limit <= 0)
		return STORE_BADARG;
	return sq_list(c, SQ_MAIL_DUE, (const int64_t[]){now, limit}, 2, fill_mail, &r, row_mail,
		       &cb, ctx, "mail_due");
}

/* See store.h (mail_list). */
int sq_mail_list(struct store_conn *c, int64_t library_id, const char *state, int limit,
		 store_mail_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_LIST);
	struct store_mail r;
	int rc;

	if (!cb || !state)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	return sq_each_row(c, st, rc, fill_mail, &r, row_mail, &cb, ctx, "mail_list");
}

/* See store.h (mail_counts). */
int sq_mail_counts(struct store_conn *c, int64_t *queued, int64_t *dead)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_COUNTS);

	if (!st)
		return STORE_ERR;
	return sq_one_counts(c, st, SQLITE_OK, (int64_t *const[]){queued, dead}, 2, "mail_counts");
}

/* See store.h (mail_summary). */
int sq_mail_summary(struct store_conn *c, int64_t library_id, int64_t *queued, int64_t *sent,
		    int64_t *dead)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_MAIL_SUMMARY);

	if (!st)
		return STORE_ERR;
	return sq_one_counts(c, st, sqlite3_bind_int64(st, 1, library_id),
			     (int64_t *const[]){queued, sent, dead}, 3, "mail_summary");
}
