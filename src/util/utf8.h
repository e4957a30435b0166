/* utf8.h: cutting UTF-8 text without splitting a character. (Validation of what clients
 * send is proto_utf8_valid, in src/net/proto.c.) Pure; any thread. */
#ifndef RAPPORT_UTF8_H
#define RAPPORT_UTF8_H

#include <stddef.h>

/* The bytes of the sequence whose lead byte is c (1 for ASCII and anything unexpected). */
size_t utf8_seq_len(unsigned char c);
/* The longest prefix of s (len bytes) of at most max bytes that ends on a character
 * boundary: its length. */
size_t utf8_cut(const char *s, size_t len, size_t max);
/* Copies s (len bytes) into dst[cap] (cap >= 1), cut on a character boundary, and
 * NUL-terminates it. */
void utf8_copy(char *dst, size_t cap, const char *s, size_t len);
/* The bytes of the first `chars` characters of s (len bytes), or len if it has fewer. */
size_t utf8_prefix_chars(const char *s, size_t len, size_t chars);

#endif
