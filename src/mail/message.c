/* message.c: Internet message formatting. See message.h. */
#include "mail/message.h"
#include "desk/schedule.h"
#include "util/utf8.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WORD_BYTES 30 /* raw bytes per encoded word: 40 base64 chars, a 52-char word */
#define LINE_BYTES 57 /* raw bytes per base64 body line: 76 characters */

/* See message.h. */
void mail_header_clean(char *dst, size_t cap, const char *src)
{
	size_t i = 0, k;

	if (!cap)
		return;
	while (*src) {
		unsigned char c = (unsigned char)*src;

		k = utf8_seq_len(c);
		if (i + k >= cap)
			break;
		if (k == 1) {
			dst[i++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
			src++;
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			if (!src[j]) { /* a truncated sequence at the end: drop it */
				dst[i] = '\0';
				return;
			}
			dst[i + j] = src[j];
		}
		i += k;
		src += k;
	}
	dst[i] = '\0';
}

static int needs_encoding(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || (s[0] == '=' && s[1] == '?'))
			return 1;
	return 0;
}

static void put_base64(struct buf *b, const unsigned char *p, size_t n)
{
	char out[sodium_base64_ENCODED_LEN(LINE_BYTES, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(out, sizeof out, p, n, sodium_base64_VARIANT_ORIGINAL);
	buf_puts(b, out);
}

/* Encoded words of s (already cleaned), separated by CRLF SP (folding). */
static void put_words(struct buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t take = 0;

		while (i + take < n) {
			size_t k = utf8_seq_len((unsigned char)s[i + take]);

			if (take + k > WORD_BYTES && take > 0)
				break;
			take += k;
		}
		if (i + take > n)
			take = n - i;
		if (i > 0)
			buf_puts(b, "\r\n ");
		buf_puts(b, "=?UTF-8?B?");
		put_base64(b, (const unsigned char *)s + i, take);
		buf_puts(b, "?=");
		i += take;
	}
}

/* See message.h. */
void mail_header(struct buf *b, const char *name, const char *value)
{
	char clean[1024];

	mail_header_clean(clean, sizeof clean, value ? value : "");
	buf_puts(b, name);
	buf_puts(b, ": ");
	if (needs_encoding(clean))
		put_words(b, clean);
	else
		buf_puts(b, clean);
	buf_puts(b, "\r\n");
}

/* From: the display name as a quoted string, or encoded words when not ASCII. */
static void put_from(struct buf *b, const char *name, const char *addr)
{
	char clean[256];
	const char *p;

	mail_header_clean(clean, sizeof clean, name ? name : "");
	buf_puts(b, "From: ");
	if (clean[0] && needs_encoding(clean)) {
		put_words(b, clean);
		buf_putc(b, ' ');
	} else if (clean[0]) {
		buf_putc(b, '"');
		for (p = clean; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(b, '\\');
			buf_putc(b, *p);
		}
		buf_puts(b, "\" ");
	}
	buf_printf(b, "<%s>\r\n", addr);
}

/* See message.h. */
void mail_date(char out[40], int64_t ms)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
		 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* See message.h. */
void mail_when(char out[64], int64_t ms, const char *tz)
{
	static const char *const days[7] = {"Sunday",	"Monday", "Tuesday", "Wednesday",
					    "Thursday", "Friday", "Saturday"};
	static const char *const months[12] = {"January",   "February", "March",    "April",
					       "May",	    "June",	"July",	    "August",
					       "September", "October",	"November", "December"};
	static _Thread_local struct schedule s; /* only tz is used; 1 KiB off the stack */
	int wd, minute, h;
	int32_t date;

	snprintf(s.tz, sizeof s.tz, "%s", tz && strcmp(tz, "UTC") ? tz : "");
	schedule_local(&s, ms, &wd, &date, &minute);
	h = minute / 60 % 12;
	snprintf(out, 64, "%s %d %s, %d:%02d %s", days[wd % 7], (int)(date % 100),
		 months[(date / 100 % 100 + 11) % 12], h ? h : 12, minute % 60,
		 minute < 720 ? "am" : "pm");
}

/* See message.h. */
void mail_duration(char out[32], int64_t seconds)
{
	int64_t n = seconds;
	const char *unit = "second";

	if (seconds <= 0)
		n = 0;
	else if (seconds % 86400 == 0)
		n = seconds / 86400, unit = "day";
	else if (seconds % 3600 == 0)
		n = seconds / 3600, unit = "hour";
	else if (seconds >= 60)
		n = (seconds + 59) / 60, unit = "minute";
	snprintf(out, 32, "%lld %s%s", (long long)n, unit, n == 1 ? "" : "s");
}

/* See message.h. */
void mail_new_message_id(char out[128], const char *from_addr)
{
	unsigned char r[16];
	char hex[33];
	const char *at = from_addr ? strrchr(from_addr, '@') : NULL;
	const char *domain = at && email_domain_valid(at + 1) && strlen(at + 1) < 80
				     ? at + 1
				     : "rapport.invalid";

	randombytes_buf(r, sizeof r);
	sodium_bin2hex(hex, sizeof hex, r, sizeof r);
	snprintf(out, 128, "<%s@%s>", hex, domain);
}

/* A body part: its headers, then s with every line end made CRLF, in base64 lines. */
static void put_part(struct buf *b, const char *type, const char *s)
{
	struct buf crlf = {0};
	size_t i;

	buf_printf(b, "Content-Type: %s; charset=UTF-8\r\n", type);
	buf_puts(b, "Content-Transfer-Encoding: base64\r\n\r\n");
	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue; /* the \n that follows writes the CRLF */
		if (*s == '\n' || *s == '\r')
			buf_put(&crlf, "\r\n", 2);
		else
			buf_putc(&crlf, *s);
	}
	for (i = 0; i < crlf.len; i += LINE_BYTES) {
		size_t n = crlf.len - i < LINE_BYTES ? crlf.len - i : LINE_BYTES;

		put_base64(b, (const unsigned char *)crlf.data + i, n);
		buf_puts(b, "\r\n");
	}
	if (crlf.oom)
		b->oom = 1;
	buf_free(&crlf);
}

