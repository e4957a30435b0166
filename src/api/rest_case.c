/* rest_case.c: offline questions over REST (docs/API.md, "Cases"): librarians list a
 * library's cases (overdue first) and answer one by e-mail; the patron's link shows the
 * thread and takes a reply on the web. Reads run on a worker; writes go through the
 * writer and answer once committed. Staff routes are scoped to the caller's library (a
 * case of another library is 404, exactly as a missing one). Loop thread. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/async.h"
#include "api/cases.h"
#include "api/errors.h"
#include "api/routes.h"
#include "util/crypto.h"
#include "util/log.h"

#define CASES_MAX 200
#define THREAD_MAX 200

enum case_op {
	OP_LIST,
	OP_STAFF_VIEW,
	OP_STAFF_REPLY,
	OP_STAFF_CLOSE,
	OP_PATRON_VIEW,
	OP_PATRON_REPLY
};

struct case_job {
	struct worker_job job;
	uint64_t http_id;
	enum case_op op;
	int64_t lib; /* staff: the caller's library */
	int64_t staff_id;
	int64_t case_id;
	char state[12];
	uint8_t hash[CRYPTO_HASH_BYTES];
	char *text; /* a reply */
	int rc;
	struct store_case kase;
	struct buf out; /* list: case objects; view: message objects */
	size_t n;
};

static void job_free(struct case_job *j)
{
	buf_free(&j->out);
	free(j->text);
	free(j);
}

static void job_free_any(void *j)
{
	job_free(j);
}

static void case_fields(struct buf *b, const struct store_case *r, int staff, int64_t now)
{
	json_kint(b, "id", r->id);
	json_kint(b, "queue", r->queue_id);
	json_kstr(b, "question", r->question);
	json_kint(b, "created_at", r->created_at);
	json_kint(b, "reply_by", r->reply_by);
	json_kint(b, "updated_at", r->updated_at);
	json_kstr(b, "state", r->state);
	json_kbool(b, "overdue", !strcmp(r->state, "open") && now > r->reply_by);
	json_kint(b, "closed_at", r->closed_at);
	if (staff) {
		rest_staff_ref(b, "closed_by", r->closed_by);
		json_kint(b, "patron", r->patron_id);
		json_kstr(b, "email", r->email);
		if (r->promise_id)
			json_kint(b, "promise", r->promise_id);
		else
			buf_puts(b, "\"promise\":null,");
	}
}

static int list_row(void *ctx, const struct store_case *r)
{
	struct case_job *j = ctx;

	buf_putc(&j->out, '{');
	case_fields(&j->out, r, 1, app_now_ms());
	json_close(&j->out, '}');
	buf_putc(&j->out, ',');
	return j->out.oom ? STORE_ERR : 0;
}

static int msg_row(void *ctx, const struct store_case_msg *m)
{
	struct case_job *j = ctx;

	buf_putc(&j->out, '{');
	json_kint(&j->out, "id", m->id);
	json_kstr(&j->out, "author", m->author);
	json_kstr(&j->out, "body", m->body);
	json_kint(&j->out, "at", m->created_at);
	if (m->staff_id)
		json_kint(&j->out, "staff", m->staff_id);
	json_close(&j->out, '}');
	buf_putc(&j->out, ',');
	return j->out.oom ? STORE_ERR : 0;
}

static void run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct case_job *j = (struct case_job *)job;

	if (j->op == OP_LIST) {
		j->rc = ops->cases(sc, j->lib, j->state, CASES_MAX, list_row, j);
		return;
	}
	if (j->op == OP_PATRON_VIEW || j->op == OP_PATRON_REPLY)
		j->rc = ops->case_by_token(sc, j->hash, &j->kase);
	else
		j->rc = ops->case_get(sc, j->case_id, &j->kase);
	if (!j->rc && j->lib && j->kase.library_id != j->lib)
		j->rc = STORE_NOTFOUND;
	if (!j->rc && (j->op == OP_STAFF_VIEW || j->op == OP_PATRON_VIEW))
		j->rc = ops->case_messages(sc, j->kase.id, THREAD_MAX, msg_row, j);
}

/* ---- answers --------------------------------------------------------------------------- */

