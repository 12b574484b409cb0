/* SPDX-License-Identifier: MIT */
/* shellapi.c - shellapi.exe: shell32's SHFileOperation, FindExecutable, SHGetFileInfo and
 * advapi32's GetFileSecurity, LookupAccountSid/Name from PE code, in a scratch directory of
 * its own.  Prints "ok NAME" / "FAIL NAME", then "owner S-1-..." and "account NAME";
 * tests/test_shell32.c compares those with the host's uid and user name. */
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include <sddl.h>
#include <shellapi.h>
#include <shlobj.h>


static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static void put(const char *name, const char *text)
{
    HANDLE h = CreateFileA(name, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n;
    WriteFile(h, text, (DWORD)strlen(text), &n, NULL);
    CloseHandle(h);
}

static int exists(const char *name) { return GetFileAttributesA(name) != INVALID_FILE_ATTRIBUTES; }

static int op(UINT func, const char *from, const char *to, FILEOP_FLAGS extra)
{
    SHFILEOPSTRUCTA s = {0};
    s.wFunc = func;
    s.pFrom = from;
    s.pTo = to;
    s.fFlags = FOF_NOCONFIRMATION | FOF_SILENT | FOF_NOERRORUI | extra;
    s.fAnyOperationsAborted = 0x55;
    int r = SHFileOperationA(&s);
    return s.fAnyOperationsAborted == 0x55 ? -1 : r; /* the flag is always written */
}

static void file_operations(void)
{
    CreateDirectoryA("tree", NULL);
    CreateDirectoryA("tree\\sub", NULL);
    put("tree\\sub\\deep.txt", "deep");
    put("a.txt", "alpha");
    put("b.txt", "beta");
    check("delete_missing_keeps_others", op(FO_DELETE, "a.txt\0nothere.txt\0", NULL, 0) == ERROR_FILE_NOT_FOUND &&
                                             exists("a.txt"));
    check("delete_missing_dir", op(FO_DELETE, "nodir\\x.txt\0", NULL, 0) == 0x7C /* DE_INVALIDFILES */);
    check("bad_function", op(0, "a.txt\0", NULL, 0) == ERROR_INVALID_PARAMETER && exists("a.txt"));
    check("copy_new_name", !op(FO_COPY, "a.txt\0", "c.txt\0", 0) && exists("c.txt") && exists("a.txt"));
    check("copy_same_file", op(FO_COPY, "a.txt\0", "a.txt\0", 0) == 0x71 /* DE_SAMEFILE */);
    check("copy_tree", !op(FO_COPY, "tree\0", "tree2\0", 0) && exists("tree2\\sub\\deep.txt"));
    check("copy_into_own_subtree", op(FO_COPY, "tree\0", "tree\\sub\\tree\0", 0) == 0x76 /* DE_DESTSUBTREE */);
    check("copy_multidest", !op(FO_COPY, "a.txt\0b.txt\0", "m1.txt\0m2.txt\0", FOF_MULTIDESTFILES) &&
                                exists("m1.txt") && exists("m2.txt"));
    check("move_many_makes_dir", !op(FO_MOVE, "m1.txt\0m2.txt\0", "moved\0", FOF_NOCONFIRMMKDIR) &&
                                     exists("moved\\m1.txt") && !exists("m1.txt"));
    check("rename_onto_existing", op(FO_RENAME, "a.txt\0", "b.txt\0", 0) == ERROR_ALREADY_EXISTS && exists("a.txt"));
    check("rename_many", op(FO_RENAME, "a.txt\0b.txt\0", "x.txt\0y.txt\0", 0) == 0x72 /* DE_MANYSRC1DEST */);
    check("rename", !op(FO_RENAME, "c.txt\0", "d.txt\0", 0) && exists("d.txt") && !exists("c.txt"));
    check("delete_filesonly_wildcard", !op(FO_DELETE, "moved\\*.*\0", NULL, FOF_FILESONLY) &&
                                           !exists("moved\\m1.txt") && exists("moved"));
    check("delete_wildcard", !op(FO_DELETE, "*.txt\0", NULL, FOF_ALLOWUNDO) && !exists("a.txt") && !exists("d.txt"));
    check("delete_tree", !op(FO_DELETE, "tree\0tree2\0moved\0", NULL, 0) && !exists("tree") && !exists("tree2"));
}

static void find_and_info(void)
{
    WCHAR self[MAX_PATH], out[MAX_PATH];
    GetModuleFileNameW(NULL, self, MAX_PATH);
    check("find_exe_itself", (INT_PTR)FindExecutableW(self, NULL, out) > 32 && !lstrcmpiW(out, self));
    put("doc.zzq", "x");
    lstrcpyW(out, L"junk");
    check("find_noassoc", (INT_PTR)FindExecutableW(L"doc.zzq", NULL, out) == SE_ERR_NOASSOC && !out[0]);
    check("find_missing", (INT_PTR)FindExecutableW(L"missing.zzq", NULL, out) == SE_ERR_FNF);
    char selfa[MAX_PATH], outa[MAX_PATH];
    GetModuleFileNameA(NULL, selfa, MAX_PATH);
    check("find_exe_a", (INT_PTR)FindExecutableA(selfa, NULL, outa) > 32 && !lstrcmpiA(outa, selfa));
    SHFILEINFOW fi;
    check("exetype_console", SHGetFileInfoW(self, 0, NULL, 0, SHGFI_EXETYPE) == 0x4550);
    put("run.bat", "@echo hi\r\n");
    check("exetype_batch", SHGetFileInfoW(L"run.bat", 0, NULL, 0, SHGFI_EXETYPE) == 0x5a4d);
    check("exetype_document", SHGetFileInfoW(L"doc.zzq", 0, NULL, 0, SHGFI_EXETYPE) == 0);
    /* a GUI program: this one with its subsystem made Windows GUI, version 6.1 */
    CopyFileW(self, L"gui.exe", FALSE);
    HANDLE h = CreateFileW(L"gui.exe", GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    IMAGE_DOS_HEADER dos;
    IMAGE_NT_HEADERS64 nt;
    DWORD n;
    ReadFile(h, &dos, sizeof(dos), &n, NULL);
    SetFilePointer(h, dos.e_lfanew, NULL, FILE_BEGIN);
    ReadFile(h, &nt, sizeof(nt), &n, NULL);
    nt.OptionalHeader.Subsystem = IMAGE_SUBSYSTEM_WINDOWS_GUI;
    nt.OptionalHeader.MajorSubsystemVersion = 6, nt.OptionalHeader.MinorSubsystemVersion = 1;
    SetFilePointer(h, dos.e_lfanew, NULL, FILE_BEGIN);
    WriteFile(h, &nt, sizeof(nt), &n, NULL);
    CloseHandle(h);
    check("exetype_gui", SHGetFileInfoW(L"gui.exe", 0, NULL, 0, SHGFI_EXETYPE) == MAKELONG(0x4550, 0x0601));
    memset(&fi, 0xcf, sizeof(fi));
    check("info_names", SHGetFileInfoW(L"doc.zzq", 0, &fi, sizeof(fi), SHGFI_DISPLAYNAME | SHGFI_TYPENAME) == 1 &&
                            !lstrcmpW(fi.szDisplayName, L"doc.zzq") && !lstrcmpW(fi.szTypeName, L"ZZQ File"));
    CreateDirectoryA("folder", NULL);
    check("info_folder_attrs", SHGetFileInfoW(L"folder", 0, &fi, sizeof(fi), SHGFI_ATTRIBUTES) == 1 &&
                                   (fi.dwAttributes & SFGAO_FOLDER) && (fi.dwAttributes & SFGAO_FILESYSTEM));
    check("info_missing", !SHGetFileInfoW(L"nothere", 0, &fi, sizeof(fi), SHGFI_ATTRIBUTES));
    check("info_use_attrs", SHGetFileInfoW(L"nothere", FILE_ATTRIBUTE_DIRECTORY, &fi, sizeof(fi),
                                           SHGFI_ATTRIBUTES | SHGFI_USEFILEATTRIBUTES) == 1 &&
                                (fi.dwAttributes & SFGAO_FOLDER));
    SHFILEINFOA fa;
    check("info_a", SHGetFileInfoA("run.bat", 0, &fa, sizeof(fa), SHGFI_TYPENAME) == 1 &&
                        !strcmp(fa.szTypeName, "Windows Batch File"));
    op(FO_DELETE, "doc.zzq\0run.bat\0gui.exe\0folder\0", NULL, 0);
}

static void security(void)
{
    HANDLE tok;
    BYTE user[128], sd[512], sid[64];
    DWORD len = 0, need = 0;
    OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok);
    GetTokenInformation(tok, TokenUser, user, sizeof(user), &len);
    PSID me = ((TOKEN_USER *)user)->User.Sid;
    put("owned.txt", "x");
    SECURITY_INFORMATION info = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION;
    check("filesec_size", !GetFileSecurityW(L"owned.txt", info, NULL, 0, &need) &&
                              GetLastError() == ERROR_INSUFFICIENT_BUFFER && need > 20 && need <= sizeof(sd));
    PSID owner = NULL;
    BOOL defaulted, present;
    PACL dacl = NULL;
    check("filesec", GetFileSecurityW(L"owned.txt", info, sd, sizeof(sd), &len) && len == need &&
                         IsValidSecurityDescriptor(sd) && GetSecurityDescriptorOwner(sd, &owner, &defaulted) &&
                         owner && GetLengthSid(owner) == GetLengthSid(me) &&
                         !memcmp(owner, me, GetLengthSid(me)));
    check("filesec_dacl", GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted) && present && dacl &&
                              IsValidAcl(dacl) && dacl->AceCount >= 1);
    check("filesec_a", GetFileSecurityA("owned.txt", OWNER_SECURITY_INFORMATION, sd, sizeof(sd), &len));
    check("filesec_missing", !GetFileSecurityW(L"nothere.txt", info, sd, sizeof(sd), &len) &&
                                 GetLastError() == ERROR_FILE_NOT_FOUND);
    char *s = NULL;
    if (GetSecurityDescriptorOwner(sd, &owner, &defaulted) && ConvertSidToStringSidA(owner, &s))
        printf("owner %s\n", s);
    DeleteFileA("owned.txt");

    WCHAR name[64], dom[64], uname[64];
    DWORD nn = 0, dn = 0, un = 64;
    SID_NAME_USE use;
    GetUserNameW(uname, &un);
    check("lookup_sid_size", !LookupAccountSidW(NULL, me, NULL, &nn, NULL, &dn, &use) &&
                                 GetLastError() == ERROR_INSUFFICIENT_BUFFER && nn == un && dn > 1);
    nn = 64, dn = 64;
    check("lookup_sid_user", LookupAccountSidW(NULL, me, name, &nn, dom, &dn, &use) && !lstrcmpW(name, uname) &&
                                 use == SidTypeUser && nn == un - 1);
    char an[64], ad[64];
    DWORD ann = 64, adn = 64;
    if (LookupAccountSidA(NULL, me, an, &ann, ad, &adn, &use))
        printf("account %s\n", an);
    BYTE everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    nn = 64, dn = 64;
    check("lookup_everyone", LookupAccountSidW(NULL, everyone, name, &nn, dom, &dn, &use) &&
                                 !lstrcmpW(name, L"Everyone") && !dom[0] && use == SidTypeWellKnownGroup);
    BYTE admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
    nn = 64, dn = 64;
    check("lookup_admins", LookupAccountSidW(NULL, admins, name, &nn, dom, &dn, &use) &&
                               !lstrcmpW(name, L"Administrators") && !lstrcmpW(dom, L"BUILTIN") && use == SidTypeAlias);
    BYTE other[24] = {1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xf4, 1, 0, 0};
    nn = 64, dn = 64;
    check("lookup_unknown", !LookupAccountSidW(NULL, other, name, &nn, dom, &dn, &use) &&
                                GetLastError() == ERROR_NONE_MAPPED);
    DWORD sn = 0;
    dn = 0;
    check("lookup_name_size", !LookupAccountNameW(NULL, L"everyone", NULL, &sn, NULL, &dn, &use) &&
                                  GetLastError() == ERROR_INSUFFICIENT_BUFFER && sn == 12 && dn == 1);
    sn = sizeof(sid), dn = 64;
    check("lookup_name", LookupAccountNameW(NULL, uname, sid, &sn, dom, &dn, &use) && use == SidTypeUser &&
                             sn == GetLengthSid(me) && !memcmp(sid, me, sn));
    sn = sizeof(sid), dn = 64;
    check("lookup_name_builtin", LookupAccountNameA(NULL, "BUILTIN\\Users", sid, &sn, ad, &dn, &use) &&
                                     use == SidTypeAlias && !strcmp(ad, "BUILTIN") && sn == 16);
    sn = sizeof(sid), dn = 64;
    check("lookup_name_none", !LookupAccountNameW(NULL, L"no such account", sid, &sn, dom, &dn, &use) &&
                                  GetLastError() == ERROR_NONE_MAPPED);
}

