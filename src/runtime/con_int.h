/* SPDX-License-Identifier: MIT */
/* con_int.h - the console's input side, private to runtime/: the terminal's bytes as key
 * events (k32_conkeys.c), the input record queue (k32_coninput.c), the terminal's modes while
 * the queue reads it (k32_console.c). */
#ifndef WV_RUNTIME_CON_INT_H
#define WV_RUNTIME_CON_INT_H

#include "runtime/runtime.h"

/* One key as Windows reports it; a typed key becomes its key-down and key-up records. */
struct wv_key {
    WORD vk, scan;
    WCHAR ch;
    DWORD state; /* dwControlKeyState */
};

typedef void wv_key_sink(void *ctx, const struct wv_key *k);
/* Turns b[0..n) into keys, each given to sink in order; returns how many bytes it used.  What
 * may be the start of a longer sequence (an ESC, an escape sequence or UTF-8 character cut
 * short) is left unless final (no more bytes came in time): then it stands for itself. */
size_t wv_conkeys_parse(const unsigned char *b, size_t n, bool final, wv_key_sink *sink, void *ctx);

/* The input terminal behind h (a descriptor to close), -1 when h is no console input. */
int wv_conin_fd(HANDLE h);
/* Around a read of single keys: the terminal without line input and echo (Windows gives
 * input records as keys are typed, never echoed), the program's own mode kept for
 * GetConsoleMode and put back by the last end.  Nested and from several threads alike. */
void wv_console_keys_begin(int fd);
void wv_console_keys_end(int fd);
/* The input mode the program set (ENABLE_*_INPUT), read from the terminal. */
DWORD wv_console_input_mode(int fd);
/* At the process's end: the terminal's modes as they were before the first SetConsoleMode. */
void wv_console_restore(void);

/* k32_coninput.c, for ReadConsole: the characters of queued key-down records, up to n units
 * into w (records used up removed, other records before them dropped as Windows' ReadConsole
 * drops them); stops after a carriage return when line.  How many. */
size_t wv_conin_take_chars(WCHAR *w, size_t n, bool line, bool *saw_cr);
/* Waits for queued records when block, else reads what the terminal has: 0 or the error. */
DWORD wv_conin_fill(int fd, bool block);

/* For WaitForSingleObject and its relatives (sync.c, wait lock held): whether the file object
 * o is a console input, and whether records are waiting (what the terminal holds read first). */
bool wv_conin_waitable(struct wv_object *o);
bool wv_conin_ready(struct wv_object *o);

#endif
