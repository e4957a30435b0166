/* desk.h: the domain of the live chat desk: libraries, queues, staff, patrons with open
 * chats, chats and their messages. Pure logic: no I/O, no clock (every call that needs the
 * time takes `now`, milliseconds since the epoch), no threads (loop thread only).
 *
 * The desk holds open chats (queued, active) in memory with all their messages, and ended
 * chats while something still refers to them (a subscribed connection, a pending write).
 * Each message gets the chat's next sequence number at once; the caller stores it and,
 * once committed, calls desk_durable() so it may be delivered. Who may do what to which
 * chat is decided here (desk_can_*), so every caller checks the same way.
 *
 * What lives in src/desk: desk.c (the registry: libraries, queues, staff, patrons, rules),
 * desk_chat.c (a chat's lifecycle), route.c (continuity routing and offers), wait.c (wait
 * estimates), card.c (the relationship card's wording), promise.c (promise rules),
 * schedule.c (opening hours and reply-by times), settings.c (what an administrator may
 * set), handoff.c (hand-offs, the consortium cascade and who may read a live chat),
 * referrals.c (the hand-off report's arithmetic). It may include store (for its records)
 * and util only. */
#ifndef RAPPORT_DESK_H
#define RAPPORT_DESK_H

#include <stddef.h>
#include <stdint.h>

#include "desk/schedule.h"
#include "desk/wait.h"
#include "store/store.h"
#include "util/idmap.h"

struct sub;

enum desk_err {
	DESK_OK = 0,
	DESK_NOT_FOUND = -1, /* no such record, or not yours: callers must not tell apart */
	DESK_FORBIDDEN = -2, /* visible to you, but this action is not yours to take */
	DESK_BAD_STATE = -3, /* not allowed in the chat's current state */
	DESK_TAKEN = -4, /* pick lost to another librarian */
	DESK_AT_CAPACITY = -5, /* librarian holds their maximum of chats */
	DESK_TOO_LONG = -6,
	DESK_EMPTY = -7,
	DESK_NOMEM = -8,
	DESK_FULL = -9, /* chat holds the maximum number of messages */
	DESK_OFFERED = -10, /* pick: the chat is offered to another librarian for now */
	DESK_NOT_SHARED = -11, /* hand-off: that library is not of your consortium */
	DESK_OFF_DUTY = -12, /* hand-off: that colleague is not on duty now */
	DESK_NOBODY_ELSE = -13, /* someone else: nobody else is on duty now */
};

/* Why a queued chat is offered to one librarian only (continuity routing). */
enum offer_why {
	OFFER_NONE, /* open to every librarian of the library */
	OFFER_PREFERRED, /* the patron's preferred librarian */
	OFFER_HELPED, /* a librarian who answered one of the patron's remembered chats */
	OFFER_ASKED, /* the patron asked for this librarian */
};

/* A patron's choice while queued (desk_choose). */
enum desk_choice {
	CHOOSE_FIRST, /* first available: open to everyone now */
	CHOOSE_WAIT, /* keep waiting for the librarian the chat is offered to */
	CHOOSE_STAFF, /* ask for a specific librarian who is on now */
};

/* A staff member's role, each including what the one before may do (docs/API.md, "Roles"):
 * a librarian chats; a supervisor also watches the desk's live chats, reassigns them and
 * reads feedback; a library admin also runs the library; a consortium admin also runs the
 * consortium of their library. */
enum staff_access {
	ACCESS_LIBRARIAN,
	ACCESS_SUPERVISOR,
	ACCESS_ADMIN,
	ACCESS_CONSORTIUM_ADMIN,
};

/* A hand-off (handoff.c): to a named colleague, to a queue, or asked for by the patron
 * ("could someone else help me?", to the chat's own queue). */
enum handoff_kind { HANDOFF_STAFF, HANDOFF_QUEUE, HANDOFF_PATRON };
/* What came of it. */
enum handoff_end {
	HANDOFF_PENDING,
	HANDOFF_ACCEPTED,
	HANDOFF_DECLINED, /* by the colleague asked */
	HANDOFF_TIMED_OUT, /* nobody accepted within the hand-off timeout */
	HANDOFF_CANCELLED, /* by the sender, or the chat ended or went back to the queue,
			    * or the colleague asked went off duty */
};

