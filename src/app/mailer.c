/* outbox.c: the e-mail outbox on the loop: queueing mails, handing due ones to the sender
 * thread, writing back what happened, the admins' dead-letter routes (docs/API.md), and
 * the mail part of /healthz. docs/DECISIONS.md ("E-mail") explains the states.
 *
 * One round: a worker reads the due rows (and the counts); the loop claims each one
 * (queued -> sending, through the writer); a claimed row goes to the sender thread; its
 * result comes back through the loop, which writes sent, queued-for-later or dead. The
 * next round starts when every result of the last one has committed, so a row is never
 * in two hands at once. The loop itself never waits on SMTP or on the disk. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/cases.h"
#include "api/errors.h"
#include "api/routes.h"
#include "mail/message.h"
#include "mail/sender.h"
#include "util/log.h"

#define TAG "outbox"
#define BATCH 32
#define LIST_MAX 100
#define IDLE_SCAN_MS 5000 /* counts for /healthz when no SMTP server is configured */
#define RATE_WINDOW_MS (3600LL * 1000)

static struct {
	int ready; /* rows left in `sending` by a crash are back to queued */
	int stopped;
	int scanning; /* a worker read is under way */
	int again; /* the last scan was a full batch: scan again at once */
	size_t in_flight; /* claimed rows whose result has not committed */
	int64_t next_scan; /* app_now_ms() after which to scan */
	int64_t queued, dead; /* from the last scan */
	uint64_t sent, failed; /* since start */
	struct mail_sender *sender;
	struct idmap rates; /* patron id -> struct rate */
} ob;

struct rate {
	int64_t since;
	int n;
};

static int smtp_on(void)
{
	return g_app->cfg.smtp_url[0] && ob.sender;
}

static void scan(void);

/* ---- results --------------------------------------------------------------------------- */

static void settled(void)
{
	if (ob.in_flight)
		ob.in_flight--;
	if (!ob.in_flight && ob.again)
		ob.next_scan = 0;
}

static void result_done(struct store_write *w, int rc)
{
	if (rc)
		log_error(TAG, "cannot record the result of mail %lld: %s", (long long)w->u.mail.id,
			  store_strerror(rc));
	settled();
	if (!ob.stopped && !ob.in_flight && ob.again)
		scan();
}

static int64_t backoff_ms(int attempts)
{
	int64_t d = g_app->cfg.mail_retry_ms > 0 ? g_app->cfg.mail_retry_ms : 1;
	int64_t max = g_app->cfg.mail_retry_max_ms > 0 ? g_app->cfg.mail_retry_max_ms : d;

	for (int i = 1; i < attempts && d < max; i++)
		d *= 2;
	return d < max ? d : max;
}

/* Writes what became of one job (the row is `sending`, claimed by this process). */
static void record(struct mail_job *j, int64_t now)
{
	struct store_write *w = store_write_new(STW_MAIL_RESULT);
	struct store_mail *m;

	if (!w) {
		log_error(TAG, "out of memory: mail %lld stays sending until a restart",
			  (long long)j->m.id);
		settled();
		return;
	}
	m = &w->u.mail;
	m->id = j->m.id;
	snprintf(m->last_error, sizeof m->last_error, "%s", j->error);
	switch (j->result) {
	case MAIL_SENT:
		snprintf(m->state, sizeof m->state, "sent");
		m->sent_at = now;
		m->next_attempt_at = j->m.next_attempt_at;
		ob.sent++;
		break;
	case MAIL_UNSENT:
		snprintf(m->state, sizeof m->state, "queued");
		m->next_attempt_at = now;
		break;
	case MAIL_RETRY:
	case MAIL_PERMANENT:
		ob.failed++;
		if (j->result == MAIL_PERMANENT || j->m.attempts >= g_app->cfg.mail_attempts) {
			snprintf(m->state, sizeof m->state, "dead");
			m->next_attempt_at = j->m.next_attempt_at;
			log_warn(TAG, "mail %lld is dead after %d attempts: %s", (long long)m->id,
				 j->m.attempts, j->error);
		} else {
			snprintf(m->state, sizeof m->state, "queued");
			m->next_attempt_at = now + backoff_ms(j->m.attempts);
		}
		break;
	}
	w->done = result_done;
	if (writer_submit(g_app->writer, w))
		log_warn(TAG, "mail %lld: the writer is stopping", (long long)m->id);
}

/* See net.h. */
void outbox_wake(void)
{
	struct mail_job *j, *n;
	int64_t now = app_now_ms();

	if (!ob.sender)
		return;
	for (j = mail_sender_take(ob.sender); j; j = n) {
		n = j->next;
		record(j, now);
		mail_job_free(j);
	}
}

/* ---- claiming -------------------------------------------------------------------------- */

