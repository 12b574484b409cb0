/* SPDX-License-Identifier: MIT */
/* thsnap.c - thsnap.exe: tool help process and thread snapshots from PE code, with a real
 * child (this program again, "thsnap child EV1 EV2": a second thread, then EV1 set, then it
 * waits for EV2).  The parent finds itself and its child in a process snapshot (ids, parent id,
 * thread count, the image's file name), as EnumProcesses and NtQuerySystemInformation report
 * them; its own threads in a thread snapshot (the main thread first, one just made, ids that
 * OpenThread takes), a thread made after the snapshot absent; the child's modules; its own
 * heaps (TH32CS_SNAPALL); and Windows' errors.  With
 * "hold" it only makes a thread, writes "ready" and waits for its input to end (the Linux
 * side's child, tests/test_toolhelp.c).  Prints "ok NAME" / "FAIL NAME" and exits with the
 * failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <psapi.h>
#include <tlhelp32.h>
#include <winternl.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

static DWORD WINAPI wait_on(void *ev)
{
    WaitForSingleObject(ev, 60000);
    return 7;
}

static int child(HANDLE ev1, HANDLE ev2)
{
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE t = CreateThread(NULL, 0, wait_on, stop, 0, NULL);
    SetEvent(ev1);
    WaitForSingleObject(ev2, 60000);
    SetEvent(stop);
    WaitForSingleObject(t, 60000);
    return 0;
}

static int hold(void)
{
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE t = CreateThread(NULL, 0, wait_on, stop, 0, NULL);
    printf("ready\n");
    fflush(stdout);
    char c;
    DWORD n;
    while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), &c, 1, &n, NULL) && n)
        ;
    SetEvent(stop);
    WaitForSingleObject(t, 60000);
    return 0;
}

/* The snapshot's entry for pid (W form): found or not. */
static BOOL find_process(HANDLE snap, DWORD pid, PROCESSENTRY32W *out, int *count)
{
    PROCESSENTRY32W pe;
    pe.dwSize = sizeof(pe);
    BOOL found = FALSE;
    int n = 0;
    for (BOOL more = Process32FirstW(snap, &pe); more; more = Process32NextW(snap, &pe), n++)
        if (pe.th32ProcessID == pid)
            *out = pe, found = TRUE;
    if (count)
        *count = n;
    return found;
}

/* The threads of pid in snap, in the snapshot's order, into tids (cap): how many. */
static int threads_of(HANDLE snap, DWORD pid, DWORD *tids, int cap)
{
    THREADENTRY32 te;
    te.dwSize = sizeof(te);
    int n = 0;
    for (BOOL more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te))
        if (te.th32OwnerProcessID == pid && n < cap)
            tids[n++] = te.th32ThreadID;
    return n;
}

static BOOL has(const DWORD *tids, int n, DWORD tid)
{
    for (int i = 0; i < n; i++)
        if (tids[i] == tid)
            return TRUE;
    return FALSE;
}

/* pid's entry in NtQuerySystemInformation(SystemProcessInformation), copied; found or not. */
static BOOL sysproc(DWORD pid, SYSTEM_PROCESS_INFORMATION *out, WCHAR *name, size_t cap)
{
    ULONG len = 1 << 20, need = 0;
    char *buf = malloc(len);
    NTSTATUS st = NtQuerySystemInformation(SystemProcessInformation, buf, len, &need);
    BOOL found = FALSE;
    for (size_t at = 0; st == 0;) {
        SYSTEM_PROCESS_INFORMATION *e = (SYSTEM_PROCESS_INFORMATION *)(buf + at);
        if ((DWORD)(ULONG_PTR)e->UniqueProcessId == pid) {
            *out = *e;
            size_t n = e->ImageName.Length / 2 < cap - 1 ? e->ImageName.Length / 2 : cap - 1;
            memcpy(name, e->ImageName.Buffer, n * 2);
            name[n] = 0;
            found = TRUE;
        }
        if (!e->NextEntryOffset)
            break;
        at += e->NextEntryOffset;
    }
    free(buf);
    return found;
}

