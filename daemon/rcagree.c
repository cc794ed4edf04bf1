/*
 * rcagree — regiectl commands (see cli.h).
 */
#include "rcagree.h"

const cli_cmd_t rcagree_cmds[] = {{"", NULL, "", ""}};
const size_t rcagree_cmds_n = 0;
