/* rest_admin.c: administration of the caller's library over REST (docs/API.md,
 * "Administration"): its queues (name, opening hours, closed dates, time zone, reply
 * policy, cascade delay), its settings (policy notes, widget origins, greeting and
 * colours, the card fields it shares with its consortium) and, for a consortium
 * administrator, the consortium's members. rest_admin_staff.c has the accounts.
 *
 * The router has checked the role (RT_ADMIN, RT_CONSORTIUM); every record is the caller's
 * library's: reads come from the desk, which holds exactly what is in force, and each
 * write is conditional on the library in SQL as well. A committed write changes the desk
 * on the loop at once, and patrons' `queues` frames announce it (chat_flush_queues), so
 * nothing waits for a restart. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/async.h"
#include "api/errors.h"
#include "api/rest_admin_int.h"
#include "api/routes.h"
#include "desk/settings.h"
#include "util/log.h"
#include "util/origin.h"

#define TAG "admin"
#define CASCADE_MAX_S 86400
#define REPLY_MAX_H 2400
#define POLICY_MAX 4095
#define MEMBERS_MAX 64

/* ---- shared with rest_admin_staff.c ----------------------------------------------------- */

struct store_write *admin_write_new(const struct call *k, enum store_write_kind kind)
{
	struct store_write *w = g_app->stopping ? NULL : store_write_new(kind);

	if (!w) {
		call_fail(k, g_app->stopping ? API_STOPPING : API_NOMEM, NULL);
		return NULL;
	}
	w->u.admin.library_id = k->staff->lib->id;
	w->u.admin.at = app_now_ms();
	return w;
}

int admin_write_failed(const struct call *k, const struct store_write *w, int rc,
		       enum api_err unchanged, const char *message)
{
	if (rc) {
		log_warn(TAG, "write kind %d failed: %s", (int)w->kind, store_strerror(rc));
		call_fail_store(k, rc, 1);
		return 1;
	}
	if (!w->changed) {
		call_fail(k, unchanged, message);
		return 1;
	}
	return 0;
}

