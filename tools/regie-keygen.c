/*
 * regie-keygen — makes the keys a regie installation needs: CURVE keypairs
 * for the daemon and for each partner's adapter, and the pseudonym key.
 */
#include "keys.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The help text is laid out by hand. */
/* clang-format off */
static const char s_usage[] =
"Usage: regie-keygen [--force] curve BASE\n"
"       regie-keygen [--force] pseudonym FILE\n"
"\n"
"Makes the keys of a regie installation.\n"
"\n"
"  curve BASE       write a new CURVE keypair: BASE.key holds the secret\n"
"                   key (mode 0600), BASE.pub the public key. Make one for\n"
"                   the daemon (its secret key file goes in regie.conf as\n"
"                   server_secret_key) and one per partner adapter (the\n"
"                   partner keeps BASE.key; its BASE.pub goes in the\n"
"                   partner's public_key in regie.conf). Prints the public\n"
"                   key on standard output.\n"
"  pseudonym FILE   write a new pseudonymisation key (32 random bytes as\n"
"                   hex, mode 0600). Persons are stored as HMAC-SHA256 of\n"
"                   their BSN under this key: keep it outside the database\n"
"                   and back it up apart; without it no BSN can be matched\n"
"                   again.\n"
"\n"
"Options:\n"
"  -f, --force      overwrite existing files\n"
"  -h, --help       show this help\n"
"\n"
"Exit status: 0 on success, 64 on a usage error, 73 when a file cannot be\n"
"created.\n";
/* clang-format on */

static const struct option s_longopts[] = {
    {"force", no_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Writes a CURVE keypair at BASE path (.key, .pub) and prints the public
 * key. Returns the exit status. */
static int s_curve(const char *path, int force)
{
    if (keys_write_curve(path, force) != 0)
        return 73;
    char pub[KEYS_Z85_LEN + 1], err[256];
    char *pub_path = NULL;
    size_t n = strlen(path) + 5;
    char buf[4096];
    if (n < sizeof buf) {
        snprintf(buf, sizeof buf, "%s.pub", path);
        pub_path = buf;
    }
    if (pub_path && keys_read_z85(pub_path, pub, err, sizeof err) == 0)
        printf("%s\n", pub);
    return 0;
}

int main(int argc, char **argv)
{
    int force = 0, c;
    while ((c = getopt_long(argc, argv, "fh", s_longopts, NULL)) != -1) {
        if (c == 'f')
            force = 1;
        else if (c == 'h') {
            fputs(s_usage, stdout);
            return 0;
        } else {
            fputs(s_usage, stderr);
            return 64;
        }
    }
    if (argc - optind != 2) {
        fputs(s_usage, stderr);
        return 64;
    }
    const char *what = argv[optind], *path = argv[optind + 1];
    umask(077);
    if (strcmp(what, "curve") == 0)
        return s_curve(path, force);
    if (strcmp(what, "pseudonym") == 0)
        return keys_write_pseudo(path, force) == 0 ? 0 : 73;
    fprintf(stderr,
            "regie-keygen: unknown key kind '%s' "
            "(use curve or pseudonym)\n",
            what);
    return 64;
}
