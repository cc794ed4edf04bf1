/*
 * viewmon — how regiectl shows monitoring results to a person: the
 * audit log, the statistics (tables, or CSV for spreadsheets), purge
 * counts, a backup's outcome, the network of a case and the digest.
 * Times in the local zone, text made safe for a terminal. For regiectl;
 * writes to the stream it is given.
 */
#ifndef REGIE_VIEWMON_H
#define REGIE_VIEWMON_H

#include <jansson.h>
#include <stdio.h>

/* The events of `log` as a table, oldest first. */
void viewmon_log(FILE *out, const json_t *rows);

/* The result of `stats` as tables. */
void viewmon_stats(FILE *out, const json_t *s);

/* The result of `stats` as CSV: one header line, then one line per
 * figure: section,partner,organisation,week,domain,measure,value. */
void viewmon_stats_csv(FILE *out, const json_t *s);

/* The result of `purge` (a dry run or a purge done). */
void viewmon_purge(FILE *out, const json_t *r);

/* A backup's final status. */
void viewmon_backup(FILE *out, const json_t *r);

/* The result of `case.network`. */
void viewmon_network(FILE *out, const json_t *r);

/* The result of `digest`: the email, or that it was queued. */
void viewmon_digest(FILE *out, const json_t *r);

#endif
