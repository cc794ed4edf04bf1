/*
 * rrpreq — a request's frames, its body and the body's digest, in one
 * pass (see rrpreq.h). Pure functions; the messages are written for a
 * partner's IT staff and say what to fix.
 */
#include "rrpreq.h"

#include "rrpjson.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Checks the number of frames, the signature and the correlation id;
 * sets out->corr first whenever frame 3 can be read. */
static int s_envelope(const rrp_frame_t *f, size_t n, rrpreq_t *out,
                      rrp_problem_t *pb)
{
    if (n >= 3 && f[2].len >= 1 && f[2].len <= RRP_CORR_MAX) {
        out->corr = f[2].data;
        out->corr_len = f[2].len;
    }
    if (n != 4) {
        rrp_problem_set(pb, RRP_BAD_FRAME, NULL,
                        "a request has 4 frames after the envelope "
                        "(RRP1, command, correlation id, body), not %zu",
                        n);
        return -1;
    }
    if (f[0].len != 4 || memcmp(f[0].data, RRP_SIGNATURE, 4) != 0) {
        rrp_problem_set(pb, RRP_BAD_FRAME, NULL,
                        "the first frame must be the signature RRP1");
        return -1;
    }
    if (f[2].len == 0 || f[2].len > RRP_CORR_MAX) {
        rrp_problem_set(pb, RRP_BAD_FRAME, NULL,
                        "the correlation id (frame 3) must be 1 to %d "
                        "bytes, not %zu",
                        RRP_CORR_MAX, f[2].len);
        return -1;
    }
    return 0;
}

/* Reads the command of frame 2 into *cmd. */
static int s_command(const rrp_frame_t *f, rrp_command_t *cmd,
                     rrp_problem_t *pb)
{
    static const struct {
        const char *name;
        rrp_command_t cmd;
    } cmds[] = {{"REFERRAL", RRP_CMD_REFERRAL},
                {"REPORT", RRP_CMD_REPORT},
                {"PING", RRP_CMD_PING}};
    for (size_t i = 0; i < 3; i++)
        if (f->len == strlen(cmds[i].name) &&
            memcmp(f->data, cmds[i].name, f->len) == 0) {
            *cmd = cmds[i].cmd;
            return 0;
        }
    char shown[40];
    rrp_printable(f->data, f->len, shown, sizeof shown);
    rrp_problem_set(pb, RRP_UNKNOWN_COMMAND, NULL,
                    "unknown command '%s'; use REFERRAL, REPORT or PING "
                    "(upper case)",
                    shown);
    return -1;
}

/* Validates the body of a REFERRAL or REPORT and digests its canonical
 * form, computed once here for the store's duplicate and conflict
 * checks. */
static int s_body(const rrp_frame_t *body, const rrpreq_rules_t *rules,
                  rrpreq_t *out, rrp_problem_t *pb)
{
    const json_t *root;
    if (out->command == RRP_CMD_REPORT) {
        if (rrpreport_parse(body->data, body->len, &out->report, pb) < 0)
            return -1;
        root = out->report.root;
    } else {
        if (rrpreferral_parse(body->data, body->len, &rules->referral,
                              &out->referral, pb) < 0)
            return -1;
        root = out->referral.root;
    }
    char *canon = rrpjson_canonical(root);
    pseudo_digest(rules->key, canon, strlen(canon), out->digest);
    free(canon);
    return 0;
}

int rrpreq_decode(const rrp_frame_t *frames, size_t n,
                  const rrpreq_rules_t *rules, rrpreq_t *out, rrp_problem_t *pb)
{
    memset(out, 0, sizeof *out);
    out->report.count = -1;
    if (s_envelope(frames, n, out, pb) < 0 ||
        s_command(&frames[1], &out->command, pb) < 0)
        return -1;
    if (frames[3].len > rules->body_max) {
        rrp_problem_set(pb, RRP_TOO_LARGE, NULL,
                        "the body is %zu bytes; at most %zu are accepted",
                        frames[3].len, rules->body_max);
        return -1;
    }
    if (out->command == RRP_CMD_PING)
        return 0;
    return s_body(&frames[3], rules, out, pb);
}

void rrpreq_clear(rrpreq_t *r)
{
    rrpreferral_clear(&r->referral);
    rrpreport_clear(&r->report);
    memset(r, 0, sizeof *r);
    r->report.count = -1;
}
