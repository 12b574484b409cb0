/* SPDX-License-Identifier: MIT */
/* test_loader.c - LoadLibrary/GetProcAddress/FreeLibrary on the mingw-built images of
 * tests/images (dep, loadme*, failmain, missing*, noreloc): imports by name, ordinal and data,
 * forwarders, relocation at any base, DllMain and TLS callbacks in Windows' order, reference
 * counts, clean failures; and, with real processes, which pages are shared.  Expected values
 * are the ones each image's source header states. */
#define _GNU_SOURCE
#include "testutil.h"
#include "pfn.h"
#include "loader/loader.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

#include "hooks.h"

typedef int(__attribute__((ms_abi)) * fn0)(void);
typedef int(__attribute__((ms_abi)) * fn1)(int);
typedef int(__attribute__((ms_abi)) * fn2)(int, int);
typedef void *(__attribute__((ms_abi)) * fnp)(void);

/* A FARPROC as the function or data it is. */
#define AS(type, p) ((type)(void (*)(void))(p))
#define DATA(type, h, name) ((type)(void *)(uintptr_t)GetProcAddress(h, name))

static char cache_dir[128];

static void setup(void)
{
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/winvm-test-ldcache.%d", (int)getpid());
    mkdir(cache_dir, 0700);
    setenv("WINVM_CACHE_DIR", cache_dir, 1);
    setenv("WINVM_PATH", WINVM_PE_IMAGES, 1);
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_DEFAULT);
    cr_assert_eq(chdir("/"), 0); /* found through WINVM_PATH, not the current directory */
}

static void teardown(void)
{
    tu_remove_tree(cache_dir);
}

TestSuite(loader, .init = setup, .fini = teardown);

static HMODULE load(const char *name)
{
    SetLastError(SENTINEL);
    HMODULE h = LoadLibraryA(name);
    cr_assert_not_null(h, "LoadLibraryA(%s): %u (%s)", name, GetLastError(), winvm_last_load_error());
    return h;
}

static uint64_t image_base_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", WINVM_PE_IMAGES, name);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "%s", path);
    uint8_t buf[4096];
    cr_assert_gt(read(fd, buf, sizeof(buf)), 0);
    close(fd);
    uint32_t lfanew;
    memcpy(&lfanew, buf + 60, 4);
    uint64_t base;
    memcpy(&base, buf + lfanew + 24 + 24, 8);
    return base;
}

/* ---- dep.dll ---- */

Test(loader, dep_load_refcount_and_exports)
{
    size_t before = winvm_module_count();
    NEED_FREE(image_base_of("dep.dll"), 0x10000);
    HMODULE h = load("dep.dll");
    cr_assert_eq((uintptr_t)h, image_base_of("dep.dll"), "at its base");
    cr_assert_eq(GetModuleHandleA("DEP.DLL"), h, "names compare without case");
    cr_assert_eq(GetModuleHandleA("dep"), h, ".dll implied");
    int *attach = DATA(int *, h, "dep_attach_count");
    cr_assert_not_null(attach);
    cr_assert_eq(*attach, 1);
    cr_assert_eq(load("dep.dll"), h);
    cr_assert_eq(*attach, 1, "DllMain runs once");
    cr_assert_eq(AS(fn0, GetProcAddress(h, "dep_value"))(), 42);
    cr_assert_eq(AS(fn1, GetProcAddress(h, "dep_twice"))(21), 42);
    cr_assert_eq(AS(fn0, GetProcAddress(h, (LPCSTR)7))(), 7007, "by ordinal");
    cr_assert_eq(AS(fn0, GetProcAddress(h, (LPCSTR)1))(), 42);
    const LPCSTR absent[] = {(LPCSTR)5, (LPCSTR)6, (LPCSTR)11, "dep_ordinal_only", "nothere"};
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        SetLastError(SENTINEL);
        cr_assert_null(GetProcAddress(h, absent[i]), "entry %zu", i);
        cr_assert_eq(GetLastError(), ERROR_PROC_NOT_FOUND);
    }
    cr_assert(FreeLibrary(h));
    cr_assert_eq(GetModuleHandleA("dep.dll"), h, "one reference left");
    cr_assert(FreeLibrary(h));
    SetLastError(SENTINEL);
    cr_assert_null(GetModuleHandleA("dep.dll"));
    cr_assert_eq(GetLastError(), ERROR_MOD_NOT_FOUND);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(h, &m, sizeof(m));
    cr_assert_eq(m.State, MEM_FREE, "unmapped");
    cr_assert_eq(winvm_module_count(), before);
    SetLastError(SENTINEL);
    cr_assert(!FreeLibrary(h));
    cr_assert_eq(GetLastError(), ERROR_MOD_NOT_FOUND);
}

