/* SPDX-License-Identifier: MIT */
/* k32_volume.c - volumes as winvm has them: one, C:, the host's root file system.
 * FindFirstVolumeW/FindNextVolumeW/FindVolumeClose list it by a volume GUID path made from the
 * root's device number; GetVolumeInformationW and GetDiskFreeSpaceExW answer for the host file
 * system holding the path asked about (statfs/statvfs), any directory being accepted as a root.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

/* "\\?\Volume{GUID}\" of the host's root: the GUID hashed from its device number. */
static void wv_volume_name(char out[64])
{
    struct stat st;
    dev_t dev = stat("/", &st) == 0 ? st.st_dev : 0;
    uint64_t a = wv_hash(WV_HASH_INIT, "winvm-volume", 12), b;
    a = wv_hash(a, &dev, sizeof(dev));
    b = wv_hash(a, &dev, sizeof(dev));
    snprintf(out, 64, "\\\\?\\Volume{%08x-%04x-%04x-%04x-%012llx}\\", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffull));
}

/* The name into the caller's buffer: too small is ERROR_FILENAME_EXCED_RANGE. */
static DWORD wv_put_volume(LPWSTR buf, DWORD len)
{
    char name[64];
    wv_volume_name(name);
    DWORD ret = 0, err = wv_out_w(name, buf, len, &ret);
    return err ? err : ret >= len ? ERROR_FILENAME_EXCED_RANGE : 0;
}

HANDLE WINAPI FindFirstVolumeW(LPWSTR buf, DWORD len)
{
    DWORD err = wv_put_volume(buf, len);
    if (err)
        return wv_fail_file(err);
    struct wv_find *f = wv_find_new();
    if (!f)
        return wv_fail_file(ERROR_NOT_ENOUGH_MEMORY);
    f->volume = true;
    HANDLE h = wv_handle_new(&f->obj, 0);
    wv_object_unref(&f->obj);
    return h ? h : wv_fail_file(ERROR_TOO_MANY_OPEN_FILES);
}

static struct wv_find *wv_volume_of(HANDLE h)
{
    struct wv_find *f = (struct wv_find *)wv_handle_get(h, WV_KIND_FIND, NULL);
    if (f && !f->volume) {
        wv_object_unref(&f->obj);
        return NULL;
    }
    return f;
}

BOOL WINAPI FindNextVolumeW(HANDLE h, LPWSTR buf, DWORD len)
{
    (void)buf, (void)len;
    struct wv_find *f = wv_volume_of(h);
    wv_object_unref(f ? &f->obj : NULL);
    return wv_fail(f ? ERROR_NO_MORE_FILES : ERROR_INVALID_HANDLE); /* there is one volume */
}

BOOL WINAPI FindVolumeClose(HANDLE h)
{
    struct wv_find *f = wv_volume_of(h);
    wv_object_unref(f ? &f->obj : NULL);
    DWORD err = f ? wv_handle_close_kind(h, WV_KIND_FIND) : ERROR_INVALID_HANDLE;
    return err ? wv_fail(err) : TRUE;
}

/* The host directory a root path names: NULL is the current directory's volume, a volume GUID
 * path the host's root; a root must end in a separator (ERROR_INVALID_NAME otherwise). */
static DWORD wv_root_path(LPCWSTR root, char **out)
{
    char *s = NULL;
    *out = NULL;
    if (!root)
        return (*out = strdup("/")) ? 0 : ERROR_NOT_ENOUGH_MEMORY;
    DWORD err = wv_user_wstr(root, WV_TEXT_STRICT, &s);
    size_t n = s ? strlen(s) : 0;
    if (!err && (n == 0 || (s[n - 1] != '\\' && s[n - 1] != '/')))
        err = ERROR_INVALID_NAME;
    if (!err && !strncmp(s, "\\\\?\\Volume{", 11)) {
        char mine[64];
        wv_volume_name(mine);
        err = strcasecmp(s, mine) ? ERROR_FILE_NOT_FOUND : 0;
        if (!err && !(*out = strdup("/")))
            err = ERROR_NOT_ENOUGH_MEMORY;
    } else if (!err)
        err = wv_path_host(s, out);
    free(s);
    return err;
}

