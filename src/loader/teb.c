/* teb.c - the Windows thread environment of threads running PE code: TEB and PEB (what
 * Windows x64 code reads through gs), and calling PE code on a winvm stack.
 *
 * Each such thread has its own TEB (Self, stack bounds, ClientId, ThreadLocalStoragePointer
 * with 256 static-TLS slots, PEB); the process has one PEB (ImageBaseAddress,
 * NumberOfProcessors).  Linux x86-64 code never uses gs, so it is free for the TEB, per thread
 * (arch_prctl).  Threads without a TEB are Linux threads using winvm as a library. */
#define _GNU_SOURCE
#include "loader/loader.h"

#include <asm/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The fields Windows x64 code reads (winternl.h offsets). */
enum {
    WV_TEB_STACK_BASE = 0x08, WV_TEB_STACK_LIMIT = 0x10, WV_TEB_SELF = 0x30,
    WV_TEB_PID = 0x40, WV_TEB_TID = 0x48, WV_TEB_TLS_POINTER = 0x58, WV_TEB_PEB = 0x60,
    WV_PEB_IMAGE_BASE = 0x10, WV_PEB_PROCESSORS = 0xb8, WV_TEB_SIZE = 0x2000
};

static void wv_put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

static __thread uint8_t *wv_teb;
static uint8_t *wv_the_peb;

void **wv_teb_tls_slots(void)
{
    void **slots = NULL;
    if (wv_teb)
        memcpy(&slots, wv_teb + WV_TEB_TLS_POINTER, sizeof(slots));
    return slots;
}

void *wv_peb(void) { return wv_the_peb; }

void wv_peb_set_image(uintptr_t base) { wv_put64(wv_the_peb, WV_PEB_IMAGE_BASE, base); }

DWORD wv_teb_create(uintptr_t stack_lo, uintptr_t stack_hi)
{
    if (!wv_the_peb) { /* the first thread (winvm run's), before any other exists */
        uintptr_t peb;
        DWORD err = wv_virtual_alloc(0, WV_PAGE_SIZE, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
                                     PAGE_READWRITE, &peb);
        if (err)
            return err;
        wv_the_peb = (uint8_t *)peb;
        uint32_t ncpu = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
        memcpy(wv_the_peb + WV_PEB_PROCESSORS, &ncpu, 4);
    }
    /* The TEB, then its static TLS pointer array (256 slots, bind.c). */
    uintptr_t at;
    DWORD err = wv_virtual_alloc(0, WV_TEB_SIZE + WV_PAGE_SIZE, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
                                 PAGE_READWRITE, &at);
    if (err)
        return err;
    uint8_t *teb = (uint8_t *)at;
    wv_put64(teb, WV_TEB_TLS_POINTER, (uintptr_t)(teb + WV_TEB_SIZE));
    wv_put64(teb, WV_TEB_STACK_BASE, stack_hi);
    wv_put64(teb, WV_TEB_STACK_LIMIT, stack_lo);
    wv_put64(teb, WV_TEB_SELF, (uintptr_t)teb);
    wv_put64(teb, WV_TEB_PID, (uint64_t)getpid());
    wv_put64(teb, WV_TEB_TID, (uint64_t)syscall(SYS_gettid));
    wv_put64(teb, WV_TEB_PEB, (uintptr_t)wv_the_peb);
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)teb) != 0) {
        wv_virtual_free(at, 0, MEM_RELEASE);
        return ERROR_NOT_SUPPORTED;
    }
    wv_teb = teb;
    return 0;
}

void wv_teb_destroy(void)
{
    if (!wv_teb)
        return;
    syscall(SYS_arch_prctl, ARCH_SET_GS, 0ul);
    wv_virtual_free((uintptr_t)wv_teb, 0, MEM_RELEASE);
    wv_teb = NULL;
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
