/* SPDX-License-Identifier: MIT */
/* ob.h - kernel objects and the handle table (handle.c): what a HANDLE names, reference
 * counted.  Every kind of object (files, sections, threads, events, ...) starts with struct
 * wv_object; the layers that own each kind build on it.
 *
 * Locking: the handle-table mutex guards the table only; no other lock is taken under it, and
 * an object's destroy and its handle-closed callback run after it is released.
 */
#ifndef WV_OB_H
#define WV_OB_H

#include "base/base.h"
#include <winvm/ntdll.h> /* NTSTATUS, OBJ_*, the object statuses (the namespace tree) */

enum {
    WV_KIND_ANY = 0, /* for wv_handle_get: whatever the handle names */
    WV_KIND_FILE = 1, WV_KIND_SECTION = 2, WV_KIND_THREAD = 3,
    WV_KIND_EVENT = 4, WV_KIND_MUTEX = 5, WV_KIND_SEMAPHORE = 6,
    /* FindFirstFile's searches: only FindClose closes them (CloseHandle and DuplicateHandle
     * refuse them, as Windows, whose find handles are no kernel handles) */
    WV_KIND_FIND = 7,
    /* a process (runtime/process.c): this one, a child, or one OpenProcess opened */
    WV_KIND_PROCESS = 8,
    /* the main thread of a child process (CreateProcess's hThread) */
    WV_KIND_PROCESS_THREAD = 9,
    /* an access token (runtime/advapi32_token.c): who the process runs as */
    WV_KIND_TOKEN = 10,
    /* a thread of another process (runtime/thread_remote.c): DuplicateHandle, inheritance */
    WV_KIND_REMOTE_THREAD = 11,
    /* a waitable timer (runtime/timer.c; its state shared as a named event's, nsync.c) */
    WV_KIND_TIMER = 12,
    /* a keyed event (runtime/ntdll_keyed.c): always signalled to WaitForSingleObject */
    WV_KIND_KEYED_EVENT = 13,
    /* the object namespace's own objects (objdir.c): directories, symbolic links; and debug
     * objects (runtime/ntdll_objdir.c), which live in the tree too */
    WV_KIND_DIRECTORY = 14, WV_KIND_SYMLINK = 15, WV_KIND_DEBUG = 16,
    /* an I/O completion port (runtime/iocp.c) */
    WV_KIND_IOCP = 17,
    /* a job object (runtime/job.c) */
    WV_KIND_JOB = 18,
    /* a tool help snapshot (runtime/k32_toolhelp.c) */
    WV_KIND_SNAPSHOT = 19,
    /* a registry key (runtime/reg_key.c): advapi32's HKEYs and ntdll's key handles alike */
    WV_KIND_KEY = 20
};

/* ---- access.c: each kind's generic mapping (Windows' GENERIC_MAPPING) ---- */
struct wv_ob_access {
    WV_GENERIC_MAPPING map; /* what GENERIC_READ, _WRITE, _EXECUTE and _ALL stand for */
    DWORD valid;            /* every right the kind knows (the type's ValidAccessMask) */
};
/* The kind's mapping, or NULL for a kind without one here. */
const struct wv_ob_access *wv_ob_access_of(int kind);
/* access with its generic rights (and MAXIMUM_ALLOWED, as GENERIC_ALL) replaced by m's
 * specific ones; the other bits kept. */
DWORD wv_ob_map_generic(DWORD access, const WV_GENERIC_MAPPING *m);
/* The rights a handle of kind (which has a mapping) gets for access: mapped, then only
 * the rights the kind knows. */
DWORD wv_ob_rights(int kind, DWORD access);

/* The common head of every object a HANDLE can name. */
struct wv_object {
    int kind;
    int refs;                                          /* handles + views + callers holding it */
    void (*destroy)(struct wv_object *o);              /* at the last reference */
    /* A handle opened (+1: table lock held, must not block) or closed (-1: lock released,
     * before the handle's reference is dropped; may block).  A +1 always precedes the -1 of
     * the same handle, but may run alongside another handle's -1. */
    void (*on_handle)(struct wv_object *o, int delta);
};

void wv_object_ref(struct wv_object *o);
void wv_object_unref(struct wv_object *o);
/* A new reference to o unless its last one is being dropped (refs 0: its destroy may be
 * waiting for a lock the caller holds to unlink it): true when taken.  For lists of named
 * objects searched under their own lock. */
bool wv_object_ref_live(struct wv_object *o);
/* A new handle holding a reference to o; NULL when the table is full, which the public call
 * reports as ERROR_TOO_MANY_OPEN_FILES. */
HANDLE wv_handle_new(struct wv_object *o, DWORD access);
/* The object behind h if it is of this kind (or any, WV_KIND_ANY), with a reference the caller
 * must drop. */
struct wv_object *wv_handle_get(HANDLE h, int kind, DWORD *access);
/* The cores of CloseHandle and DuplicateHandle (DUPLICATE_CLOSE_SOURCE closes src once the
 * duplicate is made): 0 or the Win32 error the public call reports. */
