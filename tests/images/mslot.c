/* SPDX-License-Identifier: MIT */
/* mslot.c - mslot.exe: mailslots, NtCreateNamedPipeFile and NtCreateMailslotFile from PE code
 * (tests/test_mailslot.c runs it).  Prints "ok NAME" or "FAIL NAME (detail)"; exits with the
 * failures.  "child NAME" is the writer it starts as another process.
 *
 *   names          a name outside \\.\mailslot\, none, an empty one, a second server of a live
 *                  name, a client of no server: Windows' errors
 *   round_trip     messages in order with their sizes (a zero-length one too); GetMailslotInfo's
 *                  next size and count; a short buffer is ERROR_INSUFFICIENT_BUFFER and the
 *                  message stays; an empty slot is ERROR_SEM_TIMEOUT; no writes on the server,
 *                  no reads on a client (ERROR_ACCESS_DENIED); a bad buffer is ERROR_NOACCESS and
 *                  the message stays
 *   max_size       a message longer than the slot's maximum is not delivered
 *   timeouts       a read waits the read timeout, SetMailslotInfo changes it, a read waiting
 *                  forever gets the message a thread writes later
 *   other_process  a child process writes three messages; a child cannot create the same name
 *   close_ends     closing the server ends the slot: no client opens it, the name is free again,
 *                  and an old client's message does not reach the new slot
 *   nt_pipe        NtCreateNamedPipeFile: a pipe kernel32 clients open and use; a second
 *                  instance past the maximum, bad attributes, share 0, a bad handle pointer
 *   nt_mailslot    NtCreateMailslotFile: a slot kernel32 clients write to; the name taken for
 *                  CreateMailslotA and for itself
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "nt_objattr.h"

#include "nt_check.h"

static char *slot_name(char *out, const char *tag)
{
    sprintf(out, "\\\\.\\mailslot\\wvms\\%lu\\%s", GetCurrentProcessId(), tag);
    return out;
}

static HANDLE client(const char *name)
{
    return CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
}

static BOOL put(HANDLE h, const char *s, DWORD n)
{
    DWORD w = 0;
    return WriteFile(h, s, n, &w, NULL) && w == n;
}

static BOOL info(HANDLE h, DWORD *next, DWORD *count)
{
    return GetMailslotInfo(h, NULL, next, count, NULL);
}

static void names(void)
{
    char name[128];
    SetLastError(0);
    HANDLE h = CreateMailslotA("blah", 0, 0, NULL);
    check(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_NAME, "names_outside", GetLastError());
    h = CreateMailslotA(NULL, 0, 0, NULL);
    check(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND, "names_null", GetLastError());
    h = CreateMailslotA("\\\\.\\mailslot\\", 0, 0, NULL);
    check(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_NAME, "names_empty", GetLastError());
    h = client(slot_name(name, "none"));
    check(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND, "names_no_server", GetLastError());
    h = CreateMailslotA(slot_name(name, "twice"), 0, 0, NULL);
    HANDLE h2 = CreateMailslotW(L"\\\\.\\MAILSLOT\\WVMS\\x", 0, 0, NULL); /* another name: fine */
    char upper[128];
    sprintf(upper, "\\\\.\\MAILSLOT\\WVMS\\%lu\\TWICE", GetCurrentProcessId());
    HANDLE h3 = CreateMailslotA(upper, 0, 0, NULL);
    check(h != INVALID_HANDLE_VALUE && h2 != INVALID_HANDLE_VALUE && h3 == INVALID_HANDLE_VALUE &&
              GetLastError() == ERROR_ALREADY_EXISTS,
          "names_taken_any_case", GetLastError());
    SetLastError(0);
    check(!GetMailslotInfo(INVALID_HANDLE_VALUE, NULL, NULL, NULL, NULL) && GetLastError() == ERROR_INVALID_HANDLE,
          "info_bad_handle", GetLastError());
    CloseHandle(h), CloseHandle(h2);
}

