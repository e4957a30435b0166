/* rest_rel.c: the REST routes of relationship memory (the patron card, notes, traits,
 * outcomes, search, the continuity report, the card-view audit) and of librarian profiles
 * and photos; see docs/API.md.
 *
 * Reads run on a worker (`struct rd_job`) and are turned into JSON on the loop; writes go
 * through the writer and answer from their `done` callback once committed. Every store
 * call is scoped to the caller's library, and rows coming back are checked again before
 * anything of them is shown. Relationship writes are conditional in SQL: a write that
 * changed nothing answers 404, exactly like a record that does not exist. Text from users
 * is bound by the store and escaped by the JSON writer; it is never interpreted here. */
#include <stdlib.h>
#include <string.h>

#include "desk/card.h"
#include "api/api.h"
#include "util/log.h"

#define SEARCH_DEFAULT 20
#define SEARCH_MAX 100
#define AUDIT_MAX 200
#define DAY_MS (24LL * 60 * 60 * 1000)
#define NAME_MAX_BYTES 127
#define PRONOUNS_MAX 63
#define SUBJECTS_MAX 255
#define BIO_MAX 500
#define LABEL_MAX 127
#define PHOTO_CSP "default-src 'none'; sandbox"
#define PHOTO_CACHE "public, max-age=86400"

static const char *const preset_keys[] = {STORE_PRESET_TRAITS};
static const char *const preset_labels[] = {"Preferred name", "Pronouns", "Programme or course",
					    "Language", "Communication style"};
static const char *const outcomes[] = {STORE_OUTCOMES};
#define N_PRESETS (sizeof preset_keys / sizeof preset_keys[0])
#define STR_MAX_(x) #x
#define STR_MAX(x) STR_MAX_(x)
_Static_assert(N_PRESETS + STORE_TRAIT_KEYS_MAX <= STORE_CARD_TRAITS,
	       "every trait a patron can have fits on the card");
_Static_assert(sizeof preset_labels / sizeof preset_labels[0] == N_PRESETS,
	       "a label for every preset trait");

/* ---- small helpers -------------------------------------------------------------------- */

static int key_ok(const char *k)
{
	size_t n = strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n >= 1 && n <= 31 && k[n] == '\0';
}

static int preset_index(const char *key)
{
	size_t i;

	for (i = 0; i < N_PRESETS; i++)
		if (strcmp(key, preset_keys[i]) == 0)
			return (int)i;
	return -1;
}

/* {"profile":{...,"listed":bool}}: the public profile plus what only its owner sees. */
static void respond_profile(struct http_conn *h, const struct staff *st)
{
	struct buf b = {0};

	buf_puts(&b, "{\"profile\":");
	staff_profile_json(&b, st);
	if (b.len && b.data[b.len - 1] == '}') {
		b.len--;
		buf_putc(&b, ',');
		json_kbool(&b, "listed", st->listed);
		json_close(&b, '}');
	}
	buf_putc(&b, '}');
	rest_respond_buf(h, 200, &b);
}

static int photo_kind(const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

	if (n > sizeof png && memcmp(p, png, sizeof png) == 0)
		return 1;
	if (n > 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return 2;
	return 0;
}

static const char *photo_type(int kind)
{
	return kind == 1 ? "image/png" : kind == 2 ? "image/jpeg" : NULL;
}

/* ---- reads on a worker ---------------------------------------------------------------- */

enum rd_kind { RD_CARD, RD_KEYS, RD_KEYCHECK, RD_SEARCH, RD_CONTINUITY, RD_AUDIT, RD_PHOTO };

struct rd_job {
	struct worker_job job;
	enum rd_kind kind;
	uint64_t http_id;
	int64_t staff_id, lib, patron, chat, before, since, until;
	int limit, rc, found;
	char q[512]; /* search words; RD_KEYCHECK: the key */
	struct buf out; /* rows packed by the worker */
	struct store_card *card; /* RD_CARD */
	int64_t returning, continued;
	char type[16]; /* RD_PHOTO */
	void *data;
	size_t len;
	struct store_write *w; /* RD_KEYCHECK: submitted once the key is known */
	struct buf followups; /* RD_CARD: rows packed by followups_card_read */
};

static int key_cb(void *ctx, const char *key, const char *label)
{
	struct rd_job *j = ctx;

	if (j->kind == RD_KEYCHECK) {
		j->found |= strcmp(key, j->q) == 0;
		return j->found ? STORE_STOP : 0;
	}
	buf_put(&j->out, key, strlen(key) + 1);
	buf_put(&j->out, label, strlen(label) + 1);
	return 0;
}

static int chat_cb(void *ctx, const struct store_chat *r)
{
	struct rd_job *j = ctx;

	buf_put(&j->out, r, sizeof *r);
	return 0;
}

static int view_cb(void *ctx, const struct store_card_view *r)
{
	struct rd_job *j = ctx;

	buf_put(&j->out, r, sizeof *r);
	return 0;
}

static int rd_store(struct rd_job *j, const struct store_ops *ops, struct store_conn *sc)
{
	switch (j->kind) {
	case RD_CARD:
		if (!ops->card || !ops->trait_keys)
			return STORE_ERR;
		j->rc = ops->card(sc, j->lib, j->patron, j->card);
		if (j->rc || !j->card->rel.remembered)
			return j->rc;
		j->rc = followups_card_read(ops, sc, j->lib, j->patron, &j->followups);
		return j->rc ? j->rc : ops->trait_keys(sc, j->lib, key_cb, j);
	case RD_KEYS:
	case RD_KEYCHECK:
		return ops->trait_keys ? ops->trait_keys(sc, j->lib, key_cb, j) : STORE_ERR;
	case RD_SEARCH:
		return ops->search ? ops->search(sc, j->lib, j->patron, j->q, j->before, j->limit,
						 chat_cb, j)
				   : STORE_ERR;
	case RD_CONTINUITY:
		return ops->continuity ? ops->continuity(sc, j->lib, j->since, j->until,
							 &j->returning, &j->continued)
				       : STORE_ERR;
	case RD_AUDIT:
		return ops->card_views
			       ? ops->card_views(sc, j->lib, j->patron, j->limit, view_cb, j)
			       : STORE_ERR;
	case RD_PHOTO:
		return ops->staff_photo
			       ? ops->staff_photo(sc, j->staff_id, j->type, &j->data, &j->len)
			       : STORE_ERR;
	}
	return STORE_ERR;
}

static void rd_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct rd_job *j = (struct rd_job *)job;

	j->rc = rd_store(j, ops, sc);
	if (j->rc == STORE_STOP)
		j->rc = 0;
}

