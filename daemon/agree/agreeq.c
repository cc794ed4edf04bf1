/*
 * agreeq — read-only views of agreements for regiectl (see agreeq.h).
 */
#include "agreeq.h"

#include "agree.h"

#include "store/dbjson.h"
#include "mail/notify.h"
#include "ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLUMNS                                                              \
    "id, kind, owner_type, owner, case_id, description, policy,"               \
    " period_days, status, occurrence, due_at, level, next_at, extensions,"    \
    " created_at, created_by, reason"

static const char s_sql_one[] =
    "SELECT " S_COLUMNS " FROM agreement WHERE id = ?1";
static const char s_sql_list[] =
    "SELECT " S_COLUMNS " FROM agreement"
    " WHERE (?1 = 'all' OR status = ?1) AND (?2 IS NULL OR kind = ?2)"
    " AND (?3 IS NULL OR owner_type = ?3) AND (?4 IS NULL OR owner = ?4)"
    " AND (?5 IS NULL OR case_id = ?5) ORDER BY id";
static const char s_sql_overdue[] =
    "SELECT " S_COLUMNS " FROM agreement WHERE status = 'open'"
    " AND due_at < ?1 ORDER BY owner_type, owner, due_at";
/* Open agreements whose last delivered report gave a count that is not
 * what arrived: not kept, even when on time. */
static const char s_sql_unreconciled[] =
    "SELECT a.id, a.kind, a.owner_type, a.owner, a.case_id, a.description,"
    " a.policy, a.period_days, a.status, a.occurrence, a.due_at, a.level,"
    " a.next_at, a.extensions, a.created_at, a.created_by, a.reason,"
    " r.period, r.count, r.received FROM agreement a JOIN report r"
    " ON r.id = (SELECT max(id) FROM report WHERE agreement_id = a.id"
    " AND status = 'delivered') WHERE a.status = 'open' AND r.reconciled = 0"
    " ORDER BY a.owner_type, a.owner, a.id";
static const char s_sql_occurrences[] =
    "SELECT n, due_at, " AGREE_OUTCOME_SQL("o") ", at, level, extensions"
    " FROM occurrence o WHERE agreement_id = ?1 ORDER BY n";
static const char s_sql_reports[] =
    "SELECT id, status, reason, period, count, received, reconciled,"
    " received_at, outcome, occurrence, source FROM report"
    " WHERE agreement_id = ?1 ORDER BY id";
static const char s_sql_events[] =
    "SELECT at, actor, action, details FROM event WHERE agreement_id = ?1"
    " ORDER BY id";
static const char s_sql_reasons[] =
    "SELECT reason FROM report WHERE agreement_id = ?1 AND occurrence = ?2"
    " AND status = 'not_delivered' ORDER BY id";
static const char s_sql_missed[] =
    "SELECT outcome FROM occurrence WHERE agreement_id = ?1"
    " ORDER BY n DESC";

/* The owner as regiectl writes it: RG-000003, a partner id, ... */
static json_t *s_owner_ref(const char *type, const char *owner)
{
    char buf[24];
    if (strcmp(type, "regisseur") == 0)
        return json_string(ref_format(buf, sizeof buf, "RG", atoll(owner)));
    return json_string(owner);
}

