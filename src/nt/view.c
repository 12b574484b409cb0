/* SPDX-License-Identifier: MIT */
/* view.c - NtMapViewOfSection, NtUnmapViewOfSection(Ex) over the cores of MapViewOfFileEx and
 * UnmapViewOfFile (section/view.c).  The NT form takes a page protection where MapViewOfFile
 * takes FILE_MAP_* access (kernelbase turns one into the other: write, else read, else copy,
 * else none; execute shifts it into the PAGE_EXECUTE_* column), ZeroBits, MEM_TOP_DOWN, a
 * commit size for SEC_RESERVE sections, and its in/out base and size.  Checks in Windows'
 * order (facts: Wine's test_NtMapViewOfSection and test_NtQuerySection, run on 64-bit
 * Windows): zero bits, allocation type, inheritance, protection, the parameters, the handles,
 * alignment, the view's size; then the core.
 */
#include "nt/nt.h"

#define WV_MAP_TYPES (MEM_TOP_DOWN | MEM_RESERVE)

struct wv_map {
    struct wv_section *s;
    DWORD granted, access;
    uint64_t off;
    SIZE_T size, commit;
    uintptr_t base, limit;
    bool top_down;
};

/* FILE_MAP_* access for a view's protection (kernelbase's mapping, inverted); false for a
 * protection no view takes. */
static bool wv_map_access(ULONG prot, DWORD *access)
{
    DWORD x = (prot & 0xf0) ? FILE_MAP_EXECUTE : 0;
    if ((prot & 0xf0) && (prot & 0x0f))
        return false; /* two protections at once */
    switch (prot & 0xf0 ? prot >> 4 : prot) {
    case PAGE_NOACCESS:
        *access = x;
        return true;
    case PAGE_READONLY:
        *access = FILE_MAP_READ | x;
        return true;
    case PAGE_READWRITE:
        *access = FILE_MAP_WRITE | FILE_MAP_READ | x;
        return true;
    case PAGE_WRITECOPY:
        *access = FILE_MAP_COPY | x;
        return true;
    default:
        return false;
    }
}

/* The rights a view with this access needs from the handle. */
static DWORD wv_map_rights(DWORD access)
{
    return ((access & FILE_MAP_WRITE) ? SECTION_MAP_WRITE : SECTION_MAP_READ) |
           ((access & FILE_MAP_EXECUTE) ? SECTION_MAP_EXECUTE : 0);
}

static SIZE_T wv_map_len(const struct wv_map *m)
{
    if (m->s->image)
        return wv_page_up(m->s->size);
    return wv_page_up(m->size ? m->size : m->s->size - m->off);
}

/* The view's alignment and size against the section: 0 or the status. */
static NTSTATUS wv_map_check(struct wv_map *m, ULONG type)
{
    /* A reserved view is a file's (facts: ReactOS' kernel-mode ZwMapViewOfSection test, run
     * on Windows; its pages are committed all the same). */
    bool reserve = (type & MEM_RESERVE) != 0;
    if (reserve && !m->s->file_backed)
        return STATUS_INVALID_PARAMETER_9;
    if (m->off % WV_GRANULE || m->base % WV_GRANULE)
        return STATUS_MAPPED_ALIGNMENT;
    if (m->s->image)
        return m->off ? STATUS_INVALID_PARAMETER_6 : STATUS_SUCCESS;
    if (m->off >= m->s->size && m->size == 0)
        return STATUS_INVALID_PARAMETER; /* no view size to be wrong: the offset is (Wine) */
    /* A reserved view may reach past the end; the part past it stays reserved (section/view.c). */
    if (m->off >= m->s->size || (m->size > m->s->size - m->off && !reserve))
        return STATUS_INVALID_VIEW_SIZE;
    if (m->size > WV_END_ADDR)
        return STATUS_INVALID_PARAMETER_7;
    /* A commit size means something for a pagefile section only; a file's view takes none
     * unless reserved (the same ReactOS test). */
    if (m->commit > wv_map_len(m) || (m->commit && m->s->file_backed && !reserve))
        return STATUS_INVALID_PARAMETER_5;
    if (reserve)
        m->access |= FILE_MAP_RESERVE;
    return STATUS_SUCCESS;
}

