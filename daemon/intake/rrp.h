/*
 * rrp — RRP/1, the Regie Referral Protocol (spec/rrp.md): request frames,
 * validation of REFERRAL bodies against every rule of the spec, the
 * canonical form of a body, and the bodies of replies. No I/O, no state;
 * used by the intake in the main thread and by the unit tests.
 */
#ifndef REGIE_RRP_H
#define REGIE_RRP_H

#include <jansson.h>
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

/* A request whose frames are well formed; pointers borrow the frames. */
typedef struct {
    rrp_command_t command;
    const void *corr; /* correlation id, or NULL when it could not be read */
    size_t corr_len;
    const char *body;
    size_t body_len;
} rrp_request_t;

/* What a REFERRAL body may contain, from the configuration. */
typedef struct {
    size_t household_max;
    char *const *categories; /* the configured categories */
    size_t categories_n;
    const char *today;       /* "YYYY-MM-DD" in the configured zone */
} rrp_rules_t;

/* A valid REFERRAL. Strings borrow root, which the referral owns. */
typedef struct {
    json_t *root;
    const char *external_id;
    const char *kind;
    const char *category;
    const char *urgency;       /* "normaal" when absent */
    const char *birth_date;    /* NULL when absent */
    char postcode[7];          /* "1234AB", or "" when absent */
    const char *contact_name;
    const char *contact_email; /* NULL when absent */
    const char *contact_phone; /* NULL when absent */
    const char *occurred_at;   /* NULL when absent */
    const char *note;          /* NULL when absent */
    const char **bsns;         /* subject first, then household, unique */
    size_t persons;
} rrp_referral_t;

/* A valid REPORT (spec section 4). Strings borrow root, which the
 * report owns. */
typedef struct {
    json_t *root;
    const char *external_id;
    const char *agreement;    /* "A-000007" as sent */
    const char *status;       /* "delivered" (default) or "not_delivered" */
    const char *reason;       /* NULL when absent */
    const char *period;       /* NULL when absent */
    long long count;          /* -1 when absent */
    const char *note;         /* NULL when absent */
} rrp_report_t;

/* The spec's name of an error ("invalid_bsn"); "ok" for RRP_OK. */
const char *rrp_error_name(rrp_error_t e);

/* Whether the same request may succeed later (only RRP_UNAVAILABLE). */
bool rrp_error_retry(rrp_error_t e);

/* Fills pb with error, field (may be NULL) and a formatted message. */
void rrp_problem_set(rrp_problem_t *pb, rrp_error_t e, const char *field,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks the n frames after the envelope. Returns 0 and fills req, or -1
 * with pb filled (bad_frame, unknown_command, too_large); req->corr is
 * then set when a correlation id could be read, else NULL. */
int rrp_request_parse(const rrp_frame_t *frames, size_t n, size_t body_max,
                      rrp_request_t *req, rrp_problem_t *pb);

/* Parses and validates a REFERRAL body. Returns 0 with out filled (free
 * with rrp_referral_clear), or -1 with pb filled and out cleared. */
int rrp_referral_parse(const char *body, size_t len, const rrp_rules_t *rules,
                       rrp_referral_t *out, rrp_problem_t *pb);

/* Parses and validates a REPORT body. Returns 0 with out filled (free
 * with rrp_report_clear), or -1 with pb filled and out cleared. */
int rrp_report_parse(const char *body, size_t len, rrp_report_t *out,
                     rrp_problem_t *pb);

/* Frees what a parsed report owns; accepts a cleared one. */
void rrp_report_clear(rrp_report_t *r);

/* Frees what a parsed referral owns; accepts a cleared one. */
void rrp_referral_clear(rrp_referral_t *r);

/* Parses a body as one JSON object with duplicate keys refused. Returns
 * the object or NULL with pb filled (bad_json). */
json_t *rrp_parse_object(const char *body, size_t len, rrp_problem_t *pb);

/* The canonical text of a JSON value: sorted keys, no whitespace, strings
 * in UTF-8 with minimal escapes. Caller frees. Equal JSON, equal text. */
char *rrp_canonical(const json_t *value);

/* The body of a NACK for pb, as compact JSON. Caller frees. */
char *rrp_nack_body(const rrp_problem_t *pb);

/* Number of Unicode code points in a valid UTF-8 string. */
size_t rrp_utf8_length(const char *s);

/* Whether s is a date YYYY-MM-DD that exists in the calendar. */
bool rrp_date_valid(const char *s);

/* Whether s is an RFC 3339 date-time ("2026-11-20T10:15:00+01:00"). */
bool rrp_timestamp_valid(const char *s);

#endif
