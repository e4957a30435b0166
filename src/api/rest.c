/* rest.c: the REST endpoints of docs/API.md. Every read is scoped through the desk's
 * access rules; a record you may not see is 404, exactly like a missing one. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/cases.h"
#include "api/errors.h"
#include "api/routes.h"
#include "util/crypto.h"
#include "util/log.h"

#define LIST_MAX 200

/* ---- reads on a worker --------------------------------------------------------------- */

struct read_job {
	struct worker_job job;
	uint64_t http_id;
	int staff; /* else patron by bearer hash */
	int64_t library_id; /* staff */
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int64_t chat_id; /* 0: list */
	char state[16];
	int64_t before;
	int limit;
	int rc;
	int live; /* an open chat: messages come from the desk */
	struct store_patron patron;
	struct store_chat row;
	struct store_relation rel; /* of the chat's patron, read only when the chat is linked */
	struct buf out; /* rows packed by the worker, turned into JSON on the loop */
};

REST_ROW_PACKER(list_cb, struct store_chat)

static int msg_cb(void *ctx, const struct store_message *m)
{
	struct read_job *j = ctx;

	buf_put(&j->out, m, sizeof *m);
	buf_put(&j->out, m->body, strlen(m->body) + 1);
	return 0;
}

static void read_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct read_job *j = (struct read_job *)job;
	int64_t lib = j->library_id;

	if (!j->staff) {
		j->rc = ops->patron_by_token(sc, j->hash, &j->patron);
		if (j->rc)
			return;
	}
	if (!j->chat_id) {
		j->rc = j->staff ? ops->chats_by_library(sc, lib, j->state[0] ? j->state : NULL,
							 j->before, j->limit, list_cb, &j->out)
				 : ops->chats_by_patron(sc, j->patron.id, j->limit, list_cb,
							&j->out);
		return;
	}
	j->rc = ops->chat_get(sc, j->chat_id, &j->row);
	if (j->rc)
		return;
	if ((j->staff && j->row.library_id != lib) ||
	    (!j->staff && j->row.patron_id != j->patron.id)) {
		j->rc = STORE_NOTFOUND; /* not yours: read nothing more */
		return;
	}
	if (j->row.state == STORE_CHAT_QUEUED || j->row.state == STORE_CHAT_ACTIVE) {
		j->live = 1; /* an open chat: the loop has every message in memory */
		return;
	}
	/* a linked chat names its patron as they asked to be called (consent in force) */
	if (j->row.remembered && ops->relation(sc, j->row.patron_id, &j->rel) != STORE_OK)
		memset(&j->rel, 0, sizeof j->rel);
	j->rc = ops->messages(sc, j->chat_id, 0, 0, msg_cb, j);
}

/* The messages of an ended chat, as read by read_run from offset off of rows, each
 * with a trailing comma. */
static void stored_msgs_json(struct buf *bp, const struct buf *rows, size_t off,
			     const char *patron_name)
{
	while (off < rows->len) {
		struct store_message m;
		const char *body;
		const struct staff *s;
		enum author au;
		int event;

		memcpy(&m, rows->data + off, sizeof m);
		body = rows->data + off + sizeof m;
		off += sizeof m + strlen(body) + 1;
		au = desk_author_of_store(m.author);
		event = m.kind == STORE_MSG_EVENT;
		s = au == AUTHOR_STAFF ? desk_staff(g_app->desk, m.author_id) : NULL;
		buf_putc(bp, '{');
		json_kint(bp, "chat", m.chat_id);
		json_kint(bp, "seq", m.seq);
		json_kstr(bp, "kind", event ? "event" : "text");
		json_kstr(bp, "from", desk_author_name(au));
		if (s)
			json_kstr(bp, "name", s->name);
		else if (au == AUTHOR_PATRON)
			json_kstr(bp, "name", patron_name);
		json_kstr(bp, event ? "event" : "text", body);
		if (event && strcmp(body, "ended") == 0)
			json_kstr(bp, "by", desk_author_name(au));
		if (m.cmid[0])
			json_kstr(bp, "cmid", m.cmid);
		json_kint(bp, "at", m.created_at);
		json_close(bp, '}');
		buf_putc(bp, ',');
	}
}

