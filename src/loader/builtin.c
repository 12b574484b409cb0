/* SPDX-License-Identifier: MIT */
/* builtin.c - the DLLs winvm serves itself (kernel32, ntdll, msvcrt, ...: export tables in
 * runtime/) as modules with a PE image, as Windows' system DLLs are: the module handle is the
 * address of an IMAGE_DOS_HEADER, the image a MEM_IMAGE view, the module in the module list
 * and PEB->Ldr's lists, its path C:\windows\system32\<name> (GetSystemDirectory's).
 *
 * The image is generated in memory, once per process, the first time any builtin is named
 * (an import, LoadLibrary, GetModuleHandle, a forwarder); ntdll.dll and kernel32.dll come
 * first, as every Windows process has them.  Layout (every file offset equal to its RVA):
 *   0x0000       headers: DOS header, PE32+ NT headers (AMD64, DLL, DYNAMIC_BASE), 2 sections;
 *   .text  (RX)  a DllMain returning TRUE (the entry point), then one 16-byte stub per table
 *                entry i: `cld; jmp [rip+1]; int3; .quad target` (the host function, its relay
 *                stub under +relay), self-contained so that a copy of it works anywhere (as a
 *                copy of a Windows syscall stub does); a data entry's 16 bytes are int3;
 *   .rdata (R)   the export directory: every table entry has ordinal i + 1; names sorted (the tables
 *                are); a function's RVA is its stub's, an export another builtin serves with the
 *                same function (ntdll's, for kernel32's RtlUnwind and the like) a forwarder
 *                "NTDLL.name" as on Windows.  Data exports (msvcrt's variables) are not in the
 *                directory: their RVA would have to point into the image, and the variable is
 *                winvm's; GetProcAddress and imports give the variable itself.
 * GetProcAddress, import binding and a walk of the export directory by hand all give base +
 * the stub's RVA (a jmp keeps the caller's frame as it is: the functions that capture their
 * caller's context see the PE caller).  By ordinal nothing is given: these ordinals are not
 * Windows' (ws2_32's are known to programs), and a wrong function is worse than none.
 *
 * Locking: the loader lock guards wv_bi (the modules made); wv_builtins is set once before
 * any load and read without it. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <ctype.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WV_BI_MAX 32 /* the runtime serves 15 DLLs; more would leave every one unregistered */
#define WV_BI_BASE ((uintptr_t)0x7ff800000000) /* preferred bases: one 16 MiB span per DLL */
#define WV_BI_SPAN ((uintptr_t)0x1000000)
#define WV_SYSDIR "/windows/system32/" /* C:\windows\system32 as a host path (k32_path.c) */

static const struct wv_builtin *wv_builtins;
static size_t wv_nbuiltins;

/* Per builtin (the table's order), guarded by the loader lock: its module once made, the kind
 * and address of each table entry (looked up once). */
static struct wv_bi {
    struct wv_module *m;
    size_t n;
    uint8_t *kind;
    void **addr;
    int fd; /* its file (wv_builtin_file), when has_file: kept for the process's life */
    bool has_file;
} wv_bi[WV_BI_MAX];

void wv_loader_set_builtins(const struct wv_builtin *table, size_t n)
{
    pthread_mutex_lock(&wv_loader_lock);
    if (!wv_builtins && n <= WV_BI_MAX)
        wv_builtins = table, wv_nbuiltins = n;
    pthread_mutex_unlock(&wv_loader_lock);
}

/* API sets winvm serves: the name a program imports and the builtin that hosts it, as
 * Windows' loader resolves them through its API set schema (a bare name only: no file has
 * such a name).  kernelbase.dll holds kernel32's table; the C runtime's sets (api-ms-win-crt-*)
 * are ucrtbase.dll's. */
static const char *const wv_api_sets[][2] = {
    {"api-ms-win-core-synch-l1-1-0.dll", "kernelbase.dll"},
    {"api-ms-win-core-synch-l1-2-0.dll", "kernelbase.dll"},
    {"api-ms-win-crt-conio-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-convert-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-environment-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-filesystem-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-heap-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-locale-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-math-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-multibyte-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-private-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-process-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-runtime-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-stdio-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-string-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-time-l1-1-0.dll", "ucrtbase.dll"},
    {"api-ms-win-crt-utility-l1-1-0.dll", "ucrtbase.dll"},
};

/* A name, a system-directory path ("C:/windows/system32/x.dll", "/windows/system32/x.dll"),
 * normalised ('/' separators, extension added); an API set's name gives its host. */
