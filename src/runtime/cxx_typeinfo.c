/* SPDX-License-Identifier: MIT */
/* cxx_typeinfo.c - std::type_info's helpers in ucrtbase.dll and vcruntime140.dll, over the
 * __std_type_info_data that follows a type_info's vftable: {const char *undecorated (made on
 * demand by name()), char decorated[] (".?AVname@@")}.
 *
 * __std_type_info_compare: 0 for the same object, else the order of the decorated names past
 * their first character, as -1, 0 or 1.  __std_type_info_hash: 64-bit FNV-1a over the decorated
 * name past its first character, its high half then folded into the low one (x64's value; the
 * empty name gives 0xcbf29ce44fd0bfc1, as Wine's tests record).  __std_type_info_destroy_list:
 * frees (the CRT's free) every node of the list name() keeps its strings in.
 * __std_type_info_name (and msvcrt's type_info::name) are undname_crt.c's, over the name
 * undecorator.  A name that cannot be read ends where it stops being readable (Windows would
 * fault in the caller).
 */
#include "runtime/cxx_int.h"
#include "runtime/msvcrt_int.h"

#include <stdlib.h>
#include <winvm/slist.h>

/* The decorated name's bytes from its second: calls fn(ctx, c) for each, to the terminator. */
static void wv_ti_each(DWORD64 data, void (*fn)(void *, unsigned char), void *ctx)
{
    DWORD64 p = data + 8 + 1;
    char buf[64];
    for (size_t guard = 0; guard < (1u << 20);) {
        size_t n = 4096 - (p & 4095);
        if (n > sizeof(buf))
            n = sizeof(buf);
        if (!wv_seh_read(buf, p, n))
            return;
        for (size_t i = 0; i < n; i++) {
            if (!buf[i])
                return;
            fn(ctx, (unsigned char)buf[i]);
        }
        p += n, guard += n;
    }
}

static void wv_ti_fnv(void *ctx, unsigned char c)
{
    uint64_t *h = ctx;
    *h = (*h ^ c) * 1099511628211ull;
}

CRT size_t wv_ucrt___std_type_info_hash(const void *data)
{
    uint64_t h = 14695981039346656037ull;
    wv_ti_each((uintptr_t)data, wv_ti_fnv, &h);
    return (size_t)(h ^ (h >> 32));
}

int wv_cxx_strcmp(DWORD64 a, DWORD64 b)
{
    char x[64], y[64];
    for (size_t done = 0; done < (1u << 20);) {
        size_t n = sizeof(x), ra = 4096 - ((a + done) & 4095), rb = 4096 - ((b + done) & 4095);
        n = n < ra ? n : ra;
        n = n < rb ? n : rb;
        bool okx = wv_seh_read(x, a + done, n), oky = wv_seh_read(y, b + done, n);
        if (!okx || !oky)
            return okx - oky;
        for (size_t i = 0; i < n; i++) {
            if (x[i] != y[i])
                return (unsigned char)x[i] < (unsigned char)y[i] ? -1 : 1;
            if (!x[i])
                return 0;
        }
        done += n;
    }
    return 0;
}

CRT int wv_ucrt___std_type_info_compare(const void *a, const void *b)
{
    if (a == b)
        return 0;
    return wv_cxx_strcmp((uintptr_t)a + 9, (uintptr_t)b + 9);
}

CRT void wv_ucrt___std_type_info_destroy_list(SLIST_HEADER *list)
{
    SLIST_ENTRY *e = InterlockedFlushSList(list);
    while (e) {
        SLIST_ENTRY *next;
        if (wv_copy(&next, &e->Next, sizeof(next)))
            return;
        free(e); /* each node was the CRT's malloc */
        e = next;
    }
}
