/* auth.c: staff login, sessions (idle and absolute expiry, stored hashed), logout, login
 * rate limits, and Origin checks. Password hashing runs on a worker thread. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "util/crypto.h"
#include "util/log.h"

#define FAIL_WINDOW_MS (15LL * 60 * 1000)
#define FAIL_MAX_ACCOUNT 5
#define FAIL_MAX_ADDRESS 20
#define FAIL_SLOTS 1024
#define TOUCH_PERSIST_MS (5LL * 60 * 1000)
#define NEW_PATRON_WINDOW_MS (60LL * 1000)

struct failure {
	char key[280]; /* "a:<email>" or "i:<address>" */
	int count;
	int64_t since;
};

static struct failure failures[FAIL_SLOTS];

int origin_is_self(const char *origin, const char *host)
{
	const char *scheme = g_app->cfg.tls ? "https://" : "http://";
	size_t n = strlen(scheme);

	return host[0] && strncmp(origin, scheme, n) == 0 && strcmp(origin + n, host) == 0;
}

int origin_allowed_any(const char *origin, const char *host)
{
	size_t i;

	if (origin_is_self(origin, host))
		return 1;
	for (i = 0; i < g_app->desk->n_libs; i++)
		if (desk_origin_allowed(g_app->desk->libs[i], origin, strlen(origin)))
			return 1;
	return 0;
}

/* ---- rate limits on failed logins ------------------------------------------------------ */

static struct failure *failure_slot(const char *key, int64_t now, int create)
{
	struct failure *oldest = &failures[0];
	size_t i;

	for (i = 0; i < FAIL_SLOTS; i++) {
		struct failure *f = &failures[i];

		if (f->key[0] && now - f->since > FAIL_WINDOW_MS)
			f->key[0] = '\0';
		if (f->key[0] && strcmp(f->key, key) == 0)
			return f;
		if (!f->key[0] || f->since < oldest->since)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->key, sizeof oldest->key, "%s", key);
	oldest->since = now;
	return oldest;
}

static void fail_keys(const char *email, const char *peer, char ka[280], char ki[280])
{
	size_t i;

	snprintf(ka, 280, "a:%s", email);
	for (i = 2; ka[i]; i++)
		if (ka[i] >= 'A' && ka[i] <= 'Z')
			ka[i] = (char)(ka[i] - 'A' + 'a');
	snprintf(ki, 280, "i:%s", peer);
}

/* Seconds to wait if this account or address is locked out, else 0. */
static int64_t locked_for(const char *email, const char *peer, int64_t now)
{
	char ka[280], ki[280];
	struct failure *a, *i;
	int64_t wait = 0;

	fail_keys(email, peer, ka, ki);
	a = failure_slot(ka, now, 0);
	i = failure_slot(ki, now, 0);
	if (a && a->count >= FAIL_MAX_ACCOUNT)
		wait = a->since + FAIL_WINDOW_MS - now;
	if (i && i->count >= FAIL_MAX_ADDRESS && i->since + FAIL_WINDOW_MS - now > wait)
		wait = i->since + FAIL_WINDOW_MS - now;
	return wait > 0 ? (wait + 999) / 1000 : 0;
}

static void record_failure(const char *email, const char *peer, int64_t now);

int64_t auth_locked_for(const char *email, const char *peer, int64_t now)
{
	return locked_for(email, peer, now);
}

void auth_record_failure(const char *email, const char *peer, int64_t now)
{
	record_failure(email, peer, now);
}

static void record_failure(const char *email, const char *peer, int64_t now)
{
	char ka[280], ki[280];
	struct failure *f;

	fail_keys(email, peer, ka, ki);
	if ((f = failure_slot(ka, now, 1)))
		f->count++;
	if ((f = failure_slot(ki, now, 1)))
		f->count++;
}

/* ---- sessions ------------------------------------------------------------------------------ */

