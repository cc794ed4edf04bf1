/*
 * chartpng — the digest's chart drawn with cairo's image surface and its
 * toy text API (fontconfig's sans-serif), written to a PNG in memory.
 * Every number drawn is one of the data's. Main thread.
 */
#include "chartpng.h"

#include "chart.h"

#include "log.h"
#include "strbuf.h"
#include "xmem.h"

#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The house style: dark blue, greys, one accent for the current week. */
#define S_BLUE 0x154273   /* bars, titles, totals */
#define S_TEXT 0x3C3C3C   /* names */
#define S_GREY 0x6E6E6E   /* small print, week labels, ticks */
#define S_LINE 0xC8C8C8   /* base lines, row rules */
#define S_ACCENT 0xE17000 /* the current week: bars and labels */
#define S_BAND 0xFDF1E6   /* the current week's column, behind */

/* The layout, in pixels. */
#define S_MARGIN 40
#define S_COL 66                                      /* a week's column */
#define S_X0 (CHARTPNG_WIDTH - S_MARGIN - 12 * S_COL) /* the first one */
#define S_LABEL_W (S_X0 - S_MARGIN - 24)              /* names' room */
#define S_BAR 40                                      /* a bar's width */
#define S_REF_TOP 150   /* panel of referrals: top of the highest bar */
#define S_REF_BASE 330  /* its base line */
#define S_WEEKS_Y 360   /* the week labels */
#define S_OWN_TITLE 410 /* panel of agreements not kept */
#define S_ROWS_TOP 440  /* the first owner's row */
#define S_ROW 54        /* an owner's row */
#define S_ROW_BAR 24    /* its highest bar */
#define S_TOTAL_Y 800   /* the row of totals (base line of its text) */
#define S_FOOT_Y 850    /* the small print */

typedef enum { S_LEFT, S_CENTER } s_align_t;

/* ------------------------------------------------------------ drawing */

static void s_rgb(cairo_t *cr, unsigned rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 255) / 255.0,
                         ((rgb >> 8) & 255) / 255.0, (rgb & 255) / 255.0);
}

static void s_font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD
                                : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Draws text with its base line at y, from x or centred on x. */
static void s_text(cairo_t *cr, double x, double y, const char *text,
                   s_align_t align)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, text, &e);
    cairo_move_to(cr, align == S_CENTER ? x - e.x_advance / 2 : x, y);
    cairo_show_text(cr, text);
}

/* text cut after a whole character, with "…", so that it fits width:
 * a new string. */
static char *s_fit(cairo_t *cr, const char *text, double width)
{
    size_t n = strlen(text);
    char *t = xstrdup(text);
    for (;;) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, t, &e);
        if (e.x_advance <= width || n == 0)
            return t;
        do
            n--;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80);
        free(t);
        t = xasprintf("%.*s…", (int)n, text);
    }
}

