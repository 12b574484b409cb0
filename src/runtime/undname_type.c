/* SPDX-License-Identifier: MIT */
/* undname_type.c - data types in MSVC's decoration.
 *
 *   type     := basic | '_' ext | ('T'|'U'|'V') qualified | 'W' digit qualified
 *             | ('P'|'Q'|'R'|'S'|'A'|'B') pointee      pointer (const, volatile, both), reference
 *             | '$$Q' pointee | '$$R' pointee           rvalue references
 *             | '$$C' cv type | '$$B' type | '$$A' ('6'|'8') function | '$$T'
 *             | 'Y' array | '?' cv type                 a type with its storage class (typeid)
 *             | '0'..'9'                                (argument lists) an earlier argument
 *   pointee  := ('E'|'F'|'I')* ( '6' function | '8' qualified function
 *                               | cv ( 'Y' array | type ) | ('Q'..'T') qualified type )
 *   cv       := 'A' (none) | 'B' const | 'C' volatile | 'D' const volatile
 *   array    := number(dimensions) number+ type
 *   function := this? callconv ('@' | '?' cv type | type) args ('Z' | '_E')
 *   this     := ('E' __ptr64 | 'F' __unaligned | 'I' __restrict | 'G' & | 'H' &&)* cv
 *   args     := 'X' | (type)* ('@' | 'Z' "...")
 *
 * The pointer modifiers print around the '*': __unaligned before it, __ptr64 and __restrict
 * after it, then the pointer's own const/volatile: "char const * __ptr64 const".
 */
#include "runtime/undname_int.h"

#include <stdio.h>
#include <string.h>

static const char *const wv_und_basic[] = {
    /* 'C' */ "signed char", "char", "unsigned char", "short", "unsigned short", "int", "unsigned int",
    "long", "unsigned long", NULL, "float", "double", "long double",
};
static const char *const wv_und_ext[] = {
    /* '_D' */ "__int8", "unsigned __int8", "__int16", "unsigned __int16", "__int32", "unsigned __int32",
    "__int64", "unsigned __int64", "__int128", "unsigned __int128", "bool", NULL, NULL, "char8_t",
    NULL, "char16_t", NULL, "char32_t", NULL, "wchar_t",
};

const char *wv_und_cv(char c)
{
    static const char *const cv[] = {"", "const", "volatile", "const volatile"};
    return c >= 'A' && c <= 'D' ? cv[c - 'A'] : NULL;
}

const char *wv_und_callconv(struct wv_und *u, char c)
{
    static const char *const cc[] = {"__cdecl", "__pascal", "__thiscall", "__stdcall", "__fastcall",
                                     NULL, "__clrcall", NULL, "__vectorcall"};
    int i = (c - 'A') / 2;
    if (c < 'A' || c > 'R' || !cc[i])
        return NULL;
    return wv_und_kw(u, cc[i], true);
}

const char *wv_und_text(struct wv_und *u, const struct wv_und_type *t)
{
    return *t->right ? WV_UND_CAT(u, t->left, t->right) : t->left;
}

static bool wv_und_set(struct wv_und_type *t, const char *left, const char *right)
{
    t->left = left, t->right = right, t->fnptr = false;
    return left && right;
}

/* 'Y' (already read) dimensions and element type: dims "[20][30]". */
static bool wv_und_array(struct wv_und *u, struct wv_und_type *elem, const char **dims)
{
    long long n, d;
    if (!wv_und_number(u, &n) || n <= 0 || n > 64)
        return false;
    *dims = "";
    for (long long i = 0; i < n; i++) {
        char buf[32];
        if (!wv_und_number(u, &d))
            return false;
        snprintf(buf, sizeof(buf), "[%lld]", d);
        if (!(*dims = WV_UND_CAT(u, *dims, buf)))
            return false;
    }
    return wv_und_type(u, elem, false);
}

