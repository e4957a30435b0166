/* seed_rel.h: relationship memory for bench/seed (included once, after the bulk writer's
 * state and step()).
 *
 * What migration 3 added, filled as the server would have left it (src/store/sqlite_sql.c):
 *   - every chat: its question (the first patron message, cut to 255 bytes on a UTF-8
 *     boundary), an outcome tag for most, a rating for some, and one chat_text document
 *     (rowid = chat id, body = the text messages joined by newlines, patron = 'p' and the
 *     patron id, as SQ_CHAT_INDEX builds it at archive time), inserted in chat-id order
 *     in the same transactions as the chat;
 *   - remembered patrons: consent (notice NOTICE_VERSION) given at their first chat, so
 *     all their chats are remembered; a display name, often an e-mail; 0 to 4 notes by
 *     librarians who answered them, 0 to 3 preset traits, sometimes a favourite librarian
 *     and a preferred one (both among those who answered them).
 * Consents and notes get ids in time order, as the server allocates them: they are
 * collected while the patrons are written and inserted sorted at the end.
 *
 * Draws come from two streams of their own (phases 7 and 8), so the patrons, chats and
 * messages are the same as without this part.
 */
#ifndef RAPPORT_SEED_REL_H
#define RAPPORT_SEED_REL_H

#define QUESTION_MAX 255
#define DOC_MAX (MAX_MSGS * (BODY_MAX + 1))
#define NOTES_MAX 4
#define TRAITS_MAX 3

/* Full and short forms of first names: the display name uses the first, the
 * preferred_name trait the second. */
static const char *const patron_first[][2] = {
	{"Katherine", "Kate"},	  {"William", "Will"},	 {"Alexandra", "Sasha"},
	{"Jonathan", "Jon"},	  {"Olusegun", "Segun"}, {"Margaret", "Maggie"},
	{"Nicholas", "Nick"},	  {"Rebecca", "Becca"},	 {"Elizabeth", "Liz"},
	{"Mohammed", "Mo"},	  {"Benjamin", "Ben"},	 {"Victoria", "Tori"},
	{"Christopher", "Chris"}, {"Zainab", "Zee"},	 {"Isabella", "Bella"},
	{"Matthew", "Matt"},	  {"Joanna", "Jo"},	 {"Anthony", "Tony"},
	{"Lucia", "Lucy"},	  {"Abimbola", "Bimbo"},
};
static const char *const patron_last[] = {
	"Osei",	     "Kowalczyk", "Fernandez", "O'Brien", "Nakamura", "Abdullah",
	"Lindqvist", "Mensah",	  "Carter",    "Novak",	  "Reyes",    "Huang",
	"Byrne",     "Ivanova",	  "Mahmoud",   "Dlamini", "Moreau",   "Tran",
};

static const char *const note_texts[] = {
	"Final-year nursing student; dissertation on falls prevention in care homes.",
	"Prefers links sent by email after the chat; usually on a phone.",
	"Off-campus access sorted: proxy login works with card number and PIN.",
	"Local history project on the old tram line. Pointed to the newspaper archive.",
	"Needs APA 7 help most times; shared the citation guide.",
	"ILL request placed for a thesis; check that it arrived.",
	"Part-time student working night shifts, usually chats late in the evening.",
	"Uses a screen reader: send plain links, no screenshots.",
	"Back to study after many years, new to databases. Go step by step.",
	"Community card holder researching family history; likes the census guide.",
	"Climate adaptation in coastal towns: Scopus and GreenFILE worked well.",
	"Teacher preparing a unit on the 1918 flu; wanted primary sources for the class.",
	"Prefers e-books: Ebook Central works for them, OverDrive did not.",
	"PhD, chemistry: needs old journal back issues; document delivery set up.",
	"Books group study rooms for a study group on Tuesdays.",
	"English is a second language; short sentences helped.",
	"County census data 1990-2020: sent the statistics guide.",
	"Overdue fine waived once; mentioned hardship.",
	"Writing a grant application, needs evidence on adult literacy programmes.",
	"MLA citations for web pages without authors keep coming up.",
	"Several reading-list titles only in print; used scan and deliver.",
	"Likes to learn the search rather than be given the answer.",
	"Follow up: the chapter scan was requested but not yet sent.",
	"Law student; Westlaw login trouble fixed by clearing cookies.",
};

