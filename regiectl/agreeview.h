/*
 * agreeview — how regiectl shows agreements to a person: a table of
 * agreements, one agreement with its occurrences, reports and audit
 * events, the outcome of a report, and the overdue list by owner. Times
 * in the local zone, text made safe for a terminal, a note or a reason
 * shown as given. For regiectl; writes to the stream it is given.
 */
#ifndef REGIE_AGREEVIEW_H
#define REGIE_AGREEVIEW_H

#include <jansson.h>
#include <stdio.h>

/* A table of agreement objects; "No agreements." when there are none. */
void agreeview_list(FILE *out, const json_t *rows);

/* One agreement object's details (agreement.make, .extend, .waive). */
void agreeview_one(FILE *out, const json_t *a);

/* One agreement with, when present, its occurrences, reports and events
 * (agreement.show). */
void agreeview_show(FILE *out, const json_t *a);

/* The outcome of agreement.report: the report's reference, the
 * agreement's state after it, the next due time and the reconciliation. */
void agreeview_report(FILE *out, const json_t *r);

/* The overdue list (agreement.overdue), owner by owner, with the reasons
 * given; "Nothing is overdue." when empty. */
void agreeview_overdue(FILE *out, const json_t *rows);

/* The daemon's clock after clock.set or clock.advance. */
void agreeview_clock(FILE *out, const json_t *r);

#endif