static void claim_done(struct store_write *w, int rc)
{
	struct mail_job *j = w->arg;
	struct library *lib;

	if (rc || !w->changed || ob.stopped || !ob.sender) {
		/* not ours (or stopping): a row left in `sending` is recovered at start */
		mail_job_free(j);
		settled();
		return;
	}
	j->m.attempts++;
	lib = desk_library(g_app->desk, j->m.library_id);
	snprintf(j->from_name, sizeof j->from_name, "%s", lib ? lib->name : "");
	mail_sender_submit(ob.sender, j);
}

struct scan_job {
	struct worker_job job;
	int want_due;
	int64_t now;
	int rc;
	int64_t queued, dead;
	struct mail_job *head, *tail;
	size_t n;
};

static int due_cb(void *ctx, const struct store_mail *r)
{
	struct scan_job *s = ctx;
	struct mail_job *j = mail_job_new(r, "");

	if (!j)
		return STORE_ERR;
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	s->n++;
	return 0;
}

static void scan_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct scan_job *s = (struct scan_job *)job;

	s->rc = ops->mail_counts(sc, &s->queued, &s->dead);
	if (!s->rc && s->want_due)
		s->rc = ops->mail_due(sc, s->now, BATCH, due_cb, s);
}

static void scan_done(struct worker_job *job)
{
	struct scan_job *s = (struct scan_job *)job;
	struct mail_job *j, *n;

	ob.scanning = 0;
	if (s->rc)
		log_error(TAG, "cannot read the outbox: %s", store_strerror(s->rc));
	else {
		ob.queued = s->queued;
		ob.dead = s->dead;
	}
	ob.again = !s->rc && s->n == BATCH;
	for (j = s->head; j; j = n) {
		struct store_write *w;

		n = j->next;
		j->next = NULL;
		w = ob.stopped || s->rc ? NULL : store_write_new(STW_MAIL_CLAIM);
		if (!w) {
			mail_job_free(j);
			continue;
		}
		w->u.mail.id = j->m.id;
		w->done = claim_done;
		w->arg = j;
		ob.in_flight++;
		if (writer_submit(g_app->writer, w))
			log_warn(TAG, "cannot claim mail %lld: the writer is stopping",
				 (long long)j->m.id);
	}
	free(s);
}

/* Starts a round: a worker reads the counts and, with a sender, the due rows. */
static void scan(void)
{
	struct scan_job *s;
	int64_t now = app_now_ms();

	if (!ob.ready || ob.stopped || ob.scanning || ob.in_flight)
		return;
	s = calloc(1, sizeof *s);
	if (!s)
		return;
	s->job.run = scan_run;
	s->job.done = scan_done;
	s->want_due = smtp_on();
	s->now = now;
	ob.scanning = 1;
	ob.again = 0;
	ob.next_scan = now + (smtp_on() ? 1000 : IDLE_SCAN_MS);
	if (api_submit(NULL, &s->job, NULL))
		ob.scanning = 0; /* the workers are full: the next tick tries again */
}

/* ---- start, tick, stop ------------------------------------------------------------------ */

static void sender_notify(void *ctx)
{
	uv_async_send(&g_app->wake);
}

static void recover_done(struct store_write *w, int rc)
{
	const struct server_config *cfg = &g_app->cfg;

	if (rc) {
		log_error(TAG, "cannot recover the outbox: %s; no mail is sent",
			  store_strerror(rc));
		return;
	}
	if (w->changed)
		log_warn(TAG,
			 "%d mail(s) were being sent when rapport stopped; sending again "
			 "with the same Message-ID",
			 w->changed);
	ob.ready = 1;
	if (ob.stopped)
		return;
	if (cfg->smtp_url[0]) {
		struct mail_smtp smtp = {0};

		snprintf(smtp.url, sizeof smtp.url, "%s", cfg->smtp_url);
		smtp.starttls = cfg->smtp_starttls;
		snprintf(smtp.user, sizeof smtp.user, "%s", cfg->smtp_user);
		snprintf(smtp.password, sizeof smtp.password, "%s", cfg->smtp_password);
		snprintf(smtp.from, sizeof smtp.from, "%s", cfg->mail_from);
		smtp.timeout_s = cfg->mail_timeout;
		if (mail_sender_start(&smtp, sender_notify, NULL, &ob.sender))
			log_error(TAG, "cannot start the sender thread; mails stay queued");
		else
			log_info(TAG, "sending mail through %s", cfg->smtp_url);
		sodium_memzero(smtp.password, sizeof smtp.password);
	} else {
		log_info(TAG, "no SMTP server configured (--smtp-url): patrons are told e-mail "
			      "cannot be sent");
	}
	scan();
}

/* See net.h. */
int outbox_start(void)
{
	struct store_write *w = store_write_new(STW_MAIL_RECOVER);

	memset(&ob, 0, sizeof ob);
	if (!w)
		return -1;
	w->done = recover_done;
	return writer_submit(g_app->writer, w) ? -1 : 0;
}

