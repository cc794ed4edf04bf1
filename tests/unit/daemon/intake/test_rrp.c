/*
 * Unit tests of the rrp family: a request decoded in one pass (frames,
 * body, digest), every rejected REFERRAL input (one test each, generated
 * from a table), canonical JSON and the small parsers.
 */
#include "intake/rrp.h"
#include "intake/rrpjson.h"
#include "intake/rrpreferral.h"
#include "intake/rrpreport.h"
#include "intake/rrpreq.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *const s_categories[] = {"huiselijk_geweld", "kindermishandeling",
                                     "ggz", "overig"};
static const rrpreferral_rules_t s_rules = {
    .household_max = 3,
    .categories = s_categories,
    .categories_n = 4,
    .today = "2026-11-22",
};

#define HEAD "\"external_id\":\"VT-1\",\"kind\":\"melding\"," \
             "\"category\":\"ggz\","
#define SUBJ "\"subject\":{\"bsn\":\"999990019\"},"
#define CONTACT "\"contact\":{\"name\":\"J. de Vries\"," \
                "\"email\":\"j@vt.example\"}"

/* One rejected input: body, expected error and JSON Pointer. */
typedef struct {
    const char *name;
    const char *body;
    rrp_error_t error;
    const char *field;
} s_bad_t;

