/* SPDX-License-Identifier: MIT */
/* undname.h - MSVC's C++ name undecorator (undname*.c), the engine of msvcrt's and ucrtbase's
 * __unDName, __unDNameEx, type_info::name and __std_type_info_name.  Pure string work: it
 * depends on nothing but the C library. */
#ifndef WV_RUNTIME_UNDNAME_H
#define WV_RUNTIME_UNDNAME_H

/* The UNDNAME_* flags (dbghelp.h's values). */
#define WV_UND_COMPLETE 0x0000u
#define WV_UND_NO_LEADING_UNDERSCORES 0x0001u /* "cdecl", "ptr64": keywords without their __ */
#define WV_UND_NO_MS_KEYWORDS 0x0002u         /* no calling conventions, __ptr64, __unaligned */
#define WV_UND_NO_FUNCTION_RETURNS 0x0004u
#define WV_UND_NO_ALLOCATION_MODEL 0x0008u    /* near/far: nothing to drop on x64 */
#define WV_UND_NO_ALLOCATION_LANGUAGE 0x0010u /* calling conventions of functions (not of pointers) */
#define WV_UND_NO_MS_THISTYPE 0x0020u         /* a member function's __ptr64, __unaligned */
#define WV_UND_NO_CV_THISTYPE 0x0040u         /* a member function's const, volatile */
#define WV_UND_NO_ACCESS_SPECIFIERS 0x0080u
#define WV_UND_NO_THROW_SIGNATURES 0x0100u
#define WV_UND_NO_MEMBER_TYPE 0x0200u         /* static, virtual */
#define WV_UND_NO_RETURN_UDT_MODEL 0x0400u
#define WV_UND_32_BIT_DECODE 0x0800u
#define WV_UND_NAME_ONLY 0x1000u              /* the qualified name alone */
#define WV_UND_NO_ARGUMENTS 0x2000u           /* the input is a data type (type_info's names) */
#define WV_UND_NO_SPECIAL_SYMS 0x4000u

/* The undecorated form of mangled, malloc'ed (the caller frees it); NULL only when memory runs
 * out.  A name that is not a valid decorated name (truncated, garbage, a construct this
 * undecorator does not know) comes back as it is, as Windows' undecorator returns it. */
char *wv_undname(const char *mangled, unsigned flags);

#endif
