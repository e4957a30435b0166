/* rest_promise.c: the REST routes of the promise ledger (docs/API.md, "Promises"): make a
 * promise (from a chat or for a patron), list them (mine, the desk's, a patron's; overdue
 * first, then by due time), read one with its history, complete, cancel or reassign one,
 * and the report of promises kept on time.
 *
 * Staff only, scoped to their library: a promise of another library is 404, exactly like
 * a missing one. Reads run on a worker; a transition first reads the promise, checks it
 * with the desk's rules (desk/promise.h: owner or admin, open), then writes it through the
 * writer with the same rule in SQL, so a race between two librarians ends with one of
 * them answered 409. Text from users is bound by the store and escaped by the JSON
 * writer; it is never interpreted here. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "api/routes.h"
#include "util/log.h"

#define LIST_DEFAULT 100
#define LIST_MAX 200
#define DAY_MS (24LL * 60 * 60 * 1000)
#define PREFIX "/api/v1/promises"

/* ---- small helpers -------------------------------------------------------------------- */

static struct promise_who who_of(const struct staff *st)
{
	return (struct promise_who){
		.staff_id = st->id, .library_id = st->lib->id, .admin = desk_staff_admin(st)};
}

/* Answers a desk error of a promise rule. */
static void rule_error(struct http_conn *h, int rc)
{
	switch (rc) {
	case DESK_NOT_FOUND: api_http_fail(h, API_NOT_FOUND, "No such promise."); break;
	case DESK_FORBIDDEN:
		api_http_fail(h, API_FORBIDDEN,
			      "Only the promise's owner or an administrator may do this.");
		break;
	case DESK_BAD_STATE:
		api_http_fail(h, API_BAD_STATE, "This promise is no longer open.");
		break;
	case DESK_EMPTY: rest_bad_request(h, "Give a reason."); break;
	case DESK_TOO_LONG: rest_bad_request(h, "A note is at most 500 bytes."); break;
	default: api_http_fail(h, API_QUEUE_FULL, "Try again."); break;
	}
}

/* ---- jobs: a read on a worker, then maybe a write ----------------------------------------- */

enum pj_kind { PJ_LIST, PJ_ONE, PJ_CHAT, PJ_ACT, PJ_REPORT };

struct pj {
	struct api_job job; /* first: the async helper's */
	enum pj_kind kind;
	int64_t staff_id, lib;
	int rc;
	/* PJ_LIST */
	char state[12];
	int64_t owner, patron;
	int limit;
	/* PJ_ONE, PJ_ACT */
	int64_t id;
	struct store_promise row;
	struct buf out; /* PJ_LIST: rows; PJ_ONE: events */
	/* PJ_CHAT: the chat of a new promise, read to learn its patron */
	struct store_chat chat;
	/* PJ_CHAT, PJ_ACT: the write to submit once checked */
	struct store_write *w;
	enum promise_act act;
	/* PJ_REPORT */
	int64_t since, until, now;
	struct store_promise_report rep;
};

/* What a write's done callback needs: whom to answer and the promise as it will be. */
struct pw {
	uint64_t http_id;
	int status; /* 201 for a new promise */
	struct promise p; /* after the change */
};

REST_ROW_PACKER(row_cb, struct store_promise)
REST_ROW_PACKER(event_cb, struct store_promise_event)

static void pj_run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct pj *j = (struct pj *)job;

	switch (j->kind) {
	case PJ_LIST:
		j->rc = ops->promises(sc, j->lib, j->state, j->owner, j->owner ? 0 : j->patron,
				      j->limit, row_cb, &j->out);
		break;
	case PJ_ONE:
	case PJ_ACT:
		j->rc = ops->promise_get(sc, j->id, &j->row);
		if (!j->rc && j->row.library_id != j->lib)
			j->rc = STORE_NOTFOUND; /* not yours: read nothing more */
		if (!j->rc && j->kind == PJ_ONE)
			j->rc = ops->promise_events(sc, j->id, event_cb, &j->out);
		break;
	case PJ_CHAT: j->rc = ops->chat_get(sc, j->w->u.promise.chat_id, &j->chat); break;
	case PJ_REPORT:
		j->rc = ops->promise_report(sc, j->lib, j->since, j->until, j->now, &j->rep);
		break;
	}
}

static void pj_done(struct api_job *job, struct call *k);

