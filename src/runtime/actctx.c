/* SPDX-License-Identifier: MIT */
/* actctx.c - making activation contexts (CreateActCtxA/W), their references (AddRefActCtx,
 * ReleaseActCtx and ntdll's Rtl counterparts) and the registry of live ones, which is how a
 * HANDLE is known to be one: a context's handle is its address, as on Windows, and anything
 * else handed in is refused or passed over without being read.
 *
 * The root manifest comes from a file (lpSource; relative to lpAssemblyDirectory when that is
 * given) or from a loaded module's RT_MANIFEST resource (ACTCTX_FLAG_HMODULE_VALID; the name is
 * lpResourceName, else 1).  Every assembly it depends on must be found, as Windows requires:
 * winvm looks in the application directory (the root manifest's, or lpAssemblyDirectory) for
 * NAME.manifest, then NAME\NAME.manifest, and checks the identity found against the one asked
 * for.  There is no side-by-side store: a dependency only WinSxS holds (the common controls
 * 6.0, say) is not found, and the context is not made (ERROR_SXS_CANT_GEN_ACTCTX).
 */
#define _GNU_SOURCE
#include "runtime/actctx.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ACTCTXW / ACTCTXA (winbase.h): the same layout, the strings wide or not. */
struct wv_actctx_desc {
    ULONG cbSize;
    DWORD dwFlags;
    const void *lpSource;
    USHORT wProcessorArchitecture;
    USHORT wLangId;
    const void *lpAssemblyDirectory;
    const void *lpResourceName;
    const void *lpApplicationName;
    HMODULE hModule;
};

enum {
    WV_ACTCTX_FLAG_PROCESSOR_ARCHITECTURE_VALID = 0x1, WV_ACTCTX_FLAG_LANGID_VALID = 0x2,
    WV_ACTCTX_FLAG_ASSEMBLY_DIRECTORY_VALID = 0x4, WV_ACTCTX_FLAG_RESOURCE_NAME_VALID = 0x8,
    WV_ACTCTX_FLAG_SET_PROCESS_DEFAULT = 0x10, WV_ACTCTX_FLAG_APPLICATION_NAME_VALID = 0x20,
    WV_ACTCTX_FLAG_SOURCE_IS_ASSEMBLYREF = 0x40, WV_ACTCTX_FLAG_HMODULE_VALID = 0x80,
    WV_ACTCTX_FLAGS_KNOWN = 0xff
};

#define WV_MANIFEST_MAX (16u << 20) /* more is no manifest */
#define WV_DEP_DEPTH 16             /* dependencies of dependencies, at most this deep */

/* ---- the registry and references ---- */
static pthread_mutex_t wv_actctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wv_actctx *wv_actctxs;

struct wv_actctx *wv_actctx_get(HANDLE h)
{
    if (!h)
        return NULL;
    pthread_mutex_lock(&wv_actctx_lock);
    struct wv_actctx *c = wv_actctxs;
    while (c && c != (struct wv_actctx *)h)
        c = c->next;
    if (c)
        __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&wv_actctx_lock);
    return c;
}

void wv_actctx_addref(struct wv_actctx *c)
{
    if (c)
        __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
}

void wv_actctx_release(struct wv_actctx *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&wv_actctx_lock); /* the last reference and a lookup never cross */
    bool last = __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0;
    if (last)
        for (struct wv_actctx **p = &wv_actctxs; *p; p = &(*p)->next)
            if (*p == c) {
                *p = c->next;
                break;
            }
    pthread_mutex_unlock(&wv_actctx_lock);
    if (!last)
        return;
    c->magic = 0;
    wv_manifest_free(&c->root);
    free(c->manifest_path), free(c->app_dir), free(c);
}

/* ---- reading manifests ---- */

/* The manifest file at win (Windows path, UTF-8) parsed: 0 or the error (ERROR_FILE_NOT_FOUND,
 * ERROR_PATH_NOT_FOUND, ERROR_SXS_CANT_GEN_ACTCTX, ...). */
static DWORD wv_manifest_file(const char *win, struct wv_manifest *m)
{
    char *host = NULL;
    DWORD err = wv_path_host(win, &host);
    if (err)
        return err;
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    free(host);
    if (fd < 0)
        return wv_errno_to_error(errno);
    struct stat st;
    char *buf = NULL;
    err = fstat(fd, &st) ? wv_errno_to_error(errno)
          : S_ISDIR(st.st_mode) ? ERROR_ACCESS_DENIED
          : (uint64_t)st.st_size > WV_MANIFEST_MAX ? ERROR_SXS_CANT_GEN_ACTCTX
          : (buf = malloc((size_t)st.st_size + 1)) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    size_t got = 0;
    while (!err && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!err)
        err = wv_manifest_parse(buf, got, m);
    free(buf);
    return err;
}

