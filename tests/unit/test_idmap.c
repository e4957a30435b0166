/* test_idmap.c: unit tests for src/util/idmap (open addressing, backward-shift deletion). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/idmap.h"

/* The value stored for id in these tests: a recognisable non-NULL pointer. */
static void *val_of(int64_t id)
{
	return (void *)(uintptr_t)(id * 8 + 1);
}

static void test_empty(void **state)
{
	struct idmap m = {0};

	assert_null(idmap_get(&m, 1));
	assert_null(idmap_del(&m, 1));
	assert_int_equal(m.len, 0);
	idmap_free(&m);
	idmap_free(&m); /* twice is harmless */
	assert_null(m.keys);
	assert_int_equal(m.cap, 0);
}

static void test_put_get_replace_del(void **state)
{
	struct idmap m = {0};
	int x, y;

	assert_int_equal(idmap_put(&m, 5, &x), 0);
	assert_int_equal(m.len, 1);
	assert_true(m.cap >= 2 && (m.cap & (m.cap - 1)) == 0);
	assert_ptr_equal(idmap_get(&m, 5), &x);
	assert_null(idmap_get(&m, 6));
	assert_int_equal(idmap_put(&m, 5, &y), 0); /* replaces */
	assert_int_equal(m.len, 1);
	assert_ptr_equal(idmap_get(&m, 5), &y);
	assert_int_equal(idmap_put(&m, INT64_MAX, &x), 0);
	assert_ptr_equal(idmap_get(&m, INT64_MAX), &x);
	assert_null(idmap_del(&m, 7));
	assert_int_equal(m.len, 2);
	assert_ptr_equal(idmap_del(&m, 5), &y);
	assert_null(idmap_get(&m, 5));
	assert_null(idmap_del(&m, 5));
	assert_int_equal(m.len, 1);
	assert_ptr_equal(idmap_get(&m, INT64_MAX), &x);
	idmap_free(&m);
}

