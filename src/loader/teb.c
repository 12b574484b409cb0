/* SPDX-License-Identifier: MIT */
/* teb.c - the Windows thread environment of threads running PE code: the TEB (what Windows
 * x64 code reads through gs), and calling PE code on a winvm stack.
 *
 * Each such thread has its own TEB (Self, stack bounds, ClientId, LastErrorValue,
 * ThreadLocalStoragePointer with 256 static-TLS slots, the PEB of peb.c).  Linux x86-64 code never uses gs, so it is free
 * for the TEB, per thread (arch_prctl).  Threads get one from `winvm run`, CreateThread, or
 * (Linux threads calling into PE code) the runtime's thread adoption; others are Linux threads
 * using winvm as a library. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <asm/prctl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The fields Windows x64 code reads (winternl.h offsets). */
enum {
    WV_TEB_STACK_BASE = 0x08, WV_TEB_STACK_LIMIT = 0x10, WV_TEB_SELF = 0x30,
    WV_TEB_PID = 0x40, WV_TEB_TID = 0x48, WV_TEB_TLS_POINTER = 0x58, WV_TEB_PEB = 0x60,
    WV_TEB_LAST_ERROR = 0x68,
    WV_TEB_DEALLOCATION_STACK = 0x1478, WV_TEB_GUARANTEED_STACK = 0x1748, WV_TEB_SIZE = 0x2000
};

static void wv_put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

/* Every live TEB, so that a module given a static TLS slot gives every thread its block, as
 * Windows does since Vista.  wv_teb_list_lock guards the list (a leaf, taken under the loader
 * lock); each entry's slots array is written by its thread or, under the loader lock, by
 * wv_teb_each_slots. */
struct wv_teb_rec {
    struct wv_teb_rec *next, *prev;
    uint8_t *teb;
};
static pthread_mutex_t wv_teb_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_teb_rec *wv_tebs;       /* guarded by wv_teb_list_lock */
static __thread struct wv_teb_rec wv_mine; /* this thread's entry; .teb NULL without a TEB */

static void **wv_slots_of(const uint8_t *teb)
{
    void **slots;
    memcpy(&slots, teb + WV_TEB_TLS_POINTER, sizeof(slots));
    return slots;
}

void **wv_teb_tls_slots(void) { return wv_mine.teb ? wv_slots_of(wv_mine.teb) : NULL; }

bool wv_teb_present(void) { return wv_mine.teb != NULL; }
void *wv_teb_self(void) { return wv_mine.teb; }

void wv_teb_each_slots(void (*fn)(void **slots, void *arg), void *arg)
{
    pthread_mutex_lock(&wv_teb_list_lock);
    for (struct wv_teb_rec *r = wv_tebs; r; r = r->next)
        fn(wv_slots_of(r->teb), arg);
    pthread_mutex_unlock(&wv_teb_list_lock);
}

/* The fault layer's view of this thread's stack (fault.h): async-signal-safe. */
static bool wv_teb_stack(struct wv_thread_stack *out)
{
    uint8_t *teb = wv_mine.teb;
    if (!teb)
        return false;
    memcpy(&out->dealloc, teb + WV_TEB_DEALLOCATION_STACK, sizeof(out->dealloc));
    memcpy(&out->base, teb + WV_TEB_STACK_BASE, sizeof(out->base));
    out->limit = (uintptr_t *)(teb + WV_TEB_STACK_LIMIT);
    memcpy(&out->guaranteed, teb + WV_TEB_GUARANTEED_STACK, sizeof(out->guaranteed));
    return true;
}

/* StackLimit: the lowest committed page of the stack, above its guard page (Windows); the
 * bottom when the stack is not laid out that way (a few regions from the bottom up). */
static uintptr_t wv_teb_stack_limit(uintptr_t lo, uintptr_t hi)
{
    uintptr_t a = lo;
    for (int regions = 0; regions < 4 && a < hi; regions++) {
        MEMORY_BASIC_INFORMATION mb;
        wv_virtual_query(a, &mb);
        if ((uintptr_t)mb.AllocationBase != lo)
            break;
        if (mb.State == MEM_COMMIT && !(mb.Protect & PAGE_GUARD))
            return a;
        a += mb.RegionSize;
    }
    return lo;
}

