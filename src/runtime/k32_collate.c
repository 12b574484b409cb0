/* SPDX-License-Identifier: MIT */
/* k32_collate.c - CompareStringW/A/Ex: Windows' linguistic comparison, for the characters a
 * console program compares (ASCII, Latin-1, and by code point beyond), in four levels as
 * Windows' sort keys hold them:
 *   1. primary: symbols, then digits, then letters (case folded, accents stripped), then other
 *      characters by code point; NUL has no weight at any level; '-' and '\'' have none here
 *      (word sort) unless SORT_STRINGSORT makes them the first symbols;
 *   2. diacritics (NORM_IGNORENONSPACE drops the level): a precomposed Latin-1 letter weighs
 *      as its base letter plus its mark, the same as the letter followed by the combining mark;
 *   3. case (NORM_IGNORECASE / LINGUISTIC_IGNORECASE drop it): lower before upper;
 *   4. the word-sort ignorables '-' and '\'' in order, fewer first ("coop" < "co-op").
 * NORM_IGNORESYMBOLS drops symbols (and the ignorables) everywhere; SORT_DIGITSASNUMBERS (W
 * and Ex only) weighs a run of digits by its value.  Units are read one at a time, so a
 * comparison decided early never reads past the difference (Wine's locale.c test with strings
 * ending at a PAGE_NOACCESS page).  Every locale compares as en-US (docs/semantics.md).
 *
 * **Invariants**: (1) equal strings at every kept level are CSTR_EQUAL whatever their units'
 * count; (2) a bad pointer is ERROR_NOACCESS, never a fault. */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define WV_CS_KNOWN_FLAGS                                                                                 \
    (NORM_IGNORECASE | NORM_IGNORENONSPACE | NORM_IGNORESYMBOLS | LINGUISTIC_IGNORECASE |                \
     LINGUISTIC_IGNOREDIACRITIC | NORM_IGNOREKANATYPE | NORM_IGNOREWIDTH | NORM_LINGUISTIC_CASING |     \
     SORT_STRINGSORT | LOCALE_USE_CP_ACP)

/* Windows' order of the ASCII symbols (the default table's), first to last. */
static const char wv_cs_symbols[] = "\t\n\v\f\r !\"#$%&()*,./:;?@[\\]^_`{|}~+<=>";

/* Latin-1 letters 0xC0-0xFF: base letter and combining mark (0: a letter of its own). */
static const char wv_cs_base[64] = "AAAAAA\0CEEEEIIII\0NOOOOO\0\0UUUUY\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y";
static const unsigned short wv_cs_mark[64] = {
    0x300, 0x301, 0x302, 0x303, 0x308, 0x30a, 0, 0x327, 0x300, 0x301, 0x302, 0x308, 0x300, 0x301, 0x302, 0x308,
    0,     0x303, 0x300, 0x301, 0x302, 0x303, 0x308, 0, 0, 0x300, 0x301, 0x302, 0x308, 0x301, 0, 0,
    0x300, 0x301, 0x302, 0x303, 0x308, 0x30a, 0, 0x327, 0x300, 0x301, 0x302, 0x308, 0x300, 0x301, 0x302, 0x308,
    0,     0x303, 0x300, 0x301, 0x302, 0x303, 0x308, 0, 0, 0x300, 0x301, 0x302, 0x308, 0x301, 0, 0x308};

enum wv_cs_kind { WV_CS_NONE, WV_CS_CHAR, WV_CS_IGNORABLE, WV_CS_SYMBOL, WV_CS_MARK, WV_CS_DIGIT };

struct wv_cs_weight {
    enum wv_cs_kind kind;
    uint32_t primary;
    uint16_t mark;  /* level 2: the combining mark, 0 for none */
    uint8_t upper;  /* level 3 */
};

