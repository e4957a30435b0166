/* test_referrals.c: the hand-off report's arithmetic (src/desk/referrals.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "desk/referrals.h"

#define T0 1763800000000LL

/* chat, library, queue, from, kind, end, offered after T0, decided after the offer */
#define ROW(ch, lib, q, from, kind, end, at, took)                                                 \
	{                                                                                          \
		ch, lib, q, from, kind, end, T0 + (at), (took) < 0 ? 0 : T0 + (at) + (took)        \
	}

static const struct referral_row rows[] = {
	ROW(1, 10, 100, 7, HANDOFF_STAFF, HANDOFF_DECLINED, 0, 5000),
	ROW(2, 10, 101, 7, HANDOFF_QUEUE, HANDOFF_ACCEPTED, 1000, 30000),
	ROW(1, 10, 100, 7, HANDOFF_STAFF, HANDOFF_ACCEPTED, 9000, 10000),
	ROW(3, 20, 200, 8, HANDOFF_PATRON, HANDOFF_TIMED_OUT, 2000, 60000),
	ROW(4, 10, 100, 7, HANDOFF_PATRON, HANDOFF_ACCEPTED, 3000, 20000),
	ROW(1, 10, 100, 9, HANDOFF_STAFF, HANDOFF_CANCELLED, 20000, 100),
	ROW(5, 20, 200, 8, HANDOFF_STAFF, HANDOFF_PENDING, 4000, -1),
};

static const struct referral_group *find(const struct referral_group *g, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (g[i].id == id)
			return &g[i];
	fail_msg("no group %lld", (long long)id);
	return NULL;
}

static void test_counts_and_groups(void **state)
{
	struct referral_report r;
	const struct referral_group *g;

	assert_int_equal(referrals_build(rows, sizeof rows / sizeof *rows, &r), 0);
	assert_int_equal(r.all.total, 7);
	assert_int_equal(r.all.accepted, 3);
	assert_int_equal(r.all.declined, 1);
	assert_int_equal(r.all.timed_out, 1);
	assert_int_equal(r.all.cancelled, 1);
	assert_int_equal(r.all.pending, 1);
	assert_int_equal(r.all.chats, 5);
	assert_int_equal(r.all.chats_two_plus, 1); /* chat 1, three times */
	assert_int_equal(r.all.accept_ms_mean, 20000); /* 30 s, 10 s, 20 s */
	assert_int_equal(r.accept_ms_median, 20000);
	assert_int_equal(r.n_libs, 2);
	g = find(r.libs, r.n_libs, 10);
	assert_int_equal(g->n.total, 5);
	assert_int_equal(g->n.chats, 3);
	assert_int_equal(g->n.chats_two_plus, 1);
	g = find(r.libs, r.n_libs, 20);
	assert_int_equal(g->n.total, 2);
	assert_int_equal(g->n.accept_ms_mean, -1); /* none accepted */
	assert_int_equal(r.n_queues, 3);
	assert_int_equal(find(r.queues, r.n_queues, 100)->n.total, 4);
	assert_int_equal(find(r.queues, r.n_queues, 101)->n.chats, 1);
	/* "someone else", by the librarian the patron was with */
	assert_int_equal(r.n_asked, 2);
	assert_int_equal(find(r.asked, r.n_asked, 7)->n.total, 1);
	assert_int_equal(find(r.asked, r.n_asked, 8)->n.timed_out, 1);
	referrals_free(&r);
	assert_null(r.libs);
}

static void test_empty(void **state)
{
	struct referral_report r;

	assert_int_equal(referrals_build(NULL, 0, &r), 0);
	assert_int_equal(r.all.total, 0);
	assert_int_equal(r.all.chats, 0);
	assert_int_equal(r.accept_ms_median, -1);
	assert_int_equal(r.all.accept_ms_mean, -1);
	referrals_free(&r);
}

static void test_median_of_even(void **state)
{
	const struct referral_row two[] = {
		ROW(1, 1, 1, 1, HANDOFF_STAFF, HANDOFF_ACCEPTED, 0, 1000),
		ROW(2, 1, 1, 1, HANDOFF_STAFF, HANDOFF_ACCEPTED, 0, 4000),
	};
	struct referral_report r;

	assert_int_equal(referrals_build(two, 2, &r), 0);
	assert_int_equal(r.accept_ms_median, 2500);
	assert_int_equal(r.all.chats_two_plus, 0);
	referrals_free(&r);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_counts_and_groups),
	cmocka_unit_test(test_empty),
	cmocka_unit_test(test_median_of_even),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
