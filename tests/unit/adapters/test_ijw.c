/*
 * test_ijw — the JW315/WMO315 to REFERRAL mapping as a whole: records of
 * whole messages, refused records beside good ones, and messages refused
 * as a whole (XML, root, namespace, header, schema). The parts of a
 * record have their own tests: test_ijwclient (BSN, birth date),
 * test_ijwreferrer (contact.name), test_ijwid (external_id), test_ijwdate
 * (occurred_at), test_ijwxml (XML and schema problems). Fixtures are
 * in tests/data/ijw (see its README); the tests run from the repository
 * root, as `make test` does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "ijw.h"
#include "ijwfix.h"
#include "log.h"
#include "xmem.h"

#define DATA IJWFIX_DATA
#define JW_XSD DATA "xsd/ijw/jw315.xsd"
#define WMO_XSD DATA "xsd/iwmo/wmo315.xsd"
#define EMAIL "zorgloket@aanbieder.example"
#define PHONE "+31 30 000 0000"
#define CONTACT(name)                                                          \
    "\"contact\":{\"name\":\"" name "\",\"email\":\"" EMAIL                    \
    "\",\"phone\":\"" PHONE "\"}"

static const ijw_category_pair_t s_jw[] = {
    {"45", "jeugd"}, {"52", "ggz"}, {"54", "ggz"}};
static const ijw_category_pair_t s_wmo[] = {{"02", "overig"},
                                            {"16", "huisvesting"}};

static ijw_options_t s_opts(void)
{
    return (ijw_options_t){.jw = {s_jw, 3, NULL},
                           .wmo = {s_wmo, 2, NULL},
                           .contact_email = EMAIL,
                           .contact_phone = PHONE};
}

static ijw_msg_t *s_parse_text(const char *text, const char *source,
                               const ijw_options_t *o)
{
    ijw_msg_t *msg = ijw_parse(text, strlen(text), source, o);
    assert_non_null(msg);
    return msg;
}

static ijw_msg_t *s_parse_file(const char *name, const ijw_options_t *o)
{
    char *text = ijwfix_load(name);
    char *source = xasprintf(DATA "%s", name);
    ijw_msg_t *msg = s_parse_text(text, source, o);
    free(source);
    free(text);
    return msg;
}

/* jw315-one.xml changed by one substitution, parsed as "m.xml". */
static ijw_msg_t *s_parse_one_with(const char *from, const char *to,
                                   const ijw_options_t *o)
{
    char *text = ijwfix_subst(ijwfix_load("jw315-one.xml"), from, to);
    ijw_msg_t *msg = s_parse_text(text, "m.xml", o);
    free(text);
    return msg;
}

static void s_assert_json(const ijw_msg_t *msg, size_t i, const char *want)
{
    json_t *j = ijw_record_json(msg, i);
    assert_non_null(j);
    char *got = json_dumps(j, JSON_COMPACT);
    assert_string_equal(got, want);
    free(got);
}

/* Asserts record i is a verwijzing with these fields and the contact of
 * s_opts; subject is JSON. */
static void s_assert_record(const ijw_msg_t *msg, size_t i, const char *id,
                            const char *category, const char *subject,
                            const char *name, const char *occurred_at)
{
    char *want = xasprintf("{\"external_id\":\"%s\",\"kind\":\"verwijzing\","
                           "\"category\":\"%s\",\"subject\":%s," CONTACT(
                               "%s") ","
                                     "\"occurred_at\":\"%s\"}",
                           id, category, subject, name, occurred_at);
    s_assert_json(msg, i, want);
    free(want);
}

/* Asserts the message is refused with exactly one problem. */
static void s_assert_refused(const ijw_msg_t *msg, const char *want, long line)
{
    assert_int_equal(ijw_error_count(msg), 1);
    assert_string_equal(ijw_error_text(msg, 0), want);
    assert_int_equal(ijw_error_line(msg, 0), line);
    assert_int_equal(ijw_count(msg), 0);
}

/* Asserts record 0 of a one-record message is refused for want. */
static void s_assert_record_refused(const ijw_msg_t *msg, const char *want)
{
    assert_int_equal(ijw_error_count(msg), 0);
    assert_int_equal(ijw_count(msg), 1);
    assert_null(ijw_record_json(msg, 0));
    assert_string_equal(ijw_record_error(msg, 0), want);
}

