/* SPDX-License-Identifier: MIT */
/* loader.c - loading and unloading modules: PE DLLs mapped as SEC_IMAGE views, their imports
 * bound (bind.c), their initialisers run.  The public LoadLibrary, FreeLibrary, GetModuleHandle
 * and GetModuleFileName are the runtime's (runtime/module.c), over the wv_loader_* calls here.
 *
 * A module is one mapped image with a reference count; hInstance is its base.  Loading one:
 *   1. find the file: a path as given, else in Windows' search order (search.c);
 *   2. map it (image.c: shared pages, relocation by the policy); a non-DYNAMIC_BASE image not
 *      at its base is relocated here;
 *   3. bind its imports, loading what it imports first (a module is registered before its
 *      imports are, so import loops end); kernel32.dll is winvm itself (a builtin);
 *   4. once the whole graph is bound, run TLS callbacks and DllMain(DLL_PROCESS_ATTACH) for
 *      every new module, dependencies first.
 * Any failure undoes everything this call loaded: nothing stays mapped.  One recursive lock
 * (the loader lock, as on Windows) covers it all, DllMain included, so a DllMain may load.
 *
 */
#define _GNU_SOURCE
#include "loader/loader.h"

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
#include <sys/stat.h>
#include <unistd.h>

pthread_mutex_t wv_loader_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
struct wv_module *wv_modules;
struct wv_module *wv_main_module; /* the EXE `winvm run` started, if any */
static __thread char wv_load_error[512];

void wv_say(const char *fmt, const char *a, const char *b)
{
    snprintf(wv_load_error, sizeof(wv_load_error), fmt, a, b ? b : "");
}

const char *winvm_last_load_error(void) { return wv_load_error; }

void wv_say_clear(void) { wv_load_error[0] = 0; }

/* ---- names and files ---- */

static const char *wv_basename(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* name with '\' as '/' and ".dll" added when the file name has no extension (Windows' rule;
 * a trailing '.' means "no extension, add none"). */
char *wv_normal_name(const char *name)
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


static struct wv_module *wv_find_name(const char *name)
{
    const char *file = wv_basename(name);
    for (struct wv_module *m = wv_modules; m; m = m->next)
        if (!m->builtin && !strcasecmp(m->name, file)) /* builtins: by wv_builtin_named only */
            return m;
    return NULL;
}

/* Whether k's image was made from the file st describes (builtins have no file). */
static bool wv_same_file(const struct wv_module *k, const struct stat *st)
{
    return !k->builtin && k->img->fd >= 0 && k->img->st.st_dev == st->st_dev && k->img->st.st_ino == st->st_ino;
}

struct wv_module *wv_find_base(uintptr_t base)
{
    for (struct wv_module *m = wv_modules; m; m = m->next)
        if (m->base == base)
            return m;
    return NULL;
}

/* The directory a module's imports are searched from first: its own. */
void wv_module_dir(const struct wv_module *m, char *dir, size_t cap)
{
    snprintf(dir, cap, "%.*s", (int)(m->name - 1 - m->path), m->path);
}

/* ---- mapping and unmapping ---- */

static __thread DWORD wv_image_status; /* the last map's (wv_loader_image_status) */

DWORD wv_loader_image_status(void) { return wv_image_status; }

static DWORD wv_map_module(int fd, const char *path, struct wv_module *m)
{
    struct wv_section *s = NULL;
    DWORD err = wv_section_image(fd, PAGE_EXECUTE_READ, &s);
    wv_image_status = 0;
    if (err) {
        wv_say("%s: not a loadable PE x86-64 image%s", path, NULL);
        /* what the file is says which status, as NtCreateSection's (nt/section.c) */
        if (err != ERROR_ACCESS_DENIED && err != ERROR_NOT_ENOUGH_MEMORY && err != ERROR_TOO_MANY_OPEN_FILES)
            wv_image_status = wv_image_file_status(fd);
        return err;
    }
    /* An i386 image is a section winvm maps (its information, its layout) but never runs, as
     * a 64-bit Windows process does not: ERROR_BAD_EXE_FORMAT, STATUS_INVALID_IMAGE_FORMAT. */
    if (s->image->pe.machine != WV_PE_MACHINE_AMD64) {
        wv_object_unref(&s->obj);
        wv_say("%s: a 32-bit (i386) image: winvm runs x86-64 code only%s", path, NULL);
        wv_image_status = STATUS_INVALID_IMAGE_FORMAT;
        return ERROR_BAD_EXE_FORMAT;
    }
    uintptr_t base = 0;
    bool not_at_base = false;
    err = wv_image_map(s, 0, &base, &not_at_base);
    wv_object_unref(&s->obj); /* the view keeps the section */
    if (err) {
        wv_say("%s: cannot be mapped at its base and cannot be relocated%s", path, NULL);
        return err;
    }
    m->base = base;
    m->img = wv_image_at(m->base);
    m->is_dll = m->img->pe.characteristics & WV_PE_FILE_DLL;
    /* Windows: a DLL whose relocations were stripped loads only at its base; an EXE loaded as
     * a DLL stays where it was mapped, unrelocated (Wine's test_image_mapping). */
    if (not_at_base && (m->img->pe.characteristics & WV_PE_FILE_RELOCS_STRIPPED) && m->is_dll) {
        wv_view_unmap(base);
        wv_say("%s: its base is taken and it cannot be relocated (relocations stripped)%s", path, NULL);
        return ERROR_INVALID_ADDRESS;
    }
    if (not_at_base && (err = wv_image_relocate(m->img, m->base)) != 0) {
        wv_view_unmap(base);
        wv_say("%s: bad relocations%s", path, NULL);
        return err;
    }
    return 0;
}


