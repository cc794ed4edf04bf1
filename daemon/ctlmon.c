/*
 * ctlmon — the control commands of monitoring: statistics, audit log,
 * digest, purge, backup, the social network of a case. Main thread.
 */
#include "ctlmon.h"

const ctlcmd_t ctlmon_commands[] = {
    {"monitor.none", NULL, false, {{0}}},
};
const size_t ctlmon_commands_n = 0;
