/* promises.c: the promise ledger on the loop: the book of open promises (loaded at start,
 * changed only after a write committed), the reminders (a `promises` frame to each
 * console of a library when one of its promises changes, comes due soon or becomes
 * overdue; from the 1 s tick, coalesced per library, only on change), what patrons see of
 * their promises (welcome and `promises` frames), and the JSON of a promise. See
 * docs/PROTOCOL.md and docs/API.md. Loop thread only. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "util/log.h"

#define FRAME_PROMISES_MAX 100 /* promises in one frame: the earliest due */

/* See net.h. */
void promise_from_row(struct promise *p, const struct store_promise *r)
{
	int st = promise_state_of(r->state), ch = promise_channel_of(r->channel);

	memset(p, 0, sizeof *p);
	p->id = r->id;
	p->library_id = r->library_id;
	p->patron_id = r->patron_id;
	p->chat_id = r->chat_id;
	p->owner_id = r->owner_id;
	p->created_by = r->created_by;
	p->created_at = r->created_at;
	p->due_at = r->due_at;
	p->done_at = r->done_at;
	p->state = st < 0 ? PROMISE_OPEN : (enum promise_state)st;
	p->channel = ch < 0 ? PROMISE_EMAIL : (enum promise_channel)ch;
	snprintf(p->what, sizeof p->what, "%s", r->what);
	snprintf(p->note, sizeof p->note, "%s",
		 p->state == PROMISE_CANCELLED ? r->cancel_reason : r->done_note);
	snprintf(p->patron_name, sizeof p->patron_name, "%s", r->patron_name);
	p->chat_at = r->chat_at;
}

/* "key":{"id","name"} with a trailing comma. */
static void staff_ref(struct buf *b, const char *key, int64_t id)
{
	struct staff *s = desk_staff(g_app->desk, id);

	buf_printf(b, "\"%s\":{", key);
	json_kint(b, "id", id);
	json_kstr(b, "name", s ? s->name : "");
	json_close(b, '}');
	buf_putc(b, ',');
}

static void opt_id(struct buf *b, const char *key, int64_t v)
{
	if (v > 0)
		json_kint(b, key, v);
	else
		buf_printf(b, "\"%s\":null,", key);
}

/* See net.h. */
void promise_json(struct buf *b, const struct promise *p, int64_t now)
{
	enum promise_phase ph = promise_phase(
		p, now, g_app->promises.lead_ms > 0 ? g_app->promises.lead_ms : PROMISE_LEAD_MS);

	buf_putc(b, '{');
	json_kint(b, "id", p->id);
	json_kint(b, "patron", p->patron_id);
	json_kstr(b, "patron_name", p->patron_name);
	opt_id(b, "chat", p->chat_id);
	opt_id(b, "chat_at", p->chat_at);
	json_kstr(b, "what", p->what);
	json_kint(b, "due_at", p->due_at);
	staff_ref(b, "owner", p->owner_id);
	json_kstr(b, "channel", promise_channel_name(p->channel));
	json_kstr(b, "state", promise_state_name(p->state));
	staff_ref(b, "created_by", p->created_by);
	json_kint(b, "created_at", p->created_at);
	opt_id(b, "done_at", p->done_at);
	if (p->state == PROMISE_DONE) {
		json_kstr(b, "done_note", p->note);
		json_kbool(b, "kept_on_time", promise_kept_on_time(p));
	} else if (p->state == PROMISE_CANCELLED) {
		json_kstr(b, "cancel_reason", p->note);
	}
	json_kbool(b, "overdue", ph == PHASE_OVERDUE);
	json_kbool(b, "due_soon", ph == PHASE_DUE_SOON);
	json_close(b, '}');
}

/* What a patron sees of a promise: what, who, by when, how. No notes, no history. */
static void patron_promise_json(struct buf *b, const struct promise *p)
{
	struct staff *s = desk_staff(g_app->desk, p->owner_id);

	buf_putc(b, '{');
	json_kint(b, "id", p->id);
	opt_id(b, "chat", p->chat_id);
	json_kstr(b, "what", p->what);
	json_kint(b, "due_at", p->due_at);
	buf_puts(b, "\"owner\":{");
	json_kint(b, "id", p->owner_id);
	json_kstr(b, "name", s ? s->name : "");
	json_close(b, '}');
	buf_putc(b, ',');
	json_kstr(b, "channel", promise_channel_name(p->channel));
	json_close(b, '}');
}

