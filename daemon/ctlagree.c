/*
 * ctlagree — the control commands of agreements and reports. Main thread.
 */
#include "ctlagree.h"

const ctlcmd_t ctlagree_commands[] = {
    {"agreement.none", NULL, false, {{0}}},
};
const size_t ctlagree_commands_n = 0;
