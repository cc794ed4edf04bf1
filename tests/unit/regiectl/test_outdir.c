/*
 * Unit tests of outdir, regiectl's writer of the digest's preview: the
 * files whole and 0644 whatever the umask, nothing written when one
 * exists (unless forced), a link replaced and not followed, a folder
 * that is not there, and no temporary file left behind.
 */
#include "outdir.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char s_dir[64];
static char s_why[600];
static const outdir_file_t s_files[] = {{"digest.txt", "tekst\n", 6},
                                        {"chart.png", "\x89PNG\0\1", 6}};

static int setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/regie-outdir.XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The path of name in the folder (a static buffer). */
static const char *path(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", s_dir, name);
    return p;
}

/* Asserts the file's bytes and mode. */
static void has(const char *name, const char *data, size_t len, int mode)
{
    char got[64];
    struct stat st;
    FILE *f = fopen(path(name), "rb");
    assert_non_null(f);
    assert_int_equal(fread(got, 1, sizeof got, f), len);
    fclose(f);
    assert_memory_equal(got, data, len);
    assert_int_equal(lstat(path(name), &st), 0);
    assert_int_equal(st.st_mode & 07777, mode);
}

/* How many entries the folder holds (but . and ..). */
static int entries(void)
{
    DIR *d = opendir(s_dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void test_writes_whole_files_0644(void **state)
{
    mode_t old = umask(077);
    assert_int_equal(
        outdir_write(s_dir, s_files, 2, false, s_why, sizeof s_why), 0);
    umask(old);
    has("digest.txt", "tekst\n", 6, 0644);
    has("chart.png", "\x89PNG\0\1", 6, 0644);
    assert_int_equal(entries(), 2); /* no temporary file left */
}

static void test_refuses_to_overwrite_before_writing_any(void **state)
{
    FILE *f = fopen(path("chart.png"), "w");
    assert_non_null(f);
    fputs("mine", f);
    fclose(f);
    chmod(path("chart.png"), 0600);
    assert_int_equal(
        outdir_write(s_dir, s_files, 2, false, s_why, sizeof s_why), 1);
    assert_non_null(strstr(s_why, "will not overwrite"));
    assert_non_null(strstr(s_why, "chart.png"));
    assert_int_equal(access(path("digest.txt"), F_OK), -1);
    has("chart.png", "mine", 4, 0600);
    /* Forced: replaced. */
    assert_int_equal(outdir_write(s_dir, s_files, 2, true, s_why, sizeof s_why),
                     0);
    has("chart.png", "\x89PNG\0\1", 6, 0644);
    assert_int_equal(entries(), 2);
}

static void test_force_replaces_a_link_not_its_target(void **state)
{
    char target[128];
    snprintf(target, sizeof target, "%s/target", s_dir);
    FILE *f = fopen(target, "w");
    assert_non_null(f);
    fputs("kept", f);
    fclose(f);
    chmod(target, 0644);
    assert_int_equal(symlink(target, path("digest.txt")), 0);
    assert_int_equal(
        outdir_write(s_dir, s_files, 1, false, s_why, sizeof s_why), 1);
    assert_int_equal(outdir_write(s_dir, s_files, 1, true, s_why, sizeof s_why),
                     0);
    has("digest.txt", "tekst\n", 6, 0644); /* a file now, not a link */
    has("target", "kept", 4, 0644);
}

static void test_folder_must_exist(void **state)
{
    char missing[96];
    snprintf(missing, sizeof missing, "%s/nothing", s_dir);
    assert_int_equal(
        outdir_write(missing, s_files, 2, true, s_why, sizeof s_why), -1);
    assert_non_null(strstr(s_why, "No such file or directory"));
    FILE *f = fopen(path("file"), "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(
        outdir_write(path("file"), s_files, 2, true, s_why, sizeof s_why), -1);
    assert_non_null(strstr(s_why, "not a folder"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_writes_whole_files_0644),
        T(test_refuses_to_overwrite_before_writing_any),
        T(test_force_replaces_a_link_not_its_target),
        T(test_folder_must_exist),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