void admin_respond_list(const struct call *k, const char *key, size_t n,
			int (*item)(struct buf *b, size_t i, const struct call *k))
{
	struct buf b = {0};

	call_begin(k, &b, key);
	buf_printf(&b, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		if (item(&b, i, k))
			buf_putc(&b, ',');
	json_close(&b, ']');
	buf_putc(&b, ',');
	call_send(k, 200, &b);
}

/* ---- queues ---------------------------------------------------------------------------- */

static void queue_json(struct buf *b, const struct queue *q)
{
	char date[16];

	buf_putc(b, '{');
	json_kint(b, "id", q->id);
	json_kstr(b, "slug", q->slug);
	json_kstr(b, "name", q->name);
	json_kint(b, "cascade_seconds", q->cascade_ms / 1000);
	json_kstr(b, "time_zone", q->sched.tz[0] ? q->sched.tz : "UTC");
	json_kint(b, "reply_hours", q->reply_hours);
	buf_puts(b, "\"hours\":[");
	for (size_t i = 0; i < q->sched.n_hours; i++) {
		buf_putc(b, '{');
		json_kint(b, "weekday", q->sched.hours[i].weekday);
		json_kint(b, "opens_min", q->sched.hours[i].opens_min);
		json_kint(b, "closes_min", q->sched.hours[i].closes_min);
		json_close(b, '}');
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_puts(b, ",\"closed\":[");
	for (size_t i = 0; i < q->sched.n_closed; i++) {
		int32_t d = q->sched.closed[i];

		snprintf(date, sizeof date, "%04d-%02d-%02d", (int)(d / 10000),
			 (int)(d / 100 % 100), (int)(d % 100));
		json_str(b, date);
		buf_putc(b, ',');
	}
	json_close(b, ']');
	buf_putc(b, ',');
	json_kbool(b, "open_by_hours", schedule_is_open(&q->sched, app_now_ms()));
	json_close(b, '}');
}

static void respond_queue(const struct call *k, int status, const struct queue *q)
{
	struct buf b = {0};

	call_begin(k, &b, "queue");
	buf_puts(&b, "\"queue\":");
	queue_json(&b, q);
	buf_putc(&b, ',');
	call_send(k, status, &b);
}

static int queue_item(struct buf *b, size_t i, const struct call *k)
{
	if (g_app->desk->queues[i]->lib != k->staff->lib)
		return 0;
	queue_json(b, g_app->desk->queues[i]);
	return 1;
}

void admin_queues(struct call *k)
{
	admin_respond_list(k, "queues", g_app->desk->n_queues, queue_item);
}

/* A queue of lib, or NULL: another library's is not told apart from none. */
static struct queue *own_queue(const struct library *lib, int64_t id)
{
	struct queue *q = desk_queue(g_app->desk, id);

	return q && q->lib == lib ? q : NULL;
}

static struct queue *queue_by_slug(const struct library *lib, const char *slug)
{
	for (size_t i = 0; i < g_app->desk->n_queues; i++)
		if (g_app->desk->queues[i]->lib == lib &&
		    !strcmp(g_app->desk->queues[i]->slug, slug))
			return g_app->desk->queues[i];
	return NULL;
}

/* A queue's schedule changed: patrons and consoles see it now. */
static void queue_announce(struct library *lib)
{
	for (size_t i = 0; i < g_app->desk->n_queues; i++)
		if (g_app->desk->queues[i]->lib == lib)
			g_app->desk->queues[i]->hours_seen = -1; /* checked again at once */
	lib->staff_dirty = 1; /* chat_flush_queues re-sends `queues` to its patrons */
	lib->queue_dirty = 1; /* and the queue to its consoles */
}

static void queue_added(struct call *k, struct store_write *w, int rc, void *arg)
{
	const struct store_admin_write *a = &w->u.admin;
	struct library *lib = desk_library(g_app->desk, a->library_id);
	struct queue *sibling = NULL, *q;

	if (admin_write_failed(k, w, rc, API_CONFLICT, "This library has a queue with that slug."))
		return;
	for (size_t i = 0; !sibling && lib && i < g_app->desk->n_queues; i++)
		if (g_app->desk->queues[i]->lib == lib)
			sibling = g_app->desk->queues[i];
	q = lib ? desk_add_queue(g_app->desk, a->id, lib->id, a->slug, a->name) : NULL;
	if (!q) {
		log_error(TAG, "queue %lld saved but not added to the desk", (long long)a->id);
		call_fail(k, API_NOMEM, "Saved; it appears after a restart.");
		return;
	}
	q->cascade_ms = a->cascade_ms;
	q->reply_hours = sibling ? sibling->reply_hours : 24; /* the library's policy and zone */
	if (sibling)
		snprintf(q->sched.tz, sizeof q->sched.tz, "%s", sibling->sched.tz);
	queue_announce(lib);
	log_info(TAG, "queue %lld (%s) added to library %lld", (long long)q->id, q->slug,
		 (long long)lib->id);
	respond_queue(k, 201, q);
}

/* A name: 1 to 127 bytes of text on one line, not blank. */
static int name_ok(const char *s, size_t len)
{
	return len && len <= 127 && !rest_blank(s) && rest_text_ok(s, len, 127, 0);
}

void admin_queue_new(struct call *k)
{
	const char *slug, *name;
	size_t len;
	json_int_t cascade = 0;
	json_t *root = rest_body_unpack(k->h, "Send {\"slug\":\"...\",\"name\":\"...\"}.",
					"{s:s, s:s%, s?I}", "slug", &slug, "name", &name, &len,
					"cascade_seconds", &cascade);
	struct store_write *w;

	if (!root)
		return;
	if (!settings_slug_ok(slug))
		rest_bad_request(k->h,
				 "A slug is 1 to 63 of a-z, 0-9 and '-', not starting with '-'.");
	else if (!name_ok(name, len))
		rest_bad_request(k->h, "A name is 1 to 127 bytes of text on one line.");
	else if (cascade < 0 || cascade > CASCADE_MAX_S)
		rest_bad_request(k->h, "cascade_seconds is 0 (no cascade) to 86400.");
	else if (queue_by_slug(k->staff->lib, slug))
		call_fail(k, API_CONFLICT, "This library has a queue with that slug.");
	else if ((w = admin_write_new(k, STW_QUEUE_ADD))) {
		snprintf(w->u.admin.slug, sizeof w->u.admin.slug, "%s", slug);
		snprintf(w->u.admin.name, sizeof w->u.admin.name, "%s", name);
		w->u.admin.cascade_ms = (int64_t)cascade * 1000;
		api_write(k, w, queue_added, NULL);
	}
	json_decref(root);
}

/* What an edit makes of a queue: filled from the queue, then changed by the body. */
struct queue_edit {
	int64_t queue_id;
	struct schedule sched; /* hours, closed dates and zone */
	char name[128];
	int64_t cascade_ms;
	int reply_hours;
};

/* hours [{"weekday","opens_min","closes_min"}] into s->hours. NULL, or the 400 message. */
static const char *hours_from_json(json_t *arr, struct schedule *s)
{
	const char *bad = "hours is a list of {\"weekday\":0-6 (0 Sunday),\"opens_min\":0-1439,"
			  "\"closes_min\":1-1440}, at most 64, one per weekday and opening time.";
	size_t i, j;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > SCHEDULE_INTERVALS_MAX)
		return bad;
	s->n_hours = 0;
	json_array_foreach(arr, i, v)
	{
		int wd, o, c;
		json_error_t err;

		if (json_unpack_ex(v, &err, JSON_STRICT, "{s:i, s:i, s:i}", "weekday", &wd,
				   "opens_min", &o, "closes_min", &c) ||
		    wd < 0 || wd > 6 || o < 0 || o >= SCHEDULE_DAY_MIN || c < 1 ||
		    c > SCHEDULE_DAY_MIN)
			return bad;
		for (j = 0; j < s->n_hours; j++)
			if (s->hours[j].weekday == wd && s->hours[j].opens_min == o)
				return bad;
		s->hours[s->n_hours++] = (struct schedule_interval){wd, o, c};
	}
	return NULL;
}

/* closed ["YYYY-MM-DD"] into s->closed. NULL, or the 400 message. */
static const char *closed_from_json(json_t *arr, struct schedule *s)
{
	const char *bad = "closed is a list of dates \"YYYY-MM-DD\", at most 128.";
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > SCHEDULE_CLOSED_MAX)
		return bad;
	s->n_closed = 0;
	json_array_foreach(arr, i, v)
	{
		int32_t d;

		if (!json_is_string(v) || schedule_parse_date(json_string_value(v), &d) ||
		    schedule_add_closed(s, d))
			return bad;
	}
	return NULL;
}

