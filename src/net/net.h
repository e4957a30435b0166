/* net.h: the server's shared state and the functions its parts (server.c, ws.c, http.c,
 * chat.c, auth.c) call on each other. Internal to src/net; loop thread only, unless said.
 */
#ifndef RAPPORT_NET_H
#define RAPPORT_NET_H

#include <libwebsockets.h>
#include <stdint.h>
#include <uv.h>

#include "desk/desk.h"
#include "desk/promise.h"
#include "net/proto.h"
#include "net/server.h"
#include "store/store.h"
#include "store/worker.h"
#include "store/writer.h"
#include "util/buf.h"
#include "util/idmap.h"

#define RAPPORT_VERSION "0.1.0"
#define SUBPROTOCOL "rapport.v1"
#define SESSION_COOKIE "rapport_session"

/* One queued outgoing WebSocket frame: LWS_PRE bytes of headroom, then the payload. */
struct frame {
	struct frame *next;
	size_t len; /* payload bytes */
	unsigned char data[];
};

struct session {
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int64_t staff_id;
	char csrf[64];
	int64_t created_at, last_seen, persisted_seen;
	struct session *next;
};

/* A connection's interest in a chat: deliver messages with seq > sent_seq. */
struct sub {
	struct ws_conn *conn;
	struct chat *chat;
	int64_t sent_seq;
	int64_t resume_to; /* > 0: send "resumed" once sent_seq reaches it */
	struct sub *chat_next, *chat_prev; /* the chat's list (chat->subs) */
	struct sub *conn_next; /* the connection's list */
};

enum ws_role { ROLE_NONE, ROLE_PATRON, ROLE_STAFF };

struct ws_conn {
	uint64_t id; /* never reused; async replies find the conn by it */
	struct lws *wsi;
	enum ws_role role;
	int hello_pending; /* hello answered asynchronously */
	struct patron *patron;
	struct staff *staff;
	struct library *lib;
	uint8_t session_hash[STORE_TOKEN_HASH_LEN];
	int has_session;
	int64_t session_checked; /* staff: when the session was last checked and touched */
	char origin[256];
	char host[256];
	char peer[64];
	/* receive */
	char *rx;
	size_t rx_len;
	struct frame *held_head, *held_tail; /* frames that came while hello was pending */
	int n_held;
	/* send queue */
	struct frame *out_head, *out_tail;
	size_t out_bytes;
	int close_code; /* > 0: close with it at the next writeable */
	int close_sent; /* our close frame is out; waiting for the peer's */
	char close_reason[64];
	/* rate limit: token bucket */
	double tokens;
	uint64_t tokens_at; /* uv_now of last refill */
	int dropped_in_row;
	struct sub *subs;
	int starved; /* deliveries paused for a full queue; resume on drain */
	struct db_resume *db_resumes; /* resumes of chats read from the store, in order */
	struct ws_conn *next, *prev; /* all ws connections */
	struct ws_conn *staff_next, *staff_prev; /* staff consoles only, after their hello */
};

struct http_conn {
	uint64_t id;
	struct lws *wsi;
	char path[256];
	char query[256];
	int method; /* 1 GET, 2 POST, 3 other */
	char *body;
	size_t body_len, body_max;
	int body_done; /* request body complete once (lws may say it twice) */
	int refused; /* an error answer is queued; ignore the body */
	int responding; /* a response is being written */
	/* the response, written at HTTP_WRITEABLE */
	int status;
	char *resp;
	size_t resp_len;
	char extra_headers[512]; /* "name: value\r\n"... */
	int close_after;
	char origin[256];
	char host[256];
	char peer[64];
	char cookie[128];
	char auth[128]; /* Authorization header */
	char csrf[128]; /* X-CSRF-Token header */
	char req_type[16]; /* POST RESTREL_PHOTO_PATH: "image/png" or "image/jpeg" */
	char resp_type[32]; /* response Content-Type; "" means application/json */
	char resp_cache[48]; /* response Cache-Control; "" means no-store */
};

struct app {
	struct server_config cfg;
	uv_loop_t loop;
	uv_async_t wake; /* writer/worker completions */
	uv_timer_t tick; /* 1 s housekeeping */
	uv_check_t flush; /* after each loop iteration: coalesced announcements */
	uv_prepare_t handover; /* before each wait: the iteration's writes to the writer */
	uv_signal_t sigterm, sigint;
	struct lws_context *ctx;
	struct desk *desk;
	const struct store_ops *ops;
	struct writer *writer;
	struct worker_pool *workers;
	struct idmap conns; /* id -> ws_conn or http_conn (tagged by low bit of id) */
	uint64_t next_conn_id;
	struct ws_conn *ws_list;
	struct ws_conn *staff_list; /* the staff consoles of ws_list: the few, for broadcasts */
	size_t n_ws;
	struct session *sessions;
	struct promise_book promises; /* open promises (promises.c) */
	int stopping;
	int exit_code;
	uint64_t stop_deadline;
};

