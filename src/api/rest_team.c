/* rest_team.c: GET /api/v1/colleagues: whom a librarian may hand a chat to now: the
 * librarians on duty of their library and of its consortium (with their subjects and free
 * places), and the queues of those libraries (docs/API.md, "Hand-offs"). Read from the
 * desk on the loop; nothing is stored. */
#include "api/api.h"
#include "api/call.h"
#include "api/chat_int.h"
#include "api/routes.h"

static void library_ref(struct buf *b, const struct library *lib)
{
	buf_puts(b, "\"library\":{");
	json_kint(b, "id", lib->id);
	json_kstr(b, "name", lib->name);
	json_close(b, '}');
	buf_putc(b, ',');
}

static void colleague_json(struct buf *b, const struct staff *s)
{
	const struct desk *d = g_app->desk;
	int free_places = desk_max_chats(d, s) - s->n_active;

	buf_putc(b, '{');
	json_kint(b, "id", s->id);
	json_kstr(b, "name", s->name);
	json_kstr(b, "subjects", s->subjects);
	library_ref(b, s->lib);
	json_kint(b, "free", free_places > 0 ? free_places : 0);
	json_close(b, '}');
	buf_putc(b, ',');
}

void rest_colleagues(struct call *k)
{
	const struct desk *d = g_app->desk;
	const struct staff *me = k->staff;
	struct buf b = {0};

	call_begin(k, &b, "colleagues");
	buf_puts(&b, "\"staff\":[");
	for (size_t i = 0; i < d->n_staff; i++) {
		const struct staff *s = d->staff[i];

		if (s != me && s->active && desk_staff_available(s) &&
		    desk_libs_share(me->lib, s->lib))
			colleague_json(&b, s);
	}
	json_close(&b, ']');
	buf_puts(&b, ",\"queues\":[");
	for (size_t i = 0; i < d->n_queues; i++) {
		const struct queue *q = d->queues[i];

		if (!desk_libs_share(me->lib, q->lib))
			continue;
		buf_putc(&b, '{');
		json_kint(&b, "id", q->id);
		json_kstr(&b, "name", q->name);
		library_ref(&b, q->lib);
		json_close(&b, '}');
		buf_putc(&b, ',');
	}
	json_close(&b, ']');
	buf_putc(&b, ',');
	call_send(k, 200, &b);
}
