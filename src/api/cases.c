/* cases.c: opening hours on the loop and offline questions from patrons. A queue is
 * offline when its schedule says closed or nobody is on duty; the welcome and `queues`
 * frames say so with the next opening. `ask_offline` turns a question into a case: a
 * promise on the ledger first (owned by the library's first administrator, see
 * docs/DECISIONS.md, "Offline questions"), then the case row, then an acknowledgement
 * e-mail with the patron's view link. Loop thread only. docs/PROTOCOL.md. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/cases.h"
#include "api/errors.h"
#include "mail/message.h"
#include "util/crypto.h"
#include "util/log.h"

/* See cases.h. */
void schedule_from_store(struct schedule *s, const struct store_schedule *r)
{
	size_t i;

	memset(s, 0, sizeof *s);
	snprintf(s->tz, sizeof s->tz, "%s", strcmp(r->time_zone, "UTC") ? r->time_zone : "");
	for (i = 0; i < r->n_hours && i < SCHEDULE_INTERVALS_MAX; i++)
		s->hours[s->n_hours++] =
			(struct schedule_interval){r->hours[i][0], r->hours[i][1], r->hours[i][2]};
	for (i = 0; i < r->n_closed && i < SCHEDULE_CLOSED_MAX; i++)
		s->closed[s->n_closed++] = r->closed[i];
}

/* See cases.h. */
int cases_load_schedules(struct store_conn *sc)
{
	struct store_schedule *r = malloc(sizeof *r);
	size_t i, configured = 0;

	if (!r)
		return STORE_ERR;
	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];
		int rc = g_app->ops->schedule_get(sc, q->id, r);

		if (rc) {
			free(r);
			return rc;
		}
		schedule_from_store(&q->sched, r);
		q->reply_hours = r->reply_policy_hours > 0 ? r->reply_policy_hours : 24;
		configured += q->sched.n_hours > 0;
		q->hours_seen = -1;
	}
	free(r);
	log_info("load", "%zu queues with opening hours", configured);
	return 0;
}

/* Checks q's hours now (mktime under the TZ lock: not free, so at most every few seconds,
 * never per patron): sets hours_seen and, when closed, the next opening. Returns whether
 * open-by-hours changed. */
static int hours_check(struct queue *q, int64_t now)
{
	static const char *const days[7] = {"Sunday",	"Monday", "Tuesday", "Wednesday",
					    "Thursday", "Friday", "Saturday"};
	int open = schedule_is_open(&q->sched, now), was = q->hours_seen, wd, minute;
	int32_t date;

	q->hours_seen = open;
	q->next_open = 0;
	q->next_open_local[0] = '\0';
	if (!open && !schedule_next_open(&q->sched, now, &q->next_open)) {
		schedule_local(&q->sched, q->next_open, &wd, &date, &minute);
		snprintf(q->next_open_local, sizeof q->next_open_local, "%s %d:%02d", days[wd],
			 minute / 60, minute % 60);
	}
	return was != open;
}

/* See cases.h. */
const char *cases_library_tz(const struct library *lib)
{
	for (size_t i = 0; lib && i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		if (q->lib == lib && q->sched.tz[0])
			return q->sched.tz;
	}
	return "UTC";
}

/* See cases.h. */
void cases_notify(int64_t library_id, int64_t case_id, const char *why)
{
	for (struct ws_conn *c = g_app->net.ws_list; c; c = c->next) {
		struct buf b = {0};

		if (c->role != ROLE_STAFF || !c->staff || c->staff->lib->id != library_id ||
		    c->close_code)
			continue;
		frame_begin(&b, "case_changed");
		json_kint(&b, "case", case_id);
		json_kstr(&b, "why", why);
		frame_send(c, &b);
	}
}

/* See cases.h. Uses the last check (cases_tick), so a welcome costs no time zone work. */
void cases_queue_json(struct buf *b, struct queue *q)
{
	if (q->hours_seen < 0)
		hours_check(q, app_now_ms());
	json_kbool(b, "open", q->hours_seen && q->lib->staff_online > 0);
	json_kbool(b, "hours_open", q->hours_seen);
	json_kstr(b, "time_zone", q->sched.tz[0] ? q->sched.tz : "UTC");
	json_kbool(b, "offline_questions", outbox_can_send()); /* answered by e-mail */
	if (!q->hours_seen && q->next_open) {
		json_kint(b, "next_open", q->next_open);
		json_kstr(b, "next_open_local", q->next_open_local);
	} else {
		buf_puts(b, "\"next_open\":null,");
	}
}

/* See cases.h. Checked every few seconds: a queue opening or closing by its hours re-sends
 * its library's `queues`. */
void cases_tick(int64_t now)
{
	static int64_t last;
	size_t i;

	if (now - last < 5000)
		return;
	last = now;
	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		if (hours_check(q, now))
			q->lib->staff_dirty = 1; /* chat.c re-sends `queues` */
	}
}