static void read_done(struct worker_job *job)
{
	struct read_job *j = (struct read_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);
	struct buf b = {0};
	size_t off = 0;
	struct store_chat r;
	const char *patron_name = "Patron";

	if (!h)
		goto out;
	if (j->rc == STORE_NOTFOUND) {
		api_http_fail(h, j->chat_id ? API_NOT_FOUND : API_UNAUTHENTICATED,
			      j->chat_id ? "No such chat." : "Unknown patron token.");
		goto out;
	}
	if (j->rc) {
		api_http_fail(h, API_STORE_FAILED, "Could not read; try again.");
		goto out;
	}
	if (!j->chat_id) {
		buf_puts(&b, "{\"chats\":[");
		for (off = 0; rest_row_next(&j->out, &off, &r, sizeof r);) {
			chat_row_json(&b, &r, j->staff);
			buf_putc(&b, ',');
		}
		rest_respond_list(h, &b);
		goto out;
	}
	if (j->live && !desk_chat(g_app->desk, j->chat_id)) {
		api_http_fail(h, API_QUEUE_FULL, "The chat just changed; try again.");
		goto out;
	}
	if (j->rel.remembered)
		patron_name = patron_greeting_name(&j->rel);
	buf_puts(&b, "{\"chat\":");
	chat_row_json(&b, &j->row, j->staff);
	buf_puts(&b, ",\"messages\":[");
	if (j->live) {
		struct chat *ch = desk_chat(g_app->desk, j->chat_id);
		int64_t i;

		for (i = 0; ch && i < ch->durable_seq; i++) {
			buf_putc(&b, '{');
			msg_fields(&b, ch, ch->msgs[i]);
			json_close(&b, '}');
			buf_putc(&b, ',');
		}
	}
	stored_msgs_json(&b, &j->out, off, patron_name);
	rest_respond_list(h, &b);
out:
	buf_free(&j->out);
	free(j);
}

/* The router let in a patron's Bearer token (k->staff NULL) or a librarian. */
static void start_read(struct call *k, int64_t chat_id)
{
	struct http_conn *h = k->h;
	const char *tok = api_bearer(h);
	struct read_job *j;
	char arg[48];
	const char *v;
	struct staff *st = tok ? NULL : k->staff;

	j = calloc(1, sizeof *j);
	if (!j) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		return;
	}
	j->job.run = read_run;
	j->job.done = read_done;
	j->http_id = h->id;
	j->chat_id = chat_id;
	j->limit = 50;
	if (st) {
		struct chat *ch = chat_id ? desk_chat(g_app->desk, chat_id) : NULL;

		j->staff = 1;
		/* a held chat the caller may read (rest_chat checked) is read as its library's */
		j->library_id = ch ? ch->lib->id : st->lib->id;
	} else {
		crypto_token_hash(tok, strlen(tok), j->hash);
	}
	/* lws copies "name=value" into arg and returns a pointer to the value */
	if ((v = http_query_arg(h, "limit=", arg, sizeof arg))) {
		j->limit = atoi(v);
		if (j->limit < 1 || j->limit > LIST_MAX)
			j->limit = j->limit < 1 ? 1 : LIST_MAX;
	}
	if ((v = http_query_arg(h, "before=", arg, sizeof arg)))
		j->before = atoll(v);
	if ((v = http_query_arg(h, "state=", arg, sizeof arg))) {
		if (store_chat_state_of(v) < 0) {
			free(j);
			api_http_fail(h, API_BAD_REQUEST,
				      "state is queued, active, ended or abandoned.");
			return;
		}
		snprintf(j->state, sizeof j->state, "%s", v);
	}
	api_submit_http(h, &j->job, NULL); /* nothing read yet: free() */
}

void rest_chats(struct call *k)
{
	start_read(k, 0);
}

void rest_chat(struct call *k)
{
	struct chat *ch = desk_chat(g_app->desk, k->id[0]);
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = k->staff};
	int rc;

	/* a librarian and a chat the desk holds: the desk's rule decides (a colleague's live
	 * chat is forbidden; a covering librarian reads another library's) */
	if (!api_bearer(k->h) && k->staff && ch &&
	    (rc = desk_readable(g_app->desk, &a, ch->id, &ch)) != DESK_OK) {
		call_fail(k, api_err_desk(rc),
			  rc == DESK_FORBIDDEN ? "That chat is with a colleague."
					       : "No such chat.");
		return;
	}
	start_read(k, k->id[0]);
}

