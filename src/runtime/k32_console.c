/* SPDX-License-Identifier: MIT */
/* k32_console.c - the console calls: a console is a terminal here.  GetConsoleMode and
 * SetConsoleMode accept a handle whose descriptor is a terminal (anything else is
 * ERROR_INVALID_HANDLE, as Windows answers for a file or a pipe); the input modes
 * ENABLE_LINE_INPUT, ENABLE_ECHO_INPUT and ENABLE_PROCESSED_INPUT are the terminal's ICANON, ECHO
 * and ISIG, the output modes are kept (a terminal always processes output and escape
 * sequences).  The code pages are UTF-8 (65001), the only one winvm converts with.
 *
 * The terminal's modes are the console's, shared with the other processes on it as Windows'
 * console mode is; the ones the process found are put back at its end (wv_console_restore),
 * as a terminal program leaves its terminal.  While input records are read (k32_coninput.c)
 * the terminal gives single keys without echo, and the mode the program set is kept here.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"
#include "runtime/con_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <termios.h>
#include <unistd.h>

#define WV_INPUT_MODES                                                                      \
    (ENABLE_PROCESSED_INPUT | ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_WINDOW_INPUT |  \
     ENABLE_MOUSE_INPUT | ENABLE_INSERT_MODE | ENABLE_QUICK_EDIT_MODE | ENABLE_EXTENDED_FLAGS | \
     ENABLE_AUTO_POSITION | ENABLE_VIRTUAL_TERMINAL_INPUT)
#define WV_OUTPUT_MODES                                                                     \
    (ENABLE_PROCESSED_OUTPUT | ENABLE_WRAP_AT_EOL_OUTPUT | ENABLE_VIRTUAL_TERMINAL_PROCESSING | \
     DISABLE_NEWLINE_AUTO_RETURN | ENABLE_LVB_GRID_WORLDWIDE)

static pthread_mutex_t wv_console_lock = PTHREAD_MUTEX_INITIALIZER;
static DWORD wv_output_mode = ENABLE_PROCESSED_OUTPUT | ENABLE_WRAP_AT_EOL_OUTPUT |
                              ENABLE_VIRTUAL_TERMINAL_PROCESSING;
static DWORD wv_input_extra = ENABLE_INSERT_MODE | ENABLE_QUICK_EDIT_MODE | ENABLE_EXTENDED_FLAGS |
                              ENABLE_AUTO_POSITION;
static int wv_keys_depth;            /* reads of single keys under way (lock) */
static bool wv_keys_changed;         /* whether they changed the terminal (lock) */
static struct termios wv_keys_saved; /* the program's modes while they are (lock) */
static int wv_orig_fd = -1;          /* the terminal and its modes before the first change */
static struct termios wv_orig;

/* k32_ext.h: the input side is a descriptor opened for reading only, or standard input. */
int wv_console_fd(HANDLE h, bool *input)
{
    if (!wv_console_attached())
        return -1;
    struct wv_file *f = wv_file_of(h, NULL);
    if (!f)
        return -1;
    int fd = isatty(f->fd) ? fcntl(f->fd, F_DUPFD_CLOEXEC, 3) : -1;
    int fl = fd >= 0 ? fcntl(fd, F_GETFL) : 0;
    *input = f->fd == 0 || (fl & O_ACCMODE) == O_RDONLY;
    wv_object_unref(&f->obj);
    return fd;
}

int wv_conin_fd(HANDLE h)
{
    bool input;
    int fd = wv_console_fd(h, &input);
    if (fd >= 0 && !input)
        close(fd), fd = -1;
    return fd;
}

