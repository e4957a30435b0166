/* cases.h: opening hours on the loop and offline questions (cases.c), and the case REST
 * routes (rest_case.c). docs/PROTOCOL.md ("ask_offline"), docs/API.md ("Cases"). Loop
 * thread only. */
#ifndef RAPPORT_NET_CASES_H
#define RAPPORT_NET_CASES_H

#include "api/api.h"
#include "desk/schedule.h"

/* A schedule from its stored form ("UTC" becomes ""). */
void schedule_from_store(struct schedule *s, const struct store_schedule *r);
/* Start-up: each queue's schedule and its library's reply policy. 0 or a store error. */
int cases_load_schedules(struct store_conn *sc);
/* Members of a queue in `queues` (trailing commas): "open" (hours open and someone on
 * duty), "hours_open", "time_zone", "next_open" (ms or null when open by hours) and
 * "next_open_local" ("Monday 9:00", the library's wall time) and "offline_questions"
 * (false when no e-mail can be sent, so `ask_offline` would be refused). */
void cases_queue_json(struct buf *b, struct queue *q);
/* 1 s tick: a queue opening or closing by its hours re-sends its library's `queues`. */
void cases_tick(int64_t now);
/* The patron's `ask_offline` frame: answers `case_created` once the case committed. */
void cases_cmd_ask_offline(struct ws_conn *c, struct cmd *cmd);
/* Queues a case mail (kind "case") to `to`: intro, a quoted text, the view link.
 * 0 or -1. */
int cases_mail(int64_t library_id, const char *to, const char *subject, const char *intro,
	       const char *quote, const char *url);
/* The library's IANA time zone (libraries.time_zone, loaded onto each of its queues at
 * start): "UTC" when it has none. Times patrons and librarians read are in it. */
const char *cases_library_tz(const struct library *lib);
/* Tells every console of library_id that case_id changed: `case_changed` with `why`
 * ("new", "patron_reply", "answered", "closed"); consoles re-read the case. */
void cases_notify(int64_t library_id, int64_t case_id, const char *why);
/* rest_case.c: the REST routes of offline questions (handlers in api/routes.h). */

#endif
