/* SPDX-License-Identifier: MIT */
/* ntoken.c - ntoken.exe: ntdll's token calls (NtOpenProcessToken(Ex), NtOpenThreadToken(Ex),
 * NtQueryInformationToken, NtAdjustPrivilegesToken, NtDuplicateToken) and advapi32's over them
 * (AdjustTokenPrivileges, DuplicateToken(Ex), LookupPrivilegeValue/Name), from PE code.
 * Prints "ok NAME" / "FAIL NAME (detail)"; exits with the failures.  tests/test_token.c runs
 * it as the host user (root's tokens hold more privileges: the checks use ones both have). */
#include <stdio.h>
#include <string.h>
#include <windows.h>

typedef LONG NTSTATUS;
typedef NTSTATUS(WINAPI *open_proc_t)(HANDLE, ACCESS_MASK, HANDLE *);
typedef NTSTATUS(WINAPI *open_proc_ex_t)(HANDLE, ACCESS_MASK, ULONG, HANDLE *);
typedef NTSTATUS(WINAPI *open_thread_t)(HANDLE, ACCESS_MASK, BOOLEAN, HANDLE *);
typedef NTSTATUS(WINAPI *query_t)(HANDLE, int, void *, ULONG, ULONG *);
typedef NTSTATUS(WINAPI *adjust_t)(HANDLE, BOOLEAN, TOKEN_PRIVILEGES *, ULONG, TOKEN_PRIVILEGES *, ULONG *);
typedef NTSTATUS(WINAPI *dup_t)(HANDLE, ACCESS_MASK, void *, BOOLEAN, TOKEN_TYPE, HANDLE *);
typedef NTSTATUS(WINAPI *close_t)(HANDLE);

static int failures;

static void check(const char *name, int ok, long detail)
{
    if (ok)
        printf("ok %s\n", name);
    else
        printf("FAIL %s (%lx)\n", name, detail);
    failures += !ok;
}

/* The attributes of privilege luid in the token (-1: not held). */
static long priv_state(query_t query, HANDLE tok, DWORD luid)
{
    BYTE buf[1024];
    ULONG len;
    if (query(tok, TokenPrivileges, buf, sizeof(buf), &len))
        return -2;
    TOKEN_PRIVILEGES *p = (TOKEN_PRIVILEGES *)buf;
    for (DWORD i = 0; i < p->PrivilegeCount; i++)
        if (p->Privileges[i].Luid.LowPart == luid && !p->Privileges[i].Luid.HighPart)
            return (long)p->Privileges[i].Attributes;
    return -1;
}

