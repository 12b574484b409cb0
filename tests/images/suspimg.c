/* SPDX-License-Identifier: MIT */
/* suspimg.c - suspimg.exe: a CREATE_SUSPENDED child already has its image mapped, as Windows'
 * kernel maps it before any of the child runs (tests/test_thread_kill.c; Wine's
 * test_section_access records it).  Prints "ok NAME" / "FAIL NAME"; exits with the failures.
 * Run with "child" it only returns 7 (the suspended child is never resumed).
 *
 *   self_info       NtQueryInformationProcess(ProcessImageInformation) of this process: the
 *                   EXE's SECTION_IMAGE_INFORMATION (entry at the preferred base, the headers'
 *                   characteristics, machine, subsystem, the file's size); a wrong length:
 *                   STATUS_INFO_LENGTH_MISMATCH
 *   child_mapped    VirtualQueryEx at the child's image base: committed MEM_IMAGE, allocation
 *                   base the image base, AllocationProtect PAGE_EXECUTE_WRITECOPY, the headers'
 *                   page PAGE_READONLY; ReadProcessMemory reads its "MZ"
 *   child_info      ProcessImageInformation through the child's handle: the same as this
 *                   process's (the same file)
 *   unmapped_info   NtUnmapViewOfSection of that image in the child succeeds, the range is free
 *                   after it, and ProcessImageInformation still answers the same (the process
 *                   keeps its image section)
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

typedef LONG(NTAPI *query_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);
typedef LONG(NTAPI *unmap_fn)(HANDLE, PVOID);

typedef struct {
    PVOID TransferAddress;
    ULONG ZeroBits;
    SIZE_T MaximumStackSize, CommittedStackSize;
    ULONG SubSystemType, SubSystemVersion, OperatingSystemVersion;
    USHORT ImageCharacteristics, DllCharacteristics, Machine;
    BOOLEAN ImageContainsCode;
    UCHAR ImageFlags;
    ULONG LoaderFlags, ImageFileSize, CheckSum;
} IMAGE_INFO;

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    fflush(stdout);
    failures += !ok;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return 7;
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    query_fn q = (query_fn)(void *)GetProcAddress(nt, "NtQueryInformationProcess");
    unmap_fn unmap = (unmap_fn)(void *)GetProcAddress(nt, "NtUnmapViewOfSection");
    char path[MAX_PATH];
    GetModuleFileNameA(NULL, path, MAX_PATH);
    const IMAGE_DOS_HEADER *dos = (const IMAGE_DOS_HEADER *)GetModuleHandleA(NULL);
    const IMAGE_NT_HEADERS64 *h = (const IMAGE_NT_HEADERS64 *)((const char *)dos + dos->e_lfanew);
    char *base = (char *)h->OptionalHeader.ImageBase;

    IMAGE_INFO self, other, after;
    ULONG len = 0;
    memset(&self, 0xcc, sizeof(self));
    LONG st = q(GetCurrentProcess(), 37, &self, sizeof(self), &len);
    LONG st2 = q(GetCurrentProcess(), 37, &other, sizeof(self) + 1, NULL);
    HANDLE fh = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD fsize = GetFileSize(fh, NULL);
    CloseHandle(fh);
    check("self_info", st == 0 && len == sizeof(self) && st2 == (LONG)0xC0000004 &&
                           self.TransferAddress == base + h->OptionalHeader.AddressOfEntryPoint &&
                           self.ImageCharacteristics == h->FileHeader.Characteristics && self.Machine == 0x8664 &&
                           self.SubSystemType == h->OptionalHeader.Subsystem && self.ImageFileSize == fsize &&
                           self.ImageContainsCode);

    char cmd[MAX_PATH + 16];
    snprintf(cmd, sizeof(cmd), "\"%s\" child", path);
    STARTUPINFOA si = {.cb = sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(path, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
        printf("FAIL CreateProcess %lu\n", GetLastError());
        return 99;
    }
    MEMORY_BASIC_INFORMATION m;
    SIZE_T got = VirtualQueryEx(pi.hProcess, base, &m, sizeof(m));
    char mz[2] = {0};
    SIZE_T n = 0;
    BOOL rd = ReadProcessMemory(pi.hProcess, base, mz, 2, &n);
    check("child_mapped", got == sizeof(m) && m.State == MEM_COMMIT && m.Type == MEM_IMAGE &&
                              m.AllocationBase == base && m.BaseAddress == base &&
                              m.AllocationProtect == PAGE_EXECUTE_WRITECOPY && m.Protect == PAGE_READONLY && rd &&
                              n == 2 && mz[0] == 'M' && mz[1] == 'Z');

    memset(&other, 0, sizeof(other));
    st = q(pi.hProcess, 37, &other, sizeof(other), NULL);
    check("child_info", st == 0 && memcmp(&self, &other, sizeof(self)) == 0);

    st = unmap(pi.hProcess, base);
    got = VirtualQueryEx(pi.hProcess, base, &m, sizeof(m));
    memset(&after, 0, sizeof(after));
    st2 = q(pi.hProcess, 37, &after, sizeof(after), NULL);
    check("unmapped_info", st == 0 && got == sizeof(m) && m.State == MEM_FREE && st2 == 0 &&
                               memcmp(&self, &after, sizeof(self)) == 0);
    if (st || st2)
        printf("  unmap %lx, query %lx\n", st, st2);

    TerminateProcess(pi.hProcess, 3);
    WaitForSingleObject(pi.hProcess, 10000);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return failures;
}