/* The schedule of e as the store's JSON lists (w->u.admin.hours and closed). 0 or -1. */
static int schedule_to_write(const struct queue_edit *e, struct store_admin_write *a)
{
	json_t *hours = json_array(), *closed = json_array();
	char date[16];
	size_t n1 = 0, n2 = 0;

	for (size_t i = 0; hours && i < e->sched.n_hours; i++)
		json_array_append_new(hours, json_pack("[i,i,i]", e->sched.hours[i].weekday,
						       e->sched.hours[i].opens_min,
						       e->sched.hours[i].closes_min));
	for (size_t i = 0; closed && i < e->sched.n_closed; i++) {
		int32_t d = e->sched.closed[i];

		snprintf(date, sizeof date, "%04d-%02d-%02d", (int)(d / 10000),
			 (int)(d / 100 % 100), (int)(d % 100));
		json_array_append_new(closed, json_string(date));
	}
	if (hours && closed) {
		n1 = json_dumpb(hours, a->hours, sizeof a->hours - 1, JSON_COMPACT);
		n2 = json_dumpb(closed, a->closed, sizeof a->closed - 1, JSON_COMPACT);
	}
	json_decref(hours);
	json_decref(closed);
	if (!n1 || !n2 || n1 >= sizeof a->hours || n2 >= sizeof a->closed)
		return -1;
	a->hours[n1] = a->closed[n2] = '\0';
	return 0;
}

/* The body of an edit into e: NULL, or the 400 message. */
static const char *edit_from_body(json_t *root, struct queue_edit *e)
{
	const char *name = NULL, *tz = NULL, *msg;
	json_t *hours = NULL, *closed = NULL;
	json_int_t cascade = -1, reply = -1;
	json_error_t err;

	if (json_unpack_ex(root, &err, JSON_STRICT, "{s?s, s?I, s?s, s?I, s?o, s?o}", "name", &name,
			   "cascade_seconds", &cascade, "time_zone", &tz, "reply_hours", &reply,
			   "hours", &hours, "closed", &closed))
		return "Send any of name, hours, closed, time_zone, reply_hours, cascade_seconds.";
	if (name && !name_ok(name, strlen(name)))
		return "A name is 1 to 127 bytes of text on one line.";
	if (tz && !schedule_tz_valid(tz))
		return "Unknown time zone: use an IANA name such as Europe/London.";
	if (json_object_get(root, "cascade_seconds") && (cascade < 0 || cascade > CASCADE_MAX_S))
		return "cascade_seconds is 0 (no cascade) to 86400.";
	if (json_object_get(root, "reply_hours") && (reply < 1 || reply > REPLY_MAX_H))
		return "reply_hours is 1 to 2400 business hours.";
	if (hours && (msg = hours_from_json(hours, &e->sched)))
		return msg;
	if (closed && (msg = closed_from_json(closed, &e->sched)))
		return msg;
	if (name)
		snprintf(e->name, sizeof e->name, "%s", name);
	if (tz)
		snprintf(e->sched.tz, sizeof e->sched.tz, "%s", strcmp(tz, "UTC") ? tz : "");
	if (cascade >= 0)
		e->cascade_ms = (int64_t)cascade * 1000;
	if (reply > 0)
		e->reply_hours = (int)reply;
	return NULL;
}

