/*
 * Unit tests of csvmap: the two fixture exports (tests/data/spool) mapped
 * into REFERRAL bodies; stable external_ids; each row that does not map
 * (bad date, missing cell, unmapped value, wrong width, not UTF-8) refused
 * on its own with its line; a header without a mapped column refusing the
 * file; and every mistake of a mapping reported with its line. Run from
 * the repository root, as `make test` does.
 */
#include "acfg.h"
#include "batch.h"
#include "csvmap.h"
#include "xmem.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define DATA "tests/data/spool/"

/* A small VT-like mapping that the tests below change. */
#define MAPPING                                                                \
    "csv: {\n"                                                                 \
    "  delimiter = \";\";\n"                                                   \
    "  date_format = \"%d-%m-%Y\";\n"                                          \
    "  constants: { kind = \"melding\"; category = \"kindermishandeling\";\n"  \
    "    contact: { name = \"Meldpunt\"; phone = \"+31 88 000 0000\"; }; };\n" \
    "  columns = (\n"                                                          \
    "    { column = \"Nr\"; field = \"external_id\"; },\n"                     \
    "    { column = \"BSN kind\"; field = \"subject.bsn\"; },\n"               \
    "    { column = \"Geboren\"; field = \"subject.birth_date\"; },\n"         \
    "    { column = \"Urgentie\"; field = \"urgency\";\n"                      \
    "      values = ( [ \"Hoog\", \"urgent\" ], [ \"Gewoon\", \"normaal\" ] "  \
    ");"                                                                       \
    " }\n"                                                                     \
    "  );\n"                                                                   \
    "};\n"

static char s_dir[] = "/tmp/test_csvmap.XXXXXX";

/* Writes text to DIR/t.conf and loads it; *errors gets the errors with
 * DIR/ taken out (owned by the caller). Returns the mapping or NULL. */
