/* SPDX-License-Identifier: MIT */
/* vlock.c - the cores of VirtualLock and VirtualUnlock (public in win32/virtual.c).
 *
 * Windows' rules (docs/semantics.md, "VirtualLock / VirtualUnlock"), checked in Windows'
 * order: the range must be inside user space and not empty; every page must belong to some
 * allocation (or, for memory winvm does not manage, to some kernel mapping); then the pages
 * are probed in address order, and the first one that cannot be read stops the call: a guard
 * page loses its guard and the call fails with STATUS_GUARD_PAGE_VIOLATION, a reserved or
 * PAGE_NOACCESS page fails it with ERROR_NOACCESS.  Only then is anything locked.
 *
 * A lock is one hidden bit per page (WV_LOCKED): there is no lock count, so one VirtualUnlock
 * undoes any number of VirtualLocks.  mlock/munlock do the real work, one syscall per call:
 * the kernel checks RLIMIT_MEMLOCK for the whole range before it changes anything.
 * Memory winvm does not manage has no page bits; its lock state is the kernel's (the "lo"
 * flag of each mapping in /proc/self/smaps, exact because mlock splits mappings).
 */
#define _GNU_SOURCE
#include "mm/mm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The system calls themselves: sanitizer runtimes intercept mlock/munlock as no-ops. */
static int wv_mlock(uintptr_t a, size_t len) { return (int)syscall(SYS_mlock, a, len); }
static int wv_munlock(uintptr_t a, size_t len) { return (int)syscall(SYS_munlock, a, len); }

/* The pages of [addr, addr + size); false when size is 0 or the range leaves user space
 * (NT: STATUS_INVALID_PARAMETER for both). */
static bool wv_vlock_range(uintptr_t a, SIZE_T size, uintptr_t *start, uintptr_t *end)
{
    if (size == 0 || a > WV_MAX_ADDR || size > WV_END_ADDR - a)
        return false;
    *start = wv_page_down(a);
    *end = wv_page_up(a + size);
    return true;
}

/* The piece of [a, end) that starts at a: inside one view (*v set) or, with *v NULL, memory
 * winvm does not manage, up to the next view. */
static uintptr_t wv_piece(uintptr_t a, uintptr_t end, struct wv_view **v)
{
    *v = wv_space_find(a);
    if (*v)
        return (*v)->end < end ? (*v)->end : end;
    struct wv_view *next = wv_space_next(a);
    return next && next->base < end ? next->base : end;
}

/* Foreign memory: true when kernel mappings cover all of [a, e), each accessible when
 * accessible is asked for. */
static bool wv_foreign_covered(uintptr_t a, uintptr_t e, bool accessible)
{
    while (a < e) {
        struct wv_mapping m;
        if (!wv_proc_mapping(a, &m) || m.start == 0 || m.start > a)
            return false;
        if (accessible && (m.prot & 7) == 0)
            return false;
        a = m.end;
    }
    return true;
}

/* Foreign memory: true when every mapping covering [a, e) is locked (VmFlags "lo"). */
static bool wv_foreign_locked(uintptr_t a, uintptr_t e)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    uintptr_t covered = a; /* covered by mappings up to here */
    bool in = false, ok = true;
    while (ok && getline(&line, &cap, f) > 0) {
        unsigned long s, t;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &t, perms) == 3) {
            if (s >= e)
                break; /* mappings come in address order */
            in = t > covered;
            if (in && s > covered)
                ok = false; /* a hole */
            else if (in)
                covered = t; /* its VmFlags line, further down, decides */
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0 && !strstr(line, " lo"))
            ok = false;
    }
    free(line);
    fclose(f);
    return ok && covered >= e;
}

/* True when page k of v would stop a lock probe; *guard says it is a guard page. */
static bool wv_probe_stops(const struct wv_view *v, size_t k, bool *guard)
{
    wv_page_t p = v->page[k];
    *guard = (p & WV_COMMITTED) && (p & WV_GUARD);
    return !(p & WV_COMMITTED) || (wv_prot_report(p) & 0xff) == PAGE_NOACCESS || *guard;
}

/* Clears the guard of page k, on the host too, as the fault handler does on a touch. */
static void wv_consume_guard(struct wv_view *v, size_t k)
{
    wv_view_update(v, k, 1, (wv_page_t)~WV_GUARD, 0);
    wv_os_protect(v->base + k * WV_PAGE_SIZE, WV_PAGE_SIZE, wv_prot_host(v->page[k]));
}

/* Validates [start, end) for VirtualLock, in Windows' order; 0 when every page can be
 * locked.  Lock held. */