#define HANDOFF_NOTE_MAX 1000 /* characters */
#define HANDOFF_REASON_MAX 200 /* characters */

struct chat;

struct handoff {
	struct chat *chat;
	enum handoff_kind kind;
	struct staff *from; /* the librarian handing the chat on (PATRON: the chat's) */
	struct staff *to; /* STAFF: the colleague asked */
	struct queue *to_queue; /* QUEUE, PATRON: whose library's librarians may take it */
	int64_t seq; /* of its "handoff_offered" or "someone_else" event: the record's key */
	int64_t at, until, decided_at;
	enum handoff_end end;
	struct staff *taker; /* ACCEPTED: who took the chat */
	int dirty; /* net layer: decided, the record not yet written */
	char note[HANDOFF_NOTE_MAX * 4 + 1];
	char reason[HANDOFF_REASON_MAX * 4 + 1];
};

enum chat_state { CHAT_QUEUED, CHAT_ACTIVE, CHAT_ENDED, CHAT_ABANDONED };
enum author { AUTHOR_PATRON, AUTHOR_STAFF, AUTHOR_SYSTEM };
enum msg_kind { MSG_TEXT, MSG_EVENT };

struct library {
	int64_t id;
	char slug[64];
	char name[128];
	char origins[1024]; /* allowed origins, one per line */
	int64_t consortium_id; /* 0: none; libraries with the same id share a consortium */
	char policy_notes[4096]; /* shown to covering librarians of the consortium */
	char consortium_card[256]; /* card fields shared with the consortium, comma-separated */
	char greeting[STORE_GREETING_MAX + 1]; /* the widget's greeting ("": the default) */
	char colour[8], text_colour[8]; /* the widget's colours, "#rrggbb" or "" */
	int staff_online; /* librarians of this library with a live console */
	int queue_dirty; /* net layer: a queue change not yet announced */
	int staff_dirty; /* net layer: staff_online changed, not yet announced */
	struct wait_hist wait; /* recent waits and handling times (desk_pick, desk_end) */
	/* desk/wait.c's cache: when up to WAIT_AGES_MAX of the chats held by librarians
	 * taking chats were picked, refreshed at most every WAIT_AGES_REFRESH_MS */
	int64_t wait_picks[WAIT_AGES_MAX];
	int n_wait_picks;
	int64_t wait_picks_at;
	int promises_dirty; /* net layer: a promise changed, consoles not yet told */
	uint64_t busy_sent; /* net layer: which librarians were at their cap when last told */
	int64_t busy_sent_at; /* net layer: when that was */
};

struct queue {
	int64_t id;
	struct library *lib;
	char slug[64];
	char name[128];
	struct chat **waiting; /* queued chats, oldest first */
	size_t n_waiting, cap_waiting;
	struct schedule sched; /* opening hours (no intervals: always open by schedule) */
	int reply_hours; /* the library's reply policy for offline questions */
	int64_t cascade_ms; /* queued this long: offered to the consortium too (0: never) */
	int hours_seen; /* net layer: open by hours at the last check: 1, 0, -1 unknown */
	int64_t next_open; /* net layer: when closed at that check, the next opening (ms) */
	char next_open_local[48]; /* net layer: the same in the library's wall time */
};

struct staff {
	int64_t id;
	struct library *lib;
	char email[256];
	char name[128];
	enum staff_access access;
	int max_chats; /* 0: the desk default */
	int active; /* 0: deactivated (cannot log in; never on duty) */
	int invited; /* no password yet: an invitation not taken up (set by the net layer) */
	int n_active; /* chats assigned and active */
	int online; /* live console connections */
	/* profile shown to patrons (set by the net layer from the store) */
	char pronouns[64];
	char subjects[256];
	char bio[512];
	int listed; /* opted in to "who is on now" */
	int64_t photo_at; /* 0: no photo */
	/* availability (desk_staff_available): Away staff keep their chats but get no new
	 * ones and are not counted as on duty */
	int away;
	int64_t offline_since; /* desk_tick_handbacks: since when no console (0: not seen) */
};

