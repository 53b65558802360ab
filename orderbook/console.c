#include "console.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int tty_;
static int quiet_;
static size_t width_;    /* columns of the terminal, 0 when unknown */
static char shown[4096]; /* the status line on screen ("" when none) */

void con_init(int tty, int quiet)
{
    tty_ = tty;
    quiet_ = quiet;
    con_width_changed();
}

void con_width_changed(void)
{
    struct winsize ws;
    size_t w = 0;
    if (tty_ && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        w = ws.ws_col;
    pthread_mutex_lock(&lock);
    /* One column short: writing the last column leaves some terminals waiting to wrap. */
    width_ = w > 1 ? w - 1 : (tty_ ? 79 : 0);
    pthread_mutex_unlock(&lock);
}

size_t con_width(void)
{
    pthread_mutex_lock(&lock);
    size_t w = width_;
    pthread_mutex_unlock(&lock);
    return w;
}

void con_status(const char *line)
{
    if (quiet_)
        return;
    pthread_mutex_lock(&lock);
    if (tty_) {
        fprintf(stderr, "\r\033[K%s", line);
        snprintf(shown, sizeof shown, "%s", line);
    } else {
        fprintf(stderr, "orderbook: %s\n", line);
    }
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}

void con_say(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    if (shown[0] != '\0')
        fputs("\r\033[K", stderr);
    fprintf(stderr, "orderbook: %s\n", msg);
    if (shown[0] != '\0')
        fputs(shown, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}

void con_status_end(void)
{
    pthread_mutex_lock(&lock);
    if (shown[0] != '\0')
        fputc('\n', stderr); /* the last status line stays on screen */
    shown[0] = '\0';
    fflush(stderr);
    pthread_mutex_unlock(&lock);
}
