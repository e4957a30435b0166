/* cli.h: the subcommands of the rapport command line (serve, demo, init, staff add, queue
 * hours) and the helpers they share. main.c parses the command word and dispatches here.
 *
 * What lives in src/cli: serve.c (options of serve and demo), demo.c (the demo library
 * and its banner), admin.c (init, staff add), queue.c (queue hours), consortium.c
 * (consortium create, add), common.c (the
 * environment, numbers, the store and lookups in it). It may include anything. */
#ifndef RAPPORT_CLI_H
#define RAPPORT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "app/server.h"
#include "store/store.h"

/* ---- the subcommands: argv[0] is the command word; each returns the exit code --------- */

/* `rapport serve`: parses the options and runs the server. */
int cli_serve(int argc, char **argv);
/* `rapport demo`: as serve, after creating the demo library and staff. */
int cli_demo(int argc, char **argv);
/* `rapport init`: creates or updates a library and its queues. */
int cli_init(int argc, char **argv);
/* `rapport staff add`: creates or updates a staff account. */
int cli_staff(int argc, char **argv);
/* `rapport queue hours`: shows or changes a queue's schedule. */
int cli_queue(int argc, char **argv);
/* `rapport consortium create|add`: makes a consortium, puts a library in one. */
int cli_consortium(int argc, char **argv);

/* The options of serve and demo, as `rapport serve --help` prints them. */
extern const char cli_usage_serve[];

/* ---- demo.c ----------------------------------------------------------------------------- */

/* Creates the demo library, its queue's hours and the demo staff (each left alone if it
 * exists; `allow` is "\norigin" per --allow-origin) and writes the start-up banner into
 * banner[cap]. 0, or 1 (said on stderr). */
int cli_demo_prepare(const struct server_config *cfg, const char *allow, char *banner, size_t cap);

/* ---- common.c --------------------------------------------------------------------------- */

/* The integer in environment variable `name`, or def when unset or empty. */
int cli_env_int(const char *name, int def);
/* Copies environment variable `name` into dst[cap] when it is set and not empty. */
void cli_env_str(const char *name, char *dst, size_t cap);
/* A decimal 0..1000000000 into *out. 0 or -1. */
int cli_positive(const char *s, int *out);
/* "rapport <command> <word> ...": moves argc/argv past the word and returns -1; otherwise
 * prints usage (to stdout for --help, exit 0; to stderr, exit 2) and returns the exit code. */
int cli_subcommand(int *argc, char ***argv, const char *word, const char *usage);
/* A "--name VALUE" option copied into dst[cap]. */
struct cli_opt {
	const char *name;
	char *dst;
	size_t cap;
};
/* Parses argv (argv[0] the command word) for the options opts[n] and --help. -1 to go on,
 * or the exit code (usage printed: to stdout for --help, else to stderr). */
int cli_parse_strings(int argc, char **argv, const struct cli_opt *opts, size_t n,
		      const char *usage);
/* Reads the first line of a secret file into out[cap], line end removed. 0 or -1 (said on
 * stderr). */
int cli_read_secret(const char *file, char *out, size_t cap);
/* Opens the store in dir (full durability, no workers). 0 or -1 (said on stderr). */
int cli_open_store(const char *dir, struct store_conn **sc);
/* Creates or updates library `slug` and its queues ("SLUG:NAME" each) into *lib. 0 or -1
 * (a bad queue is said on stderr). */
int cli_ensure_library(struct store_conn *sc, const char *slug, const char *name,
		       const char *origins, char queues[][192], int n_queues,
		       struct store_library *lib);
/* Creates or updates a staff account, hashing the password. 0 or -1. */
int cli_put_staff(struct store_conn *sc, int64_t library_id, const char *email, const char *name,
		  const char *role, int max_chats, const char *password);
/* The library with this slug into *out. 0 or -1 (none, or a store error). */
int cli_find_library(struct store_conn *sc, const char *slug, struct store_library *out);
/* The id of queue `slug` of the library into *id. 0 or -1 (none, or a store error). */
int cli_find_queue(struct store_conn *sc, int64_t library_id, const char *slug, int64_t *id);

#endif