struct message {
	int64_t seq;
	enum msg_kind kind;
	enum author author;
	int64_t author_id;
	int64_t at;
	uint64_t origin; /* net layer: the connection it was sent on (0: none) */
	char cmid[65]; /* up to 64 characters */
	size_t len; /* of text, in bytes */
	char text[]; /* NUL-terminated: the message, or the event name */
};

struct patron {
	int64_t id;
	int64_t library_id;
	int online; /* live connections */
	int64_t offline_since; /* when online dropped to 0 */
	struct chat **chats; /* open and held chats, oldest first */
	size_t n_chats, cap_chats;
	/* relationship memory, loaded at hello; all 0/empty unless remembered */
	int remembered;
	int64_t first_chat_at; /* created_at of their oldest remembered chat, 0: none (from the
				* relation; a join or link while remembered sets it if unset) */
	char name[128]; /* how to greet them: preferred name, else display name, or "" */
	int64_t preferred_staff; /* staff id, 0: none */
	int64_t helpers[8]; /* staff who answered their remembered chats, most recent first */
	size_t n_helpers;
	/* net layer: a new patron who has only said hello has no row in the store yet; it is
	 * written (with this token hash) before the first thing they do that is stored */
	int unsaved;
	int saving; /* that row is on its way to the store: keep p until it is in */
	uint8_t token_hash[32];
	int64_t created_at;
};

struct chat {
	int64_t id;
	struct library *lib;
	struct queue *queue;
	struct patron *patron;
	struct staff *staff; /* NULL until picked */
	enum chat_state state;
	enum author ended_by;
	char join_cmid[65];
	int64_t created_at, picked_at, ended_at;
	struct message **msgs; /* msgs[i]->seq == i + 1 */
	size_t n_msgs, cap_msgs;
	int64_t durable_seq; /* messages up to here have committed */
	struct idmap cmids; /* client message id (hashed with its author) -> message */
	int refs; /* holders besides the desk (subscriptions, pending writes) */
	struct sub *subs; /* the net layer's subscribers; opaque to the desk */
	int64_t position_sent; /* net layer: the queue position last sent to the patron */
	int remembered; /* part of the patron's remembered history */
	char outcome[16]; /* net layer: the outcome tag staff gave it, "" if none */
	/* continuity routing: while `offer` is set only that librarian may pick the chat */
	struct staff *offer;
	enum offer_why offer_why;
	int64_t offer_until; /* the offer lapses (0: no end: the patron asked or chose to wait) */
	int routing; /* continuity routing still running (ends at route_ends) */
	int64_t route_ends;
	int offer_dirty; /* net layer: the offer changed, not yet announced */
	/* honest waits (desk_wait_refresh): totals are ms from the join, -1 when none */
	struct wait_est wait; /* the estimate of the remaining wait shown (last told) */
	int64_t wait_at; /* when it was last computed */
	int wait_shown; /* an estimate (or "none") was computed at least once */
	int64_t wait_raw_join; /* the model's queue term at join (calibration sample) */
	int64_t wait_first_ms; /* the total wait first shown */
	int64_t wait_last_ms; /* the total wait last shown (elapsed + remaining) */
	int64_t wait_promised_ms; /* the total we stand by: first, or the last grew notice */
	int wait_grew; /* how many times the patron was told it grew */
	int wait_dirty; /* net layer: tell the patron the new estimate */
	/* hand-back (desk_handback): the librarian who last handed it back, and when */
	struct staff *handed_from;
	int64_t handed_at;
	int handbacks; /* how many times; a re-pick keeps the first picked_at */
	struct wait_told wait_told; /* what was told and when places last moved (wait_hold) */
	/* the consortium cascade (desk_tick): queued past its queue's cascade_ms with nobody
	 * of its library picking it up, it is offered to the consortium's librarians too */
	int cascaded;
	/* hand-offs (handoff.c): the pending one, or the latest (kept for its note) */
	struct handoff *handoff;
	int handoffs; /* how many were offered while held */
	int64_t wait_any_ms; /* offered with no time limit: the wait if open to all, -1 */
	int64_t wait_scope; /* whose places the promise counted: that staff id, 0 all */
};

