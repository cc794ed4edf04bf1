/*
 * rcimport — regiectl import: reads an import file (impfile), puts its
 * lines in batches (impbatch), has regied check every batch
 * (import.check) unless there is only one, then writes them
 * (import.run), one request each, and shows what was done, or every
 * wrong line as FILE:LINE: MESSAGE. The BSNs of the file go to regied
 * only in those requests over the control socket, as regiectl lookup
 * sends one; regiectl hashes nothing, never shows one, and wipes every
 * copy it made (the file's text, the rows, the lines, the requests).
 */
#include "rcimport.h"

#include "impbatch.h"
#include "impfile.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define S_FILE_MAX (256L * 1024 * 1024) /* bytes of an import file */
#define S_TIMEOUT_MS 120000 /* at least, for one batch (a write) */

/* What the batches did, added up. */
typedef struct {
    json_t *errors; /* the refused lines, [{line, message}] */
    json_t *done;   /* what each line did (import.run) */
    long long cases[5], agreements[2];
    size_t batches_done; /* batches regied answered */
    size_t lines_done;   /* their lines */
} s_sum_t;

static const char *const s_case_counts[5] = {"opened", "referenced", "joined",
                                             "typed", "assigned"};
static const char *const s_agree_counts[2] = {"made", "present"};

/* ------------------------------------------------------------ input */

/* Reads fd to its end into a new buffer (*len bytes, NUL after them);
 * NULL with errno set on an error or past S_FILE_MAX. */
static char *s_slurp_fd(int fd, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            char *bigger = xmalloc(2 * cap + 1);
            memcpy(bigger, buf, n);
            sodium_memzero(buf, cap);
            free(buf);
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || n + (size_t)r > (size_t)S_FILE_MAX) {
            if (r > 0)
                errno = EFBIG;
            if (r == 0)
                break;
            sodium_memzero(buf, cap);
            free(buf);
            return NULL;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The text of path ("-": standard input), or NULL after a message. */
static char *s_slurp(const char *path, size_t *len)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO
                                    : open(path, O_RDONLY | O_CLOEXEC);
    char *text = fd >= 0 ? s_slurp_fd(fd, len) : NULL;
    if (!text)
        fprintf(stderr, "regiectl: cannot read %s: %s\n", path,
                errno == EFBIG ? "larger than 256 MiB" : strerror(errno));
    if (fd > STDIN_FILENO)
        close(fd);
    return text;
}

/* ------------------------------------------------------------ output */

/* Orders errors by line (the order they came in within a line). */
static int s_by_line(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    json_int_t la = json_integer_value(json_object_get(a, "line"));
    json_int_t lb = json_integer_value(json_object_get(b, "line"));
    if (la != lb)
        return la < lb ? -1 : 1;
    return (int)(json_integer_value(json_object_get(a, "n")) -
                 json_integer_value(json_object_get(b, "n")));
}

/* Prints every error as FILE:LINE: MESSAGE, by line, on stderr. */
static void s_print_errors(const char *name, json_t *errors)
{
    size_t n = json_array_size(errors), i;
    json_t **e = xcalloc(n ? n : 1, sizeof *e), *x;
    json_array_foreach(errors, i, x)
    {
        json_object_set_new(x, "n", json_integer((json_int_t)i));
        e[i] = x;
    }
    qsort(e, n, sizeof *e, s_by_line);
    for (i = 0; i < n; i++) {
        char *msg =
            xstrdup(json_string_value(json_object_get(e[i], "message")));
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        json_int_t line = json_integer_value(json_object_get(e[i], "line"));
        if (line > 0)
            fprintf(stderr, "%s:%lld: %s\n", name, (long long)line, msg);
        else
            fprintf(stderr, "%s: %s\n", name, msg);
        free(msg);
    }
    free(e);
}

static void s_print_counts(const s_sum_t *sum, const char *verb)
{
    printf("  cases:      %lld opened, %lld given their case number, %lld "
           "persons joined,\n              %lld typed, %lld assigned%s\n",
           sum->cases[0], sum->cases[1], sum->cases[2], sum->cases[3],
           sum->cases[4], verb);
    printf("  agreements: %lld made, %lld there already%s\n",
           sum->agreements[0], sum->agreements[1], verb);
}

/* The result of the whole import, for --json. */
static json_t *s_json(const s_sum_t *sum, size_t lines, size_t batches,
                      bool check)
{
    json_t *r =
        json_pack("{s:b, s:b, s:I, s:I, s:{}, s:{}}", "check", check, "written",
                  !check, "lines", (json_int_t)lines, "batches",
                  (json_int_t)batches, "cases", "agreements");
    for (int i = 0; i < 5; i++)
        json_object_set_new(json_object_get(r, "cases"), s_case_counts[i],
                            json_integer(sum->cases[i]));
    for (int i = 0; i < 2; i++)
        json_object_set_new(json_object_get(r, "agreements"), s_agree_counts[i],
                            json_integer(sum->agreements[i]));
    if (!check)
        json_object_set(r, "done", sum->done);
    return r;
}

