/*
 * rcimport — regiectl import (see rcimport.c): an existing caseload
 * from a file, as one table of cli_cmd_t (cli.h).
 */
#ifndef REGIE_RCIMPORT_H
#define REGIE_RCIMPORT_H

#include "cli.h"

/* This family's commands. */
extern const cli_table_t rcimport_table;

#endif
