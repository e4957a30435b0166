/* patron.c: a patron's say over being remembered, and their relationship commands
 * (remember, forget, choose, rate, favourite, prefer; docs/PROTOCOL.md).
 *
 * Consent and everything remembered go through the writer. Once committed, the patron's
 * `relation` is read back from the store on a worker and sent to every connection of that
 * patron, so what they see is what is really stored (docs/PRIVACY.md). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "util/log.h"

/* The notice a patron agrees to. Change the version whenever the text changes: a
 * `remember` must echo the version it was shown. */
#define NOTICE_VERSION "2026-11"
static const char notice_text[] =
	"If you choose to be remembered, this library keeps your chats with us linked to you, "
	"with notes librarians write to help you next time and the details you give here "
	"(all optional). Only librarians of this library see them, and each look is logged. "
	"You can ask us to forget you at any time, here: we then delete the notes and details "
	"and stop linking your chats to you.";

void patron_notice_json(struct buf *b)
{
	buf_puts(b, "\"notice\":{");
	json_kstr(b, "version", NOTICE_VERSION);
	json_kstr(b, "text", notice_text);
	json_close(b, '}');
	buf_putc(b, ',');
}

static const char *greeting_name(const struct store_relation *r)
{
	return r->preferred_name[0] ? r->preferred_name : r->display_name;
}

const char *patron_greeting_name(const struct store_relation *r)
{
	const char *n = r->remembered ? greeting_name(r) : "";

	return n[0] ? n : "Patron";
}

const char *patron_label(int64_t patron_id)
{
	struct patron *p = idmap_get(&g_app->desk->patrons, patron_id);

	return p && p->remembered && p->name[0] ? p->name : "Patron";
}

void patron_relation_json(struct buf *b, const struct store_relation *r)
{
	size_t i;

	buf_puts(b, "\"relation\":{");
	json_kbool(b, "remembered", r->remembered);
	if (r->remembered) {
		json_kint(b, "since", r->remembered_since);
		json_kstr(b, "display_name", r->display_name);
		json_kstr(b, "preferred_name", r->preferred_name);
		json_kstr(b, "pronouns", r->pronouns);
		json_kstr(b, "email", r->email);
		json_kstr(b, "name", greeting_name(r));
		json_kint(b, "preferred_staff", r->preferred_staff_id);
		buf_puts(b, "\"favourites\":[");
		for (i = 0; i < r->n_favourites; i++)
			buf_printf(b, "%lld,", (long long)r->favourites[i]);
		json_close(b, ']');
		buf_putc(b, ',');
	}
	json_close(b, '}');
	buf_putc(b, ',');
}

