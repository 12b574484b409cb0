/* SPDX-License-Identifier: MIT */
/* test_attach.c - Linux threads calling PE code get a TEB (runtime/attach.c), the PEB carries
 * the loader's module lists (loader/peb.c), and a DLL's static TLS reaches every thread
 * (loader/bind.c).  Uses tests/images/tebdll.dll (its header lists what it exports). */
#define _GNU_SOURCE
#include "testutil.h"
#include "section/section.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

typedef void *(__attribute__((ms_abi)) * fnp)(void);
typedef uint64_t(__attribute__((ms_abi)) * fnfield)(ULONG);
#define AS(type, p) ((type)(void (*)(void))(p))
#define DATA(type, h, name) ((type)(void *)(uintptr_t)GetProcAddress(h, name))

static char cache_dir[128];

static void setup(void)
{
    snprintf(cache_dir, sizeof(cache_dir), "/tmp/winvm-test-attach.%d", (int)getpid());
    mkdir(cache_dir, 0700);
    setenv("WINVM_CACHE_DIR", cache_dir, 1);
    setenv("WINVM_PATH", WINVM_PE_IMAGES, 1);
}

static void teardown(void)
{
    tu_remove_tree(cache_dir);
}

TestSuite(attach, .init = setup, .fini = teardown);

static HMODULE load_tebdll(void)
{
    HMODULE h = LoadLibraryA("tebdll.dll");
    cr_assert_not_null(h, "LoadLibraryA(tebdll.dll): %u (%s)", GetLastError(), winvm_last_load_error());
    return h;
}

static uint64_t field(HMODULE h, ULONG off) { return AS(fnfield, GetProcAddress(h, "teb_field"))(off); }

/* The list head's entries: is there one with DllBase == base named name (UTF-16)? */
static bool ldr_has(uint8_t *peb, size_t list_off, size_t links_off, uintptr_t base, const char *name)
{
    uint8_t *ldr = *(uint8_t **)(peb + 0x18);
    uint8_t *head = ldr + list_off;
    int n = 0;
    for (uint8_t *e = *(uint8_t **)head; e != head && n < 1000; e = *(uint8_t **)e, n++) {
        uint8_t *entry = e - links_off;
        if (*(uintptr_t *)(entry + 0x30) != base)
            continue;
        uint16_t len = *(uint16_t *)(entry + 0x58);
        WCHAR *s = *(WCHAR **)(entry + 0x60);
        char u[64] = {0};
        for (size_t i = 0; i < len / 2 && i < sizeof(u) - 1; i++)
            u[i] = (char)s[i];
        return !strcmp(u, name);
    }
    return false;
}

