/* SPDX-License-Identifier: MIT */
/* undname.c - MSVC's C++ name undecorator: the arena its strings live in, and symbols.
 *
 *   decorated := '?' symbol | type (UNDNAME_NO_ARGUMENTS: a type_info's name, "?AVfoo@@")
 *   symbol    := '$' template                           a bare template name
 *              | '?_R0' type '@8'                       "class foo `RTTI Type Descriptor'"
 *              | '?_C@_' ...                            a string literal: "`string'"
 *              | qualified kind
 *   kind      := '0'..'4' type storage                  variables: private, protected, public
 *                                                       static members, globals, local statics
 *              | ('6'|'7') cv qualified* '@'            vftable/vbtable "{for `base'}"
 *              | '8'                                    RTTI data: the name alone
 *              | 'A'..'X' (adjustor number)? function   members: private A-H, protected I-P,
 *                                                       public Q-X; per 8: plain, static, virtual, thunk
 *              | 'Y' | 'Z' function                     a function outside any class
 *              | '$' ('0'..'5' number number | 'R' digit number{4}) function   vtordisp thunks
 *              | '$B' number 'A' callconv               a vcall thunk (the `vcall' operator, ??_9)
 *   storage   := ('E'|'F'|'I')* (cv | ('Q'..'T') qualified)
 *
 * Windows prints a function as "access: static|virtual return callconv name(args)this-type";
 * the flags drop parts of that (undname.h).
 */
#include "runtime/undname_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wv_und_block {
    struct wv_und_block *next;
    char data[];
};

char *wv_und_alloc(struct wv_und *u, size_t n)
{
    struct wv_und_block *b = malloc(sizeof(*b) + n);
    if (!b)
        return NULL;
    b->next = u->blocks;
    u->blocks = b;
    return b->data;
}

const char *wv_und_catv(struct wv_und *u, const char *const *parts)
{
    size_t n = 0;
    for (size_t i = 0; parts[i]; i++)
        n += strlen(parts[i]);
    char *s = wv_und_alloc(u, n + 1), *q = s;
    if (!s)
        return NULL;
    for (size_t i = 0; parts[i]; i++) {
        size_t k = strlen(parts[i]);
        memcpy(q, parts[i], k);
        q += k;
    }
    *q = 0;
    return s;
}

const char *wv_und_kw(const struct wv_und *u, const char *kw, bool ms)
{
    if (ms && (u->flags & WV_UND_NO_MS_KEYWORDS))
        return "";
    return (u->flags & WV_UND_NO_LEADING_UNDERSCORES) && kw[0] == '_' && kw[1] == '_' ? kw + 2 : kw;
}

/* ---- variables ---- */

static const char *const wv_und_access[] = {"private: ", "protected: ", "public: "};

/* What follows a variable's type: its own const/volatile and __ptr64, "" for none. */
static const char *wv_und_storage(struct wv_und *u)
{
    bool p64 = false;
    for (; *u->p == 'E' || *u->p == 'F' || *u->p == 'I'; u->p++)
        p64 |= *u->p == 'E';
    char c = *u->p++;
    if (c >= 'Q' && c <= 'T') { /* a member's: the class follows (not printed) */
        const char *special;
        if (!wv_und_qualified(u, false, &special))
            return NULL;
        c = (char)(c - 'Q' + 'A');
    }
    const char *cv = wv_und_cv(c);
    if (!cv)
        return NULL;
    bool ms = p64 && !(u->flags & WV_UND_NO_MS_KEYWORDS);
    return WV_UND_CAT(u, *cv ? " " : "", cv, ms ? " " : "", ms ? wv_und_kw(u, "__ptr64", true) : "");
}

static const char *wv_und_variable(struct wv_und *u, const char *name, char kind)
{
    struct wv_und_type t;
    u->top_var = *u->p >= 'P' && *u->p <= 'S';
    bool ok = wv_und_type(u, &t, false);
    u->top_var = false;
    if (!ok)
        return NULL;
    const char *st = wv_und_storage(u);
    if (!st)
        return NULL;
    if (u->flags & WV_UND_NAME_ONLY)
        return name;
    const char *pre = "";
    if (kind < '3') {
        const char *acc = u->flags & WV_UND_NO_ACCESS_SPECIFIERS ? "" : wv_und_access[kind - '0'];
        pre = WV_UND_CAT(u, acc, u->flags & WV_UND_NO_MEMBER_TYPE ? "" : "static ");
    }
    return WV_UND_CAT(u, pre, t.left, st, " ", name, t.right);
}

