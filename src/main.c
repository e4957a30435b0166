/* main.c: the rapport command line: serve, demo, init, staff add, queue hours. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mail/message.h"
#include "api/cases.h"
#include "api/api.h"
#include "util/crypto.h"
#include "util/log.h"

static const char *usage_main =
	"rapport " RAPPORT_VERSION ": a virtual reference desk that remembers.\n"
	"\n"
	"Usage: rapport <command> [options]\n"
	"\n"
	"Commands:\n"
	"  serve       run the chat server\n"
	"  demo        create the demo library and staff (idempotent), then serve them\n"
	"  init        create or update a library and its queues\n"
	"  staff add   create or update a staff account (password from stdin or a file)\n"
	"  queue hours show or set a queue's opening hours, holidays and time zone\n"
	"\n"
	"Run `rapport <command> --help` for a command's options.\n";

static const char *usage_serve =
	"Usage: rapport serve [options]\n"
	"       rapport demo [options]   (same options; also creates the demo data)\n"
	"\n"
	"  --listen ADDR        address to listen on (RAPPORT_LISTEN, default 127.0.0.1)\n"
	"  --port N             port (RAPPORT_PORT, default 8080)\n"
	"  --data-dir DIR       where the database lives (RAPPORT_DATA_DIR, default ./data)\n"
	"  --web-root DIR       the web UI files (RAPPORT_WEB_ROOT, default ./web)\n"
	"  --durability MODE    full (default): fsync at every commit; normal: WAL without\n"
	"                       fsync per commit, a power cut may lose the last commits\n"
	"                       (RAPPORT_DURABILITY)\n"
	"  --max-chats N        default cap of concurrent chats per librarian (3)\n"
	"  --text-max N         characters per message (4000)\n"
	"  --chat-max-messages N\n"
	"                       messages in one chat; later sends are refused (10000)\n"
	"  --frame-max BYTES    largest WebSocket frame (16384)\n"
	"  --rate N             frames per second per connection (30)\n"
	"  --burst N            frames allowed at once (60)\n"
	"  --send-queue-max B   bytes waiting for a slow reader before it is cut off (1048576)\n"
	"  --session-idle S     staff session idle expiry in seconds (7200)\n"
	"  --session-max S      staff session absolute expiry in seconds (43200)\n"
	"  --queue-grace S      seconds a queued patron may be away before the chat is\n"
	"                       abandoned (120)\n"
	"  --offer-window S     seconds a remembered patron's chat is offered to their\n"
	"                       preferred or earlier librarian before it is open to all (30)\n"
	"  --handback-grace-ms MS\n"
	"                       a librarian whose console is gone (tab closed, crash, lost\n"
	"                       network) this long has their chats handed back to the\n"
	"                       front of the queue (60000; a reconnect within it cancels)\n"
	"  --workers N          reader/hashing threads (2)\n"
	"  --write-queue-max N  writes waiting for the store before new ones are refused\n"
	"                       with `busy` (65536)\n"
	"  --read-queue-max N   reads waiting for a worker before new ones are refused with\n"
	"                       `busy` (4096)\n"
	"  --new-patrons N      new anonymous patrons per address per minute (300; 0: no cap)\n"
	"  --tls-cookies        mark cookies Secure (when a TLS proxy is in front)\n"
	"  --demo-site-port N   also serve web/demo-site (a library website with the widget)\n"
	"                       on this port (demo: port+1; 0 turns it off)\n"
	"  --allow-origin O     demo only: also allow this origin to embed the widget\n"
	"  --smtp-url URL       smtp://host:port or smtps://host:port (RAPPORT_SMTP_URL);\n"
	"                       without it, nothing is e-mailed and patrons are told so\n"
	"  --smtp-starttls      require STARTTLS on smtp://\n"
	"  --smtp-user USER     SMTP login (RAPPORT_SMTP_USER)\n"
	"  --smtp-password-file FILE  SMTP password, first line (RAPPORT_SMTP_PASSWORD_FILE)\n"
	"  --mail-from ADDR     sender address (RAPPORT_MAIL_FROM, default rapport@localhost)\n"
	"  --public-url URL     base of links in mails (RAPPORT_PUBLIC_URL, default\n"
	"                       http://LISTEN:PORT)\n"
	"  --mail-retry-ms MS   first retry of a failed mail after MS, doubling (30000)\n"
	"  --mail-retry-max-ms MS  longest wait between attempts (3600000)\n"
	"  --mail-attempts N    a mail is dead after N attempts (30, about a day)\n"
	"  --mail-timeout S     seconds per SMTP transfer (60)\n"
	"  --patron-mails N     e-mails a patron may ask for per hour (5)\n"
	"  --signin-ttl S       seconds a sign-in link is valid (1800)\n"
	"  --time-scale N       testing only: the server's clock runs N times faster\n"
	"                       (RAPPORT_TIME_SCALE; 1)\n"
	"  -v, --verbose        debug logging\n";

static const char *usage_init =
	"Usage: rapport init --data-dir DIR --library SLUG --name NAME [options]\n"
	"\n"
	"Creates the library, or updates its name and origins if it exists.\n"
	"  --origin O           an origin allowed to embed the widget (repeatable),\n"
	"                       e.g. https://library.example.edu\n"
	"  --queue SLUG:NAME    a queue (repeatable; default ask:\"Ask a Librarian\")\n";

static const char *usage_staff =
	"Usage: rapport staff add --data-dir DIR --library SLUG --email EMAIL --name NAME\n"
	"                         [--role librarian|admin] [--max-chats N]\n"
	"                         [--password-file FILE]\n"
	"\n"
	"Creates the account, or updates it if the email exists. The password is read from\n"
	"FILE, or else from the first line of standard input; never from the command line.\n";

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

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* "rapport <command> <word> ...": moves argc/argv past the word and returns -1; otherwise
 * prints usage (to stdout for --help, exit 0; to stderr, exit 2) and returns the exit code. */
