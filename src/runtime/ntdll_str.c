/* SPDX-License-Identifier: MIT */
/* ntdll_str.c - ntdll's counted-string calls PE code uses: RtlInitAnsiString, RtlInitString,
 * RtlAnsiStringToUnicodeString, RtlUnicodeStringToAnsiString, RtlFreeAnsiString,
 * RtlCompareUnicodeString, RtlEqualUnicodeString, RtlCopyUnicodeString,
 * RtlAppendUnicodeToString, RtlAppendUnicodeStringToString, RtlDuplicateUnicodeString (ms_abi,
 * for ntdll.c's table).
 *
 * ANSI is UTF-8 here, as for kernel32's A calls and MultiByteToWideChar(CP_ACP) (k32_crt.c).
 * Every access to the caller's memory goes through wv_copy: a bad pointer is
 * STATUS_ACCESS_VIOLATION, or, for the calls without a status, nothing written (FALSE, 0).
 * Results are written the way Windows writes them, failures included: the conversions set the
 * destination's Length to the size needed before they report STATUS_BUFFER_OVERFLOW (facts:
 * Wine's dlls/ntdll/tests/rtlstr.c, run on Windows).  Allocated buffers come from the process
 * heap, as RtlFreeUnicodeString / RtlFreeAnsiString and HeapFree expect. */
#include "runtime/runtime.h"
#include "runtime/thunk.h"
#include <winvm/ntdll.h>

#include <stdlib.h>
#include <string.h>

/* msvcrt_wide.c: the upper case of a UTF-16 unit (itself when it has none). */
__attribute__((ms_abi)) WCHAR wv_ms_towupper(WCHAR c);

/* A malloc'ed copy of the len bytes at p, followed by two zero bytes: STATUS_SUCCESS,
 * STATUS_ACCESS_VIOLATION or STATUS_NO_MEMORY (*out NULL). */
static NTSTATUS wv_str_read(const void *p, size_t len, void **out)
{
    char *b = malloc(len + 2);
    *out = NULL;
    if (!b)
        return (NTSTATUS)STATUS_NO_MEMORY;
    if (len && wv_copy(b, p, len)) {
        free(b);
        return STATUS_ACCESS_VIOLATION;
    }
    b[len] = b[len + 1] = 0;
    *out = b;
    return STATUS_SUCCESS;
}

/* Length: the string's bytes, at most 0xfffe (a longer string is cut there); MaximumLength one
 * more.  NULL: an empty string, no buffer.  Nothing is written where dst is unwritable. */
WV_MSABI void wv_nt_RtlInitAnsiString(PANSI_STRING dst, const char *src)
{
    STRING a = {0, 0, (char *)src};
    if (src) {
        size_t n = 0;
        char c;
        while (n < 0xfffe && !wv_copy(&c, src + n, 1) && c)
            n++;
        a.Length = (USHORT)n;
        a.MaximumLength = (USHORT)(n + 1);
    }
    (void)wv_copy(dst, &a, sizeof(a));
}

/* Converts the ANSI string into uni: into a new process-heap buffer (alloc) or uni's own.
 * Too long for a UNICODE_STRING: STATUS_INVALID_PARAMETER_2, nothing written.  uni's buffer
 * too small: Length set to the size needed, STATUS_BUFFER_OVERFLOW, no character copied. */