static void processes(DWORD child_pid)
{
    DWORD me = GetCurrentProcessId();
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    check("process_snapshot", snap != INVALID_HANDLE_VALUE);
    PROCESSENTRY32W self, kid;
    int n1 = 0, n2 = 0;
    check("self_listed", find_process(snap, me, &self, &n1) && self.dwSize == sizeof(self));
    check("self_name", _wcsicmp(self.szExeFile, L"thsnap.exe") == 0);
    check("self_entry", self.cntThreads >= 1 && self.pcPriClassBase == 8 && self.cntUsage == 0 &&
                            self.th32ParentProcessID != 0);
    check("child_listed", find_process(snap, child_pid, &kid, &n2) && n1 == n2 && n1 > 2);
    check("child_parent", kid.th32ParentProcessID == me);
    check("child_name", _wcsicmp(kid.szExeFile, L"thsnap.exe") == 0);
    check("child_threads", kid.cntThreads >= 2); /* winvm's service threads are Linux threads too */

    DWORD pids[4096], bytes = 0;
    BOOL in_enum = FALSE;
    if (EnumProcesses(pids, sizeof(pids), &bytes))
        for (DWORD i = 0; i < bytes / sizeof(DWORD); i++)
            in_enum |= pids[i] == child_pid;
    check("agrees_with_enumprocesses", in_enum);
    SYSTEM_PROCESS_INFORMATION spi;
    WCHAR name[MAX_PATH];
    check("agrees_with_sysproc", sysproc(child_pid, &spi, name, MAX_PATH) && !wcscmp(name, kid.szExeFile) &&
                                     (DWORD)(ULONG_PTR)spi.InheritedFromUniqueProcessId == me &&
                                     spi.NumberOfThreads == kid.cntThreads);
    HANDLE hp = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, kid.th32ProcessID);
    check("openprocess_takes_its_id", hp && GetProcessId(hp) == child_pid);
    CloseHandle(hp);

    PROCESSENTRY32 pa;
    pa.dwSize = sizeof(pa);
    BOOL ansi = FALSE;
    for (BOOL more = Process32First(snap, &pa); more; more = Process32Next(snap, &pa))
        ansi |= pa.th32ProcessID == child_pid && !_stricmp(pa.szExeFile, "thsnap.exe") &&
                pa.th32ParentProcessID == me && pa.dwSize == sizeof(pa);
    check("ansi_walk", ansi && GetLastError() == ERROR_NO_MORE_FILES);
    SetLastError(0);
    check("next_after_end", !Process32Next(snap, &pa) && GetLastError() == ERROR_NO_MORE_FILES);
    PROCESSENTRY32W small;
    small.dwSize = sizeof(small) - 1;
    SetLastError(0);
    check("small_dwsize_w", !Process32FirstW(snap, &small) && GetLastError() == ERROR_BAD_LENGTH);
    pa.dwSize = 0;
    SetLastError(0);
    check("small_dwsize_a", !Process32First(snap, &pa) && GetLastError() == ERROR_BAD_LENGTH);
    THREADENTRY32 te;
    te.dwSize = sizeof(te);
    SetLastError(0);
    check("no_threads_in_process_snapshot", !Thread32First(snap, &te) && GetLastError() == ERROR_NO_MORE_FILES);
    CloseHandle(snap);
    small.dwSize = sizeof(small);
    SetLastError(0);
    check("closed", !Process32FirstW(snap, &small) && GetLastError() == ERROR_INVALID_HANDLE);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    SetLastError(0);
    check("not_a_snapshot", !Process32FirstW(ev, &small) && GetLastError() == ERROR_INVALID_HANDLE);
    CloseHandle(ev);
}

