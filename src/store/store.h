/* store.h: the backend-neutral store interface.
 *
 * rapport keeps live state in memory on the loop thread and writes every change through
 * the store. A backend (SQLite today, PostgreSQL later) implements `struct store_ops`.
 * Each open `struct store_conn` belongs to one thread at a time:
 *   - the writer thread owns one connection and applies batches of `struct store_write`
 *     inside one transaction (group commit, see writer.h);
 *   - worker threads own read connections (see worker.h);
 *   - CLI commands (init, staff add, demo) and start-up loading use a connection directly,
 *     before the loop runs.
 *
 * Times are milliseconds since the Unix epoch (int64_t). Ids are positive int64_t; rapport
 * allocates chat and patron ids on the loop thread (max(id)+1 loaded at start) so that it
 * need not wait for the database to learn them. Strings are UTF-8, NUL-terminated.
 * Every function returns 0 on success or a negative `enum store_err`.
 */
#ifndef RAPPORT_STORE_H
#define RAPPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

enum store_err {
	STORE_OK = 0,
	STORE_ERR = -1,       /* backend failure (I/O, corrupt, full disk): logged */
	STORE_NOTFOUND = -2,  /* no such row */
	STORE_EXISTS = -3,    /* unique key already taken */
	STORE_BADARG = -4,    /* caller error (bad durability name, too long text...) */
	STORE_STOP = -5,      /* a row callback asked to stop iterating (not an error) */
};

enum store_durability { STORE_DURABILITY_FULL = 0, STORE_DURABILITY_NORMAL = 1 };

#define STORE_TOKEN_HASH_LEN 32 /* hashes of patron and session tokens (BLAKE2b-256) */

/* ---- records ---------------------------------------------------------------------- */

struct store_library {
	int64_t id;
	char slug[64];
	char name[128];
	char origins[1024]; /* allowed Origins for widget/WebSocket, one per line, may be "" */
	int64_t created_at;
};

struct store_queue {
	int64_t id;
	int64_t library_id;
	char slug[64];
	char name[128];
	int64_t created_at;
};

struct store_staff {
	int64_t id;
	int64_t library_id;
	char email[256];       /* unique, compared case-insensitively */
	char display_name[128];
	char role[16];         /* "librarian" or "admin" */
	char pw_hash[192];     /* argon2id string from crypto_pwhash_str */
	int max_chats;         /* concurrent chat cap; 0 = use the server default */
	int64_t created_at;
};

struct store_session {
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	int64_t staff_id;
	char csrf[64];         /* CSRF token (random, base64url) */
	int64_t created_at;
	int64_t last_seen;
};

struct store_patron {
	int64_t id;
	int64_t library_id;
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	int64_t created_at;
	int64_t last_seen;
};

/* chat states as stored ("queued", "active", "ended", "abandoned") */
struct store_chat {
	int64_t id;
	int64_t library_id;
	int64_t queue_id;
	int64_t patron_id;
	int64_t staff_id;      /* 0 while queued or if no one picked it up */
	char state[16];
	char join_cmid[65];    /* client id of the join frame, for idempotent re-join */
	char ended_by[16];     /* "", "patron", "staff" or "system" */
	int64_t created_at;
	int64_t picked_at;     /* 0 if never */
	int64_t ended_at;      /* 0 if open */
};

/* kind: "text" (someone wrote it) or "event" (joined, left, ended...: `body` is the event
 * name). author: "patron", "staff" or "system". cmid "" when none. */
struct store_message {
	int64_t chat_id;
	int64_t seq;           /* 1, 2, 3... per chat */
	char kind[8];
	char author[8];
	int64_t author_id;     /* patron or staff id; 0 for system */
	char cmid[65];
	const char *body;      /* owned by whoever filled the struct (see each function) */
	int64_t created_at;
};

/* ---- writes (applied by the writer thread inside a transaction) ------------------- */

enum store_write_kind {
	STW_PATRON_INSERT,   /* u.patron */
	STW_PATRON_TOUCH,    /* u.patron: sets last_seen where id matches */
	STW_CHAT_INSERT,     /* u.chat */
	STW_CHAT_UPDATE,     /* u.chat: sets staff_id, state, ended_by, picked_at, ended_at by id;
			      * to ended or abandoned: also archives the chat's messages, so
			      * write its last message before this */
	STW_MESSAGE_INSERT,  /* u.message; body is owned by the write (freed by store_write_free) */
	STW_SESSION_INSERT,  /* u.session */
	STW_SESSION_TOUCH,   /* u.session: sets last_seen by token_hash */
	STW_SESSION_DELETE,  /* u.session: deletes by token_hash */
	STW_BARRIER,         /* no data: completes once everything queued before it committed */
};

struct store_write;
/* Called on the loop thread after the write's transaction committed (rc == 0) or failed. */
typedef void (*store_write_done)(struct store_write *w, int rc);