/* ---- loadme*.dll ---- */

static void check_loadme(const char *name, bool relocate)
{
    uint64_t pref = image_base_of(name);
    void *block = NULL;
    if (!relocate)
        NEED_FREE(pref, 0x10000);
    else if (tu_range_free(pref, 0x10000)) { /* else taken already (a sanitizer's shadow) */
        block = VirtualAlloc((void *)(uintptr_t)pref, 0x10000, MEM_RESERVE, PAGE_NOACCESS);
        cr_assert_eq((uintptr_t)block, pref);
    }
    HMODULE h = load(name);
    cr_assert(relocate ? (uintptr_t)h != pref : (uintptr_t)h == pref, "%s at %p", name, h);
    HMODULE dep = GetModuleHandleA("dep.dll");
    cr_assert_not_null(dep, "dep.dll loaded with it");
    cr_assert_eq(*DATA(void **, h, "loadme_hinst"), h);
    cr_assert_eq(*DATA(int *, h, "loadme_attach_self"), 1);
    cr_assert_eq(*DATA(int *, h, "loadme_attach_dep_value"), 42, "dep.dll initialised first");
    cr_assert_eq(*DATA(int *, h, "loadme_attach_dep_count"), 1);
    /* Imports by name, by ordinal and of data. */
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_call_dep"))(), 7059);
    /* Relocated pointers. */
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_sum_table"))(), 5120);
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_sum_rotable"))(), 10);
    int *counter = DATA(int *, h, "loadme_counter");
    cr_assert_eq(*DATA(int **, h, "loadme_counter_ptr"), counter);
    void **table = DATA(void **, h, "loadme_table");
    MEMORY_BASIC_INFORMATION m;
    for (int i = 0; i < 2048; i += 97) {
        VirtualQuery(table[i], &m, sizeof(m));
        cr_assert_eq(m.AllocationBase, h, "table[%d] points outside the image", i);
    }
    cr_assert_eq(*counter, 5);
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_bump"))(), 6);
    cr_assert_eq(*counter, 6);
    /* Sections as Windows shows an image. */
    VirtualQuery(AS(void *, GetProcAddress(h, "loadme_add")), &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_EXECUTE_READ);
    cr_assert_eq(m.Type, MEM_IMAGE);
    cr_assert_eq(m.AllocationBase, h);
    cr_assert_eq(m.AllocationProtect, PAGE_EXECUTE_WRITECOPY);
    VirtualQuery(counter, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE, "the written .data page is a copy now");
    VirtualQuery(h, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READONLY);
    /* GetProcAddress. */
    cr_assert_eq(AS(fn0, GetProcAddress(h, (LPCSTR)50))(), 50);
    cr_assert_eq(AS(fn2, GetProcAddress(h, (LPCSTR)1))(2, 3), 5);
    SetLastError(SENTINEL);
    cr_assert_null(GetProcAddress(h, "loadme_hidden"));
    cr_assert_eq(GetLastError(), ERROR_PROC_NOT_FOUND);
    cr_assert_eq(AS(void *, GetProcAddress(h, "loadme_fwd")), AS(void *, GetProcAddress(dep, "dep_value")),
                 "the forwarder resolves to dep.dll's function");
    /* PE code calling winvm through its IAT. */
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_alloc_test"))(), 0x7f);
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_dynamic"))(), 0x7f);
    /* TLS callback, then DllMain, once each, lpReserved NULL (a dynamic load). */
    int *events = DATA(int *, h, "loadme_events"), nevents = *DATA(int *, h, "loadme_nevents");
    cr_assert_geq(nevents, 2);
    cr_assert_eq(events[0], 0x101);
    cr_assert_eq(events[1], 0x201);
    cr_assert_eq(*DATA(int *, h, "loadme_nreasons"), 1);
    cr_assert_null(DATA(void **, h, "loadme_reserved")[0]);
    /* Unload: while the test holds dep.dll, loadme's detach is logged there and dep stays. */
    HMODULE dep2 = load("dep.dll");
    cr_assert_eq(dep2, dep);
    int *log = DATA(int *, dep, "dep_log"), *len = DATA(int *, dep, "dep_log_len");
    cr_assert(FreeLibrary(h));
    cr_assert_geq(*len, 2);
    cr_assert_eq(log[*len - 2], 0x301);
    cr_assert_eq(log[*len - 1], 0x300);
    cr_assert_eq(*DATA(int *, dep, "dep_detach_count"), 0);
    cr_assert_null(GetModuleHandleA(name));
    cr_assert(FreeLibrary(dep));
    cr_assert_null(GetModuleHandleA("dep.dll"));
    if (block)
        VirtualFree(block, 0, MEM_RELEASE);
}

