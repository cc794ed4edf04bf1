/*
 * auditlog — the audit trail as regiectl reads it. Main thread only.
 */
#include "auditlog.h"

#include "dbjson.h"
#include "ref.h"

static const char s_sql_list[] =
    "SELECT * FROM (SELECT id, at, actor, action, case_id, agreement_id,"
    " ref, details FROM event WHERE (?1 IS NULL OR case_id = ?1)"
    " AND (?2 IS NULL OR agreement_id = ?2) AND at >= ?3"
    " ORDER BY at DESC, id DESC LIMIT ?4) ORDER BY at, id";

/* The stored details: a JSON value, or the text itself if it is not
 * JSON (never expected), or null. */
static json_t *s_details(sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    if (!v)
        return json_null();
    json_t *d = json_loads(v, JSON_DECODE_ANY, NULL);
    return d ? d : json_string(v);
}

static json_t *s_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "at", ref_time_json(sqlite3_column_int64(st, 1)));
    json_object_set_new(o, "actor", dbjson_text(st, 2));
    json_object_set_new(o, "action", dbjson_text(st, 3));
    json_object_set_new(o, "case", dbjson_ref(st, 4, REF_CASE));
    json_object_set_new(o, "agreement", dbjson_ref(st, 5, "A"));
    json_object_set_new(o, "ref", dbjson_text(st, 6));
    json_object_set_new(o, "details", s_details(st, 7));
    return o;
}

json_t *auditlog_list(store_t *s, const auditlog_filter_t *f, problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_list);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    if (f->case_id)
        store_bind_int64(s, st, 1, f->case_id);
    if (f->agreement_id)
        store_bind_int64(s, st, 2, f->agreement_id);
    store_bind_int64(s, st, 3, f->since);
    store_bind_int64(s, st, 4, f->limit > 0 ? f->limit : AUDITLOG_LIMIT_DEFAULT);
    json_t *rows = dbjson_rows(s, st, s_row);
    if (!rows)
        problem_store(pb);
    return rows;
}