void rest_healthz(struct call *k)
{
	struct http_conn *h = k->h;
	struct writer_stats st;
	struct buf b = {0};

	writer_get_stats(g_app->writer, &st);
	buf_putc(&b, '{');
	json_kstr(&b, "status", g_app->stopping ? "stopping" : "ok");
	json_kstr(&b, "version", RAPPORT_VERSION);
	json_kint(&b, "connections", (int64_t)g_app->net.n_ws);
	buf_puts(&b, "\"store\":{");
	json_kint(&b, "commits", (int64_t)st.batches);
	json_kint(&b, "writes", (int64_t)st.writes);
	json_kint(&b, "failed", (int64_t)st.failed);
	json_kint(&b, "max_batch", (int64_t)st.max_batch);
	json_kint(&b, "commit_us_p50", (int64_t)writer_commit_quantile(&st, 0.5));
	json_kint(&b, "commit_us_p99", (int64_t)writer_commit_quantile(&st, 0.99));
	json_kint(&b, "commit_us_p999", (int64_t)writer_commit_quantile(&st, 0.999));
	json_kint(&b, "commit_us_max", (int64_t)st.commit_us_max);
	json_close(&b, '}');
	buf_putc(&b, ',');
	outbox_health_json(&b);
	json_close(&b, '}');
	rest_respond_buf(h, g_app->stopping ? 503 : 200, &b);
}

void rest_me(struct call *k)
{
	auth_me(k->h, k->session);
}

/* ---- posts ------------------------------------------------------------------------------ */

struct post_job {
	struct worker_job job;
	uint64_t http_id;
	uint8_t hash[STORE_TOKEN_HASH_LEN];
	int rc;
	struct store_patron patron;
	int64_t chat_id;
	char cmid[65];
	char *text;
	size_t len;
};

static void post_job_free(void *p)
{
	struct post_job *j = p;

	free(j->text);
	free(j);
}

static void patron_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct post_job *j = (struct post_job *)job;

	j->rc = ops->patron_by_token(sc, j->hash, &j->patron);
}

static void patron_post_done(struct worker_job *job)
{
	struct post_job *j = (struct post_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);

	if (h && j->rc) {
		api_http_fail(h, j->rc == STORE_NOTFOUND ? API_UNAUTHENTICATED : API_READ_FAILED,
			      j->rc == STORE_NOTFOUND ? "Unknown patron token." : "Try again.");
	} else if (h) {
		struct patron p = {.id = j->patron.id, .library_id = j->patron.library_id};
		struct desk_actor a = {.kind = AUTHOR_PATRON, .patron = &p};

		chat_rest_post(h, &a, j->chat_id, j->cmid, j->text, j->len);
	}
	free(j->text);
	free(j);
}

/* POST /api/v1/chats/{id}/messages: as the patron of the Bearer token, or else as the
 * librarian the router let in. */
void rest_chat_post(struct call *k)
{
	struct http_conn *h = k->h;
	int64_t chat_id = k->id[0];
	json_error_t err;
	const char *cmid, *text;
	size_t len;
	json_t *root = json_loadb(h->body, h->body_len, JSON_REJECT_DUPLICATES, &err);
	const char *tok = api_bearer(h);

	if (!root ||
	    json_unpack_ex(root, &err, JSON_STRICT, "{s:s, s:s%}", "cmid", &cmid, "text", &text,
			   &len) ||
	    !proto_cmid_valid(cmid)) {
		api_http_fail(h, API_BAD_JSON, "Send {\"cmid\":...,\"text\":...}.");
		goto out;
	}
	if (!tok) {
		struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = k->staff};

		chat_rest_post(h, &a, chat_id, cmid, text, len);
	} else {
		struct post_job *j = calloc(1, sizeof *j);

		if (!j || !(j->text = malloc(len + 1))) {
			free(j);
			api_http_fail(h, API_NOMEM, "Out of memory.");
			goto out;
		}
		memcpy(j->text, text, len + 1);
		j->len = len;
		j->job.run = patron_run;
		j->job.done = patron_post_done;
		j->http_id = h->id;
		j->chat_id = chat_id;
		snprintf(j->cmid, sizeof j->cmid, "%s", cmid);
		crypto_token_hash(tok, strlen(tok), j->hash);
		api_submit_http(h, &j->job, post_job_free);
	}
out:
	json_decref(root);
}

void rest_login(struct call *k)
{
	auth_login(k->h);
}

void rest_logout(struct call *k)
{
	auth_logout(k->h, k->session);
}
