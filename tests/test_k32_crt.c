/* SPDX-License-Identifier: MIT */
/* test_k32_crt.c - the kernel32 functions C runtimes need (k32_crt.c): critical sections,
 * startup info, UTF-8 code pages, the unhandled-exception filter. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static LONG WINAPI filter_exits(PEXCEPTION_POINTERS ep)
{
    _exit(ep->ExceptionRecord->ExceptionCode == 0xE0000001u ? 42 : 41);
}
static int filter_calls;
static LONG WINAPI filter_continues(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    filter_calls++;
    return EXCEPTION_CONTINUE_EXECUTION;
}
static LONG WINAPI filter_handles(PEXCEPTION_POINTERS ep)
{
    (void)ep;
    return EXCEPTION_EXECUTE_HANDLER;
}

/* How a child that raises 0xE0000001 (continuable or not) under filter f ends. */
static int raise_under(LPTOP_LEVEL_EXCEPTION_FILTER f, DWORD flags)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        SetUnhandledExceptionFilter(f);
        RaiseException(0xE0000001u, flags, 0, NULL);
        _exit(filter_calls == 1 ? 7 : 8);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A C program's filter is the process's: called for its own unhandled exceptions, with
 * Windows' three answers. */
Test(k32_crt, unhandled_filter_of_a_c_program_is_called)
{
    cr_assert_eq(raise_under(filter_exits, 0), 42, "the filter saw the exception");
    cr_assert_eq(raise_under(filter_continues, 0), 7, "EXCEPTION_CONTINUE_EXECUTION: RaiseException returns");
    cr_assert_eq(raise_under(filter_handles, 0), 1, "EXCEPTION_EXECUTE_HANDLER: the process ends with the code");
    cr_assert_eq(raise_under(filter_continues, EXCEPTION_NONCONTINUABLE), 128 + SIGSEGV,
                 "a noncontinuable exception cannot be continued: the report, then the end of a crash");
}

/* ---- MultiByteToWideChar(CP_UTF8, 0) on ill-formed input ----
 *
 * What Windows answers: the utf8_to_unicode table of Wine's dlls/ntdll/tests/rtlstr.c, which
 * Wine's test bots run on Windows and which checks MultiByteToWideChar(CP_UTF8, 0) as well as
 * RtlUTF8ToUnicodeN, and ReactOS' apitests/kernel32/MultiByteToWideChar.c ("tested on Win10").
 * Windows does not replace each byte of an ill-formed sequence: it takes a lead byte and the
 * continuation bytes that follow it until the value is known to be bad, and writes one U+FFFD
 * for them (ED A0 80 gives two, E0 80 AF two, F4 90 80 80 three, E0 A0 followed by '-' one).
 * winvm follows that rule (base/wide.c); every case is checked unit for unit. */

#define FFFD 0xfffd

/* MultiByteToWideChar(CP_UTF8, 0, s, n) must give exactly want[0..count), and the size-only
 * call (cchWideChar 0) the same count. */
static void utf8_gives(const char *s, int n, const WCHAR *want, int count)
{
    WCHAR w[32];
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        w[i] = 0x5555;
    SetLastError(SENTINEL);
    int need = MultiByteToWideChar(CP_UTF8, 0, s, n, NULL, 0);
    cr_assert_eq(need, count, "size of %d bytes: %d units, want %d", n, need, count);
    int got = MultiByteToWideChar(CP_UTF8, 0, s, n, w, 32);
    cr_assert_eq(got, count, "conversion of %d bytes: %d units, want %d", n, got, count);
    cr_assert_eq(GetLastError(), SENTINEL, "a successful conversion set the last error");
    for (int i = 0; i < count; i++)
        cr_assert_eq(w[i], want[i], "unit %d of %d bytes: %#x, want %#x", i, n, w[i], want[i]);
    cr_assert_eq(w[count], 0x5555, "written past the %d units", count);
}

