/*
 * referral — the referral table's statements (see referral.h). Main
 * thread only.
 */
#include "referral.h"

#include "ref.h"
#include "store/dbjson.h"

#include <stdlib.h>
#include <string.h>

static const char s_sql_find[] =
    "SELECT id, digest, case_id, case_status, ack_regisseur, received_at"
    " FROM referral WHERE partner = ?1 AND external_id = ?2";
static const char s_sql_insert[] =
    "INSERT INTO referral (partner, external_id, digest, case_id, kind,"
    " category, urgency, birth_date, postcode, contact_name, contact_email,"
    " contact_phone, occurred_at, note, persons, overlap, received_at,"
    " case_status, ack_regisseur) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
    " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
static const char s_sql_received[] =
    "SELECT count(*) FROM referral WHERE partner = ?1"
    " AND received_at >= ?2 AND received_at < ?3";
static const char s_sql_case[] =
    "SELECT id, partner, kind, category, urgency, received_at, occurred_at,"
    " overlap, persons, contact_name, contact_email, contact_phone, note"
    " FROM referral WHERE case_id = ?1 ORDER BY received_at, id";

int referral_find(store_t *s, const char *partner, const char *external_id,
                  const unsigned char digest[PSEUDO_LEN], referral_found_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_prepare(s, s_sql_find);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, partner);
    store_bind_text(s, st, 2, external_id);
    int rc = store_step(s, st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? 0 : -1;
    int found =
        sqlite3_column_bytes(st, 1) == PSEUDO_LEN &&
                memcmp(sqlite3_column_blob(st, 1), digest, PSEUDO_LEN) == 0
            ? 1
            : 2;
    out->id = sqlite3_column_int64(st, 0);
    out->case_id = sqlite3_column_int64(st, 2);
    out->case_status = store_column_dup(st, 3);
    out->ack_regisseur = store_column_dup(st, 4);
    out->received_at = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    return found;
}

void referral_found_clear(referral_found_t *f)
{
    free(f->case_status);
    free(f->ack_regisseur);
    memset(f, 0, sizeof *f);
}

int64_t referral_insert(store_t *s, const referral_in_t *r)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_insert);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, r->partner);
    store_bind_text(s, st, 2, r->external_id);
    store_bind_blob(s, st, 3, r->digest, PSEUDO_LEN);
    store_bind_int64(s, st, 4, r->case_id);
    store_bind_text(s, st, 5, r->kind);
    store_bind_text(s, st, 6, r->category);
    store_bind_text(s, st, 7, r->urgency);
    store_bind_text(s, st, 8, r->birth_date);
    store_bind_text(s, st, 9, r->postcode);
    store_bind_text(s, st, 10, r->contact_name);
    store_bind_text(s, st, 11, r->contact_email);
    store_bind_text(s, st, 12, r->contact_phone);
    store_bind_text(s, st, 13, r->occurred_at);
    store_bind_text(s, st, 14, r->note);
    store_bind_int64(s, st, 15, r->persons);
    store_bind_int64(s, st, 16, r->overlap);
    store_bind_int64(s, st, 17, r->received_at);
    store_bind_text(s, st, 18, r->case_status);
    store_bind_text(s, st, 19, r->ack_regisseur);
    if (store_step(s, st) != SQLITE_DONE)
        return -1;
    return store_last_id(s);
}

int64_t referral_count_in_period(store_t *s, const char *partner, int64_t from,
                                 int64_t to)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_received);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, partner);
    store_bind_int64(s, st, 2, from);
    store_bind_int64(s, st, 3, to);
    int64_t n =
        store_step(s, st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

/* The referral object of the current row of s_sql_case. */
static json_t *s_row(sqlite3_stmt *st, const cfg_t *cfg)
{
    const char *pid = (const char *)sqlite3_column_text(st, 1);
    const cfg_partner_t *p = pid ? cfg_partner_by_id(cfg, pid) : NULL;
    json_t *o = json_object();
    json_object_set_new(o, "referral", dbjson_ref(st, 0, REF_REFERRAL));
    json_object_set_new(o, "partner", dbjson_text(st, 1));
    json_object_set_new(o, "partner_name",
                        p ? json_string(p->name) : json_null());
    json_object_set_new(o, "kind", dbjson_text(st, 2));
    json_object_set_new(o, "category", dbjson_text(st, 3));
    json_object_set_new(o, "urgency", dbjson_text(st, 4));
    json_object_set_new(o, "received_at", dbjson_time(st, 5));
    json_object_set_new(o, "occurred_at", dbjson_text(st, 6));
    json_object_set_new(o, "overlap", json_boolean(sqlite3_column_int(st, 7)));
    json_object_set_new(o, "persons",
                        json_integer(sqlite3_column_int64(st, 8)));
    json_object_set_new(o, "contact",
                        json_pack("{s:o, s:o, s:o}", "name", dbjson_text(st, 9),
                                  "email", dbjson_text(st, 10), "phone",
                                  dbjson_text(st, 11)));
    json_object_set_new(o, "note", dbjson_text(st, 12));
    return o;
}

json_t *referral_list_case(store_t *s, const cfg_t *cfg, int64_t case_id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_case);
    if (!st)
        return NULL;
    store_bind_int64(s, st, 1, case_id);
    json_t *rows = json_array();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        json_array_append_new(rows, s_row(st, cfg));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}
