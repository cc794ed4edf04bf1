/*
 * viewagree — human views of agreements, for regiectl (see viewagree.h).
 */
#include "viewagree.h"

#include "field.h"
#include "ref.h"
#include "table.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_DESC_MAX 40 /* characters of a description in a table */
#define S_TEXT_MAX 60 /* characters of a reason or details in a table */

/* Who owns an agreement, for a person: "A. Jansen (RG-000003)",
 * "Kernteam", "department inkomen". The caller frees. */
static char *s_owner(const json_t *a)
{
    const char *type = field_str(a, "owner_type");
    const char *owner = field_str(a, "owner");
    const char *name = field_str(a, "owner_name");
    if (type && strcmp(type, "kernteam") == 0)
        return xstrdup(name ? name : "Kernteam");
    if (name && owner)
        return xasprintf("%s (%s)", name, owner);
    return xasprintf("%s %s", type ? type : "?", owner ? owner : "?");
}

/* "yes", "no" or NULL ("-") of a boolean or null member. */
static const char *s_yes_no(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : NULL;
}

/* Whether a key of an event's details names a time. */
static bool s_time_key(const char *key)
{
    static const char *const keys[] = {"from", "until", "due", "next_due"};
    size_t n = strlen(key);
    if (n > 3 && strcmp(key + n - 3, "_at") == 0)
        return true;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

/* One value of an event's details as text: a time (seconds or RFC 3339)
 * in the local zone, a report number as P-000003, a string as it is,
 * anything else as JSON. The caller frees. */
static char *s_detail(const char *key, const json_t *v)
{
    char buf[TABLE_TIME_MAX];
    if (s_time_key(key) && json_is_integer(v)) {
        char utc[REF_TIME_MAX];
        ref_time(utc, sizeof utc, (int64_t)json_integer_value(v));
        return xstrdup(table_time(utc, buf, sizeof buf));
    }
    if (s_time_key(key) && json_is_string(v))
        return xstrdup(table_time(json_string_value(v), buf, sizeof buf));
    if (strcmp(key, "report") == 0 && json_is_integer(v))
        return xstrdup(
            ref_format(buf, sizeof buf, "P", (int64_t)json_integer_value(v)));
    if (json_is_string(v))
        return xstrdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

/* An event's details for a person: "key=value ..." of an object (times
 * local, a reason last and quoted), or the text of anything else; NULL
 * when there are none. The caller frees. */
static char *s_details(const json_t *e)
{
    const json_t *d = json_object_get(e, "details");
    if (!d || json_is_null(d))
        return NULL;
    if (!json_is_object(d))
        return s_detail("", d);
    char *out = xstrdup("");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)d, key, v)
    {
        if (strcmp(key, "reason") == 0)
            continue;
        char *text = s_detail(key, v);
        char *next = xasprintf("%s%s%s=%s", out, *out ? " " : "", key, text);
        free(text);
        free(out);
        out = next;
    }
    const char *reason = json_string_value(json_object_get(d, "reason"));
    if (reason) {
        char *next =
            xasprintf("%s%sreason \"%s\"", out, *out ? " " : "", reason);
        free(out);
        out = next;
    }
    return out;
}

void viewagree_list(FILE *out, const json_t *rows)
{
    static const char *const h[] = {"AGREEMENT", "KIND",   "OWNER",
                                    "CASE",      ">EVERY", "DUE",
                                    "STATUS",    ">LEVEL", "DESCRIPTION"};
    table_t *t = table_new(9, h);
    size_t i;
    json_t *a;
    json_array_foreach(rows, i, a)
    {
        char every[32], level[32], due[TABLE_TIME_MAX];
        char *owner = s_owner(a);
        char *desc =
            table_clean(field_str(a, "description"), false, S_DESC_MAX);
        const char *cells[] = {
            field_str(a, "agreement"),
            field_str(a, "kind"),
            owner,
            field_str(a, "case"),
            field_num(a, "period_days", every, sizeof every),
            table_time(field_str(a, "due_at"), due, sizeof due),
            field_str(a, "status"),
            field_num(a, "level", level, sizeof level),
            desc};
        table_add(t, cells);
        free(owner);
        free(desc);
    }
    if (table_rows(t) == 0)
        fprintf(out, "No agreements.\n");
    else
        table_print(t, out);
    table_destroy(&t);
}

/* "every 21 days" or "one-off"; the caller frees. */
static char *s_rhythm(const json_t *a)
{
    json_t *p = json_object_get(a, "period_days");
    if (!json_is_integer(p))
        return xstrdup("one-off");
    return xasprintf("every %lld days", (long long)json_integer_value(p));
}

