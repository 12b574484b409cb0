/* SPDX-License-Identifier: MIT */
/* fwdcyc.c - fwdcyc.dll: export FORWARDERS that lead back into the same DLL, some resolvable,
 * some in endless cycles.  CRT-free (mingw-w64, -nostdlib -shared -e DllEntry), built by
 * tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR.  ImageBase 0x272000000, DYNAMIC_BASE.  No
 * imports at all (its import directory holds only the null terminator), no base relocations
 * (DataDirectory[5] empty).
 *
 * Exports (fwdcyc.def; ordinal base 1; the forwarder strings live in .edata, inside the export
 * directory's range, which is what makes an address-table entry a forwarder; `objdump -p` shows
 * them as "[   2] +base[   3] 6079 Forwarder RVA -- fwdcyc.cyc_b"):
 *   @1 fwd_ok()       the only real function -> 5
 *   @2 fwd_self       FORWARDER "fwdcyc.fwd_ok"     (to itself, resolves)
 *   @3 cyc_a          FORWARDER "fwdcyc.cyc_b"      \ a two-step cycle
 *   @4 cyc_b          FORWARDER "fwdcyc.cyc_a"      /
 *   @5 cyc_self       FORWARDER "fwdcyc.cyc_self"   (a one-step cycle)
 *   @6 fwd_chain      FORWARDER "fwdcyc.fwd_self"   (forwarder -> forwarder -> fwd_ok, resolves)
 *   @7 fwd_nothere    FORWARDER "fwdcyc.fwd_nothere_target" (no such export)
 * The forwarders name the module "fwdcyc" without ".dll", as link.exe and dlltool write them:
 * the loader appends ".dll" and must find the already loaded fwdcyc.dll (itself).
 *
 * What a loader test should check, after h = LoadLibraryA("fwdcyc.dll") (succeeds, DllEntry
 * runs once):
 *  - GetProcAddress(h, "fwd_ok") is a function returning 5.
 *  - GetProcAddress(h, "fwd_self") == GetProcAddress(h, "fwd_ok"), and by ordinal
 *    GetProcAddress(h, (LPCSTR)2) the same; likewise "fwd_chain" / (LPCSTR)6 (two hops).
 *  - GetProcAddress(h, "cyc_a"), "cyc_b", "cyc_self" and the ordinals 3, 4, 5 each return NULL
 *    with GetLastError() == ERROR_PROC_NOT_FOUND (127): the forwarder walk must detect the
 *    cycle or give up after a bounded number of hops - no hang, no stack overflow, no crash.
 *    (What Windows itself does with a forwarder cycle is unverified: it may recurse without
 *    limit.  NULL + ERROR_PROC_NOT_FOUND is the behaviour this project expects.)
 *  - GetProcAddress(h, "fwd_nothere") returns NULL with ERROR_PROC_NOT_FOUND.
 *  - The failed lookups change nothing: fwd_self still resolves afterwards, FreeLibrary(h)
 *    succeeds and unloads it (GetModuleHandleA("fwdcyc.dll") == NULL): forwarders into the
 *    module itself must not leave extra references to it behind.
 *  - An image IMPORTING cyc_a would fail to load the same way (not built here).
 */
#include <windows.h>

static int fwd_attach_count;

int fwd_ok(void) { return 5; }

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        fwd_attach_count++;
    return TRUE;
}
