/* SPDX-License-Identifier: MIT */
/* sectinfo.c - NtQuerySection (SectionBasicInformation, SectionImageInformation),
 * NtExtendSection and NtAreMappedFilesTheSame: what a section handle or a view says of its
 * section.  Facts from Wine's test_NtQuerySection / test_CreateFileMapping /
 * test_NtAreMappedFilesTheSame, run on Windows: a pagefile section reports SEC_COMMIT or
 * SEC_RESERVE and its page-rounded size, a file's SEC_FILE and the exact size asked (or the
 * file's), an image SEC_FILE | SEC_IMAGE; two views are "the same mapped file" when both are
 * images of one file, both addresses lie in one data view, or the first is an image and the
 * second a data view of the image's file (not the other way round: the first argument is
 * File1MappedAsAnImage).
 */
#include "nt/nt.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- NtQuerySection ---- */

static ULONG wv_section_attributes(const struct wv_section *s)
{
    ULONG cache = s->flags & (SEC_NOCACHE | SEC_WRITECOMBINE);
    if (s->image)
        return SEC_FILE | SEC_IMAGE;
    if (s->file_backed)
        return SEC_FILE | cache;
    return (s->flags & (SEC_COMMIT | SEC_RESERVE)) | cache;
}

static uint32_t wv_rd(const struct wv_image *img, size_t at, size_t n)
{
    uint32_t v = 0;
    if (at + n <= img->file_size)
        memcpy(&v, img->file + at, n);
    return v;
}

/* Windows' ImageContainsCode: code by the headers' word (SizeOfCode, an entry point), or pages
 * that execute (a section that does, or a flat image, mapped executable whole).  Wine's
 * test_image_mapping / query_image_section, run on Windows 10. */
static bool wv_image_has_code(const wv_pe *pe, uint32_t size_of_code)
{
    if (size_of_code || pe->entry_rva || pe->section_alignment < WV_PAGE_SIZE)
        return true;
    for (unsigned i = 0; i < pe->nsections; i++)
        if (pe->sections[i].characteristics & WV_PE_SCN_MEM_EXECUTE)
            return true;
    return false;
}

/* The .NET (COR20) header's part Windows reports: LoaderFlags says there is one (the COM
 * descriptor directory names one), ComPlusILOnly that its code is IL only, for a runtime of
 * 2.5 or later.  ComPlusNativeReady and ComPlusPrefer32bit concern 32-bit (PE32) IL-only
 * images only: the first unless the header asks for 32 bits (COMIMAGE_FLAGS_32BITREQUIRED),
 * the second when it prefers them (32BITPREFERRED); Wine's query_image_section on Windows 10. */
enum { WV_DIR_COM = 14, WV_COR_ILONLY = 1, WV_COR_32BITREQUIRED = 2, WV_COR_32BITPREFERRED = 0x20000 };
static void wv_image_cor(const wv_pe *pe, SECTION_IMAGE_INFORMATION *ii)
{
    const wv_pe_dir *d = &pe->dirs[WV_DIR_COM];
    if (WV_DIR_COM >= pe->ndirs || !d->rva || !d->size)
        return;
    ii->LoaderFlags = 1;
    const uint8_t *cor = wv_pe_rva_ptr(pe, d->rva, 20); /* cb, versions, MetaData, Flags */
    if (!cor)
        return;
    uint16_t major, minor;
    uint32_t flags;
    memcpy(&major, cor + 4, 2), memcpy(&minor, cor + 6, 2), memcpy(&flags, cor + 16, 4);
    if (!(flags & WV_COR_ILONLY) || major < 2 || (major == 2 && minor < 5))
        return;
    ii->ComPlusILOnly = 1;
    if (!pe->pe32plus) {
        ii->ComPlusNativeReady = !(flags & WV_COR_32BITREQUIRED);
        ii->ComPlusPrefer32bit = (flags & WV_COR_32BITPREFERRED) != 0;
    }
}

/* The optional-header fields wv_pe does not keep are read from the file itself (its headers:
 * at the same offsets in a cache entry's layout). */
