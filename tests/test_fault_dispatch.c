/* SPDX-License-Identifier: MIT */
/* test_fault_dispatch.c - handler order, nested faults, nested tries, handlers that longjmp
 * out, and a stack overflow handled on the alternate stack. */
#define _GNU_SOURCE
#include "testutil.h"
#include "fault_child.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

static void read_byte(void *p) { (void)*(volatile char *)p; }
static void write_byte(void *p) { *(volatile char *)p = 1; }

/* ---- first/last order, CONTINUE_SEARCH and CONTINUE_EXECUTION ---- */

static char order_log[64];
static int order_len;
static char stop_at; /* the handler with this letter returns CONTINUE_EXECUTION */

static LONG log_as(char c)
{
    if (order_len < 63)
        order_log[order_len++] = c;
    order_log[order_len] = 0;
    return c == stop_at ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH;
}
static LONG WINAPI hA(PEXCEPTION_POINTERS ep) { (void)ep; return log_as('A'); }
static LONG WINAPI hB(PEXCEPTION_POINTERS ep) { (void)ep; return log_as('B'); }
static LONG WINAPI hC(PEXCEPTION_POINTERS ep) { (void)ep; return log_as('C'); }
static LONG WINAPI hD(PEXCEPTION_POINTERS ep) { (void)ep; return log_as('D'); }

static const char *dispatch_av(char *reserved)
{
    order_len = 0;
    order_log[0] = 0;
    DWORD code = winvm_try(read_byte, reserved, NULL);
    cr_assert_eq(code, STATUS_ACCESS_VIOLATION, "the declined exception reaches the try");
    return order_log;
}

