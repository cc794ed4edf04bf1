/*
 * Unit tests of spool: which names are taken, claiming (oldest first, a
 * file left in work/ first), the settle time, done/ and failed/ with the
 * .error file and free names, reading, and the inotify descriptor. Each
 * test works in a new temporary folder.
 */
#include "log.h"
#include "spool.h"
#include "xmem.h"

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static const char *const s_ext[] = {".json", ".jsonl", ".csv", NULL};

typedef struct {
    char dir[64];
    spool_t *spool;
} fx_t;

/* Writes text to DIR/rel with modification time now - age seconds. */
static void s_write(const fx_t *fx, const char *rel, const char *text, int age)
{
    char *path = xasprintf("%s/%s", fx->dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= age;
    t[1] = t[0];
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
    free(path);
}

/* Returns whether DIR/rel exists. */
static bool s_exists(const fx_t *fx, const char *rel)
{
    char *path = xasprintf("%s/%s", fx->dir, rel);
    bool yes = access(path, F_OK) == 0;
    free(path);
    return yes;
}

/* Returns the text of DIR/rel (caller frees). */
static char *s_text(const fx_t *fx, const char *rel)
{
    char *path = xasprintf("%s/%s", fx->dir, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = xcalloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    free(path);
    return buf;
}

static int s_setup(void **state)
{
    log_set_level(LOG_LEVEL_ERR);
    fx_t *fx = xcalloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_spool.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    char err[256];
    fx->spool = spool_open(fx->dir, s_ext, 0, err, sizeof err);
    *state = fx;
    return fx->spool ? 0 : -1;
}

static int s_teardown(void **state)
{
    fx_t *fx = *state;
    spool_destroy(&fx->spool);
    char *cmd = xasprintf("rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(cmd);
    free(fx);
    return rc;
}

static void test_names(void **state)
{
    fx_t *fx = *state;
    assert_true(spool_name_ok(fx->spool, "export.csv"));
    assert_true(spool_name_ok(fx->spool, "EXPORT.CSV"));
    assert_true(spool_name_ok(fx->spool, "a.jsonl"));
    assert_false(spool_name_ok(fx->spool, ".export.csv"));
    assert_false(spool_name_ok(fx->spool, "export.csv.tmp"));
    assert_false(spool_name_ok(fx->spool, "export.csv.part"));
    assert_false(spool_name_ok(fx->spool, "export.csv.filepart"));
    assert_false(spool_name_ok(fx->spool, "export.xlsx"));
    assert_false(spool_name_ok(fx->spool, ".csv"));
    assert_true(s_exists(fx, "work") && s_exists(fx, "done") &&
                s_exists(fx, "failed"));
}

static void test_claims_oldest_first(void **state)
{
    fx_t *fx = *state;
    int64_t wait;
    s_write(fx, "new.csv", "n", 10);
    s_write(fx, "old.json", "o", 100);
    s_write(fx, ".upload.csv", "u", 1000);
    s_write(fx, "upload.csv.tmp", "u", 1000);
    s_write(fx, "notes.txt", "x", 1000);
    char *name = spool_next(fx->spool, &wait);
    assert_string_equal(name, "old.json");
    assert_true(s_exists(fx, "work/old.json"));
    assert_false(s_exists(fx, "old.json"));
    /* Still in work/ (not filed): handed out again, nothing claimed. */
    free(name);
    name = spool_next(fx->spool, &wait);
    assert_string_equal(name, "old.json");
    assert_true(s_exists(fx, "new.csv"));
    assert_int_equal(spool_done(fx->spool, name, NULL), 0);
    free(name);
    name = spool_next(fx->spool, &wait);
    assert_string_equal(name, "new.csv");
    assert_int_equal(spool_done(fx->spool, name, NULL), 0);
    free(name);
    assert_null(spool_next(fx->spool, &wait));
    assert_int_equal(wait, -1);
    assert_true(s_exists(fx, ".upload.csv") && s_exists(fx, "notes.txt") &&
                s_exists(fx, "upload.csv.tmp"));
}

static void test_left_in_work_first(void **state)
{
    fx_t *fx = *state;
    int64_t wait;
    s_write(fx, "work/crashed.csv", "c", 0);
    s_write(fx, "waiting.csv", "w", 1000);
    char *name = spool_next(fx->spool, &wait);
    assert_string_equal(name, "crashed.csv");
    assert_true(s_exists(fx, "waiting.csv"));
    free(name);
}

static void test_same_name_waits_for_work(void **state)
{
    fx_t *fx = *state;
    int64_t wait;
    s_write(fx, "work/a.csv", "first", 0);
    s_write(fx, "a.csv", "second", 0);
    char *name = spool_next(fx->spool, &wait);
    assert_int_equal(spool_done(fx->spool, name, NULL), 0);
    free(name);
    name = spool_next(fx->spool, &wait);
    assert_string_equal(name, "a.csv");
    char *final = NULL;
    assert_int_equal(spool_done(fx->spool, name, &final), 0);
    assert_string_equal(final, "a.1.csv");
    free(final);
    free(name);
    char *t = s_text(fx, "done/a.csv");
    assert_string_equal(t, "first");
    free(t);
    t = s_text(fx, "done/a.1.csv");
    assert_string_equal(t, "second");
    free(t);
}

static void test_failed_writes_error_first(void **state)
{
    fx_t *fx = *state;
    int64_t wait;
    s_write(fx, "failed/b.csv", "old", 0);
    s_write(fx, "failed/b.1.csv.error", "orphan of a crash", 0);
    s_write(fx, "b.csv", "new", 0);
    char *name = spool_next(fx->spool, &wait), *final = NULL;
    assert_int_equal(spool_failed(fx->spool, name, "b.csv:2: x: y\n", &final),
                     0);
    assert_string_equal(final, "b.1.csv");
    char *t = s_text(fx, "failed/b.1.csv.error");
    assert_string_equal(t, "b.csv:2: x: y\n");
    free(t);
    assert_true(s_exists(fx, "failed/b.1.csv"));
    assert_false(s_exists(fx, "failed/.b.1.csv.error.tmp"));
    assert_false(s_exists(fx, "work/b.csv"));
    free(final);
    free(name);
}

static void test_settle_time(void **state)
{
    fx_t *fx = *state;
    char err[256];
    int64_t wait;
    spool_t *slow = spool_open(fx->dir, s_ext, 60000, err, sizeof err);
    s_write(fx, "fresh.csv", "f", 1);
    assert_null(spool_next(slow, &wait));
    assert_true(wait > 50000 && wait <= 60000);
    s_write(fx, "settled.csv", "s", 61);
    char *name = spool_next(slow, &wait);
    assert_string_equal(name, "settled.csv");
    free(name);
    spool_destroy(&slow);
    assert_null(slow);
}

static void test_read(void **state)
{
    fx_t *fx = *state;
    char *data, err[256];
    size_t len;
    s_write(fx, "work/r.json", "{\"a\": 1}\n", 0);
    assert_int_equal(
        spool_read(fx->spool, "r.json", &data, &len, err, sizeof err), 0);
    assert_int_equal(len, 9);
    assert_string_equal(data, "{\"a\": 1}\n");
    free(data);
    assert_int_equal(
        spool_read(fx->spool, "gone.json", &data, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

static void test_inotify_wakes(void **state)
{
    fx_t *fx = *state;
    int fd = spool_fd(fx->spool);
    assert_true(fd >= 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 0);
    s_write(fx, ".x.csv", "x", 0);
    char *from = xasprintf("%s/.x.csv", fx->dir);
    char *to = xasprintf("%s/x.csv", fx->dir);
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(poll(&p, 1, 1000), 1);
    spool_drain(fx->spool);
    assert_int_equal(poll(&p, 1, 0), 0);
    free(from);
    free(to);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_claims_oldest_first, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_left_in_work_first, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_same_name_waits_for_work, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_failed_writes_error_first, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_settle_time, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_read, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_inotify_wakes, s_setup,
                                        s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