#define GIVES(s, ...)                                                                         \
    do {                                                                                      \
        static const WCHAR want_[] = {__VA_ARGS__};                                           \
        utf8_gives((s), (int)sizeof(s) - 1, want_, (int)(sizeof(want_) / sizeof(want_[0]))); \
    } while (0)

Test(k32_crt, utf8_overlong_two_byte_forms_are_two_replacements)
{
    /* C0 and C1 never begin a sequence: the overlong '/', NUL and U+007F */
    GIVES("a\xC0\xAF" "b", 'a', FFFD, FFFD, 'b');
    GIVES("-\xC0\x80-", '-', FFFD, FFFD, '-');
    GIVES("-\xC1\xBF-", '-', FFFD, FFFD, '-');
    GIVES("\xC0\xC0\x80", FFFD, FFFD, FFFD);
}

Test(k32_crt, utf8_lead_bytes_f5_to_ff_are_one_replacement_each)
{
    GIVES("a\xF5" "b\xF6" "c\xF7\xF8\xF9\xFA\xFB\xFC\xFD\xFE\xFF" "d",
          'a', FFFD, 'b', FFFD, 'c', FFFD, FFFD, FFFD, FFFD, FFFD, FFFD, FFFD, FFFD, FFFD, 'd');
    /* their would-be continuation bytes are stray bytes of their own */
    GIVES("\xF8\xA3\xA3\xA3\xA3", FFFD, FFFD, FFFD, FFFD, FFFD);
    GIVES("\xFF\x40\x80", FFFD, '@', FFFD);
    /* F7 BF BF BF would be U+1FFFFF */
    GIVES("-\xF7\xBF\xBF\xBF-", '-', FFFD, FFFD, FFFD, FFFD, '-');
}

Test(k32_crt, utf8_stray_continuation_bytes_and_broken_leads)
{
    GIVES("\x80", FFFD);
    GIVES("\x82\xA0\x82\xA2", FFFD, FFFD, FFFD, FFFD);
    /* a lead byte whose next byte is not a continuation byte: one U+FFFD, and the next byte
     * is decoded for itself */
    GIVES("\xC2-", FFFD, '-');
    GIVES("\xE0\x20\xC0", FFFD, ' ', FFFD);
    GIVES("\xE0\xC0", FFFD, FFFD);
    /* a whole sequence, then a stray continuation byte */
    GIVES("\xE0\xA0\x80\x80-", 0x800, FFFD, '-');
    /* a lone lead byte at the end of the input */
    GIVES("a\xE6", 'a', FFFD);
}

Test(k32_crt, utf8_valid_text_around_bad_bytes_decodes_exactly)
{
    /* e-acute, euro sign, U+1F600 (a surrogate pair), the first and last of each length */
    GIVES("\xC3\xA9\xC0\xE2\x82\xAC\xFF\xF0\x9F\x98\x80\x80z",
          0xe9, FFFD, 0x20ac, FFFD, 0xd83d, 0xde00, FFFD, 'z');
    GIVES("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80"
          "\xF4\x8F\xBF\xBF",
          0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0xd800, 0xdc00, 0xdbff, 0xdfff);
}

Test(k32_crt, utf8_terminated_input_counts_the_terminator)
{
    /* cbMultiByte -1: the terminator is converted and counted, in the size call too */
    const char *s = "x\xC0\xAF" "y";
    WCHAR w[8];
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0), 5);
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, 0, s, -1, w, 8), 5);
    static const WCHAR want[] = {'x', FFFD, FFFD, 'y', 0};
    cr_assert_arr_eq(w, want, sizeof(want));
    /* one unit short: nothing converted */
    SetLastError(SENTINEL);
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, 0, s, -1, w, 4), 0);
    cr_assert_eq(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
}

/* The ill-formed sequences on which winvm and Windows differ in the number of U+FFFD: each
 * must still come out as U+FFFD only (never a code point: no U+D800 from ED A0 80, no '/'
 * from an overlong form), with the text around it intact and the size call agreeing. */
