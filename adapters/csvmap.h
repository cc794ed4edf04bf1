/*
 * csvmap — a partner's CSV export turned into REFERRAL bodies by the
 * mapping in group "csv" of the adapter's configuration: the delimiter,
 * whether the first row names the columns, the text encoding, how dates
 * are written, constant fields for every row, and per column the RRP
 * field it fills, with an optional table of values and a default.
 *
 *   csv: {
 *       delimiter = ";";  header = true;  encoding = "utf-8";
 *       date_format = "%d-%m-%Y";  datetime_format = "%d-%m-%Y %H:%M";
 *       id_prefix = "VT-";
 *       constants: { kind = "melding"; contact: { phone = "..."; }; };
 *       columns = (
 *           { column = "Meldingnummer"; field = "external_id"; },
 *           { column = "BSN kind"; field = "subject.bsn"; },
 *           { column = "Aard"; field = "category";
 *             values = ( [ "Kindermishandeling", "kindermishandeling" ] );
 *             default = "overig"; }
 *       );
 *   };
 *
 * The external_id of a row is id_prefix and the column mapped to
 * "external_id" (the partner's own number: stable whatever else changes),
 * or, without such a column, id_prefix and 32 hex digits of a BLAKE2b
 * hash of the row's referral: the same row gives the same id in any file,
 * at any line, so a corrected file posted again yields "duplicate" for
 * the rows that were accepted, even when a line was removed or the file
 * renamed. A broken row, or one that does not map, is refused on its own
 * (with its line); a header without a mapped column refuses the file.
 * The csvmap_t owns copies of everything; read-only after loading.
 */
#ifndef REGIE_CSVMAP_H
#define REGIE_CSVMAP_H

#include "acfg.h"
#include "batch.h"

#include <stddef.h>

typedef struct csvmap csvmap_t;

/* Reads the mapping from group csv of cfg, recording every mistake in cfg
 * with its line. Returns the mapping, or NULL when there was a mistake. */
csvmap_t *csvmap_load(acfg_t *cfg, const config_setting_t *csv);

/* Frees the mapping and sets *p to NULL; accepts NULL and *p == NULL. */
void csvmap_destroy(csvmap_t **p);

/* Reads len bytes of CSV at data and adds one record per row to batch
 * (rows whose cells are all empty are skipped), or refuses the file with
 * batch_fail (a header that lacks a mapped column, a broken header). */
void csvmap_read(const csvmap_t *self, const char *data, size_t len,
                 batch_t *batch);

#endif
