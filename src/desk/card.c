/* card.c: the worded parts of a relationship card. See card.h. */
#include "desk/card.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define OPEN_LOOKBACK 3 /* an open topic older than the 3 newest chats is not brought up */

/* ---- bounded output --------------------------------------------------------------- */

/* Text that does not fit is cut on a character boundary, and nothing is added after a
 * cut, so a truncated sentence never loses its middle. */
struct out {
	char *p;
	size_t cap, len;
	int cut;
};

static void out_init(struct out *o, char *p, size_t cap)
{
	o->p = p;
	o->cap = cap;
	o->len = 0;
	o->cut = cap == 0;
	if (cap)
		p[0] = '\0';
}

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->cut)
		return;
	if (n >= o->cap - o->len) { /* one byte stays for the NUL */
		n = utf8_cut(s, n, o->cap - o->len - 1);
		o->cut = 1;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* ---- text helpers ----------------------------------------------------------------- */

static int is_space(unsigned char ch)
{
	return ch <= ' ' || ch == 0x7f;
}

static int is_lead(unsigned char ch)
{
	return (ch & 0xC0) != 0x80;
}

/* Copies at most srccap bytes of src (up to its NUL) to dst (dstcap >= srccap + 1) with
 * line breaks, tabs and other control characters as spaces, runs of spaces as one, and
 * no space at either end. Returns the length. */
static size_t squash(char *dst, size_t dstcap, const char *src, size_t srccap)
{
	size_t i, n = 0, len = strnlen(src, srccap);
	int gap = 0;

	for (i = 0; i < len && n + 2 < dstcap; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (is_space(ch)) {
			gap = n > 0;
			continue;
		}
		if (gap)
			dst[n++] = ' ';
		gap = 0;
		dst[n++] = (char)ch;
	}
	if (i < len && !is_lead((unsigned char)src[i])) { /* dstcap cut a character */
		while (n > 0 && !is_lead((unsigned char)dst[n - 1]))
			n--;
		if (n > 0)
			n--; /* its lead byte */
		while (n > 0 && dst[n - 1] == ' ')
			n--;
	}
	dst[n] = '\0';
	return n;
}

/* ---- tenure ----------------------------------------------------------------------- */

static const char *const months[12] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December",
};

/* Year, month (1..12) and day (1..31) in UTC of a time in ms since the epoch (proleptic
 * Gregorian; H. Hinnant's civil_from_days, valid for any int64 day count we can get here). */
static void civil_date(int64_t ms, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t z = ms / 86400000 - (ms % 86400000 < 0), era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

static void year_month(int64_t ms, int64_t *year, unsigned *month)
{
	unsigned day;

	civil_date(ms, year, month, &day);
}

void card_tenure(const struct store_card *card, int64_t now, char *out, size_t outlen)
{
	const struct store_relation *r = card ? &card->rel : NULL;
	int64_t since, year;
	unsigned month;
	struct out o;
	char line[128];

	out_init(&o, out, outlen);
	if (!r || !r->remembered)
		return;
	if (r->n_chats <= 0) {
		out_str(&o, "New to us");
		return;
	}
	since = r->remembered_since > 0 ? r->remembered_since : 0;
	if (r->first_chat_at > 0 && (since == 0 || r->first_chat_at < since))
		since = r->first_chat_at;
	if (since == 0)
		since = now; /* no date known: consent is in force, so at least since now */
	year_month(since, &year, &month);
	snprintf(line, sizeof line, "With us since %s %lld \xc2\xb7 %d %s", months[month - 1],
		 (long long)year, r->n_chats, r->n_chats == 1 ? "chat" : "chats");
	out_str(&o, line);
}

/* ---- opener ----------------------------------------------------------------------- */

/* Whether UTF-8 s[0..n) could reorder the text around it: it holds a bidi control (marks,
 * embeddings, overrides, isolates) or a right-to-left letter (Hebrew, Arabic, Syriac,
 * Thaana, N'Ko... U+0590-U+08FF, U+FB1D-U+FDFF, U+FE70-U+FEFF). Malformed bytes count. */
static int bidi_risky(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			i++;
			continue;
		}
		len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
		if (!len || i + len > n)
			return 1;
		cp = c & (0x7F >> len);
		for (size_t k = 1; k < len; k++)
			cp = cp << 6 | ((unsigned char)s[i + k] & 0x3F);
		if ((cp >= 0x0590 && cp <= 0x08FF) || cp == 0x200E || cp == 0x200F ||
		    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
		    (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF) ||
		    (cp >= 0x10800 && cp <= 0x10FFF) || (cp >= 0x1E800 && cp <= 0x1EFFF))
			return 1;
		i += len;
	}
	return 0;
}

