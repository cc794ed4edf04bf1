/*
 * cmdagree — control commands (see cmdagree.c); a table in the format of
 * cmd.h, run by cmdrun.
 */
#ifndef REGIE_CMDAGREE_H
#define REGIE_CMDAGREE_H

#include "cmd.h"

#include <stddef.h>

extern const cmd_t cmdagree_commands[];
extern const size_t cmdagree_commands_n;

#endif
