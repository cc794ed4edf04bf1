/*
 * fuzz_ijw — the JW315 / WMO315 reader (ijw_parse: libxml2 through
 * ijwxml, the mapping to REFERRAL bodies) and its report (ijw_report),
 * with the options of config/regie-ijw.conf but no XSD (the XSD check is
 * libxml2's own; scripts/fuzz may say otherwise with REGIE_FUZZ_XSD=1,
 * which validates against tests/data/ijw/xsd from the working folder).
 * An input is the message. Every record that maps must be a REFERRAL
 * the daemon accepts (fuzz_check_referral: ijw checks every value it
 * maps, the BSNs too).
 */
#include "fuzz.h"

#include "ijw.h"
#include "log.h"

#include <libxml/parser.h>
#include <stdlib.h>

static const ijw_category_pair_t s_jw[] = {{"45", "jeugd"},
                                           {"46", "jeugd"},
                                           {"48", "jeugd"},
                                           {"52", "ggz"},
                                           {"54", "ggz"}};
static const ijw_category_pair_t s_wmo[] = {{"02", "overig"},
                                            {"16", "huisvesting"}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ijw_options_t opts;
    if (!opts.contact_email) {
        log_set_level(LOG_LEVEL_ERR);
        xmlInitParser();
        opts =
            (ijw_options_t){.jw = {s_jw, sizeof s_jw / sizeof *s_jw, "jeugd"},
                            .wmo = {s_wmo, sizeof s_wmo / sizeof *s_wmo, NULL},
                            .contact_email = "zorgloket@jeugdzorg-oost.example",
                            .contact_phone = "+31 30 000 0000",
                            .with_note = true};
        const char *xsd = getenv("REGIE_FUZZ_XSD");
        if (xsd && *xsd == '1') {
            opts.jw315_xsd = "tests/data/ijw/xsd/ijw/jw315.xsd";
            opts.wmo315_xsd = "tests/data/ijw/xsd/iwmo/wmo315.xsd";
        }
    }
    ijw_msg_t *msg = ijw_parse((const char *)data, size, "fuzz.xml", &opts);
    if (!msg)
        abort(); /* only for options that cannot be used */
    for (size_t i = 0; i < ijw_count(msg); i++) {
        json_t *body = ijw_record_json(msg, i);
        if (body)
            fuzz_check_referral(body, true);
        (void)ijw_record_error(msg, i);
    }
    free(ijw_report(msg));
    ijw_destroy(&msg);
    return 0;
}
