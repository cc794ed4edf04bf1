/*
 * spoolargs — the command line the folder adapters share (regie-spool,
 * regie-ijw): -c FILE, --check-config, --once, -v, -h, -V, and what
 * follows the options. No state.
 */
#ifndef REGIE_SPOOLARGS_H
#define REGIE_SPOOLARGS_H

#include <stdbool.h>

typedef struct {
    const char *config; /* -c FILE: the configuration file */
    bool check;         /* --check-config: check it and exit */
    bool once;          /* --once: the folder's files, then exit */
    bool verbose;       /* -v: log at debug level */
    char **operands;    /* what follows the options (argv's) */
    int noperands;
} spoolargs_t;

/* Reads argv of program into a. --help prints usage and --version
 * "PROGRAM (regie) VERSION" on stdout. Returns 0 to go on, 1 to exit 0
 * (help, version), or -1 after an unknown option or a missing value
 * (nothing printed: the caller says how to get help). */
int spoolargs_parse(spoolargs_t *a, int argc, char **argv,
                    const char *program, const char *usage);

#endif
