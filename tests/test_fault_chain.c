/* SPDX-License-Identifier: MIT */
/* test_fault_chain.c - winvm next to other SIGSEGV handlers (installed before it and after it),
 * and the end of the process on an unhandled exception.  Each case runs in a forked child, so
 * the order in which handlers are installed is under control. */
#define _GNU_SOURCE
#include "testutil.h"
#include "fault_child.h"

#include <criterion/criterion.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

static void read_byte(void *p) { (void)*(volatile char *)p; }
static void write_byte(void *p) { *(volatile char *)p = 1; }

/* ---- the other runtime's handler ---- */

static char *raw_page;             /* a PROT_NONE mmap page winvm knows nothing about */
static volatile int prev_calls;
static void *volatile prev_addr;
static volatile int vectored_calls;

static void prev_info_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)ctx;
    prev_calls++;
    prev_addr = si->si_addr;
    mprotect(raw_page, PAGE, PROT_READ | PROT_WRITE); /* fix it and retry */
}

static void prev_plain_handler(int sig)
{
    (void)sig;
    prev_calls++;
    mprotect(raw_page, PAGE, PROT_READ | PROT_WRITE);
}

static LONG WINAPI counting_handler(PEXCEPTION_POINTERS ep)
{
    vectored_calls++;
    if (ep->ExceptionRecord->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_EXECUTION;
    return EXCEPTION_CONTINUE_SEARCH;
}

static int install_first_child(void *arg)
{
    bool siginfo = arg != NULL;
    raw_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    FC_CHECK(raw_page != MAP_FAILED, 10);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    if (siginfo) {
        sa.sa_sigaction = prev_info_handler;
        sa.sa_flags = SA_SIGINFO;
    } else
        sa.sa_handler = prev_plain_handler;
    sigemptyset(&sa.sa_mask);
    FC_CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, 11);

    /* winvm's first use: it installs its handler now, after ours. */
    char *w = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    FC_CHECK(w != NULL, 12);
    struct sigaction now;
    sigaction(SIGSEGV, NULL, &now);
    FC_CHECK(now.sa_sigaction != prev_info_handler && now.sa_handler != prev_plain_handler, 13);

    /* 1. A fault on foreign memory, no vectored handler: ours gets it, with the address. */
    *(volatile char *)(raw_page + 123) = 1;
    FC_CHECK(prev_calls == 1, 20);
    FC_CHECK(!siginfo || prev_addr == raw_page + 123, 21);
    FC_CHECK(raw_page[123] == 1, 22);

    /* 2. The same with a vectored handler registered and inside a winvm_try: still ours,
     *    never an exception. */
    mprotect(raw_page, PAGE, PROT_NONE);
    PVOID h = AddVectoredExceptionHandler(1, counting_handler);
    FC_CHECK(h != NULL, 30);
    FC_CHECK(winvm_try(write_byte, raw_page + 7, NULL) == 0, 31);
    FC_CHECK(prev_calls == 2, 32);
    FC_CHECK(!siginfo || prev_addr == raw_page + 7, 33);
    FC_CHECK(vectored_calls == 0, 34);

    /* 3. Faults on winvm memory are winvm's: exceptions, and ours never hears of them. */
    DWORD old;
    FC_CHECK(VirtualProtect(w, PAGE, PAGE_READWRITE | PAGE_GUARD, &old), 40);
    *(volatile char *)w = 9;
    FC_CHECK(vectored_calls == 1, 41);
    FC_CHECK(w[0] == 9, 42);
    FC_CHECK(VirtualProtect(w + PAGE, PAGE, PAGE_NOACCESS, &old), 43);
    EXCEPTION_RECORD rec;
    FC_CHECK(winvm_try(read_byte, w + PAGE + 1, &rec) == STATUS_ACCESS_VIOLATION, 44);
    FC_CHECK(rec.ExceptionInformation[1] == (ULONG_PTR)(w + PAGE + 1), 45);
    FC_CHECK(vectored_calls == 2, 46);
    FC_CHECK(prev_calls == 2, 47);
    RemoveVectoredExceptionHandler(h);

    /* 4. Many foreign faults in a row: every one reaches ours. */
    for (int i = 0; i < 100; i++) {
        mprotect(raw_page, PAGE, PROT_NONE);
        (void)*(volatile char *)(raw_page + i);
    }
    FC_CHECK(prev_calls == 102, 50);
    return 0;
}

Test(fault_chain, handler_installed_first_gets_foreign_faults_siginfo)
{
    struct fc_result r = fc_run(install_first_child, (void *)1);
    FC_EXITED_OK(r);
}

