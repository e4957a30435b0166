/* common.c: what the subcommands share: the environment, numbers, secrets, the store and
 * finding a library or queue in it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/crypto.h"

int cli_env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

void cli_env_str(const char *name, char *dst, size_t cap)
{
	const char *v = getenv(name);

	if (v && *v)
		snprintf(dst, cap, "%s", v);
}

int cli_positive(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 0 || v > 1000000000)
		return -1;
	*out = (int)v;
	return 0;
}

int cli_subcommand(int *argc, char ***argv, const char *word, const char *usage)
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

int cli_read_secret(const char *file, char *out, size_t cap)
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

int cli_open_store(const char *dir, struct store_conn **sc)
{
	if (store_sqlite_ops.open(dir, STORE_DURABILITY_FULL, 0, sc)) {
		fprintf(stderr, "rapport: cannot open the store in %s\n", dir);
		return -1;
	}
	return 0;
}

int cli_ensure_library(struct store_conn *sc, const char *slug, const char *name,
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

int cli_put_staff(struct store_conn *sc, int64_t library_id, const char *email, const char *name,
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

int cli_find_library(struct store_conn *sc, const char *slug, struct store_library *out)
{
	struct lib_find f = {slug, out, 0};
	int rc = store_sqlite_ops.libraries(sc, lib_find_cb, &f);

	return (rc && rc != STORE_STOP) || !f.found ? -1 : 0;
}

struct queue_find {
	int64_t library_id;
	const char *slug;
	int64_t id;
};

static int queue_find_cb(void *ctx, const struct store_queue *r)
{
	struct queue_find *f = ctx;

	if (r->library_id != f->library_id || strcmp(r->slug, f->slug))
		return 0;
	f->id = r->id;
	return STORE_STOP;
}

int cli_find_queue(struct store_conn *sc, int64_t library_id, const char *slug, int64_t *id)
{
	struct queue_find f = {library_id, slug, 0};
	int rc = store_sqlite_ops.queues(sc, queue_find_cb, &f);

	*id = f.id;
	return (rc && rc != STORE_STOP) || !f.id ? -1 : 0;
}

/* See cli.h. At most 16 options. */
int cli_parse_strings(int argc, char **argv, const struct cli_opt *opts, size_t n,
		      const char *usage)
{
	struct option lo[18] = {{0}};
	size_t i;
	int c;

	if (n > 16)
		return 2;
	for (i = 0; i < n; i++)
		lo[i] = (struct option){opts[i].name, required_argument, NULL, 256 + (int)i};
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c >= 256 && c < 256 + (int)n) {
			snprintf(opts[c - 256].dst, opts[c - 256].cap, "%s", optarg);
			continue;
		}
		fputs(usage, c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	if (optind < argc) {
		fputs(usage, stderr);
		return 2;
	}
	return -1;
}
