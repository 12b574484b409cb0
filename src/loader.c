/* loader.c - LoadLibrary, GetProcAddress, FreeLibrary: PE DLLs mapped as SEC_IMAGE views,
 * their imports bound, their initialisers run.
 *
 * A module is one mapped image with a reference count; hInstance is its base.  Loading one:
 *   1. find the file: a path as given, else the directory of the image that asked, the current
 *      directory, then each directory of $WINVM_PATH (names compared without case, as Windows);
 *   2. map it (image.c: shared pages, relocation by the policy); a non-DYNAMIC_BASE image not
 *      at its base is relocated here;
 *   3. bind its imports, loading what it imports first (a module is registered before its
 *      imports are, so import loops end); kernel32.dll is winvm itself (kernel32.c);
 *   4. once the whole graph is bound, run TLS callbacks and DllMain(DLL_PROCESS_ATTACH) for
 *      every new module, dependencies first.
 * Any failure undoes everything this call loaded: nothing stays mapped.  One recursive lock
 * (the loader lock, as on Windows) covers it all, DllMain included, so a DllMain may load.
 *
 * Export lookup follows forwarders ("other.Function", "other.#7") up to a depth limit, which
 * also ends forwarder cycles.  Delay imports need nothing here: the image's own helper calls
 * LoadLibraryA/GetProcAddress at the first call, as on Windows.
 */
#define _GNU_SOURCE
#include "image.h"
#include "kernel32.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WV_FORWARD_DEPTH 16
#define WV_MAX_DEPS 256

typedef BOOL(__attribute__((ms_abi)) * wv_dllmain_fn)(HINSTANCE, DWORD, LPVOID);
typedef void(__attribute__((ms_abi)) * wv_tls_fn)(PVOID, DWORD, PVOID);

struct wv_module {
    struct wv_module *next;
    char *path;            /* the file it came from */
    const char *name;      /* its file name, inside path */
    uintptr_t base;        /* hInstance */
    struct wv_image *img;  /* the section's image (the view holds the section) */
    int refs;              /* LoadLibrary calls + modules of other units importing it */
    struct wv_module *unit; /* modules importing each other in a loop form one unit (see below) */
    bool attached;         /* DllMain(PROCESS_ATTACH) returned TRUE */
    bool bound;            /* imports bound; not yet initialised when !attached */
    bool is_dll;
    int tls_index;         /* its static TLS slot, or -1 */
    size_t ndeps;
    struct wv_module **deps; /* what it holds references on (imports, forwarders) */
};

static pthread_mutex_t wv_loader_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static struct wv_module *wv_modules;
static struct wv_module *wv_main_module; /* the EXE `winvm run` started, if any */
static __thread char wv_load_error[512];
static pthread_once_t wv_exit_once = PTHREAD_ONCE_INIT; /* DllMain detach at exit, once */
static void wv_exit_register(void);

/* kernel32.dll is winvm itself: a module handle that is no image. */
static const char wv_k32_handle[16] __attribute__((aligned(16)));
#define WV_K32 ((HMODULE)wv_k32_handle)

static void wv_say(const char *fmt, const char *a, const char *b)
{
    snprintf(wv_load_error, sizeof(wv_load_error), fmt, a, b ? b : "");
}

const char *winvm_last_load_error(void) { return wv_load_error; }

/* ---- names and files ---- */

static const char *wv_basename(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* name with '\' as '/' and ".dll" added when the file name has no extension (Windows' rule;
 * a trailing '.' means "no extension, add none"). */
static char *wv_normal_name(const char *name)
{
    size_t n = strlen(name);
    char *s = malloc(n + 5);
    if (!s)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        s[i] = name[i] == '\\' ? '/' : name[i];
    const char *file = wv_basename(s);
    if (n && s[n - 1] == '.')
        s[n - 1] = 0;
    else if (!strchr(file, '.'))
        strcat(s, ".dll");
    return s;
}

static bool wv_is_kernel32(const char *name)
{
    return !strcasecmp(name, "kernel32.dll") || !strcasecmp(name, "kernelbase.dll");
}

/* Opens dir/file, matching the file name without case when the exact name is absent. */
static int wv_open_in(const char *dir, const char *file, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (!strcasecmp(e->d_name, file)) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            fd = open(path, O_RDONLY | O_CLOEXEC);
            break;
        }
    closedir(d);
    return fd;
}

