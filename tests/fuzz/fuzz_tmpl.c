/*
 * fuzz_tmpl — the email templates: tmpl_load on an input taken as the
 * text of a template file (written once per input in the fuzzer's
 * folder), and tmpl_render of what loads.
 *
 * An input is pieces separated by the line "%%" (the bytes LF % % LF):
 * the first is the template; the next ones are the values of the
 * placeholders of s_names, in that order (a value ends at a NUL byte;
 * a placeholder without a piece gets no value). Every placeholder name
 * the daemon's templates use is allowed.
 */
#include "fuzz.h"

#include "mail/tmpl.h"

#include <stdlib.h>
#include <string.h>

/* The placeholders of notify.c and digest.c, each once. */
static const char *const s_names[] = {
    "regisseur", "case",       "referral",     "partner",       "kind",
    "date",      "urgency",    "contact_name", "contact_email", "contact_phone",
    "cases",     "owner",      "agreement",    "description",   "due",
    "every",     "when",       "recipient",    "days_late",     "level",
    "reasons",   "week",       "gemeente",     "summary",       "overdue",
    "partners",  "unassigned", "figures"};
#define S_NAMES (sizeof s_names / sizeof *s_names)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *at = (const char *)data, *end = at + size, *piece;
    size_t len;
    piece = fuzz_split(&at, end, "\n%%\n", 4, &len);
    char *path = fuzz_write("fuzz.txt", piece, len, 0644);
    tmpl_var_t vars[S_NAMES + 1];
    char *values[S_NAMES] = {0};
    for (size_t i = 0; i < S_NAMES; i++) {
        if ((piece = fuzz_split(&at, end, "\n%%\n", 4, &len)) != NULL)
            values[i] = strndup(piece, len);
        vars[i] = (tmpl_var_t){s_names[i], values[i]};
    }
    vars[S_NAMES] = (tmpl_var_t){"not_in_any", "x"};

    char err[512];
    tmpl_t *t = tmpl_load(path, s_names, S_NAMES, err, sizeof err);
    if (t) {
        char *subject, *body;
        tmpl_render(t, vars, S_NAMES + 1, &subject, &body);
        if (!subject || !body || strpbrk(subject, "\r\n"))
            abort(); /* the contract: one line, and both set */
        free(subject);
        free(body);
        tmpl_destroy(&t);
    }
    for (size_t i = 0; i < S_NAMES; i++)
        free(values[i]);
    free(path);
    return 0;
}
