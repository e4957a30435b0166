/* seed.c: fills a fresh data dir with realistic synthetic history for benchmarks.
 *
 * Libraries, queues and staff go through the real store (store_sqlite_ops), which also
 * creates the schema by applying the real migrations. Patrons, chats and messages, the
 * remembered patrons' relationship memory and the search index (seed_rel.h) are then
 * bulk-inserted on a connection of our own with prepared statements in large
 * transactions: the column layouts must follow src/store/sqlite_sql.c (version 3).
 *
 * Everything is drawn from one seed. Rows are generated in the order the server would
 * have allocated them: chat ids grow with created_at, patron ids with the patron's first
 * hello, messages are (chat_id, seq) in order. The same --seed and --end give the same
 * database content, except the staff password hash (argon2id draws a random salt).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/crypto.h"
#include "util/log.h"

#define DAY_MS 86400000LL
#define SPAN_DAYS 730 /* two years of history */
#define BATCH_ROWS 100000
#define MIN_MSGS 5
#define MAX_MSGS 40
#define MEAN_MSGS 16.5 /* of the per-chat distribution in draw_msg_count() */
#define BODY_MAX 300
#define MAX_LIBRARIES 64
#define DEMO_PASSWORD "rapport-demo"
#define NOTICE_VERSION "2026-11" /* of the privacy notice remembered patrons agreed to */

static const char usage[] =
	"Usage: seed --data-dir DIR [options]\n"
	"\n"
	"Fills a fresh rapport data dir with synthetic history, deterministically from the\n"
	"seed: the same --seed and --end give the same database content (except the staff\n"
	"password hash, whose argon2id salt is random).\n"
	"\n"
	"  --data-dir DIR     where to create rapport.db (must not exist yet)\n"
	"  --patrons N        patron rows (1000000); a patron row is created at the widget's\n"
	"                     first hello, so many never asked anything\n"
	"  --messages N       messages in total, events included (10000000)\n"
	"  --staff N          staff accounts spread over the libraries (200)\n"
	"  --libraries N      libraries (3), all of one consortium (\"metro\", whose admin is\n"
	"                     sam@demo.library): the first is \"demo\" (Riverside Public Library,\n"
	"                     queue \"ask\"), the others lib2, lib3...\n"
	"  --seed N           random seed (42)\n"
	"  --remembered F     share of the patrons who chatted that consented to be\n"
	"                     remembered (0.3), more likely for returning patrons\n"
	"  --end YYYY-MM-DD   history ends at this day's 00:00 UTC (default: today), and\n"
	"                     spans the 730 days before it\n"
	"\n"
	"Chats: 5 to 40 messages each (patron's question, \"joined\", alternating texts,\n"
	"\"ended\"), all ended; more in term time and on weekday daytimes (UTC). Patrons:\n"
	"most who chatted did so 1 to 3 times, a few dozens of times. The staff jen@demo.library\n"
	"and sam@demo.library (and all others) have the password " DEMO_PASSWORD ".\n"
	"\n"
	"Every chat has its question (the first message), an outcome tag (70%), a rating\n"
	"(15%), and its text in the search index. Remembered patrons gave consent "
	"(notice\n" NOTICE_VERSION
	") at their first chat, so all their chats are remembered; they have a\n"
	"display name, an e-mail (45%), 0 to 4 notes by librarians who answered them, 0 to 3\n"
	"preset traits, a favourite librarian (20%) and a preferred one (10%).\n";

/* ---- deterministic random numbers: xoshiro256** seeded by splitmix64 ---------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Each phase has its own stream (seed, phase), so changing one phase's draws leaves the
 * others as they were. */
static void rng_init(struct rng *r, uint64_t seed, uint64_t phase)
{
	uint64_t x = seed ^ (phase * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(rng_unit(r) * (double)n);
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo + 1));
}

/* ---- the shape of the history ------------------------------------------------------- */

/* Relative chat traffic by month (term time), weekday (0 = Sunday) and hour (UTC). */
static const double month_w[12] = {0.80, 1.00, 1.00, 0.90, 0.70, 0.35,
				   0.30, 0.40, 1.00, 1.00, 1.00, 0.55};
static const double wday_w[7] = {0.45, 1.00, 1.00, 1.00, 0.95, 0.75, 0.35};
static const double hour_w[24] = {0.04, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.15,
				  0.45, 0.80, 1.00, 1.00, 0.90, 1.00, 1.00, 1.00,
				  0.90, 0.70, 0.55, 0.55, 0.50, 0.40, 0.25, 0.10};

/* A moment in [start, end - 2 h) drawn with the traffic weights above (rejection). */
static int64_t draw_time(struct rng *r, int64_t start, int64_t end)
{
	int64_t span = end - 2 * 3600000LL - start;

	for (;;) {
		int64_t t = start + (int64_t)rng_below(r, (uint64_t)span);
		time_t secs = (time_t)(t / 1000);
		struct tm tm;

		gmtime_r(&secs, &tm);
		if (rng_unit(r) < month_w[tm.tm_mon] * wday_w[tm.tm_wday] * hour_w[tm.tm_hour])
			return t;
	}
}