WV_MSABI NTSTATUS wv_nt_RtlAnsiStringToUnicodeString(PUNICODE_STRING uni, const ANSI_STRING *ansi, BOOLEAN alloc)
{
    STRING a;
    UNICODE_STRING u;
    char *s;
    if (wv_copy(&a, ansi, sizeof(a)) || wv_copy(&u, uni, sizeof(u)))
        return STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_str_read(a.Buffer, a.Length, (void **)&s);
    if (st)
        return st;
    size_t n = 0;
    (void)wv_utf8_to_utf16(s, a.Length, NULL, 0, WV_TEXT_REPLACE, &n);
    size_t total = n * 2 + 2; /* the terminator included */
    WCHAR *w = total <= 0xffff ? calloc(n + 1, 2) : NULL;
    if (total > 0xffff || !w) {
        free(s);
        return total > 0xffff ? STATUS_INVALID_PARAMETER_2 : (NTSTATUS)STATUS_NO_MEMORY;
    }
    (void)wv_utf8_to_utf16(s, a.Length, w, n, WV_TEXT_REPLACE, &n);
    free(s);
    u.Length = (USHORT)(total - 2);
    size_t copy = total;
    if (alloc) {
        u.MaximumLength = (USHORT)total;
        u.Buffer = HeapAlloc(GetProcessHeap(), 0, total);
        st = u.Buffer ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    } else if (u.Length >= u.MaximumLength) {
        st = STATUS_BUFFER_OVERFLOW;
        copy = 0;
    } else if (u.MaximumLength < total) {
        copy = u.Length; /* no room for the terminator */
    }
    if (!st || st == STATUS_BUFFER_OVERFLOW) {
        if ((copy && wv_copy(u.Buffer, w, copy)) || wv_copy(uni, &u, sizeof(u))) {
            if (alloc)
                HeapFree(GetProcessHeap(), 0, u.Buffer);
            st = STATUS_ACCESS_VIOLATION;
        }
    }
    free(w);
    return st;
}

/* Converts uni into the ANSI string: into a new process-heap buffer (alloc) or ansi's own.  A
 * buffer too small takes the first MaximumLength - 1 bytes and a terminator (Length set so),
 * STATUS_BUFFER_OVERFLOW; an empty one only has its Length set to the size needed. */
WV_MSABI NTSTATUS wv_nt_RtlUnicodeStringToAnsiString(PANSI_STRING ansi, const UNICODE_STRING *uni, BOOLEAN alloc)
{
    STRING a;
    UNICODE_STRING u;
    WCHAR *w;
    if (wv_copy(&u, uni, sizeof(u)) || wv_copy(&a, ansi, sizeof(a)))
        return STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_str_read(u.Buffer, u.Length & ~1u, (void **)&w);
    if (st)
        return st;
    size_t n = 0;
    (void)wv_utf16_to_utf8(w, u.Length / 2, NULL, 0, WV_TEXT_REPLACE, &n);
    size_t total = n + 1;
    char *s = total <= 0xffff ? calloc(total, 1) : NULL;
    if (total > 0xffff || !s) {
        free(w);
        return total > 0xffff ? STATUS_INVALID_PARAMETER_2 : (NTSTATUS)STATUS_NO_MEMORY;
    }
    (void)wv_utf16_to_utf8(w, u.Length / 2, s, n, WV_TEXT_REPLACE, &n);
    free(w);
    a.Length = (USHORT)n;
    if (alloc) {
        a.MaximumLength = (USHORT)total;
        a.Buffer = HeapAlloc(GetProcessHeap(), 0, total);
        st = a.Buffer ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    } else if (a.MaximumLength < total) {
        st = STATUS_BUFFER_OVERFLOW;
        if (a.MaximumLength)
            a.Length = (USHORT)(a.MaximumLength - 1);
    }
    if (!st || st == STATUS_BUFFER_OVERFLOW) {
        s[a.Length] = 0;
        bool room = alloc || a.MaximumLength;
        if ((room && wv_copy(a.Buffer, s, a.Length + 1u)) || wv_copy(ansi, &a, sizeof(a))) {
            if (alloc)
                HeapFree(GetProcessHeap(), 0, a.Buffer);
            st = STATUS_ACCESS_VIOLATION;
        }
    }
    free(s);
    return st;
}

/* Frees the buffer (process heap) and empties the string. */
WV_MSABI void wv_nt_RtlFreeAnsiString(PANSI_STRING str)
{
    STRING a;
    if (wv_copy(&a, str, sizeof(a)))
        return;
    if (a.Buffer)
        HeapFree(GetProcessHeap(), 0, a.Buffer);
    memset(&a, 0, sizeof(a));
    (void)wv_copy(str, &a, sizeof(a));
}

