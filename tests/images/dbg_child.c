/* SPDX-License-Identifier: MIT */
/* dbg_child.c - dbg_child.exe: the debuggee of dbg_debugger.exe (mingw-w64, its C runtime).
 * Prints "present D R B" (IsDebuggerPresent, CheckRemoteDebuggerPresent on itself, the PEB's
 * BeingDebugged), sends "hello debugger" and that line through OutputDebugStringA, loads and
 * frees dep.dll (from its own directory), then by its first argument:
 *   av      runs a thread that returns 3, then writes through NULL with no handler (the
 *           process ends with the access violation);
 *   fix     writes to a PAGE_READONLY page (the debugger makes it writable), prints
 *           "fixed 9", exit 9;
 *   bp      DebugBreak, then "after break" to stdout and the debugger, exit 7;
 *   detach  prints "present ..." again after the debugger let go, exit 5;
 *   (none)  exit 42.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static const BYTE *peb(void)
{
    const BYTE *p;
    __asm__("mov %%gs:0x60, %0" : "=r"(p)); /* TEB.ProcessEnvironmentBlock */
    return p;
}

static void present(void)
{
    BOOL remote = 2;
    char line[64];
    CheckRemoteDebuggerPresent(GetCurrentProcess(), &remote);
    snprintf(line, sizeof(line), "present %d %d %d", (int)IsDebuggerPresent(), (int)remote,
             (int)peb()[2]); /* PEB.BeingDebugged */
    printf("%s\n", line);
    fflush(stdout);
    OutputDebugStringA(line);
}

static DWORD WINAPI three(void *arg)
{
    (void)arg;
    return 3;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    OutputDebugStringA("hello debugger");
    present();
    HMODULE dll = LoadLibraryA("dep.dll");
    if (dll)
        FreeLibrary(dll);
    if (!strcmp(mode, "av")) {
        HANDLE t = CreateThread(NULL, 0, three, NULL, 0, NULL);
        WaitForSingleObject(t, INFINITE);
        CloseHandle(t);
        *(volatile int *)0 = 1;
    }
    if (!strcmp(mode, "fix")) {
        volatile BYTE *p = VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READONLY);
        p[10] = 9;
        printf("fixed %d\n", p[10]);
        return 9;
    }
    if (!strcmp(mode, "bp")) {
        DebugBreak();
        printf("after break\n");
        fflush(stdout);
        OutputDebugStringW(L"after break");
        return 7;
    }
    if (!strcmp(mode, "detach")) {
        present();
        return 5;
    }
    return 42;
}
