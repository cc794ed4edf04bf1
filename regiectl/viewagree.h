/*
 * viewagree — how regiectl shows agreements to a person: a table of
 * agreements, one agreement with its occurrences, reports and audit
 * events, the outcome of a report, and the overdue list by owner. Times
 * in the local zone, text made safe for a terminal, a note or a reason
 * shown as given. For regiectl; writes to the stream it is given.
 */
#ifndef REGIE_VIEWAGREE_H
#define REGIE_VIEWAGREE_H

#include <jansson.h>
#include <stdio.h>

/* A table of agreement objects; "No agreements." when there are none. */
void viewagree_list(FILE *out, const json_t *rows);

/* One agreement object's details (agreement.make, .extend, .waive). */
void viewagree_one(FILE *out, const json_t *a);

/* One agreement with, when present, its occurrences, reports and events
 * (agreement.show). */
void viewagree_show(FILE *out, const json_t *a);

/* The outcome of agreement.report: the report's reference, the
 * agreement's state after it, the next due time and the reconciliation. */
void viewagree_report(FILE *out, const json_t *r);

/* The overdue list (agreement.overdue), owner by owner, with the reasons
 * given; "Nothing is overdue." when empty. */
void viewagree_overdue(FILE *out, const json_t *rows);

/* The daemon's clock after clock.set or clock.advance. */
void viewagree_clock(FILE *out, const json_t *r);

#endif
