/* sqlite_rel.c: relationship memory in the SQLite backend: the parameters of its writes
 * (which sqlite.c applies, see write_steps) and its reads (worker threads): relation,
 * card, search, staff photos, trait keys, card views, continuity. SQL in sqlite_sql.c.
 *
 * The card is on a librarian's path when they pick up a chat, so every statement here is
 * a primary-key lookup or a range of one patron's (or one library's) index entries,
 * bounded by LIMIT where the contract allows it; tests/unit/test_store_rel.c checks the
 * plans.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* ---- write parameters -------------------------------------------------------------- */

#define REL(name, kind, m) SQ_PARAM(name, kind, struct store_rel_write, m)
static const struct sq_param rel_params[] = {
	REL("patron", SQP_I64, patron_id),
	REL("library", SQP_I64, library_id),
	REL("staff", SQP_I64, staff_id),
	REL("chat", SQP_I64, chat_id),
	REL("id", SQP_I64, id),
	REL("at", SQP_I64, at),
	REL("on", SQP_INT, on),
	REL("key", SQP_FIELD, key),
	REL("value", SQP_FIELD, value),
	REL("display_name", SQP_FIELD, display_name),
	REL("email", SQP_FIELD, email),
	REL("preferred_name", SQP_FIELD, preferred_name),
	REL("pronouns", SQP_FIELD, pronouns),
	REL("text", SQP_TEXT, text),
	SQ_PARAM_BLOB("blob", struct store_rel_write, blob, blob_len),
};

/* See sqlite_int.h. text and blob are NULL when absent (blob_len 0). */
int sq_bind_rel(sqlite3_stmt *st, const struct store_rel_write *r)
{
	return sq_bind_named(st, rel_params, SQ_N(rel_params), r);
}

/* ---- relation ---------------------------------------------------------------------- */

#define REL_COL(kind, m) SQ_COL(kind, struct store_relation, m)
static const struct sq_param rel_patron_cols[] = {
	REL_COL(SQP_I64, library_id),	      REL_COL(SQP_INT, remembered),
	REL_COL(SQP_I64, remembered_since),   REL_COL(SQP_FIELD, notice_version),
	REL_COL(SQP_FIELD, display_name),     REL_COL(SQP_FIELD, email),
	REL_COL(SQP_I64, preferred_staff_id),
};
SQ_FILL_FN(fill_rel_patron, rel_patron_cols)

/* One pass over the patron's remembered chats, newest first, in the covering index
 * chats_remembered: how many, the oldest one's time, and the first STORE_HELPERS_MAX
 * distinct librarians. */
static int rel_history(struct store_conn *c, struct store_relation *r)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_REL_HISTORY);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, r->patron_id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t staff = sqlite3_column_int64(st, 0);
		int64_t at = sqlite3_column_int64(st, 1);
		size_t i = 0;

		r->n_chats++;
		if (r->first_chat_at == 0 || at < r->first_chat_at)
			r->first_chat_at = at;
		while (i < r->n_helpers && r->helpers[i] != staff)
			i++;
		if (staff != 0 && i == r->n_helpers && i < STORE_HELPERS_MAX)
			r->helpers[r->n_helpers++] = staff;
		rc = SQLITE_OK;
	}
	sq_done(st);
	return sq_err(c, rc, "relation history");
}

/* preferred_name and pronouns, from traits. */
static int rel_names(struct store_conn *c, struct store_relation *r)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_REL_NAMES);
	int rc, out = STORE_OK;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, r->patron_id);
	while (rc == SQLITE_OK && out == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		if (key && !strcmp(key, "preferred_name"))
			out = sq_col_text(st, 1, r->preferred_name, sizeof r->preferred_name);
		else if (key && !strcmp(key, "pronouns"))
			out = sq_col_text(st, 1, r->pronouns, sizeof r->pronouns);
		rc = SQLITE_OK;
	}
	sq_done(st);
	return out != STORE_OK ? out : sq_err(c, rc, "relation names");
}