/* Finds name (normalised) for a module in dir `from` (NULL: none); fd and its path, or -1. */
static int wv_search(const char *name, const char *from, char *path, size_t cap)
{
    if (strchr(name, '/')) {
        snprintf(path, cap, "%s", name);
        return open(name, O_RDONLY | O_CLOEXEC);
    }
    int fd = -1;
    if (from)
        fd = wv_open_in(from, name, path, cap);
    if (fd < 0)
        fd = wv_open_in(".", name, path, cap);
    const char *env = getenv("WINVM_PATH");
    for (const char *p = env; fd < 0 && p && *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char dir[PATH_MAX];
        if (n && n < sizeof(dir)) {
            memcpy(dir, p, n), dir[n] = 0;
            fd = wv_open_in(dir, name, path, cap);
        }
        p = c ? c + 1 : NULL;
    }
    return fd;
}

static struct wv_module *wv_find_name(const char *name)
{
    const char *file = wv_basename(name);
    for (struct wv_module *m = wv_modules; m; m = m->next)
        if (!strcasecmp(m->name, file))
            return m;
    return NULL;
}

static struct wv_module *wv_find_base(uintptr_t base)
{
    for (struct wv_module *m = wv_modules; m; m = m->next)
        if (m->base == base)
            return m;
    return NULL;
}

/* ---- mapping and unmapping ---- */

static DWORD wv_map_module(int fd, const char *path, struct wv_module *m)
{
    HANDLE hf = winvm_handle_from_fd(fd, GENERIC_READ | GENERIC_EXECUTE);
    if (hf == INVALID_HANDLE_VALUE)
        return GetLastError();
    HANDLE hs = CreateFileMappingA(hf, NULL, PAGE_EXECUTE_READ | SEC_IMAGE, 0, 0, NULL);
    DWORD err = hs ? 0 : GetLastError();
    CloseHandle(hf);
    if (err) {
        wv_say("%s: not a loadable PE x86-64 image%s", path, NULL);
        return err;
    }
    void *base = MapViewOfFileEx(hs, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0, NULL);
    err = base ? 0 : GetLastError();
    bool not_at_base = base && GetLastError() == ERROR_IMAGE_NOT_AT_BASE;
    CloseHandle(hs); /* the view keeps the section */
    if (err) {
        wv_say("%s: cannot be mapped at its base and cannot be relocated%s", path, NULL);
        return err;
    }
    m->base = (uintptr_t)base;
    m->img = wv_image_at(m->base);
    if (not_at_base && (err = wv_image_relocate(m->img, m->base)) != 0) {
        UnmapViewOfFile(base);
        wv_say("%s: bad relocations%s", path, NULL);
        return err;
    }
    m->is_dll = m->img->pe.characteristics & WV_PE_FILE_DLL;
    return 0;
}

static void wv_call_tls(struct wv_module *m, DWORD reason);
static void wv_release(struct wv_module *m);
static void wv_tls_detach(struct wv_module *m);

/* ---- references ----
 * A module's refs count LoadLibrary calls and the modules of *other* units that import it
 * (or forward to it).  Modules that import each other in a loop are merged into one unit (a
 * strongly connected group, found while loading: an import of a module still being loaded
 * closes a loop over everything loaded since), and edges inside a unit are not counted: as on
 * Windows, the whole loop stays while any member is referenced from outside, and goes as one
 * when none is.  Invariant: m->unit chains end at the unit's representative (unit == itself). */

static struct wv_module *wv_loading[256]; /* the modules being loaded, outermost first */
static int wv_nloading;

static struct wv_module *wv_unit(struct wv_module *m)
{
    while (m->unit != m)
        m = m->unit;
    return m;
}

/* Merges the units of every module loaded since t (t included) into t's unit. */
static void wv_close_loop(struct wv_module *t)
{
    int k = wv_nloading;
    while (k > 0 && wv_loading[k - 1] != t)
        k--;
    struct wv_module *u = wv_unit(t);
    for (int i = k; i < wv_nloading; i++)
        wv_unit(wv_loading[i])->unit = u;
}

