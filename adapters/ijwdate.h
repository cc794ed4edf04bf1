/*
 * ijwdate — the dates of iStandaarden messages (iJw, iWmo): a date is
 * written YYYY-MM-DD and must be a day of the (proleptic Gregorian)
 * calendar; the day a message was made becomes its midnight in
 * Europe/Amsterdam, as RFC 3339 with the offset of that day. Stateless;
 * any thread.
 */
#ifndef REGIE_IJWDATE_H
#define REGIE_IJWDATE_H

#include <stdbool.h>

/* Whether s is a calendar date written YYYY-MM-DD (year 1 or later). */
bool ijwdate_valid(const char *s);

/* Returns date (YYYY-MM-DD) at 00:00 in Europe/Amsterdam as RFC 3339,
 * e.g. "2026-11-20T00:00:00+01:00" (summer time "+02:00" by the EU rule
 * of 1996), for the caller to free; NULL when date is not valid. */
char *ijwdate_midnight(const char *date);

#endif
