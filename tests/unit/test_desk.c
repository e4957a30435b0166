/* test_desk.c: unit tests for src/desk (the chat desk's rules). The desk has no clock: every
 * test drives a fake one (`now`, milliseconds) that it advances by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "desk/desk.h"

enum {
	LIB_A = 1, /* "north": two queues, four librarians */
	LIB_B = 2, /* "south": one queue, one librarian */
	Q_A1 = 10,
	Q_A2 = 11,
	Q_B = 20,
	S_ANN = 100, /* LIB_A, default cap */
	S_BOB = 101, /* LIB_A, default cap */
	S_CY = 102, /* LIB_A, max_chats 1 */
	S_DEE = 103, /* LIB_A, max_chats 5 */
	S_ZED = 200, /* LIB_B */
};

#define T0 1763800000000LL

struct fx {
	struct desk *d;
	int64_t now; /* the fake clock */
	struct library *la, *lb;
	struct queue *qa1, *qa2, *qb;
	struct staff *ann, *bob, *cy, *dee, *zed;
};

static int setup_with(void **state, const struct desk_config *cfg)
{
	struct fx *f = test_calloc(1, sizeof *f);

	assert_non_null(f);
	f->now = T0;
	f->d = desk_new(cfg);
	assert_non_null(f->d);
	f->la = desk_add_library(f->d, LIB_A, "north", "North Library",
				 "https://north.example\nhttp://a.example\nhttp://localhost:8080");
	f->lb = desk_add_library(f->d, LIB_B, "south", "South Library", "https://south.example");
	f->qa1 = desk_add_queue(f->d, Q_A1, LIB_A, "ref", "Reference");
	f->qa2 = desk_add_queue(f->d, Q_A2, LIB_A, "kids", "Children");
	f->qb = desk_add_queue(f->d, Q_B, LIB_B, "ref", "Reference");
	f->ann = desk_put_staff(f->d, S_ANN, LIB_A, "ann@north.example", "Ann", ACCESS_ADMIN, 0);
	f->bob = desk_put_staff(f->d, S_BOB, LIB_A, "bob@north.example", "Bob", 0, 0);
	f->cy = desk_put_staff(f->d, S_CY, LIB_A, "cy@north.example", "Cy", 0, 1);
	f->dee = desk_put_staff(f->d, S_DEE, LIB_A, "dee@north.example", "Dee", 0, 5);
	f->zed = desk_put_staff(f->d, S_ZED, LIB_B, "zed@south.example", "Zed", 0, 0);
	assert_non_null(f->la);
	assert_non_null(f->lb);
	assert_non_null(f->qa1);
	assert_non_null(f->qa2);
	assert_non_null(f->qb);
	assert_non_null(f->ann);
	assert_non_null(f->bob);
	assert_non_null(f->cy);
	assert_non_null(f->dee);
	assert_non_null(f->zed);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	desk_free(f->d);
	test_free(f);
	return 0;
}

/* A patron of `lib` with one live connection. */
static struct patron *patron_on(struct fx *f, int64_t lib)
{
	struct patron *p = desk_patron(f->d, desk_next_patron_id(f->d), lib);

	assert_non_null(p);
	desk_patron_online(f->d, p, +1, f->now);
	return p;
}

static struct desk_actor as_patron(struct patron *p)
{
	struct desk_actor a = {.kind = AUTHOR_PATRON, .patron = p};

	return a;
}

static struct desk_actor as_staff(struct staff *s)
{
	struct desk_actor a = {.kind = AUTHOR_STAFF, .staff = s};

	return a;
}

static struct chat *join(struct fx *f, struct patron *p, struct queue *q, const char *cmid,
			 const char *text)
{
	struct chat *c = NULL;
	int existing = -1;

	assert_int_equal(desk_join(f->d, f->now, p, q, cmid, text, strlen(text), &c, &existing),
			 DESK_OK);
	assert_int_equal(existing, 0);
	assert_non_null(c);
	return c;
}

static int post(struct fx *f, const struct desk_actor *a, int64_t chat, const char *cmid,
		const char *text, struct message **m, int *dup)
{
	return desk_post(f->d, f->now, a, chat, cmid, text, strlen(text), m, dup);
}

static int pick(struct fx *f, struct staff *s, int64_t chat)
{
	struct chat *c = NULL;
	struct message *ev = NULL;

	return desk_pick(f->d, f->now, s, chat, &c, &ev);
}

static int end(struct fx *f, const struct desk_actor *a, int64_t chat)
{
	struct chat *c = NULL;
	struct message *ev = NULL;

	return desk_end(f->d, f->now, a, chat, &c, &ev);
}

/* ---- loading and lookups ------------------------------------------------------------ */

static void test_defaults(void **state)
{
	struct desk *d = desk_new(NULL);
	struct desk_config cfg = {.default_max_chats = 7,
				  .text_max = 10,
				  .chat_max_msgs = 50,
				  .queue_grace_ms = 5000};

	assert_non_null(d);
	assert_int_equal(d->cfg.default_max_chats, 3);
	assert_int_equal(d->cfg.text_max, 4000);
	assert_int_equal(d->cfg.chat_max_msgs, 10000);
	assert_int_equal(d->cfg.queue_grace_ms, 120000);
	desk_free(d);
	d = desk_new(&cfg);
	assert_non_null(d);
	assert_int_equal(d->cfg.default_max_chats, 7);
	assert_int_equal(d->cfg.text_max, 10);
	assert_int_equal(d->cfg.chat_max_msgs, 50);
	assert_int_equal(d->cfg.queue_grace_ms, 5000);
	desk_free(d);
	desk_free(NULL);
}

static void test_load(void **state)
{
	struct fx *f = *state;
	struct staff *s;
	char longname[300];

	assert_int_equal(f->d->n_libs, 2);
	assert_int_equal(f->d->n_queues, 3);
	assert_int_equal(f->d->n_staff, 5);
	assert_ptr_equal(desk_library(f->d, LIB_A), f->la);
	assert_ptr_equal(desk_library(f->d, LIB_B), f->lb);
	assert_null(desk_library(f->d, 3));
	assert_ptr_equal(desk_library_by_slug(f->d, "south"), f->lb);
	assert_null(desk_library_by_slug(f->d, "nort"));
	assert_string_equal(f->la->name, "North Library");
	assert_int_equal(f->la->staff_online, 0);

	assert_ptr_equal(desk_queue(f->d, Q_A2), f->qa2);
	assert_ptr_equal(f->qa2->lib, f->la);
	assert_ptr_equal(f->qb->lib, f->lb);
	assert_string_equal(f->qa2->slug, "kids");
	assert_null(desk_queue(f->d, 12));
	/* a queue or staff member of an unknown library is refused */
	assert_null(desk_add_queue(f->d, 30, 99, "x", "X"));
	assert_null(desk_put_staff(f->d, 300, 99, "x@x", "X", 0, 0));
	assert_int_equal(f->d->n_queues, 3);
	assert_int_equal(f->d->n_staff, 5);

	assert_ptr_equal(desk_staff(f->d, S_ZED), f->zed);
	assert_ptr_equal(f->zed->lib, f->lb);
	assert_string_equal(f->ann->email, "ann@north.example");
	assert_true(desk_staff_admin(f->ann));
	assert_false(desk_staff_admin(f->bob));
	assert_false(desk_staff_supervises(f->bob));
	assert_null(desk_staff(f->d, 999));

	/* desk_put_staff updates in place, found by id */
	s = desk_put_staff(f->d, S_BOB, LIB_A, "robert@north.example", "Robert", ACCESS_SUPERVISOR,
			   2);
	assert_ptr_equal(s, f->bob);
	assert_int_equal(f->d->n_staff, 5);
	assert_string_equal(s->email, "robert@north.example");
	assert_string_equal(s->name, "Robert");
	assert_true(desk_staff_supervises(s));
	assert_false(desk_staff_admin(s));
	assert_int_equal(desk_access_of("consortium_admin"), ACCESS_CONSORTIUM_ADMIN);
	assert_int_equal(desk_access_of("boss"), -1);
	assert_string_equal(desk_access_name(ACCESS_SUPERVISOR), "supervisor");
	assert_int_equal(s->max_chats, 2);

	/* strings are copied and truncated to their field */
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_ptr_equal(desk_add_library(f->d, LIB_B, "south", longname, ""), f->lb);
	assert_int_equal(f->d->n_libs, 2);
	assert_int_equal(strlen(f->lb->name), sizeof f->lb->name - 1);
	assert_string_equal(f->lb->origins, "");
}

static void test_patron_records(void **state)
{
	struct fx *f = *state;
	int64_t id = desk_next_patron_id(f->d);
	struct patron *p = desk_patron(f->d, id, LIB_A);

	assert_non_null(p);
	assert_int_equal(p->id, id);
	assert_int_equal(p->library_id, LIB_A);
	assert_ptr_equal(desk_patron(f->d, id, LIB_A), p);
	assert_true(desk_next_patron_id(f->d) > id);
	/* a higher id seen from the store moves the counter past it */
	assert_non_null(desk_patron(f->d, 500, LIB_A));
	assert_int_equal(desk_next_patron_id(f->d), 501);
	/* offline with no chats: released */
	desk_patron_release(f->d, p);
	assert_null(idmap_get(&f->d->patrons, id));
}

/* ---- join --------------------------------------------------------------------------- */

static void test_join_queues(void **state)
{
	struct fx *f = *state;
	struct patron *p1 = patron_on(f, LIB_A), *p2 = patron_on(f, LIB_A);
	struct chat *c1, *c2, *again = NULL;
	int existing = -1;

	c1 = join(f, p1, f->qa1, "j1", "Do you have the 1911 census?");
	assert_int_equal(c1->state, CHAT_QUEUED);
	assert_ptr_equal(c1->queue, f->qa1);
	assert_ptr_equal(c1->lib, f->la);
	assert_ptr_equal(c1->patron, p1);
	assert_null(c1->staff);
	assert_int_equal(c1->created_at, T0);
	assert_string_equal(c1->join_cmid, "j1");
	assert_int_equal(c1->n_msgs, 1);
	assert_int_equal(c1->msgs[0]->seq, 1);
	assert_int_equal(c1->msgs[0]->kind, MSG_TEXT);
	assert_int_equal(c1->msgs[0]->author, AUTHOR_PATRON);
	assert_int_equal(c1->msgs[0]->author_id, p1->id);
	assert_int_equal(c1->msgs[0]->at, T0);
	assert_string_equal(c1->msgs[0]->cmid, "j1");
	assert_string_equal(c1->msgs[0]->text, "Do you have the 1911 census?");
	assert_int_equal(c1->msgs[0]->len, strlen("Do you have the 1911 census?"));
	assert_int_equal(desk_position(c1), 1);
	assert_ptr_equal(desk_chat(f->d, c1->id), c1);
	assert_int_equal(p1->n_chats, 1);
	assert_ptr_equal(p1->chats[0], c1);

	f->now += 1000;
	c2 = join(f, p2, f->qa1, "j1", "Opening hours?"); /* same cmid, other patron: new */
	assert_ptr_not_equal(c2, c1);
	assert_true(c2->id > c1->id);
	assert_int_equal(desk_position(c2), 2);
	assert_int_equal(desk_position(c1), 1);
	assert_int_equal(f->qa1->n_waiting, 2);
	assert_ptr_equal(f->qa1->waiting[0], c1);
	assert_ptr_equal(f->qa1->waiting[1], c2);

	/* the same join again: the existing chat, nothing added (even with another text) */
	assert_int_equal(desk_join(f->d, f->now, p1, f->qa1, "j1", "other", 5, &again, &existing),
			 DESK_OK);
	assert_int_equal(existing, 1);
	assert_ptr_equal(again, c1);
	assert_int_equal(c1->n_msgs, 1);
	assert_int_equal(f->qa1->n_waiting, 2);
	assert_int_equal(p1->n_chats, 1);
	assert_int_equal(f->d->chats.len, 2);

	/* a queue of another library: not found, nothing made */
	again = NULL;
	assert_int_equal(desk_join(f->d, f->now, p1, f->qb, "j9", "hi", 2, &again, &existing),
			 DESK_NOT_FOUND);
	assert_int_equal(existing, 0);
	assert_null(again);
	assert_int_equal(f->qb->n_waiting, 0);
	assert_int_equal(p1->n_chats, 1);

	/* an empty question is refused and makes nothing */
	assert_int_equal(desk_join(f->d, f->now, p1, f->qa2, "j2", "  \n", 3, &again, &existing),
			 DESK_EMPTY);
	assert_int_equal(f->qa2->n_waiting, 0);
	assert_int_equal(p1->n_chats, 1);
	assert_int_equal(f->d->chats.len, 2);

	/* a second chat of the same patron in another queue is its own, at position 1 there */
	c2 = join(f, p1, f->qa2, "j2", "kids books");
	assert_int_equal(desk_position(c2), 1);
	assert_int_equal(p1->n_chats, 2);
}

