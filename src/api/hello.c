/* hello.c: the first frame of a connection. Patrons are found by their token (a worker
 * reads the store; a patron not stored yet is found in memory) or are new (welcomed at
 * once with a new token; their row is written before the first thing of theirs that is
 * stored); staff by the session cookie of the handshake. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/cases.h"
#include "api/errors.h"
#include "util/crypto.h"
#include "util/log.h"

#define WELCOME_CHATS 20
#define RECENT_MS (24LL * 3600 * 1000)

struct hello_job {
	struct worker_job job;
	uint64_t conn_id;
	struct library *lib;
	uint8_t hash[CRYPTO_HASH_BYTES];
	char token[CRYPTO_TOKEN_CHARS + 1]; /* only for a new patron */
	int rc;
	struct store_patron patron;
	struct store_chat rows[WELCOME_CHATS];
	size_t n_rows;
	struct store_relation rel; /* what is remembered of the patron (zero: nothing) */
};

static void limits_json(struct buf *b)
{
	const struct server_config *cfg = &g_app->cfg;

	buf_puts(b, "\"limits\":{");
	json_kint(b, "text_max", cfg->text_max);
	json_kint(b, "frame_max", cfg->frame_max);
	json_kint(b, "rate", cfg->rate);
	json_kint(b, "burst", cfg->burst);
	json_close(b, '}');
	buf_putc(b, ',');
}

void hello_queues_json(struct buf *b, const struct library *lib)
{
	size_t i;

	buf_puts(b, "\"queues\":[");
	for (i = 0; i < g_app->desk->n_queues; i++) {
		struct queue *q = g_app->desk->queues[i];

		if (q->lib != lib)
			continue;
		buf_putc(b, '{');
		json_kint(b, "id", q->id);
		json_kstr(b, "slug", q->slug);
		json_kstr(b, "name", q->name);
		json_kint(b, "staff_on", lib->staff_online);
		busy_queue_json(b, lib); /* busy.c */
		cases_queue_json(b, q);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

static void library_json(struct buf *b, const struct library *lib)
{
	buf_puts(b, "\"library\":{");
	json_kint(b, "id", lib->id);
	json_kstr(b, "slug", lib->slug);
	json_kstr(b, "name", lib->name);
	json_kbool(b, "email", outbox_can_send()); /* can it send e-mail (SMTP configured)? */
	/* the widget's look, as its administrator set it: text, and "" or "#rrggbb" only */
	json_kstr(b, "greeting", lib->greeting);
	json_kstr(b, "colour", lib->colour);
	json_kstr(b, "text_colour", lib->text_colour);
	json_close(b, '}');
	buf_putc(b, ',');
	hello_queues_json(b, lib);
}

static void patron_welcome(struct ws_conn *c, const char *token, const struct store_chat *rows,
			   size_t n_rows, const struct store_relation *rel)
{
	struct patron *p = c->patron;
	int64_t now = app_now_ms();
	struct buf b = {0};
	size_t i, j;

	frame_begin(&b, "welcome");
	json_kstr(&b, "role", "patron");
	buf_puts(&b, "\"patron\":{");
	json_kint(&b, "id", p->id);
	json_close(&b, '}');
	buf_putc(&b, ',');
	if (token)
		json_kstr(&b, "token", token);
	library_json(&b, c->lib);
	patron_relation_json(&b, rel);
	patron_notice_json(&b);
	librarians_json(&b, c->lib);
	promises_patron_json(&b, c->lib->id, p->id);
	buf_puts(&b, "\"chats\":[");
	for (i = p->n_chats; i-- > 0;) { /* newest first */
		chat_json(&b, p->chats[i]);
		buf_putc(&b, ',');
	}
	for (i = 0; i < n_rows; i++) {
		int held = 0;

		for (j = 0; j < p->n_chats; j++)
			held |= p->chats[j]->id == rows[i].id;
		if (held || (rows[i].ended_at && now - rows[i].ended_at > RECENT_MS) ||
		    rows[i].state == STORE_CHAT_QUEUED || rows[i].state == STORE_CHAT_ACTIVE)
			continue;
		chat_row_json(&b, &rows[i], 0);
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_putc(&b, ',');
	limits_json(&b);
	frame_send(c, &b);
}

/* Binds the connection to its patron and says welcome. */
static void patron_ready(struct ws_conn *c, int64_t patron_id, const char *token,
			 const struct store_chat *rows, size_t n_rows,
			 const struct store_relation *rel)
{
	struct patron *p = desk_patron(g_app->desk, patron_id, c->lib->id);

	c->hello_pending = 0;
	if (!p) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "hello");
		return;
	}
	c->patron = p;
	c->role = ROLE_PATRON;
	desk_patron_online(g_app->desk, p, +1, app_now_ms());
	patron_apply_relation(p, rel);
	patron_welcome(c, token, rows, n_rows, rel);
}

static int chat_row_cb(void *ctx, const struct store_chat *r)
{
	struct hello_job *j = ctx;

	if (j->n_rows >= WELCOME_CHATS)
		return STORE_STOP;
	j->rows[j->n_rows++] = *r;
	return 0;
}

static void lookup_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct hello_job *j = (struct hello_job *)job;

	j->rc = ops->patron_by_token(sc, j->hash, &j->patron);
	if (j->rc == 0)
		j->rc = ops->chats_by_patron(sc, j->patron.id, WELCOME_CHATS, chat_row_cb, j);
	if (j->rc == 0)
		j->rc = ops->relation(sc, j->patron.id, &j->rel);
}

