/* rest_util.c: small helpers the REST route files share: answering, the caller's staff
 * session (with CSRF for POSTs), ids in paths and query arguments, text and JSON body
 * checks. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/call.h"
#include "api/errors.h"
#include "desk/settings.h"
#include "util/log.h"

void rest_respond_buf(struct http_conn *h, int status, struct buf *b)
{
	size_t n;
	char *body = buf_take(b, &n);

	if (!body)
		api_http_fail(h, API_NOMEM, "Out of memory.");
	else
		http_respond(h, status, body, n);
}

void rest_respond_ok(struct http_conn *h)
{
	char *body = strdup("{\"ok\":true}");

	if (!body)
		api_http_fail(h, API_NOMEM, "Out of memory.");
	else
		http_respond(h, 200, body, strlen(body));
}

void rest_bad_request(struct http_conn *h, const char *message)
{
	api_http_fail(h, API_BAD_REQUEST, message);
}

/* A query argument: 0 absent, 1 set in *out, -1 present but not a number in [lo, hi]. */
int rest_arg_int(struct http_conn *h, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	char arg[48];
	const char *v = http_query_arg(h, name, arg, sizeof arg), *rest = "";
	int64_t n;

	if (!v)
		return 0;
	n = rest_parse_id(v, &rest);
	if (!n || *rest || n < lo || n > hi)
		return -1;
	*out = n;
	return 1;
}

/* Valid UTF-8 of at most max bytes without control characters (multiline: newlines and
 * tabs allowed). */
int rest_text_ok(const char *s, size_t len, size_t max, int multiline)
{
	size_t i;

	if (len > max || !proto_utf8_valid(s, len) || strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 || c == 0x7f) &&
		    !(multiline && (c == '\n' || c == '\r' || c == '\t')))
			return 0;
	}
	return 1;
}

int rest_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Parses h's JSON body against fmt (JSON_STRICT), or answers 400 bad_request (a missing
 * field or one of the wrong type, too) and returns NULL. */
json_t *rest_body_unpack(struct http_conn *h, const char *usage, const char *fmt, ...)
{
	json_error_t err;
	json_t *root = json_loadb(h->body, h->body_len, JSON_REJECT_DUPLICATES, &err);
	va_list ap;
	int rc = -1;

	if (root) {
		va_start(ap, fmt);
		rc = json_vunpack_ex(root, &err, JSON_STRICT, fmt, ap);
		va_end(ap);
	}
	if (rc) {
		json_decref(root);
		rest_bad_request(h, usage);
		return NULL;
	}
	return root;
}

/* "key":{"id","name"} or "key":null, with a trailing comma. */
void rest_staff_ref(struct buf *b, const char *key, int64_t id)
{
	struct staff *s = id > 0 ? desk_staff(g_app->desk, id) : NULL;

	buf_printf(b, "\"%s\":", key);
	if (id <= 0) {
		buf_puts(b, "null,");
		return;
	}
	buf_putc(b, '{');
	json_kint(b, "id", id);
	json_kstr(b, "name", s ? s->name : "");
	json_close(b, '}');
	buf_putc(b, ',');
}

/* See api.h. */
int rest_row_next(const struct buf *rows, size_t *off, void *row, size_t size)
{
	if (*off > rows->len || rows->len - *off < size)
		return 0;
	memcpy(row, rows->data + *off, size);
	*off += size;
	return 1;
}

/* See api.h. */
void rest_respond_list(struct http_conn *h, struct buf *b)
{
	json_close(b, ']');
	buf_putc(b, '}');
	rest_respond_buf(h, 200, b);
}

/* See api.h. */
int rest_read_failed(struct http_conn *h, int rc, const char *not_found, const char *tag, int kind)
{
	if (rc == STORE_NOTFOUND) {
		api_http_fail(h, API_NOT_FOUND, not_found);
		return 1;
	}
	if (!rc)
		return 0;
	if (kind >= 0)
		log_warn(tag, "read kind %d failed: %s", kind, store_strerror(rc));
	else
		log_warn(tag, "read failed: %s", store_strerror(rc));
	api_http_fail(h, API_STORE_FAILED, "Could not read; try again.");
	return 1;
}

/* See api.h. */
int rest_write_failed(struct http_conn *h, int rc, int changed, enum api_err unchanged,
		      const char *message)
{
	if (!h)
		return 1;
	if (rc)
		api_http_fail(h, API_STORE_FAILED, "Could not save; try again.");
	else if (!changed)
		api_http_fail(h, unchanged, message);
	return rc || !changed;
}

int rest_report_window(struct call *k, int64_t *since, int64_t *until)
{
	int64_t days = 30, now = app_now_ms();

	if (rest_arg_int(k->h, "days=", 1, 3660, &days) < 0) {
		call_fail(k, API_BAD_REQUEST, "days is 1 to 3660.");
		return -1;
	}
	*until = now + 1;
	*since = now - days * 24LL * 60 * 60 * 1000;
	return 0;
}

/* See api.h. */
void rest_card_fields_json(struct buf *b, const char *key, unsigned mask)
{
	buf_printf(b, "\"%s\":[", key);
	for (int i = 0; i < SETTINGS_CARD_N; i++)
		if (mask & (1u << i)) {
			json_str(b, settings_card_name(i));
			buf_putc(b, ',');
		}
	json_close(b, ']');
	buf_putc(b, ',');
}
