/* dispatch_stubs.h: what dispatch_stubs.c records and the switches test_dispatch.c sets. */
#ifndef RAPPORT_DISPATCH_STUBS_H
#define RAPPORT_DISPATCH_STUBS_H

#include <stddef.h>
#include <stdint.h>

struct stub_dispatch_log {
	const char *handler; /* the handler that ran, or NULL */
	const char *frame; /* the last frame begun (pong) */
	int closed; /* a close code, once closed */
	size_t room; /* writes the writer has room for */
	size_t room_asked; /* what the dispatcher asked for */
	int session_ended, save_fails, saved;
	int64_t now;
};
extern struct stub_dispatch_log stub_dispatch;

#endif