/* '6'/'7': "const foo::`vftable'{for `bar'}". */
static const char *wv_und_vtable(struct wv_und *u, const char *name)
{
    while (*u->p == 'E')
        u->p++;
    const char *cv = wv_und_cv(*u->p++), *fors = "";
    if (!cv)
        return NULL;
    while (*u->p != '@') {
        const char *special, *base = *u->p ? wv_und_qualified(u, false, &special) : NULL;
        if (!base || !(fors = WV_UND_CAT(u, fors, "{for `", base, "'}")))
            return NULL;
    }
    u->p++;
    if (u->flags & WV_UND_NAME_ONLY)
        return name;
    return WV_UND_CAT(u, cv, *cv ? " " : "", name, fors);
}

/* ---- functions ---- */

struct wv_und_kind {
    const char *access; /* "public: " */
    const char *member; /* "static ", "virtual " */
    const char *thunk;  /* "`adjustor{8}' ", "" */
    bool is_thunk, this_member;
};

/* The function kind letter (already read as c): its access, static/virtual, adjustor. */
static bool wv_und_fn_kind(struct wv_und *u, char c, struct wv_und_kind *k)
{
    memset(k, 0, sizeof(*k));
    k->access = k->member = k->thunk = "";
    if (c == 'Y' || c == 'Z')
        return true;
    int group = (c - 'A') / 8, sub = (c - 'A') % 8 / 2;
    k->access = wv_und_access[group];
    k->this_member = sub != 1;
    k->member = sub == 1 ? "static " : sub >= 2 ? "virtual " : "";
    if (sub == 3) {
        long long n;
        char buf[48];
        if (!wv_und_number(u, &n))
            return false;
        snprintf(buf, sizeof(buf), "`adjustor{%lld}' ", n);
        k->thunk = WV_UND_CAT(u, buf);
        k->is_thunk = true;
    }
    return k->thunk != NULL;
}

/* '$' (already read): vtordisp thunks, "`vtordisp{a,b}' ". */
static bool wv_und_vtordisp(struct wv_und *u, struct wv_und_kind *k)
{
    bool ex = *u->p == 'R';
    if (ex)
        u->p++;
    char d = *u->p++;
    if (d < '0' || d > '5')
        return false;
    long long n[4];
    int count = ex ? 4 : 2;
    for (int i = 0; i < count; i++)
        if (!wv_und_number(u, &n[i]))
            return false;
    char buf[128];
    if (ex)
        snprintf(buf, sizeof(buf), "`vtordispex{%u,%u,%u,%u}' ", (unsigned)n[0], (unsigned)n[1], (unsigned)n[2],
                 (unsigned)n[3]);
    else
        snprintf(buf, sizeof(buf), "`vtordisp{%u,%u}' ", (unsigned)n[0], (unsigned)n[1]);
    k->access = wv_und_access[(d - '0') / 2];
    k->member = "virtual ";
    k->thunk = WV_UND_CAT(u, buf);
    k->is_thunk = k->this_member = true;
    return k->thunk != NULL;
}

/* "$B" (read): a vcall thunk: its vftable offset, 'A' (the flat model), the calling convention.
 * Windows prints "[thunk]: __thiscall Cls::`vcall'{392,{flat}}' }'", the stray "' }'" too. */
static const char *wv_und_vcall(struct wv_und *u, const char *name)
{
    long long offset;
    if (!wv_und_number(u, &offset) || *u->p != 'A' || !u->p[1])
        return NULL;
    u->p++;
    const char *cc = wv_und_callconv(u, *u->p++);
    char buf[64];
    snprintf(buf, sizeof(buf), "{%lld,{flat}}' }'", offset);
    return cc ? WV_UND_CAT(u, "[thunk]: ", cc, *cc ? " " : "", name, buf) : NULL;
}