struct store_write {
	enum store_write_kind kind;
	union {
		struct store_patron patron;
		struct store_chat chat;
		struct store_message message;
		struct store_session session;
	} u;
	store_write_done done; /* may be NULL */
	void *arg;             /* for `done` */
	struct store_write *next; /* queue link, owned by the writer while queued */
};

/* Allocates a zeroed write of `kind`. Returns NULL on out of memory. Loop thread. */
struct store_write *store_write_new(enum store_write_kind kind);
/* Frees a write and, for STW_MESSAGE_INSERT, its body. NULL is fine. Any thread. */
void store_write_free(struct store_write *w);

/* ---- the backend table ------------------------------------------------------------ */

struct store_conn; /* opaque, backend-specific */

/* Called for each row by iterating reads. Return 0 to continue, STORE_STOP to stop. The
 * record and its strings are valid only during the call. */
typedef int (*store_library_cb)(void *ctx, const struct store_library *r);
typedef int (*store_queue_cb)(void *ctx, const struct store_queue *r);
typedef int (*store_staff_cb)(void *ctx, const struct store_staff *r);
typedef int (*store_session_cb)(void *ctx, const struct store_session *r);
typedef int (*store_chat_cb)(void *ctx, const struct store_chat *r);
typedef int (*store_message_cb)(void *ctx, const struct store_message *r);

struct store_ops {
	const char *name; /* "sqlite" */

	/* Opens (creating if missing) the store in directory `dir`, applies pending schema
	 * migrations (only when !readonly), configures durability. Sets *out. */
	int (*open)(const char *dir, enum store_durability durability, int readonly,
		    struct store_conn **out);
	void (*close)(struct store_conn *c);
	/* Current schema version (migrations applied). */
	int (*schema_version)(struct store_conn *c, int *out);

	/* Transactions for the writer: begin is BEGIN IMMEDIATE on SQLite. */
	int (*begin)(struct store_conn *c);
	int (*commit)(struct store_conn *c);
	int (*rollback)(struct store_conn *c);
	/* Applies one write inside the current transaction (STW_BARRIER is a no-op). */
	int (*apply)(struct store_conn *c, const struct store_write *w);
	/* Lets the backend do housekeeping between batches when the writer is idle
	 * (SQLite: a passive WAL checkpoint). */
	int (*idle)(struct store_conn *c);

	/* Set-up, used by CLI commands outside the loop (each runs in its own transaction).
	 * library_ensure inserts or updates by slug (name, origins) and sets r->id;
	 * queue_ensure likewise by (library_id, slug). */
	int (*library_ensure)(struct store_conn *c, struct store_library *r);
	int (*queue_ensure)(struct store_conn *c, struct store_queue *r);
	/* staff_put inserts, or updates by email (display_name, role, pw_hash, max_chats,
	 * library_id); sets r->id. */
	int (*staff_put)(struct store_conn *c, struct store_staff *r);

	/* Reads. Start-up loading and worker threads. */
	int (*libraries)(struct store_conn *c, store_library_cb cb, void *ctx);
	int (*queues)(struct store_conn *c, store_queue_cb cb, void *ctx);
	int (*staff_all)(struct store_conn *c, store_staff_cb cb, void *ctx);
	int (*staff_by_email)(struct store_conn *c, const char *email, struct store_staff *out);
	/* Sessions with last_seen >= idle_since and created_at >= created_since. */
	int (*sessions_live)(struct store_conn *c, int64_t idle_since, int64_t created_since,
			     store_session_cb cb, void *ctx);
	int (*patron_by_token)(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
			       struct store_patron *out);
	int (*chat_get)(struct store_conn *c, int64_t id, struct store_chat *out);
	/* Chats in state queued or active, oldest first. */
	int (*chats_open)(struct store_conn *c, store_chat_cb cb, void *ctx);
	/* A patron's chats, newest first, at most `limit`. */
	int (*chats_by_patron)(struct store_conn *c, int64_t patron_id, int limit,
			       store_chat_cb cb, void *ctx);
	/* A library's chats, newest first, optionally only in `state` (NULL = any), at most
	 * `limit`, with id < before_id when before_id > 0 (paging). */
	int (*chats_by_library)(struct store_conn *c, int64_t library_id, const char *state,
				int64_t before_id, int limit, store_chat_cb cb, void *ctx);
	/* Messages of a chat with seq > after_seq in seq order, at most `limit` (0 = all). */
	int (*messages)(struct store_conn *c, int64_t chat_id, int64_t after_seq, int limit,
			store_message_cb cb, void *ctx);
	/* Every message of chats not yet archived (open ones), in the order written; for
	 * loading live state at start. */
	int (*log_messages)(struct store_conn *c, store_message_cb cb, void *ctx);
	/* Largest ids in use (0 when empty), so the loop can allocate the next ones. */
	int (*max_ids)(struct store_conn *c, int64_t *max_chat_id, int64_t *max_patron_id);
};

/* The SQLite backend. */
extern const struct store_ops store_sqlite_ops;

/* Returns a short English description of an error code. */
const char *store_strerror(int rc);

#endif
