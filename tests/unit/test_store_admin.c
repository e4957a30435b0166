/* test_store_admin.c: administration in the SQLite backend (migration 14): queues made and
 * edited (the hours through json_each), writes that keep to their library, the SQL guard
 * that keeps a library's last active admin, set-password links that work once and expire,
 * deactivation that deletes sessions, and consortia. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Library A: ada (admin), jen (librarian), with queue "ask"; library B: kim (admin). */
struct fx {
	char dir[64];
	struct store_conn *c;
	int64_t lib_a, lib_b, ask_a, ask_b, ada, jen, kim;
};

#include "store_fx.h"

#define NOW 1763800000000LL

static int setup(void **state)
{
	struct fx *f = fx_new(state, "/tmp/rapport-admin-XXXXXX");

	assert_int_equal(ops->open(f->dir, STORE_DURABILITY_NORMAL, 0, &f->c), 0);
	f->lib_a = fx_library(f->c, "a", "Library A", "ask", "Ask A", &f->ask_a);
	f->lib_b = fx_library(f->c, "b", "Library B", "ask", "Ask B", &f->ask_b);
	f->ada = fx_staff(f->c, f->lib_a, "ada@a.org", "Ada", "admin");
	f->jen = fx_staff(f->c, f->lib_a, "jen@a.org", "Jen", "librarian");
	f->kim = fx_staff(f->c, f->lib_b, "kim@b.org", "Kim", "admin");
	return 0;
}

/* An administration write of `kind` for library lib at NOW (the caller fills the rest). */
static struct store_write *admin(enum store_write_kind kind, int64_t lib)
{
	struct store_write *w = store_write_new(kind);

	assert_non_null(w);
	w->u.admin.library_id = lib;
	w->u.admin.at = NOW;
	return w;
}

/* Applies w; returns `changed` (and the id it set in *id, when id is not NULL). */
static int run(struct fx *f, struct store_write *w, int64_t *id)
{
	int changed = -1;

	if (id)
		*id = 0;
	assert_int_equal(ops->begin(f->c), 0);
	assert_int_equal(ops->apply(f->c, w), 0);
	changed = w->changed;
	if (id)
		*id = w->u.admin.id;
	assert_int_equal(ops->commit(f->c), 0);
	store_write_free(w);
	return changed;
}

/* STW_QUEUE_EDIT of queue id by library lib; returns `changed`. */
static int queue_edit(struct fx *f, int64_t lib, int64_t id, const char *tz, int reply,
		      const char *hours, const char *closed)
{
	struct store_write *w = admin(STW_QUEUE_EDIT, lib);

	w->u.admin.id = id;
	strcpy(w->u.admin.name, "Evening desk");
	strcpy(w->u.admin.time_zone, tz);
	w->u.admin.reply_hours = reply;
	strcpy(w->u.admin.hours, hours);
	strcpy(w->u.admin.closed, closed);
	return run(f, w, NULL);
}

static void test_queues(void **state)
{
	struct fx *f = *state;
	struct store_write *w = admin(STW_QUEUE_ADD, f->lib_a);
	struct store_schedule *s = calloc(1, sizeof *s);
	int64_t id;

	strcpy(w->u.admin.slug, "evening");
	strcpy(w->u.admin.name, "Evening");
	w->u.admin.cascade_ms = 90000;
	assert_int_equal(run(f, w, &id), 1);
	assert_true(id > f->ask_b);
	w = admin(STW_QUEUE_ADD, f->lib_a); /* the same slug again: nothing */
	strcpy(w->u.admin.slug, "evening");
	strcpy(w->u.admin.name, "Again");
	assert_int_equal(run(f, w, NULL), 0);

	assert_true(queue_edit(f, f->lib_a, id, "Europe/London", 48,
			       "[[1,1080,1320],[2,1080,1320],[5,1320,120]]",
			       "[\"2026-12-25\",\"2026-12-26\"]") >= 1);
	assert_int_equal(ops->schedule_get(f->c, id, s), 0);
	assert_string_equal(s->time_zone, "Europe/London");
	assert_int_equal(s->reply_policy_hours, 48);
	assert_int_equal(s->n_hours, 3);
	assert_int_equal(s->hours[2][0], 5);
	assert_int_equal(s->hours[2][1], 1320);
	assert_int_equal(s->hours[2][2], 120); /* past midnight */
	assert_int_equal(s->n_closed, 2);
	assert_int_equal(s->closed[1], 20261226);

	/* library B's admin cannot edit A's queue: nothing changes, not even the zone */
	assert_int_equal(queue_edit(f, f->lib_b, id, "UTC", 1, "[]", "[]"), 0);
	assert_int_equal(ops->schedule_get(f->c, id, s), 0);
	assert_int_equal(s->n_hours, 3);
	assert_string_equal(s->time_zone, "Europe/London");
	free(s);
}