/* Chats of a patron who chatted at all: mostly 1 to 3, a few dozens (mean about 1.9). */
static uint32_t draw_chat_count(struct rng *r)
{
	double u = rng_unit(r);

	if (u < 0.70)
		return 1;
	if (u < 0.87)
		return 2;
	if (u < 0.94)
		return 3;
	if (u < 0.987)
		return (uint32_t)rng_range(r, 4, 9);
	u = rng_unit(r);
	return 10 + (uint32_t)(51 * u * u);
}

/* Messages in one chat, 5 to 40, skewed short (mean about MEAN_MSGS). */
static uint8_t draw_msg_count(struct rng *r)
{
	double u = rng_unit(r);

	return (uint8_t)(MIN_MSGS + (int)(36 * u * u));
}

/* ---- text ---------------------------------------------------------------------------- */

static const char *const patron_open[] = {
	"Hi, I need peer-reviewed articles on climate adaptation for my essay. Where do I start?",
	"Hello! How do I cite a journal article in APA 7th edition?",
	"Can I renew a book online? My account says it is overdue.",
	"What are your opening hours this weekend?",
	"Is there a way to get a book the library does not own?",
	"I can't get into the databases from home, it keeps asking me to sign in.",
	"Do you have e-books for the nursing program reading list?",
	"Where can I find census data for my county going back to 1990?",
	"How do I request an interlibrary loan for a thesis from another university?",
	"I'm looking for primary sources about the 1918 flu pandemic.",
	"Can you help me with an MLA citation for a web page with no author?",
	"Is the quiet study floor open late during exam week?",
	"How many books can I borrow at once with a community card?",
	"I need one chapter of a book that is only in print. Can you scan it for me?",
	"hi is the printer on the second floor working",
	"My professor says I need three scholarly sources. What counts as scholarly?",
	"Can I reserve a group study room for tomorrow afternoon?",
	"I lost my library card, how do I get a new one?",
};

static const char *const patron_more[] = {
	"Thanks, that helps a lot.",
	"Okay, I tried that but it says access denied.",
	"Does it matter if the article is more than ten years old?",
	"Could you send me the link again please?",
	"Yes, the due date was last Tuesday.",
	"Sorry, which database did you mean?",
	"Is there a limit on how many requests I can make?",
	"Great, and how long does that usually take?",
	"I'm off campus right now, on my laptop.",
	"The search gives me 40,000 results, how do I narrow it down?",
	"Do I put the DOI at the end or the URL?",
	"It's for a history class, the essay is due Friday.",
	"Oh I see it now, the full text PDF button.",
	"Can I pick it up at the north branch instead?",
	"Perfect, thank you so much for your help!",
};

