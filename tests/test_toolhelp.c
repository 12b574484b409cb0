/* SPDX-License-Identifier: MIT */
/* test_toolhelp.c - tool help process and thread snapshots (CreateToolhelp32Snapshot with
 * TH32CS_SNAPPROCESS / SNAPTHREAD, Process32First/Next(W), Thread32First/Next) with real
 * processes: thsnap.exe (tests/images) runs its checks from PE code under `winvm run` with a
 * child of its own; the rest calls the same API from this Linux program linked with libwinvm,
 * whose PE child is reached through its control channel for its name.
 */
#define _GNU_SOURCE
#include "winvm.h"
#include <winvm/ntsysinfo.h>

#include "testutil.h"

#include <criterion/criterion.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

#define TH32CS_SNAPHEAPLIST 0x1u
#define TH32CS_SNAPPROCESS 0x2u
#define TH32CS_SNAPTHREAD 0x4u

typedef struct {
    DWORD dwSize, cntUsage, th32ProcessID;
    ULONG_PTR th32DefaultHeapID;
    DWORD th32ModuleID, cntThreads, th32ParentProcessID;
    LONG pcPriClassBase;
    DWORD dwFlags;
    WCHAR szExeFile[MAX_PATH];
} PE32W;
typedef struct {
    DWORD dwSize, cntUsage, th32ThreadID, th32OwnerProcessID;
    LONG tpBasePri, tpDeltaPri;
    DWORD dwFlags;
} TE32;

static char out[16384];

Test(toolhelp, pe_process_and_thread_snapshots, .timeout = 120)
{
    int oks = tu_run_checks(WINVM_PE_IMAGES "/thsnap.exe", out, sizeof(out));
    cr_assert_eq(oks, 44, "%s", out);
}

static bool find(HANDLE snap, DWORD pid, PE32W *pe)
{
    pe->dwSize = sizeof(*pe);
    for (BOOL more = Process32FirstW(snap, pe); more; more = Process32NextW(snap, pe))
        if (pe->th32ProcessID == pid)
            return true;
    return false;
}

static bool same_name(const WCHAR *w, const char *s)
{
    for (; *s; w++, s++)
        if (*w != (WCHAR)(unsigned char)*s)
            return false;
    return *w == 0;
}

/* pid's ImageName and parent in NtQuerySystemInformation(SystemProcessInformation). */
static bool sysproc(DWORD pid, WCHAR *name, DWORD *parent)
{
    ULONG len = 1 << 21, need = 0;
    char *buf = malloc(len);
    bool found = false;
    if (NtQuerySystemInformation(SystemProcessInformation, buf, len, &need) == 0)
        for (size_t at = 0;;) {
            SYSTEM_PROCESS_INFORMATION *e = (SYSTEM_PROCESS_INFORMATION *)(buf + at);
            if ((DWORD)(uintptr_t)e->UniqueProcessId == pid) {
                memcpy(name, e->ImageName.Buffer, e->ImageName.Length);
                name[e->ImageName.Length / sizeof(WCHAR)] = 0;
                *parent = (DWORD)(uintptr_t)e->InheritedFromUniqueProcessId;
                found = true;
            }
            if (!e->NextEntryOffset)
                break;
            at += e->NextEntryOffset;
        }
    free(buf);
    return found;
}

/* A Linux parent sees its PE child (started "hold": a second thread, then "ready") with this
 * process as its parent and the EXE's file name, as NtQuerySystemInformation names it; itself
 * under its own executable's name; the child's threads, its main thread first. */
