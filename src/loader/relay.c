/* SPDX-License-Identifier: MIT */
/* relay.c - WINVM_DEBUG=+relay: every call PE code makes into a builtin DLL, one line on the
 * way in (the four register arguments, the return address as module+offset) and one on the way
 * out (the result), as Wine's +relay.
 *
 * When the channel is on, the loader hands out a relay stub instead of a builtin export's
 * address (imports, forwarders, GetProcAddress); when it is off nothing changes and nothing is
 * paid.  Arity is not known (the export tables hold names and addresses only), so the four
 * register arguments are shown, which is every argument of most Win32 calls.
 *
 * A stub is two instructions in a page generated whole and made read-execute before any stub
 * in it is handed out (no page is ever written while a thread may run it):
 *     mov r10d, <slot>; movabs r11, wv_relay_entry; jmp r11
 * wv_relay_entry (assembly below) keeps the Windows convention: it saves the argument
 * registers, logs, copies 16 stack arguments into a frame of its own (calls of up to 20
 * arguments are relayed whole; words past the stack's top, unreadable, become 0), calls the export, logs the result and returns it.  The two
 * logging functions are ms_abi, so the compiler keeps rdi, rsi and xmm6-15 for PE code.
 *
 * Not relayed: data exports (an address outside winvm's executable segments) and the calls
 * that read or replace their caller's frame (setjmp, RtlCaptureContext, RaiseException,
 * unwinding, ...): through a relay frame they would capture the relay, not the PE caller.
 *
 * Locking: wv_relay_lock guards wv_relay_slots' count and contents being written; a slot is
 * filled before its stub's address is published (the release of the lock orders it) and never
 * changes afterwards, so the logging functions read slots without the lock. */
#define _GNU_SOURCE
#include "loader/loader.h"
#include "host/host.h"
#include "fault/fault.h"
#include "section/section.h"

#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define WV_RELAY_STUB 32                        /* bytes per stub */
#define WV_RELAY_PER_PAGE (4096 / WV_RELAY_STUB)
#define WV_RELAY_MAX 8192                       /* stubs in all */
#define WV_RELAY_STACK_ARGS 16                  /* arguments 5..20 */

struct wv_relay_slot {
    const char *dll;  /* the builtin's name (static storage) */
    char *name;       /* the export's name (owned) */
    void *target;     /* the export */
};

static pthread_mutex_t wv_relay_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_relay_slot *wv_relay_slots; /* WV_RELAY_MAX of them, calloc'ed at first use */
static size_t wv_relay_used;                 /* guarded by wv_relay_lock */
static uint8_t *wv_relay_pages[WV_RELAY_MAX / WV_RELAY_PER_PAGE];

__attribute__((ms_abi)) void *wv_relay_enter(unsigned slot, uint64_t *args, const uint64_t *frame);
__attribute__((ms_abi)) void wv_relay_leave(unsigned slot, uint64_t result, const uint64_t *frame);
void wv_relay_entry(void);

/* rsp at entry = 8 mod 16; after push rbp/rbx/r12 it is 0 mod 16, and 0x120 keeps it.  Frame:
 * 0x00 shadow, 0x20 16 copied stack arguments, 0xa0 rcx rdx r8 r9, 0xc0 xmm0-3, 0x100 rax,
 * 0x110 xmm0 (the results). */