static int rel_favourites(struct store_conn *c, struct store_relation *r)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_REL_FAVOURITES);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, r->patron_id);
	rc = rc ? rc : sqlite3_bind_int(st, 2, STORE_FAVOURITES_MAX);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n_favourites < STORE_FAVOURITES_MAX)
			r->favourites[r->n_favourites++] = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sq_done(st);
	return sq_err(c, rc, "favourites");
}

/* What is remembered of a patron (store.h). A patron not remembered gets patron_id,
 * library_id and zeros, whatever the row holds. */
int sq_relation(struct store_conn *c, int64_t patron_id, struct store_relation *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!out)
		return STORE_BADARG;
	memset(out, 0, sizeof *out);
	st = sq_stmt(c, SQ_REL_PATRON);
	if (!st)
		return STORE_ERR;
	rc = sq_one_row(c, st, sqlite3_bind_int64(st, 1, patron_id), fill_rel_patron, out,
			"relation");
	out->patron_id = patron_id;
	if (rc == STORE_OK && !out->remembered) {
		int64_t lib = out->library_id;

		memset(out, 0, sizeof *out);
		out->patron_id = patron_id;
		out->library_id = lib;
		return STORE_OK;
	}
	rc = rc ? rc : rel_history(c, out);
	rc = rc ? rc : rel_names(c, out);
	rc = rc ? rc : rel_favourites(c, out);
	if (rc != STORE_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- card -------------------------------------------------------------------------- */

#define NOTE_COL(kind, m) SQ_COL(kind, struct store_note, m)
static const struct sq_param note_cols[] = {
	NOTE_COL(SQP_I64, id),	       NOTE_COL(SQP_I64, patron_id), NOTE_COL(SQP_I64, library_id),
	NOTE_COL(SQP_I64, author_id),  NOTE_COL(SQP_FIELD, body),    NOTE_COL(SQP_I64, created_at),
	NOTE_COL(SQP_I64, updated_at),
};
SQ_FILL_FN(fill_note, note_cols)

#define TRAIT_COL(kind, m) SQ_COL(kind, struct store_trait, m)
static const struct sq_param trait_cols[] = {
	TRAIT_COL(SQP_FIELD, key),
	TRAIT_COL(SQP_FIELD, value),
	TRAIT_COL(SQP_I64, updated_by),
	TRAIT_COL(SQP_I64, updated_at),
};
SQ_FILL_FN(fill_trait, trait_cols)

/* Steps `st` (its parameters bound, bind_rc the result) into consecutive records of
 * `size` bytes at `base`, at most `max` (the statement's LIMIT); *n gets the count. */
static int fill_array(struct store_conn *c, sqlite3_stmt *st, int bind_rc, sq_fill_fn fill,
		      void *base, size_t size, size_t max, size_t *n, const char *what)
{
	int rc = bind_rc, out = STORE_OK;

	*n = 0;
	while (rc == SQLITE_OK && *n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		out = fill(st, (char *)base + *n * size);
		if (out != STORE_OK)
			break;
		(*n)++;
		rc = SQLITE_OK;
	}
	sq_done(st);
	return out != STORE_OK ? out : sq_err(c, rc, what);
}

/* Binds ?1 = patron_id, ?2 = second, ?3 = third (when the statement has them). */
static int bind3(sqlite3_stmt *st, int64_t patron_id, int64_t second, int64_t third)
{
	int n = sqlite3_bind_parameter_count(st);
	int rc = sqlite3_bind_int64(st, 1, patron_id);

	if (!rc && n >= 2)
		rc = sqlite3_bind_int64(st, 2, second);
	if (!rc && n >= 3)
		rc = sqlite3_bind_int64(st, 3, third);
	return rc;
}

/* The card of a patron of library_id (store.h). Only the counts and the filled entries
 * of the arrays are written, not the whole (large) struct. */
int sq_card(struct store_conn *c, int64_t library_id, int64_t patron_id, struct store_card *out)
{
	sqlite3_stmt *st;
	int rc;

	if (!out)
		return STORE_BADARG;
	out->n_chats = out->n_notes = out->n_traits = 0;
	rc = sq_relation(c, patron_id, &out->rel);
	if (rc == STORE_OK && out->rel.library_id != library_id) {
		memset(&out->rel, 0, sizeof out->rel);
		return STORE_NOTFOUND;
	}
	if (rc != STORE_OK || !out->rel.remembered)
		return rc;
	if (!(st = sq_stmt(c, SQ_CARD_CHATS)))
		return STORE_ERR;
	rc = fill_array(c, st, bind3(st, patron_id, STORE_CARD_CHATS, 0), sq_fill_chat, out->chats,
			sizeof out->chats[0], STORE_CARD_CHATS, &out->n_chats, "card chats");
	if (rc == STORE_OK && !(st = sq_stmt(c, SQ_CARD_NOTES)))
		rc = STORE_ERR;
	if (rc == STORE_OK)
		rc = fill_array(c, st, bind3(st, patron_id, STORE_CARD_NOTES, 0), fill_note,
				out->notes, sizeof out->notes[0], STORE_CARD_NOTES, &out->n_notes,
				"card notes");
	if (rc == STORE_OK && !(st = sq_stmt(c, SQ_CARD_TRAITS)))
		rc = STORE_ERR;
	if (rc == STORE_OK)
		rc = fill_array(c, st, bind3(st, patron_id, library_id, STORE_CARD_TRAITS),
				fill_trait, out->traits, sizeof out->traits[0], STORE_CARD_TRAITS,
				&out->n_traits, "card traits");
	return rc;
}

/* ---- search ------------------------------------------------------------------------ */

static int is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* A letter or digit: ASCII ones, and any byte of a multi-byte UTF-8 character (letters
 * of other scripts; a symbol among them simply gives the tokenizer nothing). */
static int is_wordy(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch >= 0x80;
}

/* See sqlite_int.h. Each whitespace-separated word becomes an FTS5 string ("..." with
 * inner quotes doubled), so operators (AND, OR, NOT, NEAR), column filters, * and ^ in
 * the input are plain text; FTS5 ANDs the strings. Words without any letter or digit
 * are dropped. No word is a prefix: FTS5 (3.40) builds a prefix's whole doclist before
 * it returns a row, which cost up to a second for a common word (docs/DECISIONS.md);
 * whole words are read lazily, newest first. The statements (sqlite_sql.c) put the
 * result in a column filter, body : (...). */
char *sq_fts_query(const char *words, int *err)
{
	size_t len = strlen(words);
	char *out, *o;
	const char *p = words;

	/* a kept word of k bytes takes at most 2k + 3 (quotes doubled, two quotes, a
	 * space) and has k >= 1; then the NUL */
	if (len > (SIZE_MAX - 1) / 5) {
		*err = STORE_BADARG;
		return NULL;
	}
	out = o = malloc(5 * len + 1);
	if (!out) {
		*err = STORE_ERR;
		return NULL;
	}
	while (*p) {
		const char *start;
		int wordy = 0;

		while (is_space((unsigned char)*p))
			p++;
		start = p;
		while (*p && !is_space((unsigned char)*p))
			wordy |= is_wordy((unsigned char)*p++);
		if (!wordy)
			continue;
		if (o != out)
			*o++ = ' ';
		*o++ = '"';
		for (const char *q = start; q < p; q++) {
			if (*q == '"')
				*o++ = '"';
			*o++ = *q;
		}
		*o++ = '"';
	}
	if (o == out) {
		free(out);
		*err = STORE_BADARG;
		return NULL;
	}
	*o = '\0';
	return out;
}

SQ_ROW_ADAPTER(row_chat, store_chat_cb, struct store_chat)
SQ_ROW_ADAPTER(row_card_view, store_card_view_cb, struct store_card_view)

/* Full-text search of a library's ended chats (store.h). */
int sq_search(struct store_conn *c, int64_t library_id, int64_t patron_id, const char *query,
	      int64_t before_id, int limit, store_chat_cb cb, void *ctx)
{
	struct store_chat r;
	sqlite3_stmt *st;
	char *match;
	int rc, err = STORE_BADARG;

	if (!cb || !query)
		return STORE_BADARG;
	match = sq_fts_query(query, &err);
	if (!match)
		return err;
	st = sq_stmt(c, patron_id > 0 ? SQ_SEARCH_PATRON : SQ_SEARCH);
	if (!st) {
		free(match);
		return STORE_ERR;
	}
	rc = sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, library_id);
	rc = rc || patron_id <= 0 ? rc : sqlite3_bind_int64(st, 4, patron_id);
	rc = rc ? rc : sqlite3_bind_int(st, 5, sq_limit(limit));
	rc = sq_each_row(c, st, rc, sq_fill_chat, &r, row_chat, &cb, ctx, "search");
	free(match); /* after sq_each_row reset the statement, which held it */
	return rc;
}

