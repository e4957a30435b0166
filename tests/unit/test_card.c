/* test_card.c: unit tests for src/desk/card.c (the tenure line and the suggested opener). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "desk/card.h"

#define MARCH_2024 1710504000000LL /* 2024-03-15T12:00:00Z */
#define NOW 1763800000000LL /* 2025-11-22 */
#define DOT "\xc2\xb7" /* · */
#define LQ "\xe2\x80\x9c" /* “ */
#define RQ "\xe2\x80\x9d" /* ” */

static int setup(void **state)
{
	struct store_card *card = test_calloc(1, sizeof *card);

	assert_non_null(card);
	*state = card;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void remember(struct store_card *card, const char *display, const char *preferred)
{
	card->rel.remembered = 1;
	card->rel.remembered_since = MARCH_2024;
	strcpy(card->rel.display_name, display);
	strcpy(card->rel.preferred_name, preferred);
}

/* Appends an earlier chat: call newest first, as the store gives them. */
static void add_chat(struct store_card *card, int64_t id, const char *question, const char *outcome)
{
	struct store_chat *ch = &card->chats[card->n_chats++];

	ch->id = id;
	ch->remembered = 1;
	ch->state = STORE_CHAT_ENDED;
	strcpy(ch->question, question);
	strcpy(ch->outcome, outcome);
}

static const char *tenure(const struct store_card *card)
{
	static char out[256];

	memset(out, 'x', sizeof out);
	card_tenure(card, NOW, out, sizeof out);
	return out;
}

static const char *opener(const struct store_card *card, int64_t current)
{
	static char out[1024];

	memset(out, 'x', sizeof out);
	card_opener(card, current, NOW, out, sizeof out);
	return out;
}

/* A well-formed UTF-8 string (no cut character at the end or anywhere else). */
static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int more = *p < 0x80		 ? 0
			   : (*p & 0xE0) == 0xC0 ? 1
			   : (*p & 0xF0) == 0xE0 ? 2
			   : (*p & 0xF8) == 0xF0 ? 3
						 : -1;

		if (more < 0)
			return 0;
		for (p++; more > 0; more--, p++)
			if ((*p & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

/* ---- tenure ------------------------------------------------------------------------- */

static void test_tenure_not_remembered(void **state)
{
	struct store_card *card = *state;

	card->rel.n_chats = 4; /* stale numbers do not matter */
	card->rel.first_chat_at = MARCH_2024;
	assert_string_equal(tenure(card), "");
	assert_string_equal(tenure(NULL), "");
}

static void test_tenure_counts(void **state)
{
	struct store_card *card = *state;

	remember(card, "Maya", "");
	card->rel.n_chats = 14;
	assert_string_equal(tenure(card), "With us since March 2024 " DOT " 14 chats");
	card->rel.n_chats = 1;
	assert_string_equal(tenure(card), "With us since March 2024 " DOT " 1 chat");
	card->rel.n_chats = 2;
	assert_string_equal(tenure(card), "With us since March 2024 " DOT " 2 chats");
	card->rel.n_chats = 0;
	assert_string_equal(tenure(card), "New to us");
}

static void test_tenure_since(void **state)
{
	struct store_card *card = *state;

	remember(card, "Maya", "");
	card->rel.n_chats = 3;
	/* the first remembered chat is older than the consent: it wins */
	card->rel.first_chat_at = 1704067199000LL; /* 2023-12-31T23:59:59Z */
	assert_string_equal(tenure(card), "With us since December 2023 " DOT " 3 chats");
	/* ... and not when it is newer */
	card->rel.first_chat_at = 1763800000000LL;
	assert_string_equal(tenure(card), "With us since March 2024 " DOT " 3 chats");
	/* only one of the two known */
	card->rel.remembered_since = 0;
	assert_string_equal(tenure(card), "With us since November 2025 " DOT " 3 chats");
	card->rel.remembered_since = 1704067200000LL; /* 2024-01-01T00:00:00Z */
	card->rel.first_chat_at = 0;
	assert_string_equal(tenure(card), "With us since January 2024 " DOT " 3 chats");
	/* month edges are UTC */
	card->rel.remembered_since = 1709251199999LL; /* 2024-02-29T23:59:59.999Z */
	assert_string_equal(tenure(card), "With us since February 2024 " DOT " 3 chats");
	card->rel.remembered_since = 1709251200000LL; /* 2024-03-01T00:00:00Z */
	assert_string_equal(tenure(card), "With us since March 2024 " DOT " 3 chats");
	card->rel.remembered_since = 951782400000LL; /* 2000-02-29 */
	assert_string_equal(tenure(card), "With us since February 2000 " DOT " 3 chats");
	card->rel.remembered_since = 4133937600000LL; /* 2100-12-31T12:00Z */
	assert_string_equal(tenure(card), "With us since December 2100 " DOT " 3 chats");
	/* neither known: at least since now */
	card->rel.remembered_since = 0;
	assert_string_equal(tenure(card), "With us since November 2025 " DOT " 3 chats");
	/* every month's name */
	{
		static const char *const names[] = {
			"January", "February", "March",	    "April",   "May",	   "June",
			"July",	   "August",   "September", "October", "November", "December"};
		int64_t days[] = {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335};
		char want[96];
		int m;

		for (m = 0; m < 12; m++) { /* 2024, a leap year: day of year of the 1st */
			card->rel.remembered_since = 1704067200000LL + days[m] * 86400000LL;
			snprintf(want, sizeof want, "With us since %s 2024 " DOT " 3 chats",
				 names[m]);
			assert_string_equal(tenure(card), want);
		}
	}
}

static void test_tenure_tiny_buffers(void **state)
{
	struct store_card *card = *state;
	const char *full = "With us since March 2024 " DOT " 14 chats";
	char out[64];
	size_t n;

	remember(card, "Maya", "");
	card->rel.n_chats = 14;
	/* outlen 0: nothing written at all */
	memset(out, 'x', sizeof out);
	card_tenure(card, NOW, out, 0);
	assert_int_equal(out[0], 'x');
	for (n = 1; n <= strlen(full) + 1; n++) {
		memset(out, 'x', sizeof out);
		card_tenure(card, NOW, out, n);
		assert_true(strlen(out) < n);
		assert_int_equal(out[n], 'x'); /* nothing past outlen */
		assert_memory_equal(out, full, strlen(out));
		assert_true(valid_utf8(out));
	}
	assert_string_equal(out, full);
	/* a cut in the middle of the dot drops the whole dot */
	card_tenure(card, NOW, out, strlen("With us since March 2024 ") + 2);
	assert_string_equal(out, "With us since March 2024 ");
}

/* ---- opener ------------------------------------------------------------------------- */

#define FIRST ", thanks for getting in touch! How can I help today?"
#define OPEN_ON "Did you get what you needed after our chat on "
#define OPEN_TODAY "Did you get what you needed after our chat earlier today"
#define OPEN_END "? Happy to pick that up, or help with something new."
#define DONE_ON "How did it go with what we found for you on "
#define DONE_END "? Or is there something new I can help with?"
#define NOV_3 1762171200000LL /* 2025-11-03T12:00:00Z, the year of NOW */

static void test_opener_not_remembered(void **state)
{
	struct store_card *card = *state;

	add_chat(card, 1, "APA citations", "");
	strcpy(card->rel.display_name, "Maya");
	assert_string_equal(opener(card, 0), "");
	assert_string_equal(opener(NULL, 0), "");
}

/* No earlier chat: a first-time opener, never "welcome back". */
static void test_opener_first_time(void **state)
{
	struct store_card *card = *state;

	remember(card, "Maya Lopez", "Maya");
	assert_string_equal(opener(card, 0), "Hi Maya" FIRST);
	strcpy(card->rel.preferred_name, " \t");
	assert_string_equal(opener(card, 0), "Hi Maya Lopez" FIRST);
	strcpy(card->rel.preferred_name, "");
	strcpy(card->rel.display_name, " Maya\n  Lopez ");
	assert_string_equal(opener(card, 0), "Hi Maya Lopez" FIRST);
	strcpy(card->rel.display_name, "");
	assert_string_equal(opener(card, 0), "Hi" FIRST);
	strcpy(card->rel.preferred_name, "Zo\xc3\xab");
	assert_string_equal(opener(card, 0), "Hi Zo\xc3\xab" FIRST);
	/* a right-to-left override, or right-to-left letters, are isolated (U+2068 ... U+2069)
	 * so they cannot reorder the sentence around the name */
	strcpy(card->rel.preferred_name, "Maya \xe2\x80\xaegnp.exe");
	assert_string_equal(opener(card, 0),
			    "Hi \xe2\x81\xa8Maya \xe2\x80\xaegnp.exe\xe2\x81\xa9" FIRST);
	strcpy(card->rel.preferred_name, "\xd7\x9e\xd7\x90\xd7\x99\xd7\x94"); /* Hebrew */
	assert_string_equal(opener(card, 0),
			    "Hi \xe2\x81\xa8\xd7\x9e\xd7\x90\xd7\x99\xd7\x94\xe2\x81\xa9" FIRST);
	add_chat(card, 2, "earlier", "answered");
	assert_string_equal(opener(card, 0),
			    "Hi \xe2\x81\xa8\xd7\x9e\xd7\x90\xd7\x99\xd7\x94\xe2\x81\xa9, "
			    "welcome back! " DONE_ON "1 January 1970" DONE_END);
	card->n_chats = 0;
	strcpy(card->rel.preferred_name, "Zo\xc3\xab");
	/* the chat being handled is the first remembered one: still first-time */
	add_chat(card, 40, "I need help with my nursing essay", "");
	assert_string_equal(opener(card, 40), "Hi Zo\xc3\xab" FIRST);
}

static void test_opener_open_and_answered(void **state)
{
	struct store_card *card = *state;

	remember(card, "Maya", "");
	add_chat(card, 9, "APA citations for my nursing paper", "");
	card->chats[0].created_at = NOV_3;
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " OPEN_ON "3 November" OPEN_END);
	strcpy(card->chats[0].outcome, "partly");
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " OPEN_ON "3 November" OPEN_END);
	strcpy(card->chats[0].outcome, "answered");
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " DONE_ON "3 November" DONE_END);
	/* the same day (UTC) */
	card->chats[0].created_at = NOW - 3600000;
	strcpy(card->chats[0].outcome, "");
	assert_string_equal(opener(card, 0), "Hi Maya, welcome back! " OPEN_TODAY OPEN_END);
	strcpy(card->chats[0].outcome, "answered");
	/* another year is named */
	card->chats[0].created_at = MARCH_2024;
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " DONE_ON "15 March 2024" DONE_END);
}

static void test_opener_which_chat(void **state)
{
	struct store_card *card = *state;
	int i;

	remember(card, "Maya", "");
	/* the newest open topic among the three newest */
	add_chat(card, 40, "newest", "answered");
	add_chat(card, 30, "second", "answered");
	add_chat(card, 20, "third", "follow_up");
	add_chat(card, 10, "fourth", "");
	for (i = 0; i < 4; i++)
		card->chats[i].created_at = NOV_3 - (int64_t)i * 86400000; /* 3, 2, 1 Nov, 31 Oct */
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " OPEN_ON "1 November" OPEN_END);
	/* an open topic further back is not brought up: the newest one is */
	strcpy(card->chats[2].outcome, "answered");
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " DONE_ON "3 November" DONE_END);
	/* the chat being picked up is not an earlier chat and does not count */
	assert_string_equal(opener(card, 40),
			    "Hi Maya, welcome back! " OPEN_ON "31 October" OPEN_END);
	strcpy(card->chats[0].outcome, "");
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " OPEN_ON "3 November" OPEN_END);
	/* a chat without a question is still an earlier chat */
	strcpy(card->chats[0].question, " \n ");
	assert_string_equal(opener(card, 0),
			    "Hi Maya, welcome back! " OPEN_ON "3 November" OPEN_END);
	/* only the current chat: nothing earlier */
	card->n_chats = 1;
	assert_string_equal(opener(card, 40), "Hi Maya" FIRST);
}

/* The opener paraphrases: nothing the patron wrote, and no note or trait, is repeated. */
static void test_opener_never_quotes(void **state)
{
	struct store_card *card = *state;
	const char *o;

	remember(card, "Maya", "");
	card->n_notes = 1;
	strcpy(card->notes[0].body, "SECRET staff note about the patron");
	card->n_traits = 1;
	strcpy(card->traits[0].key, "style");
	strcpy(card->traits[0].value, "SECRET style");
	o = opener(card, 0);
	assert_null(strstr(o, "SECRET"));
	add_chat(card, 1, "Me again! I found two census records but", "");
	o = opener(card, 0);
	assert_null(strstr(o, "SECRET"));
	assert_null(strstr(o, "census"));
	assert_null(strstr(o, "Me again"));
	assert_null(strstr(o, LQ));
	assert_null(strstr(o, RQ));
	assert_null(strchr(o, '"'));
}

static void test_opener_tiny_buffers(void **state)
{
	struct store_card *card = *state;
	char full[1024], out[1024];
	size_t n, len;

	remember(card, "Zo\xc3\xab", "");
	add_chat(card, 1, "\xe6\xbc\xa2\xe5\xad\x97 and caf\xc3\xa9 hours", "");
	strcpy(full, opener(card, 0));
	len = strlen(full);
	assert_true(valid_utf8(full));
	memset(out, 'x', sizeof out);
	card_opener(card, 0, NOW, out, 0);
	assert_int_equal(out[0], 'x');
	for (n = 1; n <= len + 1; n++) {
		memset(out, 'x', sizeof out);
		card_opener(card, 0, NOW, out, n);
		assert_true(strlen(out) < n);
		assert_int_equal(out[n], 'x'); /* nothing past outlen */
		assert_memory_equal(out, full, strlen(out));
		assert_true(valid_utf8(out));
	}
	assert_string_equal(out, full);
	card_opener(card, 0, NOW, out, 1);
	assert_string_equal(out, "");
	card_opener(card, 0, NOW, out, 7); /* "Hi Zo" + half of ë: the half is dropped */
	assert_string_equal(out, "Hi Zo");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tenure_not_remembered),
		T(test_tenure_counts),
		T(test_tenure_since),
		T(test_tenure_tiny_buffers),
		T(test_opener_not_remembered),
		T(test_opener_first_time),
		T(test_opener_open_and_answered),
		T(test_opener_which_chat),
		T(test_opener_never_quotes),
		T(test_opener_tiny_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
