/*
 * rcagree — regiectl's agreement commands (see rcagree.c): agreements,
 * the overdue list and the test clock, as one table of cli_cmd_t (cli.h)
 * in the order regiectl --help shows them.
 */
#ifndef REGIE_RCAGREE_H
#define REGIE_RCAGREE_H

#include "cli.h"

/* This family's commands. */
extern const cli_table_t rcagree_table;

#endif
