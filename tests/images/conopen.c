/* SPDX-License-Identifier: MIT */
/* conopen.c - conopen.exe: CreateFile's console names (CONIN$, CONOUT$, CON) and the cursor's
 * shape, on a terminal (tests/test_conopen.c runs it on a pseudo terminal of 100 columns and 30
 * rows).  Prints "ok NAME" / "FAIL NAME (error)" and "done N" (the failures). */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    char line[160];
    DWORD n;
    snprintf(line, sizeof(line), ok ? "ok %s\r\n" : "FAIL %s (%lu)\r\n", name, GetLastError());
    WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line), &n, NULL);
    failures += !ok;
}

static int fails_with(HANDLE h, DWORD err)
{
    return h == INVALID_HANDLE_VALUE && GetLastError() == err;
}

static void input_side(void)
{
    DWORD mode, n = 0;
    HANDLE in = CreateFileA("CONIN$", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    check("conin_opens", in != INVALID_HANDLE_VALUE);
    check("conin_mode", GetConsoleMode(in, &mode) && (mode & ENABLE_LINE_INPUT));
    SetLastError(0);
    check("conin_not_screen", !SetConsoleTextAttribute(in, 7) && GetLastError() == ERROR_INVALID_HANDLE);
    INPUT_RECORD w = {KEY_EVENT}, r;
    w.Event.KeyEvent.bKeyDown = TRUE, w.Event.KeyEvent.wRepeatCount = 1;
    w.Event.KeyEvent.uChar.UnicodeChar = L'z';
    check("conin_write_record", WriteConsoleInputW(in, &w, 1, &n) && n == 1);
    check("conin_read_record", ReadConsoleInputW(in, &r, 1, &n) && n == 1 &&
                                   r.Event.KeyEvent.uChar.UnicodeChar == L'z');
    CloseHandle(in);
    HANDLE con = CreateFileW(L"CON", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    check("con_read_is_input", con != INVALID_HANDLE_VALUE && GetNumberOfConsoleInputEvents(con, &n));
    CloseHandle(con);
}

static void output_side(void)
{
    DWORD mode, n;
    CONSOLE_SCREEN_BUFFER_INFO sbi;
    HANDLE out = CreateFileA("CONOUT$", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    check("conout_opens", out != INVALID_HANDLE_VALUE);
    check("conout_mode", GetConsoleMode(out, &mode) && (mode & ENABLE_PROCESSED_OUTPUT));
    check("conout_info", GetConsoleScreenBufferInfo(out, &sbi) && sbi.dwSize.X == 100 && sbi.dwSize.Y == 30);
    check("conout_writefile", WriteFile(out, "via-conout\r\n", 12, &n, NULL) && n == 12);
    check("conout_writeconsole", WriteConsoleW(out, L"wide-conout\r\n", 13, &n, NULL) && n == 13);
    SetLastError(0);
    check("conout_not_input", !GetNumberOfConsoleInputEvents(out, &n) && GetLastError() == ERROR_INVALID_HANDLE);
    CloseHandle(out);
    HANDLE dev = CreateFileW(L"\\\\.\\conout$", GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    check("device_path_lower_case", dev != INVALID_HANDLE_VALUE && GetConsoleScreenBufferInfo(dev, &sbi));
    CloseHandle(dev);
    HANDLE con = CreateFileA("con", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    check("con_write_is_output", con != INVALID_HANDLE_VALUE && GetConsoleScreenBufferInfo(con, &sbi));
    CloseHandle(con);
}

static void refusals(void)
{
    SetLastError(0);
    check("con_read_write", fails_with(CreateFileA("CON", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
                                                   NULL), ERROR_FILE_NOT_FOUND));
    SetLastError(0);
    check("conin_no_disposition", fails_with(CreateFileW(L"CONIN$", GENERIC_READ, 0, NULL, 0, 0, NULL),
                                             ERROR_INVALID_PARAMETER));
    HANDLE h = CreateFileW(L"CONOUT$", 0, 0, NULL, OPEN_ALWAYS, 0, NULL);
    check("conout_no_access_opens", h != INVALID_HANDLE_VALUE);
    CloseHandle(h);
}

static void cursor(void)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    CONSOLE_CURSOR_INFO ci = {0, FALSE};
    COORD big;
    check("cursor_default", GetConsoleCursorInfo(out, &ci) && ci.dwSize == 25 && ci.bVisible);
    SetLastError(0);
    CONSOLE_CURSOR_INFO bad = {0, TRUE};
    check("cursor_size_zero", !SetConsoleCursorInfo(out, &bad) && GetLastError() == ERROR_INVALID_PARAMETER);
    bad.dwSize = 101;
    check("cursor_size_101", !SetConsoleCursorInfo(out, &bad) && GetLastError() == ERROR_INVALID_PARAMETER);
    CONSOLE_CURSOR_INFO hide = {50, FALSE};
    check("cursor_hide", SetConsoleCursorInfo(out, &hide));
    check("cursor_kept", GetConsoleCursorInfo(out, &ci) && ci.dwSize == 50 && !ci.bVisible);
    CONSOLE_CURSOR_INFO show = {25, TRUE};
    check("cursor_show", SetConsoleCursorInfo(out, &show));
    SetLastError(0);
    check("cursor_input_handle", !GetConsoleCursorInfo(GetStdHandle(STD_INPUT_HANDLE), &ci) &&
                                     GetLastError() == ERROR_INVALID_HANDLE);
    big = GetLargestConsoleWindowSize(out);
    check("largest_is_terminal", big.X == 100 && big.Y == 30);
    SetLastError(0);
    big = GetLargestConsoleWindowSize(GetStdHandle(STD_INPUT_HANDLE));
    check("largest_input_handle", big.X == 0 && big.Y == 0 && GetLastError() == ERROR_INVALID_HANDLE);
}

int main(void)
{
    input_side();
    output_side();
    refusals();
    cursor();
    HANDLE stdout_h = GetStdHandle(STD_OUTPUT_HANDLE);
    FreeConsole();
    SetLastError(0);
    check("detached_conout", fails_with(CreateFileA("CONOUT$", GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL),
                                        ERROR_INVALID_HANDLE));
    SetLastError(0);
    check("detached_con", fails_with(CreateFileA("CON", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0,
                                                 NULL), ERROR_INVALID_HANDLE));
    char line[32];
    DWORD n;
    snprintf(line, sizeof(line), "done %d\r\n", failures);
    WriteFile(stdout_h, line, (DWORD)strlen(line), &n, NULL);
    return failures;
}
