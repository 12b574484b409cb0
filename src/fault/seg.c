/* SPDX-License-Identifier: MIT */
/* seg.c - the fs and gs bases back after code loaded a selector into fs or gs.
 *
 * Windows x64 code may load a selector into fs or gs (Wine's debugger test loads null ones).
 * On this kind of processor that clears the segment's base, and with it glibc's thread pointer
 * (fs) and the TEB (gs, loader/teb.c): the next TLS access of winvm's code would fault for
 * ever.  Windows gives the thread its TEB back; so does winvm, in the two places its code
 * starts running under PE code: its signal handlers (through wv_seg_enter, below, before any C
 * code) and its exports (wv_seg_check, runtime/thunk.h).  Linux itself restores an arch_prctl
 * base at the thread's next context switch; until then they are gone.
 *
 * Without FSGSBASE (rdfsbase) the base cannot be read, so the check reads through it: %fs:0
 * holds glibc's thread pointer (the base itself), %gs:0x30 the TEB's Self (the base itself).
 * With a broken base the read faults (address 0 or 0x30) or differs.  The expected bases live
 * in a header at the bottom of the thread's alternate signal stack, found through the
 * ucontext's uc_stack without TLS; the read runs with the header's probing word set, so its
 * own fault (a nested SIGSEGV on the same stack, SA_NODEFER) repairs the base with a raw
 * arch_prctl and lets the read run again.  An exception's CONTEXT still shows Windows' own
 * selectors (fs 0x53, gs 0x2b), as Windows' does whatever the program loaded (Wine's
 * exception.c, test_debugger's stage 16).
 *
 * A thread whose alternate stack is another runtime's (AddressSanitizer's, a host program's:
 * fault.c uses it rather than replace it) has its header in wv_seg_foreign instead, found by
 * that stack's ss_sp; a thread there is looked up only when the stack's bottom is not a header.
 *
 * Cost on the common path: two loads and compares per signal, one load per export. */
#define _GNU_SOURCE
#include "fault/fault.h"

#include <asm/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#define WV_SEG_MAGIC 0x5747534647535657ull /* "WVSGFSGW" */

/* At the bottom of winvm's alternate signal stacks (fault.c), the ss_sp registered. */
struct wv_seg_hdr {
    uint64_t magic;    /* 0: WV_SEG_MAGIC, else not winvm's stack */
    uint64_t fs_base;  /* 8: glibc's thread pointer */
    uint64_t gs_base;  /* 16: the TEB, 0: none (gs not checked) */
    uint32_t probing;  /* 24: inside wv_seg_enter's reads */
    uint32_t repaired; /* 28: this signal's repairs (1 fs, 2 gs) */
};
_Static_assert(offsetof(struct wv_seg_hdr, fs_base) == 8 && offsetof(struct wv_seg_hdr, gs_base) == 16 &&
                   offsetof(struct wv_seg_hdr, probing) == 24 && offsetof(struct wv_seg_hdr, repaired) == 28,
               "wv_seg_enter's offsets");
_Static_assert(offsetof(ucontext_t, uc_stack.ss_sp) == 16 && offsetof(ucontext_t, uc_stack.ss_flags) == 24 &&
                   offsetof(ucontext_t, uc_mcontext.gregs[REG_RIP]) == 168 && offsetof(siginfo_t, si_code) == 8,
               "wv_seg_enter's offsets");
_Static_assert(SS_DISABLE == 2 && ARCH_SET_FS == 0x1002 && ARCH_SET_GS == 0x1001, "wv_seg_enter's constants");

static __thread __attribute__((tls_model("initial-exec"))) struct wv_seg_hdr *wv_seg_mine;

/* The headers of threads on another runtime's alternate stack: slot k is in use while its ss_sp
 * is not NULL (written by its thread: set last on adoption, cleared first on release; read by
 * the signal entry without a lock).  A thread that finds no free slot goes without repair. */
#define WV_SEG_FOREIGN 256
struct wv_seg_slot {
    void *ss_sp;
    struct wv_seg_hdr *hdr;
};
__attribute__((visibility("hidden"))) struct wv_seg_slot wv_seg_foreign[WV_SEG_FOREIGN];
static struct wv_seg_hdr wv_seg_foreign_hdr[WV_SEG_FOREIGN];
_Static_assert(sizeof(struct wv_seg_slot) == 16 && WV_SEG_FOREIGN * 16 == 4096, "wv_seg_enter's search");
static pthread_key_t wv_seg_key;
static pthread_once_t wv_seg_key_once = PTHREAD_ONCE_INIT;
__thread __attribute__((tls_model("initial-exec"))) uintptr_t wv_seg_gs;

void wv_seg_stack(void *stack)
{
    struct wv_seg_hdr *h = stack;
    if (!h) { /* the stack is going (thread exit): wv_seg_set_gs must not write to it */
        wv_seg_mine = NULL;
        return;
    }
    memset(h, 0, sizeof(*h));
    uint64_t self;
    __asm__("mov %%fs:0, %0" : "=r"(self));
    h->fs_base = self;
    h->gs_base = wv_seg_gs;
    __atomic_store_n(&h->magic, WV_SEG_MAGIC, __ATOMIC_RELEASE);
    wv_seg_mine = h;
}