static int subcommand(int *argc, char ***argv, const char *word, const char *usage)
{
	int help = *argc >= 2 && !strcmp((*argv)[1], "--help");

	if (*argc < 2 || strcmp((*argv)[1], word) != 0) {
		fputs(usage, help ? stdout : stderr);
		return help ? 0 : 2;
	}
	(*argc)--;
	(*argv)++;
	return -1;
}

static void env_str(const char *name, char *dst, size_t cap)
{
	const char *v = getenv(name);

	if (v && *v)
		snprintf(dst, cap, "%s", v);
}

static int parse_durability(const char *s, enum store_durability *out)
{
	if (strcmp(s, "full") == 0)
		*out = STORE_DURABILITY_FULL;
	else if (strcmp(s, "normal") == 0)
		*out = STORE_DURABILITY_NORMAL;
	else
		return -1;
	return 0;
}

static int positive(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 0 || v > 1000000000)
		return -1;
	*out = (int)v;
	return 0;
}

/* ---- init helpers ---------------------------------------------------------------------- */

static int open_store(const char *dir, struct store_conn **sc)
{
	if (store_sqlite_ops.open(dir, STORE_DURABILITY_FULL, 0, sc)) {
		fprintf(stderr, "rapport: cannot open the store in %s\n", dir);
		return -1;
	}
	return 0;
}

static int ensure_library(struct store_conn *sc, const char *slug, const char *name,
			  const char *origins, char queues[][192], int n_queues,
			  struct store_library *lib)
{
	int i;

	memset(lib, 0, sizeof *lib);
	snprintf(lib->slug, sizeof lib->slug, "%s", slug);
	snprintf(lib->name, sizeof lib->name, "%s", name);
	snprintf(lib->origins, sizeof lib->origins, "%s", origins);
	if (store_sqlite_ops.library_ensure(sc, lib))
		return -1;
	for (i = 0; i < n_queues; i++) {
		struct store_queue q = {0};
		char *colon = strchr(queues[i], ':');

		if (!colon) {
			fprintf(stderr, "rapport: --queue wants SLUG:NAME\n");
			return -1;
		}
		q.library_id = lib->id;
		snprintf(q.slug, sizeof q.slug, "%.*s", (int)(colon - queues[i]), queues[i]);
		snprintf(q.name, sizeof q.name, "%s", colon + 1);
		if (store_sqlite_ops.queue_ensure(sc, &q))
			return -1;
	}
	return 0;
}

static int put_staff(struct store_conn *sc, int64_t library_id, const char *email, const char *name,
		     const char *role, int max_chats, const char *password)
{
	struct store_staff s = {0};

	s.library_id = library_id;
	snprintf(s.email, sizeof s.email, "%s", email);
	snprintf(s.display_name, sizeof s.display_name, "%s", name);
	snprintf(s.role, sizeof s.role, "%s", role);
	s.max_chats = max_chats;
	if (crypto_password_hash(password, strlen(password), s.pw_hash)) {
		fprintf(stderr, "rapport: cannot hash the password (out of memory?)\n");
		return -1;
	}
	return store_sqlite_ops.staff_put(sc, &s);
}

struct queue_find {
	int64_t library_id;
	const char *slug;
	int64_t id;
};

/* ---- commands ---------------------------------------------------------------------------- */

