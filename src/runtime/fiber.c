/* SPDX-License-Identifier: MIT */
/* fiber.c - fibers: CreateFiber(Ex), ConvertThreadToFiber(Ex), ConvertFiberToThread,
 * SwitchToFiber, DeleteFiber, IsThreadAFiber (kernel32; GetCurrentFiber and GetFiberData are
 * inline in Windows' headers and read the TEB).
 *
 * A fiber is a stack and the registers saved on it (fiber_swap.c) plus what Windows keeps per
 * fiber in the TEB: the exception list, StackBase, StackLimit, DeallocationStack, the
 * activation-context stack, GuaranteedStackBytes, ActiveFrame and FlsData.  The running fiber
 * is TEB->NtTib.FiberData (gs:0x20) with HasFiberData set in SameTebFlags; its struct begins
 * with its data, which GetFiberData reads.  SwitchToFiber saves those fields into the running
 * fiber, loads the next's, and swaps the registers; winvm's own view of the stack (the bounds
 * its exports probe below, mm/stack.c, and the SEH walk checks frames against) is switched with
 * them, so guard-page growth, stack overflow, the probes and SEH work on a fiber's stack as on
 * a thread's.
 *
 * A fiber's stack is made like a thread's (mm/stack.c: reserved pages, a guard page, the
 * committed top, flagged a stack), never smaller than the image's default reserve: winvm's
 * exports run on the caller's stack and grow it as they go (mm/stack.c).  A converted thread's
 * fiber holds the thread's stack.  When a thread ends, the stack it runs on is freed with it
 * (Windows frees TEB->DeallocationStack); a fiber's other stack is freed by DeleteFiber.
 * Deleting the running fiber ends the thread (ExitThread(1)); a fiber whose routine returns
 * ends its thread with the routine's rax as the exit code (BaseFiberStart's ExitThread).
 *
 * Calls that Windows leaves undefined (SwitchToFiber on a thread that is not a fiber, to a
 * fiber at a bad address) do nothing here rather than crash winvm's code.
 *
 * AddressSanitizer builds: ASan keeps one stack per thread, the range its no-return hook
 * (a longjmp, an unwind's restore) unpoisons and its reports describe.  Each switch tells it
 * the stack it moves to (__sanitizer_start_switch_fiber before the register swap,
 * __sanitizer_finish_switch_fiber after it, a new fiber's first run included), and a thread
 * that switched is set back on its host stack as it ends (wv_fiber_thread_end).  Converting
 * a thread to a fiber or back moves no stack: nothing to tell.  A fiber's stack is unpoisoned
 * when made and when DeleteFiber frees it: the frames a fiber left there (its SwitchToFiber
 * never returns when it is deleted) keep their redzones' poison, which the next stack or
 * allocation at those addresses would read as stack-buffer-underflows. */
#define _GNU_SOURCE
#include "runtime/fiber_int.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>

static __thread bool wv_fiber_asan_moved; /* ASan was told of another stack than the host's */

static void wv_fiber_asan_leave(void **fake, uintptr_t lo, uintptr_t hi)
{
    wv_fiber_asan_moved = true;
    __sanitizer_start_switch_fiber(fake, (const void *)lo, hi - lo);
}

static void wv_fiber_asan_arrive(void *fake) { __sanitizer_finish_switch_fiber(fake, NULL, NULL); }

static void wv_fiber_asan_clean(uintptr_t lo, uintptr_t hi)
{
    if (lo && hi > lo)
        __asan_unpoison_memory_region((void *)lo, hi - lo);
}

/* The ending thread runs on its host stack again (wv_thread_main, after the exit jump): ASan's
 * stack is that one, so that its thread teardown and reports see the right range. */