/* Reads a UNICODE_STRING and its characters (*w malloc'ed, Length / 2 units and a zero). */
static NTSTATUS wv_ustr_read(const UNICODE_STRING *p, UNICODE_STRING *u, WCHAR **w)
{
    *w = NULL;
    if (wv_copy(u, p, sizeof(*u)))
        return STATUS_ACCESS_VIOLATION;
    return wv_str_read(u->Buffer, u->Length & ~1u, (void **)w);
}

/* The first differing characters' difference (both upper-cased when ci), else the difference
 * of the lengths in bytes; 0 where either string is unreadable (there is no status to say it). */
WV_MSABI LONG wv_nt_RtlCompareUnicodeString(const UNICODE_STRING *s1, const UNICODE_STRING *s2, BOOLEAN ci)
{
    UNICODE_STRING a, b;
    WCHAR *wa, *wb = NULL;
    LONG r = 0;
    if (!wv_ustr_read(s1, &a, &wa) && !wv_ustr_read(s2, &b, &wb)) {
        size_t n = (a.Length < b.Length ? a.Length : b.Length) / 2;
        for (size_t i = 0; i < n && !r; i++) {
            WCHAR x = ci ? wv_ms_towupper(wa[i]) : wa[i], y = ci ? wv_ms_towupper(wb[i]) : wb[i];
            r = (LONG)x - (LONG)y;
        }
        if (!r)
            r = (LONG)a.Length - (LONG)b.Length;
    }
    free(wa);
    free(wb);
    return r;
}

/* TRUE when both have the same length and characters (upper-cased when ci); FALSE as well
 * where either is unreadable. */
WV_MSABI BOOLEAN wv_nt_RtlEqualUnicodeString(const UNICODE_STRING *s1, const UNICODE_STRING *s2, BOOLEAN ci)
{
    UNICODE_STRING a, b;
    if (wv_copy(&a, s1, sizeof(a)) || wv_copy(&b, s2, sizeof(b)) || a.Length != b.Length)
        return FALSE;
    WCHAR *wa, *wb = NULL;
    BOOLEAN eq = FALSE;
    if (!wv_ustr_read(s1, &a, &wa) && !wv_ustr_read(s2, &b, &wb) && a.Length == b.Length) {
        eq = TRUE;
        for (size_t i = 0; i < a.Length / 2u && eq; i++)
            eq = ci ? wv_ms_towupper(wa[i]) == wv_ms_towupper(wb[i]) : wa[i] == wb[i];
    }
    free(wa);
    free(wb);
    return eq;
}

/* Writes n bytes of w at dst's end, a terminator after them when it fits; Length grows.
 * STATUS_BUFFER_TOO_SMALL, nothing written, when they do not fit. */