/* Who is acting: a patron (id = patron id) or a staff member. */
struct desk_actor {
	enum author kind;
	struct patron *patron; /* kind == AUTHOR_PATRON */
	struct staff *staff; /* kind == AUTHOR_STAFF */
};

struct desk_config {
	int default_max_chats; /* per librarian; default 3 */
	int text_max; /* characters (code points); default 4000 */
	int chat_max_msgs; /* default 10000 */
	int64_t queue_grace_ms; /* queued chat with its patron away this long is abandoned */
	int64_t offer_window_ms; /* continuity routing window; default 30000 */
	int64_t handback_grace_ms; /* a librarian with no console this long: chats handed back
				    * (desk_tick_handbacks); default 60000 */
	int64_t handoff_timeout_ms; /* a hand-off nobody accepts comes back; default 60000 */
};

struct desk {
	struct desk_config cfg;
	struct library **libs;
	size_t n_libs;
	struct queue **queues;
	size_t n_queues;
	struct staff **staff;
	size_t n_staff;
	struct idmap lib_ids, queue_ids, staff_ids; /* id -> the entries of the arrays above */
	struct idmap chats; /* id -> struct chat */
	struct idmap patrons; /* id -> struct patron (online or with held chats) */
	int64_t last_chat_id, last_patron_id;
	struct chat **handing; /* chats with a pending hand-off (desk_tick_handoffs) */
	size_t n_handing, cap_handing;
	/* after a restart, until then an offer stands for a librarian whose console has not
	 * reconnected yet (everyone is off duty for a moment when the server starts) */
	int64_t offers_held_until;
};

/* How long after a restart an offer waits for its librarian's console to come back. */
#define DESK_RESTART_HOLD_MS 60000

/* Makes an empty desk. Zero fields of cfg take defaults. NULL on out of memory. */
struct desk *desk_new(const struct desk_config *cfg);
/* Frees the desk and everything in it. */
void desk_free(struct desk *d);

/* Loading (start-up). Each returns the new object or NULL (out of memory, unknown
 * library). Strings are copied. */
struct library *desk_add_library(struct desk *d, int64_t id, const char *slug, const char *name,
				 const char *origins);
struct queue *desk_add_queue(struct desk *d, int64_t id, int64_t library_id, const char *slug,
			     const char *name);
/* Adds or updates a staff member (found by id). */
struct staff *desk_put_staff(struct desk *d, int64_t id, int64_t library_id, const char *email,
			     const char *name, enum staff_access access, int max_chats);
/* The role named `name` ("librarian", "supervisor", "admin", "consortium_admin"), or -1. */
int desk_access_of(const char *name);
const char *desk_access_name(enum staff_access a);
/* Whether s administers their library (a library or consortium admin). */
static inline int desk_staff_admin(const struct staff *s)
{
	return s && s->access >= ACCESS_ADMIN;
}
/* Whether s supervises their library's desk (a supervisor or either admin). */
static inline int desk_staff_supervises(const struct staff *s)
{
	return s && s->access >= ACCESS_SUPERVISOR;
}
/* Restores a queued chat's continuity routing as stored: offered to `offer_staff` (0:
 * nobody; a librarian not of the chat's library is ignored) for `why` until `until`, and
 * whether routing goes on until `route_ends`. The next desk_tick settles lapsed windows
 * and librarians who are not on duty. */
void desk_load_route(struct desk *d, struct chat *c, int64_t offer_staff, enum offer_why why,
		     int64_t until, int routing, int64_t route_ends);
/* The offer_why named by desk_offer_name(); OFFER_NONE for anything else. */
enum offer_why desk_offer_why(const char *name);
/* Restores an open chat from the store; add its messages with desk_load_message in seq
 * order. Returns NULL on error. */
struct chat *desk_load_chat(struct desk *d, int64_t id, int64_t queue_id, int64_t patron_id,
			    int64_t staff_id, enum chat_state state, const char *join_cmid,
			    int64_t created_at, int64_t picked_at);