const struct wv_builtin *wv_builtin_named(const char *name)
{
    if (isalpha((unsigned char)name[0]) && name[1] == ':' && name[2] == '/')
        name += 2;
    if (strchr(name, '/')) {
        if (strncasecmp(name, WV_SYSDIR, strlen(WV_SYSDIR)))
            return NULL;
        name += strlen(WV_SYSDIR);
    }
    else
        for (size_t i = 0; i < sizeof(wv_api_sets) / sizeof(wv_api_sets[0]); i++)
            if (!strcasecmp(name, wv_api_sets[i][0]))
                name = wv_api_sets[i][1];
    for (size_t i = 0; i < wv_nbuiltins; i++)
        if (!strcasecmp(name, wv_builtins[i].name))
            return &wv_builtins[i];
    return NULL;
}

const char *wv_builtin_name_at(size_t i) { return wv_builtins && i < wv_nbuiltins ? wv_builtins[i].name : NULL; }

const struct wv_builtin *wv_builtin_of(HMODULE h)
{
    const struct wv_builtin *bi = NULL;
    pthread_mutex_lock(&wv_loader_lock);
    for (size_t i = 0; h && i < wv_nbuiltins; i++)
        if (wv_bi[i].m && wv_bi[i].m->base == (uintptr_t)h)
            bi = &wv_builtins[i];
    pthread_mutex_unlock(&wv_loader_lock);
    return bi;
}

/* ---- what an export is ---- */

static uintptr_t wv_x_lo[4], wv_x_hi[4]; /* winvm's executable segments, found once */
static int wv_nx; /* guarded by the loader lock */

static int wv_bi_phdr(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size, (void)arg;
    uintptr_t self = (uintptr_t)wv_bi_phdr;
    int n = 0;
    uintptr_t lo[4], hi[4];
    bool ours = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type != PT_LOAD || !(p->p_flags & PF_X) || n == 4)
            continue;
        lo[n] = info->dlpi_addr + p->p_vaddr, hi[n] = lo[n] + p->p_memsz;
        ours |= self >= lo[n] && self < hi[n];
        n++;
    }
    if (!ours)
        return 0;
    memcpy(wv_x_lo, lo, sizeof(lo)), memcpy(wv_x_hi, hi, sizeof(hi));
    wv_nx = n;
    return 1;
}

/* Code is what lies in winvm's executable segments; anything else an export table holds is a
 * variable. */
static bool wv_bi_is_code(const void *p)
{
    if (!wv_nx)
        dl_iterate_phdr(wv_bi_phdr, NULL);
    for (int i = 0; i < wv_nx; i++)
        if ((uintptr_t)p >= wv_x_lo[i] && (uintptr_t)p < wv_x_hi[i])
            return true;
    return false;
}

static size_t wv_bi_count(const struct wv_builtin *bi)
{
    size_t n = 0;
    while (bi->name_at(n))
        n++;
    return n;
}

/* Each entry's address and kind: a function kernel32 (or any builtin but ntdll) shares with
 * ntdll is ntdll's, forwarded.  Whether there was memory. */
static bool wv_bi_kinds(const struct wv_builtin *bi, struct wv_bi *b)
{
    size_t n = b->n;
    b->kind = malloc(n ? n : 1);
    b->addr = malloc((n ? n : 1) * sizeof(void *));
    if (!b->kind || !b->addr) {
        free(b->kind), free(b->addr);
        b->kind = NULL, b->addr = NULL;
        return false;
    }
    const struct wv_builtin *nt = wv_builtin_named("ntdll.dll");
    for (size_t i = 0; i < n; i++) {
        const char *name = bi->name_at(i);
        void *p = b->addr[i] = bi->lookup(name);
        b->kind[i] = !wv_bi_is_code(p)                           ? WV_BI_DATA
                     : nt && nt != bi && nt->lookup(name) == p  ? WV_BI_FORWARD
                                                                 : WV_BI_CODE;
    }
    return true;
}

/* ---- the image (builtin_pe.c writes its bytes) ---- */

static DWORD wv_bi_map(size_t k, uintptr_t *base)
{
    const struct wv_builtin *bi = &wv_builtins[k];
    char path[64];
    snprintf(path, sizeof(path), WV_SYSDIR "%s", bi->name);
    uintptr_t pref = WV_BI_BASE + k * WV_BI_SPAN;
    size_t len = 0;
    uint8_t *bytes = wv_builtin_pe(bi, wv_bi[k].kind, wv_bi[k].addr, wv_bi[k].n, pref, &len);
    if (!bytes)
        return ERROR_NOT_ENOUGH_MEMORY;
    struct wv_section *s = NULL;
    DWORD err = wv_section_image_memory(bytes, len, path, &s);
    bool not_at_base = false;
    if (!err) {
        err = wv_image_map(s, 0, base, &not_at_base);
        wv_object_unref(&s->obj); /* the view keeps the section */
    }
    if (!err && *base != pref && (err = wv_image_host_writable(*base, true)) == 0) {
        /* As Windows' loader does, the headers name where the image is. */
        uint64_t at = *base;
        uint32_t lfanew;
        memcpy(&lfanew, (void *)(*base + 0x3c), 4);
        memcpy((void *)(*base + lfanew + 24 + 24), &at, 8);
        wv_image_host_writable(*base, false);
    }
    return err;
}

