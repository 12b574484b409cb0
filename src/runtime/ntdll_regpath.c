/* SPDX-License-Identifier: MIT */
/* ntdll_regpath.c - registry keys' NT names: OBJECT_ATTRIBUTES read into the registry's (root,
 * path) (reg_key.c's key handles name keys that way), and back into \REGISTRY\... for
 * KeyNameInformation.
 *
 * The name walks the object namespace as on Windows: \Registry is a key object in the root
 * directory, so a name outside it is looked up in the tree (ob/objdir.c), whose objects are of
 * another type (STATUS_OBJECT_TYPE_MISMATCH) and whose missing names are missing.  Inside it,
 * Machine is HKEY_LOCAL_MACHINE (its Software\Classes HKEY_CLASSES_ROOT, as Windows shows that
 * hive), User is HKEY_USERS, and User\<the user's SID> HKEY_CURRENT_USER.  Key names compare
 * without case whatever OBJ_CASE_INSENSITIVE says, \Registry's own name too (Windows 10 1607
 * and later; facts: Wine's ntdll/tests/reg.c). */
#define _GNU_SOURCE
#include "runtime/ntdll_reg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Windows' longest key name, in UTF-16 units (Wine's om.c: 256 pass, 257 do not). */
#define WV_KEY_NAME_MAX 256

void wv_user_sid_text(char *buf, size_t cap)
{
    snprintf(buf, cap, "S-1-5-21-0-0-0-%u", (unsigned)geteuid()); /* advapi32_token.c's SID */
}

size_t wv_nt_reg_utf8(const WCHAR *w, size_t n, char *out)
{
    size_t at = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, len = 0;
        while (j < n && w[j])
            j++;
        wv_utf16_to_utf8(w + i, j - i, out + at, 3 * (j - i), WV_TEXT_WTF8, &len);
        at += len;
        if (j < n)
            out[at++] = (char)0xC0, out[at++] = (char)0x80;
        i = j + 1;
    }
    out[at] = 0;
    return at;
}

size_t wv_nt_reg_utf16(const char *s, WCHAR *out, size_t cap)
{
    size_t at = 0;
    for (;;) {
        const char *nul = strstr(s, "\xC0\x80");
        size_t seg = nul ? (size_t)(nul - s) : strlen(s), len = 0;
        if (wv_utf8_to_utf16(s, seg, out ? out + at : NULL, out ? cap - at : 0, WV_TEXT_WTF8, &len) && out)
            return 0;
        at += len;
        if (!nul)
            return at;
        if (out && at >= cap)
            return 0;
        if (out)
            out[at] = 0;
        at++, s = nul + 2;
    }
}

/* Drops a leading component equal (without case) to name from *p: true when it was there. */
static bool wv_strip(const char **p, const char *name)
{
    size_t n = strlen(name);
    if (strncasecmp(*p, name, n) != 0 || ((*p)[n] && (*p)[n] != '\\'))
        return false;
    *p += n + ((*p)[n] != 0);
    return true;
}

/* \Registry's children to the predefined trees they are. */
static void wv_canon(int *root, const char **p)
{
    char sid[64];
    if (*root == WV_REG_TOP && wv_strip(p, "Machine"))
        *root = 2;
    else if (*root == WV_REG_TOP && wv_strip(p, "User"))
        *root = 3;
    wv_user_sid_text(sid, sizeof(sid));
    if (*root == 3 && wv_strip(p, sid))
        *root = 1;
    const char *q = *p;
    if (*root == 2 && wv_strip(&q, "Software") && wv_strip(&q, "Classes"))
        *root = 0, *p = q;
}

/* base (a handle's path, may be "") and the n units of rel as one path: components joined by
 * one backslash, empty ones dropped.  0, STATUS_INVALID_PARAMETER (a component too long) or
 * STATUS_NO_MEMORY. */
static NTSTATUS wv_join(const char *base, const WCHAR *rel, size_t n, char **out)
{
    size_t cap = strlen(base) + 3 * n + 2, at = strlen(base);
    char *s = malloc(cap);
    if (!s)
        return (NTSTATUS)STATUS_NO_MEMORY;
    memcpy(s, base, at + 1);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && rel[j] != '\\')
            j++;
        if (j - i > WV_KEY_NAME_MAX)
            return free(s), STATUS_INVALID_PARAMETER;
        if (j > i) {
            if (at)
                s[at++] = '\\';
            at += wv_nt_reg_utf8(rel + i, j - i, s + at);
        }
        i = j + 1;
    }
    s[at] = 0;
    *out = s;
    return STATUS_SUCCESS;
}

/* An absolute name that is not \Registry's: the tree's answer (a missing name, or an object
 * that is no key). */