static const char *wv_und_function(struct wv_und *u, const char *name, const char *special, struct wv_und_kind *k)
{
    struct wv_und_fn fn;
    if (!wv_und_fn_read(u, &fn, k->this_member))
        return NULL;
    bool cast = special && *special == 'B';
    if (cast && fn.has_ret && !(name = WV_UND_CAT(u, name, wv_und_text(u, &fn.ret))))
        return NULL;
    if (u->flags & WV_UND_NAME_ONLY)
        return name;
    unsigned f = u->flags;
    const char *ret = fn.has_ret && !cast && !(f & WV_UND_NO_FUNCTION_RETURNS) ? fn.ret.left : "";
    const char *ret_r = fn.has_ret && !cast && !(f & WV_UND_NO_FUNCTION_RETURNS) ? fn.ret.right : "";
    const char *cc = f & WV_UND_NO_ALLOCATION_LANGUAGE ? "" : fn.cc;
    const char *sp1 = *ret && !fn.ret.fnptr && ret[strlen(ret) - 1] != ' ' ? " " : "";
    const char *args = f & WV_UND_NO_ARGUMENTS ? "" : WV_UND_CAT(u, "(", fn.args, ")", fn.thistype);
    return WV_UND_CAT(u, k->is_thunk ? "[thunk]:" : "", f & WV_UND_NO_ACCESS_SPECIFIERS ? "" : k->access,
                      f & WV_UND_NO_MEMBER_TYPE ? "" : k->member, ret, sp1, cc, *cc ? " " : "", name,
                      k->is_thunk ? k->thunk : "", args ? args : "", ret_r);
}

/* ---- symbols ---- */

static const char *wv_und_rtti_type(struct wv_und *u)
{
    struct wv_und_type t;
    if (!wv_und_type(u, &t, false) || u->p[0] != '@' || u->p[1] != '8')
        return NULL;
    u->p += 2;
    return WV_UND_CAT(u, wv_und_text(u, &t), " `RTTI Type Descriptor'");
}

static const char *wv_und_string_literal(struct wv_und *u)
{
    /* "?_C@_" width(0..3) length checksum '@' characters '@': Windows prints `string'. */
    long long len;
    u->p += 5;
    if (*u->p < '0' || *u->p > '3')
        return NULL;
    u->p++;
    const char *sum = wv_und_number(u, &len) ? strchr(u->p, '@') : NULL;
    const char *end = sum ? strchr(sum + 1, '@') : NULL;
    if (!end)
        return NULL;
    u->p = end + 1;
    return "`string'";
}

const char *wv_und_symbol(struct wv_und *u)
{
    if (++u->depth > WV_UND_MAX_DEPTH)
        return NULL;
    const char *s = NULL;
    if (!strncmp(u->p, "?_R0", 4)) {
        u->p += 4;
        s = wv_und_rtti_type(u);
    } else if (!strncmp(u->p, "?_C@_", 5)) {
        s = wv_und_string_literal(u);
    } else {
        const char *special, *name = wv_und_qualified(u, true, &special);
        char c = name ? *u->p++ : 0;
        struct wv_und_kind k;
        if (c >= '0' && c <= '4')
            s = wv_und_variable(u, name, c);
        else if (c == '6' || c == '7')
            s = wv_und_vtable(u, name);
        else if (c == '8')
            s = name;
        else if (c >= 'A' && c <= 'Z' && wv_und_fn_kind(u, c, &k))
            s = wv_und_function(u, name, special, &k);
        else if (c == '$' && *u->p == 'B')
            u->p++, s = wv_und_vcall(u, name);
        else if (c == '$' && wv_und_vtordisp(u, &k))
            s = wv_und_function(u, name, special, &k);
    }
    u->depth--;
    return s;
}

/* The whole input as the flags read it; NULL unless every character was used. */
static const char *wv_und_top(struct wv_und *u, const char *mangled)
{
    const char *s = NULL;
    u->p = mangled;
    if (u->flags & WV_UND_NO_ARGUMENTS) {
        struct wv_und_type t;
        u->flags &= ~WV_UND_NO_ARGUMENTS; /* a function inside the type keeps its arguments */
        bool ok = wv_und_type(u, &t, false) && !*u->p && (s = wv_und_text(u, &t));
        u->flags |= WV_UND_NO_ARGUMENTS;
        if (ok)
            return s;
        u->p = mangled, u->depth = 0;
        memset(&u->refs, 0, sizeof(u->refs));
    }
    if (*u->p++ != '?')
        return NULL;
    if (*u->p == '$')
        u->p--, s = wv_und_fragment(u, false);
    else
        s = wv_und_symbol(u);
    return s && !*u->p ? s : NULL;
}

char *wv_undname(const char *mangled, unsigned flags)
{
    struct wv_und u;
    memset(&u, 0, sizeof(u));
    u.flags = flags;
    const char *s = wv_und_top(&u, mangled);
    char *out = strdup(s ? s : mangled);
    while (u.blocks) {
        struct wv_und_block *next = u.blocks->next;
        free(u.blocks);
        u.blocks = next;
    }
    return out;
}