static void s_rect(cairo_t *cr, double x, double y, double w, double h,
                   unsigned rgb)
{
    s_rgb(cr, rgb);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

static void s_hline(cairo_t *cr, double x0, double x1, double y, unsigned rgb)
{
    s_rgb(cr, rgb);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
}

/* The middle of week column w. */
static double s_mid(size_t w)
{
    return S_X0 + S_COL * (double)w + S_COL / 2.0;
}

static json_int_t s_at(const json_t *a, size_t i)
{
    return json_integer_value(json_array_get(a, i));
}

/* The largest number of a, at least 1. */
static json_int_t s_max(const json_t *a)
{
    json_int_t m = 1;
    for (size_t i = 0; i < json_array_size(a); i++)
        m = s_at(a, i) > m ? s_at(a, i) : m;
    return m;
}

/* ------------------------------------------------------------ parts */

/* The title, what the chart covers, and the current week's band. */
static void s_heading(cairo_t *cr, const json_t *data, size_t cur)
{
    const json_t *weeks = json_object_get(data, "weeks");
    s_rect(cr, S_X0 + S_COL * (double)cur, S_REF_TOP - 30, S_COL,
           S_TOTAL_Y + 16 - (S_REF_TOP - 30), S_BAND);
    s_rgb(cr, S_BLUE);
    s_font(cr, 30, true);
    s_text(cr, S_MARGIN, 62, "Verwijzingen en afspraken niet nagekomen",
           S_LEFT);
    char *sub = xasprintf("Per week, %s t/m %s. Oranje: deze week, tot nu.",
                          json_string_value(json_array_get(weeks, 0)),
                          json_string_value(json_array_get(weeks, cur)));
    s_rgb(cr, S_GREY);
    s_font(cr, 20, false);
    s_text(cr, S_MARGIN, 98, sub, S_LEFT);
    free(sub);
}

/* A panel's name in the label column, and a line of small print. */
static void s_label(cairo_t *cr, double y, const char *name, const char *sub)
{
    s_rgb(cr, S_BLUE);
    s_font(cr, 22, true);
    s_text(cr, S_MARGIN, y, name, S_LEFT);
    s_rgb(cr, S_GREY);
    s_font(cr, 17, false);
    s_text(cr, S_MARGIN, y + 26, sub, S_LEFT);
}

/* A number centred above a bar of week w whose top is at y. */
static void s_number(cairo_t *cr, size_t w, double y, json_int_t n, bool cur,
                     double size)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)n);
    s_rgb(cr, cur ? S_ACCENT : S_TEXT);
    s_font(cr, size, cur);
    s_text(cr, s_mid(w), y - 6, text, S_CENTER);
}

/* The referrals per week: bars on a base line, each with its number. */
static void s_referrals(cairo_t *cr, const json_t *data, size_t cur)
{
    const json_t *ref = json_object_get(data, "referrals");
    double max = (double)s_max(ref), room = S_REF_BASE - S_REF_TOP;
    s_label(cr, S_REF_TOP + 20, "Verwijzingen", "ontvangen per week");
    for (size_t w = 0; w < json_array_size(ref); w++) {
        double h = room * (double)s_at(ref, w) / max;
        s_rect(cr, s_mid(w) - S_BAR / 2.0, S_REF_BASE - h, S_BAR, h,
               w == cur ? S_ACCENT : S_BLUE);
        s_number(cr, w, S_REF_BASE - h, s_at(ref, w), w == cur, 18);
    }
    s_hline(cr, S_X0 - 8, S_X0 + 12 * S_COL, S_REF_BASE + 1, S_LINE);
}

/* The week labels under the referrals: "W41". */
static void s_weeks(cairo_t *cr, const json_t *data, size_t cur)
{
    const json_t *weeks = json_object_get(data, "weeks");
    for (size_t w = 0; w < json_array_size(weeks); w++) {
        const char *t =
            strchr(json_string_value(json_array_get(weeks, w)), 'W');
        s_rgb(cr, w == cur ? S_ACCENT : S_GREY);
        s_font(cr, 17, w == cur);
        s_text(cr, s_mid(w), S_WEEKS_Y, t ? t : "?", S_CENTER);
    }
}

/* One owner's row at top y: name, kind, a bar and number per week. */
static void s_owner(cairo_t *cr, const json_t *o, double y, double max,
                    size_t cur)
{
    const json_t *nk = json_object_get(o, "not_kept");
    s_rgb(cr, S_TEXT);
    s_font(cr, 19, false);
    char *name =
        s_fit(cr, json_string_value(json_object_get(o, "name")), S_LABEL_W);
    s_text(cr, S_MARGIN, y + 22, name, S_LEFT);
    free(name);
    s_rgb(cr, S_GREY);
    s_font(cr, 15, false);
    s_text(cr, S_MARGIN, y + 42,
           chart_owner_kind(json_string_value(json_object_get(o, "type"))),
           S_LEFT);
    double base = y + S_ROW - 10;
    for (size_t w = 0; w < json_array_size(nk); w++) {
        json_int_t n = s_at(nk, w);
        if (n == 0) {
            s_hline(cr, s_mid(w) - 6, s_mid(w) + 6, base - 1, S_LINE);
            continue;
        }
        double h = S_ROW_BAR * (double)n / max;
        s_rect(cr, s_mid(w) - 15, base - h, 30, h,
               w == cur ? S_ACCENT : S_BLUE);
        s_number(cr, w, base - h, n, w == cur, 16);
    }
    s_hline(cr, S_MARGIN, S_X0 + 12 * S_COL, y + S_ROW - 1, S_LINE);
}

