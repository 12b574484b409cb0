/* SPDX-License-Identifier: MIT */
/* section.c - section objects and the files that back them: the cores of CreateFileMapping,
 * OpenFileMapping (the public calls are win32/section.c; files are file.c).
 *
 * A pagefile-backed section is a memfd; a named one is a file of the per-user namespace
 * (ob/namespace.c: a private directory in /dev/shm), named by the hex of the name (hex keeps
 * Windows' case-sensitive names exact and any character safe; "h" and a 128-bit hash when the
 * hex would pass NAME_MAX).  Its first page is a header (magic, size, protection, flags) so
 * every process that opens the name sees the same section; data starts at the second page.
 *
 * Lifetime: each section object with an open handle holds its name (the namespace's shared
 * lock); its last handle's close releases it, and the name goes when no process holds it.
 * The storage then lives as long as a view maps it, as Windows keeps a section while a view
 * does.  Create, open and release run under the namespace lock.
 */
#define _GNU_SOURCE
#include "section/section.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_NAME_MAX 260
#define WV_HEADER ((off_t)WV_PAGE_SIZE)
#define WV_MAGIC 0x6d767677u /* "wvvm" */

struct wv_header {
    uint32_t magic;
    uint32_t protect;
    uint32_t flags;
    uint32_t pad;
    uint64_t size;
    uint64_t data_offset; /* header page, then (SEC_RESERVE) the commit bitmap, then data */
    /* A file-backed section (flags has WV_HDR_FILE): the file's identity and path; the name
     * file is its header page alone and the data is the file's. */
    uint64_t dev, ino;
    char path[3072];
};
#define WV_HDR_FILE 0x1u /* in wv_header.flags: no SEC_* flag uses the bit */

/* Where the data starts: a named section has a header page; a SEC_RESERVE section also keeps
 * its commit bitmap (one bit per page, shared by every view in every process) after it. */
static off_t wv_layout(uint64_t size, DWORD flags, bool named)
{
    if (!(flags & SEC_RESERVE))
        return named ? WV_HEADER : 0;
    uint64_t pages = (size + WV_PAGE_SIZE - 1) / WV_PAGE_SIZE;
    uint64_t bitmap = (pages + 8 * WV_PAGE_SIZE - 1) / (8 * WV_PAGE_SIZE);
    return WV_HEADER + (off_t)(bitmap * WV_PAGE_SIZE);
}

/* Maps the commit bitmap of a SEC_RESERVE section (shared: other processes' commits appear). */
static bool wv_map_commits(struct wv_section *s)
{
    if (!(s->flags & SEC_RESERVE))
        return true;
    size_t len = (size_t)(s->data_offset - WV_HEADER);
    void *p = wv_file_map_shared(s->fd, WV_HEADER, len);
    if (!p)
        return false;
    s->commits = p;
    s->commits_len = len;
    return true;
}

/* ---- names ---- */

/* The namespace's file name of a name: 0, or the Win32 error when the name is not valid. */
static DWORD wv_name_path(LPCSTR name, char *path, size_t cap)
{
    /* Windows' "Global\" and "Local\" namespaces are one namespace per user here. */
    if (!strncmp(name, "Global\\", 7))
        name += 7;
    else if (!strncmp(name, "Local\\", 6))
        name += 6;
    size_t n = strlen(name);
    if (n == 0 || strchr(name, '\\'))
        return ERROR_INVALID_NAME;
    if (n > WV_NAME_MAX)
        return ERROR_FILENAME_EXCED_RANGE;
    /* One form per UTF-16 name: an A call's ill-formed bytes read as U+FFFD, as Windows reads
     * them (so "a\xff" and "a\xfe" are one name there and here), a W call's lone surrogates
     * kept (base.h, WV_TEXT_WTF8). */
    char form[3 * WV_NAME_MAX];
    if (wv_name_form(name, n, form, sizeof(form), &n))
        return ERROR_INVALID_NAME;
    name = form;
    int k = 0;
    if (2 * n > WV_NS_NAME_MAX) {
        /* The hex form would pass the file-name limit (NAME_MAX): a 128-bit hash of the name
         * instead, marked with 'h', which no hex form contains. */
        uint64_t a = wv_hash(WV_HASH_INIT, name, n), b = 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < n; i++) {
            b = (b ^ (unsigned char)name[i]) * 0xff51afd7ed558ccdull;
            b ^= b >> 29;
        }
        snprintf(path + k, cap - (size_t)k, "h%016llx%016llx", (unsigned long long)a,
                 (unsigned long long)b);
        return 0;
    }
    for (size_t i = 0; i < n && (size_t)k + 3 < cap; i++)
        k += snprintf(path + k, cap - (size_t)k, "%02x", (unsigned char)name[i]);
    return 0;
}

