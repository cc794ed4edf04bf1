/*
 * Unit tests of impfile and impbatch (regiectl import's reading of a
 * file): CSV with a header (each delimiter, quoted fields, line numbers
 * as an editor counts them) and JSON lines into the lines regied takes;
 * one test per rejected input, each with its line; no message quoting a
 * BSN; batches case by case, a case's regisseur and type on all its
 * lines, contradictions noted.
 */
#include "impbatch.h"
#include "impfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define BSN_A "999990019"
#define BSN_B "999990032"
#define HEADER                                                                 \
    "case_ref,bsn,regisseur,type,kind,owner,description,due,period_days,"      \
    "policy\n"

static impfile_t read_text(const char *text, impfile_format_t fmt)
{
    impfile_t f;
    impfile_read(text, strlen(text), fmt, &f);
    return f;
}

static impfile_t csv(const char *text)
{
    return read_text(text, IMPFILE_CSV);
}

static json_t *line_of(impfile_t *f, size_t i)
{
    return json_array_get(f->lines, i);
}

static const char *get(json_t *line, const char *part, const char *key)
{
    return json_string_value(json_object_get(json_object_get(line, part), key));
}

/* Asserts that f has an error on line holding text, and none quoting a
 * BSN. */
static void has_error(impfile_t *f, long line, const char *text)
{
    size_t i;
    json_t *e;
    json_array_foreach(f->errors, i, e)
    {
        const char *m = json_string_value(json_object_get(e, "message"));
        assert_null(strstr(m, "99999"));
        if (json_integer_value(json_object_get(e, "line")) == line &&
            strstr(m, text))
            return;
    }
    char *all = json_dumps(f->errors, 0);
    fail_msg("no error '%s' on line %ld in %s", text, line, all);
}

static void test_a_csv_file(void **state)
{
    impfile_t f =
        csv(HEADER "Z-1," BSN_A ",RG-000003,intensive,,,,,,\n"
                   "\n"
                   "Z-1,,,,,department:inkomen,\"Aanvraag, met komma\","
                   ",,\n"
                   "Z-1 , ,,,custom,regisseur:a@b.nl,Huisbezoek,"
                   "2026-12-01 09:00,21,snel\n"
                   ",,,,,,,,,\n");
    assert_int_equal(json_array_size(f.errors), 0);
    assert_int_equal(json_array_size(f.lines), 3);
    json_t *l = line_of(&f, 0);
    assert_int_equal(json_integer_value(json_object_get(l, "line")), 2);
    assert_string_equal(get(l, "case", "ref"), "Z-1");
    assert_string_equal(get(l, "case", "bsn"), BSN_A);
    assert_string_equal(get(l, "case", "type"), "intensive");
    assert_null(json_object_get(l, "agreement"));
    l = line_of(&f, 1); /* an empty line is skipped, but counted */
    assert_int_equal(json_integer_value(json_object_get(l, "line")), 4);
    assert_string_equal(get(l, "agreement", "kind"), "request");
    assert_string_equal(get(l, "agreement", "owner_type"), "department");
    assert_string_equal(get(l, "agreement", "owner"), "inkomen");
    assert_string_equal(get(l, "agreement", "description"),
                        "Aanvraag, met komma");
    assert_null(get(l, "agreement", "due")); /* a request has a default */
    l = line_of(&f, 2);
    assert_string_equal(get(l, "case", "ref"), "Z-1"); /* spaces cut */
    assert_null(get(l, "case", "bsn"));
    assert_string_equal(get(l, "agreement", "owner"), "a@b.nl");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(l, "agreement"), "period_days")),
                     21);
    assert_string_equal(get(l, "agreement", "policy"), "snel");
    impfile_clear(&f);
    assert_null(f.lines);
}

static void test_delimiters_and_header_case(void **state)
{
    const char *texts[] = {"Case_Ref; BSN ;Type\nZ-1;" BSN_A ";complex\n",
                           "case_ref\tbsn\ttype\nZ-1\t" BSN_A "\tcomplex\n",
                           "\xEF\xBB\xBF"
                           "case_ref,bsn,type\r\nZ-1," BSN_A ",complex\r\n"};
    for (size_t i = 0; i < 3; i++) {
        impfile_t f = csv(texts[i]);
        assert_int_equal(json_array_size(f.errors), 0);
        assert_int_equal(json_array_size(f.lines), 1);
        assert_string_equal(get(line_of(&f, 0), "case", "type"), "complex");
        impfile_clear(&f);
    }
}

/* A quoted field over two lines: the next row's line is the editor's. */
static void test_line_numbers_past_a_quoted_break(void **state)
{
    impfile_t f = csv(HEADER "Z-1,,,,,kernteam,\"twee\nregels\","
                             "2026-12-01 09:00,,\n"
                             "Z-1,,,groot,,,,,,\n");
    has_error(&f, 2, "description must be one line");
    has_error(&f, 4, "type must be complex or intensive");
    impfile_clear(&f);
}