extern struct app *g_app;

int64_t app_now_ms(void);

/* ---- ws.c: connections and the send queue ----------------------------------------- */
int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		size_t len);
/* Queues a built frame (b->data has LWS_PRE bytes of headroom, see frame_begin) to c and
 * asks for a writeable callback. Takes the buffer. If the queue would exceed the limit,
 * the connection is closed with 1008 instead. */
void ws_send(struct ws_conn *c, struct buf *b);
/* A staff console said hello: it joins g_app->staff_list (left again when it closes). */
void ws_staff_joined(struct ws_conn *c);
/* Closes c with a code at its next writeable callback. */
void ws_close(struct ws_conn *c, int code, const char *reason);
struct ws_conn *ws_find(uint64_t id);
/* Sends an error frame. ref may be NULL. */
void ws_error(struct ws_conn *c, const char *code, const char *message, const char *ref);
/* Starts a frame: reserves LWS_PRE bytes and opens the JSON object with "type". */
void frame_begin(struct buf *b, const char *type);
/* Closes the object and sends it. */
void frame_send(struct ws_conn *c, struct buf *b);

#define WS_BATCH_MAX (64 * 1024) /* bytes of frames combined into one batch frame */
#define WS_HELD_MAX 32 /* frames kept while a hello is answered */
#define TX_PACKET_MAX (WS_BATCH_MAX + 1024) /* bytes lws passes to one send() */

/* Deliveries pause above this many queued bytes and continue below the low mark, so a
 * resume of a long chat never overflows the send queue. */
#define SEND_HIGH_WATER ((size_t)g_app->cfg.send_queue_max / 2)
#define SEND_LOW_WATER ((size_t)g_app->cfg.send_queue_max / 4)

/* ---- chat.c: protocol commands over the desk ----------------------------------------- */
void chat_on_frame(struct ws_conn *c, struct cmd *cmd);
/* The connection closed: drop subscriptions, presence. */
void chat_on_close(struct ws_conn *c);
/* Sends the queue announcements that changes since the last call made (once per loop
 * iteration, from a uv_check handle). */
void chat_flush_queues(void);
/* 1 s tick: abandon queued chats whose patron is away; hand back the chats of librarians
 * whose consoles are gone past the grace. */
void chat_tick(int64_t now);
/* desk_handback() changed ch (ev: its event): the librarian who handed it back stops
 * following it, the event and the queued state are stored, then delivered and announced
 * (patron, every console of the library). */
void chat_handed_back(struct chat *ch, struct message *ev);
struct sub *chat_subscribe(struct ws_conn *c, struct chat *ch, int64_t after);
/* Sends the sub what has committed and it has not had, pausing at the high water mark. */
void chat_deliver_to(struct sub *s);
struct desk_actor chat_actor(struct ws_conn *c);
void msg_fields_raw(struct buf *b, int64_t chat_id, int64_t seq, int event, enum author author,
		    int64_t author_id, const char *cmid, const char *text, size_t len, int64_t at,
		    enum author ended_by);
/* ---- resume.c: resume (live chats from memory, ended ones from the store, paged) ---- */
void resume_cmd(struct ws_conn *c, struct cmd *cmd);
/* The send queue drained below the low mark after deliveries paused. ws.c calls it. */
void resume_drained(struct ws_conn *c);
/* The connection closed: forget its pending store resumes. */
void resume_forget(struct ws_conn *c);
/* JSON of a chat summary into b (an object, no trailing comma). */
void chat_json(struct buf *b, const struct chat *ch);

/* Sends a `chat` frame for ch to its library's consoles and its other subscribers, as
 * when its state changes (e.g. its remembered flag moved). */
void chat_announce(struct chat *ch);

/* Closes the frame begun in b, sends it to every staff console of lib, frees b. */
void chat_send_staff_of(struct buf *b, const struct library *lib);

/* How transcripts name a patron whose relation is r: their preferred name, else their
 * display name, when remembered; else "Patron". Never NULL. */
const char *patron_greeting_name(const struct store_relation *r);

/* How transcripts name the patron patron_id held by the desk: their greeting name when
 * remembered (consent in force), else "Patron" (also when not held). Never NULL. */