static const char *const staff_more[] = {
	"Hi! Thanks for contacting the library, I'd be happy to help with that.",
	"Let me check the catalogue for you, one moment please.",
	"Try Academic Search Complete or JSTOR; both have a peer-reviewed filter on the left.",
	"For APA 7 a journal article is: Author, A. A. (Year). Title of the article. Journal "
	"Name, volume(issue), pages. Then the DOI as a link.",
	"Interlibrary loan requests usually arrive in 5 to 10 working days; you'll get an email "
	"when it's ready to collect.",
	"We're open 8am to 10pm Monday to Thursday, 8am to 6pm Friday, 10am to 6pm at weekends.",
	"Off-campus access goes through the proxy: sign in with your library card number and PIN.",
	"I've renewed it for you, the new due date is in three weeks.",
	"Our e-books are on Ebook Central and OverDrive; both work in the browser, no app needed.",
	"Try the advanced search and put each concept in its own box, joined with AND.",
	"Here is the subject guide for that course; it lists the key databases and reference "
	"works.",
	"Government statistics are on the data portal, and our statistics guide links them all.",
	"You can book study rooms up to a week ahead on the room booking page.",
	"I've placed a hold for you at the Main branch; you'll get a notice when it's on the "
	"shelf.",
	"Scholarly usually means written by researchers, peer reviewed, with references.",
	"Is there anything else I can help you with today?",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Writes a message body of 20 to BODY_MAX bytes into out[BODY_MAX + 1]: one phrase, then
 * more of the same speaker's phrases while they fit a drawn target length. */
static size_t draw_body(struct rng *r, const char *const *first, size_t n_first,
			const char *const *more, size_t n_more, char *out)
{
	double u = rng_unit(r);
	size_t target = 20 + (size_t)(280 * u * u), len;
	const char *p = first[rng_below(r, n_first)];

	len = strlen(p);
	memcpy(out, p, len);
	while (len < target) {
		p = more[rng_below(r, n_more)];
		size_t n = strlen(p);

		if (len + 1 + n > BODY_MAX)
			break;
		out[len++] = ' ';
		memcpy(out + len, p, n);
		len += n;
	}
	out[len] = '\0';
	return len;
}

/* A client message id like the web client's: 32 hex characters. */
static void draw_cmid(struct rng *r, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = rng_next(r), b = rng_next(r);

	for (int i = 0; i < 16; i++) {
		out[i] = hex[(a >> (4 * i)) & 15];
		out[16 + i] = hex[(b >> (4 * i)) & 15];
	}
	out[32] = '\0';
}

/* ---- in-memory plan -------------------------------------------------------------------- */

struct patron {
	int64_t created; /* first hello */
	int64_t last_seen; /* end of the last chat, filled while chats are written */
	uint32_t orig; /* index before sorting by created */
	uint16_t chats;
	uint8_t lib; /* index into the library table */
	uint8_t remembered;
};

struct chat {
	int64_t t; /* created_at: the patron's question */
	uint32_t who; /* patron index, then patron id after the patrons are sorted */
	uint32_t tie; /* keeps the sort a total order */
};

struct library {
	int64_t id;
	int64_t queue_id[3];
	int n_queues;
	int64_t *staff; /* staff ids of this library */
	int n_staff;
};

struct plan {
	uint64_t seed;
	int64_t start, end;
	size_t n_patrons, n_chats, n_msgs;
	struct patron *patrons;
	struct chat *chats;
	uint8_t *msgs; /* messages per chat */
	struct library libs[MAX_LIBRARIES];
	int n_libs;
	size_t n_active; /* patrons with at least one chat */
	size_t remembered;
};

/* Relative chance of having opted in to be remembered, by number of chats. */
static double remember_weight(unsigned chats)
{
	return chats >= 4 ? 2.0 : chats >= 2 ? 1.5 : chats ? 1.0 : 0.0;
}

static int cmp_patron(const void *a, const void *b)
{
	const struct patron *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return x->orig < y->orig ? -1 : x->orig > y->orig;
}

static int cmp_chat(const void *a, const void *b)
{
	const struct chat *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->tie < y->tie ? -1 : x->tie > y->tie;
}

/* Library of a new patron: library i has weight n - i, so the demo library is busiest. */
static uint8_t draw_library(struct rng *r, int n)
{
	uint64_t total = (uint64_t)n * (uint64_t)(n + 1) / 2, x = rng_below(r, total);

	for (int i = 0; i < n; i++) {
		uint64_t w = (uint64_t)(n - i);

		if (x < w)
			return (uint8_t)i;
		x -= w;
	}
	return 0;
}

/* Decides every patron and chat in memory: who chatted how often and when, the ids in
 * the order the server would allocate them, and how long each chat is. Returns 0 or -1
 * (out of memory). */
static int plan_make(struct plan *p, double remembered_share)
{
	struct rng r;
	size_t want_chats = 0, left, ci = 0, sum = 0, active = 0;
	uint32_t *id_of;
	double weight_sum = 0;

	if (p->n_msgs >= MIN_MSGS) {
		want_chats = (size_t)llround((double)p->n_msgs / MEAN_MSGS);
		if (want_chats > p->n_msgs / MIN_MSGS)
			want_chats = p->n_msgs / MIN_MSGS;
		if (want_chats < (p->n_msgs + MAX_MSGS - 1) / MAX_MSGS)
			want_chats = (p->n_msgs + MAX_MSGS - 1) / MAX_MSGS;
	}
	if (p->n_patrons == 0)
		want_chats = 0;
	p->patrons = calloc(p->n_patrons ? p->n_patrons : 1, sizeof *p->patrons);
	p->chats = calloc(want_chats ? want_chats : 1, sizeof *p->chats);
	p->msgs = calloc(want_chats ? want_chats : 1, 1);
	id_of = calloc(p->n_patrons ? p->n_patrons : 1, sizeof *id_of);
	if (!p->patrons || !p->chats || !p->msgs || !id_of) {
		free(id_of);
		return -1;
	}

	/* how many chats each patron had; go round again if the patrons ran out */
	rng_init(&r, p->seed, 1);
	for (size_t i = 0; i < p->n_patrons; i++)
		p->patrons[i].lib = draw_library(&r, p->n_libs);
	left = want_chats;
	while (left > 0)
		for (size_t i = 0; i < p->n_patrons && left > 0; i++) {
			uint32_t k = draw_chat_count(&r);

			if (k > left)
				k = (uint32_t)left;
			if (p->patrons[i].chats + k > UINT16_MAX)
				continue;
			p->patrons[i].chats = (uint16_t)(p->patrons[i].chats + k);
			left -= k;
		}

	/* when: each chat drawn from the traffic shape; a patron's first hello precedes the
	 * first chat by a little; those who never asked said hello once at some point */
	rng_init(&r, p->seed, 2);
	for (size_t i = 0; i < p->n_patrons; i++) {
		struct patron *pt = &p->patrons[i];
		int64_t first = INT64_MAX;

		pt->orig = (uint32_t)i;
		for (uint32_t k = 0; k < pt->chats; k++, ci++) {
			p->chats[ci].t = draw_time(&r, p->start, p->end);
			p->chats[ci].who = (uint32_t)i;
			p->chats[ci].tie = (uint32_t)ci;
			if (p->chats[ci].t < first)
				first = p->chats[ci].t;
		}
		if (pt->chats)
			pt->created = first - rng_range(&r, 5000, 600000);
		else
			pt->created = draw_time(&r, p->start, p->end);
		pt->last_seen = pt->created + (pt->chats ? 0 : rng_range(&r, 2000, 900000));
	}
	p->n_chats = ci;

	/* remembered: only patrons who chatted can have opted in, returning ones more often;
	 * P(i) = share * w(i) * active / sum(w), so the expected count is share * active */
	rng_init(&r, p->seed, 3);
	for (size_t i = 0; i < p->n_patrons; i++)
		if (p->patrons[i].chats) {
			weight_sum += remember_weight(p->patrons[i].chats);
			active++;
		}
	for (size_t i = 0; i < p->n_patrons && weight_sum > 0; i++) {
		struct patron *pt = &p->patrons[i];
		double w = remember_weight(pt->chats);

		if (w > 0 && rng_unit(&r) < remembered_share * w * (double)active / weight_sum) {
			pt->remembered = 1;
			p->remembered++;
		}
	}
	p->n_active = active;

	/* ids in order of first hello and of chat creation, as the server allocates them */
	qsort(p->patrons, p->n_patrons, sizeof *p->patrons, cmp_patron);
	for (size_t i = 0; i < p->n_patrons; i++)
		id_of[p->patrons[i].orig] = (uint32_t)(i + 1);
	for (size_t i = 0; i < p->n_chats; i++)
		p->chats[i].who = id_of[p->chats[i].who];
	free(id_of);
	qsort(p->chats, p->n_chats, sizeof *p->chats, cmp_chat);

	/* lengths, then nudge random chats by one message until the total is exact */
	rng_init(&r, p->seed, 4);
	for (size_t i = 0; i < p->n_chats; i++)
		sum += p->msgs[i] = draw_msg_count(&r);
	while (p->n_chats && sum != p->n_msgs) {
		size_t i = rng_below(&r, p->n_chats);

		if (sum < p->n_msgs && p->msgs[i] < MAX_MSGS)
			p->msgs[i]++, sum++;
		else if (sum > p->n_msgs && p->msgs[i] > MIN_MSGS)
			p->msgs[i]--, sum--;
	}
	p->n_msgs = sum;
	return 0;
}

/* ---- libraries, queues and staff through the real store -------------------------------- */

static const char *const first_names[] = {
	"Alex",	  "Priya", "Marcus", "Aiko", "Fatima", "Liam", "Sofia", "Tomas", "Grace", "Omar",
	"Hannah", "Diego", "Mei",    "Noah", "Amara",  "Ruth", "Kwame", "Elena", "Yusuf", "Nina",
};
static const char *const last_names[] = {
	"Nguyen", "Okafor", "Schmidt",	 "Patel",   "Garcia", "Kowalski", "Haddad", "Murphy",
	"Tanaka", "Silva",  "Johansson", "Adeyemi", "Rossi",  "Chen",	  "Dubois", "Walsh",
};
static const char *const library_names[] = {
	"Riverside Public Library",    "Northgate University Library",
	"Hillcrest College Library",   "Lakeside County Libraries",
	"Eastbrook Community Library", "St Brendan's Seminary Library",
};
static const char *const queue_names[3][2] = {
	{"ask", "Ask a Librarian"}, {"research", "Research Help"}, {"ill", "Interlibrary Loan"}};

static int put_staff(struct store_conn *sc, struct library *lib, const char *email,
		     const char *name, const char *role, const char *pw_hash)
{
	struct store_staff s = {0};
	int rc;

	s.library_id = lib->id;
	snprintf(s.email, sizeof s.email, "%s", email);
	snprintf(s.display_name, sizeof s.display_name, "%s", name);
	snprintf(s.role, sizeof s.role, "%s", role);
	snprintf(s.pw_hash, sizeof s.pw_hash, "%s", pw_hash);
	rc = store_sqlite_ops.staff_put(sc, &s);
	if (rc == 0)
		lib->staff[lib->n_staff++] = s.id;
	return rc;
}

/* Creates the schema (by opening the store), the libraries with 2 or 3 queues each, and
 * n_staff staff spread over the libraries like the patrons (the demo library first, with
 * jen@ and sam@demo.library). Returns 0 or -1 (reported). */
static int setup_store(struct plan *p, const char *dir, int n_staff)
{
	struct store_conn *sc;
	char pw_hash[128];
	int total_w = p->n_libs * (p->n_libs + 1) / 2, given = 0, rc = 0;

	if (crypto_password_hash(DEMO_PASSWORD, strlen(DEMO_PASSWORD), pw_hash)) {
		fprintf(stderr, "seed: cannot hash the password\n");
		return -1;
	}
	if (store_sqlite_ops.open(dir, STORE_DURABILITY_NORMAL, 0, &sc)) {
		fprintf(stderr, "seed: cannot open the store in %s\n", dir);
		return -1;
	}
	struct store_consortium metro = {.slug = "metro", .name = "Metro Libraries"};

	/* every library is of one consortium: hand-offs and cascades may cross them */
	rc = store_sqlite_ops.consortium_ensure(sc, &metro);
	for (int i = 0; i < p->n_libs && rc == 0; i++) {
		struct library *lib = &p->libs[i];
		struct store_library l = {0};
		int want = n_staff * (p->n_libs - i) / total_w;

		if (i == 0) {
			snprintf(l.slug, sizeof l.slug, "demo");
			/* what `rapport demo` sets for its demo site on the default port */
			snprintf(l.origins, sizeof l.origins,
				 "http://127.0.0.1:8081\nhttp://localhost:8081");
		} else {
			snprintf(l.slug, sizeof l.slug, "lib%d", i + 1);
			snprintf(l.origins, sizeof l.origins, "https://lib%d.example.org", i + 1);
		}
		if ((size_t)i < COUNT(library_names))
			snprintf(l.name, sizeof l.name, "%s", library_names[i]);
		else
			snprintf(l.name, sizeof l.name, "Branch Library %d", i + 1);
		rc = store_sqlite_ops.library_ensure(sc, &l);
		rc = rc ? rc : store_sqlite_ops.library_consortium(sc, l.id, metro.id);
		lib->id = l.id;
		lib->n_queues = 2 + (i % 2 == 0);
		for (int q = 0; q < lib->n_queues && rc == 0; q++) {
			struct store_queue sq = {.library_id = l.id};

			snprintf(sq.slug, sizeof sq.slug, "%s", queue_names[q][0]);
			snprintf(sq.name, sizeof sq.name, "%s", queue_names[q][1]);
			rc = store_sqlite_ops.queue_ensure(sc, &sq);
			lib->queue_id[q] = sq.id;
		}
		/* the last library takes the rounding remainder; every library has someone */
		if (i == p->n_libs - 1)
			want = n_staff - given;
		if (want < (i == 0 ? 2 : 1))
			want = i == 0 ? 2 : 1;
		given += want;
		lib->staff = calloc((size_t)want, sizeof *lib->staff);
		if (!lib->staff) {
			rc = -1;
			break;
		}
		if (i == 0 && rc == 0)
			rc = put_staff(sc, lib, "jen@demo.library", "Jen Ortiz", "librarian",
				       pw_hash) ||
			     put_staff(sc, lib, "sam@demo.library", "Sam Lee", "consortium_admin",
				       pw_hash);
		for (int k = lib->n_staff; k < want && rc == 0; k++) {
			char email[256], name[128];
			const char *fn = first_names[(size_t)(given + k * 7) % COUNT(first_names)];
			const char *ln = last_names[(size_t)(given * 3 + k) % COUNT(last_names)];

			snprintf(email, sizeof email, "%c.%s%d@%s.library", fn[0] | 0x20, ln, k,
				 l.slug);
			for (char *c = email; *c && *c != '@'; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c | 0x20 : *c);
			snprintf(name, sizeof name, "%s %s", fn, ln);
			rc = put_staff(sc, lib, email, name,
				       k % 10 == 9   ? "admin"
				       : k % 10 == 8 ? "supervisor"
						     : "librarian",
				       pw_hash);
		}
	}
	store_sqlite_ops.close(sc);
	if (rc)
		fprintf(stderr, "seed: cannot create libraries, queues or staff (%d)\n", rc);
	return rc ? -1 : 0;
}

/* ---- bulk insert on our own connection --------------------------------------------------- */

/* Column lists as in migrations 1 and 3 (src/store/sqlite_sql.c); kind and author as the
 * backend stores them (text 0, event 1; system 0, patron 1, staff 2), cmid NULL when none,
 * preferred_staff_id NULL when none. */
static const char sql_patron[] = "INSERT INTO patrons (id, library_id, token_hash, "
				 "created_at, last_seen, remembered, remembered_since, "
				 "notice_version, display_name, email, preferred_staff_id) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_chat[] = "INSERT INTO chats (id, library_id, queue_id, patron_id, "
			       "staff_id, state, join_cmid, ended_by, created_at, picked_at, "
			       "ended_at, remembered, question, outcome, rating) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, 'ended', ?6, ?7, ?8, ?9, ?10, ?11, "
			       "?12, ?13, ?14)";
static const char sql_message[] = "INSERT INTO messages (chat_id, seq, kind, author, "
				  "author_id, cmid, body, created_at) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

enum { KIND_TEXT = 0, KIND_EVENT = 1 };
enum { AUTHOR_PATRON = 1, AUTHOR_STAFF = 2 };

struct rel;

struct bulk {
	sqlite3 *db;
	sqlite3_stmt *patron, *chat, *msg;
	struct rel *rel; /* seed_rel.h */
	size_t rows; /* in the open transaction */
	size_t msgs; /* written so far */
	struct timespec t0;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "seed: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Steps and resets an insert; every BATCH_ROWS rows commits and begins anew. */
static int step(struct bulk *b, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "seed: insert: %s\n", sqlite3_errmsg(b->db));
		return -1;
	}
	if (++b->rows >= BATCH_ROWS) {
		b->rows = 0;
		return exec(b->db, "COMMIT") || exec(b->db, "BEGIN");
	}
	return 0;
}

#include "seed_rel.h"

static int put_message(struct bulk *b, int64_t chat, int seq, int kind, int author,
		       int64_t author_id, const char *cmid, const char *body, size_t len,
		       int64_t at)
{
	sqlite3_stmt *st = b->msg;

	sqlite3_bind_int64(st, 1, chat);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_int(st, 4, author);
	sqlite3_bind_int64(st, 5, author_id);
	if (cmid)
		sqlite3_bind_text(st, 6, cmid, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, at);
	if (step(b, st))
		return -1;
	if (kind == KIND_TEXT)
		rel_text(b->rel, body, len);
	if (++b->msgs % 1000000 == 0)
		fprintf(stderr, "seed: %zu messages, %.1f s\n", b->msgs, seconds_since(&b->t0));
	return 0;
}

/* Writes chat `i` (id i + 1), its messages and its search document: the patron's
 * question, "joined" by the librarian who picked it, alternating texts from the
 * librarian, "ended" by one of them. */
static int put_chat(struct bulk *b, struct plan *p, struct rng *r, size_t i)
{
	const struct chat *c = &p->chats[i];
	struct patron *pt = &p->patrons[c->who - 1];
	const struct library *lib = &p->libs[pt->lib];
	int64_t id = (int64_t)i + 1, t = c->t, picked, staff;
	int n = p->msgs[i], by_staff = rng_unit(r) < 0.65, rating;
	int q = rng_unit(r) < 0.75 ? 0 : 1 + (int)rng_below(r, (uint64_t)lib->n_queues - 1);
	char join_cmid[33], cmid[33], body[BODY_MAX + 1];
	const char *outcome;
	size_t len;
	sqlite3_stmt *st = b->chat;

	{
		double u = rng_unit(r);

		staff = lib->staff[(size_t)((double)lib->n_staff * u * sqrt(u))];
	}
	draw_cmid(r, join_cmid);
	len = draw_body(r, patron_open, COUNT(patron_open), patron_more, COUNT(patron_more), body);
	rel_chat_begin(b->rel, body, len);
	if (put_message(b, id, 1, KIND_TEXT, AUTHOR_PATRON, c->who, join_cmid, body, len, t))
		return -1;
	/* waits in the queue: mostly under a minute, sometimes several */
	picked = t + 3000 + (int64_t)(-45000.0 * log(1.0 - rng_unit(r)));
	if (picked > t + 900000)
		picked = t + 900000;
	t = picked;
	if (put_message(b, id, 2, KIND_EVENT, AUTHOR_STAFF, staff, NULL, "joined", 6, t))
		return -1;
	for (int seq = 3; seq < n; seq++) {
		int from_staff = seq % 2 == 1;

		t += from_staff ? rng_range(r, 15000, 150000) : rng_range(r, 5000, 120000);
		draw_cmid(r, cmid);
		if (from_staff)
			len = draw_body(r, staff_more, COUNT(staff_more), staff_more,
					COUNT(staff_more), body);
		else
			len = draw_body(r, patron_more, COUNT(patron_more), patron_more,
					COUNT(patron_more), body);
		if (put_message(b, id, seq, KIND_TEXT, from_staff ? AUTHOR_STAFF : AUTHOR_PATRON,
				from_staff ? staff : c->who, cmid, body, len, t))
			return -1;
	}
	t += rng_range(r, 5000, 60000);
	if (put_message(b, id, n, KIND_EVENT, by_staff ? AUTHOR_STAFF : AUTHOR_PATRON,
			by_staff ? staff : c->who, NULL, "ended", 5, t))
		return -1;
	if (t > pt->last_seen)
		pt->last_seen = t;
	rel_chat_end(b->rel, p, c->who, staff, c->t, t, &outcome, &rating);

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, lib->id);
	sqlite3_bind_int64(st, 3, lib->queue_id[q]);
	sqlite3_bind_int64(st, 4, c->who);
	sqlite3_bind_int64(st, 5, staff);
	sqlite3_bind_text(st, 6, join_cmid, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, by_staff ? "staff" : "patron", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, c->t);
	sqlite3_bind_int64(st, 9, picked);
	sqlite3_bind_int64(st, 10, t);
	sqlite3_bind_int(st, 11, pt->remembered);
	sqlite3_bind_text(st, 12, b->rel->question, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, rating);
	return step(b, st) || rel_index_chat(b, id, c->who) ? -1 : 0;
}