static void wv_seg_release(void *slot)
{
    struct wv_seg_slot *s = slot;
    wv_seg_stack(NULL);
    __atomic_store_n(&s->ss_sp, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&s->hdr->magic, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&s->hdr, NULL, __ATOMIC_RELEASE);
}

static void wv_seg_key_make(void) { pthread_key_create(&wv_seg_key, wv_seg_release); }

void wv_seg_adopt(void *ss_sp)
{
    pthread_once(&wv_seg_key_once, wv_seg_key_make);
    if (wv_seg_mine || !ss_sp)
        return; /* adopted already (or winvm's own stack) */
    for (int k = 0; k < WV_SEG_FOREIGN; k++) {
        struct wv_seg_slot *s = &wv_seg_foreign[k];
        struct wv_seg_hdr *none = NULL;
        if (!__atomic_compare_exchange_n(&s->hdr, &none, &wv_seg_foreign_hdr[k], false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_RELAXED))
            continue;
        wv_seg_stack(s->hdr);
        __atomic_store_n(&s->ss_sp, ss_sp, __ATOMIC_RELEASE);
        pthread_setspecific(wv_seg_key, s);
        return;
    }
}

void wv_seg_set_gs(uintptr_t base)
{
    wv_seg_gs = base;
    if (wv_seg_mine)
        wv_seg_mine->gs_base = base;
}

/* The header of the thread uc was taken from, if it runs on winvm's alternate stack. */
static const struct wv_seg_hdr *wv_seg_hdr_of(const ucontext_t *uc)
{
    const struct wv_seg_hdr *h = uc->uc_stack.ss_sp;
    if ((uc->uc_stack.ss_flags & SS_DISABLE) || !h)
        return NULL;
    for (int k = 0; h->magic != WV_SEG_MAGIC && k < WV_SEG_FOREIGN; k++)
        if (__atomic_load_n(&wv_seg_foreign[k].ss_sp, __ATOMIC_ACQUIRE) == uc->uc_stack.ss_sp) {
            h = __atomic_load_n(&wv_seg_foreign[k].hdr, __ATOMIC_ACQUIRE);
            break;
        }
    return h && h->magic == WV_SEG_MAGIC ? h : NULL;
}

/* Whether the segment prefixes of the instruction at p name fs (1) or gs (2). */
static unsigned wv_seg_prefix(const uint8_t *p)
{
    for (int i = 0; i < 14; i++) {
        uint8_t b = p[i];
        if (b == 0x64 || b == 0x65)
            return b == 0x64 ? 1 : 2;
        bool legacy = b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e ||
                      b == 0x26 || b == 0x66 || b == 0x67;
        if (!legacy && (b & 0xf0) != 0x40) /* REX comes last, before the opcode */
            return 0;
    }
    return 0;
}

bool wv_seg_refault(int sig, const siginfo_t *si, const ucontext_t *uc)
{
    uintptr_t addr = (uintptr_t)si->si_addr, rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    /* A page fault only: a general-protection fault (SI_KERNEL: 15 fs prefixes, a bad
     * selector) has no address and would come back for ever. */
    if (sig != SIGSEGV || (si->si_code != SEGV_MAPERR && si->si_code != SEGV_ACCERR) ||
        addr >= ((uintptr_t)1 << 32) || addr == rip)
        return false;
    const struct wv_seg_hdr *h = wv_seg_hdr_of(uc);
    if (!h)
        return false;
    unsigned seg = wv_seg_prefix((const uint8_t *)rip);
    /* The bases are right now (wv_seg_enter): one of them with the base winvm gave it would
     * not have come this low.  gs only with a TEB: a thread without one has a null gs. */
    return seg == 1 || (seg == 2 && h->gs_base);
}

/* wv_seg_enter: jumped to by each handler's entry (WV_SIG_ENTRY) with the signal handler's
 * arguments (rdi sig, rsi siginfo, rdx ucontext) and the C handler in r10.  Touches no TLS.
 * After a repair a SIGSEGV the MMU raised is not handed on but run again: it may have been
 * the broken base's (PE code reading gs:0x30); a real fault comes back with the base right.
 * The fix routines take the header in rax and keep every argument register. */
