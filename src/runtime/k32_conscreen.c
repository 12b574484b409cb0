/* SPDX-License-Identifier: MIT */
/* k32_conscreen.c - a console screen buffer's calls over a terminal (the output handles
 * k32_console.c's wv_console_fd accepts; anything else, an input handle included, is
 * ERROR_INVALID_HANDLE as Windows answers): GetConsoleScreenBufferInfo (the buffer is the
 * terminal's window, TIOCGWINSZ), SetConsoleTextAttribute (SGR sequences; the attribute kept and
 * reported back), SetConsoleCursorPosition (CUP), and the console's title (OSC 0 on the
 * controlling terminal; GetConsoleTitle returns what was set, as a terminal cannot be asked).
 * The cursor a terminal moves as text is written cannot be read without a reply on the input,
 * which would take the user's typed-ahead keys: GetConsoleScreenBufferInfo reports where
 * SetConsoleCursorPosition last put it (docs/semantics.md).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/k32_ext.h"
#include "fault/fault.h" /* wv_copy */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static pthread_mutex_t wv_screen_lock = PTHREAD_MUTEX_INITIALIZER;
static WORD wv_screen_attr = FOREGROUND_RED | FOREGROUND_GREEN | FOREGROUND_BLUE; /* Windows' default 7 */
static COORD wv_screen_cursor;
static char *wv_title; /* what SetConsoleTitle set, UTF-8 (lock) */

/* The output terminal behind h (a descriptor to close), -1 with ERROR_INVALID_HANDLE. */
static int wv_screen_fd(HANDLE h)
{
    bool input;
    int fd = wv_console_fd(h, &input);
    if (fd >= 0 && input)
        close(fd), fd = -1;
    return fd;
}

static bool wv_screen_size(int fd, COORD *size)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || !ws.ws_col || !ws.ws_row)
        return false;
    size->X = (SHORT)(ws.ws_col > 0x7fff ? 0x7fff : ws.ws_col);
    size->Y = (SHORT)(ws.ws_row > 0x7fff ? 0x7fff : ws.ws_row);
    return true;
}

static DWORD wv_screen_put(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return wv_errno_to_error(errno);
        s += w, n -= (size_t)w;
    }
    return 0;
}

BOOL WINAPI GetConsoleScreenBufferInfo(HANDLE h, PCONSOLE_SCREEN_BUFFER_INFO info)
{
    int fd = wv_screen_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    CONSOLE_SCREEN_BUFFER_INFO i = {0};
    bool sized = wv_screen_size(fd, &i.dwSize);
    close(fd);
    if (!sized)
        return wv_fail(ERROR_INVALID_HANDLE);
    pthread_mutex_lock(&wv_screen_lock);
    i.wAttributes = wv_screen_attr;
    i.dwCursorPosition = wv_screen_cursor;
    pthread_mutex_unlock(&wv_screen_lock);
    if (i.dwCursorPosition.X >= i.dwSize.X)
        i.dwCursorPosition.X = (SHORT)(i.dwSize.X - 1);
    if (i.dwCursorPosition.Y >= i.dwSize.Y)
        i.dwCursorPosition.Y = (SHORT)(i.dwSize.Y - 1);
    i.srWindow = (SMALL_RECT){0, 0, (SHORT)(i.dwSize.X - 1), (SHORT)(i.dwSize.Y - 1)};
    i.dwMaximumWindowSize = i.dwSize;
    DWORD err = wv_user_put(info, &i, sizeof(i));
    return err ? wv_fail(err) : TRUE;
}

/* The SGR sequence of a Windows attribute: ANSI colour numbers order red, green, blue as bits
 * 0, 1, 2 where Windows has blue, green, red; intensity is the bright range (90-97, 100-107). */