enum {
	OPT_LISTEN = 256,
	OPT_PORT,
	OPT_DATA,
	OPT_WEB,
	OPT_DUR,
	OPT_MAXCHATS,
	OPT_TEXTMAX,
	OPT_FRAMEMAX,
	OPT_RATE,
	OPT_BURST,
	OPT_SENDQ,
	OPT_SIDLE,
	OPT_SMAX,
	OPT_GRACE,
	OPT_OFFERWIN,
	OPT_WORKERS,
	OPT_TLS,
	OPT_DEMOSITE,
	OPT_ALLOW,
	OPT_LIBRARY,
	OPT_NAME,
	OPT_ORIGIN,
	OPT_QUEUE,
	OPT_EMAIL,
	OPT_ROLE,
	OPT_PWFILE,
	OPT_NEWPATRONS,
	OPT_SMTPURL,
	OPT_STARTTLS,
	OPT_SMTPUSER,
	OPT_SMTPPWFILE,
	OPT_MAILFROM,
	OPT_PUBURL,
	OPT_RETRYMS,
	OPT_RETRYMAX,
	OPT_ATTEMPTS,
	OPT_MAILTIMEOUT,
	OPT_PATRONMAILS,
	OPT_SIGNINTTL,
	OPT_WRITEQ,
	OPT_READQ,
	OPT_SET,
	OPT_TZ,
	OPT_CLOSED,
	OPT_REOPEN,
	OPT_REPLY,
	OPT_CHATMAX,
	OPT_HANDBACK,
	OPT_TIMESCALE,
};

