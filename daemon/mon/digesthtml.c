/*
 * digesthtml — the HTML part of the weekly digest (see digesthtml.h).
 * The tables' styles are inline and their layout is tables only: what
 * Outlook's Word engine and phone mail apps both render. Main thread.
 */
#include "digesthtml.h"

#include "chart.h"
#include "chartpng.h"
#include "strbuf.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The house style: dark blue, greys, one accent for the current week. */
#define S_TABLE                                                                \
    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\""            \
    " cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;"        \
    "font-family:Arial,Helvetica,sans-serif;color:#3c3c3c;"
#define S_CELL "padding:4px 5px;border-bottom:1px solid #c8c8c8;"
#define S_NUM "padding:4px 2px;border-bottom:1px solid #c8c8c8;" /* narrow */
#define S_HEAD S_CELL "color:#154273;font-weight:bold;"
#define S_NUM_HEAD S_NUM "color:#154273;font-weight:bold;"
#define S_NOW "background-color:#fdf1e6;color:#e17000;font-weight:bold;"

const char *const digesthtml_names[] = {
    "week",        "date",         "gemeente",    "summary",
    "overdue",     "partners",     "unassigned",  "figures",
    "weeks",       "longest",      "chart_src",   "chart_alt",
    "chart_width", "chart_height", "weeks_table", "longest_table"};
const size_t digesthtml_names_n =
    sizeof digesthtml_names / sizeof *digesthtml_names;

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Appends text escaped for HTML. */
static void s_esc(strbuf_t *b, const char *text)
{
    char *e = tmpl_html_escape(text);
    strbuf_puts(b, e);
    free(e);
}

/* ------------------------------------------------------------ weeks */

/* Appends one row of the weeks' table: its label, then the numbers. */
static void s_week_row(strbuf_t *b, const char *label, const char *style,
                       const json_t *nums, size_t cur)
{
    strbuf_printf(b, "<tr><td style=\"" S_CELL "%s\">", style);
    s_esc(b, label);
    strbuf_puts(b, "</td>");
    for (size_t w = 0; w < json_array_size(nums); w++)
        strbuf_printf(b,
                      "<td align=\"right\" style=\"" S_NUM "%s%s\">%lld</td>",
                      style, w == cur ? S_NOW : "",
                      (long long)json_integer_value(json_array_get(nums, w)));
    strbuf_puts(b, "</tr>\n");
}

/* The chart's numbers: weeks across, referrals, not kept, by owner. */
static char *s_weeks_table(const json_t *chart)
{
    strbuf_t b = {0};
    size_t cur = (size_t)json_integer_value(json_object_get(chart, "current"));
    size_t i;
    json_t *v;
    strbuf_puts(&b, S_TABLE "font-size:12px;\">\n<tr><th align=\"left\""
                            " style=\"" S_HEAD "\">Week</th>");
    json_array_foreach(json_object_get(chart, "weeks"), i, v)
    {
        const char *w = strchr(json_string_value(v), 'W');
        strbuf_printf(&b, "<th align=\"right\" style=\"" S_NUM_HEAD "%s\">",
                      i == cur ? S_NOW : "");
        s_esc(&b, w ? w + 1 : ""); /* the week's number: narrow on a phone */
        strbuf_puts(&b, "</th>");
    }
    strbuf_puts(&b, "</tr>\n");
    s_week_row(&b, "Verwijzingen ontvangen", "",
               json_object_get(chart, "referrals"), cur);
    s_week_row(&b, "Afspraken niet nagekomen", "font-weight:bold;",
               json_object_get(chart, "not_kept"), cur);
    json_array_foreach(json_object_get(chart, "owners"), i, v)
    {
        const char *type = s_str(v, "type");
        const char *kind =
            strcmp(type, "other") == 0 ? "" : chart_owner_kind(type);
        char *label = *kind ? xasprintf("– %s (%s)", s_str(v, "name"), kind)
                            : xasprintf("– %s", s_str(v, "name"));
        s_week_row(&b, label, "", json_object_get(v, "not_kept"), cur);
        free(label);
    }
    strbuf_puts(&b, "</table>");
    return strbuf_take(&b);
}

/* ------------------------------------------------------------ late */

/* Appends one agreement late: reference and kind, owner, how late,
 * the reason given. */
