/* SPDX-License-Identifier: MIT */
/* app.c - the demo's program (make demo): one instance of "an application" that uses
 * demolib.dll.  CRT-free, run with `winvm run app.exe [write]`.  It prints
 *     hinstance=0x...  (GetModuleHandleA(NULL): the EXE's base)
 *     dll=0x...        (where demolib.dll is mapped in this instance)
 *     sum=N            (demolib_sum(): right only if every fixup was applied)
 *     wrote=0x...      (only with "write": it wrote one byte into demolib_data's 2nd page)
 *     ready
 * then waits until its stdin closes and exits 0, so the demo can look at its pages. */
#include <windows.h>

__declspec(dllimport) char demolib_data[];
__declspec(dllimport) int demolib_sum(void);

static DWORD len(const char *s)
{
    DWORD n = 0;
    while (s[n])
        n++;
    return n;
}

static void put(const char *s)
{
    DWORD done;
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, len(s), &done, NULL);
}

static void put_hex(const char *label, ULONG_PTR v)
{
    char buf[40], *p = buf + sizeof(buf);
    *--p = 0, *--p = '\n';
    do
        *--p = "0123456789abcdef"[v & 15], v >>= 4;
    while (v);
    *--p = 'x', *--p = '0';
    put(label);
    put(p);
}

static BOOL has_arg(const char *cmd, const char *word)
{
    for (const char *p = cmd; *p; p++) {
        DWORD i = 0;
        while (word[i] && p[i] == word[i])
            i++;
        if (!word[i] && (p == cmd || p[-1] == ' ') && (!p[i] || p[i] == ' '))
            return TRUE;
    }
    return FALSE;
}

/* Reads every readable page of the image at base, as a long-running program eventually would:
 * resident pages are what the demo can show shared. */
static void touch_image(const char *base)
{
    MEMORY_BASIC_INFORMATION m;
    volatile char sink = 0;
    for (const char *a = base; VirtualQuery(a, &m, sizeof(m)) && m.AllocationBase == base; a += m.RegionSize)
        if (m.Protect & (PAGE_READONLY | PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READ |
                         PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY))
            for (SIZE_T o = 0; o < m.RegionSize; o += 4096)
                sink += a[o];
    (void)sink;
}

int start(void)
{
    touch_image((const char *)GetModuleHandleA("demolib.dll"));
    touch_image((const char *)GetModuleHandleA(NULL));
    put_hex("hinstance=", (ULONG_PTR)GetModuleHandleA(NULL));
    put_hex("dll=", (ULONG_PTR)GetModuleHandleA("demolib.dll"));
    put_hex("sum=", (ULONG_PTR)demolib_sum());
    if (has_arg(GetCommandLineA(), "write")) {
        demolib_data[4096 + 100] = 42;
        put_hex("wrote=", (ULONG_PTR)&demolib_data[4096 + 100]);
    }
    put("ready\n");
    char c;
    DWORD got;
    while (ReadFile(GetStdHandle(STD_INPUT_HANDLE), &c, 1, &got, NULL) && got)
        ;
    return 0;
}