/* Reads the first line of a secret file into out[cap]. 0 or -1 (said on stderr). */
static int read_secret(const char *file, char *out, size_t cap)
{
	FILE *f = fopen(file, "r");
	size_t n;

	if (!f || !fgets(out, (int)cap, f)) {
		fprintf(stderr, "rapport: cannot read %s\n", file);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

static int queue_find_cb(void *ctx, const struct store_queue *r);

/* The demo queue opens every day all day (Europe/London) unless hours were set. */
static int demo_hours(struct store_conn *sc, int64_t library_id)
{
	struct queue_find f = {library_id, "ask", 0};
	struct store_schedule *r = malloc(sizeof *r);
	int rc = store_sqlite_ops.queues(sc, queue_find_cb, &f);

	if (!r || (rc && rc != STORE_STOP) || !f.id || store_sqlite_ops.schedule_get(sc, f.id, r)) {
		free(r);
		return -1;
	}
	rc = 0;
	if (r->n_hours == 0 && r->n_closed == 0) {
		snprintf(r->time_zone, sizeof r->time_zone, "Europe/London");
		r->n_hours = 1;
		/* Sunday..Saturday, 00:00-24:00: one interval a day */
		for (int d = 0; d < 7; d++) {
			r->hours[d][0] = d;
			r->hours[d][1] = 0;
			r->hours[d][2] = SCHEDULE_DAY_MIN;
		}
		r->n_hours = 7;
		rc = store_sqlite_ops.schedule_put(sc, f.id, r);
	}
	free(r);
	return rc ? -1 : 0;
}

static int cmd_serve(int argc, char **argv, int demo)
{
	static const struct option opts[] = {{"listen", 1, 0, OPT_LISTEN},
					     {"port", 1, 0, OPT_PORT},
					     {"data-dir", 1, 0, OPT_DATA},
					     {"web-root", 1, 0, OPT_WEB},
					     {"durability", 1, 0, OPT_DUR},
					     {"max-chats", 1, 0, OPT_MAXCHATS},
					     {"text-max", 1, 0, OPT_TEXTMAX},
					     {"frame-max", 1, 0, OPT_FRAMEMAX},
					     {"chat-max-messages", 1, 0, OPT_CHATMAX},
					     {"rate", 1, 0, OPT_RATE},
					     {"burst", 1, 0, OPT_BURST},
					     {"send-queue-max", 1, 0, OPT_SENDQ},
					     {"session-idle", 1, 0, OPT_SIDLE},
					     {"session-max", 1, 0, OPT_SMAX},
					     {"queue-grace", 1, 0, OPT_GRACE},
					     {"offer-window", 1, 0, OPT_OFFERWIN},
					     {"handback-grace-ms", 1, 0, OPT_HANDBACK},
					     {"time-scale", 1, 0, OPT_TIMESCALE},
					     {"workers", 1, 0, OPT_WORKERS},
					     {"write-queue-max", 1, 0, OPT_WRITEQ},
					     {"read-queue-max", 1, 0, OPT_READQ},
					     {"tls-cookies", 0, 0, OPT_TLS},
					     {"new-patrons", 1, 0, OPT_NEWPATRONS},
					     {"demo-site-port", 1, 0, OPT_DEMOSITE},
					     {"allow-origin", 1, 0, OPT_ALLOW},
					     {"smtp-url", 1, 0, OPT_SMTPURL},
					     {"smtp-starttls", 0, 0, OPT_STARTTLS},
					     {"smtp-user", 1, 0, OPT_SMTPUSER},
					     {"smtp-password-file", 1, 0, OPT_SMTPPWFILE},
					     {"mail-from", 1, 0, OPT_MAILFROM},
					     {"public-url", 1, 0, OPT_PUBURL},
					     {"mail-retry-ms", 1, 0, OPT_RETRYMS},
					     {"mail-retry-max-ms", 1, 0, OPT_RETRYMAX},
					     {"mail-attempts", 1, 0, OPT_ATTEMPTS},
					     {"mail-timeout", 1, 0, OPT_MAILTIMEOUT},
					     {"patron-mails", 1, 0, OPT_PATRONMAILS},
					     {"signin-ttl", 1, 0, OPT_SIGNINTTL},
					     {"verbose", 0, 0, 'v'},
					     {"help", 0, 0, 'h'},
					     {0, 0, 0, 0}};
	struct server_config cfg;
	char allow[768] = "", banner[2048], pwfile[512] = "";
	int c, bad = 0, *intp, demo_site = -1, time_scale = env_int("RAPPORT_TIME_SCALE", 1);
	const char *dur = getenv("RAPPORT_DURABILITY");

	server_config_defaults(&cfg);
	env_str("RAPPORT_LISTEN", cfg.listen, sizeof cfg.listen);
	cfg.port = env_int("RAPPORT_PORT", cfg.port);
	env_str("RAPPORT_DATA_DIR", cfg.data_dir, sizeof cfg.data_dir);
	env_str("RAPPORT_WEB_ROOT", cfg.web_root, sizeof cfg.web_root);
	env_str("RAPPORT_SMTP_URL", cfg.smtp_url, sizeof cfg.smtp_url);
	env_str("RAPPORT_SMTP_USER", cfg.smtp_user, sizeof cfg.smtp_user);
	env_str("RAPPORT_SMTP_PASSWORD_FILE", pwfile, sizeof pwfile);
	env_str("RAPPORT_MAIL_FROM", cfg.mail_from, sizeof cfg.mail_from);
	env_str("RAPPORT_PUBLIC_URL", cfg.public_url, sizeof cfg.public_url);
	if (dur && *dur && parse_durability(dur, &cfg.durability)) {
		fprintf(stderr, "rapport: RAPPORT_DURABILITY must be full or normal\n");
		return 2;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		intp = NULL;
		switch (c) {
		case OPT_LISTEN: snprintf(cfg.listen, sizeof cfg.listen, "%s", optarg); break;
		case OPT_DATA: snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", optarg); break;
		case OPT_WEB: snprintf(cfg.web_root, sizeof cfg.web_root, "%s", optarg); break;
		case OPT_DUR:
			if (parse_durability(optarg, &cfg.durability)) {
				fprintf(stderr, "rapport: --durability must be full or normal\n");
				bad = 1;
			}
			break;
		case OPT_PORT: intp = &cfg.port; break;
		case OPT_MAXCHATS: intp = &cfg.max_chats; break;
		case OPT_TEXTMAX: intp = &cfg.text_max; break;
		case OPT_CHATMAX: intp = &cfg.chat_max_messages; break;
		case OPT_FRAMEMAX: intp = &cfg.frame_max; break;
		case OPT_RATE: intp = &cfg.rate; break;
		case OPT_BURST: intp = &cfg.burst; break;
		case OPT_SENDQ: intp = &cfg.send_queue_max; break;
		case OPT_SIDLE: intp = &cfg.session_idle; break;
		case OPT_SMAX: intp = &cfg.session_max; break;
		case OPT_GRACE: intp = &cfg.queue_grace; break;
		case OPT_OFFERWIN: intp = &cfg.offer_window; break;
		case OPT_HANDBACK: intp = &cfg.handback_grace_ms; break;
		case OPT_TIMESCALE: intp = &time_scale; break;
		case OPT_WORKERS: intp = &cfg.workers; break;
		case OPT_WRITEQ: intp = &cfg.write_queue_max; break;
		case OPT_READQ: intp = &cfg.read_queue_max; break;
		case OPT_NEWPATRONS: intp = &cfg.new_patrons; break;
		case OPT_DEMOSITE: intp = &demo_site; break;
		case OPT_TLS: cfg.tls = 1; break;
		case OPT_SMTPURL: snprintf(cfg.smtp_url, sizeof cfg.smtp_url, "%s", optarg); break;
		case OPT_STARTTLS: cfg.smtp_starttls = 1; break;
		case OPT_SMTPUSER:
			snprintf(cfg.smtp_user, sizeof cfg.smtp_user, "%s", optarg);
			break;
		case OPT_SMTPPWFILE: snprintf(pwfile, sizeof pwfile, "%s", optarg); break;
		case OPT_MAILFROM:
			snprintf(cfg.mail_from, sizeof cfg.mail_from, "%s", optarg);
			break;
		case OPT_PUBURL:
			snprintf(cfg.public_url, sizeof cfg.public_url, "%s", optarg);
			break;
		case OPT_RETRYMS: intp = &cfg.mail_retry_ms; break;
		case OPT_RETRYMAX: intp = &cfg.mail_retry_max_ms; break;
		case OPT_ATTEMPTS: intp = &cfg.mail_attempts; break;
		case OPT_MAILTIMEOUT: intp = &cfg.mail_timeout; break;
		case OPT_PATRONMAILS: intp = &cfg.patron_mails; break;
		case OPT_SIGNINTTL: intp = &cfg.signin_ttl; break;
		case OPT_ALLOW:
			if (strlen(allow) + strlen(optarg) + 2 < sizeof allow) {
				strcat(allow, "\n");
				strcat(allow, optarg);
			}
			break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'h': fputs(usage_serve, stdout); return 0;
		default: bad = 1;
		}
		if (intp && positive(optarg, intp)) {
			fprintf(stderr, "rapport: %s wants a number\n", argv[optind - 1]);
			bad = 1;
		}
	}
	if (bad || optind < argc || cfg.port < 1 || cfg.port > 65535 || cfg.workers < 1 ||
	    cfg.workers > 16 || cfg.rate < 1 || cfg.burst < 1 || cfg.frame_max < 256 ||
	    cfg.text_max < 1 || cfg.chat_max_messages < 1 || cfg.send_queue_max < 65536 ||
	    cfg.offer_window < 0 || cfg.handback_grace_ms < 1) {
		if (!bad)
			fprintf(stderr, "rapport: bad option value\n");
		fputs(usage_serve, stderr);
		return 2;
	}
	if (!cfg.mail_from[0])
		snprintf(cfg.mail_from, sizeof cfg.mail_from, "rapport@localhost.localdomain");
	if (!cfg.public_url[0])
		snprintf(cfg.public_url, sizeof cfg.public_url, "http://%s:%d", cfg.listen,
			 cfg.port);
	{
		size_t n = strlen(cfg.public_url);

		while (n && cfg.public_url[n - 1] == '/')
			cfg.public_url[--n] = '\0';
	}
	if (cfg.smtp_url[0] && strncmp(cfg.smtp_url, "smtp://", 7) &&
	    strncmp(cfg.smtp_url, "smtps://", 8)) {
		fprintf(stderr, "rapport: --smtp-url must start with smtp:// or smtps://\n");
		return 2;
	}
	if (!mail_addr_valid(cfg.mail_from) || cfg.mail_attempts < 1 || cfg.signin_ttl < 1) {
		fprintf(stderr, "rapport: bad --mail-from, --mail-attempts or --signin-ttl\n");
		return 2;
	}
	if (pwfile[0] && read_secret(pwfile, cfg.smtp_password, sizeof cfg.smtp_password))
		return 2;
	if (time_scale < 1 || time_scale > 3600) {
		fprintf(stderr, "rapport: --time-scale must be 1..3600\n");
		return 2;
	}
	if (time_scale > 1) {
		app_clock_scale(time_scale);
		fprintf(stderr, "rapport: testing: the clock runs %d times faster\n", time_scale);
	}
	cfg.demo_site_port = demo_site >= 0 ? demo_site : (demo ? cfg.port + 1 : 0);
	if (demo) {
		struct store_conn *sc;
		struct store_library lib;
		struct store_staff existing;
		char origins[1024], queues[1][192] = {"ask:Ask a Librarian"};
		static const struct {
			const char *email, *name, *role;
		} people[] = {{"jen@demo.library", "Jen Ortiz", "librarian"},
			      {"sam@demo.library", "Sam Lee", "admin"}};
		size_t i;

		snprintf(origins, sizeof origins, "http://127.0.0.1:%d\nhttp://localhost:%d%s",
			 cfg.demo_site_port, cfg.demo_site_port, allow);
		if (open_store(cfg.data_dir, &sc))
			return 1;
		if (ensure_library(sc, "demo", "Riverside Public Library", origins, queues, 1,
				   &lib)) {
			store_sqlite_ops.close(sc);
			fprintf(stderr, "rapport: cannot create the demo library\n");
			return 1;
		}
		if (demo_hours(sc, lib.id)) {
			store_sqlite_ops.close(sc);
			fprintf(stderr, "rapport: cannot set the demo queue's hours\n");
			return 1;
		}
		for (i = 0; i < 2; i++)
			if (store_sqlite_ops.staff_by_email(sc, people[i].email, &existing) &&
			    put_staff(sc, lib.id, people[i].email, people[i].name, people[i].role,
				      0, "rapport-demo")) {
				store_sqlite_ops.close(sc);
				return 1;
			}
		store_sqlite_ops.close(sc);
		{
			char site[160] = "";

			if (cfg.demo_site_port)
				snprintf(site, sizeof site,
					 "  Library website with the chat widget: http://%s:%d/\n",
					 cfg.listen, cfg.demo_site_port);
			snprintf(banner, sizeof banner,
				 "\nrapport demo is running.\n"
				 "  Patron chat:    http://%s:%d/chat\n"
				 "  Staff console:  http://%s:%d/console\n"
				 "%s"
				 "  Demo logins:    jen@demo.library / rapport-demo  (Jen Ortiz, "
				 "librarian)\n"
				 "                  sam@demo.library / rapport-demo  (Sam Lee, "
				 "admin)\n"
				 "  Stop with Ctrl-C.\n\n",
				 cfg.listen, cfg.port, cfg.listen, cfg.port, site);
		}
	}
	return server_run(&cfg, demo ? banner : NULL);
}

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {{"data-dir", 1, 0, OPT_DATA},
					     {"library", 1, 0, OPT_LIBRARY},
					     {"name", 1, 0, OPT_NAME},
					     {"origin", 1, 0, OPT_ORIGIN},
					     {"queue", 1, 0, OPT_QUEUE},
					     {"help", 0, 0, 'h'},
					     {0, 0, 0, 0}};
	char data[512] = "./data", slug[64] = "", name[128] = "", origins[1024] = "";
	char queues[16][192];
	int c, n_queues = 0, rc;
	struct store_conn *sc;
	struct store_library lib;

	env_str("RAPPORT_DATA_DIR", data, sizeof data);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: snprintf(data, sizeof data, "%s", optarg); break;
		case OPT_LIBRARY: snprintf(slug, sizeof slug, "%s", optarg); break;
		case OPT_NAME: snprintf(name, sizeof name, "%s", optarg); break;
		case OPT_ORIGIN:
			if (strlen(origins) + strlen(optarg) + 2 < sizeof origins) {
				if (origins[0])
					strcat(origins, "\n");
				strcat(origins, optarg);
			}
			break;
		case OPT_QUEUE:
			if (n_queues < 16)
				snprintf(queues[n_queues++], sizeof queues[0], "%s", optarg);
			break;
		case 'h': fputs(usage_init, stdout); return 0;
		default: fputs(usage_init, stderr); return 2;
		}
	}
	if (!slug[0] || !name[0] || optind < argc) {
		fputs(usage_init, stderr);
		return 2;
	}
	if (!n_queues)
		snprintf(queues[n_queues++], sizeof queues[0], "ask:Ask a Librarian");
	if (open_store(data, &sc))
		return 1;
	rc = ensure_library(sc, slug, name, origins, queues, n_queues, &lib);
	store_sqlite_ops.close(sc);
	if (rc) {
		fprintf(stderr, "rapport: cannot create the library\n");
		return 1;
	}
	printf("library %s (id %lld) ready with %d queue(s)\n", slug, (long long)lib.id, n_queues);
	return 0;
}