void wv_nt_image_info(const struct wv_image *img, SECTION_IMAGE_INFORMATION *ii)
{
    const wv_pe *pe = &img->pe;
    size_t opt = wv_rd(img, 0x3c, 4) + 24u;
    memset(ii, 0, sizeof(*ii));
    ii->TransferAddress = (PVOID)(uintptr_t)(pe->image_base + pe->entry_rva);
    ii->MaximumStackSize = pe->stack_reserve;
    ii->CommittedStackSize = pe->stack_commit;
    ii->SubSystemType = pe->subsystem;
    ii->SubSystemMajorVersion = (USHORT)wv_rd(img, opt + 48, 2);
    ii->SubSystemMinorVersion = (USHORT)wv_rd(img, opt + 50, 2);
    ii->MajorOperatingSystemVersion = (USHORT)wv_rd(img, opt + 40, 2);
    ii->MinorOperatingSystemVersion = (USHORT)wv_rd(img, opt + 42, 2);
    ii->ImageCharacteristics = pe->characteristics;
    ii->DllCharacteristics = pe->dll_characteristics;
    ii->Machine = pe->machine;
    ii->ImageContainsCode = wv_image_has_code(pe, wv_rd(img, opt + 4, 4));
    ii->ImageMappedFlat = wv_image_flat(pe);
    wv_image_cor(pe, ii);
    /* The file's own size (a cache entry's layout is SizeOfImage long); an image built in
     * memory has no file but its bytes. */
    ii->ImageFileSize = (ULONG)(img->fd >= 0 ? (uint64_t)img->st.st_size : img->file_size);
    ii->CheckSum = wv_rd(img, opt + 64, 4);
}

NTSTATUS wv_nt_image_map_status(const struct wv_image *img, bool not_at_base)
{
    size_t opt = wv_rd(img, 0x3c, 4) + 24u;
    if (img->pe.machine != WV_PE_MACHINE_AMD64 && wv_image_has_code(&img->pe, wv_rd(img, opt + 4, 4)))
        return STATUS_IMAGE_MACHINE_TYPE_MISMATCH;
    return not_at_base ? STATUS_IMAGE_NOT_AT_BASE : STATUS_SUCCESS;
}

static SIZE_T wv_section_info_size(SECTION_INFORMATION_CLASS c)
{
    if (c == SectionBasicInformation)
        return sizeof(SECTION_BASIC_INFORMATION);
    if (c == SectionImageInformation)
        return sizeof(SECTION_IMAGE_INFORMATION);
    return 0;
}

