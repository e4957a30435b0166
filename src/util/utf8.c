/* utf8.c: cutting UTF-8 text on character boundaries (utf8.h). */
#include <string.h>

#include "util/utf8.h"

static int continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

size_t utf8_seq_len(unsigned char c)
{
	return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	while (n < len && n > 0 && continuation((unsigned char)s[n]))
		n--; /* s[n] is the first byte left out: never inside a character */
	return n;
}

void utf8_copy(char *dst, size_t cap, const char *s, size_t len)
{
	size_t n = utf8_cut(s, len, cap - 1);

	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

size_t utf8_prefix_chars(const char *s, size_t len, size_t chars)
{
	size_t k = 0;

	while (k < len && chars-- > 0) {
		k++;
		while (k < len && continuation((unsigned char)s[k]))
			k++;
	}
	return k;
}
