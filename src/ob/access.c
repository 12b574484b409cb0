/* SPDX-License-Identifier: MIT */
/* access.c - each object kind's generic mapping: the specific rights GENERIC_READ,
 * GENERIC_WRITE, GENERIC_EXECUTE and GENERIC_ALL stand for, and the rights the kind knows.
 *
 * One table serves both the handles made (a kind's create and open calls map what they are
 * asked through it) and what NtQueryObject reports of the type, so the two cannot disagree.
 * The values are Windows' (ntdll's om.c conformance test lists them type by type).
 */
#include "ob/ob.h"

#include <winvm/iocp.h>
#include <winvm/kernel32.h>
#include <winvm/process.h>
#include <winvm/job.h>
#include <winvm/namedsync.h>
#include <winvm/ntobdir.h>
#include <winvm/ntsync.h>
#include <winvm/timer.h>
#include <winvm/token.h>

#define WV_STD_READ 0x00020000u /* READ_CONTROL: STANDARD_RIGHTS_READ, _WRITE and _EXECUTE */

/* Processes and threads (om.c's PROCESS_GENERIC_* and THREAD_GENERIC_*). */
#define WV_PROCESS_ACCESS                                                                                \
    {{WV_STD_READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,                                         \
      WV_STD_READ | PROCESS_SUSPEND_RESUME | PROCESS_SET_INFORMATION | PROCESS_SET_QUOTA |               \
          PROCESS_CREATE_PROCESS | PROCESS_DUP_HANDLE | PROCESS_VM_WRITE | PROCESS_VM_OPERATION |       \
          PROCESS_CREATE_THREAD,                                                                         \
      WV_STD_READ | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_TERMINATE, PROCESS_ALL_ACCESS}, \
     PROCESS_ALL_ACCESS}
#define WV_THREAD_ACCESS                                                                                 \
    {{WV_STD_READ | THREAD_QUERY_INFORMATION | THREAD_GET_CONTEXT,                                       \
      WV_STD_READ | THREAD_SET_LIMITED_INFORMATION | THREAD_SET_INFORMATION | THREAD_SET_CONTEXT |       \
          THREAD_SUSPEND_RESUME | THREAD_TERMINATE | 0x0004 /* reserved, in Windows' mapping */,          \
      WV_STD_READ | SYNCHRONIZE | THREAD_RESUME | THREAD_QUERY_LIMITED_INFORMATION, THREAD_ALL_ACCESS},  \
     THREAD_ALL_ACCESS}