static NTSTATUS wv_outside(const WCHAR *w, size_t n)
{
    struct wv_od_path p;
    static const WCHAR null[] = {'\\', 'D', 'E', 'V', 'I', 'C', 'E', '\\', 'N', 'U', 'L', 'L'};
    bool is_null = n == 12;
    for (size_t i = 0; is_null && i < n; i++)
        is_null = (w[i] >= 'a' && w[i] <= 'z' ? w[i] - 32 : w[i]) == null[i];
    if (is_null)
        return STATUS_OBJECT_TYPE_MISMATCH; /* a device the file layer serves (ntdll_file.c) */
    NTSTATUS st = wv_od_lookup(NULL, w, n, OBJ_CASE_INSENSITIVE, WV_OD_FOLLOW, &p);
    if (st)
        return st;
    st = p.found ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_OBJECT_NAME_NOT_FOUND;
    wv_od_path_free(&p);
    return st;
}

/* The key handle root: its root and path, or the status for a handle that names no key. */
NTSTATUS wv_nt_key_of(HANDLE h, int *root, char **path, DWORD *access)
{
    DWORD a;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &a);
    bool key = o && o->kind == WV_KIND_KEY;
    wv_object_unref(o);
    if (!key)
        return o ? STATUS_OBJECT_TYPE_MISMATCH : STATUS_INVALID_HANDLE;
    DWORD err = wv_key_resolve(h, root, path, access ? access : &a);
    return err ? wv_nt_key_status(err) : STATUS_SUCCESS;
}

static NTSTATUS wv_resolve(HANDLE dir, const WCHAR *w, size_t n, int *root, char **path)
{
    static const WCHAR reg[] = {'\\', 'R', 'E', 'G', 'I', 'S', 'T', 'R', 'Y'};
    const size_t rn = sizeof(reg) / sizeof(reg[0]);
    char *base = NULL;
    NTSTATUS st;
    if (dir) {
        if ((st = wv_nt_key_of(dir, root, &base, NULL)))
            return st;
        bool made;
        DWORD err = wv_key_open_at(*root, base, 0, WV_KEY_OPEN, &made);
        if (err == ERROR_FILE_NOT_FOUND)
            return free(base), STATUS_KEY_DELETED; /* the root key was deleted since */
        if (n && w[0] == '\\')
            return free(base), STATUS_OBJECT_PATH_SYNTAX_BAD;
    } else {
        if (!n || w[0] != '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        bool in = n >= rn && (n == rn || w[rn] == '\\');
        for (size_t i = 1; in && i < rn; i++)
            in = (w[i] & ~0x20) == reg[i];
        if (!in)
            return wv_outside(w, n);
        *root = WV_REG_TOP, w += rn, n -= rn;
    }
    char *full;
    st = wv_join(base ? base : "", w, n, &full);
    free(base);
    if (st)
        return st;
    const char *p = full;
    wv_canon(root, &p);
    *path = strdup(p);
    free(full);
    return *path ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
}

NTSTATUS wv_nt_key_oa(const OBJECT_ATTRIBUTES *oa, int *root, char **path)
{
    OBJECT_ATTRIBUTES a;
    UNICODE_STRING u;
    if (!oa || wv_copy(&a, oa, sizeof(a)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (a.Length != sizeof(a) || (a.Attributes & ~(ULONG)OBJ_VALID_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    if (!a.ObjectName || wv_copy(&u, a.ObjectName, sizeof(u)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if ((u.Length & 1) || u.Length > 65532)
        return STATUS_OBJECT_NAME_INVALID;
    WCHAR *w = malloc(u.Length + 2u);
    if (!w)
        return (NTSTATUS)STATUS_NO_MEMORY;
    NTSTATUS st = u.Length && wv_copy(w, u.Buffer, u.Length) ? (NTSTATUS)STATUS_ACCESS_VIOLATION
                                                             : wv_resolve(a.RootDirectory, w, u.Length / 2, root, path);
    free(w);
    return st;
}

size_t wv_nt_key_name(int root, const char *path, WCHAR *out, size_t cap)
{
    char sid[64], *s = NULL;
    wv_user_sid_text(sid, sizeof(sid));
    const char *top = root == 0 ? "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes" : root == 1 ? "\\REGISTRY\\USER\\"
                    : root == 2 ? "\\REGISTRY\\MACHINE" : root == 3 ? "\\REGISTRY\\USER" : "\\REGISTRY";
    if (asprintf(&s, "%s%s%s%s", top, root == 1 ? sid : "", *path ? "\\" : "", path) < 0)
        return 0;
    size_t n = wv_nt_reg_utf16(s, out, cap);
    free(s);
    return n;
}

NTSTATUS wv_nt_key_status(DWORD err)
{
    switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return STATUS_OBJECT_NAME_NOT_FOUND;
    case ERROR_KEY_DELETED:
        return STATUS_KEY_DELETED;
    case ERROR_TOO_MANY_OPEN_FILES:
        return STATUS_INSUFFICIENT_RESOURCES;
    default:
        return wv_status_of(err);
    }
}