/* ---- text rules --------------------------------------------------------------------- */

static void test_check_text(void **state)
{
	struct fx *f = *state;
	struct desk_config cfg = {.text_max = 5};
	struct desk *d = desk_new(&cfg);
	/* "é" 2 bytes, "漢" 3 bytes, "😀" 4 bytes: 5 code points, 14 bytes */
	const char five[] = "\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80\xc3\xa9\xe6\xbc\xa2";
	const char six[] = "\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80\xc3\xa9\xe6\xbc\xa2"
			   "\xf0\x9f\x98\x80";

	assert_non_null(d);
	assert_int_equal(desk_check_text(d, "", 0), DESK_EMPTY);
	assert_int_equal(desk_check_text(d, " ", 1), DESK_EMPTY);
	assert_int_equal(desk_check_text(d, " \t\r\n ", 5), DESK_EMPTY);
	assert_int_equal(desk_check_text(d, " x ", 3), DESK_OK);
	assert_int_equal(desk_check_text(d, "12345", 5), DESK_OK);
	assert_int_equal(desk_check_text(d, "123456", 6), DESK_TOO_LONG);
	assert_int_equal(strlen(five), 14);
	assert_int_equal(desk_check_text(d, five, strlen(five)), DESK_OK);
	assert_int_equal(desk_check_text(d, six, strlen(six)), DESK_TOO_LONG);
	/* only `len` bytes count */
	assert_int_equal(desk_check_text(d, "123456", 5), DESK_OK);
	assert_int_equal(desk_check_text(d, "x     ", 1), DESK_OK);
	assert_int_equal(desk_check_text(d, "     x", 5), DESK_EMPTY);
	desk_free(d);

	/* the default limit, 4000 code points, with 2-byte characters */
	{
		char buf[2 * 4001 + 1];
		size_t i;

		for (i = 0; i < 4001; i++)
			memcpy(buf + 2 * i, "\xc3\xa9", 2);
		buf[2 * 4001] = '\0';
		assert_int_equal(desk_check_text(f->d, buf, 2 * 4000), DESK_OK);
		assert_int_equal(desk_check_text(f->d, buf, 2 * 4001), DESK_TOO_LONG);
	}
}

static void test_text_limits_on_post(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor a = as_patron(p);
	struct chat *c = join(f, p, f->qa1, "j", "hello");
	struct message *m = NULL;
	int dup = -1;
	char buf[3 * 4001 + 1];
	size_t i;

	for (i = 0; i < 4001; i++)
		memcpy(buf + 3 * i, "\xe6\xbc\xa2", 3); /* 漢 */
	buf[3 * 4001] = '\0';
	assert_int_equal(desk_post(f->d, f->now, &a, c->id, "a", buf, 3 * 4001, &m, &dup),
			 DESK_TOO_LONG);
	assert_int_equal(c->n_msgs, 1);
	assert_int_equal(post(f, &a, c->id, "b", " \n\t ", &m, &dup), DESK_EMPTY);
	assert_int_equal(desk_post(f->d, f->now, &a, c->id, "c", "", 0, &m, &dup), DESK_EMPTY);
	assert_int_equal(c->n_msgs, 1);
	assert_int_equal(desk_post(f->d, f->now, &a, c->id, "d", buf, 3 * 4000, &m, &dup), DESK_OK);
	assert_int_equal(m->len, 3 * 4000);
	assert_int_equal(strlen(m->text), 3 * 4000);
	assert_int_equal(m->seq, 2);
	/* a join's question obeys the same rules */
	{
		struct chat *c2 = NULL;
		int existing;
		struct patron *p2 = patron_on(f, LIB_A);

		assert_int_equal(
			desk_join(f->d, f->now, p2, f->qa1, "j", buf, 3 * 4001, &c2, &existing),
			DESK_TOO_LONG);
		assert_int_equal(p2->n_chats, 0);
		assert_int_equal(f->qa1->n_waiting, 1);
	}
}

/* ---- posting ------------------------------------------------------------------------ */

