/* SPDX-License-Identifier: MIT */
/* ucrt.c - a C program on the Universal CRT (tests/test_ucrt.c): built by mingw-w64 with
 * -D_UCRT (its headers inline printf and scanf onto __stdio_common_*) and -nostartfiles, its
 * entry point making the startup calls MSVC's (and mingw-w64-ucrt's) startup makes; linked
 * once against libucrt.a (the api-ms-win-crt-* API sets) and once against libucrtbase.a
 * (ucrtbase.dll).  Prints what the UCRT gives; the test compares the whole output.
 * argv[1]: a directory for a scratch file, or "abort". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <corecrt_startup.h> /* after the headers that define _CRTIMP */

int main(int argc, char **argv);
/* UCRT's startup calls (mingw-w64's corecrt_startup.h declares only some of them) */
__declspec(dllimport) void __cdecl _set_app_type(int type);
__declspec(dllimport) int __cdecl _configure_narrow_argv(int mode);
__declspec(dllimport) int __cdecl _initialize_narrow_environment(void);
__declspec(dllimport) char **__cdecl _get_initial_narrow_environment(void);

/* __main: gcc's call for constructors, which this program has none of. */
void __main(void) {}

/* atexit is the startup library's on Windows (an EXE's goes to _crt_atexit), as here. */
int __cdecl atexit(void (__cdecl *f)(void)) { return _crt_atexit(f); }

static _onexit_table_t table;

static void at1(void) { printf("atexit 1\n"); }
static void at2(void) { printf("atexit 2\n"); }
static int tab1(void) { printf("table 1\n"); return 0; }
static int tab2(void) { printf("table 2\n"); return 0; }

void mainCRTStartup(void)
{
    _set_app_type(1); /* _crt_console_app */
    if (_configure_narrow_argv(1) /* unexpanded */ || _initialize_narrow_environment())
        exit(99);
    _set_fmode(0x8000); /* _O_BINARY: no CR LF translation in this program's files */
    _initialize_onexit_table(&table);
    exit(main(*__p___argc(), *__p___argv()));
}

static int wsp(unsigned long long opt, wchar_t *buf, size_t n, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = __stdio_common_vswprintf(opt, buf, n, fmt, NULL, ap);
    va_end(ap);
    return r;
}

static int sp(unsigned long long opt, char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = __stdio_common_vsprintf(opt, buf, n, fmt, NULL, ap);
    va_end(ap);
    return r;
}

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void printf_family(void)
{
    printf("printf: %d|%5s|%-4ld|%lld|%.3f|%zu|%x|%c|%e|%p\n", -12, "ab", 7L, 1LL << 40, 2.5, (size_t)9, 255, 'q', 12345.678, (void *)0x1234);
    char b[16];
    memset(b, 'x', sizeof(b));
    int n = snprintf(b, 8, "%s", "0123456789");
    printf("snprintf: %d [%s]\n", n, b);
    memset(b, 'x', sizeof(b));
    n = _snprintf(b, 4, "%s", "abcdef");
    printf("_snprintf: %d [%.6s]\n", n, b);
    memset(b, 'x', sizeof(b));
    n = sp(0, b, 4, "%s", "abcdef");
    printf("common 0: %d [%s]; empty %d; length %d\n", n, b, sp(0, b, 0, ""), sp(0, NULL, 0, "%d", 12345));
    n = sprintf_s(b, sizeof(b), "%d-%s", 5, "z");
    printf("sprintf_s: %d [%s]\n", n, b);
    n = _snprintf_s(b, 6, _TRUNCATE, "AB%uC", 123);
    printf("_snprintf_s: %d [%s]", n, b);
    n = _snprintf_s(b, 8, 3, "AB%uC", 123);
    printf(" %d [%s]\n", n, b);
    wchar_t w[32];
    n = wsp(0, w, 32, L"%s|%ls|%S", "nar", L"wid", L"wid2");
    printf("wide iso: %d %ls\n", n, w);
    n = wsp(4, w, 32, L"%s|%hs|%S", L"wid", "nar", "nar2");
    printf("wide legacy: %d %ls\n", n, w);
    n = swprintf(w, 4, L"%ls", L"abcdef");
    printf("swprintf: %d [%ls]\n", n, w);
    fwprintf(stdout, L"fwprintf: %s %d\n", L"w", 3);
}

static void scan_and_convert(void)
{
    int a = 0;
    char word[8] = "";
    double d = 0;
    int n = sscanf("42 word 2.5", "%d %7s %lf", &a, word, &d);
    printf("sscanf: %d %d %s %.1f\n", n, a, word, d);
    char *end;
    double pi = strtod("3.1416rest", &end);
    printf("strtod: %.4f [%s]\n", pi, end);
    errno = 0;
    long l = strtol("99999999999999999999", NULL, 10);
    int e = 0;
    _get_errno(&e);
    printf("strtol: %ld errno %d %d\n", l, errno, e);
    int v[] = {5, 3, 9, 1, 7};
    qsort(v, 5, sizeof(int), cmp);
    printf("qsort: %d %d %d %d %d\n", v[0], v[1], v[2], v[3], v[4]);
    char *m = malloc(100);
    strcpy(m, "heap");
    m = realloc(m, 1000);
    printf("malloc: %s\n", m);
    free(m);
}

static void files(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/ucrt.tmp", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("fopen failed %d\n", errno);
        return;
    }
    size_t w = fwrite("line1\nline2\n", 1, 12, f);
    fprintf(f, "%s %d\n", "more", 3);
    fclose(f);
    f = fopen(path, "rb");
    char buf[64] = "";
    size_t r = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    printf("file: wrote %zu read %zu [%.*s]\n", w, r, (int)r - 1, buf);
    remove(path);
    errno = 0;
    f = fopen(path, "r");
    printf("gone: %s errno %d\n", f ? "opened" : "NULL", errno);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "abort")) { /* UCRT's release abort: silent, exit 3 */
        printf("before abort\n");
        fflush(stdout);
        abort();
    }
    printf("argc %d:", argc);
    for (int i = 1; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\n");
    char **env = _get_initial_narrow_environment();
    int found = 0;
    for (int i = 0; env && env[i]; i++)
        found |= !strcmp(env[i], "UCRT_TEST_VAR=value 1");
    printf("env: %s %d\n", getenv("UCRT_TEST_VAR"), found);
    printf_family();
    scan_and_convert();
    if (argc > 1)
        files(argv[1]);
    _register_onexit_function(&table, tab1);
    _register_onexit_function(&table, tab2);
    _execute_onexit_table(&table);
    _execute_onexit_table(&table); /* emptied: runs nothing */
    atexit(at1);
    atexit(at2);
    fflush(stdout);
    fputs("stdout via __acrt_iob_func\n", stdout);
    return 7;
}