static const char *dispatch_guard(char *page)
{
    DWORD old;
    cr_assert(VirtualProtect(page, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    order_len = 0;
    order_log[0] = 0;
    cr_assert_eq(winvm_try(write_byte, page, NULL), 0, "continued: no exception reaches the try");
    return order_log;
}

Test(fault_dispatch, first_and_last_order_and_chain_stopping)
{
    char *res = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    char *pg = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    stop_at = 0;
    PVOID a = AddVectoredExceptionHandler(0, hA);
    PVOID b = AddVectoredExceptionHandler(0, hB); /* last: after A */
    PVOID c = AddVectoredExceptionHandler(1, hC); /* first: before A and B */
    cr_assert(a && b && c);
    cr_assert_str_eq(dispatch_av(res), "CAB");
    PVOID d = AddVectoredExceptionHandler(1, hD);
    cr_assert_str_eq(dispatch_av(res), "DCAB");
    PVOID a2 = AddVectoredExceptionHandler(0, hA); /* the same function twice: called twice */
    cr_assert_str_eq(dispatch_av(res), "DCABA");
    cr_assert(RemoveVectoredExceptionHandler(a2));
    /* CONTINUE_EXECUTION stops the chain where it is returned. */
    stop_at = 'C';
    cr_assert_str_eq(dispatch_guard(pg), "DC");
    stop_at = 'B';
    cr_assert_str_eq(dispatch_guard(pg), "DCAB");
    stop_at = 'D';
    cr_assert_str_eq(dispatch_guard(pg), "D");
    /* Removal keeps the others' order. */
    stop_at = 0;
    cr_assert(RemoveVectoredExceptionHandler(c));
    cr_assert_str_eq(dispatch_av(res), "DAB");
    cr_assert(RemoveVectoredExceptionHandler(d));
    cr_assert_str_eq(dispatch_av(res), "AB");
    PVOID c2 = AddVectoredExceptionHandler(0, hC);
    cr_assert_str_eq(dispatch_av(res), "ABC");
    cr_assert(RemoveVectoredExceptionHandler(a));
    cr_assert(RemoveVectoredExceptionHandler(b));
    cr_assert(RemoveVectoredExceptionHandler(c2));
    cr_assert_str_eq(dispatch_av(res), "");
    /* bad arguments */
    SetLastError(SENTINEL);
    cr_assert_null(AddVectoredExceptionHandler(1, NULL));
    EXPECT_ERR(ERROR_INVALID_PARAMETER);
    cr_assert_eq(RemoveVectoredExceptionHandler(NULL), 0);
    cr_assert_eq(RemoveVectoredExceptionHandler((PVOID)(uintptr_t)0x12345678), 0);
    cr_assert_eq(RemoveVectoredExceptionHandler(a), 0);
    VirtualFree(res, 0, MEM_RELEASE);
    VirtualFree(pg, 0, MEM_RELEASE);
}

/* ---- nested faults: a handler that faults ---- */

static char *nest_p1, *nest_p2, *nest_noaccess;
/* volatile: changed behind the compiler's back, by handlers running inside a plain store */
static volatile int nest_depth, nest_max, nest_calls;
static volatile uintptr_t nest_addrs[4];
static volatile DWORD nest_inner_code;
static EXCEPTION_RECORD nest_inner_rec;

static LONG WINAPI nesting_guard_handler(PEXCEPTION_POINTERS ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    if (r->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    if (nest_calls < 4)
        nest_addrs[nest_calls] = r->ExceptionInformation[1];
    nest_calls++;
    nest_depth++;
    if (nest_depth > nest_max)
        nest_max = nest_depth;
    if (r->ExceptionInformation[1] == (uintptr_t)nest_p1)
        *(volatile char *)nest_p2 = 2; /* a guard page: a nested exception, to this handler */
    nest_depth--;
    return EXCEPTION_CONTINUE_EXECUTION;
}

Test(fault_dispatch, handler_touching_a_guard_page_gets_a_nested_exception)
{
    char *p = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    cr_assert(VirtualProtect(p, 2 * PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    nest_p1 = p;
    nest_p2 = p + PAGE;
    nest_calls = nest_depth = nest_max = 0;
    PVOID h = AddVectoredExceptionHandler(1, nesting_guard_handler);
    *(volatile char *)nest_p1 = 1;
    cr_assert_eq(nest_calls, 2);
    cr_assert_eq(nest_max, 2, "the second exception arrived while the first was handled");
    cr_assert_eq(nest_addrs[0], (uintptr_t)nest_p1);
    cr_assert_eq(nest_addrs[1], (uintptr_t)nest_p2);
    cr_assert_eq(p[0], 1);
    cr_assert_eq(p[PAGE], 2);
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);
    cr_assert_eq(tu_query(p + PAGE).Protect, PAGE_READWRITE);
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}

static LONG WINAPI handler_with_inner_try(PEXCEPTION_POINTERS ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    if (r->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH; /* the inner AV goes to the inner try */
    nest_calls++;
    nest_inner_code = winvm_try(read_byte, nest_noaccess, &nest_inner_rec);
    return EXCEPTION_CONTINUE_EXECUTION;
}

Test(fault_dispatch, access_violation_inside_a_handler_caught_by_an_inner_try)
{
    char *p = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    cr_assert(VirtualProtect(p, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    cr_assert(VirtualProtect(p + PAGE, PAGE, PAGE_NOACCESS, &old));
    nest_noaccess = p + PAGE + 3;
    nest_calls = 0;
    nest_inner_code = 0;
    PVOID h = AddVectoredExceptionHandler(1, handler_with_inner_try);
    /* with and without an outer try around the faulting code */
    *(volatile char *)p = 5;
    __asm__ volatile("" ::: "memory"); /* nest_inner_rec was written by the handler */
    cr_assert_eq(nest_calls, 1);
    cr_assert_eq(nest_inner_code, STATUS_ACCESS_VIOLATION);
    cr_assert_eq(nest_inner_rec.ExceptionInformation[0], 0);
    cr_assert_eq(nest_inner_rec.ExceptionInformation[1], (ULONG_PTR)nest_noaccess);
    cr_assert_eq(p[0], 5);
    cr_assert(VirtualProtect(p, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    nest_inner_code = 0;
    cr_assert_eq(winvm_try(write_byte, p, NULL), 0, "the outer try saw nothing");
    cr_assert_eq(nest_calls, 2);
    cr_assert_eq(nest_inner_code, STATUS_ACCESS_VIOLATION);
    /* and the outer try still works afterwards */
    cr_assert_eq(winvm_try(read_byte, nest_noaccess, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- nested tries: the innermost catches ---- */

struct nest_try {
    char *bad;
    int level;
    DWORD inner_code[4];
    uintptr_t inner_addr[4];
    int after_inner;
};

static void nested_fn(void *arg)
{
    struct nest_try *n = arg;
    int lvl = n->level++;
    if (lvl < 3) {
        EXCEPTION_RECORD rec;
        memset(&rec, 0, sizeof(rec));
        n->inner_code[lvl] = winvm_try(nested_fn, n, &rec);
        n->inner_addr[lvl] = rec.ExceptionInformation[1];
        n->after_inner++;
        /* fault again at this level: the next try out catches it */
        (void)*(volatile char *)(n->bad + lvl);
    } else {
        (void)*(volatile char *)(n->bad + 100);
    }
}

Test(fault_dispatch, nested_tries_innermost_catches)
{
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    struct nest_try n;
    memset(&n, 0, sizeof(n));
    n.bad = p;
    EXCEPTION_RECORD rec;
    /* levels: outer try -> fn(0) -> try -> fn(1) -> try -> fn(2) -> try -> fn(3) faults at +100;
     * caught by the try in fn(2), which faults at +2, caught by fn(1)'s try, ... */
    cr_assert_eq(winvm_try(nested_fn, &n, &rec), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(n.after_inner, 3);
    cr_assert_eq(n.inner_code[2], STATUS_ACCESS_VIOLATION);
    cr_assert_eq(n.inner_addr[2], (uintptr_t)p + 100);
    cr_assert_eq(n.inner_addr[1], (uintptr_t)p + 2);
    cr_assert_eq(n.inner_addr[0], (uintptr_t)p + 1);
    cr_assert_eq(rec.ExceptionInformation[1], (uintptr_t)p + 0);
    /* the chain is empty again: a plain try still works, and returns 0 without a fault */
    cr_assert_eq(winvm_try(read_byte, p, NULL), STATUS_ACCESS_VIOLATION);
    static char ok;
    cr_assert_eq(winvm_try(read_byte, &ok, NULL), 0);
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- a handler that never returns: siglongjmp out ---- */

static sigjmp_buf escape_env;
static int escape_on; /* 1: siglongjmp out of the handler on an access violation */
static volatile int escapes, guard_seen;

static LONG WINAPI escaping_handler(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION) {
        guard_seen++;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (escape_on && ep->ExceptionRecord->ExceptionCode == STATUS_ACCESS_VIOLATION) {
        escapes++;
        siglongjmp(escape_env, 1);
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

static void escape_in_try(void *p)
{
    volatile char pad[512];
    pad[0] = 0;
    (void)pad[0];
    (void)*(volatile char *)p;
}

Test(fault_dispatch, handler_that_longjmps_out_leaves_the_thread_working)
{
    char *p = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS);
    char *g = p + PAGE;
    DWORD old;
    PVOID h = AddVectoredExceptionHandler(1, escaping_handler);
    escapes = guard_seen = 0;
    for (int i = 0; i < 500; i++) {
        escape_on = 1;
        if (sigsetjmp(escape_env, 1) == 0) {
            if (i % 2)
                (void)*(volatile char *)p;                     /* no try around it */
            else
                winvm_try(escape_in_try, p, NULL);             /* escaping from inside a try */
            cr_assert_fail("the handler did not longjmp out (iteration %d)", i);
        }
        escape_on = 0;
        /* Later faults are still dispatched... */
        cr_assert(VirtualProtect(g, PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
        *(volatile char *)g = (char)i;
        cr_assert_eq(g[0], (char)i);
        /* ...and later tries still catch, with the right record. */
        EXCEPTION_RECORD rec;
        cr_assert_eq(winvm_try(escape_in_try, p + 7, &rec), STATUS_ACCESS_VIOLATION);
        cr_assert_eq(rec.ExceptionInformation[1], (uintptr_t)p + 7);
        cr_assert(VirtualProtect(g, PAGE, PAGE_NOACCESS, &old));
    }
    cr_assert_eq(escapes, 500);
    cr_assert_eq(guard_seen, 500);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    cr_assert_not(sigismember(&cur, SIGSEGV));
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(p, 0, MEM_RELEASE);
}

/* After a handler longjmps out of a try, that try is gone: an exception nobody handles, raised
 * deeper in the stack than the abandoned try's frame, must be reported as unhandled - not
 * delivered to the dead frame. */
static char *deep_target;

__attribute__((noinline)) static void deep_fault(int depth)
{
    volatile char pad[256];
    memset((char *)pad, 0x41, sizeof(pad));
    if (depth > 0)
        deep_fault(depth - 1);
    else
        *(volatile char *)deep_target = 1;
    (void)pad[0];
}

static int escape_then_unhandled_child(void *arg)
{
    (void)arg;
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    deep_target = p;
    PVOID h = AddVectoredExceptionHandler(1, escaping_handler);
    escape_on = 1;
    if (sigsetjmp(escape_env, 1) == 0) {
        winvm_try(escape_in_try, p + PAGE, NULL); /* free memory next to p: AV, handler escapes */
        return 3;
    }
    escape_on = 0;
    RemoveVectoredExceptionHandler(h);
    deep_fault(16);
    return 4; /* the write must not succeed or be swallowed */
}

Test(fault_dispatch, unhandled_after_escaping_a_try_is_reported_not_sent_to_the_dead_frame)
{
    struct fc_result r = fc_run(escape_then_unhandled_child, NULL);
    FC_KILLED_BY(r, SIGSEGV);
    cr_assert_not_null(strstr(r.err, "winvm: unhandled exception 0xc0000005"),
                       "no unhandled-exception report; stderr: %s", r.err);
}

/* Same abandoned try, then a new try at the very same depth (same frame address), then an
 * unhandled fault at a shallower depth. */
__attribute__((noinline)) static DWORD try_at_fixed_depth(winvm_try_fn fn, void *arg)
{
    return winvm_try(fn, arg, NULL);
}

static int escape_reuse_child(void *arg)
{
    (void)arg;
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    PVOID h = AddVectoredExceptionHandler(1, escaping_handler);
    escape_on = 1;
    if (sigsetjmp(escape_env, 1) == 0) {
        try_at_fixed_depth(escape_in_try, p + PAGE);
        return 3;
    }
    escape_on = 0;
    RemoveVectoredExceptionHandler(h);
    if (try_at_fixed_depth(escape_in_try, p + PAGE) != STATUS_ACCESS_VIOLATION)
        return 5;
    if (try_at_fixed_depth(escape_in_try, p) != 0)
        return 6;
    /* scribble over the area where the dead frames were */
    deep_target = p + 1; /* readable, so deep_fault's write below... */
    volatile char big[8192];
    memset((char *)big, 0x5a, sizeof(big));
    (void)big[0];
    *(volatile char *)p = 1; /* unhandled: READONLY */
    return 4;
}

Test(fault_dispatch, try_reused_at_the_same_depth_after_an_escape)
{
    struct fc_result r = fc_run(escape_reuse_child, NULL);
    FC_KILLED_BY(r, SIGSEGV);
    cr_assert_not_null(strstr(r.err, "winvm: unhandled exception 0xc0000005"),
                       "no unhandled-exception report; stderr: %s", r.err);
}

/* ---- stack overflow: a thread whose stack is winvm memory, a guard page at its bottom ---- */

#define STACK_SIZE ((SIZE_T)256 * 1024)

static char *stack_base;
static volatile int stack_guard_hits;
static volatile uintptr_t stack_guard_addr;
static volatile long overflow_depth;
static volatile long overflow_limit = 1L << 40; /* never reached: the stack ends first */

static LONG WINAPI stack_guard_handler(PEXCEPTION_POINTERS ep)
{
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    uintptr_t a = r->ExceptionInformation[1];
    if (r->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION && a >= (uintptr_t)stack_base &&
        a < (uintptr_t)stack_base + STACK_SIZE) {
        /* this runs with the thread's stack exhausted: on the alternate stack */
        uintptr_t here = (uintptr_t)&here;
        if (here >= (uintptr_t)stack_base && here < (uintptr_t)stack_base + STACK_SIZE)
            return EXCEPTION_CONTINUE_SEARCH; /* not on the alternate stack: let it fail */
        stack_guard_hits++;
        stack_guard_addr = a;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

__attribute__((noinline)) static void recurse_forever(long d)
{
    volatile char pad[512];
    pad[0] = (char)d;
    overflow_depth = d;
    if (d < overflow_limit)
        recurse_forever(d + 1);
    (void)pad[0];
}

static void overflow_fn(void *arg)
{
    (void)arg;
    recurse_forever(0);
}

struct overflow_result {
    DWORD code;
    EXCEPTION_RECORD rec;
    DWORD after;
};

static void *overflow_thread(void *arg)
{
    struct overflow_result *o = arg;
    o->code = winvm_try(overflow_fn, NULL, &o->rec);
    /* the thread goes on working after the overflow */
    static char ok;
    o->after = winvm_try(read_byte, &ok, NULL);
    return NULL;
}

Test(fault_dispatch, stack_overflow_into_guard_then_reserved_is_caught, .timeout = 60)
{
    /* Windows' stack layout: [reserved page][guard page][committed ... top]. */
    stack_base = VirtualAlloc(NULL, STACK_SIZE, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_not_null(stack_base);
    cr_assert_not_null(VirtualAlloc(stack_base + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));
    cr_assert_not_null(VirtualAlloc(stack_base + 2 * PAGE, STACK_SIZE - 2 * PAGE, MEM_COMMIT, PAGE_READWRITE));
    stack_guard_hits = 0;
    PVOID h = AddVectoredExceptionHandler(1, stack_guard_handler);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    cr_assert_eq(pthread_attr_setstack(&attr, stack_base, STACK_SIZE), 0);
    struct overflow_result o;
    memset(&o, 0, sizeof(o));
    pthread_t t;
    cr_assert_eq(pthread_create(&t, &attr, overflow_thread, &o), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    cr_assert_eq(stack_guard_hits, 1, "guard page hit once, handled on the alternate stack");
    cr_assert_eq(stack_guard_addr / PAGE, (uintptr_t)(stack_base + PAGE) / PAGE);
    cr_assert_eq(o.code, STATUS_ACCESS_VIOLATION);
    cr_assert_eq(o.rec.ExceptionInformation[0], 1, "a push or store into the reserved page");
    cr_assert_eq(o.rec.ExceptionInformation[1] / PAGE, (uintptr_t)stack_base / PAGE);
    cr_assert_eq(o.after, 0);
    cr_assert_gt(overflow_depth, 100);
    cr_assert(RemoveVectoredExceptionHandler(h));
    VirtualFree(stack_base, 0, MEM_RELEASE);
}
