/* dispatch_stubs.c: what src/api/dispatch.c calls, for test_dispatch.c: each command
 * handler records that it ran; the writer's room, the session and the patron's first
 * save are switches the test sets. */
#include <string.h>

#include "api/api.h"
#include "api/cases.h"

#include "dispatch_stubs.h"

struct stub_dispatch_log stub_dispatch;

#define STUB(name)                                                                                 \
	void name(struct ws_conn *c, struct cmd *cmd)                                              \
	{                                                                                          \
		stub_dispatch.handler = #name;                                                     \
	}
STUB(cmd_hello)
STUB(chat_cmd_join)
STUB(chat_cmd_send)
STUB(chat_cmd_typing)
STUB(chat_cmd_pick)
STUB(chat_cmd_end)
STUB(resume_cmd)
STUB(patron_cmd)
STUB(patron_mail_cmd)
STUB(cases_cmd_ask_offline)
STUB(duty_cmd)
STUB(handoff_cmd)

static struct app app;
struct app *g_app = &app;
static struct session alive;

void frame_begin(struct buf *b, const char *type)
{
	stub_dispatch.frame = type;
}

void frame_send(struct ws_conn *c, struct buf *b)
{
	buf_free(b);
}

void ws_close(struct ws_conn *c, int code, const char *reason)
{
	stub_dispatch.closed = code;
}

struct session *auth_session_by_hash(const uint8_t hash[STORE_TOKEN_HASH_LEN], int64_t now)
{
	return stub_dispatch.session_ended ? NULL : &alive;
}

int64_t app_now_ms(void)
{
	return stub_dispatch.now;
}

int writer_has_room(const struct writer *wr, size_t n)
{
	stub_dispatch.room_asked = n;
	return n <= stub_dispatch.room;
}

int hello_patron_save(struct patron *p)
{
	stub_dispatch.saved++;
	if (stub_dispatch.save_fails)
		return -1;
	p->unsaved = 0;
	return 0;
}
