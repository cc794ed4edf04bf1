/*
 * replay — runs a fuzz target without libFuzzer: each file named on the
 * command line, or each regular file in a folder named there (in name
 * order, dot files skipped), is read and given to LLVMFuzzerTestOneInput
 * once. Built with the normal compiler against one fuzz_<target>.o, as
 * $(BUILD)/fuzz/replay_<target>; make test replays each corpus with it.
 * Prints each file before running it (so the last line names the input
 * of a crash) and a summary; exits 0 when every input ran, 1 when a file
 * could not be read, 2 on bad usage. A crash is the process's death.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Reads the regular file at path into a new buffer (one byte more, so
 * that an empty file is not a NULL pointer); -1 when it cannot. */
static int s_read(const char *path, unsigned char **out, size_t *len)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        buf = malloc((size_t)st.st_size + 1);
    if (buf)
        *len = fread(buf, 1, (size_t)st.st_size, f);
    if (buf && (ferror(f) || *len != (size_t)st.st_size)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *out = buf;
    return buf ? 0 : -1;
}

/* Runs the target on the file at path; -1 when it cannot be read. */
static int s_one(const char *path)
{
    unsigned char *data;
    size_t len;
    printf("replay: %s\n", path);
    fflush(stdout);
    if (s_read(path, &data, &len) < 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int s_skip(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Runs the target on every regular file in dir; adds to *runs. */
static int s_folder(const char *dir, int *runs)
{
    struct dirent **list;
    int n = scandir(dir, &list, s_skip, alphasort), bad = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot read the folder %s\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            bad |= s_one(path);
            (*runs)++;
        }
        free(list[i]);
    }
    free(list);
    return bad;
}

int main(int argc, char **argv)
{
    int runs = 0, bad = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-FOLDER...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            bad |= s_folder(argv[i], &runs);
        } else {
            bad |= s_one(argv[i]);
            runs++;
        }
    }
    printf("replay: %d inputs%s\n", runs, bad ? ", some unreadable" : "");
    return bad ? 1 : 0;
}
