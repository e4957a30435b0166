/* referrals.h: the hand-off (referral) report's arithmetic: counts of hand-offs by what
 * came of them, how many chats had one or two and more, how long acceptance took, by
 * library, by queue, and how often patrons asked for someone else, by librarian. Pure: no
 * I/O, no clock; any thread. */
#ifndef RAPPORT_DESK_REFERRALS_H
#define RAPPORT_DESK_REFERRALS_H

#include <stddef.h>
#include <stdint.h>

#include "desk/desk.h"

/* One hand-off as the report reads it. */
struct referral_row {
	int64_t chat_id, library_id, queue_id, from_staff;
	enum handoff_kind kind;
	enum handoff_end end;
	int64_t created_at, decided_at;
};

struct referral_counts {
	int64_t total, accepted, declined, timed_out, cancelled, pending;
	int64_t chats; /* chats with at least one hand-off */
	int64_t chats_two_plus; /* chats with two or more */
	int64_t accept_ms_mean; /* from offer to acceptance, -1: none accepted */
	int64_t accept_ms_sum; /* (the mean's sum) */
};

/* The counts of one library, queue or (asked) librarian, by id. */
struct referral_group {
	int64_t id;
	struct referral_counts n;
};

struct referral_report {
	struct referral_counts all;
	int64_t accept_ms_median; /* -1: none accepted */
	struct referral_group *libs, *queues;
	size_t n_libs, n_queues;
	/* "could someone else help me?" requests, by the librarian the patron was with */
	struct referral_group *asked;
	size_t n_asked;
};

/* Builds the report of rows[n] into *out (zeroed first; free with referrals_free). A chat
 * counts in the library and queue of its first hand-off. 0, or -1 on out of memory (then
 * nothing needs freeing). */
int referrals_build(const struct referral_row *rows, size_t n, struct referral_report *out);
void referrals_free(struct referral_report *r);

#endif
