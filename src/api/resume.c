/* resume.c: `resume` delivers every message after the client's last seq, once and in order,
 * without overflowing the connection's send queue: live chats replay from memory and pause
 * at the high water mark; chats the desk no longer holds (ended, so final) are read from
 * the store a page at a time on a worker, the next page only once the queue drained. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "util/log.h"

#define PAGE 256

/* One resume of a chat read from the store, queued on its connection. */
struct db_resume {
	int64_t chat_id;
	int64_t after; /* last seq sent */
	int in_flight; /* a page is being read */
	int started; /* access was checked on the first page */
	struct db_resume *next;
};

struct page_job {
	struct worker_job job;
	uint64_t conn_id;
	int64_t chat_id, after;
	int rc;
	struct store_chat row;
	struct buf rows; /* packed: author byte, struct store_message, body + NUL */
	size_t n;
};

static enum author author_of(const char *s)
{
	return strcmp(s, "staff") == 0	  ? AUTHOR_STAFF
	       : strcmp(s, "patron") == 0 ? AUTHOR_PATRON
					  : AUTHOR_SYSTEM;
}

static int page_row(void *ctx, const struct store_message *m)
{
	struct page_job *j = ctx;

	buf_putc(&j->rows, (char)desk_author_of_store(m->author));
	buf_put(&j->rows, m, sizeof *m);
	buf_put(&j->rows, m->body, strlen(m->body) + 1);
	j->n++;
	return 0;
}

static void page_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct page_job *j = (struct page_job *)job;

	j->rc = ops->chat_get(sc, j->chat_id, &j->row);
	if (j->rc == 0)
		j->rc = ops->messages(sc, j->chat_id, j->after, PAGE, page_row, j);
}

static void page_done(struct worker_job *job);
static void next_resume(struct ws_conn *c);

/* Reads the next page of r, the head of c's resumes. Refused or out of memory: the
 * patron is told `busy` and the next resume starts (none is left stuck). */
static void page_start(struct ws_conn *c, struct db_resume *r)
{
	struct page_job *j = calloc(1, sizeof *j);

	if (!j) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "resume");
		next_resume(c);
		return;
	}
	j->job.run = page_run;
	j->job.done = page_done;
	j->conn_id = c->id;
	j->chat_id = r->chat_id;
	j->after = r->after;
	if (api_submit_ws(c, "resume", &j->job, NULL) == 0)
		r->in_flight = 1;
	else
		next_resume(c);
}

static void send_resumed(struct ws_conn *c, int64_t chat, int64_t last)
{
	struct buf b = {0};

	frame_begin(&b, "resumed");
	json_kint(&b, "chat", chat);
	json_kint(&b, "last", last);
	frame_send(c, &b);
}

/* Drops the head resume and starts the next one, if any. */
static void next_resume(struct ws_conn *c)
{
	struct db_resume *r = c->db_resumes;

	c->db_resumes = r->next;
	free(r);
	if (c->db_resumes)
		page_start(c, c->db_resumes);
}

static void page_done(struct worker_job *job)
{
	struct page_job *j = (struct page_job *)job;
	struct ws_conn *c = ws_find(&g_app->net, j->conn_id);
	struct db_resume *r = c ? c->db_resumes : NULL;
	enum author ended_by;
	size_t off = 0, i;

	if (!r || r->chat_id != j->chat_id)
		goto out;
	r->in_flight = 0;
	if (!r->started) {
		struct desk_actor a = chat_actor(c);

		if (j->rc || !desk_may_read_row(&a, j->row.library_id, j->row.patron_id)) {
			int missing = j->rc == 0 || j->rc == STORE_NOTFOUND;

			api_ws_fail(c, missing ? API_NOT_FOUND : API_QUEUE_FULL,
				    missing ? "No such chat." : "Could not read the chat.",
				    "resume");
			next_resume(c);
			goto out;
		}
		r->started = 1;
	} else if (j->rc) {
		api_ws_fail(c, API_QUEUE_FULL, "Could not read the chat.", "resume");
		next_resume(c);
		goto out;
	}
	ended_by = author_of(j->row.ended_by);
	for (i = 0; i < j->n; i++) {
		enum author au = (enum author)j->rows.data[off];
		struct store_message m;
		const char *body;
		struct buf b = {0};

		memcpy(&m, j->rows.data + off + 1, sizeof m);
		body = j->rows.data + off + 1 + sizeof m;
		off += 1 + sizeof m + strlen(body) + 1;
		frame_begin(&b, "msg");
		msg_fields_raw(&b, j->chat_id, m.seq, m.kind == STORE_MSG_EVENT, au, m.author_id,
			       m.cmid, body, strlen(body), m.created_at, ended_by);
		frame_send(c, &b);
		r->after = m.seq;
	}
	if (j->n < PAGE) {
		send_resumed(c, j->chat_id, r->after);
		next_resume(c);
	} else if (c->out_bytes <= ws_low_water(c)) {
		page_start(c, r);
	} else {
		c->starved = 1; /* resume_drained() asks for the next page */
	}
out:
	buf_free(&j->rows);
	free(j);
}

void resume_cmd(struct ws_conn *c, struct cmd *cmd)
{
	struct desk_actor a = chat_actor(c);
	struct chat *ch = desk_chat(g_app->desk, cmd->chat);
	struct db_resume *r, **tail;
	struct sub *s;

	if (ch) {
		int rc = desk_readable(g_app->desk, &a, cmd->chat, &ch);

		if (rc) {
			api_ws_fail(c, api_err_desk(rc),
				    rc == DESK_FORBIDDEN ? "That chat is with a colleague."
							 : "No such chat.",
				    "resume");
			return;
		}
		s = chat_subscribe(c, ch,
				   cmd->after < ch->durable_seq ? cmd->after : ch->durable_seq);
		if (!s) {
			api_ws_fail(c, API_NOMEM, "Out of memory.", "resume");
			return;
		}
		s->resume_to = s->sent_seq > ch->durable_seq ? s->sent_seq : ch->durable_seq;
		if (s->resume_to == 0) /* nothing committed yet */
			send_resumed(c, ch->id, 0);
		else
			chat_deliver_to(s); /* sends "resumed" once it reaches resume_to */
		return;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "resume");
		return;
	}
	r->chat_id = cmd->chat;
	r->after = cmd->after;
	for (tail = &c->db_resumes; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	if (c->db_resumes == r)
		page_start(c, r);
}

void resume_drained(struct ws_conn *c)
{
	struct sub *s;

	c->starved = 0;
	for (s = c->subs; s && !c->starved; s = s->conn_next)
		chat_deliver_to(s);
	if (!c->starved && c->db_resumes && !c->db_resumes->in_flight && c->db_resumes->started)
		page_start(c, c->db_resumes);
}

void resume_forget(struct ws_conn *c)
{
	struct db_resume *r, *n;

	for (r = c->db_resumes; r; r = n) {
		n = r->next;
		free(r);
	}
	c->db_resumes = NULL;
}
