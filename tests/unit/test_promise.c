/* test_promise.c: unit tests for src/desk/promise.c (the promise ledger's states, rules,
 * derived phases and the book), with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "desk/promise.h"

#define NOW 1763800000000LL /* 2025-11-22, the fake clock's start */
#define MIN (60LL * 1000)
#define HOUR (60 * MIN)

static const struct promise_who owner = {.staff_id = 7, .library_id = 1};
static const struct promise_who colleague = {.staff_id = 8, .library_id = 1};
static const struct promise_who boss = {.staff_id = 9, .library_id = 1, .admin = 1};
static const struct promise_who stranger = {.staff_id = 20, .library_id = 2, .admin = 1};

static struct promise open_promise(int64_t id, int64_t due)
{
	struct promise p = {.id = id,
			    .library_id = 1,
			    .patron_id = 3,
			    .chat_id = 4,
			    .owner_id = 7,
			    .created_by = 7,
			    .created_at = NOW,
			    .due_at = due,
			    .state = PROMISE_OPEN,
			    .channel = PROMISE_EMAIL};

	strcpy(p.what, "the APA guide");
	return p;
}

static void test_check_new(void **state)
{
	(void)state;
	assert_int_equal(promise_check_new(NOW, "the APA guide", 13, NOW + HOUR), DESK_OK);
	assert_int_equal(promise_check_new(NOW, "", 0, NOW + HOUR), DESK_EMPTY);
	assert_int_equal(promise_check_new(NOW, " \n\t", 3, NOW + HOUR), DESK_EMPTY);
	char big[PROMISE_WHAT_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(promise_check_new(NOW, big, PROMISE_WHAT_MAX, NOW + 1), DESK_OK);
	assert_int_equal(promise_check_new(NOW, big, PROMISE_WHAT_MAX + 1, NOW + 1), DESK_TOO_LONG);
	/* due: strictly after now, at most a year ahead */
	assert_int_equal(promise_check_new(NOW, "x", 1, NOW), DESK_BAD_STATE);
	assert_int_equal(promise_check_new(NOW, "x", 1, NOW - 1), DESK_BAD_STATE);
	assert_int_equal(promise_check_new(NOW, "x", 1, NOW + PROMISE_HORIZON_MS), DESK_OK);
	assert_int_equal(promise_check_new(NOW, "x", 1, NOW + PROMISE_HORIZON_MS + 1),
			 DESK_BAD_STATE);
}

static void test_who_may(void **state)
{
	struct promise p = open_promise(1, NOW + HOUR);

	(void)state;
	for (int act = PROMISE_COMPLETE; act <= PROMISE_REASSIGN; act++) {
		assert_int_equal(promise_may(&p, &owner, act), DESK_OK);
		assert_int_equal(promise_may(&p, &boss, act), DESK_OK);
		assert_int_equal(promise_may(&p, &colleague, act), DESK_FORBIDDEN);
		/* another library's admin learns nothing: not found */
		assert_int_equal(promise_may(&p, &stranger, act), DESK_NOT_FOUND);
	}
	p.state = PROMISE_DONE;
	assert_int_equal(promise_may(&p, &owner, PROMISE_CANCEL), DESK_BAD_STATE);
	assert_int_equal(promise_may(&p, &stranger, PROMISE_CANCEL), DESK_NOT_FOUND);
	assert_int_equal(promise_may(NULL, &owner, PROMISE_CANCEL), DESK_NOT_FOUND);
}

static void test_complete(void **state)
{
	struct promise p = open_promise(1, NOW + HOUR);

	(void)state;
	assert_int_equal(promise_apply(&p, &colleague, PROMISE_COMPLETE, NOW, "sent", 0),
			 DESK_FORBIDDEN);
	assert_int_equal(p.state, PROMISE_OPEN);
	assert_int_equal(promise_apply(&p, &owner, PROMISE_COMPLETE, NOW + 30 * MIN,
				       "Sent the APA 7 guide PDF", 0),
			 DESK_OK);
	assert_int_equal(p.state, PROMISE_DONE);
	assert_int_equal(p.done_at, NOW + 30 * MIN);
	assert_string_equal(p.note, "Sent the APA 7 guide PDF");
	/* no second transition out of done */
	assert_int_equal(promise_apply(&p, &owner, PROMISE_CANCEL, NOW, "oops", 0), DESK_BAD_STATE);
	assert_int_equal(promise_apply(&p, &boss, PROMISE_REASSIGN, NOW, "", 8), DESK_BAD_STATE);
	assert_int_equal(p.state, PROMISE_DONE);
	/* what was sent may be left empty */
	p = open_promise(2, NOW + HOUR);
	assert_int_equal(promise_apply(&p, &boss, PROMISE_COMPLETE, NOW, "", 0), DESK_OK);
}

static void test_cancel_and_reassign(void **state)
{
	struct promise p = open_promise(1, NOW + HOUR);
	char big[PROMISE_NOTE_MAX + 2];

	(void)state;
	assert_int_equal(promise_apply(&p, &owner, PROMISE_CANCEL, NOW, "  ", 0), DESK_EMPTY);
	memset(big, 'r', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(promise_apply(&p, &owner, PROMISE_CANCEL, NOW, big, 0), DESK_TOO_LONG);
	assert_int_equal(p.state, PROMISE_OPEN);
	/* reassign: to someone else, stays open */
	assert_int_equal(promise_apply(&p, &owner, PROMISE_REASSIGN, NOW, "Sam knows APA", 7),
			 DESK_BAD_STATE);
	assert_int_equal(promise_apply(&p, &owner, PROMISE_REASSIGN, NOW, "", 0), DESK_BAD_STATE);
	assert_int_equal(promise_apply(&p, &owner, PROMISE_REASSIGN, NOW, "Sam knows APA", 8),
			 DESK_OK);
	assert_int_equal(p.owner_id, 8);
	assert_int_equal(p.state, PROMISE_OPEN);
	/* the old owner no longer may; the new one may */
	assert_int_equal(promise_may(&p, &owner, PROMISE_CANCEL), DESK_FORBIDDEN);
	assert_int_equal(promise_apply(&p, &colleague, PROMISE_CANCEL, NOW + MIN,
				       "Patron found it themselves", 0),
			 DESK_OK);
	assert_int_equal(p.state, PROMISE_CANCELLED);
	assert_string_equal(p.note, "Patron found it themselves");
	assert_int_equal(p.done_at, NOW + MIN);
	assert_false(promise_kept_on_time(&p));
}

static void test_phases_with_fake_clock(void **state)
{
	struct promise p = open_promise(1, NOW + 3 * HOUR);
	int64_t t = NOW;

	(void)state;
	assert_int_equal(promise_phase(&p, t, HOUR), PHASE_LATER);
	t = NOW + 2 * HOUR - 1;
	assert_int_equal(promise_phase(&p, t, HOUR), PHASE_LATER);
	t = NOW + 2 * HOUR; /* exactly one hour before: due soon */
	assert_int_equal(promise_phase(&p, t, HOUR), PHASE_DUE_SOON);
	t = NOW + 3 * HOUR; /* at the due time: not yet overdue */
	assert_int_equal(promise_phase(&p, t, HOUR), PHASE_DUE_SOON);
	t++;
	assert_int_equal(promise_phase(&p, t, HOUR), PHASE_OVERDUE);
	/* a shorter lead */
	assert_int_equal(promise_phase(&p, NOW + 2 * HOUR, 10 * MIN), PHASE_LATER);
	p.state = PROMISE_DONE;
	assert_int_equal(promise_phase(&p, t, HOUR), PHASE_CLOSED);
}

static void test_kept_on_time_and_share(void **state)
{
	struct promise p = open_promise(1, NOW + HOUR);
	double share = -1;

	(void)state;
	assert_false(promise_kept_on_time(&p)); /* open */
	assert_int_equal(promise_apply(&p, &owner, PROMISE_COMPLETE, NOW + HOUR, "", 0), 0);
	assert_true(promise_kept_on_time(&p)); /* at the due time exactly */
	p = open_promise(2, NOW + HOUR);
	assert_int_equal(promise_apply(&p, &owner, PROMISE_COMPLETE, NOW + HOUR + 1, "", 0), 0);
	assert_false(promise_kept_on_time(&p)); /* one millisecond late */
	assert_int_equal(promise_share(0, 0, 0, &share), -1);
	assert_int_equal(promise_share(3, 1, 0, &share), 0);
	assert_true(share > 0.749 && share < 0.751);
	assert_int_equal(promise_share(1, 0, 1, &share), 0);
	assert_true(share > 0.499 && share < 0.501);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(promise_state_of("open"), PROMISE_OPEN);
	assert_int_equal(promise_state_of("done"), PROMISE_DONE);
	assert_int_equal(promise_state_of("cancelled"), PROMISE_CANCELLED);
	assert_int_equal(promise_state_of("canceled"), -1);
	assert_int_equal(promise_channel_of("email"), PROMISE_EMAIL);
	assert_int_equal(promise_channel_of("chat"), PROMISE_CHAT);
	assert_int_equal(promise_channel_of("sms"), -1);
	assert_int_equal(promise_channel_of(NULL), -1);
	assert_string_equal(promise_state_name(PROMISE_CANCELLED), "cancelled");
	assert_string_equal(promise_channel_name(PROMISE_CHAT), "chat");
}

struct seen {
	int64_t ids[8];
	enum promise_phase phases[8];
	size_t n;
};

static void seen_cb(void *ctx, const struct promise *p)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		s->ids[s->n] = p->id;
		s->phases[s->n++] = p->phase_seen;
	}
}