static void rd_done(struct worker_job *job);

/* A read job for h by st (NULL: anonymous), or NULL after answering 503. */
static struct rd_job *rd_new(struct http_conn *h, const struct staff *st, enum rd_kind kind)
{
	struct rd_job *j = calloc(1, sizeof *j);

	if (!j || (kind == RD_CARD && !(j->card = calloc(1, sizeof *j->card)))) {
		free(j);
		http_error(h, 503, "busy", "Out of memory.");
		return NULL;
	}
	j->job.run = rd_run;
	j->job.done = rd_done;
	j->kind = kind;
	j->http_id = h->id;
	if (st) {
		j->staff_id = st->id;
		j->lib = st->lib->id;
	}
	return j;
}

static void rd_submit(struct rd_job *j)
{
	worker_submit(g_app->workers, &j->job);
}

/* ---- writes --------------------------------------------------------------------------- */

struct wr_ctx {
	uint64_t http_id;
	int64_t staff_id;
};

/* A relationship write by st, or NULL after answering 503. */
static struct store_write *wr_new(struct http_conn *h, const struct staff *st,
				  enum store_write_kind kind)
{
	struct store_write *w = g_app->stopping ? NULL : store_write_new(kind);

	if (!w) {
		http_error(h, 503, "busy",
			   g_app->stopping ? "The server is shutting down." : "Out of memory.");
		return NULL;
	}
	w->u.rel.staff_id = st->id;
	w->u.rel.library_id = st->lib->id;
	w->u.rel.at = app_now_ms();
	return w;
}

/* Queues w; `done` answers the request identified by http_id once it committed. If the
 * writer refuses it, it still completes (with an error) through `done`. */
static void wr_submit(uint64_t http_id, int64_t staff_id, struct store_write *w,
		      store_write_done done)
{
	struct wr_ctx *x = calloc(1, sizeof *x);
	struct http_conn *h;

	if (!x) {
		store_write_free(w);
		if ((h = http_find(&g_app->net, http_id)))
			http_error(h, 503, "busy", "Out of memory.");
		return;
	}
	x->http_id = http_id;
	x->staff_id = staff_id;
	w->done = done;
	w->arg = x;
	writer_submit(g_app->writer, w);
}

static const char *missing_what(enum store_write_kind kind)
{
	switch (kind) {
	case STW_NOTE_ADD:
	case STW_TRAIT_SET: return "No such patron.";
	case STW_NOTE_EDIT:
	case STW_NOTE_DELETE: return "No such note.";
	case STW_TRAIT_KEY_PUT: return "No such trait key.";
	case STW_CHAT_OUTCOME: return "No such chat.";
	default: return "Not found.";
	}
}

/* The connection to answer for a completed write, or NULL when it is gone or the write
 * failed or changed nothing (then answered here). Frees nothing. */
static struct http_conn *wr_answerable(struct store_write *w, int rc)
{
	struct wr_ctx *x = w->arg;
	struct http_conn *h = http_find(&g_app->net, x->http_id);

	if (rc)
		log_warn("rest", "write kind %d by staff %lld failed: %s", (int)w->kind,
			 (long long)x->staff_id, store_strerror(rc));
	if (!h)
		return NULL;
	if (rc) {
		http_error(h, 503, "store_failed", "Could not save; try again.");
		return NULL;
	}
	if (!w->changed && w->kind == STW_TRAIT_KEY_PUT && w->u.rel.value[0]) {
		/* a valid new key of an existing library: only the cap refuses it */
		http_error(h, 409, "too_many",
			   "A library has at most " STR_MAX(
				   STORE_TRAIT_KEYS_MAX) " trait keys of its own. Remove one "
							 "before adding another.");
		return NULL;
	}
	if (!w->changed) {
		http_error(h, 404, "not_found", missing_what(w->kind));
		return NULL;
	}
	return h;
}

