/* listen.c: the lws context on the app's libuv loop (a foreign loop: rapport owns it), the
 * vhosts rapport listens on, lws's log lines, and the stages of tearing it down. */
#include <string.h>

#include "net/net_int.h"
#include "util/log.h"

/* tx_packet_size: lws hands the kernel at most this much per send() and keeps the rest
 * of a write to send one piece per POLLOUT; left at 0 it would be the 4 KiB receive
 * buffer, so a 64 KiB batch to a busy staff console took 16 loop iterations */
static const struct lws_protocols protocols[] = {
	{"http", http_callback, sizeof(struct http_conn), 0, 0, NULL, TX_PACKET_MAX},
	{SUBPROTOCOL, ws_callback, sizeof(struct ws_conn), 4096, 0, NULL, TX_PACKET_MAX},
	{NULL, NULL, 0, 0, 0, NULL, 0}};

int net_listen(struct net *n, struct uv_loop_s *loop)
{
	struct lws_context_creation_info info;
	void *loops[1] = {loop};
	const struct net_hooks *k = &n->hooks;

	if (!k->ws_frame || !k->ws_closed || !k->ws_drained || !k->origin_allowed ||
	    !k->http_request || !k->http_body || !k->embed_origins)
		return -1;
	n->loop = loop;
	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = loops;
	info.timeout_secs = 20;
	info.ka_time = 0;
	info.user = n; /* callbacks reach the net through lws_context_user() */
	n->ctx = lws_create_context(&info);
	if (!n->ctx)
		return -1;
	memset(&info, 0, sizeof info);
	info.vhost_name = "rapport";
	info.port = n->cfg.port;
	info.iface = n->cfg.listen;
	info.protocols = protocols;
	info.keepalive_timeout = 5;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6; /* UTF-8 is checked in ws.c (1007) */
	if (!lws_create_vhost(n->ctx, &info))
		return -1;
	if (n->cfg.demo_site_port > 0) {
		info.vhost_name = "demo-site";
		info.port = n->cfg.demo_site_port;
		if (!lws_create_vhost(n->ctx, &info))
			return -1;
	}
	return 0;
}

void net_stop(struct net *n)
{
	struct ws_conn *c;

	n->stopping = 1;
	if (n->ctx)
		lws_context_deprecate(n->ctx, NULL); /* closes the listening sockets */
	for (c = n->ws_list; c; c = c->next)
		ws_close(c, WS_CLOSE_GOING_AWAY, "server shutting down");
}

void net_close(struct net *n)
{
	if (n->ctx)
		lws_context_destroy(n->ctx); /* first stage: lws closes its loop handles */
}

void net_free(struct net *n)
{
	if (n->ctx) /* with a foreign loop, the second call frees the context */
		lws_context_destroy(n->ctx);
	n->ctx = NULL;
	idmap_free(&n->conns);
}

static void lws_log(int level, const char *line)
{
	char copy[512];
	size_t n = strlen(line);

	if (n >= sizeof copy)
		n = sizeof copy - 1;
	memcpy(copy, line, n);
	while (n && (copy[n - 1] == '\n' || copy[n - 1] == '\r'))
		n--;
	copy[n] = '\0';
	log_msg(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "%s", copy);
}

void net_log_init(void)
{
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
}