/* The this-modifiers of a member function or a pointer to one. */
static const char *wv_und_this(struct wv_und *u)
{
    bool p64 = false, unal = false, restr = false;
    const char *ref = "";
    for (;; u->p++) {
        if (*u->p == 'E')
            p64 = true;
        else if (*u->p == 'F')
            unal = true;
        else if (*u->p == 'I')
            restr = true;
        else if (*u->p == 'G')
            ref = "& ";
        else if (*u->p == 'H')
            ref = "&& ";
        else
            break;
    }
    const char *cv = wv_und_cv(*u->p++);
    if (!cv)
        return NULL;
    if (u->flags & WV_UND_NO_CV_THISTYPE)
        cv = "";
    bool ms = !(u->flags & (WV_UND_NO_MS_THISTYPE | WV_UND_NO_MS_KEYWORDS));
    const char *un = unal && ms ? WV_UND_CAT(u, " ", wv_und_kw(u, "__unaligned", true)) : "";
    const char *rs = restr && ms ? WV_UND_CAT(u, " ", wv_und_kw(u, "__restrict", true)) : "";
    const char *tail = p64 && ms ? WV_UND_CAT(u, " ", wv_und_kw(u, "__ptr64", true)) : *cv || *un ? " " : "";
    if ((u->flags & (WV_UND_NO_MS_THISTYPE | WV_UND_NO_CV_THISTYPE)) == (WV_UND_NO_MS_THISTYPE | WV_UND_NO_CV_THISTYPE))
        return ""; /* UNDNAME_NO_THISTYPE */
    return WV_UND_CAT(u, cv, un, rs, tail, ref);
}

bool wv_und_fn_read(struct wv_und *u, struct wv_und_fn *fn, bool member)
{
    memset(fn, 0, sizeof(*fn));
    fn->thistype = member ? wv_und_this(u) : "";
    fn->cc = fn->thistype ? wv_und_callconv(u, *u->p++) : NULL;
    if (!fn->cc)
        return false;
    if (*u->p == '@') {
        u->p++;
    } else {
        fn->has_ret = true;
        if (*u->p == '?') {
            const char *cv = wv_und_cv(u->p[1]);
            if (!cv)
                return false;
            u->p += 2;
            if (!wv_und_type(u, &fn->ret, false))
                return false;
            fn->ret_cv = true;
            if (*cv && !(fn->ret.left = WV_UND_CAT(u, fn->ret.left, " ", cv, " ")))
                return false;
        } else if (!wv_und_type(u, &fn->ret, false)) {
            return false;
        }
    }
    fn->args = wv_und_args(u);
    if (!fn->args)
        return false;
    if (*u->p == 'Z')
        return u->p++, true;
    if (u->p[0] == '_' && u->p[1] == 'E')
        return u->p += 2, true;
    return false;
}

const char *wv_und_args(struct wv_und *u)
{
    if (*u->p == 'X')
        return u->p++, "void";
    const char *list = "";
    for (;;) {
        if (*u->p == '@')
            return u->p++, list;
        if (*u->p == 'Z') {
            u->p++;
            return *list ? WV_UND_CAT(u, list, ",...") : "...";
        }
        const char *start = u->p;
        struct wv_und_type t;
        if (!*u->p || !wv_und_type(u, &t, true))
            return NULL;
        if (u->p - start > 1 && u->refs.nargs < WV_UND_REFS)
            u->refs.args[u->refs.nargs++] = t;
        const char *a = wv_und_text(u, &t);
        if (!a || !(list = *list ? WV_UND_CAT(u, list, ",", a) : a))
            return NULL;
    }
}

/* The pointer's own part after its pointee: "*", " __ptr64", " __restrict", " const". */
struct wv_und_ptr {
    const char *sym;   /* "*", "&", "&&" */
    const char *self;  /* what follows sym */
    bool unaligned;    /* the pointee is __unaligned */
};

