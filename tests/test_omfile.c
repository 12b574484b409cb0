/* SPDX-License-Identifier: MIT */
/* test_omfile.c - what Wine's ntdll om.c and kernel32 sync.c import beyond the object
 * namespace: msvcrt's wide printf family, ntdll's NtCreateFile / NtOpenFile / NtReadFile /
 * NtWriteFile / NtQueryInformationFile, RtlDuplicateUnicodeString, the security-descriptor
 * and ACL calls of ntdll and advapi32, RtlDllShutdownInProgress, the PEB lock and
 * GetThreadDesktop.  From C through the ms_abi entries, and from PE code (tests/images/omfile.c,
 * secdesc.c) under `winvm run`.  Expected values: Windows' (Wine's conformance tests). */
#define _GNU_SOURCE
#include "testutil.h"
#include "runtime/ntdll_file.h"
#include "runtime/rtl_sd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

TestSuite(omfile, .timeout = 120);

/* ---- wide printf, through an ms_abi caller (the Windows va_list is ms_abi's) ---- */

__attribute__((ms_abi)) int wv_ms__vsnwprintf(WCHAR *buf, size_t cap, const WCHAR *fmt, __builtin_ms_va_list ap);

static __attribute__((ms_abi)) int snw(WCHAR *buf, size_t cap, const WCHAR *fmt, ...)
{
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_ms__vsnwprintf(buf, cap, fmt, ap);
    __builtin_ms_va_end(ap);
    return n;
}

static bool weq(const WCHAR *w, const char *a)
{
    while (*a && *w == (WCHAR)*a)
        w++, a++;
    return *w == 0 && *a == 0;
}

Test(omfile, wide_printf_takes_wide_strings_and_cuts_as_msvcrt)
{
    WCHAR buf[32], fmt[] = {'%', 's', '/', '%', 'S', '/', '%', 'h', 's', '/', '%', 'c', 0};
    WCHAR w[] = {'w', 0};
    cr_assert_eq(snw(buf, 32, fmt, w, "n", "h", (int)'c'), 7);
    cr_assert(weq(buf, "w/n/h/c"));
    for (int i = 0; i < 32; i++)
        buf[i] = '#';
    cr_assert_eq(snw(buf, 4, fmt, w, "n", "h", (int)'c'), -1, "longer than the count: -1");
    cr_assert(buf[3] == '/' && buf[4] == '#', "count units written, no terminator");
    for (int i = 0; i < 32; i++)
        buf[i] = '#';
    cr_assert_eq(snw(buf, 7, fmt, w, "n", "h", (int)'c'), 7, "exactly the count: its length");
    cr_assert(buf[6] == 'c' && buf[7] == '#', "no terminator");
}

/* ---- security descriptors ---- */

static BYTE world[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};

Test(omfile, acl_and_descriptor_bytes_are_windows)
{
    DWORD acl[7];
    BYTE sd[40];
    void *ace = NULL;
    cr_assert_eq(wv_nt_RtlCreateAcl(acl, 7, 2), WV_STATUS_BUFFER_TOO_SMALL);
    cr_assert_eq(wv_nt_RtlCreateAcl(acl, sizeof(acl), 1), STATUS_INVALID_PARAMETER);
    cr_assert_eq(wv_nt_RtlCreateAcl(acl, 0x10000, 2), STATUS_INVALID_PARAMETER);
    cr_assert_eq(wv_nt_RtlCreateAcl(acl, sizeof(acl), 2), STATUS_SUCCESS);
    BYTE *a = (BYTE *)acl;
    cr_assert(a[0] == 2 && a[2] == 28 && a[3] == 0 && a[4] == 0);
    cr_assert_eq(wv_nt_RtlAddAccessAllowedAce(acl, 2, 0x80000000u, world), STATUS_SUCCESS);
    cr_assert_eq(wv_nt_RtlAddAccessAllowedAce(acl, 2, 0x80000000u, world), WV_STATUS_ALLOTTED_SPACE_EXCEEDED);
    cr_assert_eq(a[4], 1, "the failed add left the count");
    cr_assert_eq(wv_nt_RtlGetAce(acl, 0, &ace), STATUS_SUCCESS);
    cr_assert(ace == a + 8 && a[8] == 0 && a[10] == 20 && !memcmp(a + 16, world, 12));
    cr_assert_eq(wv_nt_RtlGetAce(acl, 1, &ace), STATUS_INVALID_PARAMETER);
    cr_assert_eq(wv_nt_RtlCreateSecurityDescriptor(sd, 3), WV_STATUS_UNKNOWN_REVISION);
    cr_assert_eq(wv_nt_RtlCreateSecurityDescriptor(sd, 1), STATUS_SUCCESS);
    cr_assert_eq(wv_nt_RtlSetDaclSecurityDescriptor(sd, TRUE, acl, TRUE), STATUS_SUCCESS);
    cr_assert(sd[0] == 1 && sd[2] == (WV_SE_DACL_PRESENT | WV_SE_DACL_DEFAULTED) && *(void **)(sd + 32) == acl);
    cr_assert_eq(wv_nt_RtlLengthSecurityDescriptor(sd), 40 + 28);
    cr_assert(wv_nt_RtlValidSecurityDescriptor(sd));
    sd[3] = 0x80; /* SE_SELF_RELATIVE: offsets now, and it cannot be set */
    cr_assert_eq(wv_nt_RtlSetOwnerSecurityDescriptor(sd, world, FALSE), WV_STATUS_INVALID_SECURITY_DESCR);
    cr_assert_eq(wv_nt_RtlCreateAcl((void *)8, 64, 2), STATUS_ACCESS_VIOLATION, "a bad pointer: a status");
}