static void test_post_seq_and_dup(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor pa = as_patron(p), sa = as_staff(f->ann);
	struct chat *c = join(f, p, f->qa1, "j", "question");
	struct message *m = NULL, *m2 = NULL, *first;
	int dup = -1;

	f->now += 10;
	assert_int_equal(post(f, &pa, c->id, "p1", "more detail", &m, &dup), DESK_OK);
	assert_int_equal(dup, 0);
	assert_int_equal(m->seq, 2);
	assert_int_equal(m->at, T0 + 10);
	assert_int_equal(m->author, AUTHOR_PATRON);
	assert_string_equal(m->text, "more detail");
	first = m;

	assert_int_equal(pick(f, f->ann, c->id), DESK_OK); /* seq 3: joined */
	f->now += 10;
	assert_int_equal(post(f, &sa, c->id, "s1", "Happy to help!", &m, &dup), DESK_OK);
	assert_int_equal(dup, 0);
	assert_int_equal(m->seq, 4);
	assert_int_equal(m->author, AUTHOR_STAFF);
	assert_int_equal(m->author_id, S_ANN);
	assert_int_equal(c->n_msgs, 4);
	for (size_t i = 0; i < c->n_msgs; i++)
		assert_int_equal(c->msgs[i]->seq, (int64_t)i + 1);

	/* the same cmid from the same author: the earlier message, nothing added */
	f->now += 10;
	assert_int_equal(post(f, &pa, c->id, "p1", "resent, different text", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 1);
	assert_ptr_equal(m2, first);
	assert_int_equal(m2->seq, 2);
	assert_string_equal(m2->text, "more detail");
	assert_int_equal(c->n_msgs, 4);
	/* the join's cmid is the patron's first message */
	assert_int_equal(post(f, &pa, c->id, "j", "question", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 1);
	assert_int_equal(m2->seq, 1);
	/* the same cmid from another author is a new message */
	assert_int_equal(post(f, &sa, c->id, "p1", "staff reuses a cmid", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 0);
	assert_int_equal(m2->seq, 5);
	assert_int_equal(c->n_msgs, 5);
	/* an empty cmid is never a duplicate */
	assert_int_equal(post(f, &pa, c->id, "", "a", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 0);
	assert_int_equal(post(f, &pa, c->id, "", "a", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 0);
	assert_int_equal(m2->seq, 7);

	/* after the chat ended, a resend still gets its ack; new text is refused */
	assert_int_equal(end(f, &sa, c->id), DESK_OK); /* seq 8 */
	assert_int_equal(post(f, &pa, c->id, "p1", "more detail", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 1);
	assert_ptr_equal(m2, first);
	assert_int_equal(post(f, &sa, c->id, "s1", "Happy to help!", &m2, &dup), DESK_OK);
	assert_int_equal(dup, 1);
	assert_int_equal(m2->seq, 4);
	assert_int_equal(post(f, &pa, c->id, "p9", "hello?", &m2, &dup), DESK_BAD_STATE);
	assert_int_equal(dup, 0);
	assert_int_equal(post(f, &sa, c->id, "s9", "hello?", &m2, &dup), DESK_BAD_STATE);
	assert_int_equal(c->n_msgs, 8);
}

static void test_patron_isolation(void **state)
{
	struct fx *f = *state;
	struct patron *p1 = patron_on(f, LIB_A), *p2 = patron_on(f, LIB_A);
	struct desk_actor a1 = as_patron(p1), a2 = as_patron(p2);
	struct chat *c1 = join(f, p1, f->qa1, "j", "mine");
	struct chat *out = NULL;
	struct message *m = NULL;
	int dup = -1, rc_missing, rc_other;

	/* another patron's chat looks exactly like a missing one */
	rc_other = post(f, &a2, c1->id, "x", "hijack", &m, &dup);
	rc_missing = post(f, &a2, c1->id + 1000, "x", "hijack", &m, &dup);
	assert_int_equal(rc_other, DESK_NOT_FOUND);
	assert_int_equal(rc_missing, DESK_NOT_FOUND);
	/* not even a duplicate cmid leaks the other patron's message */
	assert_int_equal(post(f, &a2, c1->id, "j", "mine", &m, &dup), DESK_NOT_FOUND);
	assert_int_equal(dup, 0);
	assert_int_equal(c1->n_msgs, 1);
	assert_int_equal(desk_readable(f->d, &a2, c1->id, &out), DESK_NOT_FOUND);
	assert_int_equal(end(f, &a2, c1->id), DESK_NOT_FOUND);
	assert_int_equal(c1->state, CHAT_QUEUED);
	assert_int_equal(desk_readable(f->d, &a1, c1->id, &out), DESK_OK);
	assert_ptr_equal(out, c1);
	assert_int_equal(desk_readable(f->d, &a1, 0, &out), DESK_NOT_FOUND);
	assert_int_equal(desk_readable(f->d, &a1, -1, &out), DESK_NOT_FOUND);

	/* desk_may_write is only true for the patron's own open chat */
	assert_true(desk_may_write(&a1, c1));
	assert_false(desk_may_write(&a2, c1));

	/* rows from the store */
	assert_true(desk_may_read_row(&a1, LIB_A, p1->id));
	assert_false(desk_may_read_row(&a2, LIB_A, p1->id));
}

static void test_other_library_staff(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor z = as_staff(f->zed), ann = as_staff(f->ann);
	struct chat *c = join(f, p, f->qa1, "j", "hello"), *out = NULL;
	struct message *m = NULL;
	int dup = -1;

	/* queued */
	assert_int_equal(desk_readable(f->d, &z, c->id, &out), DESK_NOT_FOUND);
	assert_int_equal(pick(f, f->zed, c->id), DESK_NOT_FOUND);
	assert_int_equal(post(f, &z, c->id, "z", "hi", &m, &dup), DESK_NOT_FOUND);
	assert_int_equal(end(f, &z, c->id), DESK_NOT_FOUND);
	assert_int_equal(c->state, CHAT_QUEUED);
	assert_int_equal(f->zed->n_active, 0);
	assert_int_equal(desk_position(c), 1);
	/* active */
	assert_int_equal(pick(f, f->ann, c->id), DESK_OK);
	assert_int_equal(desk_readable(f->d, &z, c->id, &out), DESK_NOT_FOUND);
	assert_int_equal(pick(f, f->zed, c->id), DESK_NOT_FOUND); /* not TAKEN: no leak */
	assert_int_equal(post(f, &z, c->id, "z", "hi", &m, &dup), DESK_NOT_FOUND);
	assert_int_equal(end(f, &z, c->id), DESK_NOT_FOUND);
	assert_int_equal(c->state, CHAT_ACTIVE);
	assert_int_equal(c->n_msgs, 2);
	assert_false(desk_may_write(&z, c));
	/* ended */
	assert_int_equal(end(f, &ann, c->id), DESK_OK);
	assert_int_equal(desk_readable(f->d, &z, c->id, &out), DESK_NOT_FOUND);
	assert_int_equal(post(f, &z, c->id, "z", "hi", &m, &dup), DESK_NOT_FOUND);
	assert_int_equal(end(f, &z, c->id), DESK_NOT_FOUND);
	assert_int_equal(pick(f, f->zed, c->id), DESK_NOT_FOUND);
	/* any librarian of the chat's library may read it */
	assert_int_equal(desk_readable(f->d, &ann, c->id, &out), DESK_OK);
	{
		struct desk_actor b = as_staff(f->bob);

		assert_int_equal(desk_readable(f->d, &b, c->id, &out), DESK_OK);
		assert_ptr_equal(out, c);
	}
	assert_true(desk_may_read_row(&ann, LIB_A, 12345));
	assert_false(desk_may_read_row(&z, LIB_A, 12345));
	assert_true(desk_may_read_row(&z, LIB_B, 12345));
}

/* ---- picking ------------------------------------------------------------------------ */

static void test_pick(void **state)
{
	struct fx *f = *state;
	struct patron *p1 = patron_on(f, LIB_A), *p2 = patron_on(f, LIB_A),
		      *p3 = patron_on(f, LIB_A);
	struct chat *c1 = join(f, p1, f->qa1, "j", "one");
	struct chat *c2 = join(f, p2, f->qa1, "j", "two");
	struct chat *c3 = join(f, p3, f->qa1, "j", "three");
	struct chat *out = NULL;
	struct message *ev = NULL;

	assert_int_equal(desk_position(c3), 3);
	f->now += 5000;
	/* picking the middle one shifts the last one up */
	assert_int_equal(desk_pick(f->d, f->now, f->ann, c2->id, &out, &ev), DESK_OK);
	assert_ptr_equal(out, c2);
	assert_int_equal(c2->state, CHAT_ACTIVE);
	assert_ptr_equal(c2->staff, f->ann);
	assert_int_equal(c2->picked_at, T0 + 5000);
	assert_int_equal(f->ann->n_active, 1);
	assert_non_null(ev);
	assert_int_equal(ev->kind, MSG_EVENT);
	assert_string_equal(ev->text, "joined");
	assert_int_equal(ev->author, AUTHOR_STAFF);
	assert_int_equal(ev->author_id, S_ANN);
	assert_int_equal(ev->seq, 2);
	assert_int_equal(ev->at, T0 + 5000);
	assert_ptr_equal(c2->msgs[1], ev);
	assert_int_equal(desk_position(c2), 0);
	assert_int_equal(desk_position(c1), 1);
	assert_int_equal(desk_position(c3), 2);
	assert_int_equal(f->qa1->n_waiting, 2);

	/* the second librarian loses */
	out = NULL;
	ev = NULL;
	assert_int_equal(desk_pick(f->d, f->now, f->bob, c2->id, &out, &ev), DESK_TAKEN);
	assert_null(ev);
	assert_ptr_equal(c2->staff, f->ann);
	assert_int_equal(f->bob->n_active, 0);
	assert_int_equal(c2->n_msgs, 2);
	/* picking one's own active chat again is a state error, not a second "joined" */
	assert_int_equal(pick(f, f->ann, c2->id), DESK_BAD_STATE);
	assert_int_equal(c2->n_msgs, 2);
	assert_int_equal(f->ann->n_active, 1);
	/* a missing chat */
	assert_int_equal(pick(f, f->ann, 9999), DESK_NOT_FOUND);

	/* picking the head */
	assert_int_equal(pick(f, f->bob, c1->id), DESK_OK);
	assert_int_equal(desk_position(c3), 1);
	assert_int_equal(f->qa1->n_waiting, 1);
	assert_ptr_equal(f->qa1->waiting[0], c3);

	/* ended and abandoned chats cannot be picked */
	{
		struct desk_actor a3 = as_patron(p3);

		assert_int_equal(end(f, &a3, c3->id), DESK_OK);
		assert_int_equal(pick(f, f->bob, c3->id), DESK_BAD_STATE);
		assert_int_equal(f->bob->n_active, 1);
		assert_null(c3->staff);
	}
}

static void test_capacity(void **state)
{
	struct fx *f = *state;
	struct chat *c[8];
	struct desk_actor ann = as_staff(f->ann);
	int i;

	for (i = 0; i < 8; i++)
		c[i] = join(f, patron_on(f, LIB_A), f->qa1, "j", "help");
	assert_int_equal(desk_max_chats(f->d, f->ann), 3);
	assert_int_equal(desk_max_chats(f->d, f->cy), 1);
	assert_int_equal(desk_max_chats(f->d, f->dee), 5);

	/* default cap 3 */
	for (i = 0; i < 3; i++)
		assert_int_equal(pick(f, f->ann, c[i]->id), DESK_OK);
	assert_int_equal(f->ann->n_active, 3);
	assert_int_equal(pick(f, f->ann, c[3]->id), DESK_AT_CAPACITY);
	assert_int_equal(c[3]->state, CHAT_QUEUED);
	assert_int_equal(c[3]->n_msgs, 1);
	assert_int_equal(desk_position(c[3]), 1);
	assert_int_equal(f->ann->n_active, 3);
	/* ending one frees a slot */
	assert_int_equal(end(f, &ann, c[0]->id), DESK_OK);
	assert_int_equal(f->ann->n_active, 2);
	assert_int_equal(pick(f, f->ann, c[3]->id), DESK_OK);
	assert_int_equal(f->ann->n_active, 3);
	/* the patron ending an active chat frees a slot too */
	{
		struct desk_actor pa = as_patron(c[1]->patron);

		assert_int_equal(end(f, &pa, c[1]->id), DESK_OK);
		assert_int_equal(f->ann->n_active, 2);
	}

	/* per-staff caps */
	assert_int_equal(pick(f, f->cy, c[4]->id), DESK_OK);
	assert_int_equal(pick(f, f->cy, c[5]->id), DESK_AT_CAPACITY);
	assert_int_equal(f->cy->n_active, 1);
	assert_int_equal(pick(f, f->dee, c[5]->id), DESK_OK);
	assert_int_equal(pick(f, f->dee, c[6]->id), DESK_OK);
	assert_int_equal(pick(f, f->dee, c[7]->id), DESK_OK);
	assert_int_equal(f->dee->n_active, 3); /* above the default of 3 is fine at 5 */

	/* a configured default */
	{
		struct desk_config cfg = {.default_max_chats = 1};
		struct desk *d = desk_new(&cfg);

		assert_non_null(d);
		assert_int_equal(desk_max_chats(d, f->ann), 1);
		assert_int_equal(desk_max_chats(d, f->dee), 5);
		desk_free(d);
	}
}

static void test_forbidden_and_states(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor ann = as_staff(f->ann), bob = as_staff(f->bob), pa = as_patron(p);
	struct chat *c = join(f, p, f->qa1, "j", "hello");
	struct message *m = NULL;
	int dup = -1;

	/* a queued chat is nobody's yet: staff may not write or end it */
	assert_int_equal(post(f, &ann, c->id, "a", "hi", &m, &dup), DESK_FORBIDDEN);
	assert_int_equal(end(f, &ann, c->id), DESK_FORBIDDEN);
	assert_false(desk_may_write(&ann, c));
	assert_true(desk_may_write(&pa, c));
	assert_int_equal(c->state, CHAT_QUEUED);

	assert_int_equal(pick(f, f->ann, c->id), DESK_OK);
	assert_true(desk_may_write(&ann, c));
	assert_false(desk_may_write(&bob, c));
	/* assigned to someone else */
	assert_int_equal(post(f, &bob, c->id, "b", "me too", &m, &dup), DESK_FORBIDDEN);
	assert_int_equal(end(f, &bob, c->id), DESK_FORBIDDEN);
	assert_int_equal(c->state, CHAT_ACTIVE);
	assert_int_equal(c->n_msgs, 2);
	assert_int_equal(f->ann->n_active, 1);

	assert_int_equal(post(f, &ann, c->id, "a", "hi", &m, &dup), DESK_OK);
	assert_int_equal(end(f, &ann, c->id), DESK_OK);
	assert_int_equal(c->state, CHAT_ENDED);
	assert_int_equal(c->ended_by, AUTHOR_STAFF);
	assert_int_equal(c->n_msgs, 4);
	assert_string_equal(c->msgs[3]->text, "ended");
	assert_int_equal(c->msgs[3]->author_id, S_ANN);
	assert_false(desk_may_write(&ann, c));
	assert_false(desk_may_write(&pa, c));

	/* ended: writes are state errors, for everyone in the library */
	assert_int_equal(post(f, &ann, c->id, "a2", "hi", &m, &dup), DESK_BAD_STATE);
	assert_int_equal(post(f, &bob, c->id, "b2", "hi", &m, &dup), DESK_BAD_STATE);
	assert_int_equal(post(f, &pa, c->id, "p2", "hi", &m, &dup), DESK_BAD_STATE);
	assert_int_equal(end(f, &ann, c->id), DESK_BAD_STATE);
	assert_int_equal(end(f, &pa, c->id), DESK_BAD_STATE);
	assert_int_equal(c->n_msgs, 4);
	assert_int_equal(f->ann->n_active, 0);
}

/* ---- ending ------------------------------------------------------------------------- */

static void test_patron_end(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A), *q = patron_on(f, LIB_A);
	struct desk_actor pa = as_patron(p);
	struct chat *c1 = join(f, p, f->qa1, "j1", "first");
	struct chat *c2 = join(f, p, f->qa2, "j2", "second");
	struct chat *c3 = join(f, q, f->qa1, "j", "third");
	struct chat *out = NULL;
	struct message *ev = NULL;

	/* queued: abandoned, leaves the queue */
	f->now += 700;
	assert_int_equal(desk_position(c3), 2);
	assert_int_equal(desk_end(f->d, f->now, &pa, c1->id, &out, &ev), DESK_OK);
	assert_ptr_equal(out, c1);
	assert_int_equal(c1->state, CHAT_ABANDONED);
	assert_int_equal(c1->ended_by, AUTHOR_PATRON);
	assert_int_equal(c1->ended_at, T0 + 700);
	assert_non_null(ev);
	assert_int_equal(ev->kind, MSG_EVENT);
	assert_string_equal(ev->text, "abandoned");
	assert_int_equal(ev->author, AUTHOR_PATRON);
	assert_int_equal(ev->author_id, p->id);
	assert_int_equal(ev->seq, 2);
	assert_int_equal(desk_position(c1), 0);
	assert_int_equal(desk_position(c3), 1);
	assert_int_equal(f->qa1->n_waiting, 1);
	/* still held (no one unref'd it) */
	assert_ptr_equal(desk_chat(f->d, c1->id), c1);

	/* active: ended by the patron */
	assert_int_equal(pick(f, f->bob, c2->id), DESK_OK);
	f->now += 700;
	ev = NULL;
	assert_int_equal(desk_end(f->d, f->now, &pa, c2->id, &out, &ev), DESK_OK);
	assert_int_equal(c2->state, CHAT_ENDED);
	assert_int_equal(c2->ended_by, AUTHOR_PATRON);
	assert_int_equal(c2->ended_at, T0 + 1400);
	assert_string_equal(ev->text, "ended");
	assert_int_equal(ev->seq, 3);
	assert_int_equal(f->bob->n_active, 0);
	assert_ptr_equal(c2->staff, f->bob);
}

/* ---- the queue grace period --------------------------------------------------------- */

struct tick_log {
	int n;
	struct chat *chats[8];
	struct message *events[8];
};

static void on_abandon(void *ctx, struct chat *c, struct message *ev)
{
	struct tick_log *log = ctx;

	assert_true(log->n < 8);
	log->chats[log->n] = c;
	log->events[log->n] = ev;
	log->n++;
}

static void test_tick_grace(void **state)
{
	struct fx *f = *state;
	struct desk_config cfg = {.queue_grace_ms = 60000};
	struct tick_log log = {0};
	struct patron *away, *back, *stay, *picked;
	struct chat *ca, *cb, *cs, *cp;
	int64_t left;

	teardown(state);
	setup_with(state, &cfg);
	f = *state;

	away = patron_on(f, LIB_A);
	back = patron_on(f, LIB_A);
	stay = patron_on(f, LIB_A);
	picked = patron_on(f, LIB_A);
	cb = join(f, back, f->qa1, "j", "b");
	ca = join(f, away, f->qa1, "j", "a");
	cs = join(f, stay, f->qa2, "j", "s");
	cp = join(f, picked, f->qa1, "j", "p");
	assert_int_equal(pick(f, f->ann, cp->id), DESK_OK);

	/* everyone online: nothing happens, however long */
	f->now += 10 * 60000;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 0);

	f->now += 1000;
	left = f->now;
	desk_patron_online(f->d, away, -1, f->now);
	desk_patron_online(f->d, back, -1, f->now);
	desk_patron_online(f->d, picked, -1, f->now);
	assert_int_equal(away->online, 0);
	assert_int_equal(away->offline_since, left);

	/* not before the grace period is over */
	f->now = left + 59999;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 0);
	assert_int_equal(ca->state, CHAT_QUEUED);

	/* `back` reconnects in time */
	desk_patron_online(f->d, back, +1, f->now);

	f->now = left + 60000;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 1);
	assert_ptr_equal(log.chats[0], ca);
	assert_int_equal(ca->state, CHAT_ABANDONED);
	assert_int_equal(ca->ended_by, AUTHOR_SYSTEM);
	assert_int_equal(ca->ended_at, left + 60000);
	assert_string_equal(log.events[0]->text, "abandoned");
	assert_int_equal(log.events[0]->kind, MSG_EVENT);
	assert_int_equal(log.events[0]->author, AUTHOR_SYSTEM);
	assert_int_equal(log.events[0]->seq, 2);
	assert_ptr_equal(ca->msgs[1], log.events[0]);
	assert_int_equal(desk_position(ca), 0);
	assert_int_equal(cb->state, CHAT_QUEUED);
	assert_int_equal(cs->state, CHAT_QUEUED);
	assert_int_equal(cp->state, CHAT_ACTIVE); /* active chats are not the tick's business */
	assert_int_equal(desk_position(cb), 1);
	assert_int_equal(f->qa1->n_waiting, 1);

	/* once only */
	f->now += 60000;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 1);

	/* `back` leaves again: the grace period restarts from that moment */
	left = f->now;
	desk_patron_online(f->d, back, -1, f->now);
	f->now = left + 59999;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 1);
	f->now = left + 60001;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 2);
	assert_ptr_equal(log.chats[1], cb);
	assert_int_equal(f->qa1->n_waiting, 0);
	assert_int_equal(cs->state, CHAT_QUEUED);
}