Test(loader, loadme_at_base) { check_loadme("loadme.dll", false); }
Test(loader, loadme_fa1000_at_base) { check_loadme("loadme_fa1000.dll", false); }
Test(loader, loadme_nodyn_at_base) { check_loadme("loadme_nodyn.dll", false); }
Test(loader, loadme_relocated_shared) { check_loadme("loadme.dll", true); }
Test(loader, loadme_fa1000_relocated) { check_loadme("loadme_fa1000.dll", true); }
Test(loader, loadme_nodyn_relocated_by_loader) { check_loadme("loadme_nodyn.dll", true); }
Test(loader, loadme_relocated_classic)
{
    winvm_set_image_sharing(WINVM_IMAGE_SHARING_CLASSIC);
    check_loadme("loadme.dll", true);
}

Test(loader, refcounts_need_as_many_frees)
{
    HMODULE a = load("loadme.dll"), b = load("loadme.dll");
    cr_assert_eq(a, b);
    cr_assert_eq(*DATA(int *, a, "loadme_nreasons"), 1, "DllMain once");
    cr_assert(FreeLibrary(a));
    cr_assert_eq(GetModuleHandleA("loadme.dll"), a);
    cr_assert(FreeLibrary(b));
    cr_assert_null(GetModuleHandleA("loadme.dll"));
    cr_assert_null(GetModuleHandleA("dep.dll"), "its import went with it");
}

Test(loader, delay_import_loads_at_first_call)
{
    HMODULE h = load("loadme_delay.dll");
    cr_assert_null(GetModuleHandleA("dep.dll"), "not loaded before the first call");
    int *calls = DATA(int *, h, "loadme_delay_calls");
    cr_assert_eq(*calls, 0);
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_call_dep"))(), 7059);
    cr_assert_not_null(GetModuleHandleA("dep.dll"));
    cr_assert_eq(*calls, 3);
    cr_assert_eq(AS(fn0, GetProcAddress(h, "loadme_call_dep"))(), 7059);
    cr_assert_eq(*calls, 3, "the IAT slots were patched");
    cr_assert_eq(*DATA(int *, h, "loadme_delay_failures"), 0);
    FreeLibrary(h);
}

Test(loader, kernel32_is_winvm)
{
    HMODULE k = GetModuleHandleA("KERNEL32.DLL");
    cr_assert_not_null(k);
    cr_assert_eq(LoadLibraryA("kernel32"), k);
    typedef LPVOID(__attribute__((ms_abi)) * valloc)(LPVOID, SIZE_T, DWORD, DWORD);
    valloc va = AS(valloc, GetProcAddress(k, "VirtualAlloc"));
    cr_assert_not_null(va);
    char *p = va(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    cr_assert_not_null(p);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(p, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    VirtualFree(p, 0, MEM_RELEASE);
    SetLastError(SENTINEL);
    cr_assert_null(GetProcAddress(k, "NoSuchFunction"));
    cr_assert_eq(GetLastError(), ERROR_PROC_NOT_FOUND);
    cr_assert(FreeLibrary(k));
}

/* ---- failures leave nothing behind ---- */

static void load_fails(const char *name, DWORD err, const char *says)
{
    cr_assert(winvm_thread_attach()); /* the thread's TEB and the PEB are not the load's to undo */
    size_t mods = winvm_module_count(), views = wv_space_count();
    SetLastError(SENTINEL);
    cr_assert_null(LoadLibraryA(name), "%s loaded", name);
    cr_assert_eq(GetLastError(), err, "%s: %u, want %u", name, GetLastError(), err);
    cr_assert(strstr(winvm_last_load_error(), says), "%s: reason '%s' does not name %s", name,
              winvm_last_load_error(), says);
    cr_assert_eq(winvm_module_count(), mods, "modules left loaded");
    cr_assert_eq(wv_space_count(), views, "views left mapped");
}

Test(loader, dllmain_false_fails_the_load)
{
    HMODULE dep = load("dep.dll"); /* to read its log afterwards */
    load_fails("failmain.dll", ERROR_DLL_INIT_FAILED, "failmain.dll");
    int *log = DATA(int *, dep, "dep_log"), len = *DATA(int *, dep, "dep_log_len");
    cr_assert_geq(len, 2);
    cr_assert_eq(log[len - 2], 0x401, "attach");
    cr_assert_eq(log[len - 1], 0x400, "then detach");
    FreeLibrary(dep);
}

Test(loader, missing_dll_and_function)
{
    load_fails("missing.dll", ERROR_MOD_NOT_FOUND, "absent.dll");
    load_fails("missingproc.dll", ERROR_PROC_NOT_FOUND, "dep_nothere");
    load_fails("nosuch.dll", ERROR_MOD_NOT_FOUND, "nosuch.dll");
    cr_assert_null(GetModuleHandleA("dep.dll"), "the import loaded for the failed load is gone");
}

Test(loader, not_an_image)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/notpe.dll", cache_dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a PE file, just text long enough to have a DOS header's size.......\n", f);
    fclose(f);
    load_fails(path, ERROR_BAD_EXE_FORMAT, "notpe.dll");
}

