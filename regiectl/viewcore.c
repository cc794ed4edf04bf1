/*
 * viewcore — human views of control replies, for regiectl.
 */
#include "viewcore.h"

#include "field.h"
#include "table.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define S_SUBJECT_MAX 48 /* characters of a subject in the outbox table */
#define S_ERROR_MAX 60   /* characters of a last error in that table */

/* "Name (RG-000003)" of a regisseur reference and name, or "-". */
static char *s_who(const char *ref, const char *name)
{
    if (!ref)
        return xstrdup("-");
    return xasprintf("%s (%s)", name ? name : "?", ref);
}

void viewcore_regisseurs(FILE *out, const json_t *rows, bool with_state)
{
    static const char *const h[] = {"REGISSEUR", "NAME",  "ORGANISATION",
                                    "EMAIL",     "PHONE", ">OPEN CASES",
                                    "STATE"};
    table_t *t = table_new(with_state ? 7 : 6, h);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char n[32];
        const char *cells[] = {
            field_str(r, "regisseur"),
            field_str(r, "name"),
            field_str(r, "organisation"),
            field_str(r, "email"),
            field_str(r, "phone"),
            field_num(r, "open_cases", n, sizeof n),
            json_is_true(json_object_get(r, "active")) ? "active" : "inactive"};
        table_add(t, cells);
    }
    if (table_rows(t) == 0)
        fprintf(out, "No regisseurs.\n");
    else
        table_print(t, out);
    table_destroy(&t);
}

void viewcore_regisseur(FILE *out, const json_t *r)
{
    char n[32];
    field_print(out, "Regisseur", field_str(r, "regisseur"));
    field_print(out, "Name", field_str(r, "name"));
    field_print(out, "Organisation", field_str(r, "organisation"));
    field_print(out, "Email", field_str(r, "email"));
    field_print(out, "Phone", field_str(r, "phone"));
    field_print(out, "State",
                json_is_true(json_object_get(r, "active"))
                    ? "active"
                    : "inactive (cannot be assigned)");
    field_print_time(out, "Added", field_str(r, "created_at"));
    field_print(out, "Open cases", field_num(r, "open_cases", n, sizeof n));
    json_t *cases = json_object_get(r, "cases");
    if (json_array_size(cases) > 0) {
        fputc('\n', out);
        viewcore_cases(out, cases);
    }
}

void viewcore_cases(FILE *out, const json_t *rows)
{
    static const char *const h[] = {"CASE",       "STATUS",       "TYPE",
                                    "REGISSEUR",  "OPENED",       ">PERSONS",
                                    ">REFERRALS", "LAST REFERRAL"};
    table_t *t = table_new(8, h);
    size_t i;
    json_t *c;
    json_array_foreach(rows, i, c)
    {
        char p[32], n[32], opened[TABLE_TIME_MAX], last[TABLE_TIME_MAX];
        char *who =
            s_who(field_str(c, "regisseur"), field_str(c, "regisseur_name"));
        const char *cells[] = {
            field_str(c, "case"),
            field_str(c, "status"),
            field_str(c, "type"),
            who,
            table_time(field_str(c, "opened_at"), opened, sizeof opened),
            field_num(c, "persons", p, sizeof p),
            field_num(c, "referrals", n, sizeof n),
            table_time(field_str(c, "last_referral_at"), last, sizeof last)};
        table_add(t, cells);
        free(who);
    }
    if (table_rows(t) == 0)
        fprintf(out, "No cases.\n");
    else
        table_print(t, out);
    table_destroy(&t);
}

/* "a, b, c" of the non-null strings among n; the caller frees. */
static char *s_join(const char *const *parts, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += parts[i] ? strlen(parts[i]) + 2 : 0;
    char *s = xcalloc(1, len);
    for (size_t i = 0; i < n; i++)
        if (parts[i]) {
            if (*s)
                strcat(s, ", ");
            strcat(s, parts[i]);
        }
    return s;
}