static struct wv_cs_weight wv_cs_weigh(WCHAR c, DWORD flags)
{
    struct wv_cs_weight w = {WV_CS_CHAR, 0, 0, 0};
    const char *sym;
    if (c == 0)
        w.kind = WV_CS_NONE;
    else if (c == '-' || c == '\'')
        w.kind = flags & SORT_STRINGSORT ? WV_CS_SYMBOL : WV_CS_IGNORABLE, w.primary = c == '\'' ? 1 : 2;
    else if (c >= 0x300 && c <= 0x36f)
        w.kind = WV_CS_MARK, w.mark = c;
    else if (c < 0x80 && (sym = strchr(wv_cs_symbols, (char)c)) != NULL)
        w.kind = WV_CS_SYMBOL, w.primary = 3 + (uint32_t)(sym - wv_cs_symbols);
    else if (c >= '0' && c <= '9')
        w.kind = WV_CS_DIGIT, w.primary = 0x100 + (c - '0');
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        w.primary = 0x200 + (c | 0x20), w.upper = c < 'a';
    else if (c >= 0xc0 && c <= 0xff && wv_cs_base[c - 0xc0])
        w.primary = 0x200 + (wv_cs_base[c - 0xc0] | 0x20), w.upper = c < 0xe0, w.mark = wv_cs_mark[c - 0xc0];
    else
        w.primary = 0x10000 + towlower(c), w.upper = towlower(c) != c;
    return w;
}

/* One string read a unit at a time: n -1 runs to its terminator. */
struct wv_cs_str {
    const WCHAR *p;
    int n, at;
    bool fault;
};

/* The next unit, 0 at the end (or after a fault, which is recorded). */
static bool wv_cs_next(struct wv_cs_str *s, WCHAR *c)
{
    if (s->fault || (s->n >= 0 && s->at >= s->n))
        return false;
    if (wv_copy(c, s->p + s->at, sizeof(*c))) {
        s->fault = true;
        return false;
    }
    if (s->n < 0 && !*c)
        return false;
    s->at++;
    return true;
}

/* Level 2: the combining marks following a character join its own mark (a standalone mark,
 * one at the start, is an element of its own). */
static void wv_cs_marks_after(struct wv_cs_str *s, uint16_t *mark)
{
    WCHAR c;
    int at = s->at;
    while (wv_cs_next(s, &c) && c >= 0x300 && c <= 0x36f) {
        *mark = *mark ? (uint16_t)(*mark * 31 + c) : c;
        at = s->at;
    }
    s->at = at;
}

/* The next weight that counts at level (1-4), kind WV_CS_NONE at the end.  A combining mark
 * following a character adds to that character's level 2 only. */
static struct wv_cs_weight wv_cs_step(struct wv_cs_str *s, DWORD flags, int level, uint64_t *number)
{
    WCHAR c;
    while (wv_cs_next(s, &c)) {
        struct wv_cs_weight w = wv_cs_weigh(c, flags);
        if (w.kind == WV_CS_NONE || ((flags & NORM_IGNORESYMBOLS) && (w.kind == WV_CS_SYMBOL || w.kind == WV_CS_IGNORABLE)))
            continue;
        if ((w.kind == WV_CS_IGNORABLE) != (level == 4))
            continue;
        if (w.kind == WV_CS_MARK && level != 2)
            continue;
        if (level == 2 && w.kind != WV_CS_MARK)
            wv_cs_marks_after(s, &w.mark);
        if (w.kind == WV_CS_DIGIT && (flags & SORT_DIGITSASNUMBERS) && level == 1) {
            *number = w.primary - 0x100;
            int at = s->at;
            while (wv_cs_next(s, &c) && c >= '0' && c <= '9')
                *number = *number * 10 + (c - '0'), at = s->at;
            s->at = at;
        }
        return w;
    }
    return (struct wv_cs_weight){WV_CS_NONE, 0, 0, 0};
}

