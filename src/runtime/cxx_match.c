/* SPDX-License-Identifier: MIT */
/* cxx_match.c - which catch clause takes a C++ exception, and its parameter built.
 *
 * A thrown object's ThrowInfo lists the types it may be caught as (its CatchableTypeArray: the
 * type itself, its public bases, for a pointer the pointers to them and void *), each with the
 * PMD that turns a pointer to the object into one to that base, its size and copy
 * constructor.  A clause catches the first of them whose TypeDescriptor is its own (the same
 * address, or the same decorated name: a type in two modules has two descriptors), unless the
 * throw's const, volatile or unaligned attribute is one the clause lacks, or the type may be
 * caught by reference only and the clause is by value.  catch(...) (no type, or a type with an
 * empty name) takes anything.
 *
 * The parameter (at the clause's offset from the parent frame; none for catch(...) or an
 * unnamed one): a reference is the adjusted pointer; a simple type is copied by its bytes, a
 * pointer then adjusted; a class is copy-constructed from the adjusted object (the constructor
 * of a class with virtual bases takes 1, "most derived"), or copied by bytes without one.
 */
#include "runtime/cxx_int.h"

#include <string.h>

static bool wv_rd(void *dst, DWORD64 a, size_t n) { return wv_seh_read(dst, a, n); }

/* Whether the NUL-terminated strings at a and b (PE memory) are equal: read in pieces that do
 * not cross a page, so a name at the end of a mapping is read. */
static bool wv_cxx_same_name(DWORD64 a, DWORD64 b)
{
    char x[64], y[64];
    for (size_t done = 0; done < 4096;) {
        size_t n = sizeof(x);
        size_t ra = 4096 - ((a + done) & 4095), rb = 4096 - ((b + done) & 4095);
        if (n > ra)
            n = ra;
        if (n > rb)
            n = rb;
        if (!wv_rd(x, a + done, n) || !wv_rd(y, b + done, n))
            return false;
        for (size_t i = 0; i < n; i++) {
            if (x[i] != y[i])
                return false;
            if (!x[i])
                return true;
        }
        done += n;
    }
    return false;
}

/* TypeDescriptor: the vftable pointer, a spare word, then the decorated name. */
#define WV_TD_NAME 16

static bool wv_cxx_is_ellipsis(const struct wv_handler_type *h, DWORD64 base)
{
    char c;
    return !h->type || !wv_rd(&c, base + (DWORD)h->type + WV_TD_NAME, 1) || !c;
}

DWORD64 wv_cxx_adjust(DWORD64 object, const struct wv_pmd *pmd)
{
    if (!object)
        return 0;
    DWORD64 p = object + (DWORD64)(int64_t)pmd->mdisp;
    if (pmd->pdisp >= 0) {
        DWORD64 vbtable;
        int disp;
        if (wv_rd(&vbtable, object + (DWORD64)pmd->pdisp, 8) &&
            wv_rd(&disp, vbtable + (DWORD64)(int64_t)pmd->vdisp, 4))
            p += (DWORD64)pmd->pdisp + (DWORD64)(int64_t)disp;
    }
    return p;
}

/* Whether the catchable type ct is what clause h catches (the throw's attributes attr). */
static bool wv_cxx_type_ok(const struct wv_catchable *ct, DWORD64 xbase, const struct wv_handler_type *h,
                           DWORD64 hbase, DWORD attr)
{
    DWORD64 mine = hbase + (DWORD)h->type, theirs = xbase + (DWORD)ct->type;
    if (mine != theirs && !wv_cxx_same_name(mine + WV_TD_NAME, theirs + WV_TD_NAME))
        return false;
    if ((ct->properties & WV_CT_BYREFONLY) && !(h->adjectives & WV_HT_REFERENCE))
        return false;
    if ((attr & WV_TI_CONST) && !(h->adjectives & WV_HT_CONST))
        return false;
    if ((attr & WV_TI_VOLATILE) && !(h->adjectives & WV_HT_VOLATILE))
        return false;
    if ((attr & WV_TI_UNALIGNED) && !(h->adjectives & WV_HT_UNALIGNED))
        return false;
    return true;
}

bool wv_cxx_match(const EXCEPTION_RECORD *rec, const struct wv_handler_type *h, DWORD64 base,
                  struct wv_catchable *out)
{
    memset(out, 0, sizeof(*out));
    if (wv_cxx_is_ellipsis(h, base))
        return true;
    DWORD64 xbase = rec->ExceptionInformation[3];
    struct wv_throw_info ti;
    DWORD count;
    if (!wv_rd(&ti, rec->ExceptionInformation[2], sizeof(ti)) ||
        !wv_rd(&count, xbase + (DWORD)ti.catchables, sizeof(count)))
        return false;
    for (DWORD i = 0; i < count && i < 4096; i++) {
        int rva;
        if (!wv_rd(&rva, xbase + (DWORD)ti.catchables + 4 + 4 * (DWORD64)i, 4) ||
            !wv_rd(out, xbase + (DWORD)rva, sizeof(*out)))
            return false;
        if (wv_cxx_type_ok(out, xbase, h, base, ti.attributes))
            return true;
    }
    return false;
}

void wv_cxx_build_catch(const EXCEPTION_RECORD *rec, const struct wv_handler_type *h, const struct wv_catchable *ct,
                        DWORD64 parent, const CONTEXT *resume)
{
    if (!h->catch_obj || !ct->type) /* no parameter, or catch(...) */
        return;
    DWORD64 object = rec->ExceptionInformation[1], xbase = rec->ExceptionInformation[3];
    void *dest = (void *)(uintptr_t)(parent + (DWORD64)(int64_t)h->catch_obj);
    if (h->adjectives & WV_HT_REFERENCE) {
        DWORD64 p = wv_cxx_adjust(object, &ct->pmd);
        (void)wv_copy(dest, &p, sizeof(p));
    } else if (ct->properties & WV_CT_SIMPLE) {
        if (ct->size <= 0 || wv_copy(dest, (const void *)(uintptr_t)object, (size_t)ct->size))
            return;
        if (ct->size == 8) { /* a pointer: to the base the clause names */
            DWORD64 p;
            memcpy(&p, dest, 8);
            p = wv_cxx_adjust(p, &ct->pmd);
            memcpy(dest, &p, 8);
        }
    } else if (ct->copy) {
        DWORD64 from = wv_cxx_adjust(object, &ct->pmd), fn = xbase + (DWORD)ct->copy;
        wv_cxx_call(fn, (uintptr_t)dest, from, 1, resume); /* the third argument: virtual bases only */
    } else if (ct->size > 0) {
        (void)wv_copy(dest, (const void *)(uintptr_t)wv_cxx_adjust(object, &ct->pmd), (size_t)ct->size);
    }
}
