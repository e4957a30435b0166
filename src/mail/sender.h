/* sender.h: the SMTP sender thread. It formats and sends mails with libcurl, one at a
 * time, and hands each result back; it never touches the store (the loop claims rows
 * before they are handed over and writes each result through the writer).
 *
 * The loop thread submits jobs; the sender thread sends them in order and calls
 * `notify(ctx)` after each one (it must only wake the loop); the loop then collects
 * finished jobs with mail_sender_take(). Call curl_global_init() once before starting.
 */
#ifndef RAPPORT_MAIL_SENDER_H
#define RAPPORT_MAIL_SENDER_H

#include <stddef.h>

#include "store/store.h"

struct mail_smtp {
	char url[256]; /* smtp://host:port or smtps://host:port */
	int starttls; /* require STARTTLS on smtp:// */
	char user[128]; /* "" for no authentication */
	char password[256];
	char from[256]; /* envelope and header sender address */
	int timeout_s; /* whole transfer; connecting gets at most 10 s of it */
};

enum mail_result {
	MAIL_SENT = 0, /* the server accepted the message (250 after DATA) */
	MAIL_RETRY = 1, /* a temporary failure (connection, 4xx, timeout): try later */
	MAIL_PERMANENT = 2, /* a permanent failure (5xx, an invalid address): give up */
	MAIL_UNSENT = 3, /* not tried: the sender stopped first */
};

struct mail_job {
	struct store_mail m; /* the row; body_text and body_html are owned by the job */
	char from_name[128]; /* display name of the From header */
	enum mail_result result;
	char error[256]; /* for MAIL_RETRY and MAIL_PERMANENT */
	struct mail_job *next;
};

struct mail_sender;

/* A job holding a copy of row r (bodies copied). NULL on out of memory. Any thread. */
struct mail_job *mail_job_new(const struct store_mail *r, const char *from_name);
void mail_job_free(struct mail_job *j);

/* Starts the thread with a copy of cfg. Returns 0 or -1. Loop thread. */
int mail_sender_start(const struct mail_smtp *cfg, void (*notify)(void *ctx), void *ctx,
		      struct mail_sender **out);

/* Queues a job (takes it). Never blocks on I/O. Loop thread. */
void mail_sender_submit(struct mail_sender *s, struct mail_job *j);

/* Takes the finished jobs, in the order they finished (a list linked by `next`; the
 * caller frees each). NULL if none. Loop thread. */
struct mail_job *mail_sender_take(struct mail_sender *s);

/* Stops the thread: a transfer under way is aborted (within about a second), jobs not
 * yet tried finish as MAIL_UNSENT. Finished jobs stay to be taken. Loop thread. */
void mail_sender_stop(struct mail_sender *s);

/* Frees a stopped sender and any jobs left in it. NULL is fine. */
void mail_sender_free(struct mail_sender *s);

/* Formats and sends one job on the calling thread with a curl easy handle (reused for
 * its connection), setting j->result and j->error. Exposed for tests. `abort_flag`
 * (may be NULL) stops a transfer when it becomes non-zero. */
void mail_send_one(void *curl, const struct mail_smtp *cfg, struct mail_job *j,
		   const volatile int *abort_flag);

#endif
