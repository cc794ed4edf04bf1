/*
 * smtpcut — the SMTP connection of a session, to shut it down from
 * another thread (see smtpcut.h).
 */
#include "smtpcut.h"

#include "log.h"
#include "xmem.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct smtpcut {
    pthread_mutex_t lock; /* guards the two fields below */
    int fd;               /* our duplicate of the connection, or -1 */
    bool fired;           /* smtpcut_fire was called */
};

smtpcut_t *smtpcut_new(void)
{
    smtpcut_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->fd = -1;
    return c;
}

void smtpcut_destroy(smtpcut_t **p)
{
    if (!p || !*p)
        return;
    smtpcut_release(*p);
    pthread_mutex_destroy(&(*p)->lock);
    free(*p);
    *p = NULL;
}

/* The TCP port of the peer of socket fd, when fd is a connected stream
 * socket over IPv4 or IPv6 (not a listener); else -1. */
static int s_peer_port(int fd)
{
    struct stat st;
    int type = 0, listening = 1;
    socklen_t n = sizeof type;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) != 0 ||
        type != SOCK_STREAM)
        return -1;
    n = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &n) != 0 ||
        listening)
        return -1;
    struct sockaddr_storage a;
    n = sizeof a;
    if (getpeername(fd, (struct sockaddr *)&a, &n) != 0)
        return -1;
    if (a.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&a)->sin_port);
    if (a.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&a)->sin6_port);
    return -1;
}

/* The one descriptor of this process connected to port, or -1 when
 * there is none or more than one. */
static int s_find(int port)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int found = -1, count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd == dirfd(d))
            continue;
        if (s_peer_port((int)fd) == port) {
            found = (int)fd;
            count++;
        }
    }
    closedir(d);
    return count == 1 ? found : -1;
}

bool smtpcut_connected(smtpcut_t *c, int port)
{
    int fd = s_find(port);
    int dup = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (dup < 0)
        log_debug("smtp: connection not found port=%d: a stop waits for "
                  "its timeouts",
                  port);
    pthread_mutex_lock(&c->lock);
    if (c->fd >= 0) /* an earlier address of the same session */
        close(c->fd);
    c->fd = dup;
    if (c->fired && dup >= 0)
        shutdown(dup, SHUT_RDWR);
    pthread_mutex_unlock(&c->lock);
    return dup >= 0;
}

void smtpcut_release(smtpcut_t *c)
{
    pthread_mutex_lock(&c->lock);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    pthread_mutex_unlock(&c->lock);
}

void smtpcut_fire(smtpcut_t *c)
{
    pthread_mutex_lock(&c->lock);
    c->fired = true;
    if (c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_unlock(&c->lock);
}

bool smtpcut_fired(smtpcut_t *c)
{
    pthread_mutex_lock(&c->lock);
    bool fired = c->fired;
    pthread_mutex_unlock(&c->lock);
    return fired;
}