/* ---- ask_offline ----------------------------------------------------------------------- */

struct ask {
	uint64_t conn_id;
	struct promise p; /* the ledger promise (owner_id 0: none) */
	struct store_write *kase; /* the case write, submitted after the promise */
	char token[CRYPTO_TOKEN_CHARS + 1];
};

static void ask_free(struct ask *a)
{
	sodium_memzero(a->token, sizeof a->token);
	store_write_free(a->kase);
	free(a);
}

static void fail(struct ask *a, enum api_err e, const char *msg)
{
	struct ws_conn *c = ws_find(&g_app->net, a->conn_id);

	if (c)
		api_ws_fail(c, e, msg, "ask_offline");
	ask_free(a);
}

/* See cases.h. */
int cases_mail(int64_t library_id, const char *to, const char *subject, const char *intro,
	       const char *quote, const char *url)
{
	struct library *lib = desk_library(g_app->desk, library_id);
	struct store_mail m = {0};
	struct buf text = {0}, html = {0};

	m.library_id = library_id;
	snprintf(m.kind, sizeof m.kind, "case");
	snprintf(m.to_addr, sizeof m.to_addr, "%s", to);
	mail_header_clean(m.subject, sizeof m.subject, subject);
	buf_printf(&text,
		   "%s\n\n%s\n\nSee the whole thread and reply on the web:\n%s\n\n"
		   "-- %s\n",
		   intro, quote, url, lib ? lib->name : "");
	buf_puts(&html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>");
	mail_html_text(&html, intro);
	buf_puts(&html, "</p><blockquote>");
	mail_html_text(&html, quote);
	buf_puts(&html, "</blockquote><p><a href=\"");
	mail_html_text(&html, url);
	buf_puts(&html, "\">See the thread and reply</a></p></body></html>");
	m.body_text = buf_take(&text, NULL);
	m.body_html = buf_take(&html, NULL);
	if (!m.body_text || !m.body_html) {
		free(m.body_text);
		free(m.body_html);
		buf_free(&text);
		buf_free(&html);
		return -1;
	}
	return outbox_queue(&m, NULL, NULL) == -1 ? -1 : 0;
}

static void case_done(struct store_write *w, int rc)
{
	struct ask *a = w->arg;
	struct ws_conn *c = ws_find(&g_app->net, a->conn_id);
	const struct store_case_write *k = &w->u.kase;
	struct library *lib = desk_library(g_app->desk, k->library_id);
	char url[512], intro[512], subject[256], when[64];
	struct buf b = {0};

	if (rc || !w->changed) {
		log_error("case", "cannot store an offline question: %s",
			  rc ? store_strerror(rc) : "no such queue or patron");
		fail(a, API_STORE_FAILED, "Could not save your question; try again.");
		return;
	}
	snprintf(url, sizeof url, "%s/case?t=%s", g_app->cfg.public_url, a->token);
	mail_when(when, k->reply_by, cases_library_tz(lib));
	snprintf(subject, sizeof subject, "We have your question \u2014 %s", lib ? lib->name : "");
	snprintf(intro, sizeof intro,
		 "Thank you. %s has your question (case %lld) and will "
		 "answer by e-mail by %s. You asked:",
		 lib ? lib->name : "The library", (long long)k->id, when);
	if (cases_mail(k->library_id, k->email, subject, intro, k->text, url))
		log_error("case", "case %lld: cannot queue the acknowledgement", (long long)k->id);
	sodium_memzero(url, sizeof url);
	cases_notify(k->library_id, k->id, "new");
	if (c) {
		frame_begin(&b, "case_created");
		buf_puts(&b, "\"case\":{");
		json_kint(&b, "id", k->id);
		json_kint(&b, "queue", k->queue_id);
		json_kint(&b, "reply_by", k->reply_by);
		json_kstr(&b, "state", "open");
		json_close(&b, '}');
		buf_putc(&b, ',');
		json_kstr(&b, "mail", outbox_mail_word());
		frame_send(c, &b);
	}
	ask_free(a);
}

static void submit_case(struct ask *a)
{
	struct store_write *w = a->kase;

	a->kase = NULL; /* the writer's now; case_done runs even if it is stopping */
	w->u.kase.promise_id = a->p.id;
	w->done = case_done;
	w->arg = a;
	(void)writer_submit(g_app->writer, w);
}

static void promise_done(struct store_write *w, int rc)
{
	struct ask *a = w->arg;

	if (rc || !w->changed) {
		log_warn("case", "no promise for an offline question: %s",
			 rc ? store_strerror(rc) : "refused");
		a->p.id = 0;
	} else {
		a->p.id = w->u.promise.id;
		promises_changed(&a->p);
	}
	submit_case(a);
}

/* The library's first administrator, else its first librarian; NULL if it has none. */
static struct staff *case_owner(const struct library *lib)
{
	struct staff *best = NULL;
	size_t i;

	for (i = 0; i < g_app->desk->n_staff; i++) {
		struct staff *s = g_app->desk->staff[i];

		if (s->lib != lib)
			continue;
		if (!best || (desk_staff_admin(s) && !desk_staff_admin(best)) ||
		    (desk_staff_admin(s) == desk_staff_admin(best) && s->id < best->id))
			best = s;
	}
	return best;
}

#define CASE_PROMISE_WHAT "an answer to your question"

/* Checks what a patron asks (queue, text, e-mail, the library's mail, the rate): 0 if it
 * may be kept, else -1 after answering the error. */
static int ask_checked(struct ws_conn *c, const struct cmd *cmd, const struct queue *q, int64_t now)
{
	if (!q || q->lib != c->lib) {
		api_ws_fail(c, API_NOT_FOUND, "No such queue.", "ask_offline");
		return -1;
	}
	if (!rest_text_ok(cmd->text, cmd->text_len, STORE_CASE_TEXT_MAX, 1) ||
	    strlen(cmd->text) != cmd->text_len || rest_blank(cmd->text)) {
		api_ws_fail(c, API_BAD_TEXT, "Write your question (at most 4000 bytes).",
			    "ask_offline");
		return -1;
	}
	if (!outbox_can_send()) { /* the answer would go by e-mail: do not pretend */
		api_ws_fail(c, API_MAIL_UNAVAILABLE,
			    "This library cannot send e-mail right now, so it cannot answer a "
			    "question left here. Please come back when the desk is open.",
			    "ask_offline");
		return -1;
	}
	if (!mail_addr_valid(cmd->email)) {
		api_ws_fail(c, API_BAD_EMAIL, "That is not an e-mail address we can send to.",
			    "ask_offline");
		return -1;
	}
	if (!outbox_patron_allowed(c->patron->id, now)) {
		api_ws_fail(c, API_RATE_LIMITED, "You have sent many questions; try again later.",
			    "ask_offline");
		return -1;
	}
	return 0;
}

/* The desk's promise of an answer, made on the owner's behalf; the case is stored after
 * it (promise_done). */
static void submit_promise(struct ask *a, const struct staff *owner, int64_t now, int64_t reply_by)
{
	struct store_write *w = store_write_new(STW_PROMISE_ADD);
	struct store_promise_write *r;

	if (!w || !(w->u.promise.text = strdup(CASE_PROMISE_WHAT))) {
		store_write_free(w);
		fail(a, API_NOMEM, NULL);
		return;
	}
	r = &w->u.promise;
	r->library_id = a->kase->u.kase.library_id;
	r->patron_id = a->kase->u.kase.patron_id;
	r->owner_id = owner->id;
	r->by = owner->id; /* made by the desk on the owner's behalf */
	r->at = now;
	r->due_at = reply_by;
	snprintf(r->channel, sizeof r->channel, "email");
	a->p = (struct promise){.library_id = r->library_id,
				.patron_id = r->patron_id,
				.owner_id = r->owner_id,
				.created_by = r->by,
				.created_at = now,
				.due_at = reply_by,
				.state = PROMISE_OPEN,
				.channel = PROMISE_EMAIL};
	snprintf(a->p.what, sizeof a->p.what, "%s", CASE_PROMISE_WHAT);
	w->done = promise_done;
	w->arg = a;
	(void)writer_submit(g_app->writer, w); /* promise_done runs either way */
}

/* See cases.h. Patrons only (the command table checks the role). */
void cases_cmd_ask_offline(struct ws_conn *c, struct cmd *cmd)
{
	struct queue *q = desk_queue(g_app->desk, cmd->queue);
	int64_t now = app_now_ms(), reply_by = 0;
	struct staff *owner;
	struct ask *a;

	if (!c->patron || ask_checked(c, cmd, q, now))
		return;
	if (schedule_reply_by(&q->sched, now, q->reply_hours, &reply_by))
		reply_by = now + (int64_t)q->reply_hours * 3600 * 1000;
	a = calloc(1, sizeof *a);
	if (!a || !(a->kase = store_write_new(STW_CASE_ADD)) ||
	    !(a->kase->u.kase.text = strndup(cmd->text, cmd->text_len))) {
		if (a)
			ask_free(a);
		api_ws_fail(c, API_NOMEM, "Out of memory.", "ask_offline");
		return;
	}
	a->conn_id = c->id;
	crypto_token(a->token);
	{
		struct store_case_write *k = &a->kase->u.kase;

		k->library_id = c->lib->id;
		k->queue_id = q->id;
		k->patron_id = c->patron->id;
		k->at = now;
		k->reply_by = reply_by;
		snprintf(k->email, sizeof k->email, "%s", cmd->email);
		crypto_token_hash(a->token, strlen(a->token), k->token_hash);
	}
	owner = case_owner(c->lib);
	if (owner)
		submit_promise(a, owner, now, reply_by);
	else
		submit_case(a);
}
