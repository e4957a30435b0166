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

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "api/rest_rel_int.h"
#include "api/routes.h"
#include "desk/card.h"
#include "desk/settings.h"
#include "util/log.h"

/* The reads' limits; rest_rel_post.c has the writes' own. */
#define SEARCH_DEFAULT 20
#define SEARCH_MAX 100
#define AUDIT_MAX 200
#define DAY_MS (24LL * 60 * 60 * 1000)
#define PHOTO_CSP "default-src 'none'; sandbox"
#define PHOTO_CACHE "public, max-age=86400"

static const char *const preset_keys[] = {STORE_PRESET_TRAITS};
static const char *const preset_labels[] = {"Preferred name", "Pronouns", "Programme or course",
					    "Language", "Communication style"};
#define N_PRESETS (sizeof preset_keys / sizeof preset_keys[0])
_Static_assert(N_PRESETS + STORE_TRAIT_KEYS_MAX <= STORE_CARD_TRAITS,
	       "every trait a patron can have fits on the card");
_Static_assert(sizeof preset_labels / sizeof preset_labels[0] == N_PRESETS,
	       "a label for every preset trait");

/* ---- small helpers -------------------------------------------------------------------- */

int rel_key_ok(const char *k)
{
	size_t n = strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n >= 1 && n <= 31 && k[n] == '\0';
}

int rel_preset_index(const char *key)
{
	size_t i;

	for (i = 0; i < N_PRESETS; i++)
		if (strcmp(key, preset_keys[i]) == 0)
			return (int)i;
	return -1;
}

/* {"profile":{...,"listed":bool}}: the public profile plus what only its owner sees. */
void rel_respond_profile(struct http_conn *h, const struct staff *st)
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

int rel_photo_kind(const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

	if (n > sizeof png && memcmp(p, png, sizeof png) == 0)
		return 1;
	if (n > 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return 2;
	return 0;
}

const char *rel_photo_type(int kind)
{
	return kind == 1 ? "image/png" : kind == 2 ? "image/jpeg" : NULL;
}

/* ---- reads on a worker ---------------------------------------------------------------- */

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

REST_ROW_PACKER(chat_cb, struct store_chat)
REST_ROW_PACKER(view_cb, struct store_card_view)

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
						 chat_cb, &j->out)
				   : STORE_ERR;
	case RD_CONTINUITY:
		return ops->continuity ? ops->continuity(sc, j->lib, j->since, j->until,
							 &j->returning, &j->continued)
				       : STORE_ERR;
	case RD_AUDIT:
		return ops->card_views
			       ? ops->card_views(sc, j->lib, j->patron, j->limit, view_cb, &j->out)
			       : STORE_ERR;
	case RD_PHOTO:
		return ops->staff_photo
			       ? ops->staff_photo(sc, j->staff_id, j->type, &j->data, &j->len)
			       : STORE_ERR;
	}
	return STORE_ERR;
}

static void rd_run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct rd_job *j = (struct rd_job *)job;

	j->rc = rd_store(j, ops, sc);
	if (j->rc == STORE_STOP)
		j->rc = 0;
}

static void rd_done(struct api_job *job, struct call *k);

/* What the job owns besides itself (the helper frees the job). */
static void rd_free(struct api_job *job)
{
	struct rd_job *j = (struct rd_job *)job;

	store_write_free(j->w);
	buf_free(&j->out);
	buf_free(&j->followups);
	free(j->card);
	free(j->data);
}

/* A read job for h by st (NULL: anonymous), or NULL after answering 503. */
struct rd_job *rel_rd_new(struct http_conn *h, const struct staff *st, enum rd_kind kind)
{
	struct call k = call_http(h);
	struct rd_job *j = api_job_new(&k, sizeof *j, rd_run, rd_done);

	if (j && kind == RD_CARD && !(j->card = calloc(1, sizeof *j->card))) {
		free(j);
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return NULL;
	}
	if (!j)
		return NULL;
	j->job.free_fn = rd_free;
	j->kind = kind;
	if (st) {
		j->staff_id = st->id;
		j->lib = st->lib->id;
	}
	return j;
}

