/* SPDX-License-Identifier: MIT */
/* loadstr.c - user32's LoadStringW on this program's own string table (loadstr.rc) and
 * wsprintfW (tests/test_loadstr.c): prints what they give. */
#include <windows.h>
#include <stdio.h>

int main(void)
{
    WCHAR buf[64];
    const WCHAR *p = NULL;
    int n = LoadStringW(NULL, 1, buf, 64);
    printf("1: %d [%ls]\n", n, buf);
    n = LoadStringW(GetModuleHandleW(NULL), 17, buf, 4);
    printf("17 cut: %d [%ls]\n", n, buf);
    n = LoadStringW(NULL, 17, (WCHAR *)&p, 0);
    printf("17 pointer: %d [%.*ls]\n", n, n, p);
    buf[0] = 'x';
    n = LoadStringW(NULL, 2, buf, 64);
    printf("2 empty: %d [%ls]\n", n, buf);
    SetLastError(0);
    n = LoadStringW(NULL, 100, buf, 64);
    printf("100 no block: %d %lu\n", n, GetLastError());
    n = wsprintfW(buf, L"%s-%d-%hs-%x", L"w", 5, "n", 255);
    printf("wsprintfW: %d [%ls]\n", n, buf);
    WCHAR big[1100];
    WCHAR fmt[1100];
    for (int i = 0; i < 1099; i++)
        fmt[i] = 'a';
    fmt[1099] = 0;
    n = wsprintfW(big, fmt);
    printf("wsprintfW limit: %d %d\n", n, big[1023]);
    return 0;
}
