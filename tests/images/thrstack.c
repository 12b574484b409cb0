/* SPDX-License-Identifier: MIT */
/* thrstack.c - thrstack.exe: the stacks of threads CreateThread makes, as Windows sizes and
 * grows them (mingw-w64).  Output, one line each ("ok NAME" or "FAIL NAME"); exit code =
 * number of failures.  Expected values are what Wine's ntdll virtual.c test_stack_size_thread
 * and test_stack_growth_thread record of Windows:
 *   commit_size   CreateThread(0x3f00, 0): StackBase - StackLimit 0x4000 (the size is the
 *                 commit, in whole pages), StackBase - DeallocationStack the image's
 *                 SizeOfStackReserve; DeallocationStack MEM_RESERVE, then the guard pages
 *                 (PAGE_READWRITE | PAGE_GUARD) up to StackLimit, then PAGE_READWRITE to the top
 *   reserve_size  CreateThread(0x3ff000, STACK_SIZE_PARAM_IS_A_RESERVATION): the reserve
 *                 0x400000, the commit the image's and at least two pages
 *   calls_shallow the thread's calls into the system (queries, events, waits) leave its stack
 *                 committed no deeper than a few pages: winvm's own frames grow it as far as
 *                 they go, not by a fixed margin
 *   grow          32 KiB of frames: StackLimit moves to the page they reached, the guard pages
 *                 below it
 *   guard_set     NtAllocateVirtualMemory(MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD) of the page
 *                 at StackLimit + 0x2000: StackLimit moves up to the end of that page; the two
 *                 pages below stay PAGE_READWRITE, the page itself is the guard
 *   grow_back     frames touching that guard page: StackLimit is that page (above where it was)
 *   protect_guard NtProtectVirtualMemory(PAGE_READWRITE | PAGE_GUARD) at StackLimit + 0x2000
 *                 (after a grow): the old protection PAGE_READWRITE, StackLimit at its end
 */
#include <windows.h>
#include <stdio.h>

typedef LONG NTSTATUS;
NTSTATUS NTAPI NtAllocateVirtualMemory(HANDLE, PVOID *, ULONG_PTR, SIZE_T *, ULONG, ULONG);
NTSTATUS NTAPI NtProtectVirtualMemory(HANDLE, PVOID *, SIZE_T *, ULONG, ULONG *);

static int failures;
static SIZE_T image_reserve, image_commit;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

/* The TEB through gs (its Self at 0x30), as Windows x64 code reads it. */
static char *teb(void)
{
    char *t;
    __asm__("mov %%gs:0x30, %0" : "=r"(t));
    return t;
}
static char *base(void) { return (char *)((NT_TIB *)teb())->StackBase; }
static char *limit(void) { return (char *)((NT_TIB *)teb())->StackLimit; }
static char *dealloc(void) { return *(char **)(teb() + 0x1478); }

static int region(const void *a, SIZE_T size, DWORD state, DWORD protect)
{
    MEMORY_BASIC_INFORMATION m;
    return VirtualQuery(a, &m, sizeof(m)) && m.BaseAddress == a && m.RegionSize == size && m.State == state &&
           m.Protect == protect && m.AllocationBase == dealloc();
}

/* StackLimit at the page of the lowest byte n bytes of frame touched (or the one below). */
static __attribute__((noinline)) int grow_by(SIZE_T n)
{
    volatile char *buf = __builtin_alloca(n);
    buf[0] = 1;
    for (SIZE_T i = 0; i < n; i += 4096)
        buf[n - 1 - i] = 1; /* from the top down, as __chkstk */
    char *page = (char *)((ULONG_PTR)buf & ~(ULONG_PTR)0xfff); /* the call below it may take the next */
    return limit() == page || limit() == page - 0x1000;
}

/* The layout right after the thread starts: reserved, guard pages, commit, one allocation. */
static int layout(SIZE_T commit, SIZE_T reserve)
{
    MEMORY_BASIC_INFORMATION m;
    if ((SIZE_T)(base() - limit()) != commit || (SIZE_T)(base() - dealloc()) != reserve ||
        !VirtualQuery(dealloc(), &m, sizeof(m)) || m.State != MEM_RESERVE)
        return 0;
    char *guard = dealloc() + m.RegionSize;
    return guard < limit() && region(guard, limit() - guard, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD) &&
           region(limit(), commit, MEM_COMMIT, PAGE_READWRITE);
}

static DWORD WINAPI commit_thread(void *arg)
{
    (void)arg;
    check("commit_size", layout(0x4000, image_reserve));
    HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
    MEMORY_BASIC_INFORMATION m;
    int calls = e && VirtualQuery(limit(), &m, sizeof(m)) && WaitForSingleObject(e, 0) == WAIT_TIMEOUT &&
                SetEvent(e) && WaitForSingleObject(e, 0) == WAIT_OBJECT_0 && CloseHandle(e);
    Sleep(0);
    check("calls_shallow", calls && base() - limit() <= 0x6000);
    check("grow", grow_by(0x8000) && region(limit() - 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));

    char *at = limit() + 0x2000;
    PVOID a = at;
    SIZE_T size = 0x1000;
    NTSTATUS st = NtAllocateVirtualMemory(GetCurrentProcess(), &a, 0, &size, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    check("guard_set", !st && limit() == at + 0x1000 && region(at - 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE) &&
                           region(at, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD));
    int reached = grow_by((SIZE_T)(base() - at) - 0x800);
    check("grow_back", reached && limit() == at && region(at, base() - at, MEM_COMMIT, PAGE_READWRITE));

    grow_by(0x8000);
    a = limit() + 0x2000;
    size = 0x1000;
    ULONG old = 0;
    st = NtProtectVirtualMemory(GetCurrentProcess(), &a, &size, PAGE_READWRITE | PAGE_GUARD, &old);
    check("protect_guard", !st && old == PAGE_READWRITE && limit() == (char *)a + 0x1000);
    return 0;
}

static DWORD WINAPI reserve_thread(void *arg)
{
    (void)arg;
    check("reserve_size", layout(image_commit < 0x2000 ? 0x2000 : image_commit, 0x400000));
    return 0;
}

static void run(LPTHREAD_START_ROUTINE fn, SIZE_T size, DWORD flags)
{
    HANDLE t = CreateThread(NULL, size, fn, NULL, flags, NULL);
    if (!t) {
        check("create_thread", 0);
        return;
    }
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

int main(void)
{
    BYTE *image = (BYTE *)GetModuleHandleW(NULL);
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(image + ((IMAGE_DOS_HEADER *)image)->e_lfanew);
    image_reserve = nt->OptionalHeader.SizeOfStackReserve;
    image_commit = nt->OptionalHeader.SizeOfStackCommit;
    run(commit_thread, 0x3f00, 0);
    run(reserve_thread, 0x3ff000, STACK_SIZE_PARAM_IS_A_RESERVATION);
    return failures;
}
