/* SPDX-License-Identifier: MIT */
/* section.h - sections and their views (section.c, view.c), files (file.c), SEC_IMAGE
 * sections (image.c, layout.c) and their per-user cache (imgcache.c).
 *
 * An image section remembers the PE file's bytes (parsed over its cache entry's mapping, or
 * over a private snapshot of the file when there is no entry: nothing later reads the file
 * itself, so writing or truncating it while the image runs changes nothing, and the next open
 * sees the new file) and where its page-aligned layout comes from, the "source" of the image's pages (never the PE file: a mapping of it would
 * follow later writes to pages not yet copied and fault when the file is cut):
 *   WV_IMG_CACHE   a cache entry: the file laid out once, RVA = offset - one header page, in
 *                  the per-user image cache, mapped MAP_PRIVATE in one piece (its page cache
 *                  is the one copy every process shares, whatever the file alignment);
 *   WV_IMG_PRIVATE no usable cache: the sections are read into anonymous memory (a private
 *                  copy per process, as Wine does).
 * A sealed PE file (a builtin DLL's, host/memfile.c) is never cached; laid out already, it is
 * its own WV_IMG_CACHE layout (it can neither change nor shrink, so mapping it is safe).
 * A view is always MAP_PRIVATE: nothing a process writes into an image reaches the file or
 * another process.
 */
#ifndef WV_SECTION_H
#define WV_SECTION_H

#include "base/base.h"
#include "host/host.h"
#include "pe/pe.h"
#include "ob/ob.h"
#include "mm/mm.h"
#include "fault/fault.h"
#include "tool.h" /* the cache's CLI calls and wv_image_direct are defined here */

#include <stdio.h>
#include <sys/stat.h>

/* A file object (file.c).  Those CreateFile opens are listed (dev, ino, access, share) so a
 * later open, DeleteFile or MoveFile of the same file can be refused as Windows refuses it
 * (share modes, within this process); those made from a descriptor share everything. */
struct wv_file_lock {
    struct wv_file_lock *next;
    uint64_t off, len;
    bool exclusive;
};
struct wv_file {
    struct wv_object obj;
    int fd;
    DWORD access; /* GENERIC_* / FILE_* rights it was opened with */
    DWORD share;  /* FILE_SHARE_* it grants (listed files only) */
    dev_t dev;
    ino_t ino;
    char *delete_path;     /* FILE_FLAG_DELETE_ON_CLOSE: removed when the object goes */
    struct wv_file_lock *locks; /* LockFileEx ranges held through it (runtime/k32_lock.c) */
    struct wv_file *next;  /* the list of CreateFile opens */
    bool listed;
    bool pipe;             /* an end of CreatePipe's (runtime/pipe.c): its end is ERROR_BROKEN_PIPE */
    DWORD flags;           /* CreateFile's FILE_FLAG_* (FILE_FLAG_OVERLAPPED: runtime/overlap.c) */
    void *ext;             /* a named pipe end's state (runtime/npipe.c), freed by ext_free */
    void (*ext_free)(void *ext);
    /* the I/O completion port its overlapped requests complete to (runtime/iocp.c; a
     * reference, set once), the key they carry, SetFileCompletionNotificationModes' flags */
    struct wv_object *port;
    ULONG_PTR port_key;
    unsigned char notify;
};

struct wv_section {
    struct wv_object obj;
    int handles;     /* open handles (atomic): the name lives as long as one does */
    int fd;          /* memfd/shm object, or the file */
    int name_fd;     /* a named section's name file (shared-locked while a handle is open) */
    uint64_t size;
    off_t data_offset; /* where the data starts in fd (a named section's header first) */
    DWORD protect;   /* the section's base protection */
    DWORD flags;     /* SEC_* */
    bool file_backed;
    char *name;
    uint64_t *commits;  /* SEC_RESERVE: one bit per page, committed (shared with all views) */
    size_t commits_len;
    struct wv_image *image; /* SEC_IMAGE: the PE file and its layout (image.c) */
    uint64_t size_asked;    /* SEC_IMAGE: the MaximumSize given (0: none), NtQuerySection's Size */
};


