/* SPDX-License-Identifier: MIT */
/* ntdll_npipe.c - NtCreateNamedPipeFile and NtCreateMailslotFile (ms_abi, for ntdll.c's
 * table): the NT forms of CreateNamedPipe and CreateMailslot, over the same cores
 * (npipe.c's wv_npipe_make, mailslot.c's wv_mslot_make), so a pipe made either way is one a
 * kernel32 client opens, and the reverse.
 *
 * Names are NtCreateFile's (ntdll_file.c): "\??\pipe\NAME", "\Device\NamedPipe\NAME",
 * "\??\mailslot\NAME", "\Device\MailSlot\NAME", the object tree's links followed.  What
 * Windows answers, as Wine's ntdll om.c and pipe.c record it: no OBJECT_ATTRIBUTES, or one
 * whose Length is not its size, is STATUS_INVALID_PARAMETER; no name is
 * STATUS_OBJECT_PATH_SYNTAX_BAD without a root and STATUS_OBJECT_NAME_INVALID with one; an odd
 * length, or one of 65,534 bytes, STATUS_OBJECT_NAME_INVALID; a bad root STATUS_INVALID_HANDLE;
 * a handle pointer that cannot be written STATUS_ACCESS_VIOLATION, and on every failure the
 * handle written is 0.  A pipe's direction is its share mode (FILE_SHARE_WRITE: clients write,
 * the server reads; FILE_SHARE_READ: the reverse), 0 being STATUS_INVALID_PARAMETER, as are
 * FILE_OVERWRITE and FILE_OVERWRITE_IF; a name with every instance taken is
 * STATUS_INSTANCE_NOT_AVAILABLE, then FILE_CREATE of an existing name STATUS_ACCESS_DENIED.
 * Without FILE_SYNCHRONOUS_IO_ALERT / _NONALERT in the options the handle is asynchronous
 * (FILE_FLAG_OVERLAPPED, as CreateNamedPipe's).  NT calls set no last error.
 */
#define _GNU_SOURCE
#include "runtime/ntdll_file.h"
#include "runtime/io_int.h"

#include <stdlib.h>
#include <string.h>

#define WV_FILE_SHARE_RW (FILE_SHARE_READ | FILE_SHARE_WRITE)
#define WV_FILE_OPEN_IF 3
#define WV_FILE_CREATE 2
#define WV_FILE_CREATED 2
#define WV_FILE_SYNC_IO 0x30 /* FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT */
#define WV_STATUS_INSTANCE_NOT_AVAILABLE ((NTSTATUS)0xC00000AB)

