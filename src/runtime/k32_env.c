/* SPDX-License-Identifier: MIT */
/* k32_env.c - the environment as kernel32 shows it: the host process's own (environ), so
 * Linux and Windows code in one process see the same variables.  Names are compared ignoring
 * ASCII case as on Windows; setting a variable that exists under another case keeps its name.
 * Values are UTF-8 on the host side, UTF-16 for the W forms.  Calls here hold one lock; other
 * code that calls setenv directly is not serialised with them.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern char **environ;
static pthread_rwlock_t wv_env_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The entry "NAME=value" for name, ignoring case; NULL when none.  Lock held. */
static const char *wv_env_entry(const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; n && e && *e; e++)
        if (!strncasecmp(*e, name, n) && (*e)[n] == '=')
            return *e;
    return NULL;
}

/* A malloc'ed copy of name's value, or NULL (*err ERROR_ENVVAR_NOT_FOUND or no memory). */
static char *wv_env_get(const char *name, DWORD *err)
{
    pthread_rwlock_rdlock(&wv_env_lock);
    const char *e = wv_env_entry(name);
    char *v = e ? strdup(e + strlen(name) + 1) : NULL;
    pthread_rwlock_unlock(&wv_env_lock);
    *err = !e ? ERROR_ENVVAR_NOT_FOUND : !v ? ERROR_NOT_ENOUGH_MEMORY : 0;
    return v;
}

/* An empty value is 0 with the last error ERROR_SUCCESS, as Windows tells it from absence. */
static DWORD wv_env_result(DWORD err, char *v, DWORD (*out)(const char *, void *, DWORD, DWORD *),
                           void *buf, DWORD size)
{
    DWORD ret = 0;
    if (!err)
        err = out(v, buf, size, &ret);
    free(v);
    if (err)
        return wv_set_error(err), 0;
    if (ret == 0)
        wv_set_error(ERROR_SUCCESS);
    return ret;
}

static DWORD wv_out_a_any(const char *s, void *buf, DWORD cap, DWORD *ret) { return wv_out_a(s, buf, cap, ret); }
static DWORD wv_out_w_any(const char *s, void *buf, DWORD cap, DWORD *ret) { return wv_out_w(s, buf, cap, ret); }

DWORD WINAPI GetEnvironmentVariableA(LPCSTR name, LPSTR buf, DWORD size)
{
    char *n = NULL, *v = NULL;
    DWORD err = !name ? ERROR_ENVVAR_NOT_FOUND : wv_user_str(name, &n);
    if (!err)
        v = wv_env_get(n, &err);
    free(n);
    return wv_env_result(err, v, wv_out_a_any, buf, size);
}

DWORD WINAPI GetEnvironmentVariableW(LPCWSTR name, LPWSTR buf, DWORD size)
{
    char *n = NULL, *v = NULL;
    DWORD err = !name ? ERROR_ENVVAR_NOT_FOUND : wv_user_wstr(name, WV_TEXT_REPLACE, &n);
    if (!err)
        v = wv_env_get(n, &err);
    free(n);
    return wv_env_result(err, v, wv_out_w_any, buf, size);
}

/* value NULL removes the variable (absent already: success). */
static DWORD wv_env_set(const char *name, const char *value)
{
    if (!*name || strchr(name + 1, '='))
        return ERROR_INVALID_PARAMETER;
    pthread_rwlock_wrlock(&wv_env_lock);
    const char *e = wv_env_entry(name);
    char *real = e ? strndup(e, strlen(name)) : strdup(name);
    int r = !real ? -1 : value ? setenv(real, value, 1) : e ? unsetenv(real) : 0;
    pthread_rwlock_unlock(&wv_env_lock);
    free(real);
    return r ? ERROR_NOT_ENOUGH_MEMORY : 0;
}

