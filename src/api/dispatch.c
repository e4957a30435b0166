/* dispatch.c: the one WebSocket command table. Every decoded command passes the checks
 * its row asks for here, once, in this order: hello first; not while stopping; the
 * staff session still alive; the right role; room in the writer for the writes the
 * command may add (a full queue answers `busy` before anything changes); a patron seen so
 * far only by hello is stored first. Then its handler runs. */
#include "api/api.h"
#include "api/cases.h"
#include "api/errors.h"

enum {
	CMDF_ANY_ROLE = 0,
	CMDF_PATRON = 1 << 0, /* patrons only */
	CMDF_STAFF = 1 << 1, /* staff only */
	CMDF_IDLE = 1 << 2, /* allowed while stopping (ping) */
	CMDF_NO_SAVE = 1 << 3, /* does not store the patron first (typing, resume, forget) */
};

#define SESSION_CHECK_MS 60000

struct cmd_def {
	enum cmd_type type;
	unsigned flags;
	unsigned writes; /* writes the command may add before it answers */
	void (*fn)(struct ws_conn *c, struct cmd *cmd);
	const char *role_msg; /* the bad_frame message for the wrong role */
};

static void cmd_ping(struct ws_conn *c, struct cmd *cmd)
{
	struct buf b = {0};

	frame_begin(&b, "pong");
	frame_send(c, &b);
}

static const struct cmd_def commands[] = {
	{CMD_PING, CMDF_IDLE, 0, cmd_ping, NULL},
	{CMD_JOIN, CMDF_PATRON, 2, chat_cmd_join, "Only patrons join queues."},
	{CMD_SEND, CMDF_ANY_ROLE, 1, chat_cmd_send, NULL},
	{CMD_RESUME, CMDF_NO_SAVE, 0, resume_cmd, NULL},
	{CMD_TYPING, CMDF_NO_SAVE, 0, chat_cmd_typing, NULL},
	{CMD_PICK, CMDF_STAFF, 2, chat_cmd_pick, "Only staff pick chats."},
	{CMD_END, CMDF_ANY_ROLE, 2, chat_cmd_end, NULL},
	{CMD_REMEMBER, CMDF_ANY_ROLE, 2, patron_cmd, NULL},
	{CMD_FORGET, CMDF_NO_SAVE, 2, patron_cmd, NULL},
	{CMD_CHOOSE, CMDF_ANY_ROLE, 1, patron_cmd, NULL},
	{CMD_RATE, CMDF_ANY_ROLE, 1, patron_cmd, NULL},
	{CMD_FAVOURITE, CMDF_ANY_ROLE, 1, patron_cmd, NULL},
	{CMD_PREFER, CMDF_ANY_ROLE, 1, patron_cmd, NULL},
	{CMD_EMAIL_TRANSCRIPT, CMDF_ANY_ROLE, 1, patron_mail_cmd, NULL},
	{CMD_SIGNIN_LINK, CMDF_ANY_ROLE, 1, patron_mail_cmd, NULL},
	{CMD_ASK_OFFLINE, CMDF_PATRON, 2, cases_cmd_ask_offline, "Only patrons send this."},
	{CMD_STATUS, CMDF_STAFF, 1, duty_cmd, "Only staff set a status."},
	{CMD_HANDOFF, CMDF_STAFF, 3, handoff_cmd, "Only staff hand chats on."},
	{CMD_HANDOFF_ACCEPT, CMDF_STAFF, 3, handoff_cmd, "Only staff take hand-offs."},
	{CMD_HANDOFF_DECLINE, CMDF_STAFF, 2, handoff_cmd, "Only staff decline hand-offs."},
	{CMD_HANDOFF_CANCEL, CMDF_STAFF, 2, handoff_cmd, "Only staff cancel hand-offs."},
	{CMD_SOMEONE_ELSE, CMDF_PATRON, 3, handoff_cmd, "Only patrons ask for someone else."},
};

static const struct cmd_def *cmd_find(enum cmd_type t)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].type == t)
			return &commands[i];
	return NULL;
}

/* A console's session is checked at most once a minute: activity keeps it alive, and an
 * ended session ends the console. 0 if it may go on. */
static int session_ended(struct ws_conn *c, const char *ref)
{
	if (c->role != ROLE_STAFF || app_now_ms() - c->session_checked <= SESSION_CHECK_MS)
		return 0;
	c->session_checked = app_now_ms();
	if (auth_session_by_hash(c->session_hash, c->session_checked))
		return 0;
	api_ws_fail(c, API_UNAUTHENTICATED, "Your session has ended; please log in again.", ref);
	ws_close(c, WS_CLOSE_POLICY, "session expired");
	return 1;
}

static int role_ok(const struct ws_conn *c, unsigned flags)
{
	if (flags & CMDF_PATRON)
		return c->role == ROLE_PATRON;
	if (flags & CMDF_STAFF)
		return c->role == ROLE_STAFF;
	return 1;
}

void api_dispatch(struct ws_conn *c, struct cmd *cmd)
{
	const char *ref = cmd->cmid[0] ? cmd->cmid : cmd->type_name;
	const struct cmd_def *d;
	int save;

	if (cmd->type == CMD_HELLO) {
		if (c->role != ROLE_NONE || c->hello_pending)
			api_ws_fail(c, API_ALREADY_HELLO, "You already said hello.", ref);
		else
			cmd_hello(c, cmd);
		return;
	}
	if (c->role == ROLE_NONE) {
		api_ws_fail(c, API_HELLO_REQUIRED, "Send hello first.", ref);
		return;
	}
	d = cmd_find(cmd->type);
	if (!d)
		return; /* the decoder knows no other types */
	if (g_app->stopping && !(d->flags & CMDF_IDLE)) {
		api_ws_fail(c, API_STOPPING, NULL, ref);
		return;
	}
	if (session_ended(c, ref))
		return;
	if (!role_ok(c, d->flags)) {
		api_ws_fail(c, API_BAD_FRAME, d->role_msg, ref);
		return;
	}
	save = c->role == ROLE_PATRON && c->patron && c->patron->unsaved &&
	       !(d->flags & CMDF_NO_SAVE);
	if ((d->writes || save) && !writer_has_room(g_app->writer, d->writes + (save ? 1 : 0))) {
		api_ws_fail(c, API_QUEUE_FULL, NULL, ref);
		return;
	}
	if (save && hello_patron_save(c->patron)) {
		api_ws_fail(c, API_QUEUE_FULL, "Could not keep that; try again in a moment.", ref);
		return;
	}
	d->fn(c, cmd);
}
