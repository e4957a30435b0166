/* schedule.h: a queue's opening hours: weekly intervals of local wall time in the
 * library's IANA time zone ("Mon-Fri 09:00-17:00; Sat 10:00-14:00"; an interval whose
 * close is not after its open crosses midnight: "Fri 22:00-02:00"), and dates closed
 * (holidays). Answers: is the desk open at an instant, when does it next open, and when
 * a reply is due ("one business day" counted with the schedule).
 *
 * Rules (docs/OPERATIONS.md, "Opening hours"):
 *   - A schedule without intervals is always open (a queue nobody configured).
 *   - A closed date cancels the intervals that *start* on that local date; an interval
 *     that started the evening before and runs past midnight into it still runs.
 *   - Wall times that do not exist (the spring-forward gap) open at the first instant
 *     after the gap; wall times that occur twice (fall back) open at the first of them.
 *
 * Time zones: converting between UTC and a named zone uses the C library's tzdata
 * (localtime_r/mktime) with TZ set to the zone for the duration of the call, under a
 * process-wide mutex, and restored afterwards. Nothing else in rapport uses local time
 * (logs and mail Date headers are UTC; times in mail text go through schedule_local, see
 * mail_when), so swapping TZ is safe; any thread may call these.
 * Pure otherwise: no clock (every call takes `now`, ms since the epoch), no I/O.
 */
#ifndef RAPPORT_DESK_SCHEDULE_H
#define RAPPORT_DESK_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#define SCHEDULE_INTERVALS_MAX 64
#define SCHEDULE_CLOSED_MAX 128
#define SCHEDULE_TZ_MAX 64
#define SCHEDULE_DAY_MIN 1440

struct schedule_interval {
	int weekday; /* 0 Sunday .. 6 Saturday: the day it opens */
	int opens_min; /* minutes after local midnight, 0..1439 */
	int closes_min; /* 1..1440; <= opens_min: closes the next day */
};

struct schedule {
	char tz[SCHEDULE_TZ_MAX]; /* "Europe/London"; "" = UTC */
	size_t n_hours;
	struct schedule_interval hours[SCHEDULE_INTERVALS_MAX];
	size_t n_closed;
	int32_t closed[SCHEDULE_CLOSED_MAX]; /* local dates closed, yyyymmdd */
};

/* Whether tz names a zone the C library knows (a file under /usr/share/zoneinfo, or
 * "UTC"). Names with "..", a leading '/', or odd characters are refused. */
int schedule_tz_valid(const char *tz);

/* Parses "Mon-Fri 09:00-17:00; Sat 10:00-14:00" (days: Sun..Sat, comma lists and ranges,
 * a range may wrap "Fri-Mon"; ';' separates groups; "" clears) into s->hours, replacing
 * them. 0, or -1 on a syntax error or too many intervals (s unchanged). */
int schedule_parse_hours(struct schedule *s, const char *spec);
/* Writes s->hours back as such a spec (one group per interval) into out. */
void schedule_format_hours(const struct schedule *s, char *out, size_t cap);
/* Parses "2026-12-25" into yyyymmdd; 0 or -1. */
int schedule_parse_date(const char *text, int32_t *out);
/* Adds a closed date (no duplicate). 0, or -1 when full. */
int schedule_add_closed(struct schedule *s, int32_t yyyymmdd);

/* Whether the desk is open at now: 1 open, 0 closed. */
int schedule_is_open(const struct schedule *s, int64_t now);
/* The next instant at or after now when the desk is open: now itself when open now,
 * else the next opening. 0 and *out, or -1 when it never opens within 400 days. */
int schedule_next_open(const struct schedule *s, int64_t now, int64_t *out);
/* A reply due `hours` business hours after now: elapsed time counts only on local days
 * when the desk opens (a day with an interval starting on it, not a closed date), so
 * with Mon-Fri hours 24 is "one business day" and a question on Friday evening is due on
 * Monday evening. An always-open schedule counts every hour. -1 when no business day
 * comes within 400 days. */
int schedule_reply_by(const struct schedule *s, int64_t now, int hours, int64_t *out);

/* Local wall time of `at` in s->tz: weekday 0..6, date yyyymmdd, minute of the day. */
void schedule_local(const struct schedule *s, int64_t at, int *weekday, int32_t *date, int *minute);

#endif
