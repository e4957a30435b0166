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
 *
 * What lives in src/store: this interface (with store_mail.h, store_admin.h,
 * store_handoff.h and store_promise.h, the records of the outbox, administration,
 * hand-offs and promises), the SQLite backend (sqlite.c: open, close and the ops table;
 * sqlite_schema.c: migrations; sqlite_sql.c: the SQL text; sqlite_write.c: applying
 * writes; sqlite_read.c and sqlite_*.c by record, sqlite_admin.c for administration), the
 * group-commit writer thread (writer.c) and the reader pool (worker.c).
 * It may include util only; it never names the app, the desk or the network.
 */
#ifndef RAPPORT_STORE_H
#define RAPPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store_handoff.h"
#include "store/store_promise.h"

enum store_err {
	STORE_OK = 0,
	STORE_ERR = -1, /* backend failure (I/O, corrupt, full disk): logged */
	STORE_NOTFOUND = -2, /* no such row */
	STORE_EXISTS = -3, /* unique key already taken */
	STORE_BADARG = -4, /* caller error (bad durability name, too long text...) */
	STORE_STOP = -5, /* a row callback asked to stop iterating (not an error) */
	STORE_FULL = -6, /* the writer's or the workers' queue is full: try again later */
};

enum store_durability { STORE_DURABILITY_FULL = 0, STORE_DURABILITY_NORMAL = 1 };

#define STORE_TOKEN_HASH_LEN 32 /* hashes of patron and session tokens (BLAKE2b-256) */
#define STORE_GREETING_MAX 300 /* bytes: a library's widget greeting */

#include "store/store_admin.h" /* administration's records (needs the two above) */

/* ---- records ---------------------------------------------------------------------- */

struct store_library {
	int64_t id;
	char slug[64];
	char name[128];
	char origins[1024]; /* allowed Origins for widget/WebSocket, one per line, may be "" */
	int64_t created_at;
	/* the team desk (migration 13); library_ensure leaves these alone */
	int64_t consortium_id; /* 0: none */
	char policy_notes[4096]; /* what a covering librarian of another library reads */
	char consortium_card[256]; /* card fields shared with the consortium, comma-separated */
	/* the widget's look (migration 14): "" or validated text, "" or "#rrggbb" */
	char greeting[STORE_GREETING_MAX + 1];
	char colour[8]; /* the brand colour of the widget and the patron page */
	char text_colour[8]; /* text on the brand colour */
};

struct store_queue {
	int64_t id;
	int64_t library_id;
	char slug[64];
	char name[128];
	int64_t created_at;
	int64_t cascade_ms; /* offered to the consortium after this long queued; 0: never */
};

struct store_staff {
	int64_t id;
	int64_t library_id;
	char email[256]; /* unique, compared case-insensitively */
	char display_name[128];
	char role[24]; /* "librarian", "supervisor", "admin" or "consortium_admin" */
	char pw_hash[192]; /* argon2id string from crypto_pwhash_str */
	int max_chats; /* concurrent chat cap; 0 = use the server default */
	int64_t created_at;
	/* profile shown to patrons (migration 3); staff_put leaves these alone */
	char pronouns[64];
	char subjects[256]; /* free text, e.g. "nursing, health sciences, APA" */
	char bio[512];
	int listed; /* opted in to the patrons' "who is on now" list */
	char photo_type[16]; /* "", "image/png" or "image/jpeg" */
	int64_t photo_at; /* when the photo last changed (cache key), 0 if none */
	int active; /* 0: deactivated (no login, no session); staff_put leaves it alone */
};

