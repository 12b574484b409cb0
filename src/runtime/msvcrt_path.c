/* SPDX-License-Identifier: MIT */
/* msvcrt_path.c - a path split into its parts (_splitpath, _wsplitpath and their _s forms) and
 * _wcsrev.  The parts as msvcrt finds them: the drive is "X:" when the second character is a
 * colon; the directory runs to the last '\\' or '/' (kept); the extension starts at the last
 * '.' after it; the name is what lies between.  The plain forms write each part a caller asks
 * for (NULL: not asked), cut to the documented _MAX_DRIVE/_MAX_DIR/_MAX_FNAME/_MAX_EXT sizes
 * (Windows' would write past them); the _s forms check every buffer: EINVAL for a NULL path or
 * a buffer and size that disagree, ERANGE when a part does not fit, every part emptied then. */
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <string.h>

#define WV_MAX_DRIVE 3
#define WV_MAX_DIR 256
#define WV_MAX_FNAME 256
#define WV_MAX_EXT 256

/* Where each part of the n units at path (unit 1 or 2 bytes) ends: drive, dir, name, ext. */
static void wv_split_at(const void *path, size_t unit, size_t end[4])
{
#define WV_AT(i) (unit == 1 ? (unsigned)((const unsigned char *)path)[i] : (unsigned)((const WCHAR *)path)[i])
    size_t n = 0, drive = 0, dir, ext;
    while (WV_AT(n))
        n++;
    if (n >= 2 && WV_AT(1) == ':')
        drive = 2;
    dir = drive;
    for (size_t i = drive; i < n; i++)
        if (WV_AT(i) == '\\' || WV_AT(i) == '/')
            dir = i + 1;
    ext = n; /* the last '.' of the name, a leading one too (".profile" is all extension) */
    for (size_t i = dir; i < n; i++)
        if (WV_AT(i) == '.')
            ext = i;
#undef WV_AT
    end[0] = drive, end[1] = dir, end[2] = ext, end[3] = n;
}

/* Copies units [from, to) of path into out (cap units, terminator included): 0, or ERANGE
 * when they do not fit (cut = false) / cut to fit (cut = true). */
static int wv_split_put(void *out, size_t cap, const void *path, size_t unit, size_t from, size_t to, bool cut)
{
    if (!out)
        return 0;
    size_t n = to - from;
    if (n + 1 > cap) {
        if (!cut)
            return ERANGE;
        n = cap - 1;
    }
    memcpy(out, (const char *)path + from * unit, n * unit);
    memset((char *)out + n * unit, 0, unit);
    return 0;
}

static void wv_split(const void *path, size_t unit, void *drive, void *dir, void *fname, void *ext)
{
    size_t end[4];
    if (!path)
        return;
    wv_split_at(path, unit, end);
    wv_split_put(drive, WV_MAX_DRIVE, path, unit, 0, end[0], true);
    wv_split_put(dir, WV_MAX_DIR, path, unit, end[0], end[1], true);
    wv_split_put(fname, WV_MAX_FNAME, path, unit, end[1], end[2], true);
    wv_split_put(ext, WV_MAX_EXT, path, unit, end[2], end[3], true);
}

CRT void wv_ms__splitpath(const char *p, char *drive, char *dir, char *fname, char *ext)
{
    wv_split(p, 1, drive, dir, fname, ext);
}

CRT void wv_ms__wsplitpath(const WCHAR *p, WCHAR *drive, WCHAR *dir, WCHAR *fname, WCHAR *ext)
{
    wv_split(p, sizeof(WCHAR), drive, dir, fname, ext);
}

static int wv_split_s(const void *path, size_t unit, void *out[4], const size_t cap[4])
{
    bool bad = !path;
    for (int i = 0; i < 4; i++)
        bad |= !out[i] != !cap[i];
    if (bad) {
        for (int i = 0; i < 4; i++)
            if (out[i] && cap[i])
                memset(out[i], 0, unit);
        return wv_crt_fail(EINVAL), EINVAL;
    }
    size_t end[4], from = 0;
    wv_split_at(path, unit, end);
    for (int i = 0; i < 4; from = end[i++])
        if (wv_split_put(out[i], cap[i], path, unit, from, end[i], false)) {
            for (int k = 0; k < 4; k++)
                if (out[k])
                    memset(out[k], 0, unit);
            return wv_crt_fail(ERANGE), ERANGE;
        }
    return 0;
}

CRT int wv_ms__splitpath_s(const char *p, char *drive, size_t nd, char *dir, size_t ndir, char *fname, size_t nf,
                           char *ext, size_t ne)
{
    void *out[4] = {drive, dir, fname, ext};
    size_t cap[4] = {nd, ndir, nf, ne};
    return wv_split_s(p, 1, out, cap);
}

CRT int wv_ms__wsplitpath_s(const WCHAR *p, WCHAR *drive, size_t nd, WCHAR *dir, size_t ndir, WCHAR *fname,
                            size_t nf, WCHAR *ext, size_t ne)
{
    void *out[4] = {drive, dir, fname, ext};
    size_t cap[4] = {nd, ndir, nf, ne};
    return wv_split_s(p, sizeof(WCHAR), out, cap);
}

/* The units of s reversed in place (surrogate pairs too, as msvcrt does). */
CRT WCHAR *wv_ms__wcsrev(WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    for (size_t i = 0; i + 1 < n - i; i++) {
        WCHAR t = s[i];
        s[i] = s[n - 1 - i], s[n - 1 - i] = t;
    }
    return s;
}