/* "key":[...], of the open promises of library_id (owner / patron when > 0). */
static void list_json(struct buf *b, const char *key, int64_t library_id, int64_t owner_id,
		      int64_t patron_id, int patron_view, int64_t now)
{
	const struct promise *v[FRAME_PROMISES_MAX];
	size_t i, n = promise_book_select(&g_app->promises, library_id, owner_id, patron_id, v,
					  FRAME_PROMISES_MAX, NULL);

	buf_printf(b, "\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (patron_view)
			patron_promise_json(b, v[i]);
		else
			promise_json(b, v[i], now);
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

/* See net.h. */
void promises_patron_json(struct buf *b, int64_t library_id, int64_t patron_id)
{
	list_json(b, "promises", library_id, 0, patron_id, 1, app_now_ms());
}

/* See net.h. */
void promises_card_json(struct buf *b, int64_t library_id, int64_t patron_id)
{
	list_json(b, "promises", library_id, 0, patron_id, 0, app_now_ms());
}

/* See net.h. The frame: the console's own open promises (earliest due first) and the
 * desk's counts, so a console can tell when to reload the desk's list. */
void promises_send_staff(struct ws_conn *c)
{
	struct promise_book *bk = &g_app->promises;
	int64_t now = app_now_ms(), lead = bk->lead_ms > 0 ? bk->lead_ms : PROMISE_LEAD_MS;
	int64_t lib = c->staff->lib->id;
	int64_t open = 0, overdue = 0, soon = 0;
	struct buf b = {0};
	size_t i;

	for (i = 0; i < bk->n; i++) {
		enum promise_phase ph;

		if (bk->v[i]->library_id != lib)
			continue;
		ph = promise_phase(bk->v[i], now, lead);
		open++;
		overdue += ph == PHASE_OVERDUE;
		soon += ph == PHASE_DUE_SOON;
	}
	frame_begin(&b, "promises");
	json_kint(&b, "now", now);
	list_json(&b, "mine", lib, c->staff->id, 0, 0, now);
	buf_puts(&b, "\"desk\":{");
	json_kint(&b, "open", open);
	json_kint(&b, "overdue", overdue);
	json_kint(&b, "due_soon", soon);
	json_close(&b, '}');
	buf_putc(&b, ',');
	frame_send(c, &b);
}

/* Sends a `promises` frame to every console of each library marked dirty. */
static void flush(void)
{
	struct desk *d = g_app->desk;
	struct ws_conn *c;
	size_t i;
	int any = 0;

	for (i = 0; i < d->n_libs; i++)
		any |= d->libs[i]->promises_dirty;
	if (!any)
		return;
	for (c = g_app->net.ws_list; c; c = c->next)
		if (c->role == ROLE_STAFF && c->staff && c->staff->lib->promises_dirty &&
		    !c->close_code)
			promises_send_staff(c);
	for (i = 0; i < d->n_libs; i++)
		d->libs[i]->promises_dirty = 0;
}

static void mark(void *ctx, const struct promise *p)
{
	struct library *lib = desk_library(g_app->desk, p->library_id);

	(void)ctx;
	if (lib)
		lib->promises_dirty = 1;
}

/* See net.h. */
void promises_tick(int64_t now)
{
	if (promise_book_tick(&g_app->promises, now, mark, NULL))
		flush();
}

/* See net.h. */
void promises_changed(const struct promise *p)
{
	int64_t now = app_now_ms();
	struct ws_conn *c;

	if (promise_book_put(&g_app->promises, p, now))
		log_error("promise", "promise %lld: out of memory; reminders miss it",
			  (long long)p->id);
	mark(NULL, p);
	flush();
	for (c = g_app->net.ws_list; c; c = c->next) {
		struct buf b = {0};

		if (c->role != ROLE_PATRON || !c->patron || c->patron->id != p->patron_id ||
		    c->close_code)
			continue;
		frame_begin(&b, "promises");
		promises_patron_json(&b, p->library_id, p->patron_id);
		frame_send(c, &b);
	}
}

/* See net.h. */
void promises_name_patron(int64_t patron_id, int remembered, const char *name)
{
	struct promise_book *bk = &g_app->promises;
	size_t i;

	if (!promise_book_name_patron(bk, patron_id, remembered && name ? name : ""))
		return;
	for (i = 0; i < bk->n; i++)
		if (bk->v[i]->patron_id == patron_id)
			mark(NULL, bk->v[i]);
	flush();
}

static int load_cb(void *ctx, const struct store_promise *r)
{
	struct promise p;

	promise_from_row(&p, r);
	return promise_book_put(&g_app->promises, &p, *(int64_t *)ctx) ? STORE_ERR : 0;
}

/* See net.h. */
int promises_load(struct store_conn *sc)
{
	const struct store_ops *ops = g_app->ops;
	int64_t now = app_now_ms();
	size_t i;
	int rc;

	for (i = 0; i < g_app->desk->n_libs; i++) {
		rc = ops->promises(sc, g_app->desk->libs[i]->id, "open", 0, 0, 0, load_cb, &now);
		if (rc)
			return rc;
	}
	log_info("load", "%zu open promises", g_app->promises.n);
	return 0;
}
