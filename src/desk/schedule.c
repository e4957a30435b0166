/* schedule.c: opening hours, holidays and business days in a named time zone. See
 * schedule.h for the rules; dates are handled as civil day numbers (days since
 * 1970-01-01), wall times through the C library under the TZ mutex. */
#include "desk/schedule.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEARCH_DAYS 400
#define MS 1000LL

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* ---- civil dates (Howard Hinnant's algorithms) ---------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int weekday_of(int64_t days)
{
	return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
}

static int32_t ymd_of(int64_t days)
{
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	return (int32_t)(y * 10000 + m * 100 + d);
}

/* ---- the zone (callers hold tz_lock between enter and leave) ---------------------------- */

struct tz_saved {
	char *old;
};

static void tz_enter(const char *tz, struct tz_saved *sv)
{
	const char *o = getenv("TZ");
	char v[SCHEDULE_TZ_MAX + 2];

	pthread_mutex_lock(&tz_lock);
	sv->old = o ? strdup(o) : NULL;
	snprintf(v, sizeof v, ":%s", tz && tz[0] ? tz : "UTC");
	setenv("TZ", v, 1);
	tzset();
}

static void tz_leave(struct tz_saved *sv)
{
	if (sv->old)
		setenv("TZ", sv->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(sv->old);
	pthread_mutex_unlock(&tz_lock);
}

/* Local civil day number and minute of the day of t (seconds). */
static void local_of(time_t t, int64_t *day, int *minute)
{
	struct tm tm;

	localtime_r(&t, &tm);
	*day = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*minute = tm.tm_hour * 60 + tm.tm_min;
}

static int64_t local_key(time_t t)
{
	int64_t day;
	int minute;

	local_of(t, &day, &minute);
	return day * SCHEDULE_DAY_MIN + minute;
}

/* The first instant (seconds) whose local wall time is at or after minute `minute` of
 * civil day `day`: the wall time itself, its first occurrence when it occurs twice, or
 * the end of the gap when it does not exist. */
static time_t from_local(int64_t day, int minute)
{
	int64_t want = day * SCHEDULE_DAY_MIN + minute;
	time_t best = (time_t)-1, lo, hi;
	int y, m, d, dst;

	civil_from_days(day + minute / SCHEDULE_DAY_MIN, &y, &m, &d);
	minute %= SCHEDULE_DAY_MIN;
	for (dst = 0; dst <= 1; dst++) {
		struct tm tm = {.tm_year = y - 1900,
				.tm_mon = m - 1,
				.tm_mday = d,
				.tm_hour = minute / 60,
				.tm_min = minute % 60,
				.tm_isdst = dst};
		time_t t = mktime(&tm);

		if (t != (time_t)-1 && local_key(t) == want && (best == (time_t)-1 || t < best))
			best = t;
	}
	if (best != (time_t)-1)
		return best;
	/* in a gap: search the first second whose wall time is past it */
	{
		struct tm tm = {.tm_year = y - 1900,
				.tm_mon = m - 1,
				.tm_mday = d,
				.tm_hour = minute / 60,
				.tm_min = minute % 60,
				.tm_isdst = -1};
		time_t t = mktime(&tm);

		lo = t - 4 * 3600;
		hi = t + 4 * 3600;
	}
	while (lo < hi) {
		time_t mid = lo + (hi - lo) / 2;

		if (local_key(mid) >= want)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---- the schedule (under the lock) ------------------------------------------------------- */

static int is_closed(const struct schedule *s, int64_t day)
{
	int32_t ymd = ymd_of(day);
	size_t i;

	for (i = 0; i < s->n_closed; i++)
		if (s->closed[i] == ymd)
			return 1;
	return 0;
}

static int crosses(const struct schedule_interval *iv)
{
	return iv->closes_min <= iv->opens_min;
}

static int business_day(const struct schedule *s, int64_t day)
{
	int wd = weekday_of(day);
	size_t i;

	if (is_closed(s, day))
		return 0;
	for (i = 0; i < s->n_hours; i++)
		if (s->hours[i].weekday == wd)
			return 1;
	return 0;
}

static int open_locked(const struct schedule *s, time_t t)
{
	int64_t day;
	int minute, wd, yd;
	size_t i;

	local_of(t, &day, &minute);
	wd = weekday_of(day);
	yd = weekday_of(day - 1);
	for (i = 0; i < s->n_hours; i++) {
		const struct schedule_interval *iv = &s->hours[i];

		if (iv->weekday == wd && minute >= iv->opens_min &&
		    (crosses(iv) || minute < iv->closes_min) && !is_closed(s, day))
			return 1;
		if (iv->weekday == yd && crosses(iv) && minute < iv->closes_min &&
		    !is_closed(s, day - 1))
			return 1;
	}
	return 0;
}

/* See schedule.h. */
int schedule_is_open(const struct schedule *s, int64_t now)
{
	struct tz_saved sv;
	int r;

	if (!s->n_hours)
		return 1;
	tz_enter(s->tz, &sv);
	r = open_locked(s, (time_t)(now / MS));
	tz_leave(&sv);
	return r;
}

/* See schedule.h. */
int schedule_next_open(const struct schedule *s, int64_t now, int64_t *out)
{
	struct tz_saved sv;
	int64_t today, k, best = -1;
	int minute;
	size_t i;

	if (!s->n_hours) {
		*out = now;
		return 0;
	}
	tz_enter(s->tz, &sv);
	if (open_locked(s, (time_t)(now / MS))) {
		best = now;
		goto out;
	}
	local_of((time_t)(now / MS), &today, &minute);
	for (k = 0; k <= SEARCH_DAYS && best < 0; k++) {
		int64_t day = today + k;

		if (is_closed(s, day))
			continue;
		for (i = 0; i < s->n_hours; i++) {
			int64_t t;

			if (s->hours[i].weekday != weekday_of(day))
				continue;
			t = (int64_t)from_local(day, s->hours[i].opens_min) * MS;
			if (t >= now && (best < 0 || t < best))
				best = t;
		}
	}
out:
	tz_leave(&sv);
	if (best < 0)
		return -1;
	*out = best;
	return 0;
}

/* See schedule.h. */
int schedule_reply_by(const struct schedule *s, int64_t now, int hours, int64_t *out)
{
	int64_t left = (int64_t)hours * 3600 * MS, cursor = now, today, k;
	struct tz_saved sv;
	int minute, rc = -1;

	if (!s->n_hours) {
		*out = now + left;
		return 0;
	}
	tz_enter(s->tz, &sv);
	local_of((time_t)(now / MS), &today, &minute);
	for (k = 0; k <= SEARCH_DAYS; k++) {
		int64_t end = (int64_t)from_local(today + k + 1, 0) * MS;

		if (business_day(s, today + k)) {
			if (left <= end - cursor) {
				*out = cursor + left;
				rc = 0;
				break;
			}
			left -= end - cursor;
		}
		cursor = end;
	}
	tz_leave(&sv);
	return rc;
}

/* See schedule.h. */
void schedule_local(const struct schedule *s, int64_t at, int *weekday, int32_t *date, int *minute)
{
	struct tz_saved sv;
	int64_t day;

	tz_enter(s->tz, &sv);
	local_of((time_t)(at / MS), &day, minute);
	tz_leave(&sv);
	*weekday = weekday_of(day);
	*date = ymd_of(day);
}

/* ---- configuration ----------------------------------------------------------------------- */

/* See schedule.h. */
int schedule_tz_valid(const char *tz)
{
	char path[128];
	const char *p;

	if (!tz || !tz[0] || strlen(tz) >= SCHEDULE_TZ_MAX || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	if (!strcmp(tz, "UTC"))
		return 1;
	for (p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
			return 0;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

static int parse_day(const char **p)
{
	int i;

	for (i = 0; i < 7; i++)
		if (!strncasecmp(*p, day_names[i], 3)) {
			*p += 3;
			return i;
		}
	return -1;
}

static int parse_hhmm(const char **p, int max)
{
	int h, m, n = 0;

	if (sscanf(*p, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h < 0 || m < 0 || m > 59 ||
	    h * 60 + m > max)
		return -1;
	*p += 5;
	return h * 60 + m;
}

static void skip_sp(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* One group "Mon-Fri,Sun 09:00-12:00,13:00-17:00" into days[] and ranges. */
static int parse_group(const char **p, struct schedule_interval *v, size_t *n)
{
	int days[7] = {0}, a, b, i;

	for (;;) {
		if ((a = parse_day(p)) < 0)
			return -1;
		b = a;
		if (**p == '-' && ((*p)++, (b = parse_day(p)) < 0))
			return -1;
		for (i = a;; i = (i + 1) % 7) {
			days[i] = 1;
			if (i == b)
				break;
		}
		if (**p != ',')
			break;
		(*p)++;
	}
	skip_sp(p);
	for (;;) {
		int o = parse_hhmm(p, SCHEDULE_DAY_MIN - 1), c;

		if (o < 0 || **p != '-')
			return -1;
		(*p)++;
		if ((c = parse_hhmm(p, SCHEDULE_DAY_MIN)) < 0)
			return -1;
		for (i = 0; i < 7; i++) {
			if (!days[i])
				continue;
			if (*n >= SCHEDULE_INTERVALS_MAX)
				return -1;
			v[(*n)++] = (struct schedule_interval){i, o, c};
		}
		skip_sp(p);
		if (**p != ',')
			return 0;
		(*p)++;
		skip_sp(p);
	}
}

/* See schedule.h. */
int schedule_parse_hours(struct schedule *s, const char *spec)
{
	struct schedule_interval v[SCHEDULE_INTERVALS_MAX];
	const char *p = spec;
	size_t n = 0;

	for (;;) {
		skip_sp(&p);
		if (!*p)
			break;
		if (parse_group(&p, v, &n))
			return -1;
		skip_sp(&p);
		if (*p == ';')
			p++;
		else if (*p)
			return -1;
	}
	memcpy(s->hours, v, n * sizeof v[0]);
	s->n_hours = n;
	return 0;
}

/* See schedule.h. */
void schedule_format_hours(const struct schedule *s, char *out, size_t cap)
{
	size_t i, len = 0;

	if (cap)
		out[0] = '\0';
	for (i = 0; i < s->n_hours && len < cap; i++) {
		const struct schedule_interval *iv = &s->hours[i];
		int r = snprintf(out + len, cap - len, "%s%s %02d:%02d-%02d:%02d", i ? "; " : "",
				 day_names[iv->weekday], iv->opens_min / 60, iv->opens_min % 60,
				 iv->closes_min / 60, iv->closes_min % 60);

		if (r < 0)
			break;
		len += (size_t)r;
	}
}

/* See schedule.h. */
int schedule_parse_date(const char *text, int32_t *out)
{
	int y, m, d, n = 0;
	int32_t back;

	if (sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || text[n] || y < 1970 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	back = ymd_of(days_from_civil(y, m, d));
	if (back != y * 10000 + m * 100 + d)
		return -1; /* 2026-02-30 */
	*out = back;
	return 0;
}

/* See schedule.h. */
int schedule_add_closed(struct schedule *s, int32_t ymd)
{
	size_t i;

	for (i = 0; i < s->n_closed; i++)
		if (s->closed[i] == ymd)
			return 0;
	if (s->n_closed >= SCHEDULE_CLOSED_MAX)
		return -1;
	s->closed[s->n_closed++] = ymd;
	return 0;
}
