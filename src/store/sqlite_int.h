/* sqlite_int.h: internals shared by the SQLite backend's files (sqlite.c, sqlite_write.c,
 * sqlite_read.c, sqlite_schema.c, sqlite_sql.c and the others). Not for use outside
 * src/store/sqlite*.c.
 *
 * All SQL text lives in two files: the schema migrations in sqlite_schema.c, and one table
 * of statements, indexed by `enum sq_stmt`, in sqlite_sql.c. Each connection prepares a
 * statement the first time it is used (SQLITE_PREPARE_PERSISTENT) and keeps it until close.
 */
#ifndef RAPPORT_STORE_SQLITE_INT_H
#define RAPPORT_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum sq_stmt {
	/* transactions and housekeeping */
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_USER_VERSION,
	/* writes (writer thread) */
	SQ_PATRON_INSERT,
	SQ_PATRON_TOUCH,
	SQ_CHAT_INSERT,
	SQ_CHAT_UPDATE,
	SQ_CHAT_ROUTE,
	SQ_MESSAGE_INSERT,
	SQ_ARCHIVE_CHAT,
	SQ_UNLOG_CHAT,
	SQ_SESSION_INSERT,
	SQ_SESSION_TOUCH,
	SQ_SESSION_DELETE,
	SQ_CHAT_INDEX,
	/* relationship writes (writer thread): named parameters, see sq_bind_rel() */
	SQ_CONSENT_GIVE,
	SQ_CONSENT_GIVE_LOG,
	SQ_CONSENT_GIVE_TRAITS,
	SQ_CONSENT_GIVE_CHATS,
	SQ_WITHDRAW_LOG,
	SQ_WITHDRAW_PATRON,
	SQ_WITHDRAW_NOTES,
	SQ_WITHDRAW_TRAITS,
	SQ_WITHDRAW_FAVOURITES,
	SQ_WITHDRAW_CHATS,
	SQ_PROFILE_PATRON,
	SQ_PROFILE_TRAITS,
	SQ_TRAITS_PRUNE,
	SQ_NOTE_ADD,
	SQ_NOTE_EDIT,
	SQ_NOTE_DELETE,
	SQ_TRAIT_SET,
	SQ_TRAIT_KEY_PUT,
	SQ_TRAIT_KEY_DELETE,
	SQ_FAVOURITE_PUT,
	SQ_FAVOURITE_DROP,
	SQ_PREFERRED,
	SQ_CHAT_OUTCOME,
	SQ_CHAT_RATE,
	SQ_CARD_VIEW,
	SQ_STAFF_PROFILE,
	SQ_STAFF_PHOTO_META,
	SQ_STAFF_PHOTO_PUT,
	SQ_STAFF_PHOTO_DROP,
	/* promise writes (writer thread): named parameters, see sq_bind_promise() */
	SQ_PROMISE_ADD,
	SQ_PROMISE_ADD_EVENT,
	SQ_PROMISE_DONE,
	SQ_PROMISE_DONE_EVENT,
	SQ_PROMISE_CANCEL,
	SQ_PROMISE_CANCEL_EVENT,
	SQ_PROMISE_REASSIGN,
	SQ_PROMISE_REASSIGN_EVENT,
	/* e-mail outbox and sign-in links (writer thread): named, see sq_bind_mail() */
	SQ_MAIL_QUEUE,
	SQ_MAIL_CLAIM,
	SQ_MAIL_RESULT,
	SQ_MAIL_RECOVER,
	SQ_MAIL_RETRY,
	SQ_SIGNIN_CREATE,
	SQ_SIGNIN_USE,
	SQ_SIGNIN_TOKEN,
	SQ_FOLLOWUP_SENT,
	SQ_WITHDRAW_FOLLOWUPS,
	SQ_WITHDRAW_FOLLOWUP_MAIL,
	/* follow-ups (writer thread): named, see sq_bind_followup() */
	SQ_FOLLOWUP_ADD,
	SQ_FOLLOWUP_MAIL,
	SQ_FOLLOWUP_LINK,
	SQ_FOLLOWUP_SIGNIN,
	SQ_FOLLOWUP_CANCEL,
	SQ_FOLLOWUP_UNQUEUE,
	SQ_FOLLOWUP_ANSWER,
	SQ_FOLLOWUP_OPTOUT,
	SQ_FOLLOWUP_STOP,
	SQ_FOLLOWUP_STOP_UNQUEUE,
	/* set-up (CLI) */
	SQ_LIBRARY_ENSURE,
	SQ_QUEUE_ENSURE,
	SQ_STAFF_PUT,
	/* reads */
	SQ_LIBRARIES,
	SQ_QUEUES,
	SQ_STAFF_ALL,
	SQ_STAFF_BY_EMAIL,
	SQ_SESSIONS_LIVE,
	SQ_PATRON_BY_TOKEN,
	SQ_CHAT_GET,
	SQ_CHATS_OPEN,
	SQ_CHATS_BY_PATRON,
	SQ_CHATS_BY_LIBRARY,
	SQ_MESSAGES,
	SQ_ARCHIVED,
	SQ_LOG_MESSAGES,
	SQ_LOG_ALL,
	SQ_MAX_IDS,
	/* relationship reads */
	SQ_REL_PATRON,
	SQ_REL_HISTORY,
	SQ_REL_NAMES,
	SQ_REL_FAVOURITES,
	SQ_CARD_CHATS,
	SQ_CARD_NOTES,
	SQ_CARD_TRAITS,
	SQ_SEARCH,
	SQ_SEARCH_PATRON,
	SQ_STAFF_PHOTO,
	SQ_TRAIT_KEYS,
	SQ_CARD_VIEWS_LIBRARY,
	SQ_CARD_VIEWS_PATRON,
	SQ_CONTINUITY,
	/* honest waits */
	SQ_WAITS,
	SQ_WAIT_PICKS,
	SQ_WAIT_ENDS,
	/* promise reads */
	SQ_PROMISE_GET,
	SQ_PROMISES_BY_LIBRARY,
	SQ_PROMISES_BY_OWNER,
	SQ_PROMISES_BY_PATRON,
	SQ_PROMISE_EVENTS,
	SQ_PROMISE_REPORT,
	/* e-mail outbox reads */
	SQ_MAIL_DUE,
	SQ_MAIL_LIST,
	SQ_MAIL_COUNTS,
	/* follow-up reads */
	SQ_FOLLOWUPS_LIBRARY,
	SQ_FOLLOWUPS_PATRON,
	/* opening hours and offline questions (migration 8): sqlite_case.c */
	SQ_SCHED_LIBRARY,
	SQ_SCHED_HOURS,
	SQ_SCHED_CLOSED,
	SQ_SCHED_SET_LIBRARY,
	SQ_SCHED_CLEAR_HOURS,
	SQ_SCHED_CLEAR_CLOSED,
	SQ_SCHED_ADD_HOURS,
	SQ_SCHED_ADD_CLOSED,
	SQ_CASE_ADD,
	SQ_CASE_REPLY_MSG,
	SQ_CASE_REPLY_STATE,
	SQ_CASES,
	SQ_CASE_GET,
	SQ_CASE_BY_TOKEN,
	SQ_CASE_TOKEN_ADD,
	SQ_CASE_MESSAGES,
	SQ_CASE_CLOSE,
	SQ_MAIL_SUMMARY,
	SQ_FOLLOWUP_BY_TOKEN,
	/* hand-offs (sqlite_handoff.c): named */
	SQ_HANDOFF_OFFER,
	SQ_HANDOFF_DECIDE,
	SQ_HANDOFF_SETTLE,
	SQ_HANDOFFS,
	SQ_RATED_CHATS,
	/* administration (migration 14): sqlite_admin.c */
	SQ_QUEUE_ADD,
	SQ_QUEUE_EDIT,
	SQ_QUEUE_EDIT_LIBRARY,
	SQ_QUEUE_PUT_HOURS,
	SQ_QUEUE_PUT_CLOSED,
	SQ_LIBRARY_EDIT,
	SQ_STAFF_INVITE,
	SQ_STAFF_LINK,
	SQ_STAFF_EDIT,
	SQ_STAFF_EDIT_SESSIONS,
	SQ_STAFF_EDIT_LINKS,
	SQ_PASSWORD_SET,
	SQ_PASSWORD_CHANGE,
	SQ_PASSWORD_LINKS,
	SQ_PASSWORD_SESSIONS,
	SQ_STAFF_TOKEN,
	SQ_CONSORTIUM_OF,
	SQ_CONSORTIUM_MEMBERS,
	SQ_CONSORTIUM_BY_SLUG,
	SQ_CONSORTIUM_ENSURE,
	SQ_LIBRARY_CONSORTIUM,
	SQ__COUNT
};

