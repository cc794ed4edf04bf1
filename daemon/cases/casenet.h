/*
 * casenet — the social network of a household, one of the two blind
 * spots of the study: whether the regisseur has mapped the household's
 * own network (family, neighbours, volunteers) and whether it has been
 * engaged in the plan. Recorded per case with the time and who said so
 * (cases.network_mapped_at/by, network_engaged_at/by) and an audit event
 * case.network; `regiectl stats` shows the share. Writes run in the
 * caller's write transaction. Main thread only.
 */
#ifndef REGIE_CASENET_H
#define REGIE_CASENET_H

#include "problem.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Records that the network of open case id is mapped and/or engaged, by
 * user (a name; NULL is "?") at now. Engaged implies mapped: a network
 * engaged is also recorded as mapped when it was not. Refuses neither
 * flag (bad_request), a missing case (not_found), a closed case or a
 * network that is recorded so already (conflict). Appends the event
 * case.network (details: what was recorded). Returns {case,
 * network_mapped_at, network_mapped_by, network_engaged_at,
 * network_engaged_by} (times RFC 3339 or null), or NULL with pb set. */
json_t *casenet_mark(store_t *s, int64_t id, bool mapped, bool engaged,
                     const char *user, int64_t now, problem_t *pb);

#endif
