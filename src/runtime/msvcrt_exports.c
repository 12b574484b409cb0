/* SPDX-License-Identifier: MIT */
/* msvcrt_exports.c - msvcrt.dll's export table: one line a name, sorted by strcmp (a test
 * checks).  F(name) is the function wv_ms_<name>, V(name) the variable wv_ms_<name> whose
 * address the import table gets; both are defined in the msvcrt*.c files.  Adding an export is
 * adding its name here.
 *
 * The declarations below only give the linker the symbols: every entry's address is taken,
 * never called through these types.
 */
#include "runtime/runtime.h"

#include <pthread.h>

#define WV_CRT_EXPORTS(F, V, SEH, CXX, VT) \
    CXX(__non_rtti_object_copy, "??0__non_rtti_object@@QEAA@AEBV0@@Z") \
    CXX(__non_rtti_object_ctor_str, "??0__non_rtti_object@@QEAA@PEBD@Z") \
    CXX(bad_cast_ctor, "??0bad_cast@@AEAA@PEBQEBD@Z") \
    CXX(bad_cast_ctor, "??0bad_cast@@QEAA@AEBQEBD@Z") \
    CXX(bad_cast_copy, "??0bad_cast@@QEAA@AEBV0@@Z") \
    CXX(bad_cast_ctor_str, "??0bad_cast@@QEAA@PEBD@Z") \
    CXX(bad_typeid_copy, "??0bad_typeid@@QEAA@AEBV0@@Z") \
    CXX(bad_typeid_ctor_str, "??0bad_typeid@@QEAA@PEBD@Z") \
    CXX(exception_ctor, "??0exception@@QEAA@AEBQEBD@Z") \
    CXX(exception_ctor_noalloc, "??0exception@@QEAA@AEBQEBDH@Z") \
    CXX(exception_copy, "??0exception@@QEAA@AEBV0@@Z") \
    CXX(exception_default, "??0exception@@QEAA@XZ") \
    CXX(__non_rtti_object_dtor, "??1__non_rtti_object@@UEAA@XZ") \
    CXX(bad_cast_dtor, "??1bad_cast@@UEAA@XZ") \
    CXX(bad_typeid_dtor, "??1bad_typeid@@UEAA@XZ") \
    CXX(exception_dtor, "??1exception@@UEAA@XZ") \
    CXX(type_info_dtor, "??1type_info@@UEAA@XZ") \
    CXX(operator_new, "??2@YAPEAX_K@Z") \
    CXX(operator_delete, "??3@YAXPEAX@Z") \
    CXX(__non_rtti_object_assign, "??4__non_rtti_object@@QEAAAEAV0@AEBV0@@Z") \
    CXX(bad_cast_assign, "??4bad_cast@@QEAAAEAV0@AEBV0@@Z") \
    CXX(bad_typeid_assign, "??4bad_typeid@@QEAAAEAV0@AEBV0@@Z") \
    CXX(exception_assign, "??4exception@@QEAAAEAV0@AEBV0@@Z") \
    CXX(type_info_eq, "??8type_info@@QEBAHAEBV0@@Z") \
    CXX(type_info_ne, "??9type_info@@QEBAHAEBV0@@Z") \
    VT(__non_rtti_object, "??_7__non_rtti_object@@6B@") \
    VT(bad_cast, "??_7bad_cast@@6B@") \
    VT(bad_typeid, "??_7bad_typeid@@6B@") \
    VT(exception, "??_7exception@@6B@") \
    CXX(bad_cast_default, "??_Fbad_cast@@QEAAXXZ") \
    CXX(bad_typeid_default, "??_Fbad_typeid@@QEAAXXZ") \
    CXX(operator_new, "??_U@YAPEAX_K@Z") \
    CXX(operator_delete, "??_V@YAXPEAX@Z") \
    CXX(type_info_before, "?before@type_info@@QEBAHAEBV1@@Z") \
    CXX(type_info_name, "?name@type_info@@QEBAPEBDXZ") \
    CXX(type_info_raw_name, "?raw_name@type_info@@QEBAPEBDXZ") \
    CXX(exception_what, "?what@exception@@UEBAPEBDXZ") \
    F(_CxxThrowException) SEH(__C_specific_handler) F(__CxxFrameHandler) F(__CxxFrameHandler2) \
    F(__CxxFrameHandler3) F(__RTCastToVoid) F(__RTDynamicCast) F(__RTtypeid) F(___lc_codepage_func) F(___mb_cur_max_func) F(__getmainargs) \
    V(__initenv) F(__iob_func) F(__isascii) F(__lconv_init) V(__mb_cur_max) F(__p__commode) F(__p__fmode) \
    F(__pctype_func) F(__set_app_type) F(__setusermatherr) F(__unDName) F(__unDNameEx) F(__wgetmainargs) V(__winitenv) \
    F(_abs64) F(_access) V(_acmdln) F(_aligned_free) F(_aligned_malloc) F(_amsg_exit) F(_assert) \
    F(_atoi64) F(_beginthreadex) F(_c_exit) F(_cexit) F(_chdir) F(_chgsign) F(_chmod) F(_chsize) \
    F(_chsize_s) F(_clearfp) F(_close) F(_commit) V(_commode) F(_control87) F(_controlfp) F(_copysign) F(_ctime64) V(_daylight) \
    F(_difftime64) F(_dup) F(_dup2) F(_endthreadex) V(_environ) F(_eof) F(_errno) F(_exit) F(_fdopen) \
    F(_fgetchar) F(_filelength) F(_filelengthi64) F(_fileno) F(_findclose) F(_findfirst) \
    F(_findfirst64) F(_findnext) F(_findnext64) F(_finite) F(_flushall) V(_fmode) F(_fpreset) F(_fputchar) \
    F(_fseeki64) F(_fstat64) F(_fstati64) F(_ftelli64) F(_ftime) F(_ftime64) F(_fullpath) \
    F(_get_errno) F(_get_osfhandle) F(_getcwd) F(_getmaxstdio) F(_getpid) F(_gmtime64) F(_gmtime64_s) F(_hypot) F(_hypotf) \
    F(_i64toa) F(_initterm) F(_initterm_e) V(_iob) F(_isatty) F(_isctype) F(_isnan) F(_itoa) \
    F(_j0) F(_j1) F(_localtime64) F(_localtime64_s) F(_lock) F(_logb) F(_lseek) F(_lseeki64) \
    F(_ltoa) F(_memicmp) F(_mkdir) F(_mkgmtime) F(_mkgmtime64) F(_mktime64) F(_nextafter) \
    F(_onexit) F(_open) F(_open_osfhandle) V(_pctype) F(_purecall) F(_putenv) F(_read) F(_resetstkoflw) F(_rmdir) F(_scalb) \
    F(_scprintf) F(_scwprintf) F(_set_errno) F(_setjmp) F(_setmaxstdio) F(_setmode) F(_snprintf) F(_snwprintf) F(_sopen) F(_splitpath) F(_splitpath_s) F(_stat64) \
    F(_stati64) F(_statusfp) F(_strdup) F(_stricmp) F(_stricoll) F(_strlwr) F(_strnicmp) F(_strrev) \
    F(_strtoi64) F(_strtoui64) F(_strupr) V(_sys_errlist) V(_sys_nerr) F(_tell) F(_telli64) F(_time32) F(_time64) V(_timezone) \
    F(_tolower) F(_toupper) V(_tzname) F(_tzset) F(_ui64toa) F(_ultoa) F(_unlink) F(_unlock) \
    F(_utime64) F(_vscprintf) F(_vscwprintf) F(_vsnprintf) F(_vsnwprintf) F(_waccess) F(_wchdir) F(_wchmod) V(_wcmdln) \
    F(_wcsdup) F(_wcsicmp) F(_wcslwr) F(_wcsnicmp) F(_wcsrev) F(_wcstoi64) F(_wcstoui64) F(_wcsupr) F(_wfindfirst) \
    F(_wfindfirst64) F(_wfindnext) F(_wfindnext64) F(_wfopen) F(_wfullpath) F(_wgetcwd) \
    F(_wgetenv) F(_wmkdir) F(_wopen) F(_wputenv) F(_wremove) F(_wrename) F(_write) F(_wrmdir) \
    F(_wsopen) F(_wsplitpath) F(_wsplitpath_s) F(_wstat64) F(_wstati64) F(_wtof) F(_wtoi) F(_wtol) F(_wunlink) F(_wutime64) \
    F(_y0) F(_y1) F(abort) F(abs) F(acos) F(acosf) F(asctime) F(asin) F(asinf) F(atan) F(atan2) \
    F(atan2f) F(atanf) F(atexit) F(atof) F(atoi) F(atol) F(atoll) F(bsearch) F(calloc) F(ceil) \
    F(ceilf) F(clearerr) F(clock) F(cos) F(cosf) F(cosh) F(coshf) F(ctime) F(difftime) F(div) \
    F(exit) F(exp) F(expf) F(fabs) F(fclose) F(feof) F(ferror) F(fflush) F(fgetc) F(fgetpos) \
    F(fgets) F(fgetwc) F(fgetws) F(floor) F(floorf) F(fmod) F(fmodf) F(fopen) F(fprintf) F(fputc) \
    F(fputs) F(fputwc) F(fputws) F(fread) F(free) F(freopen) F(frexp) F(fscanf) F(fseek) \
    F(fsetpos) F(ftell) F(fwprintf) F(fwrite) F(getc) F(getchar) F(getenv) F(gets) F(getwc) F(gmtime) \
    F(isalnum) F(isalpha) F(isblank) F(iscntrl) F(isdigit) F(isgraph) F(islower) F(isprint) \
    F(ispunct) F(isspace) F(isupper) F(iswalnum) F(iswalpha) F(iswctype) F(iswdigit) F(iswlower) \
    F(iswpunct) F(iswspace) F(iswupper) F(iswxdigit) F(isxdigit) F(labs) F(ldexp) F(ldiv) \
    F(llabs) F(localeconv) F(localtime) F(log) F(log10) F(log10f) F(logf) F(longjmp) F(malloc) \
    F(mblen) F(mbstowcs) F(mbtowc) F(memchr) F(memcmp) F(memcpy) F(memcpy_s) F(memmove) \
    F(memmove_s) F(memset) F(mktime) F(modf) F(modff) F(perror) F(pow) F(powf) F(printf) F(putc) \
    F(putchar) F(puts) F(putwc) F(putwchar) F(qsort) F(raise) F(rand) F(realloc) F(remove) \
    F(rename) F(rewind) F(scanf) F(setbuf) F(setlocale) F(setvbuf) F(signal) F(sin) F(sinf) \
    F(sinh) F(sinhf) F(sprintf) F(sprintf_s) F(sqrt) F(sqrtf) F(srand) F(sscanf) F(strcat) \
    F(strcat_s) F(strchr) F(strcmp) F(strcoll) F(strcpy) F(strcpy_s) F(strcspn) F(strerror) \
    F(strftime) F(strlen) F(strncat) F(strncat_s) F(strncmp) F(strncpy) F(strncpy_s) F(strnlen) \
    F(strpbrk) F(strrchr) F(strspn) F(strstr) F(strtod) F(strtof) F(strtok) F(strtok_s) F(strtol) \
    F(strtoll) F(strtoul) F(strtoull) F(strxfrm) F(swprintf) F(system) F(tan) F(tanf) F(tanh) F(tanhf) F(time) \
    F(tmpfile) F(tmpnam) F(tolower) F(toupper) F(towlower) F(towupper) F(ungetc) F(ungetwc) F(vfprintf) F(vfwprintf) \
    F(vprintf) F(vsnprintf) F(vsprintf) F(vsprintf_s) F(vswprintf) F(vwprintf) F(wcscat) F(wcschr) F(wcscmp) F(wcscoll) \
    F(wcscpy) F(wcscspn) F(wcsftime) F(wcslen) F(wcsncat) F(wcsncmp) F(wcsncpy) F(wcsnlen) \
    F(wcspbrk) F(wcsrchr) F(wcsspn) F(wcsstr) F(wcstod) F(wcstol) F(wcstombs) F(wcstoul) \
    F(wcsxfrm) F(wctomb) F(wprintf)