static void ok_done(struct store_write *w, int rc)
{
	struct http_conn *h = wr_answerable(w, rc);

	if (h)
		rest_respond_ok(h);
	free(w->arg);
}

static void note_done(struct store_write *w, int rc)
{
	struct http_conn *h = wr_answerable(w, rc);
	struct wr_ctx *x = w->arg;
	struct staff *st = desk_staff(g_app->desk, x->staff_id);
	struct buf b = {0};

	if (h) {
		buf_puts(&b, "{\"note\":{");
		json_kint(&b, "id", w->u.rel.id);
		if (w->kind == STW_NOTE_ADD) {
			json_kint(&b, "patron", w->u.rel.patron_id);
			json_kint(&b, "created_at", w->u.rel.at);
		}
		rest_staff_ref(&b, "author", x->staff_id);
		json_kstr(&b, "body", w->u.rel.text);
		json_kint(&b, "updated_at", w->u.rel.at);
		json_kbool(&b, "can_edit", 1);
		json_kbool(&b, "can_delete", st && st->admin);
		json_close(&b, '}');
		buf_putc(&b, '}');
		rest_respond_buf(h, w->kind == STW_NOTE_ADD ? 201 : 200, &b);
	}
	free(w->arg);
}

/* A card waiting for its audit row: answered once the row committed (or failed: then
 * only logged), so whoever reads the audit after seeing a card finds the view there. */
struct audit_ctx {
	uint64_t http_id;
	char *body;
	size_t len;
};

static void audit_done(struct store_write *w, int rc)
{
	struct audit_ctx *a = w->arg;
	struct http_conn *h = http_find(&g_app->net, a->http_id);

	if (rc)
		log_warn("rest", "card view of patron %lld by staff %lld not audited: %s",
			 (long long)w->u.rel.patron_id, (long long)w->u.rel.staff_id,
			 store_strerror(rc));
	if (h)
		http_respond(h, 200, a->body, a->len);
	else
		free(a->body);
	free(a);
}

/* The profile and photo writes change the desk's copy once committed, whether or not the
 * request is still there to answer. */
static void profile_done(struct store_write *w, int rc)
{
	struct wr_ctx *x = w->arg;
	struct http_conn *h = http_find(&g_app->net, x->http_id);
	struct staff *st = desk_staff(g_app->desk, x->staff_id);
	const struct store_rel_write *r = &w->u.rel;

	if (rc)
		log_warn("rest", "profile of staff %lld not saved: %s", (long long)x->staff_id,
			 store_strerror(rc));
	if (!rc && st) {
		if (w->kind == STW_STAFF_PROFILE) {
			snprintf(st->name, sizeof st->name, "%s", r->display_name);
			snprintf(st->pronouns, sizeof st->pronouns, "%s", r->pronouns);
			snprintf(st->subjects, sizeof st->subjects, "%s", r->value);
			snprintf(st->bio, sizeof st->bio, "%s", r->text ? r->text : "");
			st->listed = r->on;
		} else {
			st->photo_at = r->blob_len ? r->at : 0;
		}
		st->lib->staff_dirty = 1; /* patrons see who is on, and how */
	}
	if (h && rc)
		http_error(h, 503, "store_failed", "Could not save; try again.");
	else if (h && !st)
		http_error(h, 401, "unauthenticated", "Please log in.");
	else if (h)
		respond_profile(h, st);
	free(w->arg);
}

/* ---- relationship card ---------------------------------------------------------------- */

/* The label of a trait key: preset, else the library's own (from j->out), else the key. */
static const char *trait_label(const struct rd_job *j, const char *key)
{
	int p = preset_index(key);
	size_t off = 0;

	if (p >= 0)
		return preset_labels[p];
	while (off < j->out.len) {
		const char *k = j->out.data + off, *label = k + strlen(k) + 1;

		if (strcmp(k, key) == 0)
			return label;
		off = (size_t)(label + strlen(label) + 1 - j->out.data);
	}
	return key;
}