/* The agreements not kept: a row per owner, one scale for all. */
static void s_owners(cairo_t *cr, const json_t *data, size_t cur)
{
    const json_t *owners = json_object_get(data, "owners");
    json_int_t max = 1;
    size_t i;
    json_t *o;
    s_label(cr, S_OWN_TITLE, "Afspraken niet nagekomen", "per eigenaar");
    json_array_foreach(owners, i, o)
    {
        json_int_t m = s_max(json_object_get(o, "not_kept"));
        max = m > max ? m : max;
    }
    json_array_foreach(owners, i, o)
        s_owner(cr, o, S_ROWS_TOP + S_ROW * (double)i, (double)max, cur);
    if (json_array_size(owners) > 0)
        return;
    s_rgb(cr, S_GREY);
    s_font(cr, 19, false);
    s_text(cr, S_X0, S_ROWS_TOP + 30,
           "Geen afspraken niet nagekomen in deze weken.", S_LEFT);
}

/* The totals of the agreements not kept, and the small print. */
static void s_totals(cairo_t *cr, const json_t *data, size_t cur)
{
    const json_t *nk = json_object_get(data, "not_kept");
    s_hline(cr, S_MARGIN, S_X0 + 12 * S_COL, S_TOTAL_Y - 30, S_BLUE);
    s_rgb(cr, S_BLUE);
    s_font(cr, 19, true);
    s_text(cr, S_MARGIN, S_TOTAL_Y, "Totaal niet nagekomen", S_LEFT);
    for (size_t w = 0; w < json_array_size(nk); w++) {
        char text[24];
        snprintf(text, sizeof text, "%lld", (long long)s_at(nk, w));
        s_rgb(cr, w == cur ? S_ACCENT : S_BLUE);
        s_text(cr, s_mid(w), S_TOTAL_Y, text, S_CENTER);
    }
    s_rgb(cr, S_GREY);
    s_font(cr, 15, false);
    s_text(cr, S_MARGIN, S_FOOT_Y,
           "Niet nagekomen: gemist (of over tijd en nog open), of met een "
           "aantal dat niet klopt. Dezelfde cijfers als regiectl stats.",
           S_LEFT);
}

/* ------------------------------------------------------------ png */

/* cairo's writer: appends to the strbuf closure. */
static cairo_status_t s_write(void *closure, const unsigned char *data,
                              unsigned int length)
{
    strbuf_put(closure, (const char *)data, length);
    return CAIRO_STATUS_SUCCESS;
}

/* Draws every part of the chart on cr. */
static void s_draw(cairo_t *cr, const json_t *data)
{
    size_t cur = (size_t)json_integer_value(json_object_get(data, "current"));
    s_rgb(cr, 0xFFFFFF);
    cairo_paint(cr);
    s_heading(cr, data, cur);
    s_referrals(cr, data, cur);
    s_weeks(cr, data, cur);
    s_owners(cr, data, cur);
    s_totals(cr, data, cur);
}

unsigned char *chartpng_draw(const json_t *data, size_t *len)
{
    cairo_surface_t *sf = cairo_image_surface_create(
        CAIRO_FORMAT_RGB24, CHARTPNG_WIDTH, CHARTPNG_HEIGHT);
    cairo_t *cr = cairo_create(sf);
    s_draw(cr, data);
    strbuf_t png = {0};
    cairo_status_t st = cairo_status(cr);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(sf, s_write, &png);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    if (st != CAIRO_STATUS_SUCCESS || png.len == 0) {
        log_err("chartpng: cannot draw the chart error=\"%s\"",
                cairo_status_to_string(st));
        strbuf_clear(&png);
        return NULL;
    }
    *len = png.len;
    return (unsigned char *)strbuf_take(&png);
}