/* A handle (access) to a new section object over fd (taken, closed on failure) with like's
 * size, data offset, protection, SEC_* flags and file_backed: the same section another process
 * handed over (runtime/handle_xfer.c).  Not for SEC_IMAGE sections.  It holds no name. */
DWORD wv_section_adopt(int fd, const struct wv_section *like, DWORD access, HANDLE *out);

/* ---- the cores of the public file and section calls (section.c, view.c) ----
 * Windows' validation and effect; 0 or the Win32 error the public call reports.  Handles are
 * made here; the caller sets the last error (win32/section.c). */
/* CreateFile's core on a host path: access (GENERIC_* / FILE_*), share (FILE_SHARE_*), one of
 * the five dispositions, and the FILE_FLAG_* / FILE_ATTRIBUTE_* word; *existed tells
 * CREATE_ALWAYS and OPEN_ALWAYS callers the file was there (ERROR_ALREADY_EXISTS). */
DWORD wv_file_open(const char *path, DWORD access, DWORD share, DWORD disposition, DWORD flags,
                   HANDLE *out, bool *existed);
DWORD wv_file_from_fd(int fd, DWORD access, HANDLE *out);
/* ERROR_SHARING_VIOLATION when an open file object of this process on (dev, ino) does not
 * share what access asks (DELETE for DeleteFile and MoveFile), else 0. */
DWORD wv_file_share_check(dev_t dev, ino_t ino, DWORD access);
/* The same for an open that would share only `share` (the loader's: read and delete). */
DWORD wv_file_share_check_as(dev_t dev, ino_t ino, DWORD access, DWORD share);
/* The Win32 error for a path operation's errno: ENOENT is ERROR_PATH_NOT_FOUND when the
 * directory holding path is missing too, else ERROR_FILE_NOT_FOUND; others, the table's. */
DWORD wv_file_path_error(const char *path, int err);
#define WV_FILE_READ_RIGHTS (GENERIC_READ | GENERIC_ALL | GENERIC_EXECUTE | FILE_READ_DATA | FILE_EXECUTE)
#define WV_FILE_WRITE_RIGHTS (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA)
/* NtCreateSection: a handle with the rights access (SECTION_* and SYNCHRONIZE, generic ones
 * mapped); *existed when a named section of that name was there already. */
DWORD wv_section_create(HANDLE file, DWORD protect, uint64_t size, const char *name, DWORD access, HANDLE *out,
                        bool *existed);
DWORD wv_section_open(DWORD access, const char *name, HANDLE *out);
/* A SEC_IMAGE section over the PE file fd (duplicated), with no handle: the caller holds the
 * one reference (the loader). */
DWORD wv_section_image(int fd, DWORD protect, struct wv_section **out);
/* A SEC_IMAGE section over an image built in memory, laid out (wv_image_open_memory; bytes from
 * wv_os_alloc, owned by the section from here, freed on failure). */
DWORD wv_section_image_memory(uint8_t *bytes, size_t len, const char *path, struct wv_section **out);
/* MapViewOfFileEx of s through a handle granting `granted`: the view takes its own reference.
 * *not_at_base: an image view not at its base, unrelocated (NT's STATUS_IMAGE_NOT_AT_BASE). */
DWORD wv_view_map_section(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                          SIZE_T bytes, uintptr_t base, uintptr_t *out, bool *not_at_base);
/* The same, a data view placed top-down when base is 0 and top_down (NtMapViewOfSection's
 * MEM_TOP_DOWN; an image goes where its base says). */
DWORD wv_view_map_placed(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                         SIZE_T bytes, uintptr_t base, bool top_down, uintptr_t *out,
                         bool *not_at_base);
/* NtExtendSection's core (extend.c): a file-backed data section grows to size (its file with
 * it); a smaller size changes nothing.  *now: the size after.  0, ERROR_ACCESS_DENIED (a
 * section that cannot write its file), ERROR_NOT_SUPPORTED (pagefile-backed or image), or the
 * file's error. */
