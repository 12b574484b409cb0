/* SPDX-License-Identifier: MIT */
/* actctx_xml.c - reading an assembly manifest: the little XML a manifest is, read into a tree
 * of elements, then checked as Windows checks a manifest before it makes an activation
 * context from it (Wine's kernel32 actctx tests record what Windows refuses: a root other than
 * <assembly>, a missing or unknown namespace, a missing manifestVersion, an attribute of
 * <assembly> it does not know, an element under it it does not know, anything after it, a
 * <file> without a name; all are ERROR_SXS_CANT_GEN_ACTCTX).  Only what an activation context
 * is made of is kept: the identity, the dependencies' identities, the count of files.
 */
#include "runtime/actctx.h"

#include <stdlib.h>
#include <string.h>

struct wv_xattr {
    char *name, *value;
};

struct wv_xnode {
    char *name;
    struct wv_xattr *attrs;
    size_t n_attrs;
    struct wv_xnode *child, *next;
};

struct wv_xp {
    const char *p, *end;
    int depth;
};

#define WV_XML_DEPTH 64 /* deeper is no manifest: refused rather than recursed into */

static void wv_xnode_free(struct wv_xnode *n)
{
    while (n) {
        struct wv_xnode *next = n->next;
        wv_xnode_free(n->child);
        for (size_t i = 0; i < n->n_attrs; i++)
            free(n->attrs[i].name), free(n->attrs[i].value);
        free(n->attrs), free(n->name), free(n);
        n = next;
    }
}

static bool wv_xsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static bool wv_xlit(struct wv_xp *x, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(x->end - x->p) < n || memcmp(x->p, s, n))
        return false;
    x->p += n;
    return true;
}

/* Skips to just past the first `s`: false when the text ends before it. */
static bool wv_xpast(struct wv_xp *x, const char *s)
{
    size_t n = strlen(s);
    for (; x->end - x->p >= (ptrdiff_t)n; x->p++)
        if (!memcmp(x->p, s, n))
            return x->p += n, true;
    return false;
}

/* White space, comments and processing instructions (the <?xml ... ?> declaration). */
static bool wv_xmisc(struct wv_xp *x)
{
    for (;;) {
        while (x->p < x->end && wv_xsp(*x->p))
            x->p++;
        if (wv_xlit(x, "<!--")) {
            if (!wv_xpast(x, "-->"))
                return false;
        } else if (wv_xlit(x, "<?")) {
            if (!wv_xpast(x, "?>"))
                return false;
        } else
            return true;
    }
}

static char *wv_xname(struct wv_xp *x)
{
    const char *s = x->p;
    while (x->p < x->end && !wv_xsp(*x->p) && !strchr("/>=<\"'", *x->p))
        x->p++;
    return x->p > s ? strndup(s, (size_t)(x->p - s)) : NULL;
}

/* An attribute value between quotes, the five predefined entities replaced. */
static char *wv_xvalue(struct wv_xp *x)
{
    if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
        return NULL;
    char q = *x->p++;
    const char *s = x->p;
    while (x->p < x->end && *x->p != q && *x->p != '<')
        x->p++;
    if (x->p >= x->end || *x->p != q)
        return NULL;
    size_t n = (size_t)(x->p++ - s);
    char *v = malloc(n + 1), *o = v;
    static const char *const ent[][2] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&apos;", "'"}};
    for (size_t i = 0; v && i < n;) {
        size_t k = 0;
        while (s[i] == '&' && k < 5 && strncmp(s + i, ent[k][0], strlen(ent[k][0])))
            k++;
        if (s[i] == '&' && k == 5)
            return free(v), NULL; /* an entity a manifest has no reason to hold */
        *o++ = s[i] == '&' ? ent[k][1][0] : s[i];
        i += s[i] == '&' ? strlen(ent[k][0]) : 1;
    }
    if (v)
        *o = 0;
    return v;
}

static bool wv_xattrs(struct wv_xp *x, struct wv_xnode *n)
{
    for (;;) {
        while (x->p < x->end && wv_xsp(*x->p))
            x->p++;
        if (x->p >= x->end)
            return false;
        if (*x->p == '/' || *x->p == '>')
            return true;
        char *name = wv_xname(x);
        if (!name)
            return false;
        while (x->p < x->end && wv_xsp(*x->p))
            x->p++;
        char *value = NULL;
        if (wv_xlit(x, "=")) {
            while (x->p < x->end && wv_xsp(*x->p))
                x->p++;
            value = wv_xvalue(x);
        }
        struct wv_xattr *a = value ? realloc(n->attrs, (n->n_attrs + 1) * sizeof(*a)) : NULL;
        for (size_t i = 0; a && i < n->n_attrs; i++)
            if (!strcmp(a[i].name, name))
                n->attrs = a, a = NULL; /* the same attribute twice: not XML */
        if (!a)
            return free(name), free(value), false;
        n->attrs = a;
        a[n->n_attrs++] = (struct wv_xattr){name, value};
    }
}

