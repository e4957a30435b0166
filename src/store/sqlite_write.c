/* sqlite_write.c: the SQLite backend's writes: binding each kind of store_write, the
 * statements each kind runs (write_steps) and sq_apply, which runs them inside the writer
 * thread's transaction; and the set-up upserts of the CLI (library, queue, staff). */
#include <string.h>
#include <time.h>

#include "sqlite_int.h"

/* Binds a fixed-size char array field; BADARG when it is not NUL-terminated. */
static int bind_field(sqlite3_stmt *st, int i, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		return SQLITE_RANGE;
	return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}
#define BIND_FIELD(st, i, field) bind_field((st), (i), (field), sizeof(field))

static int bind_hash(sqlite3_stmt *st, int i, const uint8_t *h)
{
	return sqlite3_bind_blob(st, i, h, STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- writes ------------------------------------------------------------------------ */

static int bind_message(sqlite3_stmt *st, const struct store_message *m)
{
	int kind = (int)m->kind, author = (int)m->author, rc;
	size_t cmid_len = strnlen(m->cmid, sizeof m->cmid);

	if (kind < STORE_MSG_TEXT || kind > STORE_MSG_EVENT || author < STORE_AUTHOR_SYSTEM ||
	    author > STORE_AUTHOR_STAFF || cmid_len == sizeof m->cmid)
		return SQLITE_RANGE;
	rc = sqlite3_bind_int64(st, 1, m->chat_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 2, m->seq);
	rc = rc ? rc : sqlite3_bind_int(st, 3, kind);
	rc = rc ? rc : sqlite3_bind_int(st, 4, author);
	rc = rc ? rc : sqlite3_bind_int64(st, 5, m->author_id);
	if (!rc && cmid_len)
		rc = sqlite3_bind_text(st, 6, m->cmid, (int)cmid_len, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_text(st, 7, m->body ? m->body : "", -1, SQLITE_STATIC);
	rc = rc ? rc : sqlite3_bind_int64(st, 8, m->created_at);
	return rc;
}

/* A wait in ms, NULL when negative (none). */
static int bind_ms(sqlite3_stmt *st, int i, int64_t ms)
{
	return ms < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, ms);
}

static int bind_chat_insert(sqlite3_stmt *st, const struct store_chat *ch)
{
	int rc = sqlite3_bind_int64(st, 1, ch->id);

	rc = rc ? rc : sqlite3_bind_int64(st, 2, ch->library_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 3, ch->queue_id);
	rc = rc ? rc : sqlite3_bind_int64(st, 4, ch->patron_id);
	if (!rc && ch->staff_id) /* NULL until picked, so the foreign key holds */
		rc = sqlite3_bind_int64(st, 5, ch->staff_id);
	rc = rc ? rc : sq_bind_chat_state(st, 6, ch->state);
	rc = rc ? rc : BIND_FIELD(st, 7, ch->join_cmid);
	rc = rc ? rc : BIND_FIELD(st, 8, ch->ended_by);
	rc = rc ? rc : sqlite3_bind_int64(st, 9, ch->created_at);
	rc = rc ? rc : sqlite3_bind_int64(st, 10, ch->picked_at);
	rc = rc ? rc : sqlite3_bind_int64(st, 11, ch->ended_at);
	rc = rc ? rc : sqlite3_bind_int(st, 12, ch->remembered != 0);
	rc = rc ? rc : BIND_FIELD(st, 13, ch->question);
	rc = rc ? rc : bind_ms(st, 14, ch->wait_estimate_ms);
	rc = rc ? rc : bind_ms(st, 15, ch->wait_last_ms);
	return rc ? rc : bind_ms(st, 16, ch->wait_raw_ms);
}

static int bind_chat_update(sqlite3_stmt *st, const struct store_chat *ch)
{
	int rc = sqlite3_bind_int64(st, 1, ch->id);

	if (!rc && ch->staff_id)
		rc = sqlite3_bind_int64(st, 2, ch->staff_id);
	rc = rc ? rc : sq_bind_chat_state(st, 3, ch->state);
	rc = rc ? rc : BIND_FIELD(st, 4, ch->ended_by);
	rc = rc ? rc : sqlite3_bind_int64(st, 5, ch->picked_at);
	rc = rc ? rc : sqlite3_bind_int64(st, 6, ch->ended_at);
	rc = rc ? rc : bind_ms(st, 7, ch->wait_estimate_ms);
	rc = rc ? rc : bind_ms(st, 8, ch->wait_last_ms);
	rc = rc ? rc : bind_ms(st, 9, ch->wait_actual_ms);
	return rc ? rc : sqlite3_bind_int(st, 10, ch->wait_grew > 0 ? ch->wait_grew : 0);
}

/* The writes of patrons, chats, messages and sessions; SQLITE_MISUSE for any other. */
static int bind_core(sqlite3_stmt *st, const struct store_write *w)
{
	const struct store_patron *p = &w->u.patron;
	const struct store_session *s = &w->u.session;
	int rc = SQLITE_OK;

	switch (w->kind) {
	case STW_PATRON_INSERT:
		rc = sqlite3_bind_int64(st, 1, p->id);
		rc = rc ? rc : sqlite3_bind_int64(st, 2, p->library_id);
		rc = rc ? rc : bind_hash(st, 3, p->token_hash);
		rc = rc ? rc : sqlite3_bind_int64(st, 4, p->created_at);
		rc = rc ? rc : sqlite3_bind_int64(st, 5, p->last_seen);
		return rc;
	case STW_PATRON_TOUCH:
		rc = sqlite3_bind_int64(st, 1, p->id);
		return rc ? rc : sqlite3_bind_int64(st, 2, p->last_seen);
	case STW_CHAT_INSERT: return bind_chat_insert(st, &w->u.chat);
	case STW_CHAT_UPDATE: return bind_chat_update(st, &w->u.chat);
	case STW_CHAT_ROUTE:
		rc = sqlite3_bind_int64(st, 1, w->u.chat.id);
		if (!rc && w->u.chat.offer_staff_id)
			rc = sqlite3_bind_int64(st, 2, w->u.chat.offer_staff_id);
		rc = rc ? rc : BIND_FIELD(st, 3, w->u.chat.offer_why);
		rc = rc ? rc : sqlite3_bind_int64(st, 4, w->u.chat.offer_until);
		rc = rc ? rc : sqlite3_bind_int64(st, 5, w->u.chat.route_ends);
		return rc ? rc : sqlite3_bind_int(st, 6, w->u.chat.routing != 0);
	case STW_MESSAGE_INSERT: return bind_message(st, &w->u.message);
	case STW_SESSION_INSERT:
		rc = bind_hash(st, 1, s->token_hash);
		rc = rc ? rc : sqlite3_bind_int64(st, 2, s->staff_id);
		rc = rc ? rc : BIND_FIELD(st, 3, s->csrf);
		rc = rc ? rc : sqlite3_bind_int64(st, 4, s->created_at);
		return rc ? rc : sqlite3_bind_int64(st, 5, s->last_seen);
	case STW_SESSION_TOUCH:
		rc = bind_hash(st, 1, s->token_hash);
		return rc ? rc : sqlite3_bind_int64(st, 2, s->last_seen);
	case STW_SESSION_DELETE: return bind_hash(st, 1, s->token_hash);
	default: return SQLITE_MISUSE;
	}
}

static int bind_write(sqlite3_stmt *st, const struct store_write *w)
{
	switch (w->kind) {
	case STW_BARRIER: break;
	case STW_CONSENT_GIVE:
	case STW_CONSENT_WITHDRAW:
	case STW_PATRON_PROFILE:
	case STW_NOTE_ADD:
	case STW_NOTE_EDIT:
	case STW_NOTE_DELETE:
	case STW_TRAIT_SET:
	case STW_TRAIT_KEY_PUT:
	case STW_FAVOURITE:
	case STW_PREFERRED:
	case STW_CHAT_OUTCOME:
	case STW_CHAT_RATE:
	case STW_CARD_VIEW:
	case STW_STAFF_PROFILE:
	case STW_STAFF_PHOTO: return sq_bind_rel(st, &w->u.rel);
	case STW_PROMISE_ADD:
	case STW_PROMISE_DONE:
	case STW_PROMISE_CANCEL:
	case STW_PROMISE_REASSIGN: return sq_bind_promise(st, &w->u.promise);
	case STW_CASE_ADD:
	case STW_CASE_REPLY:
	case STW_CASE_CLOSE: return sq_bind_case(st, &w->u.kase);
	case STW_HANDOFF_OFFER:
	case STW_HANDOFF_DECIDE:
	case STW_HANDOFF_SETTLE: return sq_bind_handoff(st, &w->u.handoff);
	case STW_MAIL_QUEUE:
	case STW_MAIL_CLAIM:
	case STW_MAIL_RESULT:
	case STW_MAIL_RECOVER:
	case STW_MAIL_RETRY:
	case STW_SIGNIN_CREATE:
	case STW_SIGNIN_USE: return sq_bind_mail(st, w);
	case STW_FOLLOWUP_ADD:
	case STW_FOLLOWUP_CANCEL:
	case STW_FOLLOWUP_ANSWER:
	case STW_FOLLOWUP_STOP: return sq_bind_followup(st, w);
	case STW_QUEUE_ADD:
	case STW_QUEUE_EDIT:
	case STW_LIBRARY_EDIT:
	case STW_STAFF_INVITE:
	case STW_STAFF_LINK:
	case STW_STAFF_EDIT:
	case STW_PASSWORD_SET:
	case STW_PASSWORD_CHANGE: return sq_bind_admin(st, &w->u.admin);
	default: return bind_core(st, w);
	}
	return SQLITE_OK;
}

/* A write runs its statements in order. STEP_COUNT adds the statement's changes to
 * w->changed; STEP_IF runs only if something was counted before it. So the first
 * statement of a relationship write decides whether it applies, and the rest follow. */
enum step_how { STEP_END = 0, STEP_COUNT, STEP_IF };
struct step {
	enum sq_stmt st;
	enum step_how how;
};
#define STEPS_MAX 8
#define ONE(s)                                                                                     \
	{                                                                                          \
		{                                                                                  \
			(s), STEP_COUNT                                                            \
		}                                                                                  \
	}

static const struct step write_steps[][STEPS_MAX] = {
	[STW_PATRON_INSERT] = ONE(SQ_PATRON_INSERT),
	[STW_PATRON_TOUCH] = ONE(SQ_PATRON_TOUCH),
	[STW_CHAT_INSERT] = ONE(SQ_CHAT_INSERT),
	[STW_CHAT_UPDATE] = ONE(SQ_CHAT_UPDATE),
	[STW_CHAT_ROUTE] = ONE(SQ_CHAT_ROUTE),
	[STW_MESSAGE_INSERT] = ONE(SQ_MESSAGE_INSERT),
	[STW_SESSION_INSERT] = ONE(SQ_SESSION_INSERT),
	[STW_SESSION_TOUCH] = ONE(SQ_SESSION_TOUCH),
	[STW_SESSION_DELETE] = ONE(SQ_SESSION_DELETE),
	[STW_BARRIER] = {{SQ_BEGIN, STEP_END}}, /* nothing to run */
	[STW_CONSENT_GIVE] = {{SQ_CONSENT_GIVE, STEP_COUNT},
			      {SQ_CONSENT_GIVE_LOG, STEP_IF},
			      {SQ_CONSENT_GIVE_TRAITS, STEP_IF},
			      {SQ_CONSENT_GIVE_CHATS, STEP_IF}},
	[STW_CONSENT_WITHDRAW] = {{SQ_WITHDRAW_LOG, STEP_COUNT},
				  {SQ_WITHDRAW_PATRON, STEP_IF},
				  {SQ_WITHDRAW_NOTES, STEP_IF},
				  {SQ_WITHDRAW_TRAITS, STEP_IF},
				  {SQ_WITHDRAW_FAVOURITES, STEP_IF},
				  {SQ_WITHDRAW_CHATS, STEP_IF},
				  {SQ_WITHDRAW_FOLLOWUPS, STEP_IF},
				  {SQ_WITHDRAW_FOLLOWUP_MAIL, STEP_IF}},
	[STW_PATRON_PROFILE] = {{SQ_PROFILE_PATRON, STEP_COUNT},
				{SQ_PROFILE_TRAITS, STEP_IF},
				{SQ_TRAITS_PRUNE, STEP_IF}},
	[STW_NOTE_ADD] = ONE(SQ_NOTE_ADD),
	[STW_NOTE_EDIT] = ONE(SQ_NOTE_EDIT),
	[STW_NOTE_DELETE] = ONE(SQ_NOTE_DELETE),
	[STW_TRAIT_SET] = {{SQ_TRAIT_SET, STEP_COUNT}, {SQ_TRAITS_PRUNE, STEP_IF}},
	/* one of the two matches, depending on whether the label is "" */
	[STW_TRAIT_KEY_PUT] = {{SQ_TRAIT_KEY_PUT, STEP_COUNT}, {SQ_TRAIT_KEY_DELETE, STEP_COUNT}},
	[STW_FAVOURITE] = {{SQ_FAVOURITE_PUT, STEP_COUNT}, {SQ_FAVOURITE_DROP, STEP_IF}},
	[STW_PREFERRED] = ONE(SQ_PREFERRED),
	[STW_CHAT_OUTCOME] = ONE(SQ_CHAT_OUTCOME),
	[STW_CHAT_RATE] = ONE(SQ_CHAT_RATE),
	[STW_CARD_VIEW] = ONE(SQ_CARD_VIEW),
	[STW_STAFF_PROFILE] = ONE(SQ_STAFF_PROFILE),
	[STW_STAFF_PHOTO] = {{SQ_STAFF_PHOTO_META, STEP_COUNT},
			     {SQ_STAFF_PHOTO_PUT, STEP_IF},
			     {SQ_STAFF_PHOTO_DROP, STEP_IF}},
	[STW_PROMISE_ADD] = {{SQ_PROMISE_ADD, STEP_COUNT}, {SQ_PROMISE_ADD_EVENT, STEP_IF}},
	[STW_PROMISE_DONE] = {{SQ_PROMISE_DONE, STEP_COUNT}, {SQ_PROMISE_DONE_EVENT, STEP_IF}},
	[STW_PROMISE_CANCEL] = {{SQ_PROMISE_CANCEL, STEP_COUNT},
				{SQ_PROMISE_CANCEL_EVENT, STEP_IF}},
	[STW_PROMISE_REASSIGN] = {{SQ_PROMISE_REASSIGN, STEP_COUNT},
				  {SQ_PROMISE_REASSIGN_EVENT, STEP_IF}},
	[STW_MAIL_QUEUE] = ONE(SQ_MAIL_QUEUE),
	[STW_MAIL_CLAIM] = ONE(SQ_MAIL_CLAIM),
	[STW_MAIL_RESULT] = {{SQ_MAIL_RESULT, STEP_COUNT}, {SQ_FOLLOWUP_SENT, STEP_IF}},
	[STW_MAIL_RECOVER] = ONE(SQ_MAIL_RECOVER),
	[STW_MAIL_RETRY] = ONE(SQ_MAIL_RETRY),
	[STW_SIGNIN_CREATE] = ONE(SQ_SIGNIN_CREATE),
	[STW_SIGNIN_USE] = {{SQ_SIGNIN_USE, STEP_COUNT}, {SQ_SIGNIN_TOKEN, STEP_IF}},
	/* the follow-up first (it decides), then its mail, the mail's id, the chat link */
	[STW_FOLLOWUP_ADD] = {{SQ_FOLLOWUP_ADD, STEP_COUNT},
			      {SQ_FOLLOWUP_MAIL, STEP_IF},
			      {SQ_FOLLOWUP_LINK, STEP_IF},
			      {SQ_FOLLOWUP_SIGNIN, STEP_IF}},
	[STW_FOLLOWUP_CANCEL] = {{SQ_FOLLOWUP_CANCEL, STEP_COUNT}, {SQ_FOLLOWUP_UNQUEUE, STEP_IF}},
	[STW_FOLLOWUP_ANSWER] = ONE(SQ_FOLLOWUP_ANSWER),
	[STW_FOLLOWUP_STOP] = {{SQ_FOLLOWUP_OPTOUT, STEP_COUNT},
			       {SQ_FOLLOWUP_STOP, STEP_IF},
			       {SQ_FOLLOWUP_STOP_UNQUEUE, STEP_IF}},
	[STW_CASE_ADD] = ONE(SQ_CASE_ADD),
	[STW_CASE_REPLY] = {{SQ_CASE_REPLY_MSG, STEP_COUNT},
			    {SQ_CASE_REPLY_STATE, STEP_IF},
			    {SQ_CASE_TOKEN_ADD, STEP_IF}},
	[STW_CASE_CLOSE] = ONE(SQ_CASE_CLOSE),
	[STW_HANDOFF_OFFER] = ONE(SQ_HANDOFF_OFFER),
	[STW_HANDOFF_DECIDE] = ONE(SQ_HANDOFF_DECIDE),
	[STW_HANDOFF_SETTLE] = ONE(SQ_HANDOFF_SETTLE),
	[STW_QUEUE_ADD] = ONE(SQ_QUEUE_ADD),
	[STW_QUEUE_EDIT] = {{SQ_QUEUE_EDIT, STEP_COUNT},
			    {SQ_QUEUE_EDIT_LIBRARY, STEP_IF},
			    {SQ_SCHED_CLEAR_HOURS, STEP_IF},
			    {SQ_QUEUE_PUT_HOURS, STEP_IF},
			    {SQ_SCHED_CLEAR_CLOSED, STEP_IF},
			    {SQ_QUEUE_PUT_CLOSED, STEP_IF}},
	[STW_LIBRARY_EDIT] = ONE(SQ_LIBRARY_EDIT),
	/* the account first (it decides), then its link (bound by the id it got) */
	[STW_STAFF_INVITE] = {{SQ_STAFF_INVITE, STEP_COUNT}, {SQ_STAFF_LINK, STEP_IF}},
	[STW_STAFF_LINK] = ONE(SQ_STAFF_LINK),
	[STW_STAFF_EDIT] = {{SQ_STAFF_EDIT, STEP_COUNT},
			    {SQ_STAFF_EDIT_SESSIONS, STEP_IF},
			    {SQ_STAFF_EDIT_LINKS, STEP_IF}},
	[STW_PASSWORD_SET] = {{SQ_PASSWORD_SET, STEP_COUNT},
			      {SQ_PASSWORD_LINKS, STEP_IF},
			      {SQ_PASSWORD_SESSIONS, STEP_IF}},
	[STW_PASSWORD_CHANGE] = {{SQ_PASSWORD_CHANGE, STEP_COUNT},
				 {SQ_PASSWORD_LINKS, STEP_IF},
				 {SQ_PASSWORD_SESSIONS, STEP_IF}},
};

/* Steps `id` with chat_id bound to ?1; *changes gets its changes if not NULL. */
static int chat_step(struct store_conn *c, enum sq_stmt id, int64_t chat_id, int *changes)
{
	sqlite3_stmt *st = sq_stmt(c, id);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, chat_id);
	rc = rc ? rc : sqlite3_step(st);
	sq_done(st);
	if (changes)
		*changes = sqlite3_changes(c->db);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : sq_err(c, rc, sq_sql[id]);
}

/* Moves a closed chat's messages from the log into `messages` (clustered by chat) and,
 * for an ended chat (search covers those, store.h), indexes their text. A chat is indexed
 * once, when it is first archived: the contentless index cannot replace a document, and a
 * second one with the same rowid would make the chat match twice. */
static int archive_chat(struct store_conn *c, int64_t chat_id, int ended)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_ARCHIVED);
	int rc, had, moved = 0;

	if (!st)
		return STORE_ERR;
	rc = sqlite3_bind_int64(st, 1, chat_id);
	rc = rc ? rc : sqlite3_step(st);
	sq_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_err(c, rc, "archived");
	had = rc == SQLITE_ROW;
	rc = chat_step(c, SQ_ARCHIVE_CHAT, chat_id, &moved);
	if (rc == STORE_OK && ended && moved > 0 && !had)
		rc = chat_step(c, SQ_CHAT_INDEX, chat_id, NULL);
	return rc == STORE_OK ? chat_step(c, SQ_UNLOG_CHAT, chat_id, NULL) : rc;
}