/* The agreement object of the row st is on. */
static json_t *s_row(store_t *s, const cfg_t *cfg, sqlite3_stmt *st)
{
    char ref[24];
    const char *type = (const char *)sqlite3_column_text(st, 2);
    const char *owner = (const char *)sqlite3_column_text(st, 3);
    char *name = NULL, *email = NULL;
    notify_owner(cfg, s, type, owner, &name, &email);
    json_t *o = json_object();
    json_object_set_new(o, "agreement",
                        json_string(ref_format(ref, sizeof ref, "A",
                                               sqlite3_column_int64(st, 0))));
    json_object_set_new(o, "kind", dbjson_text(st, 1));
    json_object_set_new(o, "owner_type", json_string(type));
    json_object_set_new(o, "owner", s_owner_ref(type, owner));
    json_object_set_new(o, "owner_name",
                        name ? json_string(name) : json_null());
    json_object_set_new(o, "case", dbjson_ref(st, 4, REF_CASE));
    json_object_set_new(o, "description", dbjson_text(st, 5));
    json_object_set_new(o, "policy", dbjson_text(st, 6));
    json_object_set_new(o, "period_days", dbjson_int(st, 7));
    json_object_set_new(o, "status", dbjson_text(st, 8));
    json_object_set_new(o, "occurrence", dbjson_int(st, 9));
    json_object_set_new(o, "due_at", dbjson_time(st, 10));
    json_object_set_new(o, "level", dbjson_int(st, 11));
    json_object_set_new(o, "next_at", dbjson_time(st, 12));
    json_object_set_new(o, "extensions", dbjson_int(st, 13));
    json_object_set_new(o, "created_at", dbjson_time(st, 14));
    json_object_set_new(o, "created_by", dbjson_text(st, 15));
    json_object_set_new(o, "reason", dbjson_text(st, 16));
    free(name);
    free(email);
    return o;
}

/* Runs sql bound to id, one object per row made by fn; NULL on error. */
static json_t *s_rows(store_t *s, const char *sql, int64_t id, int n2,
                      json_t *(*fn)(sqlite3_stmt *))
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return NULL;
    store_bind_int64(s, st, 1, id);
    if (n2)
        store_bind_int64(s, st, 2, n2);
    json_t *a = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        json_array_append_new(a, fn(st));
    if (rc != SQLITE_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *s_occurrence(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "n", dbjson_int(st, 0));
    json_object_set_new(o, "due_at", dbjson_time(st, 1));
    json_object_set_new(o, "outcome", dbjson_text(st, 2));
    json_object_set_new(o, "at", dbjson_time(st, 3));
    json_object_set_new(o, "level", dbjson_int(st, 4));
    json_object_set_new(o, "extensions", dbjson_int(st, 5));
    return o;
}

static json_t *s_report(sqlite3_stmt *st)
{
    char ref[24];
    json_t *o = json_object();
    json_object_set_new(o, "report",
                        json_string(ref_format(ref, sizeof ref, "P",
                                               sqlite3_column_int64(st, 0))));
    json_object_set_new(o, "status", dbjson_text(st, 1));
    json_object_set_new(o, "reason", dbjson_text(st, 2));
    json_object_set_new(o, "period", dbjson_text(st, 3));
    json_object_set_new(o, "count", dbjson_int(st, 4));
    json_object_set_new(o, "received", dbjson_int(st, 5));
    json_object_set_new(o, "reconciled",
                        sqlite3_column_type(st, 6) == SQLITE_NULL
                            ? json_null()
                            : json_boolean(sqlite3_column_int(st, 6)));
    json_object_set_new(o, "received_at", dbjson_time(st, 7));
    json_object_set_new(o, "outcome", dbjson_text(st, 8));
    json_object_set_new(o, "occurrence", dbjson_int(st, 9));
    json_object_set_new(o, "source", dbjson_text(st, 10));
    return o;
}

static json_t *s_event(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "at", dbjson_time(st, 0));
    json_object_set_new(o, "actor", dbjson_text(st, 1));
    json_object_set_new(o, "action", dbjson_text(st, 2));
    const unsigned char *d = sqlite3_column_text(st, 3);
    json_t *details = d ? json_loads((const char *)d, 0, NULL) : NULL;
    json_object_set_new(o, "details", details ? details : json_null());
    return o;
}