static void threads(DWORD child_pid)
{
    DWORD me = GetCurrentProcessId(), tids[64];
    HANDLE stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD made, later;
    HANDLE t1 = CreateThread(NULL, 0, wait_on, stop, 0, &made);
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD | TH32CS_SNAPPROCESS, 12345678);
    check("thread_snapshot", snap != INVALID_HANDLE_VALUE);
    HANDLE t2 = CreateThread(NULL, 0, wait_on, stop, 0, &later);
    int n = threads_of(snap, me, tids, 64);
    check("own_threads", n >= 2 && tids[0] == GetCurrentThreadId() && has(tids, n, made));
    check("later_thread_absent", !has(tids, n, later));
    PROCESSENTRY32W self;
    check("same_snapshot_counts", find_process(snap, me, &self, NULL) && self.cntThreads == (DWORD)n);
    HANDLE opened = OpenThread(THREAD_QUERY_LIMITED_INFORMATION, FALSE, made);
    check("openthread_takes_its_id", opened && GetThreadId(opened) == made);
    CloseHandle(opened);
    DWORD ctids[8];
    check("child_threads_listed", threads_of(snap, child_pid, ctids, 8) >= 2 && ctids[0] == child_pid);
    THREADENTRY32 te;
    te.dwSize = sizeof(te);
    BOOL pri = FALSE;
    for (BOOL more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te))
        pri |= te.th32ThreadID == made && te.tpBasePri == 8 && te.tpDeltaPri == 0 && te.cntUsage == 0;
    check("thread_entry", pri && GetLastError() == ERROR_NO_MORE_FILES);
    te.dwSize = sizeof(te) - 1;
    SetLastError(0);
    check("small_dwsize_thread", !Thread32First(snap, &te) && GetLastError() == ERROR_BAD_LENGTH);
    CloseHandle(snap);
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    int n2 = threads_of(snap, me, tids, 64);
    check("new_snapshot_has_it", n2 > n && has(tids, n2, later) && has(tids, n2, made));
    MODULEENTRY32W me32;
    me32.dwSize = sizeof(me32);
    SetLastError(0);
    check("no_modules_in_thread_snapshot", !Module32FirstW(snap, &me32) && GetLastError() == ERROR_NO_MORE_FILES);
    CloseHandle(snap);
    SetEvent(stop);
    WaitForSingleObject(t1, 60000), WaitForSingleObject(t2, 60000);
    CloseHandle(t1), CloseHandle(t2);
}

/* Another winvm process's modules, listed by that process: its EXE first (this program, at
 * the same path), kernel32.dll among them; a process that cannot be asked, or none. */
static void child_modules(DWORD child_pid)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, child_pid);
    check("child_module_snapshot", snap != INVALID_HANDLE_VALUE);
    MODULEENTRY32W m;
    m.dwSize = sizeof(m);
    wchar_t exe[MAX_PATH];
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    check("child_exe_first", Module32FirstW(snap, &m) && m.th32ProcessID == child_pid && !wcscmp(m.szExePath, exe) &&
                                 !_wcsicmp(m.szModule, L"thsnap.exe") && m.modBaseSize > 0x1000);
    BOOL k32 = FALSE;
    while (Module32NextW(snap, &m))
        k32 |= !_wcsicmp(m.szModule, L"kernel32.dll") && m.th32ProcessID == child_pid;
    check("child_kernel32", k32 && GetLastError() == ERROR_NO_MORE_FILES);
    CloseHandle(snap);
    SetLastError(0);
    check("init_modules_unreachable", CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, 1) == INVALID_HANDLE_VALUE &&
                                          GetLastError() == ERROR_PARTIAL_COPY);
    SetLastError(0);
    check("no_such_pid", CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, 0x7ffffff0) == INVALID_HANDLE_VALUE &&
                             GetLastError() == ERROR_INVALID_PARAMETER);
}

/* Whether heap is in snap's heap list; *def: the entries flagged HF32_DEFAULT are exactly the
 * process heap's, the first. */