/* ---- references ----
 * A module's refs count LoadLibrary calls and the modules of *other* units that import it
 * (or forward to it).  Modules that import each other in a loop are merged into one unit (a
 * strongly connected group, found while loading: an import of a module still being loaded
 * closes a loop over everything loaded since), and edges inside a unit are not counted: as on
 * Windows, the whole loop stays while any member is referenced from outside, and goes as one
 * when none is.  Invariant: m->unit chains end at the unit's representative (unit == itself). */

static struct wv_module *wv_loading[256]; /* the modules being loaded, outermost first */
static int wv_nloading;

struct wv_module *wv_unit(struct wv_module *m)
{
    while (m->unit != m)
        m = m->unit;
    return m;
}

/* Merges the units of every module loaded since t (t included) into t's unit. */
void wv_close_loop(struct wv_module *t)
{
    int k = wv_nloading;
    while (k > 0 && wv_loading[k - 1] != t)
        k--;
    struct wv_module *u = wv_unit(t);
    for (int i = k; i < wv_nloading; i++)
        wv_unit(wv_loading[i])->unit = u;
}

bool wv_is_loading(const struct wv_module *t)
{
    for (int i = 0; i < wv_nloading; i++)
        if (wv_loading[i] == t)
            return true;
    return false;
}

static void wv_unload_unit(struct wv_module *u);

/* Drops a reference; when no member of its unit is referenced any more, the unit goes. */
void wv_mod_unref(struct wv_module *m)
{
    if (m->pinned)
        return; /* its count no longer matters */
    --m->refs;
    struct wv_module *u = wv_unit(m);
    for (struct wv_module *k = wv_modules; k; k = k->next)
        if ((k->refs > 0 || k->pinned) && wv_unit(k) == u)
            return;
    wv_unload_unit(u);
}

void wv_loader_pin(struct wv_module *m) { m->pinned = true; }

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
        WV_TRACE(WV_TRACE_LOADER, "unloading %s from %#lx", k->name, (unsigned long)k->base);
        if (wv_main_module == k)
            wv_main_module = NULL;
        for (size_t i = k->ndeps; i-- > 0;)
            wv_mod_unref(k->deps[i]);
        wv_static_tls_detach(k);
        wv_ldr_unlink(k);
        wv_view_unmap(k->base);
        free(k->deps);
        free(k->path);
        free(k);
    }
}

bool wv_add_dep(struct wv_module *m, struct wv_module *dep)
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

/* ---- initialisation ---- */

static int wv_tls_one(void *arg, uint32_t rva)
{
    struct { struct wv_module *m; DWORD reason; } *t = arg;
    ((wv_tls_fn)(t->m->base + rva))((PVOID)t->m->base, t->reason, NULL);
    return 0;
}

void wv_call_tls(struct wv_module *m, DWORD reason)
{
    struct { struct wv_module *m; DWORD reason; } t = {m, reason};
    wv_pe_tls_callbacks(&m->img->pe, wv_tls_one, &t);
}

/* Whether the image's page at rva executes.  Windows' loader catches the access violation of a
 * DllMain in a page that does not (DEP) and fails the load with it (STATUS_ACCESS_VIOLATION:
 * Wine's test_Loader); winvm fails such a load before the call instead of taking the fault. */
static bool wv_entry_executable(const wv_pe *pe, uint32_t rva)
{
    if (wv_pe_flat(pe))
        return true; /* one PAGE_EXECUTE_WRITECOPY mapping */
    for (unsigned i = 0; i < pe->nsections; i++) {
        const wv_pe_section *s = &pe->sections[i];
        if (rva >= s->va && rva - s->va < wv_sec_span(s))
            return s->characteristics & WV_PE_SCN_MEM_EXECUTE;
    }
    return false; /* the headers (READONLY) or a gap (NOACCESS) */
}

