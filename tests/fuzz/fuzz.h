/*
 * fuzz — what the fuzz targets in tests/fuzz share: the entry point that
 * libFuzzer (scripts/fuzz) and the replayer (replay.c, in make test) call,
 * each fuzz_<target>.c defining it, and a private temporary folder for the
 * files a target must hand to a loader by path. A target sets itself up
 * on its first input (once per process) and frees everything an input
 * made before it returns. One thread.
 */
#ifndef REGIE_FUZZ_H
#define REGIE_FUZZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Runs the target on size bytes at data. Returns 0 (libFuzzer's
 * contract); a bug shows as a crash, a sanitizer report or a leak. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The folder of this process's files: made on the first call under
 * $TMPDIR (or /tmp), removed with everything in it at exit. Aborts when
 * it cannot be made. Static storage. */
const char *fuzz_dir(void);

/* Writes len bytes at data to the regular file name in fuzz_dir(),
 * replaced, with mode; returns its path (the caller frees). Aborts on an
 * error. */
char *fuzz_write(const char *name, const void *data, size_t len, int mode);

/* Writes the key files a configuration names, in fuzz_dir():
 * server.key and server.pub (a new CURVE keypair; its value steers
 * nothing), pseudonym.key (a fixed key, mode 0600, so that the
 * pseudonyms are the same in every run) and open-pseudonym.key (the same
 * key, mode 0644: others may read it). Aborts on an error. */
void fuzz_keys(void);

/* Copies the templates of config/templates (read from the working
 * folder, which must be the repository's root) to the folder templates
 * in fuzz_dir(). Aborts when one is missing. */
void fuzz_templates(void);

/* Checks that body, a REFERRAL an adapter mapped (csv, ijw), is one the
 * daemon accepts (rrpreferral_parse with its default categories and
 * today 9999-12-31: an adapter cannot know the daemon's today); with
 * values false, only that its shape is (its fields, their types: an
 * adapter may leave a value, an elfproef or an email address, to the
 * daemon's NACK). Aborts with the daemon's message on stderr when not.
 * body is borrowed. */
void fuzz_check_referral(const json_t *body, bool values);

/* Finds the next piece of [*at, end) up to sep (seplen bytes): sets *len
 * to its length and returns it, and moves *at past the piece and the
 * separator. Returns NULL when *at is past the last piece. */
const char *fuzz_split(const char **at, const char *end, const char *sep,
                       size_t seplen, size_t *len);

#endif
