/* patron_mail.c: what a patron can have e-mailed: a chat's transcript (`email_transcript`)
 * and a single-use sign-in link to carry their identity to another browser
 * (`signin_link`, exchanged by `hello` with "signin"); docs/PROTOCOL.md.
 *
 * A transcript holds one chat of the asking patron and nothing else: the chat is checked
 * to be theirs (in memory, or on the row read from the store), its patron is written as
 * "You", librarians by name. Both commands answer only once the mail is queued durably;
 * the outbox delivers it (outbox.c). Each patron may ask for --patron-mails per hour. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/async.h"
#include "api/cases.h"
#include "api/errors.h"
#include "mail/message.h"
#include "util/crypto.h"
#include "util/log.h"

#define TAG "mail"
#define TRANSCRIPT_MAX (512 * 1024) /* bytes of text; longer chats are cut, with a note */

/* ---- the transcript text ---------------------------------------------------------------- */

struct line {
	int64_t at;
	enum author author;
	int64_t author_id;
	int event;
	const char *text;
};

/* The library's UTC offset, worked out once per UTC hour of a transcript (zones change
 * offset on whole UTC hours), so a long chat costs a few time zone look-ups on the loop,
 * not one per line. */
struct tz_cache {
	const char *tz;
	int64_t hour; /* ms / 3600000 of the last look-up; -1: none */
	int offset; /* minutes east of UTC then */
};