DWORD wv_section_name_path(LPCSTR name, char *path, size_t cap) { return wv_name_path(name, path, cap); }

/* ---- sections ---- */

static void wv_section_destroy(struct wv_object *o)
{
    struct wv_section *s = (struct wv_section *)o;
    wv_ns_release(-1, s->name_fd); /* a failure's: a published section released it already */
    if (s->commits)
        wv_os_unmap((uintptr_t)s->commits, s->commits_len);
    if (s->fd >= 0)
        close(s->fd);
    if (s->name_fd >= 0 && s->name_fd != s->fd)
        close(s->name_fd);
    wv_image_free(s->image);
    free(s->name);
    free(s);
}

static void wv_section_on_handle(struct wv_object *o, int delta)
{
    struct wv_section *s = (struct wv_section *)o;
    /* Atomic: a close runs outside the handle-table lock (ob.h), an open under it. */
    if (__atomic_add_fetch(&s->handles, delta, __ATOMIC_ACQ_REL) > 0)
        return;
    /* The last handle here: give up our hold on the name; remove it if nobody else holds it.
     * Taken once: a handle duplicated from a closing one can close again meanwhile. */
    char *name = __atomic_exchange_n(&s->name, NULL, __ATOMIC_ACQ_REL);
    if (!name)
        return;
    wv_ns_release(-1, s->name_fd);
    free(name);
}

/* Makes s a section object with one reference, the caller's. */
static void wv_section_own(struct wv_section *s)
{
    s->obj = (struct wv_object){.kind = WV_KIND_SECTION, .refs = 1, .destroy = wv_section_destroy,
                                .on_handle = wv_section_on_handle};
}

/* A handle to s; the caller's reference goes (s with it when no handle could be made). */
static DWORD wv_section_handle(struct wv_section *s, DWORD access, HANDLE *out)
{
    *out = wv_handle_new(&s->obj, access);
    wv_object_unref(&s->obj); /* the handle holds it now, or nothing does */
    return *out ? 0 : ERROR_TOO_MANY_OPEN_FILES;
}

/* Makes s a SEC_IMAGE section over the PE file fd (duplicated). */
static DWORD wv_image_init(struct wv_section *s, int fd, DWORD protect)
{
    DWORD err = wv_image_open(fd, NULL, &s->image);
    if (err)
        return err;
    s->size = s->image->size;
    s->protect = protect & 0xff;
    s->flags = SEC_IMAGE;
    s->file_backed = true;
    return 0;
}

DWORD wv_section_image(int fd, DWORD protect, struct wv_section **out)
{
    struct wv_section *s = calloc(1, sizeof(*s));
    if (!s)
        return ERROR_NOT_ENOUGH_MEMORY;
    s->fd = s->name_fd = -1;
    DWORD err = wv_image_init(s, fd, protect);
    if (err) {
        free(s);
        return err;
    }
    wv_section_own(s);
    *out = s;
    return 0;
}