/* Runs the initialisers of m's graph that have not run, dependencies first. */
DWORD wv_attach(struct wv_module *m, bool static_load, int depth)
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
    uint32_t entry = m->img->pe.entry_rva;
    /* Checked after the dependencies as Windows would meet them: their DllMains ran; this
     * one is not attached, so its unload calls nothing of it. */
    if (m->is_dll && entry >= m->img->size) { /* the parser leaves it to us: never jump outside */
        m->attached = false;
        wv_say("%s: entry point outside the image%s", m->name, NULL);
        return ERROR_BAD_EXE_FORMAT;
    }
    if (m->is_dll && entry && !wv_entry_executable(&m->img->pe, entry)) {
        m->attached = false;
        wv_say("%s: entry point in a page that does not execute%s", m->name, NULL);
        return ERROR_NOACCESS;
    }
    WV_TRACE(WV_TRACE_LOADER, "initialising %s (TLS callbacks, DllMain PROCESS_ATTACH)", m->name);
    wv_call_tls(m, DLL_PROCESS_ATTACH);
    if (m->is_dll && entry &&
        !((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_ATTACH,
                                            static_load ? (LPVOID)1 : NULL)) {
        /* Windows: a FALSE from DllMain gets a DLL_PROCESS_DETACH, then the load fails. */
        ((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, DLL_PROCESS_DETACH, NULL);
        m->attached = false;
        wv_say("%s: DllMain failed the load%s", m->name, NULL);
        return ERROR_DLL_INIT_FAILED;
    }
    wv_ldr_initialized(m);
    return 0;
}

/* ---- loading ---- */

/* Step 3 for m, registered and not bound yet: its imports bound, loading them, with m on the
 * loading stack meanwhile (an import loop back to it closes there).  0 or the error; on
 * failure the caller drops m. */
DWORD wv_bind_new(struct wv_module *m)
{
    char dir[PATH_MAX];
    wv_module_dir(m, dir, sizeof(dir));
    if (wv_nloading == (int)(sizeof(wv_loading) / sizeof(wv_loading[0]))) {
        wv_say("%s: imports nested too deeply%s", m->name, NULL);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    wv_loading[wv_nloading++] = m;
    DWORD err = wv_bind(m, dir);
    wv_nloading--;
    m->bound = !err;
    return err;
}

/* Steps 2 and 3 for a file no module has yet: maps the file open at fd (closed here) as a new
 * module that owns real, its path; registers it with one reference and binds its imports
 * unless !bind, loading them.  On failure nothing of it stays loaded. */
static DWORD wv_load_new(int fd, char *real, bool bind, struct wv_module **out)
{
    struct wv_module *m = calloc(1, sizeof(*m));
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
    WV_TRACE(WV_TRACE_LOADER, "%s mapped at %#lx (preferred %#llx), %#x bytes", m->name, (unsigned long)m->base,
             (unsigned long long)m->img->pe.image_base, (unsigned)m->img->size);
    if ((err = wv_ldr_link(m)) != 0) {
        wv_view_unmap(m->base);
        free(real), free(m);
        return err;
    }
    m->refs = 1;
    m->unit = m;
    m->next = wv_modules;
    wv_modules = m; /* before its imports: a loop back here finds it */
    /* An EXE loaded as a DLL is mapped only: its imports stay unbound and its TLS unset
     * (Wine's test_import_resolution); `winvm run` binds its own (wv_loader_start_exe). */
    if (bind && m->is_dll && (err = wv_bind_new(m)) != 0) {
        wv_mod_unref(m);
        return err;
    }
    *out = m;
    return 0;
}

/* Loads (or references) name, searched from dir; *out holds one reference.  Without bind
 * (DONT_RESOLVE_DLL_REFERENCES) a new module's imports stay unbound and it is never
 * initialised, as on Windows. */
DWORD wv_load(const char *name, const char *from, bool bind, struct wv_module **out)
{
    struct wv_module *m = strchr(name, '/') ? NULL : wv_find_name(name);
    if (!m) {
        char path[PATH_MAX];
        char app[PATH_MAX];
        if (wv_main_module)
            wv_module_dir(wv_main_module, app, sizeof(app));
        int fd = wv_dll_search(name, wv_main_module ? app : NULL, from, path, sizeof(path));
        if (fd < 0 && wv_search_passed_over()) {
            wv_say("%s: only a 32-bit (i386) image of that name was found%s", name, NULL);
            wv_image_status = STATUS_INVALID_IMAGE_FORMAT;
            return ERROR_BAD_EXE_FORMAT;
        }
        if (fd < 0) {
            wv_say("%s: not found (searched the application's directory, the importer's, the current "
                   "directory, $WINVM_PATH and Debian's mingw-w64 DLL directories)%s", name, NULL);
            return ERROR_MOD_NOT_FOUND;
        }
        char *real = realpath(path, NULL);
        struct stat st;
        bool known = fstat(fd, &st) == 0;
        /* Windows knows a module by its file: another name of it (a hard link) is the same
         * module, its first name kept (Wine's test_Loader) */
        for (struct wv_module *k = wv_modules; real && k; k = k->next)
            if (!strcmp(k->path, real) || (known && wv_same_file(k, &st)))
                m = k;
        /* Windows' loader opens the file for reading, sharing read and delete: a handle of this
         * process that shares no reading, or that writes, makes that open fail. */
        DWORD err = !m && known ? wv_file_share_check_as(st.st_dev, st.st_ino, GENERIC_READ,
                                                                   FILE_SHARE_READ | FILE_SHARE_DELETE)
                                          : 0;
        if (err) {
            wv_say("%s: open elsewhere in this process in a way that excludes loading it%s", name, NULL);
            free(real), close(fd);
            return err;
        }
        if (!m) {
            WV_TRACE(WV_TRACE_LOADER, "loading %s from %s", name, real ? real : path);
            return wv_load_new(fd, real, bind, out);
        }
        free(real);
        close(fd);
    }
    m->refs++;
    *out = m;
    return 0;
}

DWORD wv_loader_free(HMODULE h)
{
    if (wv_builtin_of(h))
        return 0;
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = h ? wv_find_base((uintptr_t)h) : NULL;
    if (m)
        wv_mod_unref(m);
    pthread_mutex_unlock(&wv_loader_lock);
    return m ? 0 : ERROR_MOD_NOT_FOUND;
}

HMODULE wv_loader_find(const char *name)
{
    HMODULE h = NULL;
    pthread_mutex_lock(&wv_loader_lock);
    if (!name)
        h = wv_main_module ? (HMODULE)wv_main_module->base : NULL;
    else {
        char *norm = wv_normal_name(name);
        const struct wv_builtin *bi = norm ? wv_builtin_named(norm) : NULL;
        struct wv_module *m = NULL;
        if (bi ? wv_builtin_module(bi, &m) != 0 : norm && !(m = wv_find_name(norm)))
            m = NULL;
        struct stat st; /* a path naming a loaded module's file under another name */
        for (struct wv_module *k = wv_modules; !m && !bi && norm && norm[0] == '/' && k; k = k->next)
            if (!stat(norm, &st) && wv_same_file(k, &st))
                m = k;
        if (m)
            h = (HMODULE)m->base;
        free(norm);
    }
    pthread_mutex_unlock(&wv_loader_lock);
    return h;
}

bool wv_loader_file_name(HMODULE h, char *path, size_t cap)
{
    pthread_mutex_lock(&wv_loader_lock);
    struct wv_module *m = h ? wv_find_base((uintptr_t)h) : wv_main_module;
    path[0] = 0;
    if (m)
        snprintf(path, cap, "%s", m->path);
    else if (!h) {
        ssize_t n = readlink("/proc/self/exe", path, cap - 1);
        path[n > 0 ? n : 0] = 0;
    }
    pthread_mutex_unlock(&wv_loader_lock);
    return path[0] != 0;
}

/* ---- threads (thread.c) ----
 * A thread that runs PE code gets, before its start routine, a TLS block per module with a TLS
 * directory, then TLS callbacks and DllMain(DLL_THREAD_ATTACH) in load order; at its end
 * DLL_THREAD_DETACH in the reverse order, then its blocks go. */
void wv_loader_thread(bool attach)
{
    pthread_mutex_lock(&wv_loader_lock);
    size_t n = 0;
    for (struct wv_module *m = wv_modules; m; m = m->next)
        n++;
    struct wv_module **order = malloc((n ? n : 1) * sizeof(*order));
    size_t k = n;
    for (struct wv_module *m = wv_modules; m && order; m = m->next)
        order[--k] = m; /* oldest first */
    void **slots = wv_teb_tls_slots();
    DWORD reason = attach ? DLL_THREAD_ATTACH : DLL_THREAD_DETACH;
    for (size_t i = 0; order && i < n; i++) {
        struct wv_module *m = order[attach ? i : n - 1 - i];
        if (attach && slots && m->tls_index >= 0 && !slots[m->tls_index])
            slots[m->tls_index] = wv_static_tls_block(m);
        if (m->attached) {
            uint32_t entry = m->img->pe.entry_rva;
            wv_call_tls(m, reason);
            if (m->is_dll && entry)
                ((wv_dllmain_fn)(m->base + entry))((HINSTANCE)m->base, reason, NULL);
        }
        if (!attach && slots && m->tls_index >= 0) {
            free(slots[m->tls_index]);
            slots[m->tls_index] = NULL;
        }
    }
    free(order);
    pthread_mutex_unlock(&wv_loader_lock);
}
