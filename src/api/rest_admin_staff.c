/* rest_admin_staff.c: the accounts of the caller's library over REST (docs/API.md,
 * "Administration"): the list, invitations by e-mail, role, chat cap and deactivation;
 * and passwords: the public set-password link an invitation (or a reset) carries, and a
 * librarian's own change of password.
 *
 * An invited account has no usable password until its link is used. The link's token is
 * random, lives only in the mail (the store keeps its hash), expires after LINK_TTL_MS and
 * works once. Passwords are hashed with argon2id on a worker, never on the loop.
 * Deactivating an account, or any change of its password, ends its sessions and closes
 * its consoles at once (auth_end_staff): its chats go back to the queue. A change that
 * would leave the library with no active administrator is refused here (from the desk)
 * and, for the truth, in SQL. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "api/rest_admin_int.h"
#include "api/routes.h"
#include "mail/message.h"
#include "util/crypto.h"
#include "util/email.h"
#include "util/log.h"

#define TAG "admin"
#define LINK_TTL_MS (72LL * 3600 * 1000)
#define CAP_MAX 20
#define PASSWORD_MIN 10
#define PASSWORD_MAX 1023

/* ---- the list ---------------------------------------------------------------------------- */

static void staff_json(struct buf *b, const struct staff *s, const struct staff *me)
{
	buf_putc(b, '{');
	json_kint(b, "id", s->id);
	json_kstr(b, "name", s->name);
	json_kstr(b, "email", s->email);
	json_kstr(b, "role", desk_access_name(s->access));
	json_kint(b, "max_chats", s->max_chats);
	json_kint(b, "chat_cap", desk_max_chats(g_app->desk, s));
	json_kbool(b, "active", s->active);
	json_kbool(b, "invited", s->invited);
	json_kbool(b, "online", s->online > 0);
	json_kbool(b, "you", s == me);
	json_close(b, '}');
}

static void respond_staff(const struct call *k, int status, const struct staff *s, const char *mail)
{
	struct buf b = {0};

	call_begin(k, &b, "staff");
	buf_puts(&b, "\"staff\":");
	staff_json(&b, s, k->staff);
	buf_putc(&b, ',');
	if (mail)
		json_kstr(&b, "mail", mail);
	call_send(k, status, &b);
}

static int staff_item(struct buf *b, size_t i, const struct call *k)
{
	const struct staff *s = g_app->desk->staff[i];
	int mine = s->lib == k->staff->lib;

	if (mine)
		staff_json(b, s, k->staff);
	return mine;
}

void admin_staff(struct call *k)
{
	admin_respond_list(k, "staff", g_app->desk->n_staff, staff_item);
}

/* A staff member of lib, or NULL: another library's is not told apart from none. */
static struct staff *own_staff(const struct library *lib, int64_t id)
{
	struct staff *s = desk_staff(g_app->desk, id);

	return s && s->lib == lib ? s : NULL;
}

/* ---- set-password links ------------------------------------------------------------------- */

/* Queues the mail carrying a set-password link for s. The word for the patron-facing
 * "mail" field: outbox_mail_word(), or "failed" when nothing could be queued. */