Test(toolhelp, linux_parent_sees_its_pe_child, .timeout = 120)
{
    if (access(WINVM_PE_IMAGES "/thsnap.exe", R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 missing)");
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE in_r, in_w, out_r, out_w;
    cr_assert(CreatePipe(&in_r, &in_w, &sa, 0) && CreatePipe(&out_r, &out_w, &sa, 0));
    SetHandleInformation(in_w, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOA si = {.cb = sizeof(si), .dwFlags = STARTF_USESTDHANDLES, .hStdInput = in_r, .hStdOutput = out_w,
                       .hStdError = out_w};
    PROCESS_INFORMATION pi;
    char cmd[] = "thsnap hold";
    cr_assert(CreateProcessA(WINVM_PE_IMAGES "/thsnap.exe", cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi),
              "error %u", GetLastError());
    CloseHandle(in_r), CloseHandle(out_w);
    char ready[8] = {0};
    DWORD n = 0;
    cr_assert(ReadFile(out_r, ready, 6, &n, NULL) && n == 6 && !memcmp(ready, "ready\n", 6), "%s", ready);

    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS | TH32CS_SNAPTHREAD, 0);
    cr_assert_neq(snap, INVALID_HANDLE_VALUE, "error %u", GetLastError());
    PE32W pe;
    cr_assert(find(snap, pi.dwProcessId, &pe), "the child is not listed");
    cr_assert_eq(pe.th32ParentProcessID, (DWORD)getpid());
    cr_assert(same_name(pe.szExeFile, "thsnap.exe"));
    cr_assert_geq(pe.cntThreads, 2);
    WCHAR name[MAX_PATH];
    DWORD parent = 0;
    cr_assert(sysproc(pi.dwProcessId, name, &parent), "NtQuerySystemInformation does not list the child");
    cr_assert_eq(parent, (DWORD)getpid(), "NtQuerySystemInformation's parent");
    char narrow[MAX_PATH];
    for (int i = 0; i < MAX_PATH; i++)
        narrow[i] = (char)name[i];
    cr_assert(same_name(name, "thsnap.exe"), "NtQuerySystemInformation's name: %s", narrow);
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    cr_assert_gt(len, 0);
    self[len] = 0;
    cr_assert(find(snap, (DWORD)getpid(), &pe) && same_name(pe.szExeFile, basename(self)));

    TE32 te = {.dwSize = sizeof(te)};
    DWORD first = 0, count = 0;
    for (BOOL more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te))
        if (te.th32OwnerProcessID == pi.dwProcessId && !count++)
            first = te.th32ThreadID;
    cr_assert_eq(GetLastError(), ERROR_NO_MORE_FILES);
    cr_assert_eq(first, pi.dwThreadId, "the child's main thread %u first, not %u", pi.dwThreadId, first);
    cr_assert_geq(count, 2);
    CloseHandle(snap);

    CloseHandle(in_w); /* the child's input ends: it returns */
    cr_assert_eq(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    CloseHandle(out_r), CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
}

/* Errors: another process's heaps are out of reach, and no snapshot is made; a bad dwSize;
 * walks of a handle that is not a snapshot. */
Test(toolhelp, errors)
{
    SetLastError(0);
    cr_assert_eq(CreateToolhelp32Snapshot(TH32CS_SNAPHEAPLIST | TH32CS_SNAPPROCESS, 1), INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_PARTIAL_COPY);
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    cr_assert_neq(snap, INVALID_HANDLE_VALUE);
    TE32 te = {.dwSize = 0};
    SetLastError(0);
    cr_assert_not(Thread32First(snap, &te));
    cr_assert_eq(GetLastError(), ERROR_BAD_LENGTH);
    te.dwSize = sizeof(te);
    cr_assert(Thread32First(snap, &te));
    cr_assert_eq(te.dwSize, sizeof(te));
    PE32W pe = {.dwSize = sizeof(pe)};
    SetLastError(0);
    cr_assert_not(Process32FirstW(snap, &pe), "a thread snapshot lists no process");
    cr_assert_eq(GetLastError(), ERROR_NO_MORE_FILES);
    SetLastError(0);
    cr_assert_not(Thread32Next(snap, (void *)8), "a bad pointer");
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
    CloseHandle(snap);
    SetLastError(0);
    cr_assert_not(Thread32First(snap, &te));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    SetLastError(0);
    cr_assert_not(Thread32First(GetCurrentProcess(), &te));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
}
