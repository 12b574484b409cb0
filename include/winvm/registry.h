/* SPDX-License-Identifier: MIT */
/* winvm/registry.h - advapi32's registry and token constants, Windows' values. */
#ifndef WINVM_REGISTRY_H
#define WINVM_REGISTRY_H

#define HKEY_CLASSES_ROOT ((void *)(intptr_t)(int32_t)0x80000000u) /* sign-extended, as Windows' */
#define HKEY_CURRENT_USER ((void *)(intptr_t)(int32_t)0x80000001u) /* sign-extended, as Windows' */
#define HKEY_LOCAL_MACHINE ((void *)(intptr_t)(int32_t)0x80000002u) /* sign-extended, as Windows' */
#define HKEY_USERS ((void *)(intptr_t)(int32_t)0x80000003u) /* sign-extended, as Windows' */

#define REG_NONE 0
#define REG_SZ 1
#define REG_EXPAND_SZ 2
#define REG_BINARY 3
#define REG_DWORD 4
#define REG_DWORD_BIG_ENDIAN 5
#define REG_LINK 6
#define REG_MULTI_SZ 7
#define REG_QWORD 11

#define REG_CREATED_NEW_KEY 1L
#define REG_OPENED_EXISTING_KEY 2L
#define REG_OPTION_VOLATILE 1L

#define KEY_QUERY_VALUE 0x0001
#define KEY_SET_VALUE 0x0002
#define KEY_CREATE_SUB_KEY 0x0004
#define KEY_ENUMERATE_SUB_KEYS 0x0008
#define KEY_NOTIFY 0x0010
#define KEY_CREATE_LINK 0x0020
#define KEY_WOW64_64KEY 0x0100
#define KEY_WOW64_32KEY 0x0200
#define KEY_READ 0x20019
#define KEY_WRITE 0x20006
#define KEY_ALL_ACCESS 0xF003F

#define RRF_RT_REG_NONE 0x00000001
#define RRF_RT_REG_SZ 0x00000002
#define RRF_RT_REG_EXPAND_SZ 0x00000004
#define RRF_RT_REG_BINARY 0x00000008
#define RRF_RT_REG_DWORD 0x00000010
#define RRF_RT_REG_MULTI_SZ 0x00000020
#define RRF_RT_REG_QWORD 0x00000040
#define RRF_RT_DWORD 0x00000018
#define RRF_RT_QWORD 0x00000048
#define RRF_RT_ANY 0x0000FFFF
#define RRF_NOEXPAND 0x10000000
#define RRF_ZEROONFAILURE 0x20000000

#define ERROR_WRITE_FAULT 29L
#define ERROR_BAD_PATHNAME 161L
#define ERROR_DATATYPE_MISMATCH 1629L
#define ERROR_NO_TOKEN 1008L
#define ERROR_BADDB 1009L
#define ERROR_BADKEY 1010L
#define ERROR_KEY_DELETED 1018L
#define ERROR_INVALID_SID 1337L
#define ERROR_UNSUPPORTED_TYPE 1630L

#define TOKEN_QUERY 0x0008
#endif