static const char *s_field(const ijw_msg_t *msg, size_t i, const char *k)
{
    return json_string_value(json_object_get(ijw_record_json(msg, i), k));
}

/* ---- mapping ------------------------------------------------------ */

static void test_one_client_one_product(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("jw315-one.xml", &o);
    assert_int_equal(ijw_type(msg), IJW_TYPE_JW315);
    assert_int_equal(ijw_error_count(msg), 0);
    assert_int_equal(ijw_count(msg), 1);
    assert_int_equal(ijw_mapped_count(msg), 1);
    assert_int_equal(ijw_record_line(msg, 0), 32);
    assert_null(ijw_record_error(msg, 0));
    s_assert_record(msg, 0, "12345678-JW315-00041-REF-2026-0001", "ggz",
                    "{\"bsn\":\"999900006\",\"birth_date\":\"2014-03-02\"}",
                    "huisarts 01234567", "2026-11-20T00:00:00+01:00");
    assert_null(ijw_report(msg));
    ijw_destroy(&msg);
    assert_null(msg);
    ijw_destroy(&msg);
    ijw_destroy(NULL);
}

static void test_one_client_several_products(void **state)
{
    ijw_options_t o = s_opts();
    o.jw.fallback = "overig";
    ijw_msg_t *msg = s_parse_file("jw315-products.xml", &o);
    assert_int_equal(ijw_count(msg), 3);
    assert_int_equal(ijw_mapped_count(msg), 3);
    assert_int_equal(ijw_record_line(msg, 0), 34);
    assert_int_equal(ijw_record_line(msg, 1), 52);
    assert_int_equal(ijw_record_line(msg, 2), 69);
    s_assert_record(msg, 0, "12345678-JW315-00042-REF-2026-0101", "jeugd",
                    "{\"bsn\":\"999900018\",\"birth_date\":\"2011-10-17\"}",
                    "Wijkteam Voorbeeldstad", "2026-07-01T00:00:00+02:00");
    /* 48 is not in the map: the default category */
    s_assert_record(msg, 1, "12345678-JW315-00042-REF-2026-0102", "overig",
                    "{\"bsn\":\"999900018\",\"birth_date\":\"2011-10-17\"}",
                    "GI Voorbeeldregio", "2026-07-01T00:00:00+02:00");
    /* no Product (a budget): the default category; 06 has no name */
    s_assert_record(msg, 2, "12345678-JW315-00042-REF-2026-0103", "overig",
                    "{\"bsn\":\"999900018\",\"birth_date\":\"2011-10-17\"}",
                    "zelfverwijzer/geen verwijzer",
                    "2026-07-01T00:00:00+02:00");
    ijw_destroy(&msg);
}

static void test_several_clients(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("jw315-clients.xml", &o);
    assert_int_equal(ijw_count(msg), 2);
    assert_int_equal(ijw_record_line(msg, 0), 30);
    assert_int_equal(ijw_record_line(msg, 1), 56);
    s_assert_record(msg, 0, "12345678-JW315-00043-R-A1", "ggz",
                    "{\"bsn\":\"999900031\",\"birth_date\":\"2009-05-23\"}",
                    "medisch specialist 07654321", "2026-03-29T00:00:00+01:00");
    /* DatumGebruik 3: only the year is known, so no birth_date */
    s_assert_record(msg, 1, "12345678-JW315-00043-R-B1", "ggz",
                    "{\"bsn\":\"999900043\"}", "JGZ Voorbeeldstad",
                    "2026-03-29T00:00:00+01:00");
    ijw_destroy(&msg);
}

static void test_wmo315(void **state)
{
    ijw_options_t o = s_opts();
    o.jw.count = 0; /* the JW map is not used for a WMO315 */
    ijw_msg_t *msg = s_parse_file("wmo315-one.xml", &o);
    assert_int_equal(ijw_type(msg), IJW_TYPE_WMO315);
    assert_int_equal(ijw_count(msg), 1);
    assert_int_equal(ijw_record_line(msg, 0), 33);
    s_assert_record(msg, 0, "87654321-WMO-7781-W-2026-17", "overig",
                    "{\"bsn\":\"999900055\",\"birth_date\":\"1958-09-30\"}",
                    "Wmo-loket Voorbeeldstad", "2026-06-15T00:00:00+02:00");
    ijw_destroy(&msg);
}