/* A view wholly at or below m->limit: the lowest free 64 KiB-aligned range that fits, as
 * NtAllocateVirtualMemory places with zero bits. */
static DWORD wv_map_below(struct wv_map *m, uintptr_t *out, bool *nab)
{
    uintptr_t len = wv_map_len(m), a = WV_MIN_ADDR;
    for (int steps = 0; steps < 65536 && a <= m->limit && len - 1 <= m->limit - a; steps++) {
        MEMORY_BASIC_INFORMATION mb;
        wv_virtual_query(a, &mb);
        uintptr_t end = (uintptr_t)mb.BaseAddress + mb.RegionSize;
        if (mb.State == MEM_FREE && end - a >= len) {
            DWORD err = wv_view_map_placed(m->s, m->granted, m->access, m->off, m->size, a, false, out, nab);
            if (err != ERROR_INVALID_ADDRESS)
                return err;
        }
        a = wv_gran_up(end > a ? end : a + 1);
        if (a > WV_MAX_ADDR)
            break;
    }
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* The status for the core's error. */
static NTSTATUS wv_map_status(const struct wv_map *m, DWORD err)
{
    if (err == ERROR_ACCESS_DENIED)
        return (wv_map_rights(m->access) & ~m->granted) ? STATUS_ACCESS_DENIED : STATUS_SECTION_PROTECTION;
    if (err == ERROR_NOT_ENOUGH_MEMORY)
        return (NTSTATUS)STATUS_NO_MEMORY;
    return wv_status_of(err);
}

/* Maps the view; SEC_RESERVE's commit size committed in it.  0 or the status. */
static NTSTATUS wv_map_do(struct wv_map *m, ULONG prot, uintptr_t *out, bool *nab)
{
    DWORD err = !m->base && m->limit ? wv_map_below(m, out, nab)
                                     : wv_view_map_placed(m->s, m->granted, m->access, m->off, m->size,
                                                          m->base, m->top_down, out, nab);
    wv_debug_validate_at(err ? m->base : *out);
    if (err)
        return wv_map_status(m, err);
    if (m->commit && m->s->commits) {
        uintptr_t at;
        err = wv_virtual_alloc(*out, m->commit, MEM_COMMIT, prot, &at);
        if (err) {
            wv_view_unmap(*out);
            return wv_status_of(err);
        }
    }
    return STATUS_SUCCESS;
}

/* The arguments checked before any handle is looked at. */
static NTSTATUS wv_map_args(struct wv_map *m, ULONG_PTR zero_bits, PVOID *base_io, PLARGE_INTEGER off_io,
                            PSIZE_T size_io, SECTION_INHERIT inherit, ULONG type, ULONG prot)
{
    if (!wv_zero_bits_limit(zero_bits, &m->limit))
        return STATUS_INVALID_PARAMETER_4;
    if (type & ~(ULONG)WV_MAP_TYPES)
        return STATUS_INVALID_PARAMETER_9; /* AT_ROUND_TO_PAGE included: 32-bit only */
    if (inherit != ViewShare && inherit != ViewUnmap)
        return STATUS_INVALID_PARAMETER_8;
    if (!wv_map_access(prot, &m->access))
        return STATUS_INVALID_PAGE_PROTECTION;
    NTSTATUS st = wv_nt_in_ptr(base_io, &m->base);
    if (st || (st = wv_nt_in_size(size_io, &m->size)))
        return st;
    m->off = 0;
    if (off_io && (wv_copy(off_io, off_io, sizeof(*off_io)) || wv_copy(&m->off, off_io, sizeof(m->off))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (m->base > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_3;
    /* A base asked for must itself satisfy the zero bits. */
    if (m->base && m->limit && m->base > m->limit)
        return STATUS_INVALID_PARAMETER_4;
    m->top_down = (type & MEM_TOP_DOWN) != 0;
    return STATUS_SUCCESS;
}

NTSTATUS wv_map_remote(HANDLE process, struct wv_remote_view *v, PVOID *base_io, PSIZE_T size_io)
{
    NTSTATUS st = wv_nt_remote_view ? wv_nt_remote_view(process, v) : STATUS_INVALID_HANDLE;
    if (st >= 0 && st != WV_REMOTE_VIEW_SELF) {
        uintptr_t at = v->base;
        SIZE_T len = v->size;
        if (base_io)
            wv_nt_out(base_io, &at, sizeof(at));
        if (size_io)
            wv_nt_out(size_io, &len, sizeof(len));
    }
    return st;
}

NTSTATUS NTAPI NtMapViewOfSection(HANDLE section, HANDLE process, PVOID *base_io, ULONG_PTR zero_bits,
                                  SIZE_T commit, PLARGE_INTEGER off_io, PSIZE_T size_io, SECTION_INHERIT inherit,
                                  ULONG type, ULONG prot)
{
    wv_fault_attach();
    struct wv_map m = {.commit = commit};
    NTSTATUS st = wv_map_args(&m, zero_bits, base_io, off_io, size_io, inherit, type, prot);
    if (st)
        return st;
    if (!wv_nt_self(process)) {
        struct wv_remote_view v = {.section = section, .base = m.base, .off = m.off, .size = m.size,
                                   .zero_bits = zero_bits, .commit = commit, .type = type, .protect = prot,
                                   .inherit = inherit};
        if ((st = wv_map_remote(process, &v, base_io, size_io)) != WV_REMOTE_VIEW_SELF)
            return st;
    }
    m.s = (struct wv_section *)wv_handle_get(section, WV_KIND_SECTION, &m.granted);
    if (!m.s) {
        DWORD any;
        struct wv_object *o = wv_handle_get(section, WV_KIND_ANY, &any);
        wv_object_unref(o);
        return o ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_INVALID_HANDLE;
    }
    /* An image maps its sections' own protections: read access is enough, once the handle
     * grants what the protection asked for (a read-only handle maps no write view). */
    if (m.s->image && (wv_map_rights(m.access) & ~m.granted)) {
        wv_object_unref(&m.s->obj);
        return STATUS_ACCESS_DENIED;
    }
    if (m.s->image)
        m.access = FILE_MAP_READ;
    uintptr_t at = 0;
    bool not_at_base = false;
    if (!(st = wv_map_check(&m, type)) && !(st = wv_map_do(&m, prot, &at, &not_at_base))) {
        SIZE_T len = wv_map_len(&m);
        wv_nt_out(base_io, &at, sizeof(at));
        wv_nt_out(size_io, &len, sizeof(len));
    }
    if (!st && m.s->image)
        st = wv_nt_image_map_status(m.s->image, not_at_base);
    wv_object_unref(&m.s->obj);
    return st;
}

static NTSTATUS wv_unmap(HANDLE process, PVOID base, ULONG flags)
{
    wv_fault_attach();
    if (flags & ~(ULONG)(MEM_UNMAP_WITH_TRANSIENT_BOOST | MEM_PRESERVE_PLACEHOLDER))
        return STATUS_INVALID_PARAMETER_3;
    NTSTATUS st;
    struct wv_remote_view v = {.base = (uintptr_t)base, .flags = flags};
    if (!wv_nt_self(process) && (st = wv_map_remote(process, &v, NULL, NULL)) != WV_REMOTE_VIEW_SELF)
        return st;
    uintptr_t addr = (uintptr_t)base;
    if (addr > WV_MAX_ADDR)
        return STATUS_NOT_MAPPED_VIEW;
    /* MEM_PRESERVE_PLACEHOLDER: the placeholder the view replaced comes back (placeholder.c) */
    DWORD err = (flags & MEM_PRESERVE_PLACEHOLDER) ? wv_view_unmap_preserve(addr) : wv_view_unmap(addr);
    wv_debug_validate_at(addr);
    if (err == ERROR_INVALID_ADDRESS)
        return STATUS_NOT_MAPPED_VIEW;
    return wv_status_of(err);
}

NTSTATUS NTAPI NtUnmapViewOfSectionEx(HANDLE process, PVOID base, ULONG flags)
{
    return wv_unmap(process, base, flags);
}

NTSTATUS NTAPI NtUnmapViewOfSection(HANDLE process, PVOID base) { return wv_unmap(process, base, 0); }
