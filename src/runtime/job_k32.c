/* SPDX-License-Identifier: MIT */
/* job_k32.c - kernel32's job calls over ntdll's (job.c, job_info.c): CreateJobObjectA/W,
 * OpenJobObjectA/W, AssignProcessToJobObject, IsProcessInJob, TerminateJobObject,
 * QueryInformationJobObject, SetInformationJobObject.  A kernel32 name is an object path as
 * for events: "Global\x" is \BaseNamedObjects\x, "x" and "Local\x" the session's; a Create of
 * an existing name opens it with ERROR_ALREADY_EXISTS, another kind's name is
 * ERROR_INVALID_HANDLE, an Open of a missing one ERROR_FILE_NOT_FOUND.
 */
#include "runtime/job_int.h"
#include "nt/nt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The object path of a kernel32 name (UTF-16, n units) into out (cap units): its length, 0
 * when it does not fit. */
static size_t wv_job_path(const WCHAR *name, size_t n, WCHAR *out, size_t cap)
{
    static const WCHAR global[] = {'G', 'l', 'o', 'b', 'a', 'l', '\\'}, local[] = {'L', 'o', 'c', 'a', 'l', '\\'};
    char dir[64];
    bool g = n >= 7 && !memcmp(name, global, sizeof(global));
    if (g)
        name += 7, n -= 7;
    else if (n >= 6 && !memcmp(name, local, sizeof(local)))
        name += 6, n -= 6;
    snprintf(dir, sizeof(dir), g ? "\\BaseNamedObjects\\" : "\\Sessions\\%u\\BaseNamedObjects\\", WV_OB_SESSION);
    size_t dl = strlen(dir);
    if (dl + n > cap)
        return 0;
    for (size_t i = 0; i < dl; i++)
        out[i] = (WCHAR)dir[i];
    memcpy(out + dl, name, n * sizeof(WCHAR));
    return dl + n;
}

/* Create (create) or open the job named name (NULL: unnamed): the handle, or NULL and the error. */
static HANDLE wv_job_k32(const WCHAR *name, DWORD access, bool inherit, bool create)
{
    WCHAR path[600];
    size_t n = 0;
    if (name) {
        const WCHAR *e = name;
        while (*e && e - name < 300)
            e++;
        if (*e || !(n = wv_job_path(name, (size_t)(e - name), path, 600)))
            return wv_fail_null(ERROR_FILENAME_EXCED_RANGE);
    } else if (!create)
        return wv_fail_null(ERROR_INVALID_PARAMETER);
    UNICODE_STRING us = {(USHORT)(n * sizeof(WCHAR)), (USHORT)(n * sizeof(WCHAR)), path};
    OBJECT_ATTRIBUTES oa = {sizeof(oa), NULL, name ? &us : NULL, (create ? OBJ_OPENIF : 0) | (inherit ? OBJ_INHERIT : 0),
                            NULL, NULL};
    HANDLE h = NULL;
    NTSTATUS st = create ? NtCreateJobObject(&h, access, &oa) : NtOpenJobObject(&h, access, &oa);
    if (st && st != STATUS_OBJECT_NAME_EXISTS)
        return wv_fail_null(RtlNtStatusToDosError(st));
    if (inherit)
        wv_handle_flags(h, 1 /* HANDLE_FLAG_INHERIT */, 1, NULL);
    wv_set_error(st == STATUS_OBJECT_NAME_EXISTS ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return h;
}

/* A narrow name as UTF-16 (*w, free it): 0 or the error. */
static DWORD wv_job_wide(LPCSTR name, WCHAR **w)
{
    *w = NULL;
    if (!name)
        return 0;
    size_t len = strnlen(name, 1024), n = 0;
    if (!(*w = malloc((len + 1) * sizeof(WCHAR))))
        return ERROR_NOT_ENOUGH_MEMORY;
    if (wv_utf8_to_utf16(name, len, *w, len + 1, WV_TEXT_WTF8, &n))
        return free(*w), *w = NULL, ERROR_INVALID_PARAMETER;
    (*w)[n] = 0;
    return 0;
}

HANDLE WINAPI CreateJobObjectW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name)
{
    SECURITY_ATTRIBUTES s = {0};
    if (sa && wv_copy(&s, sa, sizeof(s)))
        return wv_fail_null(ERROR_NOACCESS);
    return wv_job_k32(name, JOB_OBJECT_ALL_ACCESS, s.bInheritHandle != FALSE, true);
}

HANDLE WINAPI CreateJobObjectA(LPSECURITY_ATTRIBUTES sa, LPCSTR name)
{
    WCHAR *w;
    DWORD err = wv_job_wide(name, &w);
    if (err)
        return wv_fail_null(err);
    HANDLE h = CreateJobObjectW(sa, w);
    free(w);
    return h;
}

HANDLE WINAPI OpenJobObjectW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return wv_job_k32(name, access, inherit != FALSE, false);
}

HANDLE WINAPI OpenJobObjectA(DWORD access, BOOL inherit, LPCSTR name)
{
    WCHAR *w;
    DWORD err = wv_job_wide(name, &w);
    if (err)
        return wv_fail_null(err);
    HANDLE h = OpenJobObjectW(access, inherit, w);
    free(w);
    return h;
}

BOOL WINAPI AssignProcessToJobObject(HANDLE job, HANDLE process)
{
    NTSTATUS st = NtAssignProcessToJobObject(job, process);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI IsProcessInJob(HANDLE process, HANDLE job, BOOL *result)
{
    NTSTATUS st = NtIsProcessInJob(process, job);
    if (st != STATUS_PROCESS_IN_JOB && st != STATUS_PROCESS_NOT_IN_JOB)
        return wv_fail(RtlNtStatusToDosError(st));
    BOOL in = st == STATUS_PROCESS_IN_JOB;
    DWORD err = wv_user_put(result, &in, sizeof(in));
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI TerminateJobObject(HANDLE job, UINT code)
{
    NTSTATUS st = NtTerminateJobObject(job, (NTSTATUS)code);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI QueryInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS cls, LPVOID info, DWORD len, LPDWORD ret)
{
    NTSTATUS st = NtQueryInformationJobObject(job, cls, info, len, ret);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}

BOOL WINAPI SetInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS cls, LPVOID info, DWORD len)
{
    NTSTATUS st = NtSetInformationJobObject(job, cls, info, len);
    return st ? wv_fail(RtlNtStatusToDosError(st)) : TRUE;
}