struct store_session {
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	int64_t staff_id;
	char csrf[64]; /* CSRF token (random, base64url) */
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

/* A chat's state travels as this number; the store keeps its name (store_chat_state_name). */
enum store_chat_state {
	STORE_CHAT_QUEUED,
	STORE_CHAT_ACTIVE,
	STORE_CHAT_ENDED,
	STORE_CHAT_ABANDONED
};

struct store_chat {
	int64_t id;
	int64_t library_id;
	int64_t queue_id;
	int64_t patron_id;
	int64_t staff_id; /* 0 while queued or if no one picked it up */
	enum store_chat_state state;
	char join_cmid[65]; /* client id of the join frame, for idempotent re-join */
	char ended_by[16]; /* "", "patron", "staff" or "system" */
	int64_t created_at;
	int64_t picked_at; /* 0 if never */
	int64_t ended_at; /* 0 if open */
	/* migration 3 */
	int remembered; /* part of the patron's remembered history (consent at the time) */
	char question[256]; /* the first patron message, cut at 255 bytes on a UTF-8 boundary */
	char outcome[16]; /* "" or one of STORE_OUTCOMES, set by staff */
	int rating; /* 0 or 1..5, set by the patron after the chat */
	/* honest waits (migration 5): ms, -1 when none (NULL in the store) */
	int64_t wait_estimate_ms; /* the total wait first shown to the patron */
	int64_t wait_last_ms; /* the total wait last shown (elapsed + remaining) */
	int64_t wait_actual_ms; /* join to pick, or to leaving for an abandoned chat */
	int wait_grew; /* times the patron was told the wait grew */
	/* continuity routing of a queued chat (migration 10), so a restart keeps it */
	int64_t offer_staff_id; /* 0: offered to nobody */
	char offer_why[12]; /* "", "preferred", "helped" or "asked" */
	int64_t offer_until; /* 0: no time limit */
	int64_t route_ends;
	int routing;
	/* migration 12, written by STW_CHAT_INSERT only (reads leave it 0) */
	int64_t wait_raw_ms; /* the model's queue term at join (0: a place was free), -1 */
};

/* Outcome tags a librarian can give a chat. */
#define STORE_OUTCOMES "answered", "partly", "referred", "follow_up", "unanswered"

/* A message's kind and author travel as these numbers, and are stored as them. */
enum store_msg_kind { STORE_MSG_TEXT = 0, STORE_MSG_EVENT = 1 };
enum store_author { STORE_AUTHOR_SYSTEM = 0, STORE_AUTHOR_PATRON = 1, STORE_AUTHOR_STAFF = 2 };

/* kind: text (someone wrote it) or event (joined, left, ended...: `body` is the event
 * name). cmid "" when none. */
struct store_message {
	int64_t chat_id;
	int64_t seq; /* 1, 2, 3... per chat */
	enum store_msg_kind kind;
	enum store_author author;
	int64_t author_id; /* patron or staff id; 0 for system */
	char cmid[65];
	const char *body; /* owned by whoever filled the struct (see each function) */
	int64_t created_at;
};

/* ---- relationship memory (migration 3; see docs/PRIVACY.md) ---------------------------
 * A patron is anonymous unless consent to be remembered is in force. Every relationship
 * write below is conditional in SQL (on the patron being remembered, in the library, the
 * note's author...): when the condition fails nothing changes and the write completes
 * with rc 0 and `changed` 0, which the caller turns into 404. Such a write never fails
 * its batch. */

#define STORE_HELPERS_MAX 8
#define STORE_FAVOURITES_MAX 16
#define STORE_CARD_CHATS 20
#define STORE_CARD_NOTES 20
#define STORE_CARD_TRAITS 24
#define STORE_NOTE_MAX 2000 /* bytes */
#define STORE_TRAIT_VALUE_MAX 200 /* bytes */
/* A library's own trait keys, at most: with the presets, every trait a patron can have
 * fits on the card (STORE_CARD_TRAITS); one more is refused (STW_TRAIT_KEY_PUT). */
#define STORE_TRAIT_KEYS_MAX 19

/* Preset trait keys; a library may define more (trait_keys). */
#define STORE_PRESET_TRAITS "preferred_name", "pronouns", "programme", "language", "style"

/* What we remember of a patron; all empty/0 when not remembered. */
struct store_relation {
	int64_t patron_id;
	int64_t library_id;
	int remembered; /* consent in force */
	int64_t remembered_since; /* when consent was given, 0 if not remembered */
	char notice_version[32]; /* of the notice the patron agreed to */
	char display_name[128];
	char email[256];
	char preferred_name[128]; /* trait "preferred_name" */
	char pronouns[64]; /* trait "pronouns" */
	int64_t preferred_staff_id; /* 0: none */
	int64_t helpers[STORE_HELPERS_MAX]; /* staff who answered remembered chats, most
					     * recent first, distinct */
	size_t n_helpers;
	int64_t favourites[STORE_FAVOURITES_MAX]; /* staff ids, most recent first */
	size_t n_favourites;
	int n_chats; /* remembered chats */
	int64_t first_chat_at; /* of the oldest remembered chat, 0 if none */
};

struct store_note {
	int64_t id;
	int64_t patron_id;
	int64_t library_id;
	int64_t author_id; /* staff id */
	char body[STORE_NOTE_MAX + 1];
	int64_t created_at;
	int64_t updated_at;
};

struct store_trait {
	char key[32];
	char value[STORE_TRAIT_VALUE_MAX + 1];
	int64_t updated_by; /* staff id; 0 when the patron gave it */
	int64_t updated_at;
};

/* The relationship card's data: only what consent allows (relation.remembered == 0 means
 * everything else is empty). chats: remembered chats, newest first. notes: newest first. */
struct store_card {
	struct store_relation rel;
	struct store_chat chats[STORE_CARD_CHATS];
	size_t n_chats;
	struct store_note notes[STORE_CARD_NOTES];
	size_t n_notes;
	struct store_trait traits[STORE_CARD_TRAITS];
	size_t n_traits;
};

/* A staff view of a card (audit: who, whom, when; no content). */
struct store_card_view {
	int64_t staff_id;
	int64_t patron_id;
	int64_t at;
};

/* ---- opening hours and offline questions (migration 8; see src/desk/schedule.h) ------ */
#define STORE_HOURS_MAX 64
#define STORE_CLOSED_MAX 128
#define STORE_CASE_TEXT_MAX 4000 /* bytes: a question or a reply */

/* A queue's schedule and its library's zone and reply policy. */
struct store_schedule {
	char time_zone[64]; /* IANA name, "UTC" by default */
	int reply_policy_hours; /* business hours to reply to an offline question (24) */
	size_t n_hours;
	int hours[STORE_HOURS_MAX][3]; /* weekday 0..6 (Sunday 0), opens_min, closes_min */
	size_t n_closed;
	int32_t closed[STORE_CLOSED_MAX]; /* dates closed, yyyymmdd */
};

/* An offline question ("case"): state "open" (waiting for a librarian), "answered",
 * "closed". */
struct store_case {
	int64_t id;
	int64_t library_id;
	int64_t queue_id;
	int64_t patron_id;
	char email[256];
	char question[STORE_CASE_TEXT_MAX + 1];
	int64_t created_at;
	int64_t reply_by;
	int64_t updated_at;
	char state[12];
	int64_t promise_id; /* 0: none */
	int64_t closed_at; /* when a librarian closed it (0: never) */
	int64_t closed_by; /* who (staff id; 0: never closed) */
};

/* One reply on a case's thread: author "patron" or "staff" (staff_id > 0). */
struct store_case_msg {
	int64_t id;
	int64_t case_id;
	char author[8];
	int64_t staff_id;
	const char *body; /* valid during the callback */
	int64_t created_at;
};

/* The fields of a case write. */
struct store_case_write {
	int64_t id; /* set by STW_CASE_ADD; the case of STW_CASE_REPLY */
	int64_t library_id;
	int64_t queue_id;
	int64_t patron_id;
	int64_t staff_id; /* STW_CASE_REPLY by staff; 0: by the patron */
	int64_t promise_id; /* 0: none */
	int64_t at;
	int64_t reply_by;
	char email[256];
	uint8_t token_hash[STORE_TOKEN_HASH_LEN];
	char *text; /* owned by the write (freed by store_write_free) */
};

/* ---- writes (applied by the writer thread inside a transaction) ------------------- */

enum store_write_kind {
	STW_PATRON_INSERT, /* u.patron */
	STW_PATRON_TOUCH, /* u.patron: sets last_seen where id matches */
	STW_CHAT_INSERT, /* u.chat (remembered is stored only if the patron is remembered;
			  * wait_estimate_ms and wait_last_ms are stored too) */
	STW_CHAT_UPDATE, /* u.chat: sets staff_id, state, ended_by, picked_at, ended_at and
			  * the wait_* fields by id;
			  * to ended or abandoned: also archives the chat's messages, so
			  * write its last message before this */
	STW_CHAT_ROUTE, /* u.chat: sets the offer_* fields, route_ends and routing by id */
	STW_MESSAGE_INSERT, /* u.message; body is owned by the write (freed by store_write_free) */
	STW_SESSION_INSERT, /* u.session */
	STW_SESSION_TOUCH, /* u.session: sets last_seen by token_hash */
	STW_SESSION_DELETE, /* u.session: deletes by token_hash */
	STW_BARRIER, /* no data: completes once everything queued before it committed */
	/* relationship memory: u.rel; conditional (see above), `changed` says if it applied */
	STW_CONSENT_GIVE, /* patron_id, library_id, at, key = notice version, display_name,
			   * email, preferred_name, pronouns ("" leaves a field unset).
			   * Records the consent, marks the patron remembered (since `at`
			   * unless already), marks their open chats and chat_id (0: none;
			   * theirs, open or ended) remembered. */
	STW_CONSENT_WITHDRAW, /* patron_id, at: records the withdrawal and forgets: names,
			       * e-mail, notes, traits, favourites, preferred librarian, and the
			       * remembered flag of every chat (the history links). Transcripts
			       * stay (they are the library's record) but no longer link.
			       * Applies (and is recorded) whenever the patron exists. */
	STW_PATRON_PROFILE, /* patron_id, display_name, email, preferred_name, pronouns, at
			     * (of the traits): sets all four ("" clears); only while
			     * remembered */
	STW_NOTE_ADD, /* patron_id, library_id, staff_id (author), at, text: only for a
		       * remembered patron of that library; sets u.rel.id */
	STW_NOTE_EDIT, /* id, library_id, staff_id (must be the author), at, text */
	STW_NOTE_DELETE, /* id, library_id */
	STW_TRAIT_SET, /* patron_id, library_id, staff_id (0: the patron), at, key, value
			* ("" deletes): key must be preset or defined by the library;
			* value at most STORE_TRAIT_VALUE_MAX bytes (preferred_name 127,
			* pronouns 63: they must fit store_relation). A delete applies
			* (changed 1) even if there was no value. */
	STW_TRAIT_KEY_PUT, /* library_id, key ([a-z0-9_]{1,31}, not a preset), value = label
			    * ("" deletes the key; its values are then hidden from cards) */
	STW_FAVOURITE, /* patron_id, staff_id, on, at: only a remembered patron and staff
			* of the patron's library (then changed 1, for on 0 too) */
	STW_PREFERRED, /* patron_id, staff_id (0 clears): likewise */
	STW_CHAT_OUTCOME, /* chat_id, library_id, key = outcome ("" clears) */
	STW_CHAT_RATE, /* chat_id, patron_id, on = rating 1..5: only an ended chat of theirs */
	STW_CARD_VIEW, /* staff_id, patron_id, at: audit row (staff of the patron's
			* library) */
	STW_STAFF_PROFILE, /* staff_id, display_name (not ""), pronouns, value = subjects,
			    * text = bio (under 512 bytes, NULL: ""), on = listed */
	STW_STAFF_PHOTO, /* staff_id, key = content type, blob/blob_len (0: remove), at */
	/* promise ledger: u.promise; conditional (see above), `changed` says if it applied,
	 * and each change adds a line to the promise's history */
	STW_PROMISE_ADD, /* library_id, patron_id (of the library), chat_id (0, or the
			  * patron's chat in the library), text = what (1..500 bytes),
			  * due_at, owner_id and by (staff of the library), channel, at;
			  * sets id */
	STW_PROMISE_DONE, /* id, library_id, by (the owner or an admin of the library),
			   * text = what was sent (NULL: ""), at: only while open */
	STW_PROMISE_CANCEL, /* id, library_id, by, text = the reason (1..500 bytes), at */
	STW_PROMISE_REASSIGN, /* id, library_id, by, owner_id (staff of the library), text =
			       * note (NULL: ""), at */
	/* e-mail outbox (migration 6): u.mail; see "e-mail outbox" above */
	STW_MAIL_QUEUE, /* library_id, kind, to_addr, subject, body_text, body_html,
			 * list_unsubscribe, message_id (unique), created_at,
			 * next_attempt_at: a new row in state queued; sets u.mail.id */
	STW_MAIL_CLAIM, /* id: queued -> sending, attempts + 1 (changed 0 if the row was
			 * not queued) */
	STW_MAIL_RESULT, /* id, state (sent, queued or dead), next_attempt_at, last_error,
			  * sent_at: only from sending. A sign-in mail sent or dead loses
			  * its bodies (they hold a live token) */
	STW_MAIL_RECOVER, /* no fields: every sending row back to queued (at start, before
			   * anything is claimed); changed = how many */
	STW_MAIL_RETRY, /* id, library_id, next_attempt_at: a dead row of that library back
			 * to queued with attempts 0 (not a sign-in mail: its token is gone) */
	/* sign-in links (migration 6): u.signin */
	STW_SIGNIN_CREATE, /* hash, patron_id, library_id, at, expires_at */
	STW_SIGNIN_USE, /* hash, new_hash, library_id, at: consumes an unused, unexpired
			 * link of a remembered patron of that library and adds new_hash
			 * as another token of that patron; changed 0 if it did not
			 * apply */
	/* follow-ups (migration 7): u.followup; conditional, `changed` says if it applied */
	STW_FOLLOWUP_ADD, /* library_id, patron_id, chat_id, staff_id, due_at, message, at,
			   * hash, signin_hash, expires_at and mail (subject, bodies,
			   * list_unsubscribe, message_id): only for a remembered patron of
			   * the library with an e-mail address who has not opted out, a chat
			   * of theirs and staff of the library. Adds the follow-up, its mail
			   * (queued for due_at, to the patron's stored address) and a sign-in
			   * link (signin_hash) in one transaction; sets id */
	STW_FOLLOWUP_CANCEL, /* id, library_id: scheduled and its mail still queued -> cancelled,
			      * and the mail is deleted */
	STW_FOLLOWUP_ANSWER, /* hash, rating (1..5), reply ("" keeps the last), at: a follow-up
			      * not cancelled whose token has not expired */
	STW_FOLLOWUP_STOP, /* hash, at: the patron of that (unexpired) token opts out: their
			    * scheduled follow-ups are cancelled and no new ones are taken */
	/* offline questions (migration 8): u.kase */
	STW_CASE_ADD, /* library_id, queue_id (of the library), patron_id (of the
		       * library), email, text = the question, at, reply_by, token_hash,
		       * promise_id (0: none): a new open case; sets id */
	STW_CASE_REPLY, /* id, library_id, staff_id (0: the patron), text, at: adds a
			 * message; a staff reply marks the case answered (and adds
			 * token_hash as another view link of the case, for its mail), a
			 * patron reply reopens it; changed 0 when no such case in the
			 * library, or (by the patron) when it is closed */
	STW_CASE_CLOSE, /* id, library_id, staff_id, at (migration 11): a case not yet
			 * closed -> closed, recording closed_at and closed_by; changed 0
			 * when no such case in the library or already closed */
	/* hand-offs (migration 13): u.handoff */
	STW_HANDOFF_OFFER, /* every field but decided_at and reason: a new row, state offered */
	STW_HANDOFF_DECIDE, /* chat_id, seq, state, to_staff (0 keeps it), reason,
			     * decided_at: only from offered */
	STW_HANDOFF_SETTLE, /* decided_at: every offered row cancelled (at start: hand-offs
			     * pending when the server stopped came back to their senders) */
	/* administration (migration 14): u.admin, each kind described in store_admin.h */
	STW_QUEUE_ADD,
	STW_QUEUE_EDIT,
	STW_LIBRARY_EDIT,
	STW_STAFF_INVITE,
	STW_STAFF_LINK,
	STW_STAFF_EDIT,
	STW_PASSWORD_SET,
	STW_PASSWORD_CHANGE,
};

/* The fields of a relationship write; which are used depends on the kind (see above). */
struct store_rel_write {
	int64_t id;
	int64_t patron_id;
	int64_t library_id;
	int64_t staff_id;
	int64_t chat_id;
	int64_t at;
	int on;
	char key[32];
	char value[256];
	char display_name[128];
	char email[256];
	char preferred_name[128];
	char pronouns[64];
	char *text; /* owned by the write (freed by store_write_free) */
	void *blob; /* owned by the write */
	size_t blob_len;
};

#include "store/store_mail.h" /* the outbox and sign-in links (migration 6) */

/* ---- follow-ups (migration 7) -----------------------------------------------------------
 * A check-in e-mail a librarian schedules for a patron. state: scheduled (its mail is in
 * the outbox, due at due_at) -> sent (the mail was accepted) -> answered (a rating came
 * back; it may change while the token lives), or cancelled while still queued. */
#define STORE_FOLLOWUP_MESSAGE_MAX 500 /* bytes */
#define STORE_FOLLOWUP_REPLY_MAX 2000 /* bytes */

struct store_followup {
	int64_t id;
	int64_t library_id;
	int64_t patron_id;
	int64_t chat_id;
	int64_t staff_id;
	int64_t due_at;
	char message[STORE_FOLLOWUP_MESSAGE_MAX + 1];
	char state[16]; /* scheduled, sent, answered, cancelled, undeliverable */
	int64_t created_at;
	int64_t sent_at;
	int rating; /* 0: none yet */
	char reply[STORE_FOLLOWUP_REPLY_MAX + 1];
	int64_t answered_at;
};

/* The fields of a follow-up write; which are used depends on the kind (see above). */
struct store_followup_write {
	struct store_mail mail; /* STW_FOLLOWUP_ADD: bodies owned by the write; to_addr unused */
	int64_t id;
	int64_t library_id;
	int64_t patron_id;
	int64_t chat_id;
	int64_t staff_id;
	int64_t due_at;
	int64_t at;
	int64_t expires_at;
	uint8_t hash[STORE_TOKEN_HASH_LEN]; /* of the rating token */
	uint8_t signin_hash[STORE_TOKEN_HASH_LEN]; /* of the chat link's sign-in token */
	char message[STORE_FOLLOWUP_MESSAGE_MAX + 1];
	int rating;
	char reply[STORE_FOLLOWUP_REPLY_MAX + 1];
};

struct store_write;
/* Called on the loop thread after the write's transaction committed (rc == 0) or failed. */
typedef void (*store_write_done)(struct store_write *w, int rc);

struct store_write {
	enum store_write_kind kind;
	int changed; /* rows the write changed, set by apply (relationship kinds) */
	store_write_done done; /* may be NULL */
	void *arg; /* for `done` */
	int refused; /* the writer's: the rc a refused write completes with */
	struct store_write *next; /* queue link, owned by the writer while queued */
	/* Last, and only the member of `kind` is allocated (store_write_new): the union is
	 * 4 KiB for a follow-up, 128 bytes for a message, and a message's write is the hot
	 * path. Use only the member the kind names, and never copy a whole store_write. */
	union {
		struct store_patron patron;
		struct store_chat chat;
		struct store_message message;
		struct store_session session;
		struct store_rel_write rel;
		struct store_promise_write promise;
		struct store_mail mail;
		struct store_signin signin;
		struct store_followup_write followup;
		struct store_case_write kase;
		struct store_handoff handoff;
		struct store_admin_write admin;
	} u;
};

/* Allocates a zeroed write of `kind`, with room for its member of `u` only. Returns NULL
 * on out of memory. Loop thread. */
struct store_write *store_write_new(enum store_write_kind kind);
/* Frees a write and what it owns (a message body, u.rel.text, u.rel.blob, u.promise.text,
 * u.mail's bodies of STW_MAIL_QUEUE). NULL is fine.
 * Any thread. */
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
typedef int (*store_card_view_cb)(void *ctx, const struct store_card_view *r);
typedef int (*store_trait_key_cb)(void *ctx, const char *key, const char *label);
/* One chat's wait: the estimate first shown and the actual wait; picked 0 when the patron
 * left before anyone picked the chat (actual is then how long they waited). */
typedef int (*store_wait_cb)(void *ctx, int64_t estimate_ms, int64_t actual_ms, int picked);
/* One sample of wait history: kind 0 a wait (join to pick, `at` the pick, raw the model's
 * queue term at join or -1), kind 1 a handling time (pick to end, `at` the end, raw 0). */
typedef int (*store_wait_sample_cb)(void *ctx, int kind, int64_t at, int64_t ms, int64_t raw);
typedef int (*store_promise_cb)(void *ctx, const struct store_promise *r);
typedef int (*store_promise_event_cb)(void *ctx, const struct store_promise_event *r);
typedef int (*store_mail_cb)(void *ctx, const struct store_mail *r);
typedef int (*store_followup_cb)(void *ctx, const struct store_followup *r);
typedef int (*store_case_cb)(void *ctx, const struct store_case *r);
typedef int (*store_case_msg_cb)(void *ctx, const struct store_case_msg *r);

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
	/* Applies one write inside the current transaction (STW_BARRIER is a no-op). Sets
	 * w->changed (and u.rel.id for STW_NOTE_ADD), hence not const. */
	int (*apply)(struct store_conn *c, struct store_write *w);
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
	int (*chats_by_patron)(struct store_conn *c, int64_t patron_id, int limit, store_chat_cb cb,
			       void *ctx);
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

