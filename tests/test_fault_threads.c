/* SPDX-License-Identifier: MIT */
/* test_fault_threads.c - faults in several threads at once: guard-page storms, handlers added
 * and removed while other threads fault, removal of a handler another thread is running. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define NTHREADS 4
#define STORM_PAGES 300

/* ---- per-thread bookkeeping the handler fills in (the handler runs on the faulting thread) ---- */

struct storm {
    pthread_t tid;
    int index;
    char *base;              /* STORM_PAGES pages, all PAGE_READWRITE | PAGE_GUARD at start */
    int hits[STORM_PAGES];   /* guard exceptions seen per page */
    int foreign;             /* exceptions on addresses outside base */
    int wrong_code, wrong_kind;
    int not_cleared;         /* page still guarded after its exception */
    int neighbour_lost;      /* the next page lost its guard too early */
    int second_round_hits;
    int failed_call;
    pthread_barrier_t *start;
};

static __thread struct storm *my_storm;
static __thread uintptr_t my_expect; /* the address the thread is about to touch */
static atomic_long total_hits;

static LONG WINAPI storm_handler(PEXCEPTION_POINTERS ep)
{
    struct storm *s = my_storm;
    EXCEPTION_RECORD *r = ep->ExceptionRecord;
    if (!s)
        return EXCEPTION_CONTINUE_SEARCH;
    uintptr_t a = r->ExceptionInformation[1];
    if (a < (uintptr_t)s->base || a >= (uintptr_t)s->base + STORM_PAGES * PAGE || a != my_expect) {
        s->foreign++;
        return EXCEPTION_CONTINUE_SEARCH;
    }
    if (r->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION) {
        s->wrong_code++;
        return EXCEPTION_CONTINUE_SEARCH;
    }
    if (r->ExceptionInformation[0] != ((a / PAGE) % 2 ? 1u : 0u))
        s->wrong_kind++;
    s->hits[(a - (uintptr_t)s->base) / PAGE]++;
    atomic_fetch_add(&total_hits, 1);
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* A permutation of the pages, different per thread, so neighbours are hit out of order. */
static int perm(int i, int t) { return (int)(((long)i * 37 + t * 11) % STORM_PAGES); }

static void *storm_main(void *arg)
{
    struct storm *s = arg;
    my_storm = s;
    DWORD old;
    s->base = VirtualAlloc(NULL, STORM_PAGES * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!s->base || !VirtualProtect(s->base, STORM_PAGES * PAGE, PAGE_READWRITE | PAGE_GUARD, &old)) {
        s->failed_call++;
        pthread_barrier_wait(s->start);
        return NULL;
    }
    pthread_barrier_wait(s->start);
    bool touched[STORM_PAGES] = {false};
    for (int i = 0; i < STORM_PAGES; i++) {
        int pg = perm(i, s->index);
        volatile char *p = s->base + (size_t)pg * PAGE + (size_t)(i % 64) * 8;
        my_expect = (uintptr_t)p;
        /* odd pages (by address) are written, even ones read */
        if (((uintptr_t)p / PAGE) % 2)
            *p = (char)i;
        else
            (void)*p;
        touched[pg] = true;
        if (i % 16 == 0) {
            /* Only that page lost its guard: an untouched page keeps it. */
            MEMORY_BASIC_INFORMATION m;
            if (VirtualQuery((void *)p, &m, sizeof(m)) != sizeof(m) || m.Protect != PAGE_READWRITE)
                s->not_cleared++;
            int next = perm(i + 1, s->index);
            if (i + 1 < STORM_PAGES && !touched[next] &&
                (VirtualQuery(s->base + (size_t)next * PAGE, &m, sizeof(m)) != sizeof(m) ||
                 m.Protect != (PAGE_READWRITE | PAGE_GUARD)))
                s->neighbour_lost++;
        }
    }
    /* Second round: no guard left, no exception. */
    int before = 0;
    for (int k = 0; k < STORM_PAGES; k++)
        before += s->hits[k];
    for (int pg = 0; pg < STORM_PAGES; pg++) {
        my_expect = (uintptr_t)(s->base + (size_t)pg * PAGE);
        s->base[(size_t)pg * PAGE + 1] = 7;
    }
    int after = 0;
    for (int k = 0; k < STORM_PAGES; k++)
        after += s->hits[k];
    s->second_round_hits = after - before;
    my_storm = NULL;
    return NULL;
}

static void check_storm(struct storm *s, int n)
{
    for (int t = 0; t < n; t++) {
        cr_assert_eq(s[t].failed_call, 0, "thread %d: a winvm call failed", t);
        cr_assert_eq(s[t].foreign, 0, "thread %d saw %d exceptions for other addresses", t, s[t].foreign);
        cr_assert_eq(s[t].wrong_code, 0, "thread %d", t);
        cr_assert_eq(s[t].wrong_kind, 0, "thread %d: %d wrong access kinds", t, s[t].wrong_kind);
        for (int pg = 0; pg < STORM_PAGES; pg++)
            cr_assert_eq(s[t].hits[pg], 1, "thread %d page %d: %d exceptions, want exactly 1", t, pg,
                         s[t].hits[pg]);
        cr_assert_eq(s[t].not_cleared, 0, "thread %d", t);
        cr_assert_eq(s[t].neighbour_lost, 0, "thread %d: untouched pages lost their guard", t);
        cr_assert_eq(s[t].second_round_hits, 0, "thread %d", t);
        for (int pg = 0; pg < STORM_PAGES; pg++)
            cr_assert_eq(tu_query(s[t].base + (size_t)pg * PAGE).Protect, PAGE_READWRITE);
        cr_assert_eq(tu_query(s[t].base).RegionSize, STORM_PAGES * PAGE,
                     "all pages one READWRITE region again");
        cr_assert(VirtualFree(s[t].base, 0, MEM_RELEASE));
    }
}

static void run_storm(int rounds)
{
    for (int round = 0; round < rounds; round++) {
        static struct storm s[NTHREADS];
        memset(s, 0, sizeof(s));
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, NTHREADS);
        atomic_store(&total_hits, 0);
        for (int t = 0; t < NTHREADS; t++) {
            s[t].index = t;
            s[t].start = &start;
            cr_assert_eq(pthread_create(&s[t].tid, NULL, storm_main, &s[t]), 0);
        }
        for (int t = 0; t < NTHREADS; t++)
            pthread_join(s[t].tid, NULL);
        pthread_barrier_destroy(&start);
        cr_assert_eq(atomic_load(&total_hits), NTHREADS * STORM_PAGES);
        check_storm(s, NTHREADS);
    }
}