DWORD wv_handle_close(HANDLE h);
/* The pseudo handles, ~0 to ~5 (the current process and thread, the three token ones): no
 * slot names them. */
/* The object h names, with a reference, its granted access and HANDLE_FLAG_* flags (NULL for
 * a bad or pseudo handle); how many handles of the table name o (NtQueryObject). */
struct wv_object *wv_handle_info(HANDLE h, DWORD *access, DWORD *flags);
DWORD wv_handle_count(const struct wv_object *o);
/* How many handles the table holds (GetProcessHandleCount, ProcessHandleCount). */
DWORD wv_handle_total(void);
/* The first object of this kind a handle of the table names for which match(o, arg) is true,
 * with a reference; NULL when none (match runs under the table lock: it must not block). */
struct wv_object *wv_handle_find(int kind, bool (*match)(const struct wv_object *o, const void *arg), const void *arg);
static inline bool wv_handle_pseudo(HANDLE h) { return (uintptr_t)h >= (uintptr_t)-6; }
/* CloseHandle's and NtClose's core: wv_handle_close, except that a pseudo handle closes
 * successfully and stays usable, as on Windows 10.  Internal closes use wv_handle_close. */
DWORD wv_handle_close_api(HANDLE h);
/* Closes h only if it names an object of this kind (WV_KIND_FIND included). */
DWORD wv_handle_close_kind(HANDLE h, int kind);
/* A handle's flags (HANDLE_FLAG_INHERIT 1, HANDLE_FLAG_PROTECT_FROM_CLOSE 2: a protected handle
 * is not closed): the bits of mask set to value's, the former flags in *old (when not NULL).
 * 0 or ERROR_INVALID_HANDLE (find handles included). */
DWORD wv_handle_flags(HANDLE h, DWORD mask, DWORD value, DWORD *old);
/* The way up for the current-process pseudo handle as DuplicateHandle's source: a new
 * reference to this process's object (set by runtime/process.c; NULL before). */
extern struct wv_object *(*wv_ob_self_process)(void);
/* The same for GetCurrentThread()'s pseudo handle: the calling thread's object (runtime). */
extern struct wv_object *(*wv_ob_self_thread)(void);
/* Moves the handle from to the free value to (flags: HANDLE_FLAG_*): 0, ERROR_INVALID_HANDLE
 * (from names nothing, to is no handle value) or ERROR_ALREADY_EXISTS (to is in use). */
DWORD wv_handle_move(HANDLE from, HANDLE to, DWORD flags);
/* The handles with HANDLE_FLAG_INHERIT, at most cap of them, in value order: how many. */
size_t wv_handle_inheritable(HANDLE *out, size_t cap);
/* The way up for DuplicateHandle with a process handle that is not the pseudo handle (set by
 * runtime/handle_xfer.c): 0 and *dst (the value in the target process), a Win32 error, or
 * 0xFFFFFFFF when both process handles name this process (then done here). */
extern DWORD (*wv_ob_duplicate_remote)(HANDLE sp, HANDLE src, HANDLE dp, HANDLE *dst, DWORD access, BOOL inherit,
                                       DWORD options);
DWORD wv_handle_duplicate(HANDLE src_process, HANDLE src, HANDLE dst_process, HANDLE *dst,
                          DWORD access, DWORD options);

/* ---- the per-user namespace of named objects shared between processes (namespace.c) ----
 * Contract, for every kind that uses it (sections now; named events, mutexes, ... later):
 *  - A name is one file in the user's private directory (/dev/shm/winvm-<euid>, or
 *    $WINVM_SHM_DIR/winvm-<euid>; ".<n>" appended when another user squats the name), verified
 *    on its descriptor (a directory, ours, mode 0700) before any use.  Pass a file name
 *    (no '/', at most WV_NS_NAME_MAX bytes, not starting with '.'): Windows has one namespace
 *    for every kind, so the file name must not depend on the kind; instead each file starts
 *    with a 4-byte magic of its kind, and a name of another kind is ERROR_INVALID_HANDLE.
 *  - wv_ns_lock() serialises create, open and release across all processes of the user (it is
 *    ours alone: no other user can hold it).  It returns the directory's descriptor (use it as
 *    the dirfd of *at calls) or -1 (no private directory could be had: ERROR_ACCESS_DENIED).
 *    Never block on anything else while holding it.  The first lock in a process removes the
 *    names left by processes that died holding them.
 *  - wv_ns_open and wv_ns_create (lock held) return a descriptor of the name's file that this
 *    process now holds (a shared flock: the name lives while someone holds it), or -1 with
 *    errno: ENOENT absent (a name nobody holds is absent, and removed), EEXIST (create), EACCES
 *    a file that is not ours or not private, ELOOP a symlink, others from open(2).
 *  - wv_ns_release(lk, fd) (lk: the lock if held, else -1) gives up this process's hold and
 *    removes the name if no process holds it any more.  Call it when the object's last handle
 *    closes, and before closing fd on any failure path; a second call is a no-op.  Names still
 *    held at exit() are released then; a killed process's names go at the next first use.
 *  - The file's content is the kind's own (a header after the magic, the data); the
 *    descriptor may be mapped, and the data outlives the name while it is mapped. */