json_t *agreeq_one(store_t *s, const cfg_t *cfg, int64_t id, int details,
                   int *found)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_one);
    *found = -1;
    if (!st)
        return NULL;
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    if (rc != SQLITE_ROW) {
        *found = rc == SQLITE_DONE ? 0 : -1;
        return NULL;
    }
    json_t *o = s_row(s, cfg, st);
    sqlite3_reset(st);
    *found = 1;
    if (!details)
        return o;
    json_t *occ = s_rows(s, s_sql_occurrences, id, 0, s_occurrence);
    json_t *rep = s_rows(s, s_sql_reports, id, 0, s_report);
    json_t *ev = s_rows(s, s_sql_events, id, 0, s_event);
    if (!occ || !rep || !ev) {
        json_decref(occ);
        json_decref(rep);
        json_decref(ev);
        json_decref(o);
        *found = -1;
        return NULL;
    }
    json_object_set_new(o, "occurrences", occ);
    json_object_set_new(o, "reports", rep);
    json_object_set_new(o, "events", ev);
    return o;
}

json_t *agreeq_list(store_t *s, const cfg_t *cfg, const agreeq_filter_t *f)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_list);
    if (!st)
        return NULL;
    store_bind_text(s, st, 1, f->status ? f->status : "open");
    if (f->kind)
        store_bind_text(s, st, 2, f->kind);
    if (f->owner_type)
        store_bind_text(s, st, 3, f->owner_type);
    if (f->owner)
        store_bind_text(s, st, 4, f->owner);
    if (f->case_id)
        store_bind_int64(s, st, 5, f->case_id);
    json_t *a = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        json_array_append_new(a, s_row(s, cfg, st));
    if (rc != SQLITE_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *s_reason(sqlite3_stmt *st)
{
    return dbjson_text(st, 0);
}

/* Missed occurrences in a row, counting back from the latest ended one,
 * plus the current one (it is overdue). -1 on error. */
static int s_missed_in_row(store_t *s, int64_t id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_missed);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int n = 1, rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW &&
           strcmp((const char *)sqlite3_column_text(st, 0), "missed") == 0)
        n++;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

/* The row of rows for agreement ref, or NULL. */
static json_t *s_find(json_t *rows, const char *ref)
{
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "agreement")), ref) ==
            0)
            return o;
    }
    return NULL;
}

/* Adds {period, reported, received} as "unreconciled" to the rows of the
 * agreements whose last count did not match, appending those not
 * overdue. Returns 0 or -1. */
static int s_add_unreconciled(store_t *s, const cfg_t *cfg, json_t *rows)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_unreconciled);
    if (!st)
        return -1;
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        json_t *row = s_row(s, cfg, st);
        json_t *o = s_find(rows, json_string_value(json_object_get(row,
                                                                   "agreement")));
        if (o) {
            json_decref(row);
        } else {
            json_object_set_new(row, "days_late", json_null());
            json_object_set_new(row, "reasons", json_array());
            json_object_set_new(row, "missed_in_row", json_integer(0));
            json_array_append_new(rows, row);
            o = row;
        }
        json_object_set_new(o, "unreconciled",
                            json_pack("{s:o, s:o, s:o}", "period",
                                      dbjson_text(st, 17), "reported",
                                      dbjson_int(st, 18), "received",
                                      dbjson_int(st, 19)));
    }
    return rc == SQLITE_DONE ? 0 : -1;
}

json_t *agreeq_overdue(store_t *s, const cfg_t *cfg, int64_t now)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_overdue);
    if (!st)
        return NULL;
    store_bind_int64(s, st, 1, now);
    json_t *rows = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        json_array_append_new(rows, s_row(s, cfg, st));
    if (rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        int64_t id = 0, due = 0;
        ref_parse(json_string_value(json_object_get(o, "agreement")), "A", &id);
        ref_time_parse(json_string_value(json_object_get(o, "due_at")), &due);
        int occurrence =
            (int)json_integer_value(json_object_get(o, "occurrence"));
        json_object_set_new(o, "days_late", json_integer((now - due) / 86400));
        json_t *reasons = s_rows(s, s_sql_reasons, id, occurrence, s_reason);
        int missed = s_missed_in_row(s, id);
        if (!reasons || missed < 0) {
            json_decref(reasons);
            json_decref(rows);
            return NULL;
        }
        json_object_set_new(o, "reasons", reasons);
        json_object_set_new(o, "missed_in_row", json_integer(missed));
    }
    if (s_add_unreconciled(s, cfg, rows) < 0) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}