/* Runs the write's statements (write_steps) and sets w->changed, and w->u.rel.id for a
 * note added (w->u.promise.id for a promise). Touches and session deletes of a row that is gone are
 * harmless and succeed, and so is a relationship write whose condition fails (changed 0); a chat
 * update that matches nothing means the chat was never stored, so it fails. */
int sq_apply(struct store_conn *c, struct store_write *w)
{
	const struct step *s;

	if (!w || c->readonly)
		return STORE_BADARG;
	w->changed = 0;
	if ((unsigned)w->kind >= SQ_N(write_steps) ||
	    (!write_steps[w->kind][0].how && w->kind != STW_BARRIER))
		return STORE_BADARG; /* a kind without statements would do nothing silently */
	for (s = write_steps[w->kind]; s < write_steps[w->kind] + STEPS_MAX && s->how; s++) {
		sqlite3_stmt *st;
		int rc;

		if (s->how == STEP_IF && w->changed == 0)
			continue;
		st = sq_stmt(c, s->st);
		if (!st)
			return STORE_ERR;
		rc = bind_write(st, w);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		sq_done(st);
		if (rc != SQLITE_DONE)
			return sq_err(c, rc, sq_sql[s->st]);
		if (s->how == STEP_COUNT)
			w->changed += sqlite3_changes(c->db);
		/* a new promise's id, before its history line (bound as :id) is written */
		if (w->kind == STW_PROMISE_ADD && s == write_steps[w->kind] && w->changed)
			w->u.promise.id = sqlite3_last_insert_rowid(c->db);
		if (w->kind == STW_FOLLOWUP_ADD && s == write_steps[w->kind] && w->changed)
			w->u.followup.id = sqlite3_last_insert_rowid(c->db);
		if ((w->kind == STW_STAFF_INVITE || w->kind == STW_QUEUE_ADD) &&
		    s == write_steps[w->kind] && w->changed)
			w->u.admin.id = sqlite3_last_insert_rowid(c->db);
	}
	if (w->kind == STW_NOTE_ADD && w->changed)
		w->u.rel.id = sqlite3_last_insert_rowid(c->db);
	if (w->kind == STW_CASE_ADD && w->changed)
		w->u.kase.id = sqlite3_last_insert_rowid(c->db);
	if (w->kind == STW_MAIL_QUEUE && w->changed)
		w->u.mail.id = sqlite3_last_insert_rowid(c->db);
	if (w->kind == STW_CHAT_UPDATE && w->changed == 0)
		return STORE_NOTFOUND;
	if (w->kind == STW_CHAT_UPDATE &&
	    (w->u.chat.state == STORE_CHAT_ENDED || w->u.chat.state == STORE_CHAT_ABANDONED))
		return archive_chat(c, w->u.chat.id, w->u.chat.state == STORE_CHAT_ENDED);
	return STORE_OK;
}