static const s_bad_t s_bad[] = {
    {"not_json", "{\"a\":", RRP_BAD_JSON, ""},
    {"array", "[1,2]", RRP_BAD_JSON, ""},
    {"empty_body", "", RRP_BAD_JSON, ""},
    {"duplicate_key", "{\"kind\":\"melding\",\"kind\":\"melding\"}",
     RRP_BAD_JSON, ""},
    {"nul_in_string", "{\"external_id\":\"a\\u0000b\"}", RRP_BAD_JSON, ""},
    {"invalid_utf8", "{\"external_id\":\"\xff\"}", RRP_BAD_JSON, ""},
    {"unknown_field", "{" HEAD SUBJ CONTACT ",\"foo\":1}", RRP_INVALID_FIELD,
     "/foo"},
    {"unknown_field_escaped", "{" HEAD SUBJ CONTACT ",\"a/b~\":1}",
     RRP_INVALID_FIELD, "/a~1b~0"},
    {"unknown_field_long_name", "{" HEAD SUBJ CONTACT ",\"contact_person_"
     "of_the_partner_organisation_who_sent_this_referral_x\":1}",
     RRP_INVALID_FIELD, ""},
    {"unknown_field_long_name_in_subject",
     "{" HEAD "\"subject\":{\"bsn\":\"999990019\",\"the_date_of_birth_of_"
     "the_person_this_referral_is_about_and_more_words\":1}," CONTACT "}",
     RRP_INVALID_FIELD, "/subject"},
    {"missing_external_id",
     "{\"kind\":\"melding\",\"category\":\"ggz\"," SUBJ CONTACT "}",
     RRP_INVALID_FIELD, "/external_id"},
    {"external_id_empty",
     "{\"external_id\":\"\",\"kind\":\"melding\",\"category\":\"ggz\","
     SUBJ CONTACT "}", RRP_INVALID_FIELD, "/external_id"},
    {"external_id_number",
     "{\"external_id\":7,\"kind\":\"melding\",\"category\":\"ggz\","
     SUBJ CONTACT "}", RRP_INVALID_FIELD, "/external_id"},
    {"external_id_control",
     "{\"external_id\":\"a\\tb\",\"kind\":\"melding\",\"category\":\"ggz\","
     SUBJ CONTACT "}", RRP_INVALID_FIELD, "/external_id"},
    {"kind_unknown",
     "{\"external_id\":\"x\",\"kind\":\"brief\",\"category\":\"ggz\","
     SUBJ CONTACT "}", RRP_INVALID_FIELD, "/kind"},
    {"category_unknown",
     "{\"external_id\":\"x\",\"kind\":\"melding\",\"category\":\"jeugd\","
     SUBJ CONTACT "}", RRP_INVALID_FIELD, "/category"},
    {"urgency_unknown", "{" HEAD "\"urgency\":\"hoog\"," SUBJ CONTACT "}",
     RRP_INVALID_FIELD, "/urgency"},
    {"subject_missing", "{" HEAD CONTACT "}", RRP_INVALID_FIELD, "/subject"},
    {"subject_string", "{" HEAD "\"subject\":\"999990019\"," CONTACT "}",
     RRP_INVALID_FIELD, "/subject"},
    {"subject_unknown_field",
     "{" HEAD "\"subject\":{\"bsn\":\"999990019\",\"naam\":\"x\"}," CONTACT
     "}", RRP_INVALID_FIELD, "/subject/naam"},
    {"bsn_number", "{" HEAD "\"subject\":{\"bsn\":999990019}," CONTACT "}",
     RRP_INVALID_FIELD, "/subject/bsn"},
    {"bsn_eight_digits", "{" HEAD "\"subject\":{\"bsn\":\"99999001\"},"
     CONTACT "}", RRP_INVALID_BSN, "/subject/bsn"},
    {"bsn_letters", "{" HEAD "\"subject\":{\"bsn\":\"99999001a\"}," CONTACT
     "}", RRP_INVALID_BSN, "/subject/bsn"},
    {"bsn_elfproef", "{" HEAD "\"subject\":{\"bsn\":\"123456789\"}," CONTACT
     "}", RRP_INVALID_BSN, "/subject/bsn"},
    {"bsn_zeros", "{" HEAD "\"subject\":{\"bsn\":\"000000000\"}," CONTACT
     "}", RRP_INVALID_BSN, "/subject/bsn"},
    {"birth_date_format", "{" HEAD "\"subject\":{\"bsn\":\"999990019\","
     "\"birth_date\":\"02-03-2014\"}," CONTACT "}", RRP_INVALID_FIELD,
     "/subject/birth_date"},
    {"birth_date_impossible", "{" HEAD "\"subject\":{\"bsn\":\"999990019\","
     "\"birth_date\":\"2026-02-30\"}," CONTACT "}", RRP_INVALID_FIELD,
     "/subject/birth_date"},
    {"birth_date_future", "{" HEAD "\"subject\":{\"bsn\":\"999990019\","
     "\"birth_date\":\"2026-11-23\"}," CONTACT "}", RRP_INVALID_FIELD,
     "/subject/birth_date"},
    {"household_object", "{" HEAD SUBJ "\"household\":{}," CONTACT "}",
     RRP_INVALID_FIELD, "/household"},
    {"household_too_many", "{" HEAD SUBJ "\"household\":[{\"bsn\":"
     "\"999990020\"},{\"bsn\":\"999990032\"},{\"bsn\":\"999990044\"},"
     "{\"bsn\":\"999990056\"}]," CONTACT "}", RRP_INVALID_FIELD,
     "/household"},
    {"household_member_string", "{" HEAD SUBJ "\"household\":[\"x\"],"
     CONTACT "}", RRP_INVALID_FIELD, "/household/0"},
    {"household_member_no_bsn", "{" HEAD SUBJ "\"household\":[{}]," CONTACT
     "}", RRP_INVALID_FIELD, "/household/0/bsn"},
    {"household_bad_bsn", "{" HEAD SUBJ "\"household\":[{\"bsn\":"
     "\"999990020\"},{\"bsn\":\"999990021\"}]," CONTACT "}", RRP_INVALID_BSN,
     "/household/1/bsn"},
    {"postcode_bad", "{" HEAD SUBJ "\"postcode\":\"67 08PB\"," CONTACT "}",
     RRP_INVALID_FIELD, "/postcode"},
    {"postcode_leading_zero", "{" HEAD SUBJ "\"postcode\":\"0708PB\","
     CONTACT "}", RRP_INVALID_FIELD, "/postcode"},
    {"contact_missing", "{" HEAD SUBJ "\"note\":\"x\"}", RRP_INVALID_FIELD,
     "/contact"},
    {"contact_no_name", "{" HEAD SUBJ "\"contact\":{\"email\":\"a@b.nl\"}}",
     RRP_INVALID_FIELD, "/contact/name"},
    {"contact_no_reach", "{" HEAD SUBJ "\"contact\":{\"name\":\"A\"}}",
     RRP_INVALID_FIELD, "/contact"},
    {"contact_bad_email", "{" HEAD SUBJ "\"contact\":{\"name\":\"A\","
     "\"email\":\"a.b.nl\"}}", RRP_INVALID_FIELD, "/contact/email"},
    {"contact_bad_phone", "{" HEAD SUBJ "\"contact\":{\"name\":\"A\","
     "\"phone\":\"call me\"}}", RRP_INVALID_FIELD, "/contact/phone"},
    {"contact_unknown_field", "{" HEAD SUBJ "\"contact\":{\"name\":\"A\","
     "\"phone\":\"0612345678\",\"fax\":\"1\"}}", RRP_INVALID_FIELD,
     "/contact/fax"},
    {"occurred_at_date_only", "{" HEAD SUBJ "\"occurred_at\":\"2026-11-20\","
     CONTACT "}", RRP_INVALID_FIELD, "/occurred_at"},
    {"occurred_at_no_zone", "{" HEAD SUBJ
     "\"occurred_at\":\"2026-11-20T10:15:00\"," CONTACT "}",
     RRP_INVALID_FIELD, "/occurred_at"},
    {"note_number", "{" HEAD SUBJ "\"note\":5," CONTACT "}",
     RRP_INVALID_FIELD, "/note"},
};