/* The section behind h with `need` rights: 0, or the status. */
static NTSTATUS wv_section_of(HANDLE h, DWORD need, struct wv_section **out)
{
    DWORD granted = 0;
    *out = (struct wv_section *)wv_handle_get(h, WV_KIND_SECTION, &granted);
    if (!*out) {
        struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &granted);
        wv_object_unref(o);
        return o ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_INVALID_HANDLE;
    }
    if (need & ~granted) {
        wv_object_unref(&(*out)->obj);
        return STATUS_ACCESS_DENIED;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS wv_query_section(struct wv_section *s, SECTION_INFORMATION_CLASS c, void *buf)
{
    union {
        SECTION_BASIC_INFORMATION basic;
        SECTION_IMAGE_INFORMATION image;
    } u;
    if (c == SectionBasicInformation) {
        u.basic = (SECTION_BASIC_INFORMATION){.Attributes = wv_section_attributes(s)};
        u.basic.Size.QuadPart = (LONGLONG)(s->size_asked ? s->size_asked : __atomic_load_n(&s->size, __ATOMIC_ACQUIRE));
    } else if (!s->image) {
        return STATUS_SECTION_NOT_IMAGE;
    } else {
        wv_nt_image_info(s->image, &u.image);
    }
    return wv_copy(buf, &u, wv_section_info_size(c)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

NTSTATUS NTAPI NtQuerySection(HANDLE h, SECTION_INFORMATION_CLASS c, PVOID buf, SIZE_T cap, PSIZE_T ret_len)
{
    SIZE_T need = wv_section_info_size(c);
    if (!need)
        return STATUS_INVALID_INFO_CLASS;
    if (cap < need)
        return STATUS_INFO_LENGTH_MISMATCH;
    /* The whole length asked is probed, not only what the class writes (Wine's kernel32
     * test_NtQuerySection: a length 64 GiB past the structure is an access violation, before
     * a data section's STATUS_SECTION_NOT_IMAGE). */
    if (wv_nt_probe_out(buf, cap) || (ret_len && wv_copy(ret_len, ret_len, sizeof(*ret_len))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    struct wv_section *s;
    NTSTATUS st = wv_section_of(h, SECTION_QUERY, &s);
    if (st)
        return st;
    st = wv_query_section(s, c, buf);
    wv_object_unref(&s->obj);
    if (!st && ret_len)
        wv_nt_out(ret_len, &need, sizeof(need));
    return st;
}

/* ---- NtExtendSection ---- */

NTSTATUS NTAPI NtExtendSection(HANDLE h, PLARGE_INTEGER size_io)
{
    uint64_t want, now = 0;
    if (!size_io || wv_copy(size_io, size_io, sizeof(*size_io)) || wv_copy(&want, size_io, sizeof(want)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    struct wv_section *s;
    NTSTATUS st = wv_section_of(h, SECTION_EXTEND_SIZE, &s);
    if (st)
        return st;
    DWORD err = wv_section_extend(s, want, &now);
    wv_object_unref(&s->obj);
    if (err == ERROR_NOT_SUPPORTED || err == ERROR_ACCESS_DENIED)
        return STATUS_SECTION_NOT_EXTENDED;
    if (err == ERROR_NOT_ENOUGH_MEMORY)
        return STATUS_SECTION_TOO_BIG;
    if (err)
        return wv_status_of(err);
    wv_nt_out(size_io, &now, sizeof(now));
    return STATUS_SUCCESS;
}

/* ---- NtAreMappedFilesTheSame ---- */

/* What lies at an address: a view of a section (its kind, its base, the file's identity), or
 * the status Windows gives for anything else. */
struct wv_mapped {
    bool image, file; /* file: a data view of a file (dev, ino: the file's) */
    uintptr_t base;
    dev_t dev;
    ino_t ino;
    char name[96]; /* a builtin DLL's image or its file's: identified by its path (below) */
};

/* A data view's file: its identity, and a builtin DLL's file (sealed, this process's) by the
 * system path it carries, as its image is. */
static void wv_mapped_file(int fd, struct wv_mapped *m)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return;
    m->file = true, m->dev = st.st_dev, m->ino = st.st_ino;
    wv_memfile_name(fd, m->name, sizeof(m->name));
}

/* Whether image x and data view y map the same file. */
static bool wv_image_of_file(const struct wv_mapped *x, const struct wv_mapped *y)
{
    if (x->name[0] || y->name[0])
        return !strcmp(x->name, y->name) && strcmp(x->name, "?");
    return x->dev == y->dev && x->ino == y->ino;
}

static NTSTATUS wv_mapped_at(uintptr_t addr, struct wv_mapped *m)
{
    if (!addr || addr > WV_MAX_ADDR)
        return STATUS_INVALID_ADDRESS;
    NTSTATUS st = STATUS_SUCCESS;
    wv_space_lock();
    const struct wv_view *v = wv_space_find(wv_page_down(addr));
    if (v && v->section) {
        const struct wv_section *s = v->section;
        *m = (struct wv_mapped){.image = s->image != NULL, .base = v->base};
        const struct wv_image *img = s->image;
        if (img)
            m->dev = img->st.st_dev, m->ino = img->st.st_ino;
        /* A builtin's image has no file, and its file (sealed, uncached) is this process's
         * copy: both are that builtin's by the system path they carry. */
        if (img && (img->fd < 0 || img->uncached))
            snprintf(m->name, sizeof(m->name), "%s", img->path ? img->path : "?");
        if (!img && s->file_backed)
            wv_mapped_file(s->fd, m);
    } else if (v) {
        st = STATUS_CONFLICTING_ADDRESSES; /* private memory */
    }
    wv_space_unlock();
    if (v)
        return st;
    /* Not winvm's: free, or the host's own memory as VirtualQuery describes it. */
    MEMORY_BASIC_INFORMATION mb;
    wv_virtual_query(wv_page_down(addr), &mb);
    if (mb.State == MEM_FREE)
        return STATUS_INVALID_ADDRESS;
    if (mb.Type == MEM_PRIVATE)
        return STATUS_CONFLICTING_ADDRESSES;
    *m = (struct wv_mapped){.image = false, .base = (uintptr_t)mb.AllocationBase};
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtAreMappedFilesTheSame(PVOID a, PVOID b)
{
    struct wv_mapped x, y;
    NTSTATUS st = wv_mapped_at((uintptr_t)a, &x);
    if (st || (st = wv_mapped_at((uintptr_t)b, &y)))
        return st;
    if (x.image && y.image && (x.name[0] || y.name[0]))
        return x.base == y.base || (!strcmp(x.name, y.name) && strcmp(x.name, "?")) ? STATUS_SUCCESS
                                                                                   : STATUS_NOT_SAME_DEVICE;
    if (x.image && y.image)
        return x.dev == y.dev && x.ino == y.ino ? STATUS_SUCCESS : STATUS_NOT_SAME_DEVICE;
    if (x.image && y.file)
        return wv_image_of_file(&x, &y) ? STATUS_SUCCESS : STATUS_NOT_SAME_DEVICE;
    return !x.image && !y.image && x.base == y.base ? STATUS_SUCCESS : STATUS_NOT_SAME_DEVICE;
}
