/*
 * rfile — opening the files a program is told to read (configuration,
 * includes, keys, passwords, templates) only when they are regular files:
 * a FIFO, a device or a folder given by mistake is refused at once with
 * a message, never waited on. No state; any thread.
 */
#ifndef REGIE_RFILE_H
#define REGIE_RFILE_H

#include <stddef.h>
#include <stdio.h>

/* Opens path for reading when it is a regular file (following symbolic
 * links). Returns a descriptor (blocking, close-on-exec) for the caller
 * to close, or -1 with err (errlen bytes) set to "cannot read PATH:
 * REASON", REASON being the system's, or "not a regular file (a FIFO)",
 * "(a folder)", "(a device)", "(a socket)". Never blocks on a FIFO. */
int rfile_open(const char *path, char *err, size_t errlen);

/* The same as a stdio stream ("r"), for the caller to fclose. */
FILE *rfile_fopen(const char *path, char *err, size_t errlen);

/* Whether path names a readable regular file, without opening it:
 * 0, or -1 with err set as rfile_open does. */
int rfile_check(const char *path, char *err, size_t errlen);

#endif