/* After loading: every patron counts as away since `now`, so a queued patron gets the
 * full grace period to reconnect after a restart. */
void desk_loaded(struct desk *d, int64_t now);
int desk_load_message(struct desk *d, struct chat *c, enum msg_kind kind, enum author author,
		      int64_t author_id, const char *cmid, const char *text, int64_t at);

struct library *desk_library(const struct desk *d, int64_t id);
struct library *desk_library_by_slug(const struct desk *d, const char *slug);
struct queue *desk_queue(const struct desk *d, int64_t id);
struct staff *desk_staff(const struct desk *d, int64_t id);
struct chat *desk_chat(const struct desk *d, int64_t id);
/* The patron's live record, creating it if needed. NULL on out of memory. */
struct patron *desk_patron(struct desk *d, int64_t id, int64_t library_id);
int64_t desk_next_patron_id(struct desk *d);

/* Whether `origin` (scheme://host[:port]) is in the library's allowlist. */
int desk_origin_allowed(const struct library *lib, const char *origin, size_t len);

/* Validates a message text: DESK_EMPTY, DESK_TOO_LONG or DESK_OK. */
int desk_check_text(const struct desk *d, const char *text, size_t len);

/* A patron opens a chat in `queue` with its first message `text`. If this patron already
 * opened a chat with join_cmid `cmid`, returns it with *existing = 1 and adds nothing.
 * Otherwise the chat is queued with message seq 1. Sets *out. */
int desk_join(struct desk *d, int64_t now, struct patron *p, struct queue *q, const char *cmid,
	      const char *text, size_t len, struct chat **out, int *existing);

/* Adds a text message by the actor. A repeated cmid from the same author returns the
 * earlier message with *dup = 1. Patron: own chat, queued or active. Staff: assigned
 * to them and active. Sets *out (owned by the chat). */
int desk_post(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
	      const char *cmid, const char *text, size_t len, struct message **out, int *dup);

/* A librarian picks a queued chat of their library: it becomes active and a "joined"
 * event is added (*event). DESK_OFFERED while it is offered to someone else. Reaching
 * their cap re-routes the other chats offered to them. */
int desk_pick(struct desk *d, int64_t now, struct staff *s, int64_t chat_id, struct chat **out,
	      struct message **event);

/* Ends a chat: by its patron (queued: abandoned; active: ended) or by its librarian. Adds
 * an "ended" or "abandoned" event. An active remembered chat moves its librarian to the
 * front of the patron's helpers. */
int desk_end(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
	     struct chat **out, struct message **event);

/* Finds a chat the actor may read (resume, transcript). Staff: as desk_staff_reads says
 * (DESK_FORBIDDEN for a colleague's live chat of their library). Patron: their own.
 * Returns DESK_NOT_FOUND otherwise; chats not held in memory are not found here (the
 * caller then asks the store and uses desk_may_read_row). */
int desk_readable(const struct desk *d, const struct desk_actor *a, int64_t chat_id,
		  struct chat **out);
/* Same rule for a chat row from the store. */
int desk_may_read_row(const struct desk_actor *a, int64_t library_id, int64_t patron_id);
/* May the actor send typing indicators / messages to this chat now? */
int desk_may_write(const struct desk_actor *a, const struct chat *c);

/* Patron connection count changes (+1 on hello, -1 on close). */
void desk_patron_online(struct desk *d, struct patron *p, int delta, int64_t now);
/* Staff console connection count changes (lib->staff_online follows unless they are
 * Away). Going off duty (to 0) re-routes the chats offered to them; a console coming back
 * cancels a pending hand-back (desk_tick_handbacks). */
void desk_staff_online(struct desk *d, struct staff *s, int delta);

/* ---- availability and hand-back -------------------------------------------------------
 * A librarian is available for new chats when they have a live console and are not Away.
 * Only available librarians count as on duty (lib->staff_online, "librarians on now",
 * wait estimates), are offered chats (continuity routing) or may be asked for. Whether
 * they have a free place is separate (desk_max_chats). */

