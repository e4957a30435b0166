/* chat_json.c: the JSON of chats, messages and librarians' public profiles, as the
 * frames and REST answers carry them (docs/PROTOCOL.md). */
#include <string.h>

#include "api/api.h"
#include "api/chat_int.h"
#include "util/utf8.h"

/* ---- JSON --------------------------------------------------------------------------- */

static void staff_json(struct buf *b, const struct staff *s)
{
	if (!s) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	json_kint(b, "id", s->id);
	json_kstr(b, "name", s->name);
	json_close(b, '}');
}

void staff_profile_json(struct buf *b, const struct staff *s)
{
	if (!s) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	staff_profile_fields(b, s);
	json_close(b, '}');
}

void staff_profile_fields(struct buf *b, const struct staff *s)
{
	char photo[64] = "";

	if (s->photo_at)
		snprintf(photo, sizeof photo, "/api/v1/staff/%lld/photo?v=%lld", (long long)s->id,
			 (long long)s->photo_at);
	json_kint(b, "id", s->id);
	json_kstr(b, "name", s->name);
	json_kstr(b, "pronouns", s->pronouns);
	json_kstr(b, "subjects", s->subjects);
	json_kstr(b, "bio", s->bio);
	json_kstr(b, "photo", photo);
}

/* "offer":{...} or null, with a trailing comma. Staff see the librarian's id and name,
 * patrons their profile. */
void chat_offer_json(struct buf *b, const struct chat *ch, int profile)
{
	buf_puts(b, "\"offer\":");
	if (ch->state != CHAT_QUEUED || !ch->offer) {
		buf_puts(b, "null,");
		return;
	}
	buf_puts(b, "{\"staff\":");
	if (profile)
		staff_profile_json(b, ch->offer);
	else
		staff_json(b, ch->offer);
	buf_putc(b, ',');
	json_kstr(b, "why", desk_offer_name(ch->offer_why));
	json_kint(b, "until", ch->offer_until);
	json_close(b, '}');
	buf_putc(b, ',');
}

static const char *wait_basis_name(enum wait_basis b)
{
	return b == WAIT_RECENT ? "recent" : b == WAIT_FREE ? "free" : "none";
}

/* json_kint, or null for a negative (unknown) value. */
static void kms(struct buf *b, const char *key, int64_t ms)
{
	if (ms >= 0)
		json_kint(b, key, ms);
	else
		buf_printf(b, "\"%s\":null,", key);
}

/* "wait":{...}, of a queued chat (trailing comma): the remaining wait last told, the
 * total we stand by (promised_ms, from the join), and how often it grew past that. */
static void wait_json(struct buf *b, const struct chat *ch)
{
	if (ch->state != CHAT_QUEUED || !ch->wait_shown)
		return;
	buf_puts(b, "\"wait\":{");
	kms(b, "estimate_ms", ch->wait.ms);
	kms(b, "low_ms", ch->wait.low_ms);
	kms(b, "high_ms", ch->wait.high_ms);
	json_kstr(b, "basis", wait_basis_name(ch->wait.basis));
	kms(b, "promised_ms", ch->wait_promised_ms);
	json_kint(b, "grew", ch->wait_grew);
	if (ch->offer && !ch->offer_until)
		kms(b, "first_available_ms", ch->wait_any_ms);
	json_kint(b, "at", ch->wait_at);
	json_close(b, '}');
	buf_putc(b, ',');
}

/* "handed_back":{"by":{id,name},"at":ms}, of a queued chat a librarian handed back
 * (trailing comma); nothing otherwise. */
void chat_handback_json(struct buf *b, const struct chat *ch)
{
	if (ch->state != CHAT_QUEUED || !ch->handed_from)
		return;
	buf_puts(b, "\"handed_back\":{\"by\":");
	staff_json(b, ch->handed_from);
	buf_putc(b, ',');
	json_kint(b, "at", ch->handed_at);
	json_close(b, '}');
	buf_putc(b, ',');
}

void library_notes_json(struct buf *b, const struct library *lib)
{
	buf_puts(b, "\"library\":{");
	json_kint(b, "id", lib->id);
	json_kstr(b, "name", lib->name);
	json_kstr(b, "policy_notes", lib->policy_notes);
	json_close(b, '}');
	buf_putc(b, ',');
}

/* "queue":{id,name,library:{id,name}} (trailing comma), or nothing for NULL. */
static void queue_ref_json(struct buf *b, const char *key, const struct queue *q)
{
	if (!q)
		return;
	buf_printf(b, "\"%s\":{", key);
	json_kint(b, "id", q->id);
	json_kstr(b, "name", q->name);
	buf_puts(b, "\"library\":{");
	json_kint(b, "id", q->lib->id);
	json_kstr(b, "name", q->lib->name);
	json_close(b, '}');
	json_close(b, '}');
	buf_putc(b, ',');
}

/* "handoff":{...} of a chat's pending or latest hand-off (trailing comma). Staff also get
 * its note and the reason it came back; patrons see who is asked and what came of it. */
static void handoff_json(struct buf *b, const struct chat *ch, int staff)
{
	const struct handoff *h = ch->handoff;

	if (!h || (ch->state != CHAT_ACTIVE && ch->state != CHAT_QUEUED))
		return;
	buf_puts(b, "\"handoff\":{");
	json_kstr(b, "kind", desk_handoff_kind_name(h->kind));
	json_kstr(b, "state", desk_handoff_end_name(h->end));
	buf_puts(b, "\"from\":");
	staff_profile_json(b, h->from);
	buf_puts(b, ",\"to\":");
	staff_profile_json(b, h->taker ? h->taker : h->to);
	buf_putc(b, ',');
	queue_ref_json(b, "queue", h->to_queue);
	json_kint(b, "at", h->at);
	json_kint(b, "until", h->until);
	json_kint(b, "decided_at", h->decided_at);
	if (staff) {
		json_kstr(b, "note", h->note);
		json_kstr(b, "reason", h->reason);
	}
	json_close(b, '}');
	buf_putc(b, ',');
}

