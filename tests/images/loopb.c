/* SPDX-License-Identifier: MIT */
/* loopb.c - loopb.dll, the other half of the import cycle loopa.dll <-> loopb.dll: imports
 * loopa_value from loopa.dll (libloopa.a, made from loopa.def by dlltool) and dep_note from
 * dep.dll.  ImageBase 0x271000000, DYNAMIC_BASE, CRT-free like loopa.dll.  The header of
 * loopa.c says what a loader test should check with the pair.
 *
 * Exports (loopb.def):
 *   @1 loopb_value()        -> 2
 *   @2 loopb_sum()          -> loopa_value() (through the import) + loopb_value() = 3
 *   @3 loopb_attach_count   int DATA: DLL_PROCESS_ATTACH calls seen by DllEntry
 *   @4 loopb_detach_count   int DATA: DLL_PROCESS_DETACH calls seen by DllEntry
 *   @5 loopb_attach_peer    int DATA: loopa_value() called through the import during
 *                           DLL_PROCESS_ATTACH (1); -1 before
 * DllEntry calls dep_note(0x700 | reason).
 */
#include <windows.h>

__declspec(dllimport) int loopa_value(void);
__declspec(dllimport) void dep_note(int event);

int loopb_attach_count = 0;
int loopb_detach_count = 0;
int loopb_attach_peer = -1;

int loopb_value(void) { return 2; }
int loopb_sum(void) { return loopa_value() + loopb_value(); }

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) {
        loopb_attach_count++;
        loopb_attach_peer = loopa_value();
    } else if (reason == DLL_PROCESS_DETACH) {
        loopb_detach_count++;
    }
    dep_note(0x700 | (int)reason);
    return TRUE;
}