static void queue_edited(struct call *k, struct store_write *w, int rc, void *arg)
{
	struct queue_edit *e = arg;
	struct queue *q = desk_queue(g_app->desk, e->queue_id);

	if (admin_write_failed(k, w, rc, API_NOT_FOUND, "No such queue.") || !q) {
		free(e);
		return;
	}
	snprintf(q->name, sizeof q->name, "%s", e->name);
	q->cascade_ms = e->cascade_ms;
	q->sched = e->sched;
	for (size_t i = 0; i < g_app->desk->n_queues; i++) { /* the zone and policy are the
							      * library's */
		struct queue *o = g_app->desk->queues[i];

		if (o->lib == q->lib) {
			snprintf(o->sched.tz, sizeof o->sched.tz, "%s", e->sched.tz);
			o->reply_hours = e->reply_hours;
		}
	}
	queue_announce(q->lib);
	log_info(TAG, "queue %lld edited", (long long)q->id);
	respond_queue(k, 200, q);
	free(e);
}

void admin_queue_edit(struct call *k)
{
	struct queue *q = own_queue(k->staff->lib, k->id[0]);
	struct queue_edit *e = calloc(1, sizeof *e);
	json_error_t err;
	json_t *root = NULL;
	const char *msg = NULL;
	struct store_write *w;

	if (!e || !q) {
		call_fail(k, e ? API_NOT_FOUND : API_NOMEM, e ? "No such queue." : NULL);
		free(e);
		return;
	}
	*e = (struct queue_edit){q->id, q->sched, "", q->cascade_ms, q->reply_hours};
	snprintf(e->name, sizeof e->name, "%s", q->name);
	root = json_loadb(k->h->body, k->h->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(root) || (msg = edit_from_body(root, e)))
		rest_bad_request(k->h, json_is_object(root) ? msg : "Send a JSON object.");
	else if ((w = admin_write_new(k, STW_QUEUE_EDIT))) {
		struct store_admin_write *a = &w->u.admin;

		a->id = q->id;
		snprintf(a->name, sizeof a->name, "%s", e->name);
		a->cascade_ms = e->cascade_ms;
		a->reply_hours = e->reply_hours;
		snprintf(a->time_zone, sizeof a->time_zone, "%s",
			 e->sched.tz[0] ? e->sched.tz : "UTC");
		if (schedule_to_write(e, a)) {
			store_write_free(w);
			call_fail(k, API_NOMEM, NULL);
		} else {
			api_write(k, w, queue_edited, e);
			e = NULL; /* queue_edited's */
		}
	}
	free(e);
	json_decref(root);
}

/* ---- library settings ------------------------------------------------------------------ */

/* "origins":[...] of a library's list (one per line), with a trailing comma. */
static void origins_json(struct buf *b, const char *list)
{
	buf_puts(b, "\"origins\":[");
	while (*list) {
		size_t n = strcspn(list, "\n");

		if (n) {
			json_strn(b, list, n);
			buf_putc(b, ',');
		}
		list += n + (list[n] == '\n');
	}
	json_close(b, ']');
	buf_putc(b, ',');
}

