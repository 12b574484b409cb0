/* SPDX-License-Identifier: MIT */
/* missing.c - missing.dll and missingproc.dll: DLLs whose imports cannot be resolved.  CRT-free
 * (mingw-w64, -nostdlib -shared -e DllEntry, -lkernel32), built by tests/CMakeLists.txt into
 * WINVM_PE_IMAGES_DIR.
 *
 *   missing.dll      imports `nothere` from absent.dll, a DLL that does not exist (import library
 *                    libabsent.a made with x86_64-w64-mingw32-dlltool from absent.def).
 *                    ImageBase 0x245000000.
 *   missingproc.dll  -DMISSING_PROC: imports dep.dll's real dep_note AND `dep_nothere`, which
 *                    dep.dll does not export (import library libdepmissing.a from depmissing.def).
 *                    ImageBase 0x246000000.
 * Both export @1 missing_call() (calls the missing function) and their DllEntry logs 0x500|reason
 * through dep_note (missingproc only); it must never run.
 *
 * What the loader tests should check:
 *  - LoadLibraryA("missing.dll") returns NULL, GetLastError() == ERROR_MOD_NOT_FOUND (126);
 *    GetModuleHandleA("missing.dll") NULL afterwards and the range it was mapped at is free.
 *  - LoadLibraryA("missingproc.dll") returns NULL, GetLastError() == ERROR_PROC_NOT_FOUND (127).
 *    With dep.dll loaded by the test beforehand: dep_log gains nothing (imports are resolved
 *    before any entry point runs), dep_attach_count stays 1, and dep.dll's reference count is back
 *    where it was (one FreeLibrary unloads it).  Without it: dep.dll is not left loaded.
 *  - `winvm inspect` lists both imports (absent.dll!nothere, dep.dll!dep_nothere) without error:
 *    the files are well-formed, only their imports are unsatisfiable.
 */
#include <windows.h>

#ifdef MISSING_PROC
__declspec(dllimport) int dep_nothere(void);
__declspec(dllimport) void dep_note(int event);
int missing_call(void) { return dep_nothere(); }
#else
__declspec(dllimport) int nothere(void);
int missing_call(void) { return nothere(); }
#endif

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reserved;
#ifdef MISSING_PROC
    dep_note(0x500 | (int)reason);
#else
    (void)reason;
#endif
    return TRUE;
}
