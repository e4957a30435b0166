/* rest_rel_int.h: what rest_rel.c (reads) and rest_rel_post.c (writes) share. */
#ifndef RAPPORT_API_REST_REL_INT_H
#define RAPPORT_API_REST_REL_INT_H

#include "api/api.h"
#include "api/async.h"

enum rd_kind { RD_CARD, RD_KEYS, RD_KEYCHECK, RD_SEARCH, RD_CONTINUITY, RD_AUDIT, RD_PHOTO };

struct rd_job {
	struct api_job job; /* first: the async helper's */
	enum rd_kind kind;
	int64_t staff_id, lib, patron, chat, before, since, until;
	int limit, rc, found;
	char q[512]; /* search words; RD_KEYCHECK: the key */
	struct buf out; /* rows packed by the worker */
	struct store_card *card; /* RD_CARD */
	int64_t returning, continued;
	char type[16]; /* RD_PHOTO */
	void *data;
	size_t len;
	struct store_write *w; /* RD_KEYCHECK: submitted once the key is known */
	struct buf followups; /* RD_CARD: rows packed by followups_card_read */
	/* RD_CARD: the card's parts shown (bit i: settings.h's field i; all, unless the
	 * caller covers the patron's chat for another library: what it shares) */
	unsigned share;
	int covering;
};

/* A valid trait key ([a-z0-9_]{1,31}); the preset trait's index, or -1. */
int rel_key_ok(const char *k);
int rel_preset_index(const char *key);
/* 200 {"profile":...} of st. */
void rel_respond_profile(struct http_conn *h, const struct staff *st);
/* The image kind of a photo body by its magic bytes (0: neither), and its content type. */
int rel_photo_kind(const unsigned char *p, size_t n);
const char *rel_photo_type(int kind);
/* A read job of st for h (NULL after answering 503), and its submission. */
struct rd_job *rel_rd_new(struct http_conn *h, const struct staff *st, enum rd_kind kind);
void rel_rd_submit(struct rd_job *j);
/* A relationship write by st (NULL after answering 503); queued, `done` answers the request
 * http_id once committed (a refused write completes through `done` too). */
struct store_write *rel_wr_new(struct http_conn *h, const struct staff *st,
			       enum store_write_kind kind);
void rel_wr_submit(uint64_t http_id, int64_t staff_id, struct store_write *w,
		   store_write_done done);
/* The `done` of a write whose answer is {"ok":true}. */
void rel_ok_done(struct store_write *w, int rc);

#endif