/* ---- staff photos, trait keys, card views, continuity ----------------------------- */

/* A staff photo; *data is malloc'd (the caller frees it). */
int sq_staff_photo(struct store_conn *c, int64_t staff_id, char type[16], void **data, size_t *len)
{
	sqlite3_stmt *st;
	int rc, out;

	if (!type || !data || !len)
		return STORE_BADARG;
	*data = NULL;
	*len = 0;
	st = sq_stmt(c, SQ_STAFF_PHOTO);
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, staff_id);
	rc = rc ? rc : sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		out = sq_col_text(st, 0, type, 16);
		if (out == STORE_OK && !(*data = malloc(n ? n : 1)))
			out = STORE_ERR;
		if (out == STORE_OK) {
			if (n)
				memcpy(*data, b, n);
			*len = n;
		}
	} else {
		out = rc == SQLITE_DONE ? STORE_NOTFOUND : sq_err(c, rc, "staff_photo");
	}
	sq_done(st);
	return out;
}

/* A library's custom trait keys, by key. */
int sq_trait_keys(struct store_conn *c, int64_t library_id, store_trait_key_cb cb, void *ctx)
{
	sqlite3_stmt *st;
	int rc, out = STORE_OK;

	if (!cb)
		return STORE_BADARG;
	st = sq_stmt(c, SQ_TRAIT_KEYS);
	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, library_id);
	while (rc == SQLITE_OK && out == STORE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *label = (const char *)sqlite3_column_text(st, 1);

		out = cb(ctx, key ? key : "", label ? label : "");
		rc = SQLITE_OK;
	}
	sq_done(st);
	if (out == STORE_STOP)
		return STORE_OK;
	return out != STORE_OK ? out : sq_err(c, rc, "trait_keys");
}

