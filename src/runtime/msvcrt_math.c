/* SPDX-License-Identifier: MIT */
/* msvcrt_math.c - the math functions msvcrt.dll exports (x64: the double ones, their float
 * forms, and msvcrt's _-prefixed extras), the host's libm behind ms_abi.  The types agree;
 * errno is msvcrt's (EDOM 33 and ERANGE 34 are the same numbers on both).
 */
#define _GNU_SOURCE
#include "runtime/msvcrt_int.h"

#include <errno.h>
#include <math.h>

/* Calls the host function with errno cleared, then gives msvcrt errno what it set. */
#define WV_M(expr)                                                                          \
    ({                                                                                      \
        errno = 0;                                                                          \
        __typeof__(expr) r_ = (expr);                                                       \
        if (errno)                                                                          \
            wv_crt_fail(errno);                                                             \
        r_;                                                                                 \
    })

#define WV_M1(fn) CRT double wv_ms_##fn(double x) { return WV_M(fn(x)); } \
                  CRT float wv_ms_##fn##f(float x) { return WV_M(fn##f(x)); }
#define WV_M2(fn) CRT double wv_ms_##fn(double x, double y) { return WV_M(fn(x, y)); } \
                  CRT float wv_ms_##fn##f(float x, float y) { return WV_M(fn##f(x, y)); }

WV_M1(acos) WV_M1(asin) WV_M1(atan) WV_M1(ceil) WV_M1(cos) WV_M1(cosh) WV_M1(exp) WV_M1(fabs)
WV_M1(floor) WV_M1(log) WV_M1(log10) WV_M1(sin) WV_M1(sinh) WV_M1(sqrt) WV_M1(tan) WV_M1(tanh)
WV_M2(atan2) WV_M2(fmod) WV_M2(pow)

CRT double wv_ms_frexp(double x, int *e) { return frexp(x, e); }
CRT double wv_ms_ldexp(double x, int e) { return WV_M(ldexp(x, e)); }
CRT double wv_ms_modf(double x, double *i) { return modf(x, i); }
CRT float wv_ms_modff(float x, float *i) { return modff(x, i); }
CRT double wv_ms__hypot(double x, double y) { return WV_M(hypot(x, y)); }
CRT float wv_ms__hypotf(float x, float y) { return WV_M(hypotf(x, y)); }
CRT double wv_ms__copysign(double x, double y) { return copysign(x, y); }
CRT double wv_ms__chgsign(double x) { return -x; }
CRT double wv_ms__logb(double x) { return WV_M(logb(x)); }
CRT double wv_ms__nextafter(double x, double y) { return WV_M(nextafter(x, y)); }
CRT double wv_ms__scalb(double x, long e) { return WV_M(scalbn(x, (int)e)); }
CRT int wv_ms__finite(double x) { return isfinite(x) != 0; }
CRT int wv_ms__isnan(double x) { return isnan(x) != 0; }
CRT double wv_ms__j0(double x) { return j0(x); }
CRT double wv_ms__j1(double x) { return j1(x); }
CRT double wv_ms__y0(double x) { return WV_M(y0(x)); }
CRT double wv_ms__y1(double x) { return WV_M(y1(x)); }
