/* SPDX-License-Identifier: MIT */
/* bind.c - the loader's binding half: export lookup (names, ordinals, forwarders), binding
 * imports into the IAT (kernel32.dll served by kernel32.c; stubs for what is missing when asked
 * for), static TLS slots, and GetProcAddress.
 *
 * Forwarders ("other.Function", "other.#7") are followed up to a depth limit, which also ends
 * forwarder cycles; the target DLL becomes a dependency of the DLL that forwards to it, except
 * inside one unit (loader.c), where references are not counted.  Delay imports need nothing
 * here: the image's own helper calls LoadLibraryA/GetProcAddress at the first call, as on
 * Windows.  Everything runs under the loader lock. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#define WV_FORWARD_DEPTH 16

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
    const struct wv_builtin *bi = wv_builtin_named(norm);
    if (bi) {
        if (wv_builtin_proc(bi, fn, &p) != 0)
            wv_say("forwarder %s: %s", fwd, "not served by winvm's DLL");
    }
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
 * Each stub is a few instructions in an executable page.  With kernel32 served (always, under
 * the runtime) it tail-calls its RaiseException(STATUS_PROCEDURE_NOT_FOUND, NONCONTINUABLE, 1,
 * {name}): the exception starts at the PE caller and goes through its frames, its top-level
 * filter and the report as any PE exception does.  Without it, the stub loads the name and
 * jumps to wv_missing_called, which raises the same from host code.  Stubs live as long as the
 * process. */

#define WV_STUB_BYTES 48

static __attribute__((ms_abi, noreturn)) void wv_missing_called(const char *what)
{
    ULONG_PTR arg = (ULONG_PTR)what;
    wv_raise(STATUS_PROCEDURE_NOT_FOUND, EXCEPTION_NONCONTINUABLE, 1, &arg, __builtin_return_address(0));
    _exit(127); /* not reached: a noncontinuable exception never returns */
}

/* 0: missing imports refuse the start; 1 (=stub): each gets a stub; 2 (=list): a stub, and a
 * line on stderr naming it, so that one run lists all a program lacks. */
static int wv_stub_mode(void)
{
    const char *e = getenv("WINVM_MISSING_IMPORTS");
    return !e ? 0 : !strcmp(e, "stub") ? 1 : !strcmp(e, "list") ? 2 : 0;
}

/* The stub's code at s for the import named by *arg (a ULONG_PTR holding the name). */
static void wv_stub_code(uint8_t *s, ULONG_PTR *arg)
{
    const struct wv_builtin *k32 = wv_builtin_named("kernel32.dll");
    void *raise = k32 ? k32->lookup("RaiseException") : NULL;
    uint32_t code = STATUS_PROCEDURE_NOT_FOUND;
    if (!raise) {
        uint64_t a = (uint64_t)*arg, f = (uint64_t)(uintptr_t)wv_missing_called;
        s[0] = 0x48, s[1] = 0xb9, memcpy(s + 2, &a, 8);   /* mov rcx, name */
        s[10] = 0x48, s[11] = 0xb8, memcpy(s + 12, &f, 8); /* mov rax, wv_missing_called */
        s[20] = 0xff, s[21] = 0xe0;                        /* jmp rax */
        return;
    }
    uint64_t a = (uint64_t)(uintptr_t)arg, f = (uint64_t)(uintptr_t)raise;
    s[0] = 0xb9, memcpy(s + 1, &code, 4);                             /* mov ecx, code */
    s[5] = 0xba, s[6] = 1, s[7] = s[8] = s[9] = 0;                    /* mov edx, NONCONTINUABLE */
    s[10] = 0x41, s[11] = 0xb8, s[12] = 1, s[13] = s[14] = s[15] = 0; /* mov r8d, 1 */
    s[16] = 0x49, s[17] = 0xb9, memcpy(s + 18, &a, 8);                /* mov r9, &arg */
    s[26] = 0x48, s[27] = 0xb8, memcpy(s + 28, &f, 8);                /* mov rax, RaiseException */
    s[36] = 0xff, s[37] = 0xe0;                                       /* jmp rax */
}

