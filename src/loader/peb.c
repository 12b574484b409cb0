/* SPDX-License-Identifier: MIT */
/* peb.c - the process environment block PE code reads through TEB->Peb: the image base, the
 * loader's module lists (PEB->Ldr), the process parameters (command line, image path, standard
 * handles, environment), the process heap, the OS version and NtGlobalFlag, at Windows x64's
 * offsets (winternl.h, the public symbols of ntdll).
 *
 * Real CRT and library startup code reads these directly: mingw's TLS and pseudo-relocation
 * code, MSVC's CRT (ProcessHeap, ProcessParameters), code that walks PEB->Ldr to find a
 * module without calling GetModuleHandle.  The PEB is one page of winvm-managed memory made
 * with the first TEB; module entries are host heap blocks linked by the loader.
 *
 * Locking: the module lists change under the loader lock only (PE code that walks them holds
 * it on Windows too, LdrLockLoaderLock); the rest is written once before PE code runs, or by
 * the runtime while it sets up `winvm run` (before the entry point).
 *
 * The builtin DLLs (kernel32, ntdll, msvcrt, ...) are in the lists with their generated images
 * (builtin.c) and their system-directory paths. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    WV_PEB_BEING_DEBUGGED = 0x02, WV_PEB_IMAGE_BASE = 0x10, WV_PEB_LDR = 0x18,
    WV_PEB_PARAMS = 0x20, WV_PEB_HEAP = 0x30, WV_PEB_FAST_LOCK = 0x38, WV_PEB_PROCESSORS = 0xb8, WV_PEB_GLOBAL_FLAG = 0xbc,
    WV_PEB_OS_MAJOR = 0x118, WV_PEB_OS_MINOR = 0x11c, WV_PEB_OS_BUILD = 0x120,
    WV_PEB_OS_PLATFORM = 0x124, WV_PEB_SUBSYSTEM = 0x128, WV_PEB_SESSION = 0x2c0, WV_PEB_FLS_CALLBACK = 0x320, WV_PEB_FLS_LIST_HEAD = 0x328,
    /* where the loader data and the parameters live in the PEB's page (the PEB is 0x7c8 bytes) */
    WV_LDR_AT = 0x800, WV_PP_AT = 0x860,
    /* PEB_LDR_DATA: three list heads */
    WV_LDR_LENGTH = 0x00, WV_LDR_INITIALIZED = 0x04, WV_LDR_LOAD_ORDER = 0x10,
    WV_LDR_MEMORY_ORDER = 0x20, WV_LDR_INIT_ORDER = 0x30, WV_LDR_SIZE = 0x58,
    /* RTL_USER_PROCESS_PARAMETERS */
    WV_PP_MAX_LENGTH = 0x00, WV_PP_LENGTH = 0x04, WV_PP_FLAGS = 0x08, WV_PP_STDIN = 0x20,
    WV_PP_STDOUT = 0x28, WV_PP_STDERR = 0x30, WV_PP_CURDIR = 0x38, WV_PP_IMAGE_PATH = 0x60,
    WV_PP_COMMAND_LINE = 0x70, WV_PP_ENVIRONMENT = 0x80, WV_PP_SIZE = 0x400,
};


struct wv_list_entry {
    struct wv_list_entry *flink, *blink;
};

struct wv_unicode_string {
    uint16_t length, max_length; /* bytes, without / with the terminator */
    uint32_t pad;
    WCHAR *buffer;
};

