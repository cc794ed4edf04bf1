/*
 * viewmon — human and CSV views of the monitoring commands, for
 * regiectl.
 */
#include "viewmon.h"

#include "field.h"
#include "ref.h"
#include "strbuf.h"
#include "table.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_DETAILS_MAX 70 /* characters of an event's details shown */

static const char *const s_domains[] = {"care", "participation", "safety",
                                        "other"};

static long long s_int(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* "12 (40%)" of a count and its share (a real or null). */
static char *s_part(const json_t *o, const char *count, const char *share)
{
    json_t *v = json_object_get(o, share);
    if (!json_is_number(v))
        return xasprintf("%lld", s_int(o, count));
    return xasprintf("%lld (%.0f%%)", s_int(o, count),
                     json_number_value(v) * 100.0);
}

/* Seconds as days with one decimal, or "-". */
static void s_days(const json_t *v, char *buf, size_t len)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.1f d", json_number_value(v) / 86400.0);
    else
        snprintf(buf, len, "-");
}

/* Whether key names a time: "at", "*_at", "until", "due", "next_due". */
static bool s_time_key(const char *key)
{
    size_t n = strlen(key);
    return strcmp(key, "at") == 0 || strcmp(key, "until") == 0 ||
           strcmp(key, "due") == 0 || strcmp(key, "next_due") == 0 ||
           (n > 3 && strcmp(key + n - 3, "_at") == 0);
}

/* The details of an event for a person: "key=value" pairs, a time (in
 * epoch seconds or RFC 3339) as every other view shows it, a string as
 * it is, anything else as JSON. A new string; NULL when there are none. */
static char *s_details(const json_t *d)
{
    if (!json_is_object(d))
        return d && !json_is_null(d) ? json_dumps(d, JSON_ENCODE_ANY) : NULL;
    strbuf_t b = {0};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)d, key, v)
    {
        char when[TABLE_TIME_MAX], *text = NULL;
        const char *shown;
        if (s_time_key(key) && json_is_integer(v)) {
            char rfc[40];
            shown = table_time(ref_time(rfc, sizeof rfc, json_integer_value(v)),
                               when, sizeof when);
        } else if (s_time_key(key) && json_is_string(v)) {
            shown = table_time(json_string_value(v), when, sizeof when);
        } else if (json_is_string(v)) {
            shown = json_string_value(v);
        } else {
            shown = text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        }
        strbuf_printf(&b, "%s%s=%s", b.len ? " " : "", key, shown);
        free(text);
    }
    return strbuf_take(&b);
}

void viewmon_log(FILE *out, const json_t *rows)
{
    static const char *const h[] = {"TIME",      "ACTOR", "ACTION", "CASE",
                                    "AGREEMENT", "REF",   "DETAILS"};
    table_t *t = table_new(7, h);
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e)
    {
        char when[TABLE_TIME_MAX];
        json_t *d = json_object_get(e, "details");
        char *text = s_details(d);
        char *shown = text ? table_clean(text, false, S_DETAILS_MAX) : NULL;
        const char *cells[] = {
            table_time(field_str(e, "at"), when, sizeof when),
            field_str(e, "actor"),
            field_str(e, "action"),
            field_str(e, "case"),
            field_str(e, "agreement"),
            field_str(e, "ref"),
            shown};
        table_add(t, cells);
        free(text);
        free(shown);
    }
    if (table_rows(t) == 0)
        fprintf(out, "No events.\n");
    else
        table_print(t, out);
    table_destroy(&t);
}

/* ------------------------------------------------------------ stats */

/* Frees the n strings of c and c. */
static void s_free_all(char **c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i]);
    free(c);
}

/* The headers of the referral table (owned, weeks + 4): PARTNER, one
 * column per week ("W47" of "2026-W47"), TOTAL, MATCHED, SHARE. */
static char **s_referral_head(const json_t *weeks)
{
    size_t nw = json_array_size(weeks), i;
    char **h = xcalloc(nw + 4, sizeof *h);
    json_t *w;
    h[0] = xstrdup("PARTNER");
    json_array_foreach(weeks, i, w)
    {
        h[i + 1] = xasprintf(">%s", json_string_value(w) + 5);
    }
    h[nw + 1] = xstrdup(">TOTAL");
    h[nw + 2] = xstrdup(">MATCHED");
    h[nw + 3] = xstrdup(">SHARE");
    return h;
}

