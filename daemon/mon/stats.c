/*
 * stats — the figures of a period, read from the store (see stats.h).
 *
 * Definitions, in the order of the result:
 * - referrals: received in [from, to); matched when the case it joined
 *   existed already (case_status as first acknowledged is not "new").
 *   Referrals purged for retention are no longer counted.
 * - domains: cfg_domain() of each referral's category (care,
 *   participation, safety, other); counts only, never the category.
 * - assignment: cases whose assigned_at lies in [from, to); the time is
 *   assigned_at minus the received_at of the case's first referral (its
 *   opened_at when that referral was purged); organisation is that of
 *   the regisseur who holds the case now.
 * - reports: occurrences of progress and partner agreements, and of
 *   every agreement a gemeente department owns, due in [from, to): met
 *   is on time, met_late late, missed missing, waived
 *   waived, and a report whose count did not match what arrived
 *   unreconciled (not kept, whatever its time: AGREE_OUTCOME_SQL); an
 *   open agreement whose current due time lies in the period and has
 *   passed counts as missing too. extensions and waivers are the
 *   agreement.extended / agreement.waived events in [from, to). Shares
 *   divide by on_time + late + missing + unreconciled. Progress reports
 *   are grouped by the organisation of the owning regisseur, partner
 *   reports by partner, a department's agreements (of any kind) by
 *   department.
 * - network: cases active in the period (opened before to, not closed
 *   before from); mapped / engaged when that was recorded before to.
 * Main thread only.
 */
#include "stats.h"

#include "agree/agree.h"
#include "cal.h"
#include "ref.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const s_domains[] = {"care", "participation", "safety",
                                        "other"};
#define S_DOMAINS 4

static const char *const s_tally_keys[] = {
    "on_time", "late",       "missing", "unreconciled",
    "waived",  "extensions", "waivers"};
#define S_TALLY 7

static const char s_sql_referrals[] =
    "SELECT partner, received_at, case_status, category FROM referral"
    " WHERE received_at >= ?1 AND received_at < ?2";
static const char s_sql_assigned[] =
    "SELECT coalesce(r.organisation, '-'), c.assigned_at - coalesce("
    "(SELECT min(f.received_at) FROM referral f WHERE f.case_id = c.id),"
    " c.opened_at) FROM cases c LEFT JOIN regisseur r"
    " ON r.id = c.regisseur_id"
    " WHERE c.assigned_at >= ?1 AND c.assigned_at < ?2";
/* clang-format off */
/* Rows (section, group, tally key, count) of the three sources of
 * reports: ended occurrences, current overdue occurrences, extension and
 * waiver events. The section is progress, partner or department; the
 * group the organisation, the partner or the department. */
#define S_SECTION                                                            \
    "CASE WHEN a.owner_type = 'department' THEN 'department' ELSE a.kind END"
#define S_GROUP                                                              \
    "CASE a.kind WHEN 'progress' THEN coalesce(r.organisation, '-')"         \
    " ELSE a.owner END"
#define S_JOIN                                                               \
    " LEFT JOIN regisseur r ON a.owner_type = 'regisseur'"                   \
    " AND r.id = CAST(a.owner AS INTEGER)"
#define S_COUNTED                                                            \
    " (a.kind IN ('progress', 'partner') OR a.owner_type = 'department')"
static const char s_sql_reports[] =
    "SELECT " S_SECTION ", " S_GROUP ", CASE " AGREE_OUTCOME_SQL("o")
    " WHEN 'met' THEN 'on_time' WHEN 'met_late' THEN 'late'"
    " WHEN 'met_unreconciled' THEN 'unreconciled' WHEN 'missed'"
    " THEN 'missing' WHEN 'waived' THEN 'waived' END, count(*)"
    " FROM occurrence o JOIN agreement a ON a.id = o.agreement_id" S_JOIN
    " WHERE" S_COUNTED " AND o.due_at >= ?1"
    " AND o.due_at < ?2 AND o.outcome <> 'closed' GROUP BY 1, 2, 3"
    " UNION ALL"
    " SELECT " S_SECTION ", " S_GROUP ", 'missing', count(*) FROM agreement a"
    S_JOIN " WHERE" S_COUNTED " AND a.status = 'open'"
    " AND a.due_at >= ?1 AND a.due_at < ?2 AND a.due_at < ?3 GROUP BY 1, 2"
    " UNION ALL"
    " SELECT " S_SECTION ", " S_GROUP ", CASE e.action WHEN"
    " 'agreement.extended' THEN 'extensions' ELSE 'waivers' END, count(*)"
    " FROM event e JOIN agreement a ON a.id = e.agreement_id" S_JOIN
    " WHERE" S_COUNTED " AND e.action IN"
    " ('agreement.extended', 'agreement.waived') AND e.at >= ?1"
    " AND e.at < ?2 GROUP BY 1, 2, 3";
