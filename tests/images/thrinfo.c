/* SPDX-License-Identifier: MIT */
/* thrinfo.c - thrinfo.exe: what a thread handle tells (ntdll's NtQueryInformationThread,
 * NtSetInformationThread) and CreateRemoteThread(Ex) on the current process, from PE code.
 * CRT-free (-nostdlib -e start; kernel32 and ntdll).  Prints "ok NAME" / "FAIL NAME"; exits
 * with the failures.
 *
 *   basic          ThreadBasicInformation of this thread: its TEB (gs:[0x30]), the process and
 *                  thread ids, STATUS_PENDING while it runs; of an ended thread: its exit code
 *   start_address  ThreadQuerySetWin32StartAddress: the function CreateThread was given
 *   times          ThreadTimes: a creation time, no exit time
 *   bad_input      a wrong length: STATUS_INFO_LENGTH_MISMATCH; an unknown class:
 *                  STATUS_INVALID_INFO_CLASS; a bad handle: STATUS_INVALID_HANDLE; a bad
 *                  output pointer: STATUS_ACCESS_VIOLATION
 *   hide           NtSetInformationThread(ThreadHideFromDebugger, NULL, 0): success; a length:
 *                  STATUS_INFO_LENGTH_MISMATCH
 *   process_*      NtQueryInformationProcess: ProcessBasicInformation (the PEB, the id, base
 *                  priority 8, STATUS_PENDING), ProcessDebugPort and ProcessWow64Information 0,
 *                  wrong lengths, classes and handles, a bad output pointer
 *   remote         CreateRemoteThread(Ex) on GetCurrentProcess() runs the function with its
 *                  argument; a bad process handle: ERROR_INVALID_HANDLE
 *   suspend_count  ThreadSuspendCount (35): 1 for a thread created suspended, 2 after
 *                  SuspendThread, 0 once resumed twice; a short length STATUS_INFO_LENGTH_MISMATCH
 *                  (the returned length untouched), a NULL buffer STATUS_ACCESS_VIOLATION
 *   callback_return NtCallbackReturn outside a callback: STATUS_NO_CALLBACK_ACTIVE
 *   wow64_context  RtlWow64Get/SetThreadContext of a 64-bit thread: STATUS_INVALID_PARAMETER;
 *                  a bad handle STATUS_INVALID_HANDLE, an event's STATUS_OBJECT_TYPE_MISMATCH
 *   affinity       SetThreadAffinityMask returns the mask before (the process's at first); an
 *                  empty mask or one naming a processor outside the process's:
 *                  ERROR_INVALID_PARAMETER; all of the low 32 bits set: every processor of
 *                  the process; ThreadBasicInformation's AffinityMask follows; the same through
 *                  NtSetInformationThread(ThreadAffinityMask) with its statuses; a bad handle
 *                  ERROR_INVALID_HANDLE
 *   unload_trace   RtlGetUnloadEventTrace after dep.dll's FreeLibrary: an entry with its base,
 *                  size, name and checksum field; RtlGetUnloadEventTraceEx: 64 entries of at
 *                  least that size, and the same ring
 */
#include "exe_util.h"

typedef struct {
    LONG ExitStatus;
    PVOID TebBaseAddress;
    HANDLE UniqueProcess, UniqueThread;
    ULONG_PTR AffinityMask;
    LONG Priority, BasePriority;
} BASIC;

typedef LONG NTSTATUS;
typedef ULONG THREADINFOCLASS;
/* From ntdll by name (no import library is linked). */
static NTSTATUS(NTAPI *NtQueryInformationThread)(HANDLE, THREADINFOCLASS, PVOID, ULONG, PULONG);
static NTSTATUS(NTAPI *NtSetInformationThread)(HANDLE, THREADINFOCLASS, PVOID, ULONG);
static NTSTATUS(NTAPI *NtQueryInformationProcess)(HANDLE, ULONG, PVOID, ULONG, PULONG);

typedef struct {
    LONG ExitStatus;
    PVOID PebBaseAddress;
    ULONG_PTR AffinityMask;
    LONG BasePriority;
    ULONG_PTR UniqueProcessId, InheritedFromUniqueProcessId;
} PBASIC;

/* NtQueryInformationProcess: basic (the PEB at gs:[0x60], the id), debug port and WOW64 0,
 * lengths and classes checked, a bad handle. */