/* ------------------------------------------------------------ requests */

/* A request's text being written: grown by hand, so that no copy of it
 * (it holds BSNs) is left unwiped. */
typedef struct {
    char *buf;
    size_t len, cap;
} s_text_t;

static int s_text_put(const char *p, size_t n, void *data)
{
    s_text_t *t = data;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 65536;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *bigger = xmalloc(cap);
        if (t->buf) {
            memcpy(bigger, t->buf, t->len);
            sodium_memzero(t->buf, t->cap);
            free(t->buf);
        }
        t->buf = bigger;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, p, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return 0;
}

/* Sends command for batch (borrowed); as cli_send. */
static int s_send(cli_opts_t *o, const char *command, json_t *batch,
                  bool notify, json_t **result)
{
    json_t *req =
        json_pack("{s:s, s:{s:O, s:b}, s:s}", "command", command, "args",
                  "lines", batch, "notify", notify, "user", cli_user());
    s_text_t t = {0};
    json_dump_callback(req, s_text_put, &t, JSON_COMPACT);
    json_decref(req); /* the lines are the file's: wiped with them */
    cli_opts_t slow = *o;
    if (slow.timeout_ms < S_TIMEOUT_MS)
        slow.timeout_ms = S_TIMEOUT_MS;
    int rc = cli_send(&slow, t.buf, result);
    sodium_memzero(t.buf, t.cap);
    free(t.buf);
    return rc;
}

/* Adds what one batch's result r says to sum. */
static void s_add(s_sum_t *sum, json_t *r, size_t lines)
{
    for (int i = 0; i < 5; i++)
        sum->cases[i] += json_integer_value(
            json_object_get(json_object_get(r, "cases"), s_case_counts[i]));
    for (int i = 0; i < 2; i++)
        sum->agreements[i] += json_integer_value(json_object_get(
            json_object_get(r, "agreements"), s_agree_counts[i]));
    json_array_extend(sum->errors, json_object_get(r, "errors"));
    if (json_object_get(r, "done"))
        json_array_extend(sum->done, json_object_get(r, "done"));
    sum->batches_done++;
    sum->lines_done += lines;
}

/* Sends command for every batch, adding up in sum; a run stops at the
 * first batch refused. Returns 0, or the exit status of a failed
 * request (after its message). */
static int s_batches(cli_opts_t *o, const char *command, json_t *batches,
                     bool notify, s_sum_t *sum)
{
    size_t i;
    json_t *batch;
    bool run = strcmp(command, "import.run") == 0;
    json_array_foreach(batches, i, batch)
    {
        json_t *r;
        int rc = s_send(o, command, batch, notify, &r);
        if (rc)
            return rc;
        bool refused = json_array_size(json_object_get(r, "errors")) > 0;
        if (!refused || !run)
            s_add(sum, r, json_array_size(batch));
        else
            json_array_extend(sum->errors, json_object_get(r, "errors"));
        json_decref(r);
        if (refused && run)
            break;
    }
    return 0;
}

/* ------------------------------------------------------------ command */

/* Tells what was written of a run that stopped at a refused batch or a
 * failed request. */
static void s_partial(const s_sum_t *sum, size_t batches)
{
    if (sum->batches_done == 0)
        fprintf(stderr, "regiectl: nothing was imported\n");
    else
        fprintf(stderr,
                "regiectl: %zu of %zu batches (%zu lines) were imported, "
                "the rest not. Import the same file again when it is put "
                "right: what was imported is not imported twice.\n",
                sum->batches_done, batches, sum->lines_done);
}

/* Shows the outcome of a good import (or check). */
static int s_show(cli_opts_t *o, const char *name, const s_sum_t *sum,
                  size_t lines, size_t batches, bool check, bool notify)
{
    if (o->json)
        return cli_print(o, s_json(sum, lines, batches, check), NULL);
    if (check) {
        printf("%s: %zu line%s good (checked in %zu batch%s; nothing "
               "was written). Imported, they would make:\n",
               name, lines, lines == 1 ? " is" : "s are", batches,
               batches == 1 ? "" : "es");
        s_print_counts(sum, "");
        return 0;
    }
    printf("%s: %zu line%s imported in %zu batch%s.\n", name, lines,
           lines == 1 ? "" : "s", batches, batches == 1 ? "" : "es");
    s_print_counts(sum, "");
    if (!notify)
        printf("No email was sent (--notify sends the emails of the same "
               "commands one by one).\n");
    return 0;
}

