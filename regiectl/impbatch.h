/*
 * impbatch — the lines of an import file (impfile) put in batches for
 * regied, one import command each: the lines of one case together, in
 * the order of the file, and never split over two batches, so that
 * regied judges every line of a case with the others (import.check
 * rolls each batch back); a case's regisseur and type, given on one of
 * its lines, given on all (so the case is opened with them, not opened
 * and then assigned); two lines that contradict each other (two types
 * for a case, a bsn for two case numbers) noted. A batch holds at most
 * IMPBATCH_LINES lines and IMPBATCH_BYTES bytes of request. Lines of one
 * case are those with the same case_ref, or with the same bsn (a bsn
 * given with a case_ref on any line belongs to that case). For
 * regiectl; no state.
 */
#ifndef REGIE_IMPBATCH_H
#define REGIE_IMPBATCH_H

#include <jansson.h>
#include <stddef.h>

/* 250 lines: a batch holds regied's loop for tens of milliseconds (a
 * batch of 1000 for hundreds, all in one for seconds), and the import
 * took no longer for it (scripts/bench --sections import). */
#define IMPBATCH_LINES 250
#define IMPBATCH_BYTES (1024 * 1024) /* below regied's CTL_REQUEST_MAX */

/* Orders lines (an array of impfile's lines; reordered in place) case
 * by case, fills in the regisseur and type of each case on all its
 * lines, and notes in errors (impfile_error) what contradicts. Returns
 * the batches: a new array of arrays of the lines (references). */
json_t *impbatch_make(json_t *lines, json_t *errors);

#endif
