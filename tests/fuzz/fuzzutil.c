/*
 * fuzzutil — the temporary folder, key files and templates the fuzz
 * targets load their inputs with (see fuzz.h). One thread.
 */
#include "fuzz.h"

#include "intake/rrpreferral.h"
#include "keys.h"
#include "xmem.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[4096];
static pid_t s_owner; /* the process that made s_dir (not a fork) */

static int s_remove(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void s_cleanup(void)
{
    if (s_dir[0] && getpid() == s_owner)
        nftw(s_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
}

static void s_die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz: cannot %s %s\n", what, path);
    abort();
}

const char *fuzz_dir(void)
{
    if (s_dir[0])
        return s_dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/regie-fuzz.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s_dir))
        s_die("make the folder", s_dir);
    s_owner = getpid();
    atexit(s_cleanup);
    return s_dir;
}

char *fuzz_write(const char *name, const void *data, size_t len, int mode)
{
    char *path = xasprintf("%s/%s", fuzz_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len) ||
        fchmod(fd, (mode_t)mode) != 0 || close(fd) != 0)
        s_die("write", path);
    return path;
}

void fuzz_keys(void)
{
    char *base = xasprintf("%s/server", fuzz_dir());
    if (keys_write_curve(base, 1) < 0)
        s_die("write the keys", base);
    free(base);
    char hex[2 * KEYS_PSEUDO_LEN + 2];
    for (int i = 0; i < KEYS_PSEUDO_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned)(0xa0 + i));
    strcat(hex, "\n");
    free(fuzz_write("pseudonym.key", hex, strlen(hex), 0600));
    free(fuzz_write("open-pseudonym.key", hex, strlen(hex), 0644));
}

void fuzz_templates(void)
{
    static const char *const names[] = {"agreement_made.txt",
                                        "assigned_regisseur.txt",
                                        "digest.txt",
                                        "escalation.txt",
                                        "overlap_kernteam.txt",
                                        "referral_kernteam.txt",
                                        "referral_regisseur.txt",
                                        "reminder.txt",
                                        "unassigned_regisseur.txt"};
    char *dir = xasprintf("%s/templates", fuzz_dir());
    if (mkdir(dir, 0700) != 0)
        s_die("make the folder", dir);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *from = xasprintf("config/templates/%s", names[i]);
        char *to = xasprintf("templates/%s", names[i]);
        char text[65536];
        FILE *f = fopen(from, "rb");
        if (!f)
            s_die("read (run from the repository's root)", from);
        size_t n = fread(text, 1, sizeof text, f);
        fclose(f);
        free(fuzz_write(to, text, n, 0644));
        free(from);
        free(to);
    }
    free(dir);
}

/* Whether pb is about the shape of a body (what a mapping builds), not
 * about a value that came from the partner's data. */
static bool s_shape_problem(const rrp_problem_t *pb)
{
    static const char *const shape[] = {
        "unknown field",     " must be a string",   " must be an object",
        " must be an array", " must be an integer", " is required"};
    if (pb->error == RRP_BAD_JSON)
        return true;
    for (size_t i = 0; i < sizeof shape / sizeof *shape; i++)
        if (strstr(pb->message, shape[i]))
            return true;
    return false;
}

void fuzz_check_referral(const json_t *body, bool values)
{
    static char *const categories[] = {"huiselijk_geweld",
                                       "kindermishandeling",
                                       "ggz",
                                       "verslaving",
                                       "schulden",
                                       "huisvesting",
                                       "inkomen",
                                       "jeugd",
                                       "overig"};
    rrpreferral_rules_t rules = {.household_max = 20,
                                 .categories = categories,
                                 .categories_n =
                                     sizeof categories / sizeof *categories,
                                 .today = "9999-12-31"};
    char *text = json_dumps(body, JSON_COMPACT);
    rrpreferral_t r;
    rrp_problem_t pb = {0};
    if (!text || (rrpreferral_parse(text, strlen(text), &rules, &r, &pb) < 0 &&
                  (values || s_shape_problem(&pb)))) {
        fprintf(stderr, "fuzz: the daemon refuses a mapped referral: %s %s\n",
                pb.field, text ? pb.message : "(no JSON)");
        abort();
    }
    rrpreferral_clear(&r);
    free(text);
}

const char *fuzz_split(const char **at, const char *end, const char *sep,
                       size_t seplen, size_t *len)
{
    const char *p = *at;
    if (!p)
        return NULL;
    const char *hit = memmem(p, (size_t)(end - p), sep, seplen);
    *len = (size_t)((hit ? hit : end) - p);
    *at = hit ? hit + seplen : NULL;
    return p;
}