static int wv_sgr(WORD a, char *out, size_t cap)
{
    int fg = ((a & FOREGROUND_RED) ? 1 : 0) | ((a & FOREGROUND_GREEN) ? 2 : 0) | ((a & FOREGROUND_BLUE) ? 4 : 0);
    int bg = ((a & BACKGROUND_RED) ? 1 : 0) | ((a & BACKGROUND_GREEN) ? 2 : 0) | ((a & BACKGROUND_BLUE) ? 4 : 0);
    return snprintf(out, cap, "\x1b[0;%d;%d%s%sm", ((a & FOREGROUND_INTENSITY) ? 90 : 30) + fg,
                    ((a & BACKGROUND_INTENSITY) ? 100 : 40) + bg, (a & COMMON_LVB_REVERSE_VIDEO) ? ";7" : "",
                    (a & COMMON_LVB_UNDERSCORE) ? ";4" : "");
}

BOOL WINAPI SetConsoleTextAttribute(HANDLE h, WORD attr)
{
    int fd = wv_screen_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    char seq[40];
    int n = wv_sgr(attr, seq, sizeof(seq));
    pthread_mutex_lock(&wv_screen_lock);
    DWORD err = wv_screen_put(fd, seq, (size_t)n);
    if (!err)
        wv_screen_attr = attr;
    pthread_mutex_unlock(&wv_screen_lock);
    close(fd);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetConsoleCursorPosition(HANDLE h, COORD pos)
{
    int fd = wv_screen_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    COORD size;
    DWORD err = wv_screen_size(fd, &size) ? 0 : ERROR_INVALID_HANDLE;
    /* Outside the buffer: ERROR_INVALID_PARAMETER (Wine's console.c testCursor on Windows) */
    if (!err && (pos.X < 0 || pos.Y < 0 || pos.X >= size.X || pos.Y >= size.Y))
        err = ERROR_INVALID_PARAMETER;
    if (!err) {
        char seq[32];
        int n = snprintf(seq, sizeof(seq), "\x1b[%d;%dH", pos.Y + 1, pos.X + 1);
        pthread_mutex_lock(&wv_screen_lock);
        err = wv_screen_put(fd, seq, (size_t)n);
        if (!err)
            wv_screen_cursor = pos;
        pthread_mutex_unlock(&wv_screen_lock);
    }
    close(fd);
    return err ? wv_fail(err) : TRUE;
}

/* ---- the cursor's shape and the largest window ---- */

/* Windows' default cursor: a quarter of the cell, shown.  Its size is kept for
 * GetConsoleCursorInfo only: a terminal draws its cursor in its own user-chosen shape, and
 * DECSCUSR's few shapes would replace that choice at every call; visibility is DECTCEM. */
static CONSOLE_CURSOR_INFO wv_cursor_info = {25, TRUE};

BOOL WINAPI GetConsoleCursorInfo(HANDLE h, PCONSOLE_CURSOR_INFO info)
{
    int fd = wv_screen_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    close(fd);
    pthread_mutex_lock(&wv_screen_lock);
    CONSOLE_CURSOR_INFO i = wv_cursor_info;
    pthread_mutex_unlock(&wv_screen_lock);
    DWORD err = wv_user_put(info, &i, sizeof(i));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetConsoleCursorInfo(HANDLE h, const CONSOLE_CURSOR_INFO *info)
{
    int fd = wv_screen_fd(h);
    if (fd < 0)
        return wv_fail(ERROR_INVALID_HANDLE);
    CONSOLE_CURSOR_INFO i;
    DWORD err = wv_copy(&i, info, sizeof(i)) ? ERROR_NOACCESS : 0;
    if (!err && (i.dwSize < 1 || i.dwSize > 100)) /* a percentage of the cell */
        err = ERROR_INVALID_PARAMETER;
    if (!err) {
        const char *seq = i.bVisible ? "\x1b[?25h" : "\x1b[?25l";
        pthread_mutex_lock(&wv_screen_lock);
        err = wv_screen_put(fd, seq, strlen(seq));
        if (!err)
            wv_cursor_info = (CONSOLE_CURSOR_INFO){i.dwSize, i.bVisible ? TRUE : FALSE};
        pthread_mutex_unlock(&wv_screen_lock);
    }
    close(fd);
    return err ? wv_fail(err) : TRUE;
}

/* The largest window the console could have: the terminal's own size, as a terminal cannot
 * be asked how large its screen would let it grow.  {0, 0} and ERROR_INVALID_HANDLE for an
 * input handle or anything not a console (Wine's console.c test_GetLargestConsoleWindowSize). */
COORD WINAPI GetLargestConsoleWindowSize(HANDLE h)
{
    COORD size = {0, 0};
    int fd = wv_screen_fd(h);
    if (fd < 0)
        return wv_set_error(ERROR_INVALID_HANDLE), size;
    if (!wv_screen_size(fd, &size))
        wv_set_error(ERROR_INVALID_HANDLE), size = (COORD){0, 0};
    close(fd);
    return size;
}

/* ---- the title: the console's, so the controlling terminal's; kept as UTF-8 ---- */

static DWORD wv_title_set(char *u) /* takes u */
{
    int tty = wv_console_attached() ? open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC) : -1;
    if (tty < 0) { /* no console (Wine's console.c test_FreeConsole on Windows) */
        free(u);
        return ERROR_INVALID_HANDLE;
    }
    size_t n = strlen(u), k = 0;
    char *seq = malloc(n + 8);
    DWORD err = seq ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    if (seq) {
        seq[k++] = '\x1b', seq[k++] = ']', seq[k++] = '0', seq[k++] = ';';
        for (size_t i = 0; i < n; i++) /* a control character would end the sequence early */
            if ((unsigned char)u[i] >= 0x20 && u[i] != 0x7f)
                seq[k++] = u[i];
        seq[k++] = '\a';
        pthread_mutex_lock(&wv_screen_lock);
        err = wv_screen_put(tty, seq, k);
        if (!err) {
            free(wv_title);
            wv_title = u, u = NULL;
        }
        pthread_mutex_unlock(&wv_screen_lock);
    }
    close(tty);
    free(seq), free(u);
    return err;
}

BOOL WINAPI SetConsoleTitleW(LPCWSTR title)
{
    char *u = NULL;
    DWORD err = wv_user_wstr(title, WV_TEXT_REPLACE, &u);
    if (!err)
        err = wv_title_set(u);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetConsoleTitleA(LPCSTR title)
{
    char *u = NULL;
    DWORD err = wv_user_str(title, &u);
    if (!err)
        err = wv_title_set(u);
    return err ? wv_fail(err) : TRUE;
}

static char *wv_title_copy(void)
{
    pthread_mutex_lock(&wv_screen_lock);
    char *c = strdup(wv_title ? wv_title : "");
    pthread_mutex_unlock(&wv_screen_lock);
    return c;
}

/* The title's length in characters (not what was copied), the copy cut to size-1 characters
 * and terminated; 0 for an empty title or no room (Wine's console.c test_GetConsoleTitleW). */
DWORD WINAPI GetConsoleTitleW(LPWSTR buf, DWORD size)
{
    if (!wv_console_attached()) /* no console: the buffer untouched */
        return wv_fail(ERROR_INVALID_HANDLE), 0;
    char *u = wv_title_copy();
    WCHAR *w = u ? wv_utf16(u) : NULL;
    free(u);
    if (!w)
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY), 0;
    size_t len = 0;
    while (w[len])
        len++;
    DWORD err = 0;
    if (len && size) {
        size_t give = len < size ? len : size - 1;
        w[give] = 0;
        err = wv_user_put(buf, w, (give + 1) * sizeof(WCHAR));
    }
    free(w);
    return err ? (wv_fail(err), 0) : len && size ? (DWORD)len : 0;
}

DWORD WINAPI GetConsoleTitleA(LPSTR buf, DWORD size)
{
    if (!wv_console_attached()) /* no console: the buffer untouched */
        return wv_fail(ERROR_INVALID_HANDLE), 0;
    char *u = wv_title_copy();
    if (!u)
        return wv_fail(ERROR_NOT_ENOUGH_MEMORY), 0;
    size_t n = strlen(u);
    DWORD err = 0;
    if (n && size) {
        size_t give = n < size ? n : size - 1;
        u[give] = 0;
        err = wv_user_put(buf, u, give + 1);
    }
    free(u);
    return err ? (wv_fail(err), 0) : n && size ? (DWORD)n : 0;
}