static const char *link_mail(const struct staff *s, const char *token, int reset)
{
	struct store_mail m = {0};
	struct buf text = {0}, html = {0};
	char url[512], subject[256];
	const char *lib = s->lib->name;

	snprintf(url, sizeof url, "%s/set-password?t=%s", g_app->cfg.public_url, token);
	m.library_id = s->lib->id;
	snprintf(m.kind, sizeof m.kind, "signin"); /* its bodies go once it is out */
	snprintf(m.to_addr, sizeof m.to_addr, "%s", s->email);
	snprintf(subject, sizeof subject, "%s: %s", lib,
		 reset ? "set a new password" : "you are invited to the reference desk");
	mail_header_clean(m.subject, sizeof m.subject, subject);
	buf_printf(&text,
		   "Hello %s,\n\n%s\n\nSet your password here (the link works once, for 72 "
		   "hours):\n%s\n\nThen sign in at %s/console with this e-mail address.\n",
		   s->name,
		   reset ? "An administrator asked for a new password for your account." : lib, url,
		   g_app->cfg.public_url);
	if (!reset)
		buf_puts(&text, "\n(You were invited to answer patrons' questions on its desk.)\n");
	buf_puts(&html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>");
	mail_html_text(&html, s->name);
	buf_puts(&html, reset ? ", an administrator asked for a new password for your account at "
			      : ", you are invited to the reference desk of ");
	mail_html_text(&html, lib);
	buf_puts(&html, ".</p><p><a href=\"");
	mail_html_text(&html, url);
	buf_puts(&html, "\">Set your password</a> (the link works once, for 72 hours).</p>"
			"</body></html>");
	sodium_memzero(url, sizeof url);
	m.body_text = buf_take(&text, NULL);
	m.body_html = buf_take(&html, NULL);
	buf_free(&text);
	buf_free(&html);
	if (!m.body_text || !m.body_html) {
		free(m.body_text);
		free(m.body_html);
		return "failed";
	}
	if (outbox_queue(&m, NULL, NULL) == -1) {
		log_error(TAG, "staff %lld: cannot queue the set-password mail", (long long)s->id);
		return "failed";
	}
	outbox_kick();
	return outbox_mail_word();
}

struct link_ctx {
	char token[CRYPTO_TOKEN_CHARS + 1];
	int reset;
};

/* A new link's token into x and its hash and expiry into w. */
static void link_new(struct link_ctx *x, struct store_admin_write *a)
{
	crypto_token(x->token);
	crypto_token_hash(x->token, strlen(x->token), a->hash);
	a->expires_at = a->at + LINK_TTL_MS;
}

static void link_done(struct call *k, struct store_write *w, int rc, void *arg)
{
	struct link_ctx *x = arg;
	const struct store_admin_write *a = &w->u.admin;
	struct staff *s = desk_staff(g_app->desk, a->id);
	const char *mail;

	if (!admin_write_failed(k, w, rc, x->reset ? API_NOT_FOUND : API_CONFLICT,
				x->reset ? "No such active account."
					 : "An account with that e-mail address exists.")) {
		if (!x->reset) {
			s = desk_put_staff(g_app->desk, a->id, a->library_id, a->email, a->name,
					   (enum staff_access)desk_access_of(a->access),
					   a->max_chats);
			if (s)
				s->active = s->invited = 1;
		}
		if (!s) {
			call_fail(k, API_NOMEM, "Saved; the account appears after a restart.");
		} else {
			mail = link_mail(s, x->token, x->reset);
			log_info(TAG, "staff %lld %s", (long long)s->id,
				 x->reset ? "sent a new link" : "invited");
			respond_staff(k, x->reset ? 200 : 201, s, mail);
		}
	}
	sodium_memzero(x, sizeof *x);
	free(x);
}

/* Submits w (a link write) with a new link; answers on failure. */
static void link_submit(const struct call *k, struct store_write *w, int reset)
{
	struct link_ctx *x = calloc(1, sizeof *x);

	if (!x) {
		store_write_free(w);
		call_fail(k, API_NOMEM, NULL);
		return;
	}
	x->reset = reset;
	link_new(x, &w->u.admin);
	api_write(k, w, link_done, x);
}

static int email_taken(const char *email)
{
	for (size_t i = 0; i < g_app->desk->n_staff; i++)
		if (!strcasecmp(g_app->desk->staff[i]->email, email))
			return 1;
	return 0;
}

/* Whether the caller may give role `access` (a consortium role only by one who has it). */
static int may_grant(const struct staff *me, int access)
{
	return access != ACCESS_CONSORTIUM_ADMIN || me->access == ACCESS_CONSORTIUM_ADMIN;
}

void admin_staff_invite(struct call *k)
{
	const char *email, *name, *role = "librarian";
	size_t len;
	int max = 0, access;
	json_t *root = rest_body_unpack(
		k->h,
		"Send {\"email\":\"...\",\"name\":\"...\",\"role\":\"librarian\",\"max_chats\":0}.",
		"{s:s, s:s%, s?s, s?i}", "email", &email, "name", &name, &len, "role", &role,
		"max_chats", &max);
	struct store_write *w;

	if (!root)
		return;
	access = desk_access_of(role);
	if (strlen(email) > 254 || !mail_addr_valid(email))
		call_fail(k, API_BAD_EMAIL, NULL);
	else if (!len || len > 127 || rest_blank(name) || !rest_text_ok(name, len, 127, 0))
		rest_bad_request(k->h, "A name is 1 to 127 bytes of text on one line.");
	else if (access < 0)
		rest_bad_request(k->h, "role is librarian, supervisor, admin or consortium_admin.");
	else if (max < 0 || max > CAP_MAX)
		rest_bad_request(k->h, "max_chats is 0 (the server's default) to 20.");
	else if (!may_grant(k->staff, access))
		call_fail(k, API_FORBIDDEN, "Only a consortium administrator may give that role.");
	else if (email_taken(email))
		call_fail(k, API_CONFLICT, "An account with that e-mail address exists.");
	else if (!outbox_can_send())
		call_fail(k, API_MAIL_UNAVAILABLE,
			  "This server cannot send e-mail, so an invitation would never arrive.");
	else if ((w = admin_write_new(k, STW_STAFF_INVITE))) {
		snprintf(w->u.admin.email, sizeof w->u.admin.email, "%s", email);
		snprintf(w->u.admin.name, sizeof w->u.admin.name, "%s", name);
		snprintf(w->u.admin.access, sizeof w->u.admin.access, "%s", role);
		w->u.admin.max_chats = max;
		link_submit(k, w, 0);
	}
	json_decref(root);
}

void admin_staff_link(struct call *k)
{
	struct staff *s = own_staff(k->staff->lib, k->id[0]);
	struct store_write *w;

	if (!s || !s->active)
		call_fail(k, API_NOT_FOUND, "No such active account.");
	else if (!outbox_can_send())
		call_fail(k, API_MAIL_UNAVAILABLE, "This server cannot send e-mail.");
	else if ((w = admin_write_new(k, STW_STAFF_LINK))) {
		w->u.admin.id = s->id;
		link_submit(k, w, 1);
	}
}

/* ---- role, cap, deactivation --------------------------------------------------------------- */

/* Whether lib keeps an active administrator if s becomes (access, active). */
static int keeps_admin(const struct staff *s, int access, int active)
{
	if (access >= ACCESS_ADMIN && active)
		return 1;
	for (size_t i = 0; i < g_app->desk->n_staff; i++) {
		const struct staff *o = g_app->desk->staff[i];

		if (o != s && o->lib == s->lib && o->active && o->access >= ACCESS_ADMIN)
			return 1;
	}
	return 0;
}

static void staff_edited(struct call *k, struct store_write *w, int rc, void *arg)
{
	const struct store_admin_write *a = &w->u.admin;
	struct staff *s = desk_staff(g_app->desk, a->id);
	int was_active = s && s->active;

	if (admin_write_failed(k, w, rc, API_LAST_ADMIN, NULL) || !s)
		return;
	desk_put_staff(g_app->desk, s->id, s->lib->id, s->email, s->name,
		       (enum staff_access)desk_access_of(a->access), a->max_chats);
	s->active = a->active;
	s->lib->staff_dirty = 1; /* patrons see who is on, and who is busy */
	if (was_active && !s->active)
		auth_end_staff(s->id, NULL, "account deactivated");
	log_info(TAG, "staff %lld: role %s, cap %d, %s", (long long)s->id, a->access, a->max_chats,
		 s->active ? "active" : "deactivated");
	respond_staff(k, 200, s, NULL);
}

void admin_staff_edit(struct call *k)
{
	struct staff *s = own_staff(k->staff->lib, k->id[0]);
	const char *role = NULL;
	int max = -1, active = -1, access;
	json_t *root = rest_body_unpack(k->h,
					"Send any of {\"role\":\"...\",\"max_chats\":0,\"active\":"
					"true}.",
					"{s?s, s?i, s?b}", "role", &role, "max_chats", &max,
					"active", &active);
	struct store_write *w;

	if (!root)
		return;
	access = role ? desk_access_of(role) : (s ? (int)s->access : 0);
	max = json_object_get(root, "max_chats") ? max : (s ? s->max_chats : 0);
	active = json_object_get(root, "active") ? active : (s ? s->active : 0);
	if (!s)
		call_fail(k, API_NOT_FOUND, "No such account.");
	else if (access < 0)
		rest_bad_request(k->h, "role is librarian, supervisor, admin or consortium_admin.");
	else if (max < 0 || max > CAP_MAX)
		rest_bad_request(k->h, "max_chats is 0 (the server's default) to 20.");
	else if (!may_grant(k->staff, access) || !may_grant(k->staff, (int)s->access))
		call_fail(k, API_FORBIDDEN,
			  "Only a consortium administrator may change that role.");
	else if (!keeps_admin(s, access, active))
		call_fail(k, API_LAST_ADMIN, NULL);
	else if ((w = admin_write_new(k, STW_STAFF_EDIT))) {
		w->u.admin.id = s->id;
		snprintf(w->u.admin.access, sizeof w->u.admin.access, "%s",
			 desk_access_name((enum staff_access)access));
		w->u.admin.max_chats = max;
		w->u.admin.active = active != 0;
		api_write(k, w, staff_edited, NULL);
	}
	json_decref(root);
}

/* ---- passwords ----------------------------------------------------------------------------- */

enum pw_kind { PW_LINK_READ, PW_LINK_SET, PW_CHANGE };

struct pw_job {
	struct api_job job; /* first: the async helper's */
	enum pw_kind kind;
	uint8_t hash[CRYPTO_HASH_BYTES]; /* of the link's token, or of the session kept */
	int64_t now, staff_id;
	char email[256], peer[64];
	char current[PASSWORD_MAX + 1], password[PASSWORD_MAX + 1];
	char pw_hash[128];
	struct store_staff staff;
	int wrong; /* PW_CHANGE: the current password did not match */
};

static void pw_free(struct api_job *job)
{
	struct pw_job *j = (struct pw_job *)job;

	sodium_memzero(j->current, sizeof j->current);
	sodium_memzero(j->password, sizeof j->password);
	sodium_memzero(j->staff.pw_hash, sizeof j->staff.pw_hash);
}

static void pw_run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct pw_job *j = (struct pw_job *)job;

	if (j->kind == PW_CHANGE) {
		job->rc = ops->staff_by_email(sc, j->email, &j->staff);
		j->wrong = job->rc || j->staff.id != j->staff_id ||
			   !crypto_password_check(j->staff.pw_hash, j->current, strlen(j->current));
	} else {
		job->rc = ops->staff_token(sc, j->hash, j->now, &j->staff);
	}
	if (!job->rc && !j->wrong && j->kind != PW_LINK_READ &&
	    crypto_password_hash(j->password, strlen(j->password), j->pw_hash))
		job->rc = STORE_ERR;
	sodium_memzero(j->current, sizeof j->current);
	sodium_memzero(j->password, sizeof j->password);
}

