/*
 * prompt — secret input without echo.
 */
#include "prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

static struct termios s_tty;                /* the terminal as it was */
static volatile sig_atomic_t s_tty_changed; /* echo is off now */

/* Gives the terminal its echo back when a signal ends the process while
 * it reads. */
static void s_restore(int sig)
{
    if (s_tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &s_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads one line from fd byte by byte, leaving out spaces and CR.
 * Returns its length, or -1 on end of input before anything came. */
static int s_read_line(int fd, char *buf, size_t len)
{
    size_t n = 0;
    char ch;
    ssize_t r;
    bool any = false;
    while ((r = read(fd, &ch, 1)) == 1 || (r < 0 && errno == EINTR)) {
        if (r < 0)
            continue;
        any = true;
        if (ch == '\n')
            break;
        if (n + 1 < len && ch != '\r' && ch != ' ')
            buf[n++] = ch;
    }
    buf[n] = '\0';
    return any ? (int)n : -1;
}

static void s_signals(void (*handler)(int))
{
    signal(SIGINT, handler);
    signal(SIGTERM, handler);
    signal(SIGHUP, handler);
    signal(SIGQUIT, handler);
}

int prompt_secret(const char *question, char *buf, size_t len)
{
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s_tty) == 0;
    if (tty) {
        struct termios quiet = s_tty;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        s_signals(s_restore);
        s_tty_changed = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        fputs(question, stderr); /* after the echo is off */
        fflush(stderr);
    }
    int n = s_read_line(STDIN_FILENO, buf, len);
    if (s_tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &s_tty);
    s_tty_changed = 0;
    if (tty)
        s_signals(SIG_DFL);
    return n > 0 ? 0 : -1;
}
