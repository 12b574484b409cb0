/* SPDX-License-Identifier: MIT */
/* dep.c - dep.dll: the dependency every loader test image imports.  CRT-free (mingw-w64,
 * -nostdlib -shared -e DllEntry, -lkernel32), built by tests/CMakeLists.txt into
 * WINVM_PE_IMAGES_DIR together with its import library libdep.a (from dep.def, made with
 * x86_64-w64-mingw32-dlltool so that dep_ordinal_only is imported BY ORDINAL 7).
 * ImageBase 0x240000000, DYNAMIC_BASE, FileAlignment 0x200.  No absolute pointers, so ld emits
 * no .reloc at all (DataDirectory[5] empty, RELOCS_STRIPPED clear): it is relocatable with zero
 * fixups.  Its import directory holds only the null terminator (nothing from kernel32 is used).
 *
 * Exports (dep.def; ordinal base 1, ordinals 5 and 6 are empty slots of the address table):
 *   @1 dep_value()          -> 42
 *   @2 dep_twice(int x)     -> 2 * x
 *   @3 dep_attach_count     int DATA: DLL_PROCESS_ATTACH calls seen by DllEntry
 *   @4 dep_detach_count     int DATA: DLL_PROCESS_DETACH calls seen by DllEntry
 *   @7 dep_ordinal_only()   -> 7007, NONAME (no name in the export table: ordinal only)
 *   @8 dep_note(int event)  appends event to dep_log (other images log through it)
 *   @9 dep_log              int[DEP_LOG_MAX] DATA, @10 dep_log_len int DATA
 *
 * What the loader tests should check with it:
 *  - LoadLibraryA("dep.dll") maps it; DllEntry runs once: dep_attach_count == 1, detach == 0;
 *    a second LoadLibraryA returns the same HMODULE and does NOT call DllEntry again.
 *  - GetProcAddress by name ("dep_value", "dep_twice", DATA "dep_attach_count") and by ordinal
 *    ((LPCSTR)7 -> dep_ordinal_only, 1 -> dep_value); (LPCSTR)5, (LPCSTR)6 (empty slots), 11
 *    (past the table) and "dep_ordinal_only" (no name) fail with ERROR_PROC_NOT_FOUND.
 *  - The last FreeLibrary calls DllEntry with DLL_PROCESS_DETACH (observable only while still
 *    mapped, e.g. through dep_log from another module, or by re-loading: the counters restart
 *    at attach == 1 since the image is mapped afresh).
 */
#include <windows.h>

#define DEP_LOG_MAX 64

int dep_attach_count = 0;
int dep_detach_count = 0;
int dep_log[DEP_LOG_MAX];
int dep_log_len = 0;

int dep_value(void) { return 42; }
int dep_twice(int x) { return 2 * x; }
int dep_ordinal_only(void) { return 7007; }

void dep_note(int event)
{
    if (dep_log_len < DEP_LOG_MAX)
        dep_log[dep_log_len++] = event;
}

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        dep_attach_count++;
    else if (reason == DLL_PROCESS_DETACH)
        dep_detach_count++;
    return TRUE;
}
