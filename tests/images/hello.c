/* SPDX-License-Identifier: MIT */
/* hello.c - hello.exe: the smallest console program for `winvm run`.  CRT-free (mingw-w64,
 * -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by tests/CMakeLists.txt
 * into WINVM_PE_IMAGES_DIR.  Default EXE layout: ImageBase 0x140000000, DYNAMIC_BASE with a
 * .reloc section, FileAlignment 0x200.
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, ExitProcess.  No exports, no TLS.
 *
 * What the `winvm run` test should check: `winvm run hello.exe` writes exactly
 * "hello, world\n" (13 bytes) to its stdout, nothing to stderr, and exits with status 3
 * (ExitProcess(3); start never returns).
 */
#include <windows.h>

void start(void)
{
    static const char msg[] = "hello, world\n";
    DWORD written = 0;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), msg, sizeof msg - 1, &written, NULL);
    ExitProcess(3);
}
