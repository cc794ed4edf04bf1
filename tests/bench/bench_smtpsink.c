/*
 * bench_smtpsink — a mail server for the mail section of `make bench`
 * (scripts/bench explains the whole measurement) that costs little, so
 * that the figure is the sender's and not the server's: Python's
 * aiosmtpd (tests/bench/bench_smtpd.py) uses about 700 µs of CPU per
 * mail on its own, more than regied's sender.
 *
 *   bench_smtpsink CERT KEY LOG
 *       listens on 127.0.0.1, a free port, and prints "PORT N" once it
 *       does. Speaks ESMTP (RFC 5321) as far as a sender needs: EHLO or
 *       HELO, STARTTLS (RFC 3207; required before MAIL, "530" without
 *       it), MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT; offers
 *       PIPELINING (RFC 2920: replies are sent once no command is left
 *       to read), 8BITMIME and SIZE. Every message is accepted and not
 *       kept; each accepted message adds one line to LOG, its arrival
 *       time (seconds since the epoch, as `date +%s.%N`), written at
 *       once. One thread per connection. Runs until killed.
 *
 * Exit 1 when it cannot start (bad arguments, certificate or port).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define S_IN_MAX 65536
#define S_OUT_MAX 4096
#define S_LINE_MAX 1000 /* RFC 5321 4.5.3.1.6, with CRLF */

static SSL_CTX *s_ctx;
static int s_log = -1;

typedef struct {
    int fd;
    SSL *ssl; /* after STARTTLS */
    char in[S_IN_MAX];
    size_t inlen;
    char out[S_OUT_MAX];
    size_t outlen;
} s_conn_t;

static bool s_flush(s_conn_t *c)
{
    size_t off = 0;
    while (off < c->outlen) {
        ssize_t n = c->ssl ? SSL_write(c->ssl, c->out + off,
                                       (int)(c->outlen - off))
                           : send(c->fd, c->out + off, c->outlen - off,
                                  MSG_NOSIGNAL);
        if (n <= 0) {
            if (!c->ssl && n < 0 && errno == EINTR)
                continue;
            return false;
        }
        off += (size_t)n;
    }
    c->outlen = 0;
    return true;
}

static bool s_reply(s_conn_t *c, const char *text)
{
    size_t n = strlen(text);
    if (c->outlen + n + 2 > sizeof c->out && !s_flush(c))
        return false;
    memcpy(c->out + c->outlen, text, n);
    memcpy(c->out + c->outlen + n, "\r\n", 2);
    c->outlen += n + 2;
    return true;
}

/* Whether a whole line is already read (so a reply may wait). */
static bool s_line_waiting(const s_conn_t *c)
{
    return memchr(c->in, '\n', c->inlen) != NULL ||
           (c->ssl && SSL_pending(c->ssl) > 0);
}

/* Reads the next line into line (CRLF or LF cut off); flushes the
 * replies first when no further command is waiting (PIPELINING). Returns
 * its length, or -1 when the peer is gone or the line is too long. */
static int s_read_line(s_conn_t *c, char *line, size_t cap)
{
    for (;;) {
        char *nl = memchr(c->in, '\n', c->inlen);
        if (nl) {
            size_t len = (size_t)(nl - c->in);
            size_t keep = len;
            if (keep > 0 && c->in[keep - 1] == '\r')
                keep--;
            if (keep >= cap)
                return -1;
            memcpy(line, c->in, keep);
            line[keep] = '\0';
            memmove(c->in, nl + 1, c->inlen - len - 1);
            c->inlen -= len + 1;
            return (int)keep;
        }
        if (c->inlen == sizeof c->in)
            return -1;
        if (!s_line_waiting(c) && c->outlen && !s_flush(c))
            return -1;
        ssize_t n = c->ssl ? SSL_read(c->ssl, c->in + c->inlen,
                                      (int)(sizeof c->in - c->inlen))
                           : recv(c->fd, c->in + c->inlen,
                                  sizeof c->in - c->inlen, 0);
        if (n <= 0) {
            if (!c->ssl && n < 0 && errno == EINTR)
                continue;
            return -1;
        }
        c->inlen += (size_t)n;
    }
}

static void s_logged(void)
{
    struct timespec t;
    char buf[64];
    clock_gettime(CLOCK_REALTIME, &t);
    int n = snprintf(buf, sizeof buf, "%lld.%06ld\n", (long long)t.tv_sec,
                     t.tv_nsec / 1000);
    if (write(s_log, buf, (size_t)n) != n)
        fprintf(stderr, "bench_smtpsink: log: %s\n", strerror(errno));
}

