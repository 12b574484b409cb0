/* SPDX-License-Identifier: MIT */
/* msvcrt_fpu.c - _fpreset: the floating-point state msvcrt gives a thread on x64, restored (the
 * x87 unit initialised with control word 0x27f: every exception masked, round to nearest, 53-bit
 * precision; MXCSR 0x1f80: every SSE exception masked, round to nearest, no flush to zero, the
 * status flags clear).  mingw's DLL start-up code (libquadmath-0.dll's) and SIGFPE handlers call
 * it. */
#include "runtime/msvcrt_int.h"
#include "runtime/thread_int.h"

CRT void wv_ms__fpreset(void) { wv_thread_fpu_reset(); }