/* 1 if s may be given new chats now: a live console and not Away. Use this, not
 * s->online, wherever "on duty" is meant. */
int desk_staff_available(const struct staff *s);
/* Sets or clears Away. Going Away takes the librarian's consoles out of lib->staff_online
 * and re-routes the chats offered to them; coming back adds them again. Returns 1 if
 * availability changed (the caller then announces it), else 0. */
int desk_staff_set_away(struct desk *d, struct staff *s, int away, int64_t now);
/* Hands an active chat back to the FRONT of its queue: the librarian's place frees, the
 * chat is queued again, open to every librarian, and a "handed_back" event by that
 * librarian is added (*event). The patron's transcript and any later messages stay.
 * DESK_BAD_STATE unless active with a librarian. */
int desk_handback(struct desk *d, int64_t now, struct chat *c, struct message **event);
/* Hands back the active chats of every librarian who has had no console for
 * handback_grace_ms (a closed tab, a crash, a lost network), calling fn for each chat
 * with its event. A console coming back within the grace cancels it. Call once a
 * second or so: the grace starts at the first call that sees the librarian gone. */
void desk_tick_handbacks(struct desk *d, int64_t now,
			 void (*fn)(void *ctx, struct chat *c, struct message *event), void *ctx);

/* Abandons queued chats whose patron has been away longer than the grace period. Calls
 * fn for each with the "abandoned" event. Also ends lapsed offers (desk_route), and
 * cascades chats (desk_cascade). */
void desk_tick(struct desk *d, int64_t now,
	       void (*fn)(void *ctx, struct chat *c, struct message *event), void *ctx);

/* ---- relationship memory and continuity routing --------------------------------------
 * When a remembered patron's chat is queued (desk_join), it is offered first to their
 * preferred librarian, then to librarians who answered their remembered chats (most
 * recent first), each only if on duty (a live console) and under their cap. While offered,
 * only that librarian may pick it (others get DESK_OFFERED). If the offered librarian goes
 * off duty or reaches their cap, the next candidate gets it; while none is left the chat is
 * open to everyone, and a candidate who comes on duty (or frees a slot) before
 * offer_window_ms after the join has passed is still asked first; after that the chat is
 * open to everyone for good. Offers are stored (STW_CHAT_ROUTE) and restored at start-up,
 * where they wait up to DESK_RESTART_HOLD_MS for their librarian's console to return.
 * The patron may choose at any time (desk_choose). Every change of c->offer sets
 * c->offer_dirty and the library's queue_dirty. */

/* Sets what the desk knows of a patron's relationship (after hello, or a consent
 * change). remembered == 0 forgets: name, preferred librarian and helpers are cleared,
 * and continuity offers of their queued chats end (a librarian they asked for stays).
 * remembered == 1 also marks their open chats remembered. remembered == 0 unlinks every
 * chat held for them, ended ones too. helpers: most recent first. */
void desk_set_relation(struct desk *d, int64_t now, struct patron *p, int remembered,
		       const char *name, int64_t preferred_staff, const int64_t *helpers,
		       size_t n_helpers);
/* Links the held chat chat_id of the remembered patron p to their history (consent
 * given with that chat named, e.g. on its end screen). No-op when p is not remembered. */
void desk_link_chat(struct patron *p, int64_t chat_id);

/* Whether c is part of its patron's remembered history: linked, and the patron's consent
 * in force. The one answer every view of a held chat uses (consent owns the flag). */
int desk_chat_remembered(const struct chat *c);

/* Whether c is a returning patron's chat: remembered, with an earlier remembered chat
 * (p->first_chat_at before c was created). A first remembered chat is not returning. */
int desk_chat_returning(const struct chat *c);

/* Sets the preferred librarian (0: none) of a remembered patron. */
void desk_set_preferred(struct desk *d, struct patron *p, int64_t staff_id);
/* The patron's choice for their queued chat. CHOOSE_STAFF: staff_id must be a librarian
 * of the chat's library with a live console (else DESK_NOT_FOUND); the chat is offered to
 * them with no time limit while they are on. CHOOSE_WAIT: the current offer no longer
 * lapses (DESK_BAD_STATE if there is none). CHOOSE_FIRST: open to all, routing ends.
 * Patron's own queued chat only (DESK_NOT_FOUND / DESK_BAD_STATE). */