static void prune_rate(void *ctx, int64_t id, void *val)
{
	struct rate *r = val;
	int64_t *ids = ctx;

	if (app_now_ms() - r->since >= RATE_WINDOW_MS && ids[0] < 64)
		ids[++ids[0]] = id;
}

/* See net.h. */
void outbox_tick(int64_t now)
{
	int64_t ids[65] = {0};

	if (ob.ready && now >= ob.next_scan)
		scan();
	idmap_each(&ob.rates, prune_rate, ids);
	for (int64_t i = 1; i <= ids[0]; i++)
		free(idmap_del(&ob.rates, ids[i]));
}

/* See net.h. */
void outbox_kick(void)
{
	ob.next_scan = 0;
	scan();
}

/* See net.h. */
void outbox_stop(void)
{
	ob.stopped = 1;
	if (!ob.sender)
		return;
	mail_sender_stop(ob.sender);
	outbox_wake(); /* results (and unsent jobs) are written before the writer stops */
}

/* See net.h. */
void outbox_free(void)
{
	struct idmap *m = &ob.rates;

	mail_sender_free(ob.sender);
	ob.sender = NULL;
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			free(m->vals[i]);
	idmap_free(m);
}

/* See net.h. */
int outbox_patron_allowed(int64_t patron_id, int64_t now)
{
	struct rate *r = idmap_get(&ob.rates, patron_id);

	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r || idmap_put(&ob.rates, patron_id, r)) {
			free(r);
			return 0;
		}
		r->since = now;
	}
	if (now - r->since >= RATE_WINDOW_MS) {
		r->since = now;
		r->n = 0;
	}
	if (r->n >= g_app->cfg.patron_mails)
		return 0;
	r->n++;
	return 1;
}

/* See net.h. */
int outbox_can_send(void)
{
	return g_app->cfg.smtp_url[0] != '\0';
}

/* See net.h. */
const char *outbox_mail_word(void)
{
	return outbox_can_send() ? "queued" : "undeliverable";
}

#define NO_SMTP "no SMTP server is configured (--smtp-url)"

/* See net.h. `undeliverable` counts what will not arrive as things stand: dead letters,
 * and with no SMTP server every queued mail too. */
void outbox_health_json(struct buf *b)
{
	buf_puts(b, "\"mail\":{");
	json_kbool(b, "smtp", outbox_can_send());
	json_kstr(b, "status",
		  !outbox_can_send() ? "undeliverable"
		  : smtp_on()	     ? "sending"
				     : "starting");
	if (!outbox_can_send())
		json_kstr(b, "reason", NO_SMTP);
	json_kint(b, "queued", ob.queued);
	json_kint(b, "undeliverable", ob.dead + (outbox_can_send() ? 0 : ob.queued));
	json_kint(b, "dead", ob.dead);
	json_kint(b, "sent", (int64_t)ob.sent);
	json_kint(b, "failed_attempts", (int64_t)ob.failed);
	json_close(b, '}');
	buf_putc(b, ',');
}

/* ---- queueing ------------------------------------------------------------------------------ */

struct queue_op {
	outbox_done_fn done;
	void *arg;
};

static void queue_done(struct store_write *w, int rc)
{
	struct queue_op *o = w->arg;

	if (rc)
		log_error(TAG, "cannot queue a mail: %s", store_strerror(rc));
	else
		log_info(TAG, "mail %lld queued (%s) %s", (long long)w->u.mail.id, w->u.mail.kind,
			 w->u.mail.message_id);
	if (o->done)
		o->done(o->arg, rc);
	free(o);
	if (!rc && !ob.stopped)
		outbox_kick();
}

/* See net.h. */
int outbox_queue(struct store_mail *m, outbox_done_fn done, void *arg)
{
	struct store_write *w = store_write_new(STW_MAIL_QUEUE);
	struct queue_op *o = w ? calloc(1, sizeof *o) : NULL;
	int64_t now = app_now_ms();

	if (!o || !mail_addr_valid(m->to_addr)) {
		free(o);
		store_write_free(w);
		free(m->body_text);
		free(m->body_html);
		m->body_text = m->body_html = NULL;
		return -1;
	}
	w->u.mail = *m;
	m->body_text = m->body_html = NULL; /* the write owns them now */
	mail_new_message_id(w->u.mail.message_id, g_app->cfg.mail_from);
	w->u.mail.created_at = now;
	w->u.mail.next_attempt_at = now;
	o->done = done;
	o->arg = arg;
	w->done = queue_done;
	w->arg = o;
	if (writer_submit(g_app->writer, w))
		return -2; /* queue_done still runs, with an error */
	return 0;
}