static void view_answer(struct http_conn *h, struct case_job *j, int staff)
{
	struct library *lib = desk_library(g_app->desk, j->kase.library_id);
	struct buf b = {0};

	buf_puts(&b, "{\"case\":{");
	case_fields(&b, &j->kase, staff, app_now_ms());
	if (lib)
		json_kstr(&b, "library", lib->name);
	json_kstr(&b, "time_zone", cases_library_tz(lib));
	json_close(&b, '}');
	buf_puts(&b, ",\"messages\":[");
	if (j->out.len)
		buf_put(&b, j->out.data, j->out.len);
	rest_respond_list(h, &b);
}

struct reply_op {
	uint64_t http_id;
	struct store_case kase;
	int64_t staff_id;
	char token[CRYPTO_TOKEN_CHARS + 1]; /* staff: the new view link of the mail */
	char *text;
};

static void reply_free(struct reply_op *o)
{
	sodium_memzero(o->token, sizeof o->token);
	free(o->text);
	free(o);
}

static void promise_kept(struct store_write *w, int rc)
{
	struct promise *p = w->arg;

	if (!rc && w->changed)
		promises_changed(p);
	else
		log_warn("case", "promise %lld of a case stays open", (long long)p->id);
	free(p);
}

/* The case's promise is settled on behalf of its owner: kept (done) by an answer from
 * anyone of the library, or, when a librarian closes a case nobody answered, cancelled
 * with the reason "Case N closed without an answer". */
static void settle_promise(const struct store_case *k, int64_t now, int keep)
{
	struct promise *bp = promise_book_get(&g_app->promises, k->promise_id);
	struct store_write *w;
	struct promise *p;
	char note[80];

	if (!k->promise_id || !bp || bp->state != PROMISE_OPEN)
		return;
	if (!(p = malloc(sizeof *p)) ||
	    !(w = store_write_new(keep ? STW_PROMISE_DONE : STW_PROMISE_CANCEL))) {
		free(p);
		return;
	}
	*p = *bp;
	if (keep)
		snprintf(note, sizeof note, "Answered case %lld by e-mail", (long long)k->id);
	else
		snprintf(note, sizeof note, "Case %lld closed without an answer", (long long)k->id);
	p->state = keep ? PROMISE_DONE : PROMISE_CANCELLED;
	p->done_at = now;
	snprintf(p->note, sizeof p->note, "%s", note);
	w->u.promise.id = p->id;
	w->u.promise.library_id = p->library_id;
	w->u.promise.by = p->owner_id;
	w->u.promise.at = now;
	w->u.promise.text = strdup(note);
	w->done = promise_kept;
	w->arg = p;
	(void)writer_submit(g_app->writer, w);
}

static void reply_done(struct store_write *w, int rc)
{
	struct reply_op *o = w->arg;
	struct http_conn *h = http_find(&g_app->net, o->http_id);
	struct library *lib = desk_library(g_app->desk, o->kase.library_id);
	int64_t now = w->u.kase.at;
	struct buf b = {0};

	if (!rc && w->changed && o->staff_id) {
		char url[512], subject[256], intro[256];

		snprintf(url, sizeof url, "%s/case?t=%s", g_app->cfg.public_url, o->token);
		snprintf(subject, sizeof subject, "Re: your question \u2014 %s",
			 lib ? lib->name : "");
		snprintf(intro, sizeof intro, "%s has answered your question (case %lld):",
			 lib ? lib->name : "The library", (long long)o->kase.id);
		if (cases_mail(o->kase.library_id, o->kase.email, subject, intro, o->text, url))
			log_error("case", "case %lld: cannot queue the answer",
				  (long long)o->kase.id);
		sodium_memzero(url, sizeof url);
		settle_promise(&o->kase, now, 1);
	}
	if (!rc && w->changed)
		cases_notify(o->kase.library_id, o->kase.id,
			     o->staff_id ? "answered" : "patron_reply");
	if (!rest_write_failed(h, rc, w->changed, API_NOT_FOUND, "No such case.")) {
		buf_puts(&b, "{\"case\":{");
		json_kint(&b, "id", o->kase.id);
		json_kstr(&b, "state", o->staff_id ? "answered" : "open");
		json_close(&b, '}');
		buf_putc(&b, ',');
		if (o->staff_id)
			json_kstr(&b, "mail", outbox_mail_word());
		json_close(&b, '}');
		rest_respond_buf(h, 200, &b);
	}
	reply_free(o);
}

