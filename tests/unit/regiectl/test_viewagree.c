/*
 * Unit tests of viewagree (regiectl's human views of agreements): tables
 * and details in the local zone (Europe/Amsterdam here), owners for a
 * person, event details with local times and the reason last, the
 * outcome of a report, the overdue list with its reasons, and text from
 * partners made safe for a terminal.
 */
#include "viewagree.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* What view printed for the JSON text; the caller frees. */
static char *s_render(void (*view)(FILE *, const json_t *), const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    assert_non_null(j);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    view(out, j);
    fclose(out);
    json_decref(j);
    return buf;
}

static const char s_progress[] =
    "{\"agreement\": \"A-000007\", \"kind\": \"progress\","
    " \"owner_type\": \"regisseur\", \"owner\": \"RG-000003\","
    " \"owner_name\": \"A. Jansen\", \"case\": \"C-000017\","
    " \"description\": \"Voortgangsrapportage\", \"policy\": \"progress\","
    " \"period_days\": 21, \"status\": \"open\", \"occurrence\": 2,"
    " \"due_at\": \"2026-11-03T08:00:00Z\", \"level\": 1,"
    " \"next_at\": \"2026-11-10T08:00:00Z\", \"extensions\": 1,"
    " \"created_at\": \"2026-10-13T07:00:00Z\", \"created_by\": \"user:alice\","
    " \"reason\": null}";

static void test_list(void **state)
{
    char *empty = s_render(viewagree_list, "[]");
    assert_string_equal(empty, "No agreements.\n");
    free(empty);
    char text[2048];
    snprintf(text, sizeof text, "[%s]", s_progress);
    char *out = s_render(viewagree_list, text);
    assert_non_null(strstr(out, "AGREEMENT"));
    assert_non_null(strstr(out, "A-000007"));
    assert_non_null(strstr(out, "A. Jansen (RG-000003)"));
    assert_non_null(strstr(out, "2026-11-03 09:00")); /* CET, not 08:00 */
    assert_non_null(strstr(out, "C-000017"));
    assert_non_null(strstr(out, "Voortgangsrapportage"));
    free(out);
}

static void test_one(void **state)
{
    char *out = s_render(viewagree_one, s_progress);
    assert_non_null(strstr(out, "Agreement     A-000007\n"));
    assert_non_null(strstr(out, "Owner         A. Jansen (RG-000003)\n"));
    assert_non_null(strstr(out, "Rhythm        every 21 days\n"));
    assert_non_null(strstr(out, "Due           2026-11-03 09:00\n"));
    assert_non_null(strstr(out, "Level         1 (escalated)\n"));
    assert_non_null(strstr(out, "Next step     2026-11-10 09:00\n"));
    assert_non_null(strstr(out, "Made          2026-10-13 09:00 by "
                                "user:alice\n")); /* CEST */
    assert_null(strstr(out, "Reason"));
    free(out);
    out = s_render(viewagree_one,
                   "{\"agreement\": \"A-000001\", \"kind\": \"custom\","
                   " \"owner_type\": \"kernteam\", \"owner\": \"kernteam\","
                   " \"owner_name\": null, \"case\": null,"
                   " \"period_days\": null, \"status\": \"waived\","
                   " \"reason\": \"niet\\u001b[31m nodig\"}");
    assert_non_null(strstr(out, "Owner         Kernteam\n"));
    assert_non_null(strstr(out, "Case          none\n"));
    assert_non_null(strstr(out, "Rhythm        one-off\n"));
    assert_non_null(strstr(out, "Reason        niet?[31m nodig\n"));
    assert_null(strchr(out, '\x1b'));
    free(out);
}

