/* static.c: files of the web root (and the demo site's), with the security headers: a
 * Content-Security-Policy without inline scripts, frame-ancestors limited to the origins
 * libraries allow for the widget, nosniff, no referrer. Page aliases (/chat, /console...)
 * are resolved here. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "net/net_int.h"

#define CSP_BASE                                                                                   \
	"default-src 'self'; style-src 'self'; img-src 'self' data:; "                             \
	"connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; object-src 'none'"

/* ---- static files -------------------------------------------------------------------------- */

static const char *mime_of(const char *path)
{
	static const struct {
		const char *ext, *mime;
	} types[] = {{".html", "text/html; charset=utf-8"},
		     {".js", "text/javascript; charset=utf-8"},
		     {".mjs", "text/javascript; charset=utf-8"},
		     {".css", "text/css; charset=utf-8"},
		     {".png", "image/png"},
		     {".jpg", "image/jpeg"},
		     {".ico", "image/x-icon"},
		     {".json", "application/json"},
		     {".txt", "text/plain; charset=utf-8"},
		     {".woff2", "font/woff2"}};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].mime;
	return NULL;
}

static int safe_path(const char *p)
{
	size_t i;

	if (p[0] != '/' || strstr(p, "..") || strstr(p, "//"))
		return 0;
	for (i = 0; p[i]; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* frame-ancestors for pages that may sit in a library's widget iframe. */
static void frame_ancestors(struct http_conn *h, char *out, size_t cap, int embeddable)
{
	size_t n;

	if (!embeddable) {
		snprintf(out, cap, "frame-ancestors 'none'");
		return;
	}
	n = (size_t)snprintf(out, cap, "frame-ancestors 'self'");
	if (n < cap)
		h->net->hooks.embed_origins(out + n, cap - n);
}

int static_serve(struct http_conn *h, const char *root)
{
	char file[1024], headers[3072], fa[1536], extra[200] = "; script-src 'self'";
	const char *p = h->path, *mime;
	struct stat st;
	int n;

	if (strcmp(p, "/") == 0)
		p = "/index.html";
	else if (strcmp(p, "/chat") == 0)
		p = "/chat.html";
	else if (strcmp(p, "/case") == 0)
		p = "/case.html";
	else if (strcmp(p, "/console") == 0)
		p = "/console.html";
	else if (strcmp(p, "/set-password") == 0)
		p = "/set-password.html";
	mime = mime_of(p);
	if (!safe_path(p) || !mime ||
	    (size_t)snprintf(file, sizeof file, "%s%s", root, p) >= sizeof file ||
	    stat(file, &st) || !S_ISREG(st.st_mode)) {
		http_error(h, 404, "not_found", "No such page.");
		return 0;
	}
	frame_ancestors(h, fa, sizeof fa, strcmp(p, "/chat.html") == 0);
	if (root != h->net->cfg.web_root) {
		/* the demo library website loads the widget from rapport's own port */
		int hl = (int)strcspn(h->host, ":");

		if (hl > 60)
			hl = 60;
		snprintf(extra, sizeof extra,
			 "; script-src 'self' http://%.*s:%d; frame-src http://%.*s:%d", hl,
			 h->host, h->net->cfg.port, hl, h->host, h->net->cfg.port);
	}
	n = snprintf(headers, sizeof headers,
		     "content-security-policy: " CSP_BASE "; %s%s\r\n"
		     "x-content-type-options: nosniff\r\n"
		     "referrer-policy: no-referrer\r\n"
		     "cache-control: no-cache\r\n",
		     fa, extra);
	if (n < 0 || (size_t)n >= sizeof headers)
		n = 0;
	n = lws_serve_http_file(h->wsi, file, mime, headers, n);
	if (n < 0)
		return -1;
	if (n > 0 && lws_http_transaction_completed(h->wsi))
		return -1;
	return 0;
}