/* The cells (owned, weeks + 4) of partner p's row in that table. */
static char **s_referral_row(const json_t *p, const json_t *weeks)
{
    size_t nw = json_array_size(weeks), j;
    char **c = xcalloc(nw + 4, sizeof *c);
    json_t *w;
    c[0] = xstrdup(field_str(p, "partner"));
    json_array_foreach(weeks, j, w)
    {
        c[j + 1] = xasprintf(
            "%lld", s_int(json_object_get(p, "weeks"), json_string_value(w)));
    }
    c[nw + 1] = xasprintf("%lld", s_int(p, "total"));
    c[nw + 2] = xasprintf("%lld", s_int(p, "matched"));
    json_t *sh = json_object_get(p, "matched_share");
    c[nw + 3] = json_is_number(sh)
                    ? xasprintf("%.0f%%", json_number_value(sh) * 100)
                    : xstrdup("-");
    return c;
}

/* Referrals per partner and week, with totals and the share matched. */
static void s_referral_table(FILE *out, const json_t *s)
{
    const json_t *weeks = json_object_get(s, "weeks");
    size_t n = json_array_size(weeks) + 4, i;
    char **h = s_referral_head(weeks);
    table_t *t = table_new(n, (const char *const *)h);
    json_t *p;
    json_array_foreach(
        json_object_get(json_object_get(s, "referrals"), "by_partner"), i, p)
    {
        char **c = s_referral_row(p, weeks);
        table_add(t, (const char *const *)c);
        s_free_all(c, n);
    }
    if (table_rows(t))
        table_print(t, out);
    table_destroy(&t);
    s_free_all(h, n);
}

/* A table of domain counts of rows, keyed by the member key. */
static void s_domain_table(FILE *out, const json_t *rows, const char *key,
                           const char *head)
{
    const char *h[] = {head, ">CARE", ">PARTICIPATION", ">SAFETY", ">OTHER"};
    table_t *t = table_new(5, h);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char v[4][24];
        const char *c[5] = {field_str(r, key)};
        for (int d = 0; d < 4; d++) {
            snprintf(v[d], sizeof v[d], "%lld", s_int(r, s_domains[d]));
            c[d + 1] = v[d];
        }
        table_add(t, c);
    }
    if (table_rows(t))
        table_print(t, out);
    table_destroy(&t);
}

/* A table of tallies (reports) of rows, keyed by the member key. */
static void s_tally_table(FILE *out, const json_t *rows, const char *key,
                          const char *head)
{
    const char *h[] = {head,      ">ON TIME", ">LATE",       ">MISSING",
                       ">COUNT OFF", ">WAIVED", ">EXTENSIONS", ">WAIVERS"};
    table_t *t = table_new(8, h);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char *c[8] = {xstrdup(field_str(r, key)),
                      s_part(r, "on_time", "on_time_share"),
                      s_part(r, "late", "late_share"),
                      s_part(r, "missing", "missing_share"),
                      s_part(r, "unreconciled", "unreconciled_share"),
                      xasprintf("%lld", s_int(r, "waived")),
                      xasprintf("%lld", s_int(r, "extensions")),
                      xasprintf("%lld", s_int(r, "waivers"))};
        table_add(t, (const char *const *)c);
        for (int k = 0; k < 8; k++)
            free(c[k]);
    }
    if (table_rows(t))
        table_print(t, out);
    table_destroy(&t);
}

static void s_assignment(FILE *out, const json_t *a)
{
    char med[32], p90[32];
    s_days(json_object_get(a, "median_s"), med, sizeof med);
    s_days(json_object_get(a, "p90_s"), p90, sizeof p90);
    fprintf(out,
            "\nTime from referral to regisseur: %lld cases assigned, "
            "median %s, 90th percentile %s\n",
            s_int(a, "cases"), med, p90);
    static const char *const h[] = {"ORGANISATION", ">CASES", ">MEDIAN",
                                    ">90TH PERCENTILE"};
    table_t *t = table_new(4, h);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(a, "by_organisation"), i, r)
    {
        char n[24];
        snprintf(n, sizeof n, "%lld", s_int(r, "cases"));
        s_days(json_object_get(r, "median_s"), med, sizeof med);
        s_days(json_object_get(r, "p90_s"), p90, sizeof p90);
        const char *c[] = {field_str(r, "organisation"), n, med, p90};
        table_add(t, c);
    }
    if (table_rows(t))
        table_print(t, out);
    table_destroy(&t);
}

/* The referrals: how many, the share matched, the table by partner. */
static void s_stats_referrals(FILE *out, const json_t *s)
{
    const json_t *r = json_object_get(s, "referrals");
    char *m = s_part(r, "matched", "matched_share");
    fprintf(out,
            "Referrals: %lld, of which matched to an existing case: "
            "%s\n",
            s_int(r, "total"), m);
    free(m);
    s_referral_table(out, s);
}