static NTSTATUS wv_ustr_append(PUNICODE_STRING dst, UNICODE_STRING d, const WCHAR *w, size_t n)
{
    size_t len = (size_t)d.Length + n;
    if (len > d.MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    static const WCHAR zero = 0;
    if ((n && wv_copy((BYTE *)d.Buffer + d.Length, w, n)) ||
        (len + 2 <= d.MaximumLength && wv_copy((BYTE *)d.Buffer + len, &zero, 2)))
        return STATUS_ACCESS_VIOLATION;
    d.Length = (USHORT)len;
    return wv_copy(&dst->Length, &d.Length, sizeof(d.Length)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

/* Copies as much of src as dst's MaximumLength holds, terminated when room is left; src NULL
 * empties dst.  Nothing is written where a string is unreadable. */
WV_MSABI void wv_nt_RtlCopyUnicodeString(PUNICODE_STRING dst, const UNICODE_STRING *src)
{
    UNICODE_STRING d, s;
    WCHAR *w = NULL;
    if (wv_copy(&d, dst, sizeof(d)) || (src && wv_ustr_read(src, &s, &w)))
        return;
    d.Length = 0;
    if (src) {
        (void)wv_ustr_append(dst, d, w, s.Length < d.MaximumLength ? s.Length : d.MaximumLength);
        free(w);
        return;
    }
    (void)wv_copy(&dst->Length, &d.Length, sizeof(d.Length));
}

/* Appends the terminated string src (NULL: nothing); STATUS_BUFFER_TOO_SMALL when it does not
 * fit, dst unchanged. */
WV_MSABI NTSTATUS wv_nt_RtlAppendUnicodeToString(PUNICODE_STRING dst, LPCWSTR src)
{
    UNICODE_STRING d;
    if (wv_copy(&d, dst, sizeof(d)))
        return STATUS_ACCESS_VIOLATION;
    if (!src)
        return STATUS_SUCCESS;
    void *w;
    size_t n;
    DWORD err = wv_user_units(src, 2, &w, &n);
    if (err)
        return err == ERROR_NOACCESS ? (NTSTATUS)STATUS_ACCESS_VIOLATION : (NTSTATUS)STATUS_NO_MEMORY;
    NTSTATUS st = n * 2 > 0xffff ? STATUS_BUFFER_TOO_SMALL : wv_ustr_append(dst, d, w, n * 2);
    free(w);
    return st;
}

/* Appends src's Length bytes; STATUS_BUFFER_TOO_SMALL when they do not fit, dst unchanged. */
WV_MSABI NTSTATUS wv_nt_RtlAppendUnicodeStringToString(PUNICODE_STRING dst, const UNICODE_STRING *src)
{
    UNICODE_STRING d, s;
    WCHAR *w;
    if (wv_copy(&d, dst, sizeof(d)))
        return STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_ustr_read(src, &s, &w);
    if (!st && s.Length)
        st = wv_ustr_append(dst, d, w, s.Length & ~1u);
    free(w);
    return st;
}

/* A copy of src in a new process-heap buffer (flags: 1 add a terminator, 2 a buffer even for
 * an empty string, which needs 1 too).  What Windows refuses with STATUS_INVALID_PARAMETER,
 * dst untouched (facts: Wine's rtlstr.c, run on Windows): other flags, 2 without 1, a Length
 * past MaximumLength, a NULL Buffer with a length.  An empty source without flag 2: an empty
 * dst and no buffer. */
WV_MSABI NTSTATUS wv_nt_RtlDuplicateUnicodeString(ULONG flags, const UNICODE_STRING *src, PUNICODE_STRING dst)
{
    UNICODE_STRING s;
    if (flags > 3 || flags == 2 || !src || !dst)
        return STATUS_INVALID_PARAMETER;
    if (wv_copy(&s, src, sizeof(s)))
        return STATUS_ACCESS_VIOLATION;
    if (s.Length > s.MaximumLength || (!s.Buffer && (s.Length || s.MaximumLength)))
        return STATUS_INVALID_PARAMETER;
    bool nul = flags & 1;
    UNICODE_STRING d = {0, 0, NULL};
    if (s.Length || flags == 3) {
        if (nul && s.Length > 0xfffc)
            return STATUS_INVALID_PARAMETER;
        void *copy;
        NTSTATUS st = wv_str_read(s.Buffer, s.Length, &copy);
        if (st)
            return st;
        size_t total = s.Length + (nul ? sizeof(WCHAR) : 0);
        d.Buffer = HeapAlloc(GetProcessHeap(), 0, total ? total : sizeof(WCHAR));
        if (d.Buffer)
            memcpy(d.Buffer, copy, total); /* copy ends in two zero bytes: the terminator */
        free(copy);
        if (!d.Buffer)
            return (NTSTATUS)STATUS_NO_MEMORY;
        d.Length = s.Length, d.MaximumLength = (USHORT)total;
    }
    if (wv_copy(dst, &d, sizeof(d))) {
        HeapFree(GetProcessHeap(), 0, d.Buffer);
        return STATUS_ACCESS_VIOLATION;
    }
    return STATUS_SUCCESS;
}
