/* sqlite_sql.c: the SQL statements of the SQLite backend, one table indexed by enum
 * sq_stmt. The schema (migrations, pragmas) is in sqlite_schema.c.
 *
 * All values are bound parameters; nothing is ever pasted into SQL text.
 */
#include "sqlite_int.h"

/* ---- statements -------------------------------------------------------------------- */

/* the columns fill_case() (sqlite_case.c) reads */
#define CASE_COLS_OF(p)                                                                            \
	p "id, " p "library_id, " p "queue_id, " p "patron_id, " p "email, " p "question, " p      \
	  "created_at, " p "reply_by, " p "updated_at, " p "state, coalesce(" p                    \
	  "promise_id, 0), " p "closed_at, coalesce(" p "closed_by, 0)"
#define CASE_COLS CASE_COLS_OF("")

/* the columns fill_chat() (sqlite_read.c) reads, of table alias p ("" or "c.") */
#define CHAT_COLS_OF(p)                                                                            \
	p "id, " p "library_id, " p "queue_id, " p "patron_id, coalesce(" p "staff_id, 0), " p     \
	  "state, " p "join_cmid, " p "ended_by, " p "created_at, " p "picked_at, " p              \
	  "ended_at, " p "remembered, " p "question, " p "outcome, " p "rating, "                  \
	  "coalesce(" p "wait_estimate_ms, -1), coalesce(" p "wait_last_ms, -1), "                 \
	  "coalesce(" p "wait_actual_ms, -1), " p "wait_grew, "                                    \
	  "coalesce(" p "offer_staff_id, 0), " p "offer_why, " p "offer_until, " p                 \
	  "route_ends, " p "routing"
#define CHAT_COLS CHAT_COLS_OF("")

/* the columns fill_staff() (sqlite_read.c) reads */
#define STAFF_COLS                                                                                 \
	"id, library_id, email, display_name, access, pw_hash, max_chats, created_at, "            \
	"pronouns, subjects, bio, listed, photo_type, photo_at, active"

/* the columns sq_fill_library() (sqlite_read.c) reads */
#define LIBRARY_COLS                                                                               \
	"id, slug, name, origins, created_at, coalesce(consortium_id, 0), policy_notes, "          \
	"consortium_card, greeting, colour, text_colour"
/* an admin role, as stored in staff.access */
#define ADMIN_ACCESS "('admin', 'consortium_admin')"

/* the columns sq_fill_mail() (sqlite_mail.c) reads */
#define MAIL_COLS                                                                                  \
	"id, library_id, kind, to_addr, subject, body_text, body_html, list_unsubscribe, "         \
	"created_at, state, attempts, next_attempt_at, last_error, sent_at, message_id"

/* a follow-up's state as staff read it: a scheduled one whose mail is dead is
 * 'undeliverable' (it will never be sent; docs/API.md "Follow-ups") */
#define FOLLOWUP_STATE                                                                             \
	"(CASE WHEN followups.state = 'scheduled' AND EXISTS (SELECT 1 FROM outbox o WHERE "       \
	"o.id = followups.mail_id AND o.state = 'dead') THEN 'undeliverable' ELSE "                \
	"followups.state END)"
/* the columns sq_followups() (sqlite_followup.c) reads */
#define FOLLOWUP_COLS                                                                              \
	"id, library_id, patron_id, chat_id, staff_id, due_at, message, " FOLLOWUP_STATE           \
	", created_at, sent_at, rating, reply, answered_at"
/* a follow-up whose mail has not been claimed by the sender (or has none) */
#define FOLLOWUP_QUEUED                                                                            \
	"NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = followups.mail_id AND "                   \
	"o.state <> 'queued')"

#define STR_(x) #x
#define STR(x) STR_(x)
/* STORE_PRESET_TRAITS and STORE_OUTCOMES (store.h) as SQL lists; tests check they agree */
#define PRESETS_SQL "'preferred_name', 'pronouns', 'programme', 'language', 'style'"
#define OUTCOMES_SQL "'answered', 'partly', 'referred', 'follow_up', 'unanswered'"
/* the patron is remembered and of :library */
#define REMEMBERED_IN_LIBRARY                                                                      \
	"EXISTS (SELECT 1 FROM patrons WHERE id = :patron AND library_id = :library "              \
	"AND remembered = 1)"
/* the acting staff member (:by) may act on promise :id: its owner or an admin of :library */
#define PROMISE_ACTOR_MAY                                                                          \
	"(owner_id = :by OR EXISTS (SELECT 1 FROM staff WHERE id = :by AND "                       \
	"library_id = :library AND role = 'admin'))"
#define PROMISE_OPEN_MINE "id = :id AND library_id = :library AND state = 'open' AND "
/* a line of a promise's history; the note is :text, except for "created" (:text is what) */
#define PROMISE_EVENT(kind, note)                                                                  \
	"INSERT INTO promise_events (promise_id, at, staff_id, kind, owner_id, note) SELECT "      \
	"id, :at, :by, '" kind "', owner_id, " note " FROM promises WHERE id = :id"
#define PROMISE_COLS                                                                               \
	"id, library_id, patron_id, coalesce(chat_id, 0), owner_id, created_by, created_at, "      \
	"due_at, done_at, what, channel, state, done_note, cancel_reason, "                        \
	"coalesce((SELECT coalesce(nullif((SELECT t.value FROM traits t WHERE t.patron_id = "      \
	"pa.id AND t.key = 'preferred_name'), ''), pa.display_name) FROM patrons pa WHERE "        \
	"pa.id = promises.patron_id AND pa.remembered = 1), ''), "                                 \
	"coalesce((SELECT ch.created_at FROM chats ch WHERE ch.id = promises.chat_id), 0)"
#define TRAITS_UPSERT                                                                              \
	" ON CONFLICT (patron_id, key) DO UPDATE SET value = excluded.value, "                     \
	"updated_by = excluded.updated_by, updated_at = excluded.updated_at"

