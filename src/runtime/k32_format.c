/* SPDX-License-Identifier: MIT */
/* k32_format.c - FormatMessageA/W: a message from a string (FORMAT_MESSAGE_FROM_STRING) or
 * from the system table (k32_msgs.c), its inserts %1..%99 formatted with their optional
 * printf specification (%1!d!, default !s!), the escapes %0 %n %r %t %% %. %! and "% ", output
 * to the caller's buffer or to one allocated with LocalAlloc (FORMAT_MESSAGE_ALLOCATE_BUFFER).
 *
 * The message is built in UTF-8; the W form converts its source first and its output last.
 * Not done (docs/semantics.md): message tables of modules (FORMAT_MESSAGE_FROM_HMODULE alone is
 * ERROR_RESOURCE_TYPE_NOT_FOUND; with FROM_SYSTEM the system table answers), line wrapping at
 * a width 1..254 (the text is kept as is), '*' widths and floating-point inserts
 * (ERROR_INVALID_PARAMETER).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_RESOURCE_TYPE_NOT_FOUND 1813L
#define ERROR_RESOURCE_LANG_NOT_FOUND 15100L

/* The inserts, fetched once each in order (a va_list is read sequentially; every insert takes
 * one pointer-sized slot, as on x64 Windows). */
struct wv_args {
    const DWORD_PTR *array;
    va_list *va;
    __builtin_ms_va_list *ms;
    DWORD_PTR got[99];
    int ngot;
};

static bool wv_arg(struct wv_args *a, int n, DWORD_PTR *v)
{
    if (a->array)
        return wv_copy(v, &a->array[n - 1], sizeof(*v)) == 0;
    if (!a->va && !a->ms)
        return false;
    while (a->ngot < n)
        a->got[a->ngot++] = a->ms ? __builtin_va_arg(*a->ms, DWORD_PTR) : va_arg(*a->va, DWORD_PTR);
    *v = a->got[n - 1];
    return true;
}