/* The time of day of ms in the library's zone: "2:24 pm", as mail_when writes it. */
static void hhmm(char out[16], int64_t ms, struct tz_cache *z)
{
	int64_t utc_min = ms / 60000 % 1440, m;
	int h;

	if (z->hour != ms / 3600000) {
		struct schedule *s = calloc(1, sizeof *s);
		int wd, minute = (int)utc_min;
		int32_t date = 0;
		time_t t = (time_t)(ms / 1000);
		struct tm tm;

		if (s) {
			snprintf(s->tz, sizeof s->tz, "%s", strcmp(z->tz, "UTC") ? z->tz : "");
			schedule_local(s, ms, &wd, &date, &minute);
			free(s);
		}
		gmtime_r(&t, &tm);
		z->offset = minute - (int)utc_min;
		if (date && date > (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday)
			z->offset += 1440;
		else if (date &&
			 date < (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday)
			z->offset -= 1440;
		z->hour = ms / 3600000;
	}
	m = ((utc_min + z->offset) % 1440 + 1440) % 1440;
	h = (int)(m / 60 % 12);
	snprintf(out, 16, "%d:%02d %s", h ? h : 12, (int)(m % 60), m < 720 ? "am" : "pm");
}

/* Who wrote a line, as the patron reads it: "You", or their name while remembered. NULL:
 * not to be shown (never another patron's words: a chat has one patron, and anything else
 * is left out). */
static const char *who(const struct line *l, int64_t patron_id)
{
	struct staff *s;

	if (l->author == AUTHOR_PATRON) {
		const char *n = l->author_id == patron_id ? patron_label(patron_id) : NULL;

		return !n ? NULL : strcmp(n, "Patron") ? n : "You"; /* their name, if remembered */
	}
	if (l->author == AUTHOR_STAFF) {
		s = desk_staff(g_app->desk, l->author_id);
		return s ? s->name : "A librarian";
	}
	return "";
}

/* A hand-off's event in the patron's words (web/chat.js says the same); 0 if l is not
 * one. */
static int handoff_text(struct buf *b, const struct line *l, const char *name)
{
	const struct staff *s;

	if (!strcmp(l->text, "handoff_offered") && !name[0]) {
		buf_puts(b, "Your librarian is asking a colleague to join, and stays with you "
			    "meanwhile.");
	} else if (!strcmp(l->text, "handoff_offered")) {
		/* "Jen" of "Jen Ortiz" the second time; the whole name after "Dr." or "J." */
		int first = (int)strcspn(name, " ");

		if (first == 0 || name[first - 1] == '.')
			first = (int)strlen(name);
		buf_printf(b, "%s is asking a colleague to join; %.*s stays with you meanwhile.",
			   name, first, name);
	} else if (!strcmp(l->text, "someone_else")) {
		buf_puts(b, "You asked if someone else could help; we're asking a colleague.");
	} else if (!strcmp(l->text, "handoff_accepted")) {
		s = l->author == AUTHOR_STAFF ? desk_staff(g_app->desk, l->author_id) : NULL;
		buf_puts(b, name[0] ? name : "A librarian");
		if (s && s->subjects[0])
			buf_printf(b, " (%s)", s->subjects);
		buf_puts(b, " has read your conversation and is joining.");
	} else if (!strcmp(l->text, "handoff_returned")) {
		buf_printf(b, "%s is still with you.", name[0] ? name : "Your librarian");
	} else {
		return 0;
	}
	return 1;
}

/* One line of the transcript, or 0 if it is not shown. */
static int line_text(struct buf *b, const struct line *l, int64_t patron_id, struct tz_cache *z)
{
	const char *name = who(l, patron_id);
	char t[16];

	if (!name)
		return 0;
	hhmm(t, l->at, z);
	buf_printf(b, "[%s] ", t);
	if (!l->event) {
		buf_printf(b, "%s: %s", name, l->text);
	} else if (!strcmp(l->text, "joined")) {
		buf_printf(b, "%s joined the chat.", name[0] ? name : "A librarian");
	} else if (!strcmp(l->text, "ended")) {
		buf_puts(b, "The chat ended.");
	} else if (!strcmp(l->text, "abandoned")) {
		buf_puts(b, "The chat was closed before a librarian joined.");
	} else if (!strcmp(l->text, "handed_back")) {
		buf_printf(b,
			   "%s had to leave; the chat went back to the queue for another "
			   "librarian.",
			   name[0] ? name : "Your librarian");
	} else if (!handoff_text(b, l, name)) {
		buf_printf(b, "(%s)", l->text);
	}
	return 1;
}

/* Fills m's subject and bodies (malloc'd) for the transcript of chat_id. */
static int transcript_mail(struct store_mail *m, const struct library *lib, int64_t chat_id,
			   int64_t patron_id, const char *staff_name, int64_t started,
			   const struct line *lines, size_t n)
{
	struct buf text = {0}, html = {0}, one = {0};
	const char *tz = cases_library_tz(lib);
	struct tz_cache z = {tz, -1, 0};
	char date[64];
	size_t i;

	if (staff_name && staff_name[0])
		buf_printf(&one, "Your chat with %s \u2014 %s", staff_name, lib->name);
	else
		buf_printf(&one, "Your chat with %s", lib->name);
	buf_put(&one, "", 1);
	/* cut to fit on a character boundary, controls made spaces */
	mail_header_clean(m->subject, sizeof m->subject, one.oom ? "" : one.data);
	mail_when(date, started, tz);
	buf_printf(&text,
		   "Transcript of your chat with %s (chat %lld, %s).\n"
		   "Times are the library's local time.\n\n",
		   lib->name, (long long)chat_id, date);
	buf_puts(&html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>");
	mail_html_text(&html, lib->name);
	buf_printf(&html,
		   ": transcript of chat %lld, %s. Times are the library's local time."
		   "</p><ul>",
		   (long long)chat_id, date);
	for (i = 0; i < n; i++) {
		one.len = 0;
		if (!line_text(&one, &lines[i], patron_id, &z))
			continue;
		if (text.len + one.len > TRANSCRIPT_MAX) {
			buf_puts(&text, "(The rest of this long chat is left out.)\n");
			break;
		}
		buf_put(&one, "", 1);
		buf_puts(&text, one.data);
		buf_putc(&text, '\n');
		buf_puts(&html, "<li>");
		mail_html_text(&html, one.data);
		buf_puts(&html, "</li>");
	}
	buf_puts(&text, "\nYou asked for this transcript in the chat. If you did not, you can "
			"ignore this message.\n");
	buf_puts(&html, "</ul><p>You asked for this transcript in the chat. If you did not, "
			"you can ignore this message.</p></body></html>");
	buf_free(&one);
	m->body_text = buf_take(&text, NULL);
	m->body_html = buf_take(&html, NULL);
	if (!m->body_text || !m->body_html) {
		free(m->body_text);
		free(m->body_html);
		buf_free(&text);
		buf_free(&html);
		return -1;
	}
	return 0;
}

/* ---- answering once queued ----------------------------------------------------------------- */

struct mail_op {
	uint64_t conn_id;
	const char *ref; /* the frame type */
	int64_t chat;
};

static void queued_done(void *arg, int rc)
{
	struct mail_op *o = arg;
	struct ws_conn *c = ws_find(&g_app->net, o->conn_id);
	struct buf b = {0};

	if (c && rc) {
		api_ws_fail(c, API_STORE_FAILED, "Could not queue the e-mail; try again.", o->ref);
	} else if (c && !strcmp(o->ref, "email_transcript")) {
		frame_begin(&b, "emailed");
		json_kint(&b, "chat", o->chat);
		json_kstr(&b, "mail", outbox_mail_word());
		frame_send(c, &b);
	} else if (c) {
		frame_begin(&b, "signin_sent");
		json_kstr(&b, "mail", outbox_mail_word());
		json_kint(&b, "expires_in", g_app->cfg.signin_ttl);
		frame_send(c, &b);
	}
	free(o);
}

/* Queues m (taking its bodies) and answers c when it is durable. */
static void queue_for(struct ws_conn *c, struct store_mail *m, const char *ref, int64_t chat)
{
	struct mail_op *o = calloc(1, sizeof *o);
	int rc;

	if (!o) {
		free(m->body_text);
		free(m->body_html);
		api_ws_fail(c, API_NOMEM, "Out of memory.", ref);
		return;
	}
	o->conn_id = c->id;
	o->ref = ref;
	o->chat = chat;
	rc = outbox_queue(m, queued_done, o);
	if (rc == -1) {
		free(o);
		api_ws_fail(c, API_QUEUE_FULL, "Could not queue the e-mail.", ref);
	}
}

/* ---- email_transcript ------------------------------------------------------------------------ */

struct transcript_job {
	struct worker_job job;
	uint64_t conn_id;
	int64_t patron_id, chat_id;
	char to[PROTO_EMAIL_MAX + 1];
	int rc;
	struct store_chat row;
	struct line *lines;
	size_t n, cap;
	struct buf bodies; /* the texts the lines point into, as offsets until done */
};

static int msg_cb(void *ctx, const struct store_message *m)
{
	struct transcript_job *j = ctx;

	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 64;
		struct line *v = realloc(j->lines, cap * sizeof *v);

		if (!v)
			return STORE_ERR;
		j->lines = v;
		j->cap = cap;
	}
	j->lines[j->n] = (struct line){
		.at = m->created_at,
		.author = desk_author_of_store(m->author),
		.author_id = m->author_id,
		.event = m->kind == STORE_MSG_EVENT,
		.text = (const char *)(uintptr_t)j->bodies.len, /* an offset for now */
	};
	j->n++;
	buf_put(&j->bodies, m->body, strlen(m->body) + 1);
	return j->bodies.oom ? STORE_ERR : 0;
}

static void transcript_run(struct worker_job *job, const struct store_ops *ops,
			   struct store_conn *sc)
{
	struct transcript_job *j = (struct transcript_job *)job;

	j->rc = ops->chat_get(sc, j->chat_id, &j->row);
	if (!j->rc && j->row.patron_id != j->patron_id)
		j->rc = STORE_NOTFOUND; /* not theirs: read nothing of it */
	if (!j->rc)
		j->rc = ops->messages(sc, j->chat_id, 0, 0, msg_cb, j);
}

static void send_transcript(struct ws_conn *c, int64_t chat_id, int64_t staff_id, int64_t started,
			    const struct line *lines, size_t n, const char *to)
{
	struct store_mail m = {0};
	struct staff *s = staff_id ? desk_staff(g_app->desk, staff_id) : NULL;

	m.library_id = c->lib->id;
	snprintf(m.kind, sizeof m.kind, "transcript");
	snprintf(m.to_addr, sizeof m.to_addr, "%s", to);
	if (transcript_mail(&m, c->lib, chat_id, c->patron->id, s ? s->name : NULL, started, lines,
			    n)) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "email_transcript");
		return;
	}
	queue_for(c, &m, "email_transcript", chat_id);
}

