/* SPDX-License-Identifier: MIT */
/* cxx_fh4_read.c - reading the tables of __CxxFrameHandler4 (MSVC's /d2FH4, the default of
 * recent x64 MSVC): the FuncInfo4 the unwind info's handler data names, and its maps.
 *
 * Everything is a byte stream of compressed unsigned integers and 4-byte RVAs.  A compressed
 * integer's first byte says its length by its low bits (xxx0: 1 byte, xx01: 2, x011: 3,
 * 0111: 4, 1111: 5); the value is the little-endian bytes shifted right by the length, or for
 * five bytes the four after the first.  FuncInfo4: a header byte (flags: catch funclet,
 * separated code, BBT, an unwind map, a try map, /EHs, noexcept, a reserved bit), the BBT flags,
 * the unwind map's and try map's RVAs when present, the IP map's RVA (always), a catch
 * funclet's frame displacement.  Each map starts with its entry count.
 *   unwind entry: (offset back to the entry of the state it leads to, in bytes from this
 *                 entry's start, << 2 | type), then for a type the destructor's or funclet's
 *                 RVA and the object's frame offset; an offset reaching before the map's start
 *                 leads to state -1.
 *   try block:    its first and last state, its catches' last state, the RVA of its handlers.
 *   handler:      a header byte (adjectives, type, catch object present; continuations are
 *                 RVAs rather than function-relative; how many continuation addresses, 0-2),
 *                 then those fields in that order, the catch funclet's RVA between.
 *   IP map:       (IP delta from the previous entry, from the function's start; state + 1).
 *   separated:    the IP map RVA names (count, then (segment start RVA, IP map RVA) pairs).
 * Every read goes through wv_seh_read; a table that cannot be read, or an unwind entry that does
 * not lead to an earlier entry (a loop), is a failure the caller acts on.  Loops are bounded.
 */
#include "runtime/cxx_int.h"

#include <string.h>

#define WV_FH4_MAX (1u << 20) /* entries read from one map at most */

static bool wv_fh4_uint(DWORD64 *p, DWORD *v)
{
    static const BYTE len_of[16] = {1, 2, 1, 3, 1, 2, 1, 4, 1, 2, 1, 3, 1, 2, 1, 5};
    BYTE b[5] = {0};
    if (!wv_seh_read(b, *p, 1))
        return false;
    unsigned n = len_of[b[0] & 15];
    if (n > 1 && !wv_seh_read(b + 1, *p + 1, n - 1))
        return false;
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++)
        x |= (uint64_t)b[i] << (8 * i);
    *v = n == 5 ? (DWORD)(x >> 8) : (DWORD)(x >> n);
    *p += n;
    return true;
}

static bool wv_fh4_rva(DWORD64 *p, DWORD *v)
{
    if (!wv_seh_read(v, *p, 4))
        return false;
    *p += 4;
    return true;
}

/* A map at rva: its count and the RVA of its first entry (rva 0: empty). */
static bool wv_fh4_map(DWORD64 base, DWORD rva, DWORD *first, DWORD *count)
{
    *first = *count = 0;
    if (!rva)
        return true;
    DWORD64 p = base + rva;
    if (!wv_fh4_uint(&p, count))
        return false;
    *first = (DWORD)(p - base);
    return true;
}

/* The IP map of the segment starting at begin in a separated function's table (0: none,
 * the segment has no states). */
static bool wv_fh4_segment(DWORD64 base, DWORD table, DWORD begin, DWORD *map)
{
    DWORD64 p = base + table;
    DWORD n, start, m;
    *map = 0;
    if (!wv_fh4_uint(&p, &n))
        return false;
    for (DWORD i = 0; i < n && i < WV_FH4_MAX; i++) {
        if (!wv_fh4_rva(&p, &start) || !wv_fh4_rva(&p, &m))
            return false;
        if (start == begin) {
            *map = m;
            return true;
        }
    }
    return true;
}

bool wv_fh4_func_info(DWORD64 base, DWORD rva, DWORD begin, struct wv_fh4 *fi)
{
    memset(fi, 0, sizeof(*fi));
    DWORD64 p = base + rva;
    DWORD v, map;
    if (!wv_seh_read(&fi->header, p++, 1) || (fi->header & WV_FH4_RESERVED))
        return false;
    if ((fi->header & WV_FH4_BBT) && !wv_fh4_uint(&p, &v))
        return false;
    if ((fi->header & WV_FH4_UNWIND) &&
        (!wv_fh4_rva(&p, &map) || !wv_fh4_map(base, map, &fi->unwind_map, &fi->unwind_count)))
        return false;
    if ((fi->header & WV_FH4_TRY) &&
        (!wv_fh4_rva(&p, &map) || !wv_fh4_map(base, map, &fi->try_map, &fi->try_count)))
        return false;
    if (!wv_fh4_rva(&p, &map))
        return false;
    if ((fi->header & WV_FH4_SEPARATED) && (!map || !wv_fh4_segment(base, map, begin, &map)))
        return false;
    if (!wv_fh4_map(base, map, &fi->ip_map, &fi->ip_count))
        return false;
    return !(fi->header & WV_FH4_IS_CATCH) || wv_fh4_uint(&p, &fi->frame);
}

