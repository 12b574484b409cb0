/* SPDX-License-Identifier: MIT */
/* test_mailslot.c - mailslots (CreateMailslotA/W, GetMailslotInfo, SetMailslotInfo, clients
 * through CreateFile) and ntdll's NtCreateNamedPipeFile / NtCreateMailslotFile: from C through
 * the entry points, and from PE code (tests/images/mslot.c lists its checks, a writer in another
 * process among them) under `winvm run`.  Expected values: Windows' (Wine's kernel32 mailslot.c,
 * ntdll om.c and pipe.c). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/io_int.h"
#include "runtime/ntdll_file.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

TestSuite(mailslot, .timeout = 120);

static char *name_of(char *out, const char *tag)
{
    sprintf(out, "\\\\.\\mailslot\\wvtest\\%d\\%s", (int)getpid(), tag);
    return out;
}

static HANDLE writer(const char *name)
{
    return CreateFileA(name, GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

Test(mailslot, messages_keep_their_bounds_sizes_and_order)
{
    char name[128], buf[70000];
    HANDLE s = CreateMailslotA(name_of(name, "bounds"), 0, 0, NULL);
    cr_assert_neq(s, INVALID_HANDLE_VALUE, "error %u", GetLastError());
    HANDLE w = writer(name);
    cr_assert_neq(w, INVALID_HANDLE_VALUE, "error %u", GetLastError());
    static char big[65536];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    DWORD n = 0;
    cr_assert(WriteFile(w, "abc", 3, &n, NULL) && n == 3);
    cr_assert(WriteFile(w, big, sizeof(big), &n, NULL) && n == sizeof(big));
    cr_assert(WriteFile(w, "de", 2, &n, NULL) && n == 2);
    DWORD next = 0, count = 0;
    cr_assert(GetMailslotInfo(s, NULL, &next, &count, NULL));
    cr_assert_eq(next, 3);
    cr_assert_eq(count, 3);
    cr_assert(ReadFile(s, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, 3, "one message, not the bytes of three");
    cr_assert(ReadFile(s, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, sizeof(big));
    cr_assert_eq(memcmp(buf, big, sizeof(big)), 0);
    cr_assert(ReadFile(s, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, 2);
    cr_assert_eq(memcmp(buf, "de", 2), 0);
    cr_assert(GetMailslotInfo(s, NULL, &next, &count, NULL));
    cr_assert_eq(next, MAILSLOT_NO_MESSAGE);
    cr_assert_eq(count, 0);
    CloseHandle(w);
    CloseHandle(s);
}

Test(mailslot, a_short_buffer_fails_and_leaves_the_message)
{
    char name[128], buf[8];
    WCHAR wname[64];
    const char *a = "\\\\.\\mailslot\\wvtest-short";
    size_t k = 0;
    for (; a[k]; k++)
        wname[k] = (WCHAR)a[k];
    wname[k] = 0;
    HANDLE s = CreateMailslotW(wname, 0, 0, NULL);
    cr_assert_neq(s, INVALID_HANDLE_VALUE, "error %u", GetLastError());
    snprintf(name, sizeof(name), "\\\\.\\MailSlot\\WVTEST-SHORT");
    HANDLE w = writer(name);
    cr_assert_neq(w, INVALID_HANDLE_VALUE, "names are compared without case: error %u", GetLastError());
    DWORD n = 0;
    cr_assert(WriteFile(w, "twelve bytes", 12, &n, NULL));
    SetLastError(SENTINEL);
    cr_assert_not(ReadFile(s, buf, sizeof(buf), &n, NULL));
    EXPECT_ERR(ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(n, 0);
    DWORD next = 0;
    cr_assert(GetMailslotInfo(s, NULL, &next, NULL, NULL));
    cr_assert_eq(next, 12, "the message stays whole");
    char big[16];
    cr_assert(ReadFile(s, big, sizeof(big), &n, NULL));
    cr_assert_eq(n, 12);
    CloseHandle(w);
    CloseHandle(s);
}

Test(mailslot, reads_wait_the_read_timeout)
{
    char name[128], buf[8];
    HANDLE s = CreateMailslotA(name_of(name, "tmo"), 0, 250, NULL);
    DWORD n, tmo = 0, max = 1;
    cr_assert(GetMailslotInfo(s, &max, NULL, NULL, &tmo));
    cr_assert_eq(tmo, 250);
    cr_assert_eq(max, 0);
    uint64_t t0 = now_ms();
    SetLastError(SENTINEL);
    cr_assert_not(ReadFile(s, buf, sizeof(buf), &n, NULL));
    EXPECT_ERR(ERROR_SEM_TIMEOUT);
    uint64_t took = now_ms() - t0;
    cr_assert(took >= 240 && took < 3000, "waited %llu ms", (unsigned long long)took);
    cr_assert(SetMailslotInfo(s, 0));
    t0 = now_ms();
    cr_assert_not(ReadFile(s, buf, sizeof(buf), &n, NULL));
    EXPECT_ERR(ERROR_SEM_TIMEOUT);
    cr_assert_lt(now_ms() - t0, 200, "0: no wait");
    CloseHandle(s);
}

Test(mailslot, errors_are_windows_and_change_nothing)
{
    char name[128];
    SetLastError(SENTINEL);
    cr_assert_eq(CreateMailslotA("\\\\.\\pipe\\x", 0, 0, NULL), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_INVALID_NAME);
    cr_assert_eq(CreateMailslotA(NULL, 0, 0, NULL), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_PATH_NOT_FOUND);
    cr_assert_eq(CreateMailslotA((LPCSTR)8, 0, 0, NULL), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_NOACCESS);
    HANDLE s = CreateMailslotA(name_of(name, "err"), 0, 0, NULL);
    cr_assert_eq(CreateMailslotA(name, 0, 0, NULL), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    DWORD next = 5;
    cr_assert_not(GetMailslotInfo(s, NULL, (LPDWORD)8, NULL, NULL));
    EXPECT_ERR(ERROR_NOACCESS);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    cr_assert_not(GetMailslotInfo(ev, NULL, &next, NULL, NULL), "an event is no mailslot");
    cr_assert_eq(next, 5);
    cr_assert_not(SetMailslotInfo(NULL, 0));
    EXPECT_ERR(ERROR_INVALID_HANDLE);
    HANDLE w = writer(name);
    cr_assert_not(GetMailslotInfo(w, NULL, &next, NULL, NULL), "a client is not the server");
    DWORD n;
    cr_assert_not(WriteFile(s, "x", 1, &n, NULL));
    EXPECT_ERR(ERROR_ACCESS_DENIED);
    CloseHandle(w);
    CloseHandle(ev);
    CloseHandle(s);
}

Test(mailslot, the_slot_ends_when_its_server_closes)
{
    char name[128];
    HANDLE s = CreateMailslotA(name_of(name, "end"), 0, 0, NULL);
    HANDLE w = writer(name);
    cr_assert_neq(w, INVALID_HANDLE_VALUE);
    CloseHandle(s);
    SetLastError(SENTINEL);
    cr_assert_eq(writer(name), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    HANDLE s2 = CreateMailslotA(name, 0, 0, NULL);
    cr_assert_neq(s2, INVALID_HANDLE_VALUE, "the name is free again: error %u", GetLastError());
    DWORD n, count = 9;
    WriteFile(w, "old", 3, &n, NULL);
    cr_assert(GetMailslotInfo(s2, NULL, NULL, &count, NULL));
    cr_assert_eq(count, 0, "the old slot's client does not write to the new slot");
    CloseHandle(w);
    CloseHandle(s2);
}

/* A server that died leaves its socket file: no client opens it, and a new server takes the
 * name over. */
