/*
 * pseudo — HMAC-SHA256 (libsodium) with a domain tag per use, so a person's
 * pseudonym can never equal a body digest. Stateless.
 */
#include "pseudo.h"

#include <sodium.h>
#include <string.h>

static void s_hmac(const unsigned char key[32], const char *tag,
                   const void *data, size_t len,
                   unsigned char out[PSEUDO_LEN])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tag,
                                  strlen(tag) + 1);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

void pseudo_person(const unsigned char key[32], const char *bsn,
                   unsigned char out[PSEUDO_LEN])
{
    s_hmac(key, "regie-person-v1", bsn, strlen(bsn), out);
}

void pseudo_digest(const unsigned char key[32], const void *data, size_t len,
                   unsigned char out[PSEUDO_LEN])
{
    s_hmac(key, "regie-body-v1", data, len, out);
}