/* LDR_DATA_TABLE_ENTRY, as far as code reads it. */
struct wv_ldr_entry {
    struct wv_list_entry load_links, memory_links, init_links; /* 0x00 0x10 0x20 */
    void *dll_base;                                         /* 0x30 */
    void *entry_point;                                      /* 0x38 */
    uint32_t size_of_image, pad1;                           /* 0x40 */
    struct wv_unicode_string full_name, base_name;          /* 0x48 0x58 */
    uint32_t flags;                                         /* 0x68 */
    uint16_t load_count, tls_index;                         /* 0x6c 0x6e */
    struct wv_list_entry hash_links;                        /* 0x70 */
    uint32_t time_date_stamp, pad2;                         /* 0x80 */
    uint8_t rest[0x120 - 0x88];
};
_Static_assert(offsetof(struct wv_ldr_entry, dll_base) == 0x30, "LDR_DATA_TABLE_ENTRY layout");
_Static_assert(offsetof(struct wv_ldr_entry, base_name) == 0x58, "LDR_DATA_TABLE_ENTRY layout");
_Static_assert(offsetof(struct wv_ldr_entry, time_date_stamp) == 0x80, "LDR_DATA_TABLE_ENTRY layout");

static uint8_t *wv_the_peb; /* written once, by the first wv_peb_create (see teb.c) */
static bool wv_peb_ready;   /* set (release) once the page is filled */

static void *wv_at(size_t off) { return wv_the_peb + off; }
static void wv_put32(size_t off, uint32_t v) { memcpy(wv_at(off), &v, 4); }
static void wv_put64(size_t off, uint64_t v) { memcpy(wv_at(off), &v, 8); }

static struct wv_list_entry *wv_ldr_head(size_t list) { return wv_at(WV_LDR_AT + list); }

static void wv_list_init(struct wv_list_entry *h) { h->flink = h->blink = h; }

static void wv_list_append(struct wv_list_entry *h, struct wv_list_entry *e)
{
    e->flink = h;
    e->blink = h->blink;
    h->blink->flink = e;
    h->blink = e;
}

static void wv_list_remove(struct wv_list_entry *e)
{
    if (!e->flink)
        return; /* never linked */
    e->blink->flink = e->flink;
    e->flink->blink = e->blink;
    e->flink = e->blink = NULL;
}

void *wv_peb(void) { return wv_the_peb; }

static DWORD wv_peb_make(void);

DWORD wv_peb_create(void)
{
    static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER; /* a leaf; a failure may be retried */
    if (__atomic_load_n(&wv_peb_ready, __ATOMIC_ACQUIRE))
        return 0;
    pthread_mutex_lock(&once);
    DWORD err = wv_peb_ready ? 0 : wv_peb_make();
    pthread_mutex_unlock(&once);
    return err;
}

static DWORD wv_peb_make(void)
{
    /* The PEB page holds the PEB, the loader data after it and the process parameters. */
    uintptr_t at;
    DWORD err = wv_virtual_alloc(0, WV_PAGE_SIZE, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE, &at);
    if (err)
        return err;
    wv_the_peb = (uint8_t *)at; /* ready once filled */
    wv_put32(WV_PEB_PROCESSORS, wv_sys_processors()); /* as GetSystemInfo: at most 64 */
    wv_put32(WV_PEB_OS_MAJOR, WV_OS_MAJOR);
    wv_put32(WV_PEB_OS_MINOR, WV_OS_MINOR);
    uint16_t build = WV_OS_BUILD;
    memcpy(wv_at(WV_PEB_OS_BUILD), &build, 2);
    wv_put32(WV_PEB_OS_PLATFORM, 2); /* VER_PLATFORM_WIN32_NT */
    wv_put32(WV_PEB_SUBSYSTEM, 3);   /* console */
    wv_put32(WV_PEB_SESSION, WV_OB_SESSION); /* an interactive user's, as \\Sessions\\1 (ob.h) */
    wv_put64(WV_PEB_LDR, (uintptr_t)wv_at(WV_LDR_AT));
    /* FlsListHead: an empty circular list (runtime/fls.c links every FLS block into it) */
    wv_put64(WV_PEB_FLS_LIST_HEAD, (uintptr_t)wv_at(WV_PEB_FLS_LIST_HEAD));
    wv_put64(WV_PEB_FLS_LIST_HEAD + 8, (uintptr_t)wv_at(WV_PEB_FLS_LIST_HEAD));
    wv_put32(WV_LDR_AT + WV_LDR_LENGTH, WV_LDR_SIZE);
    *(uint8_t *)wv_at(WV_LDR_AT + WV_LDR_INITIALIZED) = 1;
    wv_list_init(wv_ldr_head(WV_LDR_LOAD_ORDER));
    wv_list_init(wv_ldr_head(WV_LDR_MEMORY_ORDER));
    wv_list_init(wv_ldr_head(WV_LDR_INIT_ORDER));
    size_t pp = WV_PP_AT;
    wv_put64(WV_PEB_PARAMS, (uintptr_t)wv_at(pp));
    wv_put32(pp + WV_PP_MAX_LENGTH, WV_PP_SIZE);
    wv_put32(pp + WV_PP_LENGTH, WV_PP_SIZE);
    wv_put32(pp + WV_PP_FLAGS, 1); /* PROCESS_PARAMETERS_NORMALIZED: pointers, not offsets */
    __atomic_store_n(&wv_peb_ready, true, __ATOMIC_RELEASE);
    return 0;
}

