/*
 * casenet — the network columns of a case. Main thread only.
 */
#include "casenet.h"

#include "store/audit.h"
#include "store/dbjson.h"
#include "ref.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_sql_get[] =
    "SELECT status, network_mapped_at, network_mapped_by,"
    " network_engaged_at, network_engaged_by FROM cases WHERE id = ?1";
static const char s_sql_mapped[] =
    "UPDATE cases SET network_mapped_at = ?2, network_mapped_by = ?3"
    " WHERE id = ?1";
static const char s_sql_engaged[] =
    "UPDATE cases SET network_engaged_at = ?2, network_engaged_by = ?3"
    " WHERE id = ?1";

/* The case's row as the result object, or NULL with pb set. */
static json_t *s_get(store_t *s, int64_t id, problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_get);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    json_t *o = NULL;
    char ref[REF_MAX];
    ref_format(ref, sizeof ref, REF_CASE, id);
    if (rc == SQLITE_ROW)
        o = json_pack(
            "{s:s, s:s, s:o, s:o, s:o, s:o}", "case", ref, "status",
            sqlite3_column_text(st, 0), "network_mapped_at", dbjson_time(st, 1),
            "network_mapped_by", dbjson_text(st, 2), "network_engaged_at",
            dbjson_time(st, 3), "network_engaged_by", dbjson_text(st, 4));
    else if (rc == SQLITE_DONE)
        problem_set(pb, PROBLEM_NOT_FOUND, "there is no case %s", ref);
    else
        problem_store(pb);
    sqlite3_reset(st);
    return o;
}

static int s_set(store_t *s, const char *sql, int64_t id, int64_t now,
                 const char *user)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, now);
    store_bind_text(s, st, 3, user);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

/* Refuses a closed case, or flags that are all recorded already. */
static bool s_allowed(const json_t *o, bool mapped, bool engaged, problem_t *pb)
{
    const char *kase = json_string_value(json_object_get(o, "case"));
    const char *m = json_string_value(json_object_get(o, "network_mapped_at"));
    const char *e = json_string_value(json_object_get(o, "network_engaged_at"));
    if (strcmp(json_string_value(json_object_get(o, "status")), "open")) {
        problem_set(pb, PROBLEM_CONFLICT, "case %s is closed", kase);
        return false;
    }
    if ((!mapped || m) && (!engaged || e)) {
        bool eng = engaged && e;
        problem_set(pb, PROBLEM_CONFLICT,
                    "the network of case %s was recorded as %s on %.10s "
                    "by %s already",
                    kase, eng ? "engaged" : "mapped", eng ? e : m,
                    json_string_value(json_object_get(
                        o, eng ? "network_engaged_by" : "network_mapped_by")));
        return false;
    }
    return true;
}

json_t *casenet_mark(store_t *s, int64_t id, bool mapped, bool engaged,
                     const char *user, int64_t now, problem_t *pb)
{
    if (!mapped && !engaged) {
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "say what to record: mapped, engaged or both");
        return NULL;
    }
    json_t *o = s_get(s, id, pb);
    if (!o || !s_allowed(o, mapped, engaged, pb)) {
        json_decref(o);
        return NULL;
    }
    user = user ? user : "?";
    bool set_m = (mapped || engaged) &&
                 json_is_null(json_object_get(o, "network_mapped_at"));
    bool set_e =
        engaged && json_is_null(json_object_get(o, "network_engaged_at"));
    json_decref(o);
    char *actor = xasprintf("user:%s", user);
    json_t *d = json_pack("{s:b, s:b}", "mapped", set_m, "engaged", set_e);
    int rc = (set_m ? s_set(s, s_sql_mapped, id, now, user) : 0) |
             (set_e ? s_set(s, s_sql_engaged, id, now, user) : 0);
    if (rc == 0)
        rc = audit_add(s, now, actor, "case.network", id, 0, NULL, d);
    json_decref(d);
    free(actor);
    if (rc < 0) {
        problem_store(pb);
        return NULL;
    }
    return s_get(s, id, pb);
}