static int session_live(const struct session *s, int64_t now)
{
	return now - s->last_seen < (int64_t)g_app->cfg.session_idle * 1000 &&
	       now - s->created_at < (int64_t)g_app->cfg.session_max * 1000;
}

struct session *auth_session_by_hash(const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t now)
{
	struct session *s;

	for (s = g_app->sessions; s; s = s->next)
		if (memcmp(s->hash, hash, STORE_TOKEN_HASH_LEN) == 0)
			break;
	if (!s || !session_live(s, now))
		return NULL;
	s->last_seen = now;
	if (now - s->persisted_seen > TOUCH_PERSIST_MS) {
		struct store_write *w = store_write_new(STW_SESSION_TOUCH);

		if (w) {
			memcpy(w->u.session.token_hash, s->hash, STORE_TOKEN_HASH_LEN);
			w->u.session.last_seen = now;
			if (writer_submit(g_app->writer, w) == 0)
				s->persisted_seen = now;
		}
	}
	return s;
}

struct session *auth_session_by_token(const char *token, int64_t now)
{
	uint8_t hash[STORE_TOKEN_HASH_LEN];

	crypto_token_hash(token, strlen(token), hash);
	return auth_session_by_hash(hash, now);
}

static struct session *session_add(const struct store_session *r)
{
	struct session *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	memcpy(s->hash, r->token_hash, STORE_TOKEN_HASH_LEN);
	s->staff_id = r->staff_id;
	snprintf(s->csrf, sizeof s->csrf, "%s", r->csrf);
	s->created_at = r->created_at;
	s->last_seen = s->persisted_seen = r->last_seen;
	s->next = g_app->sessions;
	g_app->sessions = s;
	return s;
}

static void session_remove(struct session *dead)
{
	struct session **pp;

	for (pp = &g_app->sessions; *pp; pp = &(*pp)->next)
		if (*pp == dead) {
			*pp = dead->next;
			free(dead);
			return;
		}
}

static int load_session_cb(void *ctx, const struct store_session *r)
{
	return session_add(r) ? 0 : STORE_ERR;
}

int auth_load(struct store_conn *sc)
{
	int64_t now = app_now_ms();

	return g_app->ops->sessions_live(sc, now - (int64_t)g_app->cfg.session_idle * 1000,
					 now - (int64_t)g_app->cfg.session_max * 1000,
					 load_session_cb, NULL);
}

/* Closes the WebSockets opened with this session. */
static void close_sockets(const uint8_t hash[STORE_TOKEN_HASH_LEN], const char *why)
{
	struct ws_conn *c;

	for (c = g_app->net.ws_list; c; c = c->next)
		if (c->has_session && memcmp(c->session_hash, hash, STORE_TOKEN_HASH_LEN) == 0)
			ws_close(c, WS_CLOSE_POLICY, why);
}

int auth_end_staff(int64_t staff_id, const uint8_t *keep, const char *why)
{
	struct session *s = g_app->sessions, *n;
	struct staff *st = desk_staff(g_app->desk, staff_id);
	int ended = 0;

	for (; s; s = n) {
		n = s->next;
		if (s->staff_id != staff_id ||
		    (keep && memcmp(s->hash, keep, STORE_TOKEN_HASH_LEN) == 0))
			continue;
		close_sockets(s->hash, why);
		session_remove(s);
		ended++;
	}
	if (ended && st)
		duty_logged_out(st); /* no console left: their chats go back to the queue */
	if (ended)
		log_info("auth", "staff %lld: %d sessions ended (%s)", (long long)staff_id, ended,
			 why);
	return ended;
}

int auth_new_patron_allowed(const char *peer, int64_t now)
{
	char key[280];
	struct failure *f;

	snprintf(key, sizeof key, "p:%s", peer);
	f = failure_slot(key, now, 1);
	if (!f)
		return 1;
	if (now - f->since > NEW_PATRON_WINDOW_MS) {
		f->since = now;
		f->count = 0;
	}
	return g_app->cfg.new_patrons <= 0 || ++f->count <= g_app->cfg.new_patrons;
}

