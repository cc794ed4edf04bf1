/*
 * parse — numbers and owners from text (see parse.h).
 */
#include "parse.h"

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole decimal number in [min, max] into *n; false if text is
 * anything else. */
bool parse_number(const char *text, long long min, long long max, long long *n)
{
    char *end;
    if (!text || !isdigit((unsigned char)*text))
        return false;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *n = v;
    return true;
}

/* Splits an owner "regisseur:RG-000003", "partner:vt", "kernteam" or
 * "department:inkomen" into args (owner_type and owner). Returns false,
 * leaving args alone, when text is none of these. */
bool parse_owner(const char *text, json_t *args)
{
    static const char *const types[] = {"regisseur", "partner", "department"};
    if (strcmp(text, "kernteam") == 0) {
        cli_put(args, "owner_type", "kernteam");
        cli_put(args, "owner", "kernteam");
        return true;
    }
    const char *colon = strchr(text, ':');
    if (!colon || !colon[1])
        return false;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if ((size_t)(colon - text) == strlen(types[i]) &&
            strncmp(text, types[i], strlen(types[i])) == 0) {
            cli_put(args, "owner_type", types[i]);
            cli_put(args, "owner", colon + 1);
            return true;
        }
    return false;
}
