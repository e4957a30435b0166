/* test_schedule.c: unit tests for src/desk/schedule.c: parsing, opening hours across
 * midnight, holidays, and the 2026 DST changes of Europe/London and America/New_York
 * (real tzdata), with fixed instants for a clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "desk/schedule.h"

#define H (3600LL * 1000)

/* ms of a UTC wall time */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};

	return (int64_t)timegm(&tm) * 1000;
}

static struct schedule make(const char *tz, const char *spec)
{
	struct schedule s;

	memset(&s, 0, sizeof s);
	snprintf(s.tz, sizeof s.tz, "%s", tz);
	assert_int_equal(schedule_parse_hours(&s, spec), 0);
	return s;
}

static int64_t next(const struct schedule *s, int64_t now)
{
	int64_t t = 0;

	assert_int_equal(schedule_next_open(s, now, &t), 0);
	return t;
}

static void test_parse(void **state)
{
	struct schedule s = make("UTC", "Mon-Fri 09:00-17:00; Sat 10:00-14:00");
	char out[512];
	int32_t d;

	(void)state;
	assert_int_equal(s.n_hours, 6);
	assert_int_equal(s.hours[0].weekday, 1);
	assert_int_equal(s.hours[5].weekday, 6);
	assert_int_equal(s.hours[5].opens_min, 600);
	schedule_format_hours(&s, out, sizeof out);
	assert_non_null(strstr(out, "Sat 10:00-14:00"));
	assert_int_equal(schedule_parse_hours(&s, "Fri-Mon 22:00-02:00, 12:00-13:00"), 0);
	assert_int_equal(s.n_hours, 8);
	assert_int_equal(schedule_parse_hours(&s, "mon 09:00-24:00"), 0);
	assert_int_equal(s.hours[0].closes_min, 1440);
	assert_int_equal(schedule_parse_hours(&s, "Mon 9-17"), -1);
	assert_int_equal(schedule_parse_hours(&s, "Xyz 09:00-10:00"), -1);
	assert_int_equal(schedule_parse_hours(&s, "Mon 25:00-26:00"), -1);
	assert_int_equal(schedule_parse_hours(&s, "Mon 09:00-10:00 junk"), -1);
	assert_int_equal(s.n_hours, 1); /* unchanged by failures */
	assert_int_equal(schedule_parse_hours(&s, ""), 0);
	assert_int_equal(s.n_hours, 0);
	assert_int_equal(schedule_parse_date("2026-12-25", &d), 0);
	assert_int_equal(d, 20261225);
	assert_int_equal(schedule_parse_date("2026-02-30", &d), -1);
	assert_int_equal(schedule_parse_date("2026-1-5", &d), -1);
	assert_true(schedule_tz_valid("Europe/London"));
	assert_true(schedule_tz_valid("UTC"));
	assert_false(schedule_tz_valid("../etc/passwd"));
	assert_false(schedule_tz_valid("Nowhere/Zone"));
	assert_false(schedule_tz_valid(""));
}

static void test_always_open(void **state)
{
	struct schedule s;
	int64_t t;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_true(schedule_is_open(&s, utc(2026, 3, 1, 3, 0)));
	assert_int_equal(next(&s, 1234), 1234);
	assert_int_equal(schedule_reply_by(&s, 1000, 24, &t), 0);
	assert_int_equal(t, 1000 + 24 * H);
}

/* Weekdays across the spring change: Friday GMT, Monday BST. */
static void test_london_spring(void **state)
{
	struct schedule s = make("Europe/London", "Mon-Fri 09:00-17:00; Sat 10:00-14:00");

	(void)state;
	assert_true(schedule_is_open(&s, utc(2026, 3, 27, 12, 0))); /* Fri 12:00 GMT */
	assert_false(schedule_is_open(&s, utc(2026, 3, 27, 17, 30)));
	assert_int_equal(next(&s, utc(2026, 3, 27, 17, 30)), utc(2026, 3, 28, 10, 0));
	/* Saturday after closing: Monday 09:00 BST = 08:00 UTC */
	assert_int_equal(next(&s, utc(2026, 3, 28, 15, 0)), utc(2026, 3, 30, 8, 0));
	assert_true(schedule_is_open(&s, utc(2026, 3, 30, 8, 0)));
	assert_false(schedule_is_open(&s, utc(2026, 3, 30, 7, 59)));
	assert_true(schedule_is_open(&s, utc(2026, 3, 30, 15, 59))); /* 16:59 BST */
	assert_false(schedule_is_open(&s, utc(2026, 3, 30, 16, 0)));
	/* open now: next_open is now */
	assert_int_equal(next(&s, utc(2026, 3, 30, 9, 0)), utc(2026, 3, 30, 9, 0));
}

