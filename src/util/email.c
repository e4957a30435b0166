/* email.c: the one rule for an e-mail address we accept (email.h). */
#include <string.h>

#include "util/email.h"

static int is_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int email_domain_valid(const char *d)
{
	size_t label = 0, dots = 0;
	char prev = '.';

	if (!*d)
		return 0;
	for (; *d; prev = *d++) {
		char c = *d;

		if (c == '.') {
			if (prev == '.' || prev == '-')
				return 0;
			dots++;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
		if (c == '-' && prev == '.')
			return 0;
		if (++label > 63)
			return 0;
	}
	return dots > 0 && prev != '.' && prev != '-';
}

int mail_addr_valid(const char *addr)
{
	const char *at, *p;
	size_t n;

	if (!addr)
		return 0;
	n = strlen(addr);
	at = strrchr(addr, '@');
	if (n < 3 || n > 254 || !at || at == addr || at - addr > 64)
		return 0;
	for (p = addr; p < at; p++) /* dot-atom: atext runs separated by single dots */
		if (!(is_atext(*p) || (*p == '.' && p > addr && p[-1] != '.' && p + 1 < at)))
			return 0;
	return email_domain_valid(at + 1);
}
