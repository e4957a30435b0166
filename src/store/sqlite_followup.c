/* sqlite_followup.c: follow-ups in the SQLite backend: the parameters of their writes
 * (which sqlite.c applies, see write_steps) and the reads (worker threads). SQL in
 * sqlite_sql.c. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

#define FOLLOWUP(name, kind, m) SQ_PARAM(name, kind, struct store_followup_write, m)
static const struct sq_param followup_params[] = {
	FOLLOWUP("id", SQP_I64, id),
	FOLLOWUP("library", SQP_I64, library_id),
	FOLLOWUP("patron", SQP_I64, patron_id),
	FOLLOWUP("chat", SQP_I64, chat_id),
	FOLLOWUP("staff", SQP_I64, staff_id),
	FOLLOWUP("due", SQP_I64, due_at),
	FOLLOWUP("at", SQP_I64, at),
	FOLLOWUP("expires", SQP_I64, expires_at),
	FOLLOWUP("hash", SQP_HASH, hash),
	FOLLOWUP("signin_hash", SQP_HASH, signin_hash),
	FOLLOWUP("message", SQP_FIELD, message),
	FOLLOWUP("rating", SQP_INT, rating),
	FOLLOWUP("reply", SQP_FIELD, reply),
	FOLLOWUP("subject", SQP_FIELD, mail.subject),
	FOLLOWUP("text", SQP_BODY_REQ, mail.body_text),
	FOLLOWUP("html", SQP_BODY, mail.body_html),
	FOLLOWUP("unsubscribe", SQP_FIELD, mail.list_unsubscribe),
	FOLLOWUP("message_id", SQP_FIELD, mail.message_id),
};

/* See sqlite_int.h. */
int sq_bind_followup(sqlite3_stmt *st, const struct store_write *w)
{
	return sq_bind_named(st, followup_params, SQ_N(followup_params), &w->u.followup);
}

#define FOLLOWUP_COL(kind, m) SQ_COL(kind, struct store_followup, m)
static const struct sq_param followup_cols[] = {
	FOLLOWUP_COL(SQP_I64, id),	    FOLLOWUP_COL(SQP_I64, library_id),
	FOLLOWUP_COL(SQP_I64, patron_id),   FOLLOWUP_COL(SQP_I64, chat_id),
	FOLLOWUP_COL(SQP_I64, staff_id),    FOLLOWUP_COL(SQP_I64, due_at),
	FOLLOWUP_COL(SQP_FIELD, message),   FOLLOWUP_COL(SQP_FIELD, state),
	FOLLOWUP_COL(SQP_I64, created_at),  FOLLOWUP_COL(SQP_I64, sent_at),
	FOLLOWUP_COL(SQP_INT, rating),	    FOLLOWUP_COL(SQP_FIELD, reply),
	FOLLOWUP_COL(SQP_I64, answered_at),
};

static int fill_followup(sqlite3_stmt *st, void *rec)
{
	memset(rec, 0, sizeof(struct store_followup));
	return SQ_FILL(st, followup_cols, rec);
}

SQ_ROW_ADAPTER(row_followup, store_followup_cb, struct store_followup)

/* See store.h (followup_by_token). */
int sq_followup_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
			 int64_t now, struct store_followup *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_FOLLOWUP_BY_TOKEN);
	int rc;

	if (!st || !hash || !out)
		return st ? STORE_BADARG : STORE_ERR;
	rc = sqlite3_bind_blob(st, 1, hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, now);
	return sq_one_row(c, st, rc, fill_followup, out, "followup_by_token");
}

/* See store.h (followups). */
int sq_followups(struct store_conn *c, int64_t library_id, int64_t patron_id, const char *state,
		 int limit, store_followup_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, patron_id > 0 ? SQ_FOLLOWUPS_PATRON : SQ_FOLLOWUPS_LIBRARY);
	struct store_followup r;
	int rc;

	if (!cb)
		return STORE_BADARG;
	if (!st)
		return STORE_ERR;
	if (patron_id > 0) {
		rc = sqlite3_bind_int64(st, 1, patron_id);
		rc = rc ? rc : sqlite3_bind_int64(st, 2, library_id);
	} else {
		rc = sqlite3_bind_int64(st, 1, library_id);
		rc = rc	     ? rc
		     : state ? sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC)
			     : sqlite3_bind_null(st, 2);
	}
	rc = rc ? rc : sqlite3_bind_int(st, 3, sq_limit(limit));
	return sq_each_row(c, st, rc, fill_followup, &r, row_followup, &cb, ctx, "followups");
}
