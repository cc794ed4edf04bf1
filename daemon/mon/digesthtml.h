/*
 * digesthtml — the HTML part of the weekly digest: the template
 * digest.html filled with the digest's texts (HTML-escaped by tmpl) and
 * two tables made here from the digest's data, simple, table-based and
 * inline-styled so that Outlook and a phone's mail app show them alike:
 * the chart's numbers per week (for a reader who does not load pictures)
 * and the agreements late longest with the reason given. Every text in
 * them is escaped with tmpl_html_escape. Stateless; main thread.
 */
#ifndef REGIE_DIGESTHTML_H
#define REGIE_DIGESTHTML_H

#include "digestsec.h"
#include "mail/tmpl.h"

#include <jansson.h>
#include <stddef.h>

/* The placeholders digest.html may use (config/templates/README). */
extern const char *const digesthtml_names[];
extern const size_t digesthtml_names_n;

/* What the HTML part is made of; every pointer borrowed for the call. */
typedef struct {
    const char *week;       /* "2026-W02" */
    const char *date;       /* "7 januari 2026" */
    const char *gemeente;   /* the reader's name */
    const digestsec_t *sec; /* the text sections */
    const char *weeks;      /* the chart's numbers as text (chart_text) */
    const char *longest;    /* the rows as text (digestlate_text) */
    const json_t *chart;    /* chart_data */
    const json_t *late;     /* digestlate_rows */
    const char *chart_src;  /* the picture's src: "cid:...", "chart.png" */
} digesthtml_in_t;

/* The text that stands for the picture (its alt): what it shows and this
 * week's numbers. A new string. */
char *digesthtml_alt(const json_t *chart);

/* Renders t (digest.html, loaded with digesthtml_names) with in. Returns
 * a new string. Cannot fail. */
char *digesthtml_render(const tmpl_t *t, const digesthtml_in_t *in);

#endif
