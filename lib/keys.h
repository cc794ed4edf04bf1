/*
 * keys — CURVE keypairs and the pseudonymisation key in files.
 *
 * A CURVE key file holds one Z85 key (40 characters) and a newline: NAME.pub
 * the public key (mode 0644), NAME.key the secret key (mode 0600). The
 * pseudonym key file holds 32 random bytes as 64 hex digits (mode 0600).
 * Used by regied, regie-keygen and the adapters; no state.
 */
#ifndef REGIE_KEYS_H
#define REGIE_KEYS_H

#include <stddef.h>

#define KEYS_Z85_LEN 40
#define KEYS_PSEUDO_LEN 32

/* Reads a Z85 key (public or secret) from path into out (41 bytes with the
 * terminating NUL). Returns 0, or -1 with a reason in err (errlen bytes). */
int keys_read_z85(const char *path, char out[KEYS_Z85_LEN + 1], char *err,
                  size_t errlen);

/* Reads a secret key file and derives its public key. Returns 0 or -1 with
 * a reason in err. */
int keys_read_secret(const char *path, char pub[KEYS_Z85_LEN + 1],
                     char sec[KEYS_Z85_LEN + 1], char *err, size_t errlen);

/* Checks that text is a well-formed Z85 CURVE key. Returns 1 or 0. */
int keys_z85_valid(const char *text);

/* Reads the pseudonym key file: 64 hex digits, and refuses a file that
 * others than its owner may read. Returns 0 or -1 with a reason in err. */
int keys_read_pseudo(const char *path, unsigned char key[KEYS_PSEUDO_LEN],
                     char *err, size_t errlen);

/* Writes a new CURVE keypair to base.pub and base.key (0600); refuses to
 * overwrite unless force. Returns 0 or -1 after logging the reason. */
int keys_write_curve(const char *base, int force);

/* Writes a new pseudonym key to path (0600); refuses to overwrite unless
 * force. Returns 0 or -1 after logging the reason. */
int keys_write_pseudo(const char *path, int force);

#endif