struct unsaved_find {
	const uint8_t *hash;
	int64_t library_id;
	struct patron *found;
};

static void match_unsaved(void *ctx, int64_t id, void *val)
{
	struct unsaved_find *f = ctx;
	struct patron *p = val;

	if ((p->unsaved || p->saving) && p->library_id == f->library_id &&
	    memcmp(p->token_hash, f->hash, sizeof p->token_hash) == 0) /* hashes: no timing leak */
		f->found = p;
}

static void lookup_done(struct worker_job *job)
{
	struct hello_job *j = (struct hello_job *)job;
	struct ws_conn *c = ws_find(&g_app->net, j->conn_id);

	if (!c)
		goto out;
	if (j->rc == STORE_NOTFOUND) {
		/* a patron who has not stored anything yet, in another tab or reconnecting */
		struct unsaved_find f = {.hash = j->hash, .library_id = j->lib->id};

		idmap_each(&g_app->desk->patrons, match_unsaved, &f);
		if (f.found) {
			patron_ready(c, f.found->id, NULL, NULL, 0, &j->rel);
			goto out;
		}
	}
	if (j->rc == STORE_NOTFOUND || (j->rc == 0 && j->patron.library_id != j->lib->id)) {
		c->hello_pending = 0;
		api_ws_fail(c, API_UNKNOWN_TOKEN,
			    "This patron token is not known; start again without one.", "hello");
	} else if (j->rc) {
		c->hello_pending = 0;
		api_ws_fail(c, API_QUEUE_FULL, "Could not look you up; try again.", "hello");
	} else {
		patron_ready(c, j->patron.id, j->token[0] ? j->token : NULL, j->rows, j->n_rows,
			     &j->rel);
	}
out:
	free(j);
}

/* A sign-in link was consumed (or not): look the patron up by the new token. */
static void signin_used(struct store_write *w, int rc)
{
	struct hello_job *j = w->arg;
	struct ws_conn *c = ws_find(&g_app->net, j->conn_id);

	if (!c) {
		free(j);
		return;
	}
	if (rc || !w->changed) {
		c->hello_pending = 0;
		if (rc)
			api_ws_fail(c, API_STORE_FAILED, "Could not sign you in; try again.",
				    "hello");
		else
			api_ws_fail(
				c, API_SIGNIN_INVALID,
				"This sign-in link was already used or has expired; ask for a new "
				"one, or start without it.",
				"hello");
		free(j);
		return;
	}
	/* the welcome carries the new token (j->token), the patron is read as usual */
	j->job.run = lookup_run;
	j->job.done = lookup_done;
	if (api_submit_ws(c, "hello", &j->job, NULL))
		c->hello_pending = 0;
}

/* hello with "signin": the link's token becomes a new patron token for this browser. */
static void hello_signin(struct ws_conn *c, struct hello_job *j, const char *signin)
{
	struct store_write *w = store_write_new(STW_SIGNIN_USE);

	if (!w) {
		free(j);
		c->hello_pending = 0;
		api_ws_fail(c, API_NOMEM, "Out of memory.", "hello");
		return;
	}
	crypto_token(j->token);
	crypto_token_hash(j->token, strlen(j->token), j->hash);
	crypto_token_hash(signin, strlen(signin), w->u.signin.hash);
	memcpy(w->u.signin.new_hash, j->hash, sizeof j->hash);
	w->u.signin.library_id = j->lib->id;
	w->u.signin.at = app_now_ms();
	w->done = signin_used;
	w->arg = j;
	if (writer_submit(g_app->writer, w)) {
		c->hello_pending = 0;
		api_ws_fail(c, API_STOPPING, "The server is shutting down.", "hello");
	}
}

/* A hello with neither token nor sign-in link: a new patron, known at once and stored only
 * when they first do something that is kept (hello_patron_save), so a visitor who only
 * opens the widget leaves no row. */
static void hello_new_patron(struct ws_conn *c)
{
	static const struct store_relation nothing_remembered;
	char token[CRYPTO_TOKEN_CHARS + 1];

	if (!auth_new_patron_allowed(c->peer, app_now_ms())) {
		api_ws_fail(c, API_RATE_LIMITED,
			    "Too many new chats from your network; try again soon.", "hello");
		return;
	}
	crypto_token(token);
	patron_ready(c, desk_next_patron_id(g_app->desk), token, NULL, 0, &nothing_remembered);
	if (c->patron) {
		c->patron->unsaved = 1;
		crypto_token_hash(token, strlen(token), c->patron->token_hash);
		c->patron->created_at = app_now_ms();
	}
}

