/* store_promise.h: the store's records of the promise ledger (migration 6), part of store.h. */
#ifndef RAPPORT_STORE_PROMISE_H
#define RAPPORT_STORE_PROMISE_H

#include <stdint.h>

/* ---- promise ledger (migration 6; see src/desk/promise.h) -------------------------------
 * A promise is about a patron and a library, whether the patron is remembered or not.
 * Its writes are conditional in SQL like the relationship writes: `changed` 0 means the
 * rule did not hold (no such patron or chat in the library, not open, not the owner or
 * an administrator) and nothing changed. */

#define STORE_PROMISE_TEXT_MAX 500 /* bytes: what, a done note, a reason, a note */

struct store_promise {
	int64_t id;
	int64_t library_id;
	int64_t patron_id;
	int64_t chat_id; /* 0: none */
	int64_t owner_id;
	int64_t created_by;
	int64_t created_at;
	int64_t due_at;
	int64_t done_at; /* done or cancelled at; 0 while open */
	char what[STORE_PROMISE_TEXT_MAX + 1];
	char channel[8]; /* "email" or "chat" */
	char state[12]; /* "open", "done" or "cancelled" */
	char done_note[STORE_PROMISE_TEXT_MAX + 1];
	char cancel_reason[STORE_PROMISE_TEXT_MAX + 1];
	/* read with the promise, for labelling it: how the patron is greeted (preferred name,
	 * else display name) while they are remembered, "" otherwise; when its chat began */
	char patron_name[128];
	int64_t chat_at; /* 0: no chat */
};

/* One line of a promise's history: kind "created", "done", "cancelled" or "reassigned";
 * owner_id is the owner after it. */
struct store_promise_event {
	int64_t promise_id;
	int64_t at;
	int64_t by; /* staff id */
	int64_t owner_id;
	char kind[16];
	char note[STORE_PROMISE_TEXT_MAX + 1];
};

/* Counts over a library's promises made in [since, until), as of `now`. */
struct store_promise_report {
	int64_t made;
	int64_t kept_on_time; /* done at or before due */
	int64_t late; /* done after due */
	int64_t open_overdue; /* open and now > due */
	int64_t open; /* open, overdue or not */
	int64_t cancelled;
};

/* The fields of a promise write; which are used depends on the kind. */
struct store_promise_write {
	int64_t id; /* set by STW_PROMISE_ADD */
	int64_t library_id;
	int64_t patron_id;
	int64_t chat_id; /* 0: none */
	int64_t owner_id;
	int64_t by; /* the acting staff member */
	int64_t at;
	int64_t due_at;
	char channel[8];
	char *text; /* owned by the write (freed by store_write_free) */
};

#endif
