#include "buf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

char *buf_take(struct buf *b, size_t *len)
{
	char *p = b->data;

	if (b->oom || !p) {
		buf_free(b);
		return NULL;
	}
	if (len)
		*len = b->len;
	memset(b, 0, sizeof *b);
	return p;
}

void json_strn(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	if (buf_reserve(b, n + 2))
		return;
	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&')
			continue;
		buf_put(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': buf_put(b, "\\\"", 2); break;
		case '\\': buf_put(b, "\\\\", 2); break;
		case '\n': buf_put(b, "\\n", 2); break;
		case '\r': buf_put(b, "\\r", 2); break;
		case '\t': buf_put(b, "\\t", 2); break;
		default: /* control characters, and <>& so a frame is inert if ever embedded */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_put(b, esc, 6);
		}
	}
	buf_put(b, s + start, n - start);
	buf_putc(b, '"');
}

void json_str(struct buf *b, const char *s)
{
	if (!s)
		buf_put(b, "null", 4);
	else
		json_strn(b, s, strlen(s));
}

void json_kstr(struct buf *b, const char *key, const char *s)
{
	buf_putc(b, '"');
	buf_puts(b, key);
	buf_put(b, "\":", 2);
	json_str(b, s);
	buf_putc(b, ',');
}

void json_kint(struct buf *b, const char *key, int64_t v)
{
	char num[24], *p = num + sizeof num;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t klen = strlen(key);

	/* by hand: printf was a visible share of the loop's time at high message rates */
	*--p = ',';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	if (buf_reserve(b, klen + 3 + (size_t)(num + sizeof num - p)))
		return;
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, key, klen);
	b->len += klen;
	b->data[b->len++] = '"';
	b->data[b->len++] = ':';
	buf_put(b, p, (size_t)(num + sizeof num - p));
}

void json_kbool(struct buf *b, const char *key, int v)
{
	buf_printf(b, "\"%s\":%s,", key, v ? "true" : "false");
}

void json_close(struct buf *b, char c)
{
	if (b->len && b->data[b->len - 1] == ',')
		b->len--;
	buf_putc(b, c);
}