/* Writes patron i (id i + 1) with their relationship memory (rel_patron). */
static int put_patron(struct bulk *b, const struct plan *p, struct rng *r, size_t i)
{
	const struct patron *pt = &p->patrons[i];
	uint64_t token_hash[4]; /* random: nobody ever logs in as these patrons */
	sqlite3_stmt *st = b->patron;
	struct rel_who w;

	if (rel_patron(b, p, i, &w))
		return -1;
	for (int k = 0; k < 4; k++)
		token_hash[k] = rng_next(r);
	sqlite3_bind_int64(st, 1, (int64_t)i + 1);
	sqlite3_bind_int64(st, 2, p->libs[pt->lib].id);
	sqlite3_bind_blob(st, 3, token_hash, sizeof token_hash, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, pt->created);
	sqlite3_bind_int64(st, 5, pt->last_seen);
	sqlite3_bind_int(st, 6, w.remembered);
	sqlite3_bind_int64(st, 7, w.since);
	sqlite3_bind_text(st, 8, w.remembered ? NOTICE_VERSION : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, w.display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, w.email, -1, SQLITE_STATIC);
	if (w.preferred)
		sqlite3_bind_int64(st, 11, w.preferred);
	else
		sqlite3_bind_null(st, 11);
	return step(b, st);
}