/* Care against participation: the totals, by partner and by week. */
static void s_stats_domains(FILE *out, const json_t *d)
{
    const json_t *dt = json_object_get(d, "total");
    fprintf(out,
            "\nCare and participation: care %lld, participation %lld, "
            "safety %lld, other %lld\n",
            s_int(dt, "care"), s_int(dt, "participation"), s_int(dt, "safety"),
            s_int(dt, "other"));
    s_domain_table(out, json_object_get(d, "by_partner"), "partner", "PARTNER");
    s_domain_table(out, json_object_get(d, "by_week"), "week", "WEEK");
}

/* Progress reports by organisation, then partners' periodic reports. */
static void s_stats_reports(FILE *out, const json_t *rep)
{
    const json_t *p = json_object_get(rep, "progress");
    char *on = s_part(p, "on_time", "on_time_share");
    char *late = s_part(p, "late", "late_share");
    char *miss = s_part(p, "missing", "missing_share");
    fprintf(out,
            "\nProgress reports: on time %s, late %s, missing %s; "
            "waived %lld, extensions %lld, waivers %lld\n",
            on, late, miss, s_int(p, "waived"), s_int(p, "extensions"),
            s_int(p, "waivers"));
    free(on);
    free(late);
    free(miss);
    s_tally_table(out, json_object_get(p, "by_organisation"), "organisation",
                  "ORGANISATION");
    fprintf(out, "\nPartners' periodic reports (count off: a count that "
                 "is not what regie received, not kept):\n");
    s_tally_table(
        out, json_object_get(json_object_get(rep, "partner"), "by_partner"),
        "partner", "PARTNER");
    const json_t *dep = json_object_get(rep, "department");
    if (json_array_size(json_object_get(dep, "by_department")) == 0)
        return;
    fprintf(out, "\nThe gemeente departments' agreements:\n");
    s_tally_table(out, json_object_get(dep, "by_department"), "department",
                  "DEPARTMENT");
}

/* The social network of the households: mapped, engaged. */
static void s_stats_network(FILE *out, const json_t *net)
{
    char *mp = s_part(net, "mapped", "mapped_share");
    char *en = s_part(net, "engaged", "engaged_share");
    fprintf(out,
            "\nSocial network of the household, of %lld cases active: "
            "mapped %s, engaged %s\n",
            s_int(net, "cases"), mp, en);
    free(mp);
    free(en);
}

void viewmon_stats(FILE *out, const json_t *s)
{
    char from[TABLE_TIME_MAX], to[TABLE_TIME_MAX];
    fprintf(out, "Statistics from %s to %s\n\n",
            table_time(field_str(s, "from"), from, sizeof from),
            table_time(field_str(s, "to"), to, sizeof to));
    s_stats_referrals(out, s);
    s_stats_domains(out, json_object_get(s, "domains"));
    s_assignment(out, json_object_get(s, "assignment"));
    s_stats_reports(out, json_object_get(s, "reports"));
    s_stats_network(out, json_object_get(s, "network"));
}

/* ------------------------------------------------------------ CSV */

/* A CSV field: quoted when it holds a comma, quote or newline. */
static void s_field(FILE *out, const char *v)
{
    if (!v)
        return;
    if (!strpbrk(v, ",\"\n\r")) {
        fputs(v, out);
        return;
    }
    fputc('"', out);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', out);
        fputc(*v, out);
    }
    fputc('"', out);
}

/* One line per number (or null) member of o. */
static void s_csv(FILE *out, const char *section, const char *partner,
                  const char *org, const char *week, const char *domain,
                  const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (!json_is_number(v) && !json_is_null(v))
            continue;
        const char *cells[] = {section, partner, org, week, domain, k};
        for (int i = 0; i < 6; i++) {
            s_field(out, cells[i]);
            fputc(',', out);
        }
        if (json_is_integer(v))
            fprintf(out, "%lld\n", (long long)json_integer_value(v));
        else if (json_is_real(v))
            fprintf(out, "%.4f\n", json_real_value(v));
        else
            fputc('\n', out);
    }
}

/* Domain counts of rows, keyed by partner or week. */
static void s_csv_domains(FILE *out, const json_t *o, const char *partner,
                          const char *week)
{
    for (int d = 0; d < 4; d++) {
        json_t *one =
            json_pack("{s:O}", "referrals", json_object_get(o, s_domains[d]));
        s_csv(out, "domains", partner, NULL, week, s_domains[d], one);
        json_decref(one);
    }
}

/* The figures of o in section, then those of each row of its member
 * list, a row keyed by its member key (partner; anything else, an
 * organisation or a department, goes in the organisation column); with
 * weeks, each row's counts per week follow it. */
