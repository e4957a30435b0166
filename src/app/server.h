/* server.h: `rapport serve`: the libwebsockets server on a libuv loop rapport owns. */
#ifndef RAPPORT_SERVER_H
#define RAPPORT_SERVER_H

#include <stdint.h>

#include "store/store.h"

struct server_config {
	char listen[64]; /* address to bind, default 127.0.0.1 */
	int port; /* default 8080 */
	char data_dir[512]; /* default ./data */
	char web_root[512]; /* default: ./web */
	enum store_durability durability;
	int demo_site_port; /* > 0: also serve web/demo-site on this port */
	int max_chats; /* default per-librarian cap (3) */
	int text_max; /* characters per message (4000) */
	int chat_max_messages; /* messages and events per chat (10000) */
	int frame_max; /* bytes per WebSocket frame (16384) */
	int rate; /* frames per second per connection (30) */
	int burst; /* token bucket size (60) */
	int send_queue_max; /* bytes waiting per connection (1 MiB) */
	int body_max; /* REST body bytes (65536) */
	int session_idle; /* seconds (7200) */
	int session_max; /* seconds (43200) */
	int queue_grace; /* seconds a queued patron may be away (120) */
	int offer_window; /* seconds a returning patron's chat is offered to a
			   * librarian they know before it is open to all (30) */
	int handback_grace_ms; /* a librarian with no console this long: their chats go
				* back to the queue (60000) */
	int handoff_timeout_ms; /* a hand-off nobody accepts this long comes back (60000) */
	int workers; /* worker threads (2) */
	int write_queue_max; /* writes pending before refusals (65536) */
	int read_queue_max; /* reads outstanding before refusals (4096) */
	int new_patrons; /* new anonymous patrons per address per minute (300; 0 = no cap) */
	int tls; /* cookies get Secure (set when behind TLS) */
	/* e-mail (docs/OPERATIONS.md, "E-mail (SMTP)") */
	char smtp_url[256]; /* smtp://host:port or smtps://host:port; "" = not configured */
	int smtp_starttls; /* require STARTTLS on smtp:// */
	char smtp_user[128];
	char smtp_password[256]; /* read from --smtp-password-file */
	char mail_from[256]; /* sender address */
	char public_url[256]; /* base of links in mails, e.g. https://chat.library.edu */
	int mail_retry_ms; /* first retry after this (30000), doubling */
	int mail_retry_max_ms; /* to at most this (3600000) */
	int mail_attempts; /* dead after this many attempts (30: about a day) */
	int mail_timeout; /* seconds per SMTP transfer (60) */
	int patron_mails; /* e-mails a patron may ask for per hour (5) */
	int signin_ttl; /* seconds a sign-in link is valid (1800) */
};

/* Fills the defaults. */
void server_config_defaults(struct server_config *cfg);

/* Testing only: from now on app_now_ms() runs `scale` times faster than the wall clock
 * (1: the wall clock). Call once, before any thread starts. */
void app_clock_scale(int scale);

/* Runs the server until SIGTERM/SIGINT; returns the process exit code. Prints `banner`
 * (may be NULL) once listening. */
int server_run(const struct server_config *cfg, const char *banner);

#endif
