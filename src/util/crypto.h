/* crypto.h: random tokens, token hashing, password hashing, constant-time compare, all
 * through libsodium. Call crypto_init() once before threads start. */
#ifndef RAPPORT_CRYPTO_H
#define RAPPORT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_TOKEN_BYTES 32
#define CRYPTO_TOKEN_CHARS 43 /* base64url without padding of 32 bytes */
#define CRYPTO_HASH_BYTES 32

/* Initialises libsodium. Returns 0 or -1. */
int crypto_init(void);

/* Writes a fresh random token as base64url (43 chars + NUL) into out[44]. */
void crypto_token(char out[CRYPTO_TOKEN_CHARS + 1]);

/* Hashes a token (BLAKE2b-256) for storage/lookup: the store never sees tokens. */
void crypto_token_hash(const char *token, size_t len, uint8_t out[CRYPTO_HASH_BYTES]);

/* argon2id (libsodium's interactive limits) into out[128]. Returns 0 or -1 (out of
 * memory). Slow (~0.1 s, 64 MiB): never on the loop thread. */
int crypto_password_hash(const char *password, size_t len, char out[128]);

/* Returns 1 if password matches the stored argon2id string, else 0. Slow, as above. */
int crypto_password_check(const char *stored, const char *password, size_t len);

/* Constant-time equality of two NUL-terminated strings (length may leak). 1 if equal. */
int crypto_str_eq(const char *a, const char *b);

#endif
