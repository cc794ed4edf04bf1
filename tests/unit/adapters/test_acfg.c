/*
 * Unit tests of acfg: the adapter and spool groups every spool adapter
 * shares — a good file with relative paths, and each mistake reported as
 * file:line: message (all of them, in order); a configuration or an
 * @include that is a FIFO refused at once (an alarm fails the test if it
 * ever blocks again).
 */
#include "acfg.h"
#include "keys.h"
#include "log.h"
#include "xmem.h"

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

#define S_ALARM_S 10 /* a read that blocks this long has hung */

static char s_dir[] = "/tmp/test_acfg.XXXXXX";
static char s_key[256];    /* o->key_file of the last load */
static char s_folder[256]; /* sp->folder of the last load */

/* Writes text to DIR/t.conf and loads it with the adapter and spool
 * groups; returns the errors with DIR/ taken out (caller frees). */
static char *s_errors(const char *text, adapter_opts_t *o, acfg_spool_t *sp,
                      int *level)
{
    char *path = xasprintf("%s/t.conf", s_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    acfg_t *cfg = acfg_load(path);
    acfg_adapter(cfg, o, level);
    acfg_spool(cfg, true, sp);
    const char *e = acfg_errors(cfg);
    char *out = xmalloc(strlen(e) + 1), *w = out;
    for (const char *p = e; *p;) {
        if (strncmp(p, s_dir, strlen(s_dir)) == 0)
            p += strlen(s_dir) + 1;
        else
            *w++ = *p++;
    }
    *w = '\0';
    /* Strings of o and sp live in cfg: keep what the tests look at. */
    snprintf(s_key, sizeof s_key, "%s", o->key_file ? o->key_file : "");
    snprintf(s_folder, sizeof s_folder, "%s", sp->folder ? sp->folder : "");
    acfg_destroy(&cfg);
    free(path);
    return out;
}

/* Writes text to DIR/name. */
static void s_write(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

/* SIGALRM: a read blocked on the FIFO; fail instead of hanging. */
static void s_on_alarm(int sig)
{
    static const char msg[] = "test_acfg: acfg_load blocked on a FIFO\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)n;
    _exit(1);
}

/* Arms (on) or disarms the alarm that ends a blocked test. */
static void s_guard(bool on)
{
    signal(SIGALRM, on ? s_on_alarm : SIG_DFL);
    alarm(on ? S_ALARM_S : 0);
}

static int s_setup(void **state)
{
    unsetenv("REGIE_ENDPOINT");
    unsetenv("REGIE_SERVER_KEY");
    unsetenv("REGIE_KEY");
    log_set_level(LOG_LEVEL_ERR);
    if (!mkdtemp(s_dir))
        return -1;
    char *base = xasprintf("%s/server", s_dir);
    char *vt = xasprintf("%s/vt", s_dir);
    char *in = xasprintf("%s/in", s_dir);
    char *fifo = xasprintf("%s/fifo.conf", s_dir);
    int rc = keys_write_curve(base, 0) | keys_write_curve(vt, 0) |
             mkdir(in, 0700) | mkfifo(fifo, 0600);
    free(base);
    free(vt);
    free(in);
    free(fifo);
    return rc;
}

static int s_teardown(void **state)
{
    const char *names[] = {"server.pub", "server.key", "vt.pub",
                           "vt.key",     "t.conf",     "fifo.conf",
                           "inner.conf", "adapter.inc"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *p = xasprintf("%s/%s", s_dir, names[i]);
        unlink(p);
        free(p);
    }
    char *in = xasprintf("%s/in", s_dir);
    rmdir(in);
    free(in);
    return rmdir(s_dir);
}

static void test_good(void **state)
{
    adapter_opts_t o;
    acfg_spool_t sp;
    int level;
    char *e = s_errors("adapter: { endpoint = \"tcp://10.0.0.5:5710\";\n"
                       "  server_key = \"./server.pub\"; key = \"./vt.key\";\n"
                       "  timeout_ms = 300; attempts = 2; backoff_ms = 10;\n"
                       "  backoff_max_ms = 40; log_level = \"debug\"; };\n"
                       "spool: { folder = \"./in\"; retry_ms = 100;\n"
                       "  retry_max_ms = 1000; settle_ms = 2000; };\n",
                       &o, &sp, &level);
    assert_string_equal(e, "");
    free(e);
    assert_int_equal(o.timeout_ms, 300);
    assert_int_equal(o.attempts, 2);
    assert_int_equal(o.backoff_ms, 10);
    assert_int_equal(o.backoff_max_ms, 40);
    assert_int_equal(level, LOG_LEVEL_DEBUG);
    assert_int_equal(sp.retry_ms, 100);
    assert_int_equal(sp.retry_max_ms, 1000);
    assert_int_equal(sp.settle_ms, 2000);
    assert_int_equal(sp.rescan_ms, ACFG_DEFAULT_RESCAN_MS);
    char *want = xasprintf("%s/./vt.key", s_dir);
    assert_string_equal(s_key, want);
    free(want);
    want = xasprintf("%s/./in", s_dir);
    assert_string_equal(s_folder, want);
    free(want);
}

static void test_defaults(void **state)
{
    adapter_opts_t o;
    acfg_spool_t sp;
    int level;
    char *e = s_errors("adapter: { server_key = \"server.pub\";\n"
                       "  key = \"vt.key\"; };\n"
                       "spool: { folder = \"in\"; };\n",
                       &o, &sp, &level);
    assert_string_equal(e, "");
    free(e);
    assert_string_equal(o.endpoint, ADAPTER_DEFAULT_ENDPOINT);
    assert_int_equal(o.timeout_ms, ADAPTER_DEFAULT_TIMEOUT_MS);
    assert_int_equal(o.attempts, ADAPTER_DEFAULT_ATTEMPTS);
    assert_int_equal(level, LOG_LEVEL_INFO);
    assert_int_equal(sp.retry_ms, ACFG_DEFAULT_RETRY_MS);
    assert_int_equal(sp.retry_max_ms, ACFG_DEFAULT_RETRY_MAX_MS);
    assert_int_equal(sp.settle_ms, 0);
    char *want = xasprintf("%s/vt.key", s_dir);
    assert_string_equal(s_key, want);
    free(want);
}

static void test_errors(void **state)
{
    adapter_opts_t o;
    acfg_spool_t sp;
    int level;
    char *e = s_errors("adapter: {\n"                              /* 1 */
                       "  endpoint = \"http://x\";\n"              /* 2 */
                       "  server_key = \"./nope.pub\";\n"          /* 3 */
                       "  key = \"./nope.key\";\n"                 /* 4 */
                       "  timeout_ms = 0;\n"                       /* 5 */
                       "  attempts = \"3\";\n"                     /* 6 */
                       "  log_level = \"loud\";\n"                 /* 7 */
                       "  colour = 1;\n"                           /* 8 */
                       "};\n"                                      /* 9 */
                       "spool: {\n"                                /* 10 */
                       "  folder = \"./t.conf\";\n"                /* 11 */
                       "  rescan_ms = 5;\n"                        /* 12 */
                       "  retry_ms = 5000; retry_max_ms = 1000;\n" /* 13 */
                       "};\n",
                       &o, &sp, &level);
    assert_string_equal(
        e, "t.conf:8: unknown setting 'colour'\n"
           "t.conf:5: 'timeout_ms' must be between 1 and 3600000, not 0\n"
           "t.conf:6: 'attempts' must be a whole number\n"
           "t.conf:7: log_level must be error, warning, notice, info or debug, "
           "not 'loud'\n"
           "t.conf:2: endpoint http://x: use tcp://HOST:PORT or ipc://PATH\n"
           "t.conf:3: server_key: cannot read ./nope.pub: No such file or "
           "directory\n"
           "t.conf:4: key: cannot read ./nope.key: No such file or "
           "directory\n"
           "t.conf:12: 'rescan_ms' must be between 100 and 86400000, not 5\n"
           "t.conf:13: 'retry_max_ms' (1000) must not be less than 'retry_ms' "
           "(5000)\n"
           "t.conf:11: folder: ./t.conf is not a folder\n");
    free(e);
}

static void test_missing_groups_and_file(void **state)
{
    adapter_opts_t o;
    acfg_spool_t sp;
    int level;
    char *e = s_errors("# nothing\n", &o, &sp, &level);
    assert_string_equal(e, "t.conf:0: missing group 'adapter'\n"
                           "t.conf:0: missing group 'spool'\n");
    free(e);
    e = s_errors("adapter = 3;\nspool: { };\n", &o, &sp, &level);
    assert_string_equal(e, "t.conf:1: 'adapter' must be a group: adapter = "
                           "{ ... };\n"
                           "t.conf:2: missing setting 'folder'\n");
    free(e);
    acfg_t *cfg = acfg_load("/nonexistent/regie.conf");
    assert_string_equal(acfg_errors(cfg),
                        "/nonexistent/regie.conf:0: "
                        "cannot read the file: No such file or directory\n");
    assert_null(acfg_root(cfg));
    acfg_destroy(&cfg);
    assert_null(cfg);
}

static void test_config_that_is_a_fifo(void **state)
{
    char *path = xasprintf("%s/fifo.conf", s_dir);
    s_guard(true);
    acfg_t *cfg = acfg_load(path);
    s_guard(false);
    char *want = xasprintf("%s:0: cannot read the file: not a regular file "
                           "(a FIFO)\n",
                           path);
    assert_string_equal(acfg_errors(cfg), want);
    assert_int_equal(acfg_error_count(cfg), 1);
    assert_null(acfg_root(cfg));
    acfg_destroy(&cfg);
    free(want);
    free(path);
}

static void test_include_that_is_a_fifo(void **state)
{
    adapter_opts_t o;
    acfg_spool_t sp;
    int level;
    s_guard(true);
    char *e = s_errors("# the adapter's settings\n"
                       "@include \"fifo.conf\"\n",
                       &o, &sp, &level);
    s_guard(false);
    assert_string_equal(e, "t.conf:2: @include \"fifo.conf\": cannot read "
                           "fifo.conf: not a regular file (a FIFO)\n");
    free(e);
    /* the same one level down, named at its own file and line */
    s_write("inner.conf", "\n\n@include \"fifo.conf\"\n");
    s_guard(true);
    e = s_errors("@include \"inner.conf\"\n", &o, &sp, &level);
    s_guard(false);
    assert_string_equal(e, "inner.conf:3: @include \"fifo.conf\": cannot "
                           "read fifo.conf: not a regular file (a FIFO)\n");
    free(e);
}

static void test_include_read_with_its_lines(void **state)
{
    adapter_opts_t o;
    acfg_spool_t sp;
    int level;
    s_write("adapter.inc", "adapter: {\n"
                           "  server_key = \"server.pub\"; key = \"vt.key\";\n"
                           "  colour = 1;\n"
                           "};\n");
    char *e = s_errors("@include \"adapter.inc\"\n"
                       "spool: { folder = \"in\"; rescan_ms = 5; };\n",
                       &o, &sp, &level);
    assert_string_equal(e, "adapter.inc:3: unknown setting 'colour'\n"
                           "t.conf:2: 'rescan_ms' must be between 100 and "
                           "86400000, not 5\n");
    free(e);
    e = s_errors("adapter: {\n  key = ;\n};\n", &o, &sp, &level);
    assert_string_equal(e, "t.conf:2: syntax error\n");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_groups_and_file),
        cmocka_unit_test(test_config_that_is_a_fifo),
        cmocka_unit_test(test_include_that_is_a_fifo),
        cmocka_unit_test(test_include_read_with_its_lines),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