/* Indexed by kind; a zero GenericAll is a kind without a mapping here. */
static const struct wv_ob_access wv_ob_access_table[] = {
    [WV_KIND_PROCESS] = WV_PROCESS_ACCESS,
    [WV_KIND_THREAD] = WV_THREAD_ACCESS,
    [WV_KIND_PROCESS_THREAD] = WV_THREAD_ACCESS,
    [WV_KIND_REMOTE_THREAD] = WV_THREAD_ACCESS,
    [WV_KIND_SECTION] = {{WV_STD_READ | SECTION_QUERY | SECTION_MAP_READ, WV_STD_READ | SECTION_MAP_WRITE,
                          WV_STD_READ | SECTION_MAP_EXECUTE, SECTION_ALL_ACCESS},
                         SECTION_ALL_ACCESS | SYNCHRONIZE},
    [WV_KIND_EVENT] = {{WV_STD_READ | EVENT_QUERY_STATE, WV_STD_READ | EVENT_MODIFY_STATE, WV_STD_READ | SYNCHRONIZE,
                        EVENT_ALL_ACCESS},
                       EVENT_ALL_ACCESS},
    [WV_KIND_MUTEX] = {{WV_STD_READ | MUTANT_QUERY_STATE, WV_STD_READ, WV_STD_READ | SYNCHRONIZE, MUTEX_ALL_ACCESS},
                       MUTEX_ALL_ACCESS},
    [WV_KIND_SEMAPHORE] = {{WV_STD_READ | SEMAPHORE_QUERY_STATE, WV_STD_READ | SEMAPHORE_MODIFY_STATE,
                            WV_STD_READ | SYNCHRONIZE, SEMAPHORE_ALL_ACCESS},
                           SEMAPHORE_ALL_ACCESS},
    [WV_KIND_TIMER] = {{WV_STD_READ | TIMER_QUERY_STATE, WV_STD_READ | TIMER_MODIFY_STATE, WV_STD_READ | SYNCHRONIZE,
                        TIMER_ALL_ACCESS},
                       TIMER_ALL_ACCESS},
    [WV_KIND_KEYED_EVENT] = {{WV_STD_READ | KEYEDEVENT_WAIT, WV_STD_READ | KEYEDEVENT_WAKE, WV_STD_READ,
                              KEYEDEVENT_ALL_ACCESS},
                             KEYEDEVENT_ALL_ACCESS | SYNCHRONIZE},
    [WV_KIND_DIRECTORY] = {{WV_STD_READ | DIRECTORY_QUERY | DIRECTORY_TRAVERSE,
                            WV_STD_READ | DIRECTORY_CREATE_OBJECT | DIRECTORY_CREATE_SUBDIRECTORY,
                            WV_STD_READ | DIRECTORY_QUERY | DIRECTORY_TRAVERSE, DIRECTORY_ALL_ACCESS},
                           DIRECTORY_ALL_ACCESS},
    [WV_KIND_SYMLINK] = {{WV_STD_READ | SYMBOLIC_LINK_QUERY, WV_STD_READ, WV_STD_READ | SYMBOLIC_LINK_QUERY,
                          SYMBOLIC_LINK_ALL_ACCESS},
                         SYMBOLIC_LINK_ALL_ACCESS},
    [WV_KIND_DEBUG] = {{WV_STD_READ | DEBUG_READ_EVENT, WV_STD_READ | DEBUG_PROCESS_ASSIGN,
                        WV_STD_READ | SYNCHRONIZE, DEBUG_ALL_ACCESS},
                       DEBUG_ALL_ACCESS},
    [WV_KIND_IOCP] = {{WV_STD_READ | IO_COMPLETION_QUERY_STATE, WV_STD_READ | IO_COMPLETION_MODIFY_STATE,
                       WV_STD_READ | SYNCHRONIZE, IO_COMPLETION_ALL_ACCESS},
                      IO_COMPLETION_ALL_ACCESS},
    [WV_KIND_TOKEN] = {{WV_STD_READ | TOKEN_QUERY_SOURCE | TOKEN_QUERY | TOKEN_DUPLICATE,
                        WV_STD_READ | TOKEN_ADJUST_SESSIONID | TOKEN_ADJUST_DEFAULT | TOKEN_ADJUST_GROUPS |
                            TOKEN_ADJUST_PRIVILEGES,
                        WV_STD_READ | TOKEN_IMPERSONATE | TOKEN_ASSIGN_PRIMARY, TOKEN_ALL_ACCESS},
                       TOKEN_ALL_ACCESS | SYNCHRONIZE},
    [WV_KIND_KEY] = {{WV_STD_READ | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY,
                      WV_STD_READ | KEY_SET_VALUE | KEY_CREATE_SUB_KEY,
                      WV_STD_READ | KEY_QUERY_VALUE | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY | KEY_CREATE_LINK,
                      KEY_ALL_ACCESS},
                     KEY_ALL_ACCESS | SYNCHRONIZE},
    [WV_KIND_JOB] = {{WV_STD_READ | JOB_OBJECT_QUERY,
                      WV_STD_READ | JOB_OBJECT_TERMINATE | JOB_OBJECT_SET_ATTRIBUTES | JOB_OBJECT_ASSIGN_PROCESS,
                      WV_STD_READ | SYNCHRONIZE, JOB_OBJECT_ALL_ACCESS},
                     JOB_OBJECT_ALL_ACCESS},
};

const struct wv_ob_access *wv_ob_access_of(int kind)
{
    size_t n = sizeof(wv_ob_access_table) / sizeof(wv_ob_access_table[0]);
    if (kind < 0 || (size_t)kind >= n || !wv_ob_access_table[kind].map.GenericAll)
        return NULL;
    return &wv_ob_access_table[kind];
}

DWORD wv_ob_map_generic(DWORD access, const WV_GENERIC_MAPPING *m)
{
    DWORD r = access & ~(DWORD)(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if (access & GENERIC_READ)
        r |= m->GenericRead;
    if (access & GENERIC_WRITE)
        r |= m->GenericWrite;
    if (access & GENERIC_EXECUTE)
        r |= m->GenericExecute;
    if (access & (GENERIC_ALL | MAXIMUM_ALLOWED))
        r |= m->GenericAll;
    return r;
}

DWORD wv_ob_rights(int kind, DWORD access)
{
    const struct wv_ob_access *a = wv_ob_access_of(kind);
    wv_assert(a);
    return wv_ob_map_generic(access, &a->map) & a->valid;
}