/* ---- strings ---- */

Test(omfile, duplicate_unicode_string_flags)
{
    WCHAR s[] = {'a', 'b', 'c', 0};
    UNICODE_STRING src = {6, 8, s}, dst = {40, 42, NULL};
    cr_assert_eq(wv_nt_RtlDuplicateUnicodeString(1, &src, &dst), STATUS_SUCCESS);
    cr_assert(dst.Length == 6 && dst.MaximumLength == 8 && dst.Buffer != s && dst.Buffer[3] == 0);
    HeapFree(GetProcessHeap(), 0, dst.Buffer);
    UNICODE_STRING keep = {40, 42, NULL};
    cr_assert_eq(wv_nt_RtlDuplicateUnicodeString(2, &src, &keep), STATUS_INVALID_PARAMETER);
    cr_assert(keep.Length == 40 && keep.MaximumLength == 42, "untouched");
    UNICODE_STRING empty = {0, 0, NULL};
    cr_assert_eq(wv_nt_RtlDuplicateUnicodeString(3, &empty, &dst), STATUS_SUCCESS);
    cr_assert(dst.Length == 0 && dst.MaximumLength == 2 && dst.Buffer && dst.Buffer[0] == 0);
    HeapFree(GetProcessHeap(), 0, dst.Buffer);
    cr_assert_not(wv_nt_RtlDllShutdownInProgress(), "the process is not exiting");
}

/* ---- files ---- */

static WCHAR wname[256];
static UNICODE_STRING uname;
static OBJECT_ATTRIBUTES oa;

static OBJECT_ATTRIBUTES *nt_attr(const char *nt)
{
    size_t n = strlen(nt);
    for (size_t i = 0; i <= n; i++)
        wname[i] = (WCHAR)nt[i];
    uname.Length = (USHORT)(n * 2), uname.MaximumLength = (USHORT)(n * 2 + 2), uname.Buffer = wname;
    InitializeObjectAttributes(&oa, &uname, 0, NULL, NULL);
    return &oa;
}