static void pw_written(struct call *k, struct store_write *w, int rc, void *arg)
{
	const struct store_admin_write *a = &w->u.admin;
	struct staff *s = desk_staff(g_app->desk, a->id);
	struct buf b = {0};

	if (admin_write_failed(k, w, rc, API_LINK_INVALID, NULL))
		return;
	if (s)
		s->invited = 0;
	/* every session but the one that asked (a link keeps none) ends now */
	auth_end_staff(a->id, w->kind == STW_PASSWORD_CHANGE ? a->hash : NULL, "password changed");
	log_info(TAG, "staff %lld changed their password", (long long)a->id);
	call_begin(k, &b, "password");
	json_kbool(&b, "ok", 1);
	json_kstr(&b, "email", s ? s->email : "");
	call_send(k, 200, &b);
}

static void pw_done(struct api_job *job, struct call *k)
{
	struct pw_job *j = (struct pw_job *)job;
	struct library *lib = desk_library(g_app->desk, j->staff.library_id);
	struct store_write *w;
	struct buf b = {0};

	if (j->kind == PW_CHANGE && j->wrong && job->rc != STORE_ERR) {
		auth_record_failure(j->email, j->peer, app_now_ms()); /* as a wrong login */
		call_fail(k, API_BAD_CREDENTIALS, "Your current password is not right.");
		return;
	}
	if (job->rc) {
		call_fail(k, job->rc == STORE_NOTFOUND ? API_LINK_INVALID : API_READ_FAILED, NULL);
		return;
	}
	if (j->kind == PW_LINK_READ) {
		call_begin(k, &b, "account");
		buf_puts(&b, "\"account\":{");
		json_kstr(&b, "email", j->staff.email);
		json_kstr(&b, "name", j->staff.display_name);
		json_kstr(&b, "library", lib ? lib->name : "");
		json_close(&b, '}');
		buf_putc(&b, ',');
		call_send(k, 200, &b);
		return;
	}
	w = g_app->stopping ? NULL
			    : store_write_new(j->kind == PW_CHANGE ? STW_PASSWORD_CHANGE
								   : STW_PASSWORD_SET);
	if (!w) {
		call_fail(k, g_app->stopping ? API_STOPPING : API_NOMEM, NULL);
		return;
	}
	w->u.admin.id = j->staff.id;
	w->u.admin.at = app_now_ms();
	memcpy(w->u.admin.hash, j->hash, sizeof j->hash);
	snprintf(w->u.admin.pw_hash, sizeof w->u.admin.pw_hash, "%s", j->pw_hash);
	sodium_memzero(j->pw_hash, sizeof j->pw_hash);
	api_write(k, w, pw_written, NULL);
}

