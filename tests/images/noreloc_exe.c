/* SPDX-License-Identifier: MIT */
/* noreloc_exe.c - noreloc.exe: a console program fixed at 0x400000 without relocations.
 * CRT-free (mingw-w64, -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by
 * tests/CMakeLists.txt into WINVM_PE_IMAGES_DIR with -Wl,--disable-dynamicbase
 * -Wl,--image-base=0x400000, then `strip -R .reloc` and IMAGE_FILE_RELOCS_STRIPPED (0x0001) set
 * in the COFF Characteristics (as for noreloc.dll): ImageBase 0x400000, no .reloc section,
 * DataDirectory[5] empty, DYNAMIC_BASE clear.  noreloc_msg below is an absolute address (a
 * DIR64 the linker resolved for 0x400000 and then dropped), so the image works only there.
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile.
 *
 * Were it run at 0x400000 it would write "noreloc\n" (8 bytes) and exit 0 (start returns 0).
 * What the `winvm run` test should check: the winvm CLI is a non-PIE executable at 0x400000,
 * so this EXE's only possible base is always taken and it cannot be relocated: winvm must
 * refuse it cleanly (a diagnostic on stderr, nothing on stdout, a non-zero exit status, no
 * crash or signal).
 */
#include "exe_util.h"

static const char noreloc_text[] = "noreloc\n";
const char *volatile noreloc_msg = noreloc_text; /* absolute pointer in .data */

int start(void)
{
    eu_write(noreloc_msg, sizeof noreloc_text - 1);
    return 0;
}