static void respond_library(const struct call *k, const struct library *lib)
{
	struct buf b = {0};

	call_begin(k, &b, "library");
	buf_puts(&b, "\"library\":{");
	json_kint(&b, "id", lib->id);
	json_kstr(&b, "slug", lib->slug);
	json_kstr(&b, "name", lib->name);
	json_kstr(&b, "policy_notes", lib->policy_notes);
	origins_json(&b, lib->origins);
	json_kstr(&b, "greeting", lib->greeting);
	json_kstr(&b, "colour", lib->colour);
	json_kstr(&b, "text_colour", lib->text_colour);
	rest_card_fields_json(&b, "consortium_card", settings_card_parse(lib->consortium_card));
	json_kbool(&b, "in_consortium", lib->consortium_id > 0);
	json_close(&b, '}');
	buf_putc(&b, ',');
	rest_card_fields_json(&b, "card_fields", (1u << SETTINGS_CARD_N) - 1);
	call_send(k, 200, &b);
}

void admin_library(struct call *k)
{
	respond_library(k, k->staff->lib);
}

/* origins ["scheme://host[:port]"] into a->origins, one per line. NULL, or the message. */
static const char *origins_from_json(json_t *arr, struct store_admin_write *a)
{
	const char *bad = "origins is a list of web origins such as https://www.library.example "
			  "(scheme://host[:port], nothing after it), at most 1023 bytes in all.";
	char one[256];
	size_t i, len = 0;
	json_t *v;

	if (!json_is_array(arr))
		return bad;
	a->origins[0] = '\0';
	json_array_foreach(arr, i, v)
	{
		size_t n;

		if (!json_is_string(v) || origin_normalise(json_string_value(v), one, sizeof one))
			return bad;
		n = strlen(one);
		if (len + n + 1 >= sizeof a->origins)
			return bad;
		memcpy(a->origins + len, one, n);
		len += n;
		a->origins[len++] = '\n';
		a->origins[len] = '\0';
	}
	if (len)
		a->origins[len - 1] = '\0';
	return NULL;
}

/* consortium_card ["name", ...] into a->consortium_card. NULL, or the message. */
static const char *card_from_json(json_t *arr, struct store_admin_write *a)
{
	unsigned mask = 0;
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return "consortium_card is a list of card field names (see card_fields).";
	json_array_foreach(arr, i, v)
	{
		int f = json_is_string(v) ? settings_card_index(json_string_value(v)) : -1;

		if (f < 0)
			return "consortium_card names a field the card does not have (see "
			       "card_fields).";
		mask |= 1u << f;
	}
	settings_card_format(mask, a->consortium_card, sizeof a->consortium_card);
	return NULL;
}

/* The body of a settings edit into a (which holds the current settings). NULL, or the
 * 400 message. */
static const char *settings_from_body(json_t *root, struct store_admin_write *a)
{
	const char *notes = NULL, *greeting = NULL, *colour = NULL, *text_colour = NULL, *msg;
	json_t *origins = NULL, *card = NULL;
	json_error_t err;

	if (json_unpack_ex(root, &err, JSON_STRICT, "{s?s, s?o, s?s, s?s, s?s, s?o}",
			   "policy_notes", &notes, "origins", &origins, "greeting", &greeting,
			   "colour", &colour, "text_colour", &text_colour, "consortium_card",
			   &card))
		return "Send any of policy_notes, origins, greeting, colour, text_colour, "
		       "consortium_card.";
	if (notes && !rest_text_ok(notes, strlen(notes), POLICY_MAX, 1))
		return "Policy notes are at most 4095 bytes of text.";
	if (greeting && !rest_text_ok(greeting, strlen(greeting), STORE_GREETING_MAX, 0))
		return "A greeting is at most 300 bytes of text on one line.";
	if ((colour && settings_colour(colour, a->colour)) ||
	    (text_colour && settings_colour(text_colour, a->text_colour)))
		return "A colour is \"#rrggbb\" (six hex digits), or \"\" for the default.";
	if (origins && (msg = origins_from_json(origins, a)))
		return msg;
	if (card && (msg = card_from_json(card, a)))
		return msg;
	if (notes)
		snprintf(a->text, sizeof a->text, "%s", notes);
	if (greeting)
		snprintf(a->greeting, sizeof a->greeting, "%s",
			 rest_blank(greeting) ? "" : greeting);
	return NULL;
}

/* The settings a library edit carries: a field of the desk's library, and of the write. */
#define SETTING(l, w)                                                                              \
	{                                                                                          \
		offsetof(struct library, l), sizeof(((struct library *)0)->l),                     \
			offsetof(struct store_admin_write, w),                                     \
			sizeof(((struct store_admin_write *)0)->w)                                 \
	}
