/* sqlite_followup.c: follow-ups in the SQLite backend: the parameters of their writes
 * (which sqlite.c applies, see write_steps) and the reads (worker threads). SQL in
 * sqlite_sql.c. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sqlite_int.h"

static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		return SQLITE_RANGE;
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}
#define FIELD(f) bind_text(st, i, (f), sizeof(f))

static int bind_body(sqlite3_stmt *st, int i, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, i);
	if (strlen(s) > STORE_MAIL_BODY_MAX)
		return SQLITE_TOOBIG;
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int bind_param(sqlite3_stmt *st, int i, const char *name,
		      const struct store_followup_write *f)
{
	static const struct {
		const char *name;
		size_t off;
	} ints[] = {
		{"id", offsetof(struct store_followup_write, id)},
		{"library", offsetof(struct store_followup_write, library_id)},
		{"patron", offsetof(struct store_followup_write, patron_id)},
		{"chat", offsetof(struct store_followup_write, chat_id)},
		{"staff", offsetof(struct store_followup_write, staff_id)},
		{"due", offsetof(struct store_followup_write, due_at)},
		{"at", offsetof(struct store_followup_write, at)},
		{"expires", offsetof(struct store_followup_write, expires_at)},
	};

	for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
		if (!strcmp(name, ints[k].name))
			return sqlite3_bind_int64(
				st, i, *(const int64_t *)((const char *)f + ints[k].off));
	if (!strcmp(name, "hash"))
		return sqlite3_bind_blob(st, i, f->hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	if (!strcmp(name, "signin_hash"))
		return sqlite3_bind_blob(st, i, f->signin_hash, STORE_TOKEN_HASH_LEN,
					 SQLITE_STATIC);
	if (!strcmp(name, "message"))
		return FIELD(f->message);
	if (!strcmp(name, "rating"))
		return sqlite3_bind_int(st, i, f->rating);
	if (!strcmp(name, "reply"))
		return FIELD(f->reply);
	if (!strcmp(name, "subject"))
		return FIELD(f->mail.subject);
	if (!strcmp(name, "text"))
		return f->mail.body_text ? bind_body(st, i, f->mail.body_text) : SQLITE_RANGE;
	if (!strcmp(name, "html"))
		return bind_body(st, i, f->mail.body_html);
	if (!strcmp(name, "unsubscribe"))
		return FIELD(f->mail.list_unsubscribe);
	if (!strcmp(name, "message_id"))
		return FIELD(f->mail.message_id);
	return SQLITE_RANGE;
}

/* See sqlite_int.h. An unknown parameter name is a bug in sqlite_sql.c: SQLITE_RANGE. */
int sq_bind_followup(sqlite3_stmt *st, const struct store_write *w)
{
	int n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;

	for (int i = 1; i <= n && rc == SQLITE_OK; i++) {
		const char *name = sqlite3_bind_parameter_name(st, i);

		if (!name || name[0] != ':')
			return SQLITE_RANGE;
		rc = bind_param(st, i, name + 1, &w->u.followup);
	}
	return rc;
}

static int fill_followup(sqlite3_stmt *st, struct store_followup *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->library_id = sqlite3_column_int64(st, 1);
	r->patron_id = sqlite3_column_int64(st, 2);
	r->chat_id = sqlite3_column_int64(st, 3);
	r->staff_id = sqlite3_column_int64(st, 4);
	r->due_at = sqlite3_column_int64(st, 5);
	r->created_at = sqlite3_column_int64(st, 8);
	r->sent_at = sqlite3_column_int64(st, 9);
	r->rating = sqlite3_column_int(st, 10);
	r->answered_at = sqlite3_column_int64(st, 12);
	if (sq_col_text(st, 6, r->message, sizeof r->message) ||
	    sq_col_text(st, 7, r->state, sizeof r->state) ||
	    sq_col_text(st, 11, r->reply, sizeof r->reply))
		return STORE_ERR;
	return STORE_OK;
}

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
	rc = rc ? rc : sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = fill_followup(st, out);
		sq_done(st);
		return rc;
	}
	sq_done(st);
	return rc == SQLITE_DONE ? STORE_NOTFOUND : sq_err(c, rc, "followup_by_token");
}

/* See store.h (followups). */
int sq_followups(struct store_conn *c, int64_t library_id, int64_t patron_id, const char *state,
		 int limit, store_followup_cb cb, void *ctx)
{
	sqlite3_stmt *st = sq_stmt(c, patron_id > 0 ? SQ_FOLLOWUPS_PATRON : SQ_FOLLOWUPS_LIBRARY);
	struct store_followup r;
	int rc, out = STORE_OK;

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
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out = fill_followup(st, &r);
		if (out == STORE_OK)
			out = cb(ctx, &r);
		if (out != STORE_OK)
			break;
		rc = SQLITE_OK;
	}
	sq_done(st);
	if (out == STORE_STOP)
		return STORE_OK;
	return out != STORE_OK ? out : sq_err(c, rc, "followups");
}
