/* SPDX-License-Identifier: MIT */
/* undname_crt.c - the C runtime's faces of the name undecorator (undname.c): __unDName and
 * __unDNameEx (msvcrt.dll, ucrtbase.dll, vcruntime140.dll), __std_type_info_name (ucrtbase,
 * vcruntime140) and msvcrt's type_info::name and type_info::raw_name.
 *
 * __unDName(buffer, mangled, length, alloc, free, flags): with a buffer, the name is copied
 * into it (cut to length - 1 characters and a terminator) and buffer returned; without one,
 * alloc (the caller's allocator) makes the string returned.  NULL when mangled is NULL or
 * cannot be read, without an allocator, or when it returns NULL.  free is not called: the
 * undecorator's work memory is winvm's own.  __unDNameEx's extra argument (a callback naming
 * template parameters) is not called: they print as `template-parameter-N'.
 *
 * type_info names: the decorated name past its '.' undecorated as a type (UNDNAME_NO_ARGUMENTS
 * | UNDNAME_32_BIT_DECODE), its trailing spaces dropped, kept in the type_info the first time
 * (a compare-exchange: a thread that loses frees its copy and returns the winner's).
 * __std_type_info_name's copy lives in a node {SLIST_ENTRY; name} pushed on the caller's list
 * (__std_type_info_destroy_list frees them); msvcrt's is the CRT's malloc, freed by the
 * type_info's destructor.  A type_info that cannot be read or written gives NULL (Windows
 * would fault in the caller).
 */
#include "runtime/msvcrt_int.h"
#include "runtime/undname.h"

#include <stdlib.h>
#include <string.h>
#include <winvm/slist.h>

typedef void *(WV_MSABI *wv_und_alloc_fn)(size_t);
typedef void(WV_MSABI *wv_und_free_fn)(void *);

static char *wv_und_call(char *buffer, const char *mangled, int length, wv_und_alloc_fn alloc, unsigned flags)
{
    char *name, *s;
    if (!mangled || !alloc || wv_user_str(mangled, &name))
        return NULL;
    s = wv_undname(name, flags);
    free(name);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = buffer;
    if (!out) {
        out = alloc(n + 1);
        if (out && wv_copy(out, s, n + 1))
            out = NULL;
    } else if (length > 0) {
        size_t k = n < (size_t)length - 1 ? n : (size_t)length - 1;
        static const char nul = 0;
        if (wv_copy(out, s, k) || wv_copy(out + k, &nul, 1))
            out = NULL;
    }
    free(s);
    return out;
}

CRT char *wv_ms___unDName(char *buffer, const char *mangled, int length, wv_und_alloc_fn alloc, wv_und_free_fn fr,
                          unsigned short flags)
{
    (void)fr;
    return wv_und_call(buffer, mangled, length, alloc, flags);
}

CRT char *wv_ms___unDNameEx(char *buffer, const char *mangled, int length, wv_und_alloc_fn alloc,
                            wv_und_free_fn fr, void *get_parameter, unsigned short flags)
{
    (void)fr, (void)get_parameter;
    return wv_und_call(buffer, mangled, length, alloc, flags);
}

/* The type name of a type_info's decorated name at dec ('.' first): malloc'ed with room for
 * `before` bytes ahead of it; *name points at the name. */
static char *wv_ti_undecorate(const char *dec, size_t before, char **name)
{
    char *raw, *s;
    if (wv_user_str(dec, &raw))
        return NULL;
    s = *raw ? wv_undname(raw + 1, WV_UND_NO_ARGUMENTS | WV_UND_32_BIT_DECODE) : NULL;
    free(raw);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    char *block = malloc(before + n + 1);
    if (block) {
        memcpy(block + before, s, n);
        block[before + n] = 0;
        *name = block + before;
    }
    free(s);
    return block;
}

/* Installs name in *slot unless a name is there: the name the slot holds after. */
static const char *wv_ti_install(const char **slot, const char *name, bool *won)
{
    const char *expected = NULL;
    *won = __atomic_compare_exchange_n(slot, &expected, name, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return *won ? name : expected;
}

/* data: __std_type_info_data {const char *undecorated; char decorated[]}. */
CRT const char *wv_ucrt___std_type_info_name(void *data, SLIST_HEADER *root)
{
    const char *cur;
    char *name;
    bool won;
    if (wv_copy(&cur, data, sizeof(cur)))
        return NULL;
    if (cur)
        return cur;
    SLIST_ENTRY *node = (SLIST_ENTRY *)wv_ti_undecorate((const char *)data + sizeof(void *), sizeof(SLIST_ENTRY), &name);
    if (!node)
        return NULL;
    SLIST_HEADER h;
    /* the slot and the list must be usable before the name is shared */
    if (wv_copy(data, &cur, sizeof(cur)) || wv_copy(&h, root, sizeof(h))) {
        free(node);
        return NULL;
    }
    cur = wv_ti_install((const char **)data, name, &won);
    if (!won) {
        free(node);
        return cur;
    }
    InterlockedPushEntrySList(root, node);
    return cur;
}

/* msvcrt's type_info: {vftable; char *name; char mangled[]}. */
CRT const char *wv_ms_type_info_name(void *ti)
{
    const char **slot = (const char **)((char *)ti + sizeof(void *)), *cur;
    char *name;
    bool won;
    if (wv_copy(&cur, slot, sizeof(cur)))
        return NULL;
    if (cur)
        return cur;
    if (wv_copy(slot, &cur, sizeof(cur))) /* writable (NULL over NULL) */
        return NULL;
    char *block = wv_ti_undecorate((const char *)ti + 2 * sizeof(void *), 0, &name);
    if (!block)
        return NULL;
    cur = wv_ti_install(slot, name, &won);
    if (!won)
        free(block);
    return cur;
}

CRT const char *wv_ms_type_info_raw_name(void *ti) { return (const char *)ti + 2 * sizeof(void *); }
