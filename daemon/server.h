/*
 * server — regied's sockets and event loop (see server.c). Main thread.
 */
#ifndef REGIE_SERVER_H
#define REGIE_SERVER_H

#include "config/cfg.h"

typedef struct server server_t;

/* Takes the configuration (sets *cfg to NULL), binds the ZAP handler,
 * opens the database, binds the intake. Returns a server or NULL after
 * logging why. */
server_t *server_new(cfg_t **cfg);

/* Serves until SIGTERM or SIGINT; SIGHUP reloads. Returns the exit
 * status: 0 after a clean stop. */
int server_run(server_t *s);

/* Closes everything; sets *p to NULL; accepts NULL. */
void server_destroy(server_t **p);

#endif