/* "1 (escalated)" or "0 (reminders only)"; the caller frees. */
static char *s_level(const json_t *a)
{
    json_t *l = json_object_get(a, "level");
    if (!json_is_integer(l))
        return NULL;
    long long n = (long long)json_integer_value(l);
    return xasprintf("%lld (%s)", n, n > 0 ? "escalated" : "reminders only");
}

void viewagree_one(FILE *out, const json_t *a)
{
    char n[32], when[TABLE_TIME_MAX];
    char *owner = s_owner(a), *rhythm = s_rhythm(a), *level = s_level(a);
    const char *by = field_str(a, "created_by");
    char *made = xasprintf(
        "%s by %s", table_time(field_str(a, "created_at"), when, sizeof when),
        by ? by : "?");
    field_print(out, "Agreement", field_str(a, "agreement"));
    field_print(out, "Kind", field_str(a, "kind"));
    field_print(out, "Owner", owner);
    field_print(out, "Case",
                field_str(a, "case") ? field_str(a, "case") : "none");
    field_print(out, "Description", field_str(a, "description"));
    field_print(out, "Policy", field_str(a, "policy"));
    field_print(out, "Rhythm", rhythm);
    field_print(out, "Status", field_str(a, "status"));
    field_print(out, "Occurrence", field_num(a, "occurrence", n, sizeof n));
    field_print_time(out, "Due", field_str(a, "due_at"));
    field_print(out, "Level", level);
    if (field_str(a, "next_at"))
        field_print_time(out, "Next step", field_str(a, "next_at"));
    field_print(out, "Extensions", field_num(a, "extensions", n, sizeof n));
    field_print(out, "Made", made);
    if (field_str(a, "reason"))
        field_print(out, "Reason", field_str(a, "reason"));
    free(owner);
    free(rhythm);
    free(level);
    free(made);
}

static void s_occurrences(FILE *out, const json_t *rows)
{
    static const char *const h[] = {">N", "DUE",    "OUTCOME",
                                    "AT", ">LEVEL", ">EXTENSIONS"};
    table_t *t = table_new(6, h);
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        char nb[32], lv[32], ex[32], due[TABLE_TIME_MAX], at[TABLE_TIME_MAX];
        const char *cells[] = {
            field_num(o, "n", nb, sizeof nb),
            table_time(field_str(o, "due_at"), due, sizeof due),
            field_str(o, "outcome"),
            table_time(field_str(o, "at"), at, sizeof at),
            field_num(o, "level", lv, sizeof lv),
            field_num(o, "extensions", ex, sizeof ex)};
        table_add(t, cells);
    }
    fprintf(out, "\nOccurrences ended\n");
    table_print(t, out);
    table_destroy(&t);
}

static void s_reports(FILE *out, const json_t *rows)
{
    static const char *const h[] = {"REPORT",     "RECEIVED AT", "STATUS",
                                    "PERIOD",     ">COUNT",      ">ARRIVED",
                                    "RECONCILED", "OUTCOME",     "REASON"};
    table_t *t = table_new(9, h);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char cnt[32], rcv[32], at[TABLE_TIME_MAX];
        char *reason = table_clean(field_str(r, "reason"), false, S_TEXT_MAX);
        const char *cells[] = {
            field_str(r, "report"),
            table_time(field_str(r, "received_at"), at, sizeof at),
            field_str(r, "status"),
            field_str(r, "period"),
            field_num(r, "count", cnt, sizeof cnt),
            field_num(r, "received", rcv, sizeof rcv),
            s_yes_no(r, "reconciled"),
            field_str(r, "outcome"),
            field_str(r, "reason") ? reason : NULL};
        table_add(t, cells);
        free(reason);
    }
    fprintf(out, "\nReports (COUNT: as the partner says; ARRIVED: "
                 "referrals regie received in the period)\n");
    table_print(t, out);
    table_destroy(&t);
}

static void s_events(FILE *out, const json_t *rows)
{
    static const char *const h[] = {"AT", "ACTOR", "ACTION", "DETAILS"};
    table_t *t = table_new(4, h);
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e)
    {
        char at[TABLE_TIME_MAX];
        char *details = s_details(e);
        char *shown = details ? table_clean(details, false, 0) : NULL;
        const char *cells[] = {table_time(field_str(e, "at"), at, sizeof at),
                               field_str(e, "actor"), field_str(e, "action"),
                               shown};
        table_add(t, cells);
        free(details);
        free(shown);
    }
    fprintf(out, "\nEvents\n");
    table_print(t, out);
    table_destroy(&t);
}