static bool s_is(const char *line, const char *verb)
{
    size_t n = strlen(verb);
    return strncasecmp(line, verb, n) == 0 &&
           (line[n] == '\0' || line[n] == ' ' || line[n] == ':');
}

/* Reads a message up to its lone dot. Returns false when the peer is
 * gone. */
static bool s_data(s_conn_t *c)
{
    char line[S_IN_MAX];
    for (;;) {
        int n = s_read_line(c, line, sizeof line);
        if (n < 0)
            return false;
        if (n == 1 && line[0] == '.')
            return true;
    }
}

static void s_session(s_conn_t *c)
{
    char line[S_LINE_MAX + 1];
    bool tls = false, helo = false, mail = false, rcpt = false;
    if (!s_reply(c, "220 localhost ESMTP bench_smtpsink") || !s_flush(c))
        return;
    for (;;) {
        if (s_read_line(c, line, sizeof line) < 0)
            return;
        bool ok;
        if (s_is(line, "EHLO")) {
            helo = true;
            mail = rcpt = false;
            ok = s_reply(c, "250-localhost") &&
                 s_reply(c, "250-PIPELINING") &&
                 s_reply(c, "250-8BITMIME") &&
                 s_reply(c, "250-SIZE 10485760") &&
                 s_reply(c, tls ? "250 HELP" : "250 STARTTLS");
        } else if (s_is(line, "HELO")) {
            helo = true;
            mail = rcpt = false;
            ok = s_reply(c, "250 localhost");
        } else if (s_is(line, "STARTTLS")) {
            if (tls) {
                ok = s_reply(c, "503 5.5.1 TLS already active");
                continue;
            }
            if (!s_reply(c, "220 2.0.0 Ready to start TLS") || !s_flush(c))
                return;
            c->inlen = 0; /* nothing may be pipelined past STARTTLS */
            c->ssl = SSL_new(s_ctx);
            if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 ||
                SSL_accept(c->ssl) != 1)
                return;
            tls = true;
            helo = mail = rcpt = false;
            ok = true;
        } else if (s_is(line, "MAIL")) {
            ok = s_reply(c, !tls    ? "530 5.7.0 Must issue a STARTTLS first"
                            : !helo ? "503 5.5.1 EHLO first"
                            : mail  ? "503 5.5.1 Nested MAIL"
                                    : "250 2.1.0 OK");
            mail = mail || (tls && helo);
        } else if (s_is(line, "RCPT")) {
            ok = s_reply(c, mail ? "250 2.1.5 OK" : "503 5.5.1 MAIL first");
            rcpt = rcpt || mail;
        } else if (s_is(line, "DATA")) {
            if (!rcpt) {
                ok = s_reply(c, "503 5.5.1 RCPT first");
                continue;
            }
            if (!s_reply(c, "354 End data with <CR><LF>.<CR><LF>") ||
                !s_flush(c) || !s_data(c))
                return;
            s_logged();
            mail = rcpt = false;
            ok = s_reply(c, "250 2.0.0 Message accepted");
        } else if (s_is(line, "RSET")) {
            mail = rcpt = false;
            ok = s_reply(c, "250 2.0.0 OK");
        } else if (s_is(line, "NOOP")) {
            ok = s_reply(c, "250 2.0.0 OK");
        } else if (s_is(line, "QUIT")) {
            s_reply(c, "221 2.0.0 Bye");
            s_flush(c);
            return;
        } else {
            ok = s_reply(c, "500 5.5.2 Command not recognized");
        }
        if (!ok)
            return;
    }
}

static void *s_thread(void *arg)
{
    s_conn_t *c = arg;
    s_session(c);
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(c->fd);
    free(c);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "Usage: bench_smtpsink CERT KEY LOG\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    s_ctx = SSL_CTX_new(TLS_server_method());
    if (!s_ctx ||
        SSL_CTX_use_certificate_chain_file(s_ctx, argv[1]) != 1 ||
        SSL_CTX_use_PrivateKey_file(s_ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "bench_smtpsink: certificate %s, key %s: ", argv[1],
                argv[2]);
        ERR_print_errors_fp(stderr);
        return 1;
    }
    s_log = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (s_log < 0 || lfd < 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(lfd, 64) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
        fprintf(stderr, "bench_smtpsink: %s\n", strerror(errno));
        return 1;
    }
    printf("PORT %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "bench_smtpsink: accept: %s\n", strerror(errno));
            return 1;
        }
        s_conn_t *c = calloc(1, sizeof *c);
        pthread_t t;
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        if (pthread_create(&t, NULL, s_thread, c) != 0) {
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(t);
    }
}