static void wv_fiber_asan_home(void)
{
    pthread_attr_t a;
    void *lo, *fake = NULL;
    size_t size;
    if (!wv_fiber_asan_moved || pthread_getattr_np(pthread_self(), &a))
        return;
    if (!pthread_attr_getstack(&a, &lo, &size)) {
        __sanitizer_start_switch_fiber(&fake, lo, size);
        __sanitizer_finish_switch_fiber(fake, NULL, NULL);
        wv_fiber_asan_moved = false;
    }
    pthread_attr_destroy(&a);
}
#else
static void wv_fiber_asan_leave(void **fake, uintptr_t lo, uintptr_t hi) { (void)fake, (void)lo, (void)hi; }
static void wv_fiber_asan_arrive(void *fake) { (void)fake; }
static void wv_fiber_asan_clean(uintptr_t lo, uintptr_t hi) { (void)lo, (void)hi; }
static void wv_fiber_asan_home(void) {}
#endif

#include "runtime/thunk.h"

struct wv_fiber {
    void *data;        /* first: GetFiberData is *(void **)GetCurrentFiber() */
    uintptr_t sp;      /* its registers' frame (fiber_swap.c) while it does not run */
    wv_fiber_routine start;
    DWORD flags;       /* FIBER_FLAG_FLOAT_SWITCH */
    bool ending;       /* DeleteFiber of it while it ran: freed at its thread's end */
    uintptr_t stack;   /* the allocation its stack is, freed by DeleteFiber (0: none) */
    /* While it does not run: its TEB fields and winvm's bounds of its stack. */
    uint64_t except_list, stack_base, stack_limit, dealloc, actctx, active_frame;
    uint32_t guaranteed;
    void *fls;
    uintptr_t lo, hi, probed;
    void *asan_fake; /* ASan's fake stack of it while it does not run (ASan builds) */
};

static uint64_t wv_teb_get(const uint8_t *teb, size_t off)
{
    uint64_t v;
    memcpy(&v, teb + off, sizeof(v));
    return v;
}

static void wv_teb_put(uint8_t *teb, size_t off, uint64_t v) { memcpy(teb + off, &v, sizeof(v)); }

/* The running fiber, NULL when the thread is not one (or has no TEB). */
static struct wv_fiber *wv_fiber_current(const uint8_t *teb)
{
    if (!teb || !(teb[WV_TEB_SAME_FLAGS] & WV_TEB_HAS_FIBER_DATA))
        return NULL;
    return (struct wv_fiber *)(uintptr_t)wv_teb_get(teb, WV_TEB_FIBER_DATA);
}

static void wv_fiber_set_current(uint8_t *teb, struct wv_fiber *f)
{
    wv_teb_put(teb, WV_TEB_FIBER_DATA, (uintptr_t)f);
    if (f)
        teb[WV_TEB_SAME_FLAGS] |= WV_TEB_HAS_FIBER_DATA;
    else
        teb[WV_TEB_SAME_FLAGS] &= (uint8_t)~WV_TEB_HAS_FIBER_DATA;
}

/* The running fiber's TEB fields and stack bounds into f. */
static void wv_fiber_save(struct wv_fiber *f, const uint8_t *teb)
{
    f->except_list = wv_teb_get(teb, WV_TEB_EXCEPTION_LIST);
    f->stack_base = wv_teb_get(teb, WV_TEB_STACK_BASE);
    f->stack_limit = wv_teb_get(teb, WV_TEB_STACK_LIMIT);
    f->dealloc = wv_teb_get(teb, WV_TEB_DEALLOCATION_STACK);
    f->actctx = wv_teb_get(teb, WV_TEB_ACTCTX_STACK);
    f->active_frame = wv_teb_get(teb, WV_TEB_ACTIVE_FRAME);
    memcpy(&f->guaranteed, teb + WV_TEB_GUARANTEED_STACK, sizeof(f->guaranteed));
    f->fls = wv_fls_current();
    f->lo = wv_stack_lo, f->hi = wv_stack_hi, f->probed = wv_stack_probed;
}

