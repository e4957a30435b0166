/* chat_int.h: what chat.c, chat_json.c and fanout.c share, and nobody else. */
#ifndef RAPPORT_API_CHAT_INT_H
#define RAPPORT_API_CHAT_INT_H

#include "api/api.h"

/* chat_json.c: "offer":{...} (profile: with the librarian's public profile) and
 * "handback":{...} members of a queued chat, with trailing commas. */
void chat_offer_json(struct buf *b, const struct chat *ch, int profile);
void chat_handback_json(struct buf *b, const struct chat *ch);

/* handoff.c: "handoffs":[...] of the pending hand-offs lib's librarians may take (with a
 * trailing comma); the record of ch's decided hand-off, if not yet written; the 1 s tick
 * that brings back hand-offs nobody took. */
void handoffs_json(struct buf *b, const struct library *lib);
void handoff_save(struct chat *ch);
void handoff_tick(int64_t now);
/* chat.c: stores a hand-off's event ev of ch (and the chat row when row, its librarian
 * changed), then delivers it and announces the chat. */
void chat_write_event(struct chat *ch, struct message *ev, int row);
/* chat.c: submits a write the desk already owes (a full writer stops the server). */
void chat_submit_owed(struct store_write *w);

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