#define WV_DECL_F(n) extern void wv_ms_##n(void);
#define WV_DECL_V(n) extern char wv_ms_##n[];
#define WV_DECL_NONE(n)
#define WV_DECL_CXX(n, s) extern void wv_ms_##n(void);
#define WV_DECL_VT(n, s) extern const void *const wv_ms_##n##_vt[];
WV_CRT_EXPORTS(WV_DECL_F, WV_DECL_V, WV_DECL_NONE, WV_DECL_CXX, WV_DECL_VT)

#define WV_ENTRY(n) {#n, (void *)wv_ms_##n},
/* SEH(name): the structured-exception function of that name is ntdll's (seh/), the same
 * address in both DLLs, as on Windows: only __C_specific_handler. */
#define WV_SEH_ENTRY(n) {#n, (void *)wv_seh_c_specific_handler},
/* CXX(function, name): a C++ member function, exported under its decorated name. */
#define WV_CXX_ENTRY(n, s) {s, (void *)wv_ms_##n},
/* VT(class, name): a class's vftable, exported at its first function (the complete object
 * locator's pointer is before it, cxx_exc.c). */
#define WV_VT_ENTRY(n, s) {s, (void *)(wv_ms_##n##_vt + 1)},
static const struct wv_export wv_crt_exports[] = {
    WV_CRT_EXPORTS(WV_ENTRY, WV_ENTRY, WV_SEH_ENTRY, WV_CXX_ENTRY, WV_VT_ENTRY)};
#define WV_CRT_COUNT (sizeof(wv_crt_exports) / sizeof(wv_crt_exports[0]))

/* msvcrt.c: the variables set before any export is handed out. */
void wv_crt_setup(void);
static pthread_once_t wv_crt_once = PTHREAD_ONCE_INIT;

void *wv_crt_lookup(const char *name)
{
    pthread_once(&wv_crt_once, wv_crt_setup); /* once: GetProcAddress takes no lock here */
    return wv_export_find(wv_crt_exports, WV_CRT_COUNT, name);
}

const char *wv_crt_name_at(size_t i) { return i < WV_CRT_COUNT ? wv_crt_exports[i].name : NULL; }
