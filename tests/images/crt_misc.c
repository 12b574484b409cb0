/* SPDX-License-Identifier: MIT */
/* crt_misc.c - crt_misc.exe: the rest of msvcrt as mingw-w64 programs use it: setjmp/longjmp,
 * _beginthreadex, time, math, sscanf, wide strings, conversions and the _s forms, setlocale,
 * signal/raise, exit ordering.  Prints one line per check; test_msvcrt.c compares the whole
 * output.  Exit code 5 (from exit(), after the atexit functions ran, last first).
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <process.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>
#include <windows.h>

static jmp_buf jb;
static volatile int depth;

static void __attribute__((noinline)) dive(int n)
{
    depth = n;
    if (n == 3)
        longjmp(jb, 0); /* 0 becomes 1 */
    if (n < 10)
        dive(n + 1);
}

static void jumps(void)
{
    /* values that live in callee-saved registers across the calls */
    register long a = 11, b = 22;
    register double x = 1.5;
    volatile int rounds = 0;
    int r = setjmp(jb);
    rounds++;
    if (r == 0)
        dive(0);
    printf("longjmp: setjmp gave %d after depth %d, rounds %d, kept %ld %ld %.1f\n", r, depth, rounds, a, b, x);
}

static unsigned __stdcall worker(void *arg)
{
    *(int *)arg *= 2;
    _endthreadex(7);
    return 1;
}

static void threads(void)
{
    int v = 21;
    unsigned id = 0;
    HANDLE h = (HANDLE)_beginthreadex(NULL, 0, worker, &v, 0, &id);
    DWORD w = WaitForSingleObject(h, 5000), code = 0;
    GetExitCodeThread(h, &code);
    CloseHandle(h);
    printf("thread: wait %lu code %lu value %d id %d\n", w, code, v, id != 0);
}

static void times(void)
{
    time_t t = 86400 * 365 + 3600 * 5 + 61; /* 1971-01-01 05:01:01 UTC */
    struct tm *g = gmtime(&t);
    char buf[128];
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %a %b %j|%c|%x|%X|%#d", g);
    printf("gmtime: %s\n", buf);
    printf("asctime: %s", asctime(g));
    struct tm m = {.tm_year = 100, .tm_mon = 0, .tm_mday = 32, .tm_hour = 12};
    time_t made = _mkgmtime(&m);
    printf("mkgmtime: %lld mday %d mon %d wday %d yday %d\n", (long long)made, m.tm_mday, m.tm_mon, m.tm_wday, m.tm_yday);
    time_t neg = -1;
    errno = 0;
    struct tm *bad = gmtime(&neg);
    printf("gmtime(-1): %s errno %d\n", bad ? "a time" : "NULL", errno);
    wchar_t wb[64];
    size_t n = wcsftime(wb, 64, L"%Y/%m", g);
    printf("wcsftime: %d %ls\n", (int)n, wb);
    printf("clock: %d\n", clock() >= 0 && CLOCKS_PER_SEC == 1000);
}

static void maths(void)
{
    int e;
    double ip, fr = frexp(48.0, &e), mf = modf(-2.75, &ip);
    printf("math: %.4f %.4f %.4f %.4f %.1f %.1f %.4f\n", sin(1.0), cos(1.0), tan(0.5), exp(1.0), sqrt(2.0) * sqrt(2.0), pow(2, 10),
           log(10.0));
    printf("math2: %.1f %.1f %.1f %.4f frexp %.3f %d ldexp %.1f modf %.2f %.2f\n", floor(-1.5), ceil(-1.5), fmod(7.5, 2),
           atan2(1, 1), fr, e, ldexp(0.75, 4), mf, ip);
    errno = 0;
    double d = sqrt(-1.0);
    int e2 = errno;
    printf("sqrt(-1): nan %d errno %d\n", isnan(d) != 0, e2);
    errno = 0;
    double big = exp(1000);
    e2 = errno;
    printf("exp(1000): inf %d errno %d\n", isinf(big) != 0, e2);
}

static void scanning(void)
{
    int i = 0;
    long l = 0;
    long long ll = 0;
    double d = 0;
    char s[16] = "", set[16] = "";
    int n = sscanf("42 -7 123456789012 2.5 word abc123", "%d %ld %lld %lf %15s %15[a-z]", &i, &l, &ll, &d, s, set);
    printf("sscanf: %d %d %ld %lld %.1f %s %s\n", n, i, l, ll, d, s, set);
    unsigned x = 0;
    int used = 0;
    n = sscanf("ff,rest", "%x,%n", &x, &used);
    printf("sscanf hex: %d %u %d\n", n, x, used);
}