static void round_trip(void)
{
    char name[128], buf[16];
    DWORD next = 0, count = 9, max = 1, tmo = 1, n = 0;
    HANDLE s = CreateMailslotA(slot_name(name, "rt"), 0, 0, NULL);
    BOOL ok = GetMailslotInfo(s, &max, &next, &count, &tmo);
    check(ok && max == 0 && next == MAILSLOT_NO_MESSAGE && count == 0 && tmo == 0, "info_empty", next);
    HANDLE c = client(name);
    HANDLE c2 = CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    check(c != INVALID_HANDLE_VALUE && c2 != INVALID_HANDLE_VALUE, "clients_open", GetLastError());
    check(put(c, "hello", 5) && put(c2, "", 0) && put(c, "ab", 2), "writes", GetLastError());
    check(info(s, &next, &count) && next == 5 && count == 3, "info_three", next * 100 + count);
    SetLastError(0);
    ok = ReadFile(s, buf, 4, &n, NULL);
    check(!ok && GetLastError() == ERROR_INSUFFICIENT_BUFFER && n == 0, "short_buffer", GetLastError());
    check(info(s, &next, &count) && next == 5 && count == 3, "short_buffer_kept", next * 100 + count);
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    check(ok && n == 5 && !memcmp(buf, "hello", 5), "read_first", n);
    check(info(s, &next, &count) && next == 0 && count == 2, "info_zero_next", next * 100 + count);
    n = 9;
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    check(ok && n == 0, "read_zero_length", n);
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    check(ok && n == 2 && !memcmp(buf, "ab", 2), "read_third", n);
    SetLastError(0);
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    check(!ok && GetLastError() == ERROR_SEM_TIMEOUT, "read_empty", GetLastError());
    ok = ReadFile(s, buf, 0, &n, NULL);
    check(!ok && GetLastError() == ERROR_SEM_TIMEOUT, "read_empty_zero_buffer", GetLastError());
    ok = WriteFile(s, "x", 1, &n, NULL);
    check(!ok && GetLastError() == ERROR_ACCESS_DENIED, "server_write", GetLastError());
    HANDLE rc = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ok = ReadFile(rc, buf, sizeof(buf), &n, NULL);
    check(rc != INVALID_HANDLE_VALUE && !ok && GetLastError() == ERROR_ACCESS_DENIED, "client_read", GetLastError());
    DWORD next2 = 0, count2 = 0;
    ok = put(c, "z", 1) && !ReadFile(s, (void *)1, sizeof(buf), &n, NULL) && GetLastError() == ERROR_NOACCESS;
    check(ok && info(s, &next2, &count2) && next2 == 1 && count2 == 1, "bad_buffer_message_stays", GetLastError());
    CloseHandle(rc), CloseHandle(c), CloseHandle(c2), CloseHandle(s);
}

static void max_size(void)
{
    char name[128], buf[16];
    DWORD next = 0, count = 0, max = 0, n = 0;
    HANDLE s = CreateMailslotA(slot_name(name, "max"), 4, 0, NULL);
    HANDLE c = client(name);
    check(put(c, "toolong!", 8) && put(c, "fit", 3), "max_writes", GetLastError());
    BOOL ok = GetMailslotInfo(s, &max, &next, &count, NULL);
    check(ok && max == 4 && next == 3 && count == 1, "max_dropped", next * 100 + count);
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    check(ok && n == 3 && !memcmp(buf, "fit", 3), "max_read", n);
    CloseHandle(c), CloseHandle(s);
}

static DWORD WINAPI late_writer(void *arg)
{
    Sleep(150);
    HANDLE c = client((const char *)arg);
    put(c, "late", 4);
    CloseHandle(c);
    return 0;
}

