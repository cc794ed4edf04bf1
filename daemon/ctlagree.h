/*
 * ctlagree — control commands (see ctlcmd.h for the table format).
 */
#ifndef REGIE_CTLAGREE_H
#define REGIE_CTLAGREE_H

#include "ctlcmd.h"

#include <stddef.h>

extern const ctlcmd_t ctlagree_commands[];
extern const size_t ctlagree_commands_n;

#endif