int main(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    open_proc_t open_proc = (open_proc_t)GetProcAddress(nt, "NtOpenProcessToken");
    open_proc_ex_t open_proc_ex = (open_proc_ex_t)GetProcAddress(nt, "NtOpenProcessTokenEx");
    open_thread_t open_thread = (open_thread_t)GetProcAddress(nt, "NtOpenThreadToken");
    query_t query = (query_t)GetProcAddress(nt, "NtQueryInformationToken");
    adjust_t adjust = (adjust_t)GetProcAddress(nt, "NtAdjustPrivilegesToken");
    dup_t dup = (dup_t)GetProcAddress(nt, "NtDuplicateToken");
    close_t nt_close = (close_t)GetProcAddress(nt, "NtClose");
    check("exports", open_proc && open_proc_ex && open_thread && query && adjust && dup &&
                         GetProcAddress(nt, "ZwQueryInformationToken"), 0);
    if (failures)
        return failures;

    HANDLE tok = (HANDLE)1, t2 = (HANDLE)1;
    NTSTATUS st = open_proc(GetCurrentProcess(), TOKEN_ALL_ACCESS, (HANDLE *)8);
    check("open_bad_out", st == (NTSTATUS)STATUS_ACCESS_VIOLATION, st);
    st = open_proc((HANDLE)0xdead, TOKEN_ALL_ACCESS, &tok);
    check("open_bad_process", st == (NTSTATUS)0xC0000008 && tok == NULL, st);
    st = open_thread(GetCurrentThread(), TOKEN_QUERY, TRUE, &tok);
    check("thread_no_token", st == (NTSTATUS)0xC000007C && tok == NULL, st);
    st = open_thread((HANDLE)0xdead, TOKEN_QUERY, TRUE, &tok);
    check("thread_bad_handle", st == (NTSTATUS)0xC0000008, st);
    HANDLE th = OpenThread(SYNCHRONIZE, FALSE, GetCurrentThreadId());
    st = open_thread(th, TOKEN_QUERY, TRUE, &tok);
    check("thread_no_query_right", th && st == (NTSTATUS)0xC0000022, st);
    CloseHandle(th);
    HANDLE ph = OpenProcess(SYNCHRONIZE, FALSE, GetCurrentProcessId());
    st = open_proc(ph, TOKEN_QUERY, &tok);
    check("process_no_query_right", ph && st == (NTSTATUS)0xC0000022, st);
    CloseHandle(ph);

    st = open_proc_ex(GetCurrentProcess(), TOKEN_QUERY | TOKEN_ADJUST_PRIVILEGES | TOKEN_DUPLICATE, 0, &tok);
    check("open", st == 0 && tok, st);
    ULONG len = 0;
    BYTE buf[1024];
    st = query(tok, TokenUser, buf, 4, &len);
    check("user_short", st == (NTSTATUS)0xC0000023 /* STATUS_BUFFER_TOO_SMALL */ && len == 44, st);
    st = query(tok, TokenElevation, buf, 2, &len);
    check("fixed_short", st == (NTSTATUS)0xC0000004 /* STATUS_INFO_LENGTH_MISMATCH */ && len == 4, st);
    st = query(tok, TokenStatistics, buf, 8, &len);
    check("statistics_short", st == (NTSTATUS)0xC0000004 && len == sizeof(TOKEN_STATISTICS), st);
    st = query(tok, 200, buf, sizeof(buf), &len);
    check("bad_class", st == (NTSTATUS)0xC0000003 /* STATUS_INVALID_INFO_CLASS */, st);
    st = query(tok, TokenImpersonationLevel, buf, sizeof(buf), &len);
    check("primary_has_no_level", st == (NTSTATUS)0xC0000003, st);
    TOKEN_TYPE type = 0;
    st = query(tok, TokenType, &type, sizeof(type), &len);
    check("type_primary", st == 0 && type == TokenPrimary && len == 4, st);
    st = query((HANDLE)0xdead, TokenType, &type, sizeof(type), &len);
    check("query_bad_handle", st == (NTSTATUS)0xC0000008, st);
    st = query(GetCurrentThreadToken(), TokenType, &type, sizeof(type), &len);
    check("query_thread_pseudo", st == (NTSTATUS)0xC000007C, st);

    /* the same object behind every handle and the pseudo handle: an adjustment shows in all */
    TOKEN_STATISTICS s1, s2;
    st = query(tok, TokenStatistics, &s1, sizeof(s1), &len);
    check("statistics", st == 0 && s1.TokenType == TokenPrimary, st);
    LUID shutdown;
    check("lookup_value", LookupPrivilegeValueA(NULL, "seshutdownprivilege", &shutdown) &&
                              shutdown.LowPart == 19 && shutdown.HighPart == 0, GetLastError());
    LUID nothing;
    SetLastError(0);
    check("lookup_unknown", !LookupPrivilegeValueW(NULL, L"SeNoSuchPrivilege", &nothing) &&
                                GetLastError() == ERROR_NO_SUCH_PRIVILEGE, GetLastError());
    char name[64];
    DWORD cch = 5;
    check("lookup_name_short", !LookupPrivilegeNameA(NULL, &shutdown, name, &cch) &&
                                   GetLastError() == ERROR_INSUFFICIENT_BUFFER && cch == 20, GetLastError());
    cch = sizeof(name);
    check("lookup_name", LookupPrivilegeNameA(NULL, &shutdown, name, &cch) && cch == 19 &&
                             !strcmp(name, "SeShutdownPrivilege"), GetLastError());
    check("shutdown_disabled", priv_state(query, tok, 19) == 0, priv_state(query, tok, 19));

    TOKEN_PRIVILEGES tp = {1, {{shutdown, SE_PRIVILEGE_ENABLED}}};
    struct {
        DWORD n;
        LUID_AND_ATTRIBUTES a[4];
    } prev;
    ULONG need = 0;
    st = adjust(tok, FALSE, &tp, 4, (TOKEN_PRIVILEGES *)&prev, &need);
    check("adjust_prev_short", st == (NTSTATUS)0xC0000023 && need == 16 && priv_state(query, tok, 19) == 0, st);
    st = adjust(tok, FALSE, &tp, sizeof(prev), (TOKEN_PRIVILEGES *)&prev, &need);
    check("adjust_enable", st == 0 && need == 16 && prev.n == 1 && prev.a[0].Luid.LowPart == 19 &&
                               prev.a[0].Attributes == 0, st);
    check("enabled_everywhere", priv_state(query, GetCurrentProcessToken(), 19) == SE_PRIVILEGE_ENABLED, 0);
    st = query(GetCurrentProcessToken(), TokenStatistics, &s2, sizeof(s2), &len);
    check("modified_id", st == 0 && !memcmp(&s1.TokenId, &s2.TokenId, sizeof(LUID)) &&
                             memcmp(&s1.ModifiedId, &s2.ModifiedId, sizeof(LUID)), st);
    st = adjust(GetCurrentProcessToken(), FALSE, &tp, 0, NULL, NULL);
    check("adjust_pseudo_denied", st == (NTSTATUS)0xC0000022, st);

    /* a privilege the token does not have: success, STATUS_NOT_ALL_ASSIGNED, nothing else */
    TOKEN_PRIVILEGES bogus = {1, {{{60, 0}, SE_PRIVILEGE_ENABLED}}};
    st = adjust(tok, FALSE, &bogus, 0, NULL, NULL);
    check("adjust_not_held", st == 0x106, st);
    SetLastError(0xdead);
    check("advapi_not_all_assigned", AdjustTokenPrivileges(tok, FALSE, &bogus, 0, NULL, NULL) &&
                                         GetLastError() == ERROR_NOT_ALL_ASSIGNED, GetLastError());
    tp.Privileges[0].Attributes = 0;
    SetLastError(0xdead);
    check("advapi_disable", AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL) && GetLastError() == 0 &&
                                priv_state(query, tok, 19) == 0, GetLastError());
    SetLastError(0);
    check("advapi_bad_handle", !AdjustTokenPrivileges((HANDLE)0xdead, FALSE, &tp, 0, NULL, NULL) &&
                                   GetLastError() == ERROR_INVALID_HANDLE, GetLastError());

    /* duplicates: a new object with a copy of the state */
    st = dup(tok, 0, NULL, FALSE, TokenPrimary, (HANDLE *)8);
    check("dup_bad_out", st == (NTSTATUS)STATUS_ACCESS_VIOLATION, st);
    st = dup((HANDLE)0xdead, TOKEN_ALL_ACCESS, NULL, FALSE, TokenPrimary, &t2);
    check("dup_bad_handle", st == (NTSTATUS)0xC0000008 && t2 == NULL, st);
    st = dup(tok, TOKEN_ALL_ACCESS, NULL, FALSE, TokenPrimary, &t2);
    check("dup", st == 0 && t2, st);
    TOKEN_STATISTICS s3;
    st = query(t2, TokenStatistics, &s3, sizeof(s3), &len);
    check("dup_new_id", st == 0 && memcmp(&s3.TokenId, &s1.TokenId, sizeof(LUID)), st);
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    st = adjust(t2, FALSE, &tp, 0, NULL, NULL);
    check("dup_independent", st == 0 && priv_state(query, t2, 19) == SE_PRIVILEGE_ENABLED &&
                                 priv_state(query, tok, 19) == 0, st);
    nt_close(t2);
    HANDLE imp = NULL;
    SECURITY_IMPERSONATION_LEVEL lvl = 9;
    check("duplicate_token", DuplicateToken(tok, SecurityIdentification, &imp) && imp &&
                                 GetTokenInformation(imp, TokenImpersonationLevel, &lvl, sizeof(lvl), &len) &&
                                 lvl == SecurityIdentification &&
                                 GetTokenInformation(imp, TokenType, &type, sizeof(type), &len) &&
                                 type == TokenImpersonation, GetLastError());
    HANDLE prim = NULL, imp2 = NULL;
    SetLastError(0);
    check("impersonation_to_primary",
          DuplicateTokenEx(tok, TOKEN_ALL_ACCESS, NULL, SecurityIdentification, TokenImpersonation, &imp2) &&
              !DuplicateTokenEx(imp2, TOKEN_ALL_ACCESS, NULL, SecurityIdentification, TokenPrimary, &prim) &&
              GetLastError() == ERROR_BAD_IMPERSONATION_LEVEL,
          GetLastError());
    CloseHandle(imp2);
    SetLastError(0);
    check("duplicate_needs_right", !DuplicateToken(imp, SecurityIdentification, &prim) &&
                                       GetLastError() == ERROR_ACCESS_DENIED, GetLastError());
    CloseHandle(imp);
    HANDLE q = NULL;
    st = open_proc(GetCurrentProcess(), TOKEN_QUERY, &q);
    check("adjust_needs_right", st == 0 && adjust(q, FALSE, &tp, 0, NULL, NULL) == (NTSTATUS)0xC0000022, st);
    nt_close(q);
    nt_close(tok);
    return failures;
}
