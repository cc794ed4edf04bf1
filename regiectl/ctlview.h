/*
 * ctlview — how regiectl shows the results of control commands to a
 * person: aligned tables of regisseurs, cases and notifications, and the
 * details of one regisseur or one case, with times in the local zone and
 * text made safe for a terminal. Persons are counted, never shown. For
 * regiectl; writes to the stream it is given.
 */
#ifndef REGIE_CTLVIEW_H
#define REGIE_CTLVIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* A table of regisseur objects (regisseur.h); with_state adds whether
 * each is active. */
void ctlview_regisseurs(FILE *out, const json_t *rows, bool with_state);

/* One regisseur's details and, when it has "cases", its open cases. */
void ctlview_regisseur(FILE *out, const json_t *r);

/* A table of case rows (casefile.h); "No cases." when there are none. */
void ctlview_cases(FILE *out, const json_t *rows);

/* One case's details (casefile_show) with its referrals. */
void ctlview_case(FILE *out, const json_t *c);

/* A table of notifications (outbox_list). */
void ctlview_outbox(FILE *out, const json_t *rows);

#endif