/* The checks both calls make of OBJECT_ATTRIBUTES before the name is looked up. */
static NTSTATUS wv_ntpipe_attr(const OBJECT_ATTRIBUTES *attr)
{
    OBJECT_ATTRIBUTES a;
    UNICODE_STRING u;
    if (!attr)
        return STATUS_INVALID_PARAMETER;
    if (wv_copy(&a, attr, sizeof(a)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (a.Length != sizeof(a) || (a.Attributes & ~(ULONG)OBJ_VALID_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    if (!a.ObjectName)
        return a.RootDirectory ? STATUS_OBJECT_NAME_INVALID : STATUS_OBJECT_PATH_SYNTAX_BAD;
    if (wv_copy(&u, a.ObjectName, sizeof(u)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (u.Length >= 65534) /* 32,767 characters: om.c's longest name refused */
        return STATUS_OBJECT_NAME_INVALID;
    return STATUS_SUCCESS;
}

/* The name after "\\.\pipe\" (pipe) or "\\.\mailslot\" that attr names, malloc'ed in *win
 * (the rest is a pointer into it): 0 or the status. */
static NTSTATUS wv_ntpipe_name(const OBJECT_ATTRIBUTES *attr, bool pipe, char **win, const char **rest)
{
    char *host = NULL;
    NTSTATUS st = wv_ntpipe_attr(attr);
    if (!st)
        st = wv_ntfile_resolve(attr, &host, win);
    free(host);
    if (st)
        return st;
    *rest = !*win ? NULL : pipe ? wv_npipe_rest(*win) : wv_mslot_rest(*win);
    if (!*rest) { /* a file, or the other kind: not this file system's */
        free(*win), *win = NULL;
        return STATUS_OBJECT_NAME_INVALID;
    }
    return STATUS_SUCCESS;
}

/* A relative NT timeout (negative, 100 ns units) in ms; NULL or a positive one (never reached
 * as an absolute time here) is dflt. */
static DWORD wv_ntpipe_ms(const LARGE_INTEGER *t, DWORD dflt, NTSTATUS *st)
{
    LARGE_INTEGER v;
    if (!t)
        return dflt;
    if (wv_copy(&v, t, sizeof(v))) {
        *st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
        return 0;
    }
    if (v.QuadPart > 0)
        return dflt;
    uint64_t ms = (uint64_t)-(v.QuadPart / 10000);
    return ms >= 0xFFFFFFFFu ? 0xFFFFFFFEu : (DWORD)ms;
}

/* The handle (or 0 on failure: *out was checked writable) and the IO_STATUS_BLOCK. */
static NTSTATUS wv_ntpipe_done(HANDLE *out, IO_STATUS_BLOCK *iosb, DWORD err, HANDLE h)
{
    if (err) {
        if (err == ERROR_PIPE_BUSY)
            return WV_STATUS_INSTANCE_NOT_AVAILABLE;
        return err == ERROR_INVALID_NAME ? STATUS_OBJECT_NAME_INVALID : wv_ntfile_status(err);
    }
    wv_user_put(out, &h, sizeof(h));
    IO_STATUS_BLOCK io;
    memset(&io, 0, sizeof(io));
    io.Status = STATUS_SUCCESS, io.Information = WV_FILE_CREATED;
    (void)wv_copy(iosb, &io, sizeof(io));
    return STATUS_SUCCESS;
}

/* The pipe's parameters as CreateNamedPipe's open and pipe modes: 0 or the status. */
static NTSTATUS wv_ntpipe_modes(ULONG share, ULONG disposition, ULONG options, ULONG type, ULONG read_mode,
                                ULONG completion, ULONG max, DWORD *open_mode, DWORD *pipe_mode)
{
    if (!(share & WV_FILE_SHARE_RW) || (share & ~(ULONG)WV_FILE_SHARE_RW))
        return STATUS_INVALID_PARAMETER;
    if (disposition != WV_FILE_CREATE && disposition != WV_FILE_OPEN_IF)
        return STATUS_INVALID_PARAMETER;
    if (type > 1 || read_mode > 1 || completion > 1 || (read_mode && !type) || max == 0)
        return STATUS_INVALID_PARAMETER;
    *open_mode = ((share & FILE_SHARE_WRITE) ? PIPE_ACCESS_INBOUND : 0) |
                 ((share & FILE_SHARE_READ) ? PIPE_ACCESS_OUTBOUND : 0) |
                 (disposition == WV_FILE_CREATE ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0) |
                 ((options & WV_FILE_SYNC_IO) ? 0 : FILE_FLAG_OVERLAPPED);
    *pipe_mode = (type ? PIPE_TYPE_MESSAGE : 0) | (read_mode ? PIPE_READMODE_MESSAGE : 0) |
                 (completion ? PIPE_NOWAIT : 0);
    return STATUS_SUCCESS;
}

WV_MSABI NTSTATUS wv_nt_NtCreateNamedPipeFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr,
                                             IO_STATUS_BLOCK *iosb, ULONG share, ULONG disposition, ULONG options,
                                             ULONG type, ULONG read_mode, ULONG completion, ULONG max, ULONG in_quota,
                                             ULONG out_quota, LARGE_INTEGER *timeout)
{
    (void)in_quota, (void)out_quota; /* the socket's buffers serve, as CreateNamedPipe's sizes */
    HANDLE h = NULL;
    if (!out || wv_user_put(out, &h, sizeof(h)) || !iosb)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    DWORD open_mode = 0, pipe_mode = 0;
    NTSTATUS st = wv_ntpipe_modes(share, disposition, options, type, read_mode, completion, max, &open_mode,
                                  &pipe_mode);
    DWORD ms = st ? 0 : wv_ntpipe_ms(timeout, 50, &st);
    char *win = NULL;
    const char *name = NULL;
    if (!st)
        st = wv_ntpipe_name(attr, true, &win, &name);
    if (st)
        return st;
    DWORD saved = GetLastError();
    DWORD err = wv_npipe_make(name, access, open_mode, pipe_mode, max == 0xFFFFFFFFu ? PIPE_UNLIMITED_INSTANCES : max,
                              ms, &h);
    SetLastError(saved);
    free(win);
    return wv_ntpipe_done(out, iosb, err, h);
}

WV_MSABI NTSTATUS wv_nt_NtCreateMailslotFile(HANDLE *out, ACCESS_MASK access, OBJECT_ATTRIBUTES *attr,
                                            IO_STATUS_BLOCK *iosb, ULONG options, ULONG quota, ULONG max,
                                            LARGE_INTEGER *timeout)
{
    (void)quota; /* the socket's buffer serves */
    HANDLE h = NULL;
    if (!out || wv_user_put(out, &h, sizeof(h)) || !iosb)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    NTSTATUS st = STATUS_SUCCESS;
    DWORD ms = wv_ntpipe_ms(timeout, MAILSLOT_WAIT_FOREVER, &st);
    char *win = NULL;
    const char *name = NULL;
    if (!st)
        st = wv_ntpipe_name(attr, false, &win, &name);
    if (st)
        return st;
    DWORD saved = GetLastError();
    DWORD err = wv_mslot_make(name, max, ms, access, (options & WV_FILE_SYNC_IO) ? 0 : FILE_FLAG_OVERLAPPED, &h);
    SetLastError(saved);
    free(win);
    return wv_ntpipe_done(out, iosb, err, h);
}
