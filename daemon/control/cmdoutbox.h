/*
 * cmdoutbox — the control commands of the outbox (see cmdoutbox.c); a table
 * in the format of cmd.h, run by cmdrun.
 */
#ifndef REGIE_CMDOUTBOX_H
#define REGIE_CMDOUTBOX_H

#include "cmd.h"

#include <stddef.h>

extern const cmd_t cmdoutbox_commands[];
extern const size_t cmdoutbox_commands_n;

#endif
