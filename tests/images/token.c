/* SPDX-License-Identifier: MIT */
/* token.c - token.exe: advapi32's token calls from PE code (mingw-w64's C runtime).  Prints
 * "ok NAME" / "FAIL NAME", then "sid S-1-..." and "elevated N"; exits with the failures.
 * tests/test_token.c compares the SID and elevation with the host's uid. */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <sddl.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

int main(void)
{
    HANDLE tok = NULL, th = (HANDLE)1;
    check("open_process_token", OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok) && tok);
    SetLastError(0);
    check("open_thread_token", !OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &th) &&
                                   GetLastError() == ERROR_NO_TOKEN);
    check("open_bad_process", !OpenProcessToken((HANDLE)0x1234, TOKEN_QUERY, &th) &&
                                  GetLastError() == ERROR_INVALID_HANDLE);
    BYTE buf[128];
    DWORD len = 0;
    check("user_size", !GetTokenInformation(tok, TokenUser, NULL, 0, &len) &&
                           GetLastError() == ERROR_INSUFFICIENT_BUFFER && len == 16 + 8 + 4 * 5);
    check("user", GetTokenInformation(tok, TokenUser, buf, sizeof(buf), &len));
    PSID sid = ((TOKEN_USER *)buf)->User.Sid;
    check("sid_valid", IsValidSid(sid) && GetLengthSid(sid) == 28 && (BYTE *)sid == buf + 16);
    char *s = NULL;
    WCHAR *w = NULL;
    check("sid_string", ConvertSidToStringSidA(sid, &s) && !strncmp(s, "S-1-5-21-0-0-0-", 15));
    check("sid_string_w", ConvertSidToStringSidW(sid, &w) && !wcsncmp(w, L"S-1-5-21-0-0-0-", 15));
    printf("sid %s\n", s ? s : "?");
    LocalFree(s);
    LocalFree(w);
    BYTE bad[8] = {9, 1};
    check("sid_invalid", !IsValidSid(bad) && !ConvertSidToStringSidA(bad, &s) && GetLastError() == ERROR_INVALID_SID);
    TOKEN_ELEVATION e = {7};
    check("elevation_length", !GetTokenInformation(tok, TokenElevation, &e, 2, &len) &&
                                  GetLastError() == ERROR_BAD_LENGTH && len == 4);
    check("elevation", GetTokenInformation(tok, TokenElevation, &e, sizeof(e), &len) && len == 4);
    TOKEN_ELEVATION_TYPE t = 0;
    check("elevation_type", GetTokenInformation(tok, TokenElevationType, &t, sizeof(t), &len) &&
                                t == (e.TokenIsElevated ? TokenElevationTypeFull : TokenElevationTypeDefault));
    printf("elevated %lu\n", e.TokenIsElevated);
    check("bad_class", !GetTokenInformation(tok, TokenPrivileges + 200, buf, sizeof(buf), &len) &&
                           GetLastError() == ERROR_INVALID_PARAMETER);
    check("bad_buffer", !GetTokenInformation(tok, TokenElevation, (void *)8, 4, &len) &&
                            GetLastError() == ERROR_NOACCESS);
    HANDLE noq;
    check("no_query_right", OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_DEFAULT, &noq) &&
                                !GetTokenInformation(noq, TokenElevation, &e, sizeof(e), &len) &&
                                GetLastError() == ERROR_ACCESS_DENIED && CloseHandle(noq));
    check("close", CloseHandle(tok) && !GetTokenInformation(tok, TokenElevation, &e, sizeof(e), &len) &&
                       GetLastError() == ERROR_INVALID_HANDLE);
    return failures;
}
