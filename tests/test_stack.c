/* SPDX-License-Identifier: MIT */
/* test_stack.c - winvm_stack_create: a Windows thread stack's layout and growth (stack.c,
 * fault.c, stkoflw.c): a touch of the guard page moves it down silently; the end (the last
 * pages, kept for the handlers) raises STATUS_STACK_OVERFLOW. */
#include "testutil.h"
#include "fault/fault.h"

#include <criterion/criterion.h>

static int guard_exceptions;

static LONG WINAPI count_guards(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION)
        guard_exceptions++;
    return EXCEPTION_CONTINUE_SEARCH;
}

static void touch(void *p) { *(volatile char *)p = 1; }

Test(stack, layout_and_silent_growth)
{
    LPVOID top = NULL;
    char *base = winvm_stack_create(64 * 1024, 8192, &top);
    cr_assert_not_null(base, "%u", GetLastError());
    cr_assert_eq((char *)top, base + 64 * 1024);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery((char *)top - 8192, &m, sizeof(m));
    cr_assert_eq(m.State, MEM_COMMIT);
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 8192);
    char *guard = (char *)top - 3 * PAGE;
    VirtualQuery(guard, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    cr_assert_eq(m.RegionSize, PAGE);
    VirtualQuery(base, &m, sizeof(m));
    cr_assert_eq(m.State, MEM_RESERVE);
    PVOID h = AddVectoredExceptionHandler(1, count_guards);
    guard_exceptions = 0;
    touch(guard);
    cr_assert_eq(guard_exceptions, 0, "a stack's guard page grows it without an exception");
    VirtualQuery(guard, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 3 * PAGE, "the old guard joined the committed top");
    VirtualQuery(guard - PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD, "the guard moved one page down");
    RemoveVectoredExceptionHandler(h);
    cr_assert(VirtualFree(base, 0, MEM_RELEASE));
}

struct walk {
    char *from, *base;
    char *volatile overflow_at; /* read after the longjmp out of walk_down */
};

static void walk_down(void *arg)
{
    struct walk *w = arg;
    for (char *p = w->from; p >= w->base; p -= PAGE) {
        w->overflow_at = p;
        touch(p);
    }
}

Test(stack, overflow_at_the_end)
{
    LPVOID top = NULL;
    char *base = winvm_stack_create(64 * 1024, 4096, &top);
    cr_assert_not_null(base);
    struct walk w = {(char *)top - 2 * PAGE, base, NULL};
    EXCEPTION_RECORD rec;
    cr_assert_eq(winvm_try(walk_down, &w, &rec), STATUS_STACK_OVERFLOW);
    /* The guarantee: pages above the never-committed last one, all committed at the overflow. */
    char *at = base + WV_STACK_GUARANTEE_PAGES * PAGE;
    cr_assert_eq(w.overflow_at, at, "overflow when only the guarantee is left: at page %ld", (long)((w.overflow_at - base) / (long)PAGE));
    cr_assert_eq(rec.ExceptionInformation[1], (ULONG_PTR)at);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(base, &m, sizeof(m));
    cr_assert_eq(m.State, MEM_RESERVE, "the last page is never committed");
    VirtualQuery(base + PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE, "the pages the handler runs on are usable");
    cr_assert_geq(m.RegionSize, WV_STACK_GUARANTEE_PAGES * PAGE, "the whole guarantee, no guard: %zu", (size_t)m.RegionSize);
    touch(base + PAGE);
    cr_assert(VirtualFree(base, 0, MEM_RELEASE));
}

Test(stack, bad_arguments)
{
    LPVOID top;
    SetLastError(SENTINEL);
    cr_assert_null(winvm_stack_create(65536, 65536, &top));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_null(winvm_stack_create(65536, 4096, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

/* A touch of a guard page makes the page below the guard whatever it was: a committed page the
 * stack grows back over is guarded again, on the host too (the next touch is silent growth). */
Test(stack, growth_guards_committed_pages_again)
{
    LPVOID top = NULL;
    char *base = winvm_stack_create(64 * 1024, 8192, &top);
    cr_assert_not_null(base);
    char *t = top;
    PVOID h = AddVectoredExceptionHandler(1, count_guards);
    guard_exceptions = 0;
    touch(t - 3 * PAGE); /* the first guard: now guard at t - 4 pages */
    touch(t - 4 * PAGE);
    DWORD old;
    cr_assert(VirtualProtect(t - 2 * PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert_eq(old, PAGE_READWRITE);
    touch(t - 2 * PAGE);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(t - 3 * PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD, "the committed page below is the guard again");
    cr_assert_eq(m.RegionSize, PAGE);
    touch(t - 3 * PAGE);
    cr_assert_eq(guard_exceptions, 0);
    VirtualQuery(t - 3 * PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE, "its touch was a fault: the host had it guarded");
    VirtualQuery(t - 4 * PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD);
    RemoveVectoredExceptionHandler(h);
    cr_assert(VirtualFree(base, 0, MEM_RELEASE));
}

/* Under the space lock the fault handler cannot model a touch: wv_stack_defer opens the page on
 * the host only, and the unlock settles it as a guard hit (StackLimit to the touched page, the
 * guard below).  Driven here as the handler and a lock holder drive it, on a stack made the
 * thread's for the test. */
Test(stack, growth_under_the_lock_settles_at_unlock)
{
    LPVOID top = NULL;
    char *base = winvm_stack_create(64 * 1024, 4096, &top);
    cr_assert_not_null(base);
    char *t = top;
    uintptr_t limit = (uintptr_t)t - PAGE, old_lo = wv_stack_lo, old_hi = wv_stack_hi;
    uintptr_t *old_ref = wv_stack_limit_ref;
    wv_stack_lo = (uintptr_t)base, wv_stack_hi = (uintptr_t)t, wv_stack_limit_ref = &limit;
    char *page = t - 3 * PAGE; /* below the guard at t - 2 pages: a frame that skipped it */
    wv_space_lock();
    bool far = wv_stack_defer((uintptr_t)page, (uintptr_t)t - 0x40000); /* far above sp: not a frame */
    bool deferred = wv_stack_defer((uintptr_t)page + 8, (uintptr_t)page + 64);
    if (deferred)
        *(volatile char *)page = 1; /* open on the host */
    MEMORY_BASIC_INFORMATION m;
    wv_space_unlock();
    wv_stack_lo = old_lo, wv_stack_hi = old_hi, wv_stack_limit_ref = old_ref;
    cr_assert(!far);
    cr_assert(deferred);
    cr_assert_eq(limit, (uintptr_t)page, "StackLimit moved to the touched page");
    VirtualQuery(page, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE);
    cr_assert_eq(m.RegionSize, 3 * PAGE, "the touched page, the old guard, the commit");
    VirtualQuery(page - PAGE, &m, sizeof(m));
    cr_assert_eq(m.Protect, PAGE_READWRITE | PAGE_GUARD, "the guard below it");
    cr_assert_eq(m.RegionSize, PAGE);
    cr_assert(VirtualFree(base, 0, MEM_RELEASE));
}
