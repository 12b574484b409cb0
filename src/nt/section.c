/* SPDX-License-Identifier: MIT */
/* section.c - NtCreateSection and NtOpenSection over the cores of CreateFileMapping and
 * OpenFileMapping (section/section.c).  The NT forms take the protection and the SEC_* flags
 * apart, a file handle of NULL for none, the handle's access, and the name as an object path:
 * \BaseNamedObjects\NAME (Global) or \Sessions\N\BaseNamedObjects\NAME (Local), which winvm
 * keeps in its one namespace of named sections per user (the core's "NAME").  Windows' statuses
 * for what the cores report as Win32 errors (facts: Wine's test_section_access,
 * test_CreateFileMapping and test_NtQuerySection tables, run on Windows).
 */
#include "nt/nt.h"

#include <string.h>
#include <unistd.h>

#define WV_OBJ_NAME_MAX 2048 /* UTF-8 bytes of an object path winvm takes */
#define WV_MAXIMUM_ALLOWED 0x02000000u

/* SECTION_* rights for an access mask with generic rights in it (ob/access.c). */
static DWORD wv_section_rights(ACCESS_MASK access) { return wv_ob_rights(WV_KIND_SECTION, access); }

/* ---- NtCreateSection ---- */

/* The six protections a section takes (PAGE_NOACCESS and PAGE_EXECUTE are not among them). */
static bool wv_section_prot_ok(ULONG prot)
{
    return prot == PAGE_READONLY || prot == PAGE_READWRITE || prot == PAGE_WRITECOPY ||
           prot == PAGE_EXECUTE_READ || prot == PAGE_EXECUTE_READWRITE || prot == PAGE_EXECUTE_WRITECOPY;
}

/* Wine's test_CreateFileMapping table: SEC_IMAGE alone (or SEC_IMAGE_NO_EXECUTE, with
 * SEC_NOCACHE); else SEC_COMMIT or SEC_RESERVE with at most one cache flag; SEC_LARGE_PAGES
 * only on a committed pagefile section. */
static NTSTATUS wv_section_attrs_ok(ULONG attrs, bool file)
{
    if (attrs == SEC_IMAGE || attrs == (SEC_IMAGE | SEC_NOCACHE))
        return STATUS_SUCCESS;
    ULONG kind = attrs & (SEC_COMMIT | SEC_RESERVE), rest = attrs & ~(ULONG)(SEC_COMMIT | SEC_RESERVE);
    if (kind != SEC_COMMIT && kind != SEC_RESERVE)
        return STATUS_INVALID_PARAMETER_6;
    if (rest & ~(ULONG)(SEC_NOCACHE | SEC_WRITECOMBINE | SEC_LARGE_PAGES))
        return STATUS_INVALID_PARAMETER_6;
    if ((rest & SEC_NOCACHE) && (rest & SEC_WRITECOMBINE))
        return STATUS_INVALID_PARAMETER_6;
    if ((rest & SEC_LARGE_PAGES) && (file || kind != SEC_COMMIT))
        return STATUS_INVALID_PARAMETER_6;
    return STATUS_SUCCESS;
}

/* What a SEC_IMAGE file is when the core refused it (section/image.c). */
static NTSTATUS wv_image_status(HANDLE file)
{
    DWORD granted;
    struct wv_file *f = (struct wv_file *)wv_handle_get(file, WV_KIND_FILE, &granted);
    NTSTATUS st = (NTSTATUS)wv_image_file_status(f ? f->fd : -1);
    wv_object_unref(f ? &f->obj : NULL);
    return st;
}

/* The status for the core's error. */
static NTSTATUS wv_create_status(DWORD err, HANDLE file, ULONG attrs, uint64_t size)
{
    /* An image the core could not read: what the file is says which status. */
    if ((attrs & SEC_IMAGE) && err != ERROR_ACCESS_DENIED && err != ERROR_INVALID_HANDLE &&
        err != ERROR_NOT_ENOUGH_MEMORY && err != ERROR_TOO_MANY_OPEN_FILES)
        return wv_image_status(file);
    switch (err) {
    case ERROR_BAD_EXE_FORMAT:
        return wv_image_status(file);
    case ERROR_FILE_INVALID:
        return STATUS_MAPPED_FILE_SIZE_ZERO;
    case ERROR_NOT_ENOUGH_MEMORY:
        return file != INVALID_HANDLE_VALUE || size > WV_END_ADDR ? STATUS_SECTION_TOO_BIG
                                                                   : (NTSTATUS)STATUS_NO_MEMORY;
    case ERROR_DISK_FULL:
        return STATUS_DISK_FULL;
    case ERROR_INVALID_NAME:
        return STATUS_OBJECT_NAME_INVALID;
    case ERROR_FILENAME_EXCED_RANGE:
        return STATUS_NAME_TOO_LONG;
    case ERROR_TOO_MANY_OPEN_FILES:
        return STATUS_TOO_MANY_OPENED_FILES;
    default:
        return wv_status_of(err);
    }
}

