/* SPDX-License-Identifier: MIT */
/* ntdll_fileinfo.c - ntdll's calls on an open file: synchronous NtReadFile / NtWriteFile and
 * NtQueryInformationFile (ms_abi, for ntdll.c's table), over kernel32's file objects.
 *
 * A read or write at ByteOffset moves the file's position there first and leaves it after the
 * bytes moved, as on a synchronous Windows handle; FILE_USE_FILE_POINTER_POSITION (and no
 * offset) uses the position, FILE_WRITE_TO_END_OF_FILE appends.  A read at the end of a file
 * is STATUS_END_OF_FILE with Information 0.  The event, when given, is reset first and set
 * when the transfer is done.  The information classes (layouts: winternl.h / ntifs.h) are
 * FileBasicInformation, FileStandardInformation, FileInternalInformation, FileAccessInformation,
 * FileNameInformation (the path below the volume's root, "\dir\name"; a buffer too short for
 * it is STATUS_BUFFER_OVERFLOW with as much of the name as fits), FilePositionInformation,
 * FileModeInformation (FILE_SYNCHRONOUS_IO_NONALERT) and FileIoCompletionNotificationInformation
 * (flags 0); FileAccessInformation gives the rights with the generic ones mapped to the file
 * rights they stand for.  An unknown class is STATUS_INVALID_INFO_CLASS before the
 * handle is looked at, as on Windows; a handle that is no file STATUS_OBJECT_TYPE_MISMATCH.
 */
#define _GNU_SOURCE
#include "runtime/ntdll_file.h"
#include "runtime/io_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_STATUS_END_OF_FILE ((NTSTATUS)0xC0000011)
#define WV_STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008)
#define WV_STATUS_ACCESS_DENIED ((NTSTATUS)0xC0000022)

/* The file behind h with a reference, *access its rights; or the status. */
static NTSTATUS wv_ntfile_get(HANDLE h, struct wv_file **f, DWORD *access)
{
    *f = (struct wv_file *)wv_handle_get(h, WV_KIND_FILE, access);
    if (*f)
        return STATUS_SUCCESS;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, NULL);
    if (!o)
        return WV_STATUS_INVALID_HANDLE;
    wv_object_unref(o);
    return STATUS_OBJECT_TYPE_MISMATCH;
}

static void wv_ntfile_iosb(IO_STATUS_BLOCK *iosb, NTSTATUS st, ULONG_PTR info)
{
    IO_STATUS_BLOCK io;
    memset(&io, 0, sizeof(io));
    io.Status = st, io.Information = info;
    (void)wv_copy(iosb, &io, sizeof(io));
}

/* Moves f's position for a transfer at *offset (NULL: the position): 0 or a status. */
static NTSTATUS wv_ntfile_seek(struct wv_file *f, const LARGE_INTEGER *offset, bool write)
{
    LARGE_INTEGER o;
    if (!offset)
        return STATUS_SUCCESS;
    if (wv_copy(&o, offset, sizeof(o)))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (o.HighPart == -1 && o.LowPart == 0xfffffffe) /* FILE_USE_FILE_POINTER_POSITION */
        return STATUS_SUCCESS;
    off_t r;
    if (o.HighPart == -1 && o.LowPart == 0xffffffff) /* FILE_WRITE_TO_END_OF_FILE */
        r = write ? lseek(f->fd, 0, SEEK_END) : -1;
    else
        r = o.QuadPart < 0 ? -1 : lseek(f->fd, (off_t)o.QuadPart, SEEK_SET);
    if (r >= 0 || errno == ESPIPE) /* a pipe has no position: the offset is ignored */
        return STATUS_SUCCESS;
    return STATUS_INVALID_PARAMETER;
}