static bool wv_str_same(const char *a, const char *b) { return !a || !b || !strcasecmp(a, b); }

/* Whether the identity found is the one asked for: the same name, and the same version,
 * type and processor architecture where both name one ("*" matches any architecture). */
static bool wv_id_matches(const struct wv_asm_id *want, const struct wv_asm_id *got)
{
    bool arch = !want->arch || !got->arch || !strcmp(want->arch, "*") || !strcasecmp(want->arch, got->arch);
    return !strcasecmp(want->name, got->name) && wv_str_same(want->version, got->version) &&
           wv_str_same(want->type, got->type) && arch;
}

/* Finds and checks every dependency of m (and theirs) under dir (ending in '\\'); counts the
 * assemblies found into *n. */
static DWORD wv_resolve(const char *dir, const struct wv_manifest *m, int depth, size_t *n)
{
    if (depth > WV_DEP_DEPTH)
        return ERROR_SXS_CANT_GEN_ACTCTX;
    for (size_t i = 0; i < m->n_deps; i++) {
        const char *name = m->deps[i].name;
        char *path = NULL;
        struct wv_manifest dep;
        DWORD err = ERROR_FILE_NOT_FOUND;
        for (int form = 0; form < 2 && err; form++) {
            free(path);
            if (asprintf(&path, form ? "%s%s\\%s.manifest" : "%s%s.manifest", dir, name, name) < 0)
                return ERROR_NOT_ENOUGH_MEMORY;
            err = wv_manifest_file(path, &dep);
        }
        free(path);
        if (err == ERROR_NOT_ENOUGH_MEMORY)
            return err;
        if (err)
            return ERROR_SXS_CANT_GEN_ACTCTX; /* not found, or not a manifest Windows takes */
        bool ok = wv_id_matches(&m->deps[i], &dep.id);
        err = ok ? wv_resolve(dir, &dep, depth + 1, n) : ERROR_SXS_CANT_GEN_ACTCTX;
        wv_manifest_free(&dep);
        if (err)
            return err;
        ++*n;
    }
    return 0;
}

/* ---- CreateActCtx ---- */

/* The caller's string (wide or not) as UTF-8, malloc'ed. */
static DWORD wv_desc_str(const void *s, bool wide, char **out)
{
    return wide ? wv_user_wstr(s, WV_TEXT_STRICT, out) : wv_user_str(s, out);
}

static WCHAR *wv_wide_dup(const char *s)
{
    size_t n = 0;
    wv_utf8_to_utf16(s, strlen(s), NULL, 0, WV_TEXT_REPLACE, &n);
    WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
    if (w) {
        wv_utf8_to_utf16(s, strlen(s), w, n, WV_TEXT_REPLACE, &n);
        w[n] = 0;
    }
    return w;
}

/* The root manifest from a file: its full path in *full, the application directory in *dir. */
static DWORD wv_root_file(const struct wv_actctx_desc *d, bool wide, struct wv_manifest *m, char **full, char **dir)
{
    char *src = NULL, *adir = NULL, *path = NULL;
    if (!d->lpSource)
        return ERROR_INVALID_PARAMETER;
    DWORD err = wv_desc_str(d->lpSource, wide, &src);
    if (!err && (d->dwFlags & WV_ACTCTX_FLAG_ASSEMBLY_DIRECTORY_VALID))
        err = d->lpAssemblyDirectory ? wv_desc_str(d->lpAssemblyDirectory, wide, &adir) : ERROR_INVALID_PARAMETER;
    bool relative = src && !(src[0] == '\\' || src[0] == '/' || (src[0] && src[1] == ':'));
    if (!err && adir && relative) {
        size_t l = strlen(adir);
        err = asprintf(&path, "%s%s%s", adir, l && adir[l - 1] == '\\' ? "" : "\\", src) < 0 ? ERROR_NOT_ENOUGH_MEMORY : 0;
    }
    if (!err)
        err = wv_path_full(path ? path : src, full);
    free(src), free(path);
    if (!err)
        err = wv_manifest_file(*full, m);
    if (!err) {
        const char *base = adir ? adir : *full;
        size_t l = adir ? strlen(adir) : (size_t)(strrchr(*full, '\\') - *full);
        if (!(*dir = malloc(l + 2)))
            err = ERROR_NOT_ENOUGH_MEMORY;
        else {
            memcpy(*dir, base, l);
            (*dir)[l] = 0;
            if (!l || (*dir)[l - 1] != '\\')
                strcat(*dir, "\\");
        }
    }
    free(adir);
    return err;
}

