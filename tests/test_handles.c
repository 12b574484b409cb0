/* SPDX-License-Identifier: MIT */
/* test_handles.c - a named section's name lives as long as some handle to it: CloseHandle
 * with other handles open, the last close, and threads creating, duplicating, opening and
 * closing handles to one name concurrently. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

#define THREADS 4
#define ROUNDS 1000

/* A section name unique to this test and process. */
static const char *nm(const char *suffix)
{
    static char buf[4][96];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof(buf[0]), "winvm-handles-%d-%s", (int)getpid(), suffix);
    return b;
}

static HANDLE named(const char *name, DWORD want_error)
{
    SetLastError(SENTINEL);
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)PAGE, name);
    cr_assert_not_null(h, "CreateFileMappingA(%s): %u", name, GetLastError());
    EXPECT_ERR(want_error);
    return h;
}

static void name_alive(const char *name, const char *why)
{
    SetLastError(SENTINEL);
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    cr_assert_not_null(h, "%s: OpenFileMappingA failed with %u", why, GetLastError());
    cr_assert(CloseHandle(h));
}

static void name_gone(const char *name, const char *why)
{
    SetLastError(SENTINEL);
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, name);
    cr_assert_null(h, "%s: OpenFileMappingA still finds the name", why);
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
}

static HANDLE dup_handle(HANDLE h)
{
    HANDLE d = NULL;
    cr_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS), "DuplicateHandle: %u", GetLastError());
    return d;
}

Test(handles, closing_one_of_two_opened_handles_keeps_the_name)
{
    const char *n = nm("open");
    HANDLE a = named(n, ERROR_SUCCESS);
    HANDLE b = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, n);
    cr_assert_not_null(b);
    cr_assert(CloseHandle(a));
    name_alive(n, "the opened handle is still open");
    cr_assert(CloseHandle(b));
    name_gone(n, "both handles closed");
}

Test(handles, closing_the_creator_keeps_the_name_for_a_second_create)
{
    const char *n = nm("create2");
    HANDLE a = named(n, ERROR_SUCCESS);
    HANDLE b = named(n, ERROR_ALREADY_EXISTS);
    char *va = MapViewOfFile(a, FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(va);
    strcpy(va, "first");
    cr_assert(UnmapViewOfFile(va));
    cr_assert(CloseHandle(a));
    name_alive(n, "the second create's handle is open");
    /* the same object: the bytes written through the first handle */
    HANDLE c = OpenFileMappingA(FILE_MAP_READ, FALSE, n);
    cr_assert_not_null(c);
    char *vc = MapViewOfFile(c, FILE_MAP_READ, 0, 0, 0);
    cr_assert_str_eq(vc, "first");
    cr_assert(UnmapViewOfFile(vc));
    cr_assert(CloseHandle(c));
    cr_assert(CloseHandle(b));
    name_gone(n, "every handle closed");
    /* closed handles are closed */
    SetLastError(SENTINEL);
    cr_assert_not(CloseHandle(b));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
}

Test(handles, a_duplicate_keeps_the_name)
{
    const char *n = nm("dup");
    HANDLE a = named(n, ERROR_SUCCESS);
    HANDLE d = dup_handle(a);
    cr_assert_neq(d, a);
    cr_assert(CloseHandle(a));
    name_alive(n, "the duplicate is open");
    cr_assert(CloseHandle(d));
    name_gone(n, "the duplicate was the last handle");
    /* the name makes a new object now */
    HANDLE f = named(n, ERROR_SUCCESS);
    cr_assert(CloseHandle(f));
    name_gone(n, "the new object's one handle closed");
}

/* ---- four threads on one name ---- */

struct worker {
    pthread_t tid;
    int index;
    const char *name;
    pthread_barrier_t *start;
    /* what went wrong, counted (a thread cannot fail a Criterion test) */
    int create_failed, dup_failed, open_failed, map_failed, other_object, close_failed;
    int created, existed;
    DWORD first_error;
};

static void note(struct worker *w, int *counter)
{
    if (!w->first_error)
        w->first_error = GetLastError() ? GetLastError() : SENTINEL;
    (*counter)++;
}

static void churn_rounds(struct worker *w, int rounds)
{
    HANDLE me = GetCurrentProcess();
    pthread_barrier_wait(w->start);
    for (int r = 0; r < rounds; r++) {
        SetLastError(SENTINEL);
        HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)PAGE,
                                      w->name);
        if (!h) {
            note(w, &w->create_failed);
            continue;
        }
        if (GetLastError() == ERROR_ALREADY_EXISTS)
            w->existed++;
        else if (GetLastError() == ERROR_SUCCESS)
            w->created++;
        else
            note(w, &w->create_failed);
        HANDLE d = NULL;
        if (!DuplicateHandle(me, h, me, &d, 0, FALSE, DUPLICATE_SAME_ACCESS))
            note(w, &w->dup_failed), d = NULL;
        /* h holds the name, so opening it must find the same object */
        HANDLE o = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, w->name);
        if (!o)
            note(w, &w->open_failed);
        if (d && o) {
            unsigned *wr = MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, 0);
            unsigned *rd = MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0);
            if (!wr || !rd) {
                note(w, &w->map_failed);
            } else {
                unsigned mark = (unsigned)(w->index << 16 | r);
                wr[w->index * 16] = mark; /* each thread its own cache line */
                if (rd[w->index * 16] != mark)
                    w->other_object++;
            }
            if (wr)
                UnmapViewOfFile(wr);
            if (rd)
                UnmapViewOfFile(rd);
        }
        /* close in an order that changes with the round */
        HANDLE all[3] = {h, d, o};
        for (int i = 0; i < 3; i++) {
            HANDLE x = all[(i + r) % 3];
            if (x && !CloseHandle(x))
                note(w, &w->close_failed);
        }
    }
}

