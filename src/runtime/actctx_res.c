/* SPDX-License-Identifier: MIT */
/* actctx_res.c - a manifest in a module: the RT_MANIFEST resource CreateActCtx reads when
 * ACTCTX_FLAG_HMODULE_VALID names a loaded module.  The image's resource directory (type, then
 * name, then language: the first language is taken, as there is one per manifest) is walked
 * in the mapped image through fault-safe copies: a module handle is the caller's pointer.
 */
#include "runtime/actctx.h"

#include <string.h>

#define WV_RT_MANIFEST 24

struct wv_res_dir {
    DWORD Characteristics, TimeDateStamp;
    WORD MajorVersion, MinorVersion, NumberOfNamedEntries, NumberOfIdEntries;
};

struct wv_res_ent {
    DWORD Name, OffsetToData;
};

/* The resource directory's RVA from the PE headers at base: 0 when there is none. */
static DWORD wv_res_root(uintptr_t base, DWORD *err)
{
    uint32_t lfanew = 0, sig = 0, dir[2] = {0, 0};
    uint16_t mz = 0, magic = 0;
    *err = ERROR_NOACCESS;
    if (wv_copy(&mz, (void *)base, 2) || wv_copy(&lfanew, (void *)(base + 0x3c), 4))
        return 0;
    uintptr_t nt = base + lfanew, opt = nt + 4 + 20;
    if (wv_copy(&sig, (void *)nt, 4) || wv_copy(&magic, (void *)opt, 2))
        return 0;
    *err = ERROR_RESOURCE_DATA_NOT_FOUND;
    if (mz != 0x5a4d || sig != 0x4550 || magic != 0x20b)
        return *err = ERROR_BAD_EXE_FORMAT, 0;
    if (wv_copy(dir, (void *)(opt + 112 + 2 * 8), sizeof(dir))) /* DataDirectory[RESOURCE] */
        return *err = ERROR_NOACCESS, 0;
    return dir[1] ? dir[0] : 0;
}

/* Whether directory entry e (of the resources at res) is `name`: an id, or a string compared
 * without case (ASCII), as FindResource compares. */
static bool wv_res_match(uintptr_t res, const struct wv_res_ent *e, ULONG_PTR id, const WCHAR *name)
{
    if (!name)
        return !(e->Name & 0x80000000u) && e->Name == id;
    if (!(e->Name & 0x80000000u))
        return false;
    uintptr_t s = res + (e->Name & 0x7fffffffu);
    WORD len = 0;
    if (wv_copy(&len, (void *)s, 2))
        return false;
    for (WORD i = 0; i < len; i++) {
        WCHAR c = 0, d = name[i];
        if (wv_copy(&c, (void *)(s + 2 + 2u * i), 2) || !d)
            return false;
        if (c >= 'a' && c <= 'z')
            c -= 32;
        if (d >= 'a' && d <= 'z')
            d -= 32;
        if (c != d)
            return false;
    }
    return name[len] == 0;
}

/* The entry of directory `dir` (offset from res) matching id or name; first: any one. */
static DWORD wv_res_find(uintptr_t res, DWORD dir, ULONG_PTR id, const WCHAR *name, bool first, DWORD *off)
{
    struct wv_res_dir d;
    if (wv_copy(&d, (void *)(res + dir), sizeof(d)))
        return ERROR_NOACCESS;
    unsigned n = (unsigned)d.NumberOfNamedEntries + d.NumberOfIdEntries;
    for (unsigned i = 0; i < n; i++) {
        struct wv_res_ent e;
        if (wv_copy(&e, (void *)(res + dir + sizeof(d) + i * sizeof(e)), sizeof(e)))
            return ERROR_NOACCESS;
        if (first || wv_res_match(res, &e, id, name))
            return *off = e.OffsetToData, 0;
    }
    return ERROR_RESOURCE_NAME_NOT_FOUND;
}

DWORD wv_res_manifest(uintptr_t base, const void *name, bool wide, const void **data, DWORD *size)
{
    DWORD err, rva = wv_res_root(base, &err), off = 0;
    if (!rva)
        return err;
    uintptr_t res = base + rva;
    WCHAR wname[256];
    const WCHAR *pname = NULL;
    if ((ULONG_PTR)name >> 16) { /* a string: the caller's, copied (ASCII widened) */
        size_t i = 0;
        for (; i < 255; i++) {
            WCHAR c = 0;
            if (wide ? wv_copy(&c, (const WCHAR *)name + i, 2) : wv_copy(&c, (const char *)name + i, 1))
                return ERROR_NOACCESS;
            if (!(wname[i] = c))
                break;
        }
        wname[i] = 0;
        pname = wname;
    }
    if (wv_res_find(res, 0, WV_RT_MANIFEST, NULL, false, &off) || !(off & 0x80000000u))
        return ERROR_RESOURCE_TYPE_NOT_FOUND;
    if ((err = wv_res_find(res, off & 0x7fffffffu, (ULONG_PTR)name, pname, false, &off)))
        return err;
    if ((off & 0x80000000u) && (err = wv_res_find(res, off & 0x7fffffffu, 0, NULL, true, &off)))
        return err == ERROR_NOACCESS ? err : ERROR_RESOURCE_LANG_NOT_FOUND;
    DWORD ent[2];
    if ((off & 0x80000000u) || wv_copy(ent, (void *)(res + off), sizeof(ent)))
        return ERROR_RESOURCE_DATA_NOT_FOUND;
    *data = (const void *)(base + ent[0]);
    *size = ent[1];
    return 0;
}
