/*
 * ctlview — human views of control replies, for regiectl.
 */
#include "ctlview.h"

#include "table.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define S_LABEL_WIDTH 14 /* the labels of a details block */
#define S_SUBJECT_MAX 48 /* characters of a subject in the outbox table */
#define S_ERROR_MAX 60   /* characters of a last error in that table */

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A number member as text in buf. */
static const char *s_num(const json_t *o, const char *key, char *buf,
                         size_t len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return NULL;
    snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    return buf;
}

/* Prints "Label         value" with value made safe; a value with
 * newlines continues under itself. */
static void s_field(FILE *out, const char *label, const char *value)
{
    char *v = table_clean(value, true, 0);
    fprintf(out, "%-*s", S_LABEL_WIDTH, label);
    for (char *p = v; *p; p++) {
        fputc(*p, out);
        if (*p == '\n')
            fprintf(out, "%*s", S_LABEL_WIDTH, "");
    }
    fputc('\n', out);
    free(v);
}

static void s_time_field(FILE *out, const char *label, const char *t)
{
    char buf[TABLE_TIME_MAX];
    s_field(out, label, table_time(t, buf, sizeof buf));
}

/* "Name (RG-000003)" of a regisseur reference and name, or "-". */
static char *s_who(const char *ref, const char *name)
{
    if (!ref)
        return xstrdup("-");
    return xasprintf("%s (%s)", name ? name : "?", ref);
}

void ctlview_regisseurs(FILE *out, const json_t *rows, bool with_state)
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
            s_str(r, "regisseur"),
            s_str(r, "name"),
            s_str(r, "organisation"),
            s_str(r, "email"),
            s_str(r, "phone"),
            s_num(r, "open_cases", n, sizeof n),
            json_is_true(json_object_get(r, "active")) ? "active" : "inactive"};
        table_add(t, cells);
    }
    if (table_rows(t) == 0)
        fprintf(out, "No regisseurs.\n");
    else
        table_print(t, out);
    table_destroy(&t);
}

void ctlview_regisseur(FILE *out, const json_t *r)
{
    char n[32];
    s_field(out, "Regisseur", s_str(r, "regisseur"));
    s_field(out, "Name", s_str(r, "name"));
    s_field(out, "Organisation", s_str(r, "organisation"));
    s_field(out, "Email", s_str(r, "email"));
    s_field(out, "Phone", s_str(r, "phone"));
    s_field(out, "State",
            json_is_true(json_object_get(r, "active"))
                ? "active"
                : "inactive (cannot be assigned)");
    s_time_field(out, "Added", s_str(r, "created_at"));
    s_field(out, "Open cases", s_num(r, "open_cases", n, sizeof n));
    json_t *cases = json_object_get(r, "cases");
    if (json_array_size(cases) > 0) {
        fputc('\n', out);
        ctlview_cases(out, cases);
    }
}

void ctlview_cases(FILE *out, const json_t *rows)
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
        char *who = s_who(s_str(c, "regisseur"), s_str(c, "regisseur_name"));
        const char *cells[] = {
            s_str(c, "case"),
            s_str(c, "status"),
            s_str(c, "type"),
            who,
            table_time(s_str(c, "opened_at"), opened, sizeof opened),
            s_num(c, "persons", p, sizeof p),
            s_num(c, "referrals", n, sizeof n),
            table_time(s_str(c, "last_referral_at"), last, sizeof last)};
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
    const char *what[] = {s_str(f, "kind"), s_str(f, "category"),
                          s_str(f, "urgency")};
    const char *contact[] = {s_str(ct, "name"), s_str(ct, "email"),
                             s_str(ct, "phone")};
    char *p = s_who(s_str(f, "partner"), s_str(f, "partner_name"));
    char *w = s_join(what, 3), *c = s_join(contact, 3);
    char *head = table_clean(p, false, 0);
    fprintf(out, "\n%s  %s  %s\n", s_str(f, "referral"),
            table_time(s_str(f, "received_at"), when, sizeof when), head);
    s_field(out, "  about", w);
    s_field(out, "  contact", c);
    if (s_str(f, "occurred_at"))
        s_time_field(out, "  occurred", s_str(f, "occurred_at"));
    if (json_is_true(json_object_get(f, "overlap")))
        s_field(out, "  overlap", "its persons were in several open cases");
    if (s_str(f, "note"))
        s_field(out, "  note", s_str(f, "note"));
    free(head);
    free(p);
    free(w);
    free(c);
}

void ctlview_case(FILE *out, const json_t *c)
{
    char n[32];
    const json_t *r = json_object_get(c, "regisseur_details");
    char *name = s_who(s_str(r, "regisseur"), s_str(r, "name"));
    const char *who[] = {
        name, s_str(r, "organisation"), s_str(r, "email"), s_str(r, "phone"),
        json_is_false(json_object_get(r, "active")) ? "inactive" : NULL};
    char *reg = json_is_object(r) ? s_join(who, 5) : xstrdup("none");
    free(name);
    s_field(out, "Case", s_str(c, "case"));
    s_field(out, "Status", s_str(c, "status"));
    s_field(out, "Type", s_str(c, "type"));
    s_field(out, "Regisseur", reg);
    s_time_field(out, "Opened", s_str(c, "opened_at"));
    if (s_str(c, "closed_at")) {
        s_time_field(out, "Closed", s_str(c, "closed_at"));
        s_field(out, "Reason", s_str(c, "close_reason"));
    }
    s_field(out, "Persons", s_num(c, "persons", n, sizeof n));
    json_t *refs = json_object_get(c, "referrals");
    snprintf(n, sizeof n, "%zu", json_array_size(refs));
    s_field(out, "Referrals", n);
    size_t i;
    json_t *f;
    json_array_foreach(refs, i, f) s_referral(out, f);
    free(reg);
}

void ctlview_outbox(FILE *out, const json_t *rows)
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
        const char *status = s_str(o, "status");
        const char *at = status && strcmp(status, "sent") == 0
                             ? s_str(o, "sent_at")
                         : status && strcmp(status, "pending") == 0
                             ? s_str(o, "next_attempt_at")
                             : NULL;
        char *subject = table_clean(s_str(o, "subject"), false, S_SUBJECT_MAX);
        char *err = table_clean(s_str(o, "last_error"), false, S_ERROR_MAX);
        const char *cells[] = {
            s_num(o, "id", id, sizeof id),
            status,
            table_time(s_str(o, "created_at"), made, sizeof made),
            s_str(o, "to"),
            subject,
            s_num(o, "attempts", tries, sizeof tries),
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