static void *churn(void *arg)
{
    churn_rounds(arg, ROUNDS);
    return NULL;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* How many handles the table holds (winvm's table takes 2^24, as Windows': counting what is
 * left by filling it would take minutes). */
static int live_handles(void)
{
    DWORD n = 0;
    cr_assert(GetProcessHandleCount(GetCurrentProcess(), &n));
    return (int)n;
}

Test(handles, four_threads_churning_one_name_leave_nothing_behind, .timeout = 300)
{
    const char *n = nm("churn");
    int handles_before = live_handles();
    /* One round first, and a query of memory winvm does not manage: winvm keeps the
     * descriptors it opens once (/proc/self/maps, which placement also reads when the kernel
     * refuses an address). */
    int local = 0;
    cr_assert_eq(tu_query(&local).State, MEM_COMMIT);
    struct worker warm = {.index = 0, .name = nm("warm-up")};
    pthread_barrier_t one;
    pthread_barrier_init(&one, NULL, 1);
    warm.start = &one;
    churn_rounds(&warm, 1);
    pthread_barrier_destroy(&one);
    cr_assert_eq(warm.created, 1);
    int fds_before = open_fds();

    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    struct worker w[THREADS];
    memset(w, 0, sizeof(w));
    for (int i = 0; i < THREADS; i++) {
        w[i].index = i;
        w[i].name = n;
        w[i].start = &start;
        cr_assert_eq(pthread_create(&w[i].tid, NULL, churn, &w[i]), 0);
    }
    int created = 0, existed = 0;
    for (int i = 0; i < THREADS; i++) {
        cr_assert_eq(pthread_join(w[i].tid, NULL), 0);
        cr_assert_eq(w[i].create_failed, 0, "thread %d: %d creates failed (first error %u)", i,
                     w[i].create_failed, w[i].first_error);
        cr_assert_eq(w[i].dup_failed, 0, "thread %d: %d duplicates failed (first error %u)", i,
                     w[i].dup_failed, w[i].first_error);
        cr_assert_eq(w[i].open_failed, 0,
                     "thread %d: OpenFileMappingA failed %d times while it held the name "
                     "(first error %u)", i, w[i].open_failed, w[i].first_error);
        cr_assert_eq(w[i].map_failed, 0, "thread %d: %d views failed", i, w[i].map_failed);
        cr_assert_eq(w[i].other_object, 0,
                     "thread %d: %d times the opened handle named another object", i,
                     w[i].other_object);
        cr_assert_eq(w[i].close_failed, 0, "thread %d: %d closes failed", i, w[i].close_failed);
        cr_assert_eq(w[i].created + w[i].existed, ROUNDS);
        created += w[i].created, existed += w[i].existed;
    }
    pthread_barrier_destroy(&start);
    cr_assert_geq(created, 1);
    cr_log_info("%d creates made the object, %d found it", created, existed);

    name_gone(n, "every thread closed every handle");
    cr_assert_eq(open_fds(), fds_before, "descriptors leaked (a section object never freed?)");
    cr_assert_eq(live_handles(), handles_before, "handles leaked");

    /* The name is free: a create makes a new, zero-filled object. */
    HANDLE f = named(n, ERROR_SUCCESS);
    unsigned *v = MapViewOfFile(f, FILE_MAP_READ, 0, 0, 0);
    cr_assert_not_null(v);
    for (int i = 0; i < THREADS; i++)
        cr_assert_eq(v[i * 16], 0, "the new object has an old object's bytes");
    cr_assert(UnmapViewOfFile(v));
    cr_assert(CloseHandle(f));
    name_gone(n, "the fresh object's handle closed");
}

/* A table as large as Windows' (it used to end at 4,096 handles), its lowest free value reused,
 * and the counts that report it, for this process and another (tests/images/hcount.c lists the
 * checks). */
Test(handles, a_hundred_thousand_handles_and_the_counts_from_pe_code, .timeout = 120)
{
    static char out[4096];
    int oks = tu_run_checks(EXE("hcount.exe"), out, sizeof(out));
    cr_assert_eq(oks, 11, "%s", out);
}

/* From C: 20,000 duplicates of one section, then the count and the values back. */
Test(handles, twenty_thousand_duplicates_and_back)
{
    HANDLE me = GetCurrentProcess();
    HANDLE base = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)PAGE, NULL);
    cr_assert_not_null(base);
    int before = live_handles();
    static HANDLE got[20000];
    for (int i = 0; i < 20000; i++)
        cr_assert(DuplicateHandle(me, base, me, &got[i], 0, FALSE, DUPLICATE_SAME_ACCESS), "at %d: %u", i,
                  GetLastError());
    cr_assert_eq(live_handles(), before + 20000);
    void *v = MapViewOfFile(got[19999], FILE_MAP_WRITE, 0, 0, 0);
    cr_assert_not_null(v);
    ((char *)v)[0] = 7;
    cr_assert(UnmapViewOfFile(v));
    for (int i = 0; i < 20000; i++)
        cr_assert(CloseHandle(got[i]));
    SetLastError(SENTINEL);
    cr_assert(!CloseHandle(got[12345]));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    cr_assert_eq(live_handles(), before);
    HANDLE again;
    cr_assert(DuplicateHandle(me, base, me, &again, 0, FALSE, DUPLICATE_SAME_ACCESS));
    cr_assert_eq(again, got[0], "the lowest free value first");
    cr_assert(CloseHandle(again));
    cr_assert(CloseHandle(base));
}
