/*
 * keys — reading and writing the key files of regie. Stateless.
 */
#include "keys.h"

#include "rfile.h"

#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

/* Reads at most cap-1 bytes of a small file, strips trailing space. */
static int s_read_small(const char *path, char *buf, size_t cap, char *err,
                        size_t errlen)
{
    FILE *f = rfile_fopen(path, err, errlen);
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
                     buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    return 0;
}

int keys_z85_valid(const char *text)
{
    uint8_t raw[32];
    if (!text || strlen(text) != KEYS_Z85_LEN)
        return 0;
    return zmq_z85_decode(raw, text) != NULL;
}

int keys_read_z85(const char *path, char out[KEYS_Z85_LEN + 1], char *err,
                  size_t errlen)
{
    char buf[256];
    if (s_read_small(path, buf, sizeof buf, err, errlen) < 0)
        return -1;
    if (!keys_z85_valid(buf)) {
        snprintf(err, errlen, "%s does not hold a Z85 CURVE key "
                 "(40 characters)", path);
        return -1;
    }
    memcpy(out, buf, KEYS_Z85_LEN + 1);
    return 0;
}

int keys_read_secret(const char *path, char pub[KEYS_Z85_LEN + 1],
                     char sec[KEYS_Z85_LEN + 1], char *err, size_t errlen)
{
    if (keys_read_z85(path, sec, err, errlen) < 0)
        return -1;
    if (zmq_curve_public(pub, sec) != 0) {
        snprintf(err, errlen, "%s: cannot derive the public key: %s", path,
                 zmq_strerror(errno));
        return -1;
    }
    return 0;
}

int keys_read_pseudo(const char *path, unsigned char key[KEYS_PSEUDO_LEN],
                     char *err, size_t errlen)
{
    struct stat st;
    if (rfile_check(path, err, errlen) < 0)
        return -1;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_mode & 0077) {
        snprintf(err, errlen, "%s may be read by others (mode %04o); "
                 "make it 0600", path, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    char buf[256];
    if (s_read_small(path, buf, sizeof buf, err, errlen) < 0)
        return -1;
    size_t bin_len = 0;
    if (strlen(buf) != 2 * KEYS_PSEUDO_LEN ||
        sodium_hex2bin(key, KEYS_PSEUDO_LEN, buf, strlen(buf), NULL,
                       &bin_len, NULL) != 0 ||
        bin_len != KEYS_PSEUDO_LEN) {
        snprintf(err, errlen, "%s does not hold a pseudonym key "
                 "(64 hex digits)", path);
        sodium_memzero(buf, sizeof buf);
        return -1;
    }
    sodium_memzero(buf, sizeof buf);
    return 0;
}

/* Creates path with the given mode and writes text; O_EXCL unless force. */
static int s_write_file(const char *path, const char *text, mode_t mode,
                        int force)
{
    int flags = O_WRONLY | O_CREAT | O_TRUNC | (force ? 0 : O_EXCL);
    int fd = open(path, flags, mode);
    if (fd < 0) {
        log_err("keys: cannot create file=%s error=\"%s\"%s", path,
                strerror(errno),
                errno == EEXIST ? " (use --force to overwrite)" : "");
        return -1;
    }
    size_t len = strlen(text);
    int rc = 0;
    if (fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len ||
        fsync(fd) != 0) {
        log_err("keys: cannot write file=%s error=\"%s\"", path,
                strerror(errno));
        rc = -1;
    }
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

int keys_write_curve(const char *base, int force)
{
    char pub[KEYS_Z85_LEN + 1], sec[KEYS_Z85_LEN + 1];
    if (zmq_curve_keypair(pub, sec) != 0) {
        log_err("keys: cannot make a CURVE keypair: %s", zmq_strerror(errno));
        return -1;
    }
    char *pub_path = xasprintf("%s.pub", base);
    char *sec_path = xasprintf("%s.key", base);
    char line[KEYS_Z85_LEN + 2];
    snprintf(line, sizeof line, "%s\n", sec);
    int rc = s_write_file(sec_path, line, 0600, force);
    if (rc == 0) {
        snprintf(line, sizeof line, "%s\n", pub);
        rc = s_write_file(pub_path, line, 0644, force);
    }
    sodium_memzero(sec, sizeof sec);
    sodium_memzero(line, sizeof line);
    free(pub_path);
    free(sec_path);
    return rc;
}

int keys_write_pseudo(const char *path, int force)
{
    unsigned char key[KEYS_PSEUDO_LEN];
    char hex[2 * KEYS_PSEUDO_LEN + 2];
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    strcat(hex, "\n");
    int rc = s_write_file(path, hex, 0600, force);
    sodium_memzero(key, sizeof key);
    sodium_memzero(hex, sizeof hex);
    return rc;
}