/* ---- REST: dead letters for admins ------------------------------------------------------- */

struct list_job {
	struct worker_job job;
	uint64_t http_id;
	int64_t library_id;
	char state[8];
	int rc;
	int64_t queued, sent, dead;
	struct buf out;
};

static int list_cb(void *ctx, const struct store_mail *r)
{
	struct list_job *j = ctx;

	buf_putc(&j->out, '{');
	json_kint(&j->out, "id", r->id);
	json_kstr(&j->out, "kind", r->kind);
	json_kstr(&j->out, "to", r->to_addr);
	json_kstr(&j->out, "subject", r->subject);
	json_kstr(&j->out, "state", r->state);
	json_kint(&j->out, "attempts", r->attempts);
	json_kstr(&j->out, "last_error", r->last_error);
	json_kstr(&j->out, "message_id", r->message_id);
	json_kint(&j->out, "created_at", r->created_at);
	json_kint(&j->out, "next_attempt_at", r->next_attempt_at);
	json_kint(&j->out, "sent_at", r->sent_at);
	json_close(&j->out, '}');
	buf_putc(&j->out, ',');
	return 0;
}

static void list_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct list_job *j = (struct list_job *)job;

	buf_puts(&j->out, "{\"mails\":[");
	j->rc = ops->mail_list(sc, j->library_id, j->state, LIST_MAX, list_cb, j);
	json_close(&j->out, ']');
	buf_putc(&j->out, ',');
	if (!j->rc)
		j->rc = ops->mail_summary(sc, j->library_id, &j->queued, &j->sent, &j->dead);
}

static void list_done(struct worker_job *job)
{
	struct list_job *j = (struct list_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);

	if (h && j->rc) {
		api_http_fail(h, API_STORE_FAILED, "Could not read; try again.");
	} else if (h) {
		/* the same words as /healthz: with no SMTP server, queued mail is undeliverable */
		buf_puts(&j->out, "\"summary\":{");
		json_kbool(&j->out, "smtp", outbox_can_send());
		json_kstr(&j->out, "status", outbox_can_send() ? "sending" : "undeliverable");
		if (!outbox_can_send())
			json_kstr(&j->out, "reason", NO_SMTP);
		json_kint(&j->out, "queued", j->queued);
		json_kint(&j->out, "sent", j->sent);
		json_kint(&j->out, "dead", j->dead);
		json_kint(&j->out, "undeliverable", j->dead + (outbox_can_send() ? 0 : j->queued));
		json_close(&j->out, '}');
		buf_putc(&j->out, ',');
		json_kstr(&j->out, "time_zone",
			  cases_library_tz(desk_library(g_app->desk, j->library_id)));
		json_close(&j->out, '}');
		rest_respond_buf(h, 200, &j->out);
	}
	buf_free(&j->out);
	free(j);
}

static void retry_done(struct store_write *w, int rc)
{
	uint64_t *http_id = w->arg;
	struct http_conn *h = http_find(&g_app->net, *http_id);

	free(http_id);
	if (!rc && w->changed && !ob.stopped)
		outbox_kick();
	if (!rest_write_failed(h, rc, w->changed, API_NOT_FOUND, "No dead mail with that id."))
		rest_respond_ok(h);
}

/* See net.h. */
void outbox_list(struct call *k)
{
	struct http_conn *h = k->h;
	static const char *states[] = {"dead", "queued", "sending", "sent"};
	struct staff *st = k->staff;
	struct list_job *j;
	char arg[32];
	const char *v, *state = "dead";

	if ((v = http_query_arg(h, "state=", arg, sizeof arg))) {
		state = NULL;
		for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
			if (!strcmp(v, states[i]))
				state = states[i];
		if (!state) {
			rest_bad_request(h, "state is dead, queued, sending or sent.");
			return;
		}
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	j->job.run = list_run;
	j->job.done = list_done;
	j->http_id = h->id;
	j->library_id = st->lib->id;
	snprintf(j->state, sizeof j->state, "%s", state);
	api_submit_http(h, &j->job, NULL);
	return;
}

/* See net.h. */
void outbox_retry(struct call *k)
{
	struct http_conn *h = k->h;
	int64_t id = k->id[0];
	struct staff *st = k->staff;
	struct store_write *w;
	uint64_t *arg;

	w = store_write_new(STW_MAIL_RETRY);
	arg = w ? malloc(sizeof *arg) : NULL;
	if (!arg) {
		store_write_free(w);
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	*arg = h->id;
	w->u.mail.id = id;
	w->u.mail.library_id = st->lib->id;
	w->u.mail.next_attempt_at = app_now_ms();
	w->done = retry_done;
	w->arg = arg;
	if (writer_submit(g_app->writer, w))
		log_warn(TAG, "retry of mail %lld: the writer is stopping", (long long)id);
	return;
}
