/* api.h: the features: handlers of WebSocket commands and REST routes, and the JSON they
 * share. A handler decodes, checks, asks the desk, submits what must be stored and answers
 * once it is durable; it never calls libwebsockets.
 *
 * What lives in src/api. The way in: entry.c (the hooks net calls), dispatch.c (the
 * WebSocket command table and its checks), routes.c (the REST route table, the router and
 * its checks), call.c (one request and its reply handle), errors.c (the error table),
 * async.c (store reads and writes off the loop for a call). The features: chat.c (join,
 * send, pick, end, typing and their writes), chat_json.c (chat and message JSON),
 * fanout.c (subscriptions and delivery), hello.c, resume.c, patron.c, patron_mail.c,
 * duty.c, busy.c, cases.c (the WebSocket side), rest*.c (REST handlers). It may include
 * app, net, desk, store, mail and util. Loop thread only, unless said. */
#ifndef RAPPORT_API_H
#define RAPPORT_API_H

#include <jansson.h>

#include "api/errors.h"
#include "app/app.h"

struct call;

/* A connection's interest in a chat: deliver messages with seq > sent_seq. */
struct sub {
	struct ws_conn *conn;
	struct chat *chat;
	int64_t sent_seq;
	int64_t resume_to; /* > 0: send "resumed" once sent_seq reaches it */
	struct sub *chat_next, *chat_prev; /* the chat's list (chat->subs) */
	struct sub *conn_next; /* the connection's list */
};

/* entry.c: the hooks net calls (set before net_listen). */
void api_hooks(struct net_hooks *k);

/* ---- dispatch.c: the WebSocket command table; runs every check, then the handler ---- */
void api_dispatch(struct ws_conn *c, struct cmd *cmd);

/* ---- chat.c: protocol commands over the desk ----------------------------------------- */
/* The chat commands (dispatch.c has checked role, stopping and writer room). */
void chat_cmd_join(struct ws_conn *c, struct cmd *cmd);
void chat_cmd_send(struct ws_conn *c, struct cmd *cmd);
void chat_cmd_typing(struct ws_conn *c, struct cmd *cmd);
void chat_cmd_pick(struct ws_conn *c, struct cmd *cmd);
void chat_cmd_end(struct ws_conn *c, struct cmd *cmd);
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
/* "library":{id,name,policy_notes} (trailing comma): what a covering librarian of another
 * library of the consortium reads beside its chat. */
void library_notes_json(struct buf *b, const struct library *lib);
/* JSON of a chat summary into b (an object, no trailing comma), as a patron may see it. */
void chat_json(struct buf *b, const struct chat *ch);
/* The same, for staff (staff 1): with a hand-off's note and reason. */
void chat_json_as(struct buf *b, const struct chat *ch, int staff);

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
void chat_row_json(struct buf *b, const struct store_chat *r, int staff);
/* JSON of a message (fields only, no braces, trailing comma). */
void msg_fields(struct buf *b, const struct chat *ch, const struct message *m);
/* "queue":[...], of a library's waiting chats (with a trailing comma). */
void chat_queue_json(struct buf *b, const struct library *lib);
/* handoff.c: the hand-off commands (handoff, handoff_accept, handoff_decline,
 * handoff_cancel; a patron's someone_else). */
void handoff_cmd(struct ws_conn *c, struct cmd *cmd);
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
/* REST: post a message (patron actor or staff actor); answers via http_respond. */
void chat_rest_post(struct http_conn *h, const struct desk_actor *a, int64_t chat_id,
		    const char *cmid, const char *text, size_t len);

/* ---- REST: routes.c holds the route table and the router; routes.h the handlers ------ */

