/*
 * fuzz_rrp — the RRP/1 request decoder (rrpreq_decode) with the rules of
 * a default configuration, and the body parsers it uses
 * (rrpreferral_parse, rrpreport_parse) on the raw body; the NACK body of
 * every refusal is built too (rrp_nack_body), as the intake does, and
 * must hold error, message and retry.
 *
 * An input is one message, split into frames: its first byte gives the
 * number of frames n (its low four bits modulo 9, so the ASCII digits
 * '0' to '8' mean themselves); the rest is cut into frames at its first
 * n - 1 NUL bytes, the last frame taking everything after them (NUL
 * bytes included; with fewer NUL bytes there are fewer frames). So
 *   4RRP1\0REFERRAL\0corr-1\0{"external_id": ...}
 * is a REFERRAL. The last frame goes to both body parsers as it is.
 */
#include "fuzz.h"

#include "intake/rrp.h"
#include "intake/rrpreferral.h"
#include "intake/rrpreport.h"
#include "intake/rrpreq.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define S_FRAMES_MAX 8

static char *const s_categories[] = {"huiselijk_geweld",
                                     "kindermishandeling",
                                     "ggz",
                                     "verslaving",
                                     "schulden",
                                     "huisvesting",
                                     "inkomen",
                                     "jeugd",
                                     "overig"};

static const unsigned char s_key[PSEUDO_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};

/* Builds the NACK of pb, which must be what the spec says (2.2): an
 * object with the error, a message and retry. */
static void s_nack(const rrp_problem_t *pb)
{
    char *body = rrp_nack_body(pb);
    json_t *o = body ? json_loads(body, 0, NULL) : NULL;
    if (!json_is_string(json_object_get(o, "error")) ||
        !json_is_string(json_object_get(o, "message")) ||
        !json_is_boolean(json_object_get(o, "retry")))
        abort();
    json_decref(o);
    free(body);
}

/* Cuts the input into at most S_FRAMES_MAX frames (see the top). */
static size_t s_frames(const uint8_t *data, size_t size, rrp_frame_t *f)
{
    if (size == 0)
        return 0;
    size_t want = (size_t)(data[0] & 0x0f) % 9, n = 0;
    const uint8_t *p = data + 1, *end = data + size;
    while (n < want) {
        const uint8_t *nul =
            n + 1 < want ? memchr(p, 0, (size_t)(end - p)) : NULL;
        f[n].data = p;
        f[n].len = (size_t)((nul ? nul : end) - p);
        n++;
        if (!nul)
            break;
        p = nul + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rrp_frame_t frames[S_FRAMES_MAX] = {{0}};
    size_t n = s_frames(data, size, frames);
    rrpreq_rules_t rules = {
        .body_max = 65536,
        .referral = {.household_max = 20,
                     .categories = s_categories,
                     .categories_n = sizeof s_categories / sizeof *s_categories,
                     .today = "2026-11-25"},
        .key = s_key,
    };
    rrpreq_t req;
    rrp_problem_t pb;
    if (rrpreq_decode(frames, n, &rules, &req, &pb) < 0)
        s_nack(&pb);
    rrpreq_clear(&req);
    if (n == 0)
        return 0;

    const rrp_frame_t *body = &frames[n - 1];
    rrpreferral_t ref;
    if (rrpreferral_parse(body->data, body->len, &rules.referral, &ref, &pb) <
        0)
        s_nack(&pb);
    rrpreferral_clear(&ref);
    rrpreport_t rep;
    if (rrpreport_parse(body->data, body->len, &rep, &pb) < 0)
        s_nack(&pb);
    rrpreport_clear(&rep);
    return 0;
}
