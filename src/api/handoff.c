/* handoff.c: the hand-off commands of rapport.v1 (handoff, handoff_accept,
 * handoff_decline, handoff_cancel, and the patron's someone_else) over the desk's state
 * machine (desk/handoff.c), the records they leave (STW_HANDOFF_*), and the list of
 * hand-offs a library's consoles may take. See docs/PROTOCOL.md, "Hand-offs". */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/chat_int.h"
#include "api/errors.h"
#include "util/log.h"
#include "util/utf8.h"

/* A write of kind about ch's hand-off, keyed; NULL on out of memory (then the server
 * stops, as for any write the desk owes). */
static struct store_write *record(enum store_write_kind kind, const struct chat *ch)
{
	struct store_write *w = store_write_new(kind);

	if (!w) {
		chat_submit_owed(NULL);
		return NULL;
	}
	w->u.handoff.chat_id = ch->id;
	w->u.handoff.seq = ch->handoff->seq;
	return w;
}

/* The record of a new hand-off. */
static void save_offer(const struct chat *ch)
{
	const struct handoff *h = ch->handoff;
	struct store_write *w = record(STW_HANDOFF_OFFER, ch);
	struct store_handoff *r;

	if (!w)
		return;
	r = &w->u.handoff;
	r->library_id = ch->lib->id;
	r->queue_id = ch->queue->id;
	snprintf(r->kind, sizeof r->kind, "%s", desk_handoff_kind_name(h->kind));
	r->from_staff = h->from->id;
	r->to_staff = h->to ? h->to->id : 0;
	r->to_queue = h->to_queue ? h->to_queue->id : 0;
	utf8_copy(r->note, sizeof r->note, h->note, strlen(h->note));
	r->created_at = h->at;
	chat_submit_owed(w);
}

void handoff_save(struct chat *ch)
{
	struct handoff *h = ch->handoff;
	struct store_write *w;
	struct store_handoff *r;

	if (!h || !h->dirty)
		return;
	h->dirty = 0;
	if (!(w = record(STW_HANDOFF_DECIDE, ch)))
		return;
	r = &w->u.handoff;
	snprintf(r->state, sizeof r->state, "%s", desk_handoff_end_name(h->end));
	r->to_staff = h->taker ? h->taker->id : 0;
	utf8_copy(r->reason, sizeof r->reason, h->reason, strlen(h->reason));
	r->decided_at = h->decided_at;
	chat_submit_owed(w);
}

/* May the librarians of lib take h? */
static int for_library(const struct handoff *h, const struct library *lib)
{
	return h->to ? h->to->lib == lib : h->to_queue->lib == lib;
}

/* "key":{"id","name"}, with a trailing comma. */
static void ref_json(struct buf *b, const char *key, int64_t id, const char *name)
{
	buf_printf(b, "\"%s\":{\"id\":%lld,", key, (long long)id);
	json_kstr(b, "name", name);
	json_close(b, '}');
	buf_putc(b, ',');
}

static void one_json(struct buf *b, const struct chat *ch)
{
	const struct handoff *h = ch->handoff;
	const struct message *first = ch->n_msgs ? ch->msgs[0] : NULL;
	size_t n = first ? utf8_prefix_chars(first->text, first->len, 200) : 0;

	buf_putc(b, '{');
	json_kint(b, "chat", ch->id);
	json_kstr(b, "kind", desk_handoff_kind_name(h->kind));
	ref_json(b, "from", h->from->id, h->from->name);
	ref_json(b, "library", ch->lib->id, ch->lib->name);
	if (h->to)
		ref_json(b, "to", h->to->id, h->to->name);
	if (h->to_queue)
		ref_json(b, "queue", h->to_queue->id, h->to_queue->name);
	json_kstr(b, "note", h->note);
	buf_puts(b, "\"question\":");
	json_strn(b, first ? first->text : "", n);
	buf_putc(b, ',');
	json_kint(b, "patron", ch->patron->id);
	json_kbool(b, "remembered", desk_chat_remembered(ch));
	json_kint(b, "at", h->at);
	json_kint(b, "until", h->until);
	json_close(b, '}');
	buf_putc(b, ',');
}

