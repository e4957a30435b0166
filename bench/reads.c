/* reads: times the REST reads a librarian makes while chatting (GET /api/v1/me, the 50
 * newest ended chats, one transcript, a patron's relationship card, whom to hand a chat
 * to), one after another on one keep-alive connection, with libcurl. A lean client, so
 * that the figures are the server's, not the client's. A card is answered once its audit
 * row committed, so card reads include a group commit. With --admin, the reads of a
 * library's (consortium) admin are timed too: the hand-off and feedback reports, the
 * Administration page's queues, staff, settings and consortium.
 *
 *   reads --port P [--email E] [--password PW] [--n N] [--admin] [--json]
 *
 * Loopback only; at most 100,000 requests. Exit 0 if every request answered 200. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_IDS 50

struct body {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t add = size * n;
	char *d = realloc(b->data, b->len + add + 1);

	if (!d)
		return 0;
	memcpy(d + b->len, p, add);
	b->len += add;
	d[b->len] = '\0';
	b->data = d;
	return add;
}

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

/* One request; returns the HTTP status (0 on a transport error). Body in b. */
static long request(CURL *c, const char *url, const char *post, struct body *b)
{
	long status = 0;

	b->len = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	if (curl_easy_perform(c) != CURLE_OK)
		return 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* Chat ids of a chat list, and the patrons of its remembered chats (*n_patrons). */
static int chat_ids(const struct body *b, long long *ids, long long *patrons, int *n_patrons)
{
	json_error_t err;
	json_t *root = json_loadb(b->data, b->len, 0, &err), *chats, *ch;
	size_t i;
	int n = 0;

	*n_patrons = 0;
	chats = json_object_get(root, "chats");
	json_array_foreach(chats, i, ch)
	{
		if (n < MAX_IDS)
			ids[n++] = (long long)json_integer_value(json_object_get(ch, "id"));
		if (*n_patrons < MAX_IDS && json_is_true(json_object_get(ch, "remembered")))
			patrons[(*n_patrons)++] =
				(long long)json_integer_value(json_object_get(ch, "patron"));
	}
	json_decref(root);
	return n;
}

int main(int argc, char **argv)
{
	static const char *const admin_paths[] = {
		"/api/v1/reports/handoffs", "/api/v1/reports/feedback", "/api/v1/admin/queues",
		"/api/v1/admin/staff",	    "/api/v1/admin/library",	"/api/v1/admin/consortium",
	};
	const char *email = "jen@demo.library", *password = "rapport-demo";
	int port = 0, n = 600, json = 0, admin = 0, i, bad = 0, n_ids, n_patrons, kinds;
	long long ids[MAX_IDS], patrons[MAX_IDS];
	char base[64], url[160], login[600];
	struct body b = {0};
	struct curl_slist *hdrs = NULL;
	double *t;
	CURL *c;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--email") && i + 1 < argc)
			email = argv[++i];
		else if (!strcmp(argv[i], "--password") && i + 1 < argc)
			password = argv[++i];
		else if (!strcmp(argv[i], "--n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--admin"))
			admin = 1;
		else {
			fprintf(stderr, "usage: reads --port P [--email E] [--password PW] [--n N] "
					"[--admin] [--json]\n");
			return 2;
		}
	}
	if (port < 1 || port > 65535 || n < 3 || n > 100000 || strlen(email) > 200 ||
	    strlen(password) > 200 || strpbrk(email, "\"\\") || strpbrk(password, "\"\\")) {
		fprintf(stderr, "reads: bad arguments\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof *t);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	if (!t || !c)
		return 1;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, ""); /* keep the session cookie */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	snprintf(url, sizeof url, "%s/api/v1/login", base);
	snprintf(login, sizeof login, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
	if (request(c, url, login, &b) != 200) {
		fprintf(stderr, "reads: login failed\n");
		return 1;
	}
	snprintf(url, sizeof url, "%s/api/v1/chats?limit=50", base);
	if (request(c, url, NULL, &b) != 200 ||
	    (n_ids = chat_ids(&b, ids, patrons, &n_patrons)) == 0) {
		fprintf(stderr, "reads: no chats to read\n");
		return 1;
	}
	/* me, ended chats, a transcript, colleagues, [a card], [the admin's reads] */
	kinds = 4 + (n_patrons > 0) + (admin ? (int)(sizeof admin_paths / sizeof *admin_paths) : 0);
	for (i = 0; i < n; i++) {
		int k = i % kinds;
		double t0;

		if (k == 0)
			snprintf(url, sizeof url, "%s/api/v1/me", base);
		else if (k == 1)
			snprintf(url, sizeof url, "%s/api/v1/chats?limit=50&state=ended", base);
		else if (k == 2)
			snprintf(url, sizeof url, "%s/api/v1/chats/%lld", base, ids[i % n_ids]);
		else if (k == 3)
			snprintf(url, sizeof url, "%s/api/v1/colleagues", base);
		else if (k == 4 && n_patrons)
			snprintf(url, sizeof url, "%s/api/v1/patrons/%lld/card", base,
				 patrons[i % n_patrons]);
		else
			snprintf(url, sizeof url, "%s%s", base,
				 admin_paths[k - 4 - (n_patrons > 0)]);
		t0 = now_ms();
		bad += request(c, url, NULL, &b) != 200;
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	if (json)
		printf("{\"requests\":%d,\"failed\":%d,\"cards\":%d,\"admin\":%d,\"p50_ms\":%.3f,"
		       "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
		       n, bad, n_patrons > 0, admin, t[n / 2], t[n * 99 / 100], t[n * 999 / 1000],
		       t[n - 1]);
	else
		printf("%d requests (me, ended chats, transcripts, colleagues%s%s), %d failed: p50 "
		       "%.3f p99 %.3f p99.9 %.3f max %.3f ms\n",
		       n, n_patrons ? ", cards" : "", admin ? ", admin pages and reports" : "", bad,
		       t[n / 2], t[n * 99 / 100], t[n * 999 / 1000], t[n - 1]);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	free(b.data);
	free(t);
	return bad ? 1 : 0;
}
