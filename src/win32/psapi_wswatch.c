/* SPDX-License-Identifier: MIT */
/* psapi_wswatch.c - InitializeProcessForWsWatch, GetWsChanges and GetWsChangesEx (psapi.dll;
 * kernel32's K32 forms): the process handle's checks and the buffer rules around the watch's
 * core, mm/wswatch.c.  Behaviour and sources: docs/wswatch.md.
 */
#include "nt/nt.h"
#include "winvm.h"
#include "winvm/psapi.h"

#include <unistd.h>

/* Whether h names this process with the right need: 0, or the error refusing it.  The watch
 * lives in the fault handler of the process it watches, so another process is not served. */
static DWORD wv_ws_target(HANDLE h, DWORD need)
{
    if (wv_nt_self(h))
        return 0;
    bool chan = false;
    int pid = wv_nt_process_pid ? wv_nt_process_pid(h, need, &chan) : 0;
    if (pid == 0)
        return ERROR_INVALID_HANDLE;
    if (pid < 0)
        return ERROR_ACCESS_DENIED;
    return pid == getpid() ? 0 : ERROR_NOT_SUPPORTED;
}

BOOL WINAPI InitializeProcessForWsWatch(HANDLE process)
{
    DWORD err = wv_ws_target(process, PROCESS_SET_INFORMATION);
    /* psapi takes NT's STATUS_ACCESS_DENIED (and STATUS_PORT_ALREADY_SET, a second call) as
     * success: the call succeeds, and nothing starts. */
    if (err == ERROR_ACCESS_DENIED)
        return TRUE;
    if (err)
        return wv_fail(err);
    wv_fault_attach();
    wv_wswatch_start();
    return TRUE;
}

/* The answer of both calls, laid out for the caller (entry bytes 16 or 32) and ended by the
 * lost count.  Owned by the query between wv_wswatch_peek and wv_wswatch_done (one at a time). */
static ULONG_PTR wv_ws_out[(WV_WSWATCH_CAP + 1) * 4];

/* Copies the records into buf (cap bytes): 0, ERROR_INSUFFICIENT_BUFFER (*need set) or
 * ERROR_NOACCESS; records delivered are gone, records not delivered stay. */
static DWORD wv_ws_changes(HANDLE process, void *buf, DWORD cap, bool ex, DWORD *need)
{
    DWORD err = wv_ws_target(process, PROCESS_QUERY_INFORMATION);
    const struct wv_ws_record *r;
    size_t n = 0, lost = 0, words = ex ? 4 : 2;
    if (err || (err = wv_wswatch_peek(&r, &n, &lost)) != 0)
        return err;
    *need = (DWORD)((n + 1) * words * sizeof(ULONG_PTR));
    if (cap < *need) {
        wv_wswatch_done(n, lost, false);
        return ERROR_INSUFFICIENT_BUFFER;
    }
    ULONG_PTR *o = wv_ws_out;
    for (size_t k = 0; k < n; k++, o += words) {
        o[0] = r[k].pc;
        o[1] = r[k].va;
        if (ex)
            o[2] = r[k].tid, o[3] = 0;
    }
    o[0] = 0, o[1] = lost; /* the terminator: FaultingPc NULL, FaultingVa the records lost */
    if (ex)
        o[2] = o[3] = 0;
    err = wv_copy(buf, wv_ws_out, *need) ? ERROR_NOACCESS : 0;
    wv_wswatch_done(n, lost, err == 0);
    return err;
}

BOOL WINAPI GetWsChanges(HANDLE process, PPSAPI_WS_WATCH_INFORMATION info, DWORD cb)
{
    DWORD need = 0, err = wv_ws_changes(process, info, cb, false, &need);
    return err ? wv_fail(err) : TRUE;
}

BOOL WINAPI GetWsChangesEx(HANDLE process, PPSAPI_WS_WATCH_INFORMATION_EX info, PDWORD cb)
{
    DWORD cap = 0, need = 0;
    /* Read, and proven writable before any record is taken. */
    if (!cb || wv_copy(&cap, cb, sizeof(cap)) || wv_copy(cb, &cap, sizeof(cap)))
        return wv_fail(ERROR_NOACCESS);
    DWORD err = wv_ws_changes(process, info, cap, true, &need);
    if ((!err || err == ERROR_INSUFFICIENT_BUFFER) && wv_copy(cb, &need, sizeof(need)))
        err = ERROR_NOACCESS;
    return err ? wv_fail(err) : TRUE;
}
