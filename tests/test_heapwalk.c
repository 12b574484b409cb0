/* SPDX-License-Identifier: MIT */
/* test_heapwalk.c - HeapLock/HeapUnlock, HeapWalk and IsWow64Process2 (k32_heap.c,
 * k32_wow64.c), from C and from PE code (heapwalk.exe, tests/images/heapwalk.c lists its
 * checks). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/runtime.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

struct other {
    HANDLE heap;
    pid_t tid;
    int started, done; /* atomics */
    void *block;
};

static void *other_alloc(void *arg)
{
    struct other *o = arg;
    __atomic_store_n(&o->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    __atomic_store_n(&o->started, 1, __ATOMIC_SEQ_CST);
    o->block = HeapAlloc(o->heap, 0, 24);
    __atomic_store_n(&o->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* The state letter of thread tid ('S' sleeping, as on the heap lock's futex). */
static char thread_state(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

Test(heapwalk, lock_holds_off_other_threads, .timeout = 30)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    cr_assert_not_null(heap);
    cr_assert(HeapLock(heap));
    cr_assert(HeapLock(heap), "recursive by the same thread");
    void *mine = HeapAlloc(heap, 0, 8);
    cr_assert_not_null(mine, "the holder's own calls go on");
    struct other o = {.heap = heap};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, other_alloc, &o), 0);
    while (!__atomic_load_n(&o.started, __ATOMIC_SEQ_CST))
        sched_yield();
    /* Until the other thread sleeps (on the heap's lock) or has its block. */
    while (!__atomic_load_n(&o.done, __ATOMIC_SEQ_CST) && thread_state(o.tid) != 'S')
        sched_yield();
    cr_assert_eq(__atomic_load_n(&o.done, __ATOMIC_SEQ_CST), 0, "HeapAlloc waited for the lock");
    cr_assert(HeapUnlock(heap));
    cr_assert_eq(__atomic_load_n(&o.done, __ATOMIC_SEQ_CST), 0, "still locked once");
    cr_assert(HeapUnlock(heap));
    pthread_join(t, NULL);
    cr_assert_not_null(o.block);
    SetLastError(0);
    cr_assert_not(HeapUnlock(heap));
    cr_assert_eq(GetLastError(), ERROR_NOT_OWNER);
    cr_assert(HeapDestroy(heap));
    SetLastError(0);
    cr_assert_not(HeapLock(heap));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    SetLastError(0);
    cr_assert_not(HeapLock(GetProcessHeap()));
    cr_assert_eq(GetLastError(), ERROR_NOT_SUPPORTED);
}

Test(heapwalk, destroy_while_locked_lets_go, .timeout = 30)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    cr_assert(HeapLock(heap) && HeapLock(heap));
    cr_assert(HeapDestroy(heap));
    /* A new heap may reuse the destroyed one's struct: its lock must be free. */
    struct other o = {.heap = HeapCreate(0, 0, 0)};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, other_alloc, &o), 0);
    pthread_join(t, NULL);
    cr_assert_not_null(o.block);
    cr_assert(HeapDestroy(o.heap));
}

/* Walks heap: the entries into e (at most max), their count; *err the last error at the end. */
static int walk(HANDLE heap, PROCESS_HEAP_ENTRY *e, int max, DWORD *err)
{
    PROCESS_HEAP_ENTRY at = {.lpData = NULL};
    int n = 0;
    SetLastError(0);
    while (n < max && HeapWalk(heap, &at))
        e[n++] = at;
    *err = GetLastError();
    return n;
}

