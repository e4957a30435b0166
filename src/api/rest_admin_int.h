/* rest_admin_int.h: what rest_admin.c and rest_admin_staff.c share (administration of
 * the caller's library, docs/API.md "Administration"). Loop thread. */
#ifndef RAPPORT_API_REST_ADMIN_INT_H
#define RAPPORT_API_REST_ADMIN_INT_H

#include "api/call.h"
#include "store/store.h"
#include "util/buf.h"

/* An administration write of `kind` for the caller's library (library_id, at set), or
 * NULL after answering k `busy`. */
struct store_write *admin_write_new(const struct call *k, enum store_write_kind kind);
/* The first answers of an administration write's completion: 503 when it failed (rc),
 * `unchanged` with `message` when it changed nothing. 1 when answered, else 0. */
int admin_write_failed(const struct call *k, const struct store_write *w, int rc,
		       enum api_err unchanged, const char *message);

/* Answers k 200 {"key":[...]}: item(b, i, k) for each i < n appends one element (and
 * returns 1) or nothing (0). */
void admin_respond_list(const struct call *k, const char *key, size_t n,
			int (*item)(struct buf *b, size_t i, const struct call *k));

#endif
