/* app.h: the application: the libuv loop rapport owns and what it owns besides the desk
 * (store threads, staff sessions, the promise book and its reminders, the e-mail outbox).
 * One global, g_app, declared here only; src/desk, store, mail, util and net never name it.
 *
 * What lives in src/app: loop.c (start-up, the loop's phases, shutdown), sessions.c (staff
 * sessions, login limits, origins), reminders.c (the book of open promises on the loop),
 * mailer.c (the outbox's rounds and the sender thread). It may include net, desk, store,
 * mail and util; api/ calls into it. Loop thread only, unless said. */
#ifndef RAPPORT_APP_H
#define RAPPORT_APP_H

#include <stdint.h>
#include <uv.h>

#include "app/server.h"
#include "desk/desk.h"
#include "desk/promise.h"
#include "net/net.h"
#include "store/store.h"
#include "store/worker.h"
#include "store/writer.h"
#include "util/buf.h"

_Static_assert(NET_TOKEN_HASH_LEN == STORE_TOKEN_HASH_LEN, "session hashes are store hashes");

struct session {
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int64_t staff_id;
	char csrf[64];
	int64_t created_at, last_seen, persisted_seen;
	struct session *next;
};

/* The loop's phases and their order: the top of loop.c. */
struct app {
	struct server_config cfg;
	uv_loop_t loop;
	uv_async_t wake; /* writer/worker completions */
	uv_timer_t tick; /* 1 s housekeeping */
	uv_check_t flush; /* after each loop iteration: coalesced announcements */
	uv_prepare_t handover; /* before each wait: the iteration's writes to the writer */
	uv_signal_t sigterm, sigint;
	struct net net; /* the transport: connections, listening */
	struct desk *desk;
	const struct store_ops *ops;
	struct writer *writer;
	struct worker_pool *workers;
	struct session *sessions;
	struct promise_book promises; /* open promises (reminders.c) */
	int stopping;
	int exit_code;
	uint64_t stop_deadline;
};

extern struct app *g_app;

int64_t app_now_ms(void);

/* ---- loop.c ---------------------------------------------------------------------------- */
/* Adds or updates a staff member of the desk from a store row, profile included.
 * server.c. */
struct staff *server_put_staff(const struct store_staff *r);
/* Stops the server at once (fatal store error): no more acks. server.c. */
void server_stop_now(void);
/* Loading at start-up (load.c). */
int chat_load_state(struct store_conn *sc);

/* ---- reminders.c: the promise ledger (docs/API.md, PROTOCOL.md) ------ */
/* Loads every library's open promises into g_app->promises (start-up). */
int promises_load(struct store_conn *sc);
/* 1 s tick: consoles of libraries whose promises came due soon or overdue get a frame. */
void promises_tick(int64_t now);
/* A committed change of p (new, done, cancelled, reassigned): the book follows, the
 * library's consoles and the patron's connections get `promises` frames. */
void promises_changed(const struct promise *p);
/* A `promises` frame to one staff console: its own open promises and the desk's counts. */
void promises_send_staff(struct ws_conn *c);
/* "promises":[...], of a patron's open promises as the patron sees them (welcome). */
void promises_patron_json(struct buf *b, int64_t library_id, int64_t patron_id);
/* "promises":[...], of a patron's open promises as staff see them (the card). */
void promises_card_json(struct buf *b, int64_t library_id, int64_t patron_id);
/* A promise as staff see it (an object, no trailing comma). */
void promise_json(struct buf *b, const struct promise *p, int64_t now);
void promise_from_row(struct promise *p, const struct store_promise *r);
/* The patron's name changed, or they were forgotten (remembered 0): the book's promises
 * of them are relabelled and the consoles of their library get a `promises` frame if any
 * label changed. Loop thread. */
void promises_name_patron(int64_t patron_id, int remembered, const char *name);
/* Route h if its path is one of rest_promise.c's: 1 when it answered (or will), else 0. */

/* ---- mailer.c: the e-mail outbox on the loop (docs/DECISIONS.md, "E-mail") ---------- */
/* Submits the recovery of rows a crash left in `sending`; once it committed, starts the
 * sender thread (when --smtp-url is set) and the first round. 0 or -1. */
int outbox_start(void);
/* 1 s tick: starts a round when one is due; forgets old per-patron allowances. */
void outbox_tick(int64_t now);
/* A round as soon as possible (a mail was queued). */
void outbox_kick(void);
/* From the loop's wake-up: writes the results the sender thread handed back. */
void outbox_wake(void);
/* After the loop stopped, before writer_stop(): stops the sender (aborting a transfer)
 * and submits the results it has. Then outbox_free() after writer_stop(). */
void outbox_stop(void);
void outbox_free(void);
/* Whether the patron may have one more e-mail this hour (--patron-mails); counts it. */
int outbox_patron_allowed(int64_t patron_id, int64_t now);
/* "mail":{...}, of /healthz (trailing comma). */
void outbox_health_json(struct buf *b);
/* Whether this server can send e-mail at all (an SMTP server is configured). Without one
 * nothing patrons ask for is queued: they are told the library cannot send e-mail. */
int outbox_can_send(void);
/* The word for a mail just queued, shared by patron frames, the REST API, the console
 * and /healthz: "queued" (an SMTP server is configured), else "undeliverable". */
const char *outbox_mail_word(void);
typedef void (*outbox_done_fn)(void *arg, int rc);
/* Queues a mail: m's library_id, kind, to_addr, subject, body_text, body_html (both
 * taken, even on failure), list_unsubscribe; the Message-ID and times are set here.
 * done(arg, rc) runs once it committed (rc 0) or failed. Returns 0; -1 (a bad address,
 * out of memory: done does not run); -2 (the writer is stopping: done runs with an
 * error). */
int outbox_queue(struct store_mail *m, outbox_done_fn done, void *arg);

/* ---- sessions.c: staff sessions and login --------------------------------------------- */
/* Finds a live session by cookie value; touches it. NULL if none or expired. */
struct session *auth_session_by_token(const char *token, int64_t now);
struct session *auth_session_by_hash(const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t now);
void auth_tick(int64_t now);
/* Ends the sessions of staff member staff_id now, except the one whose hash is `keep`
 * (NULL: every one): their WebSockets close with `why`, and with no console of theirs
 * left their active chats are handed back to the queue. The store's rows are the
 * caller's to delete (the write that made this necessary does). Returns how many ended. */
int auth_end_staff(int64_t staff_id, const uint8_t *keep, const char *why);
/* Whether another new anonymous patron may be created from this address now. */
int auth_new_patron_allowed(const char *peer, int64_t now);
int auth_load(struct store_conn *sc);
/* The login's limits on wrong passwords (per account and per address), for any check of
 * a password: ms to wait before another try (0: go on), and one more failure counted. */
int64_t auth_locked_for(const char *email, const char *peer, int64_t now);
void auth_record_failure(const char *email, const char *peer, int64_t now);
/* Whether origin is this server's own (scheme://host). */
int origin_is_self(const char *origin, const char *host);
/* Whether origin is allowed for any library (or is our own). */
int origin_allowed_any(const char *origin, const char *host);

/* The login, logout and me routes (sessions.c). */
void auth_login(struct http_conn *h);
void auth_logout(struct http_conn *h, struct session *s);
void auth_me(struct http_conn *h, struct session *s);

#endif
