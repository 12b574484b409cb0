/* SPDX-License-Identifier: MIT */
/* msvcrt_locale.c - setlocale, localeconv, the code page queries, and character classes
 * (isalpha... with msvcrt's class table, _pctype, _isctype).
 *
 * Two locales exist: "C" (the start, code page 0, one byte a character) and the user's, asked
 * for by "": named from LC_ALL/LC_CTYPE/LANG, and when that names UTF-8 its code page is 65001
 * and MB_CUR_MAX 4, which mingw-w64's multibyte functions follow.  Either way numbers use '.'
 * and bytes past 0x7f have no class, as in msvcrt's "C" locale.  Other names: NULL, as msvcrt
 * answers for a locale it does not know.
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- msvcrt's character classes ---- */

enum {
    WV_UPPER = 0x1, WV_LOWER = 0x2, WV_DIGIT = 0x4, WV_SPACE = 0x8, WV_PUNCT = 0x10,
    WV_CONTROL = 0x20, WV_BLANK = 0x40, WV_HEX = 0x80, WV_ALPHA = 0x100,
};

static unsigned short wv_class(int c)
{
    if (c < 0 || c > 0x7f)
        return 0;
    if (c >= 'A' && c <= 'Z')
        return WV_ALPHA | WV_UPPER | (c <= 'F' ? WV_HEX : 0);
    if (c >= 'a' && c <= 'z')
        return WV_ALPHA | WV_LOWER | (c <= 'f' ? WV_HEX : 0);
    if (c >= '0' && c <= '9')
        return WV_DIGIT | WV_HEX;
    if (c == ' ')
        return WV_SPACE | WV_BLANK;
    if (c == '\t')
        return WV_CONTROL | WV_SPACE | WV_BLANK;
    if (c >= '\n' && c <= '\r')
        return WV_CONTROL | WV_SPACE;
    if (c < 0x20 || c == 0x7f)
        return WV_CONTROL;
    return WV_PUNCT;
}

/* _pctype: entry -1 (EOF) to 255. */
static unsigned short wv_pctype_table[257];
static pthread_once_t wv_pctype_once = PTHREAD_ONCE_INIT;

static void wv_pctype_init(void)
{
    for (int c = 0; c < 256; c++)
        wv_pctype_table[c + 1] = wv_class(c);
}

CRT const unsigned short *wv_ms___pctype_func(void)
{
    pthread_once(&wv_pctype_once, wv_pctype_init);
    return wv_pctype_table + 1;
}

/* The _pctype variable: a pointer to the table (filled before the first export is found). */
const unsigned short *wv_ms__pctype = wv_pctype_table + 1;

CRT int wv_ms__isctype(int c, int mask) { return wv_class(c) & mask; }
CRT int wv_ms_isalpha(int c) { return wv_class(c) & WV_ALPHA; }
CRT int wv_ms_isupper(int c) { return wv_class(c) & WV_UPPER; }
CRT int wv_ms_islower(int c) { return wv_class(c) & WV_LOWER; }
CRT int wv_ms_isdigit(int c) { return wv_class(c) & WV_DIGIT; }
CRT int wv_ms_isxdigit(int c) { return wv_class(c) & WV_HEX; }
CRT int wv_ms_isspace(int c) { return wv_class(c) & WV_SPACE; }
CRT int wv_ms_ispunct(int c) { return wv_class(c) & WV_PUNCT; }
CRT int wv_ms_iscntrl(int c) { return wv_class(c) & WV_CONTROL; }
CRT int wv_ms_isalnum(int c) { return wv_class(c) & (WV_ALPHA | WV_DIGIT); }
CRT int wv_ms_isprint(int c) { return c >= 0x20 && c < 0x7f ? wv_class(c) | 0x200 : 0; }
CRT int wv_ms_isgraph(int c) { return c > 0x20 && c < 0x7f ? wv_class(c) : 0; }
CRT int wv_ms_isblank(int c) { return c == ' ' || c == '\t' ? WV_BLANK : 0; }
CRT int wv_ms___isascii(int c) { return (unsigned)c < 0x80; }
CRT int wv_ms_toupper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
CRT int wv_ms_tolower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
CRT int wv_ms__toupper(int c) { return c - 'a' + 'A'; } /* unchecked, as msvcrt's */
CRT int wv_ms__tolower(int c) { return c - 'A' + 'a'; }