/* <0, 0, >0 at one level. */
static int wv_cs_level(struct wv_cs_str a, struct wv_cs_str b, DWORD flags, int level, bool *fault)
{
    for (;;) {
        uint64_t na = 0, nb = 0;
        struct wv_cs_weight x = wv_cs_step(&a, flags, level, &na), y = wv_cs_step(&b, flags, level, &nb);
        *fault |= a.fault || b.fault;
        if (x.kind == WV_CS_NONE || y.kind == WV_CS_NONE)
            return (x.kind != WV_CS_NONE) - (y.kind != WV_CS_NONE);
        uint64_t vx = level == 1 || level == 4 ? x.primary : level == 2 ? x.mark : x.upper;
        uint64_t vy = level == 1 || level == 4 ? y.primary : level == 2 ? y.mark : y.upper;
        if (level == 1 && x.kind == WV_CS_DIGIT && y.kind == WV_CS_DIGIT && (flags & SORT_DIGITSASNUMBERS))
            vx = na, vy = nb;
        if (vx != vy)
            return vx < vy ? -1 : 1;
    }
}

static int wv_collate(const WCHAR *a, int na, const WCHAR *b, int nb, DWORD flags, bool *fault)
{
    struct wv_cs_str x = {a, na, 0, false}, y = {b, nb, 0, false};
    *fault = false;
    for (int level = 1; level <= 4; level++) {
        if (level == 2 && (flags & (NORM_IGNORENONSPACE | LINGUISTIC_IGNOREDIACRITIC)))
            continue;
        if (level == 3 && (flags & (NORM_IGNORECASE | LINGUISTIC_IGNORECASE)))
            continue;
        int r = wv_cs_level(x, y, flags, level, fault);
        if (*fault || r)
            return r;
    }
    return 0;
}

int WINAPI CompareStringW(LCID lcid, DWORD flags, LPCWSTR a, int na, LPCWSTR b, int nb)
{
    (void)lcid;
    if (!a || !b)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (flags & ~(WV_CS_KNOWN_FLAGS | SORT_DIGITSASNUMBERS))
        return wv_fail(ERROR_INVALID_FLAGS);
    bool fault;
    int r = wv_collate(a, na, b, nb, flags, &fault);
    return fault ? wv_fail(ERROR_NOACCESS) : r < 0 ? CSTR_LESS_THAN : r > 0 ? CSTR_GREATER_THAN : CSTR_EQUAL;
}

int WINAPI CompareStringEx(LPCWSTR locale, DWORD flags, LPCWSTR a, int na, LPCWSTR b, int nb, void *version,
                           void *reserved, LONG_PTR param)
{
    (void)locale;
    if (version || reserved || param)
        return wv_fail(ERROR_INVALID_PARAMETER);
    return CompareStringW(LOCALE_USER_DEFAULT, flags, a, na, b, nb);
}

/* The caller's n bytes at s (n -1: to the terminator) as UTF-16, its units in *len. */
static DWORD wv_cs_widen(LPCSTR s, int n, WCHAR **out, int *len)
{
    void *copy = NULL;
    size_t have = 0, units = 0;
    DWORD err = n < 0 ? wv_user_units(s, 1, &copy, &have) : 0;
    if (!err && n >= 0) {
        have = (size_t)n;
        copy = malloc(have + 1);
        err = !copy ? ERROR_NOT_ENOUGH_MEMORY : wv_copy(copy, s, have) ? ERROR_NOACCESS : 0;
    }
    *out = err ? NULL : malloc((have + 1) * sizeof(WCHAR));
    if (!err && !*out)
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err)
        wv_utf8_to_utf16(copy, have, *out, have + 1, WV_TEXT_REPLACE, &units);
    free(copy);
    *len = (int)units;
    return err;
}

int WINAPI CompareStringA(LCID lcid, DWORD flags, LPCSTR a, int na, LPCSTR b, int nb)
{
    if (!a || !b)
        return wv_fail(ERROR_INVALID_PARAMETER);
    if (flags & ~WV_CS_KNOWN_FLAGS)
        return wv_fail(ERROR_INVALID_FLAGS);
    WCHAR *wa = NULL, *wb = NULL;
    int la = 0, lb = 0;
    DWORD err = wv_cs_widen(a, na, &wa, &la);
    if (!err)
        err = wv_cs_widen(b, nb, &wb, &lb);
    int r = err ? wv_fail(err) : CompareStringW(lcid, flags & ~LOCALE_USE_CP_ACP, wa, la, wb, lb);
    free(wa), free(wb);
    return r;
}