static NTSTATUS wv_ntfile_rw(HANDLE h, HANDLE event, void *ctx, IO_STATUS_BLOCK *iosb, void *buf, ULONG n,
                             const LARGE_INTEGER *offset, bool write)
{
    struct wv_file *f;
    DWORD access = 0, done = 0;
    NTSTATUS st = wv_ntfile_get(h, &f, &access);
    if (st)
        return st;
    DWORD rights = write ? WV_FILE_WRITE_RIGHTS : WV_FILE_READ_RIGHTS;
    st = !iosb ? (NTSTATUS)STATUS_ACCESS_VIOLATION : !(access & rights) ? WV_STATUS_ACCESS_DENIED : STATUS_SUCCESS;
    DWORD saved = GetLastError();
    if (!st && event && !ResetEvent(event))
        st = WV_STATUS_INVALID_HANDLE;
    if (!st)
        st = wv_ntfile_seek(f, offset, write);
    struct stat sb;
    bool regular = !st && fstat(f->fd, &sb) == 0 && S_ISREG(sb.st_mode);
    ULONG_PTR key = 0;
    /* a completion port's packet carries the ApcContext (none without one, as on Windows) */
    struct wv_object *port = !st && ctx ? wv_iocp_file_port(f, &key) : NULL;
    bool skip = port && (__atomic_load_n(&f->notify, __ATOMIC_ACQUIRE) & 1 /* SKIP_..._ON_SUCCESS */);
    wv_object_unref(&f->obj);
    if (st) {
        SetLastError(saved);
        return st;
    }
    BOOL ok = write ? WriteFile(h, buf, n, &done, NULL) : ReadFile(h, buf, n, &done, NULL);
    st = ok ? STATUS_SUCCESS : (NTSTATUS)wv_io_status(GetLastError());
    if (ok && !write && n && !done && regular)
        st = WV_STATUS_END_OF_FILE;
    wv_ntfile_iosb(iosb, st, done);
    if (event)
        SetEvent(event);
    if (port && (st == STATUS_SUCCESS ? !skip : st == (NTSTATUS)0x80000005 /* a warning: posted */))
        wv_iocp_post(port, key, (ULONG_PTR)ctx, st, done);
    wv_object_unref(port);
    SetLastError(saved);
    return st;
}

/* The APC routine and key are not used: see the file's comment.  The ApcContext goes in the
 * packet of a handle associated with a completion port. */
WV_MSABI NTSTATUS wv_nt_NtReadFile(HANDLE h, HANDLE event, void *apc, void *ctx, IO_STATUS_BLOCK *iosb, void *buf,
                                   ULONG n, LARGE_INTEGER *offset, ULONG *key)
{
    (void)apc, (void)key;
    return wv_ntfile_rw(h, event, ctx, iosb, buf, n, offset, false);
}

WV_MSABI NTSTATUS wv_nt_NtWriteFile(HANDLE h, HANDLE event, void *apc, void *ctx, IO_STATUS_BLOCK *iosb,
                                    const void *buf, ULONG n, LARGE_INTEGER *offset, ULONG *key)
{
    (void)apc, (void)key;
    return wv_ntfile_rw(h, event, ctx, iosb, (void *)buf, n, offset, true);
}

/* ---- NtQueryInformationFile ---- */

enum {
    WV_FileBasicInformation = 4, WV_FileStandardInformation = 5, WV_FileInternalInformation = 6,
    WV_FileAccessInformation = 8, WV_FileNameInformation = 9, WV_FilePositionInformation = 14,
    WV_FileModeInformation = 16, WV_FileIoCompletionNotificationInformation = 41,
};

/* The fixed size of a class's record (FileNameInformation: its header), 0 for an unknown one. */
static ULONG wv_ntfile_class_size(ULONG cls)
{
    switch (cls) {
    case WV_FileBasicInformation: return 40;
    case WV_FileStandardInformation: return 24;
    case WV_FileInternalInformation: case WV_FilePositionInformation: return 8;
    case WV_FileAccessInformation: case WV_FileModeInformation: case WV_FileIoCompletionNotificationInformation:
        return 4;
    case WV_FileNameInformation: return 4;
    default: return 0;
    }
}

/* FileBasicInformation: creation, last access, last write and change times, attributes. */
static void wv_ntfile_basic(const struct wv_file *f, uint8_t *rec)
{
    struct stat st;
    FILETIME t[3];
    memset(rec, 0, 40);
    if (wv_file_stat(f->fd, NULL, &st, t))
        return;
    uint64_t v[4] = {wv_filetime_get(&t[0]), wv_filetime_get(&t[1]), wv_filetime_get(&t[2]),
                     wv_filetime_of(&st.st_ctim)};
    DWORD attrs = wv_file_attributes(&st, NULL);
    memcpy(rec, v, sizeof(v));
    memcpy(rec + 32, &attrs, 4);
}

/* FileStandardInformation: allocation size, end of file, links, delete pending, directory. */
static void wv_ntfile_standard(const struct wv_file *f, uint8_t *rec)
{
    struct stat st;
    memset(rec, 0, 24);
    if (fstat(f->fd, &st))
        return;
    bool dir = S_ISDIR(st.st_mode);
    int64_t alloc = dir ? 0 : (int64_t)st.st_blocks * 512, eof = dir ? 0 : (int64_t)st.st_size;
    ULONG links = (ULONG)st.st_nlink;
    memcpy(rec, &alloc, 8), memcpy(rec + 8, &eof, 8), memcpy(rec + 16, &links, 4);
    rec[20] = f->delete_path != NULL, rec[21] = dir;
}

