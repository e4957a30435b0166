/* serve.c: `rapport serve` and `rapport demo`: their options (one table: name, kind, where
 * the value goes), the environment, the checks of the values, then the server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/server.h"
#include "cli/cli.h"
#include "mail/message.h"
#include "util/log.h"

const char cli_usage_serve[] =
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
	"  --handoff-timeout-ms MS\n"
	"                       a hand-off nobody accepts this long comes back to the\n"
	"                       librarian who offered it (60000)\n"
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

/* What the command line and the environment give: the server's configuration and what
 * is decided before the server starts. */
struct serve_args {
	struct server_config cfg;
	char allow[768]; /* "\norigin" per --allow-origin (demo) */
	char pwfile[512]; /* --smtp-password-file */
	int demo_site; /* --demo-site-port, -1 when not given */
	int time_scale; /* --time-scale */
	int bad; /* an option was refused (and said so) */
};

enum serve_kind {
	K_INT, /* a number (cli_positive) into an int */
	K_STR, /* copied into a char array */
	K_FLAG, /* no argument: the int becomes 1 */
	K_DURABILITY, /* full or normal */
	K_ALLOW, /* appended to allow */
	K_VERBOSE, /* debug logging */
	K_HELP, /* the usage on stdout, exit 0 */
};

struct serve_opt {
	const char *name;
	enum serve_kind kind;
	size_t off; /* where the value goes in struct serve_args */
	size_t cap; /* K_STR: the array's size */
	char short_name;
};

#define CFG(f) (offsetof(struct serve_args, cfg) + offsetof(struct server_config, f))
#define CFG_SIZE(f) sizeof(((struct server_config *)0)->f)
#define CFG_INT(n, f)                                                                              \
	{                                                                                          \
		n, K_INT, CFG(f), 0, 0                                                             \
	}
#define CFG_STR(n, f)                                                                              \
	{                                                                                          \
		n, K_STR, CFG(f), CFG_SIZE(f), 0                                                   \
	}
#define CFG_FLAG(n, f)                                                                             \
	{                                                                                          \
		n, K_FLAG, CFG(f), 0, 0                                                            \
	}
#define ARG_INT(n, f)                                                                              \
	{                                                                                          \
		n, K_INT, offsetof(struct serve_args, f), 0, 0                                     \
	}

/* In the order getopt_long lists them when an abbreviation is ambiguous. */
static const struct serve_opt serve_opts[] = {
	CFG_STR("listen", listen),
	CFG_INT("port", port),
	CFG_STR("data-dir", data_dir),
	CFG_STR("web-root", web_root),
	{"durability", K_DURABILITY, 0, 0, 0},
	CFG_INT("max-chats", max_chats),
	CFG_INT("text-max", text_max),
	CFG_INT("frame-max", frame_max),
	CFG_INT("chat-max-messages", chat_max_messages),
	CFG_INT("rate", rate),
	CFG_INT("burst", burst),
	CFG_INT("send-queue-max", send_queue_max),
	CFG_INT("session-idle", session_idle),
	CFG_INT("session-max", session_max),
	CFG_INT("queue-grace", queue_grace),
	CFG_INT("offer-window", offer_window),
	CFG_INT("handback-grace-ms", handback_grace_ms),
	CFG_INT("handoff-timeout-ms", handoff_timeout_ms),
	ARG_INT("time-scale", time_scale),
	CFG_INT("workers", workers),
	CFG_INT("write-queue-max", write_queue_max),
	CFG_INT("read-queue-max", read_queue_max),
	CFG_FLAG("tls-cookies", tls),
	CFG_INT("new-patrons", new_patrons),
	ARG_INT("demo-site-port", demo_site),
	{"allow-origin", K_ALLOW, 0, 0, 0},
	CFG_STR("smtp-url", smtp_url),
	CFG_FLAG("smtp-starttls", smtp_starttls),
	CFG_STR("smtp-user", smtp_user),
	{"smtp-password-file", K_STR, offsetof(struct serve_args, pwfile),
	 sizeof(((struct serve_args *)0)->pwfile), 0},
	CFG_STR("mail-from", mail_from),
	CFG_STR("public-url", public_url),
	CFG_INT("mail-retry-ms", mail_retry_ms),
	CFG_INT("mail-retry-max-ms", mail_retry_max_ms),
	CFG_INT("mail-attempts", mail_attempts),
	CFG_INT("mail-timeout", mail_timeout),
	CFG_INT("patron-mails", patron_mails),
	CFG_INT("signin-ttl", signin_ttl),
	{"verbose", K_VERBOSE, 0, 0, 'v'},
	{"help", K_HELP, 0, 0, 'h'},
};