DWORD wv_section_extend(struct wv_section *s, uint64_t size, uint64_t *now);
DWORD wv_view_unmap(uintptr_t addr);
DWORD wv_view_flush(uintptr_t addr, SIZE_T size);
/* The path of the file behind the view holding addr (an image's PE file, a data file):
 * ERROR_INVALID_ADDRESS when no view of a section holds it, ERROR_FILE_INVALID for a
 * pagefile-backed section.  Lock not held. */
DWORD wv_view_file_name(uintptr_t addr, char *path, size_t cap);

/* A data view's pieces (view.c), shared with views that replace a placeholder: Windows' checks
 * of a view of s (its length and initial protection; base 0 skips the alignment check), the
 * page state it starts with, what a new view takes from its section (a reference, the ops,
 * flags; after alloc_protect is set), and the SEC_RESERVE commits other views made (lock not
 * held, the view published). */
DWORD wv_data_view_check(const struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                         SIZE_T bytes, uintptr_t base, size_t *len, DWORD *initial);
wv_page_t wv_data_view_state(const struct wv_section *s, DWORD initial);
void wv_data_view_init(struct wv_view *v, struct wv_section *s, uint64_t off);
/* MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER (section/placeholder.c): a data view of s that
 * takes the place of the placeholder that is exactly its range at base (page aligned).  The
 * errors of wv_view_map_section, and ERROR_INVALID_PARAMETER / ERROR_INVALID_ADDRESS as
 * wv_placeholder_replace.  Lock not held. */
DWORD wv_view_map_placeholder(struct wv_section *s, DWORD granted, DWORD access, uint64_t off,
                              SIZE_T bytes, uintptr_t base, uintptr_t *out);
/* UnmapViewOfFile2 with MEM_PRESERVE_PLACEHOLDER: the view holding addr, which replaced a
 * placeholder, becomes that placeholder again.  ERROR_INVALID_ADDRESS when no view of a
 * section is there, or when it did not replace a placeholder.  Lock not held. */
DWORD wv_view_unmap_preserve(uintptr_t addr);

/* How a view of a section maps its pages (view.c): set on every MEM_MAPPED and MEM_IMAGE view. */
extern const struct wv_view_ops wv_section_view_ops;

#define ERROR_IMAGE_NOT_AT_BASE_WV 700L /* Win32 error for STATUS_IMAGE_NOT_AT_BASE */

enum wv_img_source { WV_IMG_CACHE = 1, WV_IMG_PRIVATE };
enum wv_img_policy { WV_POLICY_SHARED = 0, WV_POLICY_CLASSIC = 1 };

struct wv_image {
    wv_pe pe;               /* parsed over `file` */
    const uint8_t *file;    /* the PE file's bytes, read-only, for the section's life: its
                             * private snapshot, or (pe.layout) the cache entry's layout */
    size_t file_size;
    const uint8_t *map;     /* what file lies in, unmapped at the end */
    size_t map_len;
    int fd;                 /* the PE file */
    struct stat st;         /* its identity when read (the snapshot's): the cache key */
    enum wv_img_source source;
    bool uncached;          /* never in the image cache: a sealed file's (wv_memfile_sealed) */
    int layout_fd;          /* WV_IMG_CACHE: the entry at the preferred base (or a sealed,
                             * laid-out PE file itself: image.c, wv_image_self_layout) */
    off_t layout_off;       /* where the layout starts in layout_fd: the entry's header page */
    uint64_t size;          /* SizeOfImage, page rounded */
    char *path;             /* the file's path when known (cache listing, module names) */
};

/* ---- layout.c: pure functions of the parsed file ---- */
/* Flat images (SectionAlignment below the page size, or FileAlignment not a multiple of 512)
 * are mapped as the file is, every page PAGE_EXECUTE_WRITECOPY. */
bool wv_image_flat(const wv_pe *pe);
/* A section's extent in the image (page rounded) and its bytes that come from the file. */
uint64_t wv_sec_span(const wv_pe_section *s);
uint64_t wv_sec_filesz(const wv_pe_section *s);
/* wv_image_direct (tool.h): whether the parsed file (pe->data is the whole file) can be mapped
 * straight from the file: page-aligned sections whose last pages hold nothing but the section
 * and zeros. */
