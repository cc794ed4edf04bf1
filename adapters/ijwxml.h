/*
 * ijwxml — libxml2 for iStandaarden messages (iJw, iWmo): reads a message
 * from memory without network, DTD or entity expansion, validates it
 * against an XSD, finds elements by local name and hands out their text.
 * Every problem goes to a callback as (line, text), never to stderr.
 *
 * Used by the ijw module; no state between calls.
 */
#ifndef REGIE_IJWXML_H
#define REGIE_IJWXML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/* Receives one problem: its line (0 when it has none) and its text. */
typedef void ijwxml_problem_fn(void *data, long line, const char *text);

/* Parses len bytes at buf. Returns the document (the caller frees it with
 * xmlFreeDoc), or NULL after reporting every problem to fn: empty input,
 * not well-formed or not namespace-well-formed XML ("not well-formed XML:
 * <libxml2's message>"), or a DOCTYPE (refused: no entity tricks). */
xmlDocPtr ijwxml_read(const char *buf, size_t len, ijwxml_problem_fn *fn,
                      void *data);

/* Validates doc against the XSD file at path (its imports resolved next to
 * it), reporting each error to fn as "schema: <message>", with iStandaarden
 * namespaces written as prefixes ("jw315:Client"). Returns 0 when valid, 1
 * when not, -1 when the XSD cannot be loaded (logged once). */
int ijwxml_validate(xmlDocPtr doc, const char *path, ijwxml_problem_fn *fn,
                    void *data);

/* Returns the first child element of parent (may be NULL) with local name
 * name, or NULL. */
xmlNodePtr ijwxml_child(xmlNodePtr parent, const char *name);

/* Returns n or the first element after it with local name name, or NULL. */
xmlNodePtr ijwxml_next(xmlNodePtr n, const char *name);

/* Returns the text of parent's child element name without leading and
 * trailing blanks (owned by the caller), or NULL when there is no such
 * child or its text is empty. *at, if given, gets the child or NULL. */
char *ijwxml_value(xmlNodePtr parent, const char *name, xmlNodePtr *at);

/* Returns the line of n in the message, 0 for NULL. */
long ijwxml_line(xmlNodePtr n);

/* Returns a copy of s (owned by the caller) fit to quote in a problem:
 * control characters become spaces; past 64 characters it is cut and
 * ends in "...". */
char *ijwxml_quote(const char *s);

/* Returns whether s holds no control character (C0, DEL or C1). */
bool ijwxml_printable(const char *s);

/* Returns the number of characters (code points) of UTF-8 text s. */
size_t ijwxml_utf8_len(const char *s);

/* Returns how many bytes of UTF-8 text s hold its first max characters. */
size_t ijwxml_utf8_prefix(const char *s, size_t max);

#endif
