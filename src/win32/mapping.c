/* SPDX-License-Identifier: MIT */
/* mapping.c - CreateFileMapping and OpenFileMapping (A and W).  As on Windows (kernelbase),
 * thin wrappers over NtCreateSection and NtOpenSection: the SEC_* flags split from the page
 * protection, the handle's access derived from the protection, the name an object path under
 * \BaseNamedObjects, and the status becoming the last error.  So a name with another
 * backslash in it names a path whose directory does not exist: ERROR_PATH_NOT_FOUND, as the
 * NT call says (Wine's test_MapViewOfFile records it on NT4, where "Local\" did not exist).
 * The A forms convert the name to UTF-16 and call the W forms.
 */
#include "nt/nt.h"

#include <stdlib.h>

#define WV_SEC_FLAGS                                                                             \
    (SEC_FILE | SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE | 0x40000000u /* WRITECOMBINE */ | \
     SEC_LARGE_PAGES)
#define WV_STANDARD_RIGHTS_REQUIRED 0x000F0000u
#define WV_NAME_UNITS_MAX 32000 /* a UNICODE_STRING's length, with the directory, fits a USHORT */

/* The session's directory, where kernelbase puts a name without "Global\\" (its Global and
 * Local links reach the rest; NtQueryObject shows the name there, as on Windows). */
static const char wv_bno[] = "\\Sessions\\1\\BaseNamedObjects\\";
_Static_assert(WV_OB_SESSION == 1, "the session in wv_bno");

/* The access kernelbase asks for a section of this protection; 0 for a protection none takes. */
static ACCESS_MASK wv_mapping_access(ULONG prot)
{
    ACCESS_MASK a = WV_STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_READ;
    switch (prot) {
    case PAGE_READONLY:
    case PAGE_WRITECOPY:
        return a;
    case PAGE_READWRITE:
        return a | SECTION_MAP_WRITE;
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY:
        return a | SECTION_MAP_EXECUTE;
    case PAGE_EXECUTE_READWRITE:
        return a | SECTION_MAP_WRITE | SECTION_MAP_EXECUTE;
    default:
        return 0;
    }
}

struct wv_objname {
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING u;
    WCHAR *buf;
};

/* n->oa names \Sessions\1\BaseNamedObjects\<name> (name NULL: no name).  0, ERROR_NOACCESS for a name
 * the caller cannot read, ERROR_FILENAME_EXCED_RANGE, ERROR_NOT_ENOUGH_MEMORY. */
static DWORD wv_objname_init(struct wv_objname *n, LPCWSTR name, ULONG attrs)
{
    size_t pre = sizeof(wv_bno) - 1, len = 0;
    *n = (struct wv_objname){.oa = {.Length = sizeof(OBJECT_ATTRIBUTES), .Attributes = attrs}};
    if (!name)
        return 0;
    for (WCHAR c = 1; len <= WV_NAME_UNITS_MAX; len++) {
        if (wv_copy(&c, name + len, sizeof(c)))
            return ERROR_NOACCESS;
        if (!c)
            break;
    }
    if (len > WV_NAME_UNITS_MAX)
        return ERROR_FILENAME_EXCED_RANGE;
    if (len == 0)
        return 0; /* "" is no name (RtlInitUnicodeString gives length 0) */
    if (!(n->buf = malloc((pre + len) * sizeof(WCHAR))))
        return ERROR_NOT_ENOUGH_MEMORY;
    for (size_t i = 0; i < pre; i++)
        n->buf[i] = (WCHAR)wv_bno[i];
    if (wv_copy(n->buf + pre, name, len * sizeof(WCHAR))) {
        free(n->buf);
        return ERROR_NOACCESS;
    }
    n->u.Length = n->u.MaximumLength = (USHORT)((pre + len) * sizeof(WCHAR));
    n->u.Buffer = n->buf;
    n->oa.ObjectName = &n->u;
    return 0;
}

HANDLE WINAPI CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect, DWORD hi,
                                 DWORD lo, LPCWSTR name)
{
    ULONG sec = protect & WV_SEC_FLAGS, prot = protect & ~(ULONG)WV_SEC_FLAGS;
    ACCESS_MASK access = wv_mapping_access(prot);
    SECURITY_ATTRIBUTES a = {0};
    if (!access)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    if (file == INVALID_HANDLE_VALUE && !hi && !lo)
        return wv_fail_null(ERROR_INVALID_PARAMETER); /* a pagefile section needs a size */
    if (sa && wv_copy(&a, sa, sizeof(a)))
        return wv_fail_null(ERROR_NOACCESS);
    struct wv_objname n;
    DWORD err = wv_objname_init(&n, name, OBJ_OPENIF);
    if (err)
        return wv_fail_null(err);
    LARGE_INTEGER size = {.QuadPart = (LONGLONG)((uint64_t)hi << 32 | lo)};
    HANDLE h = NULL;
    NTSTATUS st = NtCreateSection(&h, access, &n.oa, &size, prot, sec ? sec : SEC_COMMIT,
                                  file == INVALID_HANDLE_VALUE ? NULL : file);
    free(n.buf);
    WV_TRACE(WV_TRACE_SECTION, "CreateFileMapping(%p, %#x, %#llx) = %p, status %#x", file, protect,
             (unsigned long long)size.QuadPart, st < 0 ? NULL : h, (unsigned)st);
    if (st < 0)
        return wv_fail_null(wv_error_of(st));
    if (a.bInheritHandle) /* CreateProcess with bInheritHandles passes it on */
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    wv_set_error(st == STATUS_OBJECT_NAME_EXISTS ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    if (!name)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    struct wv_objname n;
    DWORD err = wv_objname_init(&n, name, 0);
    if (err)
        return wv_fail_null(err);
    if (access == FILE_MAP_COPY) /* a copy view needs only map-read */
        access = SECTION_MAP_READ;
    HANDLE h = NULL;
    NTSTATUS st = NtOpenSection(&h, access, &n.oa);
    free(n.buf);
    WV_TRACE(WV_TRACE_SECTION, "OpenFileMapping(%#x) = %p, status %#x", access, st ? NULL : h, (unsigned)st);
    if (st)
        return wv_fail_null(wv_error_of(st));
    if (inherit)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    return h;
}

/* The A forms: the name in UTF-16 (invalid bytes replaced), then the W forms. */
static DWORD wv_wide_name(LPCSTR name, WCHAR **w)
{
    *w = NULL;
    if (!name)
        return 0;
    char probe;
    if (wv_copy(&probe, name, 1))
        return ERROR_NOACCESS;
    return (*w = wv_utf16(name)) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
}

HANDLE WINAPI CreateFileMappingA(HANDLE file, LPSECURITY_ATTRIBUTES sa, DWORD protect, DWORD hi,
                                 DWORD lo, LPCSTR name)
{
    WCHAR *w;
    DWORD err = wv_wide_name(name, &w);
    if (err)
        return wv_fail_null(err);
    HANDLE h = CreateFileMappingW(file, sa, protect, hi, lo, w);
    free(w);
    return h;
}

HANDLE WINAPI OpenFileMappingA(DWORD access, BOOL inherit, LPCSTR name)
{
    WCHAR *w;
    DWORD err = wv_wide_name(name, &w);
    if (err)
        return wv_fail_null(err);
    HANDLE h = OpenFileMappingW(access, inherit, w);
    free(w);
    return h;
}