static void test_bad(void **state)
{
    const s_bad_t *c = *state;
    rrpreferral_t r;
    rrp_problem_t pb;
    assert_int_equal(rrpreferral_parse(c->body, strlen(c->body), &s_rules,
                                       &r, &pb), -1);
    assert_string_equal(rrp_error_name(pb.error), rrp_error_name(c->error));
    assert_string_equal(pb.field, c->field);
    assert_true(strlen(pb.message) > 5);
    assert_null(r.root);
}

static void test_valid_minimal(void **state)
{
    const char *body = "{" HEAD SUBJ CONTACT "}";
    rrpreferral_t r;
    rrp_problem_t pb;
    assert_int_equal(rrpreferral_parse(body, strlen(body), &s_rules, &r,
                                       &pb), 0);
    assert_string_equal(r.external_id, "VT-1");
    assert_string_equal(r.urgency, "normaal");
    assert_int_equal(r.persons, 1);
    assert_string_equal(r.bsns[0], "999990019");
    assert_null(r.contact_phone);
    assert_string_equal(r.postcode, "");
    rrpreferral_clear(&r);
}

static void test_valid_full(void **state)
{
    const char *body =
        "{" HEAD "\"urgency\":\"crisis\",\"subject\":{\"bsn\":\"999990019\","
        "\"birth_date\":\"2014-03-02\"},\"household\":[{\"bsn\":\"999990020\"}"
        ",{\"bsn\":\"999990019\"},{\"bsn\":\"999990020\"}],"
        "\"postcode\":\"6708 pb\",\"occurred_at\":\"2026-11-20T10:15:00.5+01:00\","
        "\"note\":\"n\"," CONTACT "}";
    rrpreferral_t r;
    rrp_problem_t pb;
    assert_int_equal(rrpreferral_parse(body, strlen(body), &s_rules, &r,
                                       &pb), 0);
    assert_string_equal(r.urgency, "crisis");
    assert_int_equal(r.persons, 2); /* duplicates folded */
    assert_string_equal(r.postcode, "6708PB");
    assert_string_equal(r.birth_date, "2014-03-02");
    rrpreferral_clear(&r);
}

static void test_lengths_in_code_points(void **state)
{
    /* 128 × "é" (256 bytes) is a valid external_id; 129 is not. */
    char id[2 * 129 + 1] = "";
    for (int i = 0; i < 128; i++)
        strcat(id, "\xc3\xa9");
    char body[1024];
    snprintf(body, sizeof body, "{\"external_id\":\"%s\",\"kind\":\"melding\","
             "\"category\":\"ggz\"," SUBJ CONTACT "}", id);
    rrpreferral_t r;
    rrp_problem_t pb;
    assert_int_equal(rrpreferral_parse(body, strlen(body), &s_rules, &r,
                                       &pb), 0);
    rrpreferral_clear(&r);
    strcat(id, "\xc3\xa9");
    snprintf(body, sizeof body, "{\"external_id\":\"%s\",\"kind\":\"melding\","
             "\"category\":\"ggz\"," SUBJ CONTACT "}", id);
    assert_int_equal(rrpreferral_parse(body, strlen(body), &s_rules, &r,
                                       &pb), -1);
    assert_string_equal(pb.field, "/external_id");
}