static void test_book_tick_reports_each_change_once(void **state)
{
	struct promise_book b = {.lead_ms = HOUR};
	struct promise a = open_promise(1, NOW + 2 * HOUR), c = open_promise(2, NOW + 5 * MIN);
	struct seen s = {0};
	int64_t t = NOW;

	(void)state;
	assert_int_equal(promise_book_put(&b, &a, t), 0);
	assert_int_equal(promise_book_put(&b, &c, t), 0);
	assert_int_equal(promise_book_get(&b, 2)->phase_seen, PHASE_DUE_SOON);
	assert_int_equal(promise_book_tick(&b, t, seen_cb, &s), 0);
	t = NOW + 5 * MIN + 1; /* 2 becomes overdue */
	assert_int_equal(promise_book_tick(&b, t, seen_cb, &s), 1);
	assert_int_equal(s.ids[0], 2);
	assert_int_equal(s.phases[0], PHASE_OVERDUE);
	assert_int_equal(promise_book_tick(&b, t + 1000, seen_cb, &s), 0); /* once only */
	t = NOW + HOUR; /* 1 comes due soon */
	assert_int_equal(promise_book_tick(&b, t, seen_cb, &s), 1);
	assert_int_equal(s.ids[1], 1);
	assert_int_equal(s.phases[1], PHASE_DUE_SOON);
	/* replacing it (a reassign) keeps one entry; closing it drops it */
	a.owner_id = 8;
	assert_int_equal(promise_book_put(&b, &a, t), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(promise_book_get(&b, 1)->owner_id, 8);
	a.state = PROMISE_DONE;
	assert_int_equal(promise_book_put(&b, &a, t), 0);
	assert_int_equal(b.n, 1);
	assert_null(promise_book_get(&b, 1));
	promise_book_drop(&b, 99); /* unknown: nothing */
	promise_book_clear(&b);
	assert_int_equal(b.n, 0);
}

static void test_book_select_overdue_first(void **state)
{
	struct promise_book b = {0};
	const struct promise *out[8];
	size_t total = 0;
	struct promise p;

	(void)state;
	p = open_promise(1, NOW + 3 * HOUR);
	promise_book_put(&b, &p, NOW);
	p = open_promise(2, NOW + HOUR);
	p.owner_id = 8;
	promise_book_put(&b, &p, NOW);
	p = open_promise(3, NOW + 2 * HOUR);
	p.patron_id = 33;
	promise_book_put(&b, &p, NOW);
	p = open_promise(4, NOW + HOUR);
	p.library_id = 2;
	promise_book_put(&b, &p, NOW);
	p = open_promise(5, NOW + HOUR); /* same due as 2: by id */
	promise_book_put(&b, &p, NOW);
	/* later, 2 and 5 are overdue: they come first */
	assert_int_equal(promise_book_select(&b, 1, 0, 0, out, 8, &total), 4);
	assert_int_equal(total, 4);
	assert_int_equal(out[0]->id, 2);
	assert_int_equal(out[1]->id, 5);
	assert_int_equal(out[2]->id, 3);
	assert_int_equal(out[3]->id, 1);
	assert_int_equal(promise_book_select(&b, 1, 7, 0, out, 8, NULL), 3); /* owner 7 */
	assert_int_equal(promise_book_select(&b, 1, 0, 33, out, 8, NULL), 1);
	assert_int_equal(out[0]->id, 3);
	assert_int_equal(promise_book_select(&b, 2, 0, 0, out, 8, NULL), 1);
	assert_int_equal(promise_book_select(&b, 1, 0, 0, out, 2, &total), 2); /* bounded */
	assert_int_equal(total, 4);
	assert_int_equal(out[1]->id, 5);
	promise_book_clear(&b);
}

/* A patron's name on their promises follows their relation: set, changed, cleared. */
static void test_book_name_patron(void **state)
{
	struct promise_book b = {0};
	struct promise p;

	(void)state;
	p = open_promise(1, NOW + HOUR);
	p.patron_id = 40;
	promise_book_put(&b, &p, NOW);
	p = open_promise(2, NOW + HOUR);
	p.patron_id = 40;
	promise_book_put(&b, &p, NOW);
	p = open_promise(3, NOW + HOUR);
	p.patron_id = 41;
	promise_book_put(&b, &p, NOW);
	assert_int_equal(promise_book_name_patron(&b, 40, "Maya"), 2);
	assert_string_equal(promise_book_get(&b, 1)->patron_name, "Maya");
	assert_string_equal(promise_book_get(&b, 2)->patron_name, "Maya");
	assert_string_equal(promise_book_get(&b, 3)->patron_name, "");
	assert_int_equal(promise_book_name_patron(&b, 40, "Maya"), 0); /* no change */
	assert_int_equal(promise_book_name_patron(&b, 40, ""), 2); /* forgotten */
	assert_string_equal(promise_book_get(&b, 1)->patron_name, "");
	assert_int_equal(promise_book_name_patron(&b, 40, NULL), 0);
	assert_int_equal(promise_book_name_patron(&b, 99, "Nobody"), 0);
	promise_book_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_new),
		cmocka_unit_test(test_who_may),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_cancel_and_reassign),
		cmocka_unit_test(test_phases_with_fake_clock),
		cmocka_unit_test(test_kept_on_time_and_share),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_book_tick_reports_each_change_once),
		cmocka_unit_test(test_book_select_overdue_first),
		cmocka_unit_test(test_book_name_patron),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
