/* origin.h: a web origin as a library allows it for its widget: scheme://host[:port],
 * http or https, nothing after the authority. Parsed by libcurl's URL parser, written back
 * the way a browser sends an Origin header (lower case, no default port). Any thread. */
#ifndef RAPPORT_UTIL_ORIGIN_H
#define RAPPORT_UTIL_ORIGIN_H

#include <stddef.h>

/* The origin `in` written the browser's way into out[cap]. 0, or -1 when it is not an
 * origin (a path, a query, user info, another scheme, too long). */
int origin_normalise(const char *in, char *out, size_t cap);

#endif