BOOL WINAPI SetEnvironmentVariableA(LPCSTR name, LPCSTR value)
{
    char *n = NULL, *v = NULL;
    DWORD err = !name ? ERROR_INVALID_PARAMETER : wv_user_str(name, &n);
    if (!err && value)
        err = wv_user_str(value, &v);
    if (!err)
        err = wv_env_set(n, v);
    free(n), free(v);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI SetEnvironmentVariableW(LPCWSTR name, LPCWSTR value)
{
    char *n = NULL, *v = NULL;
    DWORD err = !name ? ERROR_INVALID_PARAMETER : wv_user_wstr(name, WV_TEXT_REPLACE, &n);
    if (!err && value)
        err = wv_user_wstr(value, WV_TEXT_REPLACE, &v);
    if (!err)
        err = wv_env_set(n, v);
    free(n), free(v);
    return err ? wv_fail(err) : TRUE;
}

/* ---- the whole block: "A=1\0B=2\0\0", a copy the caller frees ---- */

LPSTR WINAPI GetEnvironmentStringsA(void)
{
    pthread_rwlock_rdlock(&wv_env_lock);
    size_t n = 1;
    for (char **e = environ; e && *e; e++)
        n += strlen(*e) + 1;
    char *b = malloc(n), *p = b;
    for (char **e = environ; b && e && *e; e++)
        p = stpcpy(p, *e) + 1;
    if (b)
        *p = 0;
    pthread_rwlock_unlock(&wv_env_lock);
    return b ? b : wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
}

LPWSTR WINAPI GetEnvironmentStringsW(void)
{
    char *a = GetEnvironmentStringsA();
    if (!a)
        return NULL;
    size_t n = 0, len = 0;
    while (a[n])
        n += strlen(a + n) + 1;
    n++; /* the final terminator */
    wv_utf8_to_utf16(a, n, NULL, 0, WV_TEXT_REPLACE, &len);
    WCHAR *w = malloc(len * sizeof(WCHAR));
    if (w)
        wv_utf8_to_utf16(a, n, w, len, WV_TEXT_REPLACE, &len);
    free(a);
    return w ? w : wv_fail_null(ERROR_NOT_ENOUGH_MEMORY);
}

BOOL WINAPI FreeEnvironmentStringsA(LPSTR p) { free(p); return TRUE; }
BOOL WINAPI FreeEnvironmentStringsW(LPWSTR p) { free(p); return TRUE; }

/* ---- ExpandEnvironmentStrings: %NAME% replaced when NAME is set, kept as written when not ---- */

/* A malloc'ed expansion of s, or NULL without memory. */
static char *wv_expand(const char *s)
{
    size_t cap = strlen(s) + 64, o = 0;
    char *out = malloc(cap);
    while (out && *s) {
        const char *add = s, *close = *s == '%' ? strchr(s + 1, '%') : NULL;
        size_t len = 1;
        char *val = NULL;
        if (close && close > s + 1) {
            char *name = strndup(s + 1, (size_t)(close - s - 1));
            DWORD err;
            val = name ? wv_env_get(name, &err) : NULL;
            free(name);
        }
        if (val)
            add = val, len = strlen(val), s = close + 1;
        else if (close) /* unset: "%NAME" is kept, the closing '%' may open the next name */
            len = (size_t)(close - s), s = close;
        else /* text up to the next '%' (a lone '%' counts as text) */
            len = 1 + strcspn(s + 1, "%"), s += len;
        if (o + len + 1 > cap) {
            char *n = realloc(out, cap = 2 * (o + len + 1));
            if (!n)
                free(out);
            out = n;
        }
        if (out)
            memcpy(out + o, add, len), o += len;
        free(val);
    }
    if (out)
        out[o] = 0;
    return out;
}

/* Returns the size the expansion needs, terminator included; it is written only if it fits. */
DWORD WINAPI ExpandEnvironmentStringsA(LPCSTR src, LPSTR dst, DWORD size)
{
    char *s = NULL, *x = NULL;
    DWORD err = src ? wv_user_str(src, &s) : 0, ret = 0;
    if (!err && !(x = wv_expand(s ? s : "")))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err)
        err = wv_out_a(x, dst, size, &ret);
    if (!err && ret < size)
        ret++;
    free(s), free(x);
    return err ? (wv_set_error(err), 0) : ret;
}

DWORD WINAPI ExpandEnvironmentStringsW(LPCWSTR src, LPWSTR dst, DWORD size)
{
    char *s = NULL, *x = NULL;
    DWORD err = src ? wv_user_wstr(src, WV_TEXT_REPLACE, &s) : 0, ret = 0;
    if (!err && !(x = wv_expand(s ? s : "")))
        err = ERROR_NOT_ENOUGH_MEMORY;
    if (!err)
        err = wv_out_w(x, dst, size, &ret);
    if (!err && ret < size)
        ret++;
    free(s), free(x);
    return err ? (wv_set_error(err), 0) : ret;
}
