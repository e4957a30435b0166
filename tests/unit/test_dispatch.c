/* test_dispatch.c: the WebSocket command table and its checks (src/api/dispatch.c),
 * linked with the error table and small stubs (test_dispatch.mods). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"

#include "dispatch_stubs.h"

extern int stub_http_status;
extern char stub_code[64], stub_message[256], stub_ref[128];

static struct patron patron;
static struct ws_conn conn;

/* Dispatches a command of type t (named name) on conn; returns the handler that ran. */
static const char *run(enum cmd_type t, const char *name)
{
	struct cmd cmd = {.type = t, .type_name = name};

	stub_dispatch.handler = NULL;
	stub_code[0] = stub_ref[0] = '\0';
	api_dispatch(&conn, &cmd);
	return stub_dispatch.handler;
}

static int setup(void **state)
{
	memset(&conn, 0, sizeof conn);
	memset(&patron, 0, sizeof patron);
	memset(&stub_dispatch, 0, sizeof stub_dispatch);
	stub_dispatch.room = 100;
	g_app->stopping = 0;
	return 0;
}

static void as_patron(int unsaved)
{
	conn.role = ROLE_PATRON;
	conn.patron = &patron;
	patron.unsaved = unsaved;
}

static void test_hello_first_and_once(void **state)
{
	assert_null(run(CMD_SEND, "send"));
	assert_string_equal(stub_code, "hello_required");
	assert_string_equal(stub_ref, "send");
	assert_string_equal(run(CMD_HELLO, "hello"), "cmd_hello");
	as_patron(0);
	assert_null(run(CMD_HELLO, "hello"));
	assert_string_equal(stub_code, "already_hello");
	conn.role = ROLE_NONE;
	conn.hello_pending = 1; /* the first hello is still being answered */
	assert_null(run(CMD_HELLO, "hello"));
	assert_string_equal(stub_code, "already_hello");
}

/* What each role gets of a command: the handler that runs, or the bad_frame message. */
static const struct role_case {
	enum cmd_type type;
	const char *name;
	int staff; /* sent by staff (else by a patron) */
	const char *handler; /* NULL: refused with `refusal` */
	const char *refusal;
} role_cases[] = {
	{CMD_PICK, "pick", 0, NULL, "Only staff pick chats."},
	{CMD_STATUS, "status", 0, NULL, "Only staff set a status."},
	{CMD_JOIN, "join", 0, "chat_cmd_join", NULL},
	{CMD_ASK_OFFLINE, "ask_offline", 0, "cases_cmd_ask_offline", NULL},
	{CMD_SOMEONE_ELSE, "someone_else", 0, "handoff_cmd", NULL},
	{CMD_HANDOFF_ACCEPT, "handoff_accept", 0, NULL, "Only staff take hand-offs."},
	{CMD_JOIN, "join", 1, NULL, "Only patrons join queues."},
	{CMD_ASK_OFFLINE, "ask_offline", 1, NULL, "Only patrons send this."},
	{CMD_SOMEONE_ELSE, "someone_else", 1, NULL, "Only patrons ask for someone else."},
	{CMD_PICK, "pick", 1, "chat_cmd_pick", NULL},
	{CMD_STATUS, "status", 1, "duty_cmd", NULL},
	{CMD_HANDOFF, "handoff", 1, "handoff_cmd", NULL},
	{CMD_SEND, "send", 1, "chat_cmd_send", NULL},
};

static void test_roles_from_the_table(void **state)
{
	for (size_t i = 0; i < sizeof role_cases / sizeof *role_cases; i++) {
		const struct role_case *k = &role_cases[i];
		const char *ran;

		as_patron(0);
		if (k->staff) {
			conn.role = ROLE_STAFF;
			conn.patron = NULL;
		}
		ran = run(k->type, k->name);
		if (k->handler) {
			assert_non_null(ran);
			assert_string_equal(ran, k->handler);
			continue;
		}
		assert_null(ran);
		assert_string_equal(stub_code, "bad_frame");
		assert_string_equal(stub_message, k->refusal);
	}
}

/* A full writer refuses a command that would write before anything changes; one that
 * writes nothing still runs. */
static void test_full_writer_refuses_first(void **state)
{
	as_patron(0);
	stub_dispatch.room = 0;
	assert_null(run(CMD_SEND, "send"));
	assert_string_equal(stub_code, "busy");
	assert_int_equal(stub_dispatch.room_asked, 1);
	assert_null(run(CMD_JOIN, "join"));
	assert_int_equal(stub_dispatch.room_asked, 2);
	assert_string_equal(run(CMD_TYPING, "typing"), "chat_cmd_typing");
	assert_string_equal(run(CMD_RESUME, "resume"), "resume_cmd");
	/* a patron seen only by hello is stored first: its row counts as a write */
	as_patron(1);
	stub_dispatch.room = 2;
	assert_null(run(CMD_JOIN, "join"));
	assert_int_equal(stub_dispatch.room_asked, 3);
	assert_int_equal(stub_dispatch.saved, 0);
	stub_dispatch.room = 3;
	assert_string_equal(run(CMD_JOIN, "join"), "chat_cmd_join");
	assert_int_equal(stub_dispatch.saved, 1);
	as_patron(1);
	stub_dispatch.save_fails = 1;
	assert_null(run(CMD_SEND, "send"));
	assert_string_equal(stub_code, "busy");
}

static void test_stopping_and_sessions(void **state)
{
	as_patron(0);
	g_app->stopping = 1;
	assert_null(run(CMD_SEND, "send"));
	assert_string_equal(stub_message, "The server is shutting down.");
	assert_null(run(CMD_PING, "ping")); /* ping has no handler of a feature: */
	assert_string_equal(stub_dispatch.frame, "pong"); /* it is answered while stopping */
	g_app->stopping = 0;
	conn.role = ROLE_STAFF;
	conn.patron = NULL;
	stub_dispatch.now = 120000; /* a minute and more since the session was checked */
	stub_dispatch.session_ended = 1;
	assert_null(run(CMD_SEND, "send"));
	assert_string_equal(stub_code, "unauthenticated");
	assert_int_not_equal(stub_dispatch.closed, 0);
	stub_dispatch.closed = 0;
	assert_string_equal(run(CMD_SEND, "send"), "chat_cmd_send"); /* checked a minute ago */
	assert_int_equal(stub_dispatch.closed, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup(test_hello_first_and_once, setup),
	cmocka_unit_test_setup(test_roles_from_the_table, setup),
	cmocka_unit_test_setup(test_full_writer_refuses_first, setup),
	cmocka_unit_test_setup(test_stopping_and_sessions, setup),
};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