/* clang-format on */
static const char s_sql_network[] =
    "SELECT count(*),"
    " coalesce(sum(network_mapped_at IS NOT NULL AND network_mapped_at < ?2),"
    " 0),"
    " coalesce(sum(network_engaged_at IS NOT NULL"
    " AND network_engaged_at < ?2), 0)"
    " FROM cases WHERE opened_at < ?2 AND (closed_at IS NULL"
    " OR closed_at >= ?1)";

/* ------------------------------------------------------------ helpers */

char *stats_iso_week(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    if (strftime(buf, len, "%G-W%V", &tm) == 0 && len > 0)
        buf[0] = '\0';
    return buf;
}

int64_t stats_week_start(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    tm.tm_mday -= (tm.tm_wday + 6) % 7;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

double stats_percentile(const double *sorted, size_t n, double p)
{
    double h = (double)(n - 1) * p / 100.0;
    size_t lo = (size_t)h;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

static json_t *s_share(json_int_t part, json_int_t whole)
{
    return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

/* Adds by to the integer member key of o (created at 0). */
static void s_inc(json_t *o, const char *key, json_int_t by)
{
    json_t *v = json_object_get(o, key);
    json_object_set_new(o, key, json_integer(json_integer_value(v) + by));
}

static json_int_t s_int(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static int s_cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of map as an array sorted by key, each object with the
 * key added as member name. Takes map. */
static json_t *s_sorted(json_t *map, const char *name)
{
    size_t n = json_object_size(map), i = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const char *k;
    json_t *v, *out = json_array();
    json_object_foreach(map, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, s_cmp_key);
    for (i = 0; i < n; i++) {
        json_t *o = json_deep_copy(json_object_get(map, keys[i]));
        json_object_set_new(o, name, json_string(keys[i]));
        json_array_append_new(out, o);
    }
    free(keys);
    json_decref(map);
    return out;
}

/* An object with every domain at 0. */
static json_t *s_domain_counts(void)
{
    json_t *o = json_object();
    for (int i = 0; i < S_DOMAINS; i++)
        json_object_set_new(o, s_domains[i], json_integer(0));
    return o;
}

/* ------------------------------------------------------------ referrals */

/* Counts one referral row into the partner and week maps. */
static void s_count_referral(const cfg_t *cfg, json_t *partners,
                             json_t *weeks, sqlite3_stmt *st)
{
    const char *pid = (const char *)sqlite3_column_text(st, 0);
    const char *status = (const char *)sqlite3_column_text(st, 2);
    const char *category = (const char *)sqlite3_column_text(st, 3);
    const char *domain = cfg_domain(cfg, category ? category : "");
    char week[STATS_WEEK_MAX];
    stats_iso_week(sqlite3_column_int64(st, 1), week, sizeof week);
    json_t *p = json_object_get(partners, pid ? pid : "?");
    if (!p) {
        const cfg_partner_t *cp = pid ? cfg_partner_by_id(cfg, pid) : NULL;
        p = json_pack("{s:s?, s:I, s:I, s:{}, s:o}", "name",
                      cp ? cp->name : NULL, "total", (json_int_t)0,
                      "matched", (json_int_t)0, "weeks", "domains",
                      s_domain_counts());
        json_object_set_new(partners, pid ? pid : "?", p);
    }
    s_inc(p, "total", 1);
    s_inc(p, "matched", status && strcmp(status, "new") != 0);
    s_inc(json_object_get(p, "weeks"), week, 1);
    s_inc(json_object_get(p, "domains"), domain, 1);
    json_t *w = json_object_get(weeks, week);
    if (!w) {
        w = s_domain_counts();
        json_object_set_new(weeks, week, w);
    }
    s_inc(w, domain, 1);
}

/* Builds "referrals" and "domains" of out from the partner and week
 * maps (taken); week_list names every week of the period. */
static void s_referral_sections(json_t *out, json_t *partners, json_t *weeks,
                                const json_t *week_list)
{
    json_t *total = s_domain_counts(), *by_domain = json_array();
    json_int_t all = 0, matched = 0;
    json_t *rows = s_sorted(partners, "partner");
    size_t i, j;
    json_t *p, *w;
    json_array_foreach(rows, i, p)
    {
        json_t *dom = json_incref(json_object_get(p, "domains"));
        json_object_del(p, "domains");
        json_t *pw = json_object_get(p, "weeks");
        json_array_foreach(week_list, j, w)
            s_inc(pw, json_string_value(w), 0);
        all += s_int(p, "total");
        matched += s_int(p, "matched");
        json_object_set_new(p, "matched_share",
                            s_share(s_int(p, "matched"), s_int(p, "total")));
        for (int d = 0; d < S_DOMAINS; d++)
            s_inc(total, s_domains[d], s_int(dom, s_domains[d]));
        json_object_set_new(dom, "partner",
                            json_incref(json_object_get(p, "partner")));
        json_array_append_new(by_domain, dom);
    }
    json_array_foreach(week_list, j, w)
    {
        if (!json_object_get(weeks, json_string_value(w)))
            json_object_set_new(weeks, json_string_value(w),
                                s_domain_counts());
    }
    json_object_set_new(out, "referrals",
                        json_pack("{s:I, s:I, s:o, s:o}", "total", all,
                                  "matched", matched, "matched_share",
                                  s_share(matched, all), "by_partner", rows));
    json_object_set_new(out, "domains",
                        json_pack("{s:o, s:o, s:o}", "total", total,
                                  "by_partner", by_domain, "by_week",
                                  s_sorted(weeks, "week")));
}

static int s_referrals(store_t *s, const cfg_t *cfg, int64_t from,
                       int64_t to, json_t *out)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_referrals);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, from);
    store_bind_int64(s, st, 2, to);
    json_t *partners = json_object(), *weeks = json_object();
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        s_count_referral(cfg, partners, weeks, st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(partners);
        json_decref(weeks);
        return -1;
    }
    s_referral_sections(out, partners, weeks, json_object_get(out, "weeks"));
    return 0;
}

/* ------------------------------------------------------------ assignment */

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* {cases, median_s, p90_s} of n values (sorted here). */
static json_t *s_times(double *v, size_t n)
{
    qsort(v, n, sizeof *v, s_cmp_double);
    return json_pack("{s:I, s:o, s:o}", "cases", (json_int_t)n, "median_s",
                     n ? json_real(stats_percentile(v, n, 50)) : json_null(),
                     "p90_s",
                     n ? json_real(stats_percentile(v, n, 90)) : json_null());
}

static int s_assignment(store_t *s, int64_t from, int64_t to, json_t *out)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_assigned);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, from);
    store_bind_int64(s, st, 2, to);
    size_t n = 0, cap = 64;
    double *all = xmalloc(cap * sizeof *all);
    char **orgs = xmalloc(cap * sizeof *orgs);
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            all = xrealloc(all, cap * sizeof *all);
            orgs = xrealloc(orgs, cap * sizeof *orgs);
        }
        orgs[n] = store_column_dup(st, 0);
        all[n++] = (double)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    json_t *by_org = json_object();
    double *group = xmalloc((n ? n : 1) * sizeof *group);
    for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
        if (json_object_get(by_org, orgs[i]))
            continue;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (strcmp(orgs[j], orgs[i]) == 0)
                group[k++] = all[j];
        json_object_set_new(by_org, orgs[i], s_times(group, k));
    }
    json_t *a = s_times(all, n);
    json_object_set_new(a, "by_organisation",
                        s_sorted(by_org, "organisation"));
    json_object_set_new(out, "assignment", a);
    for (size_t i = 0; i < n; i++)
        free(orgs[i]);
    free(orgs);
    free(all);
    free(group);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ reports */

