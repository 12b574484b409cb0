/* SPDX-License-Identifier: MIT */
/* wswatch.c - wswatch.exe: the working-set watch from PE code (tests/test_wswatch_pe.c):
 * InitializeProcessForWsWatch, GetWsChanges and GetWsChangesEx imported from psapi.dll,
 * kernel32's K32 forms looked up.  Prints "ok NAME" / "FAIL NAME" and exits with the failures. */
#define PSAPI_VERSION 1
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <psapi.h>

#define PAGE 4096
static int failures;
static PSAPI_WS_WATCH_INFORMATION wi[256];
static PSAPI_WS_WATCH_INFORMATION_EX wx[256];
static char image_bss[16 * PAGE] __attribute__((aligned(PAGE)));

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static ULONG_PTR touch(volatile char *p)
{
    ULONG_PTR pc;
    __asm__ volatile("1: movb $1, (%1)\n\tlea 1b(%%rip), %0" : "=&r"(pc) : "r"(p) : "memory");
    return pc;
}

/* The record of page p (terminated list), or NULL. */
static const PSAPI_WS_WATCH_INFORMATION *find(const void *p)
{
    for (int i = 0; i < 256 && wi[i].FaultingPc; i++)
        if (((ULONG_PTR)wi[i].FaultingVa & ~(ULONG_PTR)0xfff) == (ULONG_PTR)p)
            return &wi[i];
    return NULL;
}

static int count(void)
{
    int n = 0;
    while (n < 256 && wi[n].FaultingPc)
        n++;
    return n;
}

static char *thread_page;
static DWORD thread_id;

static DWORD WINAPI toucher(LPVOID arg)
{
    (void)arg;
    thread_id = GetCurrentThreadId();
    touch(thread_page);
    return 0;
}

typedef BOOL(WINAPI *get_fn)(HANDLE, PPSAPI_WS_WATCH_INFORMATION, DWORD);
/* mingw-w64's psapi.h declares the size as a DWORD; Windows' takes a PDWORD (Microsoft's page). */
typedef BOOL(WINAPI *get_ex_fn)(HANDLE, PPSAPI_WS_WATCH_INFORMATION_EX, PDWORD);
typedef BOOL(WINAPI *init_fn)(HANDLE);

/* Another process (this program again, waiting): the watch serves this process only. */
static void other_process(const char *exe)
{
    char cmd[MAX_PATH + 16];
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    snprintf(cmd, sizeof(cmd), "\"%s\" child", exe);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        check("other_process_started", 0);
        return;
    }
    SetLastError(0);
    check("other_process_init", !InitializeProcessForWsWatch(pi.hProcess) && GetLastError() == ERROR_NOT_SUPPORTED);
    SetLastError(0);
    check("other_process_changes", !GetWsChanges(pi.hProcess, wi, sizeof(wi)) && GetLastError() == ERROR_NOT_SUPPORTED);
    TerminateProcess(pi.hProcess, 0);
    WaitForSingleObject(pi.hProcess, INFINITE);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child")) {
        Sleep(30000);
        return 0;
    }
    HANDLE self = GetCurrentProcess();
    DWORD pid = GetCurrentProcessId();
    HANDLE qs = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_SET_INFORMATION, FALSE, pid);
    HANDLE vr = OpenProcess(PROCESS_VM_READ, FALSE, pid);
    SetLastError(0);
    check("no_watch", !GetWsChanges(self, wi, sizeof(wi)) && GetLastError() == ERROR_GEN_FAILURE);
    SetLastError(0);
    check("init_null", !InitializeProcessForWsWatch(NULL) && GetLastError() == ERROR_INVALID_HANDLE);

    char *p = VirtualAlloc(NULL, 8 * PAGE, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    p[0] = 1;
    check("init", qs && InitializeProcessForWsWatch(qs));
    ULONG_PTR pc1 = touch(p + PAGE), pc2 = touch(p + 2 * PAGE + 5);
    ULONG_PTR pcb = touch(image_bss + 9 * PAGE);
    memset(wi, 0xab, sizeof(wi));
    check("changes", GetWsChanges(qs, wi, sizeof(wi)));
    const PSAPI_WS_WATCH_INFORMATION *r1 = find(p + PAGE), *r2 = find(p + 2 * PAGE), *rb = find(image_bss + 9 * PAGE);
    check("changes_page1", r1 && (ULONG_PTR)r1->FaultingPc == pc1 && (ULONG_PTR)r1->FaultingVa == ((ULONG_PTR)(p + PAGE) | 1));
    check("changes_page2", r2 && (ULONG_PTR)r2->FaultingPc == pc2);
    check("changes_image_page", rb && (ULONG_PTR)rb->FaultingPc == pcb);
    check("changes_resident_not_recorded", !find(p));
    check("changes_terminated", count() >= 3 && wi[count()].FaultingVa == NULL);
    SetLastError(0);
    check("cleared", !GetWsChanges(self, wi, sizeof(wi)) && GetLastError() == ERROR_NO_MORE_ITEMS);

    touch(p + 3 * PAGE);
    SetLastError(0);
    check("too_small", !GetWsChanges(self, wi, sizeof(wi[0])) && GetLastError() == ERROR_INSUFFICIENT_BUFFER);
    SetLastError(0);
    check("no_query_right", !GetWsChanges(vr, wi, sizeof(wi)) && GetLastError() == ERROR_ACCESS_DENIED);
    check("init_again", InitializeProcessForWsWatch(self));

    thread_page = p + 4 * PAGE;
    HANDLE t = CreateThread(NULL, 0, toucher, NULL, 0, NULL);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    DWORD cb = sizeof(wx);
    get_ex_fn get_ex = (get_ex_fn)(void (*)(void))GetWsChangesEx;
    check("changes_ex", get_ex(self, wx, &cb));
    int mine = 0, theirs = 0;
    for (DWORD i = 0; i < cb / sizeof(wx[0]) && wx[i].BasicInfo.FaultingPc; i++) {
        ULONG_PTR page = (ULONG_PTR)wx[i].BasicInfo.FaultingVa & ~(ULONG_PTR)0xfff;
        mine |= page == (ULONG_PTR)(p + 3 * PAGE) && wx[i].FaultingThreadId == GetCurrentThreadId();
        theirs |= page == (ULONG_PTR)thread_page && wx[i].FaultingThreadId == thread_id;
    }
    check("changes_ex_main_thread", mine);
    check("changes_ex_other_thread", theirs && thread_id != GetCurrentThreadId());
    check("changes_ex_size", cb % sizeof(wx[0]) == 0 && cb >= 3 * sizeof(wx[0]));

    HMODULE k32 = GetModuleHandleA("kernel32.dll");
    get_fn k32_get = (get_fn)GetProcAddress(k32, "K32GetWsChanges");
    init_fn k32_init = (init_fn)GetProcAddress(k32, "K32InitializeProcessForWsWatch");
    check("k32_forms", k32_get && k32_init && GetProcAddress(k32, "K32GetWsChangesEx"));
    if (k32_get && k32_init) {
        check("k32_init", k32_init(self));
        ULONG_PTR pc5 = touch(p + 5 * PAGE);
        check("k32_changes", k32_get(self, wi, sizeof(wi)) && find(p + 5 * PAGE) &&
                                 (ULONG_PTR)find(p + 5 * PAGE)->FaultingPc == pc5);
    }
    other_process(argv[0]);
    check("contents", p[PAGE] == 1 && p[2 * PAGE + 5] == 1 && p[5 * PAGE] == 1 && image_bss[9 * PAGE] == 1);
    VirtualFree(p, 0, MEM_RELEASE);
    return failures;
}