void chat_json(struct buf *b, const struct chat *ch)
{
	chat_json_as(b, ch, 0);
}

void chat_json_as(struct buf *b, const struct chat *ch, int staff)
{
	buf_putc(b, '{');
	json_kint(b, "id", ch->id);
	json_kstr(b, "state", desk_state_name(ch->state));
	json_kint(b, "queue", ch->queue->id);
	json_kint(b, "patron", ch->patron->id);
	json_kbool(b, "remembered", desk_chat_remembered(ch));
	json_kbool(b, "returning", desk_chat_returning(ch));
	buf_puts(b, "\"staff\":");
	staff_profile_json(b, ch->staff);
	buf_putc(b, ',');
	chat_offer_json(b, ch, 1);
	chat_handback_json(b, ch);
	handoff_json(b, ch, staff);
	if (staff) {
		const struct message *q = ch->n_msgs ? ch->msgs[0] : NULL;

		json_kint(b, "library", ch->lib->id);
		if (q) { /* the question, as queue entries and stored rows carry it */
			buf_puts(b, "\"question\":");
			json_strn(b, q->text, utf8_prefix_chars(q->text, q->len, 200));
			buf_putc(b, ',');
		}
	}
	json_kint(b, "created_at", ch->created_at);
	json_kint(b, "picked_at", ch->picked_at);
	json_kint(b, "ended_at", ch->ended_at);
	if (ch->state == CHAT_ENDED || ch->state == CHAT_ABANDONED)
		json_kstr(b, "ended_by", desk_author_name(ch->ended_by));
	json_kint(b, "last_seq", ch->durable_seq);
	json_kint(b, "position", (int64_t)desk_position(ch));
	wait_json(b, ch);
	if (ch->outcome[0])
		json_kstr(b, "outcome", ch->outcome);
	json_close(b, '}');
}

void chat_row_json(struct buf *b, const struct store_chat *r, int staff)
{
	struct chat *live = desk_chat(g_app->desk, r->id);
	struct staff *s = r->staff_id ? desk_staff(g_app->desk, r->staff_id) : NULL;

	if (live) {
		chat_json_as(b, live, staff);
		return;
	}
	buf_putc(b, '{');
	json_kint(b, "id", r->id);
	json_kstr(b, "state", store_chat_state_name(r->state));
	json_kint(b, "queue", r->queue_id);
	json_kint(b, "patron", r->patron_id);
	json_kbool(b, "remembered", r->remembered);
	buf_puts(b, "\"staff\":");
	staff_profile_json(b, s);
	buf_putc(b, ',');
	if (r->question[0])
		json_kstr(b, "question", r->question);
	if (r->outcome[0])
		json_kstr(b, "outcome", r->outcome);
	if (r->rating)
		json_kint(b, "rating", r->rating);
	json_kint(b, "created_at", r->created_at);
	json_kint(b, "picked_at", r->picked_at);
	json_kint(b, "ended_at", r->ended_at);
	if (r->ended_by[0])
		json_kstr(b, "ended_by", r->ended_by);
	json_kint(b, "position", 0);
	json_close(b, '}');
}

static const char *author_label(enum author a, int64_t id)
{
	struct staff *s;

	if (a == AUTHOR_PATRON)
		return patron_label(id);
	if (a == AUTHOR_STAFF && (s = desk_staff(g_app->desk, id)))
		return s->name;
	return NULL;
}

/* Message fields shared by the WebSocket frame and the REST transcript. */
void msg_fields_raw(struct buf *b, int64_t chat_id, int64_t seq, int event, enum author author,
		    int64_t author_id, const char *cmid, const char *text, size_t len, int64_t at,
		    enum author ended_by)
{
	const char *name = author_label(author, author_id);

	json_kint(b, "chat", chat_id);
	json_kint(b, "seq", seq);
	json_kstr(b, "kind", event ? "event" : "text");
	json_kstr(b, "from", desk_author_name(author));
	if (name)
		json_kstr(b, "name", name);
	if (event) {
		const struct staff *s =
			author == AUTHOR_STAFF ? desk_staff(g_app->desk, author_id) : NULL;
		const struct chat *ch = s ? desk_chat(g_app->desk, chat_id) : NULL;

		buf_puts(b, "\"event\":");
		json_strn(b, text, len);
		buf_putc(b, ',');
		if (len == 5 && memcmp(text, "ended", 5) == 0)
			json_kstr(b, "by", desk_author_name(ended_by));
		if (ch && s->lib != ch->lib) /* a librarian of another library, covering */
			json_kstr(b, "library", s->lib->name);
	} else {
		buf_puts(b, "\"text\":");
		json_strn(b, text, len);
		buf_putc(b, ',');
	}
	if (cmid && cmid[0])
		json_kstr(b, "cmid", cmid);
	json_kint(b, "at", at);
}

void msg_fields(struct buf *b, const struct chat *ch, const struct message *m)
{
	msg_fields_raw(b, ch->id, m->seq, m->kind == MSG_EVENT, m->author, m->author_id, m->cmid,
		       m->text, m->len, m->at, m->author);
}