/* Message kind and author are stored as small integers: the messages table is the hot
 * one, and SQLite stores the integers 0 and 1 in the record header alone. */

struct store_conn {
	sqlite3 *db;
	int readonly;
	int wal_ckpt_at; /* WAL size in pages right after the last checkpoint */
	int wal_dirty; /* commits since the last complete checkpoint */
	sqlite3_stmt *st[SQ__COUNT];
};

/* ---- sqlite_sql.c and sqlite_schema.c: the SQL text ---- */

extern const char *const sq_sql[SQ__COUNT];
extern const char *const sq_migrations[];
extern const int sq_migration_count;
extern const char sq_pragma_wal[];
extern const char sq_pragma_sync_full[];
extern const char sq_pragma_sync_normal[];
extern const char sq_pragma_fk[];
extern const char sq_pragma_no_autockpt[];
extern const char sq_pragma_writer_cache[];
extern const char sq_pragma_set_version[];

/* ---- sqlite.c: helpers used by sqlite_read.c ---- */

/* Returns the connection's prepared statement `id`, preparing it on first use; NULL on
 * failure (logged). The caller must pass it to sq_done() after use. */
sqlite3_stmt *sq_stmt(struct store_conn *c, enum sq_stmt id);
/* Resets the statement and clears its bindings so it holds no locks or pointers. */
void sq_done(sqlite3_stmt *st);
/* Maps a SQLite result code to a store error, logging real failures with `what`. */
int sq_err(struct store_conn *c, int rc, const char *what);
/* Copies column `col` as text into dst[size]; STORE_ERR if it does not fit. */
int sq_col_text(sqlite3_stmt *st, int col, char *dst, size_t size);
/* The length of the longest prefix of UTF-8 s[0..len) of at most `max` bytes that does
 * not split a character. */
