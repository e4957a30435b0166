/* idmap.h: a hash map from positive int64 ids to pointers (open addressing, linear
 * probing, backward-shift deletion). Single thread. */
#ifndef RAPPORT_IDMAP_H
#define RAPPORT_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap {
	int64_t *keys; /* 0 = empty slot */
	void **vals;
	size_t cap; /* power of two, or 0 */
	size_t len;
};

/* Returns the value for id, or NULL. */
void *idmap_get(const struct idmap *m, int64_t id);
/* Sets id -> val (replacing). id must be > 0. Returns 0 or -1 on out of memory. */
int idmap_put(struct idmap *m, int64_t id, void *val);
/* Removes id; returns the old value or NULL. */
void *idmap_del(struct idmap *m, int64_t id);
/* Calls fn for each entry (do not modify the map inside). */
void idmap_each(const struct idmap *m, void (*fn)(void *ctx, int64_t id, void *val), void *ctx);
void idmap_free(struct idmap *m);

#endif