static void test_note_limit(void **state)
{
    char *body = malloc(RRP_NOTE_MAX + 512);
    char *note = malloc(RRP_NOTE_MAX + 2);
    memset(note, 'x', RRP_NOTE_MAX);
    note[RRP_NOTE_MAX] = '\0';
    sprintf(body, "{" HEAD SUBJ "\"note\":\"%s\"," CONTACT "}", note);
    rrpreferral_t r;
    rrp_problem_t pb;
    assert_int_equal(rrpreferral_parse(body, strlen(body), &s_rules, &r,
                                       &pb), 0);
    rrpreferral_clear(&r);
    strcat(note, "y");
    sprintf(body, "{" HEAD SUBJ "\"note\":\"%s\"," CONTACT "}", note);
    assert_int_equal(rrpreferral_parse(body, strlen(body), &s_rules, &r,
                                       &pb), -1);
    assert_string_equal(pb.field, "/note");
    free(body);
    free(note);
}

static const unsigned char s_key[32] = {1, 2, 3};

/* Decodes the frames of a request under s_rules, with body_max bytes. */
static int s_decode(const char *sig, const char *cmd, const char *corr,
                    size_t corr_len, const char *body, size_t n,
                    size_t body_max, rrpreq_t *req, rrp_problem_t *pb)
{
    rrp_frame_t f[5] = {{sig, strlen(sig)},
                        {cmd, strlen(cmd)},
                        {corr, corr_len},
                        {body, strlen(body)},
                        {"x", 1}};
    rrpreq_rules_t rules = {
        .body_max = body_max, .referral = s_rules, .key = s_key};
    return rrpreq_decode(f, n, &rules, req, pb);
}

static int s_frames(const char *sig, const char *cmd, const char *corr,
                    size_t corr_len, const char *body, size_t n, rrpreq_t *req,
                    rrp_problem_t *pb)
{
    return s_decode(sig, cmd, corr, corr_len, body, n, 16, req, pb);
}

