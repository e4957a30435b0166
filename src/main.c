/* main.c: the rapport command line: starts the libraries, reads the command word and
 * dispatches to src/cli (serve, demo, init, staff add, queue hours). */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/cli.h"
#include "net/net.h"
#include "util/crypto.h"

/* A command: the word, what the usage shows for it, the function, its line of help. */
struct command {
	const char *name, *shown;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{"serve", "serve", cli_serve, "run the chat server"},
	{"demo", "demo", cli_demo,
	 "create the demo library and staff (idempotent), then serve them"},
	{"init", "init", cli_init, "create or update a library and its queues"},
	{"staff", "staff add", cli_staff,
	 "create or update a staff account (password from stdin or a file)"},
	{"queue", "queue hours", cli_queue,
	 "show or set a queue's opening hours, holidays and time zone"},
	{"consortium", "consortium", cli_consortium,
	 "create a consortium of libraries, or add a library to one"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* The usage of rapport: the commands and their help, to f. */
static void usage(FILE *f)
{
	fputs("rapport " RAPPORT_VERSION ": a virtual reference desk that remembers.\n"
	      "\n"
	      "Usage: rapport <command> [options]\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-11s %s\n", commands[i].shown, commands[i].help);
	fputs("\nRun `rapport <command> --help` for a command's options.\n", f);
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
		usage(argc < 2 ? stderr : stdout);
		if (argc >= 2)
			printf("\nOptions of serve and demo:\n\n%s", cli_usage_serve);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("rapport " RAPPORT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "rapport: unknown command %s\n\n", argv[1]);
	usage(stderr);
	return 2;
}
