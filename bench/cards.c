/* cards: times the build of relationship cards on a seeded data dir: the store reads
 * (store_ops.card: relation, remembered chats, notes, traits) plus the wording (tenure
 * line, suggested opener), for random remembered patrons, one after another on one
 * read-only connection, as a worker thread of the server does it.
 *
 *   cards --data-dir DIR [--n N] [--json]
 *
 * At most 100,000 cards. Exit 0 if every card was built. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "desk/card.h"
#include "store/store.h"

#define N_MAX 100000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Random remembered patrons (id, library id), drawn by SQLite. Returns how many. */
static int pick_patrons(const char *dir, int n, long long *ids, long long *libs)
{
	char path[1100];
	sqlite3 *db;
	sqlite3_stmt *st;
	int k = 0;

	snprintf(path, sizeof path, "%s/rapport.db", dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "cards: cannot open %s\n", path);
		sqlite3_close(db);
		return -1;
	}
	if (sqlite3_prepare_v2(db,
			       "SELECT id, library_id FROM patrons WHERE remembered = 1 "
			       "ORDER BY random() LIMIT ?1",
			       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "cards: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_bind_int(st, 1, n);
	while (k < n && sqlite3_step(st) == SQLITE_ROW) {
		ids[k] = sqlite3_column_int64(st, 0);
		libs[k] = sqlite3_column_int64(st, 1);
		k++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return k;
}

int main(int argc, char **argv)
{
	const struct store_ops *ops = &store_sqlite_ops;
	const char *dir = NULL;
	int n = 2000, json = 0, i, got, failed = 0;
	long long *ids, *libs;
	double *t, sum_chats = 0, sum_notes = 0, total = 0;
	struct store_conn *sc;
	struct store_card *card;
	char tenure[160], opener[600];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			dir = NULL, i = argc;
	}
	if (!dir || n < 1 || n > N_MAX) {
		fprintf(stderr, "usage: cards --data-dir DIR [--n 1..%d] [--json]\n", N_MAX);
		return 2;
	}
	ids = calloc((size_t)n, sizeof *ids);
	libs = calloc((size_t)n, sizeof *libs);
	t = calloc((size_t)n, sizeof *t);
	card = malloc(sizeof *card);
	if (!ids || !libs || !t || !card)
		return 1;
	got = pick_patrons(dir, n, ids, libs);
	if (got <= 0) {
		fprintf(stderr, "cards: no remembered patrons in %s\n", dir);
		return 1;
	}
	if (ops->open(dir, STORE_DURABILITY_FULL, 1, &sc)) {
		fprintf(stderr, "cards: cannot open the store in %s\n", dir);
		return 1;
	}
	for (i = 0; i < got; i++) {
		double t0 = now_ms();
		int rc = ops->card(sc, libs[i], ids[i], card);

		if (rc == 0) {
			card_tenure(card, 1790000000000LL, tenure, sizeof tenure);
			card_opener(card, 0, 1790000000000LL, opener, sizeof opener);
		}
		t[i] = now_ms() - t0;
		if (rc || !card->rel.remembered || !tenure[0])
			failed++;
		sum_chats += (double)card->n_chats;
		sum_notes += (double)card->n_notes;
		total += t[i];
	}
	ops->close(sc);
	qsort(t, (size_t)got, sizeof *t, cmp_double);
	{
		double p50 = t[got / 2], p99 = t[(size_t)((double)got * 0.99)], max = t[got - 1];

		if (json)
			printf("{\"cards\":%d,\"failed\":%d,\"p50_ms\":%.4f,\"p99_ms\":%.4f,"
			       "\"max_ms\":%.4f,\"mean_ms\":%.4f,\"chats_per_card\":%.2f,"
			       "\"notes_per_card\":%.2f}\n",
			       got, failed, p50, p99, max, total / got, sum_chats / got,
			       sum_notes / got);
		else
			printf("%d cards (%d failed): p50 %.3f ms, p99 %.3f ms, max %.3f ms; "
			       "%.1f chats and %.1f notes per card\n",
			       got, failed, p50, p99, max, sum_chats / got, sum_notes / got);
	}
	free(ids);
	free(libs);
	free(t);
	free(card);
	return failed ? 1 : 0;
}
