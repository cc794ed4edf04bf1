/*
 * schema — the tables of regie's database and their versions (see
 * schema.c for what each version adds).
 */
#ifndef REGIE_SCHEMA_H
#define REGIE_SCHEMA_H

#include <sqlite3.h>

#define SCHEMA_VERSION 7

/* Brings the database db (named path in log lines) to SCHEMA_VERSION, one
 * version per transaction, logging each. A database of a newer version is
 * refused. Returns 0, or -1 after logging why. */
int schema_migrate(sqlite3 *db, const char *path);

#endif
