/* SPDX-License-Identifier: MIT */
/* gui.c - gui.exe: hello.exe's twin linked as a GUI program (mingw-w64, -nostdlib -e start
 * -mwindows: Subsystem 2, IMAGE_SUBSYSTEM_WINDOWS_GUI), built by tests/CMakeLists.txt into
 * WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000, DYNAMIC_BASE, .reloc).
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, ExitProcess (nothing from user32/gdi32).
 *
 * What the `winvm run` test should check: winvm refuses to run it (a GUI subsystem program is
 * not a console program): a diagnostic on stderr naming the subsystem, nothing on stdout, a
 * non-zero exit status.  Were it run anyway it would write "gui\n" and exit with status 4
 * (ExitProcess(4)), so a test sees at once that it was not refused.
 */
#include <windows.h>

void start(void)
{
    static const char msg[] = "gui\n";
    DWORD written = 0;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), msg, sizeof msg - 1, &written, NULL);
    ExitProcess(4);
}