Test(fault_chain, handler_installed_first_gets_foreign_faults_plain_sa_handler)
{
    struct fc_result r = fc_run(install_first_child, NULL);
    FC_EXITED_OK(r);
}

/* ---- a handler installed after winvm, chaining to winvm's through the saved sigaction ---- */

static struct sigaction saved_winvm;
static volatile int after_calls;

static void after_handler(int sig, siginfo_t *si, void *ctx)
{
    after_calls++;
    if (saved_winvm.sa_flags & SA_SIGINFO)
        saved_winvm.sa_sigaction(sig, si, ctx);
    else if (saved_winvm.sa_handler != SIG_DFL && saved_winvm.sa_handler != SIG_IGN)
        saved_winvm.sa_handler(sig);
}

static int install_after_child(void *arg)
{
    int flags = (int)(intptr_t)arg;
    char *w = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    FC_CHECK(w != NULL, 10);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = after_handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    FC_CHECK(sigaction(SIGSEGV, &sa, &saved_winvm) == 0, 11);
    FC_CHECK(saved_winvm.sa_flags & SA_SIGINFO, 12);

    PVOID h = AddVectoredExceptionHandler(1, counting_handler);
    DWORD old;
    for (int i = 0; i < 50; i++) {
        FC_CHECK(VirtualProtect(w, PAGE, PAGE_READWRITE | PAGE_GUARD, &old), 20);
        *(volatile char *)(w + i) = (char)i;
        FC_CHECK(w[i] == (char)i, 21);
    }
    FC_CHECK(vectored_calls == 50, 22);
    FC_CHECK(after_calls == 50, 23);
    RemoveVectoredExceptionHandler(h);

    FC_CHECK(VirtualProtect(w + PAGE, PAGE, PAGE_READONLY, &old), 30);
    for (int i = 0; i < 50; i++) {
        EXCEPTION_RECORD rec;
        FC_CHECK(winvm_try(write_byte, w + PAGE + i, &rec) == STATUS_ACCESS_VIOLATION, 31);
        FC_CHECK(rec.ExceptionInformation[0] == 1, 32);
        FC_CHECK(rec.ExceptionInformation[1] == (ULONG_PTR)(w + PAGE + i), 33);
    }
    FC_CHECK(after_calls == 100, 34);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    FC_CHECK(!sigismember(&cur, SIGSEGV), 35);
    return 0;
}

Test(fault_chain, handler_installed_after_winvm_chains_and_exceptions_still_work)
{
    struct fc_result r = fc_run(install_after_child, (void *)(intptr_t)0);
    FC_EXITED_OK(r);
}

Test(fault_chain, handler_installed_after_winvm_on_altstack_nodefer)
{
    struct fc_result r = fc_run(install_after_child, (void *)(intptr_t)(SA_ONSTACK | SA_NODEFER));
    FC_EXITED_OK(r);
}

/* ---- faults winvm cannot explain are never swallowed ---- */

static int foreign_default_child(void *arg)
{
    (void)arg;
    raw_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    AddVectoredExceptionHandler(1, counting_handler);
    *(volatile char *)raw_page = 1; /* nobody's: the default action */
    return vectored_calls ? 3 : 4;
}

Test(fault_chain, foreign_fault_with_nobody_before_winvm_kills_by_sigsegv)
{
    struct fc_result r = fc_run(foreign_default_child, NULL);
    FC_KILLED_BY(r, SIGSEGV);
    cr_assert_null(strstr(r.err, "unhandled exception"), "not a Windows exception: %s", r.err);
}

static void raise_segv(void *arg)
{
    (void)arg;
    raise(SIGSEGV);
}

/* A SIGSEGV sent by a process (kill, raise) is not a fault: it is never a Windows exception,
 * not even inside a winvm_try or with a vectored handler registered. */
static int sent_signal_child(void *arg)
{
    (void)arg;
    VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    AddVectoredExceptionHandler(1, counting_handler);
    DWORD code = winvm_try(raise_segv, NULL, NULL);
    fprintf(stderr, "survived: winvm_try returned %#x, %d vectored calls\n", code, vectored_calls);
    return 3;
}

Test(fault_chain, sent_sigsegv_is_not_an_exception)
{
    struct fc_result r = fc_run(sent_signal_child, NULL);
    FC_KILLED_BY(r, SIGSEGV);
}

/* ---- unhandled exceptions: a one-line report, then death by SIGSEGV ---- */