static struct wv_xnode *wv_xelement(struct wv_xp *x);

/* An element's content up to its end tag: text is passed over, children kept in order. */
static bool wv_xcontent(struct wv_xp *x, struct wv_xnode *n)
{
    struct wv_xnode **tail = &n->child;
    for (;;) {
        while (x->p < x->end && *x->p != '<')
            x->p++;
        if (x->p >= x->end)
            return false;
        if (wv_xlit(x, "<!--")) {
            if (!wv_xpast(x, "-->"))
                return false;
        } else if (wv_xlit(x, "<![CDATA[")) {
            if (!wv_xpast(x, "]]>"))
                return false;
        } else if (wv_xlit(x, "<?")) {
            if (!wv_xpast(x, "?>"))
                return false;
        } else if (wv_xlit(x, "</")) {
            char *end = wv_xname(x);
            bool same = end && !strcmp(end, n->name);
            free(end);
            while (x->p < x->end && wv_xsp(*x->p))
                x->p++;
            return same && wv_xlit(x, ">");
        } else {
            struct wv_xnode *c = wv_xelement(x);
            if (!c)
                return false;
            *tail = c, tail = &c->next;
        }
    }
}

static struct wv_xnode *wv_xelement(struct wv_xp *x)
{
    if (x->depth >= WV_XML_DEPTH || !wv_xlit(x, "<"))
        return NULL;
    struct wv_xnode *n = calloc(1, sizeof(*n));
    if (!n || !(n->name = wv_xname(x)) || !wv_xattrs(x, n))
        return wv_xnode_free(n), NULL;
    if (wv_xlit(x, "/>"))
        return n;
    x->depth++;
    bool ok = wv_xlit(x, ">") && wv_xcontent(x, n);
    x->depth--;
    if (!ok)
        return wv_xnode_free(n), NULL;
    return n;
}

/* ---- the manifest's rules over the tree ---- */

static const char *wv_local(const char *name)
{
    const char *c = strchr(name, ':');
    return c ? c + 1 : name;
}

static const char *wv_attr(const struct wv_xnode *n, const char *name)
{
    for (size_t i = 0; i < n->n_attrs; i++)
        if (!strcmp(n->attrs[i].name, name))
            return n->attrs[i].value;
    return NULL;
}

/* A version is four decimal numbers of 16 bits each, dot-separated. */
static bool wv_version_ok(const char *v)
{
    for (int part = 0; part < 4; part++) {
        unsigned long n = 0;
        const char *s = v;
        while (*v >= '0' && *v <= '9' && n <= 65535)
            n = n * 10 + (unsigned long)(*v++ - '0');
        if (v == s || n > 65535 || *v != (part == 3 ? 0 : '.'))
            return false;
        v += part < 3;
    }
    return true;
}

static DWORD wv_identity(const struct wv_xnode *n, struct wv_asm_id *id)
{
    const char *name = wv_attr(n, "name"), *ver = wv_attr(n, "version");
    if (!name || !*name || (ver && !wv_version_ok(ver)))
        return ERROR_SXS_CANT_GEN_ACTCTX;
    const char *src[6] = {name, ver, wv_attr(n, "type"), wv_attr(n, "processorArchitecture"),
                          wv_attr(n, "language"), wv_attr(n, "publicKeyToken")};
    char **dst[6] = {&id->name, &id->version, &id->type, &id->arch, &id->lang, &id->token};
    for (int i = 0; i < 6; i++)
        if (src[i] && !(*dst[i] = strdup(src[i])))
            return ERROR_NOT_ENOUGH_MEMORY;
    return 0;
}

/* <dependency><dependentAssembly><assemblyIdentity .../></dependentAssembly></dependency> */
static DWORD wv_dependency(const struct wv_xnode *d, struct wv_manifest *m)
{
    for (const struct wv_xnode *da = d->child; da; da = da->next) {
        if (strcmp(wv_local(da->name), "dependentAssembly"))
            return ERROR_SXS_CANT_GEN_ACTCTX;
        const struct wv_xnode *ai = da->child;
        while (ai && strcmp(wv_local(ai->name), "assemblyIdentity"))
            ai = ai->next; /* <bindingRedirect> and the like come with it */
        if (!ai)
            return ERROR_SXS_CANT_GEN_ACTCTX;
        struct wv_asm_id *deps = realloc(m->deps, (m->n_deps + 1) * sizeof(*deps));
        if (!deps)
            return ERROR_NOT_ENOUGH_MEMORY;
        m->deps = deps;
        memset(&deps[m->n_deps], 0, sizeof(*deps));
        DWORD err = wv_identity(ai, &deps[m->n_deps++]);
        if (err)
            return err;
    }
    return 0;
}