Test(heapwalk, walk_lists_region_and_live_blocks)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    PROCESS_HEAP_ENTRY e[8];
    DWORD err;
    cr_assert_eq(walk(heap, e, 8, &err), 1, "an empty heap: its region only");
    cr_assert_eq(err, ERROR_NO_MORE_ITEMS);
    cr_assert_eq(e[0].wFlags, PROCESS_HEAP_REGION);
    cr_assert_eq(e[0].lpData, heap);
    cr_assert_eq(e[0].iRegionIndex, 0);
    char *a = HeapAlloc(heap, 0, 10), *b = HeapAlloc(heap, 0, 200), *c = HeapAlloc(heap, 0, 3000);
    cr_assert(a && b && c);
    cr_assert(HeapFree(heap, 0, b));
    c = HeapReAlloc(heap, 0, c, 5000);
    cr_assert(HeapLock(heap));
    cr_assert_eq(walk(heap, e, 8, &err), 3, "the region, a and c");
    cr_assert(HeapUnlock(heap));
    cr_assert_eq(err, ERROR_NO_MORE_ITEMS);
    int seen_a = 0, seen_c = 0;
    for (int i = 1; i < 3; i++) {
        cr_assert_eq(e[i].wFlags, PROCESS_HEAP_ENTRY_BUSY);
        cr_assert_eq(e[i].cbData, HeapSize(heap, 0, e[i].lpData));
        seen_a += e[i].lpData == a, seen_c += e[i].lpData == c;
    }
    cr_assert(seen_a == 1 && seen_c == 1);
    cr_assert_eq(HeapSize(heap, 0, a), 10);
    cr_assert_eq(HeapSize(heap, 0, c), 5000);
    cr_assert(HeapDestroy(heap));
}

Test(heapwalk, walk_bad_input)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char local[64];
    PROCESS_HEAP_ENTRY e = {.lpData = local + 16};
    SetLastError(0);
    cr_assert_not(HeapWalk(heap, &e), "not a block of the heap");
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    SetLastError(0);
    cr_assert_not(HeapWalk(heap, (PROCESS_HEAP_ENTRY *)16));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
    const char *ro = tu_free_range(4096);
    cr_assert_not_null(VirtualAlloc((void *)ro, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY));
    SetLastError(0);
    cr_assert_not(HeapWalk(heap, (PROCESS_HEAP_ENTRY *)ro), "lpData NULL read, the entry not writable");
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
    cr_assert(VirtualFree((void *)ro, 0, MEM_RELEASE));
    SetLastError(0);
    e.lpData = NULL;
    cr_assert_not(HeapWalk((HANDLE)local, &e));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert_null(e.lpData, "nothing written");
    cr_assert(HeapDestroy(heap));
    SetLastError(0);
    cr_assert_not(HeapWalk(heap, &e));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    SetLastError(0);
    cr_assert_not(HeapWalk(GetProcessHeap(), &e));
    cr_assert_eq(GetLastError(), ERROR_NOT_SUPPORTED);
}

Test(heapwalk, is_wow64_process2)
{
    USHORT pm = 0xffff, nm = 0xffff;
    cr_assert(IsWow64Process2(GetCurrentProcess(), &pm, &nm));
    cr_assert_eq(pm, IMAGE_FILE_MACHINE_UNKNOWN);
    cr_assert_eq(nm, IMAGE_FILE_MACHINE_AMD64);
    pm = 0xffff;
    cr_assert(IsWow64Process2(GetCurrentProcess(), &pm, NULL), "pNativeMachine is optional");
    cr_assert_eq(pm, IMAGE_FILE_MACHINE_UNKNOWN);
    pm = nm = 0xffff;
    SetLastError(0);
    cr_assert_not(IsWow64Process2((HANDLE)(ULONG_PTR)0x1234, &pm, &nm));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(pm == 0xffff && nm == 0xffff, "nothing written");
    SetLastError(0);
    cr_assert_not(IsWow64Process2(GetCurrentProcess(), (USHORT *)8, &nm));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
}

Test(heapwalk, from_pe_code, .timeout = 60)
{
    static char out[8192];
    int oks = tu_run_checks(WINVM_PE_IMAGES "/heapwalk.exe", out, sizeof(out));
    cr_assert_eq(oks, 16, "%s", out);
}