int desk_choose(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
		enum desk_choice choice, int64_t staff_id);
/* Re-decides the offer of one queued chat (called by the desk itself on join, pick,
 * staff presence changes and tick; exposed for tests). */
void desk_route(struct desk *d, int64_t now, struct chat *c);

/* ---- honest waits (desk/wait.h) ----------------------------------------------------- */
/* Who of lib is on duty and how many places they have, and have free. */
void desk_wait_staffing(const struct desk *d, const struct library *lib, struct wait_staffing *st);
/* Whether librarian s takes chats now (on duty with a live console): the one notion of who
 * can free a place, used by every estimate and by "N librarians on, all busy". */
int desk_wait_takes(const struct desk *d, const struct staff *s);
/* Librarians of lib taking chats (*on) and the places free among them (*free_places). */
void desk_wait_free(const struct desk *d, const struct library *lib, int *on, int *free_places);
/* The likely wait for a chat of lib that joined now: behind every queued chat (s NULL), or
 * asking for librarian s: until s's places free up for it and the chats ahead s could take.
 * Always fills *e. */
void desk_wait_new(const struct desk *d, int64_t now, const struct library *lib,
		   const struct staff *s, struct wait_est *e);
/* Recomputes the wait estimate of a queued chat. The first call (desk_join) sets what we
 * promise; later calls replace c->wait only when it reads differently or the wait grew
 * past the promise (then c->wait_grew counts up and the promise becomes the new total).
 * Returns 1 when the patron should be told (c->wait changed), else 0. */
int desk_wait_refresh(struct desk *d, int64_t now, struct chat *c);

/* ---- hand-offs (handoff.c) ------------------------------------------------------------
 * A librarian hands an active chat of theirs on, with a note: to a named colleague on duty
 * (HANDOFF_STAFF), or to a queue (HANDOFF_QUEUE), of their library or of another library
 * of its consortium. A patron may ask for someone else (HANDOFF_PATRON: to the chat's own
 * queue, the note says so), honoured only when another librarian is on duty. At most one
 * hand-off is pending per chat. While pending the sender keeps the chat; the receivers
 * (the colleague, or the librarians of the queue's library but the sender) may read it
 * and its card. The first receiver to accept takes it over (a second gets DESK_TAKEN); the
 * colleague may decline with a reason; the sender may cancel; nobody accepting within
 * handoff_timeout_ms, or the colleague going off duty, brings it back to the sender. It
 * never goes nowhere: the sender holds it until it is accepted. Each step adds an event
 * (handoff_offered or someone_else, handoff_accepted, handoff_returned) and marks
 * c->handoff dirty for the record to be written. The chat keeps its library: transcript
 * and memory stay with the home library. */

/* Offers chat_id on. Staff actor: their own active chat, or a supervisor reassigning a
 * colleague's of their library (the hand-off is still from the chat's librarian, who
 * keeps it until it is accepted); `to` (a colleague) or else `to_queue`, with a note of
 * 1..HANDOFF_NOTE_MAX characters. Patron actor: their own active chat, both NULL, note
 * ignored. Errors: DESK_NOT_FOUND, DESK_FORBIDDEN (not your chat), DESK_BAD_STATE (not
 * active, or one is pending), DESK_NOT_SHARED, DESK_OFF_DUTY, DESK_NOBODY_ELSE,
 * DESK_EMPTY, DESK_TOO_LONG. Sets *out and *event. */
int desk_handoff_offer(struct desk *d, int64_t now, const struct desk_actor *a, int64_t chat_id,
		       struct staff *to, struct queue *to_queue, const char *note, size_t len,
		       struct handoff **out, struct message **event);
/* Whether s may take the chat's pending hand-off (and so read it and its card now). */
int desk_handoff_for(const struct chat *c, const struct staff *s);
/* s accepts: the chat becomes theirs. DESK_TAKEN when it was already accepted, or
 * DESK_NOT_FOUND when not theirs to take; DESK_AT_CAPACITY. */
