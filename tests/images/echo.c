/* SPDX-License-Identifier: MIT */
/* echo.c - echo.exe: standard input to standard output, ASCII letters uppercased.  CRT-free
 * (mingw-w64, -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by
 * tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000,
 * DYNAMIC_BASE, .reloc).
 *
 * Imports KERNEL32.dll: GetStdHandle, ReadFile, WriteFile, GetLastError.
 *
 * Reads STD_INPUT_HANDLE with ReadFile (4096-byte buffer) until a read returns 0 bytes, and
 * writes each chunk to STD_OUTPUT_HANDLE with 'a'..'z' turned into 'A'..'Z' and every other
 * byte unchanged (binary-safe, NUL bytes included).  Prints nothing else.
 * Exit code: 0 at end of input; 7 if ReadFile fails (nothing more is written; a failure with
 * ERROR_BROKEN_PIPE (109) is end of input, as on Windows for a pipe whose writer closed, and
 * exits 0); 8 if WriteFile fails or writes less than asked.
 *
 * E.g. `printf 'Hello, World!\n' | winvm run echo.exe` writes "HELLO, WORLD!\n" and exits 0;
 * `winvm run echo.exe </dev/null` writes nothing and exits 0; with stdin a directory
 * (`<.`: read fails with EISDIR) it exits 7.
 */
#include "exe_util.h"

static char echo_buf[4096];

int start(void)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    for (;;) {
        DWORD got = 0;
        if (!ReadFile(in, echo_buf, sizeof echo_buf, &got, NULL))
            return GetLastError() == ERROR_BROKEN_PIPE ? 0 : 7;
        if (got == 0)
            return 0;
        for (DWORD i = 0; i < got; i++)
            if (echo_buf[i] >= 'a' && echo_buf[i] <= 'z')
                echo_buf[i] = (char)(echo_buf[i] - 'a' + 'A');
        DWORD put = 0;
        if (!WriteFile(out, echo_buf, got, &put, NULL) || put != got)
            return 8;
    }
}
