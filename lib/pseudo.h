/*
 * pseudo — keyed one-way digests under the pseudonym key: the pseudonym
 * of a person (HMAC-SHA256 of the BSN) and the digest of a request body
 * (for idempotency; keyed, because a body holds BSNs). Stateless; the key
 * is the caller's.
 */
#ifndef REGIE_PSEUDO_H
#define REGIE_PSEUDO_H

#include <stddef.h>

#define PSEUDO_LEN 32

/* Writes the pseudonym of a (valid) BSN to out. */
void pseudo_person(const unsigned char key[32], const char *bsn,
                   unsigned char out[PSEUDO_LEN]);

/* Writes the keyed digest of len bytes of data to out. */
void pseudo_digest(const unsigned char key[32], const void *data, size_t len,
                   unsigned char out[PSEUDO_LEN]);

#endif
