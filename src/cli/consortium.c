/* consortium.c: `rapport consortium create` (a consortium, or its new name) and
 * `rapport consortium add` (a library joins one), run against the store directly. A
 * running server reads consortia at start: restart it to apply. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "desk/settings.h"

static const char *usage_consortium =
	"Usage: rapport consortium create --data-dir DIR --slug SLUG --name NAME\n"
	"       rapport consortium add --data-dir DIR --library SLUG --consortium SLUG\n"
	"\n"
	"create makes a consortium of libraries (or renames the one with that slug); add puts\n"
	"a library in a consortium (a library belongs to at most one). A consortium admin of a\n"
	"member library sees its members in the console's Administration page. A running\n"
	"server reads consortia at start: restart it to apply.\n";

struct cons_args {
	char data[512], slug[64], name[128], library[64], consortium[64];
};

/* The options into *a. -1 to go on, or the exit code. */
static int cons_parse(int argc, char **argv, struct cons_args *a)
{
	const struct cli_opt opts[] = {
		{"data-dir", a->data, sizeof a->data},
		{"slug", a->slug, sizeof a->slug},
		{"name", a->name, sizeof a->name},
		{"library", a->library, sizeof a->library},
		{"consortium", a->consortium, sizeof a->consortium},
	};

	return cli_parse_strings(argc, argv, opts, sizeof opts / sizeof opts[0], usage_consortium);
}

static int cons_create(struct store_conn *sc, const struct cons_args *a)
{
	struct store_consortium r = {0};

	if (!settings_slug_ok(a->slug) || !a->name[0]) {
		fputs("rapport: --slug (a-z, 0-9, '-') and --name are required\n", stderr);
		return 2;
	}
	snprintf(r.slug, sizeof r.slug, "%s", a->slug);
	snprintf(r.name, sizeof r.name, "%s", a->name);
	if (store_sqlite_ops.consortium_ensure(sc, &r)) {
		fputs("rapport: cannot save the consortium\n", stderr);
		return 1;
	}
	printf("consortium %s (%s) id %lld\n", r.slug, r.name, (long long)r.id);
	return 0;
}

/* Puts library --library in consortium --consortium. The exit code. */
static int cons_add(struct store_conn *sc, const struct cons_args *a)
{
	struct store_library lib = {0};
	struct store_consortium r = {0};

	if (!a->library[0] || !a->consortium[0]) {
		fputs(usage_consortium, stderr);
		return 2;
	}
	if (cli_find_library(sc, a->library, &lib)) {
		fprintf(stderr, "rapport: no library %s\n", a->library);
		return 1;
	}
	if (store_sqlite_ops.consortium_by_slug(sc, a->consortium, &r)) {
		fprintf(stderr, "rapport: no consortium %s (create it first)\n", a->consortium);
		return 1;
	}
	if (store_sqlite_ops.library_consortium(sc, lib.id, r.id)) {
		fputs("rapport: cannot save the library's consortium\n", stderr);
		return 1;
	}
	printf("library %s is in consortium %s (%s)\n", lib.slug, r.slug, r.name);
	return 0;
}

int cli_consortium(int argc, char **argv)
{
	struct cons_args a = {.data = "./data"};
	int create = argc >= 2 && !strcmp(argv[1], "create");
	struct store_conn *sc;
	int rc;

	if (argc < 2 || (!create && strcmp(argv[1], "add"))) {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(usage_consortium, stdout);
			return 0;
		}
		fputs(usage_consortium, stderr);
		return 2;
	}
	argc--;
	argv++;
	cli_env_str("RAPPORT_DATA_DIR", a.data, sizeof a.data);
	if ((rc = cons_parse(argc, argv, &a)) >= 0)
		return rc;
	if (cli_open_store(a.data, &sc))
		return 1;
	rc = create ? cons_create(sc, &a) : cons_add(sc, &a);
	store_sqlite_ops.close(sc);
	return rc;
}