/* Checks (unless one batch, which a run checks itself) and runs. */
static int s_import_lines(cli_opts_t *o, const char *name, json_t *lines,
                          json_t *batches, bool check, bool notify)
{
    s_sum_t sum = {.errors = json_array(), .done = json_array()};
    size_t nb = json_array_size(batches);
    int rc = 0;
    bool ran = false;
    if (check || nb > 1)
        rc = s_batches(o, "import.check", batches, notify, &sum);
    bool bad = rc == 0 && json_array_size(sum.errors) > 0;
    if (rc == 0 && !bad && !check) {
        s_sum_t checked = sum;
        sum = (s_sum_t){.errors = checked.errors, .done = checked.done};
        rc = s_batches(o, "import.run", batches, notify, &sum);
        bad = rc == 0 && json_array_size(sum.errors) > 0;
        ran = true;
    }
    s_print_errors(name, sum.errors);
    if (ran && (rc || bad))
        s_partial(&sum, nb);
    else if (bad)
        fprintf(stderr, "regiectl: nothing was imported\n");
    if (rc == 0 && !bad)
        rc = s_show(o, name, &sum, json_array_size(lines), nb, check, notify);
    json_decref(sum.errors);
    json_decref(sum.done);
    return rc ? rc : bad ? EX_DATAERR : 0;
}

static int s_import(cli_opts_t *o, int argc, char **argv)
{
    const char *path, *format = NULL;
    bool check = false, notify = false;
    const cli_opt_t opts[] = {{"format", &format, NULL},
                              {"check", NULL, &check},
                              {"notify", NULL, &notify},
                              {NULL, NULL, NULL}};
    int rc = cli_args(o, argc, argv, opts, &path, 1);
    if (rc)
        return rc;
    impfile_format_t fmt;
    if (impfile_format(strcmp(path, "-") ? path : "", format, &fmt) < 0)
        return cli_usage_error("import: %s", format ? "--format must be csv "
                                                      "or jsonl"
                                                    : "give --format csv or "
                                                      "jsonl (the file's "
                                                      "name does not say)");
    size_t len;
    char *text = s_slurp(path, &len);
    if (!text)
        return EX_NOINPUT;
    impfile_t f;
    impfile_read(text, len, fmt, &f);
    sodium_memzero(text, len);
    free(text);
    json_t *batches = impbatch_make(f.lines, f.errors);
    const char *name = strcmp(path, "-") ? path : "(stdin)";
    if (json_array_size(f.errors) > 0) {
        s_print_errors(name, f.errors);
        fprintf(stderr, "regiectl: nothing was imported\n");
        rc = EX_DATAERR;
    } else if (json_array_size(f.lines) == 0) {
        fprintf(stderr, "regiectl: %s has no lines to import\n", name);
        rc = EX_DATAERR;
    } else {
        rc = s_import_lines(o, name, f.lines, batches, check, notify);
    }
    json_decref(batches);
    impfile_clear(&f);
    return rc;
}

static const cli_cmd_t s_cmds[] = {
    {"import", s_import, "[--format csv|jsonl] [--check] [--notify] FILE",
     "      Imports an existing caseload from FILE (-: standard input):\n"
     "      cases with their regisseur and type, and agreements. CSV with\n"
     "      a header row (delimiter , ; or tab), or JSON lines (one object\n"
     "      a line); the format by the name (.csv, .jsonl) or --format.\n"
     "      Columns, each optional (an empty cell: not given):\n"
     "        case_ref     the gemeente's own case number; a second\n"
     "                     import finds the same case by it\n"
     "        bsn          a person of the household: finds their open\n"
     "                     case, or joins or opens the case (regied\n"
     "                     hashes it; it is never shown or logged)\n"
     "        regisseur    RG-000003 or the email of an active regisseur,\n"
     "                     assigned as by case assign if the case has none\n"
     "        type         complex or intensive\n"
     "        kind         custom (default), request (default for a\n"
     "                     department), progress, assign or partner\n"
     "        owner        regisseur:REGISSEUR (or its email), partner:ID,\n"
     "                     kernteam or department:ID\n"
     "        description  what is agreed: one line, at most 300 bytes\n"
     "        due          \"2026-12-01 09:00\" (regied's zone) or RFC 3339\n"
     "        period_days  recurring every N days (1 to 3660)\n"
     "        policy       a policy of regie.conf\n"
     "      A line with an owner is an agreement about its case, made as\n"
     "      regiectl agree makes one. Every line is checked first, by\n"
     "      regiectl and by regied; if any is wrong, each wrong line is\n"
     "      shown as FILE:LINE: MESSAGE and nothing is imported. Then the\n"
     "      lines are written in batches of at most 250 (a case's lines\n"
     "      together), each in one transaction. The same file again adds\n"
     "      nothing: an agreement is known by its case, kind, owner and\n"
     "      description. --check: check only. --notify: send the emails\n"
     "      the same commands one by one send (\"U bent planregisseur\",\n"
     "      the owners' confirmations); by default none is sent.\n"},
};

const cli_table_t rcimport_table = {s_cmds, sizeof s_cmds / sizeof *s_cmds};
