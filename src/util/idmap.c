#include "idmap.h"

#include <stdlib.h>

static size_t slot_of(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

void *idmap_get(const struct idmap *m, int64_t id)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(id, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == id)
			return m->vals[i];
	return NULL;
}

static int grow(struct idmap *m)
{
	struct idmap n = {0};
	size_t i;

	n.cap = m->cap ? m->cap * 2 : 64;
	n.keys = calloc(n.cap, sizeof *n.keys);
	n.vals = calloc(n.cap, sizeof *n.vals);
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	for (i = 0; i < m->cap; i++)
		if (m->keys[i])
			idmap_put(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

int idmap_put(struct idmap *m, int64_t id, void *val)
{
	size_t i;

	if ((m->len + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	for (i = slot_of(id, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == id) {
			m->vals[i] = val;
			return 0;
		}
	m->keys[i] = id;
	m->vals[i] = val;
	m->len++;
	return 0;
}

void *idmap_del(struct idmap *m, int64_t id)
{
	size_t i, j, mask = m->cap - 1;
	void *old;

	if (!m->cap || id <= 0)
		return NULL;
	for (i = slot_of(id, m->cap); m->keys[i] != id; i = (i + 1) & mask)
		if (!m->keys[i])
			return NULL;
	old = m->vals[i];
	/* backward-shift: move later entries of the probe run into the hole */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->len--;
	return old;
}

void idmap_each(const struct idmap *m, void (*fn)(void *ctx, int64_t id, void *val), void *ctx)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->keys[i])
			fn(ctx, m->keys[i], m->vals[i]);
}

void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->len = 0;
}
