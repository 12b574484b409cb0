/* SPDX-License-Identifier: MIT */
/* conin.c - console input under `winvm run` on a pseudo terminal (tests/test_conin.c drives
 * it).  The first argument picks what it does; every line it prints ends with '\n':
 *   keys   input mode 0 (no line input, no echo, Ctrl+C a key), prints "ready", then reads
 *          records one at a time with ReadConsoleInputW and prints each key record as
 *          "D|U vk=XX sc=XX ch=XXXX st=XXX" until the key-up of 'q'; exit 0.
 *   ctrlc  input mode ENABLE_PROCESSED_INPUT with a control handler that prints "handler N";
 *          prints "ready", then records as keys until the key-up of 'q'.
 *   line   the default mode (line input, echo, processed): prints "ready", one ReadConsoleW
 *          of up to 64 characters, "got N: XXXX XXXX ..." (the units), then one ReadConsoleA
 *          the same way as "gota N: XX XX ...".
 *   raw    input mode ENABLE_PROCESSED_INPUT (no line input, no echo): prints "ready", one
 *          ReadConsoleW as line's "got", and exits leaving the mode as it is.
 *   queue  checks of the buffer without the terminal's keys (WriteConsoleInput, Peek, Read,
 *          Flush, GetNumberOfConsoleInputEvents, the A forms, ReadConsole of written keys,
 *          WaitForSingleObject on the input handle, a ReadConsoleInputW woken by another thread's
 *          WriteConsoleInputW) and
 *          of bad handles and pointers: "ok NAME" or "FAIL NAME ..." lines; exit code: the
 *          failures.
 *   typed  prints "ready", waits on the input handle (up to 10 s) for a typed key, then checks
 *          that GetNumberOfConsoleInputEvents counts its 2 records, PeekConsoleInputW leaves
 *          them and FlushConsoleInputBuffer removes them: "ok"/"FAIL" lines, exit code the
 *          failures.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static HANDLE in, out;
static int failures;

static void say(const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    DWORD w;
    WriteFile(out, b, (DWORD)n, &w, NULL);
}

static void check(int cond, const char *name, DWORD err)
{
    if (cond)
        say("ok %s\n", name);
    else
        say("FAIL %s (error %lu)\n", name, (unsigned long)err), failures++;
}

static BOOL WINAPI handler(DWORD ev)
{
    say("handler %lu\n", (unsigned long)ev);
    return TRUE;
}

static int keys(void)
{
    say("ready\n");
    for (;;) {
        INPUT_RECORD r;
        DWORD n = 0;
        if (!ReadConsoleInputW(in, &r, 1, &n) || n != 1) {
            say("read failed %lu\n", (unsigned long)GetLastError());
            return 3;
        }
        if (r.EventType != KEY_EVENT) {
            say("event %u\n", r.EventType);
            continue;
        }
        KEY_EVENT_RECORD *k = &r.Event.KeyEvent;
        say("%c vk=%02x sc=%02x ch=%04x st=%03lx rep=%u\n", k->bKeyDown ? 'D' : 'U', k->wVirtualKeyCode,
            k->wVirtualScanCode, k->uChar.UnicodeChar, (unsigned long)k->dwControlKeyState, k->wRepeatCount);
        if (!k->bKeyDown && k->uChar.UnicodeChar == 'q')
            return 0;
    }
}

static void print_units(const char *tag, const void *buf, DWORD n, int wide)
{
    char line[512];
    int k = snprintf(line, sizeof(line), "%s %lu:", tag, (unsigned long)n);
    for (DWORD i = 0; i < n && k < (int)sizeof(line) - 8; i++)
        k += snprintf(line + k, sizeof(line) - k, wide ? " %04x" : " %02x",
                      wide ? ((const WCHAR *)buf)[i] : ((const unsigned char *)buf)[i]);
    say("%s\n", line);
}

static int line_read(void)
{
    WCHAR w[64];
    char a[64];
    DWORD n = 0;
    say("ready\n");
    if (!ReadConsoleW(in, w, 64, &n, NULL))
        return say("ReadConsoleW failed %lu\n", (unsigned long)GetLastError()), 3;
    print_units("got", w, n, 1);
    if (!ReadConsoleA(in, a, 64, &n, NULL))
        return say("ReadConsoleA failed %lu\n", (unsigned long)GetLastError()), 3;
    print_units("gota", a, n, 0);
    return 0;
}

static INPUT_RECORD key_rec(WORD vk, WCHAR ch, BOOL down)
{
    INPUT_RECORD r;
    memset(&r, 0, sizeof(r));
    r.EventType = KEY_EVENT;
    r.Event.KeyEvent.bKeyDown = down;
    r.Event.KeyEvent.wRepeatCount = 1;
    r.Event.KeyEvent.wVirtualKeyCode = vk;
    r.Event.KeyEvent.uChar.UnicodeChar = ch;
    return r;
}

static DWORD count_events(void)
{
    DWORD c = 0xdeadbeef;
    return GetNumberOfConsoleInputEvents(in, &c) ? c : 0xdeadbeef;
}

/* Bad handles and pointers: Windows' errors, and the buffer unchanged. */
static void bad_input(void)
{
    INPUT_RECORD r[2] = {key_rec('A', 'a', TRUE), key_rec('A', 'a', FALSE)};
    DWORD n = 0xdeadbeef, e;
    HANDLE rp, wp;
    BOOL ok;
    SetLastError(0);
    ok = ReadConsoleInputW(INVALID_HANDLE_VALUE, r, 1, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE && n == 0xdeadbeef, "read_invalid_handle", GetLastError());
    ok = PeekConsoleInputW(out, r, 1, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE, "peek_output_handle", GetLastError());
    CreatePipe(&rp, &wp, NULL, 0);
    ok = ReadConsoleInputW(rp, r, 1, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE, "read_pipe", GetLastError());
    ok = GetNumberOfConsoleInputEvents(rp, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE, "count_pipe", GetLastError());
    ok = FlushConsoleInputBuffer(out);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE, "flush_output_handle", GetLastError());
    ok = WriteConsoleInputW(rp, r, 1, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE, "write_pipe", GetLastError());
    CloseHandle(rp), CloseHandle(wp);
    ok = GetNumberOfConsoleInputEvents(NULL, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE && n == 0xdeadbeef, "count_null_handle", GetLastError());
    ok = GetNumberOfConsoleInputEvents(in, NULL);
    check(!ok && GetLastError() == ERROR_INVALID_ACCESS, "count_null_pointer", GetLastError());
    ok = WriteConsoleInputW(in, NULL, 1, &n);
    check(!ok && GetLastError() == ERROR_NOACCESS, "write_null_buffer", GetLastError());
    ok = WriteConsoleInputW(NULL, r, 1, &n);
    check(!ok && GetLastError() == ERROR_INVALID_HANDLE, "write_null_handle", GetLastError());
    ok = WriteConsoleInputW(in, r, 1, NULL);
    check(!ok && GetLastError() == ERROR_INVALID_ACCESS && count_events() == 0, "write_null_count", GetLastError());
    ok = WriteConsoleInputW(in, r, 1, (LPDWORD)(ULONG_PTR)8);
    check(!ok && GetLastError() == ERROR_NOACCESS && count_events() == 0, "write_bad_count", GetLastError());
    /* a buffer that cannot take the records: nothing is read */
    WriteConsoleInputW(in, r, 2, &n);
    ok = ReadConsoleInputW(in, (PINPUT_RECORD)(ULONG_PTR)16, 2, &n);
    e = GetLastError();
    check(!ok && e == ERROR_NOACCESS && count_events() == 2, "read_bad_buffer_keeps_records", e);
    ok = ReadConsoleInputW(in, r, 2, NULL);
    e = GetLastError();
    check(!ok && e == ERROR_INVALID_ACCESS && count_events() == 2, "read_null_count_keeps_records", e);
    FlushConsoleInputBuffer(in);
    char buf[16];
    n = 0xdeadbeef;
    ok = ReadConsoleW(in, buf, (DWORD)-128, &n, NULL);
    e = GetLastError();
    check(!ok && e == ERROR_NOACCESS && n == 0xdeadbeef, "readconsole_huge_count", e);
    ok = ReadConsoleA(out, buf, sizeof(buf), &n, NULL);
    e = GetLastError();
    check(!ok && e == ERROR_INVALID_HANDLE, "readconsole_output_handle", e);
}

