/*
 * regisseur — the regisseur table as the control socket sees it: checks
 * of the fields, the queries, the JSON rows. Main thread only.
 */
#include "regisseur.h"

#include "ref.h"
#include "store/dbjson.h"

#include <stdlib.h>
#include <string.h>

#define S_EMAIL_MAX 254
#define S_PHONE_MAX 40

static const char s_sql_select[] =
    "SELECT r.id, r.name, r.organisation, r.email, r.phone, r.active,"
    " r.created_at, (SELECT COUNT(*) FROM cases c"
    "  WHERE c.regisseur_id = r.id AND c.status = 'open')"
    " FROM regisseur r WHERE (?1 IS NULL OR r.id = ?1) AND (?2 OR r.active)"
    " ORDER BY r.name COLLATE NOCASE, r.id";
static const char s_sql_insert[] =
    "INSERT INTO regisseur (name, organisation, email, phone, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char s_sql_update[] =
    "UPDATE regisseur SET name = coalesce(?2, name),"
    " organisation = coalesce(?3, organisation),"
    " email = coalesce(?4, email),"
    " phone = CASE WHEN ?5 IS NULL THEN phone WHEN ?5 = '' THEN NULL"
    "  ELSE ?5 END, active = coalesce(?6, active) WHERE id = ?1";
static const char s_sql_contact[] =
    "SELECT name, organisation, email, phone, active FROM regisseur"
    " WHERE id = ?1";
static const char s_sql_email[] =
    "SELECT id, name FROM regisseur WHERE active AND id != ?2"
    " AND email = ?1 COLLATE NOCASE LIMIT 1";

/* Whether text has a control character (or DEL). */
static bool s_has_control(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* Checks a name or an organisation: some non-space text, no control
 * characters, at most REGISSEUR_TEXT_MAX bytes. */
static bool s_text_ok(const char *what, const char *v, problem_t *pb)
{
    if (strspn(v, " ") == strlen(v) || strlen(v) > REGISSEUR_TEXT_MAX ||
        s_has_control(v)) {
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "%s must be 1 to %d characters of text, without "
                    "control characters",
                    what, REGISSEUR_TEXT_MAX);
        return false;
    }
    return true;
}

/* An address of the form local@domain.tld, without spaces or characters
 * that would need quoting in a mail header. */
static bool s_email_ok(const char *v, problem_t *pb)
{
    const char *at = strchr(v, '@');
    const char *dot = at ? strrchr(at, '.') : NULL;
    bool ok = at && at != v && !strchr(at + 1, '@') && dot && dot > at + 1 &&
              dot[1] && strlen(v) <= S_EMAIL_MAX && !s_has_control(v) &&
              !strpbrk(v, " <>()[]\\,;:\"");
    if (!ok)
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "email must be one address like name@example.nl");
    return ok;
}

/* A phone number: digits, spaces and + - ( ) . / only. */
static bool s_phone_ok(const char *v, problem_t *pb)
{
    bool ok = strlen(v) <= S_PHONE_MAX &&
              strspn(v, "0123456789 +-()./") == strlen(v) &&
              strpbrk(v, "0123456789");
    if (!ok)
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "phone must be a telephone number (digits, spaces and "
                    "+ - ( ) . /, at most %d characters)",
                    S_PHONE_MAX);
    return ok;
}

/* Checks the given fields; add: name, organisation and email required. */
static bool s_fields_ok(const regisseur_fields_t *f, bool add, problem_t *pb)
{
    if (add && (!f->name || !f->organisation || !f->email)) {
        problem_set(pb, PROBLEM_BAD_REQUEST, "%s is required",
                    !f->name           ? "name"
                    : !f->organisation ? "organisation"
                                       : "email");
        return false;
    }
    if (!add && !f->name && !f->organisation && !f->email && !f->phone) {
        problem_set(pb, PROBLEM_BAD_REQUEST,
                    "nothing to change: give name, organisation, email "
                    "or phone");
        return false;
    }
    return (!f->name || s_text_ok("name", f->name, pb)) &&
           (!f->organisation ||
            s_text_ok("organisation", f->organisation, pb)) &&
           (!f->email || s_email_ok(f->email, pb)) &&
           (!f->phone || (!add && !*f->phone) || s_phone_ok(f->phone, pb));
}

/* Refuses (conflict) an email that another active regisseur has. Returns
 * true when it is free. */
static bool s_email_free(store_t *s, const char *email, int64_t except,
                         problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_email);
    if (!st) {
        problem_store(pb);
        return false;
    }
    store_bind_text(s, st, 1, email);
    store_bind_int64(s, st, 2, except);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        char ref[REF_MAX];
        problem_set(pb, PROBLEM_CONFLICT,
                    "regisseur %s (%s) has this email already",
                    ref_format(ref, sizeof ref, REF_REGISSEUR,
                               sqlite3_column_int64(st, 0)),
                    (const char *)sqlite3_column_text(st, 1));
    } else if (rc < 0) {
        problem_store(pb);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* The JSON object of the current row of s_sql_select. */
static json_t *s_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "regisseur",
                        ref_json(REF_REGISSEUR, sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "name", dbjson_text(st, 1));
    json_object_set_new(o, "organisation", dbjson_text(st, 2));
    json_object_set_new(o, "email", dbjson_text(st, 3));
    json_object_set_new(o, "phone", dbjson_text(st, 4));
    json_object_set_new(o, "active", json_boolean(sqlite3_column_int(st, 5)));
    json_object_set_new(o, "created_at",
                        ref_time_json(sqlite3_column_int64(st, 6)));
    json_object_set_new(o, "open_cases",
                        json_integer(sqlite3_column_int64(st, 7)));
    return o;
}