static void hello_patron(struct ws_conn *c, struct cmd *cmd)
{
	struct desk *d = g_app->desk;
	struct library *lib = cmd->library[0] ? desk_library_by_slug(d, cmd->library)
					      : (d->n_libs ? d->libs[0] : NULL);
	struct hello_job *j;

	if (!lib) {
		api_ws_fail(c, API_NOT_FOUND, "No such library.", "hello");
		return;
	}
	if (c->origin[0] && !origin_is_self(c->origin, c->host) &&
	    !desk_origin_allowed(lib, c->origin, strlen(c->origin))) {
		api_ws_fail(c, API_ORIGIN_NOT_ALLOWED,
			    "This library does not allow chats from this site.", "hello");
		ws_close(c, WS_CLOSE_POLICY, "origin not allowed");
		return;
	}
	c->lib = lib;
	if (!cmd->signin[0] && !cmd->token[0]) {
		hello_new_patron(c);
		return;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		api_ws_fail(c, API_NOMEM, "Out of memory.", "hello");
		return;
	}
	c->hello_pending = 1;
	j->conn_id = c->id;
	j->lib = lib;
	if (cmd->signin[0]) {
		hello_signin(c, j, cmd->signin);
		return;
	}
	crypto_token_hash(cmd->token, strlen(cmd->token), j->hash);
	j->job.run = lookup_run;
	j->job.done = lookup_done;
	if (api_submit_ws(c, "hello", &j->job, NULL))
		c->hello_pending = 0;
}

/* The new patron's row committed (or not): until then a hello with their token is
 * answered from memory, so the patron is kept even with no connection. */
static void saved_done(struct store_write *w, int rc)
{
	struct patron *p = idmap_get(&g_app->desk->patrons, w->u.patron.id);

	if (rc)
		log_error("hello", "cannot store patron %lld: %s", (long long)w->u.patron.id,
			  store_strerror(rc));
	if (p) {
		p->saving = 0;
		desk_patron_release(g_app->desk, p);
	}
}

int hello_patron_save(struct patron *p)
{
	struct store_write *w;

	if (!p || !p->unsaved)
		return 0;
	w = store_write_new(STW_PATRON_INSERT);
	if (!w)
		return -1;
	w->u.patron.id = p->id;
	w->u.patron.library_id = p->library_id;
	memcpy(w->u.patron.token_hash, p->token_hash, sizeof w->u.patron.token_hash);
	w->u.patron.created_at = p->created_at;
	w->u.patron.last_seen = app_now_ms();
	w->done = saved_done;
	p->saving = 1;
	p->unsaved = 0;
	if (writer_submit(g_app->writer, w))
		return -1; /* stopping: what follows is refused the same way; saved_done runs */
	return 0;
}

static void hello_staff(struct ws_conn *c)
{
	struct session *s =
		c->has_session ? auth_session_by_hash(c->session_hash, app_now_ms()) : NULL;
	struct staff *st = s ? desk_staff(g_app->desk, s->staff_id) : NULL;
	struct buf b = {0};
	size_t i;

	if (!st) {
		api_ws_fail(c, API_UNAUTHENTICATED, "Please log in.", "hello");
		ws_close(c, WS_CLOSE_POLICY, "unauthenticated");
		return;
	}
	c->role = ROLE_STAFF;
	ws_staff_joined(c);
	c->session_checked = app_now_ms();
	c->staff = st;
	c->lib = st->lib;
	desk_staff_online(g_app->desk, st, +1);
	st->lib->staff_dirty = 1; /* patrons see who is on */
	frame_begin(&b, "welcome");
	json_kstr(&b, "role", "staff");
	buf_puts(&b, "\"staff\":{");
	json_kint(&b, "id", st->id);
	json_kstr(&b, "name", st->name);
	json_kstr(&b, "role", desk_access_name(st->access));
	json_kint(&b, "max_chats", desk_max_chats(g_app->desk, st));
	duty_status_json(&b, st);
	json_close(&b, '}');
	buf_putc(&b, ',');
	library_json(&b, st->lib);
	buf_puts(&b, "\"chats\":[");
	for (i = 0; i < g_app->desk->chats.cap; i++) {
		struct chat *ch = g_app->desk->chats.vals[i];

		if (g_app->desk->chats.keys[i] && ch->staff == st && ch->state == CHAT_ACTIVE) {
			chat_json_as(&b, ch, 1);
			buf_putc(&b, ',');
		}
	}
	json_close(&b, ']');
	buf_putc(&b, ',');
	chat_queue_json(&b, st->lib);
	limits_json(&b);
	frame_send(c, &b);
	promises_send_staff(c);
}

void cmd_hello(struct ws_conn *c, struct cmd *cmd)
{
	if (strcmp(cmd->role, "staff") == 0)
		hello_staff(c);
	else
		hello_patron(c, cmd);
}