static void test_tick_several_in_one_queue(void **state)
{
	struct fx *f = *state;
	struct tick_log log = {0};
	struct patron *p[4];
	struct chat *c[4];
	int i;

	for (i = 0; i < 4; i++) {
		p[i] = patron_on(f, LIB_A);
		c[i] = join(f, p[i], f->qa1, "j", "q");
	}
	/* 0, 1 and 3 go away; 2 stays: the tick must not skip a neighbour when it removes one */
	desk_patron_online(f->d, p[0], -1, f->now);
	desk_patron_online(f->d, p[1], -1, f->now);
	desk_patron_online(f->d, p[3], -1, f->now);
	f->now += f->d->cfg.queue_grace_ms;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 3);
	assert_ptr_equal(log.chats[0], c[0]);
	assert_ptr_equal(log.chats[1], c[1]);
	assert_ptr_equal(log.chats[2], c[3]);
	assert_int_equal(f->qa1->n_waiting, 1);
	assert_int_equal(desk_position(c[2]), 1);
	/* more connections than closes never goes negative */
	desk_patron_online(f->d, p[2], +1, f->now);
	assert_int_equal(p[2]->online, 2);
	desk_patron_online(f->d, p[2], -1, f->now);
	assert_int_equal(p[2]->online, 1);
}

/* ---- origins ------------------------------------------------------------------------ */

static int allowed(const struct library *l, const char *o)
{
	return desk_origin_allowed(l, o, strlen(o));
}

static void test_origin_allowed(void **state)
{
	struct fx *f = *state;

	assert_true(allowed(f->la, "https://north.example"));
	assert_true(allowed(f->la, "http://a.example"));
	assert_true(allowed(f->la, "http://localhost:8080"));
	/* no prefixes, suffixes, other schemes or ports */
	assert_false(allowed(f->la, "http://a.example.evil"));
	assert_false(allowed(f->la, "http://a.exampl"));
	assert_false(allowed(f->la, "https://a.example"));
	assert_false(allowed(f->la, "http://localhost"));
	assert_false(allowed(f->la, "http://localhost:80"));
	assert_false(allowed(f->la, "http://localhost:80800"));
	assert_false(allowed(f->la, "https://north.example/"));
	assert_false(allowed(f->la, "xhttps://north.example"));
	assert_false(allowed(f->la, "https://north.example\nhttp://a.example"));
	assert_false(allowed(f->la, "https://south.example"));
	assert_false(allowed(f->la, "null"));
	assert_false(allowed(f->la, ""));
	assert_true(allowed(f->lb, "https://south.example"));
	assert_false(allowed(f->lb, "https://north.example"));
	/* `len` bounds the origin: no reading past it */
	assert_true(
		desk_origin_allowed(f->la, "http://a.example.evil", strlen("http://a.example")));
	assert_false(desk_origin_allowed(f->la, "http://a.example", 5));

	/* an empty list allows nothing; blank lines and a trailing newline allow nothing extra */
	desk_add_library(f->d, LIB_B, "south", "South", "");
	assert_false(allowed(f->lb, ""));
	assert_false(allowed(f->lb, "https://south.example"));
	desk_add_library(f->d, LIB_B, "south", "South",
			 "\nhttps://s.example\n\nhttp://t.example\n");
	assert_true(allowed(f->lb, "https://s.example"));
	assert_true(allowed(f->lb, "http://t.example"));
	assert_false(allowed(f->lb, ""));
	assert_false(allowed(f->lb, "https://s.example\n"));
}

/* ---- references --------------------------------------------------------------------- */

static void test_refcount(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor pa = as_patron(p), ann = as_staff(f->ann);
	struct chat *c1 = join(f, p, f->qa1, "j1", "one");
	struct chat *c2 = join(f, p, f->qa1, "j2", "two");
	int64_t pid = p->id, id1 = c1->id, id2 = c2->id;

	/* refs on an open chat: dropping them does not remove it */
	desk_chat_ref(c1);
	desk_chat_ref(c1);
	desk_chat_unref(f->d, c1);
	desk_chat_unref(f->d, c1);
	assert_ptr_equal(desk_chat(f->d, id1), c1);
	assert_int_equal(c1->refs, 0);

	assert_int_equal(pick(f, f->ann, id1), DESK_OK);
	desk_chat_ref(c1); /* a subscription */
	desk_chat_ref(c1); /* a pending write */
	assert_int_equal(end(f, &ann, id1), DESK_OK);
	assert_ptr_equal(desk_chat(f->d, id1), c1);
	desk_chat_unref(f->d, c1);
	/* still one holder: kept, and readable */
	assert_ptr_equal(desk_chat(f->d, id1), c1);
	{
		struct chat *out = NULL;

		assert_int_equal(desk_readable(f->d, &pa, id1, &out), DESK_OK);
		assert_ptr_equal(out, c1);
	}
	assert_int_equal(p->n_chats, 2);
	desk_chat_unref(f->d, c1); /* the last: gone (c1 is freed now) */
	assert_null(desk_chat(f->d, id1));
	assert_int_equal(p->n_chats, 1);
	assert_ptr_equal(p->chats[0], c2);
	assert_int_equal(f->d->chats.len, 1);

	/* the patron goes offline while holding a chat: the record stays */
	desk_patron_online(f->d, p, -1, f->now);
	desk_patron_release(f->d, p);
	assert_ptr_equal(idmap_get(&f->d->patrons, pid), p);
	desk_chat_ref(c2);
	assert_int_equal(end(f, &pa, id2), DESK_OK); /* queued: abandoned */
	desk_chat_unref(f->d, c2);
	/* last chat gone and offline: the record is released (p is freed now) */
	assert_null(desk_chat(f->d, id2));
	assert_null(idmap_get(&f->d->patrons, pid));
	assert_int_equal(f->d->chats.len, 0);
}

static void test_refcount_online_patron_kept(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor pa = as_patron(p);
	struct chat *c = join(f, p, f->qa1, "j", "x");
	int64_t id = c->id;

	desk_chat_ref(c);
	assert_int_equal(end(f, &pa, id), DESK_OK);
	desk_chat_unref(f->d, c);
	assert_null(desk_chat(f->d, id));
	/* online: the record stays, with no chats, and can join again */
	assert_ptr_equal(idmap_get(&f->d->patrons, p->id), p);
	assert_int_equal(p->n_chats, 0);
	c = join(f, p, f->qa1, "j", "again"); /* the old join cmid is forgotten with the chat */
	assert_true(c->id > id);
	assert_int_equal(desk_position(c), 1);
}

/* ---- staff presence ----------------------------------------------------------------- */

static void test_staff_online(void **state)
{
	struct fx *f = *state;

	desk_staff_online(f->d, f->ann, +1);
	desk_staff_online(f->d, f->ann, +1); /* two consoles */
	desk_staff_online(f->d, f->bob, +1);
	desk_staff_online(f->d, f->zed, +1);
	assert_int_equal(f->la->staff_online, 3);
	assert_int_equal(f->lb->staff_online, 1);
	assert_int_equal(f->ann->online, 2);
	desk_staff_online(f->d, f->ann, -1);
	assert_int_equal(f->la->staff_online, 2);
	desk_staff_online(f->d, f->zed, -1);
	assert_int_equal(f->lb->staff_online, 0);
	/* a stray close cannot push the counts below zero */
	desk_staff_online(f->d, f->zed, -1);
	assert_int_equal(f->zed->online, 0);
	assert_int_equal(f->lb->staff_online, 0);
	assert_int_equal(f->la->staff_online, 2);
	/* moving an online librarian to another library moves their count */
	desk_put_staff(f->d, S_BOB, LIB_B, "bob@south.example", "Bob", 0, 0);
	assert_ptr_equal(f->bob->lib, f->lb);
	assert_int_equal(f->la->staff_online, 1);
	assert_int_equal(f->lb->staff_online, 1);
	desk_staff_online(f->d, f->bob, -1);
	desk_staff_online(f->d, f->ann, -1);
	assert_int_equal(f->la->staff_online, 0);
	assert_int_equal(f->lb->staff_online, 0);
}

/* ---- restoring from the store ------------------------------------------------------- */