Test(fault_threads, guard_page_storm_every_hit_seen_once, .timeout = 120)
{
    PVOID h = AddVectoredExceptionHandler(1, storm_handler);
    cr_assert_not_null(h);
    run_storm(5);
    cr_assert(RemoveVectoredExceptionHandler(h));
}

/* ---- handlers added and removed from several threads while others fault ---- */

static atomic_int churn_calls;
static atomic_bool churn_stop;

static LONG WINAPI churn_decline(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    atomic_fetch_add(&churn_calls, 1);
    return EXCEPTION_CONTINUE_SEARCH;
}

static LONG WINAPI churn_decline2(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    atomic_fetch_add(&churn_calls, 1);
    return EXCEPTION_CONTINUE_SEARCH;
}

static void read_byte(void *p) { (void)*(volatile char *)p; }

struct churner {
    pthread_t tid;
    unsigned seed;
    long adds, failed_add, failed_remove;
};

static void *churn_main(void *arg)
{
    struct churner *c = arg;
    PVOID mine[8] = {0};
    while (!atomic_load(&churn_stop)) {
        for (int k = 0; k < 8; k++) {
            c->seed = c->seed * 1103515245u + 12345u;
            mine[k] = AddVectoredExceptionHandler((c->seed >> 16) & 1,
                                                  (c->seed >> 17) & 1 ? churn_decline : churn_decline2);
            if (!mine[k])
                c->failed_add++;
            c->adds++;
        }
        for (int k = 7; k >= 0; k--)
            if (mine[k] && !RemoveVectoredExceptionHandler(mine[k]))
                c->failed_remove++;
        /* a removed handle is dead: removing it again must fail and must not remove a newer
         * handler that reused the slot */
        if (mine[0] && RemoveVectoredExceptionHandler(mine[0]))
            c->failed_remove++;
    }
    return NULL;
}