static json_t *s_tally(void)
{
    json_t *o = json_object();
    for (int i = 0; i < S_TALLY; i++)
        json_object_set_new(o, s_tally_keys[i], json_integer(0));
    return o;
}

/* Adds the shares to a tally. */
static void s_tally_shares(json_t *t)
{
    json_int_t whole = s_int(t, "on_time") + s_int(t, "late") +
                       s_int(t, "missing") + s_int(t, "unreconciled");
    json_object_set_new(t, "on_time_share", s_share(s_int(t, "on_time"),
                                                    whole));
    json_object_set_new(t, "late_share", s_share(s_int(t, "late"), whole));
    json_object_set_new(t, "missing_share", s_share(s_int(t, "missing"),
                                                    whole));
    json_object_set_new(t, "unreconciled_share",
                        s_share(s_int(t, "unreconciled"), whole));
}

/* The tally of a kind: totals, and groups sorted under group_list. */
static json_t *s_kind_section(json_t *groups, const char *group_list,
                              const char *group_name)
{
    json_t *total = s_tally();
    const char *k;
    json_t *g;
    json_object_foreach(groups, k, g)
    {
        for (int i = 0; i < S_TALLY; i++)
            s_inc(total, s_tally_keys[i], s_int(g, s_tally_keys[i]));
        s_tally_shares(g);
    }
    s_tally_shares(total);
    json_object_set_new(total, group_list, s_sorted(groups, group_name));
    return total;
}

