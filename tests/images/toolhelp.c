/* SPDX-License-Identifier: MIT */
/* toolhelp.c - toolhelp.exe: CreateToolhelp32Snapshot(TH32CS_SNAPMODULE) and
 * Module32First/Next(W) walk this process's modules as GetModuleHandle and GetModuleFileNameW
 * name them (the EXE first, kernel32.dll among them), ERROR_NO_MORE_FILES at the end, a too small
 * dwSize refused, a closed snapshot no handle.  Prints "ok NAME" / "FAIL NAME" and exits with the
 * failures (tests/test_rust_imports.c). */
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <tlhelp32.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

/* The entry for mod in a walk of snap, its position in *pos; FALSE when absent. */
static BOOL find(HANDLE snap, HMODULE mod, MODULEENTRY32W *out, int *pos, int *count)
{
    MODULEENTRY32W me;
    me.dwSize = sizeof(me);
    BOOL found = FALSE;
    int i = 0;
    for (BOOL more = Module32FirstW(snap, &me); more; more = Module32NextW(snap, &me), i++)
        if (me.hModule == mod && !found)
            *out = me, *pos = i, found = TRUE;
    *count = i;
    return found;
}

static void same(const char *what, HANDLE snap, HMODULE mod, const wchar_t *leaf, int want_pos)
{
    wchar_t path[MAX_PATH];
    GetModuleFileNameW(mod, path, MAX_PATH);
    MODULEENTRY32W me;
    int pos = -1, count = 0;
    char name[64];
    snprintf(name, sizeof(name), "%s_listed", what);
    check(name, find(snap, mod, &me, &pos, &count) && (want_pos < 0 || pos == want_pos));
    snprintf(name, sizeof(name), "%s_entry", what);
    check(name, me.dwSize == sizeof(me) && me.modBaseAddr == (BYTE *)mod && me.modBaseSize > 0x1000 &&
                    me.th32ProcessID == GetCurrentProcessId() && me.th32ModuleID == 1);
    snprintf(name, sizeof(name), "%s_path", what);
    check(name, wcscmp(me.szExePath, path) == 0 && path[1] == L':' && path[2] == L'\\');
    snprintf(name, sizeof(name), "%s_module", what);
    check(name, _wcsicmp(me.szModule, leaf) == 0);
}

int main(void)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPMODULE | TH32CS_SNAPMODULE32, 0);
    check("snapshot", snap != INVALID_HANDLE_VALUE && snap != NULL);
    wchar_t exe[MAX_PATH];
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    same("exe", snap, GetModuleHandleW(NULL), wcsrchr(exe, L'\\') + 1, 0);
    same("kernel32", snap, GetModuleHandleW(L"kernel32.dll"), L"kernel32.dll", -1);

    MODULEENTRY32W me;
    me.dwSize = sizeof(me);
    int n = 0;
    for (BOOL more = Module32FirstW(snap, &me); more; more = Module32NextW(snap, &me))
        n++;
    check("end", GetLastError() == ERROR_NO_MORE_FILES && n >= 3);
    SetLastError(0);
    check("next_after_end", !Module32NextW(snap, &me) && GetLastError() == ERROR_NO_MORE_FILES);
    me.dwSize = sizeof(me) - 1;
    SetLastError(0);
    check("small_dwsize", !Module32FirstW(snap, &me) && GetLastError() == ERROR_INSUFFICIENT_BUFFER);

    /* a module loaded after the snapshot is not in it; a new snapshot has it */
    HMODULE dep = LoadLibraryA("dep.dll");
    int pos, count;
    check("later_load_absent", dep && !find(snap, dep, &me, &pos, &count) && count == n);
    HANDLE snap2 = CreateToolhelp32Snapshot(TH32CS_SNAPMODULE, GetCurrentProcessId());
    check("own_pid_snapshot", snap2 != INVALID_HANDLE_VALUE && find(snap2, dep, &me, &pos, &count) &&
                                  count == n + 1 && _wcsicmp(me.szModule, L"dep.dll") == 0);
    CloseHandle(snap2);

    MODULEENTRY32 ma;
    ma.dwSize = sizeof(ma);
    check("ansi_first", Module32First(snap, &ma) && ma.hModule == GetModuleHandleW(NULL) &&
                            _stricmp(ma.szModule, "toolhelp.exe") == 0 && ma.szExePath[1] == ':');

    check("close", CloseHandle(snap));
    me.dwSize = sizeof(me);
    SetLastError(0);
    check("closed", !Module32FirstW(snap, &me) && GetLastError() == ERROR_INVALID_HANDLE);
    return failures;
}