/* The terminal's modes before winvm's first change, to be put back at the end (lock held). */
static void wv_orig_keep(int fd)
{
    if (wv_orig_fd < 0 && tcgetattr(fd, &wv_orig) == 0)
        wv_orig_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

void wv_console_restore(void)
{
    if (wv_orig_fd >= 0)
        tcsetattr(wv_orig_fd, TCSANOW, &wv_orig);
}

/* The termios the program's mode is: the terminal's, or the kept one during a key read (lock). */
static bool wv_program_termios(int fd, struct termios *t)
{
    if (wv_keys_depth > 0 && wv_keys_changed)
        return *t = wv_keys_saved, true;
    return tcgetattr(fd, t) == 0;
}

static DWORD wv_input_mode_locked(int fd)
{
    struct termios t;
    if (!wv_program_termios(fd, &t))
        return 0;
    return wv_input_extra | ((t.c_lflag & ICANON) ? ENABLE_LINE_INPUT : 0) |
           ((t.c_lflag & ECHO) ? ENABLE_ECHO_INPUT : 0) | ((t.c_lflag & ISIG) ? ENABLE_PROCESSED_INPUT : 0);
}

DWORD wv_console_input_mode(int fd)
{
    pthread_mutex_lock(&wv_console_lock);
    DWORD m = wv_input_mode_locked(fd);
    pthread_mutex_unlock(&wv_console_lock);
    return m;
}

void wv_console_keys_begin(int fd)
{
    pthread_mutex_lock(&wv_console_lock);
    struct termios t;
    if (wv_keys_depth++ == 0 && tcgetattr(fd, &t) == 0) {
        wv_keys_saved = t;
        wv_keys_changed = false;
        if ((t.c_lflag & (ICANON | ECHO)) || t.c_cc[VMIN] != 1 || t.c_cc[VTIME] != 0) {
            wv_orig_keep(fd);
            t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
            t.c_cc[VMIN] = 1, t.c_cc[VTIME] = 0;
            wv_keys_changed = tcsetattr(fd, TCSANOW, &t) == 0;
        }
    }
    pthread_mutex_unlock(&wv_console_lock);
}

void wv_console_keys_end(int fd)
{
    pthread_mutex_lock(&wv_console_lock);
    if (wv_keys_depth > 0 && --wv_keys_depth == 0 && wv_keys_changed) {
        tcsetattr(fd, TCSANOW, &wv_keys_saved);
        wv_keys_changed = false;
    }
    pthread_mutex_unlock(&wv_console_lock);
}

BOOL WINAPI GetConsoleMode(HANDLE h, LPDWORD mode)
{
    bool input;
    int fd = wv_console_fd(h, &input);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    pthread_mutex_lock(&wv_console_lock);
    DWORD m = input ? wv_input_mode_locked(fd) : wv_output_mode;
    pthread_mutex_unlock(&wv_console_lock);
    close(fd);
    DWORD err = wv_user_put(mode, &m, sizeof(m));
    return err ? wv_fail(err) : TRUE;
}

static DWORD wv_set_input_mode(int fd, DWORD mode)
{
    struct termios t;
    if (mode & ~(DWORD)WV_INPUT_MODES)
        return ERROR_INVALID_PARAMETER;
    /* Windows refuses echo without line input */
    if ((mode & ENABLE_ECHO_INPUT) && !(mode & ENABLE_LINE_INPUT))
        return ERROR_INVALID_PARAMETER;
    if (!wv_program_termios(fd, &t))
        return ERROR_INVALID_HANDLE;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
    t.c_lflag |= ((mode & ENABLE_LINE_INPUT) ? ICANON : 0) | ((mode & ENABLE_ECHO_INPUT) ? ECHO : 0) |
                 ((mode & ENABLE_PROCESSED_INPUT) ? ISIG : 0);
    if (!(mode & ENABLE_LINE_INPUT)) /* a read returns as soon as a key is there */
        t.c_cc[VMIN] = 1, t.c_cc[VTIME] = 0;
    wv_orig_keep(fd);
    if (wv_keys_depth > 0 && wv_keys_changed) {
        /* a key read is under way: Ctrl+C's handling now, the rest when it ends */
        struct termios live;
        wv_keys_saved = t;
        if (tcgetattr(fd, &live) == 0) {
            live.c_lflag = (live.c_lflag & ~(tcflag_t)ISIG) | (t.c_lflag & ISIG);
            tcsetattr(fd, TCSANOW, &live);
        }
    } else if (tcsetattr(fd, TCSANOW, &t) != 0) {
        return ERROR_INVALID_HANDLE;
    }
    wv_input_extra = mode & (DWORD)(WV_INPUT_MODES & ~(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT));
    return 0;
}

BOOL WINAPI SetConsoleMode(HANDLE h, DWORD mode)
{
    bool input;
    int fd = wv_console_fd(h, &input);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    DWORD err = 0;
    pthread_mutex_lock(&wv_console_lock);
    if (input)
        err = wv_set_input_mode(fd, mode);
    else if (mode & ~(DWORD)WV_OUTPUT_MODES)
        err = ERROR_INVALID_PARAMETER;
    else
        wv_output_mode = mode;
    pthread_mutex_unlock(&wv_console_lock);
    close(fd);
    return err ? wv_fail(err) : TRUE;
}

/* Without a console (after FreeConsole) there is no code page: 0, ERROR_INVALID_HANDLE. */
static UINT wv_console_cp(void)
{
    if (wv_console_attached())
        return CP_UTF8;
    wv_set_error(ERROR_INVALID_HANDLE);
    return 0;
}
UINT WINAPI GetConsoleCP(void) { return wv_console_cp(); }
UINT WINAPI GetConsoleOutputCP(void) { return wv_console_cp(); }

/* Text passes through unchanged, so UTF-8 is the only code page that can be chosen. */
static BOOL wv_console_cp_set(UINT cp)
{
    if (!wv_console_attached())
        return wv_fail(ERROR_INVALID_HANDLE);
    return cp == CP_UTF8 ? TRUE : wv_fail(ERROR_INVALID_PARAMETER);
}
BOOL WINAPI SetConsoleCP(UINT cp) { return wv_console_cp_set(cp); }
BOOL WINAPI SetConsoleOutputCP(UINT cp) { return wv_console_cp_set(cp); }
