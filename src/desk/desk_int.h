/* desk_int.h: what desk.c, desk_chat.c and route.c share. Internal to src/desk. */
#ifndef RAPPORT_DESK_INT_H
#define RAPPORT_DESK_INT_H

#include "desk/desk.h"

/* Copies src into dst[cap], cut at cap - 1 bytes; NULL copies "". */
void desk_copy_str(char *dst, size_t cap, const char *src);
/* Copies src into dst[cap], cut on a UTF-8 character boundary; NULL copies "". */
void desk_copy_utf8(char *dst, size_t cap, const char *src);
/* The chat the actor may write to now (send, end), or why not. */
int desk_chat_for_write(const struct desk *d, const struct desk_actor *a, int64_t chat_id,
			struct chat **out);
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
