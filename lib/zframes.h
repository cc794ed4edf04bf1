/*
 * zframes — one multipart ZeroMQ message received whole: the first
 * frames kept, the rest read and closed but counted, so a caller can
 * reject a message with too many frames without leaving any behind. Used
 * by the intake (decoder thread) and control sockets; no state.
 */
#ifndef REGIE_ZFRAMES_H
#define REGIE_ZFRAMES_H

#include <zmq.h>

/* Receives one message from sock, not waiting for its first frame (the
 * others come with it). Keeps its first max frames in frames[0..*n-1],
 * which the caller then owns (zframes_close), closes the others, and
 * sets *total to all frames received. Returns 1 when a message came
 * (possibly cut short by an error), 0 when none waits (*n and *total are
 * then 0). */
int zframes_recv(void *sock, zmq_msg_t *frames, int max, int *n, int *total);

/* Closes the n frames kept by zframes_recv; sets *n to 0. */
void zframes_close(zmq_msg_t *frames, int *n);

#endif
