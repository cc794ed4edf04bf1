/*
 * Unit tests of ijwcfg: regie-ijw's "ijw" group into ijw_options_t, and
 * each mistake reported with its line (a schema that does not load, a
 * category table of the wrong shape, no contact). Run from the repository
 * root (the XSDs of tests/data/ijw).
 */
#include "acfg.h"
#include "ijwcfg.h"
#include "xmem.h"

#include <libxml/parser.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char s_path[] = "/tmp/test_ijwcfg.XXXXXX";
static char s_top[4096];  /* the repository root (the tests run there) */
static char s_fifo[4096]; /* s_path ".xsd", a FIFO */

/* Loads text as the configuration; *errors gets the errors with the
 * file's name as "t.conf" (caller frees). */
static ijwcfg_t *s_load(const char *text, char **errors)
{
    FILE *f = fopen(s_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    acfg_t *cfg = acfg_load(s_path);
    const config_setting_t *g = acfg_group(cfg, NULL, "ijw", true);
    ijwcfg_t *ic = g ? ijwcfg_load(cfg, g) : NULL;
    const char *e = acfg_errors(cfg);
    char *out = xmalloc(strlen(e) + 1), *w = out;
    for (const char *p = e; *p;) {
        if (strncmp(p, s_path, strlen(s_path)) == 0) {
            w = stpcpy(w, "t.conf");
            p += strlen(s_path);
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    *errors = out;
    acfg_destroy(&cfg);
    return ic;
}

static int s_setup(void **state)
{
    xmlInitParser();
    if (!getcwd(s_top, sizeof s_top))
        return -1;
    int fd = mkstemp(s_path);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(s_fifo, sizeof s_fifo, "%s.xsd", s_path);
    return mkfifo(s_fifo, 0600);
}

static int s_teardown(void **state)
{
    xmlCleanupParser();
    return unlink(s_path) | unlink(s_fifo);
}

static void test_good(void **state)
{
    char *errors;
    char *text = xasprintf(
        "ijw: { contact_email = \"zorgloket@aanbieder.example\";\n"
        "  jw315_xsd = \"%s/tests/data/ijw/xsd/ijw/jw315.xsd\";\n"
        "  with_note = true;\n"
        "  jw_categories = ( [ \"45\", \"jeugd\" ], [ \"54\", \"ggz\" ] );\n"
        "  wmo_default = \"overig\"; };\n",
        s_top);
    ijwcfg_t *ic = s_load(text, &errors);
    free(text);
    assert_string_equal(errors, "");
    free(errors);
    assert_non_null(ic);
    const ijw_options_t *o = ijwcfg_options(ic);
    assert_string_equal(o->contact_email, "zorgloket@aanbieder.example");
    assert_null(o->contact_phone);
    assert_non_null(strstr(o->jw315_xsd, "jw315.xsd"));
    assert_null(o->wmo315_xsd);
    assert_true(o->with_note);
    assert_int_equal(o->jw.count, 2);
    assert_string_equal(o->jw.pairs[1].code, "54");
    assert_string_equal(o->jw.pairs[1].category, "ggz");
    assert_null(o->jw.fallback);
    assert_int_equal(o->wmo.count, 0);
    assert_string_equal(o->wmo.fallback, "overig");
    ijwcfg_destroy(&ic);
    assert_null(ic);
}

static void test_errors(void **state)
{
    char *errors;
    char *text = xasprintf(
        "ijw: {\n"                                              /* 1 */
        "  jw315_xsd = \"/nonexistent/jw315.xsd\";\n"           /* 2 */
        "  wmo315_xsd = \"%s/tests/data/ijw/jw315-one.xml\";\n" /* 3 */
        "  jw_categories = ( [ \"45\", \"jeugd\" ], [ \"45\", \"ggz\" ] );\n"
        "  wmo_categories = [ \"02\", \"overig\" ];\n" /* 5 */
        "  with_note = \"yes\";\n"                     /* 6 */
        "  contact = \"x\";\n"                         /* 7 */
        "};\n",
        s_top);
    ijwcfg_t *ic = s_load(text, &errors);
    free(text);
    assert_null(ic);
    char *want = xasprintf(
        "t.conf:7: unknown setting 'contact'\n"
        "t.conf:1: give 'contact_email' or 'contact_phone' (or both): the "
        "desk partners of the gemeente can reach\n"
        "t.conf:2: jw315_xsd: cannot load the schema /nonexistent/jw315.xsd: "
        "failed to load external entity \"/nonexistent/jw315.xsd\"\n"
        "t.conf:3: wmo315_xsd: cannot load the schema %s"
        "/tests/data/ijw/jw315-one.xml: The XML document '%s"
        "/tests/data/ijw/jw315-one.xml' is not a schema document.\n"
        "t.conf:6: 'with_note' must be true or false\n"
        "t.conf:4: 'jw_categories' maps code '45' twice\n"
        "t.conf:5: 'wmo_categories' must be a list of pairs, like ( [ "
        "\"54\", \"ggz\" ], ... )\n",
        s_top, s_top);
    assert_string_equal(errors, want);
    free(want);
    free(errors);
}

/* SIGALRM: libxml2 waits on the FIFO; fail instead of hanging. */
static void s_on_alarm(int sig)
{
    static const char msg[] = "test_ijwcfg: blocked on a FIFO\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)n;
    _exit(1);
}

static void test_xsd_not_a_regular_file(void **state)
{
    char *errors;
    char *text = xasprintf("ijw: { contact_phone = \"+31 30 000 0000\";\n"
                           "  jw315_xsd = \"%s\";\n"
                           "  wmo315_xsd = \"/tmp\"; };\n",
                           s_fifo);
    signal(SIGALRM, s_on_alarm);
    alarm(10);
    ijwcfg_t *ic = s_load(text, &errors);
    alarm(0);
    free(text);
    assert_null(ic);
    assert_string_equal(errors, "t.conf:2: jw315_xsd: cannot read t.conf.xsd: "
                                "not a regular file (a FIFO)\n"
                                "t.conf:3: wmo315_xsd: cannot read /tmp: not "
                                "a regular file (a folder)\n");
    free(errors);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_xsd_not_a_regular_file),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