static size_t home(int64_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* Ids that all hash to the same slot, and ids in the slot just after, so probe runs overlap
 * and deletion has to shift entries back (and across the end of the table). */
static void test_collisions(void **state)
{
	struct idmap m = {0};
	int64_t same[6], next[3], id;
	size_t ns = 0, nn = 0, i, target;

	assert_int_equal(idmap_put(&m, 1, val_of(1)), 0);
	assert_ptr_equal(idmap_del(&m, 1), val_of(1));
	target = m.cap - 1; /* the last slot: runs wrap to slot 0 */
	for (id = 1; ns < 6 || nn < 3; id++) {
		size_t h = home(id, m.cap);

		if (h == target && ns < 6)
			same[ns++] = id;
		else if (h == 0 && nn < 3)
			next[nn++] = id;
	}
	/* 9 entries stay below the 3/4 load factor of the first table (64) */
	for (i = 0; i < 6; i++)
		assert_int_equal(idmap_put(&m, same[i], val_of(same[i])), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(idmap_put(&m, next[i], val_of(next[i])), 0);
	assert_int_equal(m.len, 9);
	for (i = 0; i < 6; i++)
		assert_ptr_equal(idmap_get(&m, same[i]), val_of(same[i]));
	for (i = 0; i < 3; i++)
		assert_ptr_equal(idmap_get(&m, next[i]), val_of(next[i]));

	/* delete from the head, the middle and the end of the run; the rest stay reachable */
	assert_ptr_equal(idmap_del(&m, same[0]), val_of(same[0]));
	assert_ptr_equal(idmap_del(&m, same[3]), val_of(same[3]));
	assert_ptr_equal(idmap_del(&m, next[2]), val_of(next[2]));
	assert_int_equal(m.len, 6);
	assert_null(idmap_get(&m, same[0]));
	assert_null(idmap_get(&m, same[3]));
	assert_null(idmap_get(&m, next[2]));
	for (i = 1; i < 6; i++)
		if (i != 3)
			assert_ptr_equal(idmap_get(&m, same[i]), val_of(same[i]));
	assert_ptr_equal(idmap_get(&m, next[0]), val_of(next[0]));
	assert_ptr_equal(idmap_get(&m, next[1]), val_of(next[1]));
	/* no entry sits before its home slot's run after the shifts: every slot between home
	 * and position is occupied */
	for (i = 0; i < m.cap; i++) {
		size_t h, k;

		if (!m.keys[i])
			continue;
		h = home(m.keys[i], m.cap);
		for (k = h; k != i; k = (k + 1) & (m.cap - 1))
			assert_true(m.keys[k] != 0);
	}
	idmap_free(&m);
}

struct sum {
	int64_t keys;
	uintptr_t vals;
	size_t n;
};

static void add_up(void *ctx, int64_t id, void *val)
{
	struct sum *s = ctx;

	s->keys += id;
	s->vals += (uintptr_t)val;
	s->n++;
}

/* Random puts and deletes checked against a plain array, through several grows. */
static void test_against_reference(void **state)
{
	enum { N = 3000, ROUNDS = 40000 };
	void **ref = calloc(N + 1, sizeof *ref);
	struct idmap m = {0};
	struct sum s = {0}, want = {0};
	size_t live = 0, r;
	int64_t id;
	uint32_t seed = 12345;

	assert_non_null(ref);
	for (r = 0; r < ROUNDS; r++) {
		seed = seed * 1103515245u + 12345u;
		id = 1 + (int64_t)((seed >> 8) % N);
		if ((seed >> 4) & 3) { /* 3 in 4: put */
			void *v = (void *)(uintptr_t)(r * 16 + 8);

			assert_int_equal(idmap_put(&m, id, v), 0);
			if (!ref[id])
				live++;
			ref[id] = v;
		} else {
			assert_ptr_equal(idmap_del(&m, id), ref[id]);
			if (ref[id])
				live--;
			ref[id] = NULL;
		}
		assert_int_equal(m.len, live);
		if (r % 997 == 0)
			for (id = 1; id <= N; id++)
				assert_ptr_equal(idmap_get(&m, id), ref[id]);
	}
	for (id = 1; id <= N; id++) {
		assert_ptr_equal(idmap_get(&m, id), ref[id]);
		if (ref[id]) {
			want.keys += id;
			want.vals += (uintptr_t)ref[id];
			want.n++;
		}
	}
	assert_true(live > 1000);
	assert_true(m.len * 4 <= m.cap * 3);
	idmap_each(&m, add_up, &s);
	assert_int_equal(s.n, want.n);
	assert_int_equal(s.keys, want.keys);
	assert_true(s.vals == want.vals);
	/* delete everything */
	for (id = 1; id <= N; id++)
		assert_ptr_equal(idmap_del(&m, id), ref[id]);
	assert_int_equal(m.len, 0);
	for (r = 0; r < m.cap; r++)
		assert_int_equal(m.keys[r], 0);
	idmap_free(&m);
	free(ref);
}

static void test_large_ids(void **state)
{
	struct idmap m = {0};
	int64_t i;

	/* ids that differ only in high bits */
	for (i = 1; i <= 200; i++)
		assert_int_equal(idmap_put(&m, i << 40, val_of(i)), 0);
	assert_int_equal(m.len, 200);
	for (i = 1; i <= 200; i++)
		assert_ptr_equal(idmap_get(&m, i << 40), val_of(i));
	assert_null(idmap_get(&m, 1));
	for (i = 1; i <= 200; i += 2)
		assert_ptr_equal(idmap_del(&m, i << 40), val_of(i));
	for (i = 1; i <= 200; i++)
		assert_ptr_equal(idmap_get(&m, i << 40), i % 2 ? NULL : val_of(i));
	idmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),	   cmocka_unit_test(test_put_get_replace_del),
		cmocka_unit_test(test_collisions), cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_large_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