static void transcript_done(struct worker_job *job)
{
	struct transcript_job *j = (struct transcript_job *)job;
	struct ws_conn *c = ws_find(&g_app->net, j->conn_id);
	size_t i;

	if (!c || !c->patron || c->patron->id != j->patron_id)
		goto out;
	if (j->rc == STORE_NOTFOUND) {
		api_ws_fail(c, API_NOT_FOUND, "No chat of yours with that id.", "email_transcript");
		goto out;
	}
	if (j->rc) {
		api_ws_fail(c, API_STORE_FAILED, "Could not read the chat; try again.",
			    "email_transcript");
		goto out;
	}
	for (i = 0; i < j->n; i++)
		j->lines[i].text = j->bodies.data + (uintptr_t)j->lines[i].text;
	send_transcript(c, j->chat_id, j->row.staff_id, j->row.created_at, j->lines, j->n, j->to);
out:
	free(j->lines);
	buf_free(&j->bodies);
	free(j);
}

static void cmd_email_transcript(struct ws_conn *c, struct cmd *cmd)
{
	struct chat *ch = desk_chat(g_app->desk, cmd->chat);
	struct transcript_job *j;

	if (!mail_addr_valid(cmd->email)) {
		api_ws_fail(c, API_BAD_EMAIL, "That is not an e-mail address we can send to.",
			    "email_transcript");
		return;
	}
	if (ch && ch->patron != c->patron) {
		api_ws_fail(c, API_NOT_FOUND, "No chat of yours with that id.", "email_transcript");
		return;
	}
	if (!outbox_patron_allowed(c->patron->id, app_now_ms())) {
		api_ws_fail(c, API_RATE_LIMITED,
			    "You have asked for many e-mails; try again later.",
			    "email_transcript");
		return;
	}
	if (ch) { /* open (or still held): its messages are in memory */
		struct line *lines = calloc(ch->n_msgs ? ch->n_msgs : 1, sizeof *lines);
		size_t i, n = 0;

		if (!lines) {
			api_ws_fail(c, API_NOMEM, "Out of memory.", "email_transcript");
			return;
		}
		for (i = 0; i < ch->n_msgs && (int64_t)i < ch->durable_seq; i++) {
			const struct message *m = ch->msgs[i];

			lines[n++] = (struct line){m->at, m->author, m->author_id,
						   m->kind == MSG_EVENT, m->text};
		}
		send_transcript(c, ch->id, ch->staff ? ch->staff->id : 0, ch->created_at, lines, n,
				cmd->email);
		free(lines);
		return;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "email_transcript");
		return;
	}
	j->job.run = transcript_run;
	j->job.done = transcript_done;
	j->conn_id = c->id;
	j->patron_id = c->patron->id;
	j->chat_id = cmd->chat;
	snprintf(j->to, sizeof j->to, "%s", cmd->email);
	api_submit_ws(c, "email_transcript", &j->job, NULL); /* nothing read yet: free() */
}

