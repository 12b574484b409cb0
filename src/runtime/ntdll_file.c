/* SPDX-License-Identifier: MIT */
/* ntdll_file.c - ntdll's file calls over kernel32's file layer (section/file.c's objects):
 * NtCreateFile, NtOpenFile, and synchronous NtReadFile / NtWriteFile (ms_abi, for ntdll.c's
 * table; NtQueryInformationFile is ntdll_fileinfo.c's).
 *
 * Names are NT paths: "\??\X:\..." (or "\DosDevices\X:\...") is the Win32 path "X:\..."
 * mapped as kernel32 maps it (docs/semantics.md, "Paths"), "\??\NUL" and "\Device\Null" the
 * null device, "\??\pipe\NAME" and "\Device\NamedPipe\NAME" a named pipe's client end; a name
 * relative to OBJECT_ATTRIBUTES.RootDirectory (a directory's handle) is looked up in that
 * directory.  A relative name without a root is STATUS_OBJECT_PATH_SYNTAX_BAD; another object
 * directory (\BaseNamedObjects, ...) holds no files: STATUS_OBJECT_TYPE_MISMATCH for its
 * objects, as Windows answers for a file open of an event or a link there.  Wildcards and the
 * characters Windows refuses in a name are STATUS_OBJECT_NAME_INVALID.
 *
 * Dispositions are NtCreateFile's six; IO_STATUS_BLOCK.Information says what was done
 * (FILE_SUPERSEDED, FILE_OPENED, FILE_CREATED, FILE_OVERWRITTEN).  Every handle is synchronous
 * (the FILE_SYNCHRONOUS_IO_* options are accepted; without them Windows makes an asynchronous
 * handle whose reads need an offset: winvm's still keep the position); an APC routine given to
 * NtReadFile/NtWriteFile is not queued (docs/semantics.md).  NT calls set no last error.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/io_int.h"
#include "runtime/ntdll_file.h"
#include "nt/nt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The status of a file layer's Win32 error, as NtCreateFile reports it. */
NTSTATUS wv_ntfile_status(DWORD err)
{
    static const DWORD map[][2] = {
        {ERROR_FILE_NOT_FOUND, 0xC0000034},    {ERROR_PATH_NOT_FOUND, 0xC000003A},
        {ERROR_FILE_EXISTS, 0xC0000035},       {ERROR_ALREADY_EXISTS, 0xC0000035},
        {ERROR_ACCESS_DENIED, 0xC0000022},     {ERROR_SHARING_VIOLATION, 0xC0000043},
        {ERROR_INVALID_NAME, 0xC0000033},      {ERROR_DIRECTORY, 0xC0000103},
        {ERROR_BAD_NETPATH, 0xC00000BE},       {ERROR_INVALID_PARAMETER, 0xC000000D},
        {ERROR_INVALID_HANDLE, 0xC0000008},    {ERROR_NOT_ENOUGH_MEMORY, 0xC0000017},
        {ERROR_FILENAME_EXCED_RANGE, 0xC0000033}, {ERROR_PIPE_BUSY, 0xC00000AE},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i][0] == err)
            return (NTSTATUS)map[i][1];
    return (NTSTATUS)wv_io_status(err);
}