int desk_handoff_accept(struct desk *d, int64_t now, struct staff *s, int64_t chat_id,
			struct chat **out, struct message **event);
/* The colleague asked declines (reason may be ""), or the sender (or a supervisor of the
 * chat's library) cancels (cancel 1): the chat stays with its sender. */
int desk_handoff_decline(struct desk *d, int64_t now, struct staff *s, int64_t chat_id, int cancel,
			 const char *reason, size_t len, struct chat **out, struct message **event);
/* Brings back every pending hand-off that timed out or whose colleague went off duty,
 * calling fn with each chat and its handoff_returned event. */
void desk_tick_handoffs(struct desk *d, int64_t now,
			void (*fn)(void *ctx, struct chat *c, struct message *event), void *ctx);
/* Marks the queues of c's library and of its hand-off's receivers changed (queue_dirty),
 * so their consoles hear of the hand-off. */
void desk_handoff_announce(struct chat *c);
/* ---- the consortium cascade -----------------------------------------------------------
 * A queue with cascade_ms > 0 of a library in a consortium cascades: a chat queued there
 * that nobody of its library picked up within cascade_ms of joining, once continuity
 * routing is over (no librarian it is offered to, none it waits for: a remembered patron
 * with nobody they know is not held back), is also offered to
 * the librarians on duty of the consortium's other libraries (c->cascaded; they then may
 * read it and pick it up, desk_staff_reads). It stays the home library's chat: its
 * transcript and the patron's memory stay there. */

/* Cascades c if it is due at `now` (desk_tick calls it each second); 1 if it just did. */
int desk_cascade(struct desk *d, int64_t now, struct chat *c);

/* The held chat of patron patron_id of another library that s covers now (reads, desk_staff_reads),
 * or NULL: the one way a covering librarian reaches another library's patron card. */
struct chat *desk_covered_chat(const struct desk *d, const struct staff *s, int64_t patron_id);
/* Whether libraries a and b share a desk: the same library, or one consortium. */
int desk_libs_share(const struct library *a, const struct library *b);
/* Whether staff s may read held chat c. Of its library: any chat but a colleague's active
 * one, which only a supervisor (or admin) may watch, and a receiver of its pending
 * hand-off read. Of another library of the consortium (covering): only while it is
 * theirs, its pending hand-off is theirs to take, or it cascaded and s is on duty. */
int desk_staff_reads(const struct staff *s, const struct chat *c);
const char *desk_handoff_kind_name(enum handoff_kind k);
const char *desk_handoff_end_name(enum handoff_end e);
/* The kind and end named by those names (the store's); the first for anything else. */
enum handoff_kind desk_handoff_kind_of(const char *name);
enum handoff_end desk_handoff_end_of(const char *name);

/* 1-based position of a queued chat in its queue, else 0. */
size_t desk_position(const struct chat *c);
/* Cap for a librarian. */
int desk_max_chats(const struct desk *d, const struct staff *s);

/* The store committed everything of chat c up to seq. */
void desk_durable(struct chat *c, int64_t seq);

/* Reference counting for chats held by connections or pending writes. When an ended chat
 * has no references left it is removed from the desk and freed (also from its patron's
 * list; the patron record is freed when offline with no chats). */
void desk_chat_ref(struct chat *c);
void desk_chat_unref(struct desk *d, struct chat *c);
/* Drops a patron record that is offline and holds no chats. */
void desk_patron_release(struct desk *d, struct patron *p);

const char *desk_state_name(enum chat_state s);
const char *desk_offer_name(enum offer_why w); /* "", "preferred", "helped", "asked" */
const char *desk_author_name(enum author a);
/* A message's author and kind as the store has them, and back. */
enum store_author desk_author_to_store(enum author a);
enum author desk_author_of_store(enum store_author a);
enum store_msg_kind desk_kind_to_store(enum msg_kind k);
enum store_chat_state desk_state_to_store(enum chat_state s);
enum chat_state desk_state_of_store(enum store_chat_state s);
enum msg_kind desk_kind_of_store(enum store_msg_kind k);
const char *desk_strerror(int err);

#endif