static void test_bad_headers(void **state)
{
    impfile_t f = csv("case_ref,bsn,kleur,bsn\nZ-1," BSN_A ",rood,\n");
    has_error(&f, 1, "kleur is not a column");
    has_error(&f, 1, "column bsn is in the header twice");
    assert_int_equal(json_array_size(f.lines), 0);
    impfile_clear(&f);
    f = csv(BSN_A ",Z-1\n"); /* no header: the BSN is not quoted */
    has_error(&f, 1, "a field of the header is not a column");
    impfile_clear(&f);
    f = csv("");
    has_error(&f, 0, "starts with a header row");
    impfile_clear(&f);
}

/* Each rejected value, with its line; never a BSN quoted. */
static void test_rejected_values(void **state)
{
    impfile_t f = csv(
        HEADER "Z-1,999990018,,,,,,,,\n"                              /* 2 */
               "Z-2,12345,,,,,,,,\n"                                  /* 3 */
               "Z-3," BSN_A ",nobody,,,,,,,\n"                        /* 4 */
               "Z-4," BSN_A ",,big,,,,,,\n"                           /* 5 */
               "Z-5,,,,,iemand,x,2026-12-01 09:00,,\n"                /* 6 */
               "Z-6,,,,soms,kernteam,x,2026-12-01 09:00,,\n"          /* 7 */
               "Z-7,,,,,kernteam,,2026-12-01 09:00,,\n"               /* 8 */
               "Z-8,,,,,kernteam,x,,,\n"                              /* 9 */
               "Z-9,,,,,kernteam,x,morgen,,\n"                        /* 10 */
               "Z-10,,,,,kernteam,x,2026-12-01 09:00,0,\n"            /* 11 */
               "Z-11,,,,,kernteam,bel " BSN_B ",2026-12-01 09:00,,\n" /* 12 */
        BSN_B ",,,,,,,,,\n"                                           /* 13 */
               ",,RG-1,,,,,,,\n"                                      /* 14 */
               ",,,,,,x,,,\n"                                         /* 15 */
               "Z-12,a,b\n"                                           /* 16 */
               "\"Z-13,,,,,,,,,\n");                                  /* 17 */
    has_error(&f, 2, "bsn: the BSN fails the elfproef");
    has_error(&f, 3, "bsn: the BSN is not 9 digits");
    has_error(&f, 4, "regisseur must be a reference like RG-000003");
    has_error(&f, 5, "type must be complex or intensive");
    has_error(&f, 6, "owner must be regisseur:REGISSEUR");
    has_error(&f, 7, "kind must be custom, request");
    has_error(&f, 8, "an agreement needs a description");
    has_error(&f, 9, "an agreement needs a due time");
    has_error(&f, 10, "due must be like");
    has_error(&f, 11, "period_days must be a number of days, 1 to 3660");
    has_error(&f, 12, "description holds what looks like a BSN");
    has_error(&f, 13, "case_ref holds what looks like a BSN");
    has_error(&f, 14, "regisseur and type are of a case");
    has_error(&f, 15, "an agreement needs an owner");
    has_error(&f, 16, "3 fields, but the header has 10");
    has_error(&f, 17, "is not closed");
    assert_int_equal(json_array_size(f.lines), 0);
    impfile_clear(&f);
}

static void test_json_lines(void **state)
{
    impfile_t f = read_text(
        "{\"case_ref\": \"Z-1\", \"bsn\": \"" BSN_A "\", \"regisseur\":"
        " null, \"type\": \"\"}\n"
        "\n"
        "{\"case_ref\": \"Z-1\", \"owner\": \"kernteam\", \"description\":"
        " \"Overleg\", \"due\": \"2026-12-01T08:00:00Z\","
        " \"period_days\": 14}\r\n"
        "[1]\n"
        "{\"case_ref\": 17}\n"
        "{\"kleur\": \"rood\", \"BSN\": \"x\"}\n"
        "{\"case_ref\": \"" BSN_B "\n"
        "{\"case_ref\": \"a\", \"case_ref\": \"b\"}\n",
        IMPFILE_JSONL);
    assert_int_equal(json_array_size(f.lines), 2);
    json_t *l = line_of(&f, 0);
    assert_int_equal(json_integer_value(json_object_get(l, "line")), 1);
    assert_null(get(l, "case", "type"));
    l = line_of(&f, 1);
    assert_int_equal(json_integer_value(json_object_get(l, "line")), 3);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(l, "agreement"), "period_days")),
                     14);
    has_error(&f, 4, "a line of a JSON lines file is one object");
    has_error(&f, 5, "case_ref must be text");
    has_error(&f, 6, "kleur is not a column");
    has_error(&f, 6, "BSN is not a column"); /* names are exact in JSON */
    has_error(&f, 7, "not valid JSON");
    has_error(&f, 8, "not valid JSON");
    impfile_clear(&f);
}

