/*
 * cmdimport — the control commands of an import (see cmdimport.c):
 * import.check and import.run, a table in the format of cmd.h, run by
 * cmdrun.
 */
#ifndef REGIE_CMDIMPORT_H
#define REGIE_CMDIMPORT_H

#include "cmd.h"

#include <stddef.h>

#define CMDIMPORT_LINES_MAX 10000 /* lines of one import command */

extern const cmd_t cmdimport_commands[];
extern const size_t cmdimport_commands_n;

#endif
