/*
 * rrpreport — validation of REPORT bodies (see rrpreport.h). Pure
 * functions; the messages are written for a partner's IT staff and say
 * what to fix.
 */
#include "rrpreport.h"

#include "bsn.h"
#include "rrpjson.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const s_report_fields[] = {
    "external_id", "agreement", "status", "reason",
    "period",      "count",     "note",   NULL};
static const char *const s_report_status[] = {"delivered", "not_delivered",
                                              NULL};

/* Whether s is an ISO week "2026-W47" that exists, or a date. */
static bool s_period_ok(const char *s)
{
    int y, w, used = 0;
    if (rrpjson_date_valid(s))
        return true;
    if (sscanf(s, "%4d-W%2d%n", &y, &w, &used) != 2 || used != (int)strlen(s) ||
        strlen(s) != 8 || w < 1)
        return false;
    /* A year has 53 ISO weeks when it starts on a Thursday, or is a
     * leap year starting on a Wednesday. */
    int a = (y - 1) % 400,
        dow = (1 + 5 * (a % 4) + 4 * (a % 100) + 6 * (a % 400)) %
              7; /* Jan 1, 0=Sunday */
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return w <= ((dow == 4 || (leap && dow == 3)) ? 53 : 52);
}

/* The members of a report: known names, types and lengths. */
static int s_report_fields_ok(const json_t *root, rrpreport_t *r,
                              rrp_problem_t *pb)
{
    if (rrpjson_no_unknown(root, "", s_report_fields, pb) < 0 ||
        rrpjson_string(root, "external_id", "external_id", "/external_id", true,
                       1, RRP_ID_MAX, &r->external_id, pb) < 0 ||
        rrpjson_string(root, "agreement", "agreement", "/agreement", true, 1,
                       32, &r->agreement, pb) < 0 ||
        rrpjson_choice(root, "status", s_report_status, false, &r->status, pb) <
            0 ||
        rrpjson_string(root, "reason", "reason", "/reason", false, 1,
                       RRP_NOTE_MAX, &r->reason, pb) < 0 ||
        rrpjson_string(root, "period", "period", "/period", false, 0, 16,
                       &r->period, pb) < 0 ||
        rrpjson_string(root, "note", "note", "/note", false, 0, RRP_NOTE_MAX,
                       &r->note, pb) < 0)
        return -1;
    if (rrpjson_has_control(r->external_id)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/external_id",
                        "external_id must hold printable characters only");
        return -1;
    }
    return 0;
}

/* The rules between fields and on their values: a reason for a report
 * not delivered (without a BSN), the period and the count. */
static int s_values_ok(rrpreport_t *r, rrp_problem_t *pb)
{
    if (strcmp(r->status, "not_delivered") == 0 && !r->reason) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/reason",
                        "reason is required when status is not_delivered: "
                        "say why the agreed report is not coming");
        return -1;
    }
    if (r->reason && bsn_in_text(r->reason)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/reason",
                        "reason holds what looks like a BSN; it is emailed "
                        "to the gemeente, so leave it out");
        return -1;
    }
    if (r->period && !s_period_ok(r->period)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/period",
                        "period must be an ISO week like \"2026-W47\" or a "
                        "date like \"2026-11-20\"");
        return -1;
    }
    json_t *c = json_object_get(r->root, "count");
    if (c && (!json_is_integer(c) || json_integer_value(c) < 0)) {
        rrp_problem_set(pb, RRP_INVALID_FIELD, "/count",
                        "count must be a whole number, 0 or more");
        return -1;
    }
    if (c)
        r->count = json_integer_value(c);
    return 0;
}

int rrpreport_parse(const char *body, size_t len, rrpreport_t *out,
                    rrp_problem_t *pb)
{
    memset(out, 0, sizeof *out);
    out->count = -1;
    out->root = rrpjson_parse_object(body, len, pb);
    if (!out->root)
        return -1;
    if (s_report_fields_ok(out->root, out, pb) < 0)
        goto bad;
    if (!out->status)
        out->status = "delivered";
    if (s_values_ok(out, pb) < 0)
        goto bad;
    return 0;
bad:
    rrpreport_clear(out);
    return -1;
}

void rrpreport_clear(rrpreport_t *r)
{
    json_decref(r->root);
    memset(r, 0, sizeof *r);
    r->count = -1;
}
