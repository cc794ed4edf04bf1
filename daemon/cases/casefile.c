/*
 * casefile — the cases and membership tables as the control socket sees
 * them; a case's referrals come from referral. Main thread only.
 */
#include "casefile.h"

#include "ref.h"
#include "referral.h"
#include "regisseur.h"
#include "store/dbjson.h"

#include <string.h>

/* The columns of a case row; s_row reads them in this order. */
#define S_CASE_ROW                                                             \
    "SELECT c.id, c.status, c.type, c.regisseur_id, r.name, c.opened_at,"      \
    " c.closed_at, c.close_reason,"                                            \
    " (SELECT COUNT(*) FROM membership m WHERE m.case_id = c.id),"             \
    " " REFERRAL_SQL_CASE_COUNT ", " REFERRAL_SQL_CASE_LAST                    \
    " FROM cases c LEFT JOIN regisseur r ON r.id = c.regisseur_id"

static const char s_sql_list[] =
    S_CASE_ROW " WHERE (?1 = 'all' OR c.status = ?1)"
               " AND (?2 IS NULL OR c.regisseur_id = ?2)"
               " AND (NOT ?3 OR c.regisseur_id IS NULL) ORDER BY c.id";
static const char s_sql_one[] = S_CASE_ROW " WHERE c.id = ?1";
static const char s_sql_lookup[] =
    S_CASE_ROW " WHERE c.id IN (SELECT case_id FROM membership"
               " WHERE pseudonym = ?1) ORDER BY c.id";
static const char s_sql_assign[] =
    "UPDATE cases SET regisseur_id = ?2 WHERE id = ?1";
static const char s_sql_assigned_at[] =
    "UPDATE cases SET assigned_at = coalesce(assigned_at, ?2) WHERE id = ?1";
static const char s_sql_type[] = "UPDATE cases SET type = ?2 WHERE id = ?1";
static const char s_sql_close[] =
    "UPDATE cases SET status = 'closed', closed_at = ?2, close_reason = ?3"
    " WHERE id = ?1";

/* The case row of the current row of an S_CASE_ROW statement. */
static json_t *s_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "case", dbjson_ref(st, 0, REF_CASE));
    json_object_set_new(o, "status", dbjson_text(st, 1));
    json_object_set_new(o, "type", dbjson_text(st, 2));
    json_object_set_new(o, "regisseur", dbjson_ref(st, 3, REF_REGISSEUR));
    json_object_set_new(o, "regisseur_name", dbjson_text(st, 4));
    json_object_set_new(o, "opened_at", dbjson_time(st, 5));
    json_object_set_new(o, "closed_at", dbjson_time(st, 6));
    json_object_set_new(o, "close_reason", dbjson_text(st, 7));
    json_object_set_new(o, "persons",
                        json_integer(sqlite3_column_int64(st, 8)));
    json_object_set_new(o, "referrals",
                        json_integer(sqlite3_column_int64(st, 9)));
    json_object_set_new(o, "last_referral_at", dbjson_time(st, 10));
    return o;
}

/* Steps st (bound by the caller) to the end, collecting case rows; resets
 * it. Returns the array, or NULL with pb set. */
static json_t *s_rows(store_t *s, sqlite3_stmt *st, problem_t *pb)
{
    json_t *rows = dbjson_rows(s, st, s_row);
    if (!rows)
        problem_store(pb);
    return rows;
}

json_t *casefile_list(store_t *s, const casefile_filter_t *f, problem_t *pb)
{
    const char *status = f->status ? f->status : "open";
    if (strcmp(status, "open") && strcmp(status, "closed") &&
        strcmp(status, "all")) {
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "status must be open, closed or all");
        return NULL;
    }
    sqlite3_stmt *st = store_prepare(s, s_sql_list);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    store_bind_text(s, st, 1, status);
    if (f->regisseur_id > 0)
        store_bind_int64(s, st, 2, f->regisseur_id);
    store_bind_int64(s, st, 3, f->unassigned);
    return s_rows(s, st, pb);
}

json_t *casefile_lookup(store_t *s, const unsigned char person[PSEUDO_LEN],
                        problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_lookup);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    store_bind_blob(s, st, 1, person, PSEUDO_LEN);
    return s_rows(s, st, pb);
}

/* The row of case id, or NULL with pb set (not_found, unavailable). */
static json_t *s_get(store_t *s, int64_t id, problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_one);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    store_bind_int64(s, st, 1, id);
    json_t *rows = s_rows(s, st, pb);
    json_t *o = json_incref(json_array_get(rows, 0));
    if (rows && !o) {
        char ref[REF_MAX];
        problem_set(pb, PROBLEM_NOT_FOUND, "there is no case %s",
                    ref_format(ref, sizeof ref, REF_CASE, id));
    }
    json_decref(rows);
    return o;
}

json_t *casefile_show(store_t *s, const cfg_t *cfg, int64_t id, problem_t *pb)
{
    json_t *o = s_get(s, id, pb);
    if (!o)
        return NULL;
    json_t *details = json_null();
    int64_t rid;
    const char *rref = json_string_value(json_object_get(o, "regisseur"));
    if (rref && ref_parse(rref, REF_REGISSEUR, &rid) &&
        !(details = regisseur_get(s, rid, pb))) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "regisseur_details", details);
    json_t *refs = referral_list_case(s, cfg, id);
    if (!refs) {
        problem_store(pb);
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "referrals", refs);
    return o;
}