size_t sq_utf8_cut(const char *s, size_t len, size_t max);

/* ---- sqlite_write.c: the write half of the ops table ---- */

/* Runs a store_write's statements (see store.h, store_ops.apply). */
int sq_apply(struct store_conn *c, struct store_write *w);
/* The set-up upserts (store_ops.library_ensure, queue_ensure, staff_put): fill r->id and
 * r->created_at. */
int sq_library_ensure(struct store_conn *c, struct store_library *r);
int sq_queue_ensure(struct store_conn *c, struct store_queue *r);
int sq_staff_put(struct store_conn *c, struct store_staff *r);

/* ---- sqlite_util.c: binding and stepping, for every file of the backend ---- */

/* How a named parameter is bound from a field of a record. */
enum sq_param_kind {
	SQP_I64, /* int64_t */
	SQP_INT, /* int */
	SQP_HASH, /* uint8_t[STORE_TOKEN_HASH_LEN], as a blob */
	SQP_FIELD, /* a char array: SQLITE_RANGE when it is not NUL-terminated */
	SQP_TEXT, /* a char *: NULL binds NULL */
	SQP_TEXT_REQ, /* a char *: NULL is SQLITE_RANGE */
	SQP_BODY, /* a char * mail body: NULL binds NULL; over STORE_MAIL_BODY_MAX SQLITE_TOOBIG */
	SQP_BODY_REQ, /* as SQP_BODY, but NULL is SQLITE_RANGE */
	SQP_BLOB, /* a void *, its length the size_t at offset `size`: NULL or 0 binds NULL */
	SQP_CHAT_STATE, /* an enum store_chat_state, stored as its name */
};
/* Binds a chat state as its name; SQLITE_RANGE for a value that is none. */
int sq_bind_chat_state(sqlite3_stmt *st, int i, enum store_chat_state s);
/* A named parameter (":name" in the SQL) and the field of the record it is bound from. */
struct sq_param {
	const char *name;
	enum sq_param_kind kind;
	size_t off; /* of the field in the record */
	size_t size; /* of the field (SQP_FIELD); SQP_BLOB: the offset of its length */
};
/* The number of entries of the array `tab`. */
#define SQ_N(tab) (sizeof(tab) / sizeof((tab)[0]))
/* A row of a parameter table: parameter `name` from member `m` of `type`. */
#define SQ_PARAM(name, kind, type, m)                                                              \
	{                                                                                          \
		name, kind, offsetof(type, m), sizeof(((type *)0)->m)                              \
	}