struct lib_find {
	const char *slug;
	struct store_library *out;
	int found;
};

static int lib_find_cb(void *ctx, const struct store_library *r)
{
	struct lib_find *f = ctx;

	if (strcmp(r->slug, f->slug) != 0)
		return 0;
	*f->out = *r;
	f->found = 1;
	return STORE_STOP;
}

static int find_library(struct store_conn *sc, const char *slug, struct store_library *out)
{
	struct lib_find f = {slug, out, 0};
	int rc = store_sqlite_ops.libraries(sc, lib_find_cb, &f);

	return (rc && rc != STORE_STOP) || !f.found ? -1 : 0;
}

static int read_password(const char *file, char *out, size_t cap)
{
	FILE *f = file ? fopen(file, "r") : stdin;
	size_t n;

	if (!f) {
		fprintf(stderr, "rapport: cannot read %s\n", file);
		return -1;
	}
	if (!file && isatty(STDIN_FILENO))
		fprintf(stderr, "Password: ");
	if (!fgets(out, (int)cap, f))
		out[0] = '\0';
	if (file)
		fclose(f);
	n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n < 8) {
		fprintf(stderr, "rapport: the password must have at least 8 characters\n");
		return -1;
	}
	return 0;
}

static int cmd_staff(int argc, char **argv)
{
	static const struct option opts[] = {{"data-dir", 1, 0, OPT_DATA},
					     {"library", 1, 0, OPT_LIBRARY},
					     {"email", 1, 0, OPT_EMAIL},
					     {"name", 1, 0, OPT_NAME},
					     {"role", 1, 0, OPT_ROLE},
					     {"max-chats", 1, 0, OPT_MAXCHATS},
					     {"password-file", 1, 0, OPT_PWFILE},
					     {"help", 0, 0, 'h'},
					     {0, 0, 0, 0}};
	char data[512] = "./data", slug[64] = "", email[256] = "", name[128] = "",
	     role[16] = "librarian", pw[1024];
	const char *pwfile = NULL;
	int c, max_chats = 0, rc;
	struct store_conn *sc;
	struct store_library lib = {0};

	if ((rc = subcommand(&argc, &argv, "add", usage_staff)) >= 0)
		return rc;
	env_str("RAPPORT_DATA_DIR", data, sizeof data);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: snprintf(data, sizeof data, "%s", optarg); break;
		case OPT_LIBRARY: snprintf(slug, sizeof slug, "%s", optarg); break;
		case OPT_EMAIL: snprintf(email, sizeof email, "%s", optarg); break;
		case OPT_NAME: snprintf(name, sizeof name, "%s", optarg); break;
		case OPT_ROLE: snprintf(role, sizeof role, "%s", optarg); break;
		case OPT_PWFILE: pwfile = optarg; break;
		case OPT_MAXCHATS:
			if (positive(optarg, &max_chats)) {
				fputs(usage_staff, stderr);
				return 2;
			}
			break;
		case 'h': fputs(usage_staff, stdout); return 0;
		default: fputs(usage_staff, stderr); return 2;
		}
	}
	if (!slug[0] || !email[0] || !name[0] || optind < argc ||
	    (strcmp(role, "librarian") && strcmp(role, "admin")) || !strchr(email, '@')) {
		fputs(usage_staff, stderr);
		return 2;
	}
	if (read_password(pwfile, pw, sizeof pw))
		return 2;
	if (open_store(data, &sc))
		return 1;
	rc = find_library(sc, slug, &lib);
	if (rc) {
		fprintf(stderr, "rapport: no library %s (create it with rapport init)\n", slug);
		store_sqlite_ops.close(sc);
		return 1;
	}
	rc = put_staff(sc, lib.id, email, name, role, max_chats, pw);
	memset(pw, 0, sizeof pw);
	store_sqlite_ops.close(sc);
	if (rc) {
		fprintf(stderr, "rapport: cannot save the account\n");
		return 1;
	}
	printf("staff %s (%s) ready in library %s\n", email, role, slug);
	return 0;
}

