/* SPDX-License-Identifier: MIT */
/* undname_int.h - what the undecorator's files (undname.c: symbols; undname_name.c: names,
 * scopes, operators, templates, numbers; undname_type.c: data types, pointers, functions)
 * share.  Private to them.
 *
 * The parser walks the decorated name once, left to right, by recursive descent; every piece
 * of output is a string in the undecoration's arena (freed whole at the end), so no path
 * frees anything.  A failure anywhere sets nothing but a NULL return that every caller passes
 * up: the caller of wv_undname then gives the input back.
 *
 * A type is printed in two halves around the name it declares: "int (__cdecl*" and
 * ")(long)" for a pointer to a function, "char (*" and ")[20]" for a pointer to an array;
 * a plain type has an empty right half.
 */
#ifndef WV_RUNTIME_UNDNAME_INT_H
#define WV_RUNTIME_UNDNAME_INT_H

#include "runtime/undname.h"

#include <stdbool.h>
#include <stddef.h>

#define WV_UND_MAX_DEPTH 48 /* nesting a real name never reaches: garbage cannot exhaust the stack */
#define WV_UND_REFS 10      /* back references are one digit */

struct wv_und_block;

struct wv_und_type {
    const char *left, *right;
    bool fnptr; /* a pointer straight to a function: one more '*' joins its "(cc*" */
};

/* The back-reference tables: names (fragments of qualified names) and argument types.  A
 * template's arguments have tables of their own. */
struct wv_und_refs {
    const char *names[WV_UND_REFS];
    int nnames;
    struct wv_und_type args[WV_UND_REFS];
    int nargs;
};

struct wv_und {
    const char *p; /* the next character to read */
    unsigned flags;
    int depth;
    bool top_var; /* the next pointer is a variable's own type */
    struct wv_und_refs refs;
    struct wv_und_block *blocks; /* the arena */
};

/* ---- undname.c: the arena, output helpers, symbols ---- */
char *wv_und_alloc(struct wv_und *u, size_t n);
/* The concatenation of the NULL-ended list of strings (NULL entries before the end are not
 * allowed: callers pass "" for nothing); NULL when memory runs out. */
const char *wv_und_catv(struct wv_und *u, const char *const *parts);
#define WV_UND_CAT(u, ...) wv_und_catv((u), (const char *const[]){__VA_ARGS__, NULL})
/* A keyword as the flags print it: "__cdecl", "cdecl" (no leading underscores) or "" (no MS
 * keywords, when ms is set). */
const char *wv_und_kw(const struct wv_und *u, const char *kw, bool ms);
/* A whole symbol at u->p (past its leading '?'): its text, or NULL. */
const char *wv_und_symbol(struct wv_und *u);

/* ---- undname_name.c ---- */
/* An encoded number: '0'..'9' is 1..10, hex 'A'..'P' digits end with '@', '?' negates. */
bool wv_und_number(struct wv_und *u, long long *out);
/* A qualified name up to and with its closing '@': "ns::cls::name"; the first fragment may be
 * an operator (op: allowed, and then *special receives its code or stays 0). */
const char *wv_und_qualified(struct wv_und *u, bool op, const char **special);
/* One name fragment (an identifier, a back reference, a template, a nested name). */
const char *wv_und_fragment(struct wv_und *u, bool record);
/* A template's argument list up to and with its '@': "<a,b>". */
const char *wv_und_template_args(struct wv_und *u);
/* The simple text of an operator code at u->p (past "?"), or NULL when it needs more. */
const char *wv_und_operator(struct wv_und *u, const char **code);

/* ---- undname_type.c ---- */
/* A data type; in_args: may be a back reference or "..." of an argument list. */
bool wv_und_type(struct wv_und *u, struct wv_und_type *t, bool in_args);
/* An argument list ("void", "int,char *", with "..."), to its end ('@', 'Z' or 'X'). */
const char *wv_und_args(struct wv_und *u);
/* A function's type after its name or '6'/'8': this-modifiers (member functions), calling
 * convention, return type ('@': none), arguments, throw specification. */
struct wv_und_fn {
    const char *thistype; /* after the arguments: "const __ptr64", "" */
    const char *cc;       /* the calling convention as printed ("" without MS keywords) */
    struct wv_und_type ret;
    bool has_ret;
    bool ret_cv;          /* the return type had a '?' storage class (a cast operator prints it) */
    const char *args;
};
bool wv_und_fn_read(struct wv_und *u, struct wv_und_fn *fn, bool member);
/* The text of a type: its halves joined. */
const char *wv_und_text(struct wv_und *u, const struct wv_und_type *t);
/* The cv words of a modifier letter 'A'..'D' ("", "const", "volatile", "const volatile"). */
const char *wv_und_cv(char c);
/* A calling convention letter's keyword, NULL for an unknown letter. */
const char *wv_und_callconv(struct wv_und *u, char c);

#endif
