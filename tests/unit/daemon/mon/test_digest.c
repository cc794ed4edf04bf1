/*
 * Unit tests of the weekly digest's mail on a real SQLite file, with the
 * shipped templates (run from the top of the source tree), in
 * Europe/Amsterdam: both templates load; the text and the HTML say the
 * same facts; names are HTML-escaped in the HTML (a regisseur called
 * "<script>" and "&"); the chart is a PNG of CHARTPNG_WIDTH x
 * CHARTPNG_HEIGHT, drawn also without owners and with many; the queued
 * notification holds the HTML and the picture under the Content-ID the
 * HTML names, and is queued once a week.
 */
#include "mail/outbox.h"
#include "mon/chart.h"
#include "mon/chartpng.h"
#include "mon/digest.h"
#include "store/store.h"

#include "../tmpstore.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define DAY 86400
#define EVIL "A. <script>alert(1)</script> & Zn"

typedef struct {
    tmpstore_t *db; /* the database in its temporary folder */
    store_t *store; /* db's */
    digest_t *digest;
    int64_t now; /* Wednesday 7 January 2026 10:00, 2026-W02 */
} fixture_t;

static cfg_partner_t s_partners[] = {{.id = "vt", .name = "Veilig Thuis"}};
static cfg_t s_cfg = {
    .partners = s_partners,
    .partners_n = 1,
    .digest_weekday = 1,
    .mail = {.enabled = true,
             .templates = "config/templates",
             .from = {.name = "Regie", .email = "regie@gemeente.example"},
             .kernteam = {.name = "Kernteam", .email = "k@gemeente.example"},
             .gemeente = {.name = "Gemeente Ede & Wageningen",
                          .email = "g@gemeente.example"}}};

static int64_t local(int y, int m, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_isdst = -1};
    return (int64_t)mktime(&tm);
}

/* Runs one statement made of fmt. */
static void sql(fixture_t *f, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    assert_int_equal(store_exec(f->store, text), 0);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    f->db = tmpstore_new("digest");
    f->store = f->db->store;
    f->digest = digest_new(&s_cfg);
    assert_non_null(f->digest);
    assert_true(digest_enabled(f->digest));
    f->now = local(2026, 1, 7, 10, 0);
    /* A regisseur with markup in the name, 40 days late with a reason;
     * a partner's report missed last week; a referral this week. */
    sql(f,
        "INSERT INTO cases (id, opened_at) VALUES (17, 0);"
        " INSERT INTO regisseur (id, name, organisation, email,"
        " created_at) VALUES (1, '" EVIL "', 'Leger des Heils',"
        " 'a@ldh.example', 0);"
        " INSERT INTO referral (partner, external_id, digest, case_id,"
        " kind, category, urgency, contact_name, persons, received_at,"
        " case_status, note) VALUES ('vt', 'R1', x'00', 17, 'melding',"
        " 'kindermishandeling', 'normaal', 'A', 1, %lld, 'new',"
        " 'geheime notitie')",
        (long long)(f->now - 3600));
    sql(f,
        "INSERT INTO agreement (id, kind, owner_type, owner, case_id,"
        " description, policy, due_at, level, created_at, created_by)"
        " VALUES (7, 'progress', 'regisseur', '1', 17, 'vrije tekst',"
        " 'progress', %lld, 2, 0, 'test'), (8, 'partner', 'partner', 'vt',"
        " NULL, 'x', 'partner', %lld, 0, 0, 'test');"
        " INSERT INTO report (source, agreement_id, occurrence, status,"
        " reason, received_at, outcome) VALUES ('user:x', 7, 1,"
        " 'not_delivered', 'wacht op <gesprek> & overleg', %lld, 'open')",
        (long long)(f->now - 40 * DAY), (long long)(f->now - 6 * DAY),
        (long long)(f->now - 30 * DAY));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    digest_destroy(&f->digest);
    f->store = NULL;
    tmpstore_destroy(&f->db);
    free(f);
    return 0;
}

/* The big-endian 32 bits at p. */
static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
           (unsigned long)p[2] << 8 | p[3];
}

/* Asserts a PNG of the chart's size: signature, then IHDR. */
static void is_chart_png(const unsigned char *png, size_t len)
{
    assert_non_null(png);
    assert_true(len > 33);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    assert_int_equal(be32(png + 16), CHARTPNG_WIDTH);
    assert_int_equal(be32(png + 20), CHARTPNG_HEIGHT);
}