static void test_empty_referrer_name(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("jw315-empty-referrer.xml", &o);
    assert_int_equal(ijw_count(msg), 2);
    assert_int_equal(ijw_mapped_count(msg), 2);
    const char *subject =
        "{\"bsn\":\"999900031\",\"birth_date\":\"2014-03-02\"}";
    /* <Naam></Naam>: the label and the ZorgverlenerCode */
    s_assert_record(msg, 0, "12345678-JW315-00047-REF-2026-0301", "ggz",
                    subject, "huisarts 01234567", "2026-11-20T00:00:00+01:00");
    /* two no-break spaces, no ZorgverlenerCode: the label */
    s_assert_record(msg, 1, "12345678-JW315-00047-REF-2026-0302", "ggz",
                    subject, "zelfverwijzer/geen verwijzer",
                    "2026-11-20T00:00:00+01:00");
    assert_null(ijw_report(msg));
    ijw_destroy(&msg);
    /* the XSD wants a Naam of one character at least */
    o.jw315_xsd = JW_XSD;
    msg = s_parse_file("jw315-empty-referrer.xml", &o);
    assert_int_equal(ijw_error_count(msg), 1);
    assert_int_equal(ijw_error_line(msg, 0), 46);
    ijw_destroy(&msg);
}

static void test_contact_phone_only(void **state)
{
    ijw_options_t o = s_opts();
    o.contact_email = NULL;
    ijw_msg_t *msg = s_parse_file("jw315-one.xml", &o);
    json_t *ct = json_object_get(ijw_record_json(msg, 0), "contact");
    char *got = json_dumps(ct, JSON_COMPACT);
    assert_string_equal(
        got, "{\"name\":\"huisarts 01234567\",\"phone\":\"" PHONE "\"}");
    free(got);
    ijw_destroy(&msg);
}

static void test_note_only_when_asked(void **state)
{
    ijw_options_t o = s_opts();
    o.jw.fallback = "overig";
    ijw_msg_t *msg = s_parse_file("jw315-products.xml", &o);
    assert_null(json_object_get(ijw_record_json(msg, 0), "note"));
    ijw_destroy(&msg);
    o.with_note = true;
    msg = s_parse_file("jw315-products.xml", &o);
    assert_string_equal(s_field(msg, 0, "note"),
                        "Moeder vraagt om een snelle start.\n"
                        "Intake is gepland.");
    assert_string_equal(s_field(msg, 1, "note"),
                        "Moeder vraagt om een snelle start.");
    ijw_destroy(&msg);
    msg = s_parse_file("jw315-one.xml", &o); /* no Commentaar: no note */
    assert_null(json_object_get(ijw_record_json(msg, 0), "note"));
    ijw_destroy(&msg);
}

