/* sqlite_admin.c: administration in the SQLite backend (migration 14): the parameters of
 * the administration writes (queues, library settings, accounts and their set-password
 * links; sqlite_write.c runs them, see write_steps), the set-password link read, and the
 * consortium reads and CLI upserts. SQL in sqlite_sql.c. */
#include <string.h>
#include <time.h>

#include "sqlite_int.h"

/* The parameters of every administration statement, each bound from the member of the
 * write of its name: which record and when, a queue, the library, its widget and card, an
 * account, its password and link. */
#define A(kind, name, m) SQ_PARAM(name, kind, struct store_admin_write, m)
static const struct sq_param admin_params[] = {
	A(SQP_I64, "id", id),
	A(SQP_I64, "library", library_id),
	A(SQP_I64, "at", at),
	A(SQP_I64, "expires", expires_at),
	A(SQP_FIELD, "slug", slug),
	A(SQP_I64, "cascade", cascade_ms),
	A(SQP_FIELD, "hours", hours),
	A(SQP_FIELD, "closed", closed),
	A(SQP_FIELD, "tz", time_zone),
	A(SQP_INT, "reply", reply_hours),
	A(SQP_FIELD, "text", text),
	A(SQP_FIELD, "origins", origins),
	A(SQP_FIELD, "greeting", greeting),
	A(SQP_FIELD, "colour", colour),
	A(SQP_FIELD, "text_colour", text_colour),
	A(SQP_FIELD, "card", consortium_card),
	A(SQP_FIELD, "name", name),
	A(SQP_FIELD, "email", email),
	A(SQP_FIELD, "access", access),
	A(SQP_INT, "max", max_chats),
	A(SQP_INT, "active", active),
	A(SQP_FIELD, "pw", pw_hash),
	A(SQP_HASH, "hash", hash),
};

/* See sqlite_int.h. */
int sq_bind_admin(sqlite3_stmt *st, const struct store_admin_write *a)
{
	return sq_bind_named(st, admin_params, SQ_N(admin_params), a);
}

/* See store.h. */
int sq_staff_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t now,
		   struct store_staff *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_STAFF_TOKEN);
	int rc;

	if (!st || !out)
		return st ? STORE_BADARG : STORE_ERR;
	memset(out, 0, sizeof *out);
	rc = sqlite3_bind_blob(st, 1, hash, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, now);
	return sq_one_row(c, st, rc, sq_fill_staff, out, "staff_token");
}

#define CONS(kind, m) SQ_COL(kind, struct store_consortium, m)
static const struct sq_param consortium_cols[] = {
	CONS(SQP_I64, id),
	CONS(SQP_FIELD, slug),
	CONS(SQP_FIELD, name),
};
SQ_FILL_FN(fill_consortium, consortium_cols)
SQ_ROW_ADAPTER(row_library, store_library_cb, struct store_library)

/* See store.h. */
int sq_consortium_of(struct store_conn *c, int64_t library_id, struct store_consortium *out)
{
	int rc = out ? sq_get(c, SQ_CONSORTIUM_OF, &library_id, 1, fill_consortium, out,
			      "consortium_of")
		     : STORE_BADARG;

	if (rc && out)
		memset(out, 0, sizeof *out); /* nothing half-read */
	return rc;
}

/* See store.h. */
int sq_consortium_members(struct store_conn *c, int64_t consortium_id, store_library_cb cb,
			  void *ctx)
{
	struct store_library r = {0};

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, SQ_CONSORTIUM_MEMBERS, &consortium_id, 1, sq_fill_library, &r,
		       row_library, &cb, ctx, "consortium_members");
}

/* See store.h. */
int sq_consortium_by_slug(struct store_conn *c, const char *slug, struct store_consortium *out)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CONSORTIUM_BY_SLUG);

	if (!st || !out)
		return st ? STORE_BADARG : STORE_ERR;
	memset(out, 0, sizeof *out);
	return sq_one_row(c, st, sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC), fill_consortium,
			  out, "consortium_by_slug");
}

/* See store.h. An autocommit upsert, so its own transaction (CLI). */
int sq_consortium_ensure(struct store_conn *c, struct store_consortium *r)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_CONSORTIUM_ENSURE);
	struct timespec ts;
	int rc;

	if (!st || !r || c->readonly)
		return st ? STORE_BADARG : STORE_ERR;
	clock_gettime(CLOCK_REALTIME, &ts);
	rc = sqlite3_bind_text(st, 1, r->slug, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	rc = rc ? rc : sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	sq_done(st);
	return sq_err(c, rc, "consortium_ensure");
}

/* See store.h. */
int sq_library_consortium(struct store_conn *c, int64_t library_id, int64_t consortium_id)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_LIBRARY_CONSORTIUM);
	int rc;

	if (!st || c->readonly)
		return st ? STORE_BADARG : STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, consortium_id);
	rc = rc ? rc : sqlite3_step(st);
	sq_done(st);
	if (rc == SQLITE_DONE && sqlite3_changes(c->db) == 0)
		return STORE_NOTFOUND;
	return sq_err(c, rc, "library_consortium");
}