/* Every stub's argument (the name it raises with), kept on a list: the stubs embed them in
 * code a leak checker does not read.  Loader lock. */
struct wv_stub_arg {
    struct wv_stub_arg *next;
    ULONG_PTR name;
};
static struct wv_stub_arg *wv_stub_args;

static void *wv_missing_stub(const char *what)
{
    static uint8_t *page;
    static size_t used = 4096;
    struct wv_stub_arg *node = malloc(sizeof(*node));
    char *name = strdup(what);
    if (!name || !node)
        return free(name), free(node), NULL;
    ULONG_PTR *arg = &node->name;
    *arg = (ULONG_PTR)name;
    node->next = wv_stub_args, wv_stub_args = node;
    if (used + WV_STUB_BYTES > 4096) {
        page = wv_os_alloc(4096);
        if (!page)
            return NULL; /* the name stays listed */
        used = 0;
    }
    uint8_t *s = page + used;
    if (wv_os_protect((uintptr_t)page, 4096, PROT_READ | PROT_WRITE) != 0)
        return NULL; /* the name stays listed */
    wv_stub_code(s, arg);
    used += WV_STUB_BYTES;
    wv_os_protect((uintptr_t)page, 4096, PROT_READ | PROT_EXEC);
    return s;
}

/* ---- imports ---- */

