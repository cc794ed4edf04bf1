/*
 * smtpcut — ends an SMTP session from another thread, at once. libesmtp
 * 1.1 waits in poll() for up to a timeout per reply (30 s by default),
 * retries poll() after a signal, and gives neither a way to wake it nor
 * its socket. So, when libesmtp reports that it connected, the session's
 * thread finds the socket (the one TCP connection of this process to the
 * server's port) and keeps a duplicate of it; smtpcut_fire, from any
 * thread, shuts that socket down, and libesmtp's next read or poll ends
 * with the connection lost. The descriptor is the cut's own, so a
 * descriptor number that libesmtp closed and another part of the process
 * reused is never touched.
 *
 * Threads: the session's thread calls smtpcut_connected and
 * smtpcut_release; any thread calls smtpcut_fire and smtpcut_fired. A
 * mutex guards the state (the only thing they share).
 */
#ifndef REGIE_SMTPCUT_H
#define REGIE_SMTPCUT_H

#include <stdbool.h>

typedef struct smtpcut smtpcut_t;

/* A cut that has not fired, holding no connection. */
smtpcut_t *smtpcut_new(void);

/* Closes the duplicate held, if any, and frees; sets *p to NULL; accepts
 * NULL. No other thread may use it any more. */
void smtpcut_destroy(smtpcut_t **p);

/* Session thread, when libesmtp has connected to port: finds and keeps
 * the connection (none kept when it is not found or not alone: then the
 * cut cannot end this session early). Shuts it down at once when the
 * cut has fired. Returns true when a connection is kept. */
bool smtpcut_connected(smtpcut_t *c, int port);

/* Session thread, when the session is over: closes the duplicate. */
void smtpcut_release(smtpcut_t *c);

/* Any thread: shuts down the connection held, and every one kept from
 * now on. */
void smtpcut_fire(smtpcut_t *c);

/* Whether the cut has fired. */
bool smtpcut_fired(smtpcut_t *c);

#endif
