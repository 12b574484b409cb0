/* SPDX-License-Identifier: MIT */
/* test_sysdlls.c - the system DLLs console programs import beyond kernel32 and msvcrt, as PE
 * code calls them (ms_abi, through GetProcAddress): user32 as a process without windows,
 * Winsock over host sockets, the (empty) registry and GetUserName of advapi32, and kernel32's
 * system information (version, code pages, locale). */
#define _GNU_SOURCE
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <criterion/criterion.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MS __attribute__((ms_abi))
#define FN(dll, name, type) ((type)(void (*)(void))GetProcAddress(GetModuleHandleA(dll), name))

Test(sysdlls, user32_answers_as_a_process_without_windows)
{
    cr_assert_not_null(LoadLibraryA("user32.dll"));
    typedef void *(MS * hwnd_fn)(void);
    static const char *const none[] = {"GetActiveWindow", "GetCapture", "GetFocus", "GetClipboardOwner",
                                       "GetClipboardViewer", "GetOpenClipboardWindow", "GetDesktopWindow"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        hwnd_fn f = FN("user32.dll", none[i], hwnd_fn);
        cr_assert_not_null(f, "%s", none[i]);
        cr_assert_null(f(), "%s", none[i]);
    }
    typedef BOOL(MS * pos_fn)(LONG *);
    LONG pt[2];
    SetLastError(0);
    cr_assert_not(FN("user32.dll", "GetCursorPos", pos_fn)(pt));
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED, "no interactive desktop");
    SetLastError(0);
    cr_assert_not(FN("user32.dll", "GetCursorPos", pos_fn)(NULL));
    cr_assert_eq(GetLastError(), ERROR_NOACCESS);
    typedef BOOL(MS * b_fn)(void);
    cr_assert_not(FN("user32.dll", "GetInputState", b_fn)());
}

struct wsadata {
    WORD version, high;
    unsigned short max_sockets, max_udp;
    char *vendor;
    char description[257], status[129];
};
typedef int(MS *startup_fn)(WORD, struct wsadata *);
typedef int(MS *int0_fn)(void);
typedef uintptr_t(MS *socket_fn)(int, int, int);
typedef int(MS *sock_fn)(uintptr_t);
typedef int(MS *connect_fn)(uintptr_t, const void *, int);
typedef int(MS *io_fn)(uintptr_t, char *, int, int);
typedef int(MS *ioctl_fn)(uintptr_t, long, uint32_t *);
typedef uint32_t(MS *addr_fn)(const char *);

Test(sysdlls, winsock_over_host_sockets)
{
    cr_assert_not_null(LoadLibraryA("ws2_32.dll"));
    socket_fn wsocket = FN("ws2_32.dll", "socket", socket_fn);
    int0_fn last = FN("ws2_32.dll", "WSAGetLastError", int0_fn);
    cr_assert_eq(wsocket(AF_INET, SOCK_STREAM, 0), ~(uintptr_t)0, "before WSAStartup");
    cr_assert_eq(last(), 10093, "WSANOTINITIALISED");
    struct wsadata d;
    cr_assert_eq(FN("ws2_32.dll", "WSAStartup", startup_fn)(0x0202, &d), 0);
    cr_assert_eq(d.version, 0x0202);

    /* a Linux listener; the PE side connects, sends, receives */
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    getsockname(ls, (struct sockaddr *)&a, &alen);
    cr_assert_eq(listen(ls, 1), 0);
    uintptr_t s = wsocket(AF_INET, SOCK_STREAM, 0);
    cr_assert_neq(s, ~(uintptr_t)0);
    cr_assert_eq(FN("ws2_32.dll", "inet_addr", addr_fn)("127.0.0.1"), htonl(INADDR_LOOPBACK));
    cr_assert_eq(FN("ws2_32.dll", "connect", connect_fn)(s, &a, sizeof(a)), 0);
    int peer = accept(ls, NULL, NULL);
    cr_assert_eq(FN("ws2_32.dll", "send", io_fn)(s, "ping", 4, 0), 4);
    char buf[8] = {0};
    cr_assert_eq(read(peer, buf, 4), 4);
    cr_assert_str_eq(buf, "ping");
    cr_assert_eq(write(peer, "pong", 4), 4);
    uint32_t avail = 0;
    for (int i = 0; i < 100 && !avail; i++) {
        cr_assert_eq(FN("ws2_32.dll", "ioctlsocket", ioctl_fn)(s, (long)0x4004667f, &avail), 0, "FIONREAD");
        if (!avail)
            usleep(1000);
    }
    cr_assert_eq(avail, 4u);
    cr_assert_eq(FN("ws2_32.dll", "recv", io_fn)(s, buf, sizeof(buf), 0), 4);
    cr_assert_eq(memcmp(buf, "pong", 4), 0);
    cr_assert_eq(FN("ws2_32.dll", "closesocket", sock_fn)(s), 0);
    close(peer);

    /* refused: nobody listens any more */
    close(ls);
    s = wsocket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(FN("ws2_32.dll", "connect", connect_fn)(s, &a, sizeof(a)), -1);
    cr_assert_eq(last(), 10061, "WSAECONNREFUSED");
    FN("ws2_32.dll", "closesocket", sock_fn)(s);
    /* not a socket of ours: never one of winvm's descriptors */
    cr_assert_eq(FN("ws2_32.dll", "closesocket", sock_fn)(2), -1);
    cr_assert_eq(last(), 10038, "WSAENOTSOCK");
    cr_assert_eq(fcntl(2, F_GETFD) >= 0, 1, "stderr still open");
    cr_assert_eq(FN("ws2_32.dll", "WSACleanup", int0_fn)(), 0);
}