int wv_fh4_ip_state(const struct wv_fh4 *fi, DWORD64 base, DWORD begin, DWORD64 pc)
{
    DWORD64 p = base + fi->ip_map, ip = base + begin;
    int state = -1;
    for (DWORD i = 0; i < fi->ip_count && i < WV_FH4_MAX; i++) {
        DWORD delta, s;
        if (!wv_fh4_uint(&p, &delta) || !wv_fh4_uint(&p, &s))
            return -1;
        ip += delta;
        if (pc < ip)
            break;
        state = (int)s - 1;
    }
    return state;
}

bool wv_fh4_try_next(const struct wv_fh4 *fi, DWORD64 base, DWORD64 *pos, struct wv_fh4_try *t)
{
    DWORD64 p = *pos ? *pos : base + fi->try_map;
    DWORD low, high, catch_high, handlers;
    if (!wv_fh4_uint(&p, &low) || !wv_fh4_uint(&p, &high) || !wv_fh4_uint(&p, &catch_high) ||
        !wv_fh4_rva(&p, &handlers) || !wv_fh4_map(base, handlers, &t->handlers, &t->count))
        return false;
    t->low = (int)low, t->high = (int)high, t->catch_high = (int)catch_high;
    *pos = p;
    return true;
}

bool wv_fh4_clause_next(const struct wv_fh4_try *t, DWORD64 base, DWORD begin, DWORD64 *pos,
                        struct wv_handler_type *h, DWORD64 cont[2])
{
    DWORD64 p = *pos ? *pos : base + t->handlers;
    BYTE head;
    DWORD v;
    memset(h, 0, sizeof(*h));
    cont[0] = cont[1] = 0;
    if (!wv_seh_read(&head, p++, 1))
        return false;
    if ((head & 0x01) && !wv_fh4_uint(&p, &h->adjectives))
        return false;
    if ((head & 0x02) && !wv_fh4_rva(&p, &v))
        return false;
    h->type = (head & 0x02) ? (int)v : 0;
    if ((head & 0x04) && !wv_fh4_uint(&p, &v))
        return false;
    h->catch_obj = (head & 0x04) ? (int)v : 0;
    if (!wv_fh4_rva(&p, &v))
        return false;
    h->handler = (int)v;
    unsigned n = (head >> 4) & 3;
    if (n == 3)
        return false; /* reserved */
    for (unsigned i = 0; i < n; i++) {
        if (!((head & 0x08) ? wv_fh4_rva(&p, &v) : wv_fh4_uint(&p, &v)))
            return false;
        cont[i] = base + ((head & 0x08) ? v : begin + v);
    }
    *pos = p;
    return true;
}

static bool wv_fh4_unwind_read(DWORD64 *p, struct wv_fh4_unwind *e, DWORD *back)
{
    DWORD v;
    if (!wv_fh4_uint(p, &v))
        return false;
    e->type = v & 3, *back = v >> 2;
    e->action = e->object = 0;
    if (e->type && !wv_fh4_rva(p, &e->action))
        return false;
    return (e->type != 1 && e->type != 2) || wv_fh4_uint(p, &e->object);
}

bool wv_fh4_unwind_entry(const struct wv_fh4 *fi, DWORD64 base, int state, struct wv_fh4_unwind *e)
{
    if (state < 0 || (DWORD)state >= fi->unwind_count || (DWORD)state >= WV_FH4_MAX)
        return false;
    DWORD64 start = base + fi->unwind_map, p = start, at = start;
    DWORD back = 0;
    for (int i = 0; i <= state; i++) {
        at = p;
        if (!wv_fh4_unwind_read(&p, e, &back))
            return false;
    }
    if (back > at - start) { /* before the map: the function's outermost state */
        e->prev = -1;
        return true;
    }
    DWORD64 target = at - back;
    struct wv_fh4_unwind skip;
    DWORD skip_back;
    p = start;
    for (int i = 0; i < state; i++) { /* an earlier entry's start, exactly */
        if (p == target) {
            e->prev = i;
            return true;
        }
        if (p > target || !wv_fh4_unwind_read(&p, &skip, &skip_back))
            return false;
    }
    return false; /* itself or a later entry: a loop */
}
