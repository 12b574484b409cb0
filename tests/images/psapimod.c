/* SPDX-License-Identifier: MIT */
/* psapimod.c - psapimod.exe: psapi's process and module enumeration and kernel32's
 * QueryDosDevice from PE code, plus user32's CharLowerA/CharUpperA and WaitForInputIdle.
 * Prints "ok NAME" / "FAIL NAME" and exits with the failures (tests/test_psapi_mod.c). */
#define PSAPI_VERSION 1
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <psapi.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void enum_processes(void)
{
    DWORD pids[4096], used = 0xdead, me = GetCurrentProcessId(), found = 0;
    check("enum_processes_empty", EnumProcesses(NULL, 0, &used) && used == 0);
    check("enum_processes", EnumProcesses(pids, sizeof(pids), &used) && used && used % 4 == 0);
    for (DWORD i = 0; i < used / 4; i++)
        found |= pids[i] == me;
    check("enum_processes_has_self", found);
    check("enum_processes_one", EnumProcesses(pids, 4, &used) && used == 4);
}

static void enum_modules(HANDLE qv, HANDLE qi)
{
    HMODULE mods[64], exe = GetModuleHandleA(NULL), dll = LoadLibraryA("dep.dll");
    DWORD needed = 0;
    SetLastError(0);
    check("modules_no_handle", !EnumProcessModules(NULL, mods, sizeof(mods), &needed) &&
                                   GetLastError() == ERROR_INVALID_HANDLE);
    check("modules_no_vm_read", !EnumProcessModules(qi, mods, sizeof(mods), &needed) &&
                                    GetLastError() == ERROR_ACCESS_DENIED);
    check("modules_size_only", EnumProcessModules(qv, NULL, 0, &needed) && needed >= 2 * sizeof(HMODULE));
    check("modules", EnumProcessModules(qv, mods, sizeof(mods), &needed) && mods[0] == exe);
    int has_dll = 0;
    for (DWORD i = 0; i < needed / sizeof(HMODULE); i++)
        has_dll |= dll && mods[i] == dll;
    check("modules_has_dll", has_dll);
    mods[0] = NULL;
    check("modules_bad_needed", !EnumProcessModules(qv, mods, sizeof(HMODULE), NULL) &&
                                    GetLastError() == ERROR_NOACCESS && mods[0] == exe);
    check("modules_bad_list", !EnumProcessModules(qv, NULL, sizeof(HMODULE), &needed) &&
                                  GetLastError() == ERROR_NOACCESS);
    check("modules_32bit_empty", EnumProcessModulesEx(qv, mods, sizeof(mods), &needed, LIST_MODULES_32BIT) &&
                                     needed == 0);
    check("modules_bad_filter", !EnumProcessModulesEx(qv, mods, sizeof(mods), &needed, 0x400) &&
                                    GetLastError() == ERROR_INVALID_PARAMETER);
}

static void module_names(HANDLE qv, HANDLE qi)
{
    char path[MAX_PATH], ex[MAX_PATH], base[MAX_PATH];
    WCHAR w[MAX_PATH];
    GetModuleFileNameA(NULL, path, sizeof(path));
    check("file_name_ex", GetModuleFileNameExA(qv, NULL, ex, sizeof(ex)) == strlen(path) && !strcmp(ex, path));
    check("file_name_ex_denied", !GetModuleFileNameExA(qi, NULL, ex, sizeof(ex)) &&
                                     GetLastError() == ERROR_ACCESS_DENIED);
    check("file_name_ex_bad_module", !GetModuleFileNameExA(qv, (HMODULE)0xdeadbeef, ex, sizeof(ex)) &&
                                         GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0xdeadbeef);
    check("file_name_ex_cut", GetModuleFileNameExA(qv, NULL, ex, 4) == 4 && strlen(ex) == 3 &&
                                  GetLastError() == 0xdeadbeef);
    check("file_name_ex_w", GetModuleFileNameExW(qv, NULL, w, MAX_PATH) == strlen(path) && w[1] == ':');
    check("base_name", GetModuleBaseNameA(qv, NULL, base, sizeof(base)) == strlen("psapimod.exe") &&
                           !strcmp(base, "psapimod.exe"));
    check("base_name_w", GetModuleBaseNameW(qv, NULL, w, MAX_PATH) == 12 && !wcscmp(w, L"psapimod.exe"));
    check("base_name_cut", GetModuleBaseNameA(qv, NULL, base, 4) == 3 && !strcmp(base, "psa"));
}

