/*
 * jwipe — zeroes every string of a JSON value in place (objects and
 * arrays walked), before it is freed: a request or an import line may
 * hold a BSN, which must not stay in freed memory. Its keys are left.
 */
#ifndef REGIE_JWIPE_H
#define REGIE_JWIPE_H

#include <jansson.h>

/* Zeroes the bytes of every string value in v; accepts NULL. */
void jwipe(json_t *v);

#endif
