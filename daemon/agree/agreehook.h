/*
 * agreehook — the agreements DESIGN asks for, started and changed when a
 * case or a partner changes: the kernteam's assign agreement of a new
 * case, the regisseur's progress agreement of an assigned one (moved on
 * a reassignment, its period following the case's type), their closing
 * with the case, and each configured partner's report agreement. Every
 * state change goes through agree. Main thread only; every function
 * works in the caller's write transaction.
 */
#ifndef REGIE_AGREEHOOK_H
#define REGIE_AGREEHOOK_H

#include "config/cfg.h"
#include "mail/notify.h"
#include "store/store.h"

#include <stdint.h>

/* A new case: the kernteam must assign a regisseur within
 * cfg->assign_days. An assignment: meets that, and starts (or moves to
 * the new regisseur) the progress agreement. A new type: the progress
 * period changes from the next occurrence. A closed case: its open
 * agreements close. Each returns 0 or -1. */
int agreehook_new_case(store_t *s, const cfg_t *cfg, notify_t *n,
                       int64_t case_id, int64_t now);
int agreehook_assign(store_t *s, const cfg_t *cfg, notify_t *n, int64_t case_id,
                     int64_t regisseur_id, int64_t now, const char *actor);
int agreehook_type(store_t *s, const cfg_t *cfg, int64_t case_id,
                   const char *type, int64_t now);
int agreehook_close(store_t *s, int64_t case_id, const char *actor, int64_t now,
                    const cfg_t *cfg);

/* Makes the report agreement of every configured partner that has none
 * open yet, and keeps their periods as configured. Returns 0 or -1. */
int agreehook_sync_partners(store_t *s, const cfg_t *cfg, notify_t *n,
                            int64_t now);

#endif
