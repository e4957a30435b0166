/* buf.h: a growable byte buffer and a small JSON writer for outgoing frames.
 *
 * Outgoing frames are built with these functions rather than jansson: encoding is the
 * largest user-space cost at high message rates (see docs/DECISIONS.md). Incoming JSON is
 * always parsed and validated with jansson. A buffer that failed to grow remembers it
 * (`oom`), so callers can check once at the end.
 *
 * What lives in src/util, the bottom layer (it includes nothing of ours): buf.c (this
 * buffer and JSON writer), crypto.c (libsodium wrappers), idmap.c (id -> pointer maps),
 * log.c (logging), utf8.c (cutting on character boundaries), email.c (the address rule),
 * origin.c (a widget origin, checked and written one way).
 */
#ifndef RAPPORT_BUF_H
#define RAPPORT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
};

/* Ensures room for `extra` more bytes. Returns 0 or -1 (and sets oom). */
int buf_reserve(struct buf *b, size_t extra);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);
/* Hands the bytes to the caller (NUL-terminated, caller frees) and resets b. NULL if oom. */
char *buf_take(struct buf *b, size_t *len);

/* JSON pieces. `key` is written verbatim: only pass literals. */
void json_str(struct buf *b, const char *s); /* "escaped", or null if s NULL */
void json_strn(struct buf *b, const char *s, size_t n);
void json_kstr(struct buf *b, const char *key, const char *s); /* "key":"s", */
void json_kint(struct buf *b, const char *key, int64_t v); /* "key":v, */
void json_kbool(struct buf *b, const char *key, int v);
/* Removes a trailing comma, if any, then appends c ('}' or ']'). */
void json_close(struct buf *b, char c);

#endif
