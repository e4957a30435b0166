/* test_crypto.c: unit tests for src/util/crypto (tokens, token hashing, argon2id
 * passwords, constant-time compare). argon2id costs ~0.1 s per hash or check, so the
 * password test is careful with how many it runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/crypto.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int setup(void **state)
{
	return crypto_init();
}

static void test_init(void **state)
{
	assert_int_equal(crypto_init(), 0);
	assert_int_equal(crypto_init(), 0); /* a second call is harmless */
	assert_int_equal(CRYPTO_TOKEN_CHARS, 43);
	assert_int_equal(CRYPTO_HASH_BYTES, 32);
}

static int cmp_token(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_token(void **state)
{
	enum { N = 1000 };
	char(*toks)[CRYPTO_TOKEN_CHARS + 1] = malloc(N * sizeof *toks);
	int seen[64] = {0}, distinct = 0;

	assert_non_null(toks);
	for (int i = 0; i < N; i++) {
		char *t = toks[i];

		memset(t, '#', CRYPTO_TOKEN_CHARS + 1);
		crypto_token(t);
		assert_int_equal(t[CRYPTO_TOKEN_CHARS], '\0');
		assert_int_equal(strlen(t), 43);
		for (int j = 0; j < CRYPTO_TOKEN_CHARS; j++) {
			const char *p = strchr(b64url, t[j]);

			if (!p || !t[j])
				fail_msg("token %s: '%c' is not base64url", t, t[j]);
			seen[p - b64url]++;
		}
		/* 43 characters carry 258 bits, 32 bytes use 256: the last character's two
		 * low bits are zero padding */
		assert_int_equal((strchr(b64url, t[42]) - b64url) % 4, 0);
	}
	/* 42,000 random characters: every one of the 64 shows up */
	for (int k = 0; k < 64; k++)
		distinct += seen[k] > 0;
	assert_int_equal(distinct, 64);
	qsort(toks, N, sizeof *toks, cmp_token);
	for (int i = 1; i < N; i++)
		if (strcmp(toks[i - 1], toks[i]) == 0)
			fail_msg("duplicate token %s", toks[i]);
	free(toks);
}

static void hex(const uint8_t *h, char out[2 * CRYPTO_HASH_BYTES + 1])
{
	for (int i = 0; i < CRYPTO_HASH_BYTES; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void test_token_hash(void **state)
{
	const char *tok = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	uint8_t h1[CRYPTO_HASH_BYTES], h2[CRYPTO_HASH_BYTES], h3[CRYPTO_HASH_BYTES];
	char t[CRYPTO_TOKEN_CHARS + 1], x[2 * CRYPTO_HASH_BYTES + 1];
	uint8_t h1_abc[CRYPTO_HASH_BYTES];

	/* Known answers (keyed BLAKE2b-256, key "rapport token v1", computed with Python's
	 * hashlib): stored hashes must stay valid across releases. */
	crypto_token_hash("", 0, h1);
	hex(h1, x);
	assert_string_equal(x, "6e4175ce06b7cbe5480962506efbfc44399d5c0ba7c1cd251e349ae60e3afb0d");
	crypto_token_hash("abc", 3, h1);
	memcpy(h1_abc, h1, sizeof h1_abc);
	hex(h1, x);
	assert_string_equal(x, "1a77a1e5dcd0d728f6a3fe743bac024d840386a2a190948d344617c1d7c46316");
	crypto_token_hash(tok, 43, h1);
	hex(h1, x);
	assert_string_equal(x, "ed37d11d633f6cdad6564384f3ba51c663e33fd82c6e8288a87fb9a5b6c81ec9");
	/* only len bytes count */
	crypto_token_hash("abcdef", 3, h2);
	assert_memory_equal(h2, h1_abc, sizeof h1_abc);

	/* deterministic; differs for another token, a one-character change, a shorter one */
	crypto_token(t);
	crypto_token_hash(t, strlen(t), h1);
	crypto_token_hash(t, strlen(t), h2);
	assert_memory_equal(h1, h2, CRYPTO_HASH_BYTES);
	t[17] = t[17] == 'A' ? 'B' : 'A';
	crypto_token_hash(t, strlen(t), h3);
	assert_memory_not_equal(h1, h3, CRYPTO_HASH_BYTES);
	crypto_token_hash(t, strlen(t) - 1, h2);
	assert_memory_not_equal(h3, h2, CRYPTO_HASH_BYTES);
	crypto_token(t);
	crypto_token_hash(t, strlen(t), h2);
	assert_memory_not_equal(h1, h2, CRYPTO_HASH_BYTES);

	/* not the token itself, nor an unkeyed copy of it */
	assert_memory_not_equal(h2, t, CRYPTO_HASH_BYTES);
	memset(h3, 0, sizeof h3);
	assert_memory_not_equal(h2, h3, CRYPTO_HASH_BYTES);
}

static void test_password(void **state)
{
	const char *pw = "correct horse battery staple";
	char a[128], b[128], bad[128];

	/* 2 hashes */
	memset(a, '#', sizeof a);
	assert_int_equal(crypto_password_hash(pw, strlen(pw), a), 0);
	assert_non_null(memchr(a, '\0', sizeof a));
	assert_int_equal(strncmp(a, "$argon2id$", 10), 0);
	assert_int_equal(crypto_password_hash(pw, strlen(pw), b), 0);
	assert_int_equal(strncmp(b, "$argon2id$", 10), 0);
	assert_string_not_equal(a, b); /* salted */
	assert_null(strstr(a, pw));

	/* 5 checks that run argon2 */
	assert_int_equal(crypto_password_check(a, pw, strlen(pw)), 1);
	assert_int_equal(crypto_password_check(b, pw, strlen(pw)), 1);
	assert_int_equal(crypto_password_check(a, "correct horse battery stapl", 27), 0);
	assert_int_equal(crypto_password_check(a, "", 0), 0);
	/* a flipped character in the hash part */
	strcpy(bad, a);
	bad[strlen(bad) - 10] = bad[strlen(bad) - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(crypto_password_check(bad, pw, strlen(pw)), 0);

	/* checks refused before argon2 runs: cheap */
	strcpy(bad, a);
	bad[strlen(bad) / 2] = '\0'; /* cut short */
	assert_int_equal(crypto_password_check(bad, pw, strlen(pw)), 0);
	strcpy(bad, a);
	memcpy(bad, "$argon2xx", 9); /* unknown algorithm */
	assert_int_equal(crypto_password_check(bad, pw, strlen(pw)), 0);
	assert_int_equal(crypto_password_check("", pw, strlen(pw)), 0);
	assert_int_equal(crypto_password_check("not a hash at all", pw, strlen(pw)), 0);
	assert_int_equal(crypto_password_check("$argon2id$", pw, strlen(pw)), 0);
	assert_int_equal(crypto_password_check(pw, pw, strlen(pw)), 0);
}

static void test_str_eq(void **state)
{
	assert_int_equal(crypto_str_eq("abc", "abc"), 1);
	assert_int_equal(crypto_str_eq("", ""), 1);
	assert_int_equal(crypto_str_eq("abc", "abd"), 0);
	assert_int_equal(crypto_str_eq("xbc", "abc"), 0);
	assert_int_equal(crypto_str_eq("abc", "ABC"), 0);
	assert_int_equal(crypto_str_eq("abc", "abcd"), 0);
	assert_int_equal(crypto_str_eq("abcd", "abc"), 0);
	assert_int_equal(crypto_str_eq("", "a"), 0);
	assert_int_equal(crypto_str_eq("a", ""), 0);
	/* the comparison stops at the NUL, like strcmp */
	assert_int_equal(crypto_str_eq("ab\0x", "ab\0y"), 1);
	{
		char t1[CRYPTO_TOKEN_CHARS + 1], t2[CRYPTO_TOKEN_CHARS + 1];

		crypto_token(t1);
		memcpy(t2, t1, sizeof t1);
		assert_int_equal(crypto_str_eq(t1, t2), 1);
		t2[42] = t2[42] == 'A' ? 'E' : 'A';
		assert_int_equal(crypto_str_eq(t1, t2), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),	   cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_hash), cmocka_unit_test(test_password),
		cmocka_unit_test(test_str_eq),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
