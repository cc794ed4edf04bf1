/*
 * viewcore — how regiectl shows the results of its core commands to a
 * person: aligned tables of regisseurs, cases and notifications, and the
 * details of one regisseur or one case, with times in the local zone and
 * text made safe for a terminal. Persons are counted, never shown. For
 * regiectl; writes to the stream it is given.
 */
#ifndef REGIE_VIEWCORE_H
#define REGIE_VIEWCORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* A table of regisseur objects (regisseur.h); with_state adds whether
 * each is active. */
void viewcore_regisseurs(FILE *out, const json_t *rows, bool with_state);

/* One regisseur's details and, when it has "cases", its open cases. */
void viewcore_regisseur(FILE *out, const json_t *r);

/* A table of case rows (casefile.h); "No cases." when there are none. */
void viewcore_cases(FILE *out, const json_t *rows);

/* One case's details (casefile_show) with its referrals. */
void viewcore_case(FILE *out, const json_t *c);

/* A table of notifications (outbox_list). */
void viewcore_outbox(FILE *out, const json_t *rows);

#endif