__asm__(".text\n"
        ".globl wv_relay_entry\n"
        ".hidden wv_relay_entry\n"
        ".type wv_relay_entry,@function\n"
        "wv_relay_entry:\n"
        "  push %rbp\n"
        "  mov %rsp, %rbp\n"
        "  push %rbx\n"
        "  push %r12\n"
        "  sub $0x120, %rsp\n"
        "  mov %rcx, 0xa0(%rsp)\n"
        "  mov %rdx, 0xa8(%rsp)\n"
        "  mov %r8, 0xb0(%rsp)\n"
        "  mov %r9, 0xb8(%rsp)\n"
        "  movdqu %xmm0, 0xc0(%rsp)\n"
        "  movdqu %xmm1, 0xd0(%rsp)\n"
        "  movdqu %xmm2, 0xe0(%rsp)\n"
        "  movdqu %xmm3, 0xf0(%rsp)\n"
        "  mov %r10d, %ebx\n"
        "  mov %ebx, %ecx\n"
        "  lea 0xa0(%rsp), %rdx\n"
        "  mov %rbp, %r8\n"
        "  call wv_relay_enter\n"
        "  mov %rax, %r12\n"
        "  mov 0xa0(%rsp), %rcx\n"
        "  mov 0xa8(%rsp), %rdx\n"
        "  mov 0xb0(%rsp), %r8\n"
        "  mov 0xb8(%rsp), %r9\n"
        "  movdqu 0xc0(%rsp), %xmm0\n"
        "  movdqu 0xd0(%rsp), %xmm1\n"
        "  movdqu 0xe0(%rsp), %xmm2\n"
        "  movdqu 0xf0(%rsp), %xmm3\n"
        "  call *%r12\n"
        "  mov %rax, 0x100(%rsp)\n"
        "  movdqu %xmm0, 0x110(%rsp)\n"
        "  mov %ebx, %ecx\n"
        "  mov %rax, %rdx\n"
        "  mov %rbp, %r8\n"
        "  call wv_relay_leave\n"
        "  mov 0x100(%rsp), %rax\n"
        "  movdqu 0x110(%rsp), %xmm0\n"
        "  add $0x120, %rsp\n"
        "  pop %r12\n"
        "  pop %rbx\n"
        "  pop %rbp\n"
        "  ret\n"
        ".size wv_relay_entry, .-wv_relay_entry\n");

/* "module+0x1a" or the bare address, for the return address. */
static void wv_relay_where(uintptr_t ret, char *out, size_t cap)
{
    if (!wv_image_describe(ret, out, cap))
        snprintf(out, cap, "%#lx", (unsigned long)ret);
}

/* The caller's stack arguments (from frame[6], above its shadow space) into the 16 slots below
 * args, as far as the stack is readable: a call made near the top of a stack has fewer above
 * it, and the words past the top are not there to read. */
static void wv_relay_copy_stack(uint64_t *args, const uint64_t *frame)
{
    uint64_t *dst = args - WV_RELAY_STACK_ARGS;
    const uint64_t *src = frame + 6;
    if (wv_copy(dst, src, WV_RELAY_STACK_ARGS * 8) == 0)
        return;
    for (size_t i = 0; i < WV_RELAY_STACK_ARGS; i++)
        if (wv_copy(&dst[i], &src[i], 8) != 0)
            dst[i] = 0;
}

/* frame: the entry's rbp; frame[1] is the PE caller's return address. */
__attribute__((ms_abi)) void *wv_relay_enter(unsigned slot, uint64_t *args, const uint64_t *frame)
{
    const struct wv_relay_slot *s = &wv_relay_slots[slot];
    int saved = errno; /* msvcrt's errno is the host's: the log line must not change it */
    char where[160];
    wv_relay_copy_stack(args, frame);
    wv_relay_where(frame[1], where, sizeof(where));
    wv_trace_emit(WV_TRACE_RELAY, "Call %s!%s(%016lx,%016lx,%016lx,%016lx) ret=%s", s->dll, s->name,
                  (unsigned long)args[0], (unsigned long)args[1], (unsigned long)args[2], (unsigned long)args[3],
                  where);
    errno = saved;
    return s->target;
}

__attribute__((ms_abi)) void wv_relay_leave(unsigned slot, uint64_t result, const uint64_t *frame)
{
    const struct wv_relay_slot *s = &wv_relay_slots[slot];
    int saved = errno;
    char where[160];
    wv_relay_where(frame[1], where, sizeof(where));
    wv_trace_emit(WV_TRACE_RELAY, "Ret  %s!%s() retval=%016lx ret=%s", s->dll, s->name, (unsigned long)result,
                  where);
    errno = saved;
}

/* Calls that capture, unwind or replace their caller's frame: a relay frame in between would
 * be what they see.  The alertable calls capture it too: their APCs are delivered above it
 * (runtime/apc_gate.c), and an APC's unwind could not walk through a relay frame. */