Test(k32_crt, utf8_ill_formed_sequences_as_windows_counts_them)
{
    static const struct {
        const char *bad;
        int windows; /* U+FFFD Windows writes for it (Wine's rtlstr.c table) */
        bool at_end; /* the input ends with it */
    } cases[] = {
        {"\xE0\x80\xAF", 2, false},     /* overlong '/' in three bytes */
        {"\xE0\x9F\xBF", 2, false},     /* overlong U+07FF */
        {"\xF0\x80\x80\xAF", 3, false}, /* overlong '/' in four bytes */
        {"\xF0\x8F\xBF\xBF", 3, false}, /* overlong U+FFFF */
        {"\xED\xA0\x80", 2, false},     /* U+D800, a surrogate */
        {"\xED\xBF\xBF", 2, false},     /* U+DFFF */
        {"\xED\xAF\xBF\xED\xBF\xBF", 4, false}, /* a surrogate pair as two sequences */
        {"\xF4\x90\x80\x80", 3, false}, /* U+110000, past U+10FFFF */
        {"\xE0\xA0", 1, false},          /* cut short */
        {"\xF0\x90\x80", 1, false},      /* cut short */
        {"\xE2\x82", 1, true},           /* the euro sign cut short by the end */
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char s[16];
        size_t blen = strlen(cases[c].bad);
        int tail = !cases[c].at_end;
        s[0] = 'a';
        memcpy(s + 1, cases[c].bad, blen);
        s[blen + 1] = 'b';
        int n = (int)blen + 1 + tail;
        WCHAR w[16];
        int need = MultiByteToWideChar(CP_UTF8, 0, s, n, NULL, 0);
        int got = MultiByteToWideChar(CP_UTF8, 0, s, n, w, 16);
        cr_assert_eq(got, need, "case %zu: %d units, the size call said %d", c, got, need);
        int k = got - 1 - tail; /* the units between the neighbours */
        cr_assert_eq(k, cases[c].windows, "case %zu: %d replacements, Windows gives %d", c, k,
                     cases[c].windows);
        cr_assert_eq(w[0], 'a', "case %zu: the unit before was lost", c);
        for (int i = 1; i <= k; i++)
            cr_assert_eq(w[i], FFFD, "case %zu: unit %d is %#x, not U+FFFD", c, i, w[i]);
        if (tail)
            cr_assert_eq(w[got - 1], 'b', "case %zu: the unit after was lost", c);
    }
}

Test(k32_crt, err_invalid_chars_flags_refuse_what_would_be_replaced)
{
    WCHAR w[8];
    SetLastError(SENTINEL);
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, "a\xE0\x80\xAF", 4, w, 8), 0);
    cr_assert_eq(GetLastError(), ERROR_NO_UNICODE_TRANSLATION);
    SetLastError(SENTINEL);
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, "a\xE2\x82", 3, NULL, 0), 0,
                 "the size-only call refuses too");
    cr_assert_eq(GetLastError(), ERROR_NO_UNICODE_TRANSLATION);
    /* well-formed input converts as without the flag */
    cr_assert_eq(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, "a\xE2\x82\xAC", 4, w, 8), 2);
    cr_assert_eq(w[0], 'a');
    cr_assert_eq(w[1], 0x20ac);

    static const WCHAR lone[] = {'x', 0xd800, 'y'};
    char out[16];
    SetLastError(SENTINEL);
    cr_assert_eq(WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, lone, 3, out, 16, NULL, NULL), 0);
    cr_assert_eq(GetLastError(), ERROR_NO_UNICODE_TRANSLATION);
    /* without the flag the unpaired surrogate becomes U+FFFD (EF BF BD) */
    cr_assert_eq(WideCharToMultiByte(CP_UTF8, 0, lone, 3, out, 16, NULL, NULL), 5);
    cr_assert_eq(memcmp(out, "x\xEF\xBF\xBDy", 5), 0);
}
