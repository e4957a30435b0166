/* test_store_promise.c: the promise ledger in the SQLite backend (migration 5): the
 * conditional writes (who may, which patron and chat), the history, the lists in due
 * order, the report, and the query plans. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "store/sqlite_int.h"
#include "store/store.h"

#define T0 1763800000000LL
#define HOUR 3600000LL

/* Library A: jen (librarian), sam (librarian), ada (admin); patrons 1, 2; chat 10 of
 * patron 1. Library B: kim (admin); patron 3; chat 30 of patron 3. */
struct fx {
	char dir[64];
	struct store_conn *c;
	int64_t lib_a, lib_b, jen, sam, ada, kim;
};

#include "store_fx.h"

static int apply1(struct store_conn *c, struct store_write *w, int *changed, int64_t *id)
{
	return fx_apply(c, w, changed, id);
}

static int64_t put_library(struct fx *f, const char *slug)
{
	return fx_library(f->c, slug, slug, "ask", "Ask", NULL);
}

static int64_t put_staff(struct fx *f, int64_t lib, const char *email, const char *role)
{
	return fx_staff(f->c, lib, email, email, role);
}

static void put_patron_chat(struct fx *f, int64_t patron, int64_t lib, int64_t chat)
{
	struct store_write *w = store_write_new(STW_PATRON_INSERT);

	w->u.patron = (struct store_patron){
		.id = patron, .library_id = lib, .created_at = 10, .last_seen = 10};
	fill_hash(w->u.patron.token_hash, (int)patron);
	assert_int_equal(apply1(f->c, w, NULL, NULL), 0);
	if (!chat)
		return;
	w = store_write_new(STW_CHAT_INSERT);
	w->u.chat = (struct store_chat){
		.id = chat, .library_id = lib, .patron_id = patron, .created_at = 20};
	w->u.chat.queue_id = lib; /* one queue per library, created in the same order */
	w->u.chat.state = STORE_CHAT_QUEUED;
	assert_int_equal(apply1(f->c, w, NULL, NULL), 0);
}

static int setup(void **state)
{
	struct fx *f = fx_new(state, "/tmp/rapport-promise-XXXXXX");

	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_NORMAL, 0, &f->c), 0);
	f->lib_a = put_library(f, "a");
	f->lib_b = put_library(f, "b");
	f->jen = put_staff(f, f->lib_a, "jen@a.org", "librarian");
	f->sam = put_staff(f, f->lib_a, "sam@a.org", "librarian");
	f->ada = put_staff(f, f->lib_a, "ada@a.org", "admin");
	f->kim = put_staff(f, f->lib_b, "kim@b.org", "admin");
	put_patron_chat(f, 1, f->lib_a, 10);
	put_patron_chat(f, 2, f->lib_a, 0);
	put_patron_chat(f, 3, f->lib_b, 30);
	return 0;
}

static struct store_write *add(int64_t lib, int64_t patron, int64_t chat, int64_t owner, int64_t by,
			       int64_t due, const char *what)
{
	struct store_write *w = store_write_new(STW_PROMISE_ADD);
	struct store_promise_write *p = &w->u.promise;

	p->library_id = lib;
	p->patron_id = patron;
	p->chat_id = chat;
	p->owner_id = owner;
	p->by = by;
	p->at = T0;
	p->due_at = due;
	strcpy(p->channel, "email");
	p->text = what ? strdup(what) : NULL;
	return w;
}

static struct store_write *act(enum store_write_kind kind, int64_t lib, int64_t id, int64_t by,
			       int64_t at, const char *text, int64_t owner)
{
	struct store_write *w = store_write_new(kind);

	w->u.promise.library_id = lib;
	w->u.promise.id = id;
	w->u.promise.by = by;
	w->u.promise.at = at;
	w->u.promise.owner_id = owner;
	w->u.promise.text = text ? strdup(text) : NULL;
	return w;
}

/* Adds a promise that must apply; returns its id. */
static int64_t made(struct fx *f, int64_t patron, int64_t chat, int64_t owner, int64_t due)
{
	int changed = 0;
	int64_t id = 0;

	assert_int_equal(apply1(f->c,
				add(f->lib_a, patron, chat, owner, f->jen, due, "the APA guide"),
				&changed, &id),
			 0);
	assert_int_equal(changed, 1);
	assert_true(id > 0);
	return id;
}

