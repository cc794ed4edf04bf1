/*
 * cmdmon — control commands (see cmdmon.c); a table in the format of
 * cmd.h, run by cmdrun.
 */
#ifndef REGIE_CMDMON_H
#define REGIE_CMDMON_H

#include "cmd.h"

#include <stddef.h>

extern const cmd_t cmdmon_commands[];
extern const size_t cmdmon_commands_n;

#endif
