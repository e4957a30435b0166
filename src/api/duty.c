/* duty.c: whether a librarian takes new chats (on duty or Away), and handing their active
 * chats back to the front of the queue when they leave (docs/PROTOCOL.md, "Leaving the
 * desk"). The desk decides availability (desk_staff_available); this file speaks the
 * protocol and tells consoles and patrons. */
#include <string.h>

#include "api/api.h"
#include "util/log.h"

void duty_status_json(struct buf *b, const struct staff *s)
{
	json_kstr(b, "status", s->away ? "away" : "on_duty");
}

/* Tells every console of s its status in a `duty` frame (and, after a hand-back, how many chats
 * went). */
static void send_status(const struct staff *s, int handed_back)
{
	struct buf b = {0};
	struct ws_conn *c;

	frame_begin(&b, "duty");
	duty_status_json(&b, s);
	json_kint(&b, "handed_back", handed_back);
	json_close(&b, '}');
	for (c = g_app->net.staff_list; c; c = c->staff_next) {
		if (c->staff == s) {
			struct buf copy = {0};

			buf_put(&copy, b.data, b.len);
			ws_send(c, &copy);
		}
	}
	buf_free(&b);
}

int duty_handback_all(struct staff *s)
{
	struct desk *d = g_app->desk;
	int64_t now = app_now_ms();
	size_t i;
	int n = 0;

	for (i = 0; i < d->chats.cap && s->n_active > 0; i++) {
		struct chat *ch = d->chats.vals[i];
		struct message *ev;

		if (d->chats.keys[i] && ch->state == CHAT_ACTIVE && ch->staff == s &&
		    desk_handback(d, now, ch, &ev) == DESK_OK) {
			chat_handed_back(ch, ev);
			n++;
		}
	}
	if (n)
		log_info("duty", "staff %lld handed back %d chats", (long long)s->id, n);
	return n;
}

void duty_cmd(struct ws_conn *c, struct cmd *cmd)
{
	struct staff *s = c->staff;
	int n = 0;

	if (desk_staff_set_away(g_app->desk, s, cmd->away, app_now_ms()))
		s->lib->staff_dirty = 1; /* patrons see who is on */
	if (cmd->away && cmd->on)
		n = duty_handback_all(s);
	send_status(s, n);
}

void duty_logged_out(struct staff *s)
{
	struct ws_conn *c;

	for (c = g_app->net.staff_list; c; c = c->staff_next)
		if (c->staff == s && !c->close_code)
			return; /* still at the desk in another browser */
	duty_handback_all(s);
	if (desk_staff_set_away(g_app->desk, s, 0, app_now_ms()))
		s->lib->staff_dirty = 1;
}

void duty_logged_in(struct staff *s)
{
	if (s->online == 0 && desk_staff_set_away(g_app->desk, s, 0, app_now_ms()))
		s->lib->staff_dirty = 1;
}