static void test_load_chat(void **state)
{
	struct fx *f = *state;
	struct chat *qc, *ac, *out = NULL;
	struct patron *p;
	struct message *m = NULL;
	struct desk_actor pa, ann = as_staff(f->ann);
	int dup = -1;

	ac = desk_load_chat(f->d, 41, Q_A1, 7, S_ANN, CHAT_ACTIVE, "ja", T0 - 5000, T0 - 4000);
	assert_non_null(ac);
	assert_int_equal(desk_load_message(f->d, ac, MSG_TEXT, AUTHOR_PATRON, 7, "ja", "question",
					   T0 - 5000),
			 DESK_OK);
	assert_int_equal(desk_load_message(f->d, ac, MSG_EVENT, AUTHOR_STAFF, S_ANN, "", "joined",
					   T0 - 4000),
			 DESK_OK);
	assert_int_equal(desk_load_message(f->d, ac, MSG_TEXT, AUTHOR_STAFF, S_ANN, "s1", "answer",
					   T0 - 3000),
			 DESK_OK);
	qc = desk_load_chat(f->d, 40, Q_A1, 8, 0, CHAT_QUEUED, "jq", T0 - 6000, 0);
	assert_non_null(qc);
	assert_int_equal(
		desk_load_message(f->d, qc, MSG_TEXT, AUTHOR_PATRON, 8, "jq", "waiting", T0 - 6000),
		DESK_OK);
	/* unknown queue, or a closed state: not restored */
	assert_null(desk_load_chat(f->d, 42, 99, 7, 0, CHAT_QUEUED, "x", T0, 0));
	assert_null(desk_load_chat(f->d, 43, Q_A1, 7, 0, CHAT_ENDED, "x", T0, 0));
	assert_null(desk_chat(f->d, 43));

	assert_ptr_equal(desk_chat(f->d, 41), ac);
	assert_int_equal(ac->state, CHAT_ACTIVE);
	assert_ptr_equal(ac->staff, f->ann);
	assert_int_equal(f->ann->n_active, 1);
	assert_int_equal(ac->created_at, T0 - 5000);
	assert_int_equal(ac->picked_at, T0 - 4000);
	assert_string_equal(ac->join_cmid, "ja");
	assert_int_equal(ac->n_msgs, 3);
	assert_int_equal(ac->durable_seq, 3);
	assert_int_equal(ac->msgs[2]->seq, 3);
	assert_int_equal(ac->msgs[2]->at, T0 - 3000);
	assert_string_equal(ac->msgs[1]->text, "joined");
	assert_int_equal(ac->msgs[1]->kind, MSG_EVENT);
	assert_int_equal(desk_position(ac), 0);
	assert_int_equal(qc->state, CHAT_QUEUED);
	assert_int_equal(desk_position(qc), 1);
	assert_int_equal(qc->durable_seq, 1);

	p = ac->patron;
	assert_non_null(p);
	assert_int_equal(p->id, 7);
	assert_int_equal(p->library_id, LIB_A);
	assert_ptr_equal(desk_patron(f->d, 7, LIB_A), p);
	pa = as_patron(p);

	/* new messages continue the sequence and are not yet durable */
	f->now += 1;
	assert_int_equal(post(f, &pa, 41, "p2", "thanks", &m, &dup), DESK_OK);
	assert_int_equal(m->seq, 4);
	assert_int_equal(ac->durable_seq, 3);
	desk_durable(ac, 4);
	assert_int_equal(ac->durable_seq, 4);
	desk_durable(ac, 2); /* never goes back */
	assert_int_equal(ac->durable_seq, 4);
	/* restored cmids still deduplicate */
	assert_int_equal(post(f, &ann, 41, "s1", "answer", &m, &dup), DESK_OK);
	assert_int_equal(dup, 1);
	assert_int_equal(m->seq, 3);
	{
		struct chat *again = NULL;
		int existing = -1;

		assert_int_equal(
			desk_join(f->d, f->now, p, f->qa1, "ja", "question", 8, &again, &existing),
			DESK_OK);
		assert_int_equal(existing, 1);
		assert_ptr_equal(again, ac);
	}
	/* a new chat gets an id above the restored ones; a new patron id too */
	out = join(f, patron_on(f, LIB_A), f->qa1, "jn", "new");
	assert_true(out->id > 41);
	assert_true(out->patron->id > 8);
	assert_int_equal(desk_position(out), 2);
	/* the restored cap counts */
	assert_int_equal(pick(f, f->ann, 40), DESK_OK);
	assert_int_equal(f->ann->n_active, 2);
	assert_int_equal(qc->msgs[1]->seq, 2);
}

static void test_chat_full(void **state)
{
	struct fx *f = *state;
	struct desk_config cfg = {.chat_max_msgs = 3};
	struct patron *p;
	struct desk_actor pa;
	struct chat *c;
	struct message *m = NULL;
	int dup = -1;

	teardown(state);
	setup_with(state, &cfg);
	f = *state;
	p = patron_on(f, LIB_A);
	pa = as_patron(p);
	c = join(f, p, f->qa1, "j", "1");
	assert_int_equal(post(f, &pa, c->id, "a", "2", &m, &dup), DESK_OK);
	assert_int_equal(post(f, &pa, c->id, "b", "3", &m, &dup), DESK_OK);
	assert_int_equal(post(f, &pa, c->id, "c", "4", &m, &dup), DESK_FULL);
	assert_int_equal(c->n_msgs, 3);
	/* events may still be added, so the chat can be picked and ended */
	assert_int_equal(pick(f, f->ann, c->id), DESK_OK);
	{
		struct desk_actor ann = as_staff(f->ann);

		assert_int_equal(post(f, &ann, c->id, "s", "x", &m, &dup), DESK_FULL);
		assert_int_equal(end(f, &ann, c->id), DESK_OK);
	}
	assert_int_equal(c->n_msgs, 5);
	assert_int_equal(c->state, CHAT_ENDED);
}

static void test_names(void **state)
{
	assert_string_equal(desk_state_name(CHAT_QUEUED), "queued");
	assert_string_equal(desk_state_name(CHAT_ACTIVE), "active");
	assert_string_equal(desk_state_name(CHAT_ENDED), "ended");
	assert_string_equal(desk_state_name(CHAT_ABANDONED), "abandoned");
	assert_string_equal(desk_author_name(AUTHOR_PATRON), "patron");
	assert_string_equal(desk_author_name(AUTHOR_STAFF), "staff");
	assert_string_equal(desk_author_name(AUTHOR_SYSTEM), "system");
	assert_string_equal(desk_strerror(DESK_OK), "ok");
	assert_string_equal(desk_strerror(DESK_NOT_FOUND), "No such chat.");
	assert_string_equal(desk_strerror(12345), "Unknown error.");
	for (int e = DESK_FULL; e < DESK_OK; e++)
		assert_string_not_equal(desk_strerror(e), "Unknown error.");
}

/* ---- continuity routing ------------------------------------------------------------- */

#define WINDOW 30000 /* the default offer window */

static void on(struct fx *f, struct staff *s)
{
	desk_staff_online(f->d, s, +1);
}
static void off(struct fx *f, struct staff *s)
{
	desk_staff_online(f->d, s, -1);
}

/* A remembered patron of LIB_A, online. */
static struct patron *regular(struct fx *f, int64_t preferred, const int64_t *helpers,
			      size_t n_helpers)
{
	struct patron *p = patron_on(f, LIB_A);

	desk_set_relation(f->d, f->now, p, 1, "Maya", preferred, helpers, n_helpers);
	assert_int_equal(p->remembered, 1);
	return p;
}

/* Ann and Bob on duty, then a remembered patron of library A who prefers Bob and was
 * helped by Ann. */
static struct patron *prefers_bob(struct fx *f)
{
	static const int64_t helpers[] = {S_ANN};

	on(f, f->ann);
	on(f, f->bob);
	return regular(f, S_BOB, helpers, 1);
}

static void assert_offer(const struct chat *c, const struct staff *s, enum offer_why why,
			 int64_t until)
{
	assert_ptr_equal(c->offer, s);
	assert_int_equal(c->offer_why, why);
	assert_int_equal(c->offer_until, until);
}

static void assert_open(const struct chat *c)
{
	assert_offer(c, NULL, OFFER_NONE, 0);
	assert_int_equal(c->routing, 0);
}

/* Offered to nobody, while routing may go on (someone they know may still come on). */
static void assert_unoffered(const struct chat *c)
{
	assert_offer(c, NULL, OFFER_NONE, 0);
}

static void clear_dirty(struct fx *f, struct chat *c)
{
	c->offer_dirty = 0;
	f->la->queue_dirty = 0;
}

static int choose(struct fx *f, struct patron *p, int64_t chat, enum desk_choice ch, int64_t staff)
{
	struct desk_actor a = as_patron(p);

	return desk_choose(f->d, f->now, &a, chat, ch, staff);
}

static void tick(struct fx *f)
{
	struct tick_log log = {0};

	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 0);
}

static void test_route_defaults_and_relation(void **state)
{
	struct fx *f = *state;
	struct desk_config cfg = {.offer_window_ms = 5000};
	struct desk *d = desk_new(&cfg);
	int64_t many[] = {S_ANN, 0, S_BOB, S_ANN, -4, 301, 302, 303, 304, 305, 306, 307, 308};
	char name[200];
	struct patron *p;

	assert_non_null(d);
	assert_int_equal(d->cfg.offer_window_ms, 5000);
	desk_free(d);
	assert_int_equal(f->d->cfg.offer_window_ms, WINDOW);

	/* helpers: distinct, no zero or negative ids, at most 8, in the order given */
	p = patron_on(f, LIB_A);
	desk_set_relation(f->d, f->now, p, 1, "Maya", S_CY, many, sizeof many / sizeof *many);
	assert_int_equal(p->remembered, 1);
	assert_string_equal(p->name, "Maya");
	assert_int_equal(p->preferred_staff, S_CY);
	assert_int_equal(p->n_helpers, 8);
	assert_int_equal(p->helpers[0], S_ANN);
	assert_int_equal(p->helpers[1], S_BOB);
	assert_int_equal(p->helpers[2], 301);
	assert_int_equal(p->helpers[7], 306);
	desk_set_relation(f->d, f->now, p, 1, NULL, 0, NULL, 5);
	assert_string_equal(p->name, "");
	assert_int_equal(p->n_helpers, 0);
	assert_int_equal(p->preferred_staff, 0);

	/* a name too long for the field is cut, never inside a character */
	memset(name, 'a', 126);
	memcpy(name + 126, "\xc3\xa9z", 4); /* "é" straddles the 127-byte limit */
	desk_set_relation(f->d, f->now, p, 1, name, 0, NULL, 0);
	assert_int_equal(strlen(p->name), 126);
	desk_set_relation(f->d, f->now, p, 1, "\xc3\xa9", 0, NULL, 0);
	assert_string_equal(p->name, "\xc3\xa9");

	/* the preferred librarian: remembered patrons only */
	desk_set_preferred(f->d, p, S_BOB);
	assert_int_equal(p->preferred_staff, S_BOB);
	desk_set_preferred(f->d, p, 0);
	assert_int_equal(p->preferred_staff, 0);
	p = patron_on(f, LIB_A);
	desk_set_preferred(f->d, p, S_BOB);
	assert_int_equal(p->preferred_staff, 0);
	desk_set_relation(f->d, f->now, p, 0, "Nope", S_BOB, many, 3);
	assert_int_equal(p->remembered, 0);
	assert_string_equal(p->name, "");
	assert_int_equal(p->preferred_staff, 0);
	assert_int_equal(p->n_helpers, 0);

	assert_string_equal(desk_offer_name(OFFER_NONE), "");
	assert_string_equal(desk_offer_name(OFFER_PREFERRED), "preferred");
	assert_string_equal(desk_offer_name(OFFER_HELPED), "helped");
	assert_string_equal(desk_offer_name(OFFER_ASKED), "asked");
	assert_string_equal(desk_strerror(DESK_OFFERED),
			    "This chat is offered to another librarian for now.");
}