static void process_info(void)
{
    PBASIC pb;
    ULONG len = 0;
    void *peb;
    __asm__("mov %%gs:0x60, %0" : "=r"(peb));
    NTSTATUS st = NtQueryInformationProcess(GetCurrentProcess(), 0, &pb, sizeof(pb), &len);
    eu_check("process_basic", st == 0 && len == sizeof(pb) && pb.PebBaseAddress == peb && pb.ExitStatus == 0x103 &&
                                  pb.UniqueProcessId == GetCurrentProcessId() && pb.BasePriority == 8);
    ULONG_PTR port = 5, wow = 5;
    eu_check("process_debug_port_wow64",
             NtQueryInformationProcess(GetCurrentProcess(), 7, &port, sizeof(port), NULL) == 0 && port == 0 &&
                 NtQueryInformationProcess(GetCurrentProcess(), 26, &wow, sizeof(wow), NULL) == 0 && wow == 0);
    eu_check("process_bad_input",
             NtQueryInformationProcess(GetCurrentProcess(), 0, &pb, sizeof(pb) + 8, NULL) == (NTSTATUS)0xC0000004 &&
                 NtQueryInformationProcess(GetCurrentProcess(), 9999, &pb, sizeof(pb), NULL) == (NTSTATUS)0xC0000003 &&
                 NtQueryInformationProcess((HANDLE)0x1234, 0, &pb, sizeof(pb), NULL) == (NTSTATUS)0xC0000008 &&
                 NtQueryInformationProcess(GetCurrentProcess(), 7, (void *)8, 8, NULL) == (NTSTATUS)0xC0000005);
}

static DWORD WINAPI worker(LPVOID arg) { return (DWORD)(ULONG_PTR)arg + 1; }

/* ThreadSuspendCount as SuspendThread and ResumeThread change it. */
static void suspend_count(void)
{
    HANDLE t = CreateThread(NULL, 0, worker, NULL, CREATE_SUSPENDED, NULL);
    ULONG c0 = 9, c1 = 9, c2 = 9, len = 123;
    NTSTATUS a = NtQueryInformationThread(t, (THREADINFOCLASS)35, &c0, sizeof(c0), NULL);
    SuspendThread(t);
    NTSTATUS b = NtQueryInformationThread(t, (THREADINFOCLASS)35, &c1, sizeof(c1), NULL);
    NTSTATUS shortlen = NtQueryInformationThread(t, (THREADINFOCLASS)35, &c1, 2, &len);
    NTSTATUS nullbuf = NtQueryInformationThread(t, (THREADINFOCLASS)35, NULL, sizeof(c1), NULL);
    ResumeThread(t);
    ResumeThread(t);
    NTSTATUS c = NtQueryInformationThread(t, (THREADINFOCLASS)35, &c2, sizeof(c2), NULL);
    eu_check("suspend_count", a == 0 && c0 == 1 && b == 0 && c1 == 2 && c == 0 && c2 == 0 &&
                                  shortlen == (NTSTATUS)0xC0000004 && len == 123 && nullbuf == (NTSTATUS)0xC0000005);
    WaitForSingleObject(t, 5000);
    CloseHandle(t);
}

typedef struct {
    void *BaseAddress;
    SIZE_T SizeOfImage;
    ULONG Sequence, TimeDateStamp, CheckSum;
    WCHAR ImageName[32];
} UNLOAD_EVENT;

static int wide_is(const WCHAR *w, const char *a)
{
    while (*a && *w == (WCHAR)*a)
        w++, a++;
    return !*a && !*w;
}

/* The ntdll calls with nothing of their own to wait for: NtCallbackReturn, the WOW64
 * contexts, the unload event trace. */