void wv_peb_set_image(uintptr_t base) { wv_put64(WV_PEB_IMAGE_BASE, base); }

void wv_peb_set_heap(void *heap) { wv_put64(WV_PEB_HEAP, (uintptr_t)heap); }
void wv_peb_set_fls_callbacks(void *table) { wv_put64(WV_PEB_FLS_CALLBACK, (uintptr_t)table); }

void *wv_peb_fls_list_head(void)
{
    return __atomic_load_n(&wv_peb_ready, __ATOMIC_ACQUIRE) ? wv_at(WV_PEB_FLS_LIST_HEAD) : NULL;
}

void wv_peb_set_lock(void *lock) { wv_put64(WV_PEB_FAST_LOCK, (uintptr_t)lock); }

/* ---- process parameters ---- */

static uint8_t *wv_params(void)
{
    uint8_t *pp;
    memcpy(&pp, wv_at(WV_PEB_PARAMS), 8);
    return pp;
}

/* The parameters' strings, kept for the process's life (set once per process); also held
 * here, where leak checkers look (the PEB page is winvm-mapped memory they do not scan). */
static WCHAR *wv_param_strings[3];

/* A UNICODE_STRING at off in the parameters holding a copy of s (UTF-8). */
static void wv_params_string(size_t off, const char *s, int k)
{
    size_t n = 0;
    wv_utf8_to_utf16(s, strlen(s), NULL, 0, WV_TEXT_REPLACE, &n);
    WCHAR *w = calloc(n + 1, sizeof(WCHAR));
    if (!w || n > 0x7ffe)
        return free(w);
    wv_utf8_to_utf16(s, strlen(s), w, n, WV_TEXT_REPLACE, &n);
    free(wv_param_strings[k]);
    wv_param_strings[k] = w;
    struct wv_unicode_string u = {(uint16_t)(n * 2), (uint16_t)(n * 2 + 2), 0, w};
    memcpy(wv_params() + off, &u, sizeof(u));
}

void wv_peb_set_params(const char *image_path, const char *command_line, const char *current_dir,
                       HANDLE std_in, HANDLE std_out, HANDLE std_err, const WCHAR *environment)
{
    uint8_t *pp = wv_params();
    wv_params_string(WV_PP_IMAGE_PATH, image_path, 0);
    wv_params_string(WV_PP_COMMAND_LINE, command_line, 1);
    wv_params_string(WV_PP_CURDIR, current_dir, 2);
    memcpy(pp + WV_PP_STDIN, &std_in, 8);
    memcpy(pp + WV_PP_STDOUT, &std_out, 8);
    memcpy(pp + WV_PP_STDERR, &std_err, 8);
    memcpy(pp + WV_PP_ENVIRONMENT, &environment, 8);
}

void wv_peb_set_std(unsigned i, HANDLE h)
{
    if (i < 3)
        memcpy(wv_params() + WV_PP_STDIN + 8 * i, &h, 8);
}