Test(fault_threads, handlers_added_and_removed_while_other_threads_fault, .timeout = 120)
{
    /* The permanent handler goes last (First = 0): churned First = 1 handlers go before it,
     * First = 0 ones after it (and are never reached for guard pages it handles). */
    PVOID h = AddVectoredExceptionHandler(0, storm_handler);
    cr_assert_not_null(h);
    struct churner c[3];
    memset(c, 0, sizeof(c));
    atomic_store(&churn_stop, false);
    for (int k = 0; k < 3; k++) {
        c[k].seed = (unsigned)k * 7919u + 1;
        cr_assert_eq(pthread_create(&c[k].tid, NULL, churn_main, &c[k]), 0);
    }
    run_storm(3);
    atomic_store(&churn_stop, true);
    for (int k = 0; k < 3; k++) {
        pthread_join(c[k].tid, NULL);
        cr_assert_eq(c[k].failed_add, 0, "churner %d: %ld failed adds", k, c[k].failed_add);
        cr_assert_eq(c[k].failed_remove, 0, "churner %d: %ld bad removes", k, c[k].failed_remove);
        cr_assert_gt(c[k].adds, 0);
    }
    /* Every churned handler is gone: only the permanent one sees the next exception. */
    cr_assert(RemoveVectoredExceptionHandler(h));
    atomic_store(&churn_calls, 0);
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    cr_assert_eq(winvm_try(read_byte, p, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(atomic_load(&churn_calls), 0, "a removed handler was called");
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- a handler removed while another thread is inside it ---- */

static atomic_int inside, release_blocked, blocker_calls, other_calls;
static __thread int blocking_role;

static LONG WINAPI blocking_handler(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    atomic_fetch_add(&blocker_calls, 1);
    if (blocking_role) {
        atomic_store(&inside, 1);
        while (!atomic_load(&release_blocked))
            sched_yield();
    }
    return EXCEPTION_CONTINUE_EXECUTION;
}

static LONG WINAPI other_handler(PEXCEPTION_POINTERS ep)
{
    if (ep->ExceptionRecord->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    atomic_fetch_add(&other_calls, 1);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void *blocked_main(void *arg)
{
    blocking_role = 1;
    *(volatile char *)arg = 11; /* guard page: the handler blocks until released */
    return NULL;
}

static void *plain_guard_main(void *arg)
{
    *(volatile char *)arg = 22;
    return NULL;
}

static bool wait_for(atomic_int *flag, int want)
{
    for (int i = 0; i < 5000; i++) {
        if (atomic_load(flag) == want)
            return true;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

Test(fault_threads, removing_a_handler_another_thread_is_running, .timeout = 60)
{
    char *p = VirtualAlloc(NULL, 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    cr_assert(VirtualProtect(p, 4 * PAGE, PAGE_READWRITE | PAGE_GUARD, &old));
    atomic_store(&inside, 0);
    atomic_store(&release_blocked, 0);
    atomic_store(&blocker_calls, 0);
    atomic_store(&other_calls, 0);
    PVOID hb = AddVectoredExceptionHandler(1, blocking_handler);
    PVOID ho = AddVectoredExceptionHandler(0, other_handler);
    cr_assert(hb && ho);

    pthread_t a, b;
    cr_assert_eq(pthread_create(&a, NULL, blocked_main, p), 0);
    cr_assert(wait_for(&inside, 1), "thread A never entered the handler");

    /* A is inside blocking_handler: removing it must not wait for A. */
    cr_assert_eq(RemoveVectoredExceptionHandler(hb), 1);
    cr_assert_eq(RemoveVectoredExceptionHandler(hb), 0);

    /* Other threads' exceptions are dispatched meanwhile, to the remaining handler only. */
    cr_assert_eq(pthread_create(&b, NULL, plain_guard_main, p + PAGE), 0);
    pthread_join(b, NULL);
    cr_assert_eq(p[PAGE], 22);
    *(volatile char *)(p + 2 * PAGE) = 33; /* and on this thread */
    cr_assert_eq(p[2 * PAGE], 33);
    cr_assert_eq(atomic_load(&other_calls), 2);
    cr_assert_eq(atomic_load(&blocker_calls), 1);

    /* A new handler may reuse the removed slot; the stale handle must not remove it. */
    PVOID hn = AddVectoredExceptionHandler(1, blocking_handler);
    cr_assert_not_null(hn);
    cr_assert_neq(hn, hb);
    cr_assert_eq(RemoveVectoredExceptionHandler(hb), 0);

    atomic_store(&release_blocked, 1);
    pthread_join(a, NULL);
    cr_assert_eq(p[0], 11, "A's access was retried after its handler returned");
    cr_assert_eq(tu_query(p).Protect, PAGE_READWRITE);

    *(volatile char *)(p + 3 * PAGE) = 44; /* the new handler (First) takes it */
    cr_assert_eq(atomic_load(&blocker_calls), 2);
    cr_assert_eq(atomic_load(&other_calls), 2);
    cr_assert_eq(RemoveVectoredExceptionHandler(hn), 1);
    cr_assert_eq(RemoveVectoredExceptionHandler(ho), 1);
    VirtualFree(p, 0, MEM_RELEASE);
}

/* ---- handlers registered from many threads at once ---- */

#define REG_THREADS 8
#define REG_EACH 24

struct registrar {
    pthread_t tid;
    PVOID h[REG_EACH];
    pthread_barrier_t *go;
};

static void *register_main(void *arg)
{
    struct registrar *r = arg;
    pthread_barrier_wait(r->go);
    for (int k = 0; k < REG_EACH; k++)
        r->h[k] = AddVectoredExceptionHandler((unsigned)k & 1, churn_decline);
    return NULL;
}

static void *unregister_main(void *arg)
{
    struct registrar *r = arg;
    pthread_barrier_wait(r->go);
    for (int k = 0; k < REG_EACH; k++)
        if (!RemoveVectoredExceptionHandler(r->h[k]))
            r->h[k] = (PVOID)1; /* marks a failure */
        else
            r->h[k] = NULL;
    return NULL;
}

Test(fault_threads, handlers_registered_from_many_threads_all_called_once, .timeout = 60)
{
    static struct registrar r[REG_THREADS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, REG_THREADS);
    for (int t = 0; t < REG_THREADS; t++) {
        r[t].go = &go;
        cr_assert_eq(pthread_create(&r[t].tid, NULL, register_main, &r[t]), 0);
    }
    for (int t = 0; t < REG_THREADS; t++)
        pthread_join(r[t].tid, NULL);
    /* All distinct and live. */
    for (int t = 0; t < REG_THREADS; t++)
        for (int k = 0; k < REG_EACH; k++) {
            cr_assert_not_null(r[t].h[k]);
            for (int u = 0; u <= t; u++)
                for (int j = 0; j < (u == t ? k : REG_EACH); j++)
                    cr_assert_neq(r[t].h[k], r[u].h[j], "duplicate handle");
        }
    char *p = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE);
    atomic_store(&churn_calls, 0);
    cr_assert_eq(winvm_try(read_byte, p, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(atomic_load(&churn_calls), REG_THREADS * REG_EACH, "each handler called once");

    for (int t = 0; t < REG_THREADS; t++)
        cr_assert_eq(pthread_create(&r[t].tid, NULL, unregister_main, &r[t]), 0);
    for (int t = 0; t < REG_THREADS; t++)
        pthread_join(r[t].tid, NULL);
    pthread_barrier_destroy(&go);
    for (int t = 0; t < REG_THREADS; t++)
        for (int k = 0; k < REG_EACH; k++)
            cr_assert_null(r[t].h[k], "thread %d handle %d not removed", t, k);
    atomic_store(&churn_calls, 0);
    cr_assert_eq(winvm_try(read_byte, p, NULL), STATUS_ACCESS_VIOLATION);
    cr_assert_eq(atomic_load(&churn_calls), 0);
    VirtualFree(p, 0, MEM_RELEASE);
}