/* The root manifest from a module's resource; the application directory is the module's. */
static DWORD wv_root_module(const struct wv_actctx_desc *d, bool wide, struct wv_manifest *m, char **dir)
{
    if (!d->hModule)
        return ERROR_SXS_CANT_GEN_ACTCTX;
    const void *name = (d->dwFlags & WV_ACTCTX_FLAG_RESOURCE_NAME_VALID) ? d->lpResourceName : (const void *)1;
    const void *data;
    uintptr_t base = (uintptr_t)d->hModule;
    if (base & 1) /* LoadLibraryEx's data file: its resources are at file offsets, not RVAs */
        return ERROR_RESOURCE_DATA_NOT_FOUND;
    DWORD size, err = wv_res_manifest(base & ~(uintptr_t)2, name, wide, &data, &size);
    if (err)
        return err == ERROR_RESOURCE_TYPE_NOT_FOUND ? ERROR_RESOURCE_NAME_NOT_FOUND : err;
    void *copy = malloc(size ? size : 1);
    if (!copy)
        return ERROR_NOT_ENOUGH_MEMORY;
    err = wv_copy(copy, data, size);
    if (!err)
        err = wv_manifest_parse(copy, size, m);
    free(copy);
    char path[1024] = ".\\"; /* an image mapped as a resource is no module: no path of its own */
    if (!err && !wv_loader_file_name((HMODULE)d->hModule, path, sizeof(path)))
        strcpy(path, ".\\");
    if (!err) {
        char *slash = strrchr(path, '\\');
        if (slash)
            slash[1] = 0;
        err = (*dir = strdup(slash ? path : ".\\")) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    }
    return err;
}

static HANDLE wv_actctx_create(const void *p, bool wide)
{
    struct wv_actctx_desc d;
    if (!p || wv_copy(&d, p, sizeof(d.cbSize)) || d.cbSize < sizeof(d) || wv_copy(&d, p, sizeof(d)))
        return wv_fail_file(ERROR_INVALID_PARAMETER);
    if ((d.dwFlags & ~(DWORD)WV_ACTCTX_FLAGS_KNOWN))
        return wv_fail_file(ERROR_INVALID_PARAMETER);
    if (d.dwFlags & (WV_ACTCTX_FLAG_SET_PROCESS_DEFAULT | WV_ACTCTX_FLAG_SOURCE_IS_ASSEMBLYREF))
        return wv_fail_file(ERROR_NOT_SUPPORTED); /* no process default, no store to look a reference up in */
    struct wv_actctx *c = calloc(1, sizeof(*c));
    if (!c)
        return wv_fail_file(ERROR_NOT_ENOUGH_MEMORY);
    char *full = NULL, *dir = NULL;
    DWORD err = (d.dwFlags & WV_ACTCTX_FLAG_HMODULE_VALID) ? wv_root_module(&d, wide, &c->root, &dir)
                                                             : wv_root_file(&d, wide, &c->root, &full, &dir);
    c->n_assemblies = 1;
    if (!err)
        err = wv_resolve(dir, &c->root, 0, &c->n_assemblies);
    if (!err && ((full && !(c->manifest_path = wv_wide_dup(full))) || !(c->app_dir = wv_wide_dup(dir))))
        err = ERROR_NOT_ENOUGH_MEMORY;
    free(full), free(dir);
    if (err) {
        wv_manifest_free(&c->root);
        free(c->manifest_path), free(c->app_dir), free(c);
        return wv_fail_file(err);
    }
    c->magic = WV_ACTCTX_MAGIC;
    c->refs = 1;
    pthread_mutex_lock(&wv_actctx_lock);
    c->next = wv_actctxs;
    wv_actctxs = c;
    pthread_mutex_unlock(&wv_actctx_lock);
    return (HANDLE)c;
}

WV_MSABI HANDLE k32_CreateActCtxW(const void *actctx)
{
    return wv_actctx_create(actctx, true);
}

WV_MSABI HANDLE k32_CreateActCtxA(const void *actctx)
{
    return wv_actctx_create(actctx, false);
}

/* A handle that is no live context is passed over, as Windows passes over NULL. */
WV_MSABI void wv_nt_RtlAddRefActivationContext(HANDLE h)
{
    wv_actctx_get(h); /* the reference it takes is the caller's */
}

WV_MSABI void wv_nt_RtlReleaseActivationContext(HANDLE h)
{
    struct wv_actctx *c = wv_actctx_get(h);
    if (c) {
        wv_actctx_release(c); /* the lookup's */
        wv_actctx_release(c); /* the caller's */
    }
}

WV_MSABI void k32_AddRefActCtx(HANDLE h) { wv_nt_RtlAddRefActivationContext(h); }
WV_MSABI void k32_ReleaseActCtx(HANDLE h) { wv_nt_RtlReleaseActivationContext(h); }
