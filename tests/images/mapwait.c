/* SPDX-License-Identifier: MIT */
/* mapwait.c - mapwait.exe, for `winvm map` of a running winvm process (test_cli): reserves
 * 1 MiB, commits its first 64 KiB read-write and the next 64 KiB read-only (three regions of
 * one allocation), prints "ready 0x<base>\n", then waits for standard input to end. */
#include <stdio.h>
#include <windows.h>

int main(void)
{
    char *base = VirtualAlloc(NULL, 1 << 20, MEM_RESERVE, PAGE_READWRITE);
    if (!base || !VirtualAlloc(base, 0x10000, MEM_COMMIT, PAGE_READWRITE) ||
        !VirtualAlloc(base + 0x10000, 0x10000, MEM_COMMIT, PAGE_READONLY))
        return 2;
    base[0] = 1;
    printf("ready %p\n", (void *)base);
    fflush(stdout);
    char buf[64];
    while (fgets(buf, sizeof(buf), stdin))
        ;
    return 0;
}