#define SQ_PARAM_BLOB(name, type, m, len)                                                          \
	{                                                                                          \
		name, SQP_BLOB, offsetof(type, m), offsetof(type, len)                             \
	}
/* Binds every named parameter of `st` from `rec` by the table tab[n]; a name the table
 * lacks is SQLITE_RANGE (a bug in sqlite_sql.c). A SQLite result code. */
int sq_bind_named(sqlite3_stmt *st, const struct sq_param *tab, size_t n, const void *rec);
/* Fills `rec` from the current row of `st`: column i (i < n) into the field tab[i]
 * describes (names unused; SQP_I64, SQP_INT, SQP_HASH, SQP_FIELD, and SQP_TEXT or
 * SQP_TEXT_REQ: a pointer into the statement, valid until the next step). STORE_ERR
 * when a text does not fit, a hash is not STORE_TOKEN_HASH_LEN bytes or a required
 * text is NULL. */
int sq_fill_cols(sqlite3_stmt *st, const struct sq_param *tab, int n, void *rec);
/* A row of a column table: the next column into member `m` of `type`. */
#define SQ_COL(kind, type, m) SQ_PARAM(NULL, kind, type, m)
/* sq_fill_cols with the whole of the array `cols`. */
#define SQ_FILL(st, cols, rec) sq_fill_cols(st, cols, (int)SQ_N(cols), rec)
/* Defines `name`, the sq_fill_fn that fills a record by the column table `cols`. */
#define SQ_FILL_FN(name, cols)                                                                     \
	static int name(sqlite3_stmt *st, void *rec)                                               \
	{                                                                                          \
		return SQ_FILL(st, cols, rec);                                                     \
	}
/* Binds ?1..?n from `rec` by the table tab[n] (names unused). A SQLite result code. */
int sq_bind_cols(sqlite3_stmt *st, const struct sq_param *tab, int n, const void *rec);
/* Binds ?1..?n to v[0..n) as integers. A SQLite result code. */
int sq_bind_i64s(sqlite3_stmt *st, const int64_t *v, int n);

/* Fills a record from the current row of a statement. */
typedef int (*sq_fill_fn)(sqlite3_stmt *st, void *rec);
/* Passes a record to a typed callback `*cb` (a pointer to a function pointer). */
typedef int (*sq_row_fn)(void *cb, void *ctx, const void *rec);
/* Defines `name`, the sq_row_fn that calls a `cbtype` with a `const rectype *`: function
 * pointers cannot pass through void *, so each adapter gets a pointer to one. */
#define SQ_ROW_ADAPTER(name, cbtype, rectype)                                                      \
	static int name(void *cb, void *ctx, const void *rec)                                      \
	{                                                                                          \
		return (*(cbtype *)cb)(ctx, (const rectype *)rec);                                 \
	}
/* Steps through `st` (if bind_rc is SQLITE_OK), filling `rec` with `fill` for each row and
 * passing it to `row`. Resets the statement in every case. STORE_STOP from the callback
 * ends early with 0; another non-zero return is returned. */
int sq_each_row(struct store_conn *c, sqlite3_stmt *st, int bind_rc, sq_fill_fn fill, void *rec,
		sq_row_fn row, void *cb, void *ctx, const char *what);
/* Steps `st` for at most one row into `rec`; STORE_NOTFOUND when there is none. */
int sq_one_row(struct store_conn *c, sqlite3_stmt *st, int bind_rc, sq_fill_fn fill, void *rec,
	       const char *what);
/* sq_each_row and sq_one_row of statement `id` with ?1..?n bound to v[0..n) (v may be
 * NULL when n is 0); STORE_ERR when the statement cannot be prepared. */
int sq_list(struct store_conn *c, enum sq_stmt id, const int64_t *v, int n, sq_fill_fn fill,
	    void *rec, sq_row_fn row, void *cb, void *ctx, const char *what);