/* ---- the module lists (loader lock held) ---- */

static void wv_name_string_as(struct wv_unicode_string *u, const char *s);

/* s as a UNICODE_STRING; a path in Windows' form ("/a/b" as "C:\a\b", as GetModuleFileName
 * gives PE code paths) when path. */
static void wv_name_string(struct wv_unicode_string *u, const char *s, bool path)
{
    char *w = path ? malloc(strlen(s) + 3) : NULL;
    if (w) {
        char *p = w;
        if (s[0] == '/')
            *p++ = 'C', *p++ = ':';
        for (; *s; s++)
            *p++ = *s == '/' ? '\\' : *s;
        *p = 0;
        s = w;
    }
    wv_name_string_as(u, s);
    free(w);
}

static void wv_name_string_as(struct wv_unicode_string *u, const char *s)
{
    size_t n = 0;
    wv_utf8_to_utf16(s, strlen(s), NULL, 0, WV_TEXT_REPLACE, &n);
    u->buffer = n <= 0x7ffe ? calloc(n + 1, sizeof(WCHAR)) : NULL;
    if (!u->buffer)
        return;
    wv_utf8_to_utf16(s, strlen(s), u->buffer, n, WV_TEXT_REPLACE, &n);
    u->length = (uint16_t)(n * 2);
    u->max_length = (uint16_t)(n * 2 + 2);
}

void (*volatile wv_ldr_debug_hook)(uintptr_t base, bool load);

static void wv_ldr_tell(uintptr_t base, bool load)
{
    void (*hook)(uintptr_t, bool) = wv_ldr_debug_hook;
    if (hook)
        hook(base, load);
}

DWORD wv_ldr_link(struct wv_module *m)
{
    DWORD err = wv_peb_create();
    if (err)
        return err;
    struct wv_ldr_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return ERROR_NOT_ENOUGH_MEMORY;
    e->dll_base = (void *)m->base;
    e->entry_point = m->img->pe.entry_rva ? (void *)(m->base + m->img->pe.entry_rva) : NULL;
    e->size_of_image = (uint32_t)m->img->size;
    e->load_count = 1;
    e->time_date_stamp = m->img->pe.timestamp;
    e->flags = m->is_dll ? 0x4 : 0; /* LDRP_IMAGE_DLL */
    wv_name_string(&e->full_name, m->path, true);
    wv_name_string(&e->base_name, m->name, false);
    wv_list_init(&e->hash_links);
    wv_list_append(wv_ldr_head(WV_LDR_LOAD_ORDER), &e->load_links);
    wv_list_append(wv_ldr_head(WV_LDR_MEMORY_ORDER), &e->memory_links);
    m->ldr = e;
    wv_ldr_tell(m->base, true);
    return 0;
}

void wv_ldr_initialized(struct wv_module *m)
{
    struct wv_ldr_entry *e = m->ldr;
    if (e && m->is_dll && !e->init_links.flink) { /* the EXE is not in this list */
        wv_list_append(wv_ldr_head(WV_LDR_INIT_ORDER), &e->init_links);
        e->flags |= 0x80000; /* LDRP_PROCESS_ATTACH_CALLED */
    }
}

void wv_ldr_set_tls_index(struct wv_module *m)
{
    struct wv_ldr_entry *e = m->ldr;
    if (e)
        e->tls_index = m->tls_index >= 0 ? (uint16_t)m->tls_index : 0;
}

void wv_ldr_unlink(struct wv_module *m)
{
    struct wv_ldr_entry *e = m->ldr;
    if (!e)
        return;
    wv_ldr_tell(m->base, false);
    if (m->is_dll)
        wv_unload_record(m);
    wv_list_remove(&e->load_links);
    wv_list_remove(&e->memory_links);
    wv_list_remove(&e->init_links);
    free(e->full_name.buffer);
    free(e->base_name.buffer);
    free(e);
    m->ldr = NULL;
}
