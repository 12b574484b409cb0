/* SPDX-License-Identifier: MIT */
/* heapwalk.c - heapwalk.exe: HeapLock/HeapUnlock, HeapWalk and IsWow64Process2 from PE code.
 * Prints "ok NAME" / "FAIL NAME" and exits with the failures (tests/test_heapwalk.c). */
#include <stdio.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static HANDLE heap;
static volatile LONG other_done;

static DWORD WINAPI other_alloc(void *arg)
{
    (void)arg;
    void *p = HeapAlloc(heap, 0, 32);
    InterlockedExchange(&other_done, p ? 1 : 2);
    return 0;
}

static void lock(void)
{
    check("lock", HeapLock(heap));
    check("lock_again", HeapLock(heap));
    check("alloc_while_holding", HeapAlloc(heap, 0, 16) != NULL);
    HANDLE t = CreateThread(NULL, 0, other_alloc, NULL, 0, NULL);
    /* The other thread cannot get the lock while this one holds it: its HeapAlloc has not
     * returned when the wait gives up (a broken lock fails this whenever the thread ran). */
    check("other_thread_waits", WaitForSingleObject(t, 200) == WAIT_TIMEOUT && other_done == 0);
    check("unlock", HeapUnlock(heap) && HeapUnlock(heap));
    check("other_thread_runs", WaitForSingleObject(t, INFINITE) == WAIT_OBJECT_0 && other_done == 1);
    CloseHandle(t);
    SetLastError(0);
    check("unlock_not_held", !HeapUnlock(heap) && GetLastError() == ERROR_NOT_OWNER);
    SetLastError(0);
    check("lock_bad_handle", !HeapLock((HANDLE)&failures) && GetLastError() == ERROR_INVALID_HANDLE);
}

static void walk(void)
{
    char *a = HeapAlloc(heap, 0, 77), *b = HeapAlloc(heap, 0, 1234), *c = HeapAlloc(heap, 0, 5);
    HeapFree(heap, 0, b);
    PROCESS_HEAP_ENTRY e = {0};
    int regions = 0, busy = 0, a_seen = 0, c_seen = 0, b_seen = 0, sizes_ok = 1;
    SetLastError(0);
    HeapLock(heap);
    while (HeapWalk(heap, &e)) {
        if (e.wFlags & PROCESS_HEAP_REGION)
            regions++;
        if (e.wFlags & PROCESS_HEAP_ENTRY_BUSY) {
            busy++;
            a_seen += e.lpData == a, c_seen += e.lpData == c;
            sizes_ok &= e.cbData == HeapSize(heap, 0, e.lpData);
            b_seen += e.lpData == b;
        }
    }
    DWORD err = GetLastError();
    HeapUnlock(heap);
    check("walk_ends", err == ERROR_NO_MORE_ITEMS);
    check("walk_region", regions == 1);
    check("walk_no_freed_block", b_seen == 0);
    /* 16 + 32 from lock(), a and c */
    check("walk_blocks", busy == 4 && a_seen == 1 && c_seen == 1 && sizes_ok);
    e.lpData = &e;
    SetLastError(0);
    check("walk_bad_entry", !HeapWalk(heap, &e) && GetLastError() == ERROR_INVALID_PARAMETER);
}

static void wow64(void)
{
    BOOL(WINAPI * iw2)(HANDLE, USHORT *, USHORT *) = (void *)GetProcAddress(GetModuleHandleA("kernel32.dll"), "IsWow64Process2");
    USHORT pm = 0xffff, nm = 0xffff;
    check("iswow64process2", iw2 && iw2(GetCurrentProcess(), &pm, &nm) && pm == IMAGE_FILE_MACHINE_UNKNOWN &&
                                 nm == IMAGE_FILE_MACHINE_AMD64);
    SetLastError(0);
    check("iswow64process2_bad_handle", iw2 && !iw2((HANDLE)(ULONG_PTR)0x1234, &pm, &nm) &&
                                            GetLastError() == ERROR_INVALID_HANDLE);
}

int main(void)
{
    heap = HeapCreate(0, 0, 0);
    lock();
    walk();
    wow64();
    check("destroy", HeapDestroy(heap));
    return failures;
}
