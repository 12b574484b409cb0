/* SPDX-License-Identifier: MIT */
/* map_ex.c - NtMapViewOfSectionEx: a view of a section in this process, where its extended
 * parameters allow (address requirements) or in place of a placeholder
 * (MEM_REPLACE_PLACEHOLDER: the placeholder must be exactly the view's range).  The page
 * protection names the access, as MapViewOfFile3 passes it: read-only maps for reading,
 * read-write for writing, write-copy privately, the execute forms add execute.
 *
 * MEM_TOP_DOWN places the view top-down, inside the address requirements too.  MEM_RESERVE
 * and MEM_LARGE_PAGES as Windows answers them (facts: ReactOS' kernel-mode test of
 * ZwMapViewOfSection, run on Windows): MEM_RESERVE is refused for a pagefile-backed section
 * and maps a file-backed one as usual (its pages committed, even for SEC_RESERVE);
 * MEM_LARGE_PAGES needs a SEC_LARGE_PAGES section, which winvm never has (NtCreateSection
 * refuses SEC_LARGE_PAGES with STATUS_PRIVILEGE_NOT_HELD, as Windows without
 * SeLockMemoryPrivilege), so it is STATUS_INVALID_PARAMETER, Windows 10's answer for a view
 * of a section without large pages.  A MEM_RESERVE view may reach past the end of its file
 * (the rest reserved until the section grows over it: section/view.c), which needs a writable
 * section (STATUS_SECTION_PROTECTION, the same test).
 */
#include "nt/nt.h"

/* The FILE_MAP_* access a view of this protection needs, or 0 when it is none of the eight. */
static DWORD wv_access_of(ULONG protect)
{
    switch (protect & 0xff) {
    case PAGE_READONLY: return FILE_MAP_READ;
    case PAGE_READWRITE: return FILE_MAP_WRITE;
    case PAGE_WRITECOPY: return FILE_MAP_COPY;
    case PAGE_EXECUTE: return FILE_MAP_READ | FILE_MAP_EXECUTE;
    case PAGE_EXECUTE_READ: return FILE_MAP_READ | FILE_MAP_EXECUTE;
    case PAGE_EXECUTE_READWRITE: return FILE_MAP_WRITE | FILE_MAP_EXECUTE;
    case PAGE_EXECUTE_WRITECOPY: return FILE_MAP_COPY | FILE_MAP_EXECUTE;
    default: return 0;
    }
}

struct wv_map_try {
    struct wv_section *s;
    DWORD granted, access;
    uint64_t off;
    SIZE_T bytes;
    bool not_at_base, top_down;
};

static DWORD wv_try_map(uintptr_t a, void *ctx, uintptr_t *out)
{
    struct wv_map_try *t = ctx;
    return wv_view_map_placed(t->s, t->granted, t->access, t->off, t->bytes, a, t->top_down && !a, out,
                              &t->not_at_base);
}

/* Windows' checks of the section against the view asked for, before the core's own. */
static NTSTATUS wv_check_view(const struct wv_section *s, ULONG type, ULONG protect, uint64_t off, SIZE_T bytes)
{
    if ((type & MEM_RESERVE) && !s->file_backed)
        return STATUS_INVALID_PARAMETER; /* a pagefile section's view is never reserved */
    if (wv_rights_of(protect) & ~wv_rights_of(s->protect))
        return STATUS_SECTION_PROTECTION;
    if (!s->image && off >= s->size && bytes == 0)
        return STATUS_INVALID_PARAMETER; /* as NtMapViewOfSection */
    bool reserve = (type & MEM_RESERVE) != 0; /* may reach past the end (section/view.c) */
    if (!s->image && (off >= s->size || (bytes > s->size - off && !reserve)))
        return STATUS_INVALID_VIEW_SIZE;
    if (reserve && !(wv_rights_of(s->protect) & 2))
        return STATUS_SECTION_PROTECTION; /* only a writable section can grow its file */
    return STATUS_SUCCESS;
}

