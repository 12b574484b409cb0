/* SPDX-License-Identifier: MIT */
/* msvcrt_fpu.c - the floating-point control msvcrt gives x64 code: _fpreset, _control87,
 * _controlfp, _clearfp, _statusfp.
 *
 * _fpreset restores the state msvcrt gives a thread on x64 (the x87 unit initialised with control
 * word 0x27f: every exception masked, round to nearest, 53-bit precision; MXCSR 0x1f80: every SSE
 * exception masked, round to nearest, no flush to zero, the status flags clear).  mingw's DLL
 * start-up code (libquadmath-0.dll's) and SIGFPE handlers call it.
 *
 * On x64 the control word msvcrt reads and writes is MXCSR's, translated to msvcrt's _EM_, _RC_
 * and _DN_ bits; the x87 control word is left alone and precision control always reads _PC_64
 * (Wine's kernel32 thread.c test_thread_fpu_cw, run on Windows: _control87(_EM_INEXACT | _RC_CHOP
 * | _PC_24, ...) leaves x87 at 0x27f and MXCSR at 0x7000, and reads back _PC_64).  The status
 * calls report the SSE and x87 status flags together, as msvcrt's _SW_ bits. */
#include "runtime/msvcrt_int.h"
#include "runtime/thread_int.h"

CRT void wv_ms__fpreset(void) { wv_thread_fpu_reset(); }

/* msvcrt's bits (float.h) */
#define WV_EM_INVALID 0x10u
#define WV_EM_DENORMAL 0x80000u
#define WV_EM_ZERODIVIDE 0x8u
#define WV_EM_OVERFLOW 0x4u
#define WV_EM_UNDERFLOW 0x2u
#define WV_EM_INEXACT 0x1u
#define WV_MCW_RC 0x300u
#define WV_MCW_DN 0x3000000u

/* One exception's bit in each: msvcrt's _EM_ (and _SW_), MXCSR's mask (its flag is 7 below). */
static const unsigned wv_fp_bits[6][2] = {
    {WV_EM_INVALID, 1u << 7}, {WV_EM_DENORMAL, 1u << 8}, {WV_EM_ZERODIVIDE, 1u << 9},
    {WV_EM_OVERFLOW, 1u << 10}, {WV_EM_UNDERFLOW, 1u << 11}, {WV_EM_INEXACT, 1u << 12}};

static unsigned wv_mxcsr_get(void)
{
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}

static void wv_mxcsr_set(unsigned m) { __asm__ volatile("ldmxcsr %0" : : "m"(m)); }

/* MXCSR's control bits as msvcrt's control word. */
static unsigned wv_cw_of(unsigned m)
{
    unsigned cw = 0;
    for (int i = 0; i < 6; i++)
        if (m & wv_fp_bits[i][1])
            cw |= wv_fp_bits[i][0];
    cw |= ((m >> 13) & 3u) == 1 ? 0x100u : ((m >> 13) & 3u) == 2 ? 0x200u : ((m >> 13) & 3u) == 3 ? 0x300u : 0;
    bool fz = m & 0x8000u, daz = m & 0x40u; /* _DN_FLUSH: both; _DN_FLUSH_OPERANDS_SAVE_RESULTS: DAZ; */
    cw |= fz && daz ? 0x1000000u : daz ? 0x2000000u : fz ? 0x3000000u : 0; /* ..._SAVE_OPERANDS_FLUSH_RESULTS: FZ */
    return cw;
}

static unsigned wv_mxcsr_of(unsigned cw, unsigned m)
{
    m &= ~(0x1f80u | 0x6000u | 0x8000u | 0x40u);
    for (int i = 0; i < 6; i++)
        if (cw & wv_fp_bits[i][0])
            m |= wv_fp_bits[i][1];
    unsigned rc = cw & WV_MCW_RC;
    m |= (rc == 0x100u ? 1u : rc == 0x200u ? 2u : rc == 0x300u ? 3u : 0u) << 13;
    unsigned dn = cw & WV_MCW_DN;
    m |= dn == 0x1000000u ? 0x8040u : dn == 0x2000000u ? 0x40u : dn == 0x3000000u ? 0x8000u : 0;
    return m;
}

CRT unsigned wv_ms__control87(unsigned value, unsigned mask)
{
    unsigned m = wv_mxcsr_get(), cw = wv_cw_of(m);
    if (mask) {
        cw = (cw & ~mask) | (value & mask);
        wv_mxcsr_set(wv_mxcsr_of(cw, m));
        cw = wv_cw_of(wv_mxcsr_get());
    }
    return cw;
}

/* The same, the denormal exception's mask left as it is (msvcrt's _controlfp on x64). */
CRT unsigned wv_ms__controlfp(unsigned value, unsigned mask) { return wv_ms__control87(value, mask & ~WV_EM_DENORMAL); }

/* The exception flags raised so far, SSE's and x87's (the same bit order: IE, DE, ZE, OE, UE, PE). */
static unsigned wv_sw(unsigned flags)
{
    unsigned sw = 0;
    for (int i = 0; i < 6; i++)
        if (flags & (1u << i))
            sw |= wv_fp_bits[i][0];
    return sw;
}

CRT unsigned wv_ms__statusfp(void)
{
    unsigned short x87;
    __asm__ volatile("fnstsw %0" : "=m"(x87));
    return wv_sw((wv_mxcsr_get() | x87) & 0x3fu);
}

CRT unsigned wv_ms__clearfp(void)
{
    unsigned sw = wv_ms__statusfp();
    wv_mxcsr_set(wv_mxcsr_get() & ~0x3fu);
    __asm__ volatile("fnclex");
    return sw;
}