/* The row of case id when it is open; otherwise NULL with pb set: a
 * closed case is a conflict for what (e.g. "assign"). */
static json_t *s_get_open(store_t *s, int64_t id, const char *what,
                          problem_t *pb)
{
    json_t *o = s_get(s, id, pb);
    if (o &&
        strcmp(json_string_value(json_object_get(o, "status")), "open") != 0) {
        const char *when = json_string_value(json_object_get(o, "closed_at"));
        problem_set(pb, PROBLEM_CONFLICT,
                    "case %s was closed on %.10s; "
                    "cannot %s a closed case",
                    json_string_value(json_object_get(o, "case")),
                    when ? when : "?", what);
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Runs an UPDATE of case id with one more parameter (text or, with text
 * NULL, the integer v). Returns 0, or -1 with pb set. */
static int s_update(store_t *s, const char *sql, int64_t id, const char *text,
                    int64_t v, problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, sql);
    if (!st) {
        problem_store(pb);
        return -1;
    }
    store_bind_int64(s, st, 1, id);
    if (text)
        store_bind_text(s, st, 2, text);
    else
        store_bind_int64(s, st, 2, v);
    if (store_step(s, st) != SQLITE_DONE) {
        problem_store(pb);
        return -1;
    }
    return 0;
}

/* Checks that regisseur id exists and is active. */
static bool s_assignable(store_t *s, int64_t id, problem_t *pb)
{
    json_t *r = regisseur_get(s, id, pb);
    if (!r)
        return false;
    bool active = json_is_true(json_object_get(r, "active"));
    if (!active)
        problem_set(pb, PROBLEM_CONFLICT,
                    "regisseur %s (%s) is inactive and cannot be assigned",
                    json_string_value(json_object_get(r, "regisseur")),
                    json_string_value(json_object_get(r, "name")));
    json_decref(r);
    return active;
}

json_t *casefile_assign(store_t *s, int64_t id, int64_t regisseur_id,
                        int64_t now, problem_t *pb)
{
    json_t *o = s_get_open(s, id, "assign", pb);
    if (!o)
        return NULL;
    json_t *prev = json_incref(json_object_get(o, "regisseur"));
    json_decref(o);
    o = NULL;
    int64_t previous = 0;
    if (json_is_string(prev))
        ref_parse(json_string_value(prev), REF_REGISSEUR, &previous);
    if (previous == regisseur_id) {
        char ref[REF_MAX];
        problem_set(pb, PROBLEM_CONFLICT, "case %s is assigned to %s already",
                    ref_format(ref, sizeof ref, REF_CASE, id),
                    json_string_value(prev));
    } else if (s_assignable(s, regisseur_id, pb) &&
               s_update(s, s_sql_assign, id, NULL, regisseur_id, pb) == 0 &&
               s_update(s, s_sql_assigned_at, id, NULL, now, pb) == 0) {
        o = s_get(s, id, pb);
    }
    if (o)
        json_object_set(o, "previous", prev);
    json_decref(prev);
    return o;
}

json_t *casefile_set_type(store_t *s, int64_t id, const char *type,
                          problem_t *pb)
{
    if (strcmp(type, "complex") != 0 && strcmp(type, "intensive") != 0) {
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "type must be complex or intensive");
        return NULL;
    }
    json_t *o = s_get_open(s, id, "change the type of", pb);
    if (!o)
        return NULL;
    json_t *prev = json_incref(json_object_get(o, "type"));
    json_decref(o);
    o = NULL;
    if (strcmp(json_string_value(prev), type) == 0) {
        char ref[REF_MAX];
        problem_set(pb, PROBLEM_CONFLICT, "case %s is %s already",
                    ref_format(ref, sizeof ref, REF_CASE, id), type);
    } else if (s_update(s, s_sql_type, id, type, 0, pb) == 0 &&
               (o = s_get(s, id, pb))) {
        json_object_set(o, "previous", prev);
    }
    json_decref(prev);
    return o;
}

/* Checks a reason to close: some text, no control characters but
 * newlines and tabs, at most CASEFILE_REASON_MAX bytes. */
static bool s_reason_ok(const char *reason, problem_t *pb)
{
    bool ok = reason && strlen(reason) <= CASEFILE_REASON_MAX &&
              strspn(reason, " \t\n") < strlen(reason);
    for (const unsigned char *p = (const void *)reason; ok && *p; p++)
        ok = (*p >= 0x20 && *p != 0x7f) || *p == '\n' || *p == '\t';
    if (!ok)
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "reason is required: 1 to %d characters of text saying "
                    "why the case is closed",
                    CASEFILE_REASON_MAX);
    return ok;
}

json_t *casefile_close(store_t *s, int64_t id, const char *reason, int64_t now,
                       problem_t *pb)
{
    if (!s_reason_ok(reason, pb))
        return NULL;
    json_t *o = s_get_open(s, id, "close", pb);
    if (!o)
        return NULL;
    json_decref(o);
    sqlite3_stmt *st = store_prepare(s, s_sql_close);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, now);
    store_bind_text(s, st, 3, reason);
    if (store_step(s, st) != SQLITE_DONE) {
        problem_store(pb);
        return NULL;
    }
    return s_get(s, id, pb);
}