void rel_rd_submit(struct rd_job *j)
{
	api_read(&j->job);
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

/* ---- relationship card ---------------------------------------------------------------- */

/* The label of a trait key: preset, else the library's own (from j->out), else the key. */
static const char *trait_label(const struct rd_job *j, const char *key)
{
	int p = rel_preset_index(key);
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

/* {"key","label","preset"}, with a trailing comma. */
static void trait_key_json(struct buf *b, const char *key, const char *label, int preset)
{
	buf_putc(b, '{');
	json_kstr(b, "key", key);
	json_kstr(b, "label", label);
	json_kbool(b, "preset", preset);
	json_close(b, '}');
	buf_putc(b, ',');
}

/* "trait_keys":[...] (trailing comma): presets, then the library's keys from j->out. */
static void trait_keys_json(struct buf *b, const struct rd_job *j)
{
	size_t i, off = 0;

	buf_puts(b, "\"trait_keys\":[");
	for (i = 0; i < N_PRESETS; i++) {
		trait_key_json(b, preset_keys[i], preset_labels[i], 1);
	}
	while (off < j->out.len) {
		const char *k = j->out.data + off, *label = k + strlen(k) + 1;

		off = (size_t)(label + strlen(label) + 1 - j->out.data);
		if (rel_preset_index(k) >= 0)
			continue;
		trait_key_json(b, k, label, 0);
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

/* Whether the card shows its part `field` (settings.h's names) to this caller. */
static int shows(const struct rd_job *j, const char *field)
{
	int i = settings_card_index(field);

	return i >= 0 && (j->share >> i & 1u);
}

/* json_kstr of `field`: v if the card shows it, else "". */
static void kstr_shown(struct buf *b, const struct rd_job *j, const char *field, const char *v)
{
	json_kstr(b, field, shows(j, field) ? v : "");
}

static void card_patron_json(struct buf *b, const struct rd_job *j)
{
	const struct store_relation *r = &j->card->rel;

	buf_puts(b, "\"patron\":{");
	json_kint(b, "id", r->patron_id);
	json_kbool(b, "remembered", 1);
	json_kint(b, "since", r->remembered_since);
	kstr_shown(b, j, "display_name", r->display_name);
	kstr_shown(b, j, "preferred_name", r->preferred_name);
	kstr_shown(b, j, "pronouns", r->pronouns);
	kstr_shown(b, j, "email", r->email);
	json_close(b, '}');
	buf_putc(b, ',');
}

/* "covering":true,"library":{id,name,policy_notes}, for a covering librarian. */
static void card_covering_json(struct buf *b, const struct rd_job *j)
{
	const struct library *lib = desk_library(g_app->desk, j->lib);

	if (!j->covering || !lib)
		return;
	json_kbool(b, "covering", 1);
	rest_card_fields_json(b, "shared", j->share);
	library_notes_json(b, lib);
}

static void card_history_json(struct buf *b, const struct rd_job *j, const struct staff *st)
{
	const struct store_card *c = j->card;
	size_t i;

	buf_puts(b, "\"chats\":[");
	for (i = 0; shows(j, "chats") && i < c->n_chats && i < STORE_CARD_CHATS; i++) {
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
		json_kstr(b, "state", store_chat_state_name(r->state));
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_puts(b, ",\"notes\":[");
	for (i = 0; shows(j, "notes") && i < c->n_notes && i < STORE_CARD_NOTES; i++) {
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
		json_kbool(b, "can_delete", desk_staff_admin(st) && !j->covering);
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
			api_http_fail(h, API_NOMEM, "Out of memory.");
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
		api_http_fail(h, API_NOT_FOUND, "No such patron.");
		return;
	}
	if (!r->remembered) {
		buf_puts(&b, "{\"patron\":{");
		json_kint(&b, "id", j->patron);
		json_kbool(&b, "remembered", 0);
		json_close(&b, '}');
		buf_putc(&b, ',');
		card_covering_json(&b, j);
		json_close(&b, '}');
		card_view_audit(h, j, &b);
		return;
	}
	buf_putc(&b, '{');
	card_covering_json(&b, j);
	card_patron_json(&b, j);
	leave_out_current(j->card, j->chat);
	/* returning only with an earlier remembered chat: the tenure and opener agree */
	json_kbool(&b, "returning", shows(j, "tenure") && r->n_chats > 0);
	card_tenure(j->card, now, line, sizeof line);
	kstr_shown(&b, j, "tenure", line);
	card_opener(j->card, j->chat, now, line, sizeof line);
	json_kstr(&b, "opener", shows(j, "tenure") ? line : "");
	card_history_json(&b, j, st);
	if (shows(j, "traits"))
		card_traits_json(&b, j);
	if (shows(j, "promises"))
		promises_card_json(&b, j->lib, j->patron);
	if (shows(j, "followups"))
		followups_card_json(&b, &j->followups);
	json_close(&b, '}');
	card_view_audit(h, j, &b);
}

void rel_card(struct call *k)
{
	struct http_conn *h = k->h;
	struct staff *st = k->staff;
	int64_t patron = k->id[0];
	struct rd_job *j;
	int64_t chat = 0;

	if (rest_arg_int(h, "chat=", 1, INT64_MAX, &chat) < 0) {
		rest_bad_request(h, "chat is a chat id.");
		return;
	}
	struct chat *cover = desk_covered_chat(g_app->desk, st, patron);

	if (!(j = rel_rd_new(h, st, RD_CARD)))
		return;
	j->patron = patron;
	j->chat = chat;
	j->share = ~0u;
	if (cover) { /* covering for another library: its card, as far as it shares it */
		j->lib = cover->lib->id;
		j->covering = 1;
		j->share = settings_card_parse(cover->lib->consortium_card);
	}
	rel_rd_submit(j);
}

/* ---- other reads ---------------------------------------------------------------------- */

static void search_done(struct http_conn *h, struct rd_job *j)
{
	struct buf b = {0};
	size_t off;
	struct store_chat r;

	buf_puts(&b, "{\"chats\":[");
	for (off = 0; rest_row_next(&j->out, &off, &r, sizeof r);) {
		if (r.library_id != j->lib || (j->patron && r.patron_id != j->patron))
			continue;
		chat_row_json(&b, &r, 1); /* a live one is shown from the desk, with its question */
		buf_putc(&b, ',');
	}
	rest_respond_list(h, &b);
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
	struct store_card_view v;

	buf_puts(&b, "{\"views\":[");
	for (off = 0; rest_row_next(&j->out, &off, &v, sizeof v);) {
		struct staff *s;

		/* the store keeps to this library's patrons; a viewer of another library of
		 * its consortium covered a chat (card_views.library_id is the patron's) */
		s = desk_staff(g_app->desk, v.staff_id);
		if (j->patron && v.patron_id != j->patron)
			continue;
		buf_putc(&b, '{');
		rest_staff_ref(&b, "staff", v.staff_id);
		if (s && s->lib->id != j->lib)
			json_kint(&b, "staff_library", s->lib->id);
		json_kint(&b, "patron", v.patron_id);
		json_kint(&b, "at", v.at);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	rest_respond_list(h, &b);
}

static void photo_done(struct http_conn *h, struct rd_job *j)
{
	const char *type = rel_photo_type(rel_photo_kind(j->data, j->len));

	/* serve only what still looks like what it claims to be */
	if (!type || strcmp(type, j->type) != 0 || h->responding) {
		api_http_fail(h, API_NOT_FOUND, "No photo.");
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
	rel_wr_submit(h->id, j->staff_id, w, rel_ok_done);
}

static void rd_done(struct api_job *job, struct call *k)
{
	struct rd_job *j = (struct rd_job *)job;
	struct http_conn *h = k->h;

	if (!h)
		return;
	if (!j->rc && j->out.oom)
		j->rc = STORE_ERR;
	if (j->rc == STORE_BADARG && j->kind == RD_SEARCH) {
		rest_bad_request(h, "Search for at least one word.");
	} else if (!rest_read_failed(h, j->rc,
				     j->kind == RD_PHOTO ? "No photo." : "No such patron.", "rest",
				     (int)j->kind)) {
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
}

void rel_search(struct call *k)
{
	struct http_conn *h = k->h;
	struct staff *st = k->staff;
	char q[sizeof((struct rd_job *)0)->q];
	const char *v;
	int64_t patron = 0, before = 0, limit = SEARCH_DEFAULT;
	struct rd_job *j;

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
	if (!(j = rel_rd_new(h, st, RD_SEARCH)))
		return;
	snprintf(j->q, sizeof j->q, "%s", v);
	j->patron = patron;
	j->before = before;
	j->limit = limit > SEARCH_MAX ? SEARCH_MAX : (int)limit;
	rel_rd_submit(j);
}

void rel_continuity(struct call *k)
{
	struct http_conn *h = k->h;
	struct staff *st = k->staff;
	int64_t days = 30;
	struct rd_job *j;

	if (rest_arg_int(h, "days=", 1, 3660, &days) < 0) {
		rest_bad_request(h, "days is 1 to 3660.");
		return;
	}
	if (!(j = rel_rd_new(h, st, RD_CONTINUITY)))
		return;
	j->until = app_now_ms();
	j->since = j->until - days * DAY_MS;
	rel_rd_submit(j);
}

void rel_audit(struct call *k)
{
	struct http_conn *h = k->h;
	struct staff *st = k->staff;
	int64_t patron = 0;
	struct rd_job *j;

	if (rest_arg_int(h, "patron=", 1, INT64_MAX, &patron) < 0) {
		rest_bad_request(h, "patron is a patron id.");
		return;
	}
	if (!(j = rel_rd_new(h, st, RD_AUDIT)))
		return;
	j->patron = patron;
	j->limit = AUDIT_MAX;
	rel_rd_submit(j);
}

void rel_photo(struct call *k)
{
	struct http_conn *h = k->h;
	int64_t staff_id = k->id[0];
	struct staff *s = desk_staff(g_app->desk, staff_id);
	struct rd_job *j;

	if (!s || !s->photo_at) {
		api_http_fail(h, API_NOT_FOUND, "No photo.");
		return;
	}
	if (!(j = rel_rd_new(h, NULL, RD_PHOTO)))
		return;
	j->staff_id = staff_id;
	rel_rd_submit(j);
}

void rel_profile(struct call *k)
{
	rel_respond_profile(k->h, k->staff);
}

void rel_trait_keys(struct call *k)
{
	struct rd_job *j = rel_rd_new(k->h, k->staff, RD_KEYS);

	if (j)
		rel_rd_submit(j);
}