/* Whether a session of staff id exists. */
static int has_session(struct fx *f, int64_t staff)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(f->c->db,
					    "SELECT count(*) FROM sessions WHERE staff_id = ?1", -1,
					    &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, staff);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void add_session(struct fx *f, int64_t staff, int seed)
{
	struct store_write *w = store_write_new(STW_SESSION_INSERT);

	fill_hash(w->u.session.token_hash, seed);
	w->u.session.staff_id = staff;
	strcpy(w->u.session.csrf, "c");
	w->u.session.created_at = w->u.session.last_seen = NOW;
	assert_int_equal(fx_apply(f->c, w, NULL, NULL), 0);
}

/* STW_STAFF_EDIT of staff id in lib to (access, active). Returns `changed`. */
static int edit(struct fx *f, int64_t lib, int64_t id, const char *access, int active)
{
	struct store_write *w = admin(STW_STAFF_EDIT, lib);

	w->u.admin.id = id;
	strcpy(w->u.admin.access, access);
	w->u.admin.active = active;
	return run(f, w, NULL);
}

static void test_last_admin_and_deactivation(void **state)
{
	struct fx *f = *state;
	struct store_staff r;

	/* ada is A's only admin: not demoted, not deactivated */
	assert_int_equal(edit(f, f->lib_a, f->ada, "librarian", 1), 0);
	assert_int_equal(edit(f, f->lib_a, f->ada, "admin", 0), 0);
	assert_int_equal(edit(f, f->lib_a, f->ada, "consortium_admin", 1), 1);
	/* nor is jen changed by B */
	assert_int_equal(edit(f, f->lib_b, f->jen, "admin", 1), 0);
	assert_int_equal(edit(f, f->lib_a, f->jen, "admin", 1), 1);
	assert_int_equal(edit(f, f->lib_a, f->ada, "supervisor", 1), 1); /* jen is one now */
	assert_int_equal(ops->staff_by_email(f->c, "ada@a.org", &r), 0);
	assert_string_equal(r.role, "supervisor");

	/* deactivating deletes the sessions; the role stays as it was */
	add_session(f, f->ada, 1);
	add_session(f, f->ada, 2);
	assert_int_equal(has_session(f, f->ada), 2);
	assert_int_equal(edit(f, f->lib_a, f->ada, "supervisor", 0), 1);
	assert_int_equal(has_session(f, f->ada), 0);
	assert_int_equal(ops->staff_by_email(f->c, "ada@a.org", &r), 0);
	assert_int_equal(r.active, 0);
}

