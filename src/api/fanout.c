/* fanout.c: subscriptions and delivery: which connections follow which chat, sending
 * each the committed messages it has not had (pausing at the send queue's high water),
 * and copies of a frame to a library's consoles or any matching connections. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/chat_int.h"

/* ---- subscriptions and delivery ------------------------------------------------------ */

static struct sub *sub_find(struct ws_conn *c, struct chat *ch)
{
	struct sub *s;

	for (s = c->subs; s; s = s->conn_next)
		if (s->chat == ch)
			return s;
	return NULL;
}

struct sub *chat_subscribe(struct ws_conn *c, struct chat *ch, int64_t after)
{
	struct sub *s = sub_find(c, ch);

	if (s) { /* never send a connection the same seq twice */
		if (after > s->sent_seq)
			s->sent_seq = after;
		return s;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->conn = c;
	s->chat = ch;
	s->sent_seq = after;
	s->chat_next = ch->subs;
	if (ch->subs)
		ch->subs->chat_prev = s;
	ch->subs = s;
	s->conn_next = c->subs;
	c->subs = s;
	desk_chat_ref(ch);
	return s;
}

void chat_deliver_to(struct sub *s)
{
	struct chat *ch = s->chat;
	struct ws_conn *c = s->conn;

	while (s->sent_seq < ch->durable_seq && !c->close_code) {
		if (!s->resume_to && ch->msgs[s->sent_seq]->origin == c->id) {
			s->sent_seq++; /* live: the sender has it, and gets an ack */
			continue;
		}
		if (s->resume_to && c->out_bytes > ws_high_water(c)) {
			/* a replay pauses and continues from resume_drained(); live delivery
			 * does not, so a client that stops reading is cut off at the limit */
			c->starved = 1;
			return;
		}
		struct message *m = ch->msgs[s->sent_seq];
		struct buf b = {0};

		frame_begin(&b, "msg");
		msg_fields(&b, ch, m);
		frame_send(s->conn, &b);
		s->sent_seq++;
	}
	if (s->resume_to && s->sent_seq >= s->resume_to && !c->close_code) {
		struct buf b = {0};

		frame_begin(&b, "resumed");
		json_kint(&b, "chat", ch->id);
		json_kint(&b, "last", s->sent_seq);
		frame_send(c, &b);
		s->resume_to = 0;
	}
}

/* The live subscribers of ch (not replaying) that have had every message before seq get
 * message seq: its frame is built once, on the first that needs it; every recipient but
 * the last gets a copy, the last the frame itself. The sender's own connection gets an
 * ack instead. */
static void deliver_one(struct chat *ch, int64_t seq)
{
	const struct message *m = ch->msgs[seq];
	struct ws_conn *last = NULL;
	struct buf b = {0};
	struct sub *s;

	for (s = ch->subs; s; s = s->chat_next) {
		if (s->resume_to || s->sent_seq != seq || s->conn->close_code)
			continue;
		s->sent_seq++;
		if (m->origin == s->conn->id)
			continue;
		if (!last) {
			frame_begin(&b, "msg");
			msg_fields(&b, ch, m);
			json_close(&b, '}');
		} else {
			fan_send_copy(last, &b);
		}
		last = s->conn;
	}
	if (last)
		ws_send(last, &b);
}

/* Sends every subscriber the committed messages it has not had yet: live ones message by
 * message (each message's JSON once), replaying ones through chat_deliver_to. */
void fan_deliver(struct chat *ch)
{
	int64_t seq = ch->durable_seq;
	struct sub *s;

	for (s = ch->subs; s; s = s->chat_next)
		if (!s->resume_to && s->sent_seq < seq)
			seq = s->sent_seq;
	for (; seq < ch->durable_seq; seq++)
		deliver_one(ch, seq);
	for (s = ch->subs; s; s = s->chat_next)
		if (s->resume_to)
			chat_deliver_to(s);
}

void fan_send_copy(struct ws_conn *c, const struct buf *b)
{
	struct buf copy = {0};

	buf_put(&copy, b->data, b->len);
	ws_send(c, &copy);
}

/* Sends a built frame to every connection that matches. The buffer is consumed. */
void fan_send_copies(struct buf *b, int (*match)(struct ws_conn *, const void *), const void *arg)
{
	struct ws_conn *c;

	json_close(b, '}');
	for (c = g_app->net.ws_list; c; c = c->next)
		if (match(c, arg))
			fan_send_copy(c, b);
	buf_free(b);
}

/* Sends a closed frame to the staff consoles of a library. */
void fan_copy_to_staff_of(const struct buf *b, const struct library *lib)
{
	struct ws_conn *c;

	for (c = g_app->net.staff_list; c; c = c->staff_next)
		if (c->lib == lib)
			fan_send_copy(c, b);
}

/* Sends a built frame to the staff consoles of a library. The buffer is consumed. */
void fan_send_staff_of(struct buf *b, const struct library *lib)
{
	json_close(b, '}');
	fan_copy_to_staff_of(b, lib);
	buf_free(b);
}
