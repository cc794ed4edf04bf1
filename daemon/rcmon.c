/*
 * rcmon — regiectl commands (see cli.h).
 */
#include "rcmon.h"

const cli_cmd_t rcmon_cmds[] = {{"", NULL, "", ""}};
const size_t rcmon_cmds_n = 0;
