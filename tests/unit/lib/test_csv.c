/*
 * Unit tests of csv: how text is split into rows and fields (quotes,
 * delimiters and line breaks inside quotes, BOM, CRLF, empty lines), the
 * line each row starts on, and what happens after a broken row.
 */
#include "csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAXROWS 8

/* What a reader made of a text: per row its line and its fields joined
 * by '|', or "ERR:" and the error. */
typedef struct {
    int n;
    long line[MAXROWS];
    char what[MAXROWS][256];
} split_t;

static void s_split_len(const char *data, size_t len, char delim, split_t *out)
{
    memset(out, 0, sizeof *out);
    csv_t *csv = csv_new(data, len, delim);
    csv_row_t row;
    while (csv_next(csv, &row)) {
        assert_true(out->n < MAXROWS);
        out->line[out->n] = row.line;
        char *w = out->what[out->n];
        if (row.error[0]) {
            assert_null(row.fields);
            snprintf(w, sizeof out->what[0], "ERR:%s", row.error);
        }
        for (size_t i = 0; i < row.n; i++)
            snprintf(w + strlen(w), sizeof out->what[0] - strlen(w), "%s%s",
                     i ? "|" : "", row.fields[i]);
        out->n++;
        csv_row_clear(&row);
    }
    csv_destroy(&csv);
    assert_null(csv);
}

static void s_split(const char *data, char delim, split_t *out)
{
    s_split_len(data, strlen(data), delim, out);
}

static void test_plain_rows(void **state)
{
    split_t s;
    s_split("a;b;c\n1;2;3\n", ';', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "a|b|c");
    assert_string_equal(s.what[1], "1|2|3");
    assert_int_equal(s.line[0], 1);
    assert_int_equal(s.line[1], 2);
}

static void test_quoted_delimiter(void **state)
{
    split_t s;
    s_split("\"a;b\";c\n", ';', &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.what[0], "a;b|c");
}

static void test_doubled_quotes(void **state)
{
    split_t s;
    s_split("x,\"het \"\"Meldpunt\"\"\",\"\"\n", ',', &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.what[0], "x|het \"Meldpunt\"|");
}

static void test_embedded_newline_counts_lines(void **state)
{
    split_t s;
    s_split("h1,h2\n1,\"two\nlines\"\n3,x\n", ',', &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.what[1], "1|two\nlines");
    assert_int_equal(s.line[1], 2);
    assert_int_equal(s.line[2], 4);
}

static void test_crlf(void **state)
{
    split_t s;
    s_split("a;b\r\n\"x\r\ny\";z\r\nlast;row\r\n", ';', &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.what[0], "a|b");
    assert_string_equal(s.what[1], "x\ny|z"); /* CRLF inside becomes LF */
    assert_string_equal(s.what[2], "last|row");
    assert_int_equal(s.line[2], 4);
}

static void test_bom_skipped(void **state)
{
    split_t s;
    s_split("\xEF\xBB\xBFMeldingnummer;BSN\nVT-1;999910012\n", ';', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "Meldingnummer|BSN");
    assert_int_equal(s.line[0], 1);
}

static void test_empty_lines_skipped(void **state)
{
    split_t s;
    s_split("\na\n\r\n\nb\n\n", ',', &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.line[0], 2);
    assert_int_equal(s.line[1], 5);
}

static void test_last_line_without_newline(void **state)
{
    split_t s;
    s_split("a,b\nc,d", ',', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[1], "c|d");
}

static void test_empty_fields(void **state)
{
    split_t s;
    s_split(";;\nx;\n", ';', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "||");
    assert_string_equal(s.what[1], "x|");
}

static void test_quote_inside_unquoted_kept(void **state)
{
    split_t s;
    s_split("12\" scherm,b\n", ',', &s);
    assert_string_equal(s.what[0], "12\" scherm|b");
}

static void test_tab_delimiter(void **state)
{
    split_t s;
    s_split("a\tb c\t\"d\te\"\n", '\t', &s);
    assert_string_equal(s.what[0], "a|b c|d\te");
}

static void test_text_after_closing_quote(void **state)
{
    split_t s;
    s_split("a,\"b\"x,c\nd,e\n", ',', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0],
                        "ERR:line 1: text after the closing quote of a "
                        "field");
    assert_string_equal(s.what[1], "d|e");
    assert_int_equal(s.line[1], 2);
}

static void test_unclosed_quote(void **state)
{
    split_t s;
    s_split("a,b\nc,\"never\nclosed\n", ',', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[1], "ERR:a quoted field that starts on line "
                                   "2 is not closed");
}

static void test_nul_byte(void **state)
{
    split_t s;
    s_split_len("a,b\0c\nd,e\n", 10, ',', &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "ERR:line 1: a NUL byte");
    assert_string_equal(s.what[1], "d|e");
}

static void test_empty_input(void **state)
{
    split_t s;
    s_split("", ',', &s);
    assert_int_equal(s.n, 0);
    s_split("\xEF\xBB\xBF\r\n", ',', &s);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_rows),
        cmocka_unit_test(test_quoted_delimiter),
        cmocka_unit_test(test_doubled_quotes),
        cmocka_unit_test(test_embedded_newline_counts_lines),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom_skipped),
        cmocka_unit_test(test_empty_lines_skipped),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_quote_inside_unquoted_kept),
        cmocka_unit_test(test_tab_delimiter),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_unclosed_quote),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_empty_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