/* The host file system's own name for the type statfs reports. */
static const char *wv_fs_name(long type)
{
    static const struct { long magic; const char *name; } names[] = {
        {0xEF53, "ext4"}, {0x58465342, "xfs"}, {0x9123683E, "btrfs"}, {0x01021994, "tmpfs"},
        {0x794C7630, "overlay"}, {0x6969, "nfs"}, {0x4d44, "vfat"}, {0x2011BAB0, "exfat"},
        {0x5346544e, "NTFS"}, {0x2FC12FC1, "zfs"}, {0x65735546, "fuse"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].magic == type)
            return names[i].name;
    return "unknown";
}

BOOL WINAPI GetVolumeInformationW(LPCWSTR root, LPWSTR label, DWORD label_len, LPDWORD serial,
                                  LPDWORD max_component, LPDWORD flags, LPWSTR fs, DWORD fs_len)
{
    char *host;
    DWORD err = wv_root_path(root, &host), ret;
    struct statfs sf;
    struct stat st;
    if (!err && (statfs(host, &sf) != 0 || stat(host, &st) != 0))
        err = wv_file_path_error(host, errno);
    free(host);
    DWORD ser = err ? 0 : (DWORD)(st.st_dev ^ (st.st_dev >> 32)), maxc = err ? 0 : (DWORD)sf.f_namelen;
    DWORD fl = FILE_CASE_SENSITIVE_SEARCH | FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK |
               FILE_SUPPORTS_HARD_LINKS;
    if (!err && label && (err = wv_out_w("", label, label_len, &ret)) == 0 && ret >= label_len)
        err = ERROR_MORE_DATA;
    if (!err && fs && (err = wv_out_w(wv_fs_name((long)sf.f_type), fs, fs_len, &ret)) == 0 && ret >= fs_len)
        err = ERROR_MORE_DATA;
    if (!err && serial)
        err = wv_user_put(serial, &ser, sizeof(ser));
    if (!err && max_component)
        err = wv_user_put(max_component, &maxc, sizeof(maxc));
    if (!err && flags)
        err = wv_user_put(flags, &fl, sizeof(fl));
    return err ? wv_fail(err) : TRUE;
}

/* A label cannot be set: the host file system's label belongs to its administrator (a block
 * device tool as root), and winvm keeps no label of its own, so the answer is Windows' to a
 * program without the right: ERROR_ACCESS_DENIED, after the root has been checked as
 * GetVolumeInformationW checks it (a missing one: its error). */
BOOL WINAPI SetVolumeLabelW(LPCWSTR root, LPCWSTR label)
{
    char *host;
    WCHAR probe;
    DWORD err = wv_root_path(root, &host);
    struct stat st;
    if (!err && stat(host, &st) != 0)
        err = wv_file_path_error(host, errno);
    free(host);
    if (!err && label && wv_copy(&probe, label, sizeof(probe)))
        err = ERROR_NOACCESS;
    return wv_fail(err ? err : ERROR_ACCESS_DENIED);
}

/* The caller's string s as a malloc'ed UTF-16 copy in *out (NULL for NULL): 0 or the error. */
static DWORD wv_user_str_to_w(LPCSTR s, WCHAR **out)
{
    char *a = NULL;
    size_t n = 0;
    DWORD err = s ? wv_user_str(s, &a) : 0;
    *out = NULL;
    if (err || !s)
        return err;
    *out = malloc((strlen(a) + 1) * sizeof(WCHAR));
    if (!*out)
        err = ERROR_NOT_ENOUGH_MEMORY;
    else
        wv_utf8_to_utf16(a, strlen(a) + 1, *out, strlen(a) + 1, WV_TEXT_REPLACE, &n);
    free(a);
    return err;
}

BOOL WINAPI SetVolumeLabelA(LPCSTR root, LPCSTR label)
{
    WCHAR *wr, *wl = NULL;
    DWORD err = wv_user_str_to_w(root, &wr);
    if (!err)
        err = wv_user_str_to_w(label, &wl);
    BOOL ok = err ? wv_fail(err) : SetVolumeLabelW(wr, wl);
    free(wr), free(wl);
    return ok;
}