void auth_tick(int64_t now)
{
	struct session *s = g_app->sessions, *n;

	for (; s; s = n) {
		n = s->next;
		if (!session_live(s, now)) {
			close_sockets(s->hash, "session expired");
			struct store_write *w = store_write_new(STW_SESSION_DELETE);

			if (w) {
				memcpy(w->u.session.token_hash, s->hash, STORE_TOKEN_HASH_LEN);
				writer_submit(g_app->writer, w);
			}
			session_remove(s);
		}
	}
}

/* ---- login ----------------------------------------------------------------------------------- */

static void login_job_free(void *j);

struct login_job {
	struct worker_job job;
	uint64_t http_id;
	char email[256];
	char password[1024];
	char peer[64];
	int rc; /* 0 ok, 1 bad credentials, <0 store error */
	struct store_staff staff;
	char token[CRYPTO_TOKEN_CHARS + 1];
	char csrf[CRYPTO_TOKEN_CHARS + 1];
};

static void login_job_free(void *p)
{
	struct login_job *j = p;

	explicit_bzero(j->password, sizeof j->password);
	free(j);
}

static void me_json(struct buf *b, const struct staff *st, const char *csrf)
{
	buf_puts(b, "{\"staff\":{");
	json_kint(b, "id", st->id);
	json_kstr(b, "name", st->name);
	json_kstr(b, "email", st->email);
	json_kstr(b, "role", desk_access_name(st->access));
	json_kint(b, "max_chats", desk_max_chats(g_app->desk, st));
	json_close(b, '}');
	buf_puts(b, ",\"library\":{");
	json_kint(b, "id", st->lib->id);
	json_kstr(b, "slug", st->lib->slug);
	json_kstr(b, "name", st->lib->name);
	json_close(b, '}');
	buf_putc(b, ',');
	json_kstr(b, "csrf", csrf);
	json_close(b, '}');
}

static void respond_me(struct http_conn *h, const struct staff *st, const char *csrf)
{
	struct buf b = {0};
	size_t n;
	char *body;

	me_json(&b, st, csrf);
	body = buf_take(&b, &n);
	http_respond(h, 200, body, n);
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[128];

static void make_dummy(void)
{
	crypto_password_hash("not a password", 14, dummy_hash);
}

static void login_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct login_job *j = (struct login_job *)job;
	int rc = ops->staff_by_email(sc, j->email, &j->staff);
	size_t plen = strlen(j->password);

	if (rc == STORE_NOTFOUND) {
		/* verify against a real hash anyway, so timing does not tell who exists */
		pthread_once(&dummy_once, make_dummy);
		crypto_password_check(dummy_hash, j->password, plen);
		j->rc = 1;
	} else if (rc) {
		j->rc = rc;
	} else {
		/* a deactivated account answers as a wrong password does: nothing to tell */
		j->rc = crypto_password_check(j->staff.pw_hash, j->password, plen) &&
					j->staff.active
				? 0
				: 1;
	}
	memset(j->password, 0, sizeof j->password);
}

static void session_stored(struct store_write *w, int rc)
{
	struct login_job *j = w->arg;
	struct http_conn *h = http_find(&g_app->net, j->http_id);
	struct staff *st = desk_staff(g_app->desk, j->staff.id);
	char cookie[256];

	if (h && (rc || !st || !session_add(&w->u.session))) {
		api_http_fail(h, API_STORE_FAILED, "Could not start a session; try again.");
	} else if (h) {
		snprintf(cookie, sizeof cookie,
			 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
			 j->token, g_app->cfg.session_max, g_app->cfg.tls ? "; Secure" : "");
		http_add_header(h, "Set-Cookie", cookie);
		duty_logged_in(st);
		respond_me(h, st, j->csrf);
		log_info("auth", "staff %lld logged in from %s", (long long)st->id, j->peer);
	}
	free(j);
}