void librarians_json(struct buf *b, const struct library *lib)
{
	size_t i;

	buf_puts(b, "\"librarians\":[");
	for (i = 0; i < g_app->desk->n_staff; i++) {
		struct staff *s = g_app->desk->staff[i];

		if (s->lib != lib || !s->listed || !desk_staff_available(s))
			continue;
		buf_putc(b, '{');
		staff_profile_fields(b, s);
		busy_librarian_json(b, s); /* busy.c */
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

void patron_apply_relation(struct patron *p, const struct store_relation *r)
{
	/* the earliest known: a read that began before a join committed may not have it yet
	 * (forgetting, below, clears it) */
	if (r->remembered && r->first_chat_at > 0 &&
	    (p->first_chat_at <= 0 || r->first_chat_at < p->first_chat_at))
		p->first_chat_at = r->first_chat_at;
	desk_set_relation(g_app->desk, app_now_ms(), p, r->remembered, greeting_name(r),
			  r->preferred_staff_id, r->helpers, r->n_helpers);
	promises_name_patron(p->id, r->remembered, greeting_name(r));
}

/* ---- reading the relation back ----------------------------------------------------------- */

struct relation_job {
	struct worker_job job;
	int64_t patron_id;
	int rc;
	struct store_relation rel;
};

static void relation_run(struct worker_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct relation_job *j = (struct relation_job *)job;

	j->rc = ops->relation(sc, j->patron_id, &j->rel);
}

/* What staff see of p changed (consent given or withdrawn, details edited): every console
 * of the library hears `patron` (ids only; a console showing that patron's card reads it
 * again) and a `chat` frame for each chat held for p, whose remembered flags may have
 * moved. */
static void relation_announce(struct patron *p)
{
	struct library *lib = desk_library(g_app->desk, p->library_id);
	struct buf b = {0};
	size_t i;

	if (!lib)
		return;
	frame_begin(&b, "patron");
	json_kint(&b, "patron", p->id);
	json_kbool(&b, "remembered", p->remembered);
	chat_send_staff_of(&b, lib);
	for (i = 0; i < p->n_chats; i++)
		chat_announce(p->chats[i]);
	lib->queue_dirty = 1; /* queue items say remembered / returning too */
}

static void relation_done(struct worker_job *job)
{
	struct relation_job *j = (struct relation_job *)job;
	struct patron *p = idmap_get(&g_app->desk->patrons, j->patron_id);
	struct ws_conn *c;

	if (j->rc) {
		log_error("patron", "cannot read a relation: %s", store_strerror(j->rc));
	} else if (!p) {
		/* gone offline meanwhile: their promises still show the name as it is now */
		promises_name_patron(j->patron_id, j->rel.remembered, greeting_name(&j->rel));
	} else {
		patron_apply_relation(p, &j->rel);
		relation_announce(p);
		for (c = g_app->net.ws_list; c; c = c->next) {
			struct buf b = {0};

			if (c->role != ROLE_PATRON || c->patron != p)
				continue;
			frame_begin(&b, "relation");
			patron_relation_json(&b, &j->rel);
			frame_send(c, &b);
		}
	}
	free(j);
}

static void relation_refresh(int64_t patron_id)
{
	struct relation_job *j = calloc(1, sizeof *j);

	if (!j)
		return;
	j->job.run = relation_run;
	j->job.done = relation_done;
	j->patron_id = patron_id;
	api_submit(NULL, &j->job, NULL); /* refused: the patron sees it on their next hello */
}

/* ---- writes ------------------------------------------------------------------------------- */

struct patron_op {
	uint64_t conn_id;
	int64_t patron_id;
	enum cmd_type type;
	const char *ref; /* the frame type, a static string */
	int64_t chat, rating;
};

static void write_done(struct store_write *w, int rc)
{
	struct patron_op *o = w->arg;
	struct ws_conn *c = ws_find(&g_app->net, o->conn_id);
	const char *ref = o->ref;

	if (rc) {
		log_error("patron", "a relationship write failed: %s", store_strerror(rc));
		if (c)
			api_ws_fail(c, API_STORE_FAILED, "Could not save that; try again.", ref);
	} else if (o->type == CMD_RATE) {
		if (c && w->changed) {
			struct buf b = {0};

			frame_begin(&b, "rated");
			json_kint(&b, "chat", o->chat);
			json_kint(&b, "rating", o->rating);
			frame_send(c, &b);
		} else if (c) {
			api_ws_fail(c, API_NOT_FOUND, "No ended chat of yours with that id.", ref);
		}
	} else {
		struct patron *p = idmap_get(&g_app->desk->patrons, o->patron_id);

		/* committed: memory follows now, before the read-back, so nothing held (a chat's
		 * flag, a transcript's name) outlives a withdrawal even for a moment */
		if (p && o->type == CMD_FORGET && w->changed)
			desk_set_relation(g_app->desk, app_now_ms(), p, 0, NULL, 0, NULL, 0);
		else if (p && o->type == CMD_REMEMBER && o->chat && w->kind == STW_CONSENT_GIVE) {
			p->remembered = 1; /* the read-back below sets the rest */
			desk_link_chat(p, o->chat);
		}
		relation_refresh(o->patron_id);
	}
	free(o);
}

static void submit_patron_write(struct ws_conn *c, struct store_write *w, struct cmd *cmd)
{
	struct patron_op *o = w ? calloc(1, sizeof *o) : NULL;

	if (!o) {
		store_write_free(w);
		api_ws_fail(c, API_NOMEM, "Out of memory.", cmd->type_name);
		return;
	}
	o->conn_id = c->id;
	o->patron_id = c->patron->id;
	o->type = cmd->type;
	o->ref = cmd->type_name;
	o->chat = cmd->chat;
	o->rating = cmd->rating;
	w->u.rel.patron_id = c->patron->id;
	w->u.rel.library_id = c->lib->id;
	w->u.rel.at = app_now_ms();
	w->done = write_done;
	w->arg = o;
	if (writer_submit(g_app->writer, w))
		api_ws_fail(c, API_STOPPING, "The server is shutting down.", cmd->type_name);
}

static void cmd_remember(struct ws_conn *c, struct cmd *cmd)
{
	struct store_write *w;
	struct store_rel_write *r;

	if (strcmp(cmd->notice, NOTICE_VERSION) != 0) {
		api_ws_fail(c, API_STALE_NOTICE, "The notice has changed; please read the new one.",
			    "remember");
		return;
	}
	/* the chat they chose in (open, or just ended: its end screen) joins their history;
	 * only their own: the store's write is bound to the patron too, for chats not held */
	if (cmd->chat) {
		struct chat *ch = desk_chat(g_app->desk, cmd->chat);

		if (ch && ch->patron != c->patron)
			cmd->chat = 0;
	}
	w = store_write_new(c->patron->remembered ? STW_PATRON_PROFILE : STW_CONSENT_GIVE);
	if (w) {
		r = &w->u.rel;
		r->chat_id = cmd->chat;
		snprintf(r->key, sizeof r->key, "%s", cmd->notice);
		snprintf(r->display_name, sizeof r->display_name, "%s", cmd->display_name);
		snprintf(r->preferred_name, sizeof r->preferred_name, "%s", cmd->preferred_name);
		snprintf(r->pronouns, sizeof r->pronouns, "%s", cmd->pronouns);
		snprintf(r->email, sizeof r->email, "%s", cmd->email);
	}
	submit_patron_write(c, w, cmd);
}

/* favourite and prefer: a remembered patron and a librarian of their library. */
static int staff_choice_ok(struct ws_conn *c, struct cmd *cmd)
{
	struct staff *s = cmd->staff ? desk_staff(g_app->desk, cmd->staff) : NULL;

	if (!c->patron->remembered) {
		api_ws_fail(c, API_NOT_REMEMBERED, "Choose to be remembered first.",
			    cmd->type_name);
		return 0;
	}
	if (cmd->staff && (!s || s->lib != c->lib)) {
		api_ws_fail(c, API_NOT_FOUND, "No such librarian.", cmd->type_name);
		return 0;
	}
	return 1;
}

static void cmd_choose(struct ws_conn *c, struct cmd *cmd)
{
	struct desk_actor a = chat_actor(c);
	enum desk_choice choice = strcmp(cmd->choice, "first") == 0  ? CHOOSE_FIRST
				  : strcmp(cmd->choice, "wait") == 0 ? CHOOSE_WAIT
								     : CHOOSE_STAFF;
	int rc = desk_choose(g_app->desk, app_now_ms(), &a, cmd->chat, choice, cmd->staff);
	struct chat *ch;

	if (rc) {
		api_ws_fail(c, rc == DESK_NOT_FOUND ? API_NOT_FOUND : API_BAD_STATE,
			    desk_strerror(rc), "choose");
		return;
	}
	ch = desk_chat(g_app->desk, cmd->chat);
	if (ch) { /* answered by a `chat` frame, even when nothing changed */
		ch->offer_dirty = 1;
		ch->lib->queue_dirty = 1;
	}
}

void patron_cmd(struct ws_conn *c, struct cmd *cmd)
{
	struct store_write *w;

	if (c->role != ROLE_PATRON || !c->patron) {
		api_ws_fail(c, API_BAD_FRAME, "Only patrons send this.", cmd->type_name);
		return;
	}
	switch (cmd->type) {
	case CMD_REMEMBER: cmd_remember(c, cmd); break;
	case CMD_FORGET: submit_patron_write(c, store_write_new(STW_CONSENT_WITHDRAW), cmd); break;
	case CMD_CHOOSE: cmd_choose(c, cmd); break;
	case CMD_RATE: {
		struct chat *ch = desk_chat(g_app->desk, cmd->chat);

		if (ch && ch->patron == c->patron &&
		    (ch->state == CHAT_QUEUED || ch->state == CHAT_ACTIVE)) {
			api_ws_fail(c, API_BAD_STATE, "A chat can be rated once it has ended.",
				    "rate");
			return;
		}
		w = store_write_new(STW_CHAT_RATE);
		if (w) {
			w->u.rel.chat_id = cmd->chat;
			w->u.rel.on = (int)cmd->rating;
		}
		submit_patron_write(c, w, cmd);
		break;
	}
	case CMD_FAVOURITE:
	case CMD_PREFER:
		if (!staff_choice_ok(c, cmd))
			return;
		w = store_write_new(cmd->type == CMD_FAVOURITE ? STW_FAVOURITE : STW_PREFERRED);
		if (w) {
			w->u.rel.staff_id = cmd->staff;
			w->u.rel.on = cmd->on;
		}
		submit_patron_write(c, w, cmd);
		break;
	default: break;
	}
}
