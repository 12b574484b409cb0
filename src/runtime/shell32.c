/* SPDX-License-Identifier: MIT */
/* shell32.c - shell32.dll for a process without windows: FindExecutableA/W, SHGetFileInfoA/W
 * (what needs no icons), CommandLineToArgvW, SHGetFolderPathA/W, and the table (SHFileOperation
 * is shell32_fileop.c's).
 *
 * FindExecutable: a program (.exe, .com, .bat, .cmd, .pif) is its own executable; a document is
 * looked up in the registry's classes (HKCR\.ext's ProgID, its shell\open\command), else
 * SE_ERR_NOASSOC; a file that is not there SE_ERR_FNF (Wine's shlexec.c).  SHGetFileInfo's
 * SHGFI_EXETYPE reads the PE header: MAKELONG('PE', 0) for a console program, MAKELONG('PE',
 * subsystem version) for a GUI one, MAKELONG('MZ', 0) for DOS programs and batch files, as
 * Windows' documentation gives it; icons are left out (no window station to draw them for:
 * hIcon and iIcon are cleared, SHGFI_PIDL is refused). */
#define _GNU_SOURCE
#include "runtime/runtime.h"
#include "runtime/shell32_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define WV_SE_ERR_FNF 2
#define WV_SE_ERR_NOASSOC 31
#define WV_FOUND_EXE 42 /* any value above 32 is success; Windows answers 42 */
#define WV_MAX_PATH 260

/* stat of a host path, C:\windows and its builtin DLLs included: 0 or an errno. */
static int wv_sh_stat(const char *host, struct stat *st)
{
    FILETIME t[3];
    int e = stat(host, st) ? errno : 0;
    return e == ENOENT ? wv_sysdir_stat(host, st, t) : e;
}

static const char *wv_ext(const char *path)
{
    const char *base = strrchr(path, '/'), *dot = strrchr(base ? base : path, '.');
    return dot ? dot : "";
}

static bool wv_is_program(const char *path)
{
    static const char *const exts[] = {".exe", ".com", ".bat", ".cmd", ".pif"};
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
        if (!strcasecmp(wv_ext(path), exts[i]))
            return true;
    return false;
}

/* The default value of HKCR\sub (UTF-8, malloc'ed), or NULL. */
static char *wv_class_value(const char *sub)
{
    WV_HKEY key = NULL;
    if (wv_adv_RegOpenKeyExA((WV_HKEY)(uintptr_t)0x80000000u, sub, 0, 0x20019 /* KEY_READ */, &key))
        return NULL;
    char buf[1024];
    DWORD type = 0, size = sizeof(buf) - 1;
    LONG r = wv_adv_RegQueryValueExA(key, NULL, NULL, &type, (BYTE *)buf, &size);
    wv_adv_RegCloseKey(key);
    if (r || (type != 1 && type != 2) /* REG_SZ, REG_EXPAND_SZ */)
        return NULL;
    buf[size] = 0;
    return strdup(buf);
}

/* The program of the association of path's extension ("C:\\x\\app.exe" of its open command). */
static char *wv_assoc_program(const char *path)
{
    char *progid = *wv_ext(path) ? wv_class_value(wv_ext(path)) : NULL, *sub = NULL, *cmd = NULL;
    if (progid && asprintf(&sub, "%s\\shell\\open\\command", progid) > 0)
        cmd = wv_class_value(sub);
    free(progid), free(sub);
    if (!cmd)
        return NULL;
    char *start = cmd + (cmd[0] == '"'), *end = cmd[0] == '"' ? strchr(start, '"') : strchr(start, ' ');
    char *prog = end ? strndup(start, (size_t)(end - start)) : strdup(start);
    free(cmd);
    return prog;
}

/* FindExecutable's core: the Windows path of the program that opens file (looked for in dir
 * when it is relative, then in the current directory) into *out. */