Test(loader, stripped_relocations)
{
    NEED_FREE(image_base_of("noreloc.dll"), 0x10000);
    HMODULE h = load("noreloc.dll");
    cr_assert_eq((uintptr_t)h, image_base_of("noreloc.dll"));
    cr_assert_eq(AS(fn0, GetProcAddress(h, "noreloc_check"))(), 1);
    FreeLibrary(h);
    void *block = VirtualAlloc((void *)(uintptr_t)image_base_of("noreloc.dll"), 0x10000, MEM_RESERVE, PAGE_NOACCESS);
    cr_assert_not_null(block);
    load_fails("noreloc.dll", ERROR_INVALID_ADDRESS, "noreloc.dll");
    VirtualFree(block, 0, MEM_RELEASE);
}

Test(loader, bad_arguments)
{
    SetLastError(SENTINEL);
    cr_assert_null(LoadLibraryA(NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(LoadLibraryExA("dep.dll", (HANDLE)1, 0));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(GetProcAddress((HMODULE)0x12340000, "x"));
    cr_assert_eq(GetLastError(), ERROR_MOD_NOT_FOUND);
}

Test(loader, wide_names)
{
    static const WCHAR name[] = {'d', 'e', 'p', '.', 'd', 'l', 'l', 0};
    HMODULE h = LoadLibraryW(name);
    cr_assert_not_null(h);
    cr_assert_eq(GetModuleHandleW(name), h);
    char buf[512];
    DWORD n = GetModuleFileNameA(h, buf, sizeof(buf));
    cr_assert_gt(n, 0);
    cr_assert(strstr(buf, "/dep.dll"), "%s", buf);
    FreeLibrary(h);
}

/* ---- real processes: which pages are shared ---- */

#define MAXP 64

struct child_pages {
    uint64_t base, npages;
    uint64_t pfn[MAXP]; /* pfn | anon << 63 */
};

/* In a child: loads loadme.dll (base taken or not, policy), optionally writes its counter,
 * reads every readable page and reports frames and which pages are private. */
static void child_load(int out, DWORD policy, bool take, bool bump)
{
    winvm_set_image_sharing(policy);
    if (take && tu_range_free(image_base_of("loadme.dll"), 0x10000) &&
        !VirtualAlloc((void *)(uintptr_t)image_base_of("loadme.dll"), 0x10000, MEM_RESERVE, PAGE_NOACCESS))
        _exit(3);
    HMODULE h = LoadLibraryA("loadme.dll");
    if (!h)
        _exit(4);
    if (bump) { /* rewrite one pointer in the middle of loadme_table: a .data page no one else writes */
        void *volatile *t = DATA(void *volatile *, h, "loadme_table");
        t[1024] = t[1024];
    }
    struct child_pages c = {(uintptr_t)h, 0, {0}};
    MEMORY_BASIC_INFORMATION m;
    for (char *a = (char *)h; VirtualQuery(a, &m, sizeof(m)) && m.AllocationBase == h; a += m.RegionSize)
        c.npages += m.RegionSize / PAGE;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    for (uint64_t i = 0; i < c.npages && i < MAXP; i++) {
        char *p = (char *)h + i * PAGE;
        VirtualQuery(p, &m, sizeof(m));
        if (m.Protect & 0x66)
            (void)*(volatile char *)p;
        uint64_t e = 0;
        if (pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE * 8)) != 8)
            _exit(5);
        c.pfn[i] = pfn_of(p) | (uint64_t)((e >> 63) && !(e >> 61 & 1)) << 63;
    }
    if (write(out, &c, sizeof(c)) != (ssize_t)sizeof(c))
        _exit(6);
    char ch;
    while (read(0, &ch, 1) > 0) /* stay alive until the parent has compared */
        ;
    _exit(0);
}