/* Lays out img for base into buf (img->size bytes, zeroed by the caller). */
DWORD wv_image_layout(struct wv_image *img, uint64_t base, uint8_t *buf);
/* Applies img's fixups for base to mem, a writable image-sized layout.  0 or a Win32 error. */
DWORD wv_image_fixups(struct wv_image *img, uint64_t base, uint8_t *mem);

/* ---- image.c ---- */
/* Builds the image of a SEC_IMAGE section from an open PE file (fd is duplicated); path may be
 * NULL.  0 or a Win32 error (ERROR_BAD_EXE_FORMAT and friends). */
DWORD wv_image_open(int fd, const char *path, struct wv_image **out);
/* An image without a file, laid out in bytes (len, from wv_os_alloc, owned from here even on
 * failure): never cached, a private copy wherever it goes.  0 or a Win32 error. */
DWORD wv_image_open_memory(uint8_t *bytes, size_t len, const char *path, struct wv_image **out);
void wv_image_free(struct wv_image *img);
/* The NTSTATUS Windows gives a PE file it cannot make an image of (NtCreateSection's, and
 * LdrLoadDll's): empty or unreadable STATUS_INVALID_FILE_FOR_SECTION, no "MZ"
 * STATUS_INVALID_IMAGE_NOT_MZ, "MZ" without "PE\0\0" headers where e_lfanew says
 * STATUS_INVALID_IMAGE_PROTECT, a 16-bit (NE) program the parser's NE status (Wine's
 * test_Loader records them), anything else STATUS_INVALID_IMAGE_FORMAT.  Read at fd (-1:
 * none). */
DWORD wv_image_file_status(int fd);
/* Maps a view of s (a SEC_IMAGE section) at want (0: the preferred base, else anywhere); on
 * success *base is where, and *not_at_base is set when a non-DYNAMIC_BASE image had to go
 * elsewhere unrelocated (the caller relocates).  0 or a Win32 error. */
DWORD wv_image_map(struct wv_section *s, uintptr_t want, uintptr_t *base, bool *not_at_base);
/* Applies the image's fixups in place for a view at base (pages with fixups become private
 * copies).  Lock not held.  0 or a Win32 error. */
DWORD wv_image_relocate(struct wv_image *img, uintptr_t base);
enum wv_img_policy wv_image_policy(void);
/* winvm_set_image_sharing's core: a WINVM_IMAGE_SHARING_* value, or ERROR_INVALID_PARAMETER. */
DWORD wv_image_set_policy(DWORD policy);
/* The image mapped at base (a MEM_IMAGE view's start), or NULL. */
struct wv_image *wv_image_at(uintptr_t base);
/* Makes the whole image at base writable on the host (on) or gives it back the protections
 * the model says (off): the loader's window for binding imports.  0 or a Win32 error. */
DWORD wv_image_host_writable(uintptr_t base, bool on);

/* "dll!export+0x1a" (the nearest export below addr) or "dll+0x1a" for code in a MEM_IMAGE
 * view, into out (cap bytes, NUL-terminated); the length, 0 when addr is in no image.  For the
 * unhandled-exception report (wv_fault_describer): no stdio, no allocation. */
size_t wv_image_describe(uintptr_t addr, char *out, size_t cap);

/* ---- imgcache.c ---- */
/* Opens (building when missing or invalid) the entry holding img laid out at base with its
 * fixups applied for base.  Returns a read-only descriptor (data at offset WV_PAGE_SIZE) or -1. */
int wv_cache_entry(struct wv_image *img, uint64_t base);
/* The valid entry for img (its st and size set) at base if there is one, else -1: nothing is
 * built. */
int wv_cache_lookup(struct wv_image *img, uint64_t base);

/* The per-user namespace's file name (ob.h) of a kernel object's name, shared by every kind
 * (sections, events, mutexes, semaphores): 0 or ERROR_INVALID_NAME /
 * ERROR_FILENAME_EXCED_RANGE.  path needs 64 + 2 * 260 bytes. */
DWORD wv_section_name_path(LPCSTR name, char *path, size_t cap);

#endif