static bool wv_relay_frame_sensitive(const char *name)
{
    static const char *const names[] = {
        "NtContinue", "NtRaiseException", "RaiseException", "RtlCaptureContext", "RtlCaptureStackBackTrace",
        "RtlRaiseException", "RtlRestoreContext", "RtlUnwind", "RtlUnwindEx", "RtlVirtualUnwind",
        "RtlWalkFrameChain", "GetThreadContext", "NtGetContextThread", "SetThreadContext", "NtSetContextThread",
        "ZwGetContextThread", "ZwSetContextThread", "__C_specific_handler", "_setjmp", "_CxxThrowException",
        "__CxxFrameHandler", "__CxxFrameHandler2", "__CxxFrameHandler3", "__CxxFrameHandler4",
        "_setjmpex", "longjmp", "setjmp", "SleepEx", "WaitForSingleObjectEx", "WaitForMultipleObjectsEx",
        "SignalObjectAndWait", "GetOverlappedResultEx", "NtDelayExecution", "NtWaitForSingleObject",
        "NtWaitForMultipleObjects", "NtSignalAndWaitForSingleObject", "NtTestAlert", "ZwDelayExecution",
        "ZwWaitForSingleObject", "ZwWaitForMultipleObjects", "ZwSignalAndWaitForSingleObject", "ZwTestAlert",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

struct wv_code_find {
    uintptr_t addr;
    bool found;
};

/* Is addr in an executable segment of winvm's own object (the one holding this function)? */
static int wv_relay_phdr(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct wv_code_find *f = arg;
    uintptr_t self = (uintptr_t)wv_relay_phdr;
    bool ours = false, in_x = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + p->p_vaddr, hi = lo + p->p_memsz;
        if (self >= lo && self < hi)
            ours = true;
        if ((p->p_flags & PF_X) && f->addr >= lo && f->addr < hi)
            in_x = true;
    }
    if (!ours)
        return 0;
    f->found = in_x;
    return 1;
}

static bool wv_relay_is_code(void *p)
{
    struct wv_code_find f = {(uintptr_t)p, false};
    dl_iterate_phdr(wv_relay_phdr, &f);
    return f.found;
}

/* A page of stubs for slots first .. first + WV_RELAY_PER_PAGE - 1, read-execute; NULL
 * without memory. */
static uint8_t *wv_relay_page(unsigned first)
{
    uint8_t *page = wv_os_alloc(4096);
    if (!page)
        return NULL;
    uint64_t entry = (uint64_t)(uintptr_t)wv_relay_entry;
    for (unsigned i = 0; i < WV_RELAY_PER_PAGE; i++) {
        uint8_t *s = page + i * WV_RELAY_STUB;
        uint32_t slot = first + i;
        s[0] = 0x41, s[1] = 0xba, memcpy(s + 2, &slot, 4);  /* mov r10d, slot */
        s[6] = 0x49, s[7] = 0xbb, memcpy(s + 8, &entry, 8); /* movabs r11, wv_relay_entry */
        s[16] = 0x41, s[17] = 0xff, s[18] = 0xe3;           /* jmp r11 */
    }
    if (wv_os_protect((uintptr_t)page, 4096, PROT_READ | PROT_EXEC) != 0)
        return NULL; /* the page stays: nothing else may use a half-made one */
    return page;
}

/* Under wv_relay_lock: the slot for (dll, name, fn), made when new; -1 when full. */
static long wv_relay_slot_for(const char *dll, const char *name, void *fn)
{
    for (size_t i = 0; i < wv_relay_used; i++)
        if (wv_relay_slots[i].target == fn && !strcmp(wv_relay_slots[i].name, name))
            return (long)i;
    if (!wv_relay_slots && !(wv_relay_slots = calloc(WV_RELAY_MAX, sizeof(*wv_relay_slots))))
        return -1;
    size_t i = wv_relay_used, page = i / WV_RELAY_PER_PAGE;
    if (i >= WV_RELAY_MAX)
        return -1;
    if (!wv_relay_pages[page] && !(wv_relay_pages[page] = wv_relay_page((unsigned)(page * WV_RELAY_PER_PAGE))))
        return -1;
    char *copy = strdup(name);
    if (!copy)
        return -1;
    wv_relay_slots[i] = (struct wv_relay_slot){dll, copy, fn};
    wv_relay_used++;
    return (long)i;
}

void *wv_relay_wrap(const char *dll, const char *name, void *fn)
{
    if (!(wv_trace_mask & WV_TRACE_RELAY) || !fn || !name || wv_relay_frame_sensitive(name) || !wv_relay_is_code(fn))
        return fn;
    pthread_mutex_lock(&wv_relay_lock);
    long slot = wv_relay_slot_for(dll, name, fn);
    pthread_mutex_unlock(&wv_relay_lock);
    if (slot < 0)
        return fn; /* out of stubs: the call goes unlogged rather than failing */
    return wv_relay_pages[slot / WV_RELAY_PER_PAGE] + (slot % WV_RELAY_PER_PAGE) * WV_RELAY_STUB;
}
