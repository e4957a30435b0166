/* store_handoff.h: the store's records of hand-offs (migration 13), part of store.h. */
#ifndef RAPPORT_STORE_HANDOFF_H
#define RAPPORT_STORE_HANDOFF_H

#include <stdint.h>

/* A hand-off of a chat (migration 13; docs/DECISIONS.md, "The hand-off state machine"),
 * keyed by (chat_id, seq): seq is its offered event's. */
struct store_handoff {
	int64_t chat_id, seq;
	int64_t library_id, queue_id; /* the chat's */
	char kind[8]; /* "staff", "queue" or "patron" */
	int64_t from_staff;
	int64_t to_staff; /* the colleague asked, or who accepted (0: none) */
	int64_t to_queue; /* 0: none */
	char note[4004];
	char state[12]; /* "offered", "accepted", "declined", "timed_out", "cancelled" */
	char reason[804];
	int64_t created_at, decided_at;
};

/* What a hand-off report reads: hand-offs of chats of library_id (all libraries of its
 * consortium when `consortium`), or of chat_id alone (> 0), created in [since, until). */
struct store_handoff_query {
	int64_t library_id, chat_id, since, until;
	int consortium;
	int limit;
};

typedef int (*store_handoff_cb)(void *ctx, const struct store_handoff *r);

#endif