static const struct {
	size_t lib_off, lib_size, w_off, w_size;
} settings[] = {
	SETTING(policy_notes, text),	   SETTING(origins, origins),
	SETTING(greeting, greeting),	   SETTING(colour, colour),
	SETTING(text_colour, text_colour), SETTING(consortium_card, consortium_card),
};

/* Copies the settings from the write a to the desk's lib (to_lib), or the other way. */
static void settings_copy(struct library *lib, struct store_admin_write *a, int to_lib)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		char *l = (char *)lib + settings[i].lib_off, *w = (char *)a + settings[i].w_off;

		if (to_lib)
			snprintf(l, settings[i].lib_size, "%s", w);
		else
			snprintf(w, settings[i].w_size, "%s", l);
	}
}

static void library_edited(struct call *k, struct store_write *w, int rc, void *arg)
{
	const struct store_admin_write *a = &w->u.admin;
	struct library *lib = desk_library(g_app->desk, a->library_id);

	if (admin_write_failed(k, w, rc, API_NOT_FOUND, "No such library.") || !lib)
		return;
	settings_copy(lib, (struct store_admin_write *)a, 1);
	log_info(TAG, "library %lld settings changed", (long long)lib->id);
	respond_library(k, lib);
}

void admin_library_edit(struct call *k)
{
	const struct library *lib = k->staff->lib;
	struct store_write *w = admin_write_new(k, STW_LIBRARY_EDIT);
	struct store_admin_write *a = w ? &w->u.admin : NULL;
	json_error_t err;
	json_t *root;
	const char *msg = NULL;

	if (!w)
		return;
	settings_copy((struct library *)lib, a, 0);
	root = json_loadb(k->h->body, k->h->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(root) || (msg = settings_from_body(root, a))) {
		rest_bad_request(k->h, json_is_object(root) ? msg : "Send a JSON object.");
		store_write_free(w);
	} else {
		api_write(k, w, library_edited, NULL);
	}
	json_decref(root);
}

/* ---- the consortium -------------------------------------------------------------------- */

struct cons_job {
	struct api_job job; /* first: the async helper's */
	int64_t library_id;
	struct store_consortium cons;
	struct buf rows; /* struct store_library, packed */
};

REST_ROW_PACKER(member_cb, struct store_library)

static void cons_free(struct api_job *job)
{
	buf_free(&((struct cons_job *)job)->rows);
}

static void cons_run(struct api_job *job, const struct store_ops *ops, struct store_conn *sc)
{
	struct cons_job *j = (struct cons_job *)job;

	job->rc = ops->consortium_of(sc, j->library_id, &j->cons);
	if (!job->rc)
		job->rc = ops->consortium_members(sc, j->cons.id, member_cb, &j->rows);
	if (!job->rc && j->rows.oom)
		job->rc = STORE_ERR;
}

static void cons_done(struct api_job *job, struct call *k)
{
	struct cons_job *j = (struct cons_job *)job;
	struct store_library r;
	struct buf b = {0};
	int n = 0;

	if (job->rc && job->rc != STORE_NOTFOUND) {
		call_fail_store(k, job->rc, 0);
		return;
	}
	call_begin(k, &b, "consortium");
	if (job->rc == STORE_NOTFOUND) {
		buf_puts(&b, "\"consortium\":null,\"libraries\":[],");
		call_send(k, 200, &b);
		return;
	}
	buf_puts(&b, "\"consortium\":{");
	json_kint(&b, "id", j->cons.id);
	json_kstr(&b, "slug", j->cons.slug);
	json_kstr(&b, "name", j->cons.name);
	json_close(&b, '}');
	buf_puts(&b, ",\"libraries\":[");
	for (size_t off = 0; n < MEMBERS_MAX && rest_row_next(&j->rows, &off, &r, sizeof r); n++) {
		buf_putc(&b, '{');
		json_kint(&b, "id", r.id);
		json_kstr(&b, "slug", r.slug);
		json_kstr(&b, "name", r.name);
		json_kstr(&b, "policy_notes", r.policy_notes);
		rest_card_fields_json(&b, "consortium_card",
				      settings_card_parse(r.consortium_card));
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_putc(&b, ',');
	call_send(k, 200, &b);
}

void admin_consortium(struct call *k)
{
	struct cons_job *j = api_job_new(k, sizeof *j, cons_run, cons_done);

	if (!j)
		return;
	j->library_id = k->staff->lib->id;
	j->job.free_fn = cons_free;
	api_read(&j->job);
}
