/* errors_stubs.c: what src/api/errors.c calls, recorded for test_errors.c. */
#include <stdio.h>

#include "net/net.h"

int stub_http_status;
char stub_code[64], stub_message[256], stub_ref[128];

void http_error(struct http_conn *h, int status, const char *code, const char *message)
{
	stub_http_status = status;
	snprintf(stub_code, sizeof stub_code, "%s", code);
	snprintf(stub_message, sizeof stub_message, "%s", message);
}

void ws_error(struct ws_conn *c, const char *code, const char *message, const char *ref)
{
	snprintf(stub_code, sizeof stub_code, "%s", code);
	snprintf(stub_message, sizeof stub_message, "%s", message);
	snprintf(stub_ref, sizeof stub_ref, "%s", ref ? ref : "");
}
