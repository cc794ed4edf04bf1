/*
 * test_csvrule — one column of a CSV mapping: read from an entry of
 * "columns" (each mistake with its line), then applied to cells: the
 * value table without case, the default, the conversions of BSNs, dates
 * and timestamps; one test per refused cell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acfg.h"
#include "csvrule.h"
#include "xmem.h"

static char s_dir[] = "/tmp/test_csvrule.XXXXXX";

/* Returns text without every "DIR/" (caller frees). */
static char *s_cut_dir(const char *text)
{
    size_t skip = strlen(s_dir) + 1;
    char *out = xmalloc(strlen(text) + 1), *w = out;
    for (const char *p = text; *p;) {
        if (strncmp(p, s_dir, skip - 1) == 0)
            p += skip;
        else
            *w++ = *p++;
    }
    *w = '\0';
    return out;
}

/* Loads entry (a group) as one rule, of a mapping with or without a
 * header; returns the errors with DIR/ cut (caller frees). */
static char *s_load(csvrule_t *r, bool header, const char *entry)
{
    char *path = xasprintf("%s/t.conf", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "e = %s;\n", entry);
    fclose(f);
    acfg_t *cfg = acfg_load(path);
    const config_setting_t *e = config_setting_get_member(acfg_root(cfg), "e");
    assert_non_null(e);
    const char *name =
        config_setting_get_string(config_setting_get_member(e, "field"));
    csvrule_defaults_t d = {header, "%d-%m-%Y", "rfc3339"};
    csvrule_load(r, cfg, e, csvfield_find(name), &d);
    char *errors = s_cut_dir(acfg_errors(cfg));
    acfg_destroy(&cfg);
    unlink(path);
    free(path);
    return errors;
}

static void s_load_ok(csvrule_t *r, bool header, const char *entry)
{
    char *errors = s_load(r, header, entry);
    assert_string_equal(errors, "");
    free(errors);
}

/* Applies r to cell; returns the body (or the refusal, when why is not
 * NULL) as text for the caller to free. */
static char *s_apply(const csvrule_t *r, const char *cell, char **why)
{
    json_t *body = json_object();
    *why = csvrule_apply(r, cell, body, "VT-");
    char *got = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return got;
}

static void s_assert_sets(const csvrule_t *r, const char *cell,
                          const char *want)
{
    char *why;
    char *got = s_apply(r, cell, &why);
    assert_null(why);
    assert_string_equal(got, want);
    free(got);
}

static void s_assert_refused(const csvrule_t *r, const char *cell,
                             const char *want)
{
    char *why;
    char *got = s_apply(r, cell, &why);
    assert_non_null(why);
    assert_string_equal(why, want);
    assert_string_equal(got, "{}");
    free(why);
    free(got);
}

static void test_value_table_and_default(void **state)
{
    csvrule_t r;
    s_load_ok(&r, true,
              "{ column = \" Aard \"; field = \"category\";\n"
              "  values = ( [ \"Kindermishandeling\", \"kindermishandeling\" "
              "] ); default = \"overig\"; }");
    assert_string_equal(r.name, "Aard");
    s_assert_sets(&r, "KINDERMISHANDELING",
                  "{\"category\":\"kindermishandeling\"}");
    s_assert_sets(&r, "Schulden", "{\"category\":\"overig\"}");
    s_assert_sets(&r, "", "{\"category\":\"overig\"}");
    csvrule_clear(&r);
    assert_null(r.name);
    csvrule_clear(NULL);
}

static void test_value_not_mapped(void **state)
{
    csvrule_t r;
    s_load_ok(&r, true,
              "{ column = \"Urgentie\"; field = \"urgency\";\n"
              "  values = ( [ \"Hoog\", \"urgent\" ] ); }");
    s_assert_sets(&r, "hoog", "{\"urgency\":\"urgent\"}");
    s_assert_refused(&r, "Laag",
                     "column 'Urgentie': 'Laag' is not one of the values "
                     "mapped");
    s_assert_sets(&r, "", "{}"); /* optional: nothing set */
    csvrule_clear(&r);
}

static void test_required_cell_empty(void **state)
{
    csvrule_t r;
    s_load_ok(&r, false, "{ column = 3; field = \"subject.bsn\"; }");
    assert_int_equal(r.number, 3);
    s_assert_refused(&r, "", "column 3 is empty");
    csvrule_clear(&r);
}