static void test_show_events(void **state)
{
    char text[4096];
    snprintf(text, sizeof text,
             "%.*s, \"occurrences\": [{\"n\": 1, \"due_at\":"
             " \"2026-10-13T07:00:00Z\", \"outcome\": \"met_late\", \"at\":"
             " \"2026-10-14T07:00:00Z\", \"level\": 1, \"extensions\": 0}],"
             " \"reports\": [{\"report\": \"P-000003\", \"status\":"
             " \"delivered\", \"reason\": null, \"period\": \"2026-W47\","
             " \"count\": 3, \"received\": 2, \"reconciled\": false,"
             " \"received_at\": \"2026-11-22T08:00:00Z\", \"outcome\":"
             " \"met\"}], \"events\": [{\"at\": \"2026-11-01T08:00:00Z\","
             " \"actor\": \"user:bob\", \"action\": \"agreement.extended\","
             " \"details\": {\"reason\": \"ziek\", \"from\": 1792742400,"
             " \"until\": 1793347200, \"occurrence\": 2}}]}",
             (int)strlen(s_progress) - 1, s_progress);
    char *out = s_render(viewagree_show, text);
    assert_non_null(strstr(out, "Occurrences ended"));
    assert_non_null(strstr(out, "met_late"));
    assert_non_null(strstr(out, "P-000003"));
    assert_non_null(strstr(out, "2026-W47"));
    assert_non_null(strstr(out, "no")); /* not reconciled */
    assert_non_null(strstr(out, "agreement.extended"));
    /* 1792742400 is 2026-10-23T08:00Z: 10:00 CEST. */
    assert_non_null(strstr(out, "from=2026-10-23 10:00"));
    assert_non_null(strstr(out, "occurrence=2"));
    assert_non_null(strstr(out, "reason \"ziek\""));
    free(out);
}

static void test_report(void **state)
{
    char *out = s_render(viewagree_report,
                         "{\"report\": \"P-000003\", \"agreement\":"
                         " \"A-000007\", \"agreement_status\": \"met\","
                         " \"next_due\": \"2026-12-07T08:00:00Z\","
                         " \"reconciled\": false}");
    assert_non_null(strstr(out, "Report P-000003 is recorded for agreement "
                                "A-000007."));
    assert_non_null(strstr(out, "met, on time"));
    assert_non_null(strstr(out, "next report is due 2026-12-07 09:00"));
    assert_non_null(strstr(out, "does not match"));
    free(out);
    out = s_render(viewagree_report,
                   "{\"report\": \"P-000004\", \"agreement\": \"A-000007\","
                   " \"agreement_status\": \"open\", \"next_due\": null,"
                   " \"reconciled\": null}");
    assert_non_null(strstr(out, "stays open"));
    assert_null(strstr(out, "due"));
    assert_null(strstr(out, "match"));
    free(out);
}

static void test_overdue(void **state)
{
    char *out = s_render(viewagree_overdue, "[]");
    assert_string_equal(out, "Nothing is overdue.\n");
    free(out);
    out = s_render(viewagree_overdue,
                   "[{\"agreement\": \"A-000002\", \"kind\": \"partner\","
                   " \"owner_type\": \"partner\", \"owner\": \"vt\","
                   " \"owner_name\": \"Veilig Thuis\", \"case\": null,"
                   " \"description\": \"Wekelijks\", \"due_at\":"
                   " \"2026-11-23T08:00:00Z\", \"days_late\": 15,"
                   " \"level\": 1, \"missed_in_row\": 3, \"reasons\":"
                   " [\"koppeling\\u0007 stuk\"]}]");
    assert_non_null(strstr(out, "Veilig Thuis (vt)"));
    assert_non_null(strstr(out, "2026-11-23 09:00"));
    assert_non_null(strstr(out, "MISSED"));
    assert_non_null(strstr(out, "Reasons given\n  A-000002  koppeling? "
                                "stuk\n"));
    assert_null(strchr(out, '\a'));
    free(out);
}

static void test_clock(void **state)
{
    char *out =
        s_render(viewagree_clock, "{\"now\": \"2027-03-28T01:30:00Z\"}");
    assert_string_equal(out, "regied's clock now says 2027-03-28 03:30.\n");
    free(out);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),        cmocka_unit_test(test_one),
        cmocka_unit_test(test_show_events), cmocka_unit_test(test_report),
        cmocka_unit_test(test_overdue),     cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
