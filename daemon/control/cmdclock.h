/*
 * cmdclock — the control commands of the daemon itself (see cmdclock.c);
 * a table in the format of cmd.h, run by cmdrun.
 */
#ifndef REGIE_CMDCLOCK_H
#define REGIE_CMDCLOCK_H

#include "cmd.h"

#include <stddef.h>

extern const cmd_t cmdclock_commands[];
extern const size_t cmdclock_commands_n;

#endif
