/* promise.h: the promise ledger's domain: a promise a librarian made to a patron ("I'll
 * e-mail you the APA guide by Friday 5 pm"), its states and who may move it, the derived
 * "due soon" and "overdue", and the book of open promises the loop keeps for reminders
 * and for what patrons see. Pure: no I/O, no clock (every call that needs the time takes
 * `now`, milliseconds since the epoch), loop thread only.
 *
 * States: open -> done (with what was sent), open -> cancelled (with a reason); reassign
 * changes the owner of an open promise (with a note) and keeps it open. Overdue is open
 * and now > due; due soon is open and due within the lead time; kept on time is done at
 * or before due. Any librarian of the library may make a promise; only its owner or an
 * administrator of its library may complete, cancel or reassign it.
 */
#ifndef RAPPORT_DESK_PROMISE_H
#define RAPPORT_DESK_PROMISE_H

#include <stddef.h>
#include <stdint.h>

#include "desk/desk.h" /* enum desk_err */

#define PROMISE_WHAT_MAX 500 /* bytes */
#define PROMISE_NOTE_MAX 500 /* bytes: what was sent, a reason, a hand-over note */
#define PROMISE_LEAD_MS (60LL * 60 * 1000) /* "due soon": within an hour */
#define PROMISE_HORIZON_MS (366LL * 24 * 3600 * 1000) /* a due time at most a year ahead */

enum promise_state { PROMISE_OPEN, PROMISE_DONE, PROMISE_CANCELLED };
enum promise_channel { PROMISE_EMAIL, PROMISE_CHAT };
/* Where an open promise stands now; PHASE_CLOSED for done and cancelled ones. */
enum promise_phase { PHASE_LATER, PHASE_DUE_SOON, PHASE_OVERDUE, PHASE_CLOSED };
enum promise_act { PROMISE_COMPLETE, PROMISE_CANCEL, PROMISE_REASSIGN };

struct promise {
	int64_t id;
	int64_t library_id;
	int64_t patron_id;
	int64_t chat_id; /* 0: not made in a chat */
	int64_t owner_id; /* staff id */
	int64_t created_by; /* staff id */
	int64_t created_at;
	int64_t due_at;
	int64_t done_at; /* done or cancelled at; 0 while open */
	enum promise_state state;
	enum promise_channel channel;
	char what[PROMISE_WHAT_MAX + 1];
	char note[PROMISE_NOTE_MAX + 1]; /* done: what was sent; cancelled: the reason */
	enum promise_phase phase_seen; /* the phase last announced (promise_book_tick) */
	/* for labelling it in lists: the patron's name while remembered ("" otherwise), kept
	 * current by promise_book_name_patron; when its chat began (0: no chat) */
	char patron_name[128];
	int64_t chat_at;
};

/* Who acts on a promise: a librarian of library_id, an administrator or not. */
struct promise_who {
	int64_t staff_id;
	int64_t library_id;
	int admin;
};

/* Checks a new promise: `what` of len bytes must have a non-blank character and at most
 * PROMISE_WHAT_MAX bytes (DESK_EMPTY, DESK_TOO_LONG); due_at must be after now and at
 * most PROMISE_HORIZON_MS ahead (DESK_BAD_STATE). DESK_OK otherwise. */
int promise_check_new(int64_t now, const char *what, size_t len, int64_t due_at);

/* May `who` take `act` on p? DESK_NOT_FOUND for a promise of another library (callers
 * answer exactly as for a missing one), DESK_BAD_STATE when p is not open,
 * DESK_FORBIDDEN when who is neither its owner nor an administrator. DESK_OK otherwise. */
int promise_may(const struct promise *p, const struct promise_who *who, enum promise_act act);

/* Applies act to p after promise_may() (returns its error without changing p). COMPLETE:
 * done at now with `note` (what was sent, may be ""). CANCEL: cancelled at now with
 * `note` (the reason: DESK_EMPTY when blank). REASSIGN: owner becomes new_owner (not 0
 * and not the current owner: DESK_BAD_STATE); p stays open. Notes longer than
 * PROMISE_NOTE_MAX bytes: DESK_TOO_LONG. */
int promise_apply(struct promise *p, const struct promise_who *who, enum promise_act act,
		  int64_t now, const char *note, int64_t new_owner);

/* Where p stands at now: closed, overdue (now > due), due soon (due within lead_ms), or
 * later. */
enum promise_phase promise_phase(const struct promise *p, int64_t now, int64_t lead_ms);
/* Done at or before its due time. */
int promise_kept_on_time(const struct promise *p);
/* The share of promises kept on time among those whose time has come: kept / (kept +
 * late + open_overdue). Returns 0 and sets *share, or -1 when there are none yet. */
int promise_share(int64_t kept, int64_t late, int64_t open_overdue, double *share);

const char *promise_state_name(enum promise_state s); /* "open", "done", "cancelled" */
const char *promise_channel_name(enum promise_channel c); /* "email", "chat" */
/* Parses a state or channel name; -1 when unknown. */
int promise_state_of(const char *s);
int promise_channel_of(const char *s);

/* ---- the book: open promises the loop holds ------------------------------------------ */

struct promise_book {
	struct promise **v; /* unordered */
	size_t n, cap;
	int64_t lead_ms; /* "due soon" lead; 0 takes PROMISE_LEAD_MS */
};

/* Adds a copy of p, or replaces the promise with its id; a promise that is not open is
 * dropped instead. Its phase_seen starts as the phase at `now`. Returns 0 or DESK_NOMEM. */
int promise_book_put(struct promise_book *b, const struct promise *p, int64_t now);
struct promise *promise_book_get(const struct promise_book *b, int64_t id);
void promise_book_drop(struct promise_book *b, int64_t id);
/* Sets the patron_name of every promise of patron_id to name ("" when they are not
 * remembered). Returns how many changed. */
size_t promise_book_name_patron(struct promise_book *b, int64_t patron_id, const char *name);
/* Frees every promise the book holds (the book itself is the caller's). */
void promise_book_clear(struct promise_book *b);
/* Calls fn for each promise whose phase changed since it was last seen (a promise coming
 * due soon, or becoming overdue) and records the new phase. Returns how many changed. */
size_t promise_book_tick(struct promise_book *b, int64_t now,
			 void (*fn)(void *ctx, const struct promise *p), void *ctx);
/* Fills out[0..max) with the open promises of library_id (and of owner_id / patron_id
 * when > 0), by due time (so overdue ones first), then id. Returns how many (at most
 * max); *total gets how many matched (may be NULL). */
size_t promise_book_select(const struct promise_book *b, int64_t library_id, int64_t owner_id,
			   int64_t patron_id, const struct promise **out, size_t max,
			   size_t *total);

#endif