static void wv_fiber_load(const struct wv_fiber *f, uint8_t *teb)
{
    wv_teb_put(teb, WV_TEB_EXCEPTION_LIST, f->except_list);
    wv_teb_put(teb, WV_TEB_STACK_BASE, f->stack_base);
    wv_teb_put(teb, WV_TEB_STACK_LIMIT, f->stack_limit);
    wv_teb_put(teb, WV_TEB_DEALLOCATION_STACK, f->dealloc);
    wv_teb_put(teb, WV_TEB_ACTCTX_STACK, f->actctx);
    wv_teb_put(teb, WV_TEB_ACTIVE_FRAME, f->active_frame);
    memcpy(teb + WV_TEB_GUARANTEED_STACK, &f->guaranteed, sizeof(f->guaranteed));
    wv_fls_switch(f->fls);
    wv_stack_lo = f->lo, wv_stack_hi = f->hi, wv_stack_probed = f->probed;
}

/* A new fiber's stack: the sizes as Windows takes them (0: the image's defaults; a reserve
 * not above the commit: the commit rounded up to 1 MiB), never below the default reserve. */
static DWORD wv_fiber_stack(struct wv_fiber *f, SIZE_T commit, SIZE_T reserve)
{
    SIZE_T def_reserve, def_commit;
    wv_thread_stack_defaults(&def_reserve, &def_commit);
    commit = wv_page_up(commit ? commit : def_commit);
    if (reserve < def_reserve)
        reserve = def_reserve;
    if (reserve < commit + 2 * WV_PAGE_SIZE)
        reserve = (commit + 2 * WV_PAGE_SIZE + (1u << 20) - 1) & ~(SIZE_T)((1u << 20) - 1);
    uintptr_t lo, hi;
    DWORD err = wv_stack_create(reserve, commit, &lo, &hi);
    if (err)
        return err;
    wv_fiber_asan_clean(lo, hi);
    f->stack = f->lo = f->dealloc = lo;
    f->hi = f->probed = f->stack_base = hi;
    f->stack_limit = hi - commit;
    f->sp = wv_fiber_frame(hi, f);
    return 0;
}

static void *wv_fiber_create(SIZE_T commit, SIZE_T reserve, DWORD flags, wv_fiber_routine start, void *param)
{
    if (flags & ~(DWORD)FIBER_FLAG_FLOAT_SWITCH)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    struct wv_fiber *f = calloc(1, sizeof(*f));
    if (!f)
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    f->data = param, f->start = start, f->flags = flags;
    DWORD err = wv_fiber_stack(f, commit, reserve);
    if (err) {
        free(f);
        return wv_fail_null(err == ERROR_INVALID_PARAMETER ? err : ERROR_NOT_ENOUGH_MEMORY);
    }
    return f;
}

WV_FB_ABI void *wv_k32_CreateFiberEx(SIZE_T commit, SIZE_T reserve, DWORD flags, wv_fiber_routine start, void *param)
{
    wv_seg_check();
    return wv_fiber_create(commit, reserve, flags, start, param);
}

WV_FB_ABI void *wv_k32_CreateFiber(SIZE_T stack, wv_fiber_routine start, void *param)
{
    wv_seg_check();
    return wv_fiber_create(stack, 0, 0, start, param);
}

/* A new fiber's first run (fiber_swap.c's wv_fiber_entry): its routine, then the thread ends
 * with what the routine left in rax.  It may return on another thread than it started on:
 * nothing here reads thread-local state after the call. */
typedef DWORD(WV_MSABI *wv_fiber_routine_rax)(void *);
__attribute__((ms_abi, noreturn, used, no_stack_protector)) void wv_fiber_run(struct wv_fiber *f)
{
    wv_fiber_asan_arrive(NULL); /* a first run: no fake stack of its own yet */
    DWORD code = ((wv_fiber_routine_rax)(void *)f->start)(f->data);
    ExitThread(code);
}

