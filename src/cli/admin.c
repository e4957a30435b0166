/* admin.c: `rapport init` (a library and its queues) and `rapport staff add` (a staff
 * account), run against the store directly, without a server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "desk/desk.h"
#include "util/email.h"

static const char *usage_init =
	"Usage: rapport init --data-dir DIR --library SLUG --name NAME [options]\n"
	"\n"
	"Creates the library, or updates its name and origins if it exists.\n"
	"  --origin O           an origin allowed to embed the widget (repeatable),\n"
	"                       e.g. https://library.example.edu\n"
	"  --queue SLUG:NAME    a queue (repeatable; default ask:\"Ask a Librarian\")\n";

static const char *usage_staff =
	"Usage: rapport staff add --data-dir DIR --library SLUG --email EMAIL --name NAME\n"
	"                         [--role ROLE] [--max-chats N]\n"
	"                         [--password-file FILE]\n"
	"\n"
	"Creates the account, or updates it if the email exists. The password is read from\n"
	"FILE, or else from the first line of standard input; never from the command line.\n"
	"ROLE: librarian (the default), supervisor, admin or consortium_admin.\n";

enum {
	OPT_DATA = 256,
	OPT_LIBRARY,
	OPT_NAME,
	OPT_ORIGIN,
	OPT_QUEUE,
	OPT_EMAIL,
	OPT_ROLE,
	OPT_MAXCHATS,
	OPT_PWFILE,
};

int cli_init(int argc, char **argv)
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

	cli_env_str("RAPPORT_DATA_DIR", data, sizeof data);
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
	if (cli_open_store(data, &sc))
		return 1;
	rc = cli_ensure_library(sc, slug, name, origins, queues, n_queues, &lib);
	store_sqlite_ops.close(sc);
	if (rc) {
		fprintf(stderr, "rapport: cannot create the library\n");
		return 1;
	}
	printf("library %s (id %lld) ready with %d queue(s)\n", slug, (long long)lib.id, n_queues);
	return 0;
}

/* The password from file, or else the first line of stdin (prompting on a terminal),
 * into out[cap]. 0 or -1 (said on stderr; fewer than 8 characters is refused). */
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

/* The account as `staff add` was given it. */
struct staff_args {
	char data[512], slug[64], email[256], name[128], role[24];
	const char *pwfile;
	int max_chats;
};

/* The options of `staff add` into *a. -1 to go on, or the exit code. */
static int staff_parse(int argc, char **argv, struct staff_args *a)
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
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA: snprintf(a->data, sizeof a->data, "%s", optarg); break;
		case OPT_LIBRARY: snprintf(a->slug, sizeof a->slug, "%s", optarg); break;
		case OPT_EMAIL: snprintf(a->email, sizeof a->email, "%s", optarg); break;
		case OPT_NAME: snprintf(a->name, sizeof a->name, "%s", optarg); break;
		case OPT_ROLE: snprintf(a->role, sizeof a->role, "%s", optarg); break;
		case OPT_PWFILE: a->pwfile = optarg; break;
		case OPT_MAXCHATS:
			if (cli_positive(optarg, &a->max_chats)) {
				fputs(usage_staff, stderr);
				return 2;
			}
			break;
		case 'h': fputs(usage_staff, stdout); return 0;
		default: fputs(usage_staff, stderr); return 2;
		}
	}
	if (!a->slug[0] || !a->email[0] || !a->name[0] || optind < argc ||
	    desk_access_of(a->role) < 0 || !mail_addr_valid(a->email)) {
		fputs(usage_staff, stderr);
		return 2;
	}
	return -1;
}

int cli_staff(int argc, char **argv)
{
	struct staff_args a = {.data = "./data", .role = "librarian"};
	char pw[1024];
	int rc;
	struct store_conn *sc;
	struct store_library lib = {0};

	if ((rc = cli_subcommand(&argc, &argv, "add", usage_staff)) >= 0)
		return rc;
	cli_env_str("RAPPORT_DATA_DIR", a.data, sizeof a.data);
	if ((rc = staff_parse(argc, argv, &a)) >= 0)
		return rc;
	if (read_password(a.pwfile, pw, sizeof pw))
		return 2;
	if (cli_open_store(a.data, &sc))
		return 1;
	rc = cli_find_library(sc, a.slug, &lib);
	if (rc) {
		fprintf(stderr, "rapport: no library %s (create it with rapport init)\n", a.slug);
		store_sqlite_ops.close(sc);
		return 1;
	}
	rc = cli_put_staff(sc, lib.id, a.email, a.name, a.role, a.max_chats, pw);
	memset(pw, 0, sizeof pw);
	store_sqlite_ops.close(sc);
	if (rc) {
		fprintf(stderr, "rapport: cannot save the account\n");
		return 1;
	}
	printf("staff %s (%s) ready in library %s\n", a.email, a.role, a.slug);
	return 0;
}