static int queue_find_cb(void *ctx, const struct store_queue *r)
{
	struct queue_find *f = ctx;

	if (r->library_id != f->library_id || strcmp(r->slug, f->slug))
		return 0;
	f->id = r->id;
	return STORE_STOP;
}

/* Applies --set / --closed / --reopen / --time-zone / --reply-hours to r. 0 or 2. */
static int queue_hours_apply(struct store_schedule *r, const char *set, const char *tz,
			     char dates[][16], int n_dates, int reply)
{
	struct schedule s;
	int i;

	schedule_from_store(&s, r);
	if (set && schedule_parse_hours(&s, set)) {
		fprintf(stderr, "rapport: --set wants \"Mon-Fri 09:00-17:00; Sat 10:00-14:00\"\n");
		return 2;
	}
	if (tz) {
		if (!schedule_tz_valid(tz)) {
			fprintf(stderr,
				"rapport: unknown time zone %s (an IANA name such as "
				"Europe/London)\n",
				tz);
			return 2;
		}
		snprintf(r->time_zone, sizeof r->time_zone, "%s", tz);
	}
	for (i = 0; i < n_dates; i++) {
		int32_t d;
		size_t k;

		if (schedule_parse_date(dates[i] + 1, &d)) {
			fprintf(stderr, "rapport: a date is YYYY-MM-DD, not %s\n", dates[i] + 1);
			return 2;
		}
		if (dates[i][0] == '+' && schedule_add_closed(&s, d)) {
			fprintf(stderr, "rapport: too many closed dates\n");
			return 2;
		}
		for (k = 0; dates[i][0] == '-' && k < s.n_closed; k++)
			if (s.closed[k] == d)
				s.closed[k--] = s.closed[--s.n_closed];
	}
	if (reply > 0)
		r->reply_policy_hours = reply;
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

static void queue_hours_print(const char *lib, const char *queue, const struct store_schedule *r)
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

static int cmd_queue(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data-dir", 1, 0, OPT_DATA}, {"library", 1, 0, OPT_LIBRARY},
		{"queue", 1, 0, OPT_QUEUE},   {"set", 1, 0, OPT_SET},
		{"time-zone", 1, 0, OPT_TZ},  {"closed", 1, 0, OPT_CLOSED},
		{"reopen", 1, 0, OPT_REOPEN}, {"reply-hours", 1, 0, OPT_REPLY},
		{"help", 0, 0, 'h'},	      {0, 0, 0, 0}};
	char data[512] = "./data", slug[64] = "", qslug[64] = "", dates[32][16];
	const char *set = NULL, *tz = NULL;
	int c, n_dates = 0, reply = 0, rc;
	struct store_conn *sc;
	struct store_library lib = {0};
	struct store_schedule *r;
	struct queue_find f = {0};

	if ((rc = subcommand(&argc, &argv, "hours", usage_queue)) >= 0)
		return rc;
	env_str("RAPPORT_DATA_DIR", data, sizeof data);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: snprintf(data, sizeof data, "%s", optarg); break;
		case OPT_LIBRARY: snprintf(slug, sizeof slug, "%s", optarg); break;
		case OPT_QUEUE: snprintf(qslug, sizeof qslug, "%s", optarg); break;
		case OPT_SET: set = optarg; break;
		case OPT_TZ: tz = optarg; break;
		case OPT_CLOSED:
		case OPT_REOPEN:
			if (n_dates >= 32 || strlen(optarg) > 10) {
				fputs(usage_queue, stderr);
				return 2;
			}
			snprintf(dates[n_dates++], sizeof dates[0], "%c%s",
				 c == OPT_CLOSED ? '+' : '-', optarg);
			break;
		case OPT_REPLY:
			if (positive(optarg, &reply) || reply < 1 || reply > 2400) {
				fputs("rapport: --reply-hours is 1 to 2400\n", stderr);
				return 2;
			}
			break;
		case 'h': fputs(usage_queue, stdout); return 0;
		default: fputs(usage_queue, stderr); return 2;
		}
	}
	if (!slug[0] || !qslug[0] || optind < argc) {
		fputs(usage_queue, stderr);
		return 2;
	}
	if (open_store(data, &sc))
		return 1;
	if (find_library(sc, slug, &lib)) {
		fprintf(stderr, "rapport: no library %s (create it with rapport init)\n", slug);
		store_sqlite_ops.close(sc);
		return 1;
	}
	f.library_id = lib.id;
	f.slug = qslug;
	rc = store_sqlite_ops.queues(sc, queue_find_cb, &f);
	if ((rc && rc != STORE_STOP) || !f.id) {
		fprintf(stderr, "rapport: no queue %s in library %s\n", qslug, slug);
		store_sqlite_ops.close(sc);
		return 1;
	}
	if (!(r = malloc(sizeof *r)) || store_sqlite_ops.schedule_get(sc, f.id, r)) {
		fprintf(stderr, "rapport: cannot read the schedule\n");
		free(r);
		store_sqlite_ops.close(sc);
		return 1;
	}
	rc = queue_hours_apply(r, set, tz, dates, n_dates, reply);
	if (!rc && (set || tz || n_dates || reply) && store_sqlite_ops.schedule_put(sc, f.id, r)) {
		fprintf(stderr, "rapport: cannot save the schedule\n");
		rc = 1;
	}
	if (!rc)
		queue_hours_print(slug, qslug, r);
	free(r);
	store_sqlite_ops.close(sc);
	return rc;
}

int main(int argc, char **argv)
{
	if (crypto_init()) {
		fprintf(stderr, "rapport: libsodium failed to start\n");
		return 1;
	}
	/* once, before any thread: curl_global_init is not thread-safe */
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "rapport: libcurl failed to start\n");
		return 1;
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		if (argc >= 2)
			fputs("\nOptions of serve and demo:\n\n", stdout),
				fputs(usage_serve, stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("rapport " RAPPORT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1, 0);
	if (!strcmp(argv[1], "demo"))
		return cmd_serve(argc - 1, argv + 1, 1);
	if (!strcmp(argv[1], "init"))
		return cmd_init(argc - 1, argv + 1);
	if (!strcmp(argv[1], "staff"))
		return cmd_staff(argc - 1, argv + 1);
	if (!strcmp(argv[1], "queue"))
		return cmd_queue(argc - 1, argv + 1);
	fprintf(stderr, "rapport: unknown command %s\n\n%s", argv[1], usage_main);
	return 2;
}