#define VIEW_COL(kind, m) SQ_COL(kind, struct store_card_view, m)
static const struct sq_param card_view_cols[] = {
	VIEW_COL(SQP_I64, staff_id),
	VIEW_COL(SQP_I64, patron_id),
	VIEW_COL(SQP_I64, at),
};
SQ_FILL_FN(fill_card_view, card_view_cols)

/* Card views of a library's patrons (patron_id > 0: of that one), newest first. */
int sq_card_views(struct store_conn *c, int64_t library_id, int64_t patron_id, int limit,
		  store_card_view_cb cb, void *ctx)
{
	struct store_card_view r;

	if (!cb)
		return STORE_BADARG;
	return sq_list(c, patron_id > 0 ? SQ_CARD_VIEWS_PATRON : SQ_CARD_VIEWS_LIBRARY,
		       (const int64_t[]){library_id, sq_limit(limit), patron_id},
		       patron_id > 0 ? 3 : 2, fill_card_view, &r, row_card_view, &cb, ctx,
		       "card_views");
}

/* Continuity over chats of library_id created in [since, until) (store.h). */
int sq_continuity(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		  int64_t *returning, int64_t *continued)
{
	sqlite3_stmt *st;

	if (!returning || !continued)
		return STORE_BADARG;
	*returning = *continued = 0;
	st = sq_stmt(c, SQ_CONTINUITY);
	if (!st)
		return STORE_ERR;
	return sq_one_counts(c, st,
			     sq_bind_i64s(st, (const int64_t[]){library_id, since, until}, 3),
			     (int64_t *const[]){returning, continued}, 2, "continuity");
}
