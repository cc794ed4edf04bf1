/*
 * ctlmon — control commands (see ctlcmd.h for the table format).
 */
#ifndef REGIE_CTLMON_H
#define REGIE_CTLMON_H

#include "ctlcmd.h"

#include <stddef.h>

extern const ctlcmd_t ctlmon_commands[];
extern const size_t ctlmon_commands_n;

#endif
