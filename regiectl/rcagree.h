/*
 * rcagree — regiectl commands (see cli.h).
 */
#ifndef REGIE_RCAGREE_H
#define REGIE_RCAGREE_H

#include "cli.h"

extern const cli_cmd_t rcagree_cmds[];
extern const size_t rcagree_cmds_n;

#endif