static int changed_by(struct fx *f, struct store_write *w)
{
	int changed = -1;

	assert_int_equal(apply1(f->c, w, &changed, NULL), 0);
	return changed;
}

static void test_add_is_conditional(void **state)
{
	struct fx *f = *state;
	struct store_promise p;
	int64_t id = made(f, 1, 10, f->jen, T0 + HOUR);

	assert_int_equal(ops->promise_get(f->c, id, &p), 0);
	assert_int_equal(p.library_id, f->lib_a);
	assert_int_equal(p.patron_id, 1);
	assert_int_equal(p.chat_id, 10);
	assert_int_equal(p.owner_id, f->jen);
	assert_int_equal(p.created_by, f->jen);
	assert_int_equal(p.due_at, T0 + HOUR);
	assert_string_equal(p.what, "the APA guide");
	assert_string_equal(p.state, "open");
	assert_string_equal(p.channel, "email");
	assert_int_equal(p.done_at, 0);
	/* without a chat */
	made(f, 2, 0, f->sam, T0 + HOUR);
	/* nothing applies (changed 0, the batch does not fail) when: */
	assert_int_equal(changed_by(f, add(f->lib_a, 3, 0, f->jen, f->jen, T0, "x")), 0);
	assert_int_equal(changed_by(f, add(f->lib_a, 2, 10, f->jen, f->jen, T0, "x")), 0);
	assert_int_equal(changed_by(f, add(f->lib_a, 1, 30, f->jen, f->jen, T0, "x")), 0);
	assert_int_equal(changed_by(f, add(f->lib_a, 1, 10, f->kim, f->jen, T0, "x")), 0);
	assert_int_equal(changed_by(f, add(f->lib_a, 1, 10, f->jen, f->kim, T0, "x")), 0);
	assert_int_equal(changed_by(f, add(f->lib_a, 1, 10, f->jen, f->jen, T0, "")), 0);
	assert_int_equal(changed_by(f, add(f->lib_a, 1, 10, f->jen, f->jen, T0, NULL)), 0);
	assert_int_equal(changed_by(f, add(f->lib_b, 1, 10, f->jen, f->jen, T0, "x")), 0);
	{
		char big[STORE_PROMISE_TEXT_MAX + 2];
		struct store_write *w;

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(changed_by(f, add(f->lib_a, 1, 10, f->jen, f->jen, T0, big)), 0);
		w = add(f->lib_a, 1, 10, f->jen, f->jen, T0, "x");
		strcpy(w->u.promise.channel, "sms");
		assert_int_equal(changed_by(f, w), 0);
	}
	assert_int_equal(ops->promise_get(f->c, 9999, &p), STORE_NOTFOUND);
}

struct evs {
	struct store_promise_event e[8];
	size_t n;
};

static int ev_cb(void *ctx, const struct store_promise_event *r)
{
	struct evs *v = ctx;

	if (v->n < 8)
		v->e[v->n++] = *r;
	return 0;
}

