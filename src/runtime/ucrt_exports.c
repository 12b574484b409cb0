/* SPDX-License-Identifier: MIT */
/* ucrt_exports.c - ucrtbase.dll's and vcruntime140.dll's export tables.
 *
 * ucrtbase.dll is msvcrt.dll's implementation under the Universal CRT's names: its table is
 * UCRT's own calls (ucrt.c, ucrt_stdio.c: wv_ucrt_<name>) merged, once,
 * with every msvcrt.dll function of the same name, less the names ucrtbase.dll does not have
 * (msvcrt's variables, its startup calls, the printf and scanf functions the UCRT headers
 * inline onto __stdio_common_*: wv_ucrt_msvcrt_only, sorted).  The api-ms-win-crt-* API sets
 * name ucrtbase.dll (loader/builtin.c).
 *
 * vcruntime140.dll: the memory and string search functions (msvcrt's), __C_specific_handler
 * (ntdll's), the C++ exception runtime (cxx_*.c, ucrtbase's too: _CxxThrowException,
 * __CxxFrameHandler3 and its older names, __std_exception_copy/destroy, the __std_type_info
 * helpers, __unDName and __unDNameEx, _purecall and its handler), __current_exception and
 * __current_exception_context (the per-thread slots a running catch fills).
 *
 * vcruntime140_1.dll: __CxxFrameHandler4 (cxx_fh4.c), the frame handler of recent MSVC's
 * compressed FuncInfo4 (/d2FH4).  Its other two exports, __NLG_Dispatch2 and __NLG_Return2,
 * are not served: they are addresses a debugger sets breakpoints on, which no code calls.
 */
#include "runtime/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WV_UCRT_OWN(F)                                                                           \
    F(__acrt_iob_func) F(__daylight) F(__p___argc) F(__p___argv) F(__p___wargv) F(__p__acmdln)     \
    F(__p__environ) F(__p__wcmdln) \
    F(__std_exception_copy) F(__std_exception_destroy) F(__std_terminate) \
    F(__std_type_info_compare) F(__std_type_info_destroy_list) F(__std_type_info_hash) F(__std_type_info_name) F(__stdio_common_vfprintf) F(__stdio_common_vfscanf)                      \
    F(__stdio_common_vfwprintf) F(__stdio_common_vsnprintf_s) F(__stdio_common_vsnwprintf_s)     \
    F(__stdio_common_vsprintf) F(__stdio_common_vsprintf_s) F(__stdio_common_vsscanf)            \
    F(__stdio_common_vswprintf) F(__stdio_common_vswprintf_s) F(__timezone) F(__tzname)         \
    F(_configthreadlocale) \
    F(_configure_narrow_argv) F(_configure_wide_argv) F(_crt_at_quick_exit) F(_crt_atexit) F(_execute_onexit_table)    \
    F(_get_fmode) F(_get_initial_narrow_environment) F(_get_initial_wide_environment)            \
    F(_get_invalid_parameter_handler) F(_get_purecall_handler) F(_initialize_narrow_environment)                          \
    F(_initialize_onexit_table) F(_initialize_wide_environment) F(_purecall) F(_query_new_mode)               \
    F(_register_onexit_function) F(_seh_filter_exe) F(_set_app_type) F(_set_fmode)               \
    F(_set_invalid_parameter_handler) F(_set_new_mode) F(_set_purecall_handler) F(abort) F(quick_exit) F(terminate)

#define WV_DECL(n) extern void wv_ucrt_##n(void);
WV_UCRT_OWN(WV_DECL)
#define WV_OWN_ENTRY(n) {#n, (void *)wv_ucrt_##n},
static const struct wv_export wv_ucrt_own[] = {WV_UCRT_OWN(WV_OWN_ENTRY)};
#define WV_OWN_COUNT (sizeof(wv_ucrt_own) / sizeof(wv_ucrt_own[0]))

/* msvcrt.dll names ucrtbase.dll does not export (its variables, startup, inlined stdio). */
static const char *const wv_ucrt_msvcrt_only[] = {
    "?name@type_info@@QEBAPEBDXZ", "?raw_name@type_info@@QEBAPEBDXZ", "__getmainargs", "__initenv", "__iob_func", "__lconv_init", "__mb_cur_max", "__set_app_type",
    "__wgetmainargs", "__winitenv", "_acmdln", "_amsg_exit", "_commode", "_daylight", "_environ",
    "_findfirst", "_findnext", "_fmode", "_fstati64", "_ftime", "_iob", "_lock", "_mkgmtime",
    "_onexit", "_pctype", "_scprintf", "_scwprintf", "_setjmp", "_snprintf", "_snwprintf", "_stati64",
    "_sys_errlist", "_sys_nerr", "_timezone", "_tzname", "_unlock", "_vscprintf", "_vscwprintf",
    "_vsnprintf", "_vsnwprintf", "_wcmdln", "_wfindfirst", "_wfindnext", "_wstati64", "atexit",
    "ctime", "difftime", "fprintf", "fscanf", "gmtime", "localtime", "mktime", "printf", "scanf",
    "sprintf", "sprintf_s", "sscanf", "swprintf", "time", "vfprintf", "vprintf", "vsnprintf",
    "vsprintf", "vsprintf_s", "vswprintf",
};
#define WV_ONLY_COUNT (sizeof(wv_ucrt_msvcrt_only) / sizeof(wv_ucrt_msvcrt_only[0]))

