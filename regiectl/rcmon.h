/*
 * rcmon — regiectl's monitoring commands (see rcmon.c): the audit log,
 * statistics, networks, purge, backup and the digest, as one table of
 * cli_cmd_t (cli.h) in the order regiectl --help shows them.
 */
#ifndef REGIE_RCMON_H
#define REGIE_RCMON_H

#include "cli.h"

/* This family's commands. */
extern const cli_table_t rcmon_table;

#endif