/* A job of `kind` for k, or NULL (answered). */
static struct pw_job *pw_job_new(const struct call *k, enum pw_kind kind)
{
	struct pw_job *j = api_job_new(k, sizeof *j, pw_run, pw_done);

	if (j) {
		j->kind = kind;
		j->now = app_now_ms();
		j->job.free_fn = pw_free;
	}
	return j;
}

/* A new password's rule: PASSWORD_MIN to PASSWORD_MAX bytes of text on one line. */
static int password_ok(const struct call *k, const char *pw)
{
	size_t n = strlen(pw);

	if (n >= PASSWORD_MIN && rest_text_ok(pw, n, PASSWORD_MAX, 0))
		return 1;
	rest_bad_request(k->h, "A password is at least 10 characters (at most 1023 bytes) on "
			       "one line.");
	return 0;
}

void password_link(struct call *k)
{
	char token[64];
	const char *t = http_query_arg(k->h, "t=", token, sizeof token);
	struct pw_job *j;

	if (!t || strlen(t) != CRYPTO_TOKEN_CHARS) {
		call_fail(k, API_LINK_INVALID, NULL);
		return;
	}
	if (!(j = pw_job_new(k, PW_LINK_READ)))
		return;
	crypto_token_hash(t, strlen(t), j->hash);
	sodium_memzero(token, sizeof token);
	api_read(&j->job);
}