/* A growing UTF-8 output. */
struct wv_buf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void wv_put(struct wv_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = 2 * (b->len + n + 1);
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* One insert: spec is what stood between the '!'s ("s" when none). */
static DWORD wv_insert(struct wv_buf *b, const char *spec, DWORD_PTR v, bool wide)
{
    char fmt[32], out[128];
    size_t n = strlen(spec);
    if (n == 0 || n > 20 || strchr(spec, '*'))
        return ERROR_INVALID_PARAMETER;
    char conv = spec[n - 1];
    bool l = strchr(spec, 'l') || strchr(spec, 'w'), h = strchr(spec, 'h') != NULL;
    bool i64 = strstr(spec, "I64") || strstr(spec, "ll");
    size_t k = strspn(spec, "-+ #0123456789."); /* flags, width, precision */
    if (conv == 's' || conv == 'S') {
        bool wstr = conv == 's' ? (wide ? !h : l) : (wide ? l : !h);
        char *s = NULL;
        DWORD err = !v ? 0 : wstr ? wv_user_wstr((LPCWSTR)v, WV_TEXT_REPLACE, &s) : wv_user_str((const char *)v, &s);
        if (err)
            return err;
        snprintf(fmt, sizeof(fmt), "%%%.*ss", (int)k, spec);
        char *text = NULL;
        int r = asprintf(&text, fmt, s ? s : "(null)");
        free(s);
        if (r < 0)
            return ERROR_NOT_ENOUGH_MEMORY;
        wv_put(b, text, (size_t)r);
        free(text);
        return 0;
    }
    if (!strchr("diuxXoc", conv) && conv != 'p')
        return ERROR_INVALID_PARAMETER;
    int r;
    if (conv == 'p')
        r = snprintf(out, sizeof(out), "%016llX", (unsigned long long)v);
    else if (conv == 'c')
        r = snprintf(out, sizeof(out), "%c", (char)v);
    else if (i64) {
        snprintf(fmt, sizeof(fmt), "%%%.*sll%c", (int)k, spec, conv);
        r = snprintf(out, sizeof(out), fmt, (unsigned long long)v);
    } else {
        snprintf(fmt, sizeof(fmt), "%%%.*s%c", (int)k, spec, conv);
        r = snprintf(out, sizeof(out), fmt, (unsigned)v);
    }
    wv_put(b, out, r < 0 ? 0 : (size_t)r < sizeof(out) ? (size_t)r : sizeof(out) - 1);
    return 0;
}

/* %n[!spec!] at *pp (just past the '%'): formatted, or copied when inserts are ignored. */
static DWORD wv_percent_insert(struct wv_buf *b, const char **pp, DWORD flags, struct wv_args *a, bool wide)
{
    const char *p = *pp, *start = p - 1;
    int n = *p++ - '0';
    if (*p >= '0' && *p <= '9')
        n = n * 10 + (*p++ - '0');
    char spec[24] = "s";
    if (*p == '!') {
        const char *end = strchr(p + 1, '!');
        if (!end || end - p - 1 >= (long)sizeof(spec))
            return ERROR_INVALID_PARAMETER;
        memcpy(spec, p + 1, (size_t)(end - p - 1));
        spec[end - p - 1] = 0;
        p = end + 1;
    }
    *pp = p;
    if (flags & FORMAT_MESSAGE_IGNORE_INSERTS) {
        wv_put(b, start, (size_t)(p - start));
        return 0;
    }
    DWORD_PTR v;
    if (!wv_arg(a, n, &v))
        return ERROR_INVALID_PARAMETER;
    return wv_insert(b, spec, v, wide);
}

/* Formats msg into b: 0 or a Win32 error. */
static DWORD wv_format(struct wv_buf *b, const char *p, DWORD flags, struct wv_args *a, bool wide)
{
    DWORD width = flags & FORMAT_MESSAGE_MAX_WIDTH_MASK, err = 0;
    while (*p && !err) {
        if (*p != '%') {
            if (width == FORMAT_MESSAGE_MAX_WIDTH_MASK && (*p == '\r' || *p == '\n')) {
                p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
                wv_put(b, " ", 1); /* only %n breaks lines */
                continue;
            }
            size_t run = strcspn(p, width == FORMAT_MESSAGE_MAX_WIDTH_MASK ? "%\r\n" : "%");
            wv_put(b, p, run);
            p += run;
            continue;
        }
        char c = *++p;
        if (c >= '1' && c <= '9') {
            err = wv_percent_insert(b, &p, flags, a, wide);
            continue;
        }
        if (c == '0' || c == 0)
            break; /* the end of the message, with no newline */
        p++;
        const char *rep = c == 'n' ? "\r\n" : c == 'r' ? "\r" : c == 't' ? "\t" : NULL;
        if (rep)
            wv_put(b, rep, strlen(rep));
        else
            wv_put(b, &c, 1); /* %% %. %! "% " and any other: the character itself */
    }
    return err ? err : b->oom ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

/* The message's text, UTF-8, malloc'ed: 0 or a Win32 error. */
static DWORD wv_source(bool wide, DWORD flags, LPCVOID src, DWORD id, DWORD lang, char **out)
{
    *out = NULL;
    if (flags & FORMAT_MESSAGE_FROM_STRING) {
        if (!src)
            return ERROR_INVALID_PARAMETER;
        return wide ? wv_user_wstr(src, WV_TEXT_REPLACE, out) : wv_user_str(src, out);
    }
    if (!(flags & FORMAT_MESSAGE_FROM_SYSTEM))
        return flags & FORMAT_MESSAGE_FROM_HMODULE ? ERROR_RESOURCE_TYPE_NOT_FOUND : ERROR_INVALID_PARAMETER;
    DWORD primary = lang & 0x3ff;
    if (primary != 0 && primary != 9) /* LANG_NEUTRAL or LANG_ENGLISH: winvm has English only */
        return ERROR_RESOURCE_LANG_NOT_FOUND;
    const char *t = wv_system_message(id);
    if (!t)
        return ERROR_MR_MID_NOT_FOUND;
    return (*out = strdup(t)) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

/* Writes the result (UTF-8 in s) to the caller: the length in characters, or 0 and *err. */
static DWORD wv_deliver(bool wide, DWORD flags, const char *s, void *buf, DWORD size, DWORD *err)
{
    WCHAR *w = wide ? wv_utf16(s) : NULL;
    size_t n = 0, unit = wide ? sizeof(WCHAR) : 1;
    if (wide && !w)
        return *err = ERROR_NOT_ENOUGH_MEMORY, 0;
    while (wide ? w[n] != 0 : s[n] != 0)
        n++;
    const void *bytes = wide ? (const void *)w : (const void *)s;
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        size_t want = (n + 1 > size ? n + 1 : size) * unit;
        void *mem = LocalAlloc(LMEM_FIXED, want);
        *err = !mem ? ERROR_NOT_ENOUGH_MEMORY : wv_user_put(buf, &mem, sizeof(mem));
        if (!*err)
            memcpy(mem, bytes, (n + 1) * unit);
        else
            LocalFree(mem);
    } else if (n + 1 > size)
        *err = ERROR_INSUFFICIENT_BUFFER;
    else
        *err = wv_user_put(buf, bytes, (n + 1) * unit);
    free(w);
    return *err ? 0 : (DWORD)n;
}

DWORD wv_format_message(bool wide, DWORD flags, LPCVOID src, DWORD id, DWORD lang, void *buf,
                        DWORD size, va_list *host_va, __builtin_ms_va_list *ms_va)
{
    char *text = NULL;
    struct wv_buf b = {0};
    struct wv_args a = {.va = host_va, .ms = ms_va};
    if (flags & FORMAT_MESSAGE_ARGUMENT_ARRAY) {
        a.array = ms_va ? (const DWORD_PTR *)ms_va : (const DWORD_PTR *)host_va;
        a.va = NULL, a.ms = NULL;
    }
    DWORD err = buf ? wv_source(wide, flags, src, id, lang, &text) : ERROR_INVALID_PARAMETER, ret = 0;
    if (!err)
        err = wv_format(&b, text, flags, &a, wide);
    if (!err)
        ret = wv_deliver(wide, flags, b.p ? b.p : "", buf, size, &err);
    free(text), free(b.p);
    return err ? (wv_set_error(err), 0) : ret;
}

DWORD WINAPI FormatMessageA(DWORD flags, LPCVOID src, DWORD id, DWORD lang, LPSTR buf, DWORD size, va_list *args)
{
    return wv_format_message(false, flags, src, id, lang, buf, size, args, NULL);
}

DWORD WINAPI FormatMessageW(DWORD flags, LPCVOID src, DWORD id, DWORD lang, LPWSTR buf, DWORD size, va_list *args)
{
    return wv_format_message(true, flags, src, id, lang, buf, size, args, NULL);
}