void viewagree_show(FILE *out, const json_t *a)
{
    viewagree_one(out, a);
    const json_t *occ = json_object_get(a, "occurrences");
    const json_t *rep = json_object_get(a, "reports");
    const json_t *ev = json_object_get(a, "events");
    if (json_array_size(occ) > 0)
        s_occurrences(out, occ);
    if (json_array_size(rep) > 0)
        s_reports(out, rep);
    if (json_array_size(ev) > 0)
        s_events(out, ev);
}

void viewagree_report(FILE *out, const json_t *r)
{
    const char *st = field_str(r, "agreement_status");
    fprintf(out, "Report %s is recorded for agreement %s.\n",
            field_str(r, "report") ? field_str(r, "report") : "?",
            field_str(r, "agreement") ? field_str(r, "agreement") : "?");
    if (st && strcmp(st, "met") == 0)
        fprintf(out, "The agreement is met, on time.\n");
    else if (st && strcmp(st, "met_late") == 0)
        fprintf(out, "The agreement is met, late.\n");
    else if (st && strcmp(st, "open") == 0)
        fprintf(out, "The agreement stays open: the report says it is not "
                     "delivered, and the reason is on record.\n");
    else
        field_print(out, "Agreement", st);
    if (field_str(r, "next_due")) {
        char due[TABLE_TIME_MAX];
        fprintf(out, "%s %s.\n",
                st && strcmp(st, "open") == 0 ? "It is still due"
                                              : "The next report is due",
                table_time(field_str(r, "next_due"), due, sizeof due));
    }
    json_t *rc = json_object_get(r, "reconciled");
    if (json_is_true(rc))
        fprintf(out, "The count matches the referrals regie received in "
                     "the period.\n");
    else if (json_is_false(rc))
        fprintf(out, "The count does not match the referrals regie "
                     "received in the period: recorded as not kept.\n");
}

/* The reasons of the overdue rows, one line each, under the table. */
static void s_reasons(FILE *out, const json_t *rows)
{
    size_t i, j, shown = 0;
    json_t *r, *why;
    json_array_foreach(rows, i, r)
    {
        json_array_foreach(json_object_get(r, "reasons"), j, why)
        {
            if (!json_is_string(why))
                continue;
            if (shown++ == 0)
                fprintf(out, "\nReasons given\n");
            char *text = table_clean(json_string_value(why), false, 0);
            fprintf(out, "  %s  %s\n",
                    field_str(r, "agreement") ? field_str(r, "agreement") : "?",
                    text);
            free(text);
        }
    }
}

/* The counts that did not match what arrived, both numbers. */
static void s_unreconciled(FILE *out, const json_t *rows)
{
    size_t i;
    json_t *a;
    bool head = false;
    json_array_foreach(rows, i, a)
    {
        const json_t *u = json_object_get(a, "unreconciled");
        if (!u)
            continue;
        if (!head)
            fprintf(out, "\nCounts not reconciled (not kept):\n");
        head = true;
        char *owner = s_owner(a);
        char *period = table_clean(field_str(u, "period"), false, 20);
        fprintf(out, "  %s %s: reported %lld for %s, received by regie %lld\n",
                field_str(a, "agreement"), owner,
                (long long)json_integer_value(json_object_get(u, "reported")),
                period,
                (long long)json_integer_value(json_object_get(u, "received")));
        free(owner);
        free(period);
    }
}

void viewagree_overdue(FILE *out, const json_t *rows)
{
    static const char *const h[] = {"OWNER",  "AGREEMENT", "KIND",
                                    "CASE",   "DUE",       ">DAYS LATE",
                                    ">LEVEL", ">MISSED",   "DESCRIPTION"};
    table_t *t = table_new(9, h);
    size_t i;
    json_t *a;
    json_array_foreach(rows, i, a)
    {
        char late[32], level[32], missed[32], due[TABLE_TIME_MAX];
        char *owner = s_owner(a);
        char *desc =
            table_clean(field_str(a, "description"), false, S_DESC_MAX);
        const char *cells[] = {
            owner,
            field_str(a, "agreement"),
            field_str(a, "kind"),
            field_str(a, "case"),
            table_time(field_str(a, "due_at"), due, sizeof due),
            field_num(a, "days_late", late, sizeof late),
            field_num(a, "level", level, sizeof level),
            field_num(a, "missed_in_row", missed, sizeof missed),
            desc};
        table_add(t, cells);
        free(owner);
        free(desc);
    }
    if (table_rows(t) == 0) {
        fprintf(out, "Nothing is overdue.\n");
    } else {
        table_print(t, out);
        s_reasons(out, rows);
        s_unreconciled(out, rows);
    }
    table_destroy(&t);
}

void viewagree_clock(FILE *out, const json_t *r)
{
    char now[TABLE_TIME_MAX];
    fprintf(out, "regied's clock now says %s.\n",
            table_time(field_str(r, "now"), now, sizeof now));
}