static void wide(void)
{
    wchar_t w[64];
    wcscpy(w, L"Hello, ");
    wcscat(w, L"W\x00f6rld");
    printf("wide: %d %d %d %d\n", (int)wcslen(w), wcscmp(w, L"Hello") > 0, (int)(wcschr(w, L',') - w), (int)(wcsrchr(w, L'l') - w));
    printf("towupper: %04x %04x %04x\n", towupper(L'a'), towupper(0x00f6), towlower(0x0391));
    printf("iswctype: %d %d %d\n", iswalpha(0x00e9) != 0, iswdigit(L'7') != 0, iswspace(L'x') != 0);
    char mb[32];
    size_t k = wcstombs(mb, L"plain", sizeof(mb));
    printf("wcstombs: %d %s\n", (int)k, mb);
    printf("%%ls: %ls\n", L"wide text");
}

static void strings(void)
{
    char b[8];
    int r1 = strcpy_s(b, sizeof(b), "1234567"), r2 = strcpy_s(b, 4, "toolong"), e1 = errno;
    printf("strcpy_s: %d %d [%s] errno %d\n", r1, r2, b, e1);
    printf("strncpy_s truncate: %d [%s]\n", strncpy_s(b, sizeof(b), "abcdefghij", _TRUNCATE), b);
    char num[70];
    printf("itoa: %s %s %s %s\n", _itoa(-255, num, 16), _itoa(-42, num + 20, 10), _ui64toa(18446744073709551615ULL, num + 30, 10),
           _i64toa(-5, num + 55, 2) + 60);
    printf("stricmp: %d %d\n", _stricmp("HeLLo", "hello"), _strnicmp("abcX", "ABCy", 3));
    errno = 0;
    long big = strtol("99999999999", NULL, 10);
    e1 = errno;
    unsigned long neg = strtoul("-1", NULL, 10);
    printf("strtol: %ld errno %d strtoul(-1) %lu strtoll %lld\n", big, e1, neg, strtoll("-9000000000", NULL, 10));
    char dst[4];
    printf("memcpy_s: %d\n", memcpy_s(dst, sizeof(dst), "toolong", 7));
    printf("snprintf: %d %d\n", _snprintf(b, 4, "%s", "abcdef"), _scprintf("%d-%d", 10, 200));
    char g[8] = "XXXXXXX"; /* a text of the count or longer: no terminator, nothing past the count */
    int cut = _snprintf(g, 4, "%s", "abcdef");
    char after_cut = g[4];
    int exact = _snprintf(g, 4, "%s", "wxyz");
    printf("snprintf edge: %d [%c] %d [%c] [%.4s]\n", cut, after_cut, exact, g[4], g);
    int n = sprintf_s(b, sizeof(b), "%d", 12345);
    printf("sprintf_s: %d [%s]\n", n, b);
}

static void on_sig(int s) { printf("handler got %d\n", s); }

static void misc(void)
{
    printf("setlocale: %s\n", setlocale(LC_ALL, NULL));
    printf("setlocale C: %s, bogus: %s\n", setlocale(LC_ALL, "C"), setlocale(LC_ALL, "Klingon_Qo'noS") ? "set" : "NULL");
    printf("decimal point: %s\n", localeconv()->decimal_point);
    signal(SIGTERM, on_sig);
    printf("raise: %d\n", raise(SIGTERM));
    printf("after raise: %s\n", signal(SIGTERM, SIG_DFL) == SIG_DFL ? "reset to SIG_DFL" : "kept");
    _putenv("CRT_MISC_VAR=on");
    printf("putenv: %s\n", getenv("CRT_MISC_VAR"));
    _putenv("CRT_MISC_VAR=");
    printf("removed: %s\n", getenv("CRT_MISC_VAR") ? "no" : "yes");
    errno = 0;
    FILE *f = fopen("/nonexistent-dir/x", "r");
    int e = errno;
    printf("fopen missing: %s errno %d\n", f ? "opened" : "NULL", e);
    int v[] = {9, 3, 7, 1}, key = 7;
    int cmp(const void *a, const void *b);
    qsort(v, 4, sizeof(int), cmp);
    int *hit = bsearch(&key, v, 4, sizeof(int), cmp);
    printf("qsort: %d %d %d %d bsearch %d\n", v[0], v[1], v[2], v[3], hit ? (int)(hit - v) : -1);
    srand(1);
    int r0 = rand(), r1 = rand();
    printf("rand: %d %d\n", r0, r1);
}

int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
static void first(void) { printf("atexit: registered first, runs last\n"); }
static void second(void) { printf("atexit: registered second, runs first\n"); }

int main(void)
{
    atexit(first);
    atexit(second);
    jumps();
    threads();
    times();
    maths();
    scanning();
    wide();
    strings();
    misc();
    exit(5);
}