static void login_done(struct worker_job *job)
{
	struct login_job *j = (struct login_job *)job;
	struct http_conn *h = http_find(&g_app->net, j->http_id);
	int64_t now = app_now_ms();
	struct store_write *w;
	struct staff *st;

	if (!h)
		goto out;
	if (j->rc < 0) {
		api_http_fail(h, API_STORE_FAILED, "Could not check the login; try again.");
		goto out;
	}
	if (j->rc == 1) {
		record_failure(j->email, j->peer, now);
		api_http_fail(h, API_BAD_CREDENTIALS, "Wrong email or password.");
		goto out;
	}
	st = server_put_staff(&j->staff);
	w = st ? store_write_new(STW_SESSION_INSERT) : NULL;
	if (!w) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		goto out;
	}
	crypto_token(j->token);
	crypto_token(j->csrf);
	crypto_token_hash(j->token, strlen(j->token), w->u.session.token_hash);
	w->u.session.staff_id = st->id;
	snprintf(w->u.session.csrf, sizeof w->u.session.csrf, "%s", j->csrf);
	w->u.session.created_at = w->u.session.last_seen = now;
	w->done = session_stored;
	w->arg = j;
	/* refused while shutting down: session_stored still runs (with an error), answers
	 * and frees j */
	writer_submit(g_app->writer, w);
	return;
out:
	free(j);
}

void auth_login(struct http_conn *h)
{
	json_error_t err;
	const char *email, *password;
	json_t *root = json_loadb(h->body, h->body_len, JSON_REJECT_DUPLICATES, &err);
	struct login_job *j;
	int64_t wait;

	if (h->origin[0] && !origin_is_self(h->origin, h->host)) {
		api_http_fail(h, API_BAD_ORIGIN, "Log in from rapport's own page.");
		goto out;
	}
	if (!root || json_unpack_ex(root, &err, JSON_STRICT, "{s:s, s:s}", "email", &email,
				    "password", &password)) {
		api_http_fail(h, API_BAD_JSON, "Send {\"email\":...,\"password\":...}.");
		goto out;
	}
	if (strlen(email) >= 256 || strlen(password) >= 1024) {
		api_http_fail(h, API_BAD_CREDENTIALS, "Wrong email or password.");
		goto out;
	}
	wait = locked_for(email, h->peer, app_now_ms());
	if (wait > 0) {
		char v[32];

		snprintf(v, sizeof v, "%lld", (long long)wait);
		http_add_header(h, "Retry-After", v);
		api_http_fail(h, API_RATE_LIMITED, "Too many failed logins; wait and try again.");
		goto out;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		api_http_fail(h, API_NOMEM, "Out of memory.");
		goto out;
	}
	j->job.run = login_run;
	j->job.done = login_done;
	j->http_id = h->id;
	snprintf(j->email, sizeof j->email, "%s", email);
	snprintf(j->password, sizeof j->password, "%s", password);
	snprintf(j->peer, sizeof j->peer, "%s", h->peer);
	api_submit_http(h, &j->job, login_job_free);
out:
	json_decref(root);
}

void auth_me(struct http_conn *h, struct session *s)
{
	struct staff *st = desk_staff(g_app->desk, s->staff_id);

	if (!st) {
		api_http_fail(h, API_UNAUTHENTICATED, "Please log in.");
		return;
	}
	respond_me(h, st, s->csrf);
}

void auth_logout(struct http_conn *h, struct session *s)
{
	struct store_write *w = store_write_new(STW_SESSION_DELETE);
	struct staff *st = desk_staff(g_app->desk, s->staff_id);

	close_sockets(s->hash, "logged out");
	if (st)
		duty_logged_out(st); /* no patron is left with a librarian who has gone */
	if (w) {
		memcpy(w->u.session.token_hash, s->hash, STORE_TOKEN_HASH_LEN);
		writer_submit(g_app->writer, w);
	}
	session_remove(s);
	http_add_header(h, "Set-Cookie",
			SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	http_respond(h, 200, strdup("{\"ok\":true}"), 11);
}