/* ---- signin_link ------------------------------------------------------------------------------
 */

struct signin_job {
	struct worker_job job;
	uint64_t conn_id;
	int64_t patron_id;
	char to[PROTO_EMAIL_MAX + 1];
	int rc;
	struct store_relation rel;
};

static void signin_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct signin_job *j = (struct signin_job *)job;

	j->rc = ops->relation(sc, j->patron_id, &j->rel);
}

static void signin_mail(struct ws_conn *c, const char *to)
{
	const struct server_config *cfg = &g_app->cfg;
	struct store_write *w = store_write_new(STW_SIGNIN_CREATE);
	char token[CRYPTO_TOKEN_CHARS + 1], url[512];
	struct store_mail m = {0};
	struct buf text = {0}, html = {0};
	int64_t now = app_now_ms();
	char ttl[32];

	if (!w) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "signin_link");
		return;
	}
	crypto_token(token);
	crypto_token_hash(token, strlen(token), w->u.signin.hash);
	w->u.signin.patron_id = c->patron->id;
	w->u.signin.library_id = c->lib->id;
	w->u.signin.at = now;
	w->u.signin.expires_at = now + (int64_t)cfg->signin_ttl * 1000;
	snprintf(url, sizeof url, "%s/chat?library=%s&signin=%s", cfg->public_url, c->lib->slug,
		 token);
	sodium_memzero(token, sizeof token);
	mail_duration(ttl, cfg->signin_ttl);
	/* the link is committed first: writes commit in submission order */
	if (writer_submit(g_app->writer, w)) {
		api_ws_fail(c, API_STOPPING, "The server is shutting down.", "signin_link");
		return;
	}
	m.library_id = c->lib->id;
	snprintf(m.kind, sizeof m.kind, "signin");
	snprintf(m.to_addr, sizeof m.to_addr, "%s", to);
	buf_printf(&text, "Continue your chat with %s", c->lib->name);
	buf_put(&text, "", 1);
	mail_header_clean(m.subject, sizeof m.subject, text.oom ? "" : text.data);
	text.len = 0;
	buf_printf(&text,
		   "Open this link in the browser where you want to continue chatting "
		   "with %s:\n\n%s\n\nThe link works once, for %s. If you did not "
		   "ask for it, ignore this message.\n",
		   c->lib->name, url, ttl);
	buf_puts(&html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>"
			"Open this link in the browser where you want to continue chatting with ");
	mail_html_text(&html, c->lib->name);
	buf_puts(&html, ":</p><p><a href=\"");
	mail_html_text(&html, url);
	buf_puts(&html, "\">Continue the chat</a></p>");
	buf_printf(&html,
		   "<p>The link works once, for %s. If you did not ask for it, "
		   "ignore this message.</p></body></html>",
		   ttl);
	sodium_memzero(url, sizeof url);
	m.body_text = buf_take(&text, NULL);
	m.body_html = buf_take(&html, NULL);
	if (!m.body_text || !m.body_html) {
		free(m.body_text);
		free(m.body_html);
		api_ws_fail(c, API_NOMEM, "Out of memory.", "signin_link");
		return;
	}
	queue_for(c, &m, "signin_link", 0);
}