static void s_csv_group(FILE *out, const char *section, const json_t *o,
                        const char *list, const char *key, bool weeks)
{
    bool by_partner = strcmp(key, "partner") == 0;
    size_t i;
    json_t *r, *v;
    const char *k;
    s_csv(out, section, NULL, NULL, NULL, NULL, o);
    json_array_foreach(json_object_get(o, list), i, r)
    {
        const char *name = field_str(r, key);
        s_csv(out, section, by_partner ? name : NULL, by_partner ? NULL : name,
              NULL, NULL, r);
        json_object_foreach(weeks ? json_object_get(r, "weeks") : NULL, k, v)
        {
            json_t *one = json_pack("{s:O}", "referrals", v);
            s_csv(out, section, name, NULL, k, NULL, one);
            json_decref(one);
        }
    }
}

void viewmon_stats_csv(FILE *out, const json_t *s)
{
    size_t i;
    json_t *r;
    const json_t *d = json_object_get(s, "domains");
    const json_t *rep = json_object_get(s, "reports");
    fprintf(out, "section,partner,organisation,week,domain,measure,value\n");
    s_csv_group(out, "referrals", json_object_get(s, "referrals"), "by_partner",
                "partner", true);
    s_csv_domains(out, json_object_get(d, "total"), NULL, NULL);
    json_array_foreach(json_object_get(d, "by_partner"), i, r)
        s_csv_domains(out, r, field_str(r, "partner"), NULL);
    json_array_foreach(json_object_get(d, "by_week"), i, r)
        s_csv_domains(out, r, NULL, field_str(r, "week"));
    s_csv_group(out, "assignment", json_object_get(s, "assignment"),
                "by_organisation", "organisation", false);
    s_csv_group(out, "progress_reports", json_object_get(rep, "progress"),
                "by_organisation", "organisation", false);
    s_csv_group(out, "partner_reports", json_object_get(rep, "partner"),
                "by_partner", "partner", false);
    s_csv_group(out, "department_agreements",
                json_object_get(rep, "department"), "by_department",
                "department", false);
    s_csv(out, "network", NULL, NULL, NULL, NULL,
          json_object_get(s, "network"));
}

/* ------------------------------------------------------------ others */

void viewmon_purge(FILE *out, const json_t *r)
{
    const json_t *c = json_object_get(r, "counts");
    char closed[TABLE_TIME_MAX], old[TABLE_TIME_MAX];
    bool dry = json_is_true(json_object_get(r, "dry_run"));
    fprintf(out,
            "%s\n"
            "  closed cases (closed before %s): %lld\n"
            "  referrals (of those cases, and of open cases received before "
            "%s): %lld\n"
            "  persons in closed cases (memberships): %lld\n"
            "  notifications about those referrals: %lld\n"
            "  close reasons and report notes: %lld\n",
            dry ? "A purge now would remove:" : "Purged:",
            table_time(field_str(r, "closed_before"), closed, sizeof closed),
            s_int(c, "cases"),
            table_time(field_str(r, "referrals_before"), old, sizeof old),
            s_int(c, "referrals"), s_int(c, "memberships"),
            s_int(c, "notifications"), s_int(c, "notes"));
}

void viewmon_backup(FILE *out, const json_t *r)
{
    char *path = table_clean(field_str(r, "path"), false, 0);
    if (strcmp(field_str(r, "state"), "done") == 0)
        fprintf(out,
                "Backup written to %s (%lld pages; integrity_check "
                "ok).\n",
                path, s_int(r, "pages"));
    else
        fprintf(out, "The backup to %s failed: %s\n", path,
                field_str(r, "error") ? field_str(r, "error")
                                      : "unknown error");
    free(path);
}

void viewmon_network(FILE *out, const json_t *r)
{
    char when[TABLE_TIME_MAX];
    fprintf(out, "Case %s: network ", field_str(r, "case"));
    if (field_str(r, "network_engaged_at"))
        fprintf(
            out, "engaged since %s (%s)",
            table_time(field_str(r, "network_engaged_at"), when, sizeof when),
            field_str(r, "network_engaged_by"));
    else
        fprintf(
            out, "mapped since %s (%s), not engaged yet",
            table_time(field_str(r, "network_mapped_at"), when, sizeof when),
            field_str(r, "network_mapped_by"));
    fprintf(out, ".\n");
}

void viewmon_digest(FILE *out, const json_t *r)
{
    fprintf(out, "To: %s\nSubject: %s\n\n%s", field_str(r, "to"),
            field_str(r, "subject"), field_str(r, "body"));
}