struct unhandled_case {
    DWORD base_protect;   /* of the page touched, before the access */
    bool commit, guard;
    int access;           /* 0 read, 1 write, 8 execute */
    bool in_thread;
    const char *want[4];  /* substrings of the report */
};

#include <pthread.h>
static const struct unhandled_case *cur_case;
static char *cur_page;

static void do_access(void)
{
    char *p = cur_page + 0x18;
    if (cur_case->access == 1)
        *(volatile char *)p = 1;
    else if (cur_case->access == 8)
        ((void (*)(void))cur_page)();
    else
        (void)*(volatile char *)p;
}

static void *access_thread(void *arg)
{
    (void)arg;
    do_access();
    return NULL;
}

static int unhandled_child(void *arg)
{
    cur_case = arg;
    cur_page = VirtualAlloc(NULL, PAGE, MEM_RESERVE | (cur_case->commit ? MEM_COMMIT : 0),
                            cur_case->base_protect | (cur_case->guard ? PAGE_GUARD : 0));
    FC_CHECK(cur_page != NULL, 10);
    if (cur_case->in_thread) {
        pthread_t t;
        pthread_create(&t, NULL, access_thread, NULL);
        pthread_join(t, NULL);
    } else
        do_access();
    return 5; /* must not get here */
}

static void check_report(const struct unhandled_case *c)
{
    struct fc_result r = fc_run(unhandled_child, (void *)c);
    FC_KILLED_BY(r, SIGSEGV);
    const char *line = strstr(r.err, "winvm: unhandled exception");
    cr_assert_not_null(line, "no report; stderr: %s", r.err);
    const char *nl = strchr(line, '\n');
    cr_assert_not_null(nl, "the report ends with a newline");
    cr_assert_null(strchr(nl + 1, '\n'), "one line only; stderr: %s", r.err);
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*s", (int)(nl - line), line);
    for (int k = 0; k < 4 && c->want[k]; k++)
        cr_assert_not_null(strstr(buf, c->want[k]), "report lacks \"%s\": %s", c->want[k], buf);
}

Test(fault_chain, unhandled_write_to_readonly_report)
{
    static const struct unhandled_case c = {PAGE_READONLY, true, false, 1, false,
                                            {"0xc0000005", "EXCEPTION_ACCESS_VIOLATION", "writing 0x", "PAGE_READONLY"}};
    check_report(&c);
}

Test(fault_chain, unhandled_read_of_noaccess_report)
{
    static const struct unhandled_case c = {PAGE_NOACCESS, true, false, 0, false,
                                            {"0xc0000005", "reading 0x", "committed", "PAGE_NOACCESS"}};
    check_report(&c);
}

Test(fault_chain, unhandled_read_of_reserved_report)
{
    static const struct unhandled_case c = {PAGE_READWRITE, false, false, 0, false,
                                            {"0xc0000005", "reading 0x", "reserved", NULL}};
    check_report(&c);
}

Test(fault_chain, unhandled_execute_report)
{
    static const struct unhandled_case c = {PAGE_READWRITE, true, false, 8, false,
                                            {"0xc0000005", "executing 0x", "PAGE_READWRITE", NULL}};
    check_report(&c);
}

Test(fault_chain, unhandled_guard_page_report)
{
    static const struct unhandled_case c = {PAGE_READWRITE, true, true, 1, false,
                                            {"0x80000001", "STATUS_GUARD_PAGE_VIOLATION", "writing 0x", NULL}};
    check_report(&c);
}

Test(fault_chain, unhandled_in_another_thread_ends_the_process)
{
    static const struct unhandled_case c = {PAGE_READONLY, true, false, 1, true,
                                            {"0xc0000005", "writing 0x", "PAGE_READONLY", NULL}};
    check_report(&c);
}

/* The report names the faulting address exactly (the child tells it first). */
static int exact_child(void *arg)
{
    (void)arg;
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    fprintf(stderr, "target %p\n", (void *)(p + 0x123));
    fflush(stderr);
    *(volatile char *)(p + 0x123) = 1;
    return 5;
}

Test(fault_chain, unhandled_report_names_the_address)
{
    struct fc_result r = fc_run(exact_child, NULL);
    FC_KILLED_BY(r, SIGSEGV);
    void *target = NULL;
    cr_assert_eq(sscanf(r.err, "target %p", &target), 1, "stderr: %s", r.err);
    char want[64];
    snprintf(want, sizeof(want), "writing %p, committed page, protection PAGE_READONLY", target);
    cr_assert_not_null(strstr(r.err, want), "want \"%s\" in: %s", want, r.err);
}