static csvmap_t *s_load_text(const char *text, char **errors)
{
    char *path = xasprintf("%s/t.conf", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    acfg_t *cfg = acfg_load(path);
    const config_setting_t *g = acfg_group(cfg, NULL, "csv", true);
    csvmap_t *map = g ? csvmap_load(cfg, g) : NULL;
    const char *e = acfg_errors(cfg);
    char *out = xmalloc(strlen(e) + 1), *w = out;
    size_t skip = strlen(s_dir) + 1;
    for (const char *p = e; *p;) {
        if (strncmp(p, s_dir, skip - 1) == 0)
            p += skip;
        *w++ = *p++;
    }
    *w = '\0';
    *errors = out;
    acfg_destroy(&cfg);
    free(path);
    return map;
}

static csvmap_t *s_load_ok(const char *text)
{
    char *errors;
    csvmap_t *map = s_load_text(text, &errors);
    assert_string_equal(errors, "");
    assert_non_null(map);
    free(errors);
    return map;
}

/* Loads a fixture mapping file. */
static csvmap_t *s_load_file(const char *path)
{
    acfg_t *cfg = acfg_load(path);
    csvmap_t *map = csvmap_load(cfg, acfg_group(cfg, NULL, "csv", true));
    assert_string_equal(acfg_errors(cfg), "");
    acfg_destroy(&cfg);
    assert_non_null(map);
    return map;
}

static char *s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static batch_t *s_map(const csvmap_t *map, const char *text)
{
    batch_t *b = batch_new("t.csv");
    csvmap_read(map, text, strlen(text), b);
    return b;
}

/* Record i as compact JSON with sorted keys, or "REFUSED error field:
 * message". Owned by the caller. */
static char *s_rec(const batch_t *b, size_t i)
{
    const batch_record_t *r = batch_record(b, i);
    if (r->body)
        return json_dumps(r->body, JSON_COMPACT | JSON_SORT_KEYS);
    return xasprintf("REFUSED %s %s: %s", r->error, r->field ? r->field : "-",
                     r->message);
}

static void s_assert_rec(const batch_t *b, size_t i, long line,
                         const char *want)
{
    char *got = s_rec(b, i);
    assert_string_equal(got, want);
    assert_int_equal(batch_record(b, i)->line, line);
    free(got);
}

static int s_setup(void **state)
{
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    char *path = xasprintf("%s/t.conf", s_dir);
    unlink(path);
    free(path);
    return rmdir(s_dir);
}

static void test_vt_export(void **state)
{
    csvmap_t *map = s_load_file(DATA "vt-csv.conf");
    size_t len;
    char *text = s_read_file(DATA "vt-export.csv", &len);
    batch_t *b = batch_new("vt-export.csv");
    csvmap_read(map, text, len, b);
    assert_false(batch_failed(b));
    assert_int_equal(batch_count(b), 5);
    s_assert_rec(
        b, 0, 2,
        "{\"category\":\"kindermishandeling\",\"contact\":{\"email\":"
        "\"meldpunt@vt.example\",\"name\":\"J. de Vries\",\"phone\":"
        "\"+31 88 000 0000\"},\"external_id\":\"VT-2026-004711\","
        "\"household\":[{\"bsn\":\"999910024\"},{\"bsn\":\"999910036\"}],"
        "\"kind\":\"melding\",\"note\":\"Melding van school; zorgen over "
        "verzuim.\",\"occurred_at\":\"2026-11-18T09:42:00+01:00\","
        "\"postcode\":\"6708 PB\",\"subject\":{\"birth_date\":"
        "\"2014-03-02\",\"bsn\":\"999910012\"},\"urgency\":\"normaal\"}");
    const batch_record_t *r = batch_record(b, 1);
    assert_string_equal(json_string_value(json_object_get(r->body, "note")),
                        "Politie ter plaatse geweest.\nVervolg afgesproken "
                        "met moeder.");
    assert_null(
        json_object_get(json_object_get(r->body, "subject"), "birth_date"));
    r = batch_record(b, 2); /* line 5, after the two-line note */
    assert_int_equal(r->line, 5);
    json_t *contact = json_object_get(r->body, "contact");
    assert_string_equal(json_string_value(json_object_get(contact, "name")),
                        "Meldpunt Veilig Thuis"); /* the default */
    assert_string_equal(json_string_value(json_object_get(r->body, "category")),
                        "huiselijk_geweld");
    assert_null(json_object_get(r->body, "household"));
    assert_int_equal(batch_record(b, 4)->line, 7);
    batch_destroy(&b);
    free(text);
    csvmap_destroy(&map);
    assert_null(map);
}

static void test_ggz_export_windows_1252_and_hash_ids(void **state)
{
    csvmap_t *map = s_load_file(DATA "ggz-csv.conf");
    size_t len;
    char *text = s_read_file(DATA "ggz-verwijzingen.csv", &len);
    batch_t *b = batch_new("ggz-verwijzingen.csv");
    csvmap_read(map, text, len, b);
    assert_int_equal(batch_count(b), 4);
    const batch_record_t *r = batch_record(b, 2);
    assert_non_null(r->body);
    assert_string_equal(json_string_value(json_object_get(r->body, "note")),
                        "Cli\xC3\xABnt wil eerst overleg; contact via "
                        "Ren\xC3\xA9");
    assert_string_equal(
        json_string_value(json_object_get(r->body, "occurred_at")),
        "2026-11-19T00:00:00+01:00");
    assert_string_equal(json_string_value(json_object_get(r->body, "kind")),
                        "verwijzing");
    assert_int_equal(strlen(r->external_id), 4 + 32);
    assert_memory_equal(r->external_id, "GGZ-", 4);
    for (size_t i = 0; i < 4; i++)
        for (size_t k = i + 1; k < 4; k++)
            assert_string_not_equal(batch_record(b, i)->external_id,
                                    batch_record(b, k)->external_id);
    /* The same row at another line of another file: the same id. */
    char *id = xstrdup(r->external_id);
    char *third = strstr(text, "\"999910140\"");
    char *end = strchr(third, '\n');
    char *moved = xasprintf("%.*s%.*s", (int)(strchr(text, '\n') + 1 - text),
                            text, (int)(end + 1 - third), third);
    batch_t *b2 = batch_new("other.csv");
    csvmap_read(map, moved, strlen(moved), b2);
    assert_int_equal(batch_count(b2), 1);
    assert_int_equal(batch_record(b2, 0)->line, 2);
    assert_string_equal(batch_record(b2, 0)->external_id, id);
    free(moved);
    free(id);
    batch_destroy(&b2);
    batch_destroy(&b);
    free(text);
    csvmap_destroy(&map);
}

static void test_missing_column_refuses_file(void **state)
{
    csvmap_t *map = s_load_ok(MAPPING);
    batch_t *b = s_map(map, "Nr;Geboren;Urgentie\nVT-1;01-01-2015;Hoog\n");
    assert_true(batch_failed(b));
    assert_int_equal(batch_count(b), 0);
    char *report = batch_report(b, "test");
    assert_non_null(strstr(report, "\nt.csv:1: bad_csv: column 'BSN kind' "
                                   "is not in the header\n"));
    free(report);
    batch_destroy(&b);
    b = s_map(map, "Nr;BSN kind;bsn kind;Geboren;Urgentie\n");
    assert_true(batch_failed(b));
    report = batch_report(b, "test");
    assert_non_null(strstr(report, "column 'BSN kind' is twice in the "
                                   "header"));
    free(report);
    batch_destroy(&b);
    csvmap_destroy(&map);
}

static void test_header_order_and_case_do_not_matter(void **state)
{
    csvmap_t *map = s_load_ok(MAPPING);
    batch_t *b = s_map(map, " urgentie ;GEBOREN;bsn KIND;nr\n"
                            "gewoon;2-3-2014;999910012;VT-9\n");
    assert_int_equal(batch_count(b), 1);
    const batch_record_t *r = batch_record(b, 0);
    assert_string_equal(r->external_id, "VT-9");
    assert_string_equal(json_string_value(json_object_get(r->body, "urgency")),
                        "normaal");
    batch_destroy(&b);
    csvmap_destroy(&map);
}

static void test_bad_rows_refused_alone(void **state)
{
    csvmap_t *map = s_load_ok(MAPPING);
    batch_t *b = s_map(map, "Nr;BSN kind;Geboren;Urgentie\n"
                            "VT-1;999910012;31-02-2014;Hoog\n"
                            "VT-2;;01-01-2015;Hoog\n"
                            "VT-3;99991001x;01-01-2015;Hoog\n"
                            "VT-4;999910024;01-01-2015;Spoed\n"
                            "VT-5;999910036;01-01-2015\n"
                            ";;;\n"
                            "VT-6;999910048;;\n"
                            "VT-7;999910061;01-01-2015;\"Hoog\"x\n");
    assert_false(batch_failed(b));
    assert_int_equal(batch_count(b), 7);
    s_assert_rec(b, 0, 2,
                 "REFUSED invalid_field /subject/birth_date: column "
                 "'Geboren': '31-02-2014' is not a date written as "
                 "%d-%m-%Y");
    assert_string_equal(batch_record(b, 0)->external_id, "VT-1");
    s_assert_rec(b, 1, 3,
                 "REFUSED invalid_field /subject/bsn: column 'BSN "
                 "kind' is empty");
    s_assert_rec(b, 2, 4,
                 "REFUSED invalid_field /subject/bsn: column 'BSN "
                 "kind' does not hold a BSN (9 digits)");
    s_assert_rec(b, 3, 5,
                 "REFUSED invalid_field /urgency: column "
                 "'Urgentie': 'Spoed' is not one of the values "
                 "mapped");
    s_assert_rec(b, 4, 6,
                 "REFUSED bad_csv -: the row has 3 fields, the "
                 "header 4");
    /* line 7 is blank: skipped; line 8 maps without the optional ones */
    s_assert_rec(b, 5, 8,
                 "{\"category\":\"kindermishandeling\",\"contact\":{\"name\":"
                 "\"Meldpunt\",\"phone\":\"+31 88 000 0000\"},\"external_id\":"
                 "\"VT-6\",\"kind\":\"melding\",\"subject\":{\"bsn\":"
                 "\"999910048\"}}");
    s_assert_rec(b, 6, 9,
                 "REFUSED bad_csv -: line 9: text after the "
                 "closing quote of a field");
    char *report = batch_report(b, "test");
    assert_non_null(strstr(report, "\nt.csv:2: invalid_field: column "
                                   "'Geboren': '31-02-2014' is not a date "
                                   "written as %d-%m-%Y (field "
                                   "/subject/birth_date, external_id "
                                   "VT-1)\n"));
    free(report);
    batch_destroy(&b);
    csvmap_destroy(&map);
}

static void test_not_utf8(void **state)
{
    csvmap_t *map = s_load_ok(MAPPING);
    batch_t *b = s_map(map, "Nr;BSN kind;Geboren;Urgentie\n"
                            "VT-\xE9;999910012;;Hoog\n");
    s_assert_rec(b, 0, 2,
                 "REFUSED bad_csv -: the row is not UTF-8 text (for "
                 "an export in Windows-1252, set encoding = "
                 "\"windows-1252\")");
    batch_destroy(&b);
    csvmap_destroy(&map);
}

static void test_no_header_numbered_columns(void **state)
{
    csvmap_t *map = s_load_ok(
        "csv: { header = false; delimiter = \"|\";\n"
        "  constants: { kind = \"signaal\"; category = \"schulden\";\n"
        "    contact: { name = \"Kredietbank\"; email = \"kb@x.example\"; };"
        " };\n"
        "  columns = ( { column = 2; field = \"subject.bsn\"; },\n"
        "              { column = 1; field = \"external_id\"; },\n"
        "              { column = 3; field = \"household\"; },\n"
        "              { column = 4; field = \"household\"; } ); };\n");
    batch_t *b = s_map(map, "KB-1|999910012|999910024|\nKB-2|999910036\n"
                            "KB-3|12x||\n");
    s_assert_rec(b, 0, 1,
                 "{\"category\":\"schulden\",\"contact\":{\"email\":"
                 "\"kb@x.example\",\"name\":\"Kredietbank\"},\"external_id\":"
                 "\"KB-1\",\"household\":[{\"bsn\":\"999910024\"}],\"kind\":"
                 "\"signaal\",\"subject\":{\"bsn\":\"999910012\"}}");
    s_assert_rec(b, 1, 2,
                 "REFUSED bad_csv -: the row has 2 fields, and "
                 "column 4 is mapped");
    /* The id column is read first: a refused row is named by its id. */
    s_assert_rec(b, 2, 3,
                 "REFUSED invalid_field /subject/bsn: column 2 "
                 "does not hold a BSN (9 digits)");
    assert_string_equal(batch_record(b, 2)->external_id, "KB-3");
    batch_destroy(&b);
    csvmap_destroy(&map);
}

static void test_empty_file_and_header_only(void **state)
{
    csvmap_t *map = s_load_ok(MAPPING);
    batch_t *b = s_map(map, "");
    assert_false(batch_failed(b));
    assert_int_equal(batch_count(b), 0);
    batch_destroy(&b);
    b = s_map(map, "Nr;BSN kind;Geboren;Urgentie\r\n");
    assert_false(batch_failed(b));
    assert_int_equal(batch_count(b), 0);
    batch_destroy(&b);
    csvmap_destroy(&map);
}

static void test_config_errors(void **state)
{
    char *errors;
    csvmap_t *map = s_load_text(
        "csv: {\n"                                             /* 1 */
        "  delimiter = \";;\";\n"                              /* 2 */
        "  encoding = \"latin9\";\n"                           /* 3 */
        "  date_format = \"%d-%m-%y\";\n"                      /* 4 */
        "  colour = \"blue\";\n"                               /* 5 */
        "  constants: { kind = \"klacht\"; subject = \"x\";\n" /* 6 */
        "    contact: { fax = \"1\"; }; };\n"                  /* 7 */
        "  columns = (\n"                                      /* 8 */
        "    { column = \"A\"; field = \"subject.bsm\"; },\n"  /* 9 */
        "    { column = \"B\"; field = \"kind\"; },\n"         /* 10 */
        "    { column = 0; field = \"urgency\"; values = ( \"a\" ); },\n"
        "    { column = \"D\"; field = \"subject.birth_date\";\n" /* 12 */
        "      format = \"%H\"; },\n"                             /* 13 */
        "    { column = \"E\"; field = \"household\"; default = \"1\"; },\n"
        "    { column = \"F\"; field = \"postcode\"; format = \"%d\"; },\n"
        "    \"G\"\n" /* 16 */
        "  );\n"      /* 17 */
        "};\n",
        &errors);
    assert_null(map);
    assert_string_equal(
        errors,
        "t.conf:5: unknown setting 'colour'\n"
        "t.conf:2: 'delimiter' must be one character, not a quote or a line "
        "break (\",\", \";\", \"\\t\", \"|\")\n"
        "t.conf:3: 'encoding' must be \"utf-8\" or \"windows-1252\"\n"
        "t.conf:4: format '%d-%m-%y': unknown token %y (use %d %m %Y)\n"
        "t.conf:6: 'klacht' is not a kind (melding, verwijzing, aanmelding "
        "or signaal)\n"
        "t.conf:6: 'subject' cannot be a constant (kind, category, urgency, "
        "postcode, contact.name, contact.email, contact.phone, note)\n"
        "t.conf:7: 'contact.fax' cannot be a constant (kind, category, "
        "urgency, postcode, contact.name, contact.email, contact.phone, "
        "note)\n"
        "t.conf:9: unknown field 'subject.bsm' (one of external_id, kind, "
        "category, urgency, subject.bsn, subject.birth_date, household, "
        "postcode, contact.name, contact.email, contact.phone, occurred_at, "
        "note)\n"
        "t.conf:10: field 'kind' is already given at line 6\n"
        "t.conf:11: 'column' must be a header name or a number from 1 (the "
        "first column)\n"
        "t.conf:11: 'values' must be a list of pairs, like ( [ \"export "
        "value\", \"RRP value\" ], ... )\n"
        "t.conf:13: format '%H': a date has no %H\n"
        "t.conf:14: 'default' cannot be used for 'household'\n"
        "t.conf:15: 'format' is only for subject.birth_date and "
        "occurred_at\n"
        /* libconfig places a scalar in a list at the next token */
        "t.conf:17: each entry of 'columns' must be a group, like { column "
        "= \"BSN\"; field = \"subject.bsn\"; }\n"
        "t.conf:1: no column or constant gives 'category'\n"
        "t.conf:1: no column or constant gives 'subject.bsn'\n"
        "t.conf:1: no column or constant gives 'contact.name'\n"
        "t.conf:1: no column or constant gives 'contact.email' or "
        "'contact.phone'\n");
    free(errors);
}

static void test_config_column_name_without_header(void **state)
{
    char *errors;
    csvmap_t *map = s_load_text(
        "csv: { header = false;\n"
        "  constants: { kind = \"melding\"; category = \"overig\";\n"
        "    contact: { name = \"X\"; phone = \"1\"; }; };\n"
        "  columns = ( { column = \"BSN\"; field = \"subject.bsn\"; } ); };\n",
        &errors);
    assert_null(map);
    assert_string_equal(errors, "t.conf:4: 'column' must be (header = false) "
                                "a number from 1 (the first column)\n");
    free(errors);
}

static void test_config_syntax_and_missing_columns(void **state)
{
    char *errors;
    csvmap_t *map = s_load_text("csv: {\n header = ;\n};\n", &errors);
    assert_null(map);
    assert_string_equal(errors, "t.conf:2: syntax error\n");
    free(errors);
    map =
        s_load_text("csv: { constants: { kind = \"melding\"; }; };\n", &errors);
    assert_null(map);
    assert_non_null(strstr(errors, "t.conf:1: missing setting 'columns'\n"));
    free(errors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vt_export),
        cmocka_unit_test(test_ggz_export_windows_1252_and_hash_ids),
        cmocka_unit_test(test_missing_column_refuses_file),
        cmocka_unit_test(test_header_order_and_case_do_not_matter),
        cmocka_unit_test(test_bad_rows_refused_alone),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_no_header_numbered_columns),
        cmocka_unit_test(test_empty_file_and_header_only),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_config_column_name_without_header),
        cmocka_unit_test(test_config_syntax_and_missing_columns),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
