/*
 * cfgload — reads and checks regie.conf (see cfgload.c): every file it
 * names readable, keys well formed, ids unique, each mistake reported as
 * "file:line: message". Main thread only, at start and on SIGHUP.
 */
#ifndef REGIE_CFGLOAD_H
#define REGIE_CFGLOAD_H

#include "cfg.h"

/* Reads and checks path. Returns a new cfg_t (free with cfg_destroy), or
 * NULL after writing every error found as "file:line: message" to
 * stderr. */
cfg_t *cfgload_read(const char *path);

#endif