static void test_a_nul_byte(void **state)
{
    impfile_t f;
    impfile_read(HEADER "Z-1\0,", sizeof HEADER + 4, IMPFILE_CSV, &f);
    has_error(&f, 0, "NUL byte");
    impfile_clear(&f);
}

static void test_formats(void **state)
{
    impfile_format_t fmt;
    assert_int_equal(impfile_format("a/b.CSV", NULL, &fmt), 0);
    assert_int_equal(fmt, IMPFILE_CSV);
    assert_int_equal(impfile_format("b.jsonl", NULL, &fmt), 0);
    assert_int_equal(fmt, IMPFILE_JSONL);
    assert_int_equal(impfile_format("b.ndjson", NULL, &fmt), 0);
    assert_int_equal(impfile_format("b.txt", "csv", &fmt), 0);
    assert_int_equal(fmt, IMPFILE_CSV);
    assert_int_equal(impfile_format("b.csv", "xml", &fmt), -1);
    assert_int_equal(impfile_format("", NULL, &fmt), -1);
    assert_int_equal(impfile_format("dir.csv/file", NULL, &fmt), -1);
}

/* ------------------------------------------------------------ batches */

static long line_no(json_t *line)
{
    return (long)json_integer_value(json_object_get(line, "line"));
}

/* The lines of a case together in file order, cases in the order they
 * first come; a bsn given with a case_ref belongs to that case; the
 * regisseur and type spread over the case's lines. */
static void test_batches_case_by_case(void **state)
{
    impfile_t f = csv(HEADER "Z-1,,,,,kernteam,a,2026-12-01 09:00,,\n" /* 2 */
                             "," BSN_A ",,,,kernteam,b,2026-12-01 09:00,,\n"
                             "Z-2,,RG-2,,,,,,,\n"                     /* 4 */
                             "Z-1," BSN_A ",RG-1,intensive,,,,,,\n"   /* 5 */
                             "Z-2,,,complex,,,,,,\n"                  /* 6 */
                             ",,,,,kernteam,c,2026-12-01 09:00,,\n"); /* 7 */
    assert_int_equal(json_array_size(f.errors), 0);
    json_t *batches = impbatch_make(f.lines, f.errors);
    assert_int_equal(json_array_size(f.errors), 0);
    assert_int_equal(json_array_size(batches), 1);
    long want[] = {2, 3, 5, 4, 6, 7};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(line_no(line_of(&f, i)), want[i]);
    assert_string_equal(get(line_of(&f, 0), "case", "regisseur"), "RG-1");
    assert_string_equal(get(line_of(&f, 1), "case", "type"), "intensive");
    assert_string_equal(get(line_of(&f, 4), "case", "regisseur"), "RG-2");
    assert_null(json_object_get(line_of(&f, 5), "case"));
    json_decref(batches);
    impfile_clear(&f);
}

static void test_contradictions(void **state)
{
    impfile_t f = csv(HEADER "Z-1," BSN_A ",,complex,,,,,,\n"
                             "Z-1,,,intensive,,,,,,\n"
                             "Z-2," BSN_A ",,,,,,,,\n");
    json_t *batches = impbatch_make(f.lines, f.errors);
    has_error(&f, 3, "type intensive here, but complex on line 2");
    has_error(&f, 4, "this bsn is given with case_ref Z-1 on line 2");
    json_decref(batches);
    impfile_clear(&f);
}

/* No batch over IMPBATCH_LINES lines, and a case never split. */
static void test_batch_sizes(void **state)
{
    size_t n = 2 * IMPBATCH_LINES + 10, len = 0;
    char *text = malloc(64 * (n + 2));
    len += (size_t)sprintf(text, "case_ref,owner,description,due\n");
    for (size_t i = 0; i < n; i++) /* cases of 3 lines */
        len += (size_t)sprintf(
            text + len, "Z-%zu,kernteam,a%zu,2026-12-01 09:00\n", i / 3, i);
    impfile_t f;
    impfile_read(text, len, IMPFILE_CSV, &f);
    free(text);
    assert_int_equal(json_array_size(f.lines), n);
    json_t *batches = impbatch_make(f.lines, f.errors);
    size_t i, total = 0;
    json_t *b;
    json_array_foreach(batches, i, b)
    {
        assert_true(json_array_size(b) <= IMPBATCH_LINES);
        assert_int_equal(json_array_size(b) % 3 == 0 || i + 1 == 3, 1);
        total += json_array_size(b);
    }
    assert_int_equal(json_array_size(batches), 3);
    assert_int_equal(total, n);
    json_decref(batches);
    impfile_clear(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_csv_file),
        cmocka_unit_test(test_delimiters_and_header_case),
        cmocka_unit_test(test_line_numbers_past_a_quoted_break),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_rejected_values),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_a_nul_byte),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_batches_case_by_case),
        cmocka_unit_test(test_contradictions),
        cmocka_unit_test(test_batch_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
