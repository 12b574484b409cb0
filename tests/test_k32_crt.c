/* test_k32_crt.c - the kernel32 functions C runtimes need (k32_crt.c): critical sections,
 * startup info, UTF-8 code pages, the unhandled-exception filter. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

static CRITICAL_SECTION cs;
static long counter;

static void *bump(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        EnterCriticalSection(&cs);
        EnterCriticalSection(&cs); /* recursive, as Windows' */
        counter++;
        LeaveCriticalSection(&cs);
        LeaveCriticalSection(&cs);
    }
    return NULL;
}

Test(k32_crt, critical_section_excludes_and_recurses)
{
    InitializeCriticalSection(&cs);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, bump, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(counter, 80000);
    cr_assert(TryEnterCriticalSection(&cs));
    cr_assert_eq(cs.RecursionCount, 1);
    LeaveCriticalSection(&cs);
    cr_assert_eq(cs.OwningThread, NULL);
    DeleteCriticalSection(&cs);
    cr_assert(InitializeCriticalSectionAndSpinCount(&cs, 4000));
    cr_assert_eq(cs.SpinCount, 4000);
    DeleteCriticalSection(&cs);
}

Test(k32_crt, startup_info)
{
    STARTUPINFOA si;
    memset(&si, 0xab, sizeof(si));
    GetStartupInfoA(&si);
    cr_assert_eq(si.cb, sizeof(si));
    cr_assert_eq(si.cb, 104, "the x64 layout");
    cr_assert_null(si.lpTitle);
    cr_assert_eq(si.hStdOutput, GetStdHandle(STD_OUTPUT_HANDLE));
}

Test(k32_crt, utf8_round_trip)
{
    const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a, e-acute, euro, an emoji */
    WCHAR w[16];
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    cr_assert_eq(n, 6, "a, e, euro, a surrogate pair, the terminator");
    cr_assert_eq(MultiByteToWideChar(CP_ACP, 0, s, -1, w, 16), 6);
    cr_assert_eq(w[0], 'a');
    cr_assert_eq(w[1], 0xe9);
    cr_assert_eq(w[2], 0x20ac);
    cr_assert_eq(w[3], 0xd83d);
    cr_assert_eq(w[4], 0xde00);
    cr_assert_eq(w[5], 0);
    char back[32];
    cr_assert_eq(WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL), (int)strlen(s) + 1);
    cr_assert_eq(WideCharToMultiByte(CP_UTF8, 0, w, -1, back, sizeof(back), NULL, NULL), (int)strlen(s) + 1);
    cr_assert_str_eq(back, s);
    SetLastError(SENTINEL);
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, 0, s, -1, w, 3), 0);
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(WideCharToMultiByte(CP_UTF8, 0, w, -1, back, 2, NULL, NULL), 0);
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, 0, NULL, -1, w, 16), 0);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert(!IsDBCSLeadByteEx(CP_ACP, 0xc3));
}

static LONG WINAPI filter_a(PEXCEPTION_POINTERS ep) { (void)ep; return 0; }

Test(k32_crt, unhandled_filter_kept)
{
    cr_assert_null(SetUnhandledExceptionFilter(filter_a));
    cr_assert_eq(SetUnhandledExceptionFilter(NULL), filter_a, "returns the previous one");
}