	/* Relationship memory (worker threads). */
	/* What is remembered of a patron (hello, routing). STORE_NOTFOUND: no such patron. */
	int (*relation)(struct store_conn *c, int64_t patron_id, struct store_relation *out);
	/* The card of a patron of library_id. STORE_NOTFOUND: no such patron in that
	 * library. A patron not remembered gives rel.remembered == 0 and nothing else. */
	int (*card)(struct store_conn *c, int64_t library_id, int64_t patron_id,
		    struct store_card *out);
	/* Full-text search of a library's ended chats, newest first, at most `limit`, with
	 * id < before_id when before_id > 0. patron_id > 0: only that patron's remembered
	 * chats. `query` is plain words (not FTS syntax): every word must occur as a whole
	 * word, case and accents aside (no prefix match). STORE_BADARG: no searchable word. */
	int (*search)(struct store_conn *c, int64_t library_id, int64_t patron_id,
		      const char *query, int64_t before_id, int limit, store_chat_cb cb, void *ctx);
	/* A staff photo: sets *type ("image/png"...) and a malloc'd *data the caller frees.
	 * STORE_NOTFOUND: none. */
	int (*staff_photo)(struct store_conn *c, int64_t staff_id, char type[16], void **data,
			   size_t *len);
	/* A library's custom trait keys, by key. */
	int (*trait_keys)(struct store_conn *c, int64_t library_id, store_trait_key_cb cb,
			  void *ctx);
	/* Card views of a library's patrons (patron_id > 0: of that patron), newest first. */
	int (*card_views)(struct store_conn *c, int64_t library_id, int64_t patron_id, int limit,
			  store_card_view_cb cb, void *ctx);
	/* Continuity over chats of library_id created in [since, until): `returning` counts
	 * picked-up chats of remembered patrons who had an earlier picked-up remembered chat;
	 * `continued` those of them picked up by a librarian who had answered one of the
	 * patron's earlier remembered chats. */
	int (*continuity)(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
			  int64_t *returning, int64_t *continued);
	/* Honest waits: chats of library_id created in [since, until) with both an estimate
	 * shown and an actual wait, at most `limit` (newest first). */
	int (*waits)(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
		     int limit, store_wait_cb cb, void *ctx);
	/* Rated chats of library_id ended in [since, until), newest first, at most limit
	 * (worker threads: the feedback report). */
	int (*rated_chats)(struct store_conn *c, int64_t library_id, int64_t since, int64_t until,
			   int limit, store_chat_cb cb, void *ctx);
	/* Hand-offs as the query says, oldest first (worker threads). */
	int (*handoffs)(struct store_conn *c, const struct store_handoff_query *q,
			store_handoff_cb cb, void *ctx);
	/* Wait history of library_id since `since` (start-up): its latest `limit` waits, then
	 * its latest `limit` handling times, each newest first. */
	int (*wait_history)(struct store_conn *c, int64_t library_id, int64_t since, int limit,
			    store_wait_sample_cb cb, void *ctx);