static intptr_t wv_find_executable(const char *file, const char *dir, char **out)
{
    char *joined = NULL, *host = NULL;
    const char *found = file; /* the Windows name that was there */
    bool rooted = file[0] == '\\' || file[0] == '/' || (file[0] && file[1] == ':');
    struct stat st;
    if (dir && *dir && !rooted && asprintf(&joined, "%s\\%s", dir, file) > 0) {
        if (!wv_path_host(joined, &host) && !wv_sh_stat(host, &st))
            found = joined;
        else
            free(host), host = NULL;
    }
    if (!host && (wv_path_host(file, &host) || wv_sh_stat(host, &st)))
        free(host), host = NULL;
    intptr_t r = WV_SE_ERR_FNF;
    if (host && S_ISDIR(st.st_mode))
        r = WV_SE_ERR_NOASSOC;
    else if (host && wv_is_program(host))
        r = wv_path_full(found, out) ? WV_SE_ERR_FNF : WV_FOUND_EXE;
    else if (host)
        r = (*out = wv_assoc_program(host)) ? WV_FOUND_EXE : WV_SE_ERR_NOASSOC;
    free(joined), free(host);
    return r;
}

/* Writes the answer (or "" on failure: Windows clears the buffer) to the MAX_PATH buffer. */
static HANDLE wv_found(intptr_t r, char *prog, void *result, bool wide)
{
    const char *s = r > 32 && prog ? prog : "";
    DWORD ret, err = wide ? wv_out_w(s, result, WV_MAX_PATH, &ret) : wv_out_a(s, result, WV_MAX_PATH, &ret);
    free(prog);
    return (HANDLE)(err ? (intptr_t)WV_SE_ERR_FNF : r);
}

static WV_MSABI HANDLE sh_FindExecutableW(LPCWSTR file, LPCWSTR dir, LPWSTR result)
{
    char *f = NULL, *d = NULL, *prog = NULL;
    intptr_t r = WV_SE_ERR_FNF;
    if (file && !wv_user_wstr(file, WV_TEXT_REPLACE, &f) && (!dir || !wv_user_wstr(dir, WV_TEXT_REPLACE, &d)))
        r = wv_find_executable(f, d, &prog);
    free(f), free(d);
    return wv_found(r, prog, result, true);
}

static WV_MSABI HANDLE sh_FindExecutableA(LPCSTR file, LPCSTR dir, LPSTR result)
{
    char *f = NULL, *d = NULL, *prog = NULL;
    intptr_t r = WV_SE_ERR_FNF;
    if (file && !wv_user_str(file, &f) && (!dir || !wv_user_str(dir, &d)))
        r = wv_find_executable(f, d, &prog);
    free(f), free(d);
    return wv_found(r, prog, result, false);
}

/* ---- SHGetFileInfo ---- */
#define WV_SHGFI_ICON 0x100
#define WV_SHGFI_DISPLAYNAME 0x200
#define WV_SHGFI_TYPENAME 0x400
#define WV_SHGFI_ATTRIBUTES 0x800
#define WV_SHGFI_EXETYPE 0x2000
#define WV_SHGFI_PIDL 0x8
#define WV_SHGFI_USEFILEATTRIBUTES 0x10
#define WV_SFGAO_FILE 0x40000177u   /* FILESYSTEM, DROPTARGET, HASPROPSHEET, CANDELETE/RENAME/LINK/MOVE/COPY */
#define WV_SFGAO_FOLDER 0xb0000000u /* FOLDER, FILESYSANCESTOR, HASSUBFOLDER */
#define WV_SFGAO_READONLY 0x40000u
#define WV_SFGAO_HIDDEN 0x80000u

