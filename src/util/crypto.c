#include "crypto.h"

#include <sodium.h>
#include <string.h>

int crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1])
{
	unsigned char raw[CRYPTO_TOKEN_BYTES];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, CRYPTO_TOKEN_CHARS + 1, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

void crypto_token_hash(const char *token, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
	static const unsigned char key[] = "rapport token v1";

	crypto_generichash(out, CRYPTO_HASH_BYTES, (const unsigned char *)token, len, key,
			   sizeof key - 1);
}

int crypto_password_hash(const char *password, size_t len, char out[128])
{
	return crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		       ? 0
		       : -1;
}

int crypto_password_check(const char *stored, const char *password, size_t len)
{
	return crypto_pwhash_str_verify(stored, password, len) == 0;
}

int crypto_str_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}
