/*
 * fuzz_csv — the CSV reader (csv_new, csv_next) and the two CSV mappings
 * of tests/data/spool (csvmap_read into a batch, and the batch's report).
 *
 * An input's first byte chooses the reader's delimiter: itself when it
 * is one of , ; TAB |, else one of those by its value modulo 4; the rest
 * is the CSV text, given to the reader and to both mappings (which use
 * their own delimiter and encoding: vt-csv.conf ";" UTF-8 with a header,
 * ggz-csv.conf "," Windows-1252). The mappings are loaded once, from the
 * repository (the working folder must be its root). Every record that
 * maps must have the shape of a REFERRAL (fuzz_check_referral; its
 * values, an elfproef or an email address, are the daemon's to judge).
 */
#include "fuzz.h"

#include "acfg.h"
#include "batch.h"
#include "csv.h"
#include "csvmap.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_maps[] = {"tests/data/spool/vt-csv.conf",
                                     "tests/data/spool/ggz-csv.conf"};
#define S_MAPS 2

static acfg_t *s_cfg[S_MAPS];
static csvmap_t *s_map[S_MAPS];

static void s_setup(void)
{
    log_set_level(LOG_LEVEL_ERR);
    for (int i = 0; i < S_MAPS; i++) {
        s_cfg[i] = acfg_load(s_maps[i]);
        const config_setting_t *g = acfg_group(s_cfg[i], NULL, "csv", true);
        if (!g || !(s_map[i] = csvmap_load(s_cfg[i], g))) {
            fprintf(stderr, "fuzz_csv: %s (run from the repository's root)\n%s",
                    s_maps[i], acfg_errors(s_cfg[i]));
            abort();
        }
    }
}

/* Reads every row of text with delimiter. */
static void s_rows(const char *text, size_t len, char delimiter)
{
    csv_t *csv = csv_new(text, len, delimiter);
    csv_row_t row = {0};
    while (csv_next(csv, &row) == 1)
        csv_row_clear(&row);
    csv_row_clear(&row);
    csv_destroy(&csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delimiters[] = ",;\t|";
    if (!s_map[0])
        s_setup();
    if (size == 0)
        return 0;
    char d = (char)data[0];
    if (!memchr(delimiters, d, 4))
        d = delimiters[data[0] % 4];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    s_rows(text, len, d);
    for (int i = 0; i < S_MAPS; i++) {
        batch_t *b = batch_new("fuzz.csv");
        csvmap_read(s_map[i], text, len, b);
        for (size_t k = 0; k < batch_count(b); k++)
            if (batch_record(b, k)->body)
                fuzz_check_referral(batch_record(b, k)->body, false);
        free(batch_report(b, "regie-spool"));
        batch_destroy(&b);
    }
    return 0;
}
