/* rest_followup.c: follow-ups (docs/API.md, docs/DECISIONS.md "Follow-ups"): a librarian
 * schedules a check-in e-mail from a chat; the mail is queued in the outbox for its due
 * time in the same transaction as the follow-up, with a rating link (/followup.html, whose
 * page posts to /api/v1/followup-response), a sign-in link that opens a chat as the same
 * patron (continuity routing offers it to the librarian), and List-Unsubscribe.
 *
 * Consent is checked twice: on the relation read before the mail is built (for a clear
 * answer) and in SQL by the write (for the truth). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/cases.h"
#include "api/errors.h"
#include "api/routes.h"
#include "mail/message.h"
#include "util/crypto.h"
#include "util/log.h"

#define TAG "followup"
#define TOKEN_TTL_MS (30LL * 24 * 3600 * 1000) /* after the due time */
#define DUE_MAX_MS (366LL * 24 * 3600 * 1000)
#define LIST_MAX 200
#define CARD_MAX 20

static const char *const no_consent =
	"The patron must be remembered and have an e-mail address (and not have asked for no "
	"follow-ups) to get a check-in.";

/* ---- JSON ------------------------------------------------------------------------------ */

static void followup_json(struct buf *b, const struct store_followup *r)
{
	buf_putc(b, '{');
	json_kint(b, "id", r->id);
	json_kint(b, "patron", r->patron_id);
	json_kint(b, "chat", r->chat_id);
	rest_staff_ref(b, "staff", r->staff_id);
	json_kint(b, "due_at", r->due_at);
	json_kstr(b, "message", r->message);
	json_kstr(b, "state", r->state);
	json_kint(b, "created_at", r->created_at);
	json_kint(b, "sent_at", r->sent_at);
	json_kint(b, "rating", r->rating);
	json_kstr(b, "reply", r->reply);
	json_kint(b, "answered_at", r->answered_at);
	json_close(b, '}');
}

REST_ROW_PACKER(row_cb, struct store_followup)