static void test_bsn(void **state)
{
    csvrule_t r;
    s_load_ok(&r, true, "{ column = \"BSN\"; field = \"subject.bsn\"; }");
    s_assert_sets(&r, "9999.00.006", "{\"subject\":{\"bsn\":\"999900006\"}}");
    s_assert_refused(&r, "nee", "column 'BSN' does not hold a BSN (9 digits)");
    csvrule_clear(&r);
}

static void test_dates_by_format(void **state)
{
    csvrule_t r;
    s_load_ok(&r, true,
              "{ column = \"Geboren\"; field = \"subject.birth_date\"; }");
    assert_string_equal(r.format, "%d-%m-%Y");
    s_assert_sets(&r, "2-3-2014",
                  "{\"subject\":{\"birth_date\":\"2014-03-02\"}}");
    s_assert_refused(&r, "30-2-2014",
                     "column 'Geboren': '30-2-2014' is not a date written "
                     "as %d-%m-%Y");
    csvrule_clear(&r);
    s_load_ok(&r, true,
              "{ column = \"Gemeld\"; field = \"occurred_at\";\n"
              "  format = \"%d/%m/%Y %H:%M\"; }");
    s_assert_sets(&r, "20/11/2026 09:30",
                  "{\"occurred_at\":\"2026-11-20T09:30:00+01:00\"}");
    s_assert_refused(&r, "20-11-2026",
                     "column 'Gemeld': '20-11-2026' is not a time written "
                     "as %d/%m/%Y %H:%M");
    csvrule_clear(&r);
}

static void test_external_id_prefixed(void **state)
{
    csvrule_t r;
    s_load_ok(&r, true, "{ column = \"Nr\"; field = \"external_id\"; }");
    s_assert_sets(&r, "M-17", "{\"external_id\":\"VT-M-17\"}");
    csvrule_clear(&r);
}

static void test_load_errors(void **state)
{
    csvrule_t r;
    char *e = s_load(&r, true,
                     "{ field = \"subject.bsn\";\n"            /* 1 */
                     "  values = ( [ \"a\", \"b\" ] );\n"      /* 2 */
                     "  format = \"%d\"; default = \"1\"; }"); /* 3 */
    assert_string_equal(e, "t.conf:1: missing setting 'column'\n"
                           "t.conf:2: 'values' cannot be used for "
                           "'subject.bsn'\n"
                           "t.conf:3: 'format' is only for "
                           "subject.birth_date and occurred_at\n"
                           "t.conf:3: 'default' cannot be used for "
                           "'subject.bsn'\n");
    free(e);
    csvrule_clear(&r);
    e = s_load(&r, true,
               "{ column = \"\"; field = \"kind\";\n"
               "  values = ( [ \"a\", \"klacht\" ] ); default = \"x\"; }");
    assert_string_equal(e, "t.conf:1: 'column' must not be empty\n"
                           "t.conf:2: 'klacht' is not a kind (melding, "
                           "verwijzing, aanmelding or signaal)\n"
                           "t.conf:2: 'x' is not a kind (melding, "
                           "verwijzing, aanmelding or signaal)\n");
    free(e);
    csvrule_clear(&r);
    e = s_load(&r, true,
               "{ column = \"G\"; field = \"occurred_at\";\n"
               "  format = \"%Y\"; }");
    assert_non_null(strstr(e, "t.conf:2: format '%Y'"));
    free(e);
    csvrule_clear(&r);
}

static void test_column_of_the_wrong_kind(void **state)
{
    csvrule_t r;
    char *e = s_load(&r, false, "{ column = \"BSN\"; field = \"note\"; }");
    assert_string_equal(e, "t.conf:1: 'column' must be (header = false) a "
                           "number from 1 (the first column)\n");
    free(e);
    csvrule_clear(&r);
    e = s_load(&r, true, "{ column = 0; field = \"note\"; }");
    assert_string_equal(e, "t.conf:1: 'column' must be a header name or a "
                           "number from 1 (the first column)\n");
    free(e);
    csvrule_clear(&r);
}

static int s_setup(void **state)
{
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    return rmdir(s_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_table_and_default),
        cmocka_unit_test(test_value_not_mapped),
        cmocka_unit_test(test_required_cell_empty),
        cmocka_unit_test(test_bsn),
        cmocka_unit_test(test_dates_by_format),
        cmocka_unit_test(test_external_id_prefixed),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_column_of_the_wrong_kind),
    };
    return cmocka_run_group_tests_name("csvrule", tests, s_setup, s_teardown);
}
