/* SPDX-License-Identifier: MIT */
/* args.c - args.exe: the command line as a `winvm run` program sees it.  CRT-free (mingw-w64,
 * -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by tests/CMakeLists.txt
 * into WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000, DYNAMIC_BASE, .reloc).
 *
 * Imports KERNEL32.dll: GetCommandLineA, GetStdHandle, WriteFile.
 *
 * Output, on stdout, each line ending in "\n":
 *   line 1: GetCommandLineA() exactly as returned;
 *   then, for i = 0 .. argc-1: "argv[i]=<arg>" (i in decimal), the arguments split the way
 *   the MSVC C runtime (UCRT) splits them (exe_util.h, eu_parse_args):
 *     argv[0]: up to the first space/tab outside quotes, quotes dropped, backslashes literal;
 *     other arguments: 2n backslashes + '"' -> n backslashes + quote toggles quoting;
 *     2n+1 backslashes + '"' -> n backslashes + literal '"'; backslashes not before a quote
 *     are literal; inside quotes '""' is a literal '"'; spaces/tabs outside quotes separate.
 * Exit code: argc (the number of arguments including argv[0]) when start returns;
 * 255 (and "args: command line too long\n") if the parsed strings exceed 64 KiB.
 *
 * E.g. `winvm run args.exe a "b c" 'd"e' 'f\'` should, if winvm quotes its Linux argv as
 * CommandLineToArgvW reads it back, print argv[1]=a, argv[2]=b c, argv[3]=d"e, argv[4]=f\
 * and exit 5.  argv[0] is whatever winvm puts first in the command line.
 */
#include "exe_util.h"

#define ARGS_MAX 1024

static char args_buf[65536];
static char *args_argv[ARGS_MAX];

int start(void)
{
    const char *cmd = GetCommandLineA();
    if (cmd)
        eu_puts(cmd);
    eu_puts("\n");
    int argc = eu_parse_args(cmd, args_buf, sizeof args_buf, args_argv, ARGS_MAX);
    if (argc < 0) {
        eu_puts("args: command line too long\n");
        return 255;
    }
    for (int i = 0; i < argc && i < ARGS_MAX; i++) {
        char pre[32];
        int n = 0;
        const char *s = "argv[";
        while (*s)
            pre[n++] = *s++;
        n += eu_fmt_dec(pre + n, i);
        pre[n++] = ']';
        pre[n++] = '=';
        eu_write(pre, (DWORD)n);
        eu_puts(args_argv[i]);
        eu_puts("\n");
    }
    return argc;
}
