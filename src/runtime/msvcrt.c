/* msvcrt.c - msvcrt.dll as PE code sees it: enough of Microsoft's C runtime for mingw-w64's
 * default startup code and everyday stdio, string and memory calls, as ms_abi functions.
 *
 * printf's engine, which reads Windows' va_lists with Windows' type sizes, is msvcrt_printf.c.
 * stdin/stdout/stderr are msvcrt FILE structures (__iob_func) mapped to the host's; output is
 * flushed at once so it interleaves with WriteFile on the same descriptors.  Data exports
 * (_acmdln, __initenv, _fmode, _commode) are variables whose addresses the import table gets.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CRT static __attribute__((ms_abi))

static __attribute__((ms_abi)) int *crt__errno(void);

/* ---- FILE: msvcrt's iob array, 48-byte entries ---- */

struct wv_crt_file {
    char *ptr;
    int cnt;
    char *base;
    int flag, file, charbuf, bufsiz;
    char *tmpfname;
};
/* msvcrt has 20 static FILEs; code built for it locks those by index and every other FILE
 * through the critical section that follows it (msvcrt's _FILEX). */
static struct wv_crt_file wv_iob[20] = {{.file = 0}, {.file = 1}, {.file = 2}};

struct wv_crt_filex {
    struct wv_crt_file file;
    CRITICAL_SECTION lock;
    FILE *host;
};

/* The host FILE behind one PE code holds: one of the standard three, or what fopen made. */
static FILE *wv_host_file(void *fp)
{
    if (fp == &wv_iob[0])
        return stdin;
    if (fp == &wv_iob[1])
        return stdout;
    if (fp == &wv_iob[2])
        return stderr;
    if ((char *)fp >= (char *)wv_iob && (char *)fp < (char *)(wv_iob + 20))
        return NULL;
    return fp ? ((struct wv_crt_filex *)fp)->host : NULL;
}

CRT void *crt___iob_func(void) { return wv_iob; }

/* ---- stdio: printf's family through msvcrt_printf.c, output flushed at once ---- */

CRT int crt_vfprintf(void *fp, const char *fmt, wv_ms_va ap) { return wv_crt_fprint(wv_host_file(fp), fmt, &ap); }
CRT int crt_vprintf(const char *fmt, wv_ms_va ap) { return wv_crt_fprint(stdout, fmt, &ap); }

