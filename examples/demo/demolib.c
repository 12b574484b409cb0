/* SPDX-License-Identifier: MIT */
/* demolib.c - the demo's DLL (make demo): a little of everything an image holds, so the demo can
 * show which pages processes share.  CRT-free, no imports, and nothing written at load time,
 * so at its base every page stays shared between instances.
 *   .text    code (a few pages)
 *   .rdata   a table of absolute pointers: fixups in a read-only page
 *   .data    demolib_data[16 KiB]: 4 pages without fixups (one instance writes one of them)
 *            demolib_ptrs: a page of absolute pointers (fixups in a writable page)
 * Built with mingw-w64: -nostdlib -shared -e DllEntry, FileAlignment 0x200 (so it is laid out
 * in the image cache), DYNAMIC_BASE, ImageBase 0x7ff0000000 (examples/CMakeLists). */
#include <windows.h>

#define DEMO_NPTRS 512

static int step(int x, int k) { return x * 31 + k; }
static int twice(int x, int k) { return 2 * x + k; }
static int mix(int x, int k) { return (x ^ k) + 7; }
typedef int (*demo_fn)(int, int);

__declspec(dllexport) const demo_fn demolib_rotable[4] = {step, twice, mix, step};
__declspec(dllexport) char demolib_data[4 * 4096] = {1};
#define P4 (void *)step, (void *)twice, (void *)mix, (void *)step
#define P16 P4, P4, P4, P4
#define P64 P16, P16, P16, P16
__declspec(dllexport) void *demolib_ptrs[DEMO_NPTRS] = {P64, P64, P64, P64, P64, P64, P64, P64};

__declspec(dllexport) const char *demolib_hello(void) { return "hello from demolib.dll"; }

__declspec(dllexport) int demolib_sum(void)
{
    int x = 0;
    for (int i = 0; i < 4; i++)
        x = demolib_rotable[i](x, i);
    for (int i = 0; i < DEMO_NPTRS; i++)
        x += demolib_ptrs[i] != 0;
    return x;
}

BOOL WINAPI DllEntry(HINSTANCE h, DWORD reason, LPVOID reserved)
{
    (void)h, (void)reason, (void)reserved;
    return TRUE;
}