void handoffs_json(struct buf *b, const struct library *lib)
{
	const struct desk *d = g_app->desk;

	buf_puts(b, "\"handoffs\":[");
	for (size_t i = 0; i < d->n_handing; i++) {
		const struct chat *ch = d->handing[i];

		/* listed once its event is durable, as queued chats are */
		if (for_library(ch->handoff, lib) && ch->handoff->seq <= ch->durable_seq)
			one_json(b, ch);
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

static void fail(struct ws_conn *c, int rc, const char *ref)
{
	api_ws_fail(c, api_err_desk(rc), desk_strerror(rc), ref);
}

static void cmd_offer(struct ws_conn *c, struct cmd *cmd, const char *ref)
{
	struct desk_actor a = chat_actor(c);
	struct staff *to = cmd->staff ? desk_staff(g_app->desk, cmd->staff) : NULL;
	struct queue *q = cmd->queue ? desk_queue(g_app->desk, cmd->queue) : NULL;
	struct message *ev;
	struct handoff *h;
	struct chat *ch;
	char note[HANDOFF_NOTE_MAX * 4 + 160];
	const char *text = cmd->text;
	size_t len = cmd->text_len;
	int rc, n;

	if (cmd->type == CMD_HANDOFF && ((cmd->staff && !to) || (cmd->queue && !q))) {
		api_ws_fail(c, API_NOT_FOUND,
			    to || cmd->queue ? "No such queue." : "No such colleague.", ref);
		return;
	}
	ch = desk_chat(g_app->desk, cmd->chat);
	if (cmd->type == CMD_HANDOFF && ch && ch->staff && ch->staff != c->staff) {
		/* a supervisor reassigning: the note says who asked */
		n = snprintf(note, sizeof note, "Reassigned by %s: %.*s", c->staff->name,
			     (int)cmd->text_len, cmd->text);
		text = note;
		len = n < 0 ? 0 : (size_t)n < sizeof note ? (size_t)n : sizeof note - 1;
	}
	rc = desk_handoff_offer(g_app->desk, app_now_ms(), &a, cmd->chat, to, q, text, len, &h,
				&ev);
	if (rc) {
		fail(c, rc, ref);
		return;
	}
	log_info("handoff", "chat %lld offered on (%s) by staff %lld", (long long)cmd->chat,
		 desk_handoff_kind_name(h->kind), (long long)h->from->id);
	save_offer(h->chat);
	chat_write_event(h->chat, ev, 0);
}

/* See api.h. */
void handoff_cmd(struct ws_conn *c, struct cmd *cmd)
{
	const char *ref = cmd->cmid[0] ? cmd->cmid : cmd->type_name;
	int64_t now = app_now_ms();
	struct message *ev;
	struct chat *ch;
	int rc;

	switch (cmd->type) {
	case CMD_HANDOFF:
	case CMD_SOMEONE_ELSE: cmd_offer(c, cmd, ref); return;
	case CMD_HANDOFF_ACCEPT:
		rc = desk_handoff_accept(g_app->desk, now, c->staff, cmd->chat, &ch, &ev);
		if (rc)
			break;
		chat_subscribe(c, ch, 0);
		chat_write_event(ch, ev, 1);
		return;
	case CMD_HANDOFF_DECLINE:
	case CMD_HANDOFF_CANCEL:
		rc = desk_handoff_decline(
			g_app->desk, now, c->staff, cmd->chat, cmd->type == CMD_HANDOFF_CANCEL,
			cmd->text ? cmd->text : "", cmd->text ? cmd->text_len : 0, &ch, &ev);
		if (rc)
			break;
		chat_write_event(ch, ev, 0);
		return;
	default: return;
	}
	fail(c, rc, ref);
}

static void returned_cb(void *ctx, struct chat *ch, struct message *ev)
{
	log_info("handoff", "chat %lld: the hand-off came back (%s)", (long long)ch->id,
		 desk_handoff_end_name(ch->handoff->end));
	chat_write_event(ch, ev, 0);
}

void handoff_tick(int64_t now)
{
	desk_tick_handoffs(g_app->desk, now, returned_cb, NULL);
}
