/*
 * field — JSON members and details lines for regiectl's views.
 * Stateless.
 */
#include "field.h"

#include "table.h"

#include <stdlib.h>

const char *field_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

const char *field_num(const json_t *o, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return NULL;
    snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    return buf;
}

void field_print(FILE *out, const char *label, const char *value)
{
    char *v = table_clean(value, true, 0);
    fprintf(out, "%-*s", FIELD_LABEL_WIDTH, label);
    for (char *p = v; *p; p++) {
        fputc(*p, out);
        if (*p == '\n')
            fprintf(out, "%*s", FIELD_LABEL_WIDTH, "");
    }
    fputc('\n', out);
    free(v);
}

void field_print_time(FILE *out, const char *label, const char *t)
{
    char buf[TABLE_TIME_MAX];
    field_print(out, label, table_time(t, buf, sizeof buf));
}
