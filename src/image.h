/* image.h - SEC_IMAGE sections (image.c), their per-user cache (imgcache.c) and the loader's
 * view of them.
 *
 * An image section remembers the PE file (parsed once) and where its page-aligned layout comes
 * from, the "source" of the image's pages:
 *   WV_IMG_DIRECT  the file itself: every section starts on a page boundary in the file, so
 *                  each is mapped MAP_PRIVATE straight from it (the page cache is the shared
 *                  copy);
 *   WV_IMG_CACHE   a cache entry: the file laid out once, RVA = offset - one header page, in
 *                  the per-user image cache, mapped MAP_PRIVATE in one piece (shared the same
 *                  way, whatever the file alignment);
 *   WV_IMG_PRIVATE no usable cache: the sections are read into anonymous memory (a private
 *                  copy per process, as Wine does).
 * A view is always MAP_PRIVATE: nothing a process writes into an image reaches the file or
 * another process.
 */
#ifndef WV_IMAGE_H
#define WV_IMAGE_H

#include "handle.h"
#include "pe.h"

#include <stdio.h>
#include <sys/stat.h>

#define ERROR_IMAGE_NOT_AT_BASE_WV 700L /* Win32 error for STATUS_IMAGE_NOT_AT_BASE */

enum wv_img_source { WV_IMG_DIRECT, WV_IMG_CACHE, WV_IMG_PRIVATE };
enum wv_img_policy { WV_POLICY_SHARED = 0, WV_POLICY_CLASSIC = 1 };

struct wv_image {
    wv_pe pe;               /* parsed over `file` */
    const uint8_t *file;    /* the PE file, mapped read-only for the section's life */
    size_t file_size;
    int fd;                 /* the PE file */
    struct stat st;         /* its identity when opened: the cache key */
    enum wv_img_source source;
    int layout_fd;          /* WV_IMG_CACHE: the entry at the preferred base */
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
/* Whether the parsed file (pe->data is the whole file) can be mapped straight from the file:
 * page-aligned sections whose last pages hold nothing but the section and zeros. */
bool wv_image_direct(const wv_pe *pe);
/* Lays out img for base into buf (img->size bytes, zeroed by the caller). */
DWORD wv_image_layout(struct wv_image *img, uint64_t base, uint8_t *buf);
/* Applies img's fixups for base to mem, a writable image-sized layout.  0 or a Win32 error. */
DWORD wv_image_fixups(struct wv_image *img, uint64_t base, uint8_t *mem);

/* ---- image.c ---- */
/* Builds the image of a SEC_IMAGE section from an open PE file (fd is duplicated); path may be
 * NULL.  0 or a Win32 error (ERROR_BAD_EXE_FORMAT and friends). */
DWORD wv_image_open(int fd, const char *path, struct wv_image **out);
void wv_image_free(struct wv_image *img);
/* Maps a view of s (a SEC_IMAGE section) at want (0: the preferred base, else anywhere); on
 * success *base is where, and *not_at_base is set when a non-DYNAMIC_BASE image had to go
 * elsewhere unrelocated (the caller relocates).  0 or a Win32 error. */
DWORD wv_image_map(struct wv_section *s, uintptr_t want, uintptr_t *base, bool *not_at_base);
/* Applies the image's fixups in place for a view at base (pages with fixups become private
 * copies).  Lock not held.  0 or a Win32 error. */
DWORD wv_image_relocate(struct wv_image *img, uintptr_t base);
enum wv_img_policy wv_image_policy(void);
/* The image mapped at base (a MEM_IMAGE view's start), or NULL. */
struct wv_image *wv_image_at(uintptr_t base);
/* Makes the whole image at base writable on the host (on) or gives it back the protections
 * the model says (off): the loader's window for binding imports.  0 or a Win32 error. */
DWORD wv_image_host_writable(uintptr_t base, bool on);

/* ---- loader.c ---- */
/* Loads the EXE at path as the process's main module (GetModuleHandle(NULL)): its imports
 * bound, its DLLs initialised.  0 or a Win32 error; winvm_last_load_error() says why. */
DWORD wv_loader_load_exe(const char *path, uintptr_t *base);
/* A PE thread's start (attach) or end: static TLS blocks, TLS callbacks, DllMain. */
void wv_loader_thread(bool attach);

/* ---- run.c ---- */
/* `winvm run`: runs exe (argv[0] is exe as the user named it) in this process; returns only
 * when it cannot start (the exit status, after saying why on stderr). */
int winvm_run(const char *exe, int argc, char **argv);
/* The command line GetCommandLineA/W return, quoted from argv as Windows quotes it. */
void wv_set_command_line(int argc, char **argv);
/* The program's arguments (winvm run's, else the Linux ones): argc, *argv set. */
int wv_command_args(char ***argv);

/* ---- teb.c: the thread environment of threads running PE code ---- */
/* Gives the calling thread a TEB (the process's PEB made with the first), gs pointing at it. */
DWORD wv_teb_create(uintptr_t stack_lo, uintptr_t stack_hi);
void wv_teb_destroy(void);
/* This thread's TEB->ThreadLocalStoragePointer (static TLS blocks by slot), or NULL when the
 * thread has no TEB (a Linux thread using winvm as a library). */
void **wv_teb_tls_slots(void);
void *wv_peb(void);
void wv_peb_set_image(uintptr_t base);
/* fn(arg) with the Windows x64 convention on the stack whose top is top. */
int wv_call_on_stack(void *fn, void *arg, void *top);

/* ---- thread.c ---- */
/* The stack every new PE thread gets unless CreateThread asks otherwise (the EXE's headers). */
void wv_thread_set_stack_size(uint64_t reserve, uint64_t commit);
/* Whether the process runs a PE program (`winvm run`): new threads get a TEB and a winvm stack. */
bool wv_thread_pe_mode(void);
/* Whether a thread object has ended (wait lock held). */
bool wv_thread_signalled(struct wv_object *o);

/* ---- sync.c: every waitable object's state is guarded by this lock; changes broadcast ---- */
#include <pthread.h>
extern pthread_mutex_t wv_wait_lock;
extern pthread_cond_t wv_wait_cond;
/* CreateThread; pe: start is a PE (ms_abi) function, run with the Windows thread setup. */
HANDLE wv_thread_create(SIZE_T stack, LPTHREAD_START_ROUTINE start, LPVOID arg, DWORD flags, LPDWORD tid, bool pe);

/* ---- imgcache.c ---- */
/* The cache directory, created 0700 if missing; NULL (and why, in *why) when not usable. */
const char *wv_cache_dir(const char **why);
/* Opens (building when missing or invalid) the entry holding img laid out at base with its
 * fixups applied for base.  Returns a read-only descriptor (data at offset WV_PAGE_SIZE) or -1. */
int wv_cache_entry(struct wv_image *img, uint64_t base);
/* `winvm cache ls|clear`: lists the entries (newest use first); removes them all (count). */
int winvm_cache_list(FILE *out);
/* The source file an image-cache entry was laid out from (for labels); false if not an entry. */
bool wv_cache_source(const char *entry, char *out, size_t cap);
int winvm_cache_clear(void);

#endif