/* ---- set-up ------------------------------------------------------------------------ */

/* Steps an upsert ... RETURNING id, created_at to completion (an autocommit statement,
 * hence its own transaction) and reads back the row. */
static int upsert(struct store_conn *c, sqlite3_stmt *st, int bind_rc, int64_t *id,
		  int64_t *created_at, const char *what)
{
	int rc = bind_rc;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*created_at = sqlite3_column_int64(st, 1);
		rc = sqlite3_step(st);
	}
	sq_done(st);
	return sq_err(c, rc, what);
}

/* The set-up upserts: ?1.. from the table, then created_at (now when it is 0). */
static int ensure(struct store_conn *c, enum sq_stmt id, const struct sq_param *tab, int n,
		  const void *rec, int64_t *row_id, int64_t *created_at, const char *what)
{
	sqlite3_stmt *st = sq_stmt(c, id);
	int rc;

	if (!st)
		return STORE_ERR;
	rc = sq_bind_cols(st, tab, n, rec);
	rc = rc ? rc : sqlite3_bind_int64(st, n + 1, *created_at ? *created_at : now_ms());
	return upsert(c, st, rc, row_id, created_at, what);
}

#define LIBRARY(kind, m) SQ_COL(kind, struct store_library, m)
static const struct sq_param library_put[] = {LIBRARY(SQP_FIELD, slug), LIBRARY(SQP_FIELD, name),
					      LIBRARY(SQP_FIELD, origins)};
