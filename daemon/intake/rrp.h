/*
 * rrp — the words of RRP/1, the Regie Referral Protocol (spec/rrp.md),
 * that every part of it shares: its limits, commands and errors, why a
 * request is refused (a problem: error, message and JSON Pointer), and
 * the body of a NACK. rrpreq decodes a request with rrpjson, rrpreferral
 * and rrpreport. No I/O, no state; used by the intake and the server in
 * the main thread and by the unit tests.
 */
#ifndef REGIE_RRP_H
#define REGIE_RRP_H

#include <stdbool.h>
#include <stddef.h>

#define RRP_SIGNATURE "RRP1"
#define RRP_CORR_MAX 64
#define RRP_ID_MAX 128
#define RRP_NOTE_MAX 2000

typedef enum {
    RRP_OK = 0,
    RRP_BAD_FRAME,
    RRP_UNKNOWN_COMMAND,
    RRP_TOO_LARGE,
    RRP_BAD_JSON,
    RRP_INVALID_FIELD,
    RRP_INVALID_BSN,
    RRP_CONFLICT,
    RRP_FORBIDDEN,
    RRP_UNKNOWN_AGREEMENT,
    RRP_UNAVAILABLE
} rrp_error_t;

/* Why a request is refused: the NACK's error, message and field. */
typedef struct {
    rrp_error_t error;
    char message[300]; /* for the partner's IT staff: what to fix */
    char field[160];   /* JSON Pointer of the field, or "" */
} rrp_problem_t;

typedef enum { RRP_CMD_REFERRAL, RRP_CMD_REPORT, RRP_CMD_PING } rrp_command_t;

/* One frame of a message, borrowed from the socket layer. */
typedef struct {
    const void *data;
    size_t len;
} rrp_frame_t;

/* The spec's name of an error ("invalid_bsn"); "ok" for RRP_OK. */
const char *rrp_error_name(rrp_error_t e);

/* Whether the same request may succeed later (only RRP_UNAVAILABLE). */
bool rrp_error_retry(rrp_error_t e);

/* Fills pb with error, field (may be NULL) and a formatted message. */
void rrp_problem_set(rrp_problem_t *pb, rrp_error_t e, const char *field,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies at most 32 bytes of what a client sent (len bytes of data) into
 * out (out_len bytes, NUL-terminated), each byte that is not printable
 * ASCII as '?': safe to show in a message. */
void rrp_printable(const void *data, size_t len, char *out, size_t out_len);

/* The body of a NACK for pb, as compact JSON. Caller frees. */
char *rrp_nack_body(const rrp_problem_t *pb);

#endif