Test(mailslot, a_dead_servers_name_is_taken_over)
{
    char name[128], buf[8];
    name_of(name, "dead");
    struct sockaddr_un sun;
    socklen_t len;
    cr_assert_eq(wv_ns_sockaddr('m', name + strlen("\\\\.\\mailslot\\"), &sun, &len), 0);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
    close(fd); /* the file stays, bound by nobody */
    SetLastError(SENTINEL);
    cr_assert_eq(writer(name), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_FILE_NOT_FOUND);
    HANDLE s = CreateMailslotA(name, 0, 0, NULL);
    cr_assert_neq(s, INVALID_HANDLE_VALUE, "error %u", GetLastError());
    HANDLE w = writer(name);
    DWORD n = 0;
    cr_assert(WriteFile(w, "new", 3, &n, NULL));
    cr_assert(ReadFile(s, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, 3);
    CloseHandle(w);
    CloseHandle(s);
}

/* A writer that is another process: a child forked before it opens the slot. */
Test(mailslot, a_writer_in_another_process)
{
    char name[128], buf[16];
    HANDLE s = CreateMailslotA(name_of(name, "fork"), 0, 10000, NULL);
    cr_assert_neq(s, INVALID_HANDLE_VALUE);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fail = 0;
        for (int k = 0; k < 3; k++) {
            HANDLE w = writer(name);
            DWORD n;
            char msg[8] = {'m', (char)('0' + k)};
            fail |= w == INVALID_HANDLE_VALUE || !WriteFile(w, msg, 2, &n, NULL);
            CloseHandle(w);
        }
        _exit(fail);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (int k = 0; k < 3; k++) {
        DWORD n = 0;
        cr_assert(ReadFile(s, buf, sizeof(buf), &n, NULL), "message %d: error %u", k, GetLastError());
        cr_assert_eq(n, 2);
        cr_assert_eq(buf[1], '0' + k);
    }
    CloseHandle(s);
}

/* ---- the NT calls, through their ms_abi entries ---- */

static void nt_attr(OBJECT_ATTRIBUTES *oa, UNICODE_STRING *u, WCHAR *buf, const char *name)
{
    size_t k = 0;
    for (; name[k]; k++)
        buf[k] = (WCHAR)name[k];
    u->Buffer = buf, u->Length = (USHORT)(k * 2), u->MaximumLength = (USHORT)(k * 2);
    memset(oa, 0, sizeof(*oa));
    oa->Length = sizeof(*oa), oa->ObjectName = u, oa->Attributes = 0x40;
}

Test(mailslot, nt_create_named_pipe_file_makes_a_pipe_kernel32_opens)
{
    char nt[128], win[128], buf[8];
    WCHAR w[128];
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    snprintf(nt, sizeof(nt), "\\??\\pipe\\wvtest-%d-nt", (int)getpid());
    snprintf(win, sizeof(win), "\\\\.\\pipe\\WVTEST-%d-NT", (int)getpid());
    nt_attr(&oa, &u, w, nt);
    HANDLE srv = NULL, h = (HANDLE)1;
    LARGE_INTEGER tmo = {.QuadPart = -10000};
    NTSTATUS st = wv_nt_NtCreateNamedPipeFile(&srv, GENERIC_READ | GENERIC_WRITE, &oa, &io, FILE_SHARE_WRITE, 2, 0x20,
                                              0, 0, 0, 1, 0, 0, &tmo);
    cr_assert_eq(st, 0, "status %#x", (unsigned)st);
    cr_assert_eq(io.Information, 2, "FILE_CREATED");
    st = wv_nt_NtCreateNamedPipeFile(&h, GENERIC_READ, &oa, &io, FILE_SHARE_WRITE, 3, 0x20, 0, 0, 0, 1, 0, 0, &tmo);
    cr_assert_eq((unsigned)st, 0xC00000ABu, "STATUS_INSTANCE_NOT_AVAILABLE: %#x", (unsigned)st);
    cr_assert_null(h);
    HANDLE c = CreateFileA(win, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(c, INVALID_HANDLE_VALUE, "error %u", GetLastError());
    DWORD n = 0;
    cr_assert(ConnectNamedPipe(srv, NULL) || GetLastError() == ERROR_PIPE_CONNECTED);
    cr_assert(WriteFile(c, "byte", 4, &n, NULL));
    cr_assert(ReadFile(srv, buf, sizeof(buf), &n, NULL));
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(buf, "byte", 4), 0);
    CloseHandle(c);
    oa.Length = 0;
    st = wv_nt_NtCreateNamedPipeFile(&h, GENERIC_READ, &oa, &io, FILE_SHARE_WRITE, 3, 0, 0, 0, 0, 1, 0, 0, NULL);
    cr_assert_eq(st, STATUS_INVALID_PARAMETER);
    oa.Length = sizeof(oa);
    st = wv_nt_NtCreateNamedPipeFile(&h, GENERIC_READ, &oa, &io, FILE_SHARE_WRITE, 3, 0, 0, 1 /* message reads */,
                                     0, 1, 0, 0, NULL);
    cr_assert_eq(st, STATUS_INVALID_PARAMETER, "message reads of a byte pipe");
    CloseHandle(srv);
}

Test(mailslot, nt_create_mailslot_file_shares_the_names_with_kernel32)
{
    char nt[128], win[128];
    WCHAR w[128];
    UNICODE_STRING u;
    OBJECT_ATTRIBUTES oa;
    IO_STATUS_BLOCK io;
    snprintf(nt, sizeof(nt), "\\??\\mailslot\\wvtest-%d-nt", (int)getpid());
    snprintf(win, sizeof(win), "\\\\.\\mailslot\\wvtest-%d-nt", (int)getpid());
    nt_attr(&oa, &u, w, nt);
    HANDLE s = NULL, h = (HANDLE)1;
    LARGE_INTEGER tmo = {.QuadPart = -500000}; /* 50 ms */
    NTSTATUS st = wv_nt_NtCreateMailslotFile(&s, GENERIC_READ | SYNCHRONIZE, &oa, &io, 0x20, 0, 100, &tmo);
    cr_assert_eq(st, 0, "status %#x", (unsigned)st);
    DWORD max = 0, tms = 0;
    cr_assert(GetMailslotInfo(s, &max, NULL, NULL, &tms));
    cr_assert_eq(max, 100);
    cr_assert_eq(tms, 50);
    cr_assert_eq(CreateMailslotA(win, 0, 0, NULL), INVALID_HANDLE_VALUE);
    EXPECT_ERR(ERROR_ALREADY_EXISTS);
    st = wv_nt_NtCreateMailslotFile(&h, GENERIC_READ, &oa, &io, 0, 0, 0, NULL);
    cr_assert_eq((unsigned)st, 0xC0000035u, "STATUS_OBJECT_NAME_COLLISION: %#x", (unsigned)st);
    cr_assert_null(h);
    oa.ObjectName = NULL;
    cr_assert_eq(wv_nt_NtCreateMailslotFile(&h, GENERIC_READ, &oa, &io, 0, 0, 0, NULL), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_assert_eq(wv_nt_NtCreateMailslotFile(&h, GENERIC_READ, NULL, &io, 0, 0, 0, NULL), STATUS_INVALID_PARAMETER);
    CloseHandle(s);
    s = CreateMailslotA(win, 0, 0, NULL);
    cr_assert_neq(s, INVALID_HANDLE_VALUE, "the NT slot's name is free once it closed: %u", GetLastError());
    CloseHandle(s);
}

/* ---- from PE code ---- */

Test(mailslot, mailslots_and_the_nt_calls_from_pe_code)
{
    tu_need_pe(EXE("mslot.exe"), NULL);
    char cmd[1024];
    static char out[16384];
    snprintf(cmd, sizeof(cmd), "cd /tmp && %s run %s 2>&1", WINVM_CLI, EXE("mslot.exe"));
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    int st = pclose(p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    cr_assert(strstr(out, "ok child_messages_in_order"), "%s", out);
    cr_assert(strstr(out, "ok nt_pipe_kernel32_client"), "%s", out);
    cr_assert(strstr(out, "ok nt_slot_kernel32_client"), "%s", out);
    int oks = 0;
    for (const char *q = out; (q = strstr(q, "ok ")); q += 3)
        oks++;
    cr_assert_geq(oks, 40, "%s", out);
}