BOOL WINAPI GetDiskFreeSpaceExW(LPCWSTR dir, PLARGE_INTEGER avail, PLARGE_INTEGER total, PLARGE_INTEGER free_bytes)
{
    char *host = NULL;
    DWORD err = dir ? wv_path_host_w(dir, &host) : 0;
    struct statvfs v;
    if (!err && statvfs(host ? host : ".", &v) != 0)
        err = wv_file_path_error(host ? host : ".", errno);
    free(host);
    LARGE_INTEGER a = {.QuadPart = err ? 0 : (LONGLONG)(v.f_bavail * v.f_frsize)};
    LARGE_INTEGER t = {.QuadPart = err ? 0 : (LONGLONG)(v.f_blocks * v.f_frsize)};
    LARGE_INTEGER f = {.QuadPart = err ? 0 : (LONGLONG)(v.f_bfree * v.f_frsize)};
    if (!err && avail)
        err = wv_user_put(avail, &a, sizeof(a));
    if (!err && total)
        err = wv_user_put(total, &t, sizeof(t));
    if (!err && free_bytes)
        err = wv_user_put(free_bytes, &f, sizeof(f));
    return err ? wv_fail(err) : TRUE;
}

/* ---- drives: winvm has one, C:, the host's root (GetLogicalDrives bit 2).  Its type follows
 * the root's file system: a network one DRIVE_REMOTE, a memory one DRIVE_RAMDISK, else
 * DRIVE_FIXED.  Any other root (another letter, a directory that is no root) is
 * DRIVE_NO_ROOT_DIR, as Windows answers for a path that names no volume. ---- */

#define WV_DRIVE_NO_ROOT_DIR 1
#define WV_DRIVE_FIXED 3
#define WV_DRIVE_REMOTE 4
#define WV_DRIVE_RAMDISK 6

static UINT wv_drive_type_of(const char *root)
{
    char mine[64];
    wv_volume_name(mine);
    bool c = !root || !strcasecmp(root, "C:") || !strcasecmp(root, "C:\\") || !strcasecmp(root, "C:/") ||
             !strcasecmp(root, "\\") || !strcasecmp(root, mine);
    if (!c)
        return WV_DRIVE_NO_ROOT_DIR;
    struct statfs sf;
    if (statfs("/", &sf) != 0)
        return WV_DRIVE_FIXED;
    switch ((unsigned long)sf.f_type) {
    case 0x6969:     /* nfs */
    case 0xFF534D42: /* cifs */
    case 0xFE534D42: /* smb2 */
        return WV_DRIVE_REMOTE;
    case 0x01021994: /* tmpfs */
    case 0x858458f6: /* ramfs */
        return WV_DRIVE_RAMDISK;
    default:
        return WV_DRIVE_FIXED;
    }
}

UINT WINAPI GetDriveTypeA(LPCSTR root)
{
    char *s = NULL;
    if (root && wv_user_str(root, &s))
        return WV_DRIVE_NO_ROOT_DIR;
    UINT t = wv_drive_type_of(s);
    free(s);
    return t;
}

UINT WINAPI GetDriveTypeW(LPCWSTR root)
{
    char *s = NULL;
    if (root && wv_user_wstr(root, WV_TEXT_REPLACE, &s))
        return WV_DRIVE_NO_ROOT_DIR;
    UINT t = wv_drive_type_of(s);
    free(s);
    return t;
}

DWORD WINAPI GetLogicalDrives(void) { return 1u << 2; }

/* "C:\" and the list's final terminator: the length without it, or the size it needs. */
DWORD WINAPI GetLogicalDriveStringsA(DWORD len, LPSTR buf)
{
    static const char list[] = "C:\\\0";
    if (len < sizeof(list))
        return sizeof(list);
    return wv_user_put(buf, list, sizeof(list)) ? (DWORD)wv_fail(ERROR_NOACCESS) : sizeof(list) - 1;
}

DWORD WINAPI GetLogicalDriveStringsW(DWORD len, LPWSTR buf)
{
    static const WCHAR list[] = {'C', ':', '\\', 0, 0};
    if (len < 5)
        return 5;
    return wv_user_put(buf, list, sizeof(list)) ? (DWORD)wv_fail(ERROR_NOACCESS) : 4;
}
