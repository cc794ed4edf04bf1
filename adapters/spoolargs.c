/*
 * spoolargs — getopt_long over the options both folder adapters take.
 */
#include "spoolargs.h"

#include <getopt.h>
#include <stdio.h>

/* The long options; --check-config and --once have no short form. */
static const struct option s_longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"check-config", no_argument, NULL, 'C'},
    {"once", no_argument, NULL, 'o'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Handles one option; returns 0, 1 (exit 0) or -1 (unknown, no value). */
static int s_option(spoolargs_t *a, int c, const char *program,
                    const char *usage)
{
    switch (c) {
    case 'c':
        a->config = optarg;
        return 0;
    case 'C':
        a->check = true;
        return 0;
    case 'o':
        a->once = true;
        return 0;
    case 'v':
        a->verbose = true;
        return 0;
    case 'h':
        fputs(usage, stdout);
        return 1;
    case 'V':
        printf("%s (regie) %s\n", program, REGIE_VERSION);
        return 1;
    default:
        return -1;
    }
}

int spoolargs_parse(spoolargs_t *a, int argc, char **argv,
                    const char *program, const char *usage)
{
    int c, rc = 0;
    while (rc == 0 &&
           (c = getopt_long(argc, argv, "c:vhV", s_longopts, NULL)) != -1)
        rc = s_option(a, c, program, usage);
    a->operands = argv + optind;
    a->noperands = argc - optind;
    return rc;
}
