/* store_admin.h: the records of administration in the store (migration 14; docs/DECISIONS.md,
 * "Administration in the console"). Included by store.h only, after STORE_TOKEN_HASH_LEN and
 * STORE_GREETING_MAX.
 *
 * The writes (enum store_write_kind, member u.admin) are conditional on library_id in SQL:
 * `changed` says whether one applied.
 *   STW_QUEUE_ADD: library_id, slug, name, cascade_ms, at: a new queue unless the library has
 *     one with that slug; sets id.
 *   STW_QUEUE_EDIT: id, library_id, name, cascade_ms and the schedule: hours (JSON
 *     [[weekday, opens_min, closes_min], ...]) and closed (JSON ["YYYY-MM-DD", ...]) replace
 *     the queue's; time_zone and reply_hours are the library's.
 *   STW_LIBRARY_EDIT: library_id, text = policy notes, origins, greeting, colour,
 *     text_colour, consortium_card.
 *   STW_STAFF_INVITE: library_id, email (not taken), name, access, max_chats, hash, at,
 *     expires_at: a new account with no usable password and a set-password link; sets id.
 *   STW_STAFF_LINK: id, library_id, hash, at, expires_at: another link of an active account.
 *   STW_STAFF_EDIT: id, library_id, access, max_chats, active, at: unless it would leave the
 *     library with no active admin; deactivating also deletes the account's sessions and
 *     uses up its links.
 *   STW_PASSWORD_SET: id, hash, pw_hash, at: through an unused, unexpired link of an active
 *     account: sets the password, uses up its links, deletes every session of it.
 *   STW_PASSWORD_CHANGE: id, hash (of the session kept), pw_hash, at: sets the password of
 *     an active account, uses up its links, deletes its other sessions.
 *
 * The reads (struct store_ops): staff_token (the account of an unused set-password link
 * unexpired at now; STORE_NOTFOUND: none, or used, expired, deactivated), consortium_of (a
 * library's; STORE_NOTFOUND: none), consortium_members (by name), and for the CLI
 * consortium_by_slug, consortium_ensure (creates or renames by slug, sets r->id) and
 * library_consortium (0: in none; STORE_NOTFOUND: no such library). */
#ifndef RAPPORT_STORE_ADMIN_H
#define RAPPORT_STORE_ADMIN_H

#include <stdint.h>

/* The fields of an administration write; which are used depends on the kind (above). */
struct store_admin_write {
	int64_t id;
	int64_t library_id;
	int64_t at;
	int64_t expires_at;
	int64_t cascade_ms;
	int max_chats;
	int active;
	int reply_hours;
	char slug[64];
	char name[128];
	char email[256];
	char access[24];
	char time_zone[64];
	char colour[8];
	char text_colour[8];
	char consortium_card[256];
	char greeting[STORE_GREETING_MAX + 1];
	char origins[1024];
	char pw_hash[192];
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	char hours[2048];
	char closed[2048];
	char text[4096];
};

/* A consortium (migration 13). */
struct store_consortium {
	int64_t id;
	char slug[64];
	char name[128];
};

#endif