/* Inserts chats with their messages, then the patrons (whose last_seen the chats set)
 * with their relationship memory, and gives the set-up rows fixed creation times so the
 * content depends on the seed only. Leaves the WAL empty. Returns 0 or -1 (reported). */
static int bulk_write(struct plan *p, const char *path)
{
	struct bulk b = {0};
	struct rel rel;
	struct rng r;
	int rc = -1;
	sqlite3_stmt *st = NULL;

	clock_gettime(CLOCK_MONOTONIC, &b.t0);
	if (sqlite3_open_v2(path, &b.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed: open %s: %s\n", path, sqlite3_errmsg(b.db));
		goto out;
	}
	/* a bulk load: no fsync (a crash means seeding again), a big page cache for the
	 * random-order indexes (patron token hashes, chats by patron), rare checkpoints */
	if (exec(b.db, "PRAGMA synchronous=OFF") || exec(b.db, "PRAGMA cache_size=-524288") ||
	    exec(b.db, "PRAGMA wal_autocheckpoint=20000") || exec(b.db, "PRAGMA temp_store=MEMORY"))
		goto out;
	b.rel = &rel;
	if (rel_open(&rel, b.db, p))
		goto out;
	if (sqlite3_prepare_v2(b.db, sql_patron, -1, &b.patron, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b.db, sql_chat, -1, &b.chat, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b.db, sql_message, -1, &b.msg, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed: prepare: %s (schema changed? see sqlite_sql.c)\n",
			sqlite3_errmsg(b.db));
		goto out;
	}
	if (exec(b.db, "BEGIN"))
		goto out;
	rng_init(&r, p->seed, 5);
	for (size_t i = 0; i < p->n_chats; i++)
		if (put_chat(&b, p, &r, i))
			goto out;
	fprintf(stderr, "seed: %zu chats, %zu messages, %.1f s; now the patrons\n", p->n_chats,
		b.msgs, seconds_since(&b.t0));
	rng_init(&r, p->seed, 6);
	for (size_t i = 0; i < p->n_patrons; i++)
		if (put_patron(&b, p, &r, i))
			goto out;
	if (rel_finish(&b, p))
		goto out;
	{
		static const char *const fix[] = {
			"UPDATE libraries SET created_at = ?1",
			"UPDATE queues SET created_at = ?1 + id * 60000",
			"UPDATE staff SET created_at = ?1 + id * 3600000",
		};
		for (size_t k = 0; k < COUNT(fix); k++) {
			if (sqlite3_prepare_v2(b.db, fix[k], -1, &st, NULL) != SQLITE_OK)
				goto out;
			sqlite3_bind_int64(st, 1, p->start - 30 * DAY_MS);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto out;
			sqlite3_finalize(st);
			st = NULL;
		}
	}
	if (exec(b.db, "COMMIT") || exec(b.db, "PRAGMA wal_checkpoint(TRUNCATE)"))
		goto out;
	rc = 0;
out:
	if (rc && b.db)
		fprintf(stderr, "seed: %s\n", sqlite3_errmsg(b.db));
	sqlite3_finalize(st);
	sqlite3_finalize(b.patron);
	sqlite3_finalize(b.chat);
	sqlite3_finalize(b.msg);
	if (b.rel)
		rel_close(b.rel);
	sqlite3_close(b.db);
	return rc;
}

/* ---- command line ------------------------------------------------------------------------ */

static int parse_count(const char *s, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end || errno || v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Midnight UTC of "YYYY-MM-DD", or of today when s is NULL, in ms. -1 if malformed. */
static int64_t parse_end(const char *s)
{
	struct tm tm = {0};
	time_t now = time(NULL);
	char extra;

	if (!s)
		return (int64_t)(now - now % 86400) * 1000;
	if (sscanf(s, "%4d-%2d-%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &extra) != 3 ||
	    tm.tm_year < 1990 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000;
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"data-dir", 1, 0, 'd'},	{"patrons", 1, 0, 'p'},
					     {"messages", 1, 0, 'm'},	{"staff", 1, 0, 's'},
					     {"libraries", 1, 0, 'l'},	{"seed", 1, 0, 'S'},
					     {"remembered", 1, 0, 'r'}, {"end", 1, 0, 'e'},
					     {"help", 0, 0, 'h'},	{0, 0, 0, 0}};
	struct plan p = {.seed = 42, .n_patrons = 1000000, .n_msgs = 10000000, .n_libs = 3};
	const char *dir = NULL, *end_arg = NULL;
	size_t n_staff = 200, n_libs = 3;
	double remembered = 0.3;
	char path[4096], wal[4200];
	struct timespec t0;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		size_t seed;
		char *end;

		switch (c) {
		case 'd': dir = optarg; break;
		case 'p': bad |= parse_count(optarg, 4000000000u, &p.n_patrons); break;
		case 'm': bad |= parse_count(optarg, (size_t)1 << 40, &p.n_msgs); break;
		case 's': bad |= parse_count(optarg, 100000, &n_staff); break;
		case 'l': bad |= parse_count(optarg, MAX_LIBRARIES, &n_libs); break;
		case 'S':
			bad |= parse_count(optarg, SIZE_MAX, &seed);
			p.seed = seed;
			break;
		case 'r':
			remembered = strtod(optarg, &end);
			bad |= *end || !(remembered >= 0 && remembered <= 1);
			break;
		case 'e': end_arg = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: bad = 1;
		}
	}
	p.n_libs = (int)n_libs;
	p.end = parse_end(end_arg);
	if (bad || optind < argc || !dir || p.end < 0 || n_libs < 1 || n_staff < n_libs + 1) {
		if (!bad && dir && n_staff < n_libs + 1)
			fputs("seed: --staff must be at least --libraries + 1\n", stderr);
		fputs(usage, stderr);
		return 2;
	}
	p.start = p.end - SPAN_DAYS * DAY_MS;
	if ((size_t)snprintf(path, sizeof path, "%s/rapport.db", dir) >= sizeof path)
		return 2;
	if (file_size(path) > 0 || access(path, F_OK) == 0) {
		fprintf(stderr, "seed: %s exists; seed wants a fresh data dir\n", path);
		return 1;
	}
	log_set_level(LOG_WARN);
	if (crypto_init()) {
		fputs("seed: cannot initialise libsodium\n", stderr);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (plan_make(&p, remembered)) {
		fputs("seed: out of memory\n", stderr);
		return 1;
	}
	fprintf(stderr,
		"seed: planned %zu patrons (%zu chatted), %zu chats, %zu messages in "
		"%.1f s\n",
		p.n_patrons, p.n_active, p.n_chats, p.n_msgs, seconds_since(&t0));
	if (setup_store(&p, dir, (int)n_staff) || bulk_write(&p, path))
		return 1;
	n_staff = 0;
	for (int i = 0; i < p.n_libs; i++)
		n_staff += (size_t)p.libs[i].n_staff;
	snprintf(wal, sizeof wal, "%s-wal", path);
	printf("seed: %d libraries, %zu staff, %zu patrons (%zu chatted, %zu remembered), "
	       "%zu chats, %zu messages in %.1f s; %s is %.1f MiB (+ %.1f MiB WAL)\n",
	       p.n_libs, n_staff, p.n_patrons, p.n_active, p.remembered, p.n_chats, p.n_msgs,
	       seconds_since(&t0), path, (double)file_size(path) / 1048576.0,
	       (double)file_size(wal) / 1048576.0);
	for (int i = 0; i < p.n_libs; i++)
		free(p.libs[i].staff);
	free(p.patrons);
	free(p.chats);
	free(p.msgs);
	return 0;
}
