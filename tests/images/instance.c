/* SPDX-License-Identifier: MIT */
/* instance.c - instance.exe: one of two concurrent instances whose page maps the demo and
 * sharing tests inspect (`winvm map`, `winvm share`).  CRT-free (mingw-w64, -nostdlib -e start
 * -Wl,--subsystem,console, -lkernel32 only; dep.dll is loaded at run time, not imported), built
 * by tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR next to dep.dll.  Default EXE layout
 * (ImageBase 0x140000000, DYNAMIC_BASE, .reloc).  .data holds instance_data: 16 KiB, aligned
 * to a page (4 pages of the image), initialised (first byte 1, the rest 0) so it is file-backed
 * .data, not .bss.
 *
 * Imports KERNEL32.dll: GetCommandLineA, GetStdHandle, WriteFile, ReadFile, GetModuleHandleA,
 * LoadLibraryA.
 *
 * Output on stdout, each line written with one WriteFile, hex as "0x" + lowercase digits
 * without leading zeros:
 *   "hinstance=0x<GetModuleHandleA(NULL)>\n"     (0x140000000 when loaded at its base)
 *   "dep=0x<LoadLibraryA("dep.dll")>\n"          (0x240000000 when at its base; 0x0 if it failed)
 *   only if one of the arguments after argv[0] (split as the MSVC CRT does) is exactly "write":
 *   "wrote=0x<address>\n"  after storing 0x77 at that address: &instance_data[4096], the first
 *                           byte of the array's 2nd page (page-aligned), so that page of .data
 *                           becomes a private copy in this process
 *   "ready\n"
 * Then it reads STD_INPUT_HANDLE with ReadFile until a read returns 0 bytes or fails (EOF:
 * the test closes its stdin), and exits 0 (1 if LoadLibraryA("dep.dll") failed).  dep.dll
 * stays loaded until the process ends.
 */
#include "exe_util.h"

__attribute__((aligned(4096))) char instance_data[16384] = {1};

static char instance_args[32768];
static char *instance_argv[256];
static char instance_in[512];

int start(void)
{
    eu_line_hex("hinstance=", (ULONG64)(ULONG_PTR)GetModuleHandleA(NULL));
    HMODULE dep = LoadLibraryA("dep.dll");
    eu_line_hex("dep=", (ULONG64)(ULONG_PTR)dep);

    int argc = eu_parse_args(GetCommandLineA(), instance_args, sizeof instance_args, instance_argv, 256);
    int write = 0;
    for (int i = 1; i < argc && i < 256; i++)
        write |= eu_streq(instance_argv[i], "write");
    if (write) {
        volatile char *at = &instance_data[4096];
        *at = 0x77;
        eu_line_hex("wrote=", (ULONG64)(ULONG_PTR)at);
    }
    eu_puts("ready\n");

    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD got;
    while (ReadFile(in, instance_in, sizeof instance_in, &got, NULL) && got > 0)
        ;
    return dep ? 0 : 1;
}