/* Adds user text s[0..n) inside our sentence: isolated (U+2068 ... U+2069) when it could
 * reorder the words around it, so a name with a right-to-left override cannot turn
 * "welcome back!" around; plain names go in as they are. */
static void out_user(struct out *o, const char *s, size_t n)
{
	int iso = bidi_risky(s, n);

	if (iso)
		out_str(o, "\xe2\x81\xa8");
	out_add(o, s, n);
	if (iso)
		out_str(o, "\xe2\x81\xa9");
}

static int blank(const char *s, size_t cap)
{
	size_t i, n = strnlen(s, cap);

	for (i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]))
			return 0;
	return 1;
}

static int answered(const struct store_chat *ch)
{
	return strncmp(ch->outcome, "answered", sizeof ch->outcome) == 0;
}

/* The earlier chat to bring up: the newest open topic (outcome not "answered") among the
 * OPEN_LOOKBACK newest earlier chats, else the newest earlier chat; NULL if there is no
 * earlier chat. card->chats is newest first. */
static const struct store_chat *topic(const struct store_card *card, int64_t current)
{
	const struct store_chat *newest = NULL;
	size_t i, seen = 0, n = card->n_chats < STORE_CARD_CHATS ? card->n_chats : STORE_CARD_CHATS;

	for (i = 0; i < n && seen < OPEN_LOOKBACK; i++) {
		const struct store_chat *ch = &card->chats[i];

		if (current > 0 && ch->id == current)
			continue;
		if (!newest)
			newest = ch;
		seen++;
		if (!answered(ch))
			return ch;
	}
	return newest;
}

/* "on 3 March", "on 3 March 2025" when not in the year of now, "earlier today" on the day
 * of now (UTC). */
static void day_words(char *out, size_t cap, int64_t at, int64_t now)
{
	int64_t year, this_year;
	unsigned month, day, m2, d2;

	civil_date(at, &year, &month, &day);
	civil_date(now, &this_year, &m2, &d2);
	if (year == this_year && month == m2 && day == d2)
		snprintf(out, cap, "earlier today");
	else if (year == this_year)
		snprintf(out, cap, "on %u %s", day, months[month - 1]);
	else
		snprintf(out, cap, "on %u %s %lld", day, months[month - 1], (long long)year);
}

void card_opener(const struct store_card *card, int64_t current_chat_id, int64_t now, char *out,
		 size_t outlen)
{
	const struct store_relation *r = card ? &card->rel : NULL;
	const struct store_chat *ch;
	char buf[sizeof r->preferred_name + sizeof r->display_name], when[48];
	size_t n;
	struct out o;

	out_init(&o, out, outlen);
	if (!r || !r->remembered)
		return;
	if (blank(r->preferred_name, sizeof r->preferred_name))
		n = squash(buf, sizeof buf, r->display_name, sizeof r->display_name);
	else
		n = squash(buf, sizeof buf, r->preferred_name, sizeof r->preferred_name);
	out_str(&o, "Hi");
	if (n) {
		out_str(&o, " ");
		out_user(&o, buf, n);
	}
	ch = topic(card, current_chat_id);
	if (!ch) { /* their first remembered chat: nothing to come back to */
		out_str(&o, ", thanks for getting in touch! How can I help today?");
		return;
	}
	out_str(&o, ", welcome back! ");
	day_words(when, sizeof when, ch->created_at, now);
	if (answered(ch)) {
		out_str(&o, "How did it go with what we found for you ");
		out_str(&o, when);
		out_str(&o, "? Or is there something new I can help with?");
	} else {
		out_str(&o, "Did you get what you needed after our chat ");
		out_str(&o, when);
		out_str(&o, "? Happy to pick that up, or help with something new.");
	}
}
