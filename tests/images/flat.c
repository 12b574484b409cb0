/* SPDX-License-Identifier: MIT */
/* flat.c - flat.dll: a "flat" image, SectionAlignment = FileAlignment = 0x200 (below the page
 * size), so Windows maps the file as it is (RVA = file offset) with every page
 * PAGE_EXECUTE_WRITECOPY.  CRT-free; no zero-initialised data, so there is no .bss and every
 * section's RVA equals its file offset, as such images need.  ImageBase 0x273000000,
 * DYNAMIC_BASE.  Exports flat_add(a, b), flat_table (DIR64 pointers: fixups), flat_call(i, a, b)
 * calling through flat_table, flat_data (int, 1234). */
#include <windows.h>

__declspec(dllexport) int flat_data = 1234;
__declspec(dllexport) int flat_add(int a, int b) { return a + b; }
static int flat_sub(int a, int b) { return a - b; }
typedef int (*flat_fn)(int, int);
__declspec(dllexport) flat_fn flat_table[2] = {flat_add, flat_sub};
__declspec(dllexport) int flat_call(int i, int a, int b) { return flat_table[i & 1](a, b); }

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h, (void)reason, (void)reserved;
    return TRUE;
}