const char *patron_label(int64_t patron_id);
/* A librarian's public profile {"id","name","pronouns","subjects","bio","photo"}, or null. */
void staff_profile_json(struct buf *b, const struct staff *s);
/* The fields of staff_profile_json (s not NULL), each with a trailing comma. */
void staff_profile_fields(struct buf *b, const struct staff *s);
/* JSON of a chat row from the store (the live summary if the desk holds the chat). */
void chat_row_json(struct buf *b, const struct store_chat *r);
/* JSON of a message (fields only, no braces, trailing comma). */
void msg_fields(struct buf *b, const struct chat *ch, const struct message *m);
/* "queue":[...], of a library's waiting chats (with a trailing comma). */
void chat_queue_json(struct buf *b, const struct library *lib);
/* duty.c: a librarian's status (on duty or Away) and handing chats back. */
/* The status command (staff). */
void duty_cmd(struct ws_conn *c, struct cmd *cmd);
/* Hands every active chat of s back to the front of its queue now; returns how many. */
int duty_handback_all(struct staff *s);
/* "status":"on_duty"|"away" (trailing comma), for the staff welcome. */
void duty_status_json(struct buf *b, const struct staff *s);
/* Logout of one session of s (its sockets are closing): with no other console of theirs
 * left, their chats are handed back now and their status returns to on duty. */
void duty_logged_out(struct staff *s);
/* A new login of s: with no console of theirs open, they start on duty. */
void duty_logged_in(struct staff *s);
/* hello.c: the hello command and welcome frames. */
void cmd_hello(struct ws_conn *c, struct cmd *cmd);
/* Writes the row of a patron who has so far only said hello (p->unsaved), ahead of
 * whatever the caller is about to store of them; nothing for a stored patron. Returns 0,
 * or -1 if the write could not be queued (out of memory, stopping). Loop thread. */
int hello_patron_save(struct patron *p);
/* "queues":[...] of a library, each with its staff_on count (trailing comma). */
void hello_queues_json(struct buf *b, const struct library *lib);
/* patron.c: consent and the patron's relationship commands. */
void patron_cmd(struct ws_conn *c, struct cmd *cmd);
/* "notice":{...}, "relation":{...}, "librarians":[...] members (trailing commas). */
void patron_notice_json(struct buf *b);
void patron_relation_json(struct buf *b, const struct store_relation *r);
void librarians_json(struct buf *b, const struct library *lib);
/* busy.c: a queue's "free", "all_busy" and "wait_ms" (likely wait for a chat asked now,
 * null if none) fields, with trailing commas. */
void busy_queue_json(struct buf *b, const struct library *lib);
/* A listed librarian's "busy" (at their cap) and, when busy, "wait_ms" (the likely wait
 * for a chat asking for them), with trailing commas. */
void busy_librarian_json(struct buf *b, const struct staff *s);
/* Changes whenever a librarian of lib taking chats reaches or leaves their cap, or comes or
 * goes: chat_flush_queues() then re-sends `queues` to the library's patrons. */
uint64_t busy_signature(const struct library *lib);
/* Tells the desk what is remembered of p (routing, greeting). */
void patron_apply_relation(struct patron *p, const struct store_relation *r);
/* Adds or updates a staff member of the desk from a store row, profile included.
 * server.c. */
struct staff *server_put_staff(const struct store_staff *r);
/* Stops the server at once (fatal store error): no more acks. server.c. */
void server_stop_now(void);
/* REST: post a message (patron actor or staff actor); answers via http_respond. */
void chat_rest_post(struct http_conn *h, const struct desk_actor *a, int64_t chat_id,
		    const char *cmid, const char *text, size_t len);
/* Loading at start-up (server.c). */
int chat_load_state(struct store_conn *sc);

/* ---- http.c: REST and static files --------------------------------------------------- */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len);
struct http_conn *http_find(uint64_t id);
/* Sets the response of h and asks for a writeable callback. Takes `body` (malloc'd JSON or
 * NULL for empty). */
void http_respond(struct http_conn *h, int status, char *body, size_t len);
void http_error(struct http_conn *h, int status, const char *code, const char *message);
void http_add_header(struct http_conn *h, const char *name, const char *value);

/* ---- rest.c: REST routes (GET answers may be async; POST after the body arrived) -------- */
int route_get(struct http_conn *h);
void route_post(struct http_conn *h);
/* http.c: static files under root for h->path. Returns as an lws callback would. */
int serve_static(struct http_conn *h, const char *root);

