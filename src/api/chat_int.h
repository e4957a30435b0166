/* chat_int.h: what chat.c, chat_json.c and fanout.c share, and nobody else. */
#ifndef RAPPORT_API_CHAT_INT_H
#define RAPPORT_API_CHAT_INT_H

#include "api/api.h"

/* chat_json.c: "offer":{...} (profile: with the librarian's public profile) and
 * "handback":{...} members of a queued chat, with trailing commas. */
void chat_offer_json(struct buf *b, const struct chat *ch, int profile);
void chat_handback_json(struct buf *b, const struct chat *ch);

/* fanout.c */
/* Sends every subscriber of ch the committed messages it has not had yet. */
void fan_deliver(struct chat *ch);
/* Sends c a copy of the closed frame b. */
void fan_send_copy(struct ws_conn *c, const struct buf *b);
/* Closes the frame begun in b, sends it to every connection match() accepts, frees b. */
void fan_send_copies(struct buf *b, int (*match)(struct ws_conn *, const void *), const void *arg);
/* Sends the closed frame b to the staff consoles of lib. */
void fan_copy_to_staff_of(const struct buf *b, const struct library *lib);
/* Closes the frame begun in b, sends it to the staff consoles of lib, frees b. */
void fan_send_staff_of(struct buf *b, const struct library *lib);

#endif