static void timeouts(void)
{
    char name[128], buf[16];
    DWORD n = 0, tmo = 0;
    HANDLE s = CreateMailslotA(slot_name(name, "tmo"), 0, 300, NULL);
    DWORD t0 = GetTickCount();
    BOOL ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    DWORD took = GetTickCount() - t0;
    check(!ok && GetLastError() == ERROR_SEM_TIMEOUT && took >= 250 && took < 3000, "read_timeout", took);
    check(SetMailslotInfo(s, 0) && GetMailslotInfo(s, NULL, NULL, NULL, &tmo) && tmo == 0, "set_timeout", tmo);
    t0 = GetTickCount();
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    took = GetTickCount() - t0;
    check(!ok && GetLastError() == ERROR_SEM_TIMEOUT && took < 200, "read_no_wait", took);
    check(SetMailslotInfo(s, MAILSLOT_WAIT_FOREVER), "set_forever", GetLastError());
    HANDLE t = CreateThread(NULL, 0, late_writer, name, 0, NULL);
    ok = ReadFile(s, buf, sizeof(buf), &n, NULL);
    check(ok && n == 4 && !memcmp(buf, "late", 4), "read_waits_forever", n);
    WaitForSingleObject(t, 5000);
    CloseHandle(t);
    SetLastError(0);
    check(!SetMailslotInfo(INVALID_HANDLE_VALUE, 0) && GetLastError() == ERROR_INVALID_HANDLE, "set_bad_handle",
          GetLastError());
    CloseHandle(s);
}

static int child(const char *name)
{
    HANDLE c = client(name);
    if (c == INVALID_HANDLE_VALUE)
        return 10;
    if (!put(c, "one", 3) || !put(c, "", 0) || !put(c, "three", 5))
        return 11;
    HANDLE s = CreateMailslotA(name, 0, 0, NULL); /* the parent's name: taken */
    if (s != INVALID_HANDLE_VALUE || GetLastError() != ERROR_ALREADY_EXISTS)
        return 12;
    CloseHandle(c);
    return 0;
}

static void other_process(const char *self)
{
    char name[128], cmd[512], buf[16];
    HANDLE s = CreateMailslotA(slot_name(name, "xproc"), 0, 10000, NULL);
    snprintf(cmd, sizeof(cmd), "\"%s\" child %s", self, name);
    STARTUPINFOA si = {sizeof(si)};
    PROCESS_INFORMATION pi;
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        check(0, "child_started", GetLastError());
        return;
    }
    DWORD code = 99, n1 = 0, n2 = 9, n3 = 0;
    WaitForSingleObject(pi.hProcess, 20000);
    GetExitCodeProcess(pi.hProcess, &code);
    check(code == 0, "child_wrote", code);
    char a[16], b[16];
    BOOL ok = ReadFile(s, a, sizeof(a), &n1, NULL) && ReadFile(s, b, sizeof(b), &n2, NULL) &&
              ReadFile(s, buf, sizeof(buf), &n3, NULL);
    check(ok && n1 == 3 && !memcmp(a, "one", 3) && n2 == 0 && n3 == 5 && !memcmp(buf, "three", 5),
          "child_messages_in_order", n1 * 100 + n2 * 10 + n3);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread), CloseHandle(s);
}

static void close_ends(void)
{
    char name[128], buf[16];
    DWORD next = 0, count = 9, n;
    HANDLE s = CreateMailslotA(slot_name(name, "end"), 0, 0, NULL);
    HANDLE c = client(name), dup = NULL;
    DuplicateHandle(GetCurrentProcess(), s, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS);
    CloseHandle(s);
    check(put(c, "kept", 4) && ReadFile(dup, buf, sizeof(buf), &n, NULL) && n == 4, "duplicate_keeps_slot", n);
    CloseHandle(dup);
    SetLastError(0);
    HANDLE c2 = client(name);
    check(c2 == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND, "closed_no_client", GetLastError());
    HANDLE s2 = CreateMailslotA(name, 0, 0, NULL);
    check(s2 != INVALID_HANDLE_VALUE, "closed_name_free", GetLastError());
    put(c, "stale", 5); /* the old slot's client: not the new slot's */
    check(info(s2, &next, &count) && count == 0 && next == MAILSLOT_NO_MESSAGE, "old_client_not_new_slot", count);
    CloseHandle(c), CloseHandle(s2);
}