static int wv_name_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }
static int wv_export_cmp(const void *a, const void *b)
{
    return strcmp(((const struct wv_export *)a)->name, ((const struct wv_export *)b)->name);
}

static struct wv_export *wv_ucrt_table;
static size_t wv_ucrt_count;
static pthread_once_t wv_ucrt_once = PTHREAD_ONCE_INIT;

/* The merged table, made once: UCRT's own names win over msvcrt's. */
static void wv_ucrt_build(void)
{
    size_t n = 0;
    while (wv_crt_name_at(n))
        n++;
    struct wv_export *t = malloc((n + WV_OWN_COUNT) * sizeof(*t));
    if (!t)
        return; /* no table: nothing is served, every import of it fails to bind */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = wv_crt_name_at(i);
        bool own = false;
        for (size_t j = 0; j < WV_OWN_COUNT && !own; j++)
            own = !strcmp(wv_ucrt_own[j].name, name);
        if (own || bsearch(&name, wv_ucrt_msvcrt_only, WV_ONLY_COUNT, sizeof(char *), wv_name_cmp))
            continue;
        t[k].name = name, t[k].addr = wv_crt_lookup(name), k++;
    }
    memcpy(t + k, wv_ucrt_own, sizeof(wv_ucrt_own));
    k += WV_OWN_COUNT;
    qsort(t, k, sizeof(*t), wv_export_cmp);
    wv_ucrt_table = t, wv_ucrt_count = k;
}

void *wv_ucrt_lookup(const char *name)
{
    pthread_once(&wv_ucrt_once, wv_ucrt_build);
    return wv_ucrt_table ? wv_export_find(wv_ucrt_table, wv_ucrt_count, name) : NULL;
}

const char *wv_ucrt_name_at(size_t i)
{
    pthread_once(&wv_ucrt_once, wv_ucrt_build);
    return i < wv_ucrt_count ? wv_ucrt_table[i].name : NULL;
}

/* ---- vcruntime140.dll ---- */

/* cxx_catch.c: the exception the innermost running catch handles, and its context. */
void **__attribute__((ms_abi)) wv_vc___current_exception(void);
void **__attribute__((ms_abi)) wv_vc___current_exception_context(void);

static struct wv_export wv_vc_exports[] = {
    {"_CxxThrowException", NULL},
    {"__C_specific_handler", NULL},
    {"__CxxFrameHandler", NULL},
    {"__CxxFrameHandler2", NULL},
    {"__CxxFrameHandler3", NULL},
    {"__current_exception", (void *)wv_vc___current_exception},
    {"__current_exception_context", (void *)wv_vc___current_exception_context},
    {"__std_exception_copy", NULL},
    {"__std_exception_destroy", NULL},
    {"__std_terminate", NULL},
    {"__std_type_info_compare", NULL},
    {"__std_type_info_destroy_list", NULL},
    {"__std_type_info_hash", NULL},
    {"__std_type_info_name", NULL},
    {"__unDName", NULL},
    {"__unDNameEx", NULL},
    {"_get_purecall_handler", NULL},
    {"_purecall", NULL},
    {"_set_purecall_handler", NULL},
    {"memchr", NULL}, {"memcmp", NULL}, {"memcpy", NULL}, {"memmove", NULL}, {"memset", NULL},
    {"strchr", NULL}, {"strrchr", NULL}, {"strstr", NULL},
    {"wcschr", NULL}, {"wcsrchr", NULL}, {"wcsstr", NULL},
};
#define WV_VC_COUNT (sizeof(wv_vc_exports) / sizeof(wv_vc_exports[0]))
static pthread_once_t wv_vc_once = PTHREAD_ONCE_INIT;

/* The entries left NULL are the same functions as ucrtbase's (msvcrt's, ntdll's). */
static void wv_vc_fill(void)
{
    for (size_t i = 0; i < WV_VC_COUNT; i++)
        if (!wv_vc_exports[i].addr)
            wv_vc_exports[i].addr = wv_ucrt_lookup(wv_vc_exports[i].name);
}

void *wv_vc_lookup(const char *name)
{
    pthread_once(&wv_vc_once, wv_vc_fill);
    void *p = wv_export_find(wv_vc_exports, WV_VC_COUNT, name);
    return p;
}

const char *wv_vc_name_at(size_t i) { return i < WV_VC_COUNT ? wv_vc_exports[i].name : NULL; }

/* ---- vcruntime140_1.dll ---- */

EXCEPTION_DISPOSITION __attribute__((ms_abi)) wv_ms___CxxFrameHandler4(EXCEPTION_RECORD *, PVOID, CONTEXT *,
                                                                       DISPATCHER_CONTEXT *);
static const struct wv_export wv_vc1_exports[] = {
    {"__CxxFrameHandler4", (void *)wv_ms___CxxFrameHandler4},
};
#define WV_VC1_COUNT (sizeof(wv_vc1_exports) / sizeof(wv_vc1_exports[0]))

void *wv_vc1_lookup(const char *name) { return wv_export_find(wv_vc1_exports, WV_VC1_COUNT, name); }
const char *wv_vc1_name_at(size_t i) { return i < WV_VC1_COUNT ? wv_vc1_exports[i].name : NULL; }