static void argv_and_folders(void)
{
    int n = -1;
    LPWSTR *a = CommandLineToArgvW(L"\"spaced exe\" a\\\"b \"c d\" three\"\"\"q", &n);
    check("argv_split", a && n == 4 && !lstrcmpW(a[0], L"spaced exe") && !lstrcmpW(a[1], L"a\"b") &&
                            !lstrcmpW(a[2], L"c d") && !lstrcmpW(a[3], L"three\"q") && !a[4]);
    LocalFree(a);
    SetLastError(0);
    check("argv_no_count", !CommandLineToArgvW(L"exe", NULL) && GetLastError() == ERROR_INVALID_PARAMETER);
    WCHAR self[MAX_PATH];
    GetModuleFileNameW(NULL, self, MAX_PATH);
    a = CommandLineToArgvW(L"", &n);
    check("argv_empty_is_self", a && n == 1 && !lstrcmpW(a[0], self));
    if (a && n == 1 && lstrcmpW(a[0], self))
        printf("argv0 %ls self %ls\n", a[0], self);
    LocalFree(a);
    char path[MAX_PATH];
    check("folder_system", SHGetFolderPathA(NULL, CSIDL_SYSTEM, NULL, 0, path) == S_OK &&
                               !lstrcmpiA(path, "C:\\windows\\system32"));
    check("folder_bad_csidl", SHGetFolderPathA(NULL, 0xee, NULL, 0, path) == E_INVALIDARG);
}

int main(void)
{
    char dir[64];
    snprintf(dir, sizeof(dir), "shellapi_%lu", GetCurrentProcessId());
    CreateDirectoryA(dir, NULL);
    SetCurrentDirectoryA(dir);
    file_operations();
    find_and_info();
    security();
    argv_and_folders();
    SetCurrentDirectoryA("..");
    RemoveDirectoryA(dir);
    return failures;
}