WV_FB_ABI void *wv_k32_ConvertThreadToFiberEx(void *param, DWORD flags)
{
    wv_seg_check();
    uint8_t *teb = wv_teb_self();
    if (flags & ~(DWORD)FIBER_FLAG_FLOAT_SWITCH)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    if (!teb)
        return wv_fail_null(ERROR_NOT_SUPPORTED);
    if (wv_fiber_current(teb))
        return wv_fail_null(ERROR_ALREADY_FIBER);
    struct wv_fiber *f = calloc(1, sizeof(*f));
    if (!f)
        return wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
    f->data = param, f->flags = flags;
    f->stack = wv_stack_lo; /* the thread's: DeleteFiber of this fiber from another frees it */
    wv_fiber_set_current(teb, f);
    return f;
}

WV_FB_ABI void *wv_k32_ConvertThreadToFiber(void *param) { return wv_k32_ConvertThreadToFiberEx(param, 0); }

/* The running fiber's struct goes; the thread goes on, on the stack it runs on, which is the
 * thread's from now on (freed when it ends). */
WV_FB_ABI BOOL wv_k32_ConvertFiberToThread(void)
{
    wv_seg_check();
    uint8_t *teb = wv_teb_self();
    struct wv_fiber *f = wv_fiber_current(teb);
    if (!f)
        return wv_fail(ERROR_ALREADY_THREAD);
    wv_fiber_set_current(teb, NULL);
    free(f);
    return TRUE;
}

WV_FB_ABI BOOL wv_k32_IsThreadAFiber(void)
{
    wv_seg_check();
    return wv_fiber_current(wv_teb_self()) != NULL;
}

/* Everything the thread keeps for the running fiber is updated before the registers are
 * swapped: after the swap this frame may run on another thread (a fiber switched to from
 * there), so nothing thread-local is touched once wv_fiber_swap returns. */
__attribute__((noinline)) static void wv_fiber_switch(struct wv_fiber *to)
{
    uint8_t *teb = wv_teb_self();
    struct wv_fiber *cur = wv_fiber_current(teb), probe;
    if (!cur || cur == to || !to || wv_copy(&probe, to, sizeof(probe)))
        return;
    wv_fiber_save(cur, teb);
    wv_fiber_load(to, teb);
    wv_fiber_set_current(teb, to);
    unsigned fp = ((cur->flags & FIBER_FLAG_FLOAT_SWITCH) ? 1u : 0u) | ((to->flags & FIBER_FLAG_FLOAT_SWITCH) ? 2u : 0u);
    wv_fiber_asan_leave(&cur->asan_fake, to->lo, to->hi);
    wv_fiber_swap(&cur->sp, to->sp, fp);
    wv_fiber_asan_arrive(cur->asan_fake);
}

WV_FB_ABI void wv_k32_SwitchToFiber(void *fiber)
{
    wv_seg_check();
    wv_fiber_switch(fiber);
}

WV_FB_ABI void wv_k32_DeleteFiber(void *fiber)
{
    wv_seg_check();
    struct wv_fiber *f = fiber;
    if (!f)
        return;
    if (f == wv_fiber_current(wv_teb_self())) {
        f->ending = true; /* its FLS callbacks run as the thread ends, with its stack */
        ExitThread(1);
    }
    wv_fls_fiber_end(f->fls);
    if (f->stack) {
        wv_fiber_asan_clean(f->lo, f->hi); /* not running: its bounds were saved */
        wv_virtual_free(f->stack, 0, MEM_RELEASE);
    }
    free(f);
}

void wv_fiber_thread_end(void)
{
    wv_fiber_asan_home();
    uint8_t *teb = wv_teb_self();
    struct wv_fiber *f = wv_fiber_current(teb);
    if (!f)
        return;
    if (f->stack == wv_stack_lo)
        f->stack = 0; /* the thread frees the stack it ends on */
    wv_fiber_set_current(teb, NULL);
    if (f->ending)
        free(f);
}
