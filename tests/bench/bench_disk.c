/*
 * bench_disk — the disk's own commit latency, for the intake section of
 * `make bench` (scripts/bench explains the whole measurement): what a
 * durable ACK can never beat on this machine.
 *
 *   bench_disk FILE [-r RATE] [-b BYTES] [-s SECONDS]
 *       writes BYTES (default 65536) at a time into FILE, over and over
 *       in its first 32 MiB (as a WAL that has started over is written
 *       over), each write followed by fdatasync(2): a commit. The commits
 *       are paced at RATE a second (default 500) for SECONDS (default
 *       10), so the disk is as busy as regied's writer at half load, not
 *       flooded. FILE is made first, written through and synced, so that
 *       no commit pays for the file growing. Removes FILE at the end.
 *
 * Prints "RESULT mode=disk commits=N rate=R bytes=B p50_ms=.. p99_ms=..
 * p999_ms=.. max_ms=.." and exits 0, or 1 on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_REGION (32L * 1024 * 1024)

static double s_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void s_sleep_until(double t)
{
    double d = t - s_now();
    if (d <= 0)
        return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int s_usage(void)
{
    fprintf(stderr,
            "Usage: bench_disk FILE [-r RATE] [-b BYTES] [-s SECONDS]\n");
    return 1;
}

int main(int argc, char **argv)
{
    long rate = 500, bytes = 65536, seconds = 10;
    int opt;
    while ((opt = getopt(argc, argv, "r:b:s:")) != -1) {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (*end || v <= 0)
            return s_usage();
        if (opt == 'r')
            rate = v;
        else if (opt == 'b' && v <= S_REGION)
            bytes = v;
        else if (opt == 's')
            seconds = v;
        else
            return s_usage();
    }
    if (optind != argc - 1)
        return s_usage();
    const char *path = argv[optind];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char *buf = malloc((size_t)bytes);
    long n = rate * seconds, slots = S_REGION / bytes;
    double *lat = malloc((size_t)n * sizeof *lat);
    if (fd < 0 || !buf || !lat) {
        fprintf(stderr, "bench_disk: %s: %s\n", path, strerror(errno));
        return 1;
    }
    memset(buf, 0x5a, (size_t)bytes);
    for (long i = 0; i < slots; i++)
        if (pwrite(fd, buf, (size_t)bytes, i * bytes) != bytes) {
            fprintf(stderr, "bench_disk: write: %s\n", strerror(errno));
            return 1;
        }
    if (fsync(fd) < 0) {
        fprintf(stderr, "bench_disk: fsync: %s\n", strerror(errno));
        return 1;
    }
    double start = s_now();
    for (long i = 0; i < n; i++) {
        s_sleep_until(start + (double)i / (double)rate);
        double t0 = s_now();
        buf[0] = (char)i;
        if (pwrite(fd, buf, (size_t)bytes, (i % slots) * bytes) != bytes ||
            fdatasync(fd) < 0) {
            fprintf(stderr, "bench_disk: commit: %s\n", strerror(errno));
            return 1;
        }
        lat[i] = (s_now() - t0) * 1e3;
    }
    close(fd);
    unlink(path);
    qsort(lat, (size_t)n, sizeof *lat, s_cmp);
    printf("RESULT mode=disk commits=%ld rate=%ld bytes=%ld p50_ms=%.2f "
           "p99_ms=%.2f p999_ms=%.2f max_ms=%.2f\n",
           n, rate, bytes, lat[n / 2], lat[n * 99 / 100],
           lat[n * 999 / 1000], lat[n - 1]);
    free(buf);
    free(lat);
    return 0;
}