static size_t wcslen_w(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

Test(attach, loading_thread_has_a_teb_before_dllmain)
{
    HMODULE h = load_tebdll();
    cr_assert_eq(*DATA(volatile int *, h, "attach_had_teb"), 1, "DllMain ran without a TEB");
    uint8_t *teb = AS(fnp, GetProcAddress(h, "teb_self"))();
    cr_assert_not_null(teb);
    int local;
    cr_assert_lt(field(h, 0x10), (uint64_t)(uintptr_t)&local, "StackLimit below this frame");
    cr_assert_gt(field(h, 0x08), (uint64_t)(uintptr_t)&local, "StackBase above it");
    cr_assert_eq(field(h, 0x40), (uint64_t)getpid());
    cr_assert_eq(field(h, 0x48), (uint64_t)syscall(SYS_gettid));
    uint8_t *block = AS(fnp, GetProcAddress(h, "tls_block"))();
    cr_assert_not_null(block, "the loading thread has the DLL's TLS block");
    cr_assert_eq(memcmp(block, "TEBTLS01", 8), 0);
    cr_assert(FreeLibrary(h));
}

Test(attach, peb_lists_the_module)
{
    HMODULE h = load_tebdll();
    uint8_t *peb = (uint8_t *)(uintptr_t)field(h, 0x60);
    cr_assert_not_null(peb);
    cr_assert_eq(*(uint32_t *)(peb + 0x118), 10, "OSMajorVersion");
    cr_assert_eq(*(uint32_t *)(peb + 0xb8), (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
    cr_assert_eq(*(HANDLE *)(peb + 0x30), GetProcessHeap(), "ProcessHeap");
    uint8_t *params = *(uint8_t **)(peb + 0x20);
    cr_assert_not_null(params, "ProcessParameters");
    cr_assert_eq(*(HANDLE *)(params + 0x28), GetStdHandle(STD_OUTPUT_HANDLE), "StandardOutput");
    uint16_t cmd_len = *(uint16_t *)(params + 0x70);
    WCHAR *cmd = *(WCHAR **)(params + 0x78);
    LPWSTR want = GetCommandLineW();
    cr_assert_eq(cmd_len, wcslen_w(want) * 2, "CommandLine.Length");
    cr_assert_eq(memcmp(cmd, want, cmd_len), 0, "CommandLine");
    cr_assert(ldr_has(peb, 0x10, 0x00, (uintptr_t)h, "tebdll.dll"), "InLoadOrderModuleList");
    cr_assert(ldr_has(peb, 0x20, 0x10, (uintptr_t)h, "tebdll.dll"), "InMemoryOrderModuleList");
    cr_assert(ldr_has(peb, 0x30, 0x20, (uintptr_t)h, "tebdll.dll"), "InInitializationOrderModuleList");
    cr_assert(FreeLibrary(h));
    cr_assert_not(ldr_has(peb, 0x10, 0x00, (uintptr_t)h, "tebdll.dll"), "unloaded, still listed");
}

/* ---- other threads ---- */

struct probe {
    HMODULE h;
    bool explicit_attach; /* winvm_thread_attach, then the main thread's function pointers */
    fnp self, tls;        /* looked up by the main thread */
    void *teb, *block;
    char block_head[9]; /* the block goes with the thread: its first bytes copied */
    uint64_t tid, want_tid;
    BOOL detach_ok, detach_again;
    DWORD detach_again_error;
};

static void *probe_thread(void *arg)
{
    struct probe *p = arg;
    p->want_tid = (uint64_t)syscall(SYS_gettid);
    fnp self = p->self, tls = p->tls;
    if (p->explicit_attach)
        cr_assert(winvm_thread_attach());
    else {
        self = AS(fnp, GetProcAddress(p->h, "teb_self")); /* adopts the thread (attach.c) */
        tls = AS(fnp, GetProcAddress(p->h, "tls_block"));
    }
    p->teb = self();
    p->block = tls();
    if (p->block)
        memcpy(p->block_head, p->block, 8);
    p->tid = AS(fnfield, GetProcAddress(p->h, "teb_field"))(0x48);
    if (p->explicit_attach) {
        p->detach_ok = winvm_thread_detach();
        SetLastError(0);
        p->detach_again = winvm_thread_detach();
        p->detach_again_error = GetLastError();
    }
    return NULL;
}

static void run_probe(struct probe *p)
{
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, probe_thread, p), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
}

Test(attach, a_thread_looking_up_a_function_is_adopted)
{
    HMODULE h = load_tebdll();
    volatile int *attaches = DATA(volatile int *, h, "thread_attaches");
    volatile int *detaches = DATA(volatile int *, h, "thread_detaches");
    int a0 = *attaches, d0 = *detaches;
    uint8_t *main_block = AS(fnp, GetProcAddress(h, "tls_block"))();
    struct probe p = {.h = h};
    run_probe(&p);
    cr_assert_not_null(p.teb);
    cr_assert_neq(p.teb, AS(fnp, GetProcAddress(h, "teb_self"))(), "a TEB of its own");
    cr_assert_eq(p.tid, p.want_tid, "ClientId.UniqueThread");
    cr_assert_not_null(p.block);
    cr_assert_neq(p.block, main_block, "a TLS block of its own");
    cr_assert_str_eq(p.block_head, "TEBTLS01", "copied from the template");
    cr_assert_eq(*attaches, a0 + 1, "DLL_THREAD_ATTACH once");
    cr_assert_eq(*DATA(volatile DWORD *, h, "last_attach_tid"), (DWORD)p.want_tid, "on that thread");
    cr_assert_eq(*detaches, d0 + 1, "DLL_THREAD_DETACH when the pthread ended");
    cr_assert(FreeLibrary(h));
}

Test(attach, explicit_attach_and_detach)
{
    HMODULE h = load_tebdll();
    volatile int *detaches = DATA(volatile int *, h, "thread_detaches");
    int d0 = *detaches;
    struct probe p = {.h = h, .explicit_attach = true};
    p.self = AS(fnp, GetProcAddress(h, "teb_self"));
    p.tls = AS(fnp, GetProcAddress(h, "tls_block"));
    run_probe(&p);
    cr_assert_not_null(p.teb);
    cr_assert_not_null(p.block);
    cr_assert(p.detach_ok);
    cr_assert_not(p.detach_again, "a second detach has nothing to detach");
    cr_assert_eq(p.detach_again_error, ERROR_INVALID_FUNCTION);
    cr_assert_eq(*detaches, d0 + 1, "DLL_THREAD_DETACH once, at winvm_thread_detach");
    cr_assert(FreeLibrary(h));
}

/* A thread that had its TEB before the DLL was loaded gets the DLL's TLS block too. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_stage;
static fnp gate_tls;
static void *gate_block;
static char gate_head[9];

static void gate_wait(int stage)
{
    pthread_mutex_lock(&gate_lock);
    while (gate_stage < stage)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
}

static void gate_set(int stage)
{
    pthread_mutex_lock(&gate_lock);
    gate_stage = stage;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

static void *early_thread(void *arg)
{
    (void)arg;
    cr_assert(winvm_thread_attach());
    gate_set(1);
    gate_wait(2); /* the main thread has loaded the DLL */
    gate_block = gate_tls();
    if (gate_block)
        memcpy(gate_head, gate_block, 8);
    return NULL;
}

Test(attach, threads_alive_at_load_get_the_new_tls_block)
{
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, early_thread, NULL), 0);
    gate_wait(1);
    HMODULE h = load_tebdll();
    gate_tls = AS(fnp, GetProcAddress(h, "tls_block"));
    gate_set(2);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_assert_not_null(gate_block, "no block for a thread that existed before the load");
    cr_assert_str_eq(gate_head, "TEBTLS01");
    cr_assert(FreeLibrary(h));
}

/* Crash reports name code as module!export+offset (section/image.c, used by fault/except.c). */
Test(attach, code_addresses_are_named_by_module_and_export)
{
    HMODULE h = load_tebdll();
    uintptr_t f = (uintptr_t)GetProcAddress(h, "teb_self");
    char out[128];
    cr_assert_gt(wv_image_describe(f + 3, out, sizeof(out)), 0);
    cr_assert_str_eq(out, "tebdll.dll!teb_self+0x3");
    cr_assert_gt(wv_image_describe((uintptr_t)h + 0x10, out, sizeof(out)), 0);
    cr_assert_str_eq(out, "tebdll.dll+0x10", "below every export: the module's offset");
    int local;
    cr_assert_eq(wv_image_describe((uintptr_t)&local, out, sizeof(out)), 0, "not an image");
    cr_assert_gt(wv_image_describe(f, out, 10), 0);
    cr_assert_eq(strlen(out), 9, "cut to the buffer, terminated");
    cr_assert(FreeLibrary(h));
}
