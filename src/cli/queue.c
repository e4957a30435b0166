/* queue.c: `rapport queue hours`: shows a queue's schedule after applying the changes
 * given (weekly hours, closed dates, time zone, reply policy), run against the store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cases.h"
#include "cli/cli.h"
#include "desk/schedule.h"

static const char *usage_queue =
	"Usage: rapport queue hours --data-dir DIR --library SLUG --queue SLUG\n"
	"                           [--set \"Mon-Fri 09:00-17:00; Sat 10:00-14:00\"]\n"
	"                           [--time-zone Europe/London] [--closed 2026-12-25]...\n"
	"                           [--reopen 2026-12-25]... [--reply-hours N]\n"
	"\n"
	"Shows the queue's schedule after applying the changes given. --set replaces the\n"
	"weekly hours (\"\" clears them: always open by schedule); an interval whose close is\n"
	"not after its open ends the next day. --closed adds a date the queue is closed,\n"
	"--reopen removes one. --time-zone (IANA) and --reply-hours (business hours to answer\n"
	"an offline question, default 24) are the library's. A running server reads\n"
	"schedules at start: restart it to apply.\n";

enum {
	OPT_DATA = 256,
	OPT_LIBRARY,
	OPT_QUEUE,
	OPT_SET,
	OPT_TZ,
	OPT_CLOSED,
	OPT_REOPEN,
	OPT_REPLY,
};

/* What `queue hours` was asked: which queue, and the changes. */
struct hours_args {
	char data[512], slug[64], qslug[64];
	char dates[32][16]; /* "+YYYY-MM-DD" closed, "-YYYY-MM-DD" reopened */
	int n_dates, reply;
	const char *set, *tz;
};

/* One --closed or --reopen into a->dates. 0 or 2 (the usage on stderr). */
static int hours_date(struct hours_args *a, int c)
{
	if (a->n_dates >= 32 || strlen(optarg) > 10) {
		fputs(usage_queue, stderr);
		return 2;
	}
	snprintf(a->dates[a->n_dates++], sizeof a->dates[0], "%c%s", c == OPT_CLOSED ? '+' : '-',
		 optarg);
	return 0;
}

/* The options of `queue hours` into *a. -1 to go on, or the exit code. */
static int hours_parse(int argc, char **argv, struct hours_args *a)
{
	static const struct option opts[] = {
		{"data-dir", 1, 0, OPT_DATA}, {"library", 1, 0, OPT_LIBRARY},
		{"queue", 1, 0, OPT_QUEUE},   {"set", 1, 0, OPT_SET},
		{"time-zone", 1, 0, OPT_TZ},  {"closed", 1, 0, OPT_CLOSED},
		{"reopen", 1, 0, OPT_REOPEN}, {"reply-hours", 1, 0, OPT_REPLY},
		{"help", 0, 0, 'h'},	      {0, 0, 0, 0}};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: snprintf(a->data, sizeof a->data, "%s", optarg); break;
		case OPT_LIBRARY: snprintf(a->slug, sizeof a->slug, "%s", optarg); break;
		case OPT_QUEUE: snprintf(a->qslug, sizeof a->qslug, "%s", optarg); break;
		case OPT_SET: a->set = optarg; break;
		case OPT_TZ: a->tz = optarg; break;
		case OPT_CLOSED:
		case OPT_REOPEN:
			if (hours_date(a, c))
				return 2;
			break;
		case OPT_REPLY:
			if (cli_positive(optarg, &a->reply) || a->reply < 1 || a->reply > 2400) {
				fputs("rapport: --reply-hours is 1 to 2400\n", stderr);
				return 2;
			}
			break;
		case 'h': fputs(usage_queue, stdout); return 0;
		default: fputs(usage_queue, stderr); return 2;
		}
	}
	if (!a->slug[0] || !a->qslug[0] || optind < argc) {
		fputs(usage_queue, stderr);
		return 2;
	}
	return -1;
}

/* Adds (+) or removes (-) the closed dates of a to s. 0 or 2 (said on stderr). */
static int hours_apply_dates(struct schedule *s, const struct hours_args *a)
{
	for (int i = 0; i < a->n_dates; i++) {
		const char *date = a->dates[i];
		int32_t d;
		size_t k;

		if (schedule_parse_date(date + 1, &d)) {
			fprintf(stderr, "rapport: a date is YYYY-MM-DD, not %s\n", date + 1);
			return 2;
		}
		if (date[0] == '+' && schedule_add_closed(s, d)) {
			fprintf(stderr, "rapport: too many closed dates\n");
			return 2;
		}
		for (k = 0; date[0] == '-' && k < s->n_closed; k++)
			if (s->closed[k] == d)
				s->closed[k--] = s->closed[--s->n_closed];
	}
	return 0;
}

