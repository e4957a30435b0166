/* sender.c: the SMTP sender thread. See sender.h.
 *
 * One curl easy handle lives as long as the thread, so consecutive mails to the same
 * server reuse its connection. libcurl does the SMTP dialogue (EHLO, STARTTLS, AUTH, MAIL
 * FROM, RCPT TO, DATA with dot-stuffing); we hand it a finished message. */
#include "mail/sender.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mail/message.h"
#include "util/buf.h"
#include "util/log.h"

#define TAG "mail"
#define CONNECT_TIMEOUT_S 10

struct mail_sender {
	struct mail_smtp cfg;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct mail_job *todo_head, *todo_tail; /* submitted, not yet tried */
	struct mail_job *done_head, *done_tail; /* finished, to be taken */
	int stop;
	volatile int abort_now;
	int started;
	void (*notify)(void *ctx);
	void *ctx;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* See sender.h. */
struct mail_job *mail_job_new(const struct store_mail *r, const char *from_name)
{
	struct mail_job *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	j->m = *r;
	j->m.body_text = dup_or_null(r->body_text);
	j->m.body_html = dup_or_null(r->body_html);
	if (!j->m.body_text || (r->body_html && !j->m.body_html)) {
		mail_job_free(j);
		return NULL;
	}
	snprintf(j->from_name, sizeof j->from_name, "%s", from_name ? from_name : "");
	return j;
}

/* See sender.h. */
void mail_job_free(struct mail_job *j)
{
	if (!j)
		return;
	free(j->m.body_text);
	free(j->m.body_html);
	free(j);
}

/* ---- one transfer -------------------------------------------------------------------- */

struct reader {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb;

	if (n > r->len - r->off)
		n = r->len - r->off;
	memcpy(ptr, r->data + r->off, n);
	r->off += n;
	return n;
}

static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const volatile int *abort_flag = arg;

	return abort_flag && *abort_flag ? 1 : 0;
}

/* Whether a failed transfer is worth trying again: SMTP 5xx replies and refused
 * addresses are permanent; connection trouble, timeouts and 4xx are not. */
static enum mail_result classify(CURLcode rc, long code)
{
	if (code >= 500 && code < 600)
		return MAIL_PERMANENT;
	if (rc == CURLE_LOGIN_DENIED || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	    rc == CURLE_URL_MALFORMAT)
		return MAIL_PERMANENT;
	return MAIL_RETRY;
}

/* See sender.h. */
void mail_send_one(void *curl, const struct mail_smtp *cfg, struct mail_job *j,
		   const volatile int *abort_flag)
{
	CURL *h = curl;
	struct buf msg = {0};
	struct curl_slist *rcpt = NULL;
	struct mail_content mc = {.from_name = j->from_name,
				  .from_addr = cfg->from,
				  .to_addr = j->m.to_addr,
				  .subject = j->m.subject,
				  .text = j->m.body_text,
				  .html = j->m.body_html,
				  .list_unsubscribe = j->m.list_unsubscribe,
				  .message_id = j->m.message_id,
				  .date_ms = j->m.created_at};
	char errbuf[CURL_ERROR_SIZE] = "", from[300], to[300];
	struct reader rd;
	long code = 0;
	CURLcode rc;

	if (mail_format(&mc, &msg)) {
		j->result = MAIL_PERMANENT;
		snprintf(j->error, sizeof j->error, "%s",
			 msg.oom ? "out of memory" : "invalid sender or recipient address");
		if (msg.oom)
			j->result = MAIL_RETRY;
		buf_free(&msg);
		return;
	}
	snprintf(from, sizeof from, "<%s>", cfg->from);
	snprintf(to, sizeof to, "<%s>", j->m.to_addr);
	rcpt = curl_slist_append(NULL, to);
	rd = (struct reader){msg.data, msg.len, 0};
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, cfg->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (cfg->starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->user[0]) {
		curl_easy_setopt(h, CURLOPT_USERNAME, cfg->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->password);
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &rd);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(cfg->timeout_s > 0 ? cfg->timeout_s : 60));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)abort_flag);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		j->result = MAIL_SENT;
		j->error[0] = '\0';
	} else {
		j->result = classify(rc, code);
		if (code)
			snprintf(j->error, sizeof j->error, "SMTP %ld: %.200s", code,
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		else
			snprintf(j->error, sizeof j->error, "%s",
				 errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpt);
	buf_free(&msg);
}

/* ---- the thread ---------------------------------------------------------------------- */

static void finish_job(struct mail_sender *s, struct mail_job *j)
{
	pthread_mutex_lock(&s->mu);
	j->next = NULL;
	if (s->done_tail)
		s->done_tail->next = j;
	else
		s->done_head = j;
	s->done_tail = j;
	pthread_mutex_unlock(&s->mu);
	s->notify(s->ctx);
}

static void *sender_main(void *arg)
{
	struct mail_sender *s = arg;
	CURL *h = curl_easy_init();

	if (!h)
		log_error(TAG, "cannot create a curl handle: mails stay queued");
	for (;;) {
		struct mail_job *j;

		pthread_mutex_lock(&s->mu);
		while (!s->todo_head && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		j = s->todo_head;
		if (j) {
			s->todo_head = j->next;
			if (!s->todo_head)
				s->todo_tail = NULL;
		}
		pthread_mutex_unlock(&s->mu);
		if (!j)
			break; /* stopping, nothing left */
		if (s->stop || !h) {
			j->result = MAIL_UNSENT;
			snprintf(j->error, sizeof j->error, "not tried: %s",
				 h ? "the server stopped" : "no curl handle");
		} else {
			mail_send_one(h, &s->cfg, j, &s->abort_now);
			if (j->result == MAIL_SENT)
				log_info(TAG, "mail %lld sent %s", (long long)j->m.id,
					 j->m.message_id);
			else
				log_warn(TAG, "mail %lld not sent: %s", (long long)j->m.id,
					 j->error);
		}
		finish_job(s, j);
	}
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

/* See sender.h. */
int mail_sender_start(const struct mail_smtp *cfg, void (*notify)(void *ctx), void *ctx,
		      struct mail_sender **out)
{
	struct mail_sender *s = calloc(1, sizeof *s);

	*out = NULL;
	if (!s)
		return -1;
	s->cfg = *cfg;
	s->notify = notify;
	s->ctx = ctx;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, sender_main, s)) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return -1;
	}
	s->started = 1;
	*out = s;
	return 0;
}

/* See sender.h. */
void mail_sender_submit(struct mail_sender *s, struct mail_job *j)
{
	pthread_mutex_lock(&s->mu);
	j->next = NULL;
	if (s->todo_tail)
		s->todo_tail->next = j;
	else
		s->todo_head = j;
	s->todo_tail = j;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* See sender.h. */
struct mail_job *mail_sender_take(struct mail_sender *s)
{
	struct mail_job *j;

	pthread_mutex_lock(&s->mu);
	j = s->done_head;
	s->done_head = s->done_tail = NULL;
	pthread_mutex_unlock(&s->mu);
	return j;
}

/* See sender.h. */
void mail_sender_stop(struct mail_sender *s)
{
	if (!s || !s->started)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	s->abort_now = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->started = 0;
}

/* See sender.h. */
void mail_sender_free(struct mail_sender *s)
{
	struct mail_job *j, *n;

	if (!s)
		return;
	mail_sender_stop(s);
	for (j = s->todo_head; j; j = n) {
		n = j->next;
		mail_job_free(j);
	}
	for (j = s->done_head; j; j = n) {
		n = j->next;
		mail_job_free(j);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
