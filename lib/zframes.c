/*
 * zframes — receiving a multipart message whole. Stateless.
 */
#include "zframes.h"

int zframes_recv(void *sock, zmq_msg_t *frames, int max, int *n, int *total)
{
    int more = 1;
    *n = *total = 0;
    while (more) {
        zmq_msg_t f;
        zmq_msg_init(&f);
        if (zmq_msg_recv(&f, sock, *total == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&f);
            return *total > 0;
        }
        more = zmq_msg_more(&f);
        if (*n < max)
            frames[(*n)++] = f;
        else
            zmq_msg_close(&f);
        (*total)++;
    }
    return 1;
}

void zframes_close(zmq_msg_t *frames, int *n)
{
    for (int i = 0; i < *n; i++)
        zmq_msg_close(&frames[i]);
    *n = 0;
}