static void reply_submit(struct http_conn *h, struct case_job *j)
{
	struct store_write *w = store_write_new(STW_CASE_REPLY);
	struct reply_op *o = calloc(1, sizeof *o);

	if (!w || !o || g_app->stopping) {
		store_write_free(w);
		free(o);
		api_http_fail(h, API_NOMEM, "Out of memory, or shutting down.");
		return;
	}
	o->http_id = h->id;
	o->kase = j->kase;
	o->staff_id = j->op == OP_STAFF_REPLY ? j->staff_id : 0;
	o->text = j->text;
	j->text = NULL;
	w->u.kase.id = j->kase.id;
	w->u.kase.library_id = j->kase.library_id;
	w->u.kase.staff_id = o->staff_id;
	w->u.kase.at = app_now_ms();
	w->u.kase.text = strdup(o->text);
	if (o->staff_id) {
		crypto_token(o->token);
		crypto_token_hash(o->token, strlen(o->token), w->u.kase.token_hash);
	}
	if (!w->u.kase.text) {
		store_write_free(w);
		reply_free(o);
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	w->done = reply_done;
	w->arg = o;
	(void)writer_submit(g_app->writer, w);
}

struct close_op {
	uint64_t http_id;
	struct store_case kase;
};

static void close_done(struct store_write *w, int rc)
{
	struct close_op *o = w->arg;
	struct http_conn *h = http_find(&g_app->net, o->http_id);
	struct buf b = {0};

	if (!rc && w->changed) {
		log_info("case", "case %lld closed by staff %lld", (long long)o->kase.id,
			 (long long)w->u.kase.staff_id);
		/* an unanswered case's promise can no longer be kept; an answered one's was */
		settle_promise(&o->kase, w->u.kase.at, 0);
		cases_notify(o->kase.library_id, o->kase.id, "closed");
	}
	if (!rest_write_failed(h, rc, w->changed, API_CASE_CLOSED,
			       "This case is already closed.")) {
		buf_puts(&b, "{\"case\":{");
		json_kint(&b, "id", o->kase.id);
		json_kstr(&b, "state", "closed");
		json_kint(&b, "closed_at", w->u.kase.at);
		rest_staff_ref(&b, "closed_by", w->u.kase.staff_id);
		json_close(&b, '}');
		buf_putc(&b, '}');
		rest_respond_buf(h, 200, &b);
	}
	free(o);
}

static void close_submit(struct http_conn *h, struct case_job *j)
{
	struct store_write *w;
	struct close_op *o;

	if (!strcmp(j->kase.state, "closed")) {
		api_http_fail(h, API_CASE_CLOSED, "This case is already closed.");
		return;
	}
	w = store_write_new(STW_CASE_CLOSE);
	o = calloc(1, sizeof *o);
	if (!w || !o || g_app->stopping) {
		store_write_free(w);
		free(o);
		api_http_fail(h, API_NOMEM, "Out of memory, or shutting down.");
		return;
	}
	o->http_id = h->id;
	o->kase = j->kase;
	w->u.kase.id = j->kase.id;
	w->u.kase.library_id = j->kase.library_id;
	w->u.kase.staff_id = j->staff_id;
	w->u.kase.at = app_now_ms();
	w->done = close_done;
	w->arg = o;
	(void)writer_submit(g_app->writer, w);
}

static void done(struct worker_job *job)
{
	struct case_job *j = (struct case_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);
	struct buf b = {0};

	if (!h)
		goto out;
	if (j->rc == STORE_NOTFOUND) {
		api_http_fail(h, API_NOT_FOUND,
			      j->op >= OP_PATRON_VIEW ? "This link is not known."
						      : "No such case.");
	} else if (j->rc || j->out.oom) {
		api_http_fail(h, API_STORE_FAILED, "Could not read; try again.");
	} else if (j->op == OP_LIST) {
		buf_puts(&b, "{\"cases\":[");
		if (j->out.len)
			buf_put(&b, j->out.data, j->out.len);
		json_close(&b, ']');
		buf_putc(&b, ',');
		json_kint(&b, "now", app_now_ms());
		json_kstr(&b, "time_zone", cases_library_tz(desk_library(g_app->desk, j->lib)));
		json_close(&b, '}');
		rest_respond_buf(h, 200, &b);
	} else if (j->op == OP_STAFF_VIEW || j->op == OP_PATRON_VIEW) {
		view_answer(h, j, j->op == OP_STAFF_VIEW);
	} else if (j->op == OP_STAFF_CLOSE) {
		close_submit(h, j);
	} else if (j->op == OP_PATRON_REPLY && !strcmp(j->kase.state, "closed")) {
		api_http_fail(
			h, API_CASE_CLOSED,
			"The library has closed this question. To ask again, start a new chat.");
	} else {
		reply_submit(h, j);
	}
out:
	job_free(j);
}

static struct case_job *job_new(struct http_conn *h, enum case_op op)
{
	struct case_job *j = calloc(1, sizeof *j);

	if (!j) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return NULL;
	}
	j->job.run = run;
	j->job.done = done;
	j->http_id = h->id;
	j->op = op;
	return j;
}