typedef LONG(MS *open_fn)(void *, const char *, DWORD, DWORD, void **);
typedef LONG(MS *query_fn)(void *, const char *, DWORD *, DWORD *, BYTE *, DWORD *);
typedef LONG(MS *close_fn)(void *);
typedef BOOL(MS *user_fn)(char *, DWORD *);

Test(sysdlls, unknown_registry_keys_are_absent_and_user_name_is_the_hosts)
{
    cr_assert_not_null(LoadLibraryA("advapi32.dll"));
    void *hklm = (void *)(uintptr_t)0x80000002u, *k = (void *)1;
    open_fn ropen = FN("advapi32.dll", "RegOpenKeyExA", open_fn);
    cr_assert_eq(ropen(hklm, "Software\\GNU\\GnuPG", 0, 0x20019, &k), ERROR_FILE_NOT_FOUND);
    cr_assert_null(k);
    cr_assert_eq(ropen(hklm, "", 0, 0x20019, &k), ERROR_SUCCESS, "the root itself");
    cr_assert_eq(k, hklm);
    cr_assert_eq(ropen((void *)0x1234, "x", 0, 0x20019, &k), ERROR_INVALID_HANDLE);
    DWORD type, size = 4;
    BYTE data[4];
    cr_assert_eq(FN("advapi32.dll", "RegQueryValueExA", query_fn)(hklm, "x", NULL, &type, data, &size),
                 ERROR_FILE_NOT_FOUND);
    cr_assert_eq(FN("advapi32.dll", "RegCloseKey", close_fn)(hklm), ERROR_SUCCESS);
    cr_assert_eq(FN("advapi32.dll", "RegCloseKey", close_fn)((void *)0x1234), ERROR_INVALID_HANDLE);

    const char *me = getpwuid(geteuid())->pw_name;
    char name[256];
    DWORD n = 1;
    cr_assert_not(FN("advapi32.dll", "GetUserNameA", user_fn)(name, &n));
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(n, strlen(me) + 1, "the size needed, terminator included");
    n = sizeof(name);
    cr_assert(FN("advapi32.dll", "GetUserNameA", user_fn)(name, &n));
    cr_assert_str_eq(name, me);
    cr_assert_eq(n, strlen(me) + 1);
}

Test(sysdlls, kernel32_system_information)
{
    OSVERSIONINFOA v = {.dwOSVersionInfoSize = sizeof(v)};
    cr_assert(GetVersionExA(&v));
    cr_assert_eq(v.dwMajorVersion, 6);
    cr_assert_eq(v.dwMinorVersion, 2);
    cr_assert_eq(v.dwBuildNumber, 9200);
    cr_assert_eq(GetVersion() & 0xffff, 0x0206u);
    v.dwOSVersionInfoSize = 12;
    cr_assert_not(GetVersionExA(&v));
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(GetACP(), CP_UTF8);
    cr_assert(IsValidCodePage(CP_UTF8));
    cr_assert_not(IsValidCodePage(1252), "only UTF-8 is converted");
    CPINFO cp;
    cr_assert(GetCPInfo(CP_ACP, &cp));
    cr_assert_eq(cp.MaxCharSize, 4);
    cr_assert_not(GetCPInfo(1252, &cp));
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(GetThreadLocale(), 0x0409u);
    /* The class follows the nice value the tests were started with (CI may run under nice). */
    int nice = getpriority(PRIO_PROCESS, 0);
    cr_assert_eq(GetPriorityClass(GetCurrentProcess()),
                 (DWORD)(nice == 0 ? NORMAL_PRIORITY_CLASS : nice > 0 && nice < 15 ? BELOW_NORMAL_PRIORITY_CLASS
                         : nice >= 15 ? IDLE_PRIORITY_CLASS : nice <= -15 ? HIGH_PRIORITY_CLASS
                                                                  : ABOVE_NORMAL_PRIORITY_CLASS),
                 "nice %d", nice);
    SIZE_T lo, hi;
    cr_assert(GetProcessWorkingSetSize(GetCurrentProcess(), &lo, &hi));
    cr_assert_lt(lo, hi);
    MEMORYSTATUS m = {0};
    GlobalMemoryStatus(&m);
    cr_assert_eq(m.dwLength, sizeof(m));
    cr_assert_gt(m.dwTotalPhys, 0);
    DWORD got = 5;
    HANDLE f = CreateFileA("/dev/null", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(f, INVALID_HANDLE_VALUE);
    cr_assert_not(DeviceIoControl(f, 0x70000, NULL, 0, NULL, 0, &got, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_FUNCTION);
    CloseHandle(f);
    cr_assert_not(DeviceIoControl((HANDLE)0x4321, 0x70000, NULL, 0, NULL, 0, &got, NULL));
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
}

#include "runtime/runtime.h"

/* Each builtin's export table is sorted (it is searched by bisection) and every name resolves. */
Test(sysdlls, export_tables_sorted)
{
    const char *(*const tables[])(size_t) = {wv_u32_name_at, wv_ws_name_at, wv_ps_name_at, wv_advapi_name_at,
                                             wv_nt_name_at};
    void *(*const lookups[])(const char *) = {wv_u32_lookup, wv_ws_lookup, wv_ps_lookup, wv_advapi_lookup,
                                              wv_nt_lookup};
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (size_t i = 0; tables[t](i); i++) {
            cr_assert_not_null(lookups[t](tables[t](i)), "%s", tables[t](i));
            if (tables[t](i + 1))
                cr_assert_lt(strcmp(tables[t](i), tables[t](i + 1)), 0, "%s before %s", tables[t](i),
                             tables[t](i + 1));
        }
}