int sq_get(struct store_conn *c, enum sq_stmt id, const int64_t *v, int n, sq_fill_fn fill,
	   void *rec, const char *what);
/* Steps `st` (if bind_rc is SQLITE_OK) for one row of counts: column i into *out[i] for
 * i < n; no row leaves them as they are. Resets the statement; a store result. */
int sq_one_counts(struct store_conn *c, sqlite3_stmt *st, int bind_rc, int64_t *const *out, int n,
		  const char *what);
/* A LIMIT value: limit <= 0 means none (-1). */
int sq_limit(int limit);

/* ---- sqlite_read.c: helpers used by sqlite_rel.c ---- */

/* Fills a struct store_chat from a row of CHAT_COLS (sqlite_sql.c). */
int sq_fill_chat(sqlite3_stmt *st, void *rec);
/* Fills a struct store_library (LIBRARY_COLS) or store_staff (STAFF_COLS). */
int sq_fill_library(sqlite3_stmt *st, void *rec);
int sq_fill_staff(sqlite3_stmt *st, void *rec);

/* ---- sqlite_read.c: the read half of the ops table ---- */

int sq_libraries(struct store_conn *c, store_library_cb cb, void *ctx);
int sq_queues(struct store_conn *c, store_queue_cb cb, void *ctx);
int sq_staff_all(struct store_conn *c, store_staff_cb cb, void *ctx);
int sq_staff_by_email(struct store_conn *c, const char *email, struct store_staff *out);
int sq_sessions_live(struct store_conn *c, int64_t idle_since, int64_t created_since,
		     store_session_cb cb, void *ctx);
int sq_patron_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
		       struct store_patron *out);
int sq_chat_get(struct store_conn *c, int64_t id, struct store_chat *out);
int sq_chats_open(struct store_conn *c, store_chat_cb cb, void *ctx);
int sq_chats_by_patron(struct store_conn *c, int64_t patron_id, int limit, store_chat_cb cb,
		       void *ctx);
int sq_chats_by_library(struct store_conn *c, int64_t library_id, const char *state,
			int64_t before_id, int limit, store_chat_cb cb, void *ctx);
int sq_log_messages(struct store_conn *c, store_message_cb cb, void *ctx);
int sq_messages(struct store_conn *c, int64_t chat_id, int64_t after_seq, int limit,
		store_message_cb cb, void *ctx);
int sq_max_ids(struct store_conn *c, int64_t *max_chat_id, int64_t *max_patron_id);

/* ---- sqlite_rel.c: relationship memory ---- */

/* Binds each named parameter of a relationship write's statement (:patron, :library,
 * :staff, :chat, :id, :at, :on, :key, :value, :display_name, :email, :preferred_name,
 * :pronouns, :text, :blob) from the field of store_rel_write of that name. */
int sq_bind_rel(sqlite3_stmt *st, const struct store_rel_write *r);

int sq_relation(struct store_conn *c, int64_t patron_id, struct store_relation *out);
int sq_card(struct store_conn *c, int64_t library_id, int64_t patron_id, struct store_card *out);
int sq_search(struct store_conn *c, int64_t library_id, int64_t patron_id, const char *query,
	      int64_t before_id, int limit, store_chat_cb cb, void *ctx);
int sq_staff_photo(struct store_conn *c, int64_t staff_id, char type[16], void **data, size_t *len);
int sq_trait_keys(struct store_conn *c, int64_t library_id, store_trait_key_cb cb, void *ctx);
int sq_card_views(struct store_conn *c, int64_t library_id, int64_t patron_id, int limit,
		  store_card_view_cb cb, void *ctx);
int sq_continuity(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		  int64_t *returning, int64_t *continued);
/* ---- sqlite_read.c: honest waits ---- */
int sq_waits(struct store_conn *c, int64_t library_id, int64_t since, int64_t until, int limit,
	     store_wait_cb cb, void *ctx);
int sq_wait_history(struct store_conn *c, int64_t library_id, int64_t since, int limit,
		    store_wait_sample_cb cb, void *ctx);
/* Turns plain words into an FTS5 query (see sq_search); a malloc'd string, or NULL with
 * *err STORE_BADARG (no searchable word) or STORE_ERR (out of memory). */
char *sq_fts_query(const char *words, int *err);

