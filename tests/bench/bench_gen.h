/*
 * bench_gen — the referrals of `make bench`, made from their index alone,
 * so that the load generator (bench_intake) and the baseline
 * (bench_baseline) of the same plan see the same rows.
 *
 * Referral j belongs to client j % clients, at position j / clients of
 * that client. Its persons get fictional BSNs that pass the elfproef (9
 * digits, weights 9..2 and -1, the sum divisible by 11), distinct per
 * referral; about half of the referrals also name as household member
 * the subject of an earlier referral of the same client, 64 to 127
 * positions back (acked by then with a window up to 64), so that
 * matching joins cases as real traffic does. Bodies are about 450 bytes.
 * Header only (static inline): each bench program is one file.
 */
#ifndef REGIE_BENCH_GEN_H
#define REGIE_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define BENCH_PERSONS_MAX 4   /* subject, shared member, two new ones */
#define BENCH_SHARE_MIN 128   /* a client's first positions share none */
#define BENCH_SHARE_BACK 64   /* share with a referral this far back, */
#define BENCH_SHARE_SPREAD 64 /* ... plus up to this many positions */
#define BENCH_BODY_MAX 1024
#define BENCH_COUNT_MAX 3000000 /* person ids stay below 9e6 */

/* One referral as the generator makes it. */
typedef struct {
    char external_id[48];
    const char *kind, *category, *urgency;
    char birth_date[16];
    int pc_num; /* postcode digits, 6700..6709 */
    char pc_letters[3];
    char bsn[BENCH_PERSONS_MAX][16];
    int persons;
    int shared; /* 1: bsn[1] is the subject of an earlier referral of
                 * the same client, whose case it joins; 0: a new case */
} bench_ref_t;

/* The note of every referral (about 190 bytes). */
static const char bench_note[] =
    "Zorgen over de thuissituatie: schoolverzuim van de oudste, "
    "betalingsachterstanden en spanningen tussen de ouders. Gezin staat "
    "open voor hulp; graag afstemmen met het wijkteam.";

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: the pseudo-random bits of a referral from its index. */
static inline uint64_t bench_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* The fictional BSN of person id (< 9e6): 7 digits from the id, then the
 * first eighth digit for which a ninth digit passes the elfproef. Distinct
 * ids give distinct BSNs. */
static inline void bench_bsn(uint64_t person, char out[16])
{
    unsigned a = (unsigned)(1000000 + person % 9000000);
    int sum = 0;
    snprintf(out, 16, "%07u", a);
    for (int i = 0; i < 7; i++)
        sum += (9 - i) * (out[i] - '0');
    for (int e = 0; e < 10; e++) {
        int last = (sum + 2 * e) % 11;
        if (last <= 9) {
            out[7] = (char)('0' + e);
            out[8] = (char)('0' + last);
            out[9] = '\0';
            return;
        }
    }
}

/* Referral j of a run of clients clients whose external_ids start with
 * tag. */
static inline void bench_gen(const char *tag, int clients, size_t j,
                             bench_ref_t *r)
{
    static const char *const kinds[] = {"melding", "verwijzing", "aanmelding",
                                        "signaal"};
    static const char *const categories[] = {"huiselijk_geweld",
                                             "kindermishandeling",
                                             "ggz",
                                             "verslaving",
                                             "schulden",
                                             "huisvesting",
                                             "inkomen",
                                             "jeugd",
                                             "overig"};
    static const char *const urgencies[] = {"normaal", "normaal", "urgent",
                                            "crisis"};
    size_t c = j % (size_t)clients, pos = j / (size_t)clients;
    uint64_t h = bench_mix(j * 0x2545F4914F6CDD1DULL + 17);
    snprintf(r->external_id, sizeof r->external_id, "%s-%07zu", tag, j);
    r->kind = kinds[h % 4];
    r->category = categories[(h >> 2) % 9];
    r->urgency = urgencies[(h >> 6) % 4];
    snprintf(r->birth_date, sizeof r->birth_date, "%04d-%02d-%02d",
             (int)(1950 + (h >> 8) % 65), (int)(1 + (h >> 16) % 12),
             (int)(1 + (h >> 20) % 28));
    r->pc_num = 6700 + (int)((h >> 25) % 10);
    r->pc_letters[0] = (char)('A' + (h >> 29) % 26);
    r->pc_letters[1] = (char)('A' + (h >> 34) % 26);
    r->pc_letters[2] = '\0';
    r->persons = 0;
    r->shared = 0;
    bench_bsn(j * 3, r->bsn[r->persons++]);
    if (((h >> 40) & 1) && pos >= BENCH_SHARE_MIN) {
        r->shared = 1;
        size_t back = BENCH_SHARE_BACK + (h >> 41) % BENCH_SHARE_SPREAD;
        bench_bsn(((pos - back) * (size_t)clients + c) * 3,
                  r->bsn[r->persons++]);
    }
    for (uint64_t k = 0; k < (h >> 48) % 3; k++)
        bench_bsn(j * 3 + 1 + k, r->bsn[r->persons++]);
}

/* The JSON body of r as partner pN sends it; returns its length. */
static inline size_t bench_body(const bench_ref_t *r, int partner, char *out,
                                size_t len)
{
    char hh[160] = "";
    size_t k = 0;
    for (int i = 1; i < r->persons; i++)
        k += (size_t)snprintf(hh + k, sizeof hh - k, "%s{\"bsn\":\"%s\"}",
                              i > 1 ? "," : "", r->bsn[i]);
    int n = snprintf(
        out, len,
        "{\"external_id\":\"%s\",\"kind\":\"%s\",\"category\":\"%s\","
        "\"urgency\":\"%s\",\"subject\":{\"bsn\":\"%s\",\"birth_date\":"
        "\"%s\"},\"household\":[%s],\"postcode\":\"%d %s\",\"contact\":"
        "{\"name\":\"J. de Vries\",\"email\":\"j.devries@p%d.example\","
        "\"phone\":\"+31 88 000 0000\"},\"occurred_at\":"
        "\"2026-11-20T10:15:00+01:00\",\"note\":\"%s\"}",
        r->external_id, r->kind, r->category, r->urgency, r->bsn[0],
        r->birth_date, hh, r->pc_num, r->pc_letters, partner, bench_note);
    return n < 0 ? 0 : (size_t)n;
}

/* The partner (1..partners) of referral j: client i posts as
 * p(i % partners + 1). */
static inline int bench_partner(int clients, int partners, size_t j)
{
    return (int)(j % (size_t)clients) % partners + 1;
}

#endif
