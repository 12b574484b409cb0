/* SPDX-License-Identifier: MIT */
/* user32_char.c - user32's character calls on UTF-16 (CharUpperW ... IsCharAlphaNumericW) and
 * the ANSI code page's character steps (CharNextA/ExA, CharPrevA).  Case and classes are the C
 * runtime's Unicode tables (msvcrt_wide.c), the ones towupper and iswalpha use, so a program
 * asking either gets one answer.  The ANSI code page is UTF-8 (GetACP): a character is one
 * whole UTF-8 sequence.  A bad pointer is the value Windows' handler gives (0, FALSE or the
 * pointer itself), never a fault. */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

#define U32 __attribute__((ms_abi))

/* msvcrt_wide.c */
__attribute__((ms_abi)) WCHAR wv_ms_towupper(WCHAR c);
__attribute__((ms_abi)) WCHAR wv_ms_towlower(WCHAR c);
__attribute__((ms_abi)) int wv_ms_iswalpha(WCHAR c);
__attribute__((ms_abi)) int wv_ms_iswalnum(WCHAR c);
__attribute__((ms_abi)) int wv_ms_iswupper(WCHAR c);
__attribute__((ms_abi)) int wv_ms_iswlower(WCHAR c);

static WCHAR wv_case(WCHAR c, bool upper) { return upper ? wv_ms_towupper(c) : wv_ms_towlower(c); }

/* The n units at s changed in place: n, or 0 for a bad buffer (left as it was). */
static DWORD wv_case_buf_w(WCHAR *s, DWORD n, bool upper)
{
    if (!n)
        return 0;
    WCHAR *copy = malloc(n * sizeof(WCHAR));
    if (!copy || wv_copy(copy, s, n * sizeof(WCHAR))) {
        free(copy);
        return 0;
    }
    for (DWORD i = 0; i < n; i++)
        copy[i] = wv_case(copy[i], upper);
    DWORD r = wv_user_put(s, copy, n * sizeof(WCHAR)) ? 0 : n;
    free(copy);
    return r;
}

U32 DWORD wv_u32_CharUpperBuffW(WCHAR *s, DWORD n) { return wv_case_buf_w(s, n, true); }
U32 DWORD wv_u32_CharLowerBuffW(WCHAR *s, DWORD n) { return wv_case_buf_w(s, n, false); }

/* A pointer whose high bits are clear is one character, returned changed; otherwise the
 * string, changed in place, is returned (NULL and ERROR_INVALID_PARAMETER when it is bad). */
static WCHAR *wv_case_str_w(WCHAR *s, bool upper)
{
    if ((uintptr_t)s >> 16 == 0)
        return (WCHAR *)(uintptr_t)wv_case((WCHAR)(uintptr_t)s, upper);
    void *copy;
    size_t n;
    if (wv_user_units(s, sizeof(WCHAR), &copy, &n))
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    free(copy);
    if (n && wv_case_buf_w(s, (DWORD)n, upper) != n)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    return s;
}

U32 WCHAR *wv_u32_CharUpperW(WCHAR *s) { return wv_case_str_w(s, true); }
U32 WCHAR *wv_u32_CharLowerW(WCHAR *s) { return wv_case_str_w(s, false); }

U32 BOOL wv_u32_IsCharAlphaW(WCHAR c) { return wv_ms_iswalpha(c) != 0; }
U32 BOOL wv_u32_IsCharAlphaNumericW(WCHAR c) { return wv_ms_iswalnum(c) != 0; }
U32 BOOL wv_u32_IsCharUpperW(WCHAR c) { return wv_ms_iswupper(c) != 0; }
U32 BOOL wv_u32_IsCharLowerW(WCHAR c) { return wv_ms_iswlower(c) != 0; }
/* The A forms take one byte of the ANSI code page: UTF-8, so an ASCII character. */
U32 BOOL wv_u32_IsCharAlphaA(CHAR c) { return (unsigned char)c < 0x80 && wv_ms_iswalpha((WCHAR)c); }
U32 BOOL wv_u32_IsCharAlphaNumericA(CHAR c) { return (unsigned char)c < 0x80 && wv_ms_iswalnum((WCHAR)c); }
U32 BOOL wv_u32_IsCharUpperA(CHAR c) { return (unsigned char)c < 0x80 && wv_ms_iswupper((WCHAR)c); }
U32 BOOL wv_u32_IsCharLowerA(CHAR c) { return (unsigned char)c < 0x80 && wv_ms_iswlower((WCHAR)c); }

/* CharNextW: the next unit, or s itself at the terminator (a bad pointer: s). */
U32 WCHAR *wv_u32_CharNextW(const WCHAR *s)
{
    WCHAR c;
    return (WCHAR *)(wv_copy(&c, s, sizeof(c)) || !c ? s : s + 1);
}

/* CharPrevW: the unit before s, or start when s is at it. */
U32 WCHAR *wv_u32_CharPrevW(const WCHAR *start, const WCHAR *s) { return (WCHAR *)(s > start ? s - 1 : start); }

/* The length of the UTF-8 sequence that starts with byte b (1 for a stray byte). */
static size_t wv_seq_len(unsigned char b) { return b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1; }

/* CharNextExA(cp, s, flags): past the character at s, never past the terminator (s itself
 * there); every code page steps as UTF-8, the one the ANSI functions use here. */
U32 char *wv_u32_CharNextExA(WORD cp, const char *s, DWORD flags)
{
    (void)cp, (void)flags;
    unsigned char c;
    if (!s || wv_copy(&c, s, 1) || !c)
        return (char *)s;
    size_t n = wv_seq_len(c), k = 1;
    while (k < n && !wv_copy(&c, s + k, 1) && (c & 0xc0) == 0x80)
        k++;
    return (char *)s + k;
}

U32 char *wv_u32_CharNextA(const char *s) { return wv_u32_CharNextExA(0, s, 0); }

/* CharPrevA / CharPrevExA: the start of the character before s (start when s is at it). */
U32 char *wv_u32_CharPrevExA(WORD cp, const char *start, const char *s, DWORD flags)
{
    (void)cp, (void)flags;
    if (!start || !s || s <= start)
        return (char *)start;
    const char *p = s - 1;
    unsigned char c;
    while (p > start && s - p < 4 && !wv_copy(&c, p, 1) && (c & 0xc0) == 0x80)
        p--;
    return (char *)p;
}

U32 char *wv_u32_CharPrevA(const char *start, const char *s) { return wv_u32_CharPrevExA(0, start, s, 0); }
