/* SPDX-License-Identifier: MIT */
/* reg.c - reg.exe: advapi32's registry from PE code (mingw-w64's C runtime and advapi32).
 * Prints "ok NAME" / "FAIL NAME" and exits with the failures.  tests/test_reg.c runs it with
 * XDG_DATA_HOME set to a fresh directory.
 *   reg.exe           every check below
 *   reg.exe write     stores HKCU\Software\winvmtest\persist (REG_SZ "kept", REG_QWORD)
 *   reg.exe read      prints them as another process finds them: "persist kept 0x1122334455667788"
 *   reg.exe hklm      writing below HKEY_LOCAL_MACHINE: "hklm denied" or "hklm allowed" */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

#define CV "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"

static void seeded(void)
{
    HKEY k = NULL;
    DWORD type = 0, size = 0, dw = 0;
    char buf[64];
    check("seed_open", RegOpenKeyExA(HKEY_LOCAL_MACHINE, CV, 0, KEY_READ, &k) == ERROR_SUCCESS && k);
    check("seed_size", RegQueryValueExA(k, "CurrentVersion", NULL, &type, NULL, &size) == 0 && type == REG_SZ &&
                           size == 4);
    size = 2;
    check("seed_more_data", RegQueryValueExA(k, "CurrentVersion", NULL, &type, (BYTE *)buf, &size) == ERROR_MORE_DATA &&
                                size == 4);
    size = sizeof(buf);
    check("seed_version", RegQueryValueExA(k, "CurrentVersion", NULL, NULL, (BYTE *)buf, &size) == 0 &&
                              !strcmp(buf, "6.3"));
    size = sizeof(dw);
    check("seed_major", RegQueryValueExA(k, "CurrentMajorVersionNumber", NULL, &type, (BYTE *)&dw, &size) == 0 &&
                            type == REG_DWORD && dw == 10 && size == 4);
    WCHAR w[16];
    size = sizeof(w);
    check("seed_build_w", RegQueryValueExW(k, L"CurrentBuildNumber", NULL, &type, (BYTE *)w, &size) == 0 &&
                              size == 12 && !wcscmp(w, L"19045"));
    size = sizeof(buf);
    check("seed_product", RegGetValueA(HKEY_LOCAL_MACHINE, CV, "ProductName", RRF_RT_REG_SZ, NULL, buf, &size) == 0 &&
                              !strncmp(buf, "Windows 10", 10));
    check("seed_missing", RegQueryValueExA(k, "NoSuchValue", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND);
    check("seed_close", RegCloseKey(k) == 0 && RegCloseKey(k) == ERROR_INVALID_HANDLE);
    HKEY e;
    check("seed_env", RegOpenKeyExW(HKEY_CURRENT_USER, L"Environment", 0, KEY_READ, &e) == 0 && !RegCloseKey(e));
    size = sizeof(buf);
    check("seed_system_env",
          RegGetValueA(HKEY_LOCAL_MACHINE, "SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment", "OS",
                       RRF_RT_REG_SZ, NULL, buf, &size) == 0 && !strcmp(buf, "Windows_NT"));
}

static void keys(HKEY *out)
{
    HKEY k, a, b;
    DWORD disp = 0;
    RegDeleteKeyA(HKEY_CURRENT_USER, "Software\\winvmtest\\a"); /* a rerun starts clean */
    RegDeleteKeyA(HKEY_CURRENT_USER, "Software\\winvmtest\\b");
    check("create_new", RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\winvmtest", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k,
                                        &disp) == 0 && (disp == REG_CREATED_NEW_KEY || disp == REG_OPENED_EXISTING_KEY));
    check("create_sub", RegCreateKeyExA(k, "a", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &a, &disp) == 0 &&
                            disp == REG_CREATED_NEW_KEY);
    check("create_existing", RegCreateKeyExW(k, L"A", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &b, &disp) == 0 &&
                                 disp == REG_OPENED_EXISTING_KEY && !RegCloseKey(b));
    check("create_w", RegCreateKeyExW(k, L"b\\deep", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &b, &disp) == 0 &&
                          disp == REG_CREATED_NEW_KEY);
    char name[32];
    DWORD n = sizeof(name);
    check("enum_key0", RegEnumKeyExA(k, 0, name, &n, NULL, NULL, NULL, NULL) == 0 && !strcmp(name, "a") && n == 1);
    WCHAR wn[32];
    n = 32;
    check("enum_key1_w", RegEnumKeyExW(k, 1, wn, &n, NULL, NULL, NULL, NULL) == 0 && !wcscmp(wn, L"b") && n == 1);
    n = sizeof(name);
    check("enum_key_end", RegEnumKeyExA(k, 2, name, &n, NULL, NULL, NULL, NULL) == ERROR_NO_MORE_ITEMS);
    n = 1;
    check("enum_key_small", RegEnumKeyExA(k, 0, name, &n, NULL, NULL, NULL, NULL) == ERROR_MORE_DATA);
    check("delete_with_subkeys", RegDeleteKeyA(k, "b") == ERROR_ACCESS_DENIED);
    check("delete_leaf", RegDeleteKeyA(k, "b\\deep") == 0 && RegDeleteKeyW(k, L"b") == 0);
    DWORD v = 1;
    check("deleted_handle", RegSetValueExA(b, "x", 0, REG_DWORD, (BYTE *)&v, 4) == ERROR_KEY_DELETED);
    check("deleted_gone", RegOpenKeyExA(k, "b", 0, KEY_READ, &b) == ERROR_FILE_NOT_FOUND && b == NULL);
    check("delete_missing", RegDeleteKeyA(k, "nothere") == ERROR_FILE_NOT_FOUND);
    /* RegDeleteTree: a key with subkeys and values goes whole; NULL empties the key itself. */
    HKEY t = NULL, deep = NULL;
    DWORD one = 1;
    BOOL made = RegCreateKeyExA(k, "t\\u\\v", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &deep, NULL) == 0 &&
                RegSetValueExA(deep, "x", 0, REG_DWORD, (BYTE *)&one, 4) == 0 &&
                RegCreateKeyExA(k, "t", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &t, NULL) == 0 &&
                RegSetValueExA(t, "y", 0, REG_DWORD, (BYTE *)&one, 4) == 0;
    check("delete_tree_empties", made && RegDeleteTreeA(t, NULL) == 0 &&
                                     RegOpenKeyExA(k, "t\\u", 0, KEY_READ, &b) == ERROR_FILE_NOT_FOUND &&
                                     RegQueryValueExA(t, "y", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND &&
                                     RegOpenKeyExA(k, "t", 0, KEY_READ, &b) == 0 && RegCloseKey(b) == 0);
    RegCreateKeyExA(k, "t\\u", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &b, NULL);
    RegCloseKey(b);
    check("delete_tree_whole", RegDeleteTreeW(k, L"t") == 0 && RegOpenKeyExA(k, "t", 0, KEY_READ, &b) == ERROR_FILE_NOT_FOUND &&
                                   RegDeleteTreeA(k, "t") == ERROR_FILE_NOT_FOUND);
    RegCloseKey(t), RegCloseKey(deep);
    RegCloseKey(a);
    *out = k;
}

static void values(HKEY k)
{
    char buf[64];
    WCHAR w[64];
    DWORD type, size, dw = 0x12345678;
    ULONGLONG q = 0x1122334455667788ull, q2 = 0;
    check("set_sz_unterminated", RegSetValueExA(k, "s", 0, REG_SZ, (const BYTE *)"abc", 3) == 0);
    size = sizeof(buf);
    check("get_sz_a", RegQueryValueExA(k, "s", NULL, &type, (BYTE *)buf, &size) == 0 && type == REG_SZ &&
                          size == 4 && !strcmp(buf, "abc"));
    size = sizeof(w);
    check("get_sz_w", RegQueryValueExW(k, L"S", NULL, &type, (BYTE *)w, &size) == 0 && size == 8 && !wcscmp(w, L"abc"));
    check("set_dword", RegSetValueExA(k, "d", 0, REG_DWORD, (BYTE *)&dw, 4) == 0);
    check("set_qword", RegSetValueExW(k, L"q", 0, REG_QWORD, (BYTE *)&q, 8) == 0);
    check("set_binary", RegSetValueExA(k, "b", 0, REG_BINARY, (const BYTE *)"\x01\x00\x02", 3) == 0);
    check("set_multi", RegSetValueExW(k, L"m", 0, REG_MULTI_SZ, (const BYTE *)L"x\0yz\0", 12) == 0);
    SetEnvironmentVariableA("WVREGTEST", "expanded");
    check("set_expand", RegSetValueExA(k, "e", 0, REG_EXPAND_SZ, (const BYTE *)"%WVREGTEST%\\x", 14) == 0);
    size = sizeof(q2);
    check("get_qword", RegQueryValueExA(k, "q", NULL, &type, (BYTE *)&q2, &size) == 0 && type == REG_QWORD &&
                           q2 == q && size == 8);
    size = sizeof(buf);
    check("get_binary", RegQueryValueExA(k, "b", NULL, &type, (BYTE *)buf, &size) == 0 && type == REG_BINARY &&
                            size == 3 && !memcmp(buf, "\x01\x00\x02", 3));
    size = sizeof(buf);
    check("get_multi_a", RegQueryValueExA(k, "m", NULL, &type, (BYTE *)buf, &size) == 0 && type == REG_MULTI_SZ &&
                             size == 6 && !memcmp(buf, "x\0yz\0", 6));
    size = sizeof(buf);
    check("getvalue_expand", RegGetValueA(k, NULL, "e", RRF_RT_REG_SZ, &type, buf, &size) == 0 && type == REG_SZ &&
                                 !strcmp(buf, "expanded\\x") && size == 11);
    size = sizeof(buf);
    check("getvalue_noexpand", RegGetValueA(k, NULL, "e", RRF_RT_ANY | RRF_NOEXPAND, &type, buf, &size) == 0 &&
                                   type == REG_EXPAND_SZ && !strcmp(buf, "%WVREGTEST%\\x"));
    size = sizeof(dw);
    check("getvalue_filter", RegGetValueA(k, NULL, "s", RRF_RT_REG_DWORD, &type, &dw, &size) == ERROR_UNSUPPORTED_TYPE);
    size = sizeof(dw), dw = 0;
    check("getvalue_dword", RegGetValueW(HKEY_CURRENT_USER, L"Software\\winvmtest", L"d", RRF_RT_DWORD, &type, &dw,
                                         &size) == 0 && dw == 0x12345678 && type == REG_DWORD);
    size = 2;
    memset(buf, 'z', 4);
    check("getvalue_zero", RegGetValueA(k, NULL, "s", RRF_RT_REG_SZ | RRF_ZEROONFAILURE, NULL, buf, &size) ==
                               ERROR_MORE_DATA && size == 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 'z');
    check("getvalue_flags", RegGetValueA(k, NULL, "s", 0, NULL, NULL, NULL) == ERROR_INVALID_PARAMETER);
}

static void walk(HKEY k)
{
    char name[32];
    BYTE data[64];
    DWORD n = sizeof(name), size = sizeof(data), type;
    check("enum_value0", RegEnumValueA(k, 0, name, &n, NULL, &type, data, &size) == 0 && !strcmp(name, "s") &&
                             n == 1 && type == REG_SZ && size == 4);
    WCHAR wn[8];
    n = 8, size = sizeof(data);
    check("enum_value1_w", RegEnumValueW(k, 1, wn, &n, NULL, &type, data, &size) == 0 && !wcscmp(wn, L"d") &&
                               type == REG_DWORD);
    n = sizeof(name);
    check("enum_value_end", RegEnumValueA(k, 6, name, &n, NULL, NULL, NULL, NULL) == ERROR_NO_MORE_ITEMS);
    DWORD keys = 0, vals = 0, maxname = 0, maxdata = 0, maxkey = 0;
    check("info", RegQueryInfoKeyA(k, NULL, NULL, NULL, &keys, &maxkey, NULL, &vals, &maxname, &maxdata, NULL,
                                   NULL) == 0 && keys == 1 && maxkey == 1 && vals == 6 && maxname == 1 &&
                      maxdata == 14);
    check("delete_value", RegDeleteValueA(k, "b") == 0 && RegDeleteValueW(k, L"b") == ERROR_FILE_NOT_FOUND);
    check("deleted_value", RegQueryValueExA(k, "b", NULL, NULL, NULL, NULL) == ERROR_FILE_NOT_FOUND);
}

static void bad_input(HKEY k)
{
    HKEY r;
    DWORD size = 8, v = 0;
    check("bad_handle", RegQueryValueExA((HKEY)0x1234, "s", NULL, NULL, NULL, &size) == ERROR_INVALID_HANDLE &&
                            RegOpenKeyExA((HKEY)0x1234, "x", 0, KEY_READ, &r) == ERROR_INVALID_HANDLE &&
                            RegEnumKeyExA((HKEY)0x1234, 0, (char *)&v, &size, NULL, NULL, NULL, NULL) ==
                                ERROR_INVALID_HANDLE);
    check("bad_buffer", RegQueryValueExA(k, "s", NULL, NULL, (BYTE *)8, &size) == ERROR_NOACCESS);
    check("bad_size_ptr", RegQueryValueExA(k, "s", NULL, NULL, (BYTE *)&v, NULL) == ERROR_INVALID_PARAMETER);
    check("bad_data", RegSetValueExA(k, "x", 0, REG_BINARY, (BYTE *)8, 4) == ERROR_NOACCESS);
    check("bad_out", RegOpenKeyExA(k, "a", 0, KEY_READ, NULL) == ERROR_INVALID_PARAMETER);
    check("read_only_handle", RegOpenKeyExA(k, "a", 0, KEY_READ, &r) == 0 &&
                                  RegSetValueExA(r, "x", 0, REG_DWORD, (BYTE *)&v, 4) == ERROR_ACCESS_DENIED &&
                                  RegCloseKey(r) == 0);
    check("root_open", RegOpenKeyExA(HKEY_CURRENT_USER, "", 0, KEY_READ, &r) == 0 && r == HKEY_CURRENT_USER);
}

static int persist(int write)
{
    HKEY k;
    ULONGLONG q = 0x1122334455667788ull;
    if (write) {
        LONG e = RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\winvmtest", 0, NULL, 0, KEY_WRITE, NULL, &k, NULL);
        e = e ? e : RegSetValueExA(k, "persist", 0, REG_SZ, (const BYTE *)"kept", 5);
        e = e ? e : RegSetValueExA(k, "persistq", 0, REG_QWORD, (const BYTE *)&q, 8);
        printf("write %ld\n", e);
        return e != 0;
    }
    char buf[16] = "";
    DWORD size = sizeof(buf);
    q = 0;
    LONG e = RegGetValueA(HKEY_CURRENT_USER, "Software\\winvmtest", "persist", RRF_RT_REG_SZ, NULL, buf, &size);
    size = 8;
    e = e ? e : RegGetValueA(HKEY_CURRENT_USER, "Software\\winvmtest", "persistq", RRF_RT_QWORD, NULL, &q, &size);
    printf("persist %s 0x%llx (%ld)\n", buf, q, e);
    return e != 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "hklm")) {
        HKEY k;
        LONG e = RegCreateKeyExA(HKEY_LOCAL_MACHINE, "SOFTWARE\\winvmtest", 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k, NULL);
        LONG o = RegOpenKeyExA(HKEY_LOCAL_MACHINE, CV, 0, KEY_SET_VALUE, &k);
        printf("hklm %s\n", e == ERROR_ACCESS_DENIED && o == ERROR_ACCESS_DENIED ? "denied" : !e && !o ? "allowed" : "odd");
        return 0;
    }
    if (argc > 1)
        return persist(!strcmp(argv[1], "write"));
    HKEY k;
    seeded();
    keys(&k);
    values(k);
    walk(k);
    bad_input(k);
    RegCloseKey(k);
    return failures;
}
