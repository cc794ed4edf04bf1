/*
 * rccore — regiectl's core commands (see rccore.c): regisseurs, cases,
 * lookup, outbox and ping, as one table of cli_cmd_t (cli.h) in the
 * order regiectl --help shows them.
 */
#ifndef REGIE_RCCORE_H
#define REGIE_RCCORE_H

#include "cli.h"

/* This family's commands. */
extern const cli_table_t rccore_table;

#endif