static void test_done_cancel_reassign_rules(void **state)
{
	struct fx *f = *state;
	int64_t a = made(f, 1, 10, f->jen, T0 + HOUR), b = made(f, 2, 0, f->jen, T0 + HOUR);
	struct store_promise p;
	struct evs v = {0};

	/* a colleague may not; another library's admin may not; the owner may */
	assert_int_equal(changed_by(f, act(STW_PROMISE_DONE, f->lib_a, a, f->sam, T0, "x", 0)), 0);
	assert_int_equal(changed_by(f, act(STW_PROMISE_DONE, f->lib_b, a, f->kim, T0, "x", 0)), 0);
	assert_int_equal(changed_by(f, act(STW_PROMISE_DONE, f->lib_a, a, f->kim, T0, "x", 0)), 0);
	/* reassign to sam with a note; then jen no longer may, sam may */
	assert_int_equal(changed_by(f, act(STW_PROMISE_REASSIGN, f->lib_a, a, f->jen, T0 + 1,
					   "Sam knows APA", f->sam)),
			 1);
	assert_int_equal(
		changed_by(f, act(STW_PROMISE_REASSIGN, f->lib_a, a, f->sam, T0 + 1, "", f->sam)),
		0); /* to the owner already */
	assert_int_equal(
		changed_by(f, act(STW_PROMISE_REASSIGN, f->lib_a, a, f->sam, T0 + 1, "", f->kim)),
		0); /* to another library's staff */
	assert_int_equal(changed_by(f, act(STW_PROMISE_DONE, f->lib_a, a, f->jen, T0, "x", 0)), 0);
	assert_int_equal(changed_by(f, act(STW_PROMISE_DONE, f->lib_a, a, f->sam, T0 + 2,
					   "Sent the PDF", 0)),
			 1);
	assert_int_equal(ops->promise_get(f->c, a, &p), 0);
	assert_string_equal(p.state, "done");
	assert_int_equal(p.done_at, T0 + 2);
	assert_string_equal(p.done_note, "Sent the PDF");
	assert_int_equal(p.owner_id, f->sam);
	/* closed: nothing more */
	assert_int_equal(changed_by(f, act(STW_PROMISE_CANCEL, f->lib_a, a, f->ada, T0, "r", 0)),
			 0);
	/* an admin of the library may cancel anyone's; a reason is required */
	assert_int_equal(changed_by(f, act(STW_PROMISE_CANCEL, f->lib_a, b, f->ada, T0, "", 0)), 0);
	assert_int_equal(changed_by(f, act(STW_PROMISE_CANCEL, f->lib_a, b, f->ada, T0, NULL, 0)),
			 0);
	assert_int_equal(changed_by(f, act(STW_PROMISE_CANCEL, f->lib_a, b, f->ada, T0 + 3,
					   "Patron found it", 0)),
			 1);
	assert_int_equal(ops->promise_get(f->c, b, &p), 0);
	assert_string_equal(p.state, "cancelled");
	assert_string_equal(p.cancel_reason, "Patron found it");
	/* the history */
	assert_int_equal(ops->promise_events(f->c, a, ev_cb, &v), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.e[0].kind, "created");
	assert_string_equal(v.e[0].note, "");
	assert_int_equal(v.e[0].by, f->jen);
	assert_int_equal(v.e[0].owner_id, f->jen);
	assert_string_equal(v.e[1].kind, "reassigned");
	assert_int_equal(v.e[1].owner_id, f->sam);
	assert_string_equal(v.e[1].note, "Sam knows APA");
	assert_string_equal(v.e[2].kind, "done");
	assert_string_equal(v.e[2].note, "Sent the PDF");
	assert_int_equal(v.e[2].by, f->sam);
}

struct ids {
	int64_t v[16];
	size_t n;
};

static int id_cb(void *ctx, const struct store_promise *r)
{
	struct ids *x = ctx;

	if (x->n < 16)
		x->v[x->n++] = r->id;
	return 0;
}

static struct ids list(struct fx *f, int64_t lib, const char *state, int64_t owner, int64_t patron,
		       int limit)
{
	struct ids x = {0};

	assert_int_equal(ops->promises(f->c, lib, state, owner, patron, limit, id_cb, &x), 0);
	return x;
}

static void test_lists_in_due_order(void **state)
{
	struct fx *f = *state;
	int64_t late = made(f, 1, 10, f->jen, T0 + 3 * HOUR);
	int64_t soon = made(f, 2, 0, f->sam, T0 + HOUR);
	int64_t mid = made(f, 1, 0, f->jen, T0 + 2 * HOUR);
	struct ids x;
	int changed = 0;

	assert_int_equal(
		apply1(f->c, add(f->lib_b, 3, 30, f->kim, f->kim, T0, "theirs"), &changed, NULL),
		0);
	assert_int_equal(changed, 1);
	x = list(f, f->lib_a, "open", 0, 0, 0);
	assert_int_equal(x.n, 3);
	assert_int_equal(x.v[0], soon);
	assert_int_equal(x.v[1], mid);
	assert_int_equal(x.v[2], late);
	x = list(f, f->lib_a, "open", f->jen, 0, 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.v[0], mid);
	x = list(f, f->lib_a, "open", 0, 1, 0);
	assert_int_equal(x.n, 2);
	x = list(f, f->lib_a, "open", 0, 3, 0); /* another library's patron */
	assert_int_equal(x.n, 0);
	x = list(f, f->lib_a, "open", f->kim, 0, 0);
	assert_int_equal(x.n, 0);
	x = list(f, f->lib_a, "open", 0, 0, 2);
	assert_int_equal(x.n, 2);
	assert_int_equal(changed_by(f, act(STW_PROMISE_DONE, f->lib_a, soon, f->sam, T0, "", 0)),
			 1);
	x = list(f, f->lib_a, "done", 0, 0, 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.v[0], soon);
	assert_int_equal(list(f, f->lib_a, "open", 0, 0, 0).n, 2);
	assert_int_equal(ops->promises(f->c, f->lib_a, "lost", 0, 0, 0, id_cb, &x), STORE_BADARG);
}