static void test_route_preferred_first(void **state)
{
	struct fx *f = *state;
	struct patron *p;
	struct chat *c;

	p = prefers_bob(f);
	f->la->queue_dirty = 0;
	c = join(f, p, f->qa1, "j", "APA citations?");
	assert_int_equal(c->remembered, 1);
	assert_int_equal(c->routing, 1);
	assert_int_equal(c->route_ends, T0 + WINDOW);
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	assert_string_equal(desk_offer_name(c->offer_why), "preferred");
	/* routing again changes nothing and announces nothing */
	clear_dirty(f, c);
	f->now += 1000;
	desk_route(f->d, f->now, c);
	tick(f);
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	assert_int_equal(c->offer_dirty, 0);
	assert_int_equal(f->la->queue_dirty, 0);
}

static void test_route_helpers_in_order(void **state)
{
	struct fx *f = *state;
	int64_t h1[] = {S_CY, S_ANN, S_BOB}, h2[] = {S_BOB, S_ANN}, h3[] = {S_ANN, S_BOB};
	struct chat *c1, *c2, *c3;

	on(f, f->ann);
	on(f, f->bob);
	on(f, f->cy);
	c1 = join(f, regular(f, 0, h1, 3), f->qa1, "j", "one");
	assert_offer(c1, f->cy, OFFER_HELPED, T0 + WINDOW);
	assert_string_equal(desk_offer_name(c1->offer_why), "helped");
	c2 = join(f, regular(f, 0, h2, 2), f->qa2, "j", "two");
	assert_offer(c2, f->bob, OFFER_HELPED, T0 + WINDOW);
	/* the preferred librarian is also a helper: asked once, as preferred; when not on duty
	 * the next helper gets it */
	off(f, f->ann);
	c3 = join(f, regular(f, S_ANN, h3, 2), f->qa1, "j", "three");
	assert_offer(c3, f->bob, OFFER_HELPED, T0 + WINDOW);
}

static void test_route_skips_unavailable(void **state)
{
	struct fx *f = *state;
	/* unknown staff, another library's librarian, one at capacity, then Ann */
	int64_t helpers[] = {999, S_ZED, S_CY, S_ANN};
	struct chat *busy, *c;

	on(f, f->zed);
	on(f, f->cy);
	on(f, f->ann);
	busy = join(f, patron_on(f, LIB_A), f->qa1, "j", "busy");
	assert_open(busy);
	assert_int_equal(pick(f, f->cy, busy->id), DESK_OK); /* Cy's cap is 1 */
	/* Bob is preferred but off duty */
	c = join(f, regular(f, S_BOB, helpers, 4), f->qa1, "j", "q");
	assert_offer(c, f->ann, OFFER_HELPED, T0 + WINDOW);
}

static void test_route_nobody_eligible(void **state)
{
	struct fx *f = *state;
	int64_t helpers[] = {S_ANN};
	struct chat *c;

	f->la->queue_dirty = 0;
	c = join(f, regular(f, S_BOB, helpers, 1), f->qa1, "j", "q");
	assert_int_equal(c->remembered, 1);
	assert_unoffered(c); /* open at once */
	assert_int_equal(c->routing, 1);
	assert_int_equal(c->offer_dirty, 0); /* nothing changed */
	/* someone they know comes on duty within the window: asked first after all */
	on(f, f->ann);
	assert_offer(c, f->ann, OFFER_HELPED, T0 + WINDOW);
	/* the preferred librarian too, but Ann has it and can take it */
	on(f, f->bob);
	f->now += 1000;
	tick(f);
	assert_offer(c, f->ann, OFFER_HELPED, T0 + WINDOW);
	assert_int_equal(pick(f, f->bob, c->id), DESK_OFFERED);
	assert_int_equal(pick(f, f->ann, c->id), DESK_OK);
}

static void test_route_known_librarian_after_window(void **state)
{
	struct fx *f = *state;
	int64_t helpers[] = {S_ANN};
	struct chat *c;

	c = join(f, regular(f, S_BOB, helpers, 1), f->qa1, "j", "q");
	assert_unoffered(c);
	/* the window ends with nobody they know on: open to all, for good */
	f->now = T0 + WINDOW;
	tick(f);
	assert_open(c);
	assert_int_equal(c->routing, 0);
	on(f, f->bob);
	tick(f);
	assert_open(c);
	assert_int_equal(pick(f, f->bob, c->id), DESK_OK);
}

static void test_route_window_lapses(void **state)
{
	struct fx *f = *state;
	struct patron *p;
	struct chat *c, *c2;

	p = prefers_bob(f);
	c = join(f, p, f->qa1, "j", "q");
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	f->now = T0 + WINDOW - 1;
	tick(f);
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	clear_dirty(f, c);
	f->now = T0 + WINDOW;
	tick(f);
	assert_open(c);
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	/* for good: Bob leaving and coming back brings no new offer */
	off(f, f->bob);
	on(f, f->bob);
	f->now += 1000;
	tick(f);
	assert_open(c);

	/* a lapsed window counts at pick time, even before the next tick */
	c2 = join(f, p, f->qa2, "j2", "q2");
	assert_offer(c2, f->bob, OFFER_PREFERRED, f->now + WINDOW);
	assert_int_equal(pick(f, f->ann, c2->id), DESK_OFFERED);
	f->now += WINDOW;
	assert_int_equal(pick(f, f->ann, c2->id), DESK_OK);
	assert_open(c2);
}

static void test_route_off_duty_moves_on(void **state)
{
	struct fx *f = *state;
	int64_t helpers[] = {S_ANN, S_DEE};
	struct chat *c;

	on(f, f->ann);
	on(f, f->bob);
	on(f, f->bob); /* two consoles */
	on(f, f->dee);
	c = join(f, regular(f, S_BOB, helpers, 2), f->qa1, "j", "q");
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	f->now += 5000;
	off(f, f->bob); /* one console left: still on duty */
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	clear_dirty(f, c);
	off(f, f->bob);
	/* the next candidate, within the same window */
	assert_offer(c, f->ann, OFFER_HELPED, T0 + WINDOW);
	assert_int_equal(c->routing, 1);
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	/* Bob is back: Ann keeps it while she can take it */
	on(f, f->bob);
	tick(f);
	assert_offer(c, f->ann, OFFER_HELPED, T0 + WINDOW);
	/* Ann leaves: the first available in order is Bob again */
	off(f, f->ann);
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	off(f, f->bob);
	assert_offer(c, f->dee, OFFER_HELPED, T0 + WINDOW);
	/* the last candidate goes: open to all while nobody they know is on */
	off(f, f->dee);
	assert_unoffered(c);
	assert_int_equal(c->routing, 1);
	/* Dee is back within the window: asked again */
	on(f, f->dee);
	tick(f);
	assert_offer(c, f->dee, OFFER_HELPED, T0 + WINDOW);
}

static void test_route_pick(void **state)
{
	struct fx *f = *state;
	struct patron *p;
	struct chat *c, *out = NULL, *open;
	struct message *ev = NULL;

	on(f, f->ann);
	on(f, f->bob);
	on(f, f->zed);
	p = regular(f, S_BOB, NULL, 0);
	c = join(f, p, f->qa1, "j", "q");
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	/* someone else: refused, nothing added */
	assert_int_equal(desk_pick(f->d, f->now, f->ann, c->id, &out, &ev), DESK_OFFERED);
	assert_null(ev);
	assert_int_equal(c->state, CHAT_QUEUED);
	assert_int_equal(c->n_msgs, 1);
	assert_int_equal(f->ann->n_active, 0);
	assert_int_equal(desk_position(c), 1);
	/* another library's librarian still sees nothing at all */
	assert_int_equal(pick(f, f->zed, c->id), DESK_NOT_FOUND);
	/* the offered librarian: picks it, and the offer is spent */
	clear_dirty(f, c);
	f->now += 100;
	assert_int_equal(pick(f, f->bob, c->id), DESK_OK);
	assert_int_equal(c->state, CHAT_ACTIVE);
	assert_ptr_equal(c->staff, f->bob);
	assert_open(c);
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	/* then the other librarian: too late */
	assert_int_equal(pick(f, f->ann, c->id), DESK_TAKEN);
	assert_int_equal(pick(f, f->zed, c->id), DESK_NOT_FOUND);

	/* two librarians at once on an offered chat, the other one first */
	c = join(f, p, f->qa1, "j2", "q2");
	assert_offer(c, f->bob, OFFER_PREFERRED, f->now + WINDOW);
	assert_int_equal(pick(f, f->ann, c->id), DESK_OFFERED);
	assert_int_equal(pick(f, f->bob, c->id), DESK_OK);
	assert_int_equal(pick(f, f->ann, c->id), DESK_TAKEN);
	assert_int_equal(f->bob->n_active, 2);
	assert_int_equal(f->ann->n_active, 0);

	/* and on an open one: first wins */
	open = join(f, patron_on(f, LIB_A), f->qa1, "j", "q3");
	assert_open(open);
	assert_int_equal(pick(f, f->ann, open->id), DESK_OK);
	assert_int_equal(pick(f, f->bob, open->id), DESK_TAKEN);
}

static void test_route_cap_reroutes(void **state)
{
	struct fx *f = *state;
	int64_t helpers[] = {S_ANN};
	struct patron *asker = patron_on(f, LIB_A);
	struct chat *c1, *c2, *ca, *plain;

	on(f, f->ann);
	on(f, f->cy); /* cap 1 */
	c1 = join(f, regular(f, S_CY, helpers, 1), f->qa1, "j", "one");
	c2 = join(f, regular(f, S_CY, helpers, 1), f->qa2, "j", "two");
	ca = join(f, asker, f->qa1, "j", "asks for Cy");
	plain = join(f, patron_on(f, LIB_A), f->qa1, "j", "plain");
	assert_int_equal(choose(f, asker, ca->id, CHOOSE_STAFF, S_CY), DESK_OK);
	assert_offer(c1, f->cy, OFFER_PREFERRED, T0 + WINDOW);
	assert_offer(c2, f->cy, OFFER_PREFERRED, T0 + WINDOW);
	assert_offer(ca, f->cy, OFFER_ASKED, 0);
	clear_dirty(f, c2);
	ca->offer_dirty = 0;
	plain->offer_dirty = 0;
	assert_int_equal(pick(f, f->cy, c1->id), DESK_OK);
	/* Cy is full: the windowed offer moves on, the one the patron asked for stays */
	assert_offer(c2, f->ann, OFFER_HELPED, T0 + WINDOW);
	assert_int_equal(c2->offer_dirty, 1);
	assert_offer(ca, f->cy, OFFER_ASKED, 0);
	assert_int_equal(ca->offer_dirty, 0);
	assert_open(plain);
	assert_int_equal(plain->offer_dirty, 0);
	assert_int_equal(pick(f, f->cy, ca->id), DESK_AT_CAPACITY);
	assert_int_equal(pick(f, f->ann, ca->id), DESK_OFFERED);
}

