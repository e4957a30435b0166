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

static void test_roles_from_the_table(void **state)
{
	as_patron(0);
	assert_null(run(CMD_PICK, "pick"));
	assert_string_equal(stub_code, "bad_frame");
	assert_string_equal(stub_message, "Only staff pick chats.");
	assert_null(run(CMD_STATUS, "status"));
	assert_string_equal(stub_message, "Only staff set a status.");
	assert_string_equal(run(CMD_JOIN, "join"), "chat_cmd_join");
	assert_string_equal(run(CMD_ASK_OFFLINE, "ask_offline"), "cases_cmd_ask_offline");
	assert_string_equal(run(CMD_SOMEONE_ELSE, "someone_else"), "handoff_cmd");
	assert_null(run(CMD_HANDOFF_ACCEPT, "handoff_accept"));
	assert_string_equal(stub_message, "Only staff take hand-offs.");
	conn.role = ROLE_STAFF;
	conn.patron = NULL;
	assert_null(run(CMD_JOIN, "join"));
	assert_string_equal(stub_message, "Only patrons join queues.");
	assert_null(run(CMD_ASK_OFFLINE, "ask_offline"));
	assert_string_equal(stub_message, "Only patrons send this.");
	assert_string_equal(run(CMD_PICK, "pick"), "chat_cmd_pick");
	assert_string_equal(run(CMD_STATUS, "status"), "duty_cmd");
	assert_string_equal(run(CMD_HANDOFF, "handoff"), "handoff_cmd");
	assert_null(run(CMD_SOMEONE_ELSE, "someone_else"));
	assert_string_equal(stub_message, "Only patrons ask for someone else.");
	assert_string_equal(run(CMD_SEND, "send"), "chat_cmd_send");
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