static void rows_json(struct buf *b, const struct buf *rows)
{
	buf_puts(b, "\"followups\":[");
	struct store_followup r;

	for (size_t off = 0; rest_row_next(rows, &off, &r, sizeof r);) {
		followup_json(b, &r);
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

/* See net.h. */
int followups_card_read(const struct store_ops *ops, struct store_conn *sc, int64_t library_id,
			int64_t patron_id, struct buf *out)
{
	int rc = ops->followups(sc, library_id, patron_id, NULL, CARD_MAX, row_cb, out);

	return !rc && out->oom ? STORE_ERR : rc;
}

/* See net.h. */
void followups_card_json(struct buf *b, const struct buf *rows)
{
	rows_json(b, rows);
}

/* ---- reads and checks on a worker ------------------------------------------------------ */

enum fj_kind { FJ_LIST, FJ_CHAT };

struct fj {
	struct api_job job; /* first: the async helper's */
	enum fj_kind kind;
	int64_t staff_id, lib, chat, due;
	char state[16];
	char message[STORE_FOLLOWUP_MESSAGE_MAX + 1];
	int rc;
	struct buf out;
	struct store_chat row;
	struct store_relation rel;
};

/* What the job owns besides itself (the helper frees the job). */
static void fj_free(struct api_job *job)
{
	struct fj *j = (struct fj *)job;

	buf_free(&j->out);
}

static void fj_run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct fj *j = (struct fj *)job;

	if (j->kind == FJ_LIST) {
		j->rc = ops->followups(sc, j->lib, 0, j->state[0] ? j->state : NULL, LIST_MAX,
				       row_cb, &j->out);
		return;
	}
	j->rc = ops->chat_get(sc, j->chat, &j->row);
	if (!j->rc && j->row.library_id != j->lib)
		j->rc = STORE_NOTFOUND; /* not yours: read nothing more */
	if (!j->rc)
		j->rc = ops->relation(sc, j->row.patron_id, &j->rel);
}

/* Fills the mail of w (subject, bodies, List-Unsubscribe, Message-ID): the tokens' links
 * live only in it. 0 or -1 (out of memory). */
static int build_mail(struct store_followup_write *f, const struct library *lib,
		      const struct staff *st, const char *token, const char *signin)
{
	const char *base = g_app->cfg.public_url;
	struct buf text = {0}, html = {0}, one = {0};
	char rate[400], chat[512];
	int rc = 0;

	snprintf(rate, sizeof rate, "%s/followup.html?t=%s", base, token);
	snprintf(chat, sizeof chat, "%s/chat?library=%s&signin=%s", base, lib->slug, signin);
	snprintf(f->mail.kind, sizeof f->mail.kind, "followup");
	snprintf(f->mail.list_unsubscribe, sizeof f->mail.list_unsubscribe, "%s&stop=1", rate);
	mail_new_message_id(f->mail.message_id, g_app->cfg.mail_from);
	buf_printf(&one, "How did it go? A check-in from %s", lib->name);
	buf_put(&one, "", 1);
	mail_header_clean(f->mail.subject, sizeof f->mail.subject, one.oom ? "" : one.data);
	buf_free(&one);

	buf_printf(&text, "%s from %s asked us to check in with you:\n\n%s\n\n", st->name,
		   lib->name, f->message);
	buf_puts(&text, "How did it go? One click rates it (1 poor, 5 great):\n");
	for (int r = 1; r <= 5; r++)
		buf_printf(&text, "  %d: %s&r=%d\n", r, rate, r);
	buf_printf(&text,
		   "\nTo chat with %s again: %s\n(This link signs you in once.)\n\n"
		   "No more check-ins: %s&stop=1\n",
		   st->name, chat, rate);

	buf_puts(&html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>");
	mail_html_text(&html, st->name);
	buf_puts(&html, " from ");
	mail_html_text(&html, lib->name);
	buf_puts(&html, " asked us to check in with you:</p><blockquote>");
	mail_html_text(&html, f->message);
	buf_puts(&html, "</blockquote><p>How did it go? One click rates it:</p><p>");
	for (int r = 1; r <= 5; r++) {
		buf_puts(&html, "<a href=\"");
		mail_html_text(&html, rate);
		buf_printf(&html, "&amp;r=%d\">%d</a> ", r, r);
	}
	buf_puts(&html, "(1 poor, 5 great)</p><p><a href=\"");
	mail_html_text(&html, chat);
	buf_puts(&html, "\">Chat with ");
	mail_html_text(&html, st->name);
	buf_puts(&html, " again</a></p><p><a href=\"");
	mail_html_text(&html, rate);
	buf_puts(&html, "&amp;stop=1\">No more check-ins</a></p></body></html>");
	sodium_memzero(rate, sizeof rate);
	sodium_memzero(chat, sizeof chat);
	f->mail.body_text = buf_take(&text, NULL);
	f->mail.body_html = buf_take(&html, NULL);
	if (!f->mail.body_text || !f->mail.body_html)
		rc = -1;
	buf_free(&text);
	buf_free(&html);
	return rc;
}

struct fw {
	uint64_t http_id;
	struct store_followup row; /* as the write makes it */
};

static void write_done(struct store_write *w, int rc)
{
	struct fw *x = w->arg;
	struct http_conn *h = http_find(&g_app->net, x->http_id);
	struct buf b = {0};
	int add = w->kind == STW_FOLLOWUP_ADD;
	const char *unchanged =
		add ? no_consent
		: w->kind == STW_FOLLOWUP_CANCEL
			? "No scheduled follow-up with that id, or its e-mail is already out."
			: "This link is not valid or has expired.";

	if (rc)
		log_warn(TAG, "write kind %d failed: %s", (int)w->kind, store_strerror(rc));
	if (rest_write_failed(h, rc, w->changed, add ? API_NO_CONSENT : API_NOT_FOUND, unchanged)) {
		/* answered, or gone */
	} else if (add) {
		x->row.id = w->u.followup.id;
		buf_puts(&b, "{\"followup\":");
		followup_json(&b, &x->row);
		buf_putc(&b, '}');
		rest_respond_buf(h, 201, &b);
		outbox_kick();
	} else {
		rest_respond_ok(h);
	}
	free(x);
}

static void submit(struct http_conn *h, struct store_write *w, const struct store_followup *row)
{
	struct fw *x = calloc(1, sizeof *x);

	if (!x || g_app->stopping) {
		free(x);
		store_write_free(w);
		api_http_fail(h, API_NOMEM, "Out of memory, or shutting down.");
		return;
	}
	x->http_id = h->id;
	if (row)
		x->row = *row;
	w->done = write_done;
	w->arg = x;
	writer_submit(g_app->writer, w);
}

/* The chat and the patron's relation are read: answer 404/409 or write. */
static void chat_checked(struct http_conn *h, struct fj *j)
{
	struct staff *st = desk_staff(g_app->desk, j->staff_id);
	struct store_write *w;
	struct store_followup_write *f;
	struct store_followup row = {0};
	char token[CRYPTO_TOKEN_CHARS + 1], signin[CRYPTO_TOKEN_CHARS + 1];
	int64_t now = app_now_ms();

	if (!st || !st->lib) {
		api_http_fail(h, API_UNAUTHENTICATED, "Please log in.");
		return;
	}
	if (!j->rel.remembered || !mail_addr_valid(j->rel.email)) {
		api_http_fail(h, API_NO_CONSENT, no_consent);
		return;
	}
	if (!(w = store_write_new(STW_FOLLOWUP_ADD))) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	f = &w->u.followup;
	f->library_id = j->lib;
	f->patron_id = j->row.patron_id;
	f->chat_id = j->chat;
	f->staff_id = st->id;
	f->due_at = j->due;
	f->at = now;
	f->expires_at = j->due + TOKEN_TTL_MS;
	snprintf(f->message, sizeof f->message, "%s", j->message);
	crypto_token(token);
	crypto_token(signin);
	crypto_token_hash(token, strlen(token), f->hash);
	crypto_token_hash(signin, strlen(signin), f->signin_hash);
	if (build_mail(f, st->lib, st, token, signin)) {
		sodium_memzero(token, sizeof token);
		sodium_memzero(signin, sizeof signin);
		store_write_free(w);
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	sodium_memzero(token, sizeof token);
	sodium_memzero(signin, sizeof signin);
	row = (struct store_followup){.library_id = f->library_id,
				      .patron_id = f->patron_id,
				      .chat_id = f->chat_id,
				      .staff_id = f->staff_id,
				      .due_at = f->due_at,
				      .created_at = now};
	snprintf(row.message, sizeof row.message, "%s", f->message);
	snprintf(row.state, sizeof row.state, "scheduled");
	submit(h, w, &row);
}

static void fj_done(struct api_job *job, struct call *k)
{
	struct fj *j = (struct fj *)job;
	struct http_conn *h = k->h;
	struct buf b = {0};

	if (!h)
		return;
	if (!j->rc && j->out.oom)
		j->rc = STORE_ERR;
	if (rest_read_failed(h, j->rc, "No such chat.", TAG, -1)) {
		/* answered */
	} else if (j->kind == FJ_CHAT) {
		chat_checked(h, j);
	} else {
		buf_putc(&b, '{');
		rows_json(&b, &j->out);
		b.len--; /* the trailing comma */
		buf_putc(&b, '}');
		rest_respond_buf(h, 200, &b);
	}
}

static struct fj *fj_new(struct http_conn *h, const struct staff *st, enum fj_kind kind)
{
	struct call k = call_http(h);
	struct fj *j = api_job_new(&k, sizeof *j, fj_run, fj_done);

	if (!j)
		return NULL;
	j->job.free_fn = fj_free;
	j->kind = kind;
	j->staff_id = st->id;
	j->lib = st->lib->id;
	return j;
}

/* ---- routes ---------------------------------------------------------------------------- */

static int state_ok(const char *s)
{
	return !strcmp(s, "scheduled") || !strcmp(s, "sent") || !strcmp(s, "answered") ||
	       !strcmp(s, "cancelled") || !strcmp(s, "undeliverable");
}

/* GET /api/v1/followup?t=<token>: what the patron's page shows (the library, who asked,
 * when it was sent, in the library's zone); reads only, records nothing. */
struct pj {
	struct worker_job job;
	uint64_t http_id;
	uint8_t hash[CRYPTO_HASH_BYTES];
	int64_t now;
	int rc;
	struct store_followup row;
};

static void pj_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct pj *j = (struct pj *)job;

	j->rc = ops->followup_by_token(sc, j->hash, j->now, &j->row);
}

static void pj_done(struct worker_job *job)
{
	struct pj *j = (struct pj *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);
	struct library *lib = desk_library(g_app->desk, j->row.library_id);
	struct staff *s = desk_staff(g_app->desk, j->row.staff_id);
	struct buf b = {0};

	if (!h) {
		/* gone */
	} else if (j->rc == STORE_NOTFOUND || (!j->rc && !lib)) {
		api_http_fail(h, API_NOT_FOUND, "This link is not valid or has expired.");
	} else if (j->rc) {
		api_http_fail(h, API_STORE_FAILED, "Could not read; try again.");
	} else {
		buf_puts(&b, "{\"followup\":{");
		json_kstr(&b, "library", lib->name);
		json_kstr(&b, "time_zone", cases_library_tz(lib));
		json_kstr(&b, "staff_name", s ? s->name : "");
		json_kstr(&b, "state", j->row.state);
		json_kint(&b, "due_at", j->row.due_at);
		json_kint(&b, "sent_at", j->row.sent_at);
		json_kint(&b, "rating", j->row.rating);
		json_close(&b, '}');
		buf_putc(&b, '}');
		rest_respond_buf(h, 200, &b);
	}
	sodium_memzero(j->hash, sizeof j->hash);
	free(j);
}

static void get_public(struct http_conn *h)
{
	char arg[64];
	const char *t = http_query_arg(h, "t=", arg, sizeof arg);
	struct pj *j;

	if (!t || strlen(t) != CRYPTO_TOKEN_CHARS) {
		api_http_fail(h, API_NOT_FOUND, "This link is not valid or has expired.");
		return;
	}
	if (!(j = calloc(1, sizeof *j))) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	j->job.run = pj_run;
	j->job.done = pj_done;
	j->http_id = h->id;
	j->now = app_now_ms();
	crypto_token_hash(t, strlen(t), j->hash);
	sodium_memzero(arg, sizeof arg);
	api_submit_http(h, &j->job, NULL); /* a token hash only: free() */
}

/* See net.h. GET /api/v1/followups?state=, and the patron's GET /api/v1/followup?t= */
void followup_list(struct call *k)
{
	struct http_conn *h = k->h;
	struct staff *st = k->staff;
	struct fj *j;
	char arg[32];
	const char *state = "";

	if ((state = http_query_arg(h, "state=", arg, sizeof arg)) && !state_ok(state)) {
		rest_bad_request(h,
				 "state is scheduled, sent, answered, cancelled or undeliverable.");
		return;
	}
	if (!(j = fj_new(h, st, FJ_LIST)))
		return;
	snprintf(j->state, sizeof j->state, "%s", state ? state : "");
	api_read(&j->job);
	return;
}

static void post_new(struct http_conn *h, struct staff *st, int64_t chat)
{
	json_int_t due = 0;
	const char *message;
	size_t len;
	json_t *root;
	int64_t now = app_now_ms();
	struct fj *j;

	root = rest_body_unpack(h, "Send {\"due_at\": ms, \"message\": \"...\"}.", "{s:I, s:s%}",
				"due_at", &due, "message", &message, &len);
	if (!root)
		return;
	if (due < now - 60000 || due > now + DUE_MAX_MS)
		rest_bad_request(h, "due_at is a time (ms) in the next year.");
	else if (!len || rest_blank(message) ||
		 !rest_text_ok(message, len, STORE_FOLLOWUP_MESSAGE_MAX, 1))
		rest_bad_request(h, "message is 1 to 500 bytes of text.");
	else if ((j = fj_new(h, st, FJ_CHAT))) {
		j->chat = chat;
		j->due = due < now ? now : due;
		snprintf(j->message, sizeof j->message, "%s", message);
		api_read(&j->job);
	}
	json_decref(root);
}

static void post_cancel(struct http_conn *h, struct staff *st, int64_t id)
{
	struct store_write *w;

	if (!(w = store_write_new(STW_FOLLOWUP_CANCEL))) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	w->u.followup.id = id;
	w->u.followup.library_id = st->lib->id;
	w->u.followup.at = app_now_ms();
	submit(h, w, NULL);
}

/* The public endpoints: the token is the only credential. */
static void post_public(struct http_conn *h, int answer)
{
	json_int_t rating = 0;
	const char *token, *reply = "";
	size_t tlen, rlen = 0;
	json_t *root =
		answer ? rest_body_unpack(h, "Send {\"token\", \"rating\": 1..5, \"reply\"?}.",
					  "{s:s%, s:I, s?s%}", "token", &token, &tlen, "rating",
					  &rating, "reply", &reply, &rlen)
		       : rest_body_unpack(h, "Send {\"token\"}.", "{s:s%}", "token", &token, &tlen);
	struct store_write *w;

	if (!root)
		return;
	if (tlen != CRYPTO_TOKEN_CHARS)
		api_http_fail(h, API_NOT_FOUND, "This link is not valid or has expired.");
	else if (answer && (rating < 1 || rating > 5))
		rest_bad_request(h, "rating is 1 to 5.");
	else if (answer && !rest_text_ok(reply, rlen, STORE_FOLLOWUP_REPLY_MAX, 1))
		rest_bad_request(h, "reply is at most 2000 bytes of text.");
	else if (!(w = store_write_new(answer ? STW_FOLLOWUP_ANSWER : STW_FOLLOWUP_STOP)))
		api_http_fail(h, API_NOMEM, "Out of memory.");
	else {
		crypto_token_hash(token, tlen, w->u.followup.hash);
		w->u.followup.rating = (int)rating;
		snprintf(w->u.followup.reply, sizeof w->u.followup.reply, "%s",
			 rest_blank(reply) ? "" : reply);
		w->u.followup.at = app_now_ms();
		submit(h, w, NULL);
	}
	json_decref(root);
}

/* See net.h. */
void followup_public(struct call *k)
{
	get_public(k->h);
}

void followup_response(struct call *k)
{
	post_public(k->h, 1);
}

void followup_stop(struct call *k)
{
	post_public(k->h, 0);
}

void followup_new(struct call *k)
{
	post_new(k->h, k->staff, k->id[0]);
}

void followup_cancel(struct call *k)
{
	post_cancel(k->h, k->staff, k->id[0]);
}
