/* SPDX-License-Identifier: MIT */
/* conalloc.c - conalloc.exe: FreeConsole, AllocConsole, AttachConsole, GetConsoleWindow on a
 * terminal (tests/test_console.c runs it on a pseudo terminal).  Prints "ok NAME" /
 * "FAIL NAME (error)" and "done N" (the failures); "child" mode is the process AttachConsole
 * (ATTACH_PARENT_PROCESS) is tried from, "noterm" the run without any terminal. */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    char line[160];
    DWORD n;
    snprintf(line, sizeof(line), ok ? "ok %s\r\n" : "FAIL %s (%lu)\r\n", name, GetLastError());
    /* WriteFile: console calls are what is being taken away */
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line), &n, NULL);
    failures += !ok;
}

static int child(void)
{
    DWORD mode;
    check("child_free", FreeConsole());
    SetLastError(0);
    check("child_detached", !GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) &&
                                GetLastError() == ERROR_INVALID_HANDLE);
    check("child_attach_parent", AttachConsole(ATTACH_PARENT_PROCESS));
    check("child_console_again", GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode));
    return failures;
}

static int noterm(void)
{
    check("noterm_free", FreeConsole());
    SetLastError(0);
    check("noterm_alloc", !AllocConsole() && GetLastError() == ERROR_NOT_SUPPORTED);
    return failures;
}

static void detached_checks(HANDLE out, HANDLE dup)
{
    DWORD mode;
    char title[8] = "x";
    check("std_handle_kept", GetStdHandle(STD_OUTPUT_HANDLE) == out);
    SetLastError(0);
    check("std_not_console", !GetConsoleMode(out, &mode) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("dup_not_console", !GetConsoleMode(dup, &mode) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("no_cp", GetConsoleCP() == 0 && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("no_output_cp", GetConsoleOutputCP() == 0 && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("set_cp", !SetConsoleOutputCP(65001) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("window_none", GetConsoleWindow() == NULL && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("ctrl_event", !GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("title", GetConsoleTitleA(title, sizeof(title)) == 0 && GetLastError() == ERROR_INVALID_HANDLE &&
                       title[0] == 'x');
    check("free_again", FreeConsole());
    SetLastError(0);
    check("attach_self", !AttachConsole(GetCurrentProcessId()) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    check("attach_nobody", !AttachConsole(0x7ffffff0) && GetLastError() == ERROR_INVALID_PARAMETER);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child"))
        return child();
    if (argc > 1 && !strcmp(argv[1], "noterm"))
        return noterm();
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), dup = NULL;
    DWORD mode;
    check("console", GetConsoleMode(out, &mode));
    SetLastError(0);
    check("alloc_attached", !AllocConsole() && GetLastError() == ERROR_ACCESS_DENIED);
    SetLastError(0);
    check("attach_attached", !AttachConsole(ATTACH_PARENT_PROCESS) && GetLastError() == ERROR_ACCESS_DENIED);
    SetLastError(0);
    check("window_null", GetConsoleWindow() == NULL && GetLastError() == 0);
    check("dup", DuplicateHandle(GetCurrentProcess(), out, GetCurrentProcess(), &dup, 0, FALSE,
                                 DUPLICATE_SAME_ACCESS));
    check("free", FreeConsole());
    detached_checks(out, dup);
    check("alloc", AllocConsole());
    check("dup_console_again", GetConsoleMode(dup, &mode) && GetConsoleMode(out, &mode));
    check("cp_again", GetConsoleOutputCP() == 65001);
    SetLastError(0);
    check("alloc_twice", !AllocConsole() && GetLastError() == ERROR_ACCESS_DENIED);
    /* a child on the same terminal attaches to this process's console */
    char cmd[MAX_PATH + 16];
    snprintf(cmd, sizeof(cmd), "\"%s\" child", argv[0]);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    DWORD code = 99;
    check("child", CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi) &&
                       WaitForSingleObject(pi.hProcess, 30000) == WAIT_OBJECT_0 &&
                       GetExitCodeProcess(pi.hProcess, &code) && code == 0);
    CloseHandle(dup);
    printf("done %d\n", failures);
    return failures;
}