/* See message.h. */
int mail_format(const struct mail_content *m, struct buf *b)
{
	unsigned char h[12];
	char date[40], boundary[48], hex[25], clean[600];
	int alt = m->html && m->html[0];

	if (!mail_addr_valid(m->from_addr) || !mail_addr_valid(m->to_addr) || !m->message_id ||
	    !m->text)
		return -1;
	mail_date(date, m->date_ms);
	buf_printf(b, "Date: %s\r\n", date);
	put_from(b, m->from_name, m->from_addr);
	buf_printf(b, "To: <%s>\r\n", m->to_addr);
	mail_header(b, "Subject", m->subject);
	mail_header_clean(clean, sizeof clean, m->message_id);
	buf_printf(b, "Message-ID: %s\r\n", clean);
	if (m->list_unsubscribe && m->list_unsubscribe[0]) {
		mail_header_clean(clean, sizeof clean, m->list_unsubscribe);
		if (!strpbrk(clean, "<> "))
			buf_printf(b, "List-Unsubscribe: <%s>\r\n", clean);
	}
	buf_puts(b, "MIME-Version: 1.0\r\n");
	if (!alt) {
		put_part(b, "text/plain", m->text);
		return b->oom ? -1 : 0;
	}
	/* base64 never contains "=_", so the boundary cannot occur in a part */
	crypto_generichash(h, sizeof h, (const unsigned char *)m->message_id, strlen(m->message_id),
			   NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(boundary, sizeof boundary, "=_rapport_%s", hex);
	buf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);
	buf_puts(b, "This is a message in MIME format.\r\n");
	buf_printf(b, "\r\n--%s\r\n", boundary);
	put_part(b, "text/plain", m->text);
	buf_printf(b, "\r\n--%s\r\n", boundary);
	put_part(b, "text/html", m->html);
	buf_printf(b, "\r\n--%s--\r\n", boundary);
	return b->oom ? -1 : 0;
}

/* See message.h. */
void mail_html_text(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\n': buf_puts(b, "<br>"); break;
		default: buf_putc(b, *s);
		}
	}
}
