/* SPDX-License-Identifier: MIT */
/* image.c - SEC_IMAGE sections: a PE file mapped as Windows maps an image.
 *
 * Layout (reference, "Images"): the header page READONLY, each section's pages with the
 * protection its characteristics give, every page committed, AllocationProtect
 * PAGE_EXECUTE_WRITECOPY, Type MEM_IMAGE; header bytes past SizeOfHeaders and section bytes
 * past the file data read as zero.
 *
 * Flat images (SectionAlignment below the page size, or a FileAlignment that is not a multiple
 * of 512) are mapped as the file is, RVA = file offset, every page PAGE_EXECUTE_WRITECOPY: the
 * sections cannot have page protections of their own (ReactOS's MiCreateImageFileMap, the
 * Windows behaviour it follows).  Such an image must have FileAlignment = SectionAlignment.
 *
 * Sharing: a view is MAP_PRIVATE over a page-aligned layout (a cache entry, see section.h), so until a process writes, its image pages are the page cache's, one copy for
 * every process.  A written page becomes that process's copy (WRITECOPY -> READWRITE).
 *
 * Base: the preferred base when free (MAP_FIXED_NOREPLACE).  Otherwise a DYNAMIC_BASE image
 * is relocated when mapped, by one of two policies:
 *   shared  (default; Windows since Vista) one base per image per boot, derived from the
 *           file's identity and the boot id, so every process picks the same one; the layout
 *           relocated for it is a cache entry, so relocated pages are shared too.  A process
 *           where that base is taken falls back to classic.
 *   classic (Wine, and the seed) any free base, fixups applied in place: the kernel copies
 *           exactly the pages that hold fixups.
 * An image without DYNAMIC_BASE is mapped elsewhere unrelocated and reported not at base
 * (STATUS_IMAGE_NOT_AT_BASE); the loader relocates it, classic.  An image whose relocations
 * were stripped is mapped elsewhere too, unrelocated and not at base (Windows: Wine's
 * test_image_mapping); the loader refuses such a DLL (ERROR_INVALID_ADDRESS).
 */
#define _GNU_SOURCE
#include "section/section.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WV_SHARED_LO ((uint64_t)0x500000000000) /* where shared-policy bases are drawn from */
#define WV_SHARED_SPAN ((uint64_t)0x100000000000)

static int wv_policy_forced = -1; /* winvm_set_image_sharing, else the environment; atomic */

enum wv_img_policy wv_image_policy(void)
{
    int forced = __atomic_load_n(&wv_policy_forced, __ATOMIC_RELAXED);
    if (forced >= 0)
        return (enum wv_img_policy)forced;
    const char *e = getenv("WINVM_IMAGE_SHARING");
    return e && !strcmp(e, "classic") ? WV_POLICY_CLASSIC : WV_POLICY_SHARED;
}

DWORD wv_image_set_policy(DWORD policy)
{
    if (policy > WINVM_IMAGE_SHARING_DEFAULT)
        return ERROR_INVALID_PARAMETER;
    __atomic_store_n(&wv_policy_forced, policy == WINVM_IMAGE_SHARING_DEFAULT ? -1 : (int)policy,
                     __ATOMIC_RELAXED);
    return 0;
}

/* ---- opening ---- */

/* Whether a cache entry is worth its cost: an entry holds every page of the image, allocated
 * (imgcache.c, E5) and checksummed at each use, so an image far larger than its file (a 22 KB
 * DLL declaring 2 GiB) would cost that much disk and reading for nothing shared.  Such images
 * are private copies, which cost only the pages the file fills (the rest: lazy zero pages). */
#define WV_CACHE_SLACK ((uint64_t)64 << 20)
static bool wv_cache_worth(const struct wv_image *img)
{
    return img->size <= WV_CACHE_SLACK + 8 * (uint64_t)img->file_size;
}