#define N_SERVE_OPTS (sizeof serve_opts / sizeof serve_opts[0])

/* What getopt_long returns for option i. */
static int serve_opt_val(size_t i)
{
	return serve_opts[i].short_name ? serve_opts[i].short_name : 256 + (int)i;
}

/* The option getopt_long returned as c, or NULL ('?': refused). */
static const struct serve_opt *serve_opt_of(int c)
{
	for (size_t i = 0; i < N_SERVE_OPTS; i++)
		if (serve_opt_val(i) == c)
			return &serve_opts[i];
	return NULL;
}

/* getopt_long's table from serve_opts, into out[N_SERVE_OPTS + 1]. */
static void serve_longopts(struct option *out)
{
	for (size_t i = 0; i < N_SERVE_OPTS; i++) {
		enum serve_kind k = serve_opts[i].kind;

		out[i] = (struct option){serve_opts[i].name,
					 k == K_FLAG || k == K_VERBOSE || k == K_HELP ? 0 : 1, NULL,
					 serve_opt_val(i)};
	}
	out[N_SERVE_OPTS] = (struct option){0, 0, 0, 0};
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

/* One option's value (optarg) into a; a refused value is said and sets a->bad. `word` is
 * the option as typed, for the message. */
static void serve_apply(const struct serve_opt *o, struct serve_args *a, const char *word)
{
	char *at = (char *)a + o->off;

	switch (o->kind) {
	case K_INT:
		if (cli_positive(optarg, (int *)(void *)at)) {
			fprintf(stderr, "rapport: %s wants a number\n", word);
			a->bad = 1;
		}
		break;
	case K_STR: snprintf(at, o->cap, "%s", optarg); break;
	case K_FLAG: *(int *)(void *)at = 1; break;
	case K_DURABILITY:
		if (parse_durability(optarg, &a->cfg.durability)) {
			fprintf(stderr, "rapport: --durability must be full or normal\n");
			a->bad = 1;
		}
		break;
	case K_ALLOW:
		if (strlen(a->allow) + strlen(optarg) + 2 < sizeof a->allow) {
			strcat(a->allow, "\n");
			strcat(a->allow, optarg);
		}
		break;
	case K_VERBOSE: log_set_level(LOG_DEBUG); break;
	case K_HELP: break;
	}
}

/* The defaults, then the environment. -1 to go on, or the exit code. */
static int serve_env(struct serve_args *a)
{
	struct server_config *cfg = &a->cfg;
	const char *dur = getenv("RAPPORT_DURABILITY");

	memset(a, 0, sizeof *a);
	a->demo_site = -1;
	a->time_scale = cli_env_int("RAPPORT_TIME_SCALE", 1);
	server_config_defaults(cfg);
	cli_env_str("RAPPORT_LISTEN", cfg->listen, sizeof cfg->listen);
	cfg->port = cli_env_int("RAPPORT_PORT", cfg->port);
	cli_env_str("RAPPORT_DATA_DIR", cfg->data_dir, sizeof cfg->data_dir);
	cli_env_str("RAPPORT_WEB_ROOT", cfg->web_root, sizeof cfg->web_root);
	cli_env_str("RAPPORT_SMTP_URL", cfg->smtp_url, sizeof cfg->smtp_url);
	cli_env_str("RAPPORT_SMTP_USER", cfg->smtp_user, sizeof cfg->smtp_user);
	cli_env_str("RAPPORT_SMTP_PASSWORD_FILE", a->pwfile, sizeof a->pwfile);
	cli_env_str("RAPPORT_MAIL_FROM", cfg->mail_from, sizeof cfg->mail_from);
	cli_env_str("RAPPORT_PUBLIC_URL", cfg->public_url, sizeof cfg->public_url);
	if (dur && *dur && parse_durability(dur, &cfg->durability)) {
		fprintf(stderr, "rapport: RAPPORT_DURABILITY must be full or normal\n");
		return 2;
	}
	return -1;
}

/* The command line over the environment. -1 to go on, or the exit code (0 for --help). */
static int serve_parse(int argc, char **argv, struct serve_args *a)
{
	struct option longopts[N_SERVE_OPTS + 1];
	const struct serve_opt *o;
	int c;

	serve_longopts(longopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (!(o = serve_opt_of(c))) {
			a->bad = 1;
			continue;
		}
		if (o->kind == K_HELP) {
			fputs(cli_usage_serve, stdout);
			return 0;
		}
		serve_apply(o, a, argv[optind - 1]);
	}
	if (a->bad || optind < argc)
		return 1;
	return -1;
}

/* The ranges of the numbers. -1 to go on, or 2 (said, with the usage, on stderr). */
static int serve_check_numbers(const struct serve_args *a, int refused)
{
	const struct server_config *cfg = &a->cfg;

	if (refused || cfg->port < 1 || cfg->port > 65535 || cfg->workers < 1 ||
	    cfg->workers > 16 || cfg->rate < 1 || cfg->burst < 1 || cfg->frame_max < 256 ||
	    cfg->text_max < 1 || cfg->chat_max_messages < 1 || cfg->send_queue_max < 65536 ||
	    cfg->offer_window < 0 || cfg->handback_grace_ms < 1 || cfg->handoff_timeout_ms < 1) {
		if (!a->bad)
			fprintf(stderr, "rapport: bad option value\n");
		fputs(cli_usage_serve, stderr);
		return 2;
	}
	return -1;
}

/* The e-mail settings: defaults of the sender and the public URL, then their checks and
 * the SMTP password. -1 to go on, or 2 (said on stderr). */
static int serve_mail(struct serve_args *a)
{
	struct server_config *cfg = &a->cfg;
	size_t n;

	if (!cfg->mail_from[0])
		snprintf(cfg->mail_from, sizeof cfg->mail_from, "rapport@localhost.localdomain");
	if (!cfg->public_url[0])
		snprintf(cfg->public_url, sizeof cfg->public_url, "http://%s:%d", cfg->listen,
			 cfg->port);
	n = strlen(cfg->public_url);
	while (n && cfg->public_url[n - 1] == '/')
		cfg->public_url[--n] = '\0';
	if (cfg->smtp_url[0] && strncmp(cfg->smtp_url, "smtp://", 7) &&
	    strncmp(cfg->smtp_url, "smtps://", 8)) {
		fprintf(stderr, "rapport: --smtp-url must start with smtp:// or smtps://\n");
		return 2;
	}
	if (!mail_addr_valid(cfg->mail_from) || cfg->mail_attempts < 1 || cfg->signin_ttl < 1) {
		fprintf(stderr, "rapport: bad --mail-from, --mail-attempts or --signin-ttl\n");
		return 2;
	}
	if (a->pwfile[0] &&
	    cli_read_secret(a->pwfile, cfg->smtp_password, sizeof cfg->smtp_password))
		return 2;
	return -1;
}

/* --time-scale: checked, then applied. -1 to go on, or 2 (said on stderr). */
static int serve_clock(const struct serve_args *a)
{
	if (a->time_scale < 1 || a->time_scale > 3600) {
		fprintf(stderr, "rapport: --time-scale must be 1..3600\n");
		return 2;
	}
	if (a->time_scale > 1) {
		app_clock_scale(a->time_scale);
		fprintf(stderr, "rapport: testing: the clock runs %d times faster\n",
			a->time_scale);
	}
	return -1;
}

/* serve, or demo when demo is 1: the options, the checks, the demo data, the server. */
static int serve_main(int argc, char **argv, int demo)
{
	struct serve_args a;
	char banner[2048];
	int rc;

	if ((rc = serve_env(&a)) >= 0)
		return rc;
	rc = serve_parse(argc, argv, &a);
	if (rc == 0)
		return 0;
	if ((rc = serve_check_numbers(&a, rc > 0)) >= 0 || (rc = serve_mail(&a)) >= 0 ||
	    (rc = serve_clock(&a)) >= 0)
		return rc;
	a.cfg.demo_site_port = a.demo_site >= 0 ? a.demo_site : (demo ? a.cfg.port + 1 : 0);
	if (demo && cli_demo_prepare(&a.cfg, a.allow, banner, sizeof banner))
		return 1;
	return server_run(&a.cfg, demo ? banner : NULL);
}

int cli_serve(int argc, char **argv)
{
	return serve_main(argc, argv, 0);
}

int cli_demo(int argc, char **argv)
{
	return serve_main(argc, argv, 1);
}