/* ---- sqlite_promise.c: the promise ledger ---- */

/* Binds each named parameter of a promise write's statement (:id, :library, :patron,
 * :chat, :owner, :by, :at, :due, :channel, :text) from struct store_promise_write. */
int sq_bind_promise(sqlite3_stmt *st, const struct store_promise_write *p);

int sq_promise_get(struct store_conn *c, int64_t id, struct store_promise *out);
int sq_promises(struct store_conn *c, int64_t library_id, const char *state, int64_t owner_id,
		int64_t patron_id, int limit, store_promise_cb cb, void *ctx);
int sq_promise_events(struct store_conn *c, int64_t promise_id, store_promise_event_cb cb,
		      void *ctx);
int sq_promise_report(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		      int64_t now, struct store_promise_report *out);
/* ---- sqlite_mail.c: the e-mail outbox and sign-in links ---- */

/* Binds each named parameter of an outbox or sign-in write's statement from w->u.mail
 * or w->u.signin (by kind). */
int sq_bind_mail(sqlite3_stmt *st, const struct store_write *w);
int sq_mail_due(struct store_conn *c, int64_t now, int limit, store_mail_cb cb, void *ctx);
int sq_mail_list(struct store_conn *c, int64_t library_id, const char *state, int limit,
		 store_mail_cb cb, void *ctx);
int sq_mail_counts(struct store_conn *c, int64_t *queued, int64_t *dead);
int sq_mail_summary(struct store_conn *c, int64_t library_id, int64_t *queued, int64_t *sent,
		    int64_t *dead);

/* ---- sqlite_followup.c: follow-ups ---- */
/* Binds each named parameter of a follow-up write's statement from w->u.followup. */
int sq_bind_followup(sqlite3_stmt *st, const struct store_write *w);
int sq_followup_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
			 int64_t now, struct store_followup *out);
int sq_followups(struct store_conn *c, int64_t library_id, int64_t patron_id, const char *state,
		 int limit, store_followup_cb cb, void *ctx);
/* ---- sqlite_case.c: opening hours and offline questions ---- */

/* Binds the named parameters of a case write (:id, :library, :queue, :patron, :staff,
 * :promise, :at, :reply_by, :email, :token, :text) from struct store_case_write. */
int sq_bind_case(sqlite3_stmt *st, const struct store_case_write *k);
/* Binds the named parameters of a hand-off write (sqlite_handoff.c). */
int sq_bind_handoff(sqlite3_stmt *st, const struct store_handoff *r);
int sq_handoffs(struct store_conn *c, const struct store_handoff_query *q, store_handoff_cb cb,
		void *ctx);
int sq_rated_chats(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		   int limit, store_chat_cb cb, void *ctx);
int sq_schedule_get(struct store_conn *c, int64_t queue_id, struct store_schedule *out);
int sq_schedule_put(struct store_conn *c, int64_t queue_id, const struct store_schedule *s);
int sq_cases(struct store_conn *c, int64_t library_id, const char *state, int limit,
	     store_case_cb cb, void *ctx);
int sq_case_get(struct store_conn *c, int64_t id, struct store_case *out);
int sq_case_by_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
		     struct store_case *out);
int sq_case_messages(struct store_conn *c, int64_t case_id, int limit, store_case_msg_cb cb,
		     void *ctx);
/* ---- sqlite_admin.c: administration ---- */
/* Binds the named parameters of an administration write (:id, :library, :at, :expires,
 * :cascade, :max, :active, :reply, :slug, :name, :email, :access, :tz, :colour,
 * :text_colour, :card, :greeting, :origins, :pw, :hash, :hours, :closed, :text). */
int sq_bind_admin(sqlite3_stmt *st, const struct store_admin_write *a);
int sq_staff_token(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t now,
		   struct store_staff *out);
int sq_consortium_of(struct store_conn *c, int64_t library_id, struct store_consortium *out);
int sq_consortium_members(struct store_conn *c, int64_t consortium_id, store_library_cb cb,
			  void *ctx);
int sq_consortium_by_slug(struct store_conn *c, const char *slug, struct store_consortium *out);
int sq_consortium_ensure(struct store_conn *c, struct store_consortium *r);
int sq_library_consortium(struct store_conn *c, int64_t library_id, int64_t consortium_id);

#endif
