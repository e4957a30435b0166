/* settings.h: the rules of what an administrator may set (docs/API.md, "Administration"):
 * a queue's slug, a widget colour, the card fields a library shares with its consortium.
 * Pure: no I/O, no clock; any thread. */
#ifndef RAPPORT_DESK_SETTINGS_H
#define RAPPORT_DESK_SETTINGS_H

#include <stddef.h>

/* The card's parts a library may share with the covering librarians of its consortium,
 * named as the card's JSON names them (GET /api/v1/patrons/{id}/card). */
#define SETTINGS_CARD_FIELDS                                                                       \
	"display_name", "preferred_name", "pronouns", "email", "tenure", "chats", "notes",         \
		"traits", "promises", "followups"
#define SETTINGS_CARD_N 10

/* 1 if s is a slug: 1 to 63 of [a-z0-9-], starting with a letter or digit. */
int settings_slug_ok(const char *s);
/* A colour "#rrggbb" (either case) into out as "#rrggbb" in lower case, or "" into out
 * for "". 0, or -1 for anything else (out is then ""). */
int settings_colour(const char *in, char out[8]);
/* The index of card field `name` in SETTINGS_CARD_FIELDS, or -1. */
int settings_card_index(const char *name);
/* The name of card field i, or NULL. */
const char *settings_card_name(int i);
/* The fields of `mask` (bit i: field i) as the store keeps them: comma-separated, in the
 * order of SETTINGS_CARD_FIELDS, into out[cap] (always terminated). */
void settings_card_format(unsigned mask, char *out, size_t cap);
/* The mask of a stored list (names it does not know are left out). */
unsigned settings_card_parse(const char *list);

#endif