static bool wv_und_ptr_mods(struct wv_und *u, struct wv_und_ptr *pt, const char *own_cv)
{
    bool p64 = false, restr = false;
    pt->unaligned = false;
    for (;; u->p++) {
        if (*u->p == 'E')
            p64 = true;
        else if (*u->p == 'F')
            pt->unaligned = true;
        else if (*u->p == 'I')
            restr = true;
        else
            break;
    }
    bool ms = !(u->flags & WV_UND_NO_MS_KEYWORDS);
    pt->self = WV_UND_CAT(u, p64 && ms ? " " : "", p64 && ms ? wv_und_kw(u, "__ptr64", true) : "",
                          restr && ms ? " " : "", restr && ms ? wv_und_kw(u, "__restrict", true) : "",
                          *own_cv ? " " : "", own_cv);
    return pt->self != NULL;
}

/* A pointer to a function ('6') or to a member function ('8' class). */
static bool wv_und_ptr_fn(struct wv_und *u, struct wv_und_type *t, const struct wv_und_ptr *pt, bool member)
{
    const char *cls = "";
    if (member) {
        const char *special;
        cls = wv_und_qualified(u, false, &special);
        if (!cls || !(cls = WV_UND_CAT(u, " ", cls, "::")))
            return false;
    }
    struct wv_und_fn fn;
    if (!wv_und_fn_read(u, &fn, member))
        return false;
    const char *ret = fn.has_ret ? fn.ret.left : "";
    const char *sp = *ret && !fn.ret.fnptr && ret[strlen(ret) - 1] != ' ' ? " " : "";
    bool ok = wv_und_set(t, WV_UND_CAT(u, ret, sp, "(", fn.cc, member ? cls : "", pt->sym, pt->self),
                         WV_UND_CAT(u, ")(", fn.args, ")", fn.thistype, fn.has_ret ? fn.ret.right : ""));
    if (member && *fn.cc == 0 && ok) /* no calling convention: "(Cls::*" */
        ok = !!(t->left = WV_UND_CAT(u, ret, sp, "(", cls + 1, pt->sym, pt->self));
    t->fnptr = true;
    return ok;
}

/* What a pointer or reference points to, after its modifiers. */
static bool wv_und_pointee(struct wv_und *u, struct wv_und_type *t, const struct wv_und_ptr *pt)
{
    char c = *u->p++;
    if (c == '6' || c == '8')
        return wv_und_ptr_fn(u, t, pt, c == '8');
    const char *member = "";
    if (c >= 'Q' && c <= 'T') { /* a pointer to a data member: its class follows */
        const char *special, *cls = wv_und_qualified(u, false, &special);
        if (!cls || !(member = WV_UND_CAT(u, cls, "::")))
            return false;
        c = (char)(c - 'Q' + 'A');
    }
    const char *cv = wv_und_cv(c);
    if (!cv)
        return false;
    const char *un = pt->unaligned ? wv_und_kw(u, "__unaligned", true) : "";
    const char *pre = WV_UND_CAT(u, *cv ? " " : "", cv, *un ? " " : "", un);
    struct wv_und_type p;
    if (*u->p == 'Y') { /* a pointer to an array: "char (* const)[20]" */
        const char *dims;
        u->p++;
        if (!wv_und_array(u, &p, &dims))
            return false;
        const char *l = p.left, *sp = l[strlen(l) - 1] == '*' ? "" : " ";
        return wv_und_set(t, WV_UND_CAT(u, l, sp, "(", *pre ? pre + 1 : "", *pre ? " " : "", member, pt->sym, pt->self),
                          WV_UND_CAT(u, ")", dims, p.right));
    }
    if (strchr("PQRSAB", *u->p)) /* the pointee is a pointer: its own letter said its cv */
        pre = un && *un ? WV_UND_CAT(u, " ", un) : "";
    if (!pre || !wv_und_type(u, &p, false))
        return false;
    if (p.fnptr && !*member && !*pre) /* a pointer to a function pointer: "(__cdecl**" */
        return wv_und_set(t, WV_UND_CAT(u, p.left, pt->sym, pt->self), p.right);
    return wv_und_set(t, WV_UND_CAT(u, p.left, pre, " ", member, pt->sym, pt->self), p.right);
}

