/* SPDX-License-Identifier: MIT */
/* shell32_int.h - what shell32.c (the table, FindExecutable, SHGetFileInfo, CommandLineToArgvW)
 * and shell32_fileop.c (SHFileOperation) share. */
#ifndef WV_RUNTIME_SHELL32_INT_H
#define WV_RUNTIME_SHELL32_INT_H

#include "runtime/runtime.h"

/* SHFileOperation's own results (shellapi's DE_* values; Wine's shlfileop.c lists them). */
#define DE_SAMEFILE 0x71
#define DE_MANYSRC1DEST 0x72
#define DE_DIFFDIR 0x73
#define DE_OPCANCELLED 0x75
#define DE_DESTSUBTREE 0x76
#define DE_INVALIDFILES 0x7C
#define DE_DESTSAMETREE 0x7D
#define DE_FLDDESTISFILE 0x7E
#define DE_FILEDESTISFLD 0x80

/* Makes the host directory dir and its missing parents: 0 or a Win32 error (shell32_fileop.c;
 * copies and moves make their destination's, SHGetFolderPath's CSIDL_FLAG_CREATE its folder's). */
DWORD wv_make_dirs(const char *dir);

WV_MSABI int wv_sh_SHFileOperationW(void *op);
WV_MSABI int wv_sh_SHFileOperationA(void *op);
WV_MSABI WCHAR **wv_sh_CommandLineToArgvW(LPCWSTR line, int *count);

#endif