static bool wv_is_loading(const struct wv_module *t)
{
    for (int i = 0; i < wv_nloading; i++)
        if (wv_loading[i] == t)
            return true;
    return false;
}

static void wv_unload_unit(struct wv_module *u);

/* Drops a reference; when no member of its unit is referenced any more, the unit goes. */
static void wv_release(struct wv_module *m)
{
    --m->refs;
    struct wv_module *u = wv_unit(m);
    for (struct wv_module *k = wv_modules; k; k = k->next)
        if (k->refs > 0 && wv_unit(k) == u)
            return;
    wv_unload_unit(u);
}

static void wv_detach(struct wv_module *m)
{
    if (!m->attached)
        return;
    m->attached = false;
    uint32_t entry = m->img->pe.entry_rva;
    if (m->is_dll && entry)
        ((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_DETACH, NULL);
    wv_call_tls(m, DLL_PROCESS_DETACH);
}

/* Every member detached (DllMain, TLS callbacks) while all are still mapped, then taken off
 * the list, their references on other units dropped, and unmapped. */
static void wv_unload_unit(struct wv_module *u)
{
    struct wv_module *members = NULL;
    for (struct wv_module *k = wv_modules; k; k = k->next)
        if (wv_unit(k) == u)
            wv_detach(k);
    for (struct wv_module **p = &wv_modules; *p;) {
        struct wv_module *k = *p;
        if (wv_unit(k) != u) {
            p = &k->next;
            continue;
        }
        *p = k->next;
        k->next = members;
        members = k;
    }
    for (struct wv_module *k = members; k; k = k->next)
        k->unit = k; /* off the list: no longer anyone's representative */
    while (members) {
        struct wv_module *k = members;
        members = k->next;
        if (wv_main_module == k)
            wv_main_module = NULL;
        for (size_t i = k->ndeps; i-- > 0;)
            wv_release(k->deps[i]);
        wv_tls_detach(k);
        UnmapViewOfFile((void *)k->base);
        free(k->deps);
        free(k->path);
        free(k);
    }
}

static bool wv_add_dep(struct wv_module *m, struct wv_module *dep)
{
    if (m->ndeps % 16 == 0) {
        struct wv_module **d = realloc(m->deps, (m->ndeps + 16) * sizeof(*d));
        if (!d)
            return false;
        m->deps = d;
    }
    m->deps[m->ndeps++] = dep;
    return true;
}

/* ---- exports ---- */

struct wv_want {
    const char *name; /* or NULL: by ordinal */
    uint32_t ordinal;
    const wv_pe_export *found;
    wv_pe_export copy;
};

static int wv_match(void *arg, const wv_pe_export *e)
{
    struct wv_want *w = arg;
    if (w->name ? (e->name && !strcmp(e->name, w->name)) : e->ordinal == w->ordinal) {
        w->copy = *e;
        w->found = &w->copy;
        return 1;
    }
    return 0;
}

static void *wv_resolve(struct wv_module *m, const char *name, uint32_t ordinal, int depth);

static bool wv_has_dep(const struct wv_module *m, const struct wv_module *dep)
{
    for (size_t i = 0; i < m->ndeps; i++)
        if (m->deps[i] == dep)
            return true;
    return false;
}

static DWORD wv_load(const char *name, const char *from, bool bind, struct wv_module **out);
static DWORD wv_attach(struct wv_module *m, bool static_load, int depth);

/* The directory a module's imports are searched from first: its own. */
static void wv_module_dir(const struct wv_module *m, char *dir, size_t cap)
{
    snprintf(dir, cap, "%.*s", (int)(m->name - 1 - m->path), m->path);
}

/* "dll.Function" or "dll.#7", exported by holder: the target module becomes holder's
 * dependency (loaded, and initialised when holder already is). */
static void *wv_forward(const char *fwd, int depth, struct wv_module *holder)
{
    const char *dot = strrchr(fwd, '.');
    if (!dot || dot == fwd || depth >= WV_FORWARD_DEPTH) {
        wv_say("forwarder %s: %s", fwd, depth >= WV_FORWARD_DEPTH ? "chain too long (a cycle?)" : "malformed");
        return NULL;
    }
    char dll[256], dir[PATH_MAX];
    snprintf(dll, sizeof(dll), "%.*s", (int)(dot - fwd), fwd);
    const char *fn = dot + 1;
    uint32_t ord = 0;
    if (*fn == '#')
        ord = (uint32_t)strtoul(fn + 1, NULL, 10), fn = NULL;
    char *norm = wv_normal_name(dll);
    if (!norm)
        return NULL;
    void *p = NULL;
    struct wv_module *t = NULL;
    wv_module_dir(holder, dir, sizeof(dir));
    if (wv_is_kernel32(norm))
        p = fn ? wv_k32_lookup(fn) : NULL;
    else if (wv_load(norm, dir, true, &t) == 0) {
        if (wv_is_loading(t))
            wv_close_loop(t);
        if (wv_unit(t) == wv_unit(holder) || wv_has_dep(holder, t) || !wv_add_dep(holder, t))
            t->refs--; /* inside its unit, or held once already: not another reference */
        else if (holder->attached && wv_attach(t, false, 0) != 0) {
            free(norm);
            return NULL;
        }
        p = wv_resolve(t, fn, ord, depth + 1);
    }
    free(norm);
    return p;
}

/* The address of an export of m, following forwarders; NULL (reason said) when absent.  A
 * forwarder's target module is referenced by the module that forwards to it. */
static void *wv_resolve(struct wv_module *m, const char *name, uint32_t ordinal, int depth)
{
    struct wv_want w = {name, ordinal, NULL, {0}};
    if (wv_pe_exports(&m->img->pe, wv_match, &w) != 0 || !w.found) {
        char ord[16];
        snprintf(ord, sizeof(ord), "#%u", ordinal);
        wv_say("%s not exported by %s", name ? name : ord, m->name);
        return NULL;
    }
    if (w.found->forwarder)
        return wv_forward(w.found->forwarder, depth, m);
    return (void *)(m->base + w.found->rva);
}

/* ---- stubs for imports winvm does not provide (WINVM_MISSING_IMPORTS=stub) ----
 * Each stub is a few instructions in an executable page: load the import's name into rcx and
 * jump to wv_missing_called, which reports it and raises STATUS_PROCEDURE_NOT_FOUND (non-
 * continuable) with the name as its parameter.  Stubs live as long as the process. */

#define WV_STUB_BYTES 32

static __attribute__((ms_abi, noreturn)) void wv_missing_called(const char *what)
{
    ULONG_PTR arg = (ULONG_PTR)what;
    RaiseException(STATUS_PROCEDURE_NOT_FOUND, EXCEPTION_NONCONTINUABLE, 1, &arg);
    _exit(127); /* not reached: a noncontinuable exception never returns */
}

static bool wv_stub_mode(void)
{
    const char *e = getenv("WINVM_MISSING_IMPORTS");
    return e && !strcmp(e, "stub");
}

static void *wv_missing_stub(const char *what)
{
    static uint8_t *page;
    static size_t used = 4096;
    char *name = strdup(what);
    if (!name)
        return NULL;
    if (used + WV_STUB_BYTES > 4096) {
        page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
            return page = NULL, free(name), NULL;
        used = 0;
    }
    uint8_t *s = page + used;
    uint64_t a = (uint64_t)(uintptr_t)name, f = (uint64_t)(uintptr_t)wv_missing_called;
    if (mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0)
        return free(name), NULL;
    s[0] = 0x48, s[1] = 0xb9, memcpy(s + 2, &a, 8);   /* mov rcx, name */
    s[10] = 0x48, s[11] = 0xb8, memcpy(s + 12, &f, 8); /* mov rax, wv_missing_called */
    s[20] = 0xff, s[21] = 0xe0;                        /* jmp rax */
    used += WV_STUB_BYTES;
    mprotect(page, 4096, PROT_READ | PROT_EXEC);
    return s;
}

/* ---- imports ---- */

struct wv_binding {
    struct wv_module *m;
    const char *dir;
    const char *dll;         /* the DLL the cached target is for */
    struct wv_module *target; /* NULL with k32 set: kernel32 */
    bool k32;
    bool missing;             /* the DLL was not found (stub mode goes on) */
    DWORD err;
};

static int wv_bind_one(void *arg, const wv_pe_import *imp)
{
    struct wv_binding *b = arg;
    if (!b->dll || strcasecmp(b->dll, imp->dll)) {
        char *norm = wv_normal_name(imp->dll);
        if (!norm)
            return b->err = ERROR_NOT_ENOUGH_MEMORY, 1;
        b->dll = imp->dll;
        b->k32 = wv_is_kernel32(norm);
        b->target = NULL;
        b->missing = false;
        if (!b->k32) {
            struct wv_module *t;
            DWORD err = wv_load(norm, b->dir, true, &t);
            if (err == ERROR_MOD_NOT_FOUND && wv_stub_mode()) {
                free(norm);
                b->missing = true;
                goto resolve; /* every import from it gets a stub */
            }
            if (err) {
                free(norm);
                return b->err = err, 1;
            }
            if (wv_is_loading(t))
                wv_close_loop(t); /* an import loop: b->m and t are one unit from now on */
            if (wv_unit(t) == wv_unit(b->m))
                t->refs--; /* not counted inside a unit */
            else if (!wv_add_dep(b->m, t)) {
                wv_release(t);
                free(norm);
                return b->err = ERROR_NOT_ENOUGH_MEMORY, 1;
            }
            b->target = t;
        }
        free(norm);
    }
resolve:;
    void *p;
    if (b->missing)
        p = NULL;
    else if (b->k32)
        p = imp->by_ordinal ? NULL : wv_k32_lookup(imp->name);
    else
        p = wv_resolve(b->target, imp->by_ordinal ? NULL : imp->name, imp->ordinal, 0);
    if (!p) {
        char what[300];
        if (imp->by_ordinal)
            snprintf(what, sizeof(what), "%s!#%u", imp->dll, imp->ordinal);
        else
            snprintf(what, sizeof(what), "%s!%s", imp->dll, imp->name);
        /* With WINVM_MISSING_IMPORTS=stub the slot gets a stub that raises when called. */
        if (!wv_stub_mode() || !(p = wv_missing_stub(what))) {
            wv_say("%s imports %s, which winvm cannot provide", b->m->name, what);
            return b->err = b->missing ? ERROR_MOD_NOT_FOUND : ERROR_PROC_NOT_FOUND, 1;
        }
    }
    uint64_t v = (uint64_t)(uintptr_t)p;
    memcpy((void *)(b->m->base + imp->iat_rva), &v, sizeof(v));
    return 0;
}

/* ---- static TLS (.tls): a slot per module, a block per thread ----
 * Windows gives each image with a TLS directory an index, writes it to *AddressOfIndex, and
 * gives every thread a block (the template, then SizeOfZeroFill zero bytes) found at
 * TEB->ThreadLocalStoragePointer[index]: what mingw's and MSVC's __declspec(thread) code
 * reads through gs.  Threads with a TEB are `winvm run`'s (run.c). */

#define WV_TLS_SLOTS 256
static bool wv_tls_used[WV_TLS_SLOTS];

struct wv_tls_dir {
    uint64_t start, end, index_va, callbacks_va;
    uint32_t zero_fill, characteristics;
};

/* Sets up m's TLS slot, with the image writable (inside the binding window). */
static DWORD wv_tls_attach(struct wv_module *m)
{
    const wv_pe_dir *d = &m->img->pe.dirs[WV_PE_DIR_TLS];
    m->tls_index = -1;
    if (!d->rva || d->size < sizeof(struct wv_tls_dir) || d->rva + sizeof(struct wv_tls_dir) > m->img->size)
        return 0;
    struct wv_tls_dir t;
    memcpy(&t, (void *)(m->base + d->rva), sizeof(t)); /* relocated already: VAs of this view */
    uint64_t lo = m->base, hi = m->base + m->img->size;
    if (t.start > t.end || (t.start && (t.start < lo || t.end > hi)) || t.index_va < lo || t.index_va + 4 > hi ||
        t.zero_fill > (1u << 24)) {
        wv_say("%s: TLS directory out of the image%s", m->name, NULL);
        return ERROR_BAD_EXE_FORMAT;
    }
    int slot = 0;
    while (slot < WV_TLS_SLOTS && wv_tls_used[slot])
        slot++;
    if (slot == WV_TLS_SLOTS) {
        wv_say("%s: no static TLS slot left%s", m->name, NULL);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    size_t tsize = (size_t)(t.end - t.start), size = tsize + t.zero_fill;
    void **slots = wv_teb_tls_slots();
    if (slots) {
        char *block = calloc(1, size ? size : 1);
        if (!block)
            return ERROR_NOT_ENOUGH_MEMORY;
        if (tsize)
            memcpy(block, (void *)(uintptr_t)t.start, tsize);
        slots[slot] = block;
    }
    wv_tls_used[slot] = true;
    m->tls_index = slot;
    uint32_t idx = (uint32_t)slot;
    memcpy((void *)(uintptr_t)t.index_va, &idx, 4);
    return 0;
}

static void wv_tls_detach(struct wv_module *m)
{
    if (m->tls_index < 0)
        return;
    void **slots = wv_teb_tls_slots();
    if (slots) {
        free(slots[m->tls_index]);
        slots[m->tls_index] = NULL;
    }
    wv_tls_used[m->tls_index] = false;
    m->tls_index = -1;
}

/* Binds m's imports with the image writable for the loader (the model is unchanged: the IAT
 * keeps the protection its section gives, read-only after binding when it is in .rdata). */
static DWORD wv_bind(struct wv_module *m, const char *dir)
{
    struct wv_binding b = {m, dir, NULL, NULL, false, false, 0};
    DWORD err = wv_image_host_writable(m->base, true);
    if (err)
        return err;
    DWORD st = wv_pe_imports(&m->img->pe, false, wv_bind_one, &b);
    if (!b.err && !st)
        b.err = wv_tls_attach(m);
    wv_image_host_writable(m->base, false);
    if (!b.err && st)
        wv_say("%s: malformed import table%s", m->name, NULL);
    return b.err ? b.err : st ? ERROR_BAD_EXE_FORMAT : 0;
}

/* ---- initialisation ---- */

static int wv_tls_one(void *arg, uint32_t rva)
{
    struct { struct wv_module *m; DWORD reason; } *t = arg;
    ((wv_tls_fn)(t->m->base + rva))((PVOID)t->m->base, t->reason, NULL);
    return 0;
}

static void wv_call_tls(struct wv_module *m, DWORD reason)
{
    struct { struct wv_module *m; DWORD reason; } t = {m, reason};
    wv_pe_tls_callbacks(&m->img->pe, wv_tls_one, &t);
}

/* Runs the initialisers of m's graph that have not run, dependencies first. */
static DWORD wv_attach(struct wv_module *m, bool static_load, int depth)
{
    if (m->attached || !m->bound || depth > 512)
        return 0;
    m->attached = true; /* before the deps: an import loop must not come back here */
    for (size_t i = 0; i < m->ndeps; i++) {
        DWORD err = wv_attach(m->deps[i], true, depth + 1);
        if (err)
            return err;
    }
    /* The rest of its unit (an import loop, whose inner edges are not deps) comes first too. */
    struct wv_module *u = wv_unit(m);
    for (struct wv_module *k = wv_modules; k; k = k->next) {
        DWORD err = k != m && wv_unit(k) == u ? wv_attach(k, true, depth + 1) : 0;
        if (err)
            return err;
    }
    wv_call_tls(m, DLL_PROCESS_ATTACH);
    uint32_t entry = m->img->pe.entry_rva;
    if (m->is_dll && entry &&
        !((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_ATTACH,
                                            static_load ? (LPVOID)1 : NULL)) {
        /* Windows: a FALSE from DllMain gets a DLL_PROCESS_DETACH, then the load fails. */
        ((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_DETACH, NULL);
        m->attached = false;
        wv_say("%s: DllMain failed the load%s", m->name, NULL);
        return ERROR_DLL_INIT_FAILED;
    }
    return 0;
}

/* ---- loading ---- */

/* Loads (or references) name, searched from dir; *out holds one reference.  Without bind
 * (DONT_RESOLVE_DLL_REFERENCES) a new module's imports stay unbound and it is never
 * initialised, as on Windows. */
static DWORD wv_load(const char *name, const char *from, bool bind, struct wv_module **out)
{
    struct wv_module *m = strchr(name, '/') ? NULL : wv_find_name(name);
    char path[PATH_MAX];
    int fd = -1;
    if (!m) {
        fd = wv_search(name, from, path, sizeof(path));
        if (fd < 0) {
            wv_say("%s: not found (searched the importer's directory, the current directory and $WINVM_PATH)%s",
                   name, NULL);
            return ERROR_MOD_NOT_FOUND;
        }
        char *real = realpath(path, NULL);
        for (struct wv_module *k = wv_modules; real && k; k = k->next)
            if (!strcmp(k->path, real))
                m = k;
        if (m) {
            free(real);
            close(fd);
        } else {
            m = calloc(1, sizeof(*m));
            if (!m || !real) {
                free(m), free(real), close(fd);
                return ERROR_NOT_ENOUGH_MEMORY;
            }
            m->path = real;
            m->name = wv_basename(real);
            m->tls_index = -1;
            DWORD err = wv_map_module(fd, real, m);
            close(fd);
            if (err) {
                free(real), free(m);
                return err;
            }
            m->refs = 1;
            m->unit = m;
            m->next = wv_modules;
            wv_modules = m; /* before its imports: a loop back here finds it */
            char dir[PATH_MAX];
            wv_module_dir(m, dir, sizeof(dir));
            if (wv_nloading == (int)(sizeof(wv_loading) / sizeof(wv_loading[0]))) {
                wv_say("%s: imports nested too deeply%s", m->name, NULL);
                wv_release(m);
                return ERROR_NOT_ENOUGH_MEMORY;
            }
            wv_loading[wv_nloading++] = m;
            err = bind ? wv_bind(m, dir) : 0;
            wv_nloading--;
            if (err) {
                wv_release(m);
                return err;
            }
            m->bound = bind;
            *out = m;
            return 0;
        }
    }
    m->refs++;
    *out = m;
    return 0;
}

/* The directory of the running EXE module, for searches from LoadLibrary. */
static const char *wv_main_dir(char *buf, size_t cap)
{
    if (!wv_main_module)
        return NULL;
    wv_module_dir(wv_main_module, buf, cap);
    return buf;
}

HMODULE WINAPI LoadLibraryExA(LPCSTR file, HANDLE reserved, DWORD flags)
{
    if (!file || reserved || (flags & ~(DWORD)(DONT_RESOLVE_DLL_REFERENCES | LOAD_WITH_ALTERED_SEARCH_PATH))) {
        wv_set_error(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    char *name = wv_normal_name(file);
    if (!name) {
        wv_set_error(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    if (wv_is_kernel32(name)) {
        free(name);
        return WV_K32;
    }
    wv_fault_attach();
    pthread_once(&wv_exit_once, wv_exit_register);
    pthread_mutex_lock(&wv_loader_lock);
    char dir[PATH_MAX];
    struct wv_module *m = NULL;
    wv_load_error[0] = 0;
    bool bind = !(flags & DONT_RESOLVE_DLL_REFERENCES);
    DWORD err = wv_load(name, wv_main_dir(dir, sizeof(dir)), bind, &m);
    if (!err && m->bound && (err = wv_attach(m, false, 0)) != 0)
        wv_release(m); /* everything this load brought in goes with it */
    if (!err)
        wv_load_error[0] = 0; /* stubbed imports may have left a reason behind */
    pthread_mutex_unlock(&wv_loader_lock);
    free(name);
    if (err) {
        wv_set_error(err);
        return NULL;
    }
    return (HMODULE)m->base;
}

HMODULE WINAPI LoadLibraryA(LPCSTR file) { return LoadLibraryExA(file, NULL, 0); }

BOOL WINAPI FreeLibrary(HMODULE h)
{
    if (h == WV_K32)
        return TRUE;
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = h ? wv_find_base((uintptr_t)h) : NULL;
    if (m)
        wv_release(m);
    pthread_mutex_unlock(&wv_loader_lock);
    if (!m) {
        wv_set_error(ERROR_MOD_NOT_FOUND);
        return FALSE;
    }
    return TRUE;
}

HMODULE WINAPI GetModuleHandleA(LPCSTR name)
{
    HMODULE h = NULL;
    pthread_mutex_lock(&wv_loader_lock);
    if (!name)
        h = wv_main_module ? (HMODULE)wv_main_module->base : NULL;
    else {
        char *norm = wv_normal_name(name);
        struct wv_module *m = norm ? wv_find_name(norm) : NULL;
        if (m)
            h = (HMODULE)m->base;
        else if (norm && wv_is_kernel32(norm))
            h = WV_K32;
        free(norm);
    }
    pthread_mutex_unlock(&wv_loader_lock);
    if (!h)
        wv_set_error(ERROR_MOD_NOT_FOUND);
    return h;
}

FARPROC WINAPI GetProcAddress(HMODULE h, LPCSTR proc)
{
    /* A "name" below 64 KiB is an ordinal (MAKEINTRESOURCE). */
    bool by_ordinal = (uintptr_t)proc < 0x10000;
    if (h == WV_K32) {
        void *p = by_ordinal ? NULL : wv_k32_lookup(proc);
        if (!p)
            wv_set_error(ERROR_PROC_NOT_FOUND);
        return (FARPROC)p;
    }
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = h ? wv_find_base((uintptr_t)h) : wv_main_module;
    void *p = NULL;
    DWORD err = ERROR_MOD_NOT_FOUND;
    if (m) {
        err = ERROR_PROC_NOT_FOUND;
        if (by_ordinal && (uintptr_t)proc == 0)
            err = ERROR_INVALID_ORDINAL;
        else
            p = wv_resolve(m, by_ordinal ? NULL : proc, (uint32_t)(uintptr_t)proc, 0);
    }
    pthread_mutex_unlock(&wv_loader_lock);
    if (!p)
        wv_set_error(err);
    return (FARPROC)p;
}

DWORD WINAPI GetModuleFileNameA(HMODULE h, LPSTR out, DWORD size)
{
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = h ? wv_find_base((uintptr_t)h) : wv_main_module;
    char path[PATH_MAX];
    path[0] = 0;
    if (m)
        snprintf(path, sizeof(path), "%s", m->path);
    else if (!h) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
        path[n > 0 ? n : 0] = 0;
    }
    pthread_mutex_unlock(&wv_loader_lock);
    if (!path[0]) {
        wv_set_error(ERROR_MOD_NOT_FOUND);
        return 0;
    }
    size_t n = strlen(path);
    if (size == 0) {
        wv_set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    if (n >= size) { /* truncated, NUL-terminated; Windows' XP+ behaviour */
        memcpy(out, path, size - 1);
        out[size - 1] = 0;
        wv_set_error(ERROR_INSUFFICIENT_BUFFER);
        return size;
    }
    memcpy(out, path, n + 1);
    wv_set_error(ERROR_SUCCESS);
    return (DWORD)n;
}

/* ---- process exit and `winvm run` ---- */

/* At exit, as ExitProcess: every initialised DLL gets DLL_PROCESS_DETACH with lpReserved
 * non-NULL (process termination), most recently loaded first; nothing is unmapped. */
static void wv_loader_exit(void)
{
    pthread_mutex_lock(&wv_loader_lock);
    for (struct wv_module *m = wv_modules; m; m = m->next) {
        uint32_t entry = m->img->pe.entry_rva;
        if (!m->attached)
            continue;
        m->attached = false;
        if (m->is_dll && entry)
            ((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_DETACH, (LPVOID)1);
        wv_call_tls(m, DLL_PROCESS_DETACH);
    }
    pthread_mutex_unlock(&wv_loader_lock);
}

static void wv_exit_register(void) { atexit(wv_loader_exit); }

DWORD wv_loader_load_exe(const char *path, uintptr_t *base)
{
    wv_fault_attach();
    pthread_once(&wv_exit_once, wv_exit_register);
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = NULL;
    wv_load_error[0] = 0;
    DWORD err = wv_main_module ? ERROR_INVALID_PARAMETER : wv_load(path, NULL, true, &m);
    if (!err) {
        wv_main_module = m; /* GetModuleHandle(NULL) from here on, DllMains included */
        if ((err = wv_attach(m, true, 0)) != 0)
            wv_release(m);
    }
    pthread_mutex_unlock(&wv_loader_lock);
    if (!err)
        *base = m->base;
    return err;
}

/* ---- for tests ---- */

size_t winvm_module_count(void)
{
    size_t n = 0;
    pthread_mutex_lock(&wv_loader_lock);
    for (struct wv_module *m = wv_modules; m; m = m->next)
        n++;
    pthread_mutex_unlock(&wv_loader_lock);
    return n;
}
