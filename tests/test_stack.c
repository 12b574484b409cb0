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