static const char *const pronoun_values[] = {"she/her", "he/him", "they/them", "she/they",
					     "he/they"};
static const char *const programme_values[] = {
	"BSc Nursing, year 2",	    "MA History",	    "PhD Chemistry",
	"BA English Literature",    "MBA, part-time",	    "LLB Law, final year",
	"MSc Data Science",	    "Access to HE Diploma", "Community member",
	"Secondary school teacher",
};
static const char *const language_values[] = {
	"English",    "Spanish", "Polish",    "Arabic",	    "Mandarin",
	"Portuguese", "French",	 "Ukrainian", "Vietnamese",
};
static const char *const style_values[] = {
	"Short answers, links by email",
	"Step by step, with screenshots",
	"Wants pointers, likes to search themselves",
	"Detailed explanations welcome",
	"Quick answers: chats between shifts",
};

/* The traits drawn (keys checked against STORE_PRESET_TRAITS at start); preferred_name
 * takes the short form of the patron's first name. */
static const struct {
	const char *key;
	const char *const *values;
	size_t n;
} trait_kinds[] = {
	{"preferred_name", NULL, 0},
	{"pronouns", pronoun_values, COUNT(pronoun_values)},
	{"programme", programme_values, COUNT(programme_values)},
	{"language", language_values, COUNT(language_values)},
	{"style", style_values, COUNT(style_values)},
};

/* Outcome tags (checked against STORE_OUTCOMES) and their relative frequencies; "" is an
 * untagged chat. */
static const char *const outcome_names[] = {"",		"answered",  "partly",
					    "referred", "follow_up", "unanswered"};
static const double outcome_w[COUNT(outcome_names)] = {30, 42, 10, 8, 6, 4};

#define RATED_SHARE 0.15
static const double rating_w[5] = {5, 5, 12, 28, 50}; /* 1 to 5 stars */
static const double notes_w[NOTES_MAX + 1] = {40, 30, 17, 9, 4};
static const double traits_w[TRAITS_MAX + 1] = {40, 30, 20, 10};

/* What a remembered patron's chats left to draw from. */
struct rel_seen {
	int64_t first_at; /* created_at of the first chat: consent and remembered_since */
	int64_t at[2]; /* ended_at of the first chat and of one drawn among the others */
	int64_t staff[2]; /* who answered those two */
	uint32_t chats;
};

enum { ROW_CONSENT, ROW_NOTE };

/* A consent or note row, inserted in time order by rel_finish(). */
struct rel_row {
	int64_t at;
	int64_t staff; /* note author */
	uint32_t patron; /* id */
	uint16_t what; /* note_texts index */
	uint8_t kind;
};

/* The relationship columns of a patron row. */
struct rel_who {
	int remembered;
	int64_t since;
	int64_t preferred; /* staff id, 0: none */
	char display_name[64];
	char email[96];
};

struct rel {
	struct rng chat_rng, patron_rng;
	struct rel_seen *seen; /* by patron id - 1; filled for remembered patrons only */
	struct rel_row *rows;
	size_t n_rows, cap_rows;
	sqlite3_stmt *consent, *note, *trait, *favourite, *text;
	char question[QUESTION_MAX + 1];
	char doc[DOC_MAX]; /* the chat_text document of the chat being written */
	size_t doc_len;
	size_t chats, notes, traits, favourites, preferred, emails; /* for the summary */
};

static const char sql_consent[] = "INSERT INTO consents (patron_id, action, scope, "
				  "notice_version, at) VALUES (?1, 'give', 'remember', ?2, ?3)";
static const char sql_note[] = "INSERT INTO notes (patron_id, library_id, author_id, body, "
			       "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
static const char sql_trait[] = "INSERT INTO traits (patron_id, key, value, updated_by, "
				"updated_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_favourite[] = "INSERT INTO favourites (patron_id, staff_id, at) "
				    "VALUES (?1, ?2, ?3)";
static const char sql_text[] = "INSERT INTO chat_text (rowid, body, patron) "
			       "VALUES (?1, ?2, 'p' || ?3)";