const char *const sq_sql[SQ__COUNT] = {
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_USER_VERSION] = "PRAGMA user_version",

	[SQ_PATRON_INSERT] = "INSERT INTO patrons (id, library_id, token_hash, created_at, "
			     "last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_PATRON_TOUCH] = "UPDATE patrons SET last_seen = ?2 WHERE id = ?1",
	/* remembered only if the patron is (the consent write comes first) */
	[SQ_CHAT_INSERT] = "INSERT INTO chats (id, library_id, queue_id, patron_id, staff_id, "
			   "state, join_cmid, ended_by, created_at, picked_at, ended_at, "
			   "remembered, question, wait_estimate_ms, wait_last_ms, wait_raw_ms) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 <> 0 AND "
			   "EXISTS (SELECT 1 FROM patrons WHERE id = ?4 AND remembered = 1), ?13, "
			   "?14, ?15, ?16)",
	[SQ_CHAT_UPDATE] = "UPDATE chats SET staff_id = ?2, state = ?3, ended_by = ?4, "
			   "picked_at = ?5, ended_at = ?6, wait_estimate_ms = ?7, "
			   "wait_last_ms = ?8, wait_actual_ms = ?9, wait_grew = ?10 WHERE id = ?1",
	[SQ_CHAT_ROUTE] = "UPDATE chats SET offer_staff_id = ?2, offer_why = ?3, "
			  "offer_until = ?4, route_ends = ?5, routing = ?6 WHERE id = ?1",
	[SQ_MESSAGE_INSERT] = "INSERT INTO message_log (chat_id, seq, kind, author, author_id, "
			      "cmid, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[SQ_ARCHIVE_CHAT] = "INSERT INTO messages (chat_id, seq, kind, author, author_id, cmid, "
			    "body, created_at) SELECT chat_id, seq, kind, author, author_id, "
			    "cmid, body, created_at FROM message_log WHERE chat_id = ?1 "
			    "ORDER BY seq",
	[SQ_UNLOG_CHAT] = "DELETE FROM message_log WHERE chat_id = ?1",
	[SQ_SESSION_INSERT] = "INSERT INTO sessions (token_hash, staff_id, csrf, created_at, "
			      "last_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_SESSION_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
	[SQ_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	/* right after SQ_ARCHIVE_CHAT: the chat's text messages in order, from the clustered
	 * (chat_id, seq) range instead of a second scan of the unindexed log */
	[SQ_CHAT_INDEX] = "INSERT INTO chat_text (rowid, body, patron) SELECT ?1, b, "
			  "(SELECT 'p' || patron_id FROM chats WHERE id = ?1) FROM "
			  "(SELECT group_concat(body, char(10)) AS b FROM (SELECT body FROM "
			  "messages WHERE chat_id = ?1 AND kind = 0 ORDER BY seq)) "
			  "WHERE b IS NOT NULL",

	/* Relationship writes. Parameters are named after the fields of struct
	 * store_rel_write (sq_bind_rel). Each is conditional in its WHERE, never on a
	 * constraint failure, so a write that does not apply changes nothing and does not
	 * fail its batch; the first statement of a write says whether it applied (sqlite.c,
	 * write_steps). */
	[SQ_CONSENT_GIVE] = "UPDATE patrons SET remembered = 1, remembered_since = CASE WHEN "
			    "remembered = 1 AND remembered_since > 0 AND remembered_since < :at "
			    "THEN remembered_since ELSE :at END, notice_version = :key, "
			    "display_name = CASE WHEN :display_name <> '' THEN :display_name "
			    "ELSE display_name END, email = CASE WHEN :email <> '' THEN :email "
			    "ELSE email END WHERE id = :patron AND library_id = :library",
	[SQ_CONSENT_GIVE_LOG] = "INSERT INTO consents (patron_id, action, scope, notice_version, "
				"at) VALUES (:patron, 'give', 'remember', :key, :at)",
	[SQ_CONSENT_GIVE_TRAITS] = "INSERT INTO traits (patron_id, key, value, updated_by, "
				   "updated_at) SELECT :patron, column1, column2, 0, :at FROM "
				   "(VALUES ('preferred_name', :preferred_name), "
				   "('pronouns', :pronouns)) WHERE column2 <> ''" TRAITS_UPSERT,
	/* the open chats, and the one the patron was in when they chose (:chat, 0: none;
	 * it may have just ended: opting in on the end screen links it) */
	[SQ_CONSENT_GIVE_CHATS] = "UPDATE chats SET remembered = 1 WHERE patron_id = :patron "
				  "AND (state IN ('queued', 'active') OR id = :chat) "
				  "AND remembered = 0",
	/* the record keeps the notice version agreed to, so it goes before the clearing */
	[SQ_WITHDRAW_LOG] = "INSERT INTO consents (patron_id, action, scope, notice_version, at) "
			    "SELECT id, 'withdraw', 'remember', notice_version, :at FROM patrons "
			    "WHERE id = :patron",
	[SQ_WITHDRAW_PATRON] = "UPDATE patrons SET remembered = 0, remembered_since = 0, "
			       "notice_version = '', display_name = '', email = '', "
			       "preferred_staff_id = NULL WHERE id = :patron",
	[SQ_WITHDRAW_NOTES] = "DELETE FROM notes WHERE patron_id = :patron",
	[SQ_WITHDRAW_TRAITS] = "DELETE FROM traits WHERE patron_id = :patron",
	[SQ_WITHDRAW_FAVOURITES] = "DELETE FROM favourites WHERE patron_id = :patron",
	[SQ_WITHDRAW_CHATS] = "UPDATE chats SET remembered = 0 WHERE patron_id = :patron "
			      "AND remembered = 1",
	[SQ_PROFILE_PATRON] = "UPDATE patrons SET display_name = :display_name, email = :email "
			      "WHERE id = :patron AND remembered = 1",
	/* "" values are written, then SQ_TRAITS_PRUNE deletes them */
	[SQ_PROFILE_TRAITS] = "INSERT INTO traits (patron_id, key, value, updated_by, "
			      "updated_at) SELECT :patron, column1, column2, 0, :at FROM "
			      "(VALUES ('preferred_name', :preferred_name), "
			      "('pronouns', :pronouns)) WHERE true" TRAITS_UPSERT,
	[SQ_TRAITS_PRUNE] = "DELETE FROM traits WHERE patron_id = :patron AND value = ''",
	[SQ_NOTE_ADD] = "INSERT INTO notes (patron_id, library_id, author_id, body, created_at, "
			"updated_at) SELECT :patron, :library, :staff, :text, :at, :at "
			"WHERE length(CAST(:text AS BLOB)) BETWEEN 1 AND " STR(
				STORE_NOTE_MAX) " AND " REMEMBERED_IN_LIBRARY
						" AND EXISTS (SELECT 1 FROM staff "
						"WHERE id = :staff AND library_id = :library)",
	[SQ_NOTE_EDIT] = "UPDATE notes SET body = :text, updated_at = :at WHERE id = :id AND "
			 "library_id = :library AND author_id = :staff AND "
			 "length(CAST(:text AS BLOB)) BETWEEN 1 AND " STR(STORE_NOTE_MAX),
	[SQ_NOTE_DELETE] = "DELETE FROM notes WHERE id = :id AND library_id = :library",
	/* a value of "" is written too (the write applied), then pruned; preferred_name and
	 * pronouns must also fit struct store_relation */
	[SQ_TRAIT_SET] = "INSERT INTO traits (patron_id, key, value, updated_by, updated_at) "
			 "SELECT :patron, :key, :value, :staff, :at WHERE "
			 "length(CAST(:value AS BLOB)) <= CASE :key WHEN 'preferred_name' THEN 127 "
			 "WHEN 'pronouns' THEN 63 ELSE " STR(
				 STORE_TRAIT_VALUE_MAX) " END AND " REMEMBERED_IN_LIBRARY
							" AND (:key IN (" PRESETS_SQL ") OR EXISTS "
							"(SELECT 1 FROM trait_keys WHERE "
							"library_id = :library AND key = :key)) "
							"AND (:staff = 0 OR EXISTS (SELECT 1 FROM "
							"staff WHERE id = :staff AND "
							"library_id = :library))" TRAITS_UPSERT,
	[SQ_TRAIT_KEY_PUT] =
		"INSERT INTO trait_keys (library_id, key, label) SELECT :library, "
		":key, :value WHERE :value <> '' AND length(:key) BETWEEN 1 AND 31 "
		"AND :key NOT GLOB '*[^a-z0-9_]*' AND :key NOT IN (" PRESETS_SQL ") "
		"AND EXISTS (SELECT 1 FROM libraries WHERE id = :library) AND ((SELECT "
		"count(*) FROM trait_keys WHERE library_id = :library) < " STR(
			STORE_TRAIT_KEYS_MAX) " OR EXISTS (SELECT 1 FROM trait_keys WHERE "
					      "library_id = :library AND key = :key)) "
					      "ON CONFLICT (library_id, key) DO UPDATE SET label = "
					      "excluded.label",
	[SQ_TRAIT_KEY_DELETE] = "DELETE FROM trait_keys WHERE library_id = :library AND "
				"key = :key AND :value = ''",
	/* written also when :on is 0 (the write applied), then SQ_FAVOURITE_DROP */
	[SQ_FAVOURITE_PUT] = "INSERT INTO favourites (patron_id, staff_id, at) SELECT p.id, "
			     "s.id, :at FROM patrons p JOIN staff s ON s.library_id = "
			     "p.library_id WHERE p.id = :patron AND p.remembered = 1 AND "
			     "s.id = :staff ON CONFLICT (patron_id, staff_id) DO UPDATE SET "
			     "at = excluded.at",
	[SQ_FAVOURITE_DROP] = "DELETE FROM favourites WHERE patron_id = :patron AND "
			      "staff_id = :staff AND :on = 0",
	[SQ_PREFERRED] = "UPDATE patrons SET preferred_staff_id = nullif(:staff, 0) WHERE "
			 "id = :patron AND remembered = 1 AND (:staff = 0 OR EXISTS (SELECT 1 "
			 "FROM staff s WHERE s.id = :staff AND s.library_id = patrons.library_id))",
	[SQ_CHAT_OUTCOME] = "UPDATE chats SET outcome = :key WHERE id = :chat AND "
			    "library_id = :library AND :key IN ('', " OUTCOMES_SQL ")",
	/* abandoned chats had no librarian: nothing to rate */
	[SQ_CHAT_RATE] = "UPDATE chats SET rating = :on WHERE id = :chat AND patron_id = :patron "
			 "AND state = 'ended' AND :on BETWEEN 1 AND 5",
	/* staff of the patron's library, or of its consortium (covering a chat) */
	[SQ_CARD_VIEW] = "INSERT INTO card_views (staff_id, patron_id, library_id, at) SELECT "
			 "s.id, p.id, p.library_id, :at FROM patrons p JOIN libraries pl ON "
			 "pl.id = p.library_id JOIN staff s JOIN libraries sl ON sl.id = "
			 "s.library_id WHERE p.id = :patron AND s.id = :staff AND (s.library_id = "
			 "p.library_id OR pl.consortium_id = sl.consortium_id)",
	/* bio must fit struct store_staff; the others are bound from fields that fit */
	[SQ_STAFF_PROFILE] = "UPDATE staff SET display_name = :display_name, pronouns = "
			     ":pronouns, subjects = :value, bio = coalesce(:text, ''), listed = "
			     "(:on <> 0) WHERE id = :staff AND :display_name <> '' AND "
			     "length(CAST(coalesce(:text, '') AS BLOB)) < 512",
	/* :blob NULL removes the photo */
	[SQ_STAFF_PHOTO_META] = "UPDATE staff SET photo_type = CASE WHEN :blob IS NULL THEN '' "
				"ELSE :key END, photo_at = CASE WHEN :blob IS NULL THEN 0 ELSE "
				":at END WHERE id = :staff AND (:blob IS NULL OR :key IN "
				"('image/png', 'image/jpeg'))",
	[SQ_STAFF_PHOTO_PUT] = "INSERT INTO staff_photos (staff_id, type, data) SELECT :staff, "
			       ":key, :blob WHERE :blob IS NOT NULL ON CONFLICT (staff_id) DO "
			       "UPDATE SET type = excluded.type, data = excluded.data",
	[SQ_STAFF_PHOTO_DROP] = "DELETE FROM staff_photos WHERE staff_id = :staff AND "
				":blob IS NULL",

	/* Promise writes: named parameters after struct store_promise_write (sq_bind_promise);
	 * conditional like the relationship writes above. */
	[SQ_PROMISE_ADD] =
		"INSERT INTO promises (library_id, patron_id, chat_id, what, due_at, "
		"owner_id, channel, state, created_by, created_at) SELECT :library, "
		":patron, nullif(:chat, 0), :text, :due, :owner, :channel, 'open', :by, "
		":at WHERE length(CAST(:text AS BLOB)) BETWEEN 1 AND " STR(
			STORE_PROMISE_TEXT_MAX) " AND :channel IN ('email', 'chat') AND "
						"EXISTS (SELECT 1 FROM patrons WHERE id = :patron "
						"AND library_id = "
						":library) AND (:chat = 0 OR EXISTS (SELECT 1 FROM "
						"chats WHERE id = :chat "
						"AND library_id = :library AND patron_id = "
						":patron)) AND EXISTS (SELECT 1 "
						"FROM staff WHERE id = :owner AND library_id = "
						":library) AND EXISTS "
						"(SELECT 1 FROM staff WHERE id = :by AND "
						"library_id = :library)",
	[SQ_PROMISE_ADD_EVENT] = PROMISE_EVENT("created", "''"),
	[SQ_PROMISE_DONE] =
		"UPDATE promises SET state = 'done', done_at = :at, done_note = "
		"coalesce(:text, '') WHERE " PROMISE_OPEN_MINE PROMISE_ACTOR_MAY
		" AND length(CAST(coalesce(:text, '') AS BLOB)) <= " STR(STORE_PROMISE_TEXT_MAX),
	[SQ_PROMISE_DONE_EVENT] = PROMISE_EVENT("done", "coalesce(:text, '')"),
	[SQ_PROMISE_CANCEL] =
		"UPDATE promises SET state = 'cancelled', done_at = :at, "
		"cancel_reason = :text WHERE " PROMISE_OPEN_MINE PROMISE_ACTOR_MAY
		" AND length(CAST(:text AS BLOB)) BETWEEN 1 AND " STR(STORE_PROMISE_TEXT_MAX),
	[SQ_PROMISE_CANCEL_EVENT] = PROMISE_EVENT("cancelled", "coalesce(:text, '')"),
	[SQ_PROMISE_REASSIGN] =
		"UPDATE promises SET owner_id = :owner WHERE " PROMISE_OPEN_MINE PROMISE_ACTOR_MAY
		" AND owner_id <> :owner AND EXISTS (SELECT 1 "
		"FROM staff WHERE id = :owner AND library_id = :library) AND "
		"length(CAST(coalesce(:text, '') AS BLOB)) <= " STR(STORE_PROMISE_TEXT_MAX),
	[SQ_PROMISE_REASSIGN_EVENT] = PROMISE_EVENT("reassigned", "coalesce(:text, '')"),
	/* E-mail outbox and sign-in links: named parameters, see sq_bind_mail() */
	[SQ_MAIL_QUEUE] = "INSERT INTO outbox (library_id, kind, to_addr, subject, body_text, "
			  "body_html, list_unsubscribe, created_at, next_attempt_at, message_id) "
			  "VALUES (:library, :kind, :to, :subject, :text, :html, :unsubscribe, "
			  ":created, :next, :message_id)",
	[SQ_MAIL_CLAIM] = "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
			  "WHERE id = :id AND state = 'queued'",
	/* a sign-in mail carries a live token: once it is out (or given up), its bodies go */
	[SQ_MAIL_RESULT] = "UPDATE outbox SET state = :state, next_attempt_at = :next, "
			   "last_error = :error, sent_at = :sent, body_text = CASE WHEN "
			   "kind IN ('signin', 'followup') AND :state <> 'queued' THEN '' ELSE "
			   "body_text END, body_html = CASE WHEN kind IN ('signin', 'followup') "
			   "AND :state <> 'queued' THEN "
			   "NULL ELSE body_html END WHERE id = :id AND state = 'sending' AND "
			   ":state IN ('sent', 'queued', 'dead')",
	[SQ_MAIL_RECOVER] = "UPDATE outbox SET state = 'queued' WHERE state = 'sending'",
	[SQ_MAIL_RETRY] = "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = "
			  ":next WHERE id = :id AND library_id = :library AND state = 'dead' AND "
			  "kind NOT IN ('signin', 'followup')",
	[SQ_SIGNIN_CREATE] = "INSERT INTO signin_tokens (token_hash, patron_id, library_id, "
			     "created_at, expires_at) VALUES (:hash, :patron, :library, :at, "
			     ":expires)",
	[SQ_SIGNIN_USE] = "UPDATE signin_tokens SET used_at = :at WHERE token_hash = :hash AND "
			  "used_at = 0 AND expires_at > :at AND library_id = :library AND "
			  "EXISTS (SELECT 1 FROM patrons p WHERE p.id = signin_tokens.patron_id "
			  "AND p.remembered = 1)",
	[SQ_SIGNIN_TOKEN] = "INSERT INTO patron_tokens (token_hash, patron_id, created_at) "
			    "SELECT :new_hash, patron_id, :at FROM signin_tokens WHERE "
			    "token_hash = :hash",
	/* a follow-up's mail is out: the follow-up follows (STW_MAIL_RESULT) */
	[SQ_FOLLOWUP_SENT] = "UPDATE followups SET state = 'sent', sent_at = :sent WHERE "
			     "mail_id = :id AND state = 'scheduled' AND :state = 'sent'",
	/* consent withdrawn: scheduled follow-ups whose mail is still queued are cancelled
	 * and their mails deleted (STW_CONSENT_WITHDRAW) */
	[SQ_WITHDRAW_FOLLOWUPS] = "UPDATE followups SET state = 'cancelled' WHERE patron_id = "
				  ":patron AND state = 'scheduled' AND " FOLLOWUP_QUEUED,
	[SQ_WITHDRAW_FOLLOWUP_MAIL] = "DELETE FROM outbox WHERE state = 'queued' AND id IN "
				      "(SELECT mail_id FROM followups WHERE patron_id = :patron "
				      "AND state = 'cancelled')",
	/* Follow-ups: named parameters, see sq_bind_followup() */
	[SQ_FOLLOWUP_ADD] = "INSERT INTO followups (library_id, patron_id, chat_id, staff_id, "
			    "due_at, message, created_at, token_hash, expires_at) SELECT :library, "
			    ":patron, :chat, :staff, :due, :message, :at, :hash, :expires WHERE "
			    "EXISTS (SELECT 1 FROM patrons p WHERE p.id = :patron AND p.library_id "
			    "= :library AND p.remembered = 1 AND length(p.email) >= 3) AND EXISTS "
			    "(SELECT 1 FROM chats c WHERE c.id = :chat AND c.patron_id = :patron "
			    "AND c.library_id = :library) AND EXISTS (SELECT 1 FROM staff s WHERE "
			    "s.id = :staff AND s.library_id = :library) AND NOT EXISTS (SELECT 1 "
			    "FROM followup_optouts o WHERE o.patron_id = :patron)",
	/* to the address stored now (the patron may change it; the mail keeps this one) */
	[SQ_FOLLOWUP_MAIL] = "INSERT INTO outbox (library_id, kind, to_addr, subject, body_text, "
			     "body_html, list_unsubscribe, created_at, next_attempt_at, "
			     "message_id) SELECT :library, 'followup', p.email, :subject, :text, "
			     ":html, :unsubscribe, :at, :due, :message_id FROM patrons p WHERE "
			     "p.id = :patron",
	[SQ_FOLLOWUP_LINK] = "UPDATE followups SET mail_id = last_insert_rowid() WHERE "
			     "token_hash = :hash",
	[SQ_FOLLOWUP_SIGNIN] = "INSERT INTO signin_tokens (token_hash, patron_id, library_id, "
			       "created_at, expires_at) VALUES (:signin_hash, :patron, :library, "
			       ":at, :expires)",
	[SQ_FOLLOWUP_CANCEL] = "UPDATE followups SET state = 'cancelled' WHERE id = :id AND "
			       "library_id = :library AND state = 'scheduled' AND " FOLLOWUP_QUEUED,
	[SQ_FOLLOWUP_UNQUEUE] = "DELETE FROM outbox WHERE state = 'queued' AND id = (SELECT "
				"mail_id FROM followups WHERE id = :id)",
	/* a rating may change while the token lives; an empty reply keeps the last one */
	[SQ_FOLLOWUP_ANSWER] = "UPDATE followups SET state = 'answered', rating = :rating, "
			       "reply = CASE WHEN :reply = '' THEN reply ELSE :reply END, "
			       "answered_at = :at WHERE token_hash = :hash AND expires_at > :at "
			       "AND state <> 'cancelled' AND :rating BETWEEN 1 AND 5",
	[SQ_FOLLOWUP_OPTOUT] = "INSERT OR REPLACE INTO followup_optouts (patron_id, at) SELECT "
			       "patron_id, :at FROM followups WHERE token_hash = :hash AND "
			       "expires_at > :at",
	[SQ_FOLLOWUP_STOP] = "UPDATE followups SET state = 'cancelled' WHERE patron_id = (SELECT "
			     "patron_id FROM followups WHERE token_hash = :hash) AND state = "
			     "'scheduled' AND " FOLLOWUP_QUEUED,
	[SQ_FOLLOWUP_STOP_UNQUEUE] = "DELETE FROM outbox WHERE state = 'queued' AND id IN (SELECT "
				     "mail_id FROM followups WHERE patron_id = (SELECT patron_id "
				     "FROM followups WHERE token_hash = :hash) AND state = "
				     "'cancelled')",

	[SQ_LIBRARY_ENSURE] = "INSERT INTO libraries (slug, name, origins, created_at) "
			      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (slug) DO UPDATE SET "
			      "name = excluded.name, origins = excluded.origins "
			      "RETURNING id, created_at",
	[SQ_QUEUE_ENSURE] = "INSERT INTO queues (library_id, slug, name, created_at) "
			    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (library_id, slug) DO UPDATE "
			    "SET name = excluded.name RETURNING id, created_at",
	/* role: the version 1 column, see migration 13 */
	[SQ_STAFF_PUT] = "INSERT INTO staff (library_id, email, display_name, access, role, "
			 "pw_hash, max_chats, created_at) VALUES (?1, ?2, ?3, ?4, "
			 "CASE WHEN ?4 IN ('admin', 'consortium_admin') THEN 'admin' "
			 "ELSE 'librarian' END, ?5, ?6, ?7) "
			 "ON CONFLICT (email) DO UPDATE SET library_id = excluded.library_id, "
			 "display_name = excluded.display_name, access = excluded.access, "
			 "role = excluded.role, "
			 "pw_hash = excluded.pw_hash, max_chats = excluded.max_chats "
			 "RETURNING id, created_at",

	[SQ_LIBRARIES] = "SELECT " LIBRARY_COLS " FROM libraries ORDER BY id",
	[SQ_QUEUES] = "SELECT id, library_id, slug, name, created_at, cascade_ms FROM queues "
		      "ORDER BY id",
	[SQ_STAFF_ALL] = "SELECT " STAFF_COLS " FROM staff ORDER BY id",
	[SQ_STAFF_BY_EMAIL] = "SELECT " STAFF_COLS " FROM staff WHERE email = ?1",
	[SQ_SESSIONS_LIVE] = "SELECT token_hash, staff_id, csrf, created_at, last_seen "
			     "FROM sessions WHERE last_seen >= ?1 AND created_at >= ?2",
	/* a patron's first token, or one added by a sign-in link (patron_tokens) */
	[SQ_PATRON_BY_TOKEN] = "SELECT id, library_id, token_hash, created_at, last_seen "
			       "FROM patrons WHERE token_hash = ?1 UNION ALL "
			       "SELECT p.id, p.library_id, p.token_hash, p.created_at, p.last_seen "
			       "FROM patron_tokens t JOIN patrons p ON p.id = t.patron_id "
			       "WHERE t.token_hash = ?1 LIMIT 1",
	[SQ_CHAT_GET] = "SELECT " CHAT_COLS " FROM chats WHERE id = ?1",
	/* the WHERE must repeat the partial index's condition for the planner to use it */
	[SQ_CHATS_OPEN] = "SELECT " CHAT_COLS " FROM chats INDEXED BY chats_open "
			  "WHERE state IN ('queued', 'active') ORDER BY id",
	[SQ_CHATS_BY_PATRON] = "SELECT " CHAT_COLS " FROM chats WHERE patron_id = ?1 "
			       "ORDER BY id DESC LIMIT ?2",
	/* ?3 is always a real bound (INT64_MAX when not paging) so the index range starts
	 * at the page boundary instead of scanning from the newest chat */
	[SQ_CHATS_BY_LIBRARY] = "SELECT " CHAT_COLS " FROM chats WHERE library_id = ?1 "
				"AND id < ?3 AND (?2 IS NULL OR state = ?2) "
				"ORDER BY id DESC LIMIT ?4",
	[SQ_MESSAGES] = "SELECT chat_id, seq, kind, author, author_id, coalesce(cmid, ''), "
			"body, created_at FROM messages WHERE chat_id = ?1 AND seq > ?2 "
			"ORDER BY seq LIMIT ?3",
	[SQ_ARCHIVED] = "SELECT 1 FROM messages WHERE chat_id = ?1 LIMIT 1",
	/* a chat still open: the log has no index (the server reads open chats from memory,
	 * and loads them at start with SQ_LOG_ALL), so this scans it */
	[SQ_LOG_MESSAGES] = "SELECT chat_id, seq, kind, author, author_id, coalesce(cmid, ''), "
			    "body, created_at FROM message_log WHERE chat_id = ?1 AND seq > ?2 "
			    "ORDER BY seq LIMIT ?3",
	[SQ_LOG_ALL] = "SELECT chat_id, seq, kind, author, author_id, coalesce(cmid, ''), "
		       "body, created_at FROM message_log ORDER BY id",
	[SQ_MAX_IDS] = "SELECT coalesce((SELECT max(id) FROM chats), 0), "
		       "coalesce((SELECT max(id) FROM patrons), 0)",

	/* Relationship reads. Each is a primary-key lookup or a range of one patron's (or
	 * one library's) index entries bounded by LIMIT; see EXPLAIN QUERY PLAN in tests. */
	[SQ_REL_PATRON] = "SELECT library_id, remembered, remembered_since, notice_version, "
			  "display_name, email, coalesce(preferred_staff_id, 0) FROM patrons "
			  "WHERE id = ?1",
	/* newest first; the whole remembered history of one patron, from the covering
	 * index (count, first chat, distinct helpers) */
	[SQ_REL_HISTORY] = "SELECT coalesce(staff_id, 0), created_at FROM chats "
			   "INDEXED BY chats_remembered WHERE patron_id = ?1 AND remembered = 1 "
			   "ORDER BY id DESC",
	[SQ_REL_NAMES] = "SELECT key, value FROM traits WHERE patron_id = ?1 AND "
			 "key IN ('preferred_name', 'pronouns')",
	[SQ_REL_FAVOURITES] = "SELECT staff_id FROM favourites WHERE patron_id = ?1 "
			      "ORDER BY at DESC, staff_id LIMIT ?2",
	[SQ_CARD_CHATS] = "SELECT " CHAT_COLS " FROM chats INDEXED BY chats_remembered "
			  "WHERE patron_id = ?1 AND remembered = 1 ORDER BY id DESC LIMIT ?2",
	[SQ_CARD_NOTES] = "SELECT id, patron_id, library_id, author_id, body, created_at, "
			  "updated_at FROM notes WHERE patron_id = ?1 ORDER BY id DESC LIMIT ?2",
	/* a custom key the library removed hides its values (they stay until forgotten) */
	[SQ_CARD_TRAITS] = "SELECT key, value, updated_by, updated_at FROM traits t WHERE "
			   "patron_id = ?1 AND (key IN (" PRESETS_SQL ") OR EXISTS (SELECT 1 "
			   "FROM trait_keys k WHERE k.library_id = ?2 AND k.key = t.key)) "
			   "ORDER BY key LIMIT ?3",
	/* a library's: newest first by walking the full-text matches (ended chats) in
	 * descending rowid (= chat id) order from ?2 down; never ranked. ?1 (sq_fts_query)
	 * is matched in body only, so a word like "p17" never matches a patron token.
	 * CROSS JOIN keeps chat_text the outer loop. */
	[SQ_SEARCH] = "SELECT " CHAT_COLS_OF(
		"c.") " FROM chat_text CROSS JOIN chats c "
		      "ON c.id = chat_text.rowid WHERE chat_text MATCH 'body : (' || ?1 || ')' "
		      "AND chat_text.rowid < ?2 AND c.library_id = ?3 ORDER BY chat_text.rowid "
		      "DESC LIMIT ?5",
	/* a patron's: the same walk, restricted in the index to the documents with the
	 * patron's token (their chats, tens), so a rare word or several cost no more than
	 * a common one; the join keeps the remembered ones of the library. Driving by the
	 * patron's remembered chats and looking each up instead cost ~0.1 ms a chat. */
	[SQ_SEARCH_PATRON] = "SELECT " CHAT_COLS_OF(
		"c.") " FROM chat_text CROSS JOIN chats c "
		      "ON c.id = chat_text.rowid WHERE chat_text MATCH 'patron : \"p' || "
		      "?4 || '\" AND body : (' || ?1 || ')' AND chat_text.rowid < ?2 AND "
		      "c.patron_id = ?4 AND c.remembered = 1 AND c.library_id = ?3 "
		      "ORDER BY chat_text.rowid DESC LIMIT ?5",
	[SQ_STAFF_PHOTO] = "SELECT type, data FROM staff_photos WHERE staff_id = ?1",
	[SQ_TRAIT_KEYS] = "SELECT key, label FROM trait_keys WHERE library_id = ?1 ORDER BY key",
	[SQ_CARD_VIEWS_LIBRARY] = "SELECT staff_id, patron_id, at FROM card_views WHERE "
				  "library_id = ?1 ORDER BY id DESC LIMIT ?2",
	[SQ_CARD_VIEWS_PATRON] = "SELECT staff_id, patron_id, at FROM card_views WHERE "
				 "patron_id = ?3 AND library_id = ?1 ORDER BY id DESC LIMIT ?2",
	/* picked-up remembered chats created in [?2, ?3) whose patron had an earlier
	 * picked-up remembered chat (returning), and of those, the ones whose librarian
	 * had answered one of them (continued) */
	[SQ_CONTINUITY] = "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM chats e "
			  "INDEXED BY chats_remembered WHERE e.patron_id = c.patron_id AND "
			  "e.remembered = 1 AND e.id < c.id AND e.staff_id = c.staff_id)), 0) "
			  "FROM chats c INDEXED BY chats_continuity WHERE c.library_id = ?1 AND "
			  "c.created_at >= ?2 AND c.created_at < ?3 AND c.remembered = 1 AND "
			  "c.staff_id IS NOT NULL AND EXISTS (SELECT 1 FROM chats e INDEXED BY "
			  "chats_remembered WHERE e.patron_id = c.patron_id AND e.remembered = 1 "
			  "AND e.id < c.id AND e.staff_id IS NOT NULL)",
	/* the latest waits (join to pick) and handling times (pick to end) since ?2 */
	[SQ_WAIT_PICKS] = "SELECT picked_at, picked_at - created_at, coalesce(wait_raw_ms, -1) "
			  "FROM chats INDEXED BY chats_picks WHERE library_id = ?1 AND "
			  "picked_at > 0 AND picked_at >= ?2 ORDER BY picked_at DESC LIMIT ?3",
	[SQ_WAIT_ENDS] = "SELECT ended_at, ended_at - picked_at, 0 FROM chats INDEXED BY "
			 "chats_ends WHERE library_id = ?1 AND picked_at > 0 AND ended_at > 0 "
			 "AND ended_at >= ?2 ORDER BY ended_at DESC LIMIT ?3",
	[SQ_WAITS] = "SELECT wait_estimate_ms, wait_actual_ms, picked_at > 0 FROM chats "
		     "INDEXED BY chats_waits WHERE library_id = ?1 AND created_at >= ?2 AND "
		     "created_at < ?3 AND wait_estimate_ms IS NOT NULL AND wait_actual_ms IS "
		     "NOT NULL ORDER BY created_at DESC LIMIT ?4",

	/* Promise reads: each a range of one index in due order (migration 6). */
	[SQ_PROMISE_GET] = "SELECT " PROMISE_COLS " FROM promises WHERE id = ?1",
	[SQ_PROMISES_BY_LIBRARY] = "SELECT " PROMISE_COLS " FROM promises INDEXED BY "
				   "promises_by_library WHERE library_id = ?1 AND state = ?2 "
				   "ORDER BY due_at, id LIMIT ?3",
	[SQ_PROMISES_BY_OWNER] = "SELECT " PROMISE_COLS " FROM promises INDEXED BY "
				 "promises_by_owner WHERE owner_id = ?4 AND state = ?2 AND "
				 "library_id = ?1 ORDER BY due_at, id LIMIT ?3",
	[SQ_PROMISES_BY_PATRON] = "SELECT " PROMISE_COLS " FROM promises INDEXED BY "
				  "promises_by_patron WHERE patron_id = ?4 AND state = ?2 AND "
				  "library_id = ?1 ORDER BY due_at, id LIMIT ?3",
	[SQ_PROMISE_EVENTS] = "SELECT promise_id, at, staff_id, owner_id, kind, note FROM "
			      "promise_events WHERE promise_id = ?1 ORDER BY id",
	[SQ_PROMISE_REPORT] = "SELECT count(*), coalesce(sum(state = 'done' AND done_at <= "
			      "due_at), 0), coalesce(sum(state = 'done' AND done_at > due_at), 0), "
			      "coalesce(sum(state = 'open' AND due_at < ?4), 0), "
			      "coalesce(sum(state = 'open'), 0), coalesce(sum(state = "
			      "'cancelled'), 0) FROM promises INDEXED BY promises_made WHERE "
			      "library_id = ?1 AND created_at >= ?2 AND created_at < ?3",

	/* E-mail outbox reads */
	[SQ_MAIL_DUE] = "SELECT " MAIL_COLS " FROM outbox INDEXED BY outbox_due WHERE "
			"state IN ('queued', 'sending') AND next_attempt_at <= ?1 AND "
			"state = 'queued' ORDER BY next_attempt_at, id LIMIT ?2",
	[SQ_MAIL_LIST] = "SELECT " MAIL_COLS " FROM outbox WHERE library_id = ?1 AND "
			 "state = ?2 ORDER BY id DESC LIMIT ?3",
	[SQ_MAIL_COUNTS] =
		"SELECT (SELECT count(*) FROM outbox INDEXED BY outbox_due WHERE "
		"state IN ('queued', 'sending')), (SELECT count(*) FROM outbox INDEXED BY "
		"outbox_dead WHERE state = 'dead')",

	/* Follow-up reads */
	[SQ_FOLLOWUPS_LIBRARY] =
		"SELECT " FOLLOWUP_COLS " FROM followups INDEXED BY "
		"followups_by_library WHERE library_id = ?1 AND (?2 IS NULL OR "
		"(state = CASE ?2 WHEN 'undeliverable' THEN 'scheduled' ELSE ?2 END "
		"AND " FOLLOWUP_STATE " = ?2)) ORDER BY due_at, id LIMIT ?3",
	[SQ_FOLLOWUPS_PATRON] = "SELECT " FOLLOWUP_COLS " FROM followups INDEXED BY "
				"followups_by_patron WHERE patron_id = ?1 AND library_id = ?2 AND "
				"state <> 'cancelled' ORDER BY id DESC LIMIT ?3",
	/* Opening hours and offline questions (migration 8; sqlite_case.c) */
	[SQ_SCHED_LIBRARY] = "SELECT l.time_zone, l.reply_policy_hours FROM queues q JOIN "
			     "libraries l ON l.id = q.library_id WHERE q.id = ?1",
	[SQ_SCHED_HOURS] = "SELECT weekday, opens_min, closes_min FROM queue_hours WHERE "
			   "queue_id = ?1 ORDER BY weekday, opens_min",
	[SQ_SCHED_CLOSED] = "SELECT date FROM queue_closed WHERE queue_id = ?1 ORDER BY date",
	[SQ_SCHED_SET_LIBRARY] = "UPDATE libraries SET time_zone = ?2, reply_policy_hours = ?3 "
				 "WHERE id = (SELECT library_id FROM queues WHERE id = ?1)",
	/* also an administration write's (named :id there, the first parameter here) */
	[SQ_SCHED_CLEAR_HOURS] = "DELETE FROM queue_hours WHERE queue_id = :id",
	[SQ_SCHED_CLEAR_CLOSED] = "DELETE FROM queue_closed WHERE queue_id = :id",
	[SQ_SCHED_ADD_HOURS] = "INSERT OR IGNORE INTO queue_hours (queue_id, weekday, opens_min, "
			       "closes_min) VALUES (?1, ?2, ?3, ?4)",
	[SQ_SCHED_ADD_CLOSED] = "INSERT OR IGNORE INTO queue_closed (queue_id, date) VALUES "
				"(?1, ?2)",
	/* the queue and the patron must be the library's */
	[SQ_CASE_ADD] = "INSERT INTO cases (library_id, queue_id, patron_id, email, question, "
			"created_at, reply_by, updated_at, token_hash, promise_id) SELECT "
			":library, :queue, :patron, :email, :text, :at, :reply_by, :at, :token, "
			"nullif(:promise, 0) WHERE EXISTS (SELECT 1 FROM queues WHERE id = :queue "
			"AND library_id = :library) AND EXISTS (SELECT 1 FROM patrons WHERE id = "
			":patron AND library_id = :library)",
	[SQ_CASE_REPLY_MSG] = "INSERT INTO case_messages (case_id, author, staff_id, body, "
			      "created_at) SELECT :id, CASE WHEN :staff > 0 THEN 'staff' ELSE "
			      "'patron' END, nullif(:staff, 0), :text, :at WHERE EXISTS (SELECT 1 "
			      "FROM cases WHERE id = :id AND library_id = :library AND (:staff > 0 "
			      "OR state <> 'closed'))",
	[SQ_CASE_REPLY_STATE] = "UPDATE cases SET state = CASE WHEN :staff > 0 THEN 'answered' "
				"ELSE 'open' END, updated_at = :at WHERE id = :id",
	[SQ_CASES] = "SELECT " CASE_COLS " FROM cases INDEXED BY cases_by_state WHERE "
		     "library_id = ?1 AND state = ?2 ORDER BY reply_by, id LIMIT ?3",
	[SQ_CASE_GET] = "SELECT " CASE_COLS " FROM cases WHERE id = ?1",
	[SQ_CASE_BY_TOKEN] =
		"SELECT " CASE_COLS " FROM cases WHERE token_hash = ?1 UNION ALL "
		"SELECT " CASE_COLS_OF("c.") " FROM case_tokens t JOIN cases c ON "
					     "c.id = t.case_id WHERE t.token_hash = ?1 LIMIT 1",
	[SQ_CASE_TOKEN_ADD] = "INSERT INTO case_tokens (token_hash, case_id, created_at) SELECT "
			      ":token, :id, :at WHERE :staff > 0",
	[SQ_CASE_MESSAGES] = "SELECT id, case_id, author, coalesce(staff_id, 0), body, created_at "
			     "FROM case_messages WHERE case_id = ?1 ORDER BY id LIMIT ?2",
	[SQ_CASE_CLOSE] = "UPDATE cases SET state = 'closed', closed_at = :at, closed_by = :staff, "
			  "updated_at = :at WHERE id = :id AND library_id = :library AND state <> "
			  "'closed' AND EXISTS (SELECT 1 FROM staff WHERE id = :staff AND "
			  "library_id = :library)",
	[SQ_HANDOFF_OFFER] = "INSERT INTO handoffs (chat_id, seq, library_id, queue_id, kind, "
			     "from_staff, to_staff, to_queue, note, state, created_at) VALUES "
			     "(:chat, :seq, :library, :queue, :kind, :from, nullif(:to, 0), "
			     "nullif(:to_queue, 0), :note, 'offered', :at)",
	[SQ_HANDOFF_DECIDE] =
		"UPDATE handoffs SET state = :state, reason = :reason, "
		"decided_at = :decided, to_staff = coalesce(nullif(:to, 0), to_staff) "
		"WHERE chat_id = :chat AND seq = :seq AND state = 'offered'",
	[SQ_HANDOFF_SETTLE] = "UPDATE handoffs SET state = 'cancelled', decided_at = :decided, "
			      "reason = 'the server restarted' WHERE state = 'offered'",
	/* the chat's library, or (consortium) any of its consortium's; or one chat */
	/* the columns in the order of handoff_params (sqlite_handoff.c) */
	[SQ_HANDOFFS] = "SELECT chat_id, seq, library_id, queue_id, from_staff, "
			"coalesce(to_staff, 0), coalesce(to_queue, 0), created_at, decided_at, "
			"kind, note, state, reason FROM handoffs WHERE created_at >= :since AND "
			"created_at < :until AND (CASE WHEN :chat > 0 THEN chat_id = :chat AND "
			"library_id = :library WHEN :consortium THEN library_id IN (SELECT id "
			"FROM libraries WHERE id = :library OR consortium_id = (SELECT "
			"consortium_id FROM libraries WHERE id = :library)) ELSE library_id = "
			":library END) ORDER BY created_at, chat_id, seq LIMIT :limit",
	/* a rated chat was picked up and ended: the terms of chats_ends, so it is used */
	[SQ_RATED_CHATS] = "SELECT " CHAT_COLS " FROM chats WHERE library_id = ?1 AND "
			   "picked_at > 0 AND ended_at > 0 AND ended_at >= ?2 AND ended_at < ?3 "
			   "AND rating > 0 ORDER BY ended_at DESC LIMIT ?4",
	[SQ_FOLLOWUP_BY_TOKEN] = "SELECT " FOLLOWUP_COLS " FROM followups WHERE token_hash = ?1 "
				 "AND expires_at > ?2",
	[SQ_MAIL_SUMMARY] = "SELECT (SELECT count(*) FROM outbox INDEXED BY outbox_state WHERE "
			    "library_id = ?1 AND state IN ('queued', 'sending')), (SELECT count(*) "
			    "FROM outbox INDEXED BY outbox_state WHERE library_id = ?1 AND state = "
			    "'sent'), (SELECT count(*) FROM outbox INDEXED BY outbox_state WHERE "
			    "library_id = ?1 AND state = 'dead')",
	/* administration (migration 14): named, see sq_bind_admin() (sqlite_admin.c) */
	[SQ_QUEUE_ADD] = "INSERT INTO queues (library_id, slug, name, created_at, cascade_ms) "
			 "VALUES (:library, :slug, :name, :at, :cascade) "
			 "ON CONFLICT (library_id, slug) DO NOTHING",
	[SQ_QUEUE_EDIT] = "UPDATE queues SET name = :name, cascade_ms = :cascade WHERE id = :id "
			  "AND library_id = :library",
	[SQ_QUEUE_EDIT_LIBRARY] = "UPDATE libraries SET time_zone = :tz, reply_policy_hours = "
				  ":reply WHERE id = :library",
	/* :hours is [[weekday, opens_min, closes_min], ...], built by the server */
	[SQ_QUEUE_PUT_HOURS] = "INSERT OR IGNORE INTO queue_hours (queue_id, weekday, opens_min, "
			       "closes_min) SELECT :id, json_extract(value, '$[0]'), "
			       "json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM "
			       "json_each(:hours)",
	[SQ_QUEUE_PUT_CLOSED] = "INSERT OR IGNORE INTO queue_closed (queue_id, date) SELECT :id, "
				"value FROM json_each(:closed)",
	[SQ_LIBRARY_EDIT] = "UPDATE libraries SET policy_notes = :text, origins = :origins, "
			    "greeting = :greeting, colour = :colour, text_colour = :text_colour, "
			    "consortium_card = :card WHERE id = :library",
	/* no usable password: '' matches no argon2id string */
	[SQ_STAFF_INVITE] = "INSERT INTO staff (library_id, email, display_name, access, role, "
			    "pw_hash, max_chats, created_at) VALUES (:library, :email, :name, "
			    ":access, CASE WHEN :access IN " ADMIN_ACCESS " THEN 'admin' ELSE "
			    "'librarian' END, '', :max, :at) ON CONFLICT (email) DO NOTHING",
	[SQ_STAFF_LINK] = "INSERT OR IGNORE INTO staff_tokens (token_hash, staff_id, created_at, "
			  "expires_at) SELECT :hash, id, :at, :expires FROM staff WHERE id = :id "
			  "AND library_id = :library AND active = 1",
	/* never the last active admin of the library out of that role */
	[SQ_STAFF_EDIT] =
		"UPDATE staff SET access = :access, role = CASE WHEN :access IN " ADMIN_ACCESS
		" THEN 'admin' ELSE 'librarian' END, max_chats = :max, "
		"active = :active WHERE id = :id AND library_id = :library AND "
		"((:access IN " ADMIN_ACCESS " AND :active = 1) OR EXISTS (SELECT 1 "
		"FROM staff o WHERE o.library_id = :library AND o.id <> :id AND "
		"o.active = 1 AND o.access IN " ADMIN_ACCESS "))",
	[SQ_STAFF_EDIT_SESSIONS] = "DELETE FROM sessions WHERE staff_id = :id AND :active = 0",
	[SQ_STAFF_EDIT_LINKS] = "UPDATE staff_tokens SET used_at = :at WHERE staff_id = :id AND "
				"used_at = 0 AND :active = 0",
	[SQ_PASSWORD_SET] = "UPDATE staff SET pw_hash = :pw WHERE id = :id AND active = 1 AND "
			    "EXISTS (SELECT 1 FROM staff_tokens WHERE token_hash = :hash AND "
			    "staff_id = :id AND used_at = 0 AND expires_at > :at)",
	[SQ_PASSWORD_CHANGE] = "UPDATE staff SET pw_hash = :pw WHERE id = :id AND active = 1",
	/* a new password uses up every link of the account still open */
	[SQ_PASSWORD_LINKS] = "UPDATE staff_tokens SET used_at = :at WHERE staff_id = :id AND "
			      "used_at = 0",
	/* :hash is the session kept (a link's hash matches none: every session goes) */
	[SQ_PASSWORD_SESSIONS] = "DELETE FROM sessions WHERE staff_id = :id AND token_hash <> "
				 ":hash",
	[SQ_STAFF_TOKEN] = "SELECT " STAFF_COLS " FROM staff WHERE active = 1 AND id = (SELECT "
			   "staff_id FROM staff_tokens WHERE token_hash = ?1 AND used_at = 0 AND "
			   "expires_at > ?2)",
	[SQ_CONSORTIUM_OF] = "SELECT c.id, c.slug, c.name FROM consortia c JOIN libraries l ON "
			     "l.consortium_id = c.id WHERE l.id = ?1",
	[SQ_CONSORTIUM_MEMBERS] = "SELECT " LIBRARY_COLS " FROM libraries WHERE consortium_id = "
				  "?1 ORDER BY name, id",
	[SQ_CONSORTIUM_BY_SLUG] = "SELECT id, slug, name FROM consortia WHERE slug = ?1",
	[SQ_CONSORTIUM_ENSURE] = "INSERT INTO consortia (slug, name, created_at) VALUES (?1, ?2, "
				 "?3) ON CONFLICT (slug) DO UPDATE SET name = excluded.name "
				 "RETURNING id",
	[SQ_LIBRARY_CONSORTIUM] = "UPDATE libraries SET consortium_id = nullif(?2, 0) WHERE id = "
				  "?1",
};