struct kid {
    pid_t pid;
    int to;
    struct child_pages pages;
};

static void spawn(struct kid *k, DWORD policy, bool take, bool write)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    k->pid = fork();
    cr_assert_geq(k->pid, 0);
    if (k->pid == 0) {
        dup2(in[0], 0);
        /* Nothing else open: a sibling holding our stdin's write end would keep us alive. */
        for (int fd = 3; fd < 1024; fd++)
            if (fd != out[1])
                close(fd);
        child_load(out[1], policy, take, write);
    }
    close(in[0]);
    close(out[1]);
    k->to = in[1];
    cr_assert_eq(read(out[0], &k->pages, sizeof(k->pages)), (ssize_t)sizeof(k->pages), "child failed");
    close(out[0]);
}

static void reap(struct kid *k)
{
    close(k->to);
    int st;
    waitpid(k->pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static uint64_t private_mask(const struct child_pages *c)
{
    uint64_t m = 0;
    for (uint64_t i = 0; i < c->npages && i < MAXP; i++)
        m |= (c->pfn[i] >> 63) << i;
    return m;
}

static uint64_t fixup_mask(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/loadme.dll", WINVM_PE_IMAGES);
    int fd = open(path, O_RDONLY);
    static uint8_t buf[1 << 20];
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    wv_pe pe;
    cr_assert_eq(wv_pe_parse(&pe, buf, (size_t)n), 0);
    uint32_t pages[MAXP];
    size_t count;
    cr_assert_eq(wv_pe_fixup_pages(&pe, pages, MAXP, &count), 0);
    uint64_t m = 0;
    for (size_t i = 0; i < count; i++)
        m |= 1ull << pages[i];
    return m;
}

Test(loader, processes_share_pages_and_copy_only_what_they_write)
{
    enum { N = 4 };
    NEED_FREE(image_base_of("loadme.dll"), 0x10000);
    struct kid k[N + 3];
    for (int i = 0; i < N; i++)
        spawn(&k[i], WINVM_IMAGE_SHARING_DEFAULT, false, i == N - 1);
    uint64_t base_priv = private_mask(&k[0].pages);
    for (int i = 1; i < N; i++) {
        cr_assert_eq(k[i].pages.base, k[0].pages.base, "same base, same hInstance");
        uint64_t priv = private_mask(&k[i].pages);
        if (i < N - 1)
            cr_assert_eq(priv, base_priv, "the same pages are private in every instance");
        else {
            /* The writer: exactly one more private page, the .data page it wrote. */
            cr_assert_eq(priv & base_priv, base_priv);
            cr_assert_eq(__builtin_popcountll(priv & ~base_priv), 1, "writer's extra private pages %#llx",
                         (unsigned long long)(priv & ~base_priv));
        }
    }
    /* Every page private in no one is one frame for all (PFNs need root). */
    if (geteuid() == 0)
        for (uint64_t p = 0; p < k[0].pages.npages && p < MAXP; p++) {
            uint64_t f0 = k[0].pages.pfn[p];
            if ((base_priv >> p & 1) || !(f0 & ((1ull << 55) - 1)))
                continue;
            for (int i = 1; i < N - 1; i++)
                cr_assert_eq(k[i].pages.pfn[p], f0, "page %llu not shared", (unsigned long long)p);
        }
    /* Base taken, classic: exactly the fixup pages become private, beyond what every instance
     * writes anyway (the import table, DllMain's data). */
    spawn(&k[N], WINVM_IMAGE_SHARING_CLASSIC, true, false);
    cr_assert_neq(k[N].pages.base, k[0].pages.base);
    uint64_t fix = fixup_mask();
    cr_assert_eq(private_mask(&k[N].pages), base_priv | fix, "classic private %#llx, want %#llx",
                 (unsigned long long)private_mask(&k[N].pages), (unsigned long long)(base_priv | fix));
    /* Shared policy: two relocated children share one base and add no private pages. */
    spawn(&k[N + 1], WINVM_IMAGE_SHARING_SHARED, true, false);
    spawn(&k[N + 2], WINVM_IMAGE_SHARING_SHARED, true, false);
    cr_assert_eq(k[N + 1].pages.base, k[N + 2].pages.base);
    cr_assert_neq(k[N + 1].pages.base, k[0].pages.base);
    cr_assert_eq(private_mask(&k[N + 1].pages), base_priv);
    cr_assert_eq(private_mask(&k[N + 2].pages), base_priv);
    for (int i = 0; i < N + 3; i++)
        reap(&k[i]);
}

/* ---- WINVM_MISSING_IMPORTS=stub: a load that would fail binds stubs that raise ---- */

static void call_fn0(void *f) { AS(fn0, f)(); }

Test(loader, missing_imports_as_stubs)
{
    setenv("WINVM_MISSING_IMPORTS", "stub", 1);
    HMODULE m = load("missing.dll");    /* absent.dll!nothere */
    HMODULE p = load("missingproc.dll"); /* dep.dll!dep_nothere */
    cr_assert_str_empty(winvm_last_load_error());
    EXCEPTION_RECORD rec;
    struct {
        HMODULE h;
        const char *what;
    } cases[] = {{m, "absent.dll!nothere"}, {p, "dep.dll!dep_nothere"}};
    for (int i = 0; i < 2; i++) {
        FARPROC f = GetProcAddress(cases[i].h, (LPCSTR)1);
        cr_assert_not_null(f);
        cr_assert_eq(winvm_try(call_fn0, (void *)(uintptr_t)f, &rec), STATUS_PROCEDURE_NOT_FOUND);
        cr_assert_eq(rec.ExceptionFlags, EXCEPTION_NONCONTINUABLE);
        cr_assert_eq(rec.NumberParameters, 1);
        cr_assert_str_eq((const char *)rec.ExceptionInformation[0], cases[i].what);
    }
    FreeLibrary(m);
    FreeLibrary(p);
    unsetenv("WINVM_MISSING_IMPORTS");
    load_fails("missing.dll", ERROR_MOD_NOT_FOUND, "absent.dll");
}

/* =list: the same stubs, and every missing import named on stderr as it is bound. */
Test(loader, missing_imports_listed)
{
    char path[] = "/tmp/wvlist-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    setenv("WINVM_MISSING_IMPORTS", "list", 1);
    HMODULE m = load("missing.dll");
    HMODULE p = load("missingproc.dll");
    unsetenv("WINVM_MISSING_IMPORTS");
    dup2(saved, 2);
    close(saved);
    char text[2048] = {0};
    cr_assert_geq(pread(fd, text, sizeof(text) - 1, 0), 0);
    close(fd);
    cr_assert_not_null(strstr(text, "imports absent.dll!nothere, which winvm does not provide"), "%s", text);
    cr_assert_not_null(strstr(text, "imports dep.dll!dep_nothere, which winvm does not provide"), "%s", text);
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(call_fn0, (void *)(uintptr_t)GetProcAddress(m, (LPCSTR)1), &rec),
                 STATUS_PROCEDURE_NOT_FOUND, "a stub as with =stub");
    FreeLibrary(m);
    FreeLibrary(p);
}

static LONG WINAPI missing_filter(PEXCEPTION_POINTERS ep)
{
    bool named = ep->ExceptionRecord->NumberParameters == 1 &&
                 !strcmp((const char *)ep->ExceptionRecord->ExceptionInformation[0], "absent.dll!nothere");
    _exit(ep->ExceptionRecord->ExceptionCode == STATUS_PROCEDURE_NOT_FOUND && named ? 43 : 44);
}

/* A missing import's stub raises from the PE caller: the program's top-level filter sees it. */
Test(loader, missing_import_reaches_the_top_level_filter)
{
    setenv("WINVM_MISSING_IMPORTS", "stub", 1);
    HMODULE m = load("missing.dll");
    FARPROC f = GetProcAddress(m, (LPCSTR)1);
    cr_assert_not_null(f);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        SetUnhandledExceptionFilter(missing_filter);
        call_fn0((void *)(uintptr_t)f);
        _exit(45);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 43, "status %#x", st);
    FreeLibrary(m);
    unsetenv("WINVM_MISSING_IMPORTS");
}

