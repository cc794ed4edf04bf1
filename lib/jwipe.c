/*
 * jwipe — see jwipe.h.
 */
#include "jwipe.h"

#include <sodium.h>

void jwipe(json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    if (json_is_string(v)) {
        sodium_memzero((char *)json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, key, x)
        {
            jwipe(x);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            jwipe(x);
        }
    }
}