static void test_choose_wait(void **state)
{
	struct fx *f = *state;
	struct patron *p, *plain = patron_on(f, LIB_A);
	struct chat *c, *c2, *pc;

	on(f, f->ann);
	on(f, f->bob);
	p = regular(f, S_BOB, NULL, 0);
	c = join(f, p, f->qa1, "j", "q");
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	f->now += 10000;
	clear_dirty(f, c);
	assert_int_equal(choose(f, p, c->id, CHOOSE_WAIT, 0), DESK_OK);
	assert_offer(c, f->bob, OFFER_PREFERRED, 0);
	assert_int_equal(c->routing, 0);
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	/* past the window: still Bob's, even at capacity */
	f->now = T0 + 10 * WINDOW;
	tick(f);
	assert_offer(c, f->bob, OFFER_PREFERRED, 0);
	assert_int_equal(pick(f, f->ann, c->id), DESK_OFFERED);
	f->bob->max_chats = 1;
	assert_int_equal(pick(f, f->bob, join(f, plain, f->qa2, "x", "x")->id), DESK_OK);
	tick(f);
	assert_offer(c, f->bob, OFFER_PREFERRED, 0);
	/* Bob goes off duty: open to all, for good */
	off(f, f->bob);
	assert_open(c);
	on(f, f->bob);
	tick(f);
	assert_open(c);
	/* nothing to wait for */
	assert_int_equal(choose(f, p, c->id, CHOOSE_WAIT, 0), DESK_BAD_STATE);
	pc = join(f, plain, f->qa1, "j", "not remembered");
	assert_int_equal(choose(f, plain, pc->id, CHOOSE_WAIT, 0), DESK_BAD_STATE);
	/* a window that lapsed before the tick is not there to wait for */
	f->bob->max_chats = 0;
	c2 = join(f, p, f->qa2, "j2", "q2");
	assert_offer(c2, f->bob, OFFER_PREFERRED, f->now + WINDOW);
	f->now += WINDOW;
	assert_int_equal(choose(f, p, c2->id, CHOOSE_WAIT, 0), DESK_BAD_STATE);
	assert_open(c2);
}

static void test_choose_staff(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A), *other = patron_on(f, LIB_A);
	struct desk_actor ann = as_staff(f->ann), oa = as_patron(other);
	struct chat *c, *busy;
	int i;

	on(f, f->ann);
	on(f, f->zed);
	c = join(f, p, f->qa1, "j", "q");
	assert_open(c);
	/* not on duty, another library's, unknown: not found, nothing changes */
	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, S_BOB), DESK_NOT_FOUND);
	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, S_ZED), DESK_NOT_FOUND);
	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, 999), DESK_NOT_FOUND);
	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, 0), DESK_NOT_FOUND);
	assert_open(c);
	assert_int_equal(c->offer_dirty, 0);
	/* only the patron, on their own queued chat */
	assert_int_equal(desk_choose(f->d, f->now, &ann, c->id, CHOOSE_STAFF, S_ANN),
			 DESK_NOT_FOUND);
	assert_int_equal(desk_choose(f->d, f->now, &oa, c->id, CHOOSE_STAFF, S_ANN),
			 DESK_NOT_FOUND);
	assert_int_equal(choose(f, p, 9999, CHOOSE_STAFF, S_ANN), DESK_NOT_FOUND);
	assert_open(c);

	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, S_ANN), DESK_OK);
	assert_offer(c, f->ann, OFFER_ASKED, 0);
	assert_string_equal(desk_offer_name(c->offer_why), "asked");
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	/* kept with no time limit, even when Ann is full */
	for (i = 0; i < 3; i++) {
		busy = join(f, patron_on(f, LIB_A), f->qa2, "j", "busy");
		assert_int_equal(pick(f, f->ann, busy->id), DESK_OK);
	}
	f->now += 100 * WINDOW;
	tick(f);
	assert_offer(c, f->ann, OFFER_ASKED, 0);
	/* she goes off duty: open to all */
	off(f, f->ann);
	assert_open(c);
	on(f, f->ann);
	tick(f);
	assert_open(c);
	/* an active chat: too late to choose */
	on(f, f->bob);
	assert_int_equal(pick(f, f->bob, c->id), DESK_OK);
	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, S_BOB), DESK_BAD_STATE);
	assert_int_equal(choose(f, p, c->id, CHOOSE_FIRST, 0), DESK_BAD_STATE);
}

