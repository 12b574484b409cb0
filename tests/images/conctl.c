/* SPDX-License-Identifier: MIT */
/* conctl.c - console control events and screen calls under `winvm run` on a pseudo terminal
 * (tests/test_console.c drives it).  The first argument picks what it does:
 *   screen   SetConsoleTextAttribute(red|intensity on blue), SetConsoleCursorPosition(4,2) and
 *            SetConsoleTitleA("wv-title") on the terminal, then prints "size X Y attr A cursor X Y
 *            title T" from GetConsoleScreenBufferInfo and GetConsoleTitleA, and "ok NAME"/"FAIL
 *            NAME" lines for the errors (a pipe, a position outside, a handler never added);
 *            exit code: the failures.
 *   ctrlc    adds handler A (returns TRUE) then B (returns FALSE), prints "ready", waits up to
 *            10 s for A; each handler prints its name and whether it runs on main's thread
 *            ("B other", "A other"); exit 0 when A ran, 7 when not.
 *   gen      as ctrlc, but raises the event itself with GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0).
 *   false    adds B only, prints "ready", sleeps 10 s and exits 5: a Ctrl+C ends it with
 *            STATUS_CONTROL_C_EXIT after B.
 *   ignore   SetConsoleCtrlHandler(NULL, TRUE), adds A, prints "ready", sleeps 3 s, prints
 *            "survived", exit 0.
 */
#include "exe_util.h"

static DWORD main_tid;
static HANDLE done;

static void say(const char *name)
{
    char line[64];
    int n = 0;
    while (*name)
        line[n++] = *name++;
    const char *w = GetCurrentThreadId() == main_tid ? " main\n" : " other\n";
    while (*w)
        line[n++] = *w++;
    eu_write(line, (DWORD)n);
}

static BOOL WINAPI handler_a(DWORD ev)
{
    say(ev == CTRL_C_EVENT ? "A" : "A?");
    SetEvent(done);
    return TRUE;
}

static BOOL WINAPI handler_b(DWORD ev)
{
    say(ev == CTRL_C_EVENT ? "B" : "B?");
    return FALSE;
}

static void put_dec(const char *label, LONG64 v)
{
    char b[32];
    eu_puts(label);
    eu_write(b, (DWORD)eu_fmt_dec(b, v));
}

static int screen(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    eu_check("attribute", SetConsoleTextAttribute(out, FOREGROUND_RED | FOREGROUND_INTENSITY | BACKGROUND_BLUE));
    COORD c = {4, 2};
    eu_check("cursor", SetConsoleCursorPosition(out, c));
    eu_check("title", SetConsoleTitleA("wv-title"));
    CONSOLE_SCREEN_BUFFER_INFO i;
    eu_check("info", GetConsoleScreenBufferInfo(out, &i));
    char t[64];
    DWORD tl = GetConsoleTitleA(t, sizeof(t));
    eu_check("title_length", tl == 8);
    put_dec("size ", i.dwSize.X), put_dec(" ", i.dwSize.Y), put_dec(" attr ", i.wAttributes);
    put_dec(" cursor ", i.dwCursorPosition.X), put_dec(" ", i.dwCursorPosition.Y);
    eu_puts(" title "), eu_write(t, tl), eu_puts("\n");
    eu_check("title_cut", GetConsoleTitleA(t, 4) == 8 && t[0] == 'w' && t[2] == '-' && t[3] == 0);
    c.X = i.dwSize.X;
    SetLastError(0);
    eu_check("cursor_outside", !SetConsoleCursorPosition(out, c) && GetLastError() == ERROR_INVALID_PARAMETER);
    HANDLE r, w;
    CreatePipe(&r, &w, NULL, 0);
    SetLastError(0);
    eu_check("pipe_attribute", !SetConsoleTextAttribute(w, 7) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    eu_check("pipe_info", !GetConsoleScreenBufferInfo(w, &i) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    c.X = 0;
    eu_check("pipe_cursor", !SetConsoleCursorPosition(w, c) && GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    eu_check("input_info", !GetConsoleScreenBufferInfo(GetStdHandle(STD_INPUT_HANDLE), &i) &&
                               GetLastError() == ERROR_INVALID_HANDLE);
    SetLastError(0);
    eu_check("remove_unknown", !SetConsoleCtrlHandler(handler_a, FALSE) && GetLastError() == ERROR_INVALID_PARAMETER);
    eu_check("add_remove", SetConsoleCtrlHandler(handler_a, TRUE) && SetConsoleCtrlHandler(handler_a, FALSE));
    return *eu_failures();
}

void start(void)
{
    char buf[256], *argv[4];
    int argc = eu_parse_args(GetCommandLineA(), buf, sizeof(buf), argv, 4);
    const char *mode = argc > 1 ? argv[1] : "";
    main_tid = GetCurrentThreadId();
    done = CreateEventA(NULL, TRUE, FALSE, NULL);
    if (eu_streq(mode, "screen"))
        ExitProcess((UINT)screen());
    if (eu_streq(mode, "false")) {
        SetConsoleCtrlHandler(handler_b, TRUE);
        eu_puts("ready\n");
        Sleep(10000);
        ExitProcess(5);
    }
    if (eu_streq(mode, "ignore")) {
        SetConsoleCtrlHandler(NULL, TRUE);
        SetConsoleCtrlHandler(handler_a, TRUE);
        eu_puts("ready\n");
        Sleep(3000);
        eu_puts("survived\n");
        ExitProcess(0);
    }
    SetConsoleCtrlHandler(handler_a, TRUE);
    SetConsoleCtrlHandler(handler_b, TRUE);
    eu_puts("ready\n");
    if (eu_streq(mode, "gen") && !GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0))
        eu_puts("FAIL generate\n");
    ExitProcess(WaitForSingleObject(done, 10000) == WAIT_OBJECT_0 ? 0 : 7);
}