static void test_text_and_html_say_the_same(void **state)
{
    fixture_t *f = *state;
    digest_mail_t m;
    assert_int_equal(
        digest_render(f->digest, f->store, f->now, "chart.png", &m), 0);
    assert_string_equal(m.subject,
                        "Weekoverzicht regie op de casus, week 2026-W02");
    /* The agreement late longest, with its reason, in both. */
    assert_non_null(strstr(m.body, "1. A-000007 voortgangsrapportage, casus"
                                   " C-000017, Regisseur " EVIL
                                   " (Leger des Heils):\n   40 dagen te"
                                   " laat"));
    assert_non_null(strstr(m.body, "niet geleverd: \"wacht op <gesprek> &"
                                   " overleg\""));
    assert_non_null(strstr(m.html, "<strong>A-000007</strong>"));
    assert_non_null(strstr(m.html, "<strong>40 dagen</strong>"));
    assert_non_null(strstr(m.html, "Regisseur A. &lt;script&gt;alert(1)"
                                   "&lt;/script&gt; &amp; Zn"));
    assert_non_null(strstr(m.html, "wacht op &lt;gesprek&gt; &amp;"
                                   " overleg"));
    assert_null(strstr(m.html, "<script>"));
    assert_non_null(strstr(m.html, "Beste Gemeente Ede &amp; Wageningen,"));
    /* The chart's numbers: 1 referral this week; not kept, the progress
     * report in W48 and the partner's report in W01. */
    assert_non_null(strstr(m.body, "    0    1\nNiet nagekomen      0    0"
                                   "    0    0    0    1    0    0    0    0"
                                   "    1    0\n"));
    assert_non_null(strstr(m.html, "src=\"chart.png\""));
    assert_non_null(strstr(m.html, "width=\"600\" height=\"435\""));
    assert_non_null(strstr(m.html, "Deze week: 1 verwijzing, 0 afspraken"
                                   " niet nagekomen."));
    assert_non_null(strstr(m.html, ">1</td></tr>\n<tr><td style=\""));
    /* Nothing about a person. */
    const char *secret[] = {"kindermishandeling", "geheime notitie",
                            "vrije tekst"};
    for (int i = 0; i < 3; i++) {
        assert_null(strstr(m.body, secret[i]));
        assert_null(strstr(m.html, secret[i]));
    }
    is_chart_png(m.png, m.png_len);
    assert_non_null(json_object_get(m.chart, "owners"));
    digest_mail_clear(&m);
}

static void test_chart_png_of_every_shape(void **state)
{
    fixture_t *f = *state;
    problem_t pb = {0};
    json_t *d = chart_data(f->store, &s_cfg, f->now, &pb);
    size_t len = 0;
    unsigned char *png = chartpng_draw(d, &len);
    is_chart_png(png, len);
    free(png);
    /* Without owners, and with the most rows and long names. */
    json_object_set_new(d, "owners", json_array());
    png = chartpng_draw(d, &len);
    is_chart_png(png, len);
    free(png);
    json_t *o = json_object_get(d, "owners");
    for (int i = 0; i < CHART_OWNERS; i++) {
        json_t *row =
            json_pack("{s:s, s:s, s:s, s:O, s:i}", "type", "department", "id",
                      "x", "name",
                      "Een heel lange naam van een afdeling van de"
                      " gemeente die niet past",
                      "not_kept", json_object_get(d, "referrals"), "total", 1);
        json_array_append_new(o, row);
    }
    png = chartpng_draw(d, &len);
    is_chart_png(png, len);
    free(png);
    json_decref(d);
}

/* The Content-ID the queued HTML names, without "cid:" (new). */
static char *cid_of(const char *html)
{
    const char *p = strstr(html, "src=\"cid:");
    assert_non_null(p);
    p += strlen("src=\"cid:");
    return strndup(p, strcspn(p, "\""));
}

static void test_queued_once_with_its_picture(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(digest_queue(f->digest, f->store, f->now, "test"), 1);
    assert_int_equal(digest_queue(f->digest, f->store, f->now + DAY, "test"),
                     0);
    outbox_row_t row;
    assert_int_equal(outbox_take_due(f->store, f->now, NULL, 0, &row), 1);
    assert_string_equal(row.key, "digest/2026-W02");
    assert_string_equal(row.to, "g@gemeente.example");
    assert_non_null(strstr(row.body, "HET LANGST TE LAAT"));
    char *cid = cid_of(row.html);
    assert_true(strncmp(cid, "chart.2026-W02.", 15) == 0);
    assert_non_null(strstr(cid, "@gemeente.example"));
    json_t *parts = json_loads(row.parts, 0, NULL);
    assert_int_equal(json_array_size(parts), 1);
    json_t *p = json_array_get(parts, 0);
    assert_string_equal(json_string_value(json_object_get(p, "cid")), cid);
    assert_string_equal(json_string_value(json_object_get(p, "content_type")),
                        "image/png");
    assert_string_equal(json_string_value(json_object_get(p, "filename")),
                        "chart.png");
    /* base64 of the PNG signature */
    assert_true(strncmp(json_string_value(json_object_get(p, "base64")),
                        "iVBORw0KGgo", 11) == 0);
    json_decref(parts);
    free(cid);
    outbox_row_clear(&row);
}

int main(void)
{
    setenv("TZ", "Europe/Amsterdam", 1);
    tzset();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_text_and_html_say_the_same),
        T(test_chart_png_of_every_shape),
        T(test_queued_once_with_its_picture),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