/* ---- setlocale ---- */

#define WV_LC_MAX 5
static char wv_lc_name[WV_LC_MAX + 1][64] = {"C", "C", "C", "C", "C", "C"};
static char wv_lc_all[6 * 80];
static unsigned wv_codepage;   /* 0: "C" */
static int wv_mb_cur_max = 1;
static pthread_mutex_t wv_lc_lock = PTHREAD_MUTEX_INITIALIZER;
int wv_ms___mb_cur_max = 1;

/* The user's locale name: what Linux's own C library would take for "". */
static const char *wv_user_locale(int cat)
{
    static const char *const var[] = {"LC_ALL", "LC_COLLATE", "LC_CTYPE", "LC_MONETARY", "LC_NUMERIC", "LC_TIME"};
    const char *v = getenv("LC_ALL");
    if (!v || !*v)
        v = getenv(var[cat ? cat : 2]);
    if (!v || !*v)
        v = getenv("LANG");
    return v && *v && strlen(v) < 64 ? v : "C";
}

static void wv_lc_set(int cat, const char *name)
{
    strcpy(wv_lc_name[cat], name);
    if (cat != 2)
        return;
    bool utf8 = strcasestr(name, "utf-8") || strcasestr(name, "utf8");
    wv_codepage = utf8 ? 65001 : 0;
    wv_mb_cur_max = wv_ms___mb_cur_max = utf8 ? 4 : 1;
}

static const char *wv_lc_query(int cat)
{
    if (cat)
        return wv_lc_name[cat];
    bool same = true;
    for (int c = 2; c <= WV_LC_MAX; c++)
        same &= !strcmp(wv_lc_name[c], wv_lc_name[1]);
    if (same)
        return wv_lc_name[1];
    snprintf(wv_lc_all, sizeof(wv_lc_all), "LC_COLLATE=%s;LC_CTYPE=%s;LC_MONETARY=%s;LC_NUMERIC=%s;LC_TIME=%s",
             wv_lc_name[1], wv_lc_name[2], wv_lc_name[3], wv_lc_name[4], wv_lc_name[5]);
    return wv_lc_all;
}

CRT char *wv_ms_setlocale(int cat, const char *name)
{
    if (cat < 0 || cat > WV_LC_MAX)
        return NULL;
    pthread_mutex_lock(&wv_lc_lock);
    const char *r = NULL;
    if (!name || !strcmp(name, "C") || !*name) {
        for (int c = cat ? cat : 1; name && c <= (cat ? cat : WV_LC_MAX); c++)
            wv_lc_set(c, *name ? "C" : wv_user_locale(c));
        r = wv_lc_query(cat);
    }
    pthread_mutex_unlock(&wv_lc_lock);
    return (char *)r;
}

CRT unsigned wv_ms____lc_codepage_func(void) { return wv_codepage; }
CRT int wv_ms____mb_cur_max_func(void) { return wv_mb_cur_max; }

struct wv_lconv {
    char *decimal_point, *thousands_sep, *grouping, *int_curr_symbol, *currency_symbol, *mon_decimal_point,
        *mon_thousands_sep, *mon_grouping, *positive_sign, *negative_sign;
    char int_frac_digits, frac_digits, p_cs_precedes, p_sep_by_space, n_cs_precedes, n_sep_by_space,
        p_sign_posn, n_sign_posn;
};
static struct wv_lconv wv_lconv = {".", "", "", "", "", "", "", "", "", "",
                                   127, 127, 127, 127, 127, 127, 127, 127}; /* CHAR_MAX: not available */
CRT void *wv_ms_localeconv(void) { return &wv_lconv; }

/* mingw's startup for -funsigned-char code: "not available" becomes UCHAR_MAX in localeconv's
 * char fields, as msvcrt's __lconv_init makes it.  0, as msvcrt returns. */
CRT int wv_ms___lconv_init(void)
{
    char *f = &wv_lconv.int_frac_digits;
    for (int i = 0; i < 8; i++)
        if (f[i] == 127)
            f[i] = (char)255;
    return 0;
}