static void ntdll_misc(HMODULE nt)
{
    NTSTATUS(NTAPI *cb_return)(PVOID, ULONG, NTSTATUS) = (void *)GetProcAddress(nt, "NtCallbackReturn");
    eu_check("callback_return", cb_return && cb_return(NULL, 0, 0) == (NTSTATUS)0xC0000258);
    NTSTATUS(NTAPI *w64get)(HANDLE, void *) = (void *)GetProcAddress(nt, "RtlWow64GetThreadContext");
    NTSTATUS(NTAPI *w64set)(HANDLE, const void *) = (void *)GetProcAddress(nt, "RtlWow64SetThreadContext");
    BYTE ctx[1024] = {0};
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    eu_check("wow64_context", w64get && w64set && w64get(GetCurrentThread(), ctx) == (NTSTATUS)0xC000000D &&
                                  w64set(GetCurrentThread(), ctx) == (NTSTATUS)0xC000000D &&
                                  w64get((HANDLE)0x1234, ctx) == (NTSTATUS)0xC0000008 &&
                                  w64get(ev, ctx) == (NTSTATUS)0xC0000024);
    CloseHandle(ev);
    UNLOAD_EVENT *(NTAPI *trace)(void) = (void *)GetProcAddress(nt, "RtlGetUnloadEventTrace");
    void(NTAPI *trace_ex)(ULONG **, ULONG **, void **) = (void *)GetProcAddress(nt, "RtlGetUnloadEventTraceEx");
    HMODULE dep = LoadLibraryA("dep.dll");
    IMAGE_NT_HEADERS h = {0}; /* read while it is mapped */
    if (dep)
        h = *(IMAGE_NT_HEADERS *)((BYTE *)dep + ((IMAGE_DOS_HEADER *)dep)->e_lfanew);
    FreeLibrary(dep);
    int found = 0;
    UNLOAD_EVENT *e = trace ? trace() : NULL;
    for (int i = 0; e && i < 64 && e[i].BaseAddress; i++)
        found |= e[i].BaseAddress == (void *)dep && e[i].SizeOfImage == h.OptionalHeader.SizeOfImage &&
                 e[i].TimeDateStamp == h.FileHeader.TimeDateStamp && e[i].CheckSum == h.OptionalHeader.CheckSum &&
                 wide_is(e[i].ImageName, "dep.dll");
    ULONG *size = NULL, *count = NULL;
    UNLOAD_EVENT **ring = NULL;
    if (trace_ex)
        trace_ex(&size, &count, (void **)&ring);
    eu_check("unload_trace", dep && found && size && *size >= sizeof(UNLOAD_EVENT) && count && *count == 64 && ring &&
                                 *ring == e);
}

static DWORD WINAPI waiter(LPVOID arg)
{
    WaitForSingleObject((HANDLE)arg, 5000);
    return 0;
}

/* The calling thread's mask through ThreadBasicInformation. */
static ULONG_PTR thread_mask(void)
{
    BASIC b;
    return NtQueryInformationThread(GetCurrentThread(), (THREADINFOCLASS)0, &b, sizeof(b), NULL) ? 0 : b.AffinityMask;
}

static void affinity(HMODULE k32)
{
    DWORD_PTR(WINAPI * set)(HANDLE, DWORD_PTR) = (void *)GetProcAddress(k32, "SetThreadAffinityMask");
    DWORD_PTR pm = 0, sm = 0, out, one;
    HANDLE me = GetCurrentThread();
    if (!eu_check("affinity_export", set && GetProcessAffinityMask(GetCurrentProcess(), &pm, &sm) && pm))
        return;
    out = ~pm & (pm + 1); /* the lowest processor outside the process's mask (0: it has all 64) */
    one = pm & -pm;       /* its lowest processor */
    SetLastError(0);
    BOOL ok = set(me, pm) == pm && thread_mask() == pm;
    ok = ok && set(me, 0) == 0 && GetLastError() == ERROR_INVALID_PARAMETER;
    SetLastError(0);
    ok = ok && (!out || (set(me, out | one) == 0 && GetLastError() == ERROR_INVALID_PARAMETER));
    ok = ok && set(me, one) == pm && thread_mask() == one;
    ok = ok && set(me, ~(DWORD_PTR)0 >> 3) == one && thread_mask() == pm;
    eu_check("affinity", ok);
    ULONG_PTR m = one;
    ok = NtSetInformationThread(me, (THREADINFOCLASS)4, &m, sizeof(m)) == 0 && thread_mask() == one;
    ok = ok && NtSetInformationThread(me, (THREADINFOCLASS)4, &m, 4) == (NTSTATUS)0xC0000004;
    m = 0;
    ok = ok && NtSetInformationThread(me, (THREADINFOCLASS)4, &m, sizeof(m)) == (NTSTATUS)0xC000000D;
    m = ~(ULONG_PTR)0;
    ok = ok && NtSetInformationThread(me, (THREADINFOCLASS)4, &m, sizeof(m)) == 0 && thread_mask() == pm;
    SetLastError(0);
    ok = ok && set((HANDLE)0x1234, pm) == 0 && GetLastError() == ERROR_INVALID_HANDLE;
    eu_check("affinity_nt", ok);
}