/* ---- rest_util.c: helpers of the REST route files ---------------------------------------- */
void rest_respond_buf(struct http_conn *h, int status, struct buf *b); /* takes b */
void rest_respond_ok(struct http_conn *h); /* {"ok":true} */
void rest_bad_request(struct http_conn *h, const char *message); /* 400 */
/* The logged-in staff member of h, or NULL after answering 401 (or 403 when a POST lacks
 * the CSRF token); rest_admin also answers 403 to a librarian. */
struct staff *rest_staff(struct http_conn *h, int post);
struct staff *rest_admin(struct http_conn *h, int post);
/* A positive id (no sign, no leading zero, at most 18 digits), 0 if none; *rest after it. */
int64_t rest_parse_id(const char *p, const char **rest);
/* "<prefix><id><rest>": the id and the rest, or 0 when path is not of that shape. */
int64_t rest_path_id(const char *path, const char *prefix, const char **rest);
/* A query argument ("name=" form): 0 absent, 1 set in *out, -1 present but not a number
 * in [lo, hi]. */
int rest_arg_int(struct http_conn *h, const char *name, int64_t lo, int64_t hi, int64_t *out);
/* Valid UTF-8 of at most max bytes without control characters (multiline: newlines and
 * tabs allowed). */
int rest_text_ok(const char *s, size_t len, size_t max, int multiline);
int rest_blank(const char *s);
/* Parses h's JSON body against fmt (JSON_STRICT), or answers 400 with usage and returns
 * NULL. */
json_t *rest_body_unpack(struct http_conn *h, const char *usage, const char *fmt, ...);
/* "key":{"id","name"} of a staff member, or "key":null (id <= 0), with a trailing comma. */
void rest_staff_ref(struct buf *b, const char *key, int64_t id);

/* ---- rest_rel.c: relationship memory and librarian profiles (docs/API.md) ---------- */
/* The largest photo body accepted by POST RESTREL_PHOTO_PATH (other POSTs: body_max). */
#define RESTREL_PHOTO_PATH "/api/v1/me/photo"
#define RESTREL_PHOTO_MAX (512 * 1024)
/* Route h if its path is one of rest_rel.c's: returns 1 when it answered (or will, from a
 * worker or write callback), 0 when the path is not its own. Loop thread. */
int rest_rel_get(struct http_conn *h);
int rest_rel_post(struct http_conn *h);
/* rest_waits.c: GET /api/v1/reports/waits (same contract as rest_rel_get). */
int rest_waits_get(struct http_conn *h);

/* ---- promises.c, rest_promise.c: the promise ledger (docs/API.md, PROTOCOL.md) ------ */
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
int rest_promise_get(struct http_conn *h);
int rest_promise_post(struct http_conn *h);

/* ---- outbox.c: the e-mail outbox on the loop (docs/DECISIONS.md, "E-mail") ---------- */
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
/* GET /api/v1/outbox, POST /api/v1/outbox/{id}/retry (admins): 1 if h was theirs. */
int outbox_rest_get(struct http_conn *h);
int outbox_rest_post(struct http_conn *h);
/* ---- rest_followup.c: follow-ups (docs/API.md) ---------------------------------------- */
/* Route h if its path is one of rest_followup.c's: 1 when it answered (or will), else 0. */
int rest_followup_get(struct http_conn *h);
int rest_followup_post(struct http_conn *h);
/* The card's follow-ups of a patron, packed into out (worker thread). */
int followups_card_read(const struct store_ops *ops, struct store_conn *sc, int64_t library_id,
			int64_t patron_id, struct buf *out);
/* "followups":[...], from rows packed by followups_card_read (loop). */
void followups_card_json(struct buf *b, const struct buf *rows);
/* patron_mail.c: email_transcript and signin_link. */
void patron_mail_cmd(struct ws_conn *c, struct cmd *cmd);

/* ---- auth.c: staff sessions and login --------------------------------------------- */
/* Finds a live session by cookie value; touches it. NULL if none or expired. */
struct session *auth_session_by_token(const char *token, int64_t now);
struct session *auth_session_by_hash(const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t now);
void auth_login(struct http_conn *h);
void auth_logout(struct http_conn *h, struct session *s);
void auth_me(struct http_conn *h, struct session *s);
void auth_tick(int64_t now);
/* Whether another new anonymous patron may be created from this address now. */
int auth_new_patron_allowed(const char *peer, int64_t now);
int auth_load(struct store_conn *sc);
/* Whether origin is this server's own (scheme://host). */
int origin_is_self(const char *origin, const char *host);
/* Whether origin is allowed for any library (or is our own). */
int origin_allowed_any(const char *origin, const char *host);

#endif
