/* card.h: the parts of a relationship card that are worded for people: the tenure line
 * ("With us since March 2024 · 14 chats") and the suggested opener a librarian can insert
 * with one click. Pure: no I/O; `now` in milliseconds since the epoch (UTC).
 */
#ifndef RAPPORT_DESK_CARD_H
#define RAPPORT_DESK_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* "With us since March 2024 · 14 chats" (since = rel.remembered_since, or the first
 * remembered chat if older); "New to us" when there are no earlier chats; "" when not
 * remembered. Always NUL-terminates out. */
void card_tenure(const struct store_card *card, int64_t now, char *out, size_t outlen);

/* A suggested opener, greeting the patron by their preferred or display name when known.
 * With no earlier chat (only `current_chat_id`, the chat being handled, skipped) it is a
 * first-time opener, never "welcome back". Otherwise it welcomes them back and refers to
 * the most recent open topic (the newest of the 3 newest earlier chats whose outcome is
 * not "answered"), else the newest earlier chat, by its date ("on 3 March", "earlier today"); it
 * never quotes what the patron wrote, nor a note (notes are staff-only). "" when not remembered. */
void card_opener(const struct store_card *card, int64_t current_chat_id, int64_t now, char *out,
		 size_t outlen);

#endif
