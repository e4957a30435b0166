/* demo.c: the demo data of `rapport demo`: the Riverside Public Library, its queue open
 * all day every day, two staff accounts, and the banner printed once it listens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "desk/schedule.h"

/* The demo queue opens every day all day (Europe/London) unless hours were set. */
static int demo_hours(struct store_conn *sc, int64_t library_id)
{
	struct store_schedule *r = malloc(sizeof *r);
	int64_t queue_id;
	int rc;

	if (!r || cli_find_queue(sc, library_id, "ask", &queue_id) ||
	    store_sqlite_ops.schedule_get(sc, queue_id, r)) {
		free(r);
		return -1;
	}
	rc = 0;
	if (r->n_hours == 0 && r->n_closed == 0) {
		snprintf(r->time_zone, sizeof r->time_zone, "Europe/London");
		/* Sunday..Saturday, 00:00-24:00: one interval a day */
		for (int d = 0; d < 7; d++) {
			r->hours[d][0] = d;
			r->hours[d][1] = 0;
			r->hours[d][2] = SCHEDULE_DAY_MIN;
		}
		r->n_hours = 7;
		rc = store_sqlite_ops.schedule_put(sc, queue_id, r);
	}
	free(r);
	return rc ? -1 : 0;
}

/* Whether line[len] is one of the lines of list. */
static int has_line(const char *list, const char *line, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, "\n");

		if (n == len && !strncmp(p, line, len))
			return 1;
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* The origins of a demo library that exists: the demo's own (they carry this run's
 * ports) first, then those its administrator allowed, as many whole lines as fit. */
static void demo_origins(const char *mine, const char *old, char *out, size_t cap)
{
	size_t len = (size_t)snprintf(out, cap, "%s", mine);

	for (const char *p = old; *p && len < cap;) {
		size_t n = strcspn(p, "\n");

		if (n && !has_line(out, p, n) && len + n + 2 <= cap) {
			len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "\n" : "",
						(int)n, p);
		}
		p += n + (p[n] == '\n');
	}
}

/* The library, its hours and the staff (an existing account is left alone). 0, or 1 with
 * *why the message to say once the store is closed (NULL: nothing more to say). */
static int demo_data(struct store_conn *sc, const char *origins, const char **why)
{
	static const struct {
		const char *email, *name, *role;
	} people[] = {{"jen@demo.library", "Jen Ortiz", "librarian"},
		      {"sam@demo.library", "Sam Lee", "admin"}};
	char queues[1][192] = {"ask:Ask a Librarian"};
	struct store_library lib;
	struct store_staff existing;
	size_t i;
	struct store_library old;
	char merged[sizeof old.origins];
	int64_t ask;
	/* an existing demo library keeps what its admin changed in the console (its name,
	 * origins, the ask queue's name): only the demo's own origins are added */
	int exists = !cli_find_library(sc, "demo", &old);

	if (exists)
		demo_origins(origins, old.origins, merged, sizeof merged);
	*why = "rapport: cannot create the demo library\n";
	if (cli_ensure_library(sc, "demo", exists ? old.name : "Riverside Public Library",
			       exists ? merged : origins, queues,
			       exists && !cli_find_queue(sc, old.id, "ask", &ask) ? 0 : 1, &lib))
		return 1;
	*why = "rapport: cannot set the demo queue's hours\n";
	if (demo_hours(sc, lib.id))
		return 1;
	*why = NULL;
	for (i = 0; i < 2; i++)
		if (store_sqlite_ops.staff_by_email(sc, people[i].email, &existing) &&
		    cli_put_staff(sc, lib.id, people[i].email, people[i].name, people[i].role, 0,
				  "rapport-demo"))
			return 1;
	return 0;
}

/* The banner: where to go and how to sign in. */
static void demo_banner(const struct server_config *cfg, char *banner, size_t cap)
{
	char site[160] = "";

	if (cfg->demo_site_port)
		snprintf(site, sizeof site,
			 "  Library website with the chat widget: http://%s:%d/\n", cfg->listen,
			 cfg->demo_site_port);
	snprintf(banner, cap,
		 "\nrapport demo is running.\n"
		 "  Patron chat:    http://%s:%d/chat\n"
		 "  Staff console:  http://%s:%d/console\n"
		 "%s"
		 "  Demo logins:    jen@demo.library / rapport-demo  (Jen Ortiz, "
		 "librarian)\n"
		 "                  sam@demo.library / rapport-demo  (Sam Lee, "
		 "admin)\n"
		 "  Stop with Ctrl-C.\n\n",
		 cfg->listen, cfg->port, cfg->listen, cfg->port, site);
}

int cli_demo_prepare(const struct server_config *cfg, const char *allow, char *banner, size_t cap)
{
	struct store_conn *sc;
	char origins[1024];
	const char *why;
	int rc;

	snprintf(origins, sizeof origins, "http://127.0.0.1:%d\nhttp://localhost:%d%s",
		 cfg->demo_site_port, cfg->demo_site_port, allow);
	if (cli_open_store(cfg->data_dir, &sc))
		return 1;
	rc = demo_data(sc, origins, &why);
	store_sqlite_ops.close(sc);
	if (rc) {
		if (why)
			fputs(why, stderr);
		return 1;
	}
	demo_banner(cfg, banner, cap);
	return 0;
}
