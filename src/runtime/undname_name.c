/* SPDX-License-Identifier: MIT */
/* undname_name.c - names in MSVC's decoration: numbers, fragments, qualified names, operators,
 * template argument lists.
 *
 *   number     := '?'? ( '0'..'9'  (1..10) | 'A'..'P'+ '@'  (hex, A=0) )
 *   qualified  := first fragment* '@'          printed innermost last: "ns::cls::name"
 *   first      := '?' operator | '?$' template | fragment
 *   fragment   := '0'..'9'                     back reference to a name seen before
 *               | identifier '@'               recorded for back references
 *               | '?$' template                "name<args>", recorded
 *               | '??' symbol                  a nested symbol: "`int __cdecl f(void)'"
 *               | '?A' ... '@'                 "`anonymous namespace'"
 *               | '?' number                   a numbered local scope: "`2'"
 *   template   := (identifier '@' | '?' operator) targ* '@'   own back-reference tables
 *   targ       := '$0' number | '$D' number | '$F' number number | '$G' number{3}
 *               | '$1' '?' symbol | '$S' | '$$V' | '$$Z' | '?' number | type
 *
 * Operators: '0' constructor, '1' destructor, '2'..'Z' and '_0'..'_9' C++ operators, '_7'
 * and onwards the compiler's own functions and data ("`vftable'"), '_R0'..'_R4' RTTI data,
 * '__K' literal operators, '__L' co_await, '__M' <=>.
 */
#include "runtime/undname_int.h"

#include <stdio.h>
#include <string.h>

bool wv_und_number(struct wv_und *u, long long *out)
{
    bool neg = *u->p == '?';
    if (neg)
        u->p++;
    unsigned long long v = 0;
    if (*u->p >= '0' && *u->p <= '9') {
        v = (unsigned long long)(*u->p++ - '0') + 1;
    } else {
        int digits = 0;
        while (*u->p >= 'A' && *u->p <= 'P' && digits < 17)
            v = v * 16 + (unsigned long long)(*u->p++ - 'A'), digits++;
        if (*u->p != '@' || !digits)
            return false;
        u->p++;
    }
    *out = neg ? -(long long)v : (long long)v;
    return true;
}

static void wv_und_record(struct wv_und *u, const char *name)
{
    if (u->refs.nnames < WV_UND_REFS)
        u->refs.names[u->refs.nnames++] = name;
}

static bool wv_und_ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c == '<' || c == '>' || c == '-' || c >= 0x80;
}

/* identifier '@' */
static const char *wv_und_identifier(struct wv_und *u)
{
    const char *start = u->p;
    while (wv_und_ident_char((unsigned char)*u->p))
        u->p++;
    if (*u->p != '@' || u->p == start)
        return NULL;
    size_t n = (size_t)(u->p - start);
    char *s = wv_und_alloc(u, n + 1);
    if (!s)
        return NULL;
    memcpy(s, start, n);
    s[n] = 0;
    u->p++;
    return s;
}

/* The compiler's own names after "?_" (and "?__"), in code order from '0'. */
static const char *const wv_und_under[] = {
    "operator/=", "operator%=", "operator>>=", "operator<<=", "operator&=", "operator|=", "operator^=",
    "`vftable'", "`vbtable'", "`vcall'", "`typeof'", "`local static guard'", "`string'", "`vbase destructor'",
    "`vector deleting destructor'", "`default constructor closure'", "`scalar deleting destructor'",
    "`vector constructor iterator'", "`vector destructor iterator'", "`vector vbase constructor iterator'",
    "`virtual displacement map'", "`eh vector constructor iterator'", "`eh vector destructor iterator'",
    "`eh vector vbase constructor iterator'", "`copy constructor closure'", NULL, NULL, NULL,
    "`local vftable'", "`local vftable constructor closure'", "operator new[]", "operator delete[]", NULL,
    "`placement delete closure'", "`placement delete[] closure'",
};
static const char *const wv_und_plain[] = {
    NULL, NULL, "operator new", "operator delete", "operator=", "operator>>", "operator<<", "operator!",
    "operator==", "operator!=", "operator[]", NULL, "operator->", "operator*", "operator++", "operator--",
    "operator-", "operator+", "operator&", "operator->*", "operator/", "operator%", "operator<", "operator<=",
    "operator>", "operator>=", "operator,", "operator()", "operator~", "operator^", "operator|", "operator&&",
    "operator||", "operator*=", "operator+=", "operator-=",
};