static void test_report(void **state)
{
	struct fx *f = *state;
	struct store_promise_report r;
	int64_t kept = made(f, 1, 10, f->jen, T0 + HOUR);
	int64_t late = made(f, 1, 10, f->jen, T0 + HOUR);
	int64_t gone = made(f, 2, 0, f->jen, T0 + HOUR);

	made(f, 2, 0, f->jen, T0 + HOUR); /* open, overdue at T0 + 2 h */
	made(f, 2, 0, f->jen, T0 + 5 * HOUR); /* open, not yet due */
	assert_int_equal(
		changed_by(f, act(STW_PROMISE_DONE, f->lib_a, kept, f->jen, T0 + HOUR, "", 0)), 1);
	assert_int_equal(
		changed_by(f, act(STW_PROMISE_DONE, f->lib_a, late, f->jen, T0 + HOUR + 1, "", 0)),
		1);
	assert_int_equal(changed_by(f, act(STW_PROMISE_CANCEL, f->lib_a, gone, f->jen, T0, "r", 0)),
			 1);
	assert_int_equal(
		ops->promise_report(f->c, f->lib_a, T0 - HOUR, T0 + HOUR, T0 + 2 * HOUR, &r), 0);
	assert_int_equal(r.made, 5);
	assert_int_equal(r.kept_on_time, 1);
	assert_int_equal(r.late, 1);
	assert_int_equal(r.open_overdue, 1);
	assert_int_equal(r.open, 2);
	assert_int_equal(r.cancelled, 1);
	/* made outside the window, or in another library: not counted */
	assert_int_equal(ops->promise_report(f->c, f->lib_a, T0 + 1, T0 + HOUR, T0, &r), 0);
	assert_int_equal(r.made, 0);
	assert_int_equal(ops->promise_report(f->c, f->lib_b, T0 - HOUR, T0 + HOUR, T0, &r), 0);
	assert_int_equal(r.made, 0);
}

/* Every promise read is a search of an index in the order wanted: no scan, no sort. */
static void test_query_plans(void **state)
{
	struct fx *f = *state;
	static const struct plan_want plans[] = {
		{SQ_PROMISE_GET, "SEARCH promises USING INTEGER PRIMARY KEY (rowid=?)"},
		{SQ_PROMISES_BY_LIBRARY,
		 "SEARCH promises USING INDEX promises_by_library (library_id=? AND state=?)"},
		{SQ_PROMISES_BY_OWNER,
		 "SEARCH promises USING INDEX promises_by_owner (owner_id=? AND state=?)"},
		{SQ_PROMISES_BY_PATRON,
		 "SEARCH promises USING INDEX promises_by_patron (patron_id=? AND state=?)"},
		{SQ_PROMISE_EVENTS,
		 "SEARCH promise_events USING INDEX promise_events_by_promise (promise_id=?)"},
		{SQ_PROMISE_REPORT, "SEARCH promises USING INDEX promises_made (library_id=? AND "
				    "created_at>? AND created_at<?)"},
	};
	char plan[2048];

	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		plan_has(f->c, plans[i].id, plans[i].must, plan, sizeof plan);
		if (strstr(plan, "TEMP B-TREE") || strstr(plan, "SCAN "))
			fail_msg("statement %d sorts or scans: %s", (int)plans[i].id, plan);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_is_conditional), T(test_done_cancel_reassign_rules),
		T(test_lists_in_due_order), T(test_report),
		T(test_query_plans),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
