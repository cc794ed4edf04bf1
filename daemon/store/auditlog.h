/*
 * auditlog — reading the audit trail (the append-only event table that
 * audit.h writes) for `regiectl log`: the events of a case, of an
 * agreement, or since a time, oldest first. Reads only: nothing in regie
 * changes or deletes an event (the table's triggers refuse it). Main
 * thread only.
 */
#ifndef REGIE_AUDITLOG_H
#define REGIE_AUDITLOG_H

#include "problem.h"
#include "store.h"

#include <jansson.h>
#include <stdint.h>

#define AUDITLOG_LIMIT_DEFAULT 1000
#define AUDITLOG_LIMIT_MAX 100000

/* Which events auditlog_list returns; 0 means "any". */
typedef struct {
    int64_t case_id;
    int64_t agreement_id;
    int64_t since;        /* at >= since */
    int limit;            /* the newest this many; 0: the default */
} auditlog_filter_t;

/* The events that pass f: the newest f->limit of them, oldest first, as
 * a new JSON array of {id, at, actor, action, case, agreement, ref,
 * details} (case "C-000017" or null, agreement "A-000003" or null,
 * details the stored JSON object or null). NULL with pb set on a store
 * error. */
json_t *auditlog_list(store_t *s, const auditlog_filter_t *f, problem_t *pb);

#endif
