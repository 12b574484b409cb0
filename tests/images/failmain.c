/* SPDX-License-Identifier: MIT */
/* failmain.c - failmain.dll: a DLL whose entry point refuses DLL_PROCESS_ATTACH.  CRT-free
 * (mingw-w64, -nostdlib -shared -e DllEntry, -lkernel32 and dep.dll's import library libdep.a),
 * built by tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR.  ImageBase 0x244000000, DYNAMIC_BASE.
 *
 * Imports dep.dll!dep_note (by name) so that what happened to it stays observable after it is
 * unmapped: DllEntry logs 0x400|reason into dep.dll's dep_log, then returns FALSE for
 * DLL_PROCESS_ATTACH (TRUE for every other reason).  Exports: @1 failmain_value() -> 1 (never
 * reachable through a successful load).
 *
 * What the loader test should check:
 *  - LoadLibraryA("failmain.dll") returns NULL with GetLastError() == ERROR_DLL_INIT_FAILED
 *    (1114, from STATUS_DLL_INIT_FAILED); GetModuleHandleA("failmain.dll") is NULL afterwards and
 *    its address range is free again (VirtualQuery: MEM_FREE at the address it was mapped at).
 *  - With dep.dll loaded by the test beforehand: dep_log gains 0x401 then 0x400 - Windows calls
 *    the entry point with DLL_PROCESS_DETACH right after a FALSE from DLL_PROCESS_ATTACH
 *    ("the system immediately calls your entry-point function with DLL_PROCESS_DETACH and
 *    unloads the DLL", DllMain documentation) - and dep.dll stays loaded with its reference count
 *    back where it was (one FreeLibrary from the test unloads it; dep_detach_count stays 0 until
 *    then).
 *  - Without dep.dll loaded beforehand: dep.dll is unloaded again too (GetModuleHandleA NULL).
 *  - A second LoadLibraryA fails the same way (nothing half-loaded is left in the module list).
 */
#include <windows.h>

__declspec(dllimport) void dep_note(int event);

int failmain_value(void) { return 1; }

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reserved;
    dep_note(0x400 | (int)reason);
    return reason != DLL_PROCESS_ATTACH;
}
