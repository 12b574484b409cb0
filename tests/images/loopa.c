/* SPDX-License-Identifier: MIT */
/* loopa.c - loopa.dll, one half of an IMPORT CYCLE with loopb.dll (loopb.c): loopa.dll imports
 * loopb_value from loopb.dll and loopb.dll imports loopa_value from loopa.dll.  CRT-free
 * (mingw-w64, -nostdlib -shared -e DllEntry), built by tests/CMakeLists.txt into
 * WINVM_PE_IMAGES_DIR.  Both import libraries (libloopa.a, libloopb.a) are made from the .def
 * files by x86_64-w64-mingw32-dlltool before either DLL is linked, so the build has no cycle.
 * loopa.dll: ImageBase 0x270000000, loopb.dll: 0x271000000, both DYNAMIC_BASE.
 *
 * Imports: loopb.dll loopb_value (by name); dep.dll dep_note (by name).  Nothing from kernel32.
 * Exports (loopa.def; loopb.def is the same with loopb_ / 2 / 0x700):
 *   @1 loopa_value()        -> 1                (loopb_value() -> 2)
 *   @2 loopa_sum()          -> loopa_value() + loopb_value() through the IAT = 3  (loopb: 3)
 *   @3 loopa_attach_count   int DATA: DLL_PROCESS_ATTACH calls seen by DllEntry
 *   @4 loopa_detach_count   int DATA: DLL_PROCESS_DETACH calls seen by DllEntry
 *   @5 loopa_attach_peer    int DATA: loopb_value() called through the import during
 *                           DLL_PROCESS_ATTACH (2; loopb's is loopa_value() = 1); -1 before
 * DllEntry also calls dep_note(0x600 | reason) (loopb: 0x700 | reason), so dep.dll's dep_log
 * records both modules' attach AND detach even after they are unmapped (hold dep.dll with your
 * own LoadLibraryA("dep.dll") first so that it, and dep_log, outlive the loop).
 *
 * What a loader test should check:
 *  1. LoadLibraryA("loopa.dll") succeeds (no endless recursion: loopb.dll's import of loopa.dll
 *     must find the loopa.dll that is still being loaded) and loads loopb.dll too:
 *     GetModuleHandleA("loopb.dll") non-NULL.  Each DllEntry ran exactly once:
 *     loopa_attach_count == loopb_attach_count == 1, both detach counts 0; dep_log holds 0x601
 *     and 0x701 exactly once each.  Order: 0x701 before 0x601 is what Wine's process_attach
 *     does (dependencies first; a module whose initialisation is already in progress is
 *     skipped); Windows' order inside a cycle is unverified, so a test may accept either.
 *  2. Imports resolved both ways: loopa_value() == 1, loopb_value() == 2, loopa_sum() == 3,
 *     loopb_sum() == 3; loopa_attach_peer == 2 and loopb_attach_peer == 1 (IATs were bound
 *     before either DllEntry ran).
 *  3. LoadLibraryA("loopb.dll") now returns loopb's existing HMODULE without calling DllEntry
 *     (attach counts stay 1); FreeLibrary it again.
 *  4. FreeLibrary(loopa) - the only external reference - unloads BOTH: GetModuleHandleA of
 *     "loopa.dll" and "loopb.dll" NULL afterwards, dep_log gained 0x600 and 0x700 exactly once
 *     each (expected order 0x600 then 0x700, the reverse of initialisation; unverified on
 *     Windows), and a fresh LoadLibraryA("loopa.dll") starts again at attach counts 1.
 *     The references the two modules' imports hold on each other must not keep the cycle
 *     alive.  What Windows does: the FreeLibrary documentation only says a module is unloaded
 *     when its reference count reaches zero; it says nothing about cycles.  A Wine developer
 *     who tested it on Windows wrote (wine-gitlab mailing list, 16 Feb 2025, review of a merge
 *     request about references made by forwarded exports,
 *     https://list.winehq.org/mailman3/hyperkitty/list/wine-gitlab@winehq.org/message/IB5ROVGRU5MZVDGG7ZE3EXPQRUO34K6S):
 *     with a.dll and b.dll in an import cycle, load a.dll, take a reference to b.dll, free
 *     a.dll - "On Windows, neither would be unloaded until the b.dll reference is released"
 *     (Wine then unloaded a.dll and kept b.dll, which he called a bug).  So Windows treats the
 *     cycle as one unit; that FreeLibrary of the only reference unloads both follows from that
 *     but was not stated there: unverified.
 *  5. Same from the other side: LoadLibraryA("loopb.dll") then FreeLibrary unloads both.
 *  6. (per the Wine report) LoadLibraryA("loopa.dll"), LoadLibraryA("loopb.dll"),
 *     FreeLibrary(loopa): both stay loaded (dep_log gains nothing); FreeLibrary(loopb): both
 *     are unloaded.
 */
#include <windows.h>

__declspec(dllimport) int loopb_value(void);
__declspec(dllimport) void dep_note(int event);

int loopa_attach_count = 0;
int loopa_detach_count = 0;
int loopa_attach_peer = -1;

int loopa_value(void) { return 1; }
int loopa_sum(void) { return loopa_value() + loopb_value(); }

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        loopa_attach_count++;
        loopa_attach_peer = loopb_value();
    } else if (reason == DLL_PROCESS_DETACH) {
        loopa_detach_count++;
    }
    dep_note(0x600 | (int)reason);
    return TRUE;
}