/* One referral of a case: a heading line and indented details. */
static void s_referral(FILE *out, const json_t *f)
{
    char when[TABLE_TIME_MAX];
    const json_t *ct = json_object_get(f, "contact");
    const char *what[] = {field_str(f, "kind"), field_str(f, "category"),
                          field_str(f, "urgency")};
    const char *contact[] = {field_str(ct, "name"), field_str(ct, "email"),
                             field_str(ct, "phone")};
    char *p = s_who(field_str(f, "partner"), field_str(f, "partner_name"));
    char *w = s_join(what, 3), *c = s_join(contact, 3);
    char *head = table_clean(p, false, 0);
    fprintf(out, "\n%s  %s  %s\n", field_str(f, "referral"),
            table_time(field_str(f, "received_at"), when, sizeof when), head);
    field_print(out, "  about", w);
    field_print(out, "  contact", c);
    if (field_str(f, "occurred_at"))
        field_print_time(out, "  occurred", field_str(f, "occurred_at"));
    if (json_is_true(json_object_get(f, "overlap")))
        field_print(out, "  overlap", "its persons were in several open cases");
    if (field_str(f, "note"))
        field_print(out, "  note", field_str(f, "note"));
    free(head);
    free(p);
    free(w);
    free(c);
}

void viewcore_case(FILE *out, const json_t *c)
{
    char n[32];
    const json_t *r = json_object_get(c, "regisseur_details");
    char *name = s_who(field_str(r, "regisseur"), field_str(r, "name"));
    const char *who[] = {
        name, field_str(r, "organisation"), field_str(r, "email"),
        field_str(r, "phone"),
        json_is_false(json_object_get(r, "active")) ? "inactive" : NULL};
    char *reg = json_is_object(r) ? s_join(who, 5) : xstrdup("none");
    free(name);
    field_print(out, "Case", field_str(c, "case"));
    field_print(out, "Status", field_str(c, "status"));
    field_print(out, "Type", field_str(c, "type"));
    field_print(out, "Regisseur", reg);
    field_print_time(out, "Opened", field_str(c, "opened_at"));
    if (field_str(c, "closed_at")) {
        field_print_time(out, "Closed", field_str(c, "closed_at"));
        field_print(out, "Reason", field_str(c, "close_reason"));
    }
    field_print(out, "Persons", field_num(c, "persons", n, sizeof n));
    json_t *refs = json_object_get(c, "referrals");
    snprintf(n, sizeof n, "%zu", json_array_size(refs));
    field_print(out, "Referrals", n);
    size_t i;
    json_t *f;
    json_array_foreach(refs, i, f) s_referral(out, f);
    free(reg);
}

void viewcore_outbox(FILE *out, const json_t *rows)
{
    static const char *const h[] = {">ID",         "STATUS",    "CREATED",
                                    "TO",          "SUBJECT",   ">TRIES",
                                    "NEXT / SENT", "LAST ERROR"};
    table_t *t = table_new(8, h);
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        char id[32], tries[32], made[TABLE_TIME_MAX], when[TABLE_TIME_MAX];
        const char *status = field_str(o, "status");
        const char *at = status && strcmp(status, "sent") == 0
                             ? field_str(o, "sent_at")
                         : status && strcmp(status, "pending") == 0
                             ? field_str(o, "next_attempt_at")
                             : NULL;
        char *subject =
            table_clean(field_str(o, "subject"), false, S_SUBJECT_MAX);
        char *err = table_clean(field_str(o, "last_error"), false, S_ERROR_MAX);
        const char *cells[] = {
            field_num(o, "id", id, sizeof id),
            status,
            table_time(field_str(o, "created_at"), made, sizeof made),
            field_str(o, "to"),
            subject,
            field_num(o, "attempts", tries, sizeof tries),
            table_time(at, when, sizeof when),
            err};
        table_add(t, cells);
        free(subject);
        free(err);
    }
    if (table_rows(t) == 0)
        fprintf(out, "No notifications.\n");
    else
        table_print(t, out);
    table_destroy(&t);
}
