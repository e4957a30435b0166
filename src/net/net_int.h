/* net_int.h: what the files of src/net share and nobody else sees: the lws callbacks. */
#ifndef RAPPORT_NET_INT_H
#define RAPPORT_NET_INT_H

#include <libwebsockets.h>

#include "net/net.h"

#define TX_PACKET_MAX (WS_BATCH_MAX + 1024) /* bytes lws passes to one send() */

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		size_t len);
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len);

#endif
