/*
 * caseref — cases by external reference and by person, for an import
 * (see caseref.h). Main thread only.
 */
#include "caseref.h"

#include "bsn.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

#define S_CASE_ROW                                                             \
    "SELECT id, status = 'open', coalesce(regisseur_id, 0), type,"             \
    " coalesce(external_ref, '') FROM cases"

static const char s_sql_by_ref[] = S_CASE_ROW " WHERE external_ref = ?1";
static const char s_sql_by_id[] = S_CASE_ROW " WHERE id = ?1";
static const char s_sql_of_person[] =
    "SELECT c.id FROM membership m JOIN cases c ON c.id = m.case_id"
    " WHERE m.pseudonym = ?1 AND c.status = 'open' ORDER BY c.id";
static const char s_sql_holds[] =
    "SELECT 1 FROM membership WHERE pseudonym = ?1 AND case_id = ?2";
static const char s_sql_open[] =
    "INSERT INTO cases (opened_at, type, external_ref) VALUES (?1, ?2, ?3)";
static const char s_sql_set[] =
    "UPDATE cases SET external_ref = ?2 WHERE id = ?1"
    " AND external_ref IS NULL";
static const char s_sql_persons[] =
    "SELECT count(*) FROM membership WHERE case_id = ?1";

bool caseref_valid(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n == 0 || n > CASEREF_MAX || !utf8_valid(text) ||
        strspn(text, " ") == n || bsn_in_text(text))
        return false;
    for (const unsigned char *p = (const void *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* Reads the S_CASE_ROW of st (bound by the caller) into out; resets st. */
static int s_row(store_t *s, sqlite3_stmt *st, caseref_t *out)
{
    memset(out, 0, sizeof *out);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->open = sqlite3_column_int(st, 1) != 0;
        out->regisseur_id = sqlite3_column_int64(st, 2);
        snprintf(out->type, sizeof out->type, "%s",
                 (const char *)sqlite3_column_text(st, 3));
        snprintf(out->ref, sizeof out->ref, "%s",
                 (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int caseref_find(store_t *s, const char *ref, caseref_t *out)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_by_ref);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, ref);
    return s_row(s, st, out);
}

int caseref_get(store_t *s, int64_t id, caseref_t *out)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_by_id);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    return s_row(s, st, out);
}

int caseref_of_person(store_t *s, const unsigned char person[PSEUDO_LEN],
                      int64_t *ids, int cap)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_of_person);
    if (!st)
        return -1;
    store_bind_blob(s, st, 1, person, PSEUDO_LEN);
    int n = 0, rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        if (n < cap)
            ids[n] = sqlite3_column_int64(st, 0);
        n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : -1;
}

int caseref_holds(store_t *s, int64_t id,
                  const unsigned char person[PSEUDO_LEN])
{
    sqlite3_stmt *st = store_prepare(s, s_sql_holds);
    if (!st)
        return -1;
    store_bind_blob(s, st, 1, person, PSEUDO_LEN);
    store_bind_int64(s, st, 2, id);
    int rc = store_step(s, st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int caseref_open(store_t *s, const char *ref, const char *type, int64_t now,
                 int64_t *id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_open);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    store_bind_text(s, st, 2, type ? type : "complex");
    store_bind_text(s, st, 3, ref);
    if (store_step(s, st) != SQLITE_DONE)
        return -1;
    *id = store_last_id(s);
    return 0;
}

int caseref_set(store_t *s, int64_t id, const char *ref)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_set);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_text(s, st, 2, ref);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

int64_t caseref_persons(store_t *s, int64_t id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_persons);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}
