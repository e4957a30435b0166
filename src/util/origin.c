/* origin.c: widget origins, checked with libcurl's URL parser (origin.h). */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "util/origin.h"

/* Part `what` of u is absent (or, for the path, only "/"). */
static int absent(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	int none = curl_url_get(u, what, &v, 0) != CURLUE_OK || !v || !*v ||
		   (what == CURLUPART_PATH && !strcmp(v, "/"));

	curl_free(v);
	return none;
}

int origin_normalise(const char *in, char *out, size_t cap)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1, n;

	if (cap)
		out[0] = '\0';
	if (!u || !in || strlen(in) > 255 || strchr(in, '\\') || strstr(in, "://") == NULL ||
	    in[strlen(in) - 1] == '/')
		goto out;
	if (curl_url_set(u, CURLUPART_URL, in, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if ((strcmp(scheme, "http") && strcmp(scheme, "https")) || !absent(u, CURLUPART_USER) ||
	    !absent(u, CURLUPART_PASSWORD) || !absent(u, CURLUPART_PATH) ||
	    !absent(u, CURLUPART_QUERY) || !absent(u, CURLUPART_FRAGMENT))
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	n = snprintf(out, cap, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
	rc = n > 0 && (size_t)n < cap ? 0 : -1;
	if (rc && cap)
		out[0] = '\0';
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}
