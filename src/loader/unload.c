/* SPDX-License-Identifier: MIT */
/* unload.c - the unload event trace (ntdll's RtlGetUnloadEventTrace): the last 64 modules
 * unloaded, in a ring Windows keeps for debuggers and crash dumps.  Each entry holds the
 * image's base, size, the unload's sequence number (from 0), its header's TimeDateStamp and
 * CheckSum, and the base name (at most 31 UTF-16 units, NUL-terminated).  Entry i is the
 * unload whose sequence number is i modulo 64, so entries fill from the first and a walk that
 * stops at a NULL BaseAddress (as programs walk it) sees every unload until the ring wraps; a
 * zeroed entry after the 64 stops such a walk after the wrap as well.  Written under the
 * loader lock; readers read it as it stands, as on Windows.
 */
#include "loader/loader.h"

#include <string.h>

static struct wv_unload_event wv_unload_ring[WV_UNLOAD_EVENTS + 1];
static ULONG wv_unload_seq; /* the next unload's number (loader lock) */
/* What RtlGetUnloadEventTraceEx hands out: pointers to these, never changed. */
static ULONG wv_unload_size = sizeof(struct wv_unload_event), wv_unload_count = WV_UNLOAD_EVENTS;
static struct wv_unload_event *wv_unload_first = wv_unload_ring;

/* The optional header's CheckSum of the image at base (0 when its headers cannot be read). */
static ULONG wv_unload_checksum(uintptr_t base)
{
    DWORD lfanew = 0, sum = 0;
    if (wv_copy(&lfanew, (const void *)(base + 0x3c), sizeof(lfanew)) || lfanew > 0x1000 ||
        wv_copy(&sum, (const void *)(base + lfanew + 24 + 64), sizeof(sum))) /* signature, file header */
        return 0;
    return sum;
}

void wv_unload_record(const struct wv_module *m)
{
    struct wv_unload_event *e = &wv_unload_ring[wv_unload_seq % WV_UNLOAD_EVENTS];
    memset(e, 0, sizeof(*e));
    e->base = (void *)m->base;
    e->size = m->img ? (SIZE_T)m->img->size : 0;
    e->sequence = wv_unload_seq++;
    e->time_date_stamp = m->img ? m->img->pe.timestamp : 0;
    e->checksum = wv_unload_checksum(m->base);
    size_t n = 0;
    const char *name = m->name ? m->name : "";
    wv_utf8_to_utf16(name, strlen(name), e->name, WV_UNLOAD_NAME - 1, WV_TEXT_REPLACE, &n);
    e->name[n < WV_UNLOAD_NAME ? n : WV_UNLOAD_NAME - 1] = 0; /* cut, as Windows cuts it */
}

struct wv_unload_event *wv_unload_trace(void) { return wv_unload_ring; }

void wv_unload_trace_ex(ULONG **size, ULONG **count, void **trace)
{
    *size = &wv_unload_size, *count = &wv_unload_count, *trace = &wv_unload_first;
}
