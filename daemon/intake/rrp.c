/*
 * rrp — errors, problems and NACK bodies of RRP/1 (see rrp.h). Pure
 * functions.
 */
#include "rrp.h"

#include "utf8.h"
#include "xmem.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

static const char *s_error_names[] = {
    [RRP_OK] = "ok",
    [RRP_BAD_FRAME] = "bad_frame",
    [RRP_UNKNOWN_COMMAND] = "unknown_command",
    [RRP_TOO_LARGE] = "too_large",
    [RRP_BAD_JSON] = "bad_json",
    [RRP_INVALID_FIELD] = "invalid_field",
    [RRP_INVALID_BSN] = "invalid_bsn",
    [RRP_CONFLICT] = "conflict",
    [RRP_FORBIDDEN] = "forbidden",
    [RRP_UNKNOWN_AGREEMENT] = "unknown_agreement",
    [RRP_UNAVAILABLE] = "unavailable",
};

const char *rrp_error_name(rrp_error_t e)
{
    return s_error_names[e];
}

bool rrp_error_retry(rrp_error_t e)
{
    return e == RRP_UNAVAILABLE;
}

void rrp_problem_set(rrp_problem_t *pb, rrp_error_t e, const char *field,
                     const char *fmt, ...)
{
    pb->error = e;
    snprintf(pb->field, sizeof pb->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pb->message, sizeof pb->message, fmt, ap);
    va_end(ap);
}

void rrp_printable(const void *data, size_t len, char *out, size_t out_len)
{
    const unsigned char *p = data;
    size_t k = 0;
    for (size_t i = 0; i < len && i < 32 && k + 1 < out_len; i++)
        out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[k] = '\0';
}

char *rrp_nack_body(const rrp_problem_t *pb)
{
    /* A message or field may quote a body cut inside a character (the
     * parser's error text): JSON needs UTF-8. */
    char message[sizeof pb->message], field[sizeof pb->field];
    json_t *o =
        json_pack("{s:s, s:s, s:b}", "error", rrp_error_name(pb->error),
                  "message", utf8_repair(pb->message, message, sizeof message),
                  "retry", rrp_error_retry(pb->error));
    if (pb->field[0])
        json_object_set_new(
            o, "field",
            json_string(utf8_repair(pb->field, field, sizeof field)));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s ? s : xstrdup("{}");
}