static int wv_und_code_index(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

/* RTTI data names after "?_R": 0 (type descriptor) is the caller's (it is a type). */
static const char *wv_und_rtti(struct wv_und *u)
{
    char c = *u->p++;
    if (c == '1') {
        long long n[4];
        for (int i = 0; i < 4; i++)
            if (!wv_und_number(u, &n[i]))
                return NULL;
        char buf[160];
        snprintf(buf, sizeof(buf), "`RTTI Base Class Descriptor at (%lld,%lld,%lld,%lld)'", n[0], n[1], n[2], n[3]);
        return WV_UND_CAT(u, buf);
    }
    if (c == '2')
        return "`RTTI Base Class Array'";
    if (c == '3')
        return "`RTTI Class Hierarchy Descriptor'";
    if (c == '4')
        return "`RTTI Complete Object Locator'";
    return NULL;
}

const char *wv_und_operator(struct wv_und *u, const char **code)
{
    const char *start = u->p;
    char c = *u->p++;
    *code = start;
    if (c != '_') {
        int i = wv_und_code_index(c);
        if (i < 0 || i >= (int)(sizeof(wv_und_plain) / sizeof(*wv_und_plain)))
            return NULL;
        return i == 0 || i == 1 || c == 'B' ? "" : wv_und_plain[i]; /* named by the caller */
    }
    c = *u->p++;
    if (c == 'R')
        return wv_und_rtti(u);
    if (c == '_') {
        c = *u->p++;
        if (c == 'K') { /* a literal operator: its suffix follows as an identifier */
            const char *id = wv_und_identifier(u);
            return id ? WV_UND_CAT(u, "operator \"\" ", id) : NULL;
        }
        return c == 'L' ? "operator co_await" : c == 'M' ? "operator<=>" : NULL;
    }
    int i = wv_und_code_index(c);
    if (i < 0 || i >= (int)(sizeof(wv_und_under) / sizeof(*wv_und_under)) || !wv_und_under[i])
        return NULL;
    return wv_und_under[i];
}

static const char *wv_und_targ_dollar(struct wv_und *u)
{
    char c = *u->p++;
    long long a, b, d;
    char buf[96];
    switch (c) {
    case '0':
        if (!wv_und_number(u, &a))
            return NULL;
        snprintf(buf, sizeof(buf), "%lld", a);
        return WV_UND_CAT(u, buf);
    case 'D':
        if (!wv_und_number(u, &a))
            return NULL;
        snprintf(buf, sizeof(buf), "`template-parameter%lld'", a);
        return WV_UND_CAT(u, buf);
    case 'F':
        if (!wv_und_number(u, &a) || !wv_und_number(u, &b))
            return NULL;
        snprintf(buf, sizeof(buf), "{%lld,%lld}", a, b);
        return WV_UND_CAT(u, buf);
    case 'G':
        if (!wv_und_number(u, &a) || !wv_und_number(u, &b) || !wv_und_number(u, &d))
            return NULL;
        snprintf(buf, sizeof(buf), "{%lld,%lld,%lld}", a, b, d);
        return WV_UND_CAT(u, buf);
    case '1': {
        if (*u->p++ != '?')
            return NULL;
        const char *s = wv_und_symbol(u);
        return s ? WV_UND_CAT(u, "&", s) : NULL;
    }
    case 'S':
        return "";
    }
    return NULL;
}

/* One template argument; "" for an empty pack (left out of the list). */
static const char *wv_und_targ(struct wv_und *u)
{
    if (u->p[0] == '$' && u->p[1] != '$') {
        u->p++;
        return wv_und_targ_dollar(u);
    }
    if (u->p[0] == '$' && u->p[1] == '$' && (u->p[2] == 'V' || u->p[2] == 'Z')) {
        u->p += 3;
        return "";
    }
    if (u->p[0] == '?') {
        long long n;
        char buf[64];
        u->p++;
        if (!wv_und_number(u, &n))
            return NULL;
        snprintf(buf, sizeof(buf), "`template-parameter-%lld'", n);
        return WV_UND_CAT(u, buf);
    }
    struct wv_und_type t;
    return wv_und_type(u, &t, true) ? wv_und_text(u, &t) : NULL;
}

const char *wv_und_template_args(struct wv_und *u)
{
    const char *list = "";
    while (*u->p != '@' && *u->p) { /* a bare template name's list ends with the name */
        const char *a = wv_und_targ(u);
        if (!a)
            return NULL;
        if (*a)
            list = *list ? WV_UND_CAT(u, list, ",", a) : a;
        if (!list)
            return NULL;
    }
    if (*u->p)
        u->p++;
    size_t n = strlen(list);
    return WV_UND_CAT(u, "<", list, n && list[n - 1] == '>' ? " >" : ">");
}

/* '?$' (already read) name args '@': its own back-reference tables while its arguments are
 * read.  An operator's name (code set) is left to the caller to complete. */
static const char *wv_und_template(struct wv_und *u, bool record, const char **code)
{
    struct wv_und_refs outer = u->refs;
    memset(&u->refs, 0, sizeof(u->refs));
    const char *name;
    *code = NULL;
    if (*u->p == '?') {
        u->p++;
        name = wv_und_operator(u, code);
    } else {
        name = wv_und_identifier(u);
        if (name)
            wv_und_record(u, name);
    }
    const char *args = name ? wv_und_template_args(u) : NULL;
    u->refs = outer;
    const char *full = args ? WV_UND_CAT(u, name, args) : NULL;
    if (full && record)
        wv_und_record(u, full);
    return full;
}

/* '?' (already read) in a scope: a nested symbol, an anonymous namespace, a numbered scope. */
static const char *wv_und_special_scope(struct wv_und *u)
{
    if (*u->p == '?') { /* its names go on in the enclosing name's tables */
        u->p++;
        const char *s = wv_und_symbol(u);
        return s ? WV_UND_CAT(u, "`", s, "'") : NULL;
    }
    if (*u->p == 'A') {
        const char *end = strchr(u->p, '@');
        if (!end)
            return NULL;
        u->p = end + 1;
        wv_und_record(u, "`anonymous namespace'");
        return "`anonymous namespace'";
    }
    long long n;
    char buf[32];
    if (!wv_und_number(u, &n))
        return NULL;
    snprintf(buf, sizeof(buf), "`%lld'", n);
    return WV_UND_CAT(u, buf);
}

const char *wv_und_fragment(struct wv_und *u, bool record)
{
    if (++u->depth > WV_UND_MAX_DEPTH)
        return NULL;
    const char *s;
    if (*u->p >= '0' && *u->p <= '9') {
        int i = *u->p++ - '0';
        s = i < u->refs.nnames ? u->refs.names[i] : NULL;
    } else if (*u->p == '?' && u->p[1] == '$') {
        const char *code;
        u->p += 2;
        s = wv_und_template(u, record, &code);
        if (code)
            s = NULL; /* an operator template is a symbol's own name, never a scope */
    } else if (*u->p == '?') {
        u->p++;
        s = wv_und_special_scope(u);
    } else {
        s = wv_und_identifier(u);
        if (s && record)
            wv_und_record(u, s);
    }
    u->depth--;
    return s;
}

/* The rest of a qualified name (the scopes, outermost last) to its '@': "a::b::" or "". */
static const char *wv_und_scopes(struct wv_und *u, const char **innermost)
{
    const char *text = "";
    *innermost = NULL;
    while (*u->p != '@') {
        if (!*u->p)
            return NULL;
        const char *f = wv_und_fragment(u, true);
        if (!f)
            return NULL;
        if (!*innermost)
            *innermost = f;
        text = WV_UND_CAT(u, f, "::", text);
        if (!text)
            return NULL;
    }
    u->p++;
    return text;
}

/* The class name a constructor or destructor takes: the innermost scope, without template args
 * when the code names a template constructor (its own args follow). */
static const char *wv_und_first(struct wv_und *u, bool op, const char **special, const char **targs)
{
    *targs = "";
    if (op && u->p[0] == '?' && u->p[1] == '$' && u->p[2] == '?') {
        u->p += 3;
        const char *name = wv_und_operator(u, special);
        struct wv_und_refs outer = u->refs;
        memset(&u->refs, 0, sizeof(u->refs));
        *targs = name ? wv_und_template_args(u) : NULL;
        u->refs = outer;
        return *targs ? name : NULL;
    }
    if (op && u->p[0] == '?' && u->p[1] != '$' && u->p[1] != '?') {
        u->p++;
        return wv_und_operator(u, special);
    }
    /* the symbol's own name is recorded, unless it is a template's */
    return wv_und_fragment(u, !op || !(u->p[0] == '?' && u->p[1] == '$'));
}

const char *wv_und_qualified(struct wv_und *u, bool op, const char **special)
{
    const char *targs, *inner;
    *special = NULL;
    const char *name = wv_und_first(u, op, special, &targs);
    const char *scopes = name ? wv_und_scopes(u, &inner) : NULL;
    if (!scopes)
        return NULL;
    if (*special && (**special == '0' || **special == '1')) {
        if (!inner)
            return NULL;
        name = WV_UND_CAT(u, **special == '1' ? "~" : "", inner);
    } else if (*special && **special == 'B') { /* the caller adds the type: "operator<T> int" */
        name = WV_UND_CAT(u, "operator", targs, " ");
        targs = "";
    }
    return WV_UND_CAT(u, scopes, name, targs);
}