/* The static-TLS slots page holds the only pointers to the thread's TLS blocks, in memory
 * LeakSanitizer does not scan: a thread ExitProcess ends keeps its blocks to the end, and
 * they would read as leaks.  Under the sanitizers the page is a root. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
static void wv_teb_root(const uint8_t *teb, bool on)
{
    (on ? __lsan_register_root_region : __lsan_unregister_root_region)(teb + WV_TEB_SIZE, WV_PAGE_SIZE);
}
#else
static void wv_teb_root(const uint8_t *teb, bool on) { (void)teb, (void)on; }
#endif

DWORD wv_teb_create(uintptr_t stack_lo, uintptr_t stack_hi)
{
    wv_assert(!wv_mine.teb);
    DWORD err = wv_peb_create(); /* the first thread's call makes the process's PEB */
    if (err)
        return err;
    /* The TEB, then its static TLS pointer array (256 slots, bind.c). */
    uintptr_t at;
    err = wv_virtual_alloc(0, WV_TEB_SIZE + WV_PAGE_SIZE, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
                           PAGE_READWRITE, &at);
    if (err)
        return err;
    uint8_t *teb = (uint8_t *)at;
    wv_put64(teb, WV_TEB_TLS_POINTER, (uintptr_t)(teb + WV_TEB_SIZE));
    wv_put64(teb, WV_TEB_STACK_BASE, stack_hi);
    wv_put64(teb, WV_TEB_STACK_LIMIT, wv_teb_stack_limit(stack_lo, stack_hi));
    wv_put64(teb, WV_TEB_DEALLOCATION_STACK, stack_lo);
    wv_put64(teb, WV_TEB_SELF, (uintptr_t)teb);
    wv_put64(teb, WV_TEB_PID, (uint64_t)getpid());
    wv_put64(teb, WV_TEB_TID, (uint64_t)wv_tid());
    wv_put64(teb, WV_TEB_PEB, (uintptr_t)wv_peb());
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)teb) != 0) {
        wv_virtual_free(at, 0, MEM_RELEASE);
        return ERROR_NOT_SUPPORTED;
    }
    /* ds and es hold the flat data selector, as on Windows x64 (and as a CONTEXT reports
     * them); Linux starts a thread with null ones, the same segment in 64-bit mode. */
    __asm__ volatile("movw %w0, %%ds\n\tmovw %w0, %%es" : : "r"(WV_SEG_FLAT_DATA));
    wv_seg_set_gs((uintptr_t)teb); /* what a signal or an export restores gs to (fault/seg.c) */
    wv_fault_thread_stack = wv_teb_stack;
    wv_stack_limit_ref = (uintptr_t *)(teb + WV_TEB_STACK_LIMIT); /* the stack's growth moves it (mm) */
    wv_mine.teb = teb;
    wv_teb_root(teb, true);
    wv_error_move((DWORD *)(teb + WV_TEB_LAST_ERROR));
    pthread_mutex_lock(&wv_teb_list_lock);
    wv_mine.next = wv_tebs;
    wv_mine.prev = NULL;
    if (wv_tebs)
        wv_tebs->prev = &wv_mine;
    wv_tebs = &wv_mine;
    pthread_mutex_unlock(&wv_teb_list_lock);
    return 0;
}

/* A thread that ran its DLL_THREAD_DETACH has freed its static TLS blocks (wv_loader_thread);
 * one ended without it (TerminateThread, ExitProcess's end of the others) has not: what is
 * left in its slots goes with the TEB.  Once unlinked, no other thread reaches the slots. */
void wv_teb_destroy(void)
{
    if (!wv_mine.teb)
        return;
    pthread_mutex_lock(&wv_teb_list_lock);
    if (wv_mine.prev)
        wv_mine.prev->next = wv_mine.next;
    else
        wv_tebs = wv_mine.next;
    if (wv_mine.next)
        wv_mine.next->prev = wv_mine.prev;
    pthread_mutex_unlock(&wv_teb_list_lock);
    void **slots = wv_slots_of(wv_mine.teb);
    for (size_t i = 0; i < WV_PAGE_SIZE / sizeof(void *); i++)
        free(slots[i]), slots[i] = NULL;
    wv_stack_limit_ref = NULL;
    wv_seg_set_gs(0);
    syscall(SYS_arch_prctl, ARCH_SET_GS, 0ul);
    wv_error_move(NULL);
    wv_teb_root(wv_mine.teb, false);
    wv_virtual_free((uintptr_t)wv_mine.teb, 0, MEM_RELEASE);
    wv_mine.teb = NULL;
}

/* ---- calling PE code ---- */

/* wv_call_on_stack(fn, arg, top): fn(arg) with the Windows x64 convention, rsp = top (16-byte
 * aligned) less the 32-byte home area; back on our stack afterwards. */
__asm__(".text\n"
        ".globl wv_call_on_stack\n"
        ".hidden wv_call_on_stack\n"
        ".type wv_call_on_stack,@function\n"
        "wv_call_on_stack:\n"
        "  push %rbp\n"
        "  mov %rsp, %rbp\n"
        "  mov %rdx, %rsp\n"
        "  sub $32, %rsp\n"
        "  mov %rsi, %rcx\n"
        "  call *%rdi\n"
        "  mov %rbp, %rsp\n"
        "  pop %rbp\n"
        "  ret\n"
        ".size wv_call_on_stack, .-wv_call_on_stack\n");
