/*
 * problem — why a control command was refused: one of the control
 * protocol's error codes and a message for a person. Filled by the domain
 * modules (regisseur, casefile) and turned into a reply by ctl. No state.
 */
#ifndef REGIE_PROBLEM_H
#define REGIE_PROBLEM_H

typedef enum {
    PROBLEM_NONE = 0,
    PROBLEM_BAD_REQUEST, /* unknown command, missing or invalid argument */
    PROBLEM_NOT_FOUND,   /* no such case, regisseur or notification */
    PROBLEM_CONFLICT,    /* the record's state forbids it */
    PROBLEM_UNAVAILABLE  /* store error: nothing was changed */
} problem_code_t;

typedef struct {
    problem_code_t code;
    char message[300]; /* for the person at regiectl: what is wrong */
} problem_t;

/* Sets pb to code with a printf-style message (truncated to fit). */
void problem_set(problem_t *pb, problem_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets pb to PROBLEM_UNAVAILABLE with the standard message, for a store
 * error (already logged where it happened). */
void problem_store(problem_t *pb);

/* The protocol's name of a code: "bad_request", "not_found", "conflict",
 * "unavailable" (or "ok" for PROBLEM_NONE). Static storage. */
const char *problem_name(problem_code_t code);

#endif
