/*
 * Unit tests of jsonin: how input is split into records (JSON lines, one
 * pretty-printed object, several objects in a row), the line each record
 * starts on, and what happens after a record that is not valid JSON.
 */
#include "jsonin.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define MAXREC 8

/* What a reader made of an input: per record its line, its external_id
 * ("" without one), its text, or "ERR:" and the error. */
typedef struct {
    int n;
    int line[MAXREC];
    char what[MAXREC][300];
} split_t;

static void s_split_len(const char *data, size_t len, split_t *out)
{
    memset(out, 0, sizeof *out);
    jsonin_t *in = jsonin_new("t.json", data, len);
    jsonin_record_t rec;
    while (jsonin_next(in, &rec)) {
        assert_true(out->n < MAXREC);
        out->line[out->n] = rec.line;
        if (rec.value) {
            assert_non_null(rec.text);
            assert_int_equal(strlen(rec.text), rec.len);
            snprintf(out->what[out->n], sizeof out->what[0], "%s",
                     rec.text);
        } else {
            assert_null(rec.text);
            snprintf(out->what[out->n], sizeof out->what[0], "ERR:%s",
                     rec.error);
        }
        out->n++;
        jsonin_record_clear(&rec);
    }
    jsonin_destroy(&in);
    assert_null(in);
}

static void s_split(const char *data, split_t *out)
{
    s_split_len(data, strlen(data), out);
}

static void test_json_lines(void **state)
{
    split_t s;
    s_split("{\"external_id\":\"A\"}\n{\"external_id\":\"B\"}\n\n"
            "{\"external_id\":\"C\"}\n", &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.line[0], 1);
    assert_int_equal(s.line[1], 2);
    assert_int_equal(s.line[2], 4);
    assert_string_equal(s.what[2], "{\"external_id\":\"C\"}");
}

static void test_one_pretty_object(void **state)
{
    const char *doc = "\n\n{\n    \"external_id\": \"A\",\n"
                      "    \"subject\": {\n        \"bsn\": \"1\"\n"
                      "    }\n}\n";
    split_t s;
    s_split(doc, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.line[0], 3);
    /* the text is the object exactly as written */
    assert_int_equal(strlen(s.what[0]), strlen(doc) - 3);
    assert_memory_equal(s.what[0], doc + 2, strlen(doc) - 3);
}

static void test_objects_in_a_row(void **state)
{
    split_t s;
    s_split("{\"a\":1}{\"b\":2} {\"c\":\n3}\n  {\"d\":4}", &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.what[0], "{\"a\":1}");
    assert_string_equal(s.what[1], "{\"b\":2}");
    assert_string_equal(s.what[2], "{\"c\":\n3}");
    assert_string_equal(s.what[3], "{\"d\":4}");
    assert_int_equal(s.line[2], 1);
    assert_int_equal(s.line[3], 3);
}

static void test_empty_input(void **state)
{
    split_t s;
    s_split("", &s);
    assert_int_equal(s.n, 0);
    s_split(" \n\t\r\n", &s);
    assert_int_equal(s.n, 0);
}

static void test_byte_order_mark(void **state)
{
    split_t s;
    s_split("\xEF\xBB\xBF{\"a\":1}\n", &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.what[0], "{\"a\":1}");
}

static void test_bad_line_then_good(void **state)
{
    split_t s;
    s_split("{\"a\":1}\n{\"a\": oops}\n{\"b\":2}\n", &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.line[1], 2);
    assert_non_null(strstr(s.what[1], "ERR:line 2, column"));
    assert_string_equal(s.what[2], "{\"b\":2}");
    assert_int_equal(s.line[2], 3);
}

static void test_duplicate_key(void **state)
{
    split_t s;
    s_split("{\"a\":1,\n \"a\":2}\n{\"b\":2}", &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.line[0], 1);
    assert_non_null(strstr(s.what[0], "ERR:line 2"));
    assert_non_null(strstr(s.what[0], "duplicate"));
    assert_string_equal(s.what[1], "{\"b\":2}");
}

static void test_unclosed_pretty_object(void **state)
{
    /* the first object lacks its "}": the next one at column 0 is found */
    split_t s;
    s_split("{\n  \"a\": 1,\n  \"b\": 2\n{\n  \"c\": 3\n}\n", &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.line[0], 1);
    assert_non_null(strstr(s.what[0], "ERR:line 4"));
    assert_int_equal(s.line[1], 4);
    assert_string_equal(s.what[1], "{\n  \"c\": 3\n}");
}

static void test_not_an_object(void **state)
{
    split_t s;
    s_split("[1,2]\n\"text\"\n{\"a\":1}\nhello\n", &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.what[0], "ERR:line 1: a JSON array, not an "
                                   "object");
    assert_non_null(strstr(s.what[1], "ERR:line 2, column 6"));
    assert_int_equal(s.line[2], 3);
    assert_int_equal(s.line[3], 4);
    assert_non_null(strstr(s.what[3], "ERR:line 4, column"));
}

static void test_garbage_at_end(void **state)
{
    split_t s;
    s_split("{\"a\":1}\n}", &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.line[1], 2);
    assert_non_null(strstr(s.what[1], "ERR:line 2, column 1"));
}

static void test_nul_byte(void **state)
{
    split_t s;
    s_split_len("{\"a\":\"x\0y\"}\n{\"b\":1}", 19, &s);
    assert_int_equal(s.n, 2);
    assert_non_null(strstr(s.what[0], "ERR:"));
    assert_string_equal(s.what[1], "{\"b\":1}");
}

static void test_column_of_second_object(void **state)
{
    split_t s;
    s_split("{\"a\":1} {\"b\" 2}", &s);
    assert_int_equal(s.n, 2);
    /* column counted from the start of the line, not of the object */
    assert_non_null(strstr(s.what[1], "ERR:line 1, column 14"));
}

static void test_open_file(void **state)
{
    char path[] = "/tmp/test_jsonin.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *doc = "{\"a\":1}\n";
    assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fd);
    char err[256] = "";
    jsonin_t *in = jsonin_open(path, err, sizeof err);
    assert_non_null(in);
    assert_string_equal(jsonin_name(in), path);
    jsonin_record_t rec;
    assert_int_equal(jsonin_next(in, &rec), 1);
    assert_non_null(rec.value);
    jsonin_record_clear(&rec);
    assert_int_equal(jsonin_next(in, &rec), 0);
    jsonin_destroy(&in);
    unlink(path);
    assert_null(jsonin_open(path, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
    assert_non_null(strstr(err, path));
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_one_pretty_object),
        cmocka_unit_test(test_objects_in_a_row),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_bad_line_then_good),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_unclosed_pretty_object),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_garbage_at_end),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_column_of_second_object),
        cmocka_unit_test(test_open_file),
    };
    return cmocka_run_group_tests_name("jsonin", tests, NULL, NULL);
}
