/* SPDX-License-Identifier: MIT */
/* ustack.c - ustack.exe: ntdll's RtlCreateUserStack, RtlFreeUserStack and
 * RtlGetEnabledExtendedFeatures from PE code (mingw-w64, through GetProcAddress).  Output, one
 * line each ("ok NAME" or "FAIL NAME"); exit code = number of failures.  Expected values are
 * what Wine's ntdll virtual.c test_RtlCreateUserStack records of Windows:
 *   sizes        (commit, reserve, commit_align, reserve_align) -> StackBase - StackLimit and
 *                StackBase - DeallocationStack: 0s are the image's SizeOfStackCommit/Reserve,
 *                each rounded to its alignment, reserve at least commit and at least 1 MiB;
 *                no old stack, DeallocationStack page-aligned
 *   layout       the top commit bytes PAGE_READWRITE, the page below them PAGE_GUARD, the
 *                rest reserved, one allocation
 *   bad_align    commit_align 0 or reserve_align 0: STATUS_INVALID_PARAMETER, the INITIAL_TEB
 *                untouched
 *   freed        RtlFreeUserStack(DeallocationStack): the range is MEM_FREE
 *   features     RtlGetEnabledExtendedFeatures(0) is 0, of ~0 x87 and SSE (3), and AVX (7) where
 *                the CPU has it (PF_AVX_INSTRUCTIONS_AVAILABLE), of 6 the same less x87;
 *                kernel32's GetEnabledXStateFeatures and KUSER_SHARED_DATA's XState.EnabledFeatures
 *                are 3
 *   user_thread  RtlCreateUserThread(current process, ZeroBits a mask 0x7fffffff, 1 MiB reserve,
 *                one page committed): STATUS_SUCCESS, the CLIENT_ID names this process and the
 *                thread GetThreadId gives, the thread runs on a stack below 2 GiB that grows past
 *                its commit through its guard page (160 KiB of frames) and its return value is
 *                its exit code
 *   user_thread_suspended  suspended: ResumeThread finds the count 1, then the thread runs
 *   user_thread_bad  ZeroBits 22 (more than NtAllocateVirtualMemory takes):
 *                STATUS_INVALID_PARAMETER or _3 (both seen on Windows), the handle untouched
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG NTSTATUS;
typedef struct {
    PVOID OldStackBase, OldStackLimit, StackBase, StackLimit, DeallocationStack;
} INITIAL_TEB_;
typedef NTSTATUS(NTAPI *create_fn)(SIZE_T, SIZE_T, ULONG, SIZE_T, SIZE_T, INITIAL_TEB_ *);
typedef void(NTAPI *free_fn)(PVOID);
typedef ULONG64(NTAPI *features_fn)(ULONG64);

#define ST_INVALID_PARAMETER ((NTSTATUS)0xC000000D)

typedef struct {
    HANDLE UniqueProcess, UniqueThread;
} CLIENT_ID_;
typedef NTSTATUS(NTAPI *uthread_fn)(HANDLE, PVOID, BOOLEAN, ULONG, SIZE_T, SIZE_T, PVOID, PVOID, HANDLE *,
                                    CLIENT_ID_ *);

static int failures;
static create_fn create;
static free_fn release;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static int one_size(SIZE_T commit, SIZE_T reserve, SIZE_T calign, SIZE_T ralign, SIZE_T want_commit,
                    SIZE_T want_reserve)
{
    INITIAL_TEB_ t;
    memset(&t, 0xcc, sizeof(t));
    NTSTATUS st = create(commit, reserve, 0, calign, ralign, &t);
    ULONG_PTR base = (ULONG_PTR)t.StackBase;
    int ok = st == 0 && !t.OldStackBase && !t.OldStackLimit && !((ULONG_PTR)t.DeallocationStack & 0xfff) &&
             base - (ULONG_PTR)t.DeallocationStack == want_reserve && base - (ULONG_PTR)t.StackLimit == want_commit;
    if (!ok)
        printf("  %#zx %#zx %#zx %#zx: %#lx commit %#zx reserve %#zx\n", (size_t)commit, (size_t)reserve,
               (size_t)calign, (size_t)ralign, (unsigned long)st, (size_t)(base - (ULONG_PTR)t.StackLimit),
               (size_t)(base - (ULONG_PTR)t.DeallocationStack));
    if (st == 0)
        release(t.DeallocationStack);
    return ok;
}

static void sizes(void)
{
    BYTE *image = (BYTE *)GetModuleHandleW(NULL);
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(image + ((IMAGE_DOS_HEADER *)image)->e_lfanew);
    SIZE_T dc = nt->OptionalHeader.SizeOfStackCommit, dr = nt->OptionalHeader.SizeOfStackReserve;
    int ok = one_size(0, 0, 1, 1, dc, dr);
    ok &= one_size(0x2000, 0, 1, 1, 0x2000, dr);
    ok &= one_size(0, 0x200000, 1, 1, dc, 0x200000);
    ok &= one_size(0x4000, 0x200000, 1, 1, 0x4000, 0x200000);
    ok &= one_size(0x100000, 0x100000, 1, 1, 0x100000, 0x100000);
    ok &= one_size(0x20000, 0x20000, 1, 1, 0x20000, 0x100000);
    ok &= one_size(0, 0x110000, 1, 0x40000, dc, 0x140000);
    ok &= one_size(0x11000, 0x140000, 0x4000, 0x40000, 0x14000, 0x140000);
    ok &= one_size(0, 0, 0x4000, 0x400000, (dc + 0x3fff) & ~(SIZE_T)0x3fff, (dr + 0x3fffff) & ~(SIZE_T)0x3fffff);
    check("sizes", ok);
}

static DWORD prot_at(ULONG_PTR a, DWORD *state, PVOID *alloc)
{
    MEMORY_BASIC_INFORMATION m;
    if (!VirtualQuery((void *)a, &m, sizeof(m)))
        return 0;
    *state = m.State;
    *alloc = m.AllocationBase;
    return m.Protect;
}

static void layout_and_free(void)
{
    INITIAL_TEB_ t;
    NTSTATUS st = create(0x3000, 0x100000, 0, 1, 1, &t);
    ULONG_PTR lim = (ULONG_PTR)t.StackLimit;
    DWORD s1 = 0, s2 = 0, s3 = 0;
    PVOID a1 = NULL, a2 = NULL, a3 = NULL;
    DWORD top = prot_at(lim, &s1, &a1), guard = prot_at(lim - 0x1000, &s2, &a2);
    prot_at(lim - 0x2000, &s3, &a3);
    check("layout", st == 0 && top == PAGE_READWRITE && s1 == MEM_COMMIT &&
                        guard == (PAGE_READWRITE | PAGE_GUARD) && s2 == MEM_COMMIT && s3 == MEM_RESERVE &&
                        a1 == t.DeallocationStack && a2 == a1 && a3 == a1);
    release(t.DeallocationStack);
    prot_at(lim, &s1, &a1);
    check("freed", st == 0 && s1 == MEM_FREE);
}

static void bad_align(void)
{
    INITIAL_TEB_ t;
    memset(&t, 0xcc, sizeof(t));
    NTSTATUS a = create(0x11000, 0x110000, 0, 1, 0, &t);
    NTSTATUS b = create(0x11000, 0x110000, 0, 0, 1, &t);
    check("bad_align", a == ST_INVALID_PARAMETER && b == ST_INVALID_PARAMETER &&
                           t.StackBase == (PVOID)(ULONG_PTR)0xccccccccccccccccull);
}

static void features(features_fn f)
{
    typedef DWORD64(WINAPI * k32_fn)(void);
    k32_fn k = (k32_fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "GetEnabledXStateFeatures");
    ULONG64 page = *(volatile ULONG64 *)(ULONG_PTR)0x7ffe03d8; /* KUSER_SHARED_DATA.XState.EnabledFeatures */
    /* AVX too where the CPU has it and the OS enabled it (the contexts carry it then) */
    ULONG64 all = IsProcessorFeaturePresent(PF_AVX_INSTRUCTIONS_AVAILABLE) ? 7 : 3;
    check("features", f && f(0) == 0 && f(~(ULONG64)0) == all && f(6) == (all & 6) && k && k() == all && page == all);
}

