/* SPDX-License-Identifier: MIT */
/* shell32_argv.c - CommandLineToArgvW: a command line split as shell32 splits it (Wine's
 * shlexec.c test_commandline2argv records the rules).
 *
 * The program's name comes first with rules of its own: up to the second quote when it starts
 * with one, else up to the first blank, backslashes and quotes meaning nothing.  Arguments
 * follow, separated by blanks (space, tab); 2n backslashes before a quote become n and the quote
 * counts, 2n+1 become n and a literal quote.  A run of q quotes outside a quoted string gives
 * q/3 quotes and opens one when q % 3 == 1; inside one (its opening quote counted in) q % 3 == 0
 * gives q/3 and stays inside, 1 gives q/3 and closes, 2 gives q/3 + 1 and closes.  An empty
 * line is the program's path alone.  The answer is one LocalAlloc block: the pointers (NULL
 * after the last), then the strings. */
#include "runtime/runtime.h"
#include "runtime/shell32_int.h"

#include <stdlib.h>
#include <string.h>

struct wv_argv_out {
    WCHAR **argv; /* NULL while measuring */
    WCHAR *text;
    size_t chars; /* units of text used, terminators included */
    int argc;
};

static void wv_emit(struct wv_argv_out *o, WCHAR c, size_t n)
{
    for (size_t i = 0; i < n; i++, o->chars++)
        if (o->argv)
            o->text[o->chars] = c;
}

static void wv_arg_start(struct wv_argv_out *o)
{
    if (o->argv)
        o->argv[o->argc] = o->text + o->chars;
}

static void wv_arg_end(struct wv_argv_out *o)
{
    wv_emit(o, 0, 1);
    o->argc++;
}

static bool wv_blank(WCHAR c) { return c == ' ' || c == '\t'; }

/* The program's name at s: where the arguments start. */
static const WCHAR *wv_program(const WCHAR *s, struct wv_argv_out *o)
{
    wv_arg_start(o);
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++)
            wv_emit(o, *s, 1);
        s += *s == '"';
    } else {
        for (; *s && !wv_blank(*s); s++)
            wv_emit(o, *s, 1);
    }
    wv_arg_end(o);
    return s;
}

/* One argument at s (not blank): where it ends. */
static const WCHAR *wv_argument(const WCHAR *s, struct wv_argv_out *o)
{
    bool quoted = false;
    wv_arg_start(o);
    while (*s && (quoted || !wv_blank(*s))) {
        if (*s == '\\') {
            size_t n = 0;
            while (s[n] == '\\')
                n++;
            s += n;
            if (*s != '"') {
                wv_emit(o, '\\', n);
                continue;
            }
            wv_emit(o, '\\', n / 2);
            if (n % 2) {
                wv_emit(o, '"', 1), s++;
                continue;
            }
        }
        if (*s == '"') {
            size_t q = 0;
            while (s[q] == '"')
                q++;
            s += q;
            if (!quoted) {
                wv_emit(o, '"', q / 3);
                quoted = q % 3 == 1;
            } else {
                wv_emit(o, '"', q / 3 + (q % 3 == 2));
                quoted = q % 3 == 0;
            }
            continue;
        }
        wv_emit(o, *s++, 1);
    }
    wv_arg_end(o);
    return s;
}

static void wv_split(const WCHAR *line, struct wv_argv_out *o)
{
    const WCHAR *s = wv_program(line, o);
    for (;;) {
        while (wv_blank(*s))
            s++;
        if (!*s)
            return;
        s = wv_argument(s, o);
    }
}

WV_MSABI WCHAR **wv_sh_CommandLineToArgvW(LPCWSTR line, int *count)
{
    if (!count) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    void *units = NULL;
    size_t len = 0;
    DWORD err = line ? wv_user_units(line, 2, &units, &len) : 0;
    WCHAR self[1026];
    if (!err && (!line || !len)) { /* the program's own path, quoted to stay one argument */
        /* kernel32's export, which PE code calls: the path in Windows' form */
        DWORD(WV_MSABI * name_of)(HMODULE, LPWSTR, DWORD) = wv_k32_lookup("GetModuleFileNameW");
        DWORD n = name_of ? name_of(NULL, self + 1, 1023) : 0;
        n = n < 1023 ? n : 1023;
        self[0] = '"', self[n + 1] = '"', self[n + 2] = 0;
    }
    const WCHAR *text = len ? units : self;
    struct wv_argv_out o = {0};
    if (!err)
        wv_split(text, &o);
    size_t head = ((size_t)o.argc + 1) * sizeof(WCHAR *);
    void *block = err ? NULL : LocalAlloc(0, head + o.chars * sizeof(WCHAR));
    if (block) {
        o.argv = block, o.text = (WCHAR *)((char *)block + head);
        o.chars = 0, o.argc = 0;
        wv_split(text, &o);
        o.argv[o.argc] = NULL;
        if (wv_user_put(count, &o.argc, sizeof(int)))
            LocalFree(block), block = NULL, err = ERROR_NOACCESS;
    }
    free(units);
    if (!block)
        wv_set_error(err ? err : ERROR_NOT_ENOUGH_MEMORY);
    return block;
}
