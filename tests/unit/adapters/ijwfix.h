/*
 * ijwfix — what the unit tests of the ijw modules share: reading a
 * fixture of tests/data/ijw (the tests run from the repository root, as
 * `make test` does), changing it by one substitution, and parsing it with
 * ijwxml to reach its Client and AangevraagdProduct elements. Include it
 * after <cmocka.h>.
 */
#ifndef REGIE_TESTS_IJWFIX_H
#define REGIE_TESTS_IJWFIX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ijwxml.h"
#include "xmem.h"

#define IJWFIX_DATA "tests/data/ijw/"

/* Reads fixture name into a NUL-terminated buffer the caller frees. */
static inline char *ijwfix_load(const char *name)
{
    char *path = xasprintf(IJWFIX_DATA "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    free(path);
    return buf;
}

/* Returns text with its one occurrence of from replaced by to; frees
 * text. */
static inline char *ijwfix_subst(char *text, const char *from, const char *to)
{
    char *at = strstr(text, from);
    assert_non_null(at);
    assert_null(strstr(at + 1, from));
    char *out =
        xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    free(text);
    return out;
}

/* Fails the test with the problem ijwxml found. */
static inline void ijwfix_no_problem(void *data, long line, const char *text)
{
    fail_msg("line %ld: %s", line, text);
}

/* Parses jw315-one.xml changed by one substitution (none when from is
 * NULL); the caller frees the document with xmlFreeDoc. */
static inline xmlDocPtr ijwfix_one_with(const char *from, const char *to)
{
    char *text = ijwfix_load("jw315-one.xml");
    if (from)
        text = ijwfix_subst(text, from, to);
    xmlDocPtr doc = ijwxml_read(text, strlen(text), ijwfix_no_problem, NULL);
    assert_non_null(doc);
    free(text);
    return doc;
}

/* The first Client of doc. */
static inline xmlNodePtr ijwfix_client(xmlDocPtr doc)
{
    xmlNodePtr c = ijwxml_child(xmlDocGetRootElement(doc), "Client");
    assert_non_null(c);
    return c;
}

/* The first AangevraagdProduct of the first Client of doc. */
static inline xmlNodePtr ijwfix_product(xmlDocPtr doc)
{
    xmlNodePtr p =
        ijwxml_child(ijwxml_child(ijwfix_client(doc), "AangevraagdeProducten"),
                     "AangevraagdProduct");
    assert_non_null(p);
    return p;
}

#endif
