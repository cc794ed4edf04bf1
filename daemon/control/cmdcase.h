/*
 * cmdcase — the control commands of the social map and cases (see cmdcase.c); a
 * table in the format of cmd.h, run by cmdrun.
 */
#ifndef REGIE_CMDCASE_H
#define REGIE_CMDCASE_H

#include "cmd.h"

#include <stddef.h>

extern const cmd_t cmdcase_commands[];
extern const size_t cmdcase_commands_n;

#endif