static void test_frames(void **state)
{
    rrpreq_t req;
    rrp_problem_t pb;
    assert_int_equal(s_frames("RRP1", "PING", "c", 1, "", 4, &req, &pb), 0);
    assert_int_equal(req.command, RRP_CMD_PING);
    assert_int_equal(s_frames("RRP1", "PING", "c", 1, "", 3, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_BAD_FRAME);
    assert_non_null(req.corr); /* readable: echoed */
    assert_int_equal(s_frames("RRP1", "PING", "c", 1, "", 5, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_BAD_FRAME);
    assert_int_equal(s_frames("RRP2", "PING", "c", 1, "", 4, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_BAD_FRAME);
    assert_int_equal(s_frames("RRP1", "PING", "", 0, "", 4, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_BAD_FRAME);
    assert_null(req.corr);
    char big[65];
    memset(big, 'c', sizeof big);
    assert_int_equal(s_frames("RRP1", "PING", big, 65, "", 4, &req, &pb),
                     -1);
    assert_int_equal(pb.error, RRP_BAD_FRAME);
    assert_null(req.corr);
    assert_int_equal(s_frames("RRP1", "ping", "c", 1, "", 4, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_UNKNOWN_COMMAND);
    assert_int_equal(s_frames("RRP1", "REFERRAL", "c", 1,
                              "12345678901234567", 4, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_TOO_LARGE);
    assert_false(rrp_error_retry(pb.error));
    assert_true(rrp_error_retry(RRP_UNAVAILABLE));
}

static void test_decode_referral_in_one_pass(void **state)
{
    const char *body = "{" HEAD SUBJ CONTACT "}";
    rrpreq_t req;
    rrp_problem_t pb;
    assert_int_equal(
        s_decode("RRP1", "REFERRAL", "c7", 2, body, 4, 4096, &req, &pb), 0);
    assert_int_equal(req.command, RRP_CMD_REFERRAL);
    assert_int_equal(req.corr_len, 2);
    assert_memory_equal(req.corr, "c7", 2);
    assert_string_equal(req.referral.external_id, "VT-1");
    assert_int_equal(req.referral.persons, 1);
    assert_null(req.report.root);
    unsigned char want[PSEUDO_LEN];
    char *canon = rrpjson_canonical(req.referral.root);
    pseudo_digest(s_key, canon, strlen(canon), want);
    free(canon);
    assert_memory_equal(req.digest, want, PSEUDO_LEN);
    rrpreq_clear(&req);
    assert_null(req.referral.root);
}

static void test_digest_ignores_order_spacing_and_escapes(void **state)
{
    const char *a = "{" HEAD SUBJ CONTACT "}";
    const char *b = "{ " CONTACT ", " SUBJ "\"category\":\"ggz\","
                    "\"kind\":\"mel\\u0064ing\", \"external_id\":\"VT-1\"}";
    const char *c = "{" HEAD SUBJ CONTACT ",\"note\":\"x\"}";
    rrpreq_t ra, rb, rc;
    rrp_problem_t pb;
    assert_int_equal(s_decode("RRP1", "REFERRAL", "a", 1, a, 4, 4096, &ra, &pb),
                     0);
    assert_int_equal(s_decode("RRP1", "REFERRAL", "b", 1, b, 4, 4096, &rb, &pb),
                     0);
    assert_int_equal(s_decode("RRP1", "REFERRAL", "c", 1, c, 4, 4096, &rc, &pb),
                     0);
    assert_memory_equal(ra.digest, rb.digest, PSEUDO_LEN);
    assert_memory_not_equal(ra.digest, rc.digest, PSEUDO_LEN);
    rrpreq_clear(&ra);
    rrpreq_clear(&rb);
    rrpreq_clear(&rc);
}

static void test_decode_report(void **state)
{
    const char *body = "{\"external_id\":\"VT-W47\",\"agreement\":"
                       "\"A-000007\",\"period\":\"2026-W47\",\"count\":3}";
    rrpreq_t req;
    rrp_problem_t pb;
    assert_int_equal(
        s_decode("RRP1", "REPORT", "r", 1, body, 4, 4096, &req, &pb), 0);
    assert_int_equal(req.command, RRP_CMD_REPORT);
    assert_string_equal(req.report.agreement, "A-000007");
    assert_string_equal(req.report.status, "delivered");
    assert_int_equal(req.report.count, 3);
    assert_null(req.referral.root);
    unsigned char want[PSEUDO_LEN];
    char *canon = rrpjson_canonical(req.report.root);
    pseudo_digest(s_key, canon, strlen(canon), want);
    free(canon);
    assert_memory_equal(req.digest, want, PSEUDO_LEN);
    rrpreq_clear(&req);
    assert_int_equal(req.report.count, -1);
}

static void test_decode_refused_body_keeps_the_correlation_id(void **state)
{
    rrpreq_t req;
    rrp_problem_t pb;
    const char *bad =
        "{" HEAD "\"subject\":{\"bsn\":\"123456789\"}," CONTACT "}";
    assert_int_equal(
        s_decode("RRP1", "REFERRAL", "k9", 2, bad, 4, 4096, &req, &pb), -1);
    assert_int_equal(pb.error, RRP_INVALID_BSN);
    assert_string_equal(pb.field, "/subject/bsn");
    assert_memory_equal(req.corr, "k9", 2);
    assert_null(req.referral.root);
    assert_int_equal(s_decode("RRP1", "REPORT", "k8", 2, "{\"count\":1}", 4,
                              4096, &req, &pb),
                     -1);
    assert_int_equal(pb.error, RRP_INVALID_FIELD);
    assert_memory_equal(req.corr, "k8", 2);
    assert_null(req.report.root);
    /* A PING's body is not read. */
    assert_int_equal(s_decode("RRP1", "PING", "p", 1, "{", 4, 4096, &req, &pb),
                     0);
    assert_int_equal(req.command, RRP_CMD_PING);
    rrpreq_clear(&req);
}

static void s_canon_equal(const char *a, const char *b)
{
    rrp_problem_t pb;
    json_t *ja = rrpjson_parse_object(a, strlen(a), &pb);
    json_t *jb = rrpjson_parse_object(b, strlen(b), &pb);
    assert_non_null(ja);
    assert_non_null(jb);
    char *ca = rrpjson_canonical(ja), *cb = rrpjson_canonical(jb);
    assert_string_equal(ca, cb);
    free(ca);
    free(cb);
    json_decref(ja);
    json_decref(jb);
}

static void test_canonical(void **state)
{
    s_canon_equal("{\"a\":1,\"b\":[1,{\"d\":2,\"c\":3}]}",
                  "{ \"b\" : [ 1 , { \"c\":3, \"d\":2 } ] ,\n\"a\":1 }");
    s_canon_equal("{\"n\":\"caf\\u00e9\"}", "{\"n\":\"caf\xc3\xa9\"}");
    s_canon_equal("{\"u\":\"a\\/b\"}", "{\"u\":\"a/b\"}");
    rrp_problem_t pb;
    json_t *a = rrpjson_parse_object("{\"a\":1}", 7, &pb);
    json_t *b = rrpjson_parse_object("{\"a\":2}", 7, &pb);
    char *ca = rrpjson_canonical(a), *cb = rrpjson_canonical(b);
    assert_string_not_equal(ca, cb);
    free(ca);
    free(cb);
    json_decref(a);
    json_decref(b);
}

/* A random string of pieces that need escaping and of UTF-8. */
static void s_random_string(char *out, size_t cap, unsigned *seed)
{
    static const char *const pieces[] = {
        "a", "b", "ab", "Z", "0", "_", " ", "/", "\\", "\"", "\x7f",
        "\x01", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1f",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x80\xa8",
        "bsn", "external_id"};
    size_t n = (size_t)(rand_r(seed) % 6), k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rand_r(seed) % (sizeof pieces / sizeof *pieces)];
        if (k + strlen(p) + 1 < cap) {
            strcpy(out + k, p);
            k += strlen(p);
        }
    }
}

/* A random JSON value of at most depth levels. */
static json_t *s_random_value(unsigned *seed, int depth)
{
    static const json_int_t ints[] = {0, 1, -1, 42, 1000000007,
                                      INT64_MAX, INT64_MIN};
    static const double reals[] = {0.0, -0.0, 0.1, 1.5, -2.25, 1e300,
                                   1e-7, 123456789.125, 3.0};
    char str[64];
    int kind = rand_r(seed) % (depth > 0 ? 9 : 7);
    switch (kind) {
    case 0:
        return json_true();
    case 1:
        return json_false();
    case 2:
        return json_null();
    case 3:
        return json_integer(ints[rand_r(seed) % 7]);
    case 4:
        return json_real(reals[rand_r(seed) % 9]);
    case 5:
    case 6:
        s_random_string(str, sizeof str, seed);
        return json_string(str);
    case 7: {
        json_t *a = json_array();
        for (int i = rand_r(seed) % 5; i > 0; i--)
            json_array_append_new(a, s_random_value(seed, depth - 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = rand_r(seed) % 20; i > 0; i--) {
            s_random_string(str, sizeof str, seed);
            json_object_set_new(o, str, s_random_value(seed, depth - 1));
        }
        return o;
    }
    }
}

/* The canonical text is what json_dumps writes with the flags of the
 * first version, byte for byte: the digests of stored referrals are of
 * it, and a resend must still match them. */
static void test_canonical_is_janssons(void **state)
{
    unsigned seed = 7;
    for (int i = 0; i < 3000; i++) {
        json_t *v = s_random_value(&seed, 4);
        char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
                                       JSON_ENCODE_ANY |
                                       JSON_REAL_PRECISION(17));
        char *got = rrpjson_canonical(v);
        assert_non_null(want);
        assert_string_equal(got, want);
        free(want);
        free(got);
        json_decref(v);
    }
}

static void test_dates(void **state)
{
    assert_true(rrpjson_date_valid("2024-02-29"));
    assert_false(rrpjson_date_valid("2026-02-29"));
    assert_false(rrpjson_date_valid("2026-13-01"));
    assert_false(rrpjson_date_valid("2026-1-01"));
    assert_true(rrpjson_timestamp_valid("2026-11-20T10:15:00+01:00"));
    assert_true(rrpjson_timestamp_valid("2026-11-20T10:15:00Z"));
    assert_true(rrpjson_timestamp_valid("2026-11-20t10:15:00.123z"));
    assert_false(rrpjson_timestamp_valid("2026-11-20T24:00:00Z"));
    assert_false(rrpjson_timestamp_valid("2026-11-20T10:15:00+0100"));
    assert_false(rrpjson_timestamp_valid("2026-11-20T10:15:00."));
    assert_int_equal(rrpjson_utf8_length("a\xc3\xa9\xe2\x82\xac"), 3);
}

static void test_nack_body(void **state)
{
    rrp_problem_t pb;
    rrp_problem_set(&pb, RRP_INVALID_BSN, "/subject/bsn",
                    "subject.bsn fails the elfproef");
    char *s = rrp_nack_body(&pb);
    assert_string_equal(s, "{\"error\":\"invalid_bsn\",\"message\":"
                           "\"subject.bsn fails the elfproef\","
                           "\"retry\":false,\"field\":\"/subject/bsn\"}");
    free(s);
    rrp_problem_set(&pb, RRP_UNAVAILABLE, NULL, "later");
    s = rrp_nack_body(&pb);
    assert_string_equal(s, "{\"error\":\"unavailable\",\"message\":"
                           "\"later\",\"retry\":true}");
    free(s);
}

/* A body whose parser error quotes it cut inside a character (a bad
 * \u escape followed by U+01E7): the NACK still says bad_json, in UTF-8,
 * with '?' for the cut; it was "{}" (no error, no retry). */
static void test_nack_body_cut_utf8(void **state)
{
    const char *body = "{\"external_id\":\"VT-\\u00e\xc7\xa7/aa9}";
    rrp_problem_t pb;
    assert_null(rrpjson_parse_object(body, strlen(body), &pb));
    assert_int_equal(pb.error, RRP_BAD_JSON);
    char *s = rrp_nack_body(&pb);
    json_t *o = json_loads(s, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "error")),
                        "bad_json");
    assert_true(json_is_false(json_object_get(o, "retry")));
    json_decref(o);
    free(s);
    rrp_problem_set(&pb, RRP_INVALID_FIELD, "/a\xc3", "x \xc3");
    s = rrp_nack_body(&pb);
    assert_string_equal(s, "{\"error\":\"invalid_field\",\"message\":"
                           "\"x ?\",\"retry\":false,\"field\":\"/a?\"}");
    free(s);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_valid_minimal),
        cmocka_unit_test(test_valid_full),
        cmocka_unit_test(test_lengths_in_code_points),
        cmocka_unit_test(test_note_limit),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_decode_referral_in_one_pass),
        cmocka_unit_test(test_digest_ignores_order_spacing_and_escapes),
        cmocka_unit_test(test_decode_report),
        cmocka_unit_test(test_decode_refused_body_keeps_the_correlation_id),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_canonical_is_janssons),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_nack_body),
        cmocka_unit_test(test_nack_body_cut_utf8),
    };
    size_t nfixed = sizeof fixed / sizeof *fixed;
    size_t nbad = sizeof s_bad / sizeof *s_bad;
    struct CMUnitTest *tests = calloc(nfixed + nbad, sizeof *tests);
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < nbad; i++) {
        tests[nfixed + i].name = s_bad[i].name;
        tests[nfixed + i].test_func = test_bad;
        tests[nfixed + i].initial_state = (void *)&s_bad[i];
    }
    int rc = _cmocka_run_group_tests("rrp", tests, nfixed + nbad, NULL, NULL);
    free(tests);
    return rc;
}
