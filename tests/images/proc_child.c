/* SPDX-License-Identifier: MIT */
/* proc_child.c - proc_child.exe: the child tests/images/proc_parent.c and tests/test_process.c
 * start with CreateProcess.  mingw-w64 with its C runtime (msvcrt.dll).
 *
 *   proc_child exit CODE [ARGS...]  prints "cmdline=[<GetCommandLineA>]", "argc=N",
 *                                   "argv[i]=[...]" for i >= 1, "env=[<WVTEST or (none)>]",
 *                                   "cwd=[<GetCurrentDirectoryA>]", then exits with CODE
 *                                   (strtoul base 0: all 32 bits).
 *   proc_child mem                  prints "secret=0xADDR edge=0xADDR flag=0xADDR" where secret
 *                                   holds "winvm-secret-1234", edge is 16 readable bytes
 *                                   "0123456789abcdef" followed by a PAGE_NOACCESS page, and
 *                                   flag is 16 zero bytes; waits (up to 30 s) until flag
 *                                   starts with "go", prints "flag=[<flag>]" and exits 42
 *                                   (or 9 on time out).
 *   proc_child sleep                sleeps 60 s, exits 1 (to be terminated).
 *   proc_child spawn [FLAGS]        starts "proc_child sleep" (CreateProcess flags FLAGS, base
 *                                   0), then sleeps 60 s and exits 1; exits 7 when CreateProcess
 *                                   fails (tests/test_job.c: a job's member creating a child).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static char secret[32] = "winvm-secret-1234";
static volatile char flag[16];

static int print_self(int argc, char **argv)
{
    char cwd[1024], env[256];
    printf("cmdline=[%s]\nargc=%d\n", GetCommandLineA(), argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    DWORD n = GetEnvironmentVariableA("WVTEST", env, sizeof(env));
    printf("env=[%s]\n", n ? env : "(none)");
    GetCurrentDirectoryA(sizeof(cwd), cwd);
    printf("cwd=[%s]\n", cwd);
    fflush(stdout);
    return (int)strtoul(argv[2], NULL, 0);
}

static int memory(void)
{
    char *two = VirtualAlloc(NULL, 2 * 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    DWORD old;
    if (!two || !VirtualProtect(two + 4096, 4096, PAGE_NOACCESS, &old))
        return 3;
    memcpy(two + 4096 - 16, "0123456789abcdef", 16);
    printf("secret=%p edge=%p flag=%p\n", (void *)secret, (void *)(two + 4096 - 16), (void *)flag);
    fflush(stdout);
    for (int i = 0; i < 3000; i++) {
        if (flag[0] == 'g' && flag[1] == 'o') {
            printf("flag=[%s]\n", (const char *)flag);
            fflush(stdout);
            return 42;
        }
        Sleep(10);
    }
    return 9;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "exit"))
        return print_self(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "mem"))
        return memory();
    if (argc >= 2 && !strcmp(argv[1], "spawn")) {
        char self[MAX_PATH], cmd[] = "proc_child sleep";
        STARTUPINFOA si = {.cb = sizeof(si)};
        PROCESS_INFORMATION pi;
        DWORD flags = argc >= 3 ? (DWORD)strtoul(argv[2], NULL, 0) : 0;
        if (!GetModuleFileNameA(NULL, self, sizeof(self)) ||
            !CreateProcessA(self, cmd, NULL, NULL, FALSE, flags, NULL, NULL, &si, &pi))
            return 7;
        Sleep(60000);
        return 1;
    }
    if (argc >= 2 && !strcmp(argv[1], "sleep")) {
        Sleep(60000);
        return 1;
    }
    return 2;
}