	/* Promise ledger (worker threads; promises() also at start-up). */
	/* One promise by id (any library: the caller checks). STORE_NOTFOUND: none. */
	int (*promise_get)(struct store_conn *c, int64_t id, struct store_promise *out);
	/* A library's promises in `state` ("open", "done", "cancelled"), only those of
	 * owner_id / patron_id when > 0, by due time then id (open: overdue first), at most
	 * `limit` (0 = all). */
	int (*promises)(struct store_conn *c, int64_t library_id, const char *state,
			int64_t owner_id, int64_t patron_id, int limit, store_promise_cb cb,
			void *ctx);
	/* A promise's history, oldest first. */
	int (*promise_events)(struct store_conn *c, int64_t promise_id, store_promise_event_cb cb,
			      void *ctx);
	/* Counts of a library's promises made in [since, until), as of now. */
	int (*promise_report)(struct store_conn *c, int64_t library_id, int64_t since,
			      int64_t until, int64_t now, struct store_promise_report *out);

	/* E-mail outbox (worker threads). */
	/* Queued mails with next_attempt_at <= now, oldest due first, at most `limit`. */
	int (*mail_due)(struct store_conn *c, int64_t now, int limit, store_mail_cb cb, void *ctx);
	/* A library's mails in `state`, newest first, at most `limit`. */
	int (*mail_list)(struct store_conn *c, int64_t library_id, const char *state, int limit,
			 store_mail_cb cb, void *ctx);
	/* How many mails are queued (or sending) and dead, over all libraries. */
	int (*mail_counts)(struct store_conn *c, int64_t *queued, int64_t *dead);
	/* One library's mails: queued (or being sent), sent, and dead. */
	int (*mail_summary)(struct store_conn *c, int64_t library_id, int64_t *queued,
			    int64_t *sent, int64_t *dead);

