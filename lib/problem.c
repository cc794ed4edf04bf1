/*
 * problem — error codes and messages of the control protocol. Stateless.
 */
#include "problem.h"

#include <stdarg.h>
#include <stdio.h>

void problem_set(problem_t *pb, problem_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pb->code = code;
    vsnprintf(pb->message, sizeof pb->message, fmt, ap);
    va_end(ap);
}

void problem_store(problem_t *pb)
{
    problem_set(pb, PROBLEM_UNAVAILABLE,
                "regied cannot use its database right now; nothing was "
                "changed, try again later");
}

const char *problem_name(problem_code_t code)
{
    switch (code) {
    case PROBLEM_NONE:
        return "ok";
    case PROBLEM_BAD_REQUEST:
        return "bad_request";
    case PROBLEM_NOT_FOUND:
        return "not_found";
    case PROBLEM_CONFLICT:
        return "conflict";
    case PROBLEM_UNAVAILABLE:
        return "unavailable";
    }
    return "unavailable";
}