/* SHGFI_EXETYPE of the program at host: MAKELONG(signature, version), 0 for any other file. */
static DWORD wv_exe_type(const char *host)
{
    const char *ext = wv_ext(host);
    bool batch = !strcasecmp(ext, ".bat") || !strcasecmp(ext, ".cmd");
    if (batch || (strcasecmp(ext, ".exe") && strcasecmp(ext, ".com")))
        return batch ? 0x5a4d : 0; /* 'MZ': batch files are DOS programs to the shell */
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    BYTE h[0x40], pe[0x78];
    DWORD at = 0, r = 0;
    if (fd >= 0 && pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h) && h[0] == 'M' && h[1] == 'Z') {
        r = 0x5a4d;
        memcpy(&at, h + 0x3c, 4);
        if (at && pread(fd, pe, sizeof(pe), at) == (ssize_t)sizeof(pe) && !memcmp(pe, "PE\0\0", 4)) {
            const BYTE *opt = pe + 24; /* the optional header: the same offsets in PE32 and PE32+ */
            WORD subsystem = (WORD)(opt[68] | opt[69] << 8);
            r = subsystem == 2 ? 0x4550u | (DWORD)(opt[48] << 8 | opt[50]) << 16 : 0x4550u;
        }
    } else if (fd >= 0 && !strcasecmp(ext, ".com"))
        r = 0x5a4d; /* a DOS .com image has no header */
    if (fd >= 0)
        close(fd);
    return r;
}

