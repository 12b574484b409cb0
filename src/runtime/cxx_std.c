/* SPDX-License-Identifier: MIT */
/* cxx_std.c - the C++ runtime's small helpers MSVC-built code links against: std::exception's
 * message copies (__std_exception_copy/destroy: ucrtbase.dll, vcruntime140.dll) and pure
 * virtual calls (_purecall: msvcrt's ends the process as runtime error R6025; UCRT's calls the
 * handler _set_purecall_handler set, then aborts).
 *
 * __std_exception_data is {const char *what; bool do_free}: a message the object owns
 * (do_free) is copied with the CRT's malloc, one it does not is shared; destroy frees an owned
 * one (the CRT's free) and clears both.  A pointer that cannot be read or written leaves the
 * destination as it was (Windows would fault in the caller).
 */
#include "runtime/cxx_int.h"
#include "runtime/msvcrt_int.h"

#include <stdlib.h>
#include <string.h>

struct wv_std_exception_data {
    const char *what;
    BOOLEAN do_free;
};

CRT void wv_ucrt___std_exception_copy(const struct wv_std_exception_data *from, struct wv_std_exception_data *to)
{
    struct wv_std_exception_data f, t = {NULL, FALSE};
    if (wv_copy(&f, from, sizeof(f)))
        return;
    if (f.do_free && f.what) {
        char *copy;
        if (wv_user_str(f.what, &copy))
            return;
        t.what = copy, t.do_free = TRUE; /* malloc'ed: the CRT's free releases it */
    } else {
        t.what = f.what;
    }
    if (wv_copy(to, &t, sizeof(t)) && t.do_free)
        free((void *)t.what);
}

CRT void wv_ucrt___std_exception_destroy(struct wv_std_exception_data *d)
{
    struct wv_std_exception_data v;
    static const struct wv_std_exception_data none = {NULL, FALSE};
    if (wv_copy(&v, d, sizeof(v)) || wv_copy(d, &none, sizeof(none)))
        return;
    if (v.do_free)
        free((void *)v.what);
}

/* ---- pure virtual calls ---- */

typedef void(WV_MSABI *wv_purecall_handler)(void);
static wv_purecall_handler wv_purecall;

CRT wv_purecall_handler wv_ucrt__set_purecall_handler(wv_purecall_handler h)
{
    return __atomic_exchange_n(&wv_purecall, h, __ATOMIC_SEQ_CST);
}
CRT wv_purecall_handler wv_ucrt__get_purecall_handler(void) { return __atomic_load_n(&wv_purecall, __ATOMIC_SEQ_CST); }

CRT __attribute__((noreturn)) void wv_ucrt_abort(void);
CRT __attribute__((noreturn)) void wv_ucrt__purecall(void)
{
    wv_purecall_handler h = __atomic_load_n(&wv_purecall, __ATOMIC_SEQ_CST);
    if (h)
        h();
    wv_ucrt_abort();
}

CRT __attribute__((noreturn)) void wv_ms__amsg_exit(int code);
/* msvcrt.dll has no handler to call: runtime error R6025, "pure virtual function call". */
CRT __attribute__((noreturn)) void wv_ms__purecall(void) { wv_ms__amsg_exit(25); }