/* 40 frames of 4 KiB, each touched top to bottom: the stack grows a page at a time. */
static ULONG_PTR deep(int n)
{
    volatile char frame[4096];
    for (int i = (int)sizeof(frame) - 1; i >= 0; i -= 512)
        frame[i] = (char)n;
    return n ? deep(n - 1) + frame[0] - (char)n : (ULONG_PTR)frame;
}

static DWORD WINAPI on_user_stack(void *arg)
{
    ULONG_PTR low = deep(40);
    *(ULONG_PTR *)arg = low;
    return low < 0x80000000 ? 77 : 78;
}

static void user_thread(uthread_fn f)
{
    ULONG_PTR low = 0;
    HANDLE h = NULL;
    CLIENT_ID_ id = {0};
    NTSTATUS st = f ? f(GetCurrentProcess(), NULL, FALSE, 0x7fffffff, 0x100000, 0x1000, on_user_stack, &low, &h, &id)
                    : -1;
    DWORD code = 0;
    if (!st) {
        WaitForSingleObject(h, INFINITE);
        GetExitCodeThread(h, &code);
    }
    check("user_thread", st == 0 && h && (DWORD)(ULONG_PTR)id.UniqueThread == GetThreadId(h) &&
                             (DWORD)(ULONG_PTR)id.UniqueProcess == GetCurrentProcessId() && code == 77 && low);
    if (h)
        CloseHandle(h);
    h = NULL;
    low = 0;
    st = f ? f(GetCurrentProcess(), NULL, TRUE, 0, 0, 0, on_user_stack, &low, &h, NULL) : -1;
    DWORD prev = st ? 0 : ResumeThread(h);
    if (!st)
        WaitForSingleObject(h, INFINITE);
    check("user_thread_suspended", st == 0 && prev == 1 && low);
    if (h)
        CloseHandle(h);
    h = (HANDLE)0x1234;
    st = f ? f(GetCurrentProcess(), NULL, FALSE, 22, 0, 0, on_user_stack, &low, &h, NULL) : -1;
    check("user_thread_bad", (st == ST_INVALID_PARAMETER || st == (NTSTATUS)0xC00000F1) && h == (HANDLE)0x1234);
}

int main(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    create = (create_fn)(void (*)(void))GetProcAddress(nt, "RtlCreateUserStack");
    release = (free_fn)(void (*)(void))GetProcAddress(nt, "RtlFreeUserStack");
    if (!create || !release) {
        check("exports", 0);
        return failures;
    }
    sizes();
    layout_and_free();
    bad_align();
    features((features_fn)(void (*)(void))GetProcAddress(nt, "RtlGetEnabledExtendedFeatures"));
    user_thread((uthread_fn)(void (*)(void))GetProcAddress(nt, "RtlCreateUserThread"));
    return failures;
}
