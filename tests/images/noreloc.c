/* SPDX-License-Identifier: MIT */
/* noreloc.c - noreloc.dll: a fixed-base DLL without relocations.  CRT-free (mingw-w64,
 * -nostdlib -shared -e DllEntry, -lkernel32), built by tests/CMakeLists.txt into
 * WINVM_PE_IMAGES_DIR with -Wl,--disable-dynamicbase -Wl,--image-base=0x260000000
 * -Wl,--disable-reloc-section: no .reloc section, DataDirectory[5] empty, the
 * IMAGE_FILE_RELOCS_STRIPPED (0x0001) characteristic set, DYNAMIC_BASE clear.
 *
 * Exports: @1 noreloc_ptr (int* DATA) = &noreloc_target, an absolute address fixed at link time;
 *          @2 noreloc_get() -> (ULONG_PTR)noreloc_ptr, i.e. 0x260000000 + RVA(noreloc_target);
 *          @3 noreloc_check() -> 1 when noreloc_ptr points at the real noreloc_target (taken
 *             RIP-relative) and reads 0x1234, i.e. when the image sits at its preferred base;
 *          @4 noreloc_target int DATA = 0x1234.
 *
 * What the loader tests should check:
 *  - LoadLibraryA("noreloc.dll") maps it at exactly 0x260000000 (HMODULE == 0x260000000);
 *    noreloc_get() == 0x260000000 + RVA of noreloc_target (GetProcAddress(h, "noreloc_target")
 *    - h), noreloc_check() == 1.
 *  - With [0x260000000, +SizeOfImage) already taken (VirtualAlloc MEM_RESERVE there first), the
 *    load must fail cleanly (the image cannot be relocated; Wine gets STATUS_CONFLICTING_ADDRESSES
 *    -> ERROR_INVALID_ADDRESS 487 for this case; whichever code the loader picks, it must be
 *    documented) and must not leave anything mapped or disturb the reservation.
 */
#include <windows.h>

int noreloc_target = 0x1234;
int *noreloc_ptr = &noreloc_target;

ULONG_PTR noreloc_get(void) { return (ULONG_PTR)noreloc_ptr; }
int noreloc_check(void) { return noreloc_ptr == &noreloc_target && *noreloc_ptr == 0x1234; }

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h; (void)reason; (void)reserved;
    return TRUE;
}
