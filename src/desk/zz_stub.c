/* TEMPORARY: weak stand-ins until the routing branch is merged (then this file goes). */
#include "desk/desk.h"

__attribute__((weak)) void desk_set_relation(struct desk *d, int64_t now, struct patron *p,
					     int remembered, const char *name,
					     int64_t preferred_staff, const int64_t *helpers,
					     size_t n_helpers)
{
	(void)d, (void)now, (void)p, (void)remembered, (void)name, (void)preferred_staff,
		(void)helpers, (void)n_helpers;
}

__attribute__((weak)) int desk_choose(struct desk *d, int64_t now, const struct desk_actor *a,
				      int64_t chat_id, enum desk_choice choice, int64_t staff_id)
{
	(void)d, (void)now, (void)a, (void)chat_id, (void)choice, (void)staff_id;
	return DESK_BAD_STATE;
}
