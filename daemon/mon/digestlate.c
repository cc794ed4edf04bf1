/*
 * digestlate — the agreements late longest (see digestlate.h). Main
 * thread only.
 */
#include "digestlate.h"

#include "cal.h"
#include "digestword.h"
#include "ref.h"
#include "strbuf.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>

static const char s_sql_longest[] =
    "SELECT id, kind, owner_type, owner, case_id, due_at, level, occurrence"
    " FROM agreement WHERE status = 'open' AND due_at < ?1"
    " ORDER BY due_at, id LIMIT ?2";
/* The reason given last for occurrence ?2 of agreement ?1: that of a
 * not_delivered report, or of an extension since the last occurrence. */
static const char s_sql_reason[] =
    "SELECT label, reason FROM ("
    " SELECT 'niet geleverd' AS label, reason, received_at AS t, id"
    " FROM report WHERE agreement_id = ?1 AND occurrence = ?2"
    " AND status = 'not_delivered' AND reason IS NOT NULL"
    " UNION ALL"
    " SELECT 'uitstel', json_extract(details, '$.reason'), at, id FROM event"
    " WHERE agreement_id = ?1 AND action = 'agreement.extended'"
    " AND json_extract(details, '$.reason') IS NOT NULL"
    " AND at > coalesce((SELECT max(at) FROM occurrence"
    " WHERE agreement_id = ?1), 0))"
    " ORDER BY t DESC, id DESC LIMIT 1";

/* A new JSON string of what b holds (b emptied). */
static json_t *s_take(strbuf_t *b)
{
    char *t = strbuf_take(b);
    json_t *j = json_string(t);
    free(t);
    return j;
}

/* Adds the reason given last (or nulls) to row. */
static int s_reason(store_t *s, int64_t id, int n, json_t *row)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_reason);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, n);
    int rc = store_step(s, st);
    char *line = rc == SQLITE_ROW
                     ? digestword_line((const char *)sqlite3_column_text(st, 1),
                                       DIGESTWORD_REASON_MAX)
                     : NULL;
    json_object_set_new(row, "reason", line ? json_string(line) : json_null());
    json_object_set_new(
        row, "reason_kind",
        rc == SQLITE_ROW ? json_string((const char *)sqlite3_column_text(st, 0))
                         : json_null());
    free(line);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The row of the agreement st stands on. */
static json_t *s_row(const cfg_t *cfg, store_t *s, sqlite3_stmt *st,
                     int64_t now)
{
    char ref[24], date[40];
    strbuf_t b = {0};
    int64_t id = sqlite3_column_int64(st, 0), due = sqlite3_column_int64(st, 5);
    json_t *row =
        json_pack("{s:s, s:s, s:s, s:I}", "agreement",
                  ref_format(ref, sizeof ref, "A", id), "kind",
                  digestword_kind((const char *)sqlite3_column_text(st, 1)),
                  "due", cal_date_nl(due, date, sizeof date), "days_late",
                  (json_int_t)((now - due) / 86400));
    json_object_set_new(
        row, "case",
        sqlite3_column_type(st, 4) == SQLITE_NULL
            ? json_null()
            : json_string(ref_format(ref, sizeof ref, "C",
                                     sqlite3_column_int64(st, 4))));
    int rc = digestword_owner(cfg, s, (const char *)sqlite3_column_text(st, 2),
                              (const char *)sqlite3_column_text(st, 3), &b);
    json_object_set_new(row, "owner", s_take(&b));
    digestword_days(&b, now - due);
    json_object_set_new(row, "late", s_take(&b));
    digestword_level(&b, sqlite3_column_int(st, 6));
    json_object_set_new(row, "level", s_take(&b));
    if (rc < 0 || s_reason(s, id, sqlite3_column_int(st, 7), row) < 0) {
        json_decref(row);
        return NULL;
    }
    return row;
}

json_t *digestlate_rows(const cfg_t *cfg, store_t *s, int64_t now)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_longest);
    if (!st)
        return NULL;
    store_bind_int64(s, st, 1, now);
    store_bind_int64(s, st, 2, DIGESTLATE_ROWS);
    json_t *rows = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        json_t *row = s_row(cfg, s, st, now);
        if (!row) {
            rc = -1;
            break;
        }
        json_array_append_new(rows, row);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

char *digestlate_text(const json_t *rows)
{
    strbuf_t b = {0};
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        strbuf_printf(&b, "%zu. %s %s%s%s, %s:\n", i + 1, s_str(r, "agreement"),
                      s_str(r, "kind"), s_str(r, "case") ? ", casus " : "",
                      s_str(r, "case") ? s_str(r, "case") : "",
                      s_str(r, "owner"));
        strbuf_printf(&b, "   %s te laat (verwacht %s), %s\n", s_str(r, "late"),
                      s_str(r, "due"), s_str(r, "level"));
        if (s_str(r, "reason"))
            strbuf_printf(&b, "   %s: \"%s\"\n", s_str(r, "reason_kind"),
                          s_str(r, "reason"));
        else
            strbuf_printf(&b, "   geen reden gegeven\n");
    }
    if (json_array_size(rows) == 0)
        strbuf_puts(&b, "Geen afspraken te laat.\n");
    return strbuf_take(&b);
}
