/* SPDX-License-Identifier: MIT */
/* crt.c - crt.exe: an ordinary C program built with mingw-w64's default C runtime (msvcrt.dll
 * and its startup code: __getmainargs, _initterm, atexit, the stdio FILEs), run by
 * `winvm run crt.exe one "two words"`.  Expected stdout, exactly:
 *   ctor ran
 *   argc=3 argv[1]=one argv[2]=two words
 *   ints: 42 -7 4294967295 -1 123456789012 ff FF 0x1f
 *   long is 4 bytes: 2147483647
 *   str: [hello] [   pad] [left  ] [wide]
 *   float: 3.14 2.500000e+00 0.5
 *   char: x %
 *   sprintf: <17|abc>
 *   heap: 1000 bytes ok
 *   bye from atexit
 * Exit code 7 (main's return). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ctor_ran;
__attribute__((constructor)) static void ctor(void) { ctor_ran = 1; }
static void bye(void) { puts("bye from atexit"); }

int main(int argc, char **argv)
{
    if (ctor_ran)
        puts("ctor ran");
    printf("argc=%d argv[1]=%s argv[2]=%s\n", argc, argc > 1 ? argv[1] : "?", argc > 2 ? argv[2] : "?");
    printf("ints: %d %i %u %ld %I64d %x %X %#x\n", 42, -7, 4294967295u, -1L, 123456789012LL, 255, 255, 31);
    long big = 2147483647L;
    printf("long is %d bytes: %ld\n", (int)sizeof(long), big);
    printf("str: [%s] [%6s] [%-6s] [%ls]\n", "hello", "pad", "left", L"wide");
    printf("float: %.2f %e %g\n", 3.14159, 2.5, 0.5);
    printf("char: %c %%\n", 'x');
    char buf[32];
    sprintf(buf, "<%d|%s>", 17, "abc");
    printf("sprintf: %s\n", buf);
    char *p = malloc(1000);
    memset(p, 'a', 999);
    p[999] = 0;
    printf("heap: %d bytes %s\n", (int)strlen(p) + 1, p[500] == 'a' ? "ok" : "bad");
    free(p);
    atexit(bye);
    return 7;
}