/* Whether the file still is what st says (a write or truncation moves size, mtime or ctime). */
static bool wv_same_file(int fd, const struct stat *st)
{
    struct stat now;
    return fstat(fd, &now) == 0 && now.st_size == st->st_size &&
           now.st_mtim.tv_sec == st->st_mtim.tv_sec && now.st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
           now.st_ctim.tv_sec == st->st_ctim.tv_sec && now.st_ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* Reads img->fd into a private snapshot that matches img->st (the cache key): a file changed
 * while it is read is read again. */
static DWORD wv_image_snapshot(struct wv_image *img)
{
    for (int tries = 0; tries < 4; tries++) {
        if (fstat(img->fd, &img->st) != 0)
            return ERROR_BAD_EXE_FORMAT;
        if (img->st.st_size == 0)
            return ERROR_FILE_INVALID; /* STATUS_INVALID_FILE_FOR_SECTION */
        img->file_size = img->map_len = (size_t)img->st.st_size;
        img->file = img->map = wv_file_snapshot(img->fd, img->file_size);
        if (img->file && wv_same_file(img->fd, &img->st))
            return 0;
        if (img->map)
            wv_os_unmap((uintptr_t)img->map, img->map_len);
        img->file = img->map = NULL;
    }
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* The checks every parse must pass to be mapped: 0 or ERROR_BAD_EXE_FORMAT.  An i386 (PE32)
 * image is mapped as 64-bit Windows maps one (its sections, their protections, its image
 * information): a section of it is data to this process, whose loader refuses to run it
 * (loader.c) and whose NtMapViewOfSection says so (STATUS_IMAGE_MACHINE_TYPE_MISMATCH). */
static DWORD wv_image_mappable(const wv_pe *pe)
{
    if (pe->machine != WV_PE_MACHINE_AMD64 && pe->machine != WV_PE_MACHINE_I386)
        return ERROR_BAD_EXE_FORMAT; /* parsed and reported (inspect), never mapped */
    if (pe->section_alignment < WV_PAGE_SIZE && pe->file_alignment != pe->section_alignment)
        return ERROR_BAD_EXE_FORMAT; /* STATUS_INVALID_IMAGE_FORMAT */
    return 0;
}

/* Makes fd, img's entry at base (img->size known), what img's pages and bytes come from: the
 * entry is mapped read-only (the page cache's copy, shared) and parsed as a layout, and any
 * snapshot goes.  Whether it could; fd is img's or closed either way. */
static bool wv_image_adopt(struct wv_image *img, int fd, uint64_t base)
{
    size_t len = WV_PAGE_SIZE + (size_t)img->size;
    const uint8_t *m = wv_file_map_read(fd, len);
    wv_pe pe;
    if (!m || wv_pe_parse_layout(&pe, m + WV_PAGE_SIZE, (size_t)img->size) != 0 || wv_image_mappable(&pe) ||
        pe.image_base != base || wv_page_up((uint64_t)pe.size_of_image) != img->size) {
        if (m)
            wv_os_unmap((uintptr_t)m, len);
        close(fd);
        return false;
    }
    if (img->map)
        wv_os_unmap((uintptr_t)img->map, img->map_len);
    img->pe = pe;
    img->map = m, img->map_len = len;
    img->file = m + WV_PAGE_SIZE, img->file_size = (size_t)img->size;
    img->layout_fd = fd;
    img->layout_off = WV_PAGE_SIZE;
    img->source = WV_IMG_CACHE;
    return true;
}

/* The fast way: the entry at the base the file's headers name, found by the file's identity
 * (img->st) and those headers alone, so no copy of the file is read.  Whether it was there. */
static bool wv_image_cached(struct wv_image *img)
{
    uint8_t hdr[WV_PAGE_SIZE];
    ssize_t n = pread(img->fd, hdr, sizeof(hdr), 0);
    wv_pe pe;
    if (n <= 0 || wv_pe_parse_layout(&pe, hdr, (size_t)n) != 0 || wv_image_mappable(&pe))
        return false;
    img->size = wv_page_up((uint64_t)pe.size_of_image);
    int fd = wv_cache_lookup(img, pe.image_base);
    return fd >= 0 && wv_image_adopt(img, fd, pe.image_base);
}

/* The slow way: the file read into a snapshot and parsed there, then laid out into a new cache
 * entry (which then replaces the snapshot) or, without one, kept as a private copy's source. */
static DWORD wv_image_build(struct wv_image *img)
{
    DWORD err = wv_image_snapshot(img);
    if (!err && wv_pe_parse(&img->pe, img->file, img->file_size) != 0)
        err = ERROR_BAD_EXE_FORMAT;
    if (!err)
        err = wv_image_mappable(&img->pe);
    if (err)
        return err;
    img->size = wv_page_up((uint64_t)img->pe.size_of_image);
    img->source = WV_IMG_PRIVATE;
    int fd = wv_cache_worth(img) && !img->uncached ? wv_cache_entry(img, img->pe.image_base) : -1;
    if (fd >= 0)
        wv_image_adopt(img, fd, img->pe.image_base);
    return 0;
}

/* A sealed file laid out already (every section at its RVA in the file, page-aligned, the file
 * as long as the image: a builtin DLL's) is its own layout: nothing can write or cut it, so
 * its pages are mapped privately from it as a cache entry's are, shared until written, and a
 * written page shows as a copy.  Otherwise it stays a private copy. */
static void wv_image_self_layout(struct wv_image *img)
{
    const wv_pe *pe = &img->pe;
    bool laid_out = wv_image_direct(pe) && img->file_size >= img->size;
    for (unsigned i = 0; laid_out && i < pe->nsections; i++)
        laid_out = pe->sections[i].raw_ptr == pe->sections[i].va;
    if (laid_out && (img->layout_fd = fcntl(img->fd, F_DUPFD_CLOEXEC, 3)) >= 0)
        img->layout_off = 0, img->source = WV_IMG_CACHE;
}

static void wv_image_name(struct wv_image *img, const char *path)
{
    char shown[256];
    if (path)
        img->path = strdup(path);
    else if (img->uncached && wv_memfile_name(img->fd, shown, sizeof(shown)))
        img->path = strdup(shown); /* a builtin's file: its system-directory name */
    else {
        char link[64], buf[4096];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", img->fd);
        ssize_t n = readlink(link, buf, sizeof(buf) - 1);
        if (n > 0) {
            buf[n] = 0;
            img->path = strdup(buf);
        }
    }
}

/* Nothing is ever read from the PE file after this: headers, TLS, exports and layouts come
 * from the cache entry winvm made or a private snapshot, and the image's pages never map the
 * file (a mapping of it would follow later writes and fault on truncation), so writing or
 * cutting a loaded DLL's file changes nothing in the running image. */
DWORD wv_image_open(int fd, const char *path, struct wv_image **out)
{
    struct wv_image *img = calloc(1, sizeof(*img));
    if (!img)
        return ERROR_NOT_ENOUGH_MEMORY;
    img->fd = img->layout_fd = -1;
    DWORD err = 0;
    if (fstat(fd, &img->st) != 0 || !S_ISREG(img->st.st_mode))
        err = ERROR_BAD_EXE_FORMAT;
    else if ((img->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
        err = ERROR_TOO_MANY_OPEN_FILES;
    /* A sealed file (a builtin DLL's, host/memfile.c) is this process's alone and gone with
     * it: a cache entry of it would never be used again, and would stay. */
    img->uncached = !err && img->st.st_nlink == 0 && wv_memfile_sealed(img->fd);
    if (!err)
        wv_image_name(img, path);
    if (!err && img->st.st_size == 0)
        err = ERROR_FILE_INVALID; /* STATUS_INVALID_FILE_FOR_SECTION */
    if (!err && (img->uncached || !wv_image_cached(img)))
        err = wv_image_build(img);
    if (!err && img->uncached)
        wv_image_self_layout(img);
    if (err) {
        wv_image_free(img);
        return err;
    }
    *out = img;
    return 0;
}

DWORD wv_image_file_status(int fd)
{
    static __thread uint8_t head[4096];
    ssize_t n = fd >= 0 ? pread(fd, head, sizeof(head), 0) : -1;
    if (n <= 0)
        return STATUS_INVALID_FILE_FOR_SECTION;
    wv_pe pe;
    DWORD st = wv_pe_parse(&pe, head, (size_t)n);
    uint32_t lfanew = 0;
    if (n >= 64)
        memcpy(&lfanew, head + 60, 4);
    bool ne = n >= 64 && (uint64_t)lfanew + 2 <= (uint64_t)n && head[lfanew] == 'N' && head[lfanew + 1] == 'E';
    if (st == STATUS_INVALID_IMAGE_NOT_MZ || (ne && st))
        return st;
    if (st == STATUS_INVALID_IMAGE_PROTECT) { /* "MZ", and no "PE\0\0" where e_lfanew says */
        uint8_t sig[4];
        bool beyond = (size_t)n == sizeof(head) && pread(fd, sig, 4, (off_t)lfanew) == 4; /* past what was read */
        if (!beyond || memcmp(sig, "PE\0\0", 4) != 0)
            return st;
    }
    return STATUS_INVALID_IMAGE_FORMAT;
}

/* An image built in memory (the loader's builtin DLLs): bytes (len, from wv_os_alloc, owned by
 * the image from here even on failure) hold it laid out already (every section at its RVA, file
 * offsets equal to RVAs).  It has no file: never in the image cache, always a private copy. */
DWORD wv_image_open_memory(uint8_t *bytes, size_t len, const char *path, struct wv_image **out)
{
    struct wv_image *img = calloc(1, sizeof(*img));
    if (!img) {
        wv_os_unmap((uintptr_t)bytes, len);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    img->fd = img->layout_fd = -1;
    img->file = img->map = bytes;
    img->file_size = img->map_len = len;
    img->source = WV_IMG_PRIVATE;
    img->path = path ? strdup(path) : NULL;
    DWORD err = wv_pe_parse(&img->pe, img->file, img->file_size) != 0 ? ERROR_BAD_EXE_FORMAT : 0;
    if (!err)
        err = wv_image_mappable(&img->pe);
    if (err) {
        wv_image_free(img);
        return err;
    }
    img->size = wv_page_up((uint64_t)img->pe.size_of_image);
    *out = img;
    return 0;
}

void wv_image_free(struct wv_image *img)
{
    if (!img)
        return;
    if (img->map)
        wv_os_unmap((uintptr_t)img->map, img->map_len);
    if (img->fd >= 0)
        close(img->fd);
    if (img->layout_fd >= 0)
        close(img->layout_fd);
    free(img->path);
    free(img);
}

/* ---- layout ---- */

/* The page state of every page of the image: headers READONLY, sections by characteristics,
 * anything else (alignment gaps) NOACCESS; all committed. */
static void wv_image_states(const struct wv_image *img, struct wv_view *v, wv_page_t extra)
{
    const wv_pe *pe = &img->pe;
    if (wv_image_flat(pe)) {
        wv_view_update(v, 0, v->npages, 0,
                       (wv_page_t)(WV_COMMITTED | wv_prot_parse(PAGE_EXECUTE_WRITECOPY, true) | extra));
        return;
    }
    wv_page_t noaccess = (wv_page_t)(WV_COMMITTED | wv_prot_parse(PAGE_NOACCESS, true) | extra);
    wv_view_update(v, 0, v->npages, 0, noaccess);
    size_t hdr = wv_page_up(pe->size_of_headers) / WV_PAGE_SIZE;
    wv_view_update(v, 0, hdr < v->npages ? hdr : v->npages, 0,
                   (wv_page_t)(WV_COMMITTED | wv_prot_parse(PAGE_READONLY, true) | extra));
    for (unsigned k = 0; k < pe->nsections; k++) {
        const wv_pe_section *s = &pe->sections[k];
        size_t i = s->va / WV_PAGE_SIZE, n = wv_sec_span(s) / WV_PAGE_SIZE;
        if (i >= v->npages)
            continue;
        if (n > v->npages - i)
            n = v->npages - i;
        wv_view_update(v, i, n, 0, (wv_page_t)(WV_COMMITTED | wv_prot_parse(s->protect, true) | extra));
    }
}

/* ---- relocation ---- */

static int wv_restore_run(const struct wv_view *v, size_t i, size_t n, int prot, void *arg)
{
    (void)arg;
    return wv_os_protect(v->base + i * WV_PAGE_SIZE, n * WV_PAGE_SIZE, prot) ? -1 : 0;
}

/* Gives pages [i, i+n) of v (not yet visible to other threads, or locked) the host protection
 * the model says. */
static DWORD wv_image_host_prot(const struct wv_view *v, size_t i, size_t n)
{
    return wv_view_host_runs(v, i, n, wv_restore_run, NULL) ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

DWORD wv_image_relocate(struct wv_image *img, uintptr_t base)
{
    if (base == img->pe.image_base)
        return 0;
    /* Writable for the fixups, then the model's protections back; only the pages written
     * become copies. */
    DWORD err = wv_image_host_writable(base, true);
    if (err)
        return err;
    err = wv_image_fixups(img, base, (uint8_t *)base);
    DWORD perr = wv_image_host_writable(base, false);
    return err ? err : perr;
}

struct wv_image *wv_image_at(uintptr_t base)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(base);
    struct wv_image *img = v && v->base == base && v->type == MEM_IMAGE ? v->section->image : NULL;
    wv_space_unlock();
    return img;
}

/* ---- naming code for reports (wv_fault_describer) ---- */

struct wv_nearest {
    uint32_t rva, best;
    const char *name;
};

static int wv_nearest_export(void *ctx, const wv_pe_export *e)
{
    struct wv_nearest *n = ctx;
    if (e->name && !e->forwarder && e->rva <= n->rva && (!n->name || e->rva > n->best))
        n->best = e->rva, n->name = e->name;
    return 0;
}

/* Appends s to out at *len, within cap (no stdio: the report may run in a signal handler). */
static void wv_append(char *out, size_t cap, size_t *len, const char *s)
{
    while (*s && *len + 1 < cap)
        out[(*len)++] = *s++;
    out[*len] = 0;
}

static void wv_append_hex(char *out, size_t cap, size_t *len, uint64_t v)
{
    char digits[19] = "0x", tmp[16];
    int n = 0;
    do
        tmp[n++] = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    for (int i = 0; i < n; i++)
        digits[2 + i] = tmp[n - 1 - i];
    digits[2 + n] = 0;
    wv_append(out, cap, len, digits);
}

size_t wv_image_describe(uintptr_t addr, char *out, size_t cap)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(addr);
    struct wv_image *img = v && v->type == MEM_IMAGE ? v->section->image : NULL;
    uintptr_t base = v ? v->base : 0;
    wv_space_unlock();
    size_t len = 0;
    if (!img || !cap)
        return 0;
    const char *name = img->path ? img->path : "image", *slash = strrchr(name, '/');
    wv_append(out, cap, &len, slash ? slash + 1 : name);
    struct wv_nearest n = {(uint32_t)(addr - base), 0, NULL};
    wv_pe_exports(&img->pe, wv_nearest_export, &n);
    if (n.name) {
        wv_append(out, cap, &len, "!");
        wv_append(out, cap, &len, n.name);
    }
    wv_append(out, cap, &len, "+");
    wv_append_hex(out, cap, &len, n.rva - (n.name ? n.best : 0));
    return len;
}

DWORD wv_image_host_writable(uintptr_t base, bool on)
{
    wv_space_lock();
    struct wv_view *v = wv_space_find(base);
    DWORD err = ERROR_INVALID_ADDRESS;
    if (v && v->type == MEM_IMAGE)
        err = on ? wv_os_protect(v->base, v->end - v->base, PROT_READ | PROT_WRITE)
                 : wv_image_host_prot(v, 0, v->npages);
    wv_space_unlock();
    return err;
}

/* ---- mapping ---- */

/* Places v at *at (0: anywhere) with the layout in fd (-1: anonymous, filled later); *at is
 * where it went. */
static DWORD wv_place(struct wv_image *img, struct wv_view *v, int fd, uintptr_t *at)
{
    struct wv_backing b = {fd, fd == img->layout_fd ? img->layout_off : (off_t)WV_PAGE_SIZE, false};
    const struct wv_backing *bp = fd >= 0 ? &b : NULL;
    int prot = fd >= 0 ? PROT_READ : PROT_READ | PROT_WRITE;
    DWORD err = wv_region_place(v, *at, false, prot, bp);
    if (!err)
        *at = v->base;
    return err;
}

/* This boot's id: read once, as images may be opened by several threads at once. */
static char wv_boot[40];
static pthread_once_t wv_boot_once = PTHREAD_ONCE_INIT;

static void wv_boot_read(void)
{
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, wv_boot, sizeof(wv_boot) - 1);
        close(fd);
        wv_boot[n > 0 ? n : 0] = 0;
    }
}

/* The shared policy's base for img: the same in every process of this boot. */
static uint64_t wv_shared_base(const struct wv_image *img)
{
    pthread_once(&wv_boot_once, wv_boot_read);
    const char *boot = wv_boot;
    uint64_t key[6] = {img->st.st_dev, img->st.st_ino, (uint64_t)img->st.st_size,
                       (uint64_t)img->st.st_mtim.tv_sec * 1000000000ull + (uint64_t)img->st.st_mtim.tv_nsec,
                       (uint64_t)img->st.st_ctim.tv_sec * 1000000000ull + (uint64_t)img->st.st_ctim.tv_nsec,
                       img->size};
    uint64_t h = wv_hash(wv_hash(WV_HASH_INIT, key, sizeof(key)), boot, strlen(boot));
    uint64_t slots = (WV_SHARED_SPAN - img->size) / WV_GRANULE;
    return WV_SHARED_LO + (h % slots) * WV_GRANULE;
}

static bool wv_can_move(const struct wv_image *img)
{
    return !(img->pe.characteristics & WV_PE_FILE_RELOCS_STRIPPED);
}

/* Places the image at want, or picks where it goes; says whether fixups are still to be
 * applied in place (*fix) and which layout is mapped (*fd, -1 for the file or private). */
static DWORD wv_choose(struct wv_image *img, struct wv_view *v, uintptr_t want, uintptr_t *at, int *fd,
                       bool *fix)
{
    uint64_t pref = img->pe.image_base;
    int pref_fd = img->source == WV_IMG_CACHE ? img->layout_fd : -1;
    *fix = false;
    *fd = pref_fd;
    *at = want ? want : (uintptr_t)pref;
    if (want || (pref % WV_GRANULE == 0 && pref >= WV_MIN_ADDR && pref + img->size <= WV_END_ADDR)) {
        DWORD err = wv_place(img, v, pref_fd, at);
        if (!err || want) {
            *fix = *at != pref;
            return err;
        }
        if (err != ERROR_INVALID_ADDRESS)
            return err;
    }
    bool dynamic = (img->pe.dll_characteristics & WV_PE_DLL_DYNAMIC_BASE) && wv_can_move(img);
    if (dynamic && img->fd >= 0 && !img->uncached && wv_image_policy() == WV_POLICY_SHARED) { /* a file's image */
        uint64_t sb = wv_shared_base(img);
        int sfd = wv_cache_entry(img, sb);
        if (sfd >= 0) {
            *at = (uintptr_t)sb;
            if (wv_place(img, v, sfd, at) == 0) {
                *fd = sfd;
                return 0;
            }
            close(sfd); /* that base is taken here: classic */
        }
    }
    *at = 0;
    *fix = true;
    return wv_place(img, v, pref_fd, at);
}

DWORD wv_image_map(struct wv_section *s, uintptr_t want, uintptr_t *base, bool *not_at_base)
{
    struct wv_image *img = s->image;
    struct wv_view *v = wv_view_new(0, img->size, PAGE_EXECUTE_WRITECOPY, MEM_IMAGE, 0);
    if (!v)
        return ERROR_NOT_ENOUGH_MEMORY;
    uintptr_t at;
    int fd;
    bool fix;
    DWORD err = wv_choose(img, v, want, &at, &fd, &fix);
    if (err) {
        wv_view_delete(v);
        return err;
    }
    bool private_pages = img->source == WV_IMG_PRIVATE && fd < 0;
    if (fd < 0) /* a private copy: the layout written into anonymous pages */
        err = wv_image_layout(img, img->pe.image_base, (uint8_t *)at);
    if (fd >= 0 && fd != img->layout_fd)
        close(fd); /* the mapping keeps the shared-base entry */
    v->ops = &wv_section_view_ops;
    v->section = s;
    v->flags |= WV_VIEW_COW;
    /* Every page is a private mapping of the layout, so a written one shows as a copy; a
     * private-copy image is anonymous from the start and has nothing to find. */
    wv_image_states(img, v, private_pages ? 0 : WV_COW_MAPPED);
    /* A stripped image cannot be relocated: it stays as laid out, reported not at base. */
    bool dynamic = (img->pe.dll_characteristics & WV_PE_DLL_DYNAMIC_BASE) && wv_can_move(img);
    if (!err && fix && dynamic) {
        /* Relocated now, while no one else can see the view. */
        err = wv_os_protect(at, img->size, PROT_READ | PROT_WRITE);
        if (!err)
            err = wv_image_fixups(img, at, (uint8_t *)at);
    }
    if (!err)
        err = wv_image_host_prot(v, 0, v->npages);
    if (err) {
        wv_region_abort(v);
        return err;
    }
    wv_object_ref(&s->obj);
    wv_region_publish(v);
    *base = at;
    *not_at_base = fix && !dynamic;
    return 0;
}