/* ---- reference loops ---- */

static int count_in_log(HMODULE dep, int event)
{
    int *log = DATA(int *, dep, "dep_log"), len = *DATA(int *, dep, "dep_log_len"), n = 0;
    for (int i = 0; i < len; i++)
        n += log[i] == event;
    return n;
}

Test(loader, import_loop_loads_and_unloads_as_one)
{
    HMODULE dep = load("dep.dll"); /* holds the log across the loop's unloading */
    HMODULE a = load("loopa.dll");
    HMODULE b = GetModuleHandleA("loopb.dll");
    cr_assert_not_null(b, "its import, which imports it back, came with it");
    cr_assert_eq(*DATA(int *, a, "loopa_attach_count"), 1);
    cr_assert_eq(*DATA(int *, b, "loopb_attach_count"), 1);
    cr_assert_eq(*DATA(int *, a, "loopa_attach_peer"), 2);
    cr_assert_eq(*DATA(int *, b, "loopb_attach_peer"), 1);
    cr_assert_eq(AS(fn0, GetProcAddress(a, "loopa_sum"))(), 3);
    cr_assert_eq(AS(fn0, GetProcAddress(b, "loopb_sum"))(), 3);
    /* An outside reference on either member keeps the whole loop. */
    cr_assert_eq(load("loopb.dll"), b);
    cr_assert(FreeLibrary(a));
    cr_assert_eq(GetModuleHandleA("loopa.dll"), a, "loopb.dll's reference keeps loopa.dll");
    cr_assert_eq(count_in_log(dep, 0x600) + count_in_log(dep, 0x700), 0, "no detach yet");
    cr_assert(FreeLibrary(b));
    cr_assert_null(GetModuleHandleA("loopa.dll"));
    cr_assert_null(GetModuleHandleA("loopb.dll"));
    cr_assert_eq(count_in_log(dep, 0x600), 1, "loopa detached once");
    cr_assert_eq(count_in_log(dep, 0x700), 1, "loopb detached once");
    SetLastError(SENTINEL);
    cr_assert(!FreeLibrary(a), "a freed module is gone, not freed twice");
    cr_assert_eq(GetLastError(), ERROR_MOD_NOT_FOUND);
    /* Loaded afresh, it starts again. */
    a = load("loopa.dll");
    cr_assert_eq(*DATA(int *, a, "loopa_attach_count"), 1);
    cr_assert(FreeLibrary(a));
    cr_assert_null(GetModuleHandleA("loopb.dll"));
    FreeLibrary(dep);
}

