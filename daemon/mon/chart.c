/*
 * chart — the digest chart's numbers, from stats_compute week by week,
 * and their plain-text table (see chart.h). Main thread only.
 */
#include "chart.h"

#include "cal.h"
#include "ref.h"
#include "stats.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LABEL 16 /* columns of the text table's labels */

/* Where stats_compute keeps the reports of each kind of owner: the
 * section of "reports", its list, a row's key, and the chart's type. */
static const char *const s_sections[][4] = {
    {"partner", "by_partner", "partner", "partner"},
    {"progress", "by_organisation", "organisation", "organisation"},
    {"department", "by_department", "department", "department"}};
#define S_SECTIONS 3

static json_int_t s_int(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* An array of CHART_WEEKS zeros. */
static json_t *s_zeros(void)
{
    json_t *a = json_array();
    for (int i = 0; i < CHART_WEEKS; i++)
        json_array_append_new(a, json_integer(0));
    return a;
}

/* Adds by to element i of the integer array a. */
static void s_add(json_t *a, size_t i, json_int_t by)
{
    json_int_t v = json_integer_value(json_array_get(a, i));
    json_array_set_new(a, i, json_integer(v + by));
}

/* What the gemeente calls the owner id of type. */
static const char *s_name(const cfg_t *cfg, const char *type, const char *id)
{
    if (strcmp(type, "partner") == 0) {
        const cfg_partner_t *p = cfg_partner_by_id(cfg, id);
        return p ? p->name : id;
    }
    if (strcmp(type, "department") == 0) {
        const cfg_department_t *d = cfg_department(cfg, id);
        return d && d->addr.name ? d->addr.name : id;
    }
    return strcmp(id, "-") == 0 ? "Zonder organisatie" : id;
}

/* Counts the not kept of one section of week w's stats into owners (a
 * map "type:id" to an owner row) and the week's total. */
static void s_section(const cfg_t *cfg, const json_t *reports, int sec,
                      size_t w, json_t *owners, json_t *total)
{
    const char *const *d = s_sections[sec];
    const json_t *list = json_object_get(json_object_get(reports, d[0]), d[1]);
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
    {
        json_int_t n = s_int(r, "missing") + s_int(r, "unreconciled");
        const char *id = json_string_value(json_object_get(r, d[2]));
        if (n == 0 || !id)
            continue;
        char *key = xasprintf("%s:%s", d[3], id);
        json_t *o = json_object_get(owners, key);
        if (!o) {
            o = json_pack("{s:s, s:s, s:s, s:o, s:I}", "type", d[3], "id", id,
                          "name", s_name(cfg, d[3], id), "not_kept", s_zeros(),
                          "total", (json_int_t)0);
            json_object_set_new(owners, key, o);
        }
        free(key);
        s_add(json_object_get(o, "not_kept"), w, n);
        json_object_set_new(o, "total", json_integer(s_int(o, "total") + n));
        s_add(total, w, n);
    }
}

/* Adds the numbers of week w, [from, to), to out and owners. */
static int s_week(store_t *s, const cfg_t *cfg, int64_t from, int64_t to,
                  int64_t now, size_t w, json_t *out, json_t *owners,
                  problem_t *pb)
{
    char week[STATS_WEEK_MAX];
    json_t *st = stats_compute(s, cfg, from, to, now, pb);
    if (!st)
        return -1;
    json_array_append_new(json_object_get(out, "weeks"),
                          json_string(stats_iso_week(from, week, sizeof week)));
    json_array_append_new(json_object_get(out, "from"), ref_time_json(from));
    json_array_append_new(json_object_get(out, "to"), ref_time_json(to));
    s_add(json_object_get(out, "referrals"), w,
          s_int(json_object_get(st, "referrals"), "total"));
    const json_t *reports = json_object_get(st, "reports");
    for (int i = 0; i < S_SECTIONS; i++)
        s_section(cfg, reports, i, w, owners, json_object_get(out, "not_kept"));
    json_decref(st);
    return 0;
}

/* The most not kept first, then by name. */
static int s_cmp_owner(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t tx = s_int(x, "total"), ty = s_int(y, "total");
    if (tx != ty)
        return tx < ty ? 1 : -1;
    int c = strcmp(json_string_value(json_object_get(x, "name")),
                   json_string_value(json_object_get(y, "name")));
    return c ? c
             : strcmp(json_string_value(json_object_get(x, "type")),
                      json_string_value(json_object_get(y, "type")));
}

/* The rows of owners (a map, taken), sorted, the tail past CHART_OWNERS
 * put together in one row "other". */
static json_t *s_rows(json_t *owners)
{
    size_t n = json_object_size(owners), i = 0;
    json_t **v = xcalloc(n ? n : 1, sizeof *v), *o;
    const char *k;
    json_object_foreach(owners, k, o) v[i++] = o;
    qsort(v, n, sizeof *v, s_cmp_owner);
    json_t *rows = json_array(), *other = NULL;
    size_t keep = n > CHART_OWNERS ? CHART_OWNERS - 1 : n;
    for (i = 0; i < n; i++) {
        if (i < keep) {
            json_array_append(rows, v[i]);
            continue;
        }
        if (!other)
            other = json_pack("{s:s, s:s, s:o, s:I}", "type", "other", "id",
                              "other", "not_kept", s_zeros(), "total",
                              (json_int_t)0);
        for (size_t w = 0; w < CHART_WEEKS; w++)
            s_add(json_object_get(other, "not_kept"), w,
                  json_integer_value(
                      json_array_get(json_object_get(v[i], "not_kept"), w)));
        json_object_set_new(
            other, "total",
            json_integer(s_int(other, "total") + s_int(v[i], "total")));
    }
    if (other) {
        char *name = xasprintf("Overige eigenaren (%zu)", n - keep);
        json_object_set_new(other, "name", json_string(name));
        free(name);
        json_array_append_new(rows, other);
    }
    free(v);
    json_decref(owners);
    return rows;
}

json_t *chart_data(store_t *s, const cfg_t *cfg, int64_t now, problem_t *pb)
{
    json_t *out = json_pack("{s:[], s:[], s:[], s:i, s:o, s:o}", "weeks",
                            "from", "to", "current", CHART_WEEKS - 1,
                            "referrals", s_zeros(), "not_kept", s_zeros());
    json_t *owners = json_object();
    int64_t start = stats_week_start(now);
    for (int w = 0; w < CHART_WEEKS; w++) {
        int64_t from = cal_add_days(start, -7 * (CHART_WEEKS - 1 - w));
        if (s_week(s, cfg, from, cal_add_days(from, 7), now, (size_t)w, out,
                   owners, pb) < 0) {
            json_decref(owners);
            json_decref(out);
            return NULL;
        }
    }
    json_object_set_new(out, "owners", s_rows(owners));
    return out;
}

/* ------------------------------------------------------------ text */

/* Appends one row: label (at most S_LABEL columns) and the numbers. */
static void s_text_row(strbuf_t *b, const char *label, const json_t *nums)
{
    size_t cols = 0, i = 0;
    const unsigned char *p = (const unsigned char *)label;
    while (p[i] && cols < S_LABEL) {
        size_t n = utf8_len(p + i);
        i += n ? n : 1;
        cols++;
    }
    strbuf_put(b, label, i);
    strbuf_printf(b, "%*s", (int)(S_LABEL - cols), "");
    for (size_t w = 0; w < json_array_size(nums); w++)
        strbuf_printf(b, "%5lld",
                      (long long)json_integer_value(json_array_get(nums, w)));
    strbuf_puts(b, "\n");
}

const char *chart_owner_kind(const char *type)
{
    return strcmp(type, "partner") == 0        ? "partner"
           : strcmp(type, "organisation") == 0 ? "regisseurs"
           : strcmp(type, "department") == 0   ? "gemeente"
           : strcmp(type, "other") == 0        ? "samen"
                                               : "";
}

/* The kind of an owner in words, after its name: " (partner)"; nothing
 * for the "other" row, whose name says it. */
static void s_put_kind(strbuf_t *b, const char *type)
{
    const char *k = strcmp(type, "other") == 0 ? "" : chart_owner_kind(type);
    if (*k)
        strbuf_printf(b, " (%s)", k);
}

char *chart_text(const json_t *data)
{
    strbuf_t b = {0};
    size_t cur = (size_t)s_int(data, "current"), i;
    json_t *v;
    strbuf_printf(&b, "%-*s", S_LABEL, "Week");
    json_array_foreach(json_object_get(data, "weeks"), i, v)
    {
        const char *w = strchr(json_string_value(v), 'W');
        char label[8];
        snprintf(label, sizeof label, "%s%.4s", i == cur ? "*" : "",
                 w ? w : "?");
        strbuf_printf(&b, "%5s", label);
    }
    strbuf_puts(&b, "\n");
    s_text_row(&b, "Verwijzingen", json_object_get(data, "referrals"));
    s_text_row(&b, "Niet nagekomen", json_object_get(data, "not_kept"));
    const json_t *owners = json_object_get(data, "owners");
    json_array_foreach(owners, i, v)
    {
        strbuf_printf(&b, "- %s",
                      json_string_value(json_object_get(v, "name")));
        s_put_kind(&b, json_string_value(json_object_get(v, "type")));
        strbuf_puts(&b, ":\n");
        s_text_row(&b, "", json_object_get(v, "not_kept"));
    }
    if (json_array_size(owners) == 0)
        strbuf_puts(&b, "Geen afspraken niet nagekomen in deze weken.\n");
    strbuf_puts(&b, "* deze week, tot nu\n");
    return strbuf_take(&b);
}