/* What the job owns besides itself (the helper frees the job). */
static void pj_free(struct api_job *job)
{
	struct pj *j = (struct pj *)job;

	store_write_free(j->w);
	buf_free(&j->out);
}

static struct pj *pj_new(struct http_conn *h, const struct staff *st, enum pj_kind kind)
{
	struct call k = call_http(h);
	struct pj *j = api_job_new(&k, sizeof *j, pj_run, pj_done);

	if (!j)
		return NULL;
	j->job.free_fn = pj_free;
	j->kind = kind;
	j->staff_id = st->id;
	j->lib = st->lib->id;
	return j;
}

/* ---- writes --------------------------------------------------------------------------- */

static void write_done(struct store_write *w, int rc)
{
	struct pw *x = w->arg;
	struct http_conn *h = http_find(&g_app->net, x->http_id);
	struct buf b = {0};
	int add = w->kind == STW_PROMISE_ADD;

	if (rc)
		log_warn("promise", "write kind %d failed: %s", (int)w->kind, store_strerror(rc));
	if (!rc && w->changed) {
		if (w->kind == STW_PROMISE_ADD)
			x->p.id = w->u.promise.id;
		promises_changed(&x->p);
	}
	if (!rest_write_failed(h, rc, w->changed, add ? API_NOT_FOUND : API_CONFLICT,
			       add ? "No such patron or chat."
				   : "The promise changed meanwhile; reload it.")) {
		buf_puts(&b, "{\"promise\":");
		promise_json(&b, &x->p, app_now_ms());
		buf_putc(&b, '}');
		rest_respond_buf(h, x->status, &b);
	}
	free(x);
}

/* Submits w (owned) to answer h once committed, with p as the promise after it. */
static void submit(struct http_conn *h, struct store_write *w, const struct promise *p, int status)
{
	struct pw *x = calloc(1, sizeof *x);

	if (!x || g_app->stopping) {
		free(x);
		store_write_free(w);
		api_http_fail(h, API_QUEUE_FULL,
			      g_app->stopping ? "The server is shutting down." : "Out of memory.");
		return;
	}
	x->http_id = h->id;
	x->status = status;
	x->p = *p;
	w->done = write_done;
	w->arg = x;
	writer_submit(g_app->writer, w);
}

/* The patron's name for labelling a new promise: the live patron's when remembered, else
 * the one the book already holds for them (kept current), else "". */
static void label_patron(struct promise *p)
{
	struct patron *pa = desk_patron(g_app->desk, p->patron_id, p->library_id);
	const struct promise_book *bk = &g_app->promises;
	size_t i;

	if (pa) {
		snprintf(p->patron_name, sizeof p->patron_name, "%s",
			 pa->remembered ? pa->name : "");
		return;
	}
	for (i = 0; i < bk->n; i++)
		if (bk->v[i]->patron_id == p->patron_id && bk->v[i]->patron_name[0]) {
			snprintf(p->patron_name, sizeof p->patron_name, "%s",
				 bk->v[i]->patron_name);
			return;
		}
}

/* The promise a new-promise write will make (id comes from the store); chat_at: when its
 * chat began (0: none). */
static void submit_add(struct http_conn *h, struct store_write *w, int64_t chat_at)
{
	const struct store_promise_write *r = &w->u.promise;
	struct promise p = {.library_id = r->library_id,
			    .patron_id = r->patron_id,
			    .chat_id = r->chat_id,
			    .owner_id = r->owner_id,
			    .created_by = r->by,
			    .created_at = r->at,
			    .due_at = r->due_at,
			    .state = PROMISE_OPEN};
	int ch = promise_channel_of(r->channel);

	p.channel = ch < 0 ? PROMISE_EMAIL : (enum promise_channel)ch;
	snprintf(p.what, sizeof p.what, "%s", r->text ? r->text : "");
	p.chat_at = chat_at;
	label_patron(&p);
	submit(h, w, &p, 201);
}

/* A transition read back: checked with the desk's rule, applied to a copy, written. */
static void act_checked(struct http_conn *h, struct pj *j)
{
	struct staff *st = desk_staff(g_app->desk, j->staff_id);
	struct store_write *w = j->w;
	struct promise p;
	struct promise_who who;
	int rc;

	if (!st) {
		api_http_fail(h, API_UNAUTHENTICATED, "Please log in.");
		return;
	}
	who = who_of(st);
	promise_from_row(&p, &j->row);
	rc = promise_apply(&p, &who, j->act, w->u.promise.at, w->u.promise.text,
			   w->u.promise.owner_id);
	if (rc) {
		rule_error(h, rc);
		return;
	}
	j->w = NULL;
	submit(h, w, &p, 200);
}