static void s_late_row(strbuf_t *b, const json_t *r)
{
    strbuf_puts(b, "<tr><td valign=\"top\" style=\"" S_CELL "\"><strong>");
    s_esc(b, s_str(r, "agreement"));
    strbuf_puts(b, "</strong><br>");
    s_esc(b, s_str(r, "kind"));
    if (s_str(r, "case")) {
        strbuf_puts(b, "<br>casus ");
        s_esc(b, s_str(r, "case"));
    }
    strbuf_puts(b, "</td><td valign=\"top\" style=\"" S_CELL "\">");
    s_esc(b, s_str(r, "owner"));
    strbuf_puts(b, "</td><td valign=\"top\" style=\"" S_CELL "\"><strong>");
    s_esc(b, s_str(r, "late"));
    strbuf_puts(b, "</strong><br><span style=\"color:#6e6e6e;\">");
    s_esc(b, s_str(r, "level"));
    strbuf_puts(b, "</span></td><td valign=\"top\" style=\"" S_CELL "\">");
    if (s_str(r, "reason")) {
        s_esc(b, s_str(r, "reason_kind"));
        strbuf_puts(b, ": &ldquo;");
        s_esc(b, s_str(r, "reason"));
        strbuf_puts(b, "&rdquo;");
    } else {
        strbuf_puts(b, "<span style=\"color:#6e6e6e;\">geen reden "
                       "gegeven</span>");
    }
    strbuf_puts(b, "</td></tr>\n");
}

/* The agreements late longest, with the reason given. */
static char *s_late_table(const json_t *late)
{
    static const char *const heads[] = {"Afspraak", "Eigenaar", "Te laat",
                                        "Reden"};
    strbuf_t b = {0};
    size_t i;
    json_t *r;
    strbuf_puts(&b, S_TABLE "font-size:14px;\">\n<tr>");
    for (i = 0; i < 4; i++)
        strbuf_printf(&b, "<th align=\"left\" style=\"" S_HEAD "\">%s</th>",
                      heads[i]);
    strbuf_puts(&b, "</tr>\n");
    json_array_foreach(late, i, r) s_late_row(&b, r);
    if (json_array_size(late) == 0)
        strbuf_puts(&b, "<tr><td colspan=\"4\" style=\"" S_CELL
                        "\">Geen afspraken te laat.</td></tr>\n");
    strbuf_puts(&b, "</table>");
    return strbuf_take(&b);
}

/* ------------------------------------------------------------ all */

char *digesthtml_alt(const json_t *chart)
{
    const json_t *weeks = json_object_get(chart, "weeks");
    size_t cur = (size_t)json_integer_value(json_object_get(chart, "current"));
    long long ref = (long long)json_integer_value(
        json_array_get(json_object_get(chart, "referrals"), cur));
    long long nk = (long long)json_integer_value(
        json_array_get(json_object_get(chart, "not_kept"), cur));
    return xasprintf("Grafiek: verwijzingen ontvangen en afspraken niet "
                     "nagekomen per week, %s t/m %s, per eigenaar. Deze "
                     "week: %lld %s, %lld %s niet nagekomen. De cijfers "
                     "staan ook in de tabel hieronder.",
                     json_string_value(json_array_get(weeks, 0)),
                     json_string_value(json_array_get(weeks, cur)), ref,
                     ref == 1 ? "verwijzing" : "verwijzingen", nk,
                     nk == 1 ? "afspraak" : "afspraken");
}

char *digesthtml_render(const tmpl_t *t, const digesthtml_in_t *in)
{
    char width[16], height[16];
    snprintf(width, sizeof width, "%d", CHARTPNG_WIDTH / CHARTPNG_SCALE);
    snprintf(height, sizeof height, "%d", CHARTPNG_HEIGHT / CHARTPNG_SCALE);
    char *alt = digesthtml_alt(in->chart);
    tmpl_var_t vars[] = {{"week", in->week},
                         {"date", in->date},
                         {"gemeente", in->gemeente},
                         {"summary", in->sec->summary},
                         {"overdue", in->sec->overdue},
                         {"partners", in->sec->partners},
                         {"unassigned", in->sec->unassigned},
                         {"figures", in->sec->figures},
                         {"weeks", in->weeks},
                         {"longest", in->longest},
                         {"chart_src", in->chart_src},
                         {"chart_alt", alt},
                         {"chart_width", width},
                         {"chart_height", height}};
    tmpl_var_t frags[] = {{"weeks_table", s_weeks_table(in->chart)},
                          {"longest_table", s_late_table(in->late)}};
    char *html =
        tmpl_render_html(t, vars, sizeof vars / sizeof *vars, frags, 2);
    free((char *)frags[0].value);
    free((char *)frags[1].value);
    free(alt);
    return html;
}
