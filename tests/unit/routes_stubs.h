/* routes_stubs.h: what routes_stubs.c records for test_routes.c. */
#ifndef RAPPORT_ROUTES_STUBS_H
#define RAPPORT_ROUTES_STUBS_H

#include <stdint.h>

struct stub_route_log {
	const char *handler; /* the handler that ran, or NULL */
	struct staff *staff;
	int64_t id0;
};
extern struct stub_route_log stub_route;
extern struct app *g_app;

#endif
