/*
 * rcmon — regiectl commands (see cli.h).
 */
#ifndef REGIE_RCMON_H
#define REGIE_RCMON_H

#include "cli.h"

extern const cli_cmd_t rcmon_cmds[];
extern const size_t rcmon_cmds_n;

#endif