Test(loader, forwarder_cycles_fail_cleanly)
{
    HMODULE h = load("fwdcyc.dll");
    void *ok = AS(void *, GetProcAddress(h, "fwd_ok"));
    cr_assert_not_null(ok);
    cr_assert_eq(AS(void *, GetProcAddress(h, "fwd_self")), ok, "a forwarder into its own DLL");
    cr_assert_eq(AS(void *, GetProcAddress(h, "fwd_chain")), ok, "two hops");
    const char *bad[] = {"cyc_a", "cyc_b", "cyc_self", "fwd_nothere"};
    for (int i = 0; i < 4; i++) {
        SetLastError(SENTINEL);
        cr_assert_null(GetProcAddress(h, bad[i]), "%s", bad[i]);
        cr_assert_eq(GetLastError(), ERROR_PROC_NOT_FOUND, "%s", bad[i]);
    }
    cr_assert(FreeLibrary(h));
    cr_assert_null(GetModuleHandleA("fwdcyc.dll"), "following its own forwarders took no reference on itself");
    SetLastError(SENTINEL);
    cr_assert(!FreeLibrary(h));
    cr_assert_eq(GetLastError(), ERROR_MOD_NOT_FOUND);
}

Test(loader, flat_image_runs)
{
    HMODULE h = load("flat.dll");
    typedef int(__attribute__((ms_abi)) * fn3)(int, int, int);
    cr_assert_eq(AS(fn3, GetProcAddress(h, "flat_call"))(0, 5, 3), 8);
    cr_assert_eq(AS(fn3, GetProcAddress(h, "flat_call"))(1, 5, 3), 2);
    cr_assert_eq(*DATA(int *, h, "flat_data"), 1234);
    FreeLibrary(h);
}
