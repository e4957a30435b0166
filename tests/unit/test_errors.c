/* test_errors.c: the error spine (src/api/errors.c), linked alone with errors_stubs.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api/errors.h"
#include "desk/desk.h"
#include "store/store.h"

extern int stub_http_status;
extern char stub_code[64], stub_message[256], stub_ref[128];

/* Every error has a code, a 4xx/5xx status and a sentence; one code, one status. */
static void test_table_complete_and_consistent(void **state)
{
	for (int e = API_OK + 1; e < API_ERR_COUNT; e++) {
		const struct api_error_def *d = api_error((enum api_err)e);

		assert_non_null(d->code);
		assert_non_null(d->message);
		assert_true(d->code[0] && d->message[0]);
		assert_true(d->http >= 400 && d->http <= 599);
		assert_true(d->message[strlen(d->message) - 1] == '.');
		for (int f = API_OK + 1; f < e; f++) {
			const struct api_error_def *g = api_error((enum api_err)f);

			if (strcmp(g->code, d->code) == 0)
				assert_int_equal(g->http, d->http);
		}
	}
}

static void test_out_of_range_is_busy(void **state)
{
	assert_string_equal(api_error(API_ERR_COUNT)->code, "busy");
	assert_string_equal(api_error((enum api_err) - 3)->code, "busy");
	assert_int_equal(api_error(API_OK)->http, 503); /* not an answer to send */
}

static void test_desk_mapping(void **state)
{
	assert_int_equal(api_err_desk(DESK_NOT_FOUND), API_NOT_FOUND);
	assert_int_equal(api_err_desk(DESK_TAKEN), API_TAKEN);
	assert_int_equal(api_err_desk(DESK_OFFERED), API_OFFERED);
	assert_int_equal(api_err_desk(DESK_AT_CAPACITY), API_AT_CAPACITY);
	assert_int_equal(api_err_desk(DESK_TOO_LONG), API_TOO_LONG);
	assert_int_equal(api_err_desk(DESK_EMPTY), API_EMPTY);
	assert_int_equal(api_err_desk(DESK_FULL), API_BAD_STATE);
	assert_int_equal(api_err_desk(DESK_NOMEM), API_NOMEM);
	assert_string_equal(api_error(api_err_desk(DESK_FORBIDDEN))->code, "forbidden");
}

static void test_store_mapping(void **state)
{
	assert_int_equal(api_err_store(STORE_NOTFOUND, 0), API_NOT_FOUND);
	assert_int_equal(api_err_store(STORE_EXISTS, 1), API_CONFLICT);
	assert_int_equal(api_err_store(STORE_FULL, 1), API_QUEUE_FULL);
	assert_int_equal(api_err_store(STORE_ERR, 1), API_STORE_FAILED);
	assert_int_equal(api_err_store(STORE_ERR, 0), API_READ_FAILED);
	assert_int_equal(api_error(API_QUEUE_FULL)->http, 503);
	assert_string_equal(api_error(API_STORE_FAILED)->code, "store_failed");
}

static void test_answers_carry_the_table(void **state)
{
	api_http_fail(NULL, API_CSRF_REQUIRED, NULL);
	assert_int_equal(stub_http_status, 403);
	assert_string_equal(stub_code, "csrf_required");
	assert_string_equal(stub_message, "Send the X-CSRF-Token header.");
	api_http_fail(NULL, API_NOT_FOUND, "No such promise.");
	assert_int_equal(stub_http_status, 404);
	assert_string_equal(stub_message, "No such promise.");
	api_ws_fail(NULL, API_RATE_LIMITED, NULL, "c-1");
	assert_string_equal(stub_code, "rate_limited");
	assert_string_equal(stub_ref, "c-1");
	api_ws_fail(NULL, API_TAKEN, NULL, NULL);
	assert_string_equal(stub_ref, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete_and_consistent),
		cmocka_unit_test(test_out_of_range_is_busy),
		cmocka_unit_test(test_desk_mapping),
		cmocka_unit_test(test_store_mapping),
		cmocka_unit_test(test_answers_carry_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