static void test_choose_first(void **state)
{
	struct fx *f = *state;
	struct patron *p;
	struct chat *c;

	p = prefers_bob(f);
	c = join(f, p, f->qa1, "j", "q");
	assert_offer(c, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	clear_dirty(f, c);
	assert_int_equal(choose(f, p, c->id, CHOOSE_FIRST, 0), DESK_OK);
	assert_open(c);
	assert_int_equal(c->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	tick(f);
	off(f, f->bob);
	on(f, f->bob);
	assert_open(c);
	/* asking for someone after that is still possible */
	assert_int_equal(choose(f, p, c->id, CHOOSE_STAFF, S_ANN), DESK_OK);
	assert_offer(c, f->ann, OFFER_ASKED, 0);
	assert_int_equal(choose(f, p, c->id, CHOOSE_FIRST, 0), DESK_OK);
	assert_open(c);
	assert_int_equal(pick(f, f->ann, c->id), DESK_OK);
}

static void test_route_forget(void **state)
{
	struct fx *f = *state;
	int64_t helpers[] = {S_ANN};
	struct patron *p;
	struct chat *c1, *c2, *c3, *c4;

	on(f, f->ann);
	on(f, f->bob);
	on(f, f->dee);
	p = regular(f, S_BOB, helpers, 1);
	c1 = join(f, p, f->qa1, "j1", "continuity");
	c2 = join(f, p, f->qa2, "j2", "asked");
	c3 = join(f, p, f->qa1, "j3", "waited");
	assert_int_equal(choose(f, p, c2->id, CHOOSE_STAFF, S_DEE), DESK_OK);
	assert_int_equal(choose(f, p, c3->id, CHOOSE_WAIT, 0), DESK_OK);
	c4 = join(f, p, f->qa2, "j4", "active");
	assert_int_equal(pick(f, f->bob, c4->id), DESK_OK);
	assert_offer(c1, f->bob, OFFER_PREFERRED, T0 + WINDOW);
	assert_offer(c2, f->dee, OFFER_ASKED, 0);
	assert_offer(c3, f->bob, OFFER_PREFERRED, 0);
	clear_dirty(f, c1);

	desk_set_relation(f->d, f->now, p, 0, NULL, 0, NULL, 0);
	assert_int_equal(p->remembered, 0);
	assert_string_equal(p->name, "");
	assert_int_equal(p->preferred_staff, 0);
	assert_int_equal(p->n_helpers, 0);
	assert_open(c1);
	assert_int_equal(c1->offer_dirty, 1);
	assert_int_equal(f->la->queue_dirty, 1);
	assert_offer(c2, f->dee, OFFER_ASKED, 0); /* the librarian they asked for stays */
	assert_open(c3);
	assert_int_equal(c1->remembered, 0);
	assert_int_equal(c2->remembered, 0);
	assert_int_equal(c3->remembered, 0);
	assert_int_equal(c4->remembered, 0);
	assert_int_equal(pick(f, f->ann, c1->id), DESK_OK);
	/* ending a chat that is no longer remembered teaches nothing */
	{
		struct desk_actor b = as_staff(f->bob);

		assert_int_equal(end(f, &b, c4->id), DESK_OK);
		assert_int_equal(p->n_helpers, 0);
	}
	/* new chats are not routed */
	c4 = join(f, p, f->qa1, "j5", "new");
	assert_int_equal(c4->remembered, 0);
	assert_open(c4);

	/* remembered again: open chats are marked, routing is not started after the fact */
	desk_set_relation(f->d, f->now, p, 1, "Maya", S_BOB, helpers, 1);
	assert_int_equal(c4->remembered, 1);
	assert_int_equal(c2->remembered, 1);
	assert_int_equal(c1->remembered, 1); /* active */
	tick(f);
	assert_open(c4);
}

/* Consent owns the flag: a held ended chat reads as remembered only while the patron is,
 * forgetting unlinks it, and a first remembered chat is not "returning". */
static void test_remembered_owned_by_consent(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct desk_actor ann = as_staff(f->ann);
	struct chat *c1, *c2;

	on(f, f->ann);
	c1 = join(f, p, f->qa1, "r1", "anonymous first");
	assert_int_equal(desk_chat_remembered(c1), 0);
	/* consent given during the chat, naming it */
	desk_set_relation(f->d, f->now, p, 1, "Maya", 0, NULL, 0);
	desk_link_chat(p, c1->id);
	assert_int_equal(desk_chat_remembered(c1), 1);
	assert_int_equal(desk_chat_returning(c1), 0); /* the first of their history */
	assert_int_equal(p->first_chat_at, c1->created_at);
	assert_int_equal(pick(f, f->ann, c1->id), DESK_OK);
	assert_int_equal(end(f, &ann, c1->id), DESK_OK);
	f->now += 1000;
	c2 = join(f, p, f->qa1, "r2", "back again");
	assert_int_equal(desk_chat_remembered(c2), 1);
	assert_int_equal(desk_chat_returning(c2), 1);
	assert_int_equal(desk_chat_remembered(c1), 1); /* ended, still held */

	/* forget: every held chat, ended ones too */
	desk_set_relation(f->d, f->now, p, 0, NULL, 0, NULL, 0);
	assert_int_equal(c1->remembered, 0);
	assert_int_equal(desk_chat_remembered(c1), 0);
	assert_int_equal(desk_chat_remembered(c2), 0);
	assert_int_equal(desk_chat_returning(c2), 0);
	assert_int_equal(p->first_chat_at, 0);
	/* the patron's flag alone gates it, whatever a chat kept */
	c2->remembered = 1;
	assert_int_equal(desk_chat_remembered(c2), 0);
	/* linking needs consent */
	c2->remembered = 0;
	desk_link_chat(p, c2->id);
	assert_int_equal(c2->remembered, 0);
}

/* A chat of `p` in queue qa1 (join `cmid`, `text`) that `s` picks and `by` ends. */
static void helped(struct fx *f, struct patron *p, struct staff *s, const struct desk_actor *by,
		   const char *cmid, const char *text)
{
	struct chat *c = join(f, p, f->qa1, cmid, text);

	assert_int_equal(pick(f, s, c->id), DESK_OK);
	assert_int_equal(end(f, by, c->id), DESK_OK);
}

/* `p` has `n` helpers, the first `k` of them `want`, in order. */
static void assert_helpers(const struct patron *p, int n, int k, const int64_t *want)
{
	assert_int_equal(p->n_helpers, n);
	for (int i = 0; i < k; i++)
		assert_int_equal(p->helpers[i], want[i]);
}

static void test_end_helpers_order(void **state)
{
	struct fx *f = *state;
	int64_t helpers[] = {S_ANN, S_BOB};
	int64_t full[] = {301, 302, 303, 304, 305, 306, 307, 308};
	struct patron *p, *q;
	struct desk_actor pa, cy = as_staff(f->cy), dee = as_staff(f->dee);
	struct chat *c;

	p = regular(f, 0, helpers, 2);
	pa = as_patron(p);
	/* nobody on duty: open, but still remembered */
	c = join(f, p, f->qa1, "j1", "one");
	assert_int_equal(c->remembered, 1);
	assert_int_equal(pick(f, f->cy, c->id), DESK_OK);
	assert_int_equal(end(f, &cy, c->id), DESK_OK);
	assert_helpers(p, 3, 3, (const int64_t[]){S_CY, S_ANN, S_BOB});
	/* an existing helper moves to the front (ended by the patron counts too) */
	helped(f, p, f->bob, &pa, "j2", "two");
	assert_helpers(p, 3, 3, (const int64_t[]){S_BOB, S_CY, S_ANN});
	/* the front one again: no change */
	helped(f, p, f->bob, &pa, "j3", "three");
	assert_helpers(p, 3, 2, (const int64_t[]){S_BOB, S_CY});
	/* abandoned in the queue: nobody helped */
	c = join(f, p, f->qa1, "j4", "four");
	assert_int_equal(end(f, &pa, c->id), DESK_OK);
	assert_int_equal(p->n_helpers, 3);
	assert_int_equal(p->helpers[0], S_BOB);
	/* the next routing uses the new order */
	on(f, f->ann);
	on(f, f->bob);
	c = join(f, p, f->qa1, "j5", "five");
	assert_offer(c, f->bob, OFFER_HELPED, f->now + WINDOW);
	assert_int_equal(choose(f, p, c->id, CHOOSE_FIRST, 0), DESK_OK);

	/* at most 8: a new helper pushes out the oldest */
	desk_set_relation(f->d, f->now, p, 1, "Maya", 0, full, 8);
	helped(f, p, f->dee, &dee, "j6", "six");
	assert_helpers(p, 8, 2, (const int64_t[]){S_DEE, 301});
	assert_int_equal(p->helpers[7], 307);
	/* one in the middle of a full list moves up, nothing is lost */
	desk_put_staff(f->d, 305, LIB_A, "h@north.example", "H", 0, 0);
	helped(f, p, desk_staff(f->d, 305), &pa, "j7", "seven");
	assert_helpers(p, 8, 3, (const int64_t[]){305, S_DEE, 301});
	assert_int_equal(p->helpers[5], 304);
	assert_int_equal(p->helpers[6], 306);
	assert_int_equal(p->helpers[7], 307);

	/* a patron who is not remembered: no helpers */
	q = patron_on(f, LIB_A);
	helped(f, q, f->cy, &cy, "j", "x");
	assert_int_equal(q->n_helpers, 0);
}

static void test_route_not_remembered(void **state)
{
	struct fx *f = *state;
	struct patron *p = patron_on(f, LIB_A);
	struct chat *c;

	on(f, f->ann);
	on(f, f->bob);
	desk_set_relation(f->d, f->now, p, 0, "Maya", S_BOB, NULL, 0);
	desk_set_preferred(f->d, p, S_BOB);
	p->helpers[0] = S_ANN; /* even with stale data around, nothing routes */
	f->la->queue_dirty = 0;
	c = join(f, p, f->qa1, "j", "q");
	assert_int_equal(c->remembered, 0);
	assert_int_equal(c->routing, 0);
	assert_open(c);
	assert_int_equal(c->offer_dirty, 0);
	assert_int_equal(f->la->queue_dirty, 0);
	f->now += 1000;
	tick(f);
	desk_route(f->d, f->now, c);
	off(f, f->bob);
	assert_open(c);
	assert_int_equal(c->offer_dirty, 0);
	assert_int_equal(pick(f, f->ann, c->id), DESK_OK);
}

static void test_route_abandoned_clears_offer(void **state)
{
	struct fx *f = *state;
	struct desk_config cfg = {.queue_grace_ms = 1000, .offer_window_ms = 60000};
	struct tick_log log = {0};
	struct patron *p;
	struct desk_actor pa;
	struct chat *c1, *c2;

	teardown(state);
	setup_with(state, &cfg);
	f = *state;
	on(f, f->bob);
	p = regular(f, S_BOB, NULL, 0);
	pa = as_patron(p);
	c1 = join(f, p, f->qa1, "j1", "one");
	c2 = join(f, p, f->qa2, "j2", "two");
	assert_offer(c1, f->bob, OFFER_PREFERRED, T0 + 60000);
	assert_int_equal(end(f, &pa, c1->id), DESK_OK);
	assert_int_equal(c1->state, CHAT_ABANDONED);
	assert_open(c1);
	/* the patron leaves: the tick abandons the chat and its offer goes with it */
	desk_patron_online(f->d, p, -1, f->now);
	f->now += 1000;
	desk_tick(f->d, f->now, on_abandon, &log);
	assert_int_equal(log.n, 1);
	assert_ptr_equal(log.chats[0], c2);
	assert_open(c2);
	/* nothing left pointing at Bob */
	off(f, f->bob);
	assert_open(c2);
}

/* ---- availability and hand-back ----------------------------------------------------- */

static int n_handed;
static struct chat *last_handed;

static void count_handed(void *ctx, struct chat *c, struct message *ev)
{
	n_handed++;
	last_handed = c;
	assert_string_equal(ev->text, "handed_back");
}

static void test_away(void **state)
{
	struct fx *f = *state;
	const int64_t helpers[] = {S_BOB};
	struct patron *p;
	struct chat *c;

	on(f, f->ann);
	on(f, f->ann); /* two consoles */
	on(f, f->bob);
	assert_int_equal(f->la->staff_online, 3);
	assert_true(desk_staff_available(f->ann));
	/* Away: not on duty, however many consoles */
	assert_int_equal(desk_staff_set_away(f->d, f->ann, 1, f->now), 1);
	assert_int_equal(desk_staff_set_away(f->d, f->ann, 1, f->now), 0);
	assert_false(desk_staff_available(f->ann));
	assert_int_equal(f->la->staff_online, 1);
	off(f, f->ann); /* a console closes while Away */
	assert_int_equal(f->la->staff_online, 1);
	assert_int_equal(desk_staff_set_away(f->d, f->ann, 0, f->now), 1);
	assert_int_equal(f->la->staff_online, 2);
	/* an offline librarian going Away changes no count */
	assert_int_equal(desk_staff_set_away(f->d, f->cy, 1, f->now), 0);
	assert_int_equal(f->la->staff_online, 2);
	assert_false(desk_staff_available(f->cy));
	assert_false(desk_staff_available(NULL));
	/* routing skips Away librarians; going Away moves an offer on */
	p = regular(f, S_ANN, helpers, 1);
	c = join(f, p, f->qa1, "j", "hello");
	assert_offer(c, f->ann, OFFER_PREFERRED, T0 + WINDOW);
	desk_staff_set_away(f->d, f->ann, 1, f->now);
	assert_offer(c, f->bob, OFFER_HELPED, T0 + WINDOW);
	/* a patron cannot ask for an Away librarian */
	assert_int_equal(desk_choose(f->d, f->now,
				     &(struct desk_actor){.kind = AUTHOR_PATRON, .patron = p},
				     c->id, CHOOSE_STAFF, S_ANN),
			 DESK_NOT_FOUND);
	/* wait estimates count only available librarians */
	{
		struct wait_staffing st;

		desk_wait_staffing(f->d, f->la, &st);
		assert_int_equal(st.on_duty, 1);
	}
}

static void test_handback(void **state)
{
	struct fx *f = *state;
	struct patron *p1 = patron_on(f, LIB_A), *p2 = patron_on(f, LIB_A),
		      *p3 = patron_on(f, LIB_A);
	struct chat *c1 = join(f, p1, f->qa1, "j", "one");
	struct chat *c2 = join(f, p2, f->qa1, "j", "two");
	struct chat *c3 = join(f, p3, f->qa1, "j", "three");
	struct chat *out;
	struct message *ev = NULL;

	on(f, f->ann);
	f->now += 1000;
	assert_int_equal(desk_pick(f->d, f->now, f->ann, c1->id, &out, &ev), DESK_OK);
	assert_int_equal(desk_handback(f->d, f->now, c2, &ev), DESK_BAD_STATE); /* queued */
	assert_int_equal(f->qa1->n_waiting, 2);
	f->now += 1000;
	assert_int_equal(desk_handback(f->d, f->now, c1, &ev), DESK_OK);
	assert_string_equal(ev->text, "handed_back");
	assert_int_equal(ev->author, AUTHOR_STAFF);
	assert_int_equal(ev->author_id, S_ANN);
	assert_int_equal(ev->seq, 3);
	assert_int_equal(c1->state, CHAT_QUEUED);
	assert_null(c1->staff);
	assert_ptr_equal(c1->handed_from, f->ann);
	assert_int_equal(c1->handed_at, T0 + 2000);
	assert_int_equal(f->ann->n_active, 0);
	/* the front of the queue: the patron keeps their place */
	assert_int_equal(desk_position(c1), 1);
	assert_int_equal(desk_position(c2), 2);
	assert_int_equal(desk_position(c3), 3);
	/* the patron may still write; a colleague picks it up; the first pick time stays */
	{
		struct desk_actor a = as_patron(p1);
		struct message *m;
		int dup;

		assert_int_equal(post(f, &a, c1->id, "m", "still here", &m, &dup), DESK_OK);
	}
	on(f, f->bob);
	f->now += 1000;
	assert_int_equal(desk_pick(f->d, f->now, f->bob, c1->id, &out, &ev), DESK_OK);
	assert_ptr_equal(c1->staff, f->bob);
	assert_null(c1->handed_from);
	assert_int_equal(c1->picked_at, T0 + 1000);
	assert_int_equal(c1->n_msgs, 5);
	assert_int_equal(desk_position(c2), 1);
}

static void test_tick_handbacks(void **state)
{
	struct desk_config cfg = {.handback_grace_ms = 5000};
	struct fx *f;
	struct patron *p1, *p2;
	struct chat *c1, *c2, *out;
	struct message *ev;

	teardown(state);
	setup_with(state, &cfg);
	f = *state;
	p1 = patron_on(f, LIB_A);
	p2 = patron_on(f, LIB_A);
	c1 = join(f, p1, f->qa1, "j", "one");
	c2 = join(f, p2, f->qa1, "j", "two");
	on(f, f->ann);
	assert_int_equal(desk_pick(f->d, f->now, f->ann, c1->id, &out, &ev), DESK_OK);
	assert_int_equal(desk_pick(f->d, f->now, f->ann, c2->id, &out, &ev), DESK_OK);
	n_handed = 0;
	/* a reload: gone, back within the grace */
	off(f, f->ann);
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	f->now += 4000;
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	on(f, f->ann);
	f->now += 4000;
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	assert_int_equal(n_handed, 0);
	/* gone again: a fresh grace, not what was left of the first */
	off(f, f->ann);
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	f->now += 4999;
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	assert_int_equal(n_handed, 0);
	f->now += 1;
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	assert_int_equal(n_handed, 2);
	assert_int_equal(f->ann->n_active, 0);
	assert_int_equal(c1->state, CHAT_QUEUED);
	assert_int_equal(c2->state, CHAT_QUEUED);
	assert_int_equal(f->qa1->n_waiting, 2);
	/* nothing more to do */
	f->now += 10000;
	desk_tick_handbacks(f->d, f->now, count_handed, NULL);
	assert_int_equal(n_handed, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		T(test_load),
		T(test_patron_records),
		T(test_join_queues),
		T(test_check_text),
		T(test_text_limits_on_post),
		T(test_post_seq_and_dup),
		T(test_patron_isolation),
		T(test_other_library_staff),
		T(test_pick),
		T(test_capacity),
		T(test_forbidden_and_states),
		T(test_patron_end),
		T(test_tick_grace),
		T(test_tick_several_in_one_queue),
		T(test_origin_allowed),
		T(test_refcount),
		T(test_refcount_online_patron_kept),
		T(test_staff_online),
		T(test_load_chat),
		T(test_chat_full),
		cmocka_unit_test(test_names),
		T(test_route_defaults_and_relation),
		T(test_route_preferred_first),
		T(test_route_helpers_in_order),
		T(test_route_skips_unavailable),
		T(test_route_nobody_eligible),
		T(test_route_known_librarian_after_window),
		T(test_route_window_lapses),
		T(test_route_off_duty_moves_on),
		T(test_route_pick),
		T(test_route_cap_reroutes),
		T(test_choose_wait),
		T(test_choose_staff),
		T(test_choose_first),
		T(test_route_forget),
		T(test_remembered_owned_by_consent),
		T(test_end_helpers_order),
		T(test_route_not_remembered),
		T(test_route_abandoned_clears_offer),
		T(test_away),
		T(test_handback),
		T(test_tick_handbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
