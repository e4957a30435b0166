/* store.c: backend-neutral helpers of the store interface. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

/* Allocates a zeroed write of `kind`; NULL on out of memory. The caller owns it until
 * writer_submit(). Loop thread. */
/* The size of the member of `u` that `kind` uses. */
static size_t member_size(enum store_write_kind kind)
{
	struct store_write *w = NULL; /* only for sizeof */

	if (kind >= STW_CONSENT_GIVE && kind <= STW_STAFF_PHOTO) /* relationship memory */
		return sizeof w->u.rel;
	if (kind >= STW_QUEUE_ADD && kind <= STW_PASSWORD_CHANGE) /* administration */
		return sizeof w->u.admin;
	switch (kind) {
	case STW_PATRON_INSERT:
	case STW_PATRON_TOUCH: return sizeof w->u.patron;
	case STW_CHAT_INSERT:
	case STW_CHAT_UPDATE:
	case STW_CHAT_ROUTE: return sizeof w->u.chat;
	case STW_MESSAGE_INSERT: return sizeof w->u.message;
	case STW_SESSION_INSERT:
	case STW_SESSION_TOUCH:
	case STW_SESSION_DELETE: return sizeof w->u.session;
	case STW_BARRIER: return 0;
	case STW_PROMISE_ADD:
	case STW_PROMISE_DONE:
	case STW_PROMISE_CANCEL:
	case STW_PROMISE_REASSIGN: return sizeof w->u.promise;
	case STW_MAIL_QUEUE:
	case STW_MAIL_CLAIM:
	case STW_MAIL_RESULT:
	case STW_MAIL_RECOVER:
	case STW_MAIL_RETRY: return sizeof w->u.mail;
	case STW_SIGNIN_CREATE:
	case STW_SIGNIN_USE: return sizeof w->u.signin;
	case STW_FOLLOWUP_ADD:
	case STW_FOLLOWUP_CANCEL:
	case STW_FOLLOWUP_ANSWER:
	case STW_FOLLOWUP_STOP: return sizeof w->u.followup;
	case STW_CASE_ADD:
	case STW_CASE_REPLY:
	case STW_CASE_CLOSE: return sizeof w->u.kase;
	case STW_HANDOFF_OFFER:
	case STW_HANDOFF_DECIDE:
	case STW_HANDOFF_SETTLE: return sizeof w->u.handoff;
	default: /* a kind not listed here gets room for any member */ return sizeof w->u;
	}
}

struct store_write *store_write_new(enum store_write_kind kind)
{
	struct store_write *w = calloc(1, offsetof(struct store_write, u) + member_size(kind));

	if (w)
		w->kind = kind;
	return w;
}

/* Frees a write and what it owns (a message body, u.rel.text and blob, u.promise.text,
 * a queued mail's bodies; all from malloc).
 * NULL is fine. Any thread. */
void store_write_free(struct store_write *w)
{
	if (!w)
		return;
	if (w->kind == STW_MESSAGE_INSERT)
		free((void *)w->u.message.body);
	else if (w->kind == STW_PROMISE_ADD || w->kind == STW_PROMISE_DONE ||
		 w->kind == STW_PROMISE_CANCEL || w->kind == STW_PROMISE_REASSIGN)
		free(w->u.promise.text);
	else if (w->kind >= STW_CONSENT_GIVE && w->kind <= STW_STAFF_PHOTO) {
		free(w->u.rel.text);
		free(w->u.rel.blob);
	} else if (w->kind == STW_CASE_ADD || w->kind == STW_CASE_REPLY) {
		free(w->u.kase.text);
	} else if (w->kind == STW_MAIL_QUEUE) {
		free(w->u.mail.body_text);
		free(w->u.mail.body_html);
	} else if (w->kind == STW_FOLLOWUP_ADD) {
		free(w->u.followup.mail.body_text);
		free(w->u.followup.mail.body_html);
	}
	free(w);
}

static const char *const chat_states[] = {[STORE_CHAT_QUEUED] = "queued",
					  [STORE_CHAT_ACTIVE] = "active",
					  [STORE_CHAT_ENDED] = "ended",
					  [STORE_CHAT_ABANDONED] = "abandoned"};

const char *store_chat_state_name(enum store_chat_state s)
{
	return (int)s >= 0 && (size_t)s < sizeof chat_states / sizeof chat_states[0]
		       ? chat_states[s]
		       : NULL;
}

int store_chat_state_of(const char *s)
{
	for (size_t i = 0; s && i < sizeof chat_states / sizeof chat_states[0]; i++)
		if (strcmp(s, chat_states[i]) == 0)
			return (int)i;
	return -1;
}

/* Returns a short English description of a store error code (static string). */
const char *store_strerror(int rc)
{
	switch (rc) {
	case STORE_OK: return "ok";
	case STORE_ERR: return "storage failure";
	case STORE_NOTFOUND: return "not found";
	case STORE_EXISTS: return "already exists";
	case STORE_BADARG: return "invalid argument";
	case STORE_STOP: return "stopped";
	default: return "unknown store error";
	}
}