static void test_note_cut_to_2000_characters(void **state)
{
    size_t n = 2100, len = strlen("\xc3\xa9");
    char *long_text = xmalloc(n * len + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(long_text + i * len, "\xc3\xa9", len);
    long_text[n * len] = '\0';
    char *to = xasprintf("<jw315:Commentaar>%s</jw315:Commentaar>\n"
                         "    <jw315:AangevraagdeProducten>",
                         long_text);
    ijw_options_t o = s_opts();
    o.with_note = true;
    ijw_msg_t *msg = s_parse_one_with("<jw315:AangevraagdeProducten>", to, &o);
    const char *note = s_field(msg, 0, "note");
    assert_non_null(note);
    assert_int_equal(strlen(note), IJW_NOTE_MAX * len);
    assert_memory_equal(note, long_text, IJW_NOTE_MAX * len);
    ijw_destroy(&msg);
    free(to);
    free(long_text);
}

static void test_repeated_reference_gets_place(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("jw315-dupref.xml", &o);
    assert_int_equal(ijw_count(msg), 2);
    assert_string_equal(s_field(msg, 0, "external_id"),
                        "12345678-JW315-00046-88EFE7#1");
    assert_string_equal(s_field(msg, 1, "external_id"),
                        "12345678-JW315-00046-88EFE7#2");
    assert_string_equal(s_field(msg, 0, "category"), "ggz");
    assert_string_equal(s_field(msg, 1, "category"), "jeugd");
    ijw_destroy(&msg);
}

static void test_same_file_same_records(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *a = s_parse_file("jw315-clients.xml", &o);
    ijw_msg_t *b = s_parse_file("jw315-clients.xml", &o);
    assert_int_equal(ijw_count(a), ijw_count(b));
    for (size_t i = 0; i < ijw_count(a); i++)
        assert_true(json_equal(ijw_record_json(a, i), ijw_record_json(b, i)));
    ijw_destroy(&a);
    ijw_destroy(&b);
}

/* ---- refused records ------------------------------------------------ */

static void test_missing_bsn(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("missing-bsn.xml", &o);
    s_assert_record_refused(msg, DATA "missing-bsn.xml:18: "
                                      "Client/Bsn is missing");
    assert_int_equal(ijw_record_line(msg, 0), 29);
    ijw_destroy(&msg);
}

static void test_bad_client_does_not_stop_good_one(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("bad-elfproef.xml", &o);
    assert_int_equal(ijw_error_count(msg), 0);
    assert_int_equal(ijw_count(msg), 2);
    assert_int_equal(ijw_mapped_count(msg), 1);
    assert_null(ijw_record_json(msg, 0));
    assert_int_equal(ijw_record_line(msg, 0), 30);
    assert_string_equal(ijw_record_error(msg, 0),
                        DATA "bad-elfproef.xml:19: Client/Bsn fails the "
                             "elfproef");
    assert_null(ijw_record_error(msg, 1));
    assert_int_equal(ijw_record_line(msg, 1), 55);
    s_assert_record(msg, 1, "12345678-JW315-00045-R-D2", "ggz",
                    "{\"bsn\":\"999900067\",\"birth_date\":\"2013-12-24\"}",
                    "huisarts 01234567", "2026-10-25T00:00:00+02:00");
    char *report = ijw_report(msg);
    assert_string_equal(report, DATA "bad-elfproef.xml:19: Client/Bsn "
                                     "fails the elfproef\n");
    free(report);
    ijw_destroy(&msg);
}

static void test_unmapped_category_without_default(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("jw315-products.xml", &o);
    assert_int_equal(ijw_count(msg), 3);
    assert_int_equal(ijw_mapped_count(msg), 1);
    assert_null(ijw_record_error(msg, 0));
    assert_string_equal(ijw_record_error(msg, 1),
                        DATA "jw315-products.xml:55: product category '48' "
                             "is not mapped and there is no default "
                             "category");
    assert_string_equal(ijw_record_error(msg, 2),
                        DATA "jw315-products.xml:69: AangevraagdProduct has "
                             "no Product/Categorie and there is no default "
                             "category");
    char *report = ijw_report(msg);
    assert_string_equal(report,
                        DATA "jw315-products.xml:55: product category '48' "
                             "is not mapped and there is no default "
                             "category\n" DATA
                             "jw315-products.xml:69: AangevraagdProduct has "
                             "no Product/Categorie and there is no default "
                             "category\n");
    free(report);
    ijw_destroy(&msg);
}

static void test_client_without_products(void **state)
{
    ijw_options_t o = s_opts();
    char *text = ijwfix_load("jw315-one.xml");
    char *from = strstr(text, "      <jw315:AangevraagdProduct>");
    char *to = strstr(text, "    </jw315:AangevraagdeProducten>");
    memmove(from, to, strlen(to) + 1);
    ijw_msg_t *msg = s_parse_text(text, "m.xml", &o);
    s_assert_record_refused(msg, "m.xml:18: Client has no "
                                 "AangevraagdProduct");
    assert_int_equal(ijw_record_line(msg, 0), 18);
    ijw_destroy(&msg);
    free(text);
}

static void test_all_problems_of_a_record(void **state)
{
    ijw_options_t o = s_opts();
    char *text =
        ijwfix_subst(ijwfix_load("jw315-one.xml"), "999900006", "999900007");
    text = ijwfix_subst(text, "<ijw:Type>02<", "<ijw:Type>99<");
    ijw_msg_t *msg = s_parse_text(text, "m.xml", &o);
    s_assert_record_refused(msg, "m.xml:19: Client/Bsn fails the elfproef\n"
                                 "m.xml:45: Verwijzer/Type '99' is not a "
                                 "COD327 code");
    ijw_destroy(&msg);
    free(text);
}

/* ---- refused messages ------------------------------------------------ */

static void test_malformed_xml(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("malformed.xml", &o);
    assert_int_equal(ijw_type(msg), IJW_TYPE_UNKNOWN);
    assert_true(ijw_error_count(msg) >= 1);
    assert_string_equal(ijw_error_text(msg, 0),
                        DATA "malformed.xml:19: not well-formed XML: Opening "
                             "and ending tag mismatch: Bsn line 19 and Bsm");
    assert_int_equal(ijw_error_line(msg, 0), 19);
    assert_int_equal(ijw_count(msg), 0);
    assert_int_equal(ijw_mapped_count(msg), 0);
    ijw_destroy(&msg);
}

static void test_empty_message(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = ijw_parse("", 0, "e.xml", &o);
    s_assert_refused(msg, "e.xml: the message is empty", 0);
    ijw_destroy(&msg);
}

static void test_wrong_namespace(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_file("wrong-namespace.xml", &o);
    s_assert_refused(msg,
                     DATA "wrong-namespace.xml:2: namespace 'http://www."
                          "istandaarden.nl/ijw/3_2/jw301/schema' is not "
                          "JW315 or WMO315 release 3.2",
                     2);
    assert_int_equal(ijw_type(msg), IJW_TYPE_UNKNOWN);
    ijw_destroy(&msg);
}

static void test_older_release_refused(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg =
        s_parse_one_with("ijw/3_2/jw315/schema", "ijw/3_0/jw315/schema", &o);
    s_assert_refused(msg,
                     "m.xml:2: JW315 release 3_0 is not supported, "
                     "expected release 3_2",
                     2);
    ijw_destroy(&msg);
}

static void test_no_namespace(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_text("<Bericht/>", "m.xml", &o);
    s_assert_refused(msg,
                     "m.xml:1: root element Bericht has no namespace, "
                     "expected JW315 or WMO315 release 3.2",
                     1);
    ijw_destroy(&msg);
}

static void test_wrong_root(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg =
        s_parse_text("<x:Melding xmlns:x=\"urn:x\"/>", "m.xml", &o);
    s_assert_refused(msg,
                     "m.xml:1: root element is 'Melding', expected "
                     "Bericht of JW315 or WMO315",
                     1);
    ijw_destroy(&msg);
}

static void test_wrong_berichtcode(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_one_with(">446<", ">444<", &o);
    s_assert_refused(msg,
                     "m.xml:4: Header/BerichtCode is '444', expected "
                     "446 for JW315",
                     4);
    ijw_destroy(&msg);
}

static void test_missing_afzender(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg =
        s_parse_one_with("<jw315:Afzender>12345678</jw315:Afzender>", "", &o);
    s_assert_refused(msg, "m.xml:3: Header/Afzender is missing", 3);
    ijw_destroy(&msg);
}

static void test_bad_dagtekening(void **state)
{
    ijw_options_t o = s_opts();
    ijw_msg_t *msg = s_parse_one_with("2026-11-20", "20-11-2026", &o);
    s_assert_refused(msg,
                     "m.xml:11: Header/BerichtIdentificatie/"
                     "Dagtekening is not a date (YYYY-MM-DD)",
                     11);
    ijw_destroy(&msg);
}

static void test_no_client(void **state)
{
    ijw_options_t o = s_opts();
    char *text = ijwfix_load("jw315-one.xml");
    char *from = strstr(text, "  <jw315:Client>");
    char *to = strstr(text, "</jw315:Bericht>");
    memmove(from, to, strlen(to) + 1);
    ijw_msg_t *msg = s_parse_text(text, "m.xml", &o);
    s_assert_refused(msg, "m.xml:2: Bericht has no Client", 2);
    ijw_destroy(&msg);
    free(text);
}

/* ---- schema --------------------------------------------------------- */

static void test_schema_invalid(void **state)
{
    ijw_options_t o = s_opts();
    o.jw315_xsd = JW_XSD;
    ijw_msg_t *msg = s_parse_file("schema-invalid.xml", &o);
    assert_int_equal(ijw_error_count(msg), 3);
    assert_int_equal(ijw_count(msg), 0);
    assert_string_equal(ijw_error_text(msg, 0),
                        DATA "schema-invalid.xml:7: schema: Element "
                             "'jw315:Afzender': [facet 'pattern'] The value "
                             "'1234567' is not accepted by the pattern "
                             "'[0-9]{8}'.");
    assert_int_equal(ijw_error_line(msg, 0), 7);
    assert_int_equal(ijw_error_line(msg, 1), 23);
    assert_int_equal(ijw_error_line(msg, 2), 38);
    ijw_destroy(&msg);
    /* without a schema the same message maps */
    o.jw315_xsd = NULL;
    msg = s_parse_file("schema-invalid.xml", &o);
    assert_int_equal(ijw_mapped_count(msg), 1);
    ijw_destroy(&msg);
}

static void test_many_problems_capped(void **state)
{
    ijw_options_t o = s_opts();
    o.jw315_xsd = JW_XSD;
    char *text = ijwfix_load("jw315-one.xml");
    char *from = strstr(text, "      <jw315:AangevraagdProduct>");
    char *to = strstr(text, "    </jw315:AangevraagdeProducten>");
    char *prod = xasprintf("%.*s", (int)(to - from), from);
    prod = ijwfix_subst(prod, "<ijw:Categorie>54<", "<ijw:Categorie>X<");
    size_t n = 150, plen = strlen(prod);
    char *many = xmalloc(n * plen + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(many + i * plen, prod, plen);
    many[n * plen] = '\0';
    char *msgtext = xasprintf("%.*s%s%s", (int)(from - text), text, many, to);
    ijw_msg_t *msg = s_parse_text(msgtext, "m.xml", &o);
    assert_int_equal(ijw_error_count(msg), 101);
    assert_string_equal(ijw_error_text(msg, 0),
                        "m.xml:35: schema: Element 'ijw:Categorie': [facet "
                        "'pattern'] The value 'X' is not accepted by the "
                        "pattern '[0-9]{2}'.");
    assert_string_equal(ijw_error_text(msg, 100),
                        "m.xml: 50 more problems not listed");
    assert_int_equal(ijw_error_line(msg, 100), 0);
    ijw_destroy(&msg);
    free(msgtext);
    free(many);
    free(prod);
    free(text);
}

static void test_schema_file_missing(void **state)
{
    ijw_options_t o = s_opts();
    o.jw315_xsd = DATA "xsd/none.xsd";
    log_set_level(LOG_LEVEL_ERR - 1);
    char *text = ijwfix_load("jw315-one.xml");
    assert_null(ijw_parse(text, strlen(text), "m.xml", &o));
    log_set_level(LOG_LEVEL_INFO);
    free(text);
}

static void test_options_without_contact(void **state)
{
    ijw_options_t o = s_opts();
    o.contact_email = "";
    o.contact_phone = NULL;
    log_set_level(LOG_LEVEL_ERR - 1);
    assert_null(ijw_parse("<a/>", 4, "m.xml", &o));
    assert_null(ijw_parse("<a/>", 4, "m.xml", NULL));
    log_set_level(LOG_LEVEL_INFO);
}

static int s_setup(void **state)
{
    xmlInitParser();
    return 0;
}

static int s_teardown(void **state)
{
    xmlCleanupParser();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_client_one_product),
        cmocka_unit_test(test_one_client_several_products),
        cmocka_unit_test(test_several_clients),
        cmocka_unit_test(test_wmo315),
        cmocka_unit_test(test_empty_referrer_name),
        cmocka_unit_test(test_contact_phone_only),
        cmocka_unit_test(test_note_only_when_asked),
        cmocka_unit_test(test_note_cut_to_2000_characters),
        cmocka_unit_test(test_repeated_reference_gets_place),
        cmocka_unit_test(test_same_file_same_records),
        cmocka_unit_test(test_missing_bsn),
        cmocka_unit_test(test_bad_client_does_not_stop_good_one),
        cmocka_unit_test(test_unmapped_category_without_default),
        cmocka_unit_test(test_client_without_products),
        cmocka_unit_test(test_all_problems_of_a_record),
        cmocka_unit_test(test_malformed_xml),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_wrong_namespace),
        cmocka_unit_test(test_older_release_refused),
        cmocka_unit_test(test_no_namespace),
        cmocka_unit_test(test_wrong_root),
        cmocka_unit_test(test_wrong_berichtcode),
        cmocka_unit_test(test_missing_afzender),
        cmocka_unit_test(test_bad_dagtekening),
        cmocka_unit_test(test_no_client),
        cmocka_unit_test(test_schema_invalid),
        cmocka_unit_test(test_many_problems_capped),
        cmocka_unit_test(test_schema_file_missing),
        cmocka_unit_test(test_options_without_contact),
    };
    return cmocka_run_group_tests_name("ijw", tests, s_setup, s_teardown);
}
