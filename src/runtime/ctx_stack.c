/* SPDX-License-Identifier: MIT */
/* ctx_stack.c - the stack NtGetContextThread and NtSetContextThread run on for the calling
 * thread (ntdll_context.c's entry points switch to it).
 *
 * Why: Windows' system calls run on the kernel stack, so a caller may make them from a stack
 * with little room below its rsp (Wine's exception.c test_syscall_clobbered_regs calls them
 * from a stack 4 KiB above its own code).  winvm's context paths hold three CONTEXTs (1,232
 * bytes each) on the stack; on the caller's they ran past its bottom (an access violation, or
 * the caller's code overwritten).  Each thread gets one such stack at its first call, kept
 * until it ends (the calls on it never nest: neither calls PE code nor waits).  NULL when it
 * cannot be had: the entry then stays on the caller's stack, as before. */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "host/host.h"

#include <pthread.h>

#define WV_CTX_STACK_SIZE ((size_t)256 * 1024) /* winvm's deepest path (mm.h WV_PROBE_BYTES) */

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* A NtSetContextThread of the calling thread leaves its frames on this stack without returning,
 * their redzones still poisoned; the next call's frames there would read as overflows
 * (check-asan: test_dbgreg, test_ntctx).  Each entry starts on a clean stack. */
static void wv_ctx_stack_clean(char *s) { __asan_unpoison_memory_region(s, WV_CTX_STACK_SIZE); }
#else
static void wv_ctx_stack_clean(char *s) { (void)s; }
#endif

static pthread_key_t wv_ctx_stack_key;
static pthread_once_t wv_ctx_stack_once = PTHREAD_ONCE_INIT;

static void wv_ctx_stack_free(void *stack) { wv_os_stack_free(stack, WV_CTX_STACK_SIZE); }

static void wv_ctx_stack_init(void) { pthread_key_create(&wv_ctx_stack_key, wv_ctx_stack_free); }

/* The top of the calling thread's stack (16-aligned), or NULL. */
WV_MSABI void *wv_ctx_stack_top(void)
{
    pthread_once(&wv_ctx_stack_once, wv_ctx_stack_init);
    char *s = pthread_getspecific(wv_ctx_stack_key);
    if (!s) {
        s = wv_os_stack_alloc(WV_CTX_STACK_SIZE);
        if (!s)
            return NULL;
        if (pthread_setspecific(wv_ctx_stack_key, s)) {
            wv_os_stack_free(s, WV_CTX_STACK_SIZE);
            return NULL;
        }
    }
    wv_ctx_stack_clean(s);
    return s + WV_CTX_STACK_SIZE;
}