static const char *wv_type_name(const char *path, bool dir, char *buf, size_t cap)
{
    const char *ext = wv_ext(path);
    if (dir)
        return "File folder";
    if (!strcasecmp(ext, ".exe"))
        return "Application";
    if (!strcasecmp(ext, ".bat"))
        return "Windows Batch File";
    if (!strcasecmp(ext, ".cmd"))
        return "Windows Command Script";
    if (!*ext || !ext[1])
        return "File";
    snprintf(buf, cap, "%s File", ext + 1);
    for (char *c = buf; *c != ' '; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    return buf;
}

/* SHFILEINFOA/W: the fields as offsets (the strings' units differ). */
#define WV_SFI_ICON 0
#define WV_SFI_IICON 8
#define WV_SFI_ATTR 12
#define WV_SFI_NAME 16

static DWORD wv_put_sfi_text(BYTE *sfi, bool wide, size_t at_units, DWORD cap, const char *s)
{
    DWORD ret;
    size_t unit = wide ? 2 : 1;
    void *p = sfi + WV_SFI_NAME + at_units * unit;
    DWORD err = wide ? wv_out_w(s, p, cap, &ret) : wv_out_a(s, p, cap, &ret);
    if (err == 0 && ret >= cap) { /* too long: cut, as the shell does */
        char *cut = strndup(s, cap / 2);
        err = cut ? (wide ? wv_out_w(cut, p, cap, &ret) : wv_out_a(cut, p, cap, &ret)) : ERROR_NOT_ENOUGH_MEMORY;
        free(cut);
    }
    return err;
}

/* The fields flags ask for into sfi (the caller's SHFILEINFO copied in, written back after). */
static void wv_fill_sfi(BYTE *sfi, bool wide, const char *win, const struct stat *st, DWORD attrs, UINT flags)
{
    bool dir = st ? S_ISDIR(st->st_mode) : (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
    const char *slash = strrchr(win, '\\'), *base = slash && slash[1] ? slash + 1 : win;
    memset(sfi, 0, WV_SFI_IICON); /* no icon is drawn here */
    if (flags & WV_SHGFI_ICON)
        memset(sfi + WV_SFI_IICON, 0, 4);
    if (flags & WV_SHGFI_ATTRIBUTES) {
        DWORD a = st ? wv_file_attributes(st, base) : attrs;
        DWORD sf = WV_SFGAO_FILE | (dir ? WV_SFGAO_FOLDER : 0);
        sf |= ((a & FILE_ATTRIBUTE_READONLY) ? WV_SFGAO_READONLY : 0) | ((a & FILE_ATTRIBUTE_HIDDEN) ? WV_SFGAO_HIDDEN : 0);
        memcpy(sfi + WV_SFI_ATTR, &sf, 4);
    }
    if (flags & WV_SHGFI_DISPLAYNAME)
        wv_put_sfi_text(sfi, wide, 0, WV_MAX_PATH, base);
    if (flags & WV_SHGFI_TYPENAME) {
        char buf[80];
        wv_put_sfi_text(sfi, wide, WV_MAX_PATH, 80, wv_type_name(win, dir, buf, sizeof(buf)));
    }
}

static DWORD_PTR wv_file_info(const char *win, DWORD attrs, void *user_sfi, UINT size, UINT flags, bool wide)
{
    size_t need = WV_SFI_NAME + (WV_MAX_PATH + 80) * (wide ? 2 : 1);
    char *host = NULL;
    struct stat st;
    bool use_attrs = flags & WV_SHGFI_USEFILEATTRIBUTES;
    if ((flags & WV_SHGFI_PIDL) || wv_path_host(win, &host) || (!use_attrs && wv_sh_stat(host, &st))) {
        free(host);
        return 0;
    }
    DWORD_PTR r = 1;
    if (flags & WV_SHGFI_EXETYPE) {
        r = use_attrs || S_ISDIR(st.st_mode) ? 0 : wv_exe_type(host);
        flags &= ~WV_SHGFI_EXETYPE;
    }
    free(host);
    if (!flags || (flags & ~(WV_SHGFI_USEFILEATTRIBUTES | 0x7)) == 0)
        return r; /* SHGFI_EXETYPE alone (with the icon size bits) answers without the structure */
    BYTE sfi[WV_SFI_NAME + (WV_MAX_PATH + 80) * 2];
    if (!user_sfi || size < need || wv_copy(sfi, user_sfi, need))
        return 0;
    wv_fill_sfi(sfi, wide, win, use_attrs ? NULL : &st, attrs, flags);
    return wv_user_put(user_sfi, sfi, need) ? 0 : r;
}

static WV_MSABI DWORD_PTR sh_SHGetFileInfoW(LPCWSTR path, DWORD attrs, void *sfi, UINT size, UINT flags)
{
    char *win = NULL;
    if (!path || wv_user_wstr(path, WV_TEXT_REPLACE, &win))
        return 0;
    DWORD_PTR r = wv_file_info(win, attrs, sfi, size, flags, true);
    free(win);
    return r;
}

static WV_MSABI DWORD_PTR sh_SHGetFileInfoA(LPCSTR path, DWORD attrs, void *sfi, UINT size, UINT flags)
{
    char *win = NULL;
    if (!path || wv_user_str(path, &win))
        return 0;
    DWORD_PTR r = wv_file_info(win, attrs, sfi, size, flags, false);
    free(win);
    return r;
}

/* ---- SHGetFolderPath ---- */
#define WV_E_INVALIDARG ((LONG)0x80070057)
#define WV_E_OUTOFMEMORY ((LONG)0x8007000E)
#define WV_E_HANDLE ((LONG)0x80070006)
#define WV_E_NOT_FOUND ((LONG)0x80070002) /* HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) */
#define WV_CSIDL_FLAG_DONT_VERIFY 0x4000
#define WV_CSIDL_FLAG_CREATE 0x8000

/* The folders that mean something here: the user's profile is $HOME (userenv's), the system's
 * are winvm's C:\windows and its system32. */
static const struct {
    int csidl;
    bool in_profile;
    const char *path;
} wv_folders[] = {
    {0x00, true, "Desktop"},          {0x05, true, "Documents"},           {0x10, true, "Desktop"},
    {0x1a, true, "AppData\\Roaming"}, {0x1c, true, "AppData\\Local"},     {0x23, false, "C:\\ProgramData"},
    {0x24, false, WV_WINDOWS_DIR},    {0x25, false, WV_SYSTEM_DIR},        {0x28, true, ""},
};

/* The Windows path of folder csidl into *out (malloc'ed): S_OK (0) or E_INVALIDARG. */
static LONG wv_folder_path(int csidl, char **out)
{
    for (size_t i = 0; i < sizeof(wv_folders) / sizeof(wv_folders[0]); i++) {
        if (wv_folders[i].csidl != csidl)
            continue;
        if (!wv_folders[i].in_profile)
            return (*out = strdup(wv_folders[i].path)) ? 0 : WV_E_OUTOFMEMORY;
        const char *home = getenv("HOME");
        char *profile = NULL;
        if (wv_path_full(home && *home ? home : "/", &profile))
            return WV_E_OUTOFMEMORY;
        int n = *wv_folders[i].path ? asprintf(out, "%s\\%s", profile, wv_folders[i].path) : asprintf(out, "%s", profile);
        free(profile);
        return n < 0 ? WV_E_OUTOFMEMORY : 0;
    }
    return WV_E_INVALIDARG;
}

/* SHGetFolderPath's core: the folder (made with CSIDL_FLAG_CREATE; its absence an error unless
 * CSIDL_FLAG_DONT_VERIFY) into the caller's MAX_PATH buffer. */
static LONG wv_folder(int csidl, HANDLE token, void *buf, bool wide)
{
    if (token && token != (HANDLE)(intptr_t)-1) {
        DWORD access;
        struct wv_object *t = wv_handle_get(token, WV_KIND_TOKEN, &access);
        if (!t)
            return WV_E_HANDLE;
        wv_object_unref(t);
    }
    char *win = NULL, *host = NULL;
    LONG hr = buf ? wv_folder_path(csidl & 0xff, &win) : WV_E_INVALIDARG;
    struct stat st;
    if (hr == 0 && !(csidl & WV_CSIDL_FLAG_DONT_VERIFY) && !wv_path_host(win, &host) && wv_sh_stat(host, &st)) {
        if (!(csidl & WV_CSIDL_FLAG_CREATE))
            hr = WV_E_NOT_FOUND;
        else if (wv_make_dirs(host))
            hr = (LONG)0x80070005; /* E_ACCESSDENIED */
    }
    DWORD ret;
    if (hr == 0 && (wide ? wv_out_w(win, buf, WV_MAX_PATH, &ret) : wv_out_a(win, buf, WV_MAX_PATH, &ret)))
        hr = WV_E_INVALIDARG;
    free(win), free(host);
    return hr;
}

static WV_MSABI LONG sh_SHGetFolderPathW(HANDLE hwnd, int csidl, HANDLE token, DWORD flags, LPWSTR path)
{
    (void)hwnd, (void)flags; /* no window to own a dialog; no folder is redirected: current is default */
    return wv_folder(csidl, token, path, true);
}

static WV_MSABI LONG sh_SHGetFolderPathA(HANDLE hwnd, int csidl, HANDLE token, DWORD flags, LPSTR path)
{
    (void)hwnd, (void)flags;
    return wv_folder(csidl, token, path, false);
}

static const struct wv_export wv_sh_exports[] = {
    {"CommandLineToArgvW", (void *)wv_sh_CommandLineToArgvW},
    {"FindExecutableA", (void *)sh_FindExecutableA},
    {"FindExecutableW", (void *)sh_FindExecutableW},
    {"SHFileOperationA", (void *)wv_sh_SHFileOperationA},
    {"SHFileOperationW", (void *)wv_sh_SHFileOperationW},
    {"SHGetFileInfoA", (void *)sh_SHGetFileInfoA},
    {"SHGetFileInfoW", (void *)sh_SHGetFileInfoW},
    {"SHGetFolderPathA", (void *)sh_SHGetFolderPathA},
    {"SHGetFolderPathW", (void *)sh_SHGetFolderPathW},
};
#define WV_SH_COUNT (sizeof(wv_sh_exports) / sizeof(wv_sh_exports[0]))

void *wv_sh_lookup(const char *name) { return wv_export_find(wv_sh_exports, WV_SH_COUNT, name); }

const char *wv_sh_name_at(size_t i) { return i < WV_SH_COUNT ? wv_sh_exports[i].name : NULL; }