static bool wv_und_pointer(struct wv_und *u, struct wv_und_type *t, const char *sym, const char *own_cv)
{
    struct wv_und_ptr pt = {sym, NULL, false};
    if (u->top_var) /* a variable's own const/volatile is its storage class's to print */
        own_cv = "", u->top_var = false;
    return wv_und_ptr_mods(u, &pt, own_cv) && wv_und_pointee(u, t, &pt);
}

static bool wv_und_class(struct wv_und *u, struct wv_und_type *t, const char *kw)
{
    const char *special, *name = wv_und_qualified(u, false, &special);
    return wv_und_set(t, name ? WV_UND_CAT(u, kw, name) : NULL, "");
}

/* '$$' (already read) types. */
static bool wv_und_type_dollar(struct wv_und *u, struct wv_und_type *t)
{
    char c = *u->p++;
    if (c == 'Q')
        return wv_und_pointer(u, t, "&&", "");
    if (c == 'R')
        return wv_und_pointer(u, t, "&&", "volatile");
    if (c == 'T')
        return wv_und_set(t, "std::nullptr_t", "");
    if (c == 'B')
        return wv_und_type(u, t, false);
    if (c == 'C') {
        const char *cv = wv_und_cv(*u->p++);
        if (!cv || !wv_und_type(u, t, false))
            return false;
        return !*cv || (t->left = WV_UND_CAT(u, t->left, " ", cv));
    }
    if (c == 'A' && (*u->p == '6' || *u->p == '8')) { /* a function type */
        struct wv_und_fn fn;
        bool member = *u->p++ == '8';
        if (member && !(u->p[0] == '@' && u->p[1] == '@' && (u->p += 2)))
            return false;
        if (!wv_und_fn_read(u, &fn, member))
            return false;
        const char *ret = fn.has_ret ? wv_und_text(u, &fn.ret) : "";
        return wv_und_set(t, WV_UND_CAT(u, ret, *ret ? " " : "", fn.cc, "(", fn.args, ")", fn.thistype), "");
    }
    return false;
}

static bool wv_und_type_in(struct wv_und *u, struct wv_und_type *t, bool in_args)
{
    char c = *u->p++;
    if (in_args && c >= '0' && c <= '9') {
        if (c - '0' >= u->refs.nargs)
            return false;
        *t = u->refs.args[c - '0'];
        return true;
    }
    if (c >= 'C' && c <= 'O' && wv_und_basic[c - 'C'])
        return wv_und_set(t, wv_und_basic[c - 'C'], "");
    switch (c) {
    case 'X': return wv_und_set(t, "void", "");
    case '_':
        c = *u->p++;
        return c >= 'D' && c <= 'W' && wv_und_ext[c - 'D'] && wv_und_set(t, wv_und_ext[c - 'D'], "");
    case 'T': return wv_und_class(u, t, "union ");
    case 'U': return wv_und_class(u, t, "struct ");
    case 'V': return wv_und_class(u, t, "class ");
    case 'W': return *u->p >= '0' && *u->p <= '7' && u->p++ && wv_und_class(u, t, "enum ");
    case 'P': case 'Q': case 'R': case 'S':
        return wv_und_pointer(u, t, "*", wv_und_cv((char)(c - 'P' + 'A')));
    case 'A': return wv_und_pointer(u, t, "&", "");
    case 'B': return wv_und_pointer(u, t, "&", "volatile");
    case '$':
        return *u->p++ == '$' && wv_und_type_dollar(u, t);
    case 'Y': {
        const char *dims;
        return wv_und_array(u, t, &dims) && (t->right = WV_UND_CAT(u, " ", dims, t->right)) != NULL;
    }
    case '?': {
        const char *cv = wv_und_cv(*u->p++);
        if (!cv || !wv_und_type(u, t, false))
            return false;
        return !*cv || (t->left = WV_UND_CAT(u, t->left, " ", cv));
    }
    }
    return false;
}

bool wv_und_type(struct wv_und *u, struct wv_und_type *t, bool in_args)
{
    if (++u->depth > WV_UND_MAX_DEPTH || !*u->p)
        return false;
    bool ok = wv_und_type_in(u, t, in_args);
    u->depth--;
    return ok;
}