static void signin_done(struct worker_job *job)
{
	struct signin_job *j = (struct signin_job *)job;
	struct ws_conn *c = ws_find(&g_app->net, j->conn_id);
	const char *to = j->to[0] ? j->to : j->rel.email;

	if (!c || !c->patron || c->patron->id != j->patron_id)
		goto out;
	if (j->rc) {
		api_ws_fail(c, API_STORE_FAILED, "Could not look you up; try again.",
			    "signin_link");
	} else if (!j->rel.remembered) {
		api_ws_fail(c, API_NOT_REMEMBERED, "Choose to be remembered first.", "signin_link");
	} else if (!to[0] || !mail_addr_valid(to)) {
		api_ws_fail(c, API_BAD_EMAIL, "Give an e-mail address to send the link to.",
			    "signin_link");
	} else {
		signin_mail(c, to);
	}
out:
	free(j);
}

static void cmd_signin_link(struct ws_conn *c, struct cmd *cmd)
{
	struct signin_job *j;

	if (!c->patron->remembered) {
		api_ws_fail(c, API_NOT_REMEMBERED, "Choose to be remembered first.", "signin_link");
		return;
	}
	if (cmd->email[0] && !mail_addr_valid(cmd->email)) {
		api_ws_fail(c, API_BAD_EMAIL, "That is not an e-mail address we can send to.",
			    "signin_link");
		return;
	}
	if (!outbox_patron_allowed(c->patron->id, app_now_ms())) {
		api_ws_fail(c, API_RATE_LIMITED,
			    "You have asked for many e-mails; try again later.", "signin_link");
		return;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "signin_link");
		return;
	}
	j->job.run = signin_run;
	j->job.done = signin_done;
	j->conn_id = c->id;
	j->patron_id = c->patron->id;
	snprintf(j->to, sizeof j->to, "%s", cmd->email);
	api_submit_ws(c, "signin_link", &j->job, NULL);
}

/* See net.h. */
void patron_mail_cmd(struct ws_conn *c, struct cmd *cmd)
{
	if (c->role != ROLE_PATRON || !c->patron) {
		api_ws_fail(c, API_BAD_FRAME, "Only patrons send this.", cmd->type_name);
		return;
	}
	if (!outbox_can_send()) { /* nothing is queued that could never arrive */
		api_ws_fail(c, API_MAIL_UNAVAILABLE,
			    "This library cannot send e-mail right now, so nothing was sent.",
			    cmd->type_name);
		return;
	}
	if (cmd->type == CMD_EMAIL_TRANSCRIPT)
		cmd_email_transcript(c, cmd);
	else if (cmd->type == CMD_SIGNIN_LINK)
		cmd_signin_link(c, cmd);
}
