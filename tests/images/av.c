/* SPDX-License-Identifier: MIT */
/* av.c - av.exe: an access violation nobody handles.  CRT-free (mingw-w64, -nostdlib -e start
 * -Wl,--subsystem,console, -lkernel32 only), built by tests/CMakeLists.txt into
 * WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000, DYNAMIC_BASE, .reloc).
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile.  No exception handler of any kind.
 *
 * Writes "before\n" (7 bytes) to stdout with one WriteFile, then stores to address 0x10 (a
 * 4-byte write; the page is never mapped), which raises STATUS_ACCESS_VIOLATION (0xC0000005,
 * ExceptionInformation {1 (write), 0x10}).  It never writes "after\n" and never returns.
 * Expected from `winvm run av.exe`: stdout exactly "before\n"; winvm reports the unhandled
 * exception (on stderr) and the process exits with status 5 (0xC0000005 & 0xff), not by a
 * signal.  (If the store were somehow survived, start would write "after\n" and return 0.)
 */
#include "exe_util.h"

int start(void)
{
    volatile int *bad = (volatile int *)(ULONG_PTR)0x10;
    eu_puts("before\n");
    __asm__ volatile("" : "+r"(bad)); /* an address the compiler cannot reason about */
    *bad = 1;
    eu_puts("after\n");
    return 0;
}