static NTSTATUS wv_map_ex(struct wv_map_try *t, uintptr_t addr, ULONG type, const struct wv_nt_req *r,
                          uintptr_t *out)
{
    DWORD err;
    if (type & MEM_REPLACE_PLACEHOLDER) {
        if (!addr || r->given)
            return STATUS_INVALID_PARAMETER;
        err = wv_view_map_placeholder(t->s, t->granted, t->access, t->off, t->bytes, addr, out);
        return err == ERROR_INVALID_ADDRESS ? STATUS_CONFLICTING_ADDRESSES : wv_status_of(err);
    }
    if (r->given) {
        if (addr)
            return STATUS_INVALID_PARAMETER;
        size_t len = wv_page_up(t->bytes ? t->bytes : t->s->size - t->off);
        if (t->s->image)
            len = wv_page_up(t->s->image->size);
        struct wv_nt_req down = *r;
        down.top_down = t->top_down;
        return wv_nt_within(&down, len, wv_try_map, t, out);
    }
    err = wv_try_map(addr, t, out);
    return wv_status_of(err);
}

static NTSTATUS wv_map_section(HANDLE section, uintptr_t addr, uint64_t off, SIZE_T bytes, ULONG type,
                               ULONG protect, const struct wv_nt_req *r, uintptr_t *out, SIZE_T *len)
{
    struct wv_map_try t = {.off = off, .bytes = bytes,
                           .access = wv_access_of(protect) | ((type & MEM_RESERVE) ? FILE_MAP_RESERVE : 0)};
    t.s = (struct wv_section *)wv_handle_get(section, WV_KIND_SECTION, &t.granted);
    if (!t.s)
        return STATUS_INVALID_HANDLE;
    t.top_down = (type & MEM_TOP_DOWN) != 0;
    NTSTATUS st = wv_check_view(t.s, type, protect, off, bytes);
    if (!st)
        st = wv_map_ex(&t, addr, type, r, out);
    if (!st) {
        *len = t.s->image ? wv_page_up(t.s->image->size) : wv_page_up(bytes ? bytes : t.s->size - off);
        if (t.s->image)
            st = wv_nt_image_map_status(t.s->image, t.not_at_base);
    }
    wv_object_unref(&t.s->obj);
    wv_debug_validate_at(st < 0 ? addr : *out);
    return st;
}

NTSTATUS NTAPI NtMapViewOfSectionEx(HANDLE section, HANDLE process, PVOID *base_io, PLARGE_INTEGER off_io,
                                    PSIZE_T size_io, ULONG type, ULONG protect, PMEM_EXTENDED_PARAMETER ext,
                                    ULONG count)
{
    wv_fault_attach();
    struct wv_nt_req r;
    NTSTATUS st = wv_nt_ext_params(ext, count, &r);
    if (st)
        return st;
    if (type & ~(ULONG)(MEM_REPLACE_PLACEHOLDER | MEM_RESERVE | MEM_TOP_DOWN | MEM_LARGE_PAGES))
        return STATUS_INVALID_PARAMETER;
    if ((type & MEM_REPLACE_PLACEHOLDER) && (type & (MEM_RESERVE | MEM_TOP_DOWN)))
        return STATUS_INVALID_PARAMETER; /* the placeholder is the place */
    if (type & MEM_LARGE_PAGES)
        return STATUS_INVALID_PARAMETER; /* no section of winvm's has large pages (above) */
    if (!wv_access_of(protect) || (protect & ~0xffu))
        return STATUS_INVALID_PAGE_PROTECTION;
    uintptr_t addr;
    SIZE_T size;
    LARGE_INTEGER off = {0};
    if ((st = wv_nt_in_ptr(base_io, &addr)) || (st = wv_nt_in_size(size_io, &size)))
        return st;
    if (off_io && wv_copy(&off, off_io, sizeof(off)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (addr > WV_MAX_ADDR || off.QuadPart < 0)
        return STATUS_INVALID_PARAMETER;
    if (!wv_nt_self(process)) {
        struct wv_remote_view v = {.section = section, .base = addr, .off = (uint64_t)off.QuadPart, .size = size,
                                   .type = type, .protect = protect, .ex = true, .req = r};
        if ((st = wv_map_remote(process, &v, base_io, size_io)) != WV_REMOTE_VIEW_SELF)
            return st;
    }
    uintptr_t out = 0;
    SIZE_T len = 0;
    st = wv_map_section(section, addr, (uint64_t)off.QuadPart, size, type, protect, &r, &out, &len);
    if (st < 0)
        return st;
    wv_nt_out(base_io, &out, sizeof(out));
    wv_nt_out(size_io, &len, sizeof(len));
    return st;
}