static BOOL heap_listed(HANDLE snap, HANDLE heap, BOOL *def)
{
    HEAPLIST32 hl;
    hl.dwSize = sizeof(hl);
    BOOL found = FALSE;
    int i = 0;
    *def = TRUE;
    for (BOOL more = Heap32ListFirst(snap, &hl); more; more = Heap32ListNext(snap, &hl), i++) {
        found |= hl.th32HeapID == (ULONG_PTR)heap;
        *def &= ((hl.dwFlags & HF32_DEFAULT) != 0) == (i == 0) && hl.th32ProcessID == GetCurrentProcessId() &&
                (i != 0 || hl.th32HeapID == (ULONG_PTR)GetProcessHeap());
    }
    *def &= i > 0 && GetLastError() == ERROR_NO_MORE_FILES;
    return found;
}

/* TH32CS_SNAPALL: every list; the heap list is this process's heaps at the call. */
static void heaps(DWORD child_pid)
{
    HANDLE mine = HeapCreate(0, 0, 0);
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPALL, 0);
    check("snapall", snap != INVALID_HANDLE_VALUE);
    HANDLE later = HeapCreate(0, 0, 0);
    BOOL def;
    check("heap_listed", heap_listed(snap, mine, &def) && def);
    check("later_heap_absent", !heap_listed(snap, later, &def));
    HEAPLIST32 hl;
    hl.dwSize = sizeof(hl) - 1;
    SetLastError(0);
    check("small_dwsize_heaplist", !Heap32ListFirst(snap, &hl) && GetLastError() == ERROR_BAD_LENGTH);
    PROCESSENTRY32W pe;
    DWORD tids[8];
    MODULEENTRY32W m;
    m.dwSize = sizeof(m);
    check("snapall_lists", find_process(snap, child_pid, &pe, NULL) && threads_of(snap, child_pid, tids, 8) >= 2 &&
                               Module32FirstW(snap, &m) && m.hModule == GetModuleHandleW(NULL));
    CloseHandle(snap);
    HeapDestroy(mine);
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPHEAPLIST, GetCurrentProcessId());
    check("destroyed_heap_absent", snap != INVALID_HANDLE_VALUE && !heap_listed(snap, mine, &def) &&
                                       heap_listed(snap, later, &def) && def);
    CloseHandle(snap);
    HeapDestroy(later);
    SetLastError(0);
    check("child_heaps_unreachable", CreateToolhelp32Snapshot(TH32CS_SNAPHEAPLIST, child_pid) == INVALID_HANDLE_VALUE &&
                                         GetLastError() == ERROR_PARTIAL_COPY);
}

static void combined(void)
{
    DWORD me = GetCurrentProcessId();
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS | TH32CS_SNAPTHREAD | TH32CS_SNAPMODULE, 0);
    check("combined_snapshot", snap != INVALID_HANDLE_VALUE);
    PROCESSENTRY32W pe;
    DWORD tids[8];
    MODULEENTRY32W m;
    m.dwSize = sizeof(m);
    check("combined_lists", find_process(snap, me, &pe, NULL) && threads_of(snap, me, tids, 8) == (int)pe.cntThreads &&
                                Module32FirstW(snap, &m) && m.hModule == GetModuleHandleW(NULL));
    CloseHandle(snap);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "child"))
        return child((HANDLE)(INT_PTR)atoi(argv[2]), (HANDLE)(INT_PTR)atoi(argv[3]));
    if (argc == 2 && !strcmp(argv[1], "hold"))
        return hold();
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE ev1 = CreateEventW(&sa, FALSE, FALSE, NULL), ev2 = CreateEventW(&sa, FALSE, FALSE, NULL);
    char self[MAX_PATH], cmd[MAX_PATH + 64];
    GetModuleFileNameA(NULL, self, sizeof(self));
    snprintf(cmd, sizeof(cmd), "thsnap child %d %d", (int)(INT_PTR)ev1, (int)(INT_PTR)ev2);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    check("child_started", CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi) &&
                               WaitForSingleObject(ev1, 60000) == WAIT_OBJECT_0);
    processes(pi.dwProcessId);
    threads(pi.dwProcessId);
    child_modules(pi.dwProcessId);
    heaps(pi.dwProcessId);
    combined();
    SetEvent(ev2);
    check("child_ended", WaitForSingleObject(pi.hProcess, 60000) == WAIT_OBJECT_0);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    return failures;
}