DWORD wv_section_image_memory(uint8_t *bytes, size_t len, const char *path, struct wv_section **out)
{
    struct wv_section *s = calloc(1, sizeof(*s));
    if (!s) {
        wv_os_unmap((uintptr_t)bytes, len);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    s->fd = s->name_fd = -1;
    DWORD err = wv_image_open_memory(bytes, len, path, &s->image);
    if (err) {
        free(s);
        return err;
    }
    s->size = s->image->size;
    s->protect = PAGE_EXECUTE_READ;
    s->flags = SEC_IMAGE;
    s->file_backed = true;
    wv_section_own(s);
    *out = s;
    return 0;
}

DWORD wv_section_adopt(int fd, const struct wv_section *like, DWORD access, HANDLE *out)
{
    struct wv_section *s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    s->fd = fd, s->name_fd = -1, s->size = like->size, s->data_offset = like->data_offset;
    s->protect = like->protect, s->flags = like->flags, s->file_backed = like->file_backed;
    wv_section_own(s);
    if (!wv_map_commits(s)) {
        wv_object_unref(&s->obj);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    return wv_section_handle(s, access, out);
}

/* A SEC_IMAGE section over a PE file: its size and layout come from the image (image.c).  A
 * MaximumSize (size, 0 for none) past the page-rounded SizeOfImage is refused, however large
 * the file; one within it is only what SectionBasicInformation reports (Wine's
 * query_image_section, run on Windows). */
static DWORD wv_section_of_image(struct wv_section *s, HANDLE file, DWORD protect, uint64_t size)
{
    DWORD faccess = 0, err = 0;
    struct wv_file *f = (struct wv_file *)wv_handle_get(file, WV_KIND_FILE, &faccess);
    if (!f)
        err = ERROR_INVALID_HANDLE;
    else if (!(faccess & (GENERIC_READ | GENERIC_ALL | GENERIC_EXECUTE | FILE_MAP_READ)))
        err = ERROR_ACCESS_DENIED;
    else
        err = wv_image_init(s, f->fd, protect);
    wv_object_unref(f ? &f->obj : NULL);
    if (!err && size > s->size)
        err = ERROR_NOT_ENOUGH_MEMORY; /* STATUS_SECTION_TOO_BIG */
    s->size_asked = size;
    return err;
}

/* Wine's test_CreateFileMapping table: one of six protections; SEC_COMMIT or SEC_RESERVE
 * (not both), optionally with SEC_NOCACHE or SEC_WRITECOMBINE; SEC_IMAGE alone; a cache flag
 * without COMMIT/RESERVE, SEC_FILE, or anything else is invalid. */
static bool wv_section_protect_ok(DWORD protect)
{
    DWORD base = protect & 0xff, flags = protect & ~0xffu;
    const DWORD cache = SEC_NOCACHE | 0x40000000u /* SEC_WRITECOMBINE */;
    if (wv_rights_of(base) == 0 || base == PAGE_EXECUTE || (base & (base - 1)))
        return false;
    if (flags == SEC_IMAGE || flags == 0)
        return true;
    DWORD kind = flags & (SEC_COMMIT | SEC_RESERVE);
    if (kind != SEC_COMMIT && kind != SEC_RESERVE)
        return false;
    DWORD rest = flags & ~(SEC_COMMIT | SEC_RESERVE);
    return (rest & ~cache) == 0 && rest != cache;
}

/* Fills s from the header of its name's file fd (shared-locked; s owns it from here): a
 * pagefile section's data is in that file, a file-backed or image section's in the file the
 * header names, opened again and checked to be the same file.  0 or a Win32 error. */
static DWORD wv_section_load(struct wv_section *s, int fd, struct wv_header *hd)
{
    s->name_fd = fd;
    s->size = hd->size, s->protect = hd->protect, s->flags = hd->flags & ~WV_HDR_FILE;
    s->data_offset = (off_t)hd->data_offset;
    if (!(hd->flags & WV_HDR_FILE)) {
        s->fd = fd;
        return 0;
    }
    hd->path[sizeof(hd->path) - 1] = 0;
    s->file_backed = true;
    int ffd = open(hd->path, O_RDWR | O_CLOEXEC);
    if (ffd < 0)
        ffd = open(hd->path, O_RDONLY | O_CLOEXEC); /* a read-only section's file */
    if (ffd < 0)
        return errno == ENOENT ? ERROR_FILE_NOT_FOUND : ERROR_ACCESS_DENIED;
    struct stat st;
    if (fstat(ffd, &st) != 0 || st.st_dev != hd->dev || st.st_ino != hd->ino) {
        close(ffd); /* the file under that path is another one now */
        return ERROR_FILE_NOT_FOUND;
    }
    if (!(s->flags & SEC_IMAGE)) {
        s->fd = ffd;
        return 0;
    }
    DWORD err = wv_image_init(s, ffd, s->protect);
    close(ffd);
    return err;
}

/* Reads and checks the header of a name's file.  0 or ERROR_INVALID_HANDLE (a name of
 * another kind of object). */
static DWORD wv_header_read(int fd, struct wv_header *hd)
{
    return pread(fd, hd, sizeof(*hd), 0) == sizeof(*hd) && hd->magic == WV_MAGIC
               ? 0 : ERROR_INVALID_HANDLE;
}

/* s becomes the section already under a name, opened at fd (released and closed on failure);
 * *existed set.  Namespace lock lk held.  0 or a Win32 error. */
static DWORD wv_name_existing(int lk, struct wv_section *s, int fd, bool *existed)
{
    struct wv_header hd;
    *existed = true;
    DWORD err = wv_header_read(fd, &hd);
    if (err)
        wv_ns_release(lk, fd), close(fd);
    else
        err = wv_section_load(s, fd, &hd);
    return err;
}

/* A named pagefile-backed section: the name's section when it exists (*existed: its size,
 * protection and flags win), else a new one.  Under the names lock: create, open and last
 * close never interleave.  0 or a Win32 error. */
static DWORD wv_section_named(struct wv_section *s, uint64_t size, const char *path, bool *existed)
{
    DWORD err = 0;
    int lk = wv_ns_lock();
    int fd = lk >= 0 ? wv_ns_open(lk, path) : -1;
    struct wv_header hd = {0};
    if (fd >= 0) {
        err = wv_name_existing(lk, s, fd, existed);
    } else if (lk < 0 || errno != ENOENT) {
        err = ERROR_ACCESS_DENIED;
    } else {
        s->fd = s->name_fd = wv_ns_create(lk, path);
        s->data_offset = wv_layout(size, s->flags, true);
        hd = (struct wv_header){WV_MAGIC, s->protect, s->flags, 0, size,
                                (uint64_t)s->data_offset, 0, 0, {0}};
        if (s->fd < 0 || ftruncate(s->fd, s->data_offset + (off_t)size) != 0 ||
            pwrite(s->fd, &hd, sizeof(hd), 0) != sizeof(hd))
            err = ERROR_NOT_ENOUGH_MEMORY; /* the name goes with the release on destroy */
    }
    wv_ns_unlock(lk);
    if (!err)
        s->name = strdup(path);
    return err;
}

/* Publishes s, a file-backed or image section just made over data_fd, under the name's path:
 * a header page naming the file, so another handle or process opening the name maps the same
 * file.  Under the names lock.  0 or a Win32 error. */
static DWORD wv_name_publish(int lk, struct wv_section *s, int data_fd, const char *path)
{
    struct wv_header hd = {WV_MAGIC, s->protect, s->flags | WV_HDR_FILE, 0, s->size, 0, 0, 0, {0}};
    struct stat st;
    if (fstat(data_fd, &st) != 0 || !wv_proc_fd_path(data_fd, hd.path, sizeof(hd.path)))
        return ERROR_INVALID_HANDLE;
    hd.dev = st.st_dev, hd.ino = st.st_ino;
    int fd = wv_ns_create(lk, path);
    if (fd < 0 || pwrite(fd, &hd, sizeof(hd), 0) != sizeof(hd)) {
        if (fd >= 0)
            wv_ns_release(lk, fd), close(fd);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    s->name_fd = fd;
    return 0;
}

static DWORD wv_section_file(struct wv_section *s, HANDLE file, uint64_t size);

/* A named section over a file or a PE image: the name's section when it exists (*existed: it
 * wins, whatever the file), else s made over the file and published under the name. */
static DWORD wv_section_named_file(struct wv_section *s, HANDLE file, uint64_t size,
                                   DWORD protect, const char *path, bool *existed)
{
    DWORD err = 0;
    int lk = wv_ns_lock();
    int fd = lk >= 0 ? wv_ns_open(lk, path) : -1;
    if (fd >= 0) {
        err = wv_name_existing(lk, s, fd, existed);
    } else if (lk < 0 || errno != ENOENT) {
        err = ERROR_ACCESS_DENIED;
    } else {
        err = (protect & SEC_IMAGE) ? wv_section_of_image(s, file, protect, size)
                                    : wv_section_file(s, file, size);
        if (!err)
            err = wv_name_publish(lk, s, s->image ? s->image->fd : s->fd, path);
    }
    wv_ns_unlock(lk);
    if (!err)
        s->name = strdup(path);
    return err;
}

/* A pagefile-backed section: a memfd, or the shared file of its name (path).  0 or a Win32
 * error. */
static DWORD wv_section_pagefile(struct wv_section *s, uint64_t size, const char *path, bool *existed)
{
    /* A pagefile-backed section's size is a whole number of pages (NtQuerySection). */
    if (size <= UINT64_MAX - WV_PAGE_SIZE)
        size = wv_page_up(size);
    s->size = size;
    if (size == 0)
        return ERROR_INVALID_PARAMETER;
    /* No view of a section larger than user space could ever exist, and the shared file's
     * offsets would wrap: Windows refuses such a size (STATUS_SECTION_TOO_BIG). */
    if (size > WV_END_ADDR)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (path)
        return wv_section_named(s, size, path, existed);
    s->data_offset = wv_layout(size, s->flags, false);
    s->fd = memfd_create("winvm-section", MFD_CLOEXEC);
    if (s->fd < 0 || ftruncate(s->fd, s->data_offset + (off_t)size) != 0)
        return ERROR_NOT_ENOUGH_MEMORY;
    return 0;
}

/* A section over an open file (size 0: the file's size), with Windows' access rules.
 * 0 or a Win32 error. */
static DWORD wv_section_file(struct wv_section *s, HANDLE file, uint64_t size)
{
    DWORD faccess = 0, err = 0;
    struct wv_file *f = (struct wv_file *)wv_handle_get(file, WV_KIND_FILE, &faccess);
    struct stat st;
    if (!f)
        err = ERROR_INVALID_HANDLE;
    else if (fstat(f->fd, &st) != 0)
        err = ERROR_INVALID_HANDLE;
    else {
        bool writable = faccess & (GENERIC_WRITE | GENERIC_ALL | FILE_MAP_WRITE);
        s->file_backed = true;
        s->size = size ? size : (uint64_t)st.st_size;
        if (s->size == 0)
            err = ERROR_FILE_INVALID;
        else if ((wv_rights_of(s->protect) & 2) && !writable)
            err = ERROR_ACCESS_DENIED;
        /* Every section reads its file; an EXECUTE_* one needs execute access too
         * (Wine's test_MapViewOfFile: access 0 -> 5; no GENERIC_EXECUTE -> 5). */
        else if (!(faccess & (GENERIC_READ | GENERIC_ALL | GENERIC_EXECUTE | FILE_MAP_READ)) ||
                 ((wv_rights_of(s->protect) & 4) &&
                  !(faccess & (GENERIC_EXECUTE | GENERIC_ALL | FILE_MAP_EXECUTE))))
            err = ERROR_ACCESS_DENIED;
        else if (s->size > (uint64_t)st.st_size && !(wv_rights_of(s->protect) & 2))
            err = ERROR_NOT_ENOUGH_MEMORY; /* NT: STATUS_SECTION_TOO_BIG */
        else if (s->size > (uint64_t)st.st_size && ftruncate(f->fd, (off_t)s->size) != 0)
            err = ERROR_DISK_FULL; /* a writable section extends its file */
        else if ((s->fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 3)) < 0)
            err = ERROR_TOO_MANY_OPEN_FILES;
    }
    wv_object_unref(f ? &f->obj : NULL);
    return err;
}

DWORD wv_section_create(HANDLE file, DWORD protect, uint64_t size, const char *name, DWORD access, HANDLE *out,
                        bool *existed)
{
    char path[64 + 2 * WV_NAME_MAX];
    DWORD err = 0;
    *existed = false;
    if (!wv_section_protect_ok(protect))
        return ERROR_INVALID_PARAMETER;
    if ((protect & SEC_IMAGE) && file == INVALID_HANDLE_VALUE)
        return ERROR_BAD_EXE_FORMAT; /* no file is no image (Windows) */
    if (name && (err = wv_name_path(name, path, sizeof(path))) != 0)
        return err;
    struct wv_section *s = calloc(1, sizeof(*s));
    if (!s)
        return ERROR_NOT_ENOUGH_MEMORY;
    /* Only a pagefile section reserves: a file's section accepts SEC_RESERVE and is committed
     * whole all the same (Windows). */
    if (file != INVALID_HANDLE_VALUE)
        protect &= ~(DWORD)SEC_RESERVE;
    s->protect = protect & 0xff;
    s->flags = (protect & ~0xffu) | ((protect & SEC_RESERVE) ? 0 : SEC_COMMIT);
    s->fd = s->name_fd = -1;
    if (file == INVALID_HANDLE_VALUE)
        err = wv_section_pagefile(s, size, name ? path : NULL, existed);
    else if (name)
        err = wv_section_named_file(s, file, size, protect, path, existed);
    else if (protect & SEC_IMAGE)
        err = wv_section_of_image(s, file, protect, size);
    else
        err = wv_section_file(s, file, size);
    if (!err && !wv_map_commits(s))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err) {
        wv_section_destroy(&s->obj);
        return err;
    }
    wv_section_own(s);
    return wv_section_handle(s, access, out);
}

/* The section file of a name, opened and checked under the names lock: its descriptor and
 * header, or the Win32 error. */
static DWORD wv_name_section(const char *path, int *fd, struct wv_header *hd)
{
    int lk = wv_ns_lock();
    *fd = lk >= 0 ? wv_ns_open(lk, path) : -1;
    int err = lk >= 0 ? errno : EACCES;
    if (*fd >= 0 && (pread(*fd, hd, sizeof(*hd), 0) != sizeof(*hd) || hd->magic != WV_MAGIC)) {
        wv_ns_release(lk, *fd);
        close(*fd);
        *fd = -1;
        err = EINVAL;
    }
    wv_ns_unlock(lk);
    if (*fd >= 0)
        return 0;
    /* Absent or not ours: the table's codes.  Any other failure (above all a name of another
     * kind of object: a directory, a link, a file that is no section) is ERROR_INVALID_HANDLE,
     * as Windows says of a name of another object type. */
    return err == ENOENT || err == EACCES ? wv_errno_to_error(err) : ERROR_INVALID_HANDLE;
}

DWORD wv_section_open(DWORD access, const char *name, HANDLE *out)
{
    char path[64 + 2 * WV_NAME_MAX];
    if (!name)
        return ERROR_INVALID_PARAMETER;
    int fd;
    struct wv_header hd = {0};
    DWORD err = wv_name_path(name, path, sizeof(path));
    if (!err)
        err = wv_name_section(path, &fd, &hd);
    if (err)
        return err;
    struct wv_section *s = calloc(1, sizeof(*s));
    char *copy = strdup(path);
    if (!s || !copy) {
        free(s), free(copy), wv_ns_release(-1, fd), close(fd);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    s->fd = -1, s->name = copy;
    err = wv_section_load(s, fd, &hd);
    if (!err && !wv_map_commits(s))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (err) {
        wv_section_destroy(&s->obj);
        return err;
    }
    /* FILE_MAP_* rights are the SECTION_MAP_* rights; FILE_MAP_COPY needs read. */
    DWORD granted = access & (SECTION_ALL_ACCESS | SYNCHRONIZE);
    if (access & FILE_MAP_COPY)
        granted |= SECTION_MAP_READ;
    wv_section_own(s);
    return wv_section_handle(s, granted, out);
}
