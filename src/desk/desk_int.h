/* desk_int.h: what desk.c, desk_chat.c and route.c share. Internal to src/desk. */
#ifndef RAPPORT_DESK_INT_H
#define RAPPORT_DESK_INT_H

#include "desk/desk.h"

/* Makes room for one more element in *arr (capacity *cap, doubling); -1 on out of memory. */
int desk_grow(void **arr, size_t *cap, size_t elem);
#define GROW(arr, n, cap) ((n) < (cap) ? 0 : desk_grow((void **)&(arr), &(cap), sizeof *(arr)))

/* Copies src into dst[cap], cut at cap - 1 bytes; NULL copies "". */
void desk_copy_str(char *dst, size_t cap, const char *src);
/* Copies src into dst[cap], cut on a UTF-8 character boundary; NULL copies "". */
void desk_copy_utf8(char *dst, size_t cap, const char *src);
/* The chat the actor may write to now (send, end), or why not. */
int desk_chat_for_write(const struct desk *d, const struct desk_actor *a, int64_t chat_id,
			struct chat **out);
/* DESK_EMPTY (blank), DESK_TOO_LONG (over max characters) or DESK_OK. */
int desk_check_chars(const char *text, size_t len, size_t max);
/* Adds a message or event to c (events may exceed the chat's cap a little); NULL on out of
 * memory or a full chat. */
struct message *desk_msg_add(struct desk *d, struct chat *c, int64_t now, enum msg_kind kind,
			     enum author author, int64_t author_id, const char *cmid,
			     const char *text, size_t len);
/* Hand-offs (handoff.c): a pending one ends with the chat or its hand-back (cancelled). */
void desk_handoff_drop(struct desk *d, struct chat *c, int64_t now, const char *reason);
/* Frees a chat's hand-off record (the chat is being freed). */
void desk_handoff_free(struct chat *c);
/* Frees a chat and its messages (desk_chat.c); the caller has unlinked it. */
void desk_chat_free(struct chat *c);
/* Routing (route.c): the chat is open to every librarian, for good. */
void desk_open_to_all(struct chat *c);
/* Re-decides every queued chat offered to s (off duty, or at their cap). */
void desk_reroute_offered_to(struct desk *d, const struct staff *s, int64_t now, int timed);
/* Re-routes s's library's queued chats still routing and offered to nobody (s came on). */
void desk_reroute_for(struct desk *d, const struct staff *s, int64_t now, int timed);
/* Moves a librarian to the front of the patron's helpers. */
void desk_helpers_front(struct patron *p, int64_t staff_id);

#endif