#define WV_NS_NAME_MAX 255
int wv_ns_lock(void);
void wv_ns_unlock(int lk);
int wv_ns_open(int lk, const char *name);
int wv_ns_create(int lk, const char *name);
void wv_ns_release(int lk, int fd);

/* ---- the object namespace's tree (objdir.c) ----
 * Windows' tree of named objects: \, \BaseNamedObjects, \Sessions\<WV_OB_SESSION>\
 * BaseNamedObjects, \Sessions\BNOLINKS, \KernelObjects, \GLOBAL?? (GLOBALROOT, Global, NUL),
 * \Device, the links \DosDevices -> \?? and \?? -> \GLOBAL??, and in each BaseNamedObjects
 * the links Global, Local and Session.  The tree, its directories and links are this
 * process's; the two BaseNamedObjects directories (shared != 0) are views of the per-user
 * store above: a leaf name there that no entry of the tree holds is the store's name, which
 * every process of the user shares (both directories show the one store).  Names live while
 * their object has handles (the standard tree's are permanent).  Names are UTF-16 units,
 * compared exactly, or with OBJ_CASE_INSENSITIVE folding ASCII and Latin-1 letters. */
#define WV_OB_SESSION 1u /* the session every winvm process runs in (PEB, \Sessions\1) */
struct wv_odent {
    struct wv_object obj;          /* WV_KIND_DIRECTORY, _SYMLINK or _DEBUG */
    struct wv_odent *parent;       /* the directory holding the name (a reference), or NULL */
    struct wv_odent *child, *next; /* a directory's entries; the next of the parent's */
    WCHAR *name, *target;          /* the last component; a link's target */
    size_t nlen, tlen;
    int handles;                   /* atomic */
    int shared;                    /* 1: \BaseNamedObjects, 2: the session's (store views) */
    unsigned id;                   /* unique in the process: names of store objects in it */
    bool permanent, linked;
    ULONG flags;                   /* a debug object's */
};
/* A new unnamed object of kind (a link with its target), one reference; NULL without memory. */
struct wv_odent *wv_od_new(int kind, const WCHAR *target, size_t tlen);
/* The root directory, with a reference (NULL without memory). */
struct wv_odent *wv_od_root_ref(void);
/* WV_OD_PREFIX: a missing component ends the walk wherever it is (leaf is then the whole rest
 * of the path): what a file open walks before the file system's part of the name. */
enum { WV_OD_NOFOLLOW = 0, WV_OD_FOLLOW = 1, WV_OD_PREFIX = 2 };
/* A lookup's end: the object at the name (found, a reference), or, the last component absent,
 * the directory that would hold it (dir, a reference) and that component (leaf, llen). */
struct wv_od_path {
    struct wv_odent *found, *dir;
    const WCHAR *leaf;
    size_t llen;
    WCHAR *buf; /* the path walked (links' targets spliced in) */
    size_t blen;
};
/* Walks p[0..n) from root (NULL: an absolute path, from \) following links (the last one only
 * with WV_OD_FOLLOW).  0 and *r (free it with wv_od_path_free), or STATUS_OBJECT_PATH_SYNTAX_BAD
 * (a relative path without root, an absolute one with it), _NAME_INVALID (an empty component),
 * _PATH_NOT_FOUND, _TYPE_MISMATCH (root or a component on the way is no directory). */
NTSTATUS wv_od_lookup(struct wv_odent *root, const WCHAR *p, size_t n, ULONG attrs, int mode, struct wv_od_path *r);
void wv_od_path_free(struct wv_od_path *r);
/* Names e n in dir (a reference of dir is taken): false when the name is taken meanwhile. */
bool wv_od_insert(struct wv_odent *dir, struct wv_odent *e, const WCHAR *n, size_t len);
/* e's full name (\A\B) into out, cap units: its length, 0 when unnamed or longer than cap. */
size_t wv_od_name(const struct wv_odent *e, WCHAR *out, size_t cap);
#define WV_OD_LEAF_MAX 256
struct wv_od_entry {
    int kind;
    size_t nlen;
    WCHAR name[WV_OD_LEAF_MAX];
};
/* dir's entries, up to cap into out: how many there are. */
size_t wv_od_entries(const struct wv_odent *dir, struct wv_od_entry *out, size_t cap);

/* ---- names of objects outside the tree (obname.c) ----
 * The full object path a named section, event, ... was created or opened under, for
 * NtQueryObject: kept beside the object and dropped with its last reference. */
void wv_ob_name_set(struct wv_object *o, const WCHAR *name, size_t len);
/* o's name into out (cap units): its length, 0 when it has none. */
size_t wv_ob_name_get(const struct wv_object *o, WCHAR *out, size_t cap);
/* wv_object_unref's: forgets o's name (a no-op for an object without one). */
void wv_ob_name_drop(struct wv_object *o);

#endif
