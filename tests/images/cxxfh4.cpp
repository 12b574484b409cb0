/* SPDX-License-Identifier: MIT */
/* cxxfh4.cpp - __CxxFrameHandler4 (vcruntime140_1.dll): the driver and helpers of the functions
 * in cxxfh4_asm.S, whose FH4 tables are encoded by hand (no compiler here emits them).  Each
 * mode runs fh4_run once inside a try of this file (clang: __CxxFrameHandler3) and compares
 * the events logged (constructions "X+", destructions "X-", catches) with what C++ says.
 * "normal": modes 1-7 ("m3": mode 3 alone); "bad1", "bad2", "bad3": a function with corrupt
 * tables. */
#include "cxxmsvc_rt.h"

extern "C" const void *const wv_type_info_vftable[1] __asm__("??_7type_info@@6B@") = {0};

static char logbuf[1024];
static int loglen;
static void logs(const char *s)
{
    while (*s && loglen < (int)sizeof(logbuf) - 1)
        logbuf[loglen++] = *s++;
    logbuf[loglen] = 0;
}
static void logn(int n)
{
    char b[16];
    int i = 15;
    b[i] = 0;
    bool neg = n < 0;
    unsigned u = neg ? 0u - (unsigned)n : (unsigned)n;
    do
        b[--i] = (char)('0' + u % 10);
    while (u /= 10);
    if (neg)
        b[--i] = '-';
    logs(b + i);
}

struct Thing {
    int v;
    Thing(int x) : v(x) { logs("T"), logn(v), logs("+ "); }
    Thing(const Thing &o) : v(o.v) { logs("T"), logn(v), logs("c "); }
    ~Thing() { logs("T"), logn(v), logs("- "); }
};
struct Track {
    char name;
};

extern "C" {
Track fh4_p_obj; /* the object state 1 destroys through a pointer */
void fh4_track_ctor(Track *t, int name)
{
    char s[2] = {(char)name, 0};
    t->name = (char)name;
    logs(s), logs("+ ");
}
void fh4_track_dtor(Track *t)
{
    char s[2] = {t->name, 0};
    logs(s), logs("- ");
}
void fh4_note(const char *s, int n)
{
    logs(s);
    if (n >= 0)
        logn(n);
    logs(" ");
}
/* What the asm functions throw: ints, Things, a double, a long. */
void fh4_throw(int what)
{
    if (what == 4 || what == 7)
        throw Thing(what);
    if (what == 103)
        throw Thing(3);
    if (what == 5)
        throw 5.0;
    if (what == 6)
        throw 6L;
    throw what;
}
void fh4_throw_in_t2(int mode)
{
    if (mode == 1 || mode == 2 || mode == 3 || mode == 5)
        fh4_throw(mode);
}
void fh4_throw_in_t1(int mode)
{
    if (mode == 4 || mode == 6 || mode == 7)
        fh4_throw(mode);
}
int fh4_run(int mode);
int fh4_bad1(int), fh4_bad2(int), fh4_bad3(int);
}

static void call(int (*fn)(int), int mode)
{
    loglen = 0;
    logbuf[0] = 0;
    try {
        fn(mode);
        logs("ret");
    } catch (int i) {
        logs("outer:int"), logn(i);
    } catch (long l) {
        logs("outer:long"), logn((int)l);
    } catch (Thing &t) {
        logs("outer:thing"), logn(t.v), logs(" ");
    }
}

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static const char *const expected[] = {
    "",
    "A+ P+ B+ int1 B- P- A- ret",                           /* caught by T2's catch(int) */
    "A+ P+ B+ int2 B- P- A- outer:int2",                    /* rethrown from it, to the caller */
    "A+ P+ B+ int3 T3+ B- thing3 T3- P- A- ret",            /* a new exception from it, T1 catches */
    "A+ P+ B+ T4+ B- thing4 all back T4- P- A- ret",        /* a try in T1's catch */
    "A+ P+ B+ B- dbl5 P- A- ret",                           /* T2 does not match, T1's first does */
    "A+ P+ B+ B- P- A- outer:long6",                        /* no clause matches */
    "A+ P+ B+ T7+ B- thing7 P- A- outer:thing7 T7- ",       /* rethrown from T1's catch */
};

static const char *const names[] = {
    "",
    "catch(int) in a nested try, continuation returned by the funclet",
    "rethrow from an FH4 catch reaches an FH3 caller's catch",
    "new exception from a catch caught by the enclosing try",
    "try inside a catch, catch(...) with two continuations",
    "catch(double) by value after a clause that does not match",
    "unmatched type: destructors run, caller catches",
    "rethrow from the outer catch: its object lives on",
};

int main_impl(const char *args)
{
    for (int mode = 1; mode <= 7; mode++) {
        char one[3] = {'m', (char)('0' + mode), 0}; /* "m3": mode 3 alone */
        if (has_arg(args, "normal") || has_arg(args, one)) {
            call(fh4_run, mode);
            out(logbuf);
            out("\n");
            check(names[mode], same(logbuf, expected[mode]));
        }
    }
    int (*const bad[])(int) = {fh4_bad1, fh4_bad2, fh4_bad3};
    static const char *const bad_names[] = {"bad1", "bad2", "bad3"};
    for (int i = 0; i < 3; i++) {
        if (!has_arg(args, bad_names[i]))
            continue;
        out(bad_names[i]), out(":\n");
        call(bad[i], 1);
        out(logbuf);
        out("\n");
    }
    return finish();
}

extern "C" void start() { ExitProcess((unsigned)main_impl(GetCommandLineA())); }