/* FileNameInformation into buf (len bytes): the length written, *st BUFFER_OVERFLOW when cut. */
static ULONG wv_ntfile_name_info(const struct wv_file *f, uint8_t *out, ULONG len, NTSTATUS *st)
{
    char link[64], host[4096];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", f->fd);
    ssize_t n = readlink(link, host, sizeof(host) - 1);
    host[n > 0 ? n : 0] = 0;
    char *win = host[0] == '/' ? wv_path_windows(host) : NULL;
    WCHAR *w = wv_utf16(win ? win + 2 : host); /* "C:\a\b" -> "\a\b" */
    free(win);
    size_t units = 0;
    while (w && w[units])
        units++;
    ULONG bytes = (ULONG)(units * 2), room = len - 4;
    ULONG k = bytes < room ? bytes : room & ~1u;
    memcpy(out, &bytes, 4);
    if (w)
        memcpy(out + 4, w, k);
    free(w);
    *st = k < bytes ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
    return 4 + k;
}

/* The record of class cls into rec (cap bytes, at least the class's size): its length. */
static ULONG wv_ntfile_record(const struct wv_file *f, DWORD access, ULONG cls, uint8_t *rec, ULONG cap,
                              NTSTATUS *st)
{
    int64_t v = 0;
    *st = STATUS_SUCCESS;
    switch (cls) {
    case WV_FileBasicInformation: wv_ntfile_basic(f, rec); return 40;
    case WV_FileStandardInformation: wv_ntfile_standard(f, rec); return 24;
    case WV_FileNameInformation: return wv_ntfile_name_info(f, rec, cap, st);
    case WV_FileInternalInformation: {
        struct stat sb;
        v = fstat(f->fd, &sb) ? 0 : (int64_t)sb.st_ino;
        break;
    }
    case WV_FilePositionInformation: {
        off_t p = lseek(f->fd, 0, SEEK_CUR);
        v = p < 0 ? 0 : (int64_t)p;
        break;
    }
    case WV_FileAccessInformation: {
        /* FILE_GENERIC_READ, _WRITE, _EXECUTE, FILE_ALL_ACCESS for the generic bits */
        static const DWORD gen[4][2] = {{GENERIC_READ, 0x120089}, {GENERIC_WRITE, 0x120116},
                                        {GENERIC_EXECUTE, 0x1200a0}, {GENERIC_ALL, 0x1f01ff}};
        DWORD a = access & 0x0fffffff;
        for (int i = 0; i < 4; i++)
            if (access & gen[i][0])
                a |= gen[i][1];
        memcpy(rec, &a, 4);
        return 4;
    }
    case WV_FileModeInformation: /* FILE_SYNCHRONOUS_IO_NONALERT: every winvm handle is synchronous */
    case WV_FileIoCompletionNotificationInformation: {
        ULONG m = cls == WV_FileModeInformation ? 0x20 : __atomic_load_n(&f->notify, __ATOMIC_ACQUIRE);
        memcpy(rec, &m, 4);
        return 4;
    }
    }
    memcpy(rec, &v, 8);
    return 8;
}

WV_MSABI NTSTATUS wv_nt_NtQueryInformationFile(HANDLE h, IO_STATUS_BLOCK *iosb, void *buf, ULONG len, ULONG cls)
{
    ULONG need = wv_ntfile_class_size(cls);
    if (!need)
        return STATUS_INVALID_INFO_CLASS;
    if (len < need)
        return STATUS_INFO_LENGTH_MISMATCH;
    struct wv_file *f;
    DWORD access = 0;
    NTSTATUS st = wv_ntfile_get(h, &f, &access);
    if (st)
        return st;
    ULONG cap = len < 65536 ? len : 65536;
    uint8_t *rec = calloc(1, cap);
    ULONG n = rec ? wv_ntfile_record(f, access, cls, rec, cap, &st) : 0;
    wv_object_unref(&f->obj);
    if (!rec)
        return (NTSTATUS)STATUS_NO_MEMORY;
    if (wv_copy(buf, rec, n) || (iosb && wv_copy(&iosb->Information, &(ULONG_PTR){n}, sizeof(ULONG_PTR))))
        st = (NTSTATUS)STATUS_ACCESS_VIOLATION;
    else if (iosb)
        (void)wv_copy(&iosb->Status, &st, sizeof(st));
    free(rec);
    return st;
}