static bool wv_root_ok(const struct wv_xnode *r)
{
    static const char *const ns[] = {"urn:schemas-microsoft-com:asm.v1", "urn:schemas-microsoft-com:asm.v2",
                                     "urn:schemas-microsoft-com:asm.v3"};
    if (strcmp(wv_local(r->name), "assembly"))
        return false;
    const char *xmlns = wv_attr(r, "xmlns"), *ver = wv_attr(r, "manifestVersion");
    if (!xmlns || !ver || strcmp(ver, "1.0"))
        return false;
    bool known = false;
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
        known |= !strcmp(xmlns, ns[i]);
    for (size_t i = 0; i < r->n_attrs; i++) {
        const char *a = r->attrs[i].name;
        if (strcmp(a, "xmlns") && strcmp(a, "manifestVersion") && strncmp(a, "xmlns:", 6))
            return false;
    }
    return known;
}

/* The elements Windows accepts under <assembly> without their content mattering here. */
static bool wv_passed_over(const char *name)
{
    static const char *const ok[] = {"description", "noInherit", "noInheritable", "trustInfo", "compatibility",
                                     "application", "clrClass", "clrSurrogate", "comInterfaceExternalProxyStub",
                                     "windowsSettings", "asmv3:application"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!strcmp(name, ok[i]))
            return true;
    return false;
}

static DWORD wv_assembly(const struct wv_xnode *r, struct wv_manifest *m)
{
    if (!wv_root_ok(r))
        return ERROR_SXS_CANT_GEN_ACTCTX;
    bool have_id = false;
    for (const struct wv_xnode *c = r->child; c; c = c->next) {
        const char *name = wv_local(c->name);
        DWORD err = 0;
        if (!strcmp(name, "assemblyIdentity")) {
            if (have_id)
                return ERROR_SXS_CANT_GEN_ACTCTX;
            have_id = true;
            err = wv_identity(c, &m->id);
        } else if (!strcmp(name, "dependency"))
            err = wv_dependency(c, m);
        else if (!strcmp(name, "file")) {
            const char *fn = wv_attr(c, "name");
            err = fn && *fn ? 0 : ERROR_SXS_CANT_GEN_ACTCTX;
            m->n_files++;
        } else if (!wv_passed_over(name))
            err = ERROR_SXS_CANT_GEN_ACTCTX;
        if (err)
            return err;
    }
    return have_id ? 0 : ERROR_SXS_CANT_GEN_ACTCTX;
}

/* The text as UTF-8: a UTF-16 one (its byte-order mark says so) converted, malloc'ed. */
static DWORD wv_manifest_text(const void *text, size_t n, char **out, size_t *len)
{
    const unsigned char *b = text;
    if (n >= 2 && b[0] == 0xff && b[1] == 0xfe) {
        size_t units = (n - 2) / 2, need = 0;
        WCHAR *w = malloc(units * sizeof(WCHAR) + 1);
        if (!w)
            return ERROR_NOT_ENOUGH_MEMORY;
        memcpy(w, b + 2, units * sizeof(WCHAR));
        wv_utf16_to_utf8(w, units, NULL, 0, WV_TEXT_REPLACE, &need);
        char *s = malloc(need + 1);
        if (s) {
            wv_utf16_to_utf8(w, units, s, need, WV_TEXT_REPLACE, len);
            s[*len] = 0; /* a terminator past the text: the readers' look-aheads stop there */
        }
        free(w);
        return (*out = s) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    }
    if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        b += 3, n -= 3;
    if (!(*out = malloc(n + 1)))
        return ERROR_NOT_ENOUGH_MEMORY;
    memcpy(*out, b, n);
    (*out)[n] = 0;
    *len = n;
    return 0;
}

DWORD wv_manifest_parse(const void *text, size_t n, struct wv_manifest *m)
{
    memset(m, 0, sizeof(*m));
    char *s;
    size_t len = 0;
    DWORD err = wv_manifest_text(text, n, &s, &len);
    if (err)
        return err;
    struct wv_xp x = {s, s + len, 0};
    struct wv_xnode *root = NULL;
    err = ERROR_SXS_CANT_GEN_ACTCTX;
    if (wv_xmisc(&x) && (root = wv_xelement(&x)) && wv_xmisc(&x) && x.p == x.end)
        err = wv_assembly(root, m);
    wv_xnode_free(root);
    free(s);
    if (err)
        wv_manifest_free(m);
    return err;
}

void wv_asm_id_free(struct wv_asm_id *id)
{
    free(id->name), free(id->version), free(id->type), free(id->arch), free(id->lang), free(id->token);
    memset(id, 0, sizeof(*id));
}

void wv_manifest_free(struct wv_manifest *m)
{
    wv_asm_id_free(&m->id);
    for (size_t i = 0; i < m->n_deps; i++)
        wv_asm_id_free(&m->deps[i]);
    free(m->deps);
    memset(m, 0, sizeof(*m));
}