/* ---- the NT calls ---- */

typedef NTSTATUS(WINAPI *NTCNP)(HANDLE *, ACCESS_MASK, OBJATTR *, IOSB *, ULONG, ULONG, ULONG, ULONG, ULONG, ULONG,
                                ULONG, ULONG, ULONG, LARGE_INTEGER *);
typedef NTSTATUS(WINAPI *NTCMS)(HANDLE *, ACCESS_MASK, OBJATTR *, IOSB *, ULONG, ULONG, ULONG, LARGE_INTEGER *);

static void nt_name(UNISTR *u, WCHAR *buf, const char *prefix, const char *tag)
{
    char a[128];
    int n = snprintf(a, sizeof(a), "%s%lu-%s", prefix, GetCurrentProcessId(), tag);
    for (int i = 0; i <= n; i++)
        buf[i] = (WCHAR)(unsigned char)a[i];
    u->Buffer = buf, u->Length = (USHORT)(n * 2), u->MaximumLength = u->Length + 2;
}

static void nt_pipe(void)
{
    NTCNP create = (NTCNP)fn("ntdll.dll", "NtCreateNamedPipeFile");
    if (!create)
        return;
    WCHAR wbuf[128];
    UNISTR u;
    nt_name(&u, wbuf, "\\??\\pipe\\wvms-", "ntpipe");
    OBJATTR oa = {sizeof(oa), NULL, &u, 0x40 /* OBJ_CASE_INSENSITIVE */, NULL, NULL};
    IOSB io = {{0}, 99};
    LARGE_INTEGER tmo = {.QuadPart = -10000000};
    HANDLE srv = NULL, h = (HANDLE)0xdeadbeef;
    NTSTATUS st = create(&srv, GENERIC_READ | GENERIC_WRITE | SYNCHRONIZE, &oa, &io, FILE_SHARE_READ | FILE_SHARE_WRITE,
                         2 /* FILE_CREATE */, 0x20 /* FILE_SYNCHRONOUS_IO_NONALERT */, 1, 1, 0, 1, 256, 256, &tmo);
    check(st == 0 && srv && io.Information == 2 /* FILE_CREATED */, "nt_pipe_created", st);
    st = create(&h, GENERIC_READ | GENERIC_WRITE, &oa, &io, FILE_SHARE_READ | FILE_SHARE_WRITE, 2, 0x20, 1, 1, 0, 1,
                256, 256, &tmo);
    check(st == (NTSTATUS)0xC00000AB && h == NULL, "nt_pipe_instance_not_available", st);
    char pname[128], buf[16];
    sprintf(pname, "\\\\.\\PIPE\\WVMS-%lu-NTPIPE", GetCurrentProcessId());
    HANDLE c = CreateFileA(pname, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    check(c != INVALID_HANDLE_VALUE, "nt_pipe_kernel32_client", GetLastError());
    BOOL conn = ConnectNamedPipe(srv, NULL) || GetLastError() == ERROR_PIPE_CONNECTED;
    DWORD n = 0, mode = PIPE_READMODE_MESSAGE;
    BOOL ok = conn && put(c, "ping", 4) && ReadFile(srv, buf, sizeof(buf), &n, NULL) && n == 4 &&
              !memcmp(buf, "ping", 4);
    check(ok, "nt_pipe_client_to_server", n);
    ok = put(srv, "pong!", 5) && SetNamedPipeHandleState(c, &mode, NULL, NULL) && !ReadFile(c, buf, 2, &n, NULL) &&
         GetLastError() == ERROR_MORE_DATA && n == 2;
    check(ok, "nt_pipe_message_type", GetLastError());
    CloseHandle(c);
    h = (HANDLE)0xdeadbeef;
    oa.Length = sizeof(oa) - 1;
    st = create(&h, GENERIC_READ, &oa, &io, FILE_SHARE_READ, 3, 0, 0, 0, 0, 1, 0, 0, NULL);
    check(st == STATUS_INVALID_PARAMETER && h == NULL, "nt_pipe_bad_attr_length", st);
    oa.Length = sizeof(oa);
    st = create(&h, GENERIC_READ, &oa, &io, 0, 3, 0, 0, 0, 0, 1, 0, 0, NULL);
    check(st == STATUS_INVALID_PARAMETER, "nt_pipe_share_zero", st);
    st = create(&h, GENERIC_READ, &oa, &io, FILE_SHARE_READ, 5 /* FILE_OVERWRITE_IF */, 0, 0, 0, 0, 1, 0, 0, NULL);
    check(st == STATUS_INVALID_PARAMETER, "nt_pipe_overwrite_if", st);
    st = create((HANDLE *)0xdeadbee0, GENERIC_READ, &oa, &io, FILE_SHARE_READ, 3, 0, 0, 0, 0, 1, 0, 0, NULL);
    check(st == (NTSTATUS)0xC0000005, "nt_pipe_bad_handle_pointer", st);
    st = create(&h, GENERIC_READ, NULL, &io, FILE_SHARE_READ, 3, 0, 0, 0, 0, 1, 0, 0, NULL);
    check(st == STATUS_INVALID_PARAMETER, "nt_pipe_no_attr", st);
    CloseHandle(srv);
    c = CreateFileA(pname, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    check(c == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND, "nt_pipe_closed", GetLastError());
}

static void nt_mailslot(void)
{
    NTCMS create = (NTCMS)fn("ntdll.dll", "NtCreateMailslotFile");
    if (!create)
        return;
    WCHAR wbuf[128];
    UNISTR u;
    nt_name(&u, wbuf, "\\Device\\MailSlot\\wvms-", "ntslot");
    OBJATTR oa = {sizeof(oa), NULL, &u, 0x40, NULL, NULL};
    IOSB io = {{0}, 99};
    LARGE_INTEGER tmo = {.QuadPart = 0};
    HANDLE s = NULL, h = (HANDLE)0xdeadbeef;
    NTSTATUS st = create(&s, GENERIC_READ | SYNCHRONIZE, &oa, &io, 0x20, 0, 0, &tmo);
    check(st == 0 && s && io.Information == 2, "nt_slot_created", st);
    char name[128];
    sprintf(name, "\\\\.\\mailslot\\WVMS-%lu-NTSLOT", GetCurrentProcessId());
    HANDLE c = client(name);
    DWORD next = 0, count = 0;
    check(c != INVALID_HANDLE_VALUE && put(c, "nt", 2) && info(s, &next, &count) && next == 2 && count == 1,
          "nt_slot_kernel32_client", next * 100 + count);
    HANDLE k = CreateMailslotA(name, 0, 0, NULL);
    check(k == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ALREADY_EXISTS, "nt_slot_taken_for_kernel32",
          GetLastError());
    st = create(&h, GENERIC_READ, &oa, &io, 0, 0, 0, NULL);
    check(st == (NTSTATUS)0xC0000035 && h == NULL, "nt_slot_collision", st);
    nt_name(&u, wbuf, "\\??\\pipe\\wvms-", "notslot");
    st = create(&h, GENERIC_READ, &oa, &io, 0, 0, 0, NULL);
    check(st == (NTSTATUS)0xC0000033, "nt_slot_pipe_name", st);
    CloseHandle(c), CloseHandle(s);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "child"))
        return child(argv[2]);
    names();
    round_trip();
    max_size();
    timeouts();
    other_process(argv[0]);
    close_ends();
    nt_pipe();
    nt_mailslot();
    printf("%d failures\n", failures);
    return failures;
}