static void module_info(HANDLE qv, HANDLE qi)
{
    MODULEINFO mi;
    HMODULE exe = GetModuleHandleA(NULL);
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)((char *)exe + ((IMAGE_DOS_HEADER *)exe)->e_lfanew);
    check("info", GetModuleInformation(qv, exe, &mi, sizeof(mi)) && mi.lpBaseOfDll == exe &&
                      mi.SizeOfImage == nt->OptionalHeader.SizeOfImage &&
                      mi.EntryPoint == (char *)exe + nt->OptionalHeader.AddressOfEntryPoint);
    check("info_small", !GetModuleInformation(qv, exe, &mi, sizeof(mi) - 1) &&
                            GetLastError() == ERROR_INSUFFICIENT_BUFFER);
    check("info_denied", !GetModuleInformation(qi, exe, &mi, sizeof(mi)) && GetLastError() == ERROR_ACCESS_DENIED);
    check("info_bad_module", !GetModuleInformation(qv, (HMODULE)0xdeadbeef, &mi, sizeof(mi)) &&
                                 GetLastError() == ERROR_INVALID_HANDLE);
}

static void image_name(HANDLE qi, HANDLE sr)
{
    char img[MAX_PATH];
    WCHAR w[MAX_PATH];
    DWORD n = GetProcessImageFileNameA(qi, img, sizeof(img));
    check("image_name", n == strlen(img) && !strncmp(img, "\\Device\\HarddiskVolume1\\", 24) &&
                            strstr(img, "\\psapimod.exe"));
    check("image_name_denied", !GetProcessImageFileNameA(sr, img, sizeof(img)) &&
                                   GetLastError() == ERROR_ACCESS_DENIED);
    check("image_name_small", !GetProcessImageFileNameW(qi, w, n) && GetLastError() == ERROR_INSUFFICIENT_BUFFER);
    check("image_name_w", GetProcessImageFileNameW(qi, w, n + 1) == n && w[0] == '\\');
}

static void dos_devices(void)
{
    char buf[256];
    DWORD n = QueryDosDeviceA("C:", buf, sizeof(buf));
    check("dos_device_c", n == strlen("\\Device\\HarddiskVolume1") + 2 && !strcmp(buf, "\\Device\\HarddiskVolume1"));
    check("dos_device_small", !QueryDosDeviceA("C:", buf, 5) && GetLastError() == ERROR_INSUFFICIENT_BUFFER);
    check("dos_device_unknown", !QueryDosDeviceA("Q:", buf, sizeof(buf)) && GetLastError() == ERROR_FILE_NOT_FOUND);
    WCHAR w[256];
    check("dos_device_w", QueryDosDeviceW(L"c:", w, 256) == n && !wcscmp(w, L"\\Device\\HarddiskVolume1"));
    n = QueryDosDeviceA(NULL, buf, sizeof(buf));
    check("dos_device_all", n > 4 && !strcmp(buf, "C:") && buf[n - 1] == 0 && buf[n - 2] == 0);
}

static void user32_calls(HANDLE qi)
{
    char s[] = "MiXeD 1";
    check("char_lower", CharLowerA(s) == s && !strcmp(s, "mixed 1"));
    check("char_upper", CharUpperA(s) == s && !strcmp(s, "MIXED 1"));
    check("char_lower_one", CharLowerA((char *)(ULONG_PTR)'Q') == (char *)(ULONG_PTR)'q');
    check("char_lower_bad", CharLowerA((char *)0x10000) == NULL && GetLastError() == ERROR_INVALID_PARAMETER);
    check("input_idle", WaitForInputIdle(qi, 100) == 0);
    check("input_idle_bad", WaitForInputIdle((HANDLE)0x1234, 100) == WAIT_FAILED &&
                                GetLastError() == ERROR_INVALID_HANDLE);
}

int main(void)
{
    DWORD pid = GetCurrentProcessId();
    HANDLE qv = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    HANDLE qi = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, pid);
    HANDLE sr = OpenProcess(STANDARD_RIGHTS_REQUIRED, FALSE, pid);
    check("open", qv && qi && sr);
    enum_processes();
    enum_modules(qv, qi);
    module_names(qv, qi);
    module_info(qv, qi);
    image_name(qi, sr);
    dos_devices();
    user32_calls(qi);
    return failures;
}