static void list_done(struct http_conn *h, struct pj *j)
{
	struct buf b = {0};
	int64_t now = app_now_ms();
	size_t off;
	struct store_promise r;

	buf_puts(&b, "{\"promises\":[");
	for (off = 0; rest_row_next(&j->out, &off, &r, sizeof r);) {
		struct promise p;

		if (r.library_id != j->lib || (j->patron && r.patron_id != j->patron))
			continue;
		promise_from_row(&p, &r);
		promise_json(&b, &p, now);
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_putc(&b, ',');
	json_kint(&b, "now", now);
	json_close(&b, '}');
	rest_respond_buf(h, 200, &b);
}

static void one_done(struct http_conn *h, struct pj *j)
{
	struct buf b = {0};
	struct promise p;
	size_t off;
	struct store_promise_event e;

	promise_from_row(&p, &j->row);
	buf_puts(&b, "{\"promise\":");
	promise_json(&b, &p, app_now_ms());
	buf_puts(&b, ",\"events\":[");
	for (off = 0; rest_row_next(&j->out, &off, &e, sizeof e);) {
		struct staff *by, *owner;

		by = desk_staff(g_app->desk, e.by);
		owner = desk_staff(g_app->desk, e.owner_id);
		buf_putc(&b, '{');
		json_kstr(&b, "kind", e.kind);
		json_kint(&b, "at", e.at);
		buf_puts(&b, "\"by\":{");
		json_kint(&b, "id", e.by);
		json_kstr(&b, "name", by ? by->name : "");
		json_close(&b, '}');
		buf_puts(&b, ",\"owner\":{");
		json_kint(&b, "id", e.owner_id);
		json_kstr(&b, "name", owner ? owner->name : "");
		json_close(&b, '}');
		buf_putc(&b, ',');
		json_kstr(&b, "note", e.note);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	rest_respond_list(h, &b);
}

static void report_done(struct http_conn *h, struct pj *j)
{
	struct buf b = {0};
	double share;

	buf_putc(&b, '{');
	json_kint(&b, "since", j->since);
	json_kint(&b, "until", j->until);
	json_kint(&b, "made", j->rep.made);
	json_kint(&b, "kept_on_time", j->rep.kept_on_time);
	json_kint(&b, "late", j->rep.late);
	json_kint(&b, "open_overdue", j->rep.open_overdue);
	json_kint(&b, "open", j->rep.open);
	json_kint(&b, "cancelled", j->rep.cancelled);
	if (promise_share(j->rep.kept_on_time, j->rep.late, j->rep.open_overdue, &share) == 0)
		buf_printf(&b, "\"share_kept_on_time\":%.4g", share);
	else
		buf_puts(&b, "\"share_kept_on_time\":null");
	buf_putc(&b, '}');
	rest_respond_buf(h, 200, &b);
}

/* A new promise from a chat the desk no longer holds: the stored chat gives the patron. */
static void chat_checked(struct http_conn *h, struct pj *j)
{
	struct store_write *w = j->w;

	if (j->chat.library_id != j->lib ||
	    (w->u.promise.patron_id && w->u.promise.patron_id != j->chat.patron_id)) {
		api_http_fail(h, API_NOT_FOUND, "No such patron or chat.");
		return;
	}
	w->u.promise.patron_id = j->chat.patron_id;
	j->w = NULL;
	submit_add(h, w, j->chat.created_at);
}

static void pj_done(struct api_job *job, struct call *k)
{
	struct pj *j = (struct pj *)job;
	struct http_conn *h = k->h;

	if (!h)
		return;
	if (!j->rc && j->out.oom)
		j->rc = STORE_ERR;
	if (!rest_read_failed(h, j->rc,
			      j->kind == PJ_CHAT ? "No such patron or chat." : "No such promise.",
			      "promise", (int)j->kind)) {
		switch (j->kind) {
		case PJ_LIST: list_done(h, j); break;
		case PJ_ONE: one_done(h, j); break;
		case PJ_CHAT: chat_checked(h, j); break;
		case PJ_ACT: act_checked(h, j); break;
		case PJ_REPORT: report_done(h, j); break;
		}
	}
}

/* ---- routes --------------------------------------------------------------------------- */

static void get_list(struct http_conn *h, struct staff *st)
{
	char arg[48];
	const char *state = http_query_arg(h, "state=", arg, sizeof arg);
	int64_t mine = 0, patron = 0, limit = LIST_DEFAULT;
	struct pj *j;

	if (state && promise_state_of(state) < 0) {
		rest_bad_request(h, "state is open, done or cancelled.");
		return;
	}
	if (rest_arg_int(h, "mine=", 1, 1, &mine) < 0 ||
	    rest_arg_int(h, "patron=", 1, INT64_MAX, &patron) < 0 ||
	    rest_arg_int(h, "limit=", 1, LIST_MAX, &limit) < 0) {
		rest_bad_request(h, "mine is 1, patron an id, limit 1 to 200.");
		return;
	}
	if (!(j = pj_new(h, st, PJ_LIST)))
		return;
	snprintf(j->state, sizeof j->state, "%s", state ? state : "open");
	j->owner = mine ? st->id : 0;
	j->patron = patron;
	j->limit = (int)limit;
	api_read(&j->job);
}

static void get_report(struct http_conn *h, struct staff *st)
{
	int64_t days = 30;
	struct pj *j;

	if (rest_arg_int(h, "days=", 1, 3660, &days) < 0) {
		rest_bad_request(h, "days is 1 to 3660.");
		return;
	}
	if (!(j = pj_new(h, st, PJ_REPORT)))
		return;
	j->now = j->until = app_now_ms();
	j->since = j->until - days * DAY_MS;
	api_read(&j->job);
}

/* GET /api/v1/promises/owners: who may own a promise (the library's staff, by name). */
static void get_owners(struct http_conn *h, const struct staff *st)
{
	struct buf b = {0};
	size_t i;

	buf_puts(&b, "{\"owners\":[");
	for (i = 0; i < g_app->desk->n_staff; i++) {
		const struct staff *s = g_app->desk->staff[i];

		if (s->lib != st->lib)
			continue;
		buf_putc(&b, '{');
		json_kint(&b, "id", s->id);
		json_kstr(&b, "name", s->name);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	rest_respond_list(h, &b);
}

void promises_list(struct call *k)
{
	get_list(k->h, k->staff);
}

void promises_owners(struct call *k)
{
	get_owners(k->h, k->staff);
}

void promises_one(struct call *k)
{
	struct pj *j = pj_new(k->h, k->staff, PJ_ONE);

	if (j) {
		j->id = k->id[0];
		api_read(&j->job);
	}
}

void promises_report(struct call *k)
{
	get_report(k->h, k->staff);
}

/* POST /api/v1/promises {patron?, chat?, what, due_at, owner?, channel}. */
static void post_new(struct http_conn *h, struct staff *st)
{
	json_int_t patron = 0, chat = 0, due = 0, owner = 0;
	const char *what, *channel;
	size_t len;
	json_t *root = rest_body_unpack(
		h, "Send {\"chat\" or \"patron\", \"what\", \"due_at\", \"owner\"?, \"channel\"}.",
		"{s?I, s?I, s:s%, s:I, s?I, s:s}", "patron", &patron, "chat", &chat, "what", &what,
		&len, "due_at", &due, "owner", &owner, "channel", &channel);
	struct store_write *w = NULL;
	struct staff *o;
	struct chat *ch;
	int rc;

	if (!root)
		return;
	rc = promise_check_new(app_now_ms(), what, len, due);
	if ((patron <= 0 && chat <= 0) || patron < 0 || chat < 0)
		rest_bad_request(h, "Say which chat or patron the promise is for.");
	else if (rc == DESK_EMPTY || rc == DESK_TOO_LONG ||
		 !rest_text_ok(what, len, PROMISE_WHAT_MAX, 1))
		rest_bad_request(h, "what is 1 to 500 bytes of text.");
	else if (rc)
		rest_bad_request(h, "due_at is a time in the next year (ms).");
	else if (promise_channel_of(channel) < 0)
		rest_bad_request(h, "channel is email or chat.");
	else if (owner && (owner < 0 || !(o = desk_staff(g_app->desk, owner)) || o->lib != st->lib))
		rest_bad_request(h, "owner is a librarian of your library.");
	else if (!(w = g_app->stopping ? NULL : store_write_new(STW_PROMISE_ADD)) ||
		 !(w->u.promise.text = strdup(what)))
		api_http_fail(h, API_NOMEM, "Out of memory, or shutting down.");
	else {
		struct store_promise_write *r = &w->u.promise;
		struct pj *j;

		r->library_id = st->lib->id;
		r->patron_id = patron;
		r->chat_id = chat;
		r->owner_id = owner ? owner : st->id;
		r->by = st->id;
		r->at = app_now_ms();
		r->due_at = due;
		snprintf(r->channel, sizeof r->channel, "%s", channel);
		ch = chat ? desk_chat(g_app->desk, chat) : NULL;
		if (chat && ch && ch->lib == st->lib && (!patron || patron == ch->patron->id)) {
			r->patron_id =
				ch->patron->id; /* two clicks from a chat: it gives the patron */
			submit_add(h, w, ch->created_at);
		} else if (chat && !ch && (j = pj_new(h, st, PJ_CHAT))) {
			j->w = w; /* an ended chat: read it for its patron */
			api_read(&j->job);
		} else if (chat && ch) {
			store_write_free(w);
			api_http_fail(h, API_NOT_FOUND, "No such patron or chat.");
		} else if (!chat) {
			submit_add(h, w, 0); /* the store checks the patron is of the library */
		} else {
			store_write_free(w); /* pj_new answered */
		}
		w = NULL;
	}
	store_write_free(w);
	json_decref(root);
}

/* POST /api/v1/promises/{id}/done {note?}, /cancel {reason}, /reassign {owner, note?}. */
static void post_act(struct http_conn *h, struct staff *st, int64_t id, enum promise_act act)
{
	const char *note = "";
	size_t len = 0;
	json_int_t owner = 0;
	json_t *root =
		act == PROMISE_COMPLETE ? rest_body_unpack(h, "Send {\"note\":\"what was sent\"}.",
							   "{s?s%}", "note", &note, &len)
		: act == PROMISE_CANCEL
			? rest_body_unpack(h, "Send {\"reason\":\"...\"}.", "{s:s%}", "reason",
					   &note, &len)
			: rest_body_unpack(h, "Send {\"owner\":id, \"note\":\"...\"}.",
					   "{s:I, s?s%}", "owner", &owner, "note", &note, &len);
	struct store_write *w;
	struct staff *o;
	struct pj *j;
	static const enum store_write_kind kinds[] = {
		[PROMISE_COMPLETE] = STW_PROMISE_DONE,
		[PROMISE_CANCEL] = STW_PROMISE_CANCEL,
		[PROMISE_REASSIGN] = STW_PROMISE_REASSIGN,
	};

	if (!root)
		return;
	if (!rest_text_ok(note, len, PROMISE_NOTE_MAX, 1))
		rest_bad_request(h, "A note is at most 500 bytes of text.");
	else if (act == PROMISE_CANCEL && rest_blank(note))
		rest_bad_request(h, "Give a reason.");
	else if (act == PROMISE_REASSIGN &&
		 (owner <= 0 || !(o = desk_staff(g_app->desk, owner)) || o->lib != st->lib))
		rest_bad_request(h, "owner is a librarian of your library.");
	else if (!(w = g_app->stopping ? NULL : store_write_new(kinds[act])) ||
		 !(w->u.promise.text = strdup(note))) {
		store_write_free(w);
		api_http_fail(h, API_NOMEM, "Out of memory, or shutting down.");
	} else if (!(j = pj_new(h, st, PJ_ACT))) {
		store_write_free(w);
	} else {
		w->u.promise.id = id;
		w->u.promise.library_id = st->lib->id;
		w->u.promise.by = st->id;
		w->u.promise.owner_id = owner;
		w->u.promise.at = app_now_ms();
		j->id = id;
		j->act = act;
		j->w = w;
		api_read(&j->job);
	}
	json_decref(root);
}

void promises_new(struct call *k)
{
	post_new(k->h, k->staff);
}

void promises_done(struct call *k)
{
	post_act(k->h, k->staff, k->id[0], PROMISE_COMPLETE);
}

void promises_cancel(struct call *k)
{
	post_act(k->h, k->staff, k->id[0], PROMISE_CANCEL);
}

void promises_reassign(struct call *k)
{
	post_act(k->h, k->staff, k->id[0], PROMISE_REASSIGN);
}