	/* Follow-ups (worker threads). patron_id > 0: that patron's in the library, not
	 * cancelled, newest first; else the library's in `state` (NULL: any), by due time
	 * then id. At most `limit`. */
	int (*followups)(struct store_conn *c, int64_t library_id, int64_t patron_id,
			 const char *state, int limit, store_followup_cb cb, void *ctx);
	/* The follow-up of a rating token that has not expired at now. STORE_NOTFOUND:
	 * none. */
	int (*followup_by_token)(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
				 int64_t now, struct store_followup *out);
	/* Opening hours (CLI and start-up) and offline questions (worker threads). */
	/* A queue's schedule. STORE_NOTFOUND: no such queue. */
	int (*schedule_get)(struct store_conn *c, int64_t queue_id, struct store_schedule *out);
	/* Replaces a queue's hours and closed dates, and sets its library's time zone and
	 * reply policy, in one transaction (CLI). */
	int (*schedule_put)(struct store_conn *c, int64_t queue_id, const struct store_schedule *s);
	/* A library's cases in `state`, by reply_by then id (overdue first), at most limit. */
	int (*cases)(struct store_conn *c, int64_t library_id, const char *state, int limit,
		     store_case_cb cb, void *ctx);
	/* One case by id, or by the hash of its view token. STORE_NOTFOUND: none. */
	int (*case_get)(struct store_conn *c, int64_t id, struct store_case *out);
	int (*case_by_token)(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
			     struct store_case *out);
	/* A case's thread after the question, oldest first, at most limit. */
	int (*case_messages)(struct store_conn *c, int64_t case_id, int limit, store_case_msg_cb cb,
			     void *ctx);

	/* Administration (migration 14; store_admin.h): worker threads and the CLI. */
	int (*staff_token)(struct store_conn *c, const uint8_t hash[STORE_TOKEN_HASH_LEN],
			   int64_t now, struct store_staff *out);
	int (*consortium_of)(struct store_conn *c, int64_t library_id,
			     struct store_consortium *out);
	int (*consortium_members)(struct store_conn *c, int64_t consortium_id, store_library_cb cb,
				  void *ctx);
	int (*consortium_by_slug)(struct store_conn *c, const char *slug,
				  struct store_consortium *out);
	int (*consortium_ensure)(struct store_conn *c, struct store_consortium *r);
	int (*library_consortium)(struct store_conn *c, int64_t library_id, int64_t consortium_id);
};

/* The SQLite backend. */
extern const struct store_ops store_sqlite_ops;

/* Returns a short English description of an error code. */
const char *store_strerror(int rc);
/* "queued", "active", "ended" or "abandoned"; NULL for anything else. */
const char *store_chat_state_name(enum store_chat_state s);
/* The state named s, or -1. */
int store_chat_state_of(const char *s);

#endif
