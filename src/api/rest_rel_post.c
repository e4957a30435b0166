/* rest_rel_post.c: the writes of relationship memory over REST (notes, traits, trait
 * keys, outcomes) and of librarian profiles and photos; rest_rel.c has the reads. See
 * docs/API.md.
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
#include "util/log.h"

/* Limits of what a write may carry (docs/API.md); rest_rel.c has the reads' own. */
#define NAME_MAX_BYTES 127
#define PRONOUNS_MAX 63
#define SUBJECTS_MAX 255
#define BIO_MAX 500
#define LABEL_MAX 127
#define STR_MAX_(x) #x
#define STR_MAX(x) STR_MAX_(x)

static const char *const outcomes[] = {STORE_OUTCOMES};

/* ---- writes --------------------------------------------------------------------------- */

struct wr_ctx {
	uint64_t http_id;
	int64_t staff_id;
};

/* A relationship write by st, or NULL after answering 503. */
struct store_write *rel_wr_new(struct http_conn *h, const struct staff *st,
			       enum store_write_kind kind)
{
	struct store_write *w = g_app->stopping ? NULL : store_write_new(kind);

	if (!w) {
		api_http_fail(h, API_QUEUE_FULL,
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
void rel_wr_submit(uint64_t http_id, int64_t staff_id, struct store_write *w, store_write_done done)
{
	struct wr_ctx *x = calloc(1, sizeof *x);
	struct http_conn *h;

	if (!x) {
		store_write_free(w);
		if ((h = http_find(&g_app->net, http_id)))
			api_http_fail(h, API_NOMEM, "Out of memory.");
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
		api_http_fail(h, API_STORE_FAILED, "Could not save; try again.");
		return NULL;
	}
	if (!w->changed && w->kind == STW_TRAIT_KEY_PUT && w->u.rel.value[0]) {
		/* a valid new key of an existing library: only the cap refuses it */
		api_http_fail(h, API_TOO_MANY,
			      "A library has at most " STR_MAX(
				      STORE_TRAIT_KEYS_MAX) " trait keys of its own. Remove one "
							    "before adding another.");
		return NULL;
	}
	if (!w->changed) {
		api_http_fail(h, API_NOT_FOUND, missing_what(w->kind));
		return NULL;
	}
	return h;
}

void rel_ok_done(struct store_write *w, int rc)
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
		json_kbool(&b, "can_delete", desk_staff_admin(st));
		json_close(&b, '}');
		buf_putc(&b, '}');
		rest_respond_buf(h, w->kind == STW_NOTE_ADD ? 201 : 200, &b);
	}
	free(w->arg);
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
		api_http_fail(h, API_STORE_FAILED, "Could not save; try again.");
	else if (h && !st)
		api_http_fail(h, API_UNAUTHENTICATED, "Please log in.");
	else if (h)
		rel_respond_profile(h, st);
	free(w->arg);
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
	else if ((w = rel_wr_new(h, st, kind))) {
		if (!(w->u.rel.text = strdup(body))) {
			store_write_free(w);
			api_http_fail(h, API_NOMEM, "Out of memory.");
		} else {
			if (kind == STW_NOTE_ADD)
				w->u.rel.patron_id = id;
			else
				w->u.rel.id = id;
			rel_wr_submit(h->id, st->id, w, note_done);
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
	if (!rel_key_ok(key))
		rest_bad_request(h, "Unknown trait key.");
	else if (!rest_text_ok(value, len, STORE_TRAIT_VALUE_MAX, 0))
		rest_bad_request(h, "A trait value is at most 200 bytes of text on one line.");
	else if (!strcmp(key, "preferred_name") && len > 127)
		rest_bad_request(h, "A preferred name is at most 127 bytes.");
	else if (!strcmp(key, "pronouns") && len > 63)
		rest_bad_request(h, "Pronouns are at most 63 bytes.");
	else if ((w = rel_wr_new(h, st, STW_TRAIT_SET))) {
		w->u.rel.patron_id = patron;
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", key);
		snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s",
			 rest_blank(value) ? "" : value);
		if (rel_preset_index(key) >= 0) {
			rel_wr_submit(h->id, st->id, w, rel_ok_done);
		} else if (!(j = rel_rd_new(h, st, RD_KEYCHECK))) {
			store_write_free(w);
		} else { /* a library's own key: check it exists before writing */
			snprintf(j->q, sizeof j->q, "%s", key);
			j->w = w;
			rel_rd_submit(j);
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
	if (!rel_key_ok(key))
		rest_bad_request(h, "A key is 1 to 31 of a-z, 0-9 and _.");
	else if (rel_preset_index(key) >= 0)
		rest_bad_request(h, "Preset trait keys cannot be changed.");
	else if (!rest_text_ok(label, len, LABEL_MAX, 0) || (len && rest_blank(label)))
		rest_bad_request(h, "A label is at most 127 bytes of text on one line.");
	else if ((w = rel_wr_new(h, st, STW_TRAIT_KEY_PUT))) {
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", key);
		snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s", label);
		rel_wr_submit(h->id, st->id, w, rel_ok_done);
	}
	json_decref(root);
}

/* The tag shows on the live chat too (chat frames), once stored. */
static void outcome_done(struct store_write *w, int rc)
{
	struct chat *ch = desk_chat(g_app->desk, w->u.rel.chat_id);

	if (!rc && w->changed && ch && ch->lib->id == w->u.rel.library_id)
		snprintf(ch->outcome, sizeof ch->outcome, "%.15s", w->u.rel.key);
	rel_ok_done(w, rc);
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
	else if ((w = rel_wr_new(h, st, STW_CHAT_OUTCOME))) {
		w->u.rel.chat_id = chat;
		snprintf(w->u.rel.key, sizeof w->u.rel.key, "%s", outcome);
		rel_wr_submit(h->id, st->id, w, outcome_done);
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
	else if ((w = rel_wr_new(h, st, STW_STAFF_PROFILE))) {
		snprintf(w->u.rel.display_name, sizeof w->u.rel.display_name, "%s", name);
		snprintf(w->u.rel.pronouns, sizeof w->u.rel.pronouns, "%s", pronouns);
		snprintf(w->u.rel.value, sizeof w->u.rel.value, "%s", subjects);
		w->u.rel.on = listed;
		if (!(w->u.rel.text = strdup(bio))) {
			store_write_free(w);
			api_http_fail(h, API_NOMEM, "Out of memory.");
		} else {
			rel_wr_submit(h->id, st->id, w, profile_done);
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
		declared =
			rel_photo_type(rel_photo_kind((const unsigned char *)h->body, h->body_len));
		if (!declared || strcmp(h->req_type, declared) != 0) {
			api_http_fail(h, API_MEDIA_TYPE,
				      "Send a PNG or JPEG image, with its own Content-Type.");
			return;
		}
	}
	if (!(w = rel_wr_new(h, st, STW_STAFF_PHOTO)))
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
	rel_wr_submit(h->id, st->id, w, profile_done);
}

static void post_note_delete(struct http_conn *h, struct staff *st, int64_t note)
{
	struct store_write *w;

	if ((w = rel_wr_new(h, st, STW_NOTE_DELETE))) {
		w->u.rel.id = note;
		rel_wr_submit(h->id, st->id, w, rel_ok_done);
	}
}

void rel_note_add(struct call *k)
{
	post_note(k->h, k->staff, STW_NOTE_ADD, k->id[0]);
}

void rel_note_edit(struct call *k)
{
	post_note(k->h, k->staff, STW_NOTE_EDIT, k->id[0]);
}

void rel_note_delete(struct call *k)
{
	post_note_delete(k->h, k->staff, k->id[0]);
}

void rel_trait(struct call *k)
{
	post_trait(k->h, k->staff, k->id[0]);
}

void rel_outcome(struct call *k)
{
	post_outcome(k->h, k->staff, k->id[0]);
}

void rel_trait_key_post(struct call *k)
{
	post_trait_key(k->h, k->staff);
}

void rel_profile_post(struct call *k)
{
	post_profile(k->h, k->staff);
}

void rel_photo_post(struct call *k)
{
	post_photo(k->h, k->staff, 0);
}

void rel_photo_delete(struct call *k)
{
	post_photo(k->h, k->staff, 1);
}