/* The UTF-8 of a counted UTF-16 name (Length bytes at Buffer): 0 or a status. */
static NTSTATUS wv_ntfile_name(const UNICODE_STRING *us, char **out)
{
    UNICODE_STRING u;
    *out = NULL;
    if (wv_copy(&u, us, sizeof(u)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if ((u.Length & 1) || u.Length > u.MaximumLength)
        return STATUS_OBJECT_NAME_INVALID;
    size_t n = u.Length / 2, len = 0;
    WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
    char *s = malloc(n * 3 + 1);
    NTSTATUS st = !w || !s ? (NTSTATUS)STATUS_NO_MEMORY
                  : (n && wv_copy(w, u.Buffer, n * 2)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION
                  : wv_utf16_to_utf8(w, n, s, n * 3, WV_TEXT_STRICT, &len) ? STATUS_OBJECT_NAME_INVALID
                                                                          : STATUS_SUCCESS;
    free(w);
    if (st || memchr(s, 0, len)) {
        free(s);
        return st ? st : STATUS_OBJECT_NAME_INVALID;
    }
    s[len] = 0;
    *out = s;
    return STATUS_SUCCESS;
}

/* Characters Windows refuses in a file name (wildcards included); '\' separates. */
static bool wv_ntfile_bad_chars(const char *p)
{
    for (; *p; p++)
        if (strchr("*?<>|\"", *p) || (unsigned char)*p < 0x20)
            return true;
    return false;
}

/* Strips prefix (case-insensitively) from *p: true when it was there. */
static bool wv_ntfile_prefix(const char **p, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncasecmp(*p, prefix, n))
        return false;
    *p += n;
    return true;
}

/* An absolute NT name as kernel32's Win32 form ("X:\...", "NUL", "\\.\pipe\NAME"): 0 and
 * *win (malloc'ed), or the status. */
static NTSTATUS wv_ntfile_win32(const char *nt, char **win)
{
    const char *p = nt;
    *win = NULL;
    bool dos = wv_ntfile_prefix(&p, "\\??\\") || wv_ntfile_prefix(&p, "\\DosDevices\\");
    bool dev = !dos && wv_ntfile_prefix(&p, "\\Device\\");
    if (dos && (wv_ntfile_prefix(&p, "pipe\\") || wv_ntfile_prefix(&p, "GLOBALROOT\\Device\\NamedPipe\\")))
        return asprintf(win, "\\\\.\\pipe\\%s", p) < 0 ? (NTSTATUS)STATUS_NO_MEMORY : STATUS_SUCCESS;
    if (dev && wv_ntfile_prefix(&p, "NamedPipe\\"))
        return asprintf(win, "\\\\.\\pipe\\%s", p) < 0 ? (NTSTATUS)STATUS_NO_MEMORY : STATUS_SUCCESS;
    if ((dos && (wv_ntfile_prefix(&p, "mailslot\\") || wv_ntfile_prefix(&p, "GLOBALROOT\\Device\\MailSlot\\"))) ||
        (dev && wv_ntfile_prefix(&p, "MailSlot\\")))
        return asprintf(win, "\\\\.\\mailslot\\%s", p) < 0 ? (NTSTATUS)STATUS_NO_MEMORY : STATUS_SUCCESS;
    if ((dos && !strcasecmp(p, "NUL")) || (dev && !strcasecmp(p, "Null")))
        return (*win = strdup("NUL")) ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
    if (dos && wv_ntfile_prefix(&p, "UNC\\"))
        return (NTSTATUS)0xC00000BE; /* STATUS_BAD_NETWORK_PATH: no network */
    if (!dos) /* another object directory: no files there */
        return nt[strlen(nt) - 1] == '\\' ? STATUS_OBJECT_NAME_INVALID : STATUS_OBJECT_TYPE_MISMATCH;
    if (!((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z' && p[1] == ':'))
        return STATUS_OBJECT_NAME_NOT_FOUND; /* \??\ holds drives and devices only */
    if (p[2] && p[2] != '\\')
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (wv_ntfile_bad_chars(p + 2))
        return STATUS_OBJECT_NAME_INVALID;
    return (*win = strdup(p[2] ? p : "C:\\")) ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY;
}

/* name relative to the directory open as root: the host path. */
static NTSTATUS wv_ntfile_at_root(HANDLE root, const char *name, char **host)
{
    struct wv_file *f = wv_file_of(root, NULL);
    if (!f)
        return (NTSTATUS)0xC0000008; /* STATUS_INVALID_HANDLE */
    char link[64], dir[4096];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", f->fd);
    ssize_t n = readlink(link, dir, sizeof(dir) - 1);
    wv_object_unref(&f->obj);
    if (n <= 0)
        return (NTSTATUS)0xC0000008;
    dir[n] = 0;
    if (name[0] == '\\')
        return STATUS_INVALID_PARAMETER;
    if (wv_ntfile_bad_chars(name))
        return STATUS_OBJECT_NAME_INVALID;
    if (asprintf(host, "%s%s%s", dir, *name ? "/" : "", name) < 0)
        return (NTSTATUS)STATUS_NO_MEMORY;
    for (char *c = *host; *c; c++)
        if (*c == '\\')
            *c = '/';
    return STATUS_SUCCESS;
}

NTSTATUS wv_ntfile_resolve(const OBJECT_ATTRIBUTES *attr, char **host, char **pipe)
{
    OBJECT_ATTRIBUTES a;
    char *name = NULL, *win = NULL;
    *host = *pipe = NULL;
    if (!attr || wv_copy(&a, attr, sizeof(a)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (!a.ObjectName && !a.RootDirectory)
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    char *tree = NULL;
    NTSTATUS st = wv_nt_file_path(attr, &tree);
    if (st)
        return st;
    if (tree)
        a.RootDirectory = NULL, name = tree; /* the tree's links followed: an absolute name */
    else
        st = a.ObjectName ? wv_ntfile_name(a.ObjectName, &name) : ((name = strdup("")) ? STATUS_SUCCESS : (NTSTATUS)STATUS_NO_MEMORY);
    if (st)
        return st;
    if (a.RootDirectory)
        st = wv_ntfile_at_root(a.RootDirectory, name, host);
    else if (name[0] != '\\')
        st = STATUS_OBJECT_PATH_SYNTAX_BAD;
    else if (!(st = wv_ntfile_win32(name, &win))) {
        if (wv_npipe_rest(win) || wv_mslot_rest(win))
            *pipe = win, win = NULL;
        else {
            DWORD err = wv_path_host(win, host);
            st = err ? wv_ntfile_status(err) : STATUS_SUCCESS;
        }
    }
    free(name);
    free(win);
    return st;
}

#define WV_FILE_SUPERSEDE 0
#define WV_FILE_OPEN 1
#define WV_FILE_CREATE 2
#define WV_FILE_OPEN_IF 3
#define WV_FILE_OVERWRITE 4
#define WV_FILE_OVERWRITE_IF 5
#define WV_FILE_DIRECTORY_FILE 0x1
#define WV_FILE_NON_DIRECTORY_FILE 0x40
#define WV_FILE_DELETE_ON_CLOSE 0x1000
enum { WV_SUPERSEDED, WV_OPENED, WV_CREATED, WV_OVERWRITTEN };

/* A directory made for FILE_CREATE / FILE_OPEN_IF with FILE_DIRECTORY_FILE: *made when this
 * call made it.  0 or a status. */
static NTSTATUS wv_ntfile_mkdir(const char *host, ULONG disposition, bool *made)
{
    *made = false;
    if (disposition != WV_FILE_CREATE && disposition != WV_FILE_OPEN_IF)
        return STATUS_SUCCESS;
    if (mkdir(host, 0777) == 0)
        return *made = true, STATUS_SUCCESS;
    if (errno == EEXIST)
        return disposition == WV_FILE_OPEN_IF ? STATUS_SUCCESS : (NTSTATUS)0xC0000035;
    return wv_ntfile_status(wv_file_path_error(host, errno));
}

/* What Information says for a disposition, the file there before (existed) or not. */
static ULONG_PTR wv_ntfile_info(ULONG disposition, bool existed)
{
    switch (disposition) {
    case WV_FILE_SUPERSEDE: return existed ? WV_SUPERSEDED : WV_CREATED;
    case WV_FILE_CREATE: return WV_CREATED;
    case WV_FILE_OPEN_IF: return existed ? WV_OPENED : WV_CREATED;
    case WV_FILE_OVERWRITE: return WV_OVERWRITTEN;
    case WV_FILE_OVERWRITE_IF: return existed ? WV_OVERWRITTEN : WV_CREATED;
    default: return WV_OPENED;
    }
}

/* Opens host as the request says: 0 and *h, *info; or a status, nothing left behind. */
static NTSTATUS wv_ntfile_open(const char *host, const struct wv_ntfile_req *r, HANDLE *h, ULONG_PTR *info)
{
    static const DWORD how[] = {CREATE_ALWAYS, OPEN_EXISTING, CREATE_NEW, OPEN_ALWAYS, TRUNCATE_EXISTING, CREATE_ALWAYS};
    bool dir = r->options & WV_FILE_DIRECTORY_FILE, made = false, existed = false;
    NTSTATUS st = dir ? wv_ntfile_mkdir(host, r->disposition, &made) : STATUS_SUCCESS;
    if (st)
        return st;
    DWORD flags = (r->attrs & FILE_ATTRIBUTE_READONLY) | (r->options & WV_FILE_DELETE_ON_CLOSE ? FILE_FLAG_DELETE_ON_CLOSE : 0);
    if (!(r->options & WV_FILE_NON_DIRECTORY_FILE))
        flags |= FILE_FLAG_BACKUP_SEMANTICS; /* NtCreateFile opens directories as they are */
    DWORD disp = dir ? OPEN_EXISTING : how[r->disposition];
    DWORD e = wv_file_open(host, r->access, r->share, disp, flags, h, &existed), err = wv_sysdir_error(host, e);
    if (err != e && disp != OPEN_EXISTING && disp != TRUNCATE_EXISTING)
        err = ERROR_ACCESS_DENIED; /* a new file in the system directory: its ACL refuses it */
    struct stat sta;
    struct wv_file *f = err ? NULL : wv_file_of(*h, NULL);
    if (f && fstat(f->fd, &sta) == 0) {
        if (dir && !S_ISDIR(sta.st_mode) && !S_ISCHR(sta.st_mode)) /* a device takes it (om.c: \Device\Null) */
            st = (NTSTATUS)0xC0000103; /* STATUS_NOT_A_DIRECTORY */
        else if ((r->options & WV_FILE_NON_DIRECTORY_FILE) && S_ISDIR(sta.st_mode))
            st = (NTSTATUS)0xC00000BA; /* STATUS_FILE_IS_A_DIRECTORY */
    }
    if (f)
        wv_object_unref(&f->obj);
    if (!err && st)
        wv_handle_close(*h);
    if (err || st) {
        if (made)
            rmdir(host);
        if (err == ERROR_ACCESS_DENIED && (r->options & WV_FILE_NON_DIRECTORY_FILE) && !stat(host, &sta) &&
            S_ISDIR(sta.st_mode))
            return (NTSTATUS)0xC00000BA;
        return st ? st : wv_ntfile_status(err);
    }
    *info = dir ? (made ? WV_CREATED : WV_OPENED) : wv_ntfile_info(r->disposition, existed);
    return STATUS_SUCCESS;
}

/* A pipe's or a mailslot's client end (win: "\\.\pipe\NAME", "\\.\mailslot\NAME"): 0 and
 * *h, or the status. */
static NTSTATUS wv_ntfile_pipe(const char *win, const struct wv_ntfile_req *r, HANDLE *h)
{
    DWORD saved = GetLastError();
    if (r->disposition != WV_FILE_OPEN && r->disposition != WV_FILE_OPEN_IF)
        return STATUS_OBJECT_NAME_COLLISION; /* a pipe is made by NtCreateNamedPipeFile */
    if (!wv_npipe_createfile(win, r->access, 0, h))
        wv_mslot_createfile(win, r->access, 0, h);
    DWORD err = *h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
    SetLastError(saved);
    return err ? wv_ntfile_status(err) : STATUS_SUCCESS;
}

NTSTATUS wv_ntfile_create(HANDLE *out, const OBJECT_ATTRIBUTES *attr, IO_STATUS_BLOCK *iosb,
                          const struct wv_ntfile_req *r)
{
    if (!out || !iosb)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (r->disposition > WV_FILE_OVERWRITE_IF ||
        (r->options & (WV_FILE_DIRECTORY_FILE | WV_FILE_NON_DIRECTORY_FILE)) ==
            (WV_FILE_DIRECTORY_FILE | WV_FILE_NON_DIRECTORY_FILE) ||
        ((r->options & WV_FILE_DIRECTORY_FILE) && r->disposition != WV_FILE_OPEN &&
         r->disposition != WV_FILE_CREATE && r->disposition != WV_FILE_OPEN_IF))
        return STATUS_INVALID_PARAMETER;
    char *host, *pipe;
    HANDLE h = NULL;
    ULONG_PTR info = WV_OPENED;
    NTSTATUS st = wv_ntfile_resolve(attr, &host, &pipe);
    if (!st)
        st = pipe ? wv_ntfile_pipe(pipe, r, &h) : wv_ntfile_open(host, r, &h, &info);
    free(host);
    free(pipe);
    if (st)
        return st;
    if (wv_copy(out, &h, sizeof(h))) {
        wv_handle_close(h);
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    }
    IO_STATUS_BLOCK io;
    memset(&io, 0, sizeof(io));
    io.Status = STATUS_SUCCESS, io.Information = info;
    (void)wv_copy(iosb, &io, sizeof(io));
    return STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_NtCreateFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr, IO_STATUS_BLOCK *iosb,
                                     LARGE_INTEGER *alloc, ULONG attrs, ULONG share, ULONG disposition, ULONG options,
                                     void *ea, ULONG ea_len)
{
    (void)alloc, (void)ea, (void)ea_len; /* no preallocation; extended attributes are not kept */
    struct wv_ntfile_req r = {access, share, disposition, options, attrs};
    return wv_ntfile_create(out, attr, iosb, &r);
}

WV_MSABI NTSTATUS wv_nt_NtOpenFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr, IO_STATUS_BLOCK *iosb,
                                   ULONG share, ULONG options)
{
    struct wv_ntfile_req r = {access, share, WV_FILE_OPEN, options, 0};
    return wv_ntfile_create(out, attr, iosb, &r);
}
