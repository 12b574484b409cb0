/* equiv_os_win.h - equiv_kv's `sys` command on Windows: the rest of os_win.c's calls, each
 * checked for what SQLite relies on; one line per check, the same lines as the POSIX build. */

static void check(const char *what, int ok)
{
    if (!ok)
        os_die(what, GetLastError());
    printf("ok %s\n", what);
}

static const WCHAR odd_name[] = L"kv-\x00e9\x2603.tmp"; /* kv-é☃.tmp */

/* A UTF-16 name there and back, and a file made under it. */
static void check_names(void)
{
    char utf8[64];
    int n = WideCharToMultiByte(CP_UTF8, 0, odd_name, -1, utf8, sizeof(utf8), NULL, NULL);
    check("utf8 name", n == 13 && !strcmp(utf8, "kv-\xc3\xa9\xe2\x98\x83.tmp"));
    kv_file f = os_open(utf8, 1);
    static char block[3000];
    memset(block, 'k', sizeof(block));
    os_write(f, 0, block, sizeof(block));
    os_truncate(f, 1000);
    check("truncate", os_size(f) == 1000);
    /* winMmapfile: a read-only mapping of the file sees what was written */
    HANDLE m = CreateFileMappingW(f, NULL, PAGE_READONLY, 0, 0, NULL);
    const char *v = m ? MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) : NULL;
    check("mapping", v && v[0] == 'k' && v[999] == 'k');
    UnmapViewOfFile(v);
    CloseHandle(m);
    os_close(f);
    WIN32_FILE_ATTRIBUTE_DATA a;
    check("attributes", GetFileAttributesExW(odd_name, GetFileExInfoStandard, &a) && a.nFileSizeLow == 1000 &&
                            !(a.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY));
    check("delete", DeleteFileW(odd_name) && GetFileAttributesW(odd_name) == INVALID_FILE_ATTRIBUTES &&
                        GetLastError() == ERROR_FILE_NOT_FOUND);
}

static void check_paths(const char *db)
{
    WCHAR *w = os_wide(db), full[MAX_PATH], tmp[MAX_PATH];
    DWORD n = GetFullPathNameW(w, MAX_PATH, full, NULL);
    size_t len = wcslen(w);
    check("full path", n > len && full[1] == L':' && full[2] == L'\\' && !wcscmp(full + n - len, w));
    os_free(w);
    n = GetTempPathW(MAX_PATH, tmp);
    check("temp path", n > 0 && tmp[n - 1] == L'\\');
    DWORD spc, bps, freec, total;
    check("disk space", GetDiskFreeSpaceW(NULL, &spc, &bps, &freec, &total) && spc * bps >= 512 && total >= freec);
}

static void check_heap(void)
{
    char *p = os_alloc(100);
    memset(p, 7, 100);
    char *q = HeapReAlloc(heap, 0, p, 5000);
    check("heap realloc", q && q[0] == 7 && q[99] == 7 && HeapSize(heap, 0, q) == 5000);
    check("heap validate", HeapValidate(heap, 0, q));
    os_free(q);
}

static void check_time(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    long long t = (((long long)ft.dwHighDateTime << 32 | ft.dwLowDateTime) - 116444736000000000LL) / 10000000;
    check("system time", llabs(t - (long long)time(NULL)) < 5);
    LARGE_INTEGER f, a, b;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&a);
    Sleep(20);
    QueryPerformanceCounter(&b);
    check("sleep", (b.QuadPart - a.QuadPart) * 1000 >= 19 * f.QuadPart);
    HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
    check("wait", WaitForSingleObjectEx(e, 10, FALSE) == WAIT_TIMEOUT && SetEvent(e) &&
                      WaitForSingleObjectEx(e, 10, FALSE) == WAIT_OBJECT_0);
    CloseHandle(e);
}

static void check_system(void)
{
    WCHAR msg[256];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, ERROR_FILE_NOT_FOUND,
                             0, msg, 256, NULL);
    check("message", n > 0 && wcsstr(msg, L"file"));
    check("ansi apis", AreFileApisANSI());
    OutputDebugStringA("equiv_kv: no debugger, nothing to see\n");
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    printf("page %lu\n", (unsigned long)si.dwPageSize);
    check("processors", si.dwNumberOfProcessors >= 1);
    /* winDlOpen/winDlSym: a loadable extension's entry point */
    HMODULE k = LoadLibraryW(L"kernel32.dll");
    check("dll", k && GetProcAddress(k, "GetSystemInfo") && !GetProcAddress(k, "sqlite3_extension_init") &&
                     GetLastError() == ERROR_PROC_NOT_FOUND && FreeLibrary(k));
}

static int os_sys_checks(const char *db)
{
    check_names();
    check_paths(db);
    check_heap();
    check_time();
    check_system();
    os_done();
    return 0;
}