static void test_new_york(void **state)
{
	struct schedule s = make("America/New_York", "Mon-Fri 09:00-17:00");

	(void)state;
	/* spring: Fri 6 Mar EST -> Mon 9 Mar 09:00 EDT = 13:00 UTC */
	assert_int_equal(next(&s, utc(2026, 3, 6, 23, 0)), utc(2026, 3, 9, 13, 0));
	assert_false(schedule_is_open(&s, utc(2026, 3, 9, 12, 59)));
	assert_true(schedule_is_open(&s, utc(2026, 3, 9, 13, 0)));
	/* fall: Fri 30 Oct EDT -> Mon 2 Nov 09:00 EST = 14:00 UTC */
	assert_int_equal(next(&s, utc(2026, 10, 30, 22, 0)), utc(2026, 11, 2, 14, 0));
	assert_true(schedule_is_open(&s, utc(2026, 10, 30, 20, 59))); /* 16:59 EDT */
	assert_false(schedule_is_open(&s, utc(2026, 11, 2, 13, 30)));
}

static void test_midnight(void **state)
{
	struct schedule s = make("Europe/London", "Fri 22:00-02:00");

	(void)state;
	assert_true(schedule_is_open(&s, utc(2026, 6, 12, 21, 0))); /* Fri 22:00 BST */
	assert_true(schedule_is_open(&s, utc(2026, 6, 12, 23, 30))); /* Sat 00:30 BST */
	assert_false(schedule_is_open(&s, utc(2026, 6, 13, 1, 0))); /* Sat 02:00 BST */
	assert_false(schedule_is_open(&s, utc(2026, 6, 12, 20, 59)));
	assert_int_equal(next(&s, utc(2026, 6, 13, 1, 30)), utc(2026, 6, 19, 21, 0));
}

static void test_holidays(void **state)
{
	struct schedule s = make("Europe/London", "Mon-Fri 09:00-17:00; Thu 22:00-02:00");
	int32_t d;
	int64_t t;

	(void)state;
	assert_int_equal(schedule_parse_date("2026-12-25", &d), 0);
	assert_int_equal(schedule_add_closed(&s, d), 0);
	assert_int_equal(schedule_add_closed(&s, d), 0);
	assert_int_equal(s.n_closed, 1);
	assert_false(schedule_is_open(&s, utc(2026, 12, 25, 12, 0)));
	/* Thursday's late shift runs into the holiday */
	assert_true(schedule_is_open(&s, utc(2026, 12, 25, 1, 0)));
	assert_false(schedule_is_open(&s, utc(2026, 12, 25, 2, 0)));
	assert_int_equal(next(&s, utc(2026, 12, 25, 2, 0)), utc(2026, 12, 28, 9, 0));
	/* reply in one business day from Thursday noon: Thursday's 12 h, Monday's 12 h */
	assert_int_equal(schedule_reply_by(&s, utc(2026, 12, 24, 12, 0), 24, &t), 0);
	assert_int_equal(t, utc(2026, 12, 28, 12, 0));
}

static void test_reply_by_weekend_dst(void **state)
{
	struct schedule s = make("Europe/London", "Mon-Fri 09:00-17:00");
	int64_t t;

	(void)state;
	/* Friday 18:00 GMT: 6 h of Friday, Monday (BST) 18 h -> Mon 18:00 BST */
	assert_int_equal(schedule_reply_by(&s, utc(2026, 3, 27, 18, 0), 24, &t), 0);
	assert_int_equal(t, utc(2026, 3, 30, 17, 0));
	/* Sunday counts nothing: from Sunday noon, all of Monday */
	assert_int_equal(schedule_reply_by(&s, utc(2026, 3, 29, 11, 0), 24, &t), 0);
	assert_int_equal(t, utc(2026, 3, 30, 23, 0)); /* Tue 00:00 BST */
}

static void test_dst_gap_and_overlap(void **state)
{
	struct schedule s = make("Europe/London", "Sun 01:30-05:00");

	(void)state;
	/* 01:30 does not exist on 29 Mar 2026: opens at the end of the gap (02:00 BST) */
	assert_int_equal(next(&s, utc(2026, 3, 28, 12, 0)), utc(2026, 3, 29, 1, 0));
	/* 01:30 occurs twice on 25 Oct 2026: the first one (BST) */
	assert_int_equal(next(&s, utc(2026, 10, 24, 12, 0)), utc(2026, 10, 25, 0, 30));
	assert_true(schedule_is_open(&s, utc(2026, 10, 25, 0, 30)));
}

static void test_tz_restored(void **state)
{
	struct schedule s = make("America/New_York", "Mon 09:00-17:00");

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	(void)schedule_is_open(&s, utc(2026, 3, 9, 14, 0));
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	(void)schedule_is_open(&s, utc(2026, 3, 9, 14, 0));
	assert_null(getenv("TZ"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_always_open),
		cmocka_unit_test(test_london_spring),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_midnight),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_reply_by_weekend_dst),
		cmocka_unit_test(test_dst_gap_and_overlap),
		cmocka_unit_test(test_tz_restored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
