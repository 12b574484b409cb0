/* SPDX-License-Identifier: MIT */
/* rtload.c - rtload.exe: run-time dynamic loading from a `winvm run` program.  CRT-free
 * (mingw-w64, -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only: dep.dll is NOT an
 * import), built by tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR next to dep.dll.  Default EXE
 * layout (ImageBase 0x140000000, DYNAMIC_BASE, .reloc).
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, GetLastError, SetLastError, GetModuleHandleA,
 * GetModuleHandleW, LoadLibraryA, GetProcAddress, FreeLibrary, VirtualQuery,
 * GetCurrentProcessId.
 *
 * Output: one line per check, in this order, "ok NAME\n" or "FAIL NAME\n" (nothing else):
 *   self_handle    GetModuleHandleA(NULL) == &__ImageBase (the EXE's own image base, as the
 *                  linker's __ImageBase symbol resolves after relocation)
 *   self_handle_w  GetModuleHandleW(NULL) == &__ImageBase
 *   self_image     __ImageBase starts with "MZ", its NT headers with "PE\0\0", and start()
 *                  lies inside [__ImageBase, + OptionalHeader.SizeOfImage)
 *   self_query     VirtualQuery(start): AllocationBase == &__ImageBase, MEM_COMMIT, MEM_IMAGE,
 *                  Protect PAGE_EXECUTE_READ, AllocationProtect PAGE_EXECUTE_WRITECOPY
 *   dep_absent     before loading: GetModuleHandleA("dep.dll") == NULL, GetLastError() ==
 *                  ERROR_MOD_NOT_FOUND (126)
 *   load           h = LoadLibraryA("dep.dll") != NULL (found in the EXE's directory), h points
 *                  at "MZ"
 *   module_handle  GetModuleHandleA("dep.dll") == h and GetModuleHandleA("DEP.DLL") == h
 *   dep_value      GetProcAddress(h, "dep_value")() == 42
 *   dep_ordinal    GetProcAddress(h, (LPCSTR)7)() == 7007 (dep_ordinal_only, export by ordinal)
 *   dep_attach     *(int *)GetProcAddress(h, "dep_attach_count") == 1 (DllEntry ran once)
 *   proc_missing   GetProcAddress(h, "no_such_export") == NULL, GetLastError() ==
 *                  ERROR_PROC_NOT_FOUND (127)
 *   load_again     LoadLibraryA("dep.dll") == h again, FreeLibrary of that reference
 *                  succeeds, and dep.dll is still loaded (GetModuleHandleA == h, attach count 1)
 *   free           FreeLibrary(h) succeeds; GetModuleHandleA("dep.dll") == NULL afterwards
 *   missing_dll    LoadLibraryA("absent.dll") == NULL (no such file), GetLastError() ==
 *                  ERROR_MOD_NOT_FOUND (126)
 *   kernel32       GetModuleHandleA("kernel32.dll") != NULL; through GetProcAddress on it,
 *                  "GetCurrentProcessId" returns the same as the imported GetCurrentProcessId
 * Exit code: the number of FAIL lines (0 when everything passed).
 */
#include "exe_util.h"

extern IMAGE_DOS_HEADER __ImageBase;

typedef int (*int_fn)(void);
typedef DWORD (WINAPI *dword_fn)(void);

int start(void)
{
    HMODULE self = (HMODULE)&__ImageBase;
    MEMORY_BASIC_INFORMATION m;
    int ok;

    eu_check("self_handle", GetModuleHandleA(NULL) == self);
    eu_check("self_handle_w", GetModuleHandleW(NULL) == self);
    {
        ULONG_PTR here = (ULONG_PTR)start, base = (ULONG_PTR)&__ImageBase;
        __asm__("" : "+r"(base)); /* the headers go past the 64-byte object gcc knows of */
        const IMAGE_NT_HEADERS64 *nt = (const IMAGE_NT_HEADERS64 *)(base + __ImageBase.e_lfanew);
        ok = __ImageBase.e_magic == IMAGE_DOS_SIGNATURE && nt->Signature == IMAGE_NT_SIGNATURE &&
             here >= base && here < base + nt->OptionalHeader.SizeOfImage;
        eu_check("self_image", ok);
    }
    ok = VirtualQuery((const void *)(ULONG_PTR)start, &m, sizeof m) == sizeof m &&
         m.AllocationBase == (PVOID)self && m.State == MEM_COMMIT && m.Type == MEM_IMAGE &&
         m.Protect == PAGE_EXECUTE_READ && m.AllocationProtect == PAGE_EXECUTE_WRITECOPY;
    eu_check("self_query", ok);

    SetLastError(0);
    eu_check("dep_absent", GetModuleHandleA("dep.dll") == NULL && GetLastError() == ERROR_MOD_NOT_FOUND);

    HMODULE h = LoadLibraryA("dep.dll");
    eu_check("load", h != NULL && ((IMAGE_DOS_HEADER *)h)->e_magic == IMAGE_DOS_SIGNATURE);
    if (!h) {
        eu_puts("FAIL rest: dep.dll did not load\n");
        ++*eu_failures();
    } else {
        eu_check("module_handle", GetModuleHandleA("dep.dll") == h && GetModuleHandleA("DEP.DLL") == h);
        int_fn value = (int_fn)(void *)GetProcAddress(h, "dep_value");
        eu_check("dep_value", value && value() == 42);
        int_fn ordinal = (int_fn)(void *)GetProcAddress(h, (LPCSTR)7);
        eu_check("dep_ordinal", ordinal && ordinal() == 7007);
        volatile int *attach = (volatile int *)(void *)GetProcAddress(h, "dep_attach_count");
        eu_check("dep_attach", attach && *attach == 1);
        SetLastError(0);
        ok = GetProcAddress(h, "no_such_export") == NULL && GetLastError() == ERROR_PROC_NOT_FOUND;
        eu_check("proc_missing", ok);
        ok = LoadLibraryA("dep.dll") == h && FreeLibrary(h) && GetModuleHandleA("dep.dll") == h &&
             attach && *attach == 1;
        eu_check("load_again", ok);
        ok = FreeLibrary(h) && GetModuleHandleA("dep.dll") == NULL;
        eu_check("free", ok);
    }

    SetLastError(0);
    eu_check("missing_dll", LoadLibraryA("absent.dll") == NULL && GetLastError() == ERROR_MOD_NOT_FOUND);

    HMODULE k32 = GetModuleHandleA("kernel32.dll");
    dword_fn pid = k32 ? (dword_fn)(void *)GetProcAddress(k32, "GetCurrentProcessId") : NULL;
    eu_check("kernel32", pid && pid() == GetCurrentProcessId());
    return *eu_failures();
}