struct wv_binding {
    struct wv_module *m;
    const char *dir;
    const char *dll;         /* the DLL the cached target is for */
    struct wv_module *target; /* NULL when builtin is set */
    const struct wv_builtin *builtin; /* a DLL winvm provides itself (kernel32, msvcrt) */
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
        b->builtin = wv_builtin_named(norm);
        b->target = NULL;
        b->missing = false;
        if (!b->builtin) {
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
                wv_mod_unref(t);
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
    else if (b->builtin) {
        DWORD err = wv_builtin_proc(b->builtin, imp->by_ordinal ? NULL : imp->name, &p);
        if (err && err != ERROR_PROC_NOT_FOUND)
            return b->err = err, 1;
    }
    else
        p = wv_resolve(b->target, imp->by_ordinal ? NULL : imp->name, imp->ordinal, 0);
    if (!p) {
        char what[300];
        if (imp->by_ordinal)
            snprintf(what, sizeof(what), "%s!#%u", imp->dll, imp->ordinal);
        else
            snprintf(what, sizeof(what), "%s!%s", imp->dll, imp->name);
        /* With WINVM_MISSING_IMPORTS=stub the slot gets a stub that raises when called. */
        int mode = wv_stub_mode();
        if (mode == 2)
            dprintf(2, "winvm: %s imports %s, which winvm does not provide (a stub raises if it is called)\n",
                    b->m->name, what);
        if (!mode || !(p = wv_missing_stub(what))) {
            wv_say("%s imports %s, which winvm cannot provide (WINVM_MISSING_IMPORTS=stub starts it anyway; "
                   "calling the function then ends the program naming it)", b->m->name, what);
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
 * reads through gs.  Loader lock held throughout. */

#define WV_STATIC_TLS_SLOTS 256
static bool wv_static_tls_used[WV_STATIC_TLS_SLOTS];

struct wv_tls_dir {
    uint64_t start, end, index_va, callbacks_va;
    uint32_t zero_fill, characteristics;
};

/* Every live thread gets the new module's block (Windows does so since Vista: a DLL with
 * __declspec(thread) data may be loaded at run time and used from any thread). */
struct wv_tls_fill {
    const struct wv_module *m;
    int slot;
    bool failed;
};

static void wv_tls_fill_one(void **slots, void *arg)
{
    struct wv_tls_fill *f = arg;
    if (!f->failed && !(slots[f->slot] = wv_static_tls_block(f->m)))
        f->failed = true;
}

static void wv_tls_free_one(void **slots, void *arg)
{
    int slot = *(int *)arg;
    free(slots[slot]);
    slots[slot] = NULL;
}

/* Sets up m's TLS slot, with the image writable (inside the binding window). */
static DWORD wv_static_tls_attach(struct wv_module *m)
{
    const wv_pe_dir *d = &m->img->pe.dirs[WV_PE_DIR_TLS];
    m->tls_index = -1;
    if (!d->rva || d->size < sizeof(struct wv_tls_dir) || d->rva + sizeof(struct wv_tls_dir) > m->img->size)
        return 0;
    struct wv_tls_dir t;
    memcpy(&t, (void *)(m->base + d->rva), sizeof(t)); /* relocated already: VAs of this view */
    uint64_t lo = m->base, hi = m->base + m->img->size;
    /* A template is [start, end) inside the image; start 0 means none only when end is 0 too. */
    bool template_ok = t.start <= t.end && (t.end == 0 || (t.start >= lo && t.end <= hi));
    if (!template_ok || t.index_va < lo || t.index_va + 4 > hi || t.zero_fill > (1u << 24)) {
        wv_say("%s: TLS directory out of the image%s", m->name, NULL);
        return ERROR_BAD_EXE_FORMAT;
    }
    int slot = 0;
    while (slot < WV_STATIC_TLS_SLOTS && wv_static_tls_used[slot])
        slot++;
    if (slot == WV_STATIC_TLS_SLOTS) {
        wv_say("%s: no static TLS slot left%s", m->name, NULL);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    m->tls_start = t.start, m->tls_size = t.end - t.start, m->tls_zero = t.zero_fill;
    struct wv_tls_fill fill = {m, slot, false};
    wv_teb_each_slots(wv_tls_fill_one, &fill);
    if (fill.failed) {
        wv_teb_each_slots(wv_tls_free_one, &slot);
        return ERROR_NOT_ENOUGH_MEMORY;
    }
    wv_static_tls_used[slot] = true;
    m->tls_index = slot;
    wv_ldr_set_tls_index(m);
    uint32_t idx = (uint32_t)slot;
    memcpy((void *)(uintptr_t)t.index_va, &idx, 4);
    return 0;
}

void *wv_static_tls_block(const struct wv_module *m)
{
    size_t size = (size_t)(m->tls_size + m->tls_zero);
    char *block = calloc(1, size ? size : 1);
    if (block && m->tls_size)
        memcpy(block, (const void *)(uintptr_t)m->tls_start, (size_t)m->tls_size);
    return block;
}

void wv_static_tls_detach(struct wv_module *m)
{
    if (m->tls_index < 0)
        return;
    wv_teb_each_slots(wv_tls_free_one, &m->tls_index);
    wv_static_tls_used[m->tls_index] = false;
    m->tls_index = -1;
}

/* Binds m's imports with the image writable for the loader (the model is unchanged: the IAT
 * keeps the protection its section gives, read-only after binding when it is in .rdata). */
DWORD wv_bind(struct wv_module *m, const char *dir)
{
    struct wv_binding b = {m, dir, NULL, NULL, NULL, false, 0};
    DWORD err = wv_image_host_writable(m->base, true);
    if (err)
        return err;
    DWORD st = wv_pe_imports(&m->img->pe, false, wv_bind_one, &b);
    if (!b.err && !st)
        b.err = wv_static_tls_attach(m);
    wv_image_host_writable(m->base, false);
    if (!b.err && st)
        wv_say("%s: malformed import table%s", m->name, NULL);
    return b.err ? b.err : st ? ERROR_BAD_EXE_FORMAT : 0;
}

DWORD wv_loader_proc(HMODULE h, const char *proc, void **out)
{
    /* A "name" below 64 KiB is an ordinal (MAKEINTRESOURCE). */
    bool by_ordinal = (uintptr_t)proc < 0x10000;
    const struct wv_builtin *bi = wv_builtin_of(h);
    if (bi)
        return wv_builtin_proc(bi, by_ordinal ? NULL : proc, out);
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
    *out = p;
    return p ? 0 : err;
}