/* Index drawn with the relative weights w[0, n). */
static size_t draw_weighted(struct rng *r, const double *w, size_t n)
{
	double total = 0, x;

	for (size_t i = 0; i < n; i++)
		total += w[i];
	x = rng_unit(r) * total;
	for (size_t i = 0; i + 1 < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* Prepares the inserts and checks the drawn trait keys and outcomes against store.h.
 * Returns 0 or -1 (reported); rel_close() in both cases. */
static int rel_open(struct rel *rl, sqlite3 *db, const struct plan *p)
{
	static const char *const presets[] = {STORE_PRESET_TRAITS};
	static const char *const outcomes[] = {STORE_OUTCOMES};

	memset(rl, 0, sizeof *rl);
	for (size_t i = 0; i < COUNT(trait_kinds); i++)
		if (!in_list(trait_kinds[i].key, presets, COUNT(presets))) {
			fprintf(stderr, "seed: trait %s is not preset\n", trait_kinds[i].key);
			return -1;
		}
	for (size_t i = 1; i < COUNT(outcome_names); i++)
		if (!in_list(outcome_names[i], outcomes, COUNT(outcomes))) {
			fprintf(stderr, "seed: outcome %s is unknown\n", outcome_names[i]);
			return -1;
		}
	rng_init(&rl->chat_rng, p->seed, 7);
	rng_init(&rl->patron_rng, p->seed, 8);
	rl->seen = calloc(p->n_patrons ? p->n_patrons : 1, sizeof *rl->seen);
	if (!rl->seen) {
		fputs("seed: out of memory\n", stderr);
		return -1;
	}
	if (sqlite3_prepare_v2(db, sql_consent, -1, &rl->consent, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_note, -1, &rl->note, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_trait, -1, &rl->trait, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_favourite, -1, &rl->favourite, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_text, -1, &rl->text, NULL) != SQLITE_OK) {
		fprintf(stderr, "seed: prepare: %s (schema changed? see sqlite_sql.c)\n",
			sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static void rel_close(struct rel *rl)
{
	sqlite3_finalize(rl->consent);
	sqlite3_finalize(rl->note);
	sqlite3_finalize(rl->trait);
	sqlite3_finalize(rl->favourite);
	sqlite3_finalize(rl->text);
	free(rl->seen);
	free(rl->rows);
}

/* ---- chats ------------------------------------------------------------------------------ */

/* Starts a chat whose first (patron) message is body[0, len): its question is that, cut
 * to QUESTION_MAX bytes on a character boundary as the store cuts it. */
static void rel_chat_begin(struct rel *rl, const char *body, size_t len)
{
	size_t n = len;

	if (n > QUESTION_MAX) {
		n = QUESTION_MAX;
		while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(rl->question, body, n);
	rl->question[n] = '\0';
	rl->doc_len = 0;
}

/* Adds a text message to the chat's search document (one line each). */
static void rel_text(struct rel *rl, const char *body, size_t len)
{
	if (rl->doc_len + 1 + len > sizeof rl->doc)
		return; /* cannot happen: at most MAX_MSGS bodies of BODY_MAX */
	if (rl->doc_len)
		rl->doc[rl->doc_len++] = '\n';
	memcpy(rl->doc + rl->doc_len, body, len);
	rl->doc_len += len;
}

/* Ends a chat of patron `who` answered by `staff`, over at `ended`: remembers who answered
 * (the first chat, and one drawn uniformly among the later ones) and draws its outcome
 * tag and rating. */
static void rel_chat_end(struct rel *rl, const struct plan *p, uint32_t who, int64_t staff,
			 int64_t started, int64_t ended, const char **outcome, int *rating)
{
	struct rel_seen *s = &rl->seen[who - 1];

	if (p->patrons[who - 1].remembered) {
		rl->chats++;
		if (s->chats++ == 0) {
			s->first_at = started;
			s->at[0] = s->at[1] = ended;
			s->staff[0] = s->staff[1] = staff;
		} else if (rng_below(&rl->chat_rng, s->chats - 1) == 0) {
			s->at[1] = ended;
			s->staff[1] = staff;
		}
	}
	*outcome = outcome_names[draw_weighted(&rl->chat_rng, outcome_w, COUNT(outcome_w))];
	*rating = 0;
	if (rng_unit(&rl->chat_rng) < RATED_SHARE)
		*rating = 1 + (int)draw_weighted(&rl->chat_rng, rating_w, 5);
}

/* Indexes chat `id` of patron `who` for search with the document built since
 * rel_chat_begin(). */
static int rel_index_chat(struct bulk *b, int64_t id, uint32_t who)
{
	struct rel *rl = b->rel;

	sqlite3_bind_int64(rl->text, 1, id);
	sqlite3_bind_text(rl->text, 2, rl->doc, (int)rl->doc_len, SQLITE_STATIC);
	sqlite3_bind_int64(rl->text, 3, who);
	return step(b, rl->text);
}

/* ---- patrons ---------------------------------------------------------------------------- */

/* A time shortly after `at` (within `max_ms`), before the end of the history. */
static int64_t rel_after(struct rel *rl, const struct plan *p, int64_t at, int64_t max_ms)
{
	int64_t t = at + rng_range(&rl->patron_rng, 1000, max_ms);

	return t < p->end ? t : p->end - 1;
}

static int rel_row_add(struct rel *rl, const struct rel_row *row)
{
	if (rl->n_rows == rl->cap_rows) {
		size_t cap = rl->cap_rows ? 2 * rl->cap_rows : 65536;
		struct rel_row *n = realloc(rl->rows, cap * sizeof *n);

		if (!n) {
			fputs("seed: out of memory\n", stderr);
			return -1;
		}
		rl->rows = n;
		rl->cap_rows = cap;
	}
	rl->rows[rl->n_rows++] = *row;
	return 0;
}

/* Inserts 0 to TRAITS_MAX distinct preset traits of patron `id`, set by the patron at
 * consent or by a librarian after a chat. */
static int rel_traits(struct bulk *b, const struct plan *p, uint32_t id, const char *short_name)
{
	struct rel *rl = b->rel;
	const struct rel_seen *s = &rl->seen[id - 1];
	size_t order[COUNT(trait_kinds)];
	size_t n = draw_weighted(&rl->patron_rng, traits_w, COUNT(traits_w));
	sqlite3_stmt *st = rl->trait;

	for (size_t i = 0; i < COUNT(order); i++)
		order[i] = i;
	for (size_t k = 0; k < n; k++) {
		size_t j = k + rng_below(&rl->patron_rng, COUNT(order) - k), t = order[j];
		int slot = (int)rng_below(&rl->patron_rng, 2);
		int by_patron = rng_unit(&rl->patron_rng) < 0.4;
		const char *value =
			trait_kinds[t].values
				? trait_kinds[t]
					  .values[rng_below(&rl->patron_rng, trait_kinds[t].n)]
				: short_name;

		order[j] = order[k];
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, trait_kinds[t].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, by_patron ? 0 : s->staff[slot]);
		sqlite3_bind_int64(st, 5,
				   by_patron ? rel_after(rl, p, s->first_at, 120000)
					     : rel_after(rl, p, s->at[slot], 600000));
		if (step(b, st))
			return -1;
		rl->traits++;
	}
	return 0;
}

/* Queues the consent and 0 to NOTES_MAX distinct notes of patron `id`, each by one of the
 * two librarians remembered from their chats, written just after that chat. */
static int rel_notes(struct rel *rl, const struct plan *p, uint32_t id)
{
	const struct rel_seen *s = &rl->seen[id - 1];
	struct rel_row row = {.at = s->first_at, .patron = id, .kind = ROW_CONSENT};
	size_t order[COUNT(note_texts)];
	size_t n = draw_weighted(&rl->patron_rng, notes_w, COUNT(notes_w));

	if (rel_row_add(rl, &row))
		return -1;
	if (s->chats >= 4 && n < NOTES_MAX)
		n++; /* regulars get noted more */
	for (size_t i = 0; i < COUNT(order); i++)
		order[i] = i;
	for (size_t k = 0; k < n; k++) {
		size_t j = k + rng_below(&rl->patron_rng, COUNT(order) - k);
		int slot = (int)rng_below(&rl->patron_rng, 2);

		row.what = (uint16_t)order[j];
		order[j] = order[k];
		row.kind = ROW_NOTE;
		row.staff = s->staff[slot];
		row.at = rel_after(rl, p, s->at[slot], 1800000);
		if (rel_row_add(rl, &row))
			return -1;
	}
	return 0;
}

/* Draws the relationship memory of patron i (id i + 1) into *w for the patron row, inserts
 * their traits and favourite, and queues their consent and notes. Nothing for a patron
 * not remembered. Returns 0 or -1 (reported). */
static int rel_patron(struct bulk *b, const struct plan *p, size_t i, struct rel_who *w)
{
	struct rel *rl = b->rel;
	struct rng *r = &rl->patron_rng;
	const struct rel_seen *s = &rl->seen[i];
	uint32_t id = (uint32_t)(i + 1);
	size_t fi, li;

	memset(w, 0, sizeof *w);
	if (!p->patrons[i].remembered || s->chats == 0)
		return 0;
	w->remembered = 1;
	w->since = s->first_at;
	fi = rng_below(r, COUNT(patron_first));
	li = rng_below(r, COUNT(patron_last));
	snprintf(w->display_name, sizeof w->display_name, "%s %s", patron_first[fi][0],
		 patron_last[li]);
	if (rng_unit(r) < 0.45) {
		/* k.obrien123@mail.example: letters of the surname, lower case */
		char *e = w->email;
		const char *c;

		*e++ = (char)(patron_first[fi][0][0] | 0x20);
		*e++ = '.';
		for (c = patron_last[li]; *c; c++)
			if ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z')
				*e++ = (char)(*c | 0x20);
		snprintf(e, sizeof w->email - (size_t)(e - w->email), "%u@mail.example", id);
		rl->emails++;
	}
	if (rng_unit(r) < 0.10) {
		w->preferred = s->staff[rng_below(r, 2)];
		rl->preferred++;
	}
	if (rng_unit(r) < 0.20) {
		int slot = (int)rng_below(r, 2);

		sqlite3_bind_int64(rl->favourite, 1, id);
		sqlite3_bind_int64(rl->favourite, 2, s->staff[slot]);
		sqlite3_bind_int64(rl->favourite, 3, rel_after(rl, p, s->at[slot], 120000));
		if (step(b, rl->favourite))
			return -1;
		rl->favourites++;
	}
	if (rel_traits(b, p, id, patron_first[fi][1]))
		return -1;
	return rel_notes(rl, p, id);
}

static int cmp_row(const void *a, const void *b)
{
	const struct rel_row *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->patron != y->patron)
		return x->patron < y->patron ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->what < y->what ? -1 : x->what > y->what;
}

/* Inserts the queued consents and notes in time order (their ids grow with time), then
 * prints a summary. Returns 0 or -1 (reported). */
static int rel_finish(struct bulk *b, const struct plan *p)
{
	struct rel *rl = b->rel;

	qsort(rl->rows, rl->n_rows, sizeof *rl->rows, cmp_row);
	for (size_t i = 0; i < rl->n_rows; i++) {
		const struct rel_row *row = &rl->rows[i];
		sqlite3_stmt *st = row->kind == ROW_CONSENT ? rl->consent : rl->note;

		sqlite3_bind_int64(st, 1, row->patron);
		if (row->kind == ROW_CONSENT) {
			sqlite3_bind_text(st, 2, NOTICE_VERSION, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, row->at);
		} else {
			sqlite3_bind_int64(st, 2, p->libs[p->patrons[row->patron - 1].lib].id);
			sqlite3_bind_int64(st, 3, row->staff);
			sqlite3_bind_text(st, 4, note_texts[row->what], -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, row->at);
			rl->notes++;
		}
		if (step(b, st))
			return -1;
	}
	printf("seed: remembered: %zu chats, %zu with e-mail, %zu notes, %zu traits, "
	       "%zu favourites, %zu preferred librarians\n",
	       rl->chats, rl->emails, rl->notes, rl->traits, rl->favourites, rl->preferred);
	return 0;
}

#endif