/* The hash of a view token (43 base64url characters), or -1. */
static int token_hash_of(const char *t, uint8_t hash[CRYPTO_HASH_BYTES])
{
	size_t n = t ? strlen(t) : 0;

	if (n != CRYPTO_TOKEN_CHARS ||
	    strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_") < n)
		return -1;
	crypto_token_hash(t, n, hash);
	return 0;
}

/* See cases.h. */
void case_public(struct call *k)
{
	struct http_conn *h = k->h;
	struct case_job *j = job_new(h, OP_PATRON_VIEW);
	char arg[64];

	if (!j)
		return;
	if (token_hash_of(http_query_arg(h, "t=", arg, sizeof arg), j->hash)) {
		free(j);
		api_http_fail(h, API_NOT_FOUND, "This link is not known.");
		return;
	}
	api_submit_http(h, &j->job, job_free_any);
}

/* GET /api/v1/cases (id 0) and /api/v1/cases/{id}. */
static void staff_read(struct call *k, int64_t id)
{
	struct http_conn *h = k->h;
	struct case_job *j = job_new(h, id ? OP_STAFF_VIEW : OP_LIST);
	char arg[32];
	const char *v = http_query_arg(h, "state=", arg, sizeof arg);

	if (!j)
		return;
	j->lib = k->staff->lib->id;
	j->case_id = id;
	snprintf(j->state, sizeof j->state, "open");
	if (!id && v && (!strcmp(v, "answered") || !strcmp(v, "closed")))
		snprintf(j->state, sizeof j->state, "%s", v);
	api_submit_http(h, &j->job, job_free_any);
}

void case_list(struct call *k)
{
	staff_read(k, 0);
}

void case_one(struct call *k)
{
	staff_read(k, k->id[0]);
}

static int reply_text_ok(struct http_conn *h, const char *text)
{
	if (!rest_text_ok(text, strlen(text), STORE_CASE_TEXT_MAX, 1) || rest_blank(text)) {
		rest_bad_request(h, "text is 1 to 4000 bytes of text.");
		return 0;
	}
	return 1;
}

/* See cases.h. */
void case_public_reply(struct call *k)
{
	struct http_conn *h = k->h;
	const char *text = NULL, *token = NULL;
	struct case_job *j;
	json_t *root = rest_body_unpack(h, "Send {\"token\": \"...\", \"text\": \"...\"}.",
					"{s:s, s:s}", "token", &token, "text", &text);

	if (!root)
		return;
	if (reply_text_ok(h, text) && (j = job_new(h, OP_PATRON_REPLY))) {
		if (token_hash_of(token, j->hash) || !(j->text = strdup(text))) {
			job_free(j);
			api_http_fail(h, API_NOT_FOUND, "This link is not known.");
		} else {
			api_submit_http(h, &j->job, job_free_any);
		}
	}
	json_decref(root);
}

void case_close(struct call *k)
{
	struct case_job *j = job_new(k->h, OP_STAFF_CLOSE);

	if (j) {
		j->lib = k->staff->lib->id;
		j->staff_id = k->staff->id;
		j->case_id = k->id[0];
		api_submit_http(k->h, &j->job, job_free_any);
	}
}

void case_reply(struct call *k)
{
	struct http_conn *h = k->h;
	const char *text = NULL;
	struct case_job *j;
	json_t *root = rest_body_unpack(h, "Send {\"text\": \"...\"}.", "{s:s}", "text", &text);

	if (!root)
		return;
	if (reply_text_ok(h, text) && (j = job_new(h, OP_STAFF_REPLY))) {
		j->lib = k->staff->lib->id;
		j->staff_id = k->staff->id;
		j->case_id = k->id[0];
		if (!(j->text = strdup(text))) {
			job_free(j);
			api_http_fail(h, API_NOMEM, "Out of memory.");
		} else {
			api_submit_http(h, &j->job, job_free_any);
		}
	}
	json_decref(root);
}