/* Applies --set / --closed / --reopen / --time-zone / --reply-hours to r. 0 or 2. */
static int hours_apply(struct store_schedule *r, const struct hours_args *a)
{
	struct schedule s;

	schedule_from_store(&s, r);
	if (a->set && schedule_parse_hours(&s, a->set)) {
		fprintf(stderr, "rapport: --set wants \"Mon-Fri 09:00-17:00; Sat 10:00-14:00\"\n");
		return 2;
	}
	if (a->tz) {
		if (!schedule_tz_valid(a->tz)) {
			fprintf(stderr,
				"rapport: unknown time zone %s (an IANA name such as "
				"Europe/London)\n",
				a->tz);
			return 2;
		}
		snprintf(r->time_zone, sizeof r->time_zone, "%s", a->tz);
	}
	if (hours_apply_dates(&s, a))
		return 2;
	if (a->reply > 0)
		r->reply_policy_hours = a->reply;
	r->n_hours = s.n_hours;
	for (size_t k = 0; k < s.n_hours; k++) {
		r->hours[k][0] = s.hours[k].weekday;
		r->hours[k][1] = s.hours[k].opens_min;
		r->hours[k][2] = s.hours[k].closes_min;
	}
	r->n_closed = s.n_closed;
	memcpy(r->closed, s.closed, s.n_closed * sizeof s.closed[0]);
	return 0;
}

static void hours_print(const char *lib, const char *queue, const struct store_schedule *r)
{
	struct schedule s;
	char spec[1024];
	size_t i;

	schedule_from_store(&s, r);
	schedule_format_hours(&s, spec, sizeof spec);
	printf("library %s queue %s\ntime zone: %s\nreply policy: %d business hours\n"
	       "hours: %s\nclosed:",
	       lib, queue, r->time_zone, r->reply_policy_hours,
	       spec[0] ? spec : "(none: always open by schedule)");
	for (i = 0; i < r->n_closed; i++)
		printf(" %04d-%02d-%02d", (int)(r->closed[i] / 10000),
		       (int)(r->closed[i] / 100 % 100), (int)(r->closed[i] % 100));
	printf("%s\n", r->n_closed ? "" : " (none)");
}

/* The queue's schedule, changed as asked, saved when anything was asked, then printed.
 * The exit code. */
static int hours_run(struct store_conn *sc, const struct hours_args *a)
{
	struct store_library lib = {0};
	struct store_schedule *r;
	int64_t queue_id;
	int rc;

	if (cli_find_library(sc, a->slug, &lib)) {
		fprintf(stderr, "rapport: no library %s (create it with rapport init)\n", a->slug);
		return 1;
	}
	if (cli_find_queue(sc, lib.id, a->qslug, &queue_id)) {
		fprintf(stderr, "rapport: no queue %s in library %s\n", a->qslug, a->slug);
		return 1;
	}
	if (!(r = malloc(sizeof *r)) || store_sqlite_ops.schedule_get(sc, queue_id, r)) {
		fprintf(stderr, "rapport: cannot read the schedule\n");
		free(r);
		return 1;
	}
	rc = hours_apply(r, a);
	if (!rc && (a->set || a->tz || a->n_dates || a->reply) &&
	    store_sqlite_ops.schedule_put(sc, queue_id, r)) {
		fprintf(stderr, "rapport: cannot save the schedule\n");
		rc = 1;
	}
	if (!rc)
		hours_print(a->slug, a->qslug, r);
	free(r);
	return rc;
}

int cli_queue(int argc, char **argv)
{
	struct hours_args a = {.data = "./data"};
	struct store_conn *sc;
	int rc;

	if ((rc = cli_subcommand(&argc, &argv, "hours", usage_queue)) >= 0)
		return rc;
	cli_env_str("RAPPORT_DATA_DIR", a.data, sizeof a.data);
	if ((rc = hours_parse(argc, argv, &a)) >= 0)
		return rc;
	if (cli_open_store(a.data, &sc))
		return 1;
	rc = hours_run(sc, &a);
	store_sqlite_ops.close(sc);
	return rc;
}