/* Runs s_sql_select for one id (0: all, with inactive when all). Returns
 * an array of rows, or NULL with pb set. */
static json_t *s_select(store_t *s, int64_t id, bool all, problem_t *pb)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_select);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    if (id > 0)
        store_bind_int64(s, st, 1, id);
    store_bind_int64(s, st, 2, all || id > 0);
    json_t *rows = dbjson_rows(s, st, s_row);
    if (!rows)
        problem_store(pb);
    return rows;
}

/* Sets pb: there is no regisseur id. */
static void s_not_found(int64_t id, problem_t *pb)
{
    char ref[REF_MAX];
    problem_set(pb, PROBLEM_NOT_FOUND, "there is no regisseur %s",
                ref_format(ref, sizeof ref, REF_REGISSEUR, id));
}

int regisseur_contact(store_t *s, int64_t id, regisseur_contact_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_prepare(s, s_sql_contact);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW) {
        out->name = store_column_dup(st, 0);
        out->organisation = store_column_dup(st, 1);
        out->email = store_column_dup(st, 2);
        out->phone = store_column_dup(st, 3);
        out->active = sqlite3_column_int(st, 4) != 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void regisseur_contact_clear(regisseur_contact_t *c)
{
    free(c->name);
    free(c->organisation);
    free(c->email);
    free(c->phone);
    memset(c, 0, sizeof *c);
}

int regisseur_by_email(store_t *s, const char *email, int64_t *id)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_email);
    if (!st)
        return -1;
    store_bind_text(s, st, 1, email);
    store_bind_int64(s, st, 2, 0);
    int rc = store_step(s, st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

json_t *regisseur_get(store_t *s, int64_t id, problem_t *pb)
{
    json_t *rows = s_select(s, id, true, pb);
    if (!rows)
        return NULL;
    json_t *o = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if (!o)
        s_not_found(id, pb);
    return o;
}

json_t *regisseur_list(store_t *s, bool all, problem_t *pb)
{
    return s_select(s, 0, all, pb);
}

json_t *regisseur_add(store_t *s, const regisseur_fields_t *f, int64_t now,
                      problem_t *pb)
{
    if (!s_fields_ok(f, true, pb) || !s_email_free(s, f->email, 0, pb))
        return NULL;
    sqlite3_stmt *st = store_prepare(s, s_sql_insert);
    if (!st) {
        problem_store(pb);
        return NULL;
    }
    store_bind_text(s, st, 1, f->name);
    store_bind_text(s, st, 2, f->organisation);
    store_bind_text(s, st, 3, f->email);
    store_bind_text(s, st, 4, f->phone && *f->phone ? f->phone : NULL);
    store_bind_int64(s, st, 5, now);
    if (store_step(s, st) != SQLITE_DONE) {
        problem_store(pb);
        return NULL;
    }
    return regisseur_get(s, store_last_id(s), pb);
}

/* Runs s_sql_update on id with the given fields and active (-1: keep). */
static int s_update(store_t *s, int64_t id, const regisseur_fields_t *f,
                    int active)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_update);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, id);
    store_bind_text(s, st, 2, f->name);
    store_bind_text(s, st, 3, f->organisation);
    store_bind_text(s, st, 4, f->email);
    store_bind_text(s, st, 5, f->phone);
    if (active >= 0)
        store_bind_int64(s, st, 6, active);
    return store_step(s, st) == SQLITE_DONE ? 0 : -1;
}

json_t *regisseur_update(store_t *s, int64_t id, const regisseur_fields_t *f,
                         problem_t *pb)
{
    if (!s_fields_ok(f, false, pb))
        return NULL;
    regisseur_contact_t old;
    int found = regisseur_contact(s, id, &old);
    bool active = old.active;
    regisseur_contact_clear(&old);
    if (found <= 0) {
        if (found < 0)
            problem_store(pb);
        else
            s_not_found(id, pb);
        return NULL;
    }
    if (f->email && active && !s_email_free(s, f->email, id, pb))
        return NULL;
    if (s_update(s, id, f, -1) < 0) {
        problem_store(pb);
        return NULL;
    }
    return regisseur_get(s, id, pb);
}

json_t *regisseur_set_active(store_t *s, int64_t id, bool active, problem_t *pb)
{
    json_t *old = regisseur_get(s, id, pb);
    if (!old)
        return NULL;
    char ref[REF_MAX];
    ref_format(ref, sizeof ref, REF_REGISSEUR, id);
    bool was = json_is_true(json_object_get(old, "active"));
    json_int_t open = json_integer_value(json_object_get(old, "open_cases"));
    bool ok = was != active;
    if (!ok)
        problem_set(pb, PROBLEM_CONFLICT, "regisseur %s is %s already", ref,
                    active ? "active" : "inactive");
    if (ok && !active && open > 0) {
        problem_set(pb, PROBLEM_CONFLICT,
                    "regisseur %s still holds %lld open case%s; assign "
                    "them to someone else first (regiectl cases "
                    "--regisseur %s)",
                    ref, (long long)open, open == 1 ? "" : "s", ref);
        ok = false;
    } else if (ok && active) {
        ok = s_email_free(s, json_string_value(json_object_get(old, "email")),
                          id, pb);
    }
    json_decref(old);
    if (!ok)
        return NULL;
    regisseur_fields_t none = {0};
    if (s_update(s, id, &none, active) < 0) {
        problem_store(pb);
        return NULL;
    }
    return regisseur_get(s, id, pb);
}