/* Checks in Windows' order up to the core call: 0 with the core's protection word and size. */
static NTSTATUS wv_create_args(PLARGE_INTEGER max_size, ULONG prot, ULONG attrs, HANDLE file,
                               DWORD *word, uint64_t *size)
{
    *size = 0;
    if (!wv_section_prot_ok(prot))
        return STATUS_INVALID_PAGE_PROTECTION;
    NTSTATUS st = wv_section_attrs_ok(attrs, file != NULL);
    if (st)
        return st;
    if (max_size && wv_copy(size, max_size, sizeof(*size)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!file && (attrs & SEC_IMAGE))
        return (NTSTATUS)STATUS_INVALID_FILE_FOR_SECTION;
    if (!file && *size == 0)
        return STATUS_INVALID_PARAMETER_4;
    if ((int64_t)*size < 0 && !file)
        return STATUS_SECTION_TOO_BIG; /* a file's section tries to grow the file (DISK_FULL) */
    if (file == INVALID_HANDLE_VALUE)
        return STATUS_INVALID_HANDLE; /* the process pseudo handle is no file */
    if (attrs & SEC_LARGE_PAGES)
        return STATUS_PRIVILEGE_NOT_HELD; /* winvm grants no SeLockMemoryPrivilege */
    /* SEC_IMAGE_NO_EXECUTE maps as SEC_IMAGE: winvm's images execute where their sections say. */
    *word = prot | (attrs & SEC_IMAGE ? SEC_IMAGE : attrs);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI NtCreateSection(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa, PLARGE_INTEGER max_size,
                               ULONG prot, ULONG attrs, HANDLE file)
{
    char buf[WV_OBJ_NAME_MAX * 2];
    const char *name;
    ULONG oattrs;
    DWORD word = 0;
    uint64_t size;
    if (!out || wv_copy(out, out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st = wv_nt_read_name(oa, buf, sizeof(buf), &name, &oattrs, true);
    if (st || (st = wv_create_args(max_size, prot, attrs, file, &word, &size)))
        return st;
    HANDLE core_file = file ? file : INVALID_HANDLE_VALUE, h = NULL;
    bool existed = false;
    DWORD err = wv_section_create(core_file, word, size, name, wv_section_rights(access), &h, &existed);
    if (err)
        return wv_create_status(err, core_file, attrs, size);
    if (existed && !(oattrs & OBJ_OPENIF)) {
        wv_handle_close(h);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    wv_nt_name_handle(h);
    wv_nt_out(out, &h, sizeof(h));
    return existed ? STATUS_OBJECT_NAME_EXISTS : STATUS_SUCCESS;
}

/* ---- NtOpenSection ---- */

NTSTATUS NTAPI NtOpenSection(PHANDLE out, ACCESS_MASK access, POBJECT_ATTRIBUTES oa)
{
    char buf[WV_OBJ_NAME_MAX * 2];
    const char *name;
    ULONG oattrs;
    if (!out || wv_copy(out, out, sizeof(*out)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!oa)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS st = wv_nt_read_name(oa, buf, sizeof(buf), &name, &oattrs, false);
    if (st)
        return st;
    if (!name)
        return STATUS_OBJECT_PATH_SYNTAX_BAD; /* an open needs a name */
    HANDLE h = NULL;
    DWORD rights = wv_section_rights(access);
    DWORD err = wv_section_open(rights, name, &h);
    if (err == ERROR_FILE_NOT_FOUND)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (err == ERROR_INVALID_HANDLE)
        return STATUS_OBJECT_TYPE_MISMATCH; /* the name is another kind of object */
    if (err)
        return wv_create_status(err, INVALID_HANDLE_VALUE, 0, 0);
    wv_nt_name_handle(h);
    wv_nt_out(out, &h, sizeof(h));
    return STATUS_SUCCESS;
}
