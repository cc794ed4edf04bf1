/*
 * prompt — reads a secret line (a BSN) for regiectl: from the terminal
 * without echo, or from standard input when that is not a terminal, never
 * through stdio's buffers, so the caller can wipe the only copy. No state
 * but the terminal's settings while it reads.
 */
#ifndef REGIE_PROMPT_H
#define REGIE_PROMPT_H

#include <stddef.h>

/* Shows question on stderr (terminal only), reads one line into buf (len
 * bytes with the NUL; a longer line is cut), without spaces and the line
 * end. The terminal's echo is off while it reads, and is given back when
 * a signal ends the process. Returns 0, or -1 when nothing was given (end
 * of input, an empty line). */
int prompt_secret(const char *question, char *buf, size_t len);

#endif