void start(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    NtQueryInformationThread = (void *)GetProcAddress(nt, "NtQueryInformationThread");
    NtSetInformationThread = (void *)GetProcAddress(nt, "NtSetInformationThread");
    NtQueryInformationProcess = (void *)GetProcAddress(nt, "NtQueryInformationProcess");
    if (!eu_check("ntdll_exports", NtQueryInformationThread && NtSetInformationThread && NtQueryInformationProcess))
        ExitProcess(1);
    process_info();
    BASIC b;
    ULONG len = 0;
    void *teb;
    __asm__("mov %%gs:0x30, %0" : "=r"(teb));
    NTSTATUS st = NtQueryInformationThread(GetCurrentThread(), (THREADINFOCLASS)0, &b, sizeof(b), &len);
    eu_check("basic_self", st == 0 && len == sizeof(b) && b.TebBaseAddress == teb && b.ExitStatus == 0x103 &&
                               (DWORD)(ULONG_PTR)b.UniqueThread == GetCurrentThreadId() &&
                               (DWORD)(ULONG_PTR)b.UniqueProcess == GetCurrentProcessId() && b.AffinityMask != 0);
    HANDLE t = CreateThread(NULL, 0, worker, (LPVOID)41, 0, NULL);
    WaitForSingleObject(t, 5000);
    st = NtQueryInformationThread(t, (THREADINFOCLASS)0, &b, sizeof(b), NULL);
    eu_check("basic_ended", st == 0 && b.ExitStatus == 42);
    void *addr = NULL;
    st = NtQueryInformationThread(t, (THREADINFOCLASS)9, &addr, sizeof(addr), &len);
    eu_check("start_address", st == 0 && addr == (void *)worker && len == sizeof(addr));
    CloseHandle(t);
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    t = CreateThread(NULL, 0, waiter, ev, 0, NULL);
    FILETIME times[4] = {{0}};
    st = NtQueryInformationThread(t, (THREADINFOCLASS)1, times, sizeof(times), &len);
    eu_check("times", st == 0 && len == sizeof(times) && times[0].dwHighDateTime != 0 && times[1].dwHighDateTime == 0 &&
                          times[1].dwLowDateTime == 0);
    eu_check("bad_input", NtQueryInformationThread(t, (THREADINFOCLASS)0, &b, sizeof(b) - 1, NULL) == (NTSTATUS)0xC0000004 &&
                              NtQueryInformationThread(t, (THREADINFOCLASS)5000, &b, sizeof(b), NULL) == (NTSTATUS)0xC0000003 &&
                              NtQueryInformationThread((HANDLE)0x1234, (THREADINFOCLASS)0, &b, sizeof(b), NULL) == (NTSTATUS)0xC0000008 &&
                              NtQueryInformationThread(t, (THREADINFOCLASS)0, (void *)8, sizeof(b), NULL) == (NTSTATUS)0xC0000005);
    eu_check("hide", NtSetInformationThread(GetCurrentThread(), (THREADINFOCLASS)17, NULL, 0) == 0 &&
                         NtSetInformationThread(GetCurrentThread(), (THREADINFOCLASS)17, &len, 4) == (NTSTATUS)0xC0000004);
    SetEvent(ev);
    WaitForSingleObject(t, 5000);
    CloseHandle(t);
    DWORD code = 0, tid = 0;
    HANDLE r = CreateRemoteThread(GetCurrentProcess(), NULL, 0, worker, (LPVOID)6, 0, &tid);
    BOOL ran = r && WaitForSingleObject(r, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(r, &code) && code == 7 && tid != 0;
    HANDLE r2 = CreateRemoteThreadEx(GetCurrentProcess(), NULL, 0, worker, (LPVOID)9, 0, NULL, NULL);
    BOOL ran2 = r2 && WaitForSingleObject(r2, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(r2, &code) && code == 10;
    HANDLE bad = CreateRemoteThread((HANDLE)0x1234, NULL, 0, worker, NULL, 0, NULL);
    eu_check("remote", ran && ran2 && !bad && GetLastError() == ERROR_INVALID_HANDLE);
    suspend_count();
    affinity(GetModuleHandleA("kernel32.dll"));
    ntdll_misc(nt);
    ExitProcess((UINT)*eu_failures());
}