/* Makes builtin k's module (loader lock held): its image mapped, in the lists. */
static DWORD wv_bi_make(size_t k)
{
    struct wv_bi *b = &wv_bi[k];
    struct wv_module *m = calloc(1, sizeof(*m));
    char *path = NULL;
    if (m && asprintf(&path, WV_SYSDIR "%s", wv_builtins[k].name) < 0)
        path = NULL;
    if (!b->kind) {
        b->n = wv_bi_count(&wv_builtins[k]);
        wv_bi_kinds(&wv_builtins[k], b);
    }
    DWORD err = m && path && b->kind ? wv_bi_map(k, &m->base) : ERROR_NOT_ENOUGH_MEMORY;
    if (!err) {
        m->path = path;
        m->name = path + strlen(WV_SYSDIR);
        m->img = wv_image_at(m->base);
        m->is_dll = true;
        m->tls_index = -1;
        m->refs = 1;
        m->unit = m;
        m->builtin = &wv_builtins[k];
        if ((err = wv_ldr_link(m)) != 0)
            wv_view_unmap(m->base);
    }
    if (err) {
        free(path), free(m);
        return err;
    }
    wv_ldr_initialized(m); /* nothing to run: initialised as soon as it is there */
    m->next = wv_modules;
    wv_modules = m;
    b->m = m;
    WV_TRACE(WV_TRACE_LOADER, "builtin %s at %#lx", m->name, (unsigned long)m->base);
    return 0;
}

/* The module of builtin bi, made with ntdll's and kernel32's when it is the first.  0 or a
 * Win32 error; takes the loader lock. */
DWORD wv_builtin_module(const struct wv_builtin *bi, struct wv_module **out)
{
    static const char *const first[] = {"ntdll.dll", "kernel32.dll"};
    size_t k = (size_t)(bi - wv_builtins);
    DWORD err = 0;
    pthread_mutex_lock(&wv_loader_lock);
    for (size_t i = 0; !err && !wv_bi[k].m && i < 2; i++) {
        const struct wv_builtin *f = wv_builtin_named(first[i]);
        size_t j = f ? (size_t)(f - wv_builtins) : k;
        if (!wv_bi[j].m)
            err = wv_bi_make(j);
    }
    if (!err && !wv_bi[k].m)
        err = wv_bi_make(k);
    *out = wv_bi[k].m;
    pthread_mutex_unlock(&wv_loader_lock);
    return err;
}

/* The table index of name in bi, or -1 (the tables are sorted by strcmp). */
static long wv_bi_index(const struct wv_builtin *bi, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, bi->name_at(mid));
        if (c == 0)
            return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

DWORD wv_builtin_proc(const struct wv_builtin *bi, const char *name, void **out)
{
    struct wv_module *m;
    *out = NULL;
    DWORD err = wv_builtin_module(bi, &m);
    if (err)
        return err;
    struct wv_bi *b = &wv_bi[bi - wv_builtins]; /* kind and n are fixed once m is made */
    long i = name ? wv_bi_index(bi, b->n, name) : -1;
    if (i < 0)
        return ERROR_PROC_NOT_FOUND;
    if (b->kind[i] == WV_BI_FORWARD)
        return wv_builtin_proc(wv_builtin_named("ntdll.dll"), name, out);
    *out = b->kind[i] == WV_BI_DATA ? b->addr[i]
                                    : (void *)(m->base + WV_BI_TEXT + WV_BI_STUBS + (uintptr_t)i * WV_BI_STUB);
    return 0;
}

DWORD wv_builtin_ret(const struct wv_builtin *bi, void **out)
{
    struct wv_module *m;
    *out = NULL;
    DWORD err = wv_builtin_module(bi, &m);
    if (!err)
        *out = (void *)(m->base + WV_BI_TEXT + WV_BI_RET);
    return err;
}

/* ---- the file (C:\windows\system32\<name>) ---- */

DWORD wv_builtin_file(const struct wv_builtin *bi, int *fd)
{
    struct wv_module *m;
    size_t k = (size_t)(bi - wv_builtins);
    DWORD err = wv_builtin_module(bi, &m); /* the file's bytes are the image's */
    if (err)
        return err;
    pthread_mutex_lock(&wv_loader_lock);
    if (!wv_bi[k].has_file) {
        const struct wv_image *img = m->img;
        int f = wv_memfile_make(m->path, img->file, img->file_size);
        if (f >= 0)
            wv_bi[k].fd = f, wv_bi[k].has_file = true;
        else
            err = errno == EMFILE || errno == ENFILE ? ERROR_TOO_MANY_OPEN_FILES : ERROR_NOT_ENOUGH_MEMORY;
    }
    *fd = wv_bi[k].fd;
    pthread_mutex_unlock(&wv_loader_lock);
    return err;
}