#define QUEUE(kind, m) SQ_COL(kind, struct store_queue, m)
static const struct sq_param queue_put[] = {QUEUE(SQP_I64, library_id), QUEUE(SQP_FIELD, slug),
					    QUEUE(SQP_FIELD, name)};
#define STAFF(kind, m) SQ_COL(kind, struct store_staff, m)
static const struct sq_param staff_put[] = {
	STAFF(SQP_I64, library_id), STAFF(SQP_FIELD, email),   STAFF(SQP_FIELD, display_name),
	STAFF(SQP_FIELD, role),	    STAFF(SQP_FIELD, pw_hash), STAFF(SQP_INT, max_chats)};

int sq_library_ensure(struct store_conn *c, struct store_library *r)
{
	if (!r || c->readonly)
		return STORE_BADARG;
	return ensure(c, SQ_LIBRARY_ENSURE, library_put, (int)SQ_N(library_put), r, &r->id,
		      &r->created_at, "library_ensure");
}

int sq_queue_ensure(struct store_conn *c, struct store_queue *r)
{
	if (!r || c->readonly)
		return STORE_BADARG;
	return ensure(c, SQ_QUEUE_ENSURE, queue_put, (int)SQ_N(queue_put), r, &r->id,
		      &r->created_at, "queue_ensure");
}

int sq_staff_put(struct store_conn *c, struct store_staff *r)
{
	if (!r || c->readonly || r->max_chats < 0)
		return STORE_BADARG;
	return ensure(c, SQ_STAFF_PUT, staff_put, (int)SQ_N(staff_put), r, &r->id, &r->created_at,
		      "staff_put");
}
