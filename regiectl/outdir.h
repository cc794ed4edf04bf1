/*
 * outdir — writes files into an existing folder for regiectl (the
 * digest's preview): each with mode 0644 whatever the umask, never over
 * an existing file unless forced, and never half: a file is written
 * under a temporary name in the folder and then put in place. No state.
 */
#ifndef REGIE_OUTDIR_H
#define REGIE_OUTDIR_H

#include <stdbool.h>
#include <stddef.h>

/* One file to write: its name in the folder and its bytes (borrowed). */
typedef struct {
    const char *name;
    const void *data;
    size_t len;
} outdir_file_t;

/* Writes the n files into the folder dir. Refuses before writing any
 * when dir is not an existing folder, or (force false) when a file of
 * one of the names exists there; with force, such a file (or a link of
 * that name, not what it points to) is replaced. Returns 0; 1 when a
 * file exists and force is false; -1 on any other failure; why (len
 * bytes) says what for a person. */
int outdir_write(const char *dir, const outdir_file_t *files, size_t n,
                 bool force, char *why, size_t len);

#endif
