/* store.c: backend-neutral helpers of the store interface. */
#include <stdlib.h>

#include "store.h"

/* Allocates a zeroed write of `kind`; NULL on out of memory. The caller owns it until
 * writer_submit(). Loop thread. */
struct store_write *store_write_new(enum store_write_kind kind)
{
	struct store_write *w = calloc(1, sizeof *w);

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

/* Returns a short English description of a store error code (static string). */
const char *store_strerror(int rc)
{
	switch (rc) {
	case STORE_OK:
		return "ok";
	case STORE_ERR:
		return "storage failure";
	case STORE_NOTFOUND:
		return "not found";
	case STORE_EXISTS:
		return "already exists";
	case STORE_BADARG:
		return "invalid argument";
	case STORE_STOP:
		return "stopped";
	default:
		return "unknown store error";
	}
}