/* "trait_keys":[...] (trailing comma): presets, then the library's keys from j->out. */
static void trait_keys_json(struct buf *b, const struct rd_job *j)
{
	size_t i, off = 0;

	buf_puts(b, "\"trait_keys\":[");
	for (i = 0; i < N_PRESETS; i++) {
		buf_putc(b, '{');
		json_kstr(b, "key", preset_keys[i]);
		json_kstr(b, "label", preset_labels[i]);
		json_kbool(b, "preset", 1);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	while (off < j->out.len) {
		const char *k = j->out.data + off, *label = k + strlen(k) + 1;

		off = (size_t)(label + strlen(label) + 1 - j->out.data);
		if (preset_index(k) >= 0)
			continue;
		buf_putc(b, '{');
		json_kstr(b, "key", k);
		json_kstr(b, "label", label);
		json_kbool(b, "preset", 0);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

static void card_patron_json(struct buf *b, const struct store_relation *r)
{
	buf_puts(b, "\"patron\":{");
	json_kint(b, "id", r->patron_id);
	json_kbool(b, "remembered", 1);
	json_kint(b, "since", r->remembered_since);
	json_kstr(b, "display_name", r->display_name);
	json_kstr(b, "preferred_name", r->preferred_name);
	json_kstr(b, "pronouns", r->pronouns);
	json_kstr(b, "email", r->email);
	json_close(b, '}');
	buf_putc(b, ',');
}

static void card_history_json(struct buf *b, const struct rd_job *j, const struct staff *st)
{
	const struct store_card *c = j->card;
	size_t i;

	buf_puts(b, "\"chats\":[");
	for (i = 0; i < c->n_chats && i < STORE_CARD_CHATS; i++) {
		const struct store_chat *r = &c->chats[i];

		if (r->id == j->chat || r->library_id != j->lib || r->patron_id != j->patron)
			continue;
		buf_putc(b, '{');
		json_kint(b, "id", r->id);
		json_kint(b, "created_at", r->created_at);
		rest_staff_ref(b, "staff", r->staff_id);
		json_kstr(b, "question", r->question);
		json_kstr(b, "outcome", r->outcome);
		if (r->rating)
			json_kint(b, "rating", r->rating);
		else
			buf_puts(b, "\"rating\":null,");
		json_kstr(b, "state", r->state);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_puts(b, ",\"notes\":[");
	for (i = 0; i < c->n_notes && i < STORE_CARD_NOTES; i++) {
		const struct store_note *n = &c->notes[i];

		if (n->library_id != j->lib || n->patron_id != j->patron)
			continue;
		buf_putc(b, '{');
		json_kint(b, "id", n->id);
		rest_staff_ref(b, "author", n->author_id);
		json_kstr(b, "body", n->body);
		json_kint(b, "created_at", n->created_at);
		json_kint(b, "updated_at", n->updated_at);
		json_kbool(b, "can_edit", n->author_id == st->id);
		json_kbool(b, "can_delete", st->admin);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

static void card_traits_json(struct buf *b, const struct rd_job *j)
{
	const struct store_card *c = j->card;
	size_t i;

	buf_puts(b, "\"traits\":[");
	for (i = 0; i < c->n_traits && i < STORE_CARD_TRAITS; i++) {
		const struct store_trait *t = &c->traits[i];

		buf_putc(b, '{');
		json_kstr(b, "key", t->key);
		json_kstr(b, "label", trait_label(j, t->key));
		json_kstr(b, "value", t->value);
		rest_staff_ref(b, "by", t->updated_by);
		json_kint(b, "updated_at", t->updated_at);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
	trait_keys_json(b, j);
	rest_staff_ref(b, "preferred_staff", c->rel.preferred_staff_id);
	buf_puts(b, "\"favourites\":[");
	for (i = 0; i < c->rel.n_favourites && i < STORE_FAVOURITES_MAX; i++) {
		struct staff *s = desk_staff(g_app->desk, c->rel.favourites[i]);

		if (!s || s->lib->id != j->lib)
			continue;
		buf_putc(b, '{');
		json_kint(b, "id", s->id);
		json_kstr(b, "name", s->name);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

/* Writes the audit row of a card view, then answers h with the card in b. */
static void card_view_audit(struct http_conn *h, const struct rd_job *j, struct buf *b)
{
	struct store_write *w = g_app->stopping ? NULL : store_write_new(STW_CARD_VIEW);
	struct audit_ctx *a = w ? calloc(1, sizeof *a) : NULL;

	if (!a || !(a->body = buf_take(b, &a->len))) {
		log_warn("rest", "card view of patron %lld by staff %lld not audited",
			 (long long)j->patron, (long long)j->staff_id);
		store_write_free(w);
		if (a)
			http_error(h, 503, "busy", "Out of memory.");
		else
			rest_respond_buf(h, 200, b);
		free(a);
		return;
	}
	a->http_id = h->id;
	w->u.rel.staff_id = j->staff_id;
	w->u.rel.patron_id = j->patron;
	w->u.rel.library_id = j->lib;
	w->u.rel.at = app_now_ms();
	w->done = audit_done;
	w->arg = a;
	writer_submit(g_app->writer, w);
}

/* The tenure line counts earlier chats (card.h: "New to us" when there are none), so the
 * chat being handled, when it is already remembered, is taken out of the count. */
static void leave_out_current(struct store_card *c, int64_t chat)
{
	size_t i;

	/* the card's chats are all remembered ones */
	for (i = 0; chat && i < c->n_chats && i < STORE_CARD_CHATS; i++) {
		if (c->chats[i].id == chat && c->rel.n_chats > 0) {
			c->rel.n_chats--;
			return;
		}
	}
}

static void card_done(struct http_conn *h, struct rd_job *j)
{
	const struct store_relation *r = &j->card->rel;
	struct staff *st = desk_staff(g_app->desk, j->staff_id);
	char line[512];
	struct buf b = {0};
	int64_t now = app_now_ms();

	if (!st || r->patron_id != j->patron || r->library_id != j->lib) {
		http_error(h, 404, "not_found", "No such patron.");
		return;
	}
	if (!r->remembered) {
		buf_puts(&b, "{\"patron\":{");
		json_kint(&b, "id", j->patron);
		json_kbool(&b, "remembered", 0);
		json_close(&b, '}');
		buf_putc(&b, '}');
		card_view_audit(h, j, &b);
		return;
	}
	buf_putc(&b, '{');
	card_patron_json(&b, r);
	leave_out_current(j->card, j->chat);
	/* returning only with an earlier remembered chat: the tenure and opener agree */
	json_kbool(&b, "returning", r->n_chats > 0);
	card_tenure(j->card, now, line, sizeof line);
	json_kstr(&b, "tenure", line);
	card_opener(j->card, j->chat, now, line, sizeof line);
	json_kstr(&b, "opener", line);
	card_history_json(&b, j, st);
	card_traits_json(&b, j);
	promises_card_json(&b, j->lib, j->patron);
	followups_card_json(&b, &j->followups);
	json_close(&b, '}');
	card_view_audit(h, j, &b);
}

static void get_card(struct http_conn *h, int64_t patron)
{
	struct staff *st = rest_staff(h, 0);
	struct rd_job *j;
	int64_t chat = 0;

	if (!st)
		return;
	if (rest_arg_int(h, "chat=", 1, INT64_MAX, &chat) < 0) {
		rest_bad_request(h, "chat is a chat id.");
		return;
	}
	if (!(j = rd_new(h, st, RD_CARD)))
		return;
	j->patron = patron;
	j->chat = chat;
	rd_submit(j);
}

/* ---- other reads ---------------------------------------------------------------------- */

static void search_done(struct http_conn *h, struct rd_job *j)
{
	struct buf b = {0};
	size_t off;

	buf_puts(&b, "{\"chats\":[");
	for (off = 0; off + sizeof(struct store_chat) <= j->out.len;
	     off += sizeof(struct store_chat)) {
		struct store_chat r;

		memcpy(&r, j->out.data + off, sizeof r);
		if (r.library_id != j->lib || (j->patron && r.patron_id != j->patron))
			continue;
		chat_row_json(&b, &r);
		/* a chat the desk still holds is shown live, without its question */
		if (desk_chat(g_app->desk, r.id) && r.question[0] && b.len &&
		    b.data[b.len - 1] == '}') {
			b.len--;
			buf_putc(&b, ',');
			json_kstr(&b, "question", r.question);
			json_close(&b, '}');
		}
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_putc(&b, '}');
	rest_respond_buf(h, 200, &b);
}

static void continuity_done(struct http_conn *h, struct rd_job *j)
{
	struct buf b = {0};

	buf_putc(&b, '{');
	json_kint(&b, "since", j->since);
	json_kint(&b, "until", j->until);
	json_kint(&b, "returning", j->returning);
	json_kint(&b, "continued", j->continued);
	if (j->returning > 0)
		buf_printf(&b, "\"rate\":%.4g", (double)j->continued / (double)j->returning);
	else
		buf_puts(&b, "\"rate\":null");
	buf_putc(&b, '}');
	rest_respond_buf(h, 200, &b);
}

static void audit_list_done(struct http_conn *h, struct rd_job *j)
{
	struct buf b = {0};
	size_t off;

	buf_puts(&b, "{\"views\":[");
	for (off = 0; off + sizeof(struct store_card_view) <= j->out.len;
	     off += sizeof(struct store_card_view)) {
		struct store_card_view v;
		struct staff *s;

		memcpy(&v, j->out.data + off, sizeof v);
		s = desk_staff(g_app->desk, v.staff_id);
		if ((s && s->lib->id != j->lib) || (j->patron && v.patron_id != j->patron))
			continue;
		buf_putc(&b, '{');
		rest_staff_ref(&b, "staff", v.staff_id);
		json_kint(&b, "patron", v.patron_id);
		json_kint(&b, "at", v.at);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_putc(&b, '}');
	rest_respond_buf(h, 200, &b);
}

static void photo_done(struct http_conn *h, struct rd_job *j)
{
	const char *type = photo_type(photo_kind(j->data, j->len));

	/* serve only what still looks like what it claims to be */
	if (!type || strcmp(type, j->type) != 0 || h->responding) {
		http_error(h, 404, "not_found", "No photo.");
		return;
	}
	snprintf(h->resp_type, sizeof h->resp_type, "%s", type);
	snprintf(h->resp_cache, sizeof h->resp_cache, "%s", PHOTO_CACHE);
	http_add_header(h, "Content-Security-Policy", PHOTO_CSP);
	http_respond(h, 200, j->data, j->len);
	j->data = NULL;
}

static void keycheck_done(struct http_conn *h, struct rd_job *j)
{
	struct store_write *w = j->w;

	if (!j->found) {
		rest_bad_request(h, "Unknown trait key.");
		return;
	}
	j->w = NULL;
	wr_submit(h->id, j->staff_id, w, ok_done);
}

static void rd_done(struct worker_job *job)
{
	struct rd_job *j = (struct rd_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);

	if (!h)
		goto out;
	if (!j->rc && j->out.oom)
		j->rc = STORE_ERR;
	if (j->rc == STORE_NOTFOUND) {
		http_error(h, 404, "not_found",
			   j->kind == RD_PHOTO ? "No photo." : "No such patron.");
	} else if (j->rc == STORE_BADARG && j->kind == RD_SEARCH) {
		rest_bad_request(h, "Search for at least one word.");
	} else if (j->rc) {
		log_warn("rest", "read kind %d failed: %s", (int)j->kind, store_strerror(j->rc));
		http_error(h, 503, "store_failed", "Could not read; try again.");
	} else {
		switch (j->kind) {
		case RD_CARD: card_done(h, j); break;
		case RD_KEYS: {
			struct buf b = {0};

			buf_putc(&b, '{');
			trait_keys_json(&b, j);
			json_close(&b, '}');
			rest_respond_buf(h, 200, &b);
			break;
		}
		case RD_KEYCHECK: keycheck_done(h, j); break;
		case RD_SEARCH: search_done(h, j); break;
		case RD_CONTINUITY: continuity_done(h, j); break;
		case RD_AUDIT: audit_list_done(h, j); break;
		case RD_PHOTO: photo_done(h, j); break;
		}
	}
out:
	store_write_free(j->w);
	buf_free(&j->out);
	buf_free(&j->followups);
	free(j->card);
	free(j->data);
	free(j);
}

static void get_search(struct http_conn *h)
{
	struct staff *st = rest_staff(h, 0);
	char q[sizeof((struct rd_job *)0)->q];
	const char *v;
	int64_t patron = 0, before = 0, limit = SEARCH_DEFAULT;
	struct rd_job *j;

	if (!st)
		return;
	v = http_query_arg(h, "q=", q, sizeof q);
	if (!v || !*v || rest_blank(v) || !rest_text_ok(v, strlen(v), 400, 0)) {
		rest_bad_request(h, "Search for at least one word (q=...).");
		return;
	}
	if (rest_arg_int(h, "patron=", 1, INT64_MAX, &patron) < 0 ||
	    rest_arg_int(h, "before=", 1, INT64_MAX, &before) < 0 ||
	    rest_arg_int(h, "limit=", 1, INT64_MAX, &limit) < 0) {
		rest_bad_request(h, "patron and before are ids; limit is a positive number.");
		return;
	}
	if (!(j = rd_new(h, st, RD_SEARCH)))
		return;
	snprintf(j->q, sizeof j->q, "%s", v);
	j->patron = patron;
	j->before = before;
	j->limit = limit > SEARCH_MAX ? SEARCH_MAX : (int)limit;
	rd_submit(j);
}

static void get_report(struct http_conn *h)
{
	struct staff *st = rest_staff(h, 0);
	int64_t days = 30;
	struct rd_job *j;

	if (!st)
		return;
	if (rest_arg_int(h, "days=", 1, 3660, &days) < 0) {
		rest_bad_request(h, "days is 1 to 3660.");
		return;
	}
	if (!(j = rd_new(h, st, RD_CONTINUITY)))
		return;
	j->until = app_now_ms();
	j->since = j->until - days * DAY_MS;
	rd_submit(j);
}

static void get_audit(struct http_conn *h)
{
	struct staff *st = rest_admin(h, 0);
	int64_t patron = 0;
	struct rd_job *j;

	if (!st)
		return;
	if (rest_arg_int(h, "patron=", 1, INT64_MAX, &patron) < 0) {
		rest_bad_request(h, "patron is a patron id.");
		return;
	}
	if (!(j = rd_new(h, st, RD_AUDIT)))
		return;
	j->patron = patron;
	j->limit = AUDIT_MAX;
	rd_submit(j);
}

static void get_photo(struct http_conn *h, int64_t staff_id)
{
	struct staff *s = desk_staff(g_app->desk, staff_id);
	struct rd_job *j;

	if (!s || !s->photo_at) {
		http_error(h, 404, "not_found", "No photo.");
		return;
	}
	if (!(j = rd_new(h, NULL, RD_PHOTO)))
		return;
	j->staff_id = staff_id;
	rd_submit(j);
}

int rest_rel_get(struct http_conn *h)
{
	const char *rest = "";
	int64_t id;
	struct staff *st;
	struct rd_job *j;

	if ((id = rest_path_id(h->path, "/api/v1/patrons/", &rest)) && strcmp(rest, "/card") == 0)
		get_card(h, id);
	else if ((id = rest_path_id(h->path, "/api/v1/staff/", &rest)) &&
		 strcmp(rest, "/photo") == 0)
		get_photo(h, id);
	else if (strcmp(h->path, "/api/v1/me/profile") == 0) {
		if ((st = rest_staff(h, 0)))
			respond_profile(h, st);
	} else if (strcmp(h->path, "/api/v1/trait-keys") == 0) {
		if ((st = rest_staff(h, 0)) && (j = rd_new(h, st, RD_KEYS)))
			rd_submit(j);
	} else if (strcmp(h->path, "/api/v1/search") == 0)
		get_search(h);
	else if (strcmp(h->path, "/api/v1/reports/continuity") == 0)
		get_report(h);
	else if (strcmp(h->path, "/api/v1/audit/card-views") == 0)
		get_audit(h);
	else
		return 0;
	return 1;
}

/* ---- posts ---------------------------------------------------------------------------- */

/* Adds a note to a patron (kind STW_NOTE_ADD, id = patron) or edits one (STW_NOTE_EDIT,
 * id = note; the SQL is conditional on the author, so anyone else's edit answers 404). */
static void post_note(struct http_conn *h, struct staff *st, enum store_write_kind kind, int64_t id)
{
	const char *body;
	size_t len;
	json_t *root =
		rest_body_unpack(h, "Send {\"body\":\"...\"}.", "{s:s%}", "body", &body, &len);
	struct store_write *w;

	if (!root)
		return;
	if (!len || rest_blank(body) || !rest_text_ok(body, len, STORE_NOTE_MAX, 1))
		rest_bad_request(h, "A note is 1 to 2000 bytes of text.");
	else if ((w = wr_new(h, st, kind))) {
		if (!(w->u.rel.text = strdup(body))) {
			store_write_free(w);
			http_error(h, 503, "busy", "Out of memory.");
		} else {
			if (kind == STW_NOTE_ADD)
				w->u.rel.patron_id = id;
			else
				w->u.rel.id = id;
			wr_submit(h->id, st->id, w, note_done);
		}
	}
	json_decref(root);
}

static void post_trait(struct http_conn *h, struct staff *st, int64_t patron)
{
	const char *key, *value;
	size_t len;
	json_t *root = rest_body_unpack(h, "Send {\"key\":\"...\",\"value\":\"...\"}.",
					"{s:s, s:s%}", "key", &key, "value", &value, &len);
	struct store_write *w;
	struct rd_job *j;

	if (!root)
		return;
	if (!key_ok(key))
		rest_bad_request(h, "Unknown trait key.");
	else if (!rest_text_ok(value, len, STORE_TRAIT_VALUE_MAX, 0))
		rest_bad_request(h, "A trait value is at most 200 bytes of text on one line.");
	else if (!strcmp(key, "preferred_name") && len > 127)
		rest_bad_request(h, "A preferred name is at most 127 bytes.");
	else if (!strcmp(key, "pronouns") && len > 63)
		rest_bad_request(h, "Pronouns are at most 63 bytes.");
	else if ((w = wr_new(h, st, STW_TRAIT_SET))) {
		w->u.rel.patron_id = patron;
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", key);
		snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s",
			 rest_blank(value) ? "" : value);
		if (preset_index(key) >= 0) {
			wr_submit(h->id, st->id, w, ok_done);
		} else if (!(j = rd_new(h, st, RD_KEYCHECK))) {
			store_write_free(w);
		} else { /* a library's own key: check it exists before writing */
			snprintf(j->q, sizeof j->q, "%s", key);
			j->w = w;
			rd_submit(j);
		}
	}
	json_decref(root);
}

static void post_trait_key(struct http_conn *h, struct staff *st)
{
	const char *key, *label;
	size_t len;
	json_t *root = rest_body_unpack(h, "Send {\"key\":\"...\",\"label\":\"...\"}.",
					"{s:s, s:s%}", "key", &key, "label", &label, &len);
	struct store_write *w;

	if (!root)
		return;
	if (!key_ok(key))
		rest_bad_request(h, "A key is 1 to 31 of a-z, 0-9 and _.");
	else if (preset_index(key) >= 0)
		rest_bad_request(h, "Preset trait keys cannot be changed.");
	else if (!rest_text_ok(label, len, LABEL_MAX, 0) || (len && rest_blank(label)))
		rest_bad_request(h, "A label is at most 127 bytes of text on one line.");
	else if ((w = wr_new(h, st, STW_TRAIT_KEY_PUT))) {
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", key);
		snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s", label);
		wr_submit(h->id, st->id, w, ok_done);
	}
	json_decref(root);
}

/* The tag shows on the live chat too (chat frames), once stored. */
static void outcome_done(struct store_write *w, int rc)
{
	struct chat *ch = desk_chat(g_app->desk, w->u.rel.chat_id);

	if (!rc && w->changed && ch && ch->lib->id == w->u.rel.library_id)
		snprintf(ch->outcome, sizeof ch->outcome, "%.15s", w->u.rel.key);
	ok_done(w, rc);
}

static void post_outcome(struct http_conn *h, struct staff *st, int64_t chat)
{
	const char *outcome;
	json_t *root =
		rest_body_unpack(h, "Send {\"outcome\":\"...\"}.", "{s:s}", "outcome", &outcome);
	struct store_write *w;
	size_t i;
	int ok;

	if (!root)
		return;
	ok = !*outcome;
	for (i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
		ok |= strcmp(outcome, outcomes[i]) == 0;
	if (!ok)
		rest_bad_request(
			h, "outcome is answered, partly, referred, follow_up, unanswered or \"\".");
	else if ((w = wr_new(h, st, STW_CHAT_OUTCOME))) {
		w->u.rel.chat_id = chat;
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", outcome);
		wr_submit(h->id, st->id, w, outcome_done);
	}
	json_decref(root);
}

static void post_profile(struct http_conn *h, struct staff *st)
{
	const char *name, *pronouns, *subjects, *bio;
	size_t nl, pl, sl, bl;
	int listed;
	json_t *root = rest_body_unpack(
		h, "Send {\"name\",\"pronouns\",\"subjects\",\"bio\",\"listed\"}.",
		"{s:s%, s:s%, s:s%, s:s%, s:b}", "name", &name, &nl, "pronouns", &pronouns, &pl,
		"subjects", &subjects, &sl, "bio", &bio, &bl, "listed", &listed);
	struct store_write *w;

	if (!root)
		return;
	if (!nl || rest_blank(name) || !rest_text_ok(name, nl, NAME_MAX_BYTES, 0))
		rest_bad_request(h, "name is 1 to 127 bytes of text on one line.");
	else if (!rest_text_ok(pronouns, pl, PRONOUNS_MAX, 0))
		rest_bad_request(h, "pronouns are at most 63 bytes of text on one line.");
	else if (!rest_text_ok(subjects, sl, SUBJECTS_MAX, 0))
		rest_bad_request(h, "subjects are at most 255 bytes of text on one line.");
	else if (!rest_text_ok(bio, bl, BIO_MAX, 1))
		rest_bad_request(h, "bio is at most 500 bytes of text.");
	else if ((w = wr_new(h, st, STW_STAFF_PROFILE))) {
		snprintf(w->u.rel.display_name, sizeof w->u.rel.display_name, "%s", name);
		snprintf(w->u.rel.pronouns, sizeof w->u.rel.pronouns, "%s", pronouns);
		snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s", subjects);
		w->u.rel.on = listed;
		if (!(w->u.rel.text = strdup(bio))) {
			store_write_free(w);
			http_error(h, 503, "busy", "Out of memory.");
		} else {
			wr_submit(h->id, st->id, w, profile_done);
		}
	}
	json_decref(root);
}

/* The photo: raw PNG or JPEG (http.c admitted only those declared types and sizes); the
 * bytes must be what the header says. delete: remove it. */
static void post_photo(struct http_conn *h, struct staff *st, int delete)
{
	const char *declared = NULL;
	struct store_write *w;

	if (!delete) {
		declared = photo_type(photo_kind((const unsigned char *)h->body, h->body_len));
		if (!declared || strcmp(h->req_type, declared) != 0) {
			http_error(h, 415, "unsupported_media_type",
				   "Send a PNG or JPEG image, with its own Content-Type.");
			return;
		}
	}
	if (!(w = wr_new(h, st, STW_STAFF_PHOTO)))
		return;
	/* a new photo always gets a new cache key */
	if (w->u.rel.at <= st->photo_at)
		w->u.rel.at = st->photo_at + 1;
	if (!delete) {
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", declared);
		w->u.rel.blob = h->body; /* the write takes the body: no copy of up to 512 KiB */
		w->u.rel.blob_len = h->body_len;
		h->body = NULL;
	}
	wr_submit(h->id, st->id, w, profile_done);
}

static void post_note_delete(struct http_conn *h, struct staff *st, int64_t note)
{
	struct store_write *w;

	if (!st->admin)
		http_error(h, 403, "forbidden", "Only an administrator may delete notes.");
	else if ((w = wr_new(h, st, STW_NOTE_DELETE))) {
		w->u.rel.id = note;
		wr_submit(h->id, st->id, w, ok_done);
	}
}

enum post_route {
	P_NONE,
	P_NOTE_ADD,
	P_TRAIT,
	P_NOTE_EDIT,
	P_NOTE_DELETE,
	P_OUTCOME,
	P_TRAIT_KEY,
	P_PROFILE,
	P_PHOTO,
	P_PHOTO_DELETE
};

static enum post_route post_route(const char *path, int64_t *id)
{
	const char *rest = "";

	if ((*id = rest_path_id(path, "/api/v1/patrons/", &rest)))
		return !strcmp(rest, "/notes")	  ? P_NOTE_ADD
		       : !strcmp(rest, "/traits") ? P_TRAIT
						  : P_NONE;
	if ((*id = rest_path_id(path, "/api/v1/notes/", &rest)))
		return !*rest ? P_NOTE_EDIT : !strcmp(rest, "/delete") ? P_NOTE_DELETE : P_NONE;
	if ((*id = rest_path_id(path, "/api/v1/chats/", &rest)))
		return !strcmp(rest, "/outcome") ? P_OUTCOME : P_NONE;
	return !strcmp(path, "/api/v1/trait-keys")	  ? P_TRAIT_KEY
	       : !strcmp(path, "/api/v1/me/profile")	  ? P_PROFILE
	       : !strcmp(path, RESTREL_PHOTO_PATH)	  ? P_PHOTO
	       : !strcmp(path, "/api/v1/me/photo/delete") ? P_PHOTO_DELETE
							  : P_NONE;
}

int rest_rel_post(struct http_conn *h)
{
	int64_t id;
	enum post_route r = post_route(h->path, &id);
	struct staff *st;

	if (r == P_NONE)
		return 0;
	if (!(st = rest_staff(h, 1)))
		return 1;
	switch (r) {
	case P_NOTE_ADD: post_note(h, st, STW_NOTE_ADD, id); break;
	case P_NOTE_EDIT: post_note(h, st, STW_NOTE_EDIT, id); break;
	case P_NOTE_DELETE: post_note_delete(h, st, id); break;
	case P_TRAIT: post_trait(h, st, id); break;
	case P_OUTCOME: post_outcome(h, st, id); break;
	case P_TRAIT_KEY:
		if (!st->admin)
			http_error(h, 403, "forbidden",
				   "Only an administrator may change trait keys.");
		else
			post_trait_key(h, st);
		break;
	case P_PROFILE: post_profile(h, st); break;
	case P_PHOTO: post_photo(h, st, 0); break;
	case P_PHOTO_DELETE: post_photo(h, st, 1); break;
	case P_NONE: break;
	}
	return 1;
}