static void test_links(void **state)
{
	struct fx *f = *state;
	struct store_write *w = admin(STW_STAFF_INVITE, f->lib_a);
	struct store_staff r;
	uint8_t link[STORE_TOKEN_HASH_LEN], other[STORE_TOKEN_HASH_LEN];
	int64_t id;

	fill_hash(link, 7);
	fill_hash(other, 8);
	strcpy(w->u.admin.email, "Nina@A.org");
	strcpy(w->u.admin.name, "Nina");
	strcpy(w->u.admin.access, "librarian");
	memcpy(w->u.admin.hash, link, sizeof link);
	w->u.admin.expires_at = NOW + 1000;
	assert_int_equal(run(f, w, &id), 1);
	assert_true(id > 0);
	assert_int_equal(ops->staff_token(f->c, link, NOW, &r), 0);
	assert_int_equal(r.id, id);
	assert_string_equal(r.pw_hash, ""); /* no usable password yet */
	assert_int_equal(ops->staff_token(f->c, link, NOW + 1000, &r), STORE_NOTFOUND);

	/* the address is taken, whatever its case, in any library */
	w = admin(STW_STAFF_INVITE, f->lib_b);
	strcpy(w->u.admin.email, "nina@a.org");
	strcpy(w->u.admin.access, "librarian");
	memcpy(w->u.admin.hash, other, sizeof other);
	assert_int_equal(run(f, w, NULL), 0);
	assert_int_equal(ops->staff_token(f->c, other, NOW, &r), STORE_NOTFOUND);

	/* a second link, then the first one used: both stop working, sessions end */
	w = admin(STW_STAFF_LINK, f->lib_a);
	w->u.admin.id = id;
	memcpy(w->u.admin.hash, other, sizeof other);
	w->u.admin.expires_at = NOW + 1000;
	assert_int_equal(run(f, w, NULL), 1);
	add_session(f, id, 3);
	w = admin(STW_PASSWORD_SET, 0);
	w->u.admin.id = id;
	memcpy(w->u.admin.hash, link, sizeof link);
	strcpy(w->u.admin.pw_hash, "$argon2id$new");
	assert_int_equal(run(f, w, NULL), 1);
	assert_int_equal(has_session(f, id), 0);
	assert_int_equal(ops->staff_token(f->c, link, NOW, &r), STORE_NOTFOUND);
	assert_int_equal(ops->staff_token(f->c, other, NOW, &r), STORE_NOTFOUND);
	assert_int_equal(ops->staff_by_email(f->c, "nina@a.org", &r), 0);
	assert_string_equal(r.pw_hash, "$argon2id$new");
	w = admin(STW_PASSWORD_SET, 0); /* used: nothing */
	w->u.admin.id = id;
	memcpy(w->u.admin.hash, link, sizeof link);
	strcpy(w->u.admin.pw_hash, "$argon2id$again");
	assert_int_equal(run(f, w, NULL), 0);
}

static void test_password_change_keeps_one_session(void **state)
{
	struct fx *f = *state;
	struct store_write *w = admin(STW_PASSWORD_CHANGE, 0);

	add_session(f, f->jen, 11);
	add_session(f, f->jen, 12);
	w->u.admin.id = f->jen;
	fill_hash(w->u.admin.hash, 11); /* the session that asked */
	strcpy(w->u.admin.pw_hash, "$argon2id$jen2");
	assert_int_equal(run(f, w, NULL), 1);
	assert_int_equal(has_session(f, f->jen), 1);
}

static int count_member(void *ctx, const struct store_library *r)
{
	++*(int *)ctx;
	return r->consortium_id > 0 ? 0 : STORE_ERR;
}

static void test_consortia(void **state)
{
	struct fx *f = *state;
	struct store_consortium c = {0}, got;
	int n = 0;

	strcpy(c.slug, "north");
	strcpy(c.name, "Northern");
	assert_int_equal(ops->consortium_ensure(f->c, &c), 0);
	assert_true(c.id > 0);
	assert_int_equal(ops->consortium_of(f->c, f->lib_a, &got), STORE_NOTFOUND);
	assert_int_equal(ops->library_consortium(f->c, f->lib_a, c.id), 0);
	assert_int_equal(ops->library_consortium(f->c, f->lib_b, c.id), 0);
	assert_int_equal(ops->library_consortium(f->c, 999, c.id), STORE_NOTFOUND);
	assert_int_equal(ops->consortium_of(f->c, f->lib_b, &got), 0);
	assert_string_equal(got.name, "Northern");
	assert_int_equal(ops->consortium_by_slug(f->c, "north", &got), 0);
	assert_int_equal(got.id, c.id);
	assert_int_equal(ops->consortium_members(f->c, c.id, count_member, &n), 0);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queues, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_last_admin_and_deactivation, setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_password_change_keeps_one_session, setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_consortia, setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