/* The sections of "reports": name, list of groups, a group's key. */
static const char *const s_sections[][3] = {
    {"progress", "by_organisation", "organisation"},
    {"partner", "by_partner", "partner"},
    {"department", "by_department", "department"}};
#define S_SECTIONS 3

/* Counts one row of s_sql_reports into its section's group. */
static void s_count_report(json_t *sections, sqlite3_stmt *st)
{
    const char *section = (const char *)sqlite3_column_text(st, 0);
    const char *group = (const char *)sqlite3_column_text(st, 1);
    const char *key = (const char *)sqlite3_column_text(st, 2);
    json_t *map = json_object_get(sections, section ? section : "");
    if (!map)
        return;
    json_t *g = json_object_get(map, group ? group : "-");
    if (!g) {
        g = s_tally();
        json_object_set_new(map, group ? group : "-", g);
    }
    if (key)
        s_inc(g, key, sqlite3_column_int64(st, 3));
}

static int s_reports(store_t *s, int64_t from, int64_t to, int64_t now,
                     json_t *out)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_reports);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, from);
    store_bind_int64(s, st, 2, to);
    store_bind_int64(s, st, 3, now);
    json_t *sections = json_object();
    for (int i = 0; i < S_SECTIONS; i++)
        json_object_set_new(sections, s_sections[i][0], json_object());
    int rc;
    while ((rc = store_step(s, st)) == SQLITE_ROW)
        s_count_report(sections, st);
    sqlite3_reset(st);
    json_t *r = json_object();
    for (int i = 0; i < S_SECTIONS; i++) {
        json_t *groups =
            json_incref(json_object_get(sections, s_sections[i][0]));
        json_object_set_new(
            r, s_sections[i][0],
            s_kind_section(groups, s_sections[i][1], s_sections[i][2]));
    }
    json_decref(sections);
    json_object_set_new(out, "reports", r);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ network */

static int s_network(store_t *s, int64_t from, int64_t to, json_t *out)
{
    sqlite3_stmt *st = store_prepare(s, s_sql_network);
    if (!st)
        return -1;
    store_bind_int64(s, st, 1, from);
    store_bind_int64(s, st, 2, to);
    if (store_step(s, st) != SQLITE_ROW)
        return -1;
    json_int_t n = sqlite3_column_int64(st, 0);
    json_int_t mapped = sqlite3_column_int64(st, 1);
    json_int_t engaged = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    json_object_set_new(out, "network",
                        json_pack("{s:I, s:I, s:I, s:o, s:o}", "cases", n,
                                  "mapped", mapped, "engaged", engaged,
                                  "mapped_share", s_share(mapped, n),
                                  "engaged_share", s_share(engaged, n)));
    return 0;
}

/* ------------------------------------------------------------ all */

/* Every ISO week that [from, to) touches. */
static json_t *s_week_list(int64_t from, int64_t to)
{
    json_t *weeks = json_array();
    char w[STATS_WEEK_MAX];
    for (int64_t t = stats_week_start(from); t < to; t = cal_add_days(t, 7))
        json_array_append_new(weeks,
                              json_string(stats_iso_week(t, w, sizeof w)));
    return weeks;
}

json_t *stats_compute(store_t *s, const cfg_t *cfg, int64_t from, int64_t to,
                      int64_t now, problem_t *pb)
{
    json_t *out = json_pack("{s:o, s:o, s:o}", "from", ref_time_json(from),
                            "to", ref_time_json(to), "weeks",
                            s_week_list(from, to));
    if (s_referrals(s, cfg, from, to, out) < 0 ||
        s_assignment(s, from, to, out) < 0 ||
        s_reports(s, from, to, now, out) < 0 ||
        s_network(s, from, to, out) < 0) {
        json_decref(out);
        problem_store(pb);
        return NULL;
    }
    return out;
}