/* ---- rest_util.c: helpers of the REST route files ---------------------------------------- */
void rest_respond_buf(struct http_conn *h, int status, struct buf *b); /* takes b */
void rest_respond_ok(struct http_conn *h); /* {"ok":true} */
/* Ends an answer {..."key":[rows,] in b: closes the list and the object; 200; takes b. */
void rest_respond_list(struct http_conn *h, struct buf *b);
void rest_bad_request(struct http_conn *h, const char *message); /* 400 */
/* A positive id (no sign, no leading zero, at most 18 digits), 0 if none; *rest after it. */
int64_t rest_parse_id(const char *p, const char **rest); /* in routes.c: the one id parser */
/* A query argument ("name=" form): 0 absent, 1 set in *out, -1 present but not a number
 * in [lo, hi]. */
int rest_arg_int(struct http_conn *h, const char *name, int64_t lo, int64_t hi, int64_t *out);
/* "key":[names] of the card fields in mask (desk/settings.h), with a trailing comma. */
void rest_card_fields_json(struct buf *b, const char *key, unsigned mask);
/* A report's window from its `days=` argument (1 to 3660, default 30): [now - days, now].
 * 0, or -1 when the argument is bad (the call was answered 400). */
int rest_report_window(struct call *k, int64_t *since, int64_t *until);
/* Valid UTF-8 of at most max bytes without control characters (multiline: newlines and
 * tabs allowed). */
int rest_text_ok(const char *s, size_t len, size_t max, int multiline);
int rest_blank(const char *s);
/* Parses h's JSON body against fmt (JSON_STRICT), or answers 400 with usage and returns
 * NULL. */
json_t *rest_body_unpack(struct http_conn *h, const char *usage, const char *fmt, ...);
/* "key":{"id","name"} of a staff member, or "key":null (id <= 0), with a trailing comma. */
void rest_staff_ref(struct buf *b, const char *key, int64_t id);
/* The first answers of a write's completion: none when h has gone (NULL), 503 when the
 * write failed (rc), `unchanged` with `message` when it changed nothing. 1 when there is
 * nothing more to answer, 0 when the caller answers the success. */
int rest_write_failed(struct http_conn *h, int rc, int changed, enum api_err unchanged,
		      const char *message);
/* Answers a worker read that failed: 404 with `not_found` for STORE_NOTFOUND, else
 * (logged under `tag`, with the read's kind when kind >= 0) 503 "Could not read". 1 when
 * it answered, 0 when rc is 0. */
int rest_read_failed(struct http_conn *h, int rc, const char *not_found, const char *tag, int kind);
/* Copies the row at *off of rows packed by a REST_ROW_PACKER callback into row[size] and
 * moves *off past it: 1, or 0 when no whole row is left. */
int rest_row_next(const struct buf *rows, size_t *off, void *row, size_t size);
/* Defines `name`, a store row callback (store.h, e.g. store_chat_cb) that appends each row
 * whole to the struct buf its ctx points to; read back with memcpy, sizeof the row. A
 * macro because each row type wants a callback of its own type. */
#define REST_ROW_PACKER(name, rowtype)                                                             \
	static int name(void *ctx, const rowtype *r)                                               \
	{                                                                                          \
		buf_put(ctx, r, sizeof *r);                                                        \
		return 0;                                                                          \
	}

/* ---- rest_rel.c: relationship memory and librarian profiles (docs/API.md) ---------- */
/* The largest photo body accepted by POST RESTREL_PHOTO_PATH (other POSTs: body_max). */
#define RESTREL_PHOTO_PATH "/api/v1/me/photo"
#define RESTREL_PHOTO_MAX (512 * 1024)
/* ---- rest_followup.c: follow-ups (docs/API.md) ---------------------------------------- */
/* The card's follow-ups of a patron, packed into out (worker thread). */
int followups_card_read(const struct store_ops *ops, struct store_conn *sc, int64_t library_id,
			int64_t patron_id, struct buf *out);
/* "followups":[...], from rows packed by followups_card_read (loop). */
void followups_card_json(struct buf *b, const struct buf *rows);
/* patron_mail.c: email_transcript and signin_link. */
void patron_mail_cmd(struct ws_conn *c, struct cmd *cmd);

#endif