static DWORD wv_vlock_check(uintptr_t start, uintptr_t end, bool *foreign)
{
    wv_assert(wv_space_locked_by_self());
    struct wv_view *v;
    /* 1. Every page belongs to an allocation (NT: the VAD walk, STATUS_ACCESS_VIOLATION). */
    *foreign = false;
    for (uintptr_t a = start, e; a < end; a = e) {
        e = wv_piece(a, end, &v);
        if (!v) {
            *foreign = true;
            if (!wv_foreign_covered(a, e, false))
                return ERROR_NOACCESS;
        }
    }
    /* 2. Each page is read in address order; the first that cannot be read stops the call. */
    for (uintptr_t a = start, e; a < end; a = e) {
        e = wv_piece(a, end, &v);
        if (!v) {
            if (!wv_foreign_covered(a, e, true))
                return ERROR_NOACCESS;
            continue;
        }
        size_t i = wv_view_index(v, a), n = (e - a) / WV_PAGE_SIZE;
        bool guard;
        /* Guard, state and protection are visible bits: one page answers for its run. */
        for (size_t k = i; k < i + n; k += wv_view_run(v, k, i + n)) {
            if (!wv_probe_stops(v, k, &guard))
                continue;
            if (!guard)
                return ERROR_NOACCESS;
            wv_consume_guard(v, k);
            return STATUS_GUARD_PAGE_VIOLATION; /* GetLastError() is the status itself */
        }
    }
    return 0;
}

/* munlock of the pages of [start, end) that were not locked before this call. */
static void wv_vlock_rollback(uintptr_t start, uintptr_t end, bool foreign_was_locked)
{
    struct wv_view *v;
    for (uintptr_t a = start, e; a < end; a = e) {
        e = wv_piece(a, end, &v);
        if (!v) {
            if (!foreign_was_locked)
                wv_munlock(a, e - a);
            continue;
        }
        size_t i = wv_view_index(v, a), n = (e - a) / WV_PAGE_SIZE;
        for (size_t k = i, r; k < i + n; k = r) {
            /* One call per run of pages with the same lock state. */
            bool was = (v->page[k] & WV_LOCKED) != 0;
            for (r = k + 1; r < i + n && ((v->page[r] & WV_LOCKED) != 0) == was; r++)
                ;
            if (!was)
                wv_munlock(v->base + k * WV_PAGE_SIZE, (r - k) * WV_PAGE_SIZE);
        }
    }
}

/* Sets (lock) or clears WV_LOCKED on every view page of [start, end). */
static void wv_vlock_mark(uintptr_t start, uintptr_t end, bool lock)
{
    struct wv_view *v;
    for (uintptr_t a = start, e; a < end; a = e) {
        e = wv_piece(a, end, &v);
        if (v)
            wv_view_update(v, wv_view_index(v, a), (e - a) / WV_PAGE_SIZE,
                           (wv_page_t)~WV_LOCKED, lock ? WV_LOCKED : 0);
    }
}

DWORD wv_vlock(uintptr_t addr, SIZE_T size)
{
    uintptr_t start, end;
    if (!wv_vlock_range(addr, size, &start, &end))
        return ERROR_INVALID_PARAMETER;
    bool foreign;
    wv_space_lock();
    DWORD err = wv_vlock_check(start, end, &foreign);
    if (!err) {
        /* Foreign lock state matters only if mlock fails half-way (populate after the limit
         * check); reading it costs a pass over smaps, so only when foreign memory is in. */
        bool foreign_was_locked = foreign && wv_foreign_locked(start, end);
        if (wv_mlock(start, end - start) != 0) {
            int e = errno;
            wv_vlock_rollback(start, end, foreign_was_locked);
            /* RLIMIT_MEMLOCK (ENOMEM, or EPERM with a zero limit) or no memory to lock: the
             * process's lockable set is exhausted, as NT's working-set quota would be. */
            err = (e == ENOMEM || e == EPERM || e == EAGAIN) ? ERROR_WORKING_SET_QUOTA
                                                             : wv_errno_to_error(e);
        } else
            wv_vlock_mark(start, end, true);
    }
    wv_space_unlock();
    return err;
}

DWORD wv_vunlock(uintptr_t addr, SIZE_T size)
{
    uintptr_t start, end;
    if (!wv_vlock_range(addr, size, &start, &end))
        return ERROR_INVALID_PARAMETER;
    DWORD err = 0;
    struct wv_view *v;
    wv_space_lock();
    /* All or nothing: every page must be locked, or nothing is unlocked. */
    for (uintptr_t a = start, e; a < end && !err; a = e) {
        e = wv_piece(a, end, &v);
        if (!v) {
            if (!wv_foreign_covered(a, e, false) || !wv_foreign_locked(a, e))
                err = ERROR_NOT_LOCKED;
            continue;
        }
        size_t i = wv_view_index(v, a), n = (e - a) / WV_PAGE_SIZE;
        for (size_t k = i; k < i + n && !err; k++)
            if (!(v->page[k] & WV_LOCKED))
                err = ERROR_NOT_LOCKED;
    }
    if (!err) {
        if (wv_munlock(start, end - start) != 0)
            err = wv_errno_to_error(errno);
        else
            wv_vlock_mark(start, end, false);
    }
    wv_space_unlock();
    return err;
}

void wv_vlock_drop(struct wv_view *v, size_t i, size_t n)
{
    wv_assert(wv_space_locked_by_self());
    for (size_t k = i; k < i + n; k++) {
        if (!(v->page[k] & WV_LOCKED))
            continue;
        size_t e = k + 1;
        while (e < i + n && (v->page[e] & WV_LOCKED))
            e++;
        wv_munlock(v->base + k * WV_PAGE_SIZE, (e - k) * WV_PAGE_SIZE);
        wv_view_update(v, k, e - k, (wv_page_t)~WV_LOCKED, 0);
        k = e;
    }
}