/* The two ways to a new password: {"token","password"} (a link, PW_LINK_SET) or
 * {"current","password"} (the librarian's own, PW_CHANGE). */
static void password_post(struct call *k, enum pw_kind kind)
{
	int link = kind == PW_LINK_SET;
	const char *key = link ? "token" : "current", *first, *password;
	char usage[64];
	json_t *root;
	struct pw_job *j;

	snprintf(usage, sizeof usage, "Send {\"%s\":\"...\",\"password\":\"...\"}.", key);
	root = rest_body_unpack(k->h, usage, "{s:s, s:s}", key, &first, "password", &password);
	if (!root)
		return;
	if (link ? strlen(first) != CRYPTO_TOKEN_CHARS : strlen(first) > PASSWORD_MAX)
		call_fail(k, link ? API_LINK_INVALID : API_BAD_CREDENTIALS,
			  link ? NULL : "Your current password is not right.");
	else if (!link && auth_locked_for(k->staff->email, k->h->peer, app_now_ms()) > 0)
		call_fail(k, API_RATE_LIMITED, "Too many wrong passwords; wait and try again.");
	else if (password_ok(k, password) && (j = pw_job_new(k, kind))) {
		if (link) {
			crypto_token_hash(first, strlen(first), j->hash);
		} else {
			j->staff_id = k->staff->id;
			snprintf(j->email, sizeof j->email, "%s", k->staff->email);
			snprintf(j->peer, sizeof j->peer, "%s", k->h->peer);
			memcpy(j->hash, k->session->hash, sizeof j->hash);
			snprintf(j->current, sizeof j->current, "%s", first);
		}
		snprintf(j->password, sizeof j->password, "%s", password);
		api_read(&j->job);
	}
	json_decref(root);
}

void password_link_set(struct call *k)
{
	password_post(k, PW_LINK_SET);
}

void password_change(struct call *k)
{
	password_post(k, PW_CHANGE);
}