Test(omfile, nt_create_file_dispositions_and_io)
{
    char host[128], nt[160];
    snprintf(host, sizeof(host), "/tmp/wvomfile-c-%d", (int)getpid());
    snprintf(nt, sizeof(nt), "\\??\\C:%s", host);
    for (char *c = nt + 6; *c; c++)
        *c = *c == '/' ? '\\' : *c;
    unlink(host);
    HANDLE h = NULL, h2 = NULL;
    IO_STATUS_BLOCK io = {.Information = 77};
    ULONG rw = GENERIC_READ | GENERIC_WRITE, sh = FILE_SHARE_READ | FILE_SHARE_WRITE;
    cr_assert_eq(wv_nt_NtCreateFile(&h, rw, nt_attr(nt), &io, NULL, 0, sh, 1, 0, NULL, 0), (NTSTATUS)0xC0000034);
    cr_assert_eq(wv_nt_NtCreateFile(&h, rw, nt_attr(nt), &io, NULL, 0, sh, 2, 0, NULL, 0), STATUS_SUCCESS);
    cr_assert_eq(io.Information, 2, "FILE_CREATED");
    cr_assert_eq(wv_nt_NtCreateFile(&h2, rw, nt_attr(nt), &io, NULL, 0, sh, 2, 0, NULL, 0), (NTSTATUS)0xC0000035);
    cr_assert_eq(wv_nt_NtWriteFile(h, NULL, NULL, NULL, &io, "abcdef", 6, NULL, NULL), STATUS_SUCCESS);
    cr_assert_eq(io.Information, 6);
    LARGE_INTEGER off = {.QuadPart = 2};
    char buf[8] = {0};
    cr_assert_eq(wv_nt_NtReadFile(h, NULL, NULL, NULL, &io, buf, 3, &off, NULL), STATUS_SUCCESS);
    cr_assert(io.Information == 3 && !memcmp(buf, "cde", 3));
    LONGLONG pos = 0;
    cr_assert_eq(wv_nt_NtQueryInformationFile(h, &io, &pos, 8, 14), STATUS_SUCCESS);
    cr_assert_eq(pos, 5, "the position follows a read at an offset");
    cr_assert_eq(wv_nt_NtQueryInformationFile(h, &io, &pos, 8, 0xdeadbeef), STATUS_INVALID_INFO_CLASS);
    CloseHandle(h);
    cr_assert_eq(wv_nt_NtCreateFile(&h, rw, nt_attr(nt), &io, NULL, 0, sh, 5, 0, NULL, 0), STATUS_SUCCESS);
    cr_assert_eq(io.Information, 3, "FILE_OVERWRITTEN");
    CloseHandle(h);
    cr_assert_eq(wv_nt_NtOpenFile(&h, GENERIC_READ, nt_attr("relative"), &io, sh, 0), STATUS_OBJECT_PATH_SYNTAX_BAD);
    cr_assert_eq(wv_nt_NtOpenFile(&h, GENERIC_READ, nt_attr("\\??\\C:\\tmp\\a?b"), &io, sh, 0),
                 STATUS_OBJECT_NAME_INVALID);
    unlink(host);
}

/* ---- PE programs ---- */

Test(omfile, pe_program_wide_printf_nt_files_and_peb)
{
    static char out[16384];
    tu_run_checks(EXE("omfile.exe"), out, sizeof(out));
    const char *must[] = {"ok wide_conversions", "ok wide_truncated_no_terminator", "ok wide_exact_fit_no_terminator",
                          "ok wide_om_name", "ok wide_surrogates", "ok wide_empty", "ok swprintf_no_count", "ok scwprintf",
                          "ok vscwprintf_null", "ok create_new", "ok create_collision", "ok write",
                          "ok open_if_existing", "ok supersede", "ok overwrite_if", "ok open_not_found",
                          "ok open_wildcard_invalid", "ok open_relative_without_root", "ok open_file_as_directory",
                          "ok open_directory_as_file", "ok bad_disposition", "ok open_existing", "ok read_at_offset",
                          "ok position_after_read", "ok read_end_of_file", "ok standard_info", "ok basic_info",
                          "ok access_info", "ok name_info", "ok name_info_overflow", "ok query_errors",
                          "ok open_directory", "ok create_under_root", "ok dup_nul", "ok dup_plain", "ok dup_invalid",
                          "ok dup_empty_alloc", "ok dup_empty_none", "ok peb_fast_lock_set", "ok peb_lock_recursive",
                          "ok peb_lock_released", "ok shutdown_not_in_progress", "ok thread_desktop_bad_id", "ok done",
                          "ok shutdown_in_progress_at_detach"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing:\n%s", must[i], out);
}

Test(omfile, pe_program_security_descriptors)
{
    static char out[8192];
    tu_run_checks(EXE("secdesc.exe"), out, sizeof(out));
    const char *must[] = {"ok init_acl_errors", "ok init_acl", "ok add_aces", "ok ace_bytes", "ok get_ace_past_end",
                          "ok ace_no_room", "ok ace_bad_sid", "ok init_sd_bad_revision", "ok init_sd", "ok dacl",
                          "ok owner_group", "ok dacl_not_present", "ok self_relative", "ok invalid_sd",
                          "ok event_with_sd", "ok rtl_errors", "ok rtl_calls", "ok rtl_invalid_acl", "ok done"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing:\n%s", must[i], out);
}