CRT int crt_fprintf(void *fp, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_fprint(wv_host_file(fp), fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

CRT int crt_printf(const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_fprint(stdout, fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

CRT int crt_sprintf(char *buf, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_sprint(buf, (size_t)1 << 30, fmt, &ap);
    __builtin_ms_va_end(ap);
    return n;
}

/* msvcrt's _snprintf: -1 when it does not fit, no terminator then. */
CRT int crt__snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    wv_ms_va ap;
    __builtin_ms_va_start(ap, fmt);
    int n = wv_crt_sprint(buf, cap + 1, fmt, &ap);
    __builtin_ms_va_end(ap);
    return (size_t)n > cap ? -1 : n;
}

CRT int crt_vsnprintf(char *buf, size_t cap, const char *fmt, wv_ms_va ap)
{
    int n = wv_crt_sprint(buf, cap + 1, fmt, &ap);
    return (size_t)n > cap ? -1 : n;
}

CRT size_t crt_fwrite(const void *p, size_t size, size_t n, void *fp)
{
    FILE *f = wv_host_file(fp);
    size_t r = f ? fwrite(p, size, n, f) : 0;
    if (f)
        fflush(f);
    return r;
}

CRT int crt_fputc(int c, void *fp)
{
    FILE *f = wv_host_file(fp);
    int r = f ? fputc(c, f) : -1;
    if (f)
        fflush(f);
    return r;
}

CRT int crt_fputs(const char *s, void *fp)
{
    FILE *f = wv_host_file(fp);
    int r = f ? fputs(s, f) : -1;
    if (f)
        fflush(f);
    return r;
}

CRT int crt_puts(const char *s)
{
    int r = puts(s);
    fflush(stdout);
    return r;
}

CRT int crt_putchar(int c)
{
    int r = putchar(c);
    fflush(stdout);
    return r;
}

CRT int crt_fflush(void *fp)
{
    FILE *f = fp ? wv_host_file(fp) : NULL;
    return fp && !f ? -1 : fflush(f);
}

CRT int crt_getchar(void) { return getchar(); }
CRT char *crt_fgets(char *s, int n, void *fp)
{
    FILE *f = wv_host_file(fp);
    return f ? fgets(s, n, f) : NULL;
}

/* ---- files ---- */

CRT void *crt_fopen(const char *path, const char *mode)
{
    char m[8];
    size_t k = 0;
    for (const char *c = mode; *c && k + 1 < sizeof(m); c++)
        if (*c != 't') /* text mode: no CRLF translation here */
            m[k++] = *c;
    m[k] = 0;
    struct wv_crt_filex *x = calloc(1, sizeof(*x));
    FILE *f = x ? fopen(path, m) : NULL;
    if (!f) {
        *crt__errno() = x ? errno : ENOMEM;
        free(x);
        return NULL;
    }
    x->host = f;
    x->file.file = fileno(f);
    InitializeCriticalSection(&x->lock);
    return x;
}

CRT int crt_fclose(void *fp)
{
    FILE *f = wv_host_file(fp);
    if (!f)
        return -1;
    if (f == stdin || f == stdout || f == stderr)
        return fflush(f);
    struct wv_crt_filex *x = fp;
    int r = fclose(f);
    DeleteCriticalSection(&x->lock);
    free(x);
    return r;
}

#define WV_HOST(fp, fail) FILE *f = wv_host_file(fp); if (!f) return fail
CRT size_t crt_fread(void *p, size_t size, size_t n, void *fp) { WV_HOST(fp, 0); return fread(p, size, n, f); }
CRT int crt_fgetc(void *fp) { WV_HOST(fp, -1); return fgetc(f); }
CRT int crt_ungetc(int c, void *fp) { WV_HOST(fp, -1); return ungetc(c, f); }
CRT int crt_feof(void *fp) { WV_HOST(fp, 0); return feof(f); }
CRT int crt_ferror(void *fp) { WV_HOST(fp, 1); return ferror(f); }
CRT int crt_fseek(void *fp, long off, int whence) { WV_HOST(fp, -1); return fseek(f, (long)(int)off, whence); }
CRT long crt_ftell(void *fp) { WV_HOST(fp, -1); return (long)(int)ftell(f); }
CRT int crt__fseeki64(void *fp, long long off, int whence) { WV_HOST(fp, -1); return fseeko(f, off, whence); }
CRT long long crt__ftelli64(void *fp) { WV_HOST(fp, -1); return ftello(f); }
CRT int crt_remove(const char *path) { return remove(path); }
CRT int crt_rename(const char *a, const char *b) { return rename(a, b); }

/* ---- startup: arguments, initialisers, exit ---- */

static char *wv_acmdln;
static char **wv_initenv;
static int wv_fmode, wv_commode;

/* mingw's startup: argc/argv/envp from the command line winvm run was given. */
CRT int crt___getmainargs(int *argc, char ***argv, char ***envp, int wildcard, void *startinfo)
{
    (void)wildcard, (void)startinfo;
    *argc = wv_command_args(argv);
    *envp = environ;
    wv_initenv = environ;
    return 0;
}

typedef void(__attribute__((ms_abi)) * wv_crt_fn)(void);
typedef int(__attribute__((ms_abi)) * wv_crt_ifn)(void);

CRT void crt__initterm(wv_crt_fn *begin, wv_crt_fn *end)
{
    for (; begin < end; begin++)
        if (*begin)
            (*begin)();
}

CRT int crt__initterm_e(wv_crt_ifn *begin, wv_crt_ifn *end)
{
    for (; begin < end; begin++)
        if (*begin) {
            int r = (*begin)();
            if (r)
                return r;
        }
    return 0;
}

/* _onexit functions run last-registered first, at exit or _cexit, once. */
static wv_crt_fn wv_onexit[64];
static int wv_nonexit;
static pthread_mutex_t wv_onexit_lock = PTHREAD_MUTEX_INITIALIZER;

static void wv_run_onexit(void)
{
    for (;;) {
        pthread_mutex_lock(&wv_onexit_lock);
        wv_crt_fn f = wv_nonexit > 0 ? wv_onexit[--wv_nonexit] : NULL;
        pthread_mutex_unlock(&wv_onexit_lock);
        if (!f)
            return;
        f();
    }
}

static pthread_once_t wv_onexit_once = PTHREAD_ONCE_INIT;
static void wv_onexit_register(void) { atexit(wv_run_onexit); }

CRT wv_crt_fn crt__onexit(wv_crt_fn f)
{
    pthread_once(&wv_onexit_once, wv_onexit_register);
    pthread_mutex_lock(&wv_onexit_lock);
    bool ok = wv_nonexit < 64;
    if (ok)
        wv_onexit[wv_nonexit++] = f;
    pthread_mutex_unlock(&wv_onexit_lock);
    return ok ? f : NULL;
}

CRT int crt_atexit(wv_crt_fn f) { return crt__onexit(f) ? 0 : -1; }
CRT void crt__cexit(void) { wv_run_onexit(); fflush(NULL); }
CRT __attribute__((noreturn)) void crt_exit(int code) { exit(code); }
CRT __attribute__((noreturn)) void crt__exit(int code) { fflush(NULL); _exit(code); }
CRT __attribute__((noreturn)) void crt_abort(void) { abort(); }

CRT __attribute__((noreturn)) void crt__amsg_exit(int code)
{
    fprintf(stderr, "runtime error R60%02d\n", code);
    _exit(255);
}

CRT void crt___set_app_type(int type) { (void)type; }
CRT void crt___setusermatherr(void *fn) { (void)fn; }

/* ---- locks, errno, locale, signals ---- */

static pthread_mutex_t wv_crt_locks[64];
static pthread_once_t wv_crt_locks_once = PTHREAD_ONCE_INIT;

static void wv_crt_locks_init(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    for (int i = 0; i < 64; i++)
        pthread_mutex_init(&wv_crt_locks[i], &a);
}

CRT void crt__lock(int i)
{
    pthread_once(&wv_crt_locks_once, wv_crt_locks_init);
    pthread_mutex_lock(&wv_crt_locks[i & 63]);
}

CRT void crt__unlock(int i) { pthread_mutex_unlock(&wv_crt_locks[i & 63]); }

static __thread int wv_crt_errno;
CRT int *crt__errno(void) { return &wv_crt_errno; }

struct wv_lconv {
    char *decimal_point, *thousands_sep, *grouping, *int_curr_symbol, *currency_symbol, *mon_decimal_point,
        *mon_thousands_sep, *mon_grouping, *positive_sign, *negative_sign;
    char frac[8];
};
static struct wv_lconv wv_lconv = {".", "", "", "", "", "", "", "", "", "", {0}};
CRT void *crt_localeconv(void) { return &wv_lconv; }
CRT unsigned crt____lc_codepage_func(void) { return 0; } /* the "C" locale */
CRT int crt____mb_cur_max_func(void) { return 1; }

CRT void *crt_signal(int sig, void *handler)
{
    (void)sig, (void)handler;
    return NULL; /* SIG_DFL: faults are Windows exceptions here, not signals */
}

/* ---- memory and strings: the host's, behind ms_abi ---- */

CRT void *crt_malloc(size_t n) { return malloc(n); }
CRT void *crt_calloc(size_t n, size_t m) { return calloc(n, m); }
CRT void *crt_realloc(void *p, size_t n) { return realloc(p, n); }
CRT void crt_free(void *p) { free(p); }
CRT void *crt_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
CRT void *crt_memmove(void *d, const void *s, size_t n) { return memmove(d, s, n); }
CRT void *crt_memset(void *d, int c, size_t n) { return memset(d, c, n); }
CRT int crt_memcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }
CRT size_t crt_strlen(const char *s) { return strlen(s); }
CRT int crt_strcmp(const char *a, const char *b) { return strcmp(a, b); }
CRT int crt_strncmp(const char *a, const char *b, size_t n) { return strncmp(a, b, n); }
CRT char *crt_strcpy(char *d, const char *s) { return strcpy(d, s); }
CRT char *crt_strncpy(char *d, const char *s, size_t n) { return strncpy(d, s, n); }
CRT char *crt_strcat(char *d, const char *s) { return strcat(d, s); }
CRT char *crt_strchr(const char *s, int c) { return strchr(s, c); }
CRT char *crt_strrchr(const char *s, int c) { return strrchr(s, c); }
CRT char *crt_strstr(const char *s, const char *t) { return strstr(s, t); }
CRT char *crt_strerror(int e) { return strerror(e); }
CRT int crt_atoi(const char *s) { return atoi(s); }
CRT long crt_strtol(const char *s, char **e, int b) { return (long)(int)strtol(s, e, b); }
CRT unsigned long crt_strtoul(const char *s, char **e, int b) { return (unsigned)strtoul(s, e, b); }
CRT double crt_strtod(const char *s, char **e) { return strtod(s, e); }
CRT double crt_atof(const char *s) { return atof(s); }
CRT int crt_abs(int v) { return v < 0 ? -v : v; }
CRT void *crt_memchr(const void *p, int c, size_t n) { return memchr(p, c, n); }
CRT char *crt_strncat(char *d, const char *s, size_t n) { return strncat(d, s, n); }
CRT size_t crt_strspn(const char *s, const char *a) { return strspn(s, a); }
CRT size_t crt_strcspn(const char *s, const char *a) { return strcspn(s, a); }
CRT char *crt__strdup(const char *s) { return strdup(s); }
CRT char *crt_getenv(const char *name) { return getenv(name); }
CRT int crt_toupper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
CRT int crt_tolower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
CRT int crt_isdigit(int c) { return c >= '0' && c <= '9'; }
CRT int crt_isalpha(int c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
CRT int crt_isalnum(int c) { return crt_isdigit(c) || crt_isalpha(c); }
CRT int crt_isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
CRT int crt_isupper(int c) { return c >= 'A' && c <= 'Z'; }
CRT int crt_islower(int c) { return c >= 'a' && c <= 'z'; }
CRT int crt_isxdigit(int c) { return crt_isdigit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f'); }
CRT int crt_isprint(int c) { return c >= 0x20 && c < 0x7f; }
CRT int crt_rand(void) { return rand() & 0x7fff; } /* RAND_MAX is 0x7fff on Windows */
CRT void crt_srand(unsigned seed) { srand(seed); }
CRT long long crt_time(long long *t)
{
    long long now = (long long)time(NULL);
    if (t)
        *t = now;
    return now;
}
CRT long long crt__time64(long long *t) { return crt_time(t); }
CRT long crt_clock(void) { return (long)(clock() / (CLOCKS_PER_SEC / 1000)); } /* CLOCKS_PER_SEC 1000 */

/* qsort with a Windows comparator: the host qsort calls a C shim that calls it (per thread). */
typedef int(__attribute__((ms_abi)) * wv_crt_cmp)(const void *, const void *);
static __thread wv_crt_cmp wv_cmp;
static int wv_cmp_shim(const void *a, const void *b) { return wv_cmp(a, b); }
CRT void crt_qsort(void *base, size_t n, size_t size, wv_crt_cmp cmp)
{
    wv_crt_cmp outer = wv_cmp; /* a comparator may sort too */
    wv_cmp = cmp;
    qsort(base, n, size, wv_cmp_shim);
    wv_cmp = outer;
}

CRT size_t crt_wcslen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* ---- the export table, sorted by strcmp ---- */

#define F(f) {#f, (void *)crt_##f}
static const struct wv_export wv_crt_exports[] = {
    /* sorted by strcmp (test_kernel32 checks) */
    {"__C_specific_handler", (void *)wv_seh_c_specific_handler}, F(___lc_codepage_func), F(___mb_cur_max_func), F(__getmainargs),
    {"__initenv", &wv_initenv}, F(__iob_func), F(__set_app_type), F(__setusermatherr),
    {"_acmdln", &wv_acmdln}, F(_amsg_exit), F(_cexit), {"_commode", &wv_commode}, F(_errno),
    F(_exit), {"_fmode", &wv_fmode}, F(_fseeki64), F(_ftelli64), F(_initterm), F(_initterm_e),
    F(_lock), F(_onexit), F(_snprintf), F(_strdup), F(_time64), F(_unlock), F(abort), F(abs), F(atexit),
    F(atof), F(atoi), F(calloc), F(clock), F(exit), F(fclose), F(feof), F(ferror), F(fflush),
    F(fgetc), F(fgets), F(fopen), F(fprintf), F(fputc), F(fputs), F(fread), F(free), F(fseek),
    F(ftell), F(fwrite), F(getchar), F(getenv), F(isalnum), F(isalpha), F(isdigit), F(islower),
    F(isprint), F(isspace), F(isupper), F(isxdigit), F(localeconv), F(malloc), F(memchr), F(memcmp),
    F(memcpy), F(memmove), F(memset), F(printf), F(putchar), F(puts), F(qsort), F(rand), F(realloc),
    F(remove), F(rename), F(signal), F(sprintf), F(srand), F(strcat), F(strchr), F(strcmp),
    F(strcpy), F(strcspn), F(strerror), F(strlen), F(strncat), F(strncmp), F(strncpy), F(strrchr),
    F(strspn), F(strstr), F(strtod), F(strtol), F(strtoul), F(time), F(tolower), F(toupper),
    F(ungetc), F(vfprintf), F(vprintf), F(vsnprintf), F(wcslen),
};
#undef F
#define WV_CRT_COUNT (sizeof(wv_crt_exports) / sizeof(wv_crt_exports[0]))

static pthread_once_t wv_acmdln_once = PTHREAD_ONCE_INIT;
static void wv_acmdln_init(void) { wv_acmdln = GetCommandLineA(); }

void *wv_crt_lookup(const char *name)
{
    /* _acmdln set before any export is handed out; once: GetProcAddress takes no lock here */
    pthread_once(&wv_acmdln_once, wv_acmdln_init);
    return wv_export_find(wv_crt_exports, WV_CRT_COUNT, name);
}

const char *wv_crt_name_at(size_t i) { return i < WV_CRT_COUNT ? wv_crt_exports[i].name : NULL; }