__asm__(".text\n"
        ".globl wv_seg_enter\n.hidden wv_seg_enter\n.type wv_seg_enter,@function\n"
        "wv_seg_enter:\n"
        "  testl $2, 24(%rdx)\n"      /* no alternate stack: nothing to go by */
        "  jnz 9f\n"
        "  mov 16(%rdx), %rax\n"
        "  test %rax, %rax\n"
        "  jz 9f\n"
        "  movabs $0x5747534647535657, %rcx\n"
        "  cmp %rcx, (%rax)\n"
        "  je 3f\n"
        "  lea wv_seg_foreign(%rip), %r8\n" /* another runtime's stack: its slot, if any */
        "  lea 4096(%r8), %r9\n"
        "8:\n"
        "  cmp %rax, (%r8)\n"
        "  je 4f\n"
        "  add $16, %r8\n"
        "  cmp %r9, %r8\n"
        "  jb 8b\n"
        "  jmp 9f\n"
        "4:\n"
        "  mov 8(%r8), %rax\n"
        "  test %rax, %rax\n"
        "  jz 9f\n"
        "  cmp %rcx, (%rax)\n"
        "  jne 9f\n"
        "3:\n"
        "  cmpl $0, 24(%rax)\n"
        "  jne 5f\n"
        "  movl $1, 24(%rax)\n"
        "  movl $0, 28(%rax)\n"
        "wv_seg_probe_fs:\n"
        "  mov %fs:0, %rcx\n"
        "  cmp 8(%rax), %rcx\n"
        "  je 1f\n"
        "  call wv_seg_fix_fs\n"
        "1:\n"
        "  mov 16(%rax), %rcx\n"
        "  test %rcx, %rcx\n"
        "  jz 2f\n"
        "wv_seg_probe_gs:\n"
        "  mov %gs:0x30, %r8\n"
        "  cmp %rcx, %r8\n"
        "  je 2f\n"
        "  call wv_seg_fix_gs\n"
        "2:\n"
        "  movl $0, 24(%rax)\n"
        "  cmpl $0, 28(%rax)\n"
        "  je 9f\n"
        "  cmp $11, %edi\n"           /* SIGSEGV */
        "  jne 9f\n"
        "  cmpl $0, 8(%rsi)\n"        /* si_code > 0: raised by the MMU */
        "  jle 9f\n"
        "  ret\n"
        "9:\n"
        "  jmp *%r10\n"
        /* Probing: this is the read's own fault (rip at one of the two reads), repaired and run
         * again; or another signal in that window, which gets both bases and its handler. */
        "5:\n"
        "  mov 168(%rdx), %rcx\n"
        "  lea wv_seg_probe_fs(%rip), %r8\n"
        "  cmp %r8, %rcx\n"
        "  jne 6f\n"
        "  call wv_seg_fix_fs\n"
        "  ret\n"
        "6:\n"
        "  lea wv_seg_probe_gs(%rip), %r8\n"
        "  cmp %r8, %rcx\n"
        "  jne 7f\n"
        "  call wv_seg_fix_gs\n"
        "  ret\n"
        "7:\n"                        /* both set again, nothing recorded: they may be right */
        "  call wv_seg_put_fs\n"
        "  cmpq $0, 16(%rax)\n"
        "  je 9b\n"
        "  call wv_seg_put_gs\n"
        "  jmp 9b\n"
        ".size wv_seg_enter, .-wv_seg_enter\n"

        /* fs: marked repaired, then ARCH_SET_FS (the syscall clobbers rcx and r11). */
        ".type wv_seg_fix_fs,@function\n"
        "wv_seg_fix_fs:\n"
        "  orl $1, 28(%rax)\n"
        "wv_seg_put_fs:\n"
        "  push %rax\n  push %rdi\n  push %rsi\n  push %rdx\n"
        "  mov 8(%rax), %rsi\n"
        "  mov $0x1002, %edi\n"
        "  mov $158, %eax\n"          /* SYS_arch_prctl */
        "  syscall\n"
        "  pop %rdx\n  pop %rsi\n  pop %rdi\n  pop %rax\n"
        "  ret\n"
        ".size wv_seg_fix_fs, .-wv_seg_fix_fs\n"
        ".type wv_seg_fix_gs,@function\n"
        "wv_seg_fix_gs:\n"
        "  orl $2, 28(%rax)\n"
        "wv_seg_put_gs:\n"
        "  push %rax\n  push %rdi\n  push %rsi\n  push %rdx\n"
        "  mov 16(%rax), %rsi\n"
        "  mov $0x1001, %edi\n"
        "  mov $158, %eax\n"
        "  syscall\n"
        "  pop %rdx\n  pop %rsi\n  pop %rdi\n  pop %rax\n"
        "  ret\n"
        ".size wv_seg_fix_gs, .-wv_seg_fix_gs\n");

/* wv_seg_check for assembly (WV_CAPTURING's entries): rax and flags. */
__asm__(".text\n"
        ".globl wv_seg_check_asm\n.hidden wv_seg_check_asm\n.type wv_seg_check_asm,@function\n"
        "wv_seg_check_asm:\n"
        "  cmpq $0, %fs:0\n"
        "  mov wv_seg_gs@gottpoff(%rip), %rax\n"
        "  cmpq $0, %fs:(%rax)\n"
        "  je 1f\n"
        "  cmpq $0, %gs:0x30\n"
        "1:\n"
        "  ret\n"
        ".size wv_seg_check_asm, .-wv_seg_check_asm\n");
