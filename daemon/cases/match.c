/*
 * match — household matching on the membership table. Main thread only.
 */
#include "match.h"

static const char s_sql_open_cases[] =
    "SELECT c.id, c.regisseur_id FROM membership m"
    " JOIN cases c ON c.id = m.case_id"
    " WHERE m.pseudonym = ?1 AND c.status = 'open'";
static const char s_sql_new_case[] =
    "INSERT INTO cases (opened_at) VALUES (?1)";
static const char s_sql_join[] =
    "INSERT OR IGNORE INTO membership (pseudonym, case_id, referral_id,"
    " joined_at) VALUES (?1, ?2, ?3, ?4)";

const char *match_status_name(match_status_t st)
{
    return st == MATCH_NEW ? "new"
           : st == MATCH_UNASSIGNED ? "unassigned"
                                    : "assigned";
}

/* Looks up the open cases of one person; keeps the most recent in out and
 * counts distinct cases in seen[] (at most cap remembered). */
static int s_lookup(store_t *s, const unsigned char *person,
                    match_result_t *out, int64_t *seen, int cap)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_open_cases);
    if (!st)
        return -1;
    store_bind_blob(s, st, 1, person, PSEUDO_LEN);
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int known = 0;
        for (int i = 0; i < out->open_cases && i < cap; i++)
            known = known || seen[i] == id;
        if (known)
            continue;
        if (out->open_cases < cap)
            seen[out->open_cases] = id;
        out->open_cases++;
        if (id > out->case_id) {
            out->case_id = id;
            out->regisseur_id = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int match_find(store_t *s, const unsigned char (*persons)[PSEUDO_LEN],
               size_t n, int64_t now, match_result_t *out)
{
    int64_t seen[64];
    *out = (match_result_t){0};
    for (size_t i = 0; i < n; i++)
        if (s_lookup(s, persons[i], out, seen, 64) < 0)
            return -1;
    for (int i = 0; i < out->open_cases && i < 64; i++)
        if (seen[i] != out->case_id && out->others_n < MATCH_CASES_MAX)
            out->others[out->others_n++] = seen[i];
    if (out->open_cases > 0) {
        out->status = out->regisseur_id ? MATCH_ASSIGNED : MATCH_UNASSIGNED;
        return 0;
    }
    sqlite3_stmt *st = store_prepare(s, s_sql_new_case);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, now);
    if (store_step(s, st) != SQLITE_DONE)
        return -1;
    out->case_id = store_last_id(s);
    out->status = MATCH_NEW;
    return 0;
}

int match_join(store_t *s, int64_t case_id,
               const unsigned char (*persons)[PSEUDO_LEN], size_t n,
               int64_t referral_id, int64_t now)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = store_prepare(s, s_sql_join);
        if (!st)
            return -1;
        store_bind_blob(s, st, 1, persons[i], PSEUDO_LEN);
        store_bind_int64(s, st, 2, case_id);
        store_bind_int64(s, st, 3, referral_id);
        store_bind_int64(s, st, 4, now);
        if (store_step(s, st) != SQLITE_DONE)
            return -1;
    }
    return 0;
}