static DWORD WINAPI write_later(LPVOID unused)
{
    (void)unused;
    INPUT_RECORD r = key_rec('W', 'w', TRUE);
    DWORD n;
    Sleep(200);
    WriteConsoleInputW(in, &r, 1, &n);
    return 0;
}

/* A ReadConsoleInputW waiting for the terminal wakes for a record another thread writes. */
static void wake_check(void)
{
    INPUT_RECORD r;
    DWORD n = 0;
    HANDLE t = CreateThread(NULL, 0, write_later, NULL, 0, NULL);
    BOOL ok = ReadConsoleInputW(in, &r, 1, &n);
    check(ok && n == 1 && r.Event.KeyEvent.uChar.UnicodeChar == 'w', "read_woken_by_write", n);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

static void queue_checks(void)
{
    INPUT_RECORD w[4] = {key_rec('A', 'a', TRUE), key_rec('A', 'a', FALSE), key_rec(0, 0xe9, TRUE),
                         key_rec(0, 0xe9, FALSE)};
    INPUT_RECORD r[8];
    DWORD n = 0;
    check(FlushConsoleInputBuffer(in) && count_events() == 0, "flush_empty", GetLastError());
    check(WaitForSingleObject(in, 0) == WAIT_TIMEOUT, "wait_empty_times_out", GetLastError());
    check(WriteConsoleInputW(in, w, 4, &n) && n == 4, "write4", GetLastError());
    check(WaitForSingleObject(in, 0) == WAIT_OBJECT_0, "wait_signalled_by_records", GetLastError());
    check(count_events() == 4, "count4", count_events());
    memset(r, 0, sizeof(r));
    check(PeekConsoleInputW(in, r, 8, &n) && n == 4 && !memcmp(r, w, sizeof(w)), "peek_gives_all", n);
    check(count_events() == 4, "peek_leaves", count_events());
    memset(r, 0, sizeof(r));
    check(ReadConsoleInputW(in, r, 1, &n) && n == 1 && !memcmp(r, w, sizeof(w[0])), "read_one", n);
    check(count_events() == 3, "read_removes", count_events());
    memset(r, 0, sizeof(r));
    check(ReadConsoleInputA(in, r, 8, &n) && n == 3 && r[0].Event.KeyEvent.uChar.AsciiChar == 'a' &&
              r[1].Event.KeyEvent.uChar.AsciiChar == 0 && r[1].Event.KeyEvent.bKeyDown,
          "read_a_converts", n);
    check(count_events() == 0, "read_all", count_events());
    /* A form in: a byte of the code page */
    INPUT_RECORD ra = key_rec('B', 0, TRUE);
    ra.Event.KeyEvent.uChar.AsciiChar = 'b';
    check(WriteConsoleInputA(in, &ra, 1, &n) && n == 1, "write_a", GetLastError());
    check(PeekConsoleInputW(in, r, 1, &n) && n == 1 && r[0].Event.KeyEvent.uChar.UnicodeChar == 'b', "write_a_w",
          r[0].Event.KeyEvent.uChar.UnicodeChar);
    check(FlushConsoleInputBuffer(in) && count_events() == 0, "flush_removes", count_events());
    check(WaitForSingleObject(in, 50) == WAIT_TIMEOUT, "wait_after_flush_times_out", GetLastError());
    /* mouse moves written one at a time coalesce (Wine's console.c on Windows) */
    INPUT_RECORD m;
    memset(&m, 0, sizeof(m));
    m.EventType = MOUSE_EVENT;
    m.Event.MouseEvent.dwEventFlags = MOUSE_MOVED;
    WriteConsoleInputW(in, &m, 1, &n);
    WriteConsoleInputW(in, &m, 1, &n);
    check(count_events() == 1, "mouse_moves_coalesce", count_events());
    FlushConsoleInputBuffer(in);
    /* ReadConsoleW without line input: the characters of the key-down records */
    SetConsoleMode(in, ENABLE_PROCESSED_INPUT);
    INPUT_RECORD k[5] = {key_rec('H', 'h', TRUE), key_rec('H', 'h', FALSE), key_rec(0x25, 0, TRUE),
                         key_rec('I', 'i', TRUE), key_rec('I', 'i', FALSE)};
    WCHAR text[8];
    WriteConsoleInputW(in, k, 5, &n);
    check(ReadConsoleW(in, text, 8, &n, NULL) && n == 2 && text[0] == 'h' && text[1] == 'i' && count_events() == 0,
          "readconsole_raw_written_keys", n);
    /* with line input: up to Enter, as CR LF */
    SetConsoleMode(in, ENABLE_PROCESSED_INPUT | ENABLE_LINE_INPUT);
    INPUT_RECORD l[4] = {key_rec('O', 'o', TRUE), key_rec('K', 'k', TRUE), key_rec(0x0d, '\r', TRUE),
                         key_rec('Z', 'z', TRUE)};
    WriteConsoleInputW(in, l, 4, &n);
    check(ReadConsoleW(in, text, 8, &n, NULL) && n == 4 && text[0] == 'o' && text[1] == 'k' && text[2] == '\r' &&
              text[3] == '\n' && count_events() == 1,
          "readconsole_line_written_keys", n);
    FlushConsoleInputBuffer(in);
    wake_check();
    bad_input();
}

static int typed(void)
{
    INPUT_RECORD r[4];
    DWORD n = 0;
    say("ready\n");
    DWORD waited = WaitForSingleObject(in, 10000); /* until the key is typed */
    check(waited == WAIT_OBJECT_0, "wait_for_typed_key", waited);
    check(count_events() == 2, "typed_key_counted", count_events());
    check(PeekConsoleInputW(in, r, 4, &n) && n == 2 && r[0].Event.KeyEvent.uChar.UnicodeChar == 'z' &&
              r[0].Event.KeyEvent.bKeyDown && !r[1].Event.KeyEvent.bKeyDown,
          "typed_key_peeked", n);
    check(count_events() == 2, "peek_does_not_remove", count_events());
    check(FlushConsoleInputBuffer(in) && count_events() == 0, "flush_empties", count_events());
    return failures;
}

int main(int argc, char **argv)
{
    in = GetStdHandle(STD_INPUT_HANDLE);
    out = GetStdHandle(STD_OUTPUT_HANDLE);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "keys")) {
        SetConsoleMode(in, 0);
        return keys();
    }
    if (!strcmp(mode, "ctrlc")) {
        SetConsoleCtrlHandler(handler, TRUE);
        SetConsoleMode(in, ENABLE_PROCESSED_INPUT);
        return keys();
    }
    if (!strcmp(mode, "line"))
        return line_read();
    if (!strcmp(mode, "raw")) {
        WCHAR w[64];
        DWORD n = 0;
        SetConsoleMode(in, ENABLE_PROCESSED_INPUT);
        say("ready\n");
        if (!ReadConsoleW(in, w, 64, &n, NULL))
            return say("ReadConsoleW failed %lu\n", (unsigned long)GetLastError()), 3;
        print_units("got", w, n, 1);
        return 0;
    }
    if (!strcmp(mode, "queue")) {
        queue_checks();
        return failures;
    }
    if (!strcmp(mode, "typed"))
        return typed();
    return 99;
}
