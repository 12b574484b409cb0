/* SPDX-License-Identifier: MIT */
/* nt.h - the NT layer: ntdll's memory calls (NTSTATUS results, Windows' argument checks) over
 * the cores of mm/ and section/, and the one NTSTATUS table of winvm (status.c).  Above
 * section/, below loader/ and win32/; its public entry points are declared for C callers in
 * include/winvm/ntdll.h.
 *
 * Each Nt* call checks its arguments as Windows does, in Windows' order, reads its in/out
 * parameters through fault.h's fault-safe accesses (a bad pointer is STATUS_ACCESS_VIOLATION,
 * nothing changed), calls the core, and
 * maps the core's Win32 error to the status Windows gives for the same condition.
 */
#ifndef WV_NT_H
#define WV_NT_H

#include "base/base.h"
#include "host/host.h"
#include "mm/mm.h"
#include "fault/fault.h"
#include "section/section.h"
#include "winvm/ntdll.h"
#include "winvm/placeholder.h"
#include "winvm/process.h" /* the access rights */

#include <string.h>

/* ---- status.c ---- */
/* The status for a core's Win32 error where the call has no better one (0 -> SUCCESS). */
NTSTATUS wv_status_of(DWORD err);
/* RtlNtStatusToDosError's core. */
DWORD wv_error_of(NTSTATUS status);

/* ---- sysinfo.c, sysproc.c: NtQuerySystemInformation ---- */
/* The system's boot time, FILETIME units. */
LONGLONG wv_nt_boot_time(void);
/* SystemProcessInformation into out (probed writable for len): STATUS_SUCCESS, or
 * STATUS_INFO_LENGTH_MISMATCH when len is too small; *need the length it takes. */
NTSTATUS wv_nt_sysproc(void *out, ULONG len, ULONG *need);
/* The way up for a process's image name in that list (set by runtime/proc_names.c): the file
 * name of pid's EXE (UTF-8, terminated, in cap bytes) when pid is this process or another winvm
 * process that tells it; false otherwise (the list then names the Linux executable).  start:
 * the process's start time (/proc's ticks), which with pid names it for good. */
extern bool (*wv_nt_image_leaf)(int pid, uint64_t start, char *out, size_t cap);

/* ---- args.c: reading and writing the callers' in/out parameters ----
 * Windows probes them for writing and captures their values before it changes anything; a
 * bad one fails the call with STATUS_ACCESS_VIOLATION and nothing changed.  Inline over
 * fault.h's fixed-size accesses: an NT call reads and writes up to eight of them, and each
 * used to be a wv_copy (a call, the attach test, a `rep movsb`). */
/* Reads *p into *v, proving p writable as well (the call writes it back later). */
static inline NTSTATUS wv_nt_in_ptr(PVOID *p, uintptr_t *v)
{
    uint64_t x;
    wv_fault_attach();
    if (wv_user_get_rw64(p, &x))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    *v = (uintptr_t)x;
    return STATUS_SUCCESS;
}
static inline NTSTATUS wv_nt_in_size(PSIZE_T p, SIZE_T *v)
{
    return wv_nt_in_ptr((PVOID *)p, (uintptr_t *)v);
}
/* Writes a result the caller named; the pointer was proven writable before the change.  If
 * another thread unmapped it since, the result is lost as it is on Windows, where the
 * write-back is inside the system call's try. */
void wv_nt_out_copy(void *p, const void *v, size_t n);
/* Windows' ProbeForWrite of an output buffer the caller sized: one byte of every page of
 * [p, p + n) read and written back unchanged, so a length past the buffer's memory fails the
 * call with STATUS_ACCESS_VIOLATION before anything is looked at, whatever the class needs.
 * 0, or STATUS_ACCESS_VIOLATION (also when p + n wraps). */
NTSTATUS wv_nt_probe_out(void *p, size_t n);
static inline void wv_nt_out(void *p, const void *v, size_t n)
{
    wv_fault_attach();
    if (n == sizeof(uint64_t)) {
        uint64_t x;
        memcpy(&x, v, sizeof(x));
        (void)wv_user_put64(p, x);
    } else if (n == sizeof(uint32_t)) {
        uint32_t x;
        memcpy(&x, v, sizeof(x));
        (void)wv_user_put32(p, x);
    } else
        wv_nt_out_copy(p, v, n);
}
/* The highest address ZeroBits allows (0: any), false when it is out of range (alloc.c). */
bool wv_zero_bits_limit(ULONG_PTR zero_bits, uintptr_t *limit);
/* Whether h names this process (the pseudo handle; a real handle to it is resolved above). */
static inline bool wv_nt_self(HANDLE h) { return h == WV_CURRENT_PROCESS; }

/* ---- alloc.c, free_ph.c: what NtAllocateVirtualMemoryEx and NtFreeVirtualMemory share ---- */
/* NtAllocateVirtualMemory's checks and effect (its Ex form's plain case). */
NTSTATUS wv_nt_allocate(HANDLE process, PVOID *base_io, ULONG_PTR zero_bits, PSIZE_T size_io, ULONG type,
                        ULONG protect);
/* The three calls after their in/out parameters are read, on values: each checks the rest
 * in Windows' order and has the effect; on success the range worked on (and the old
 * protection).  The Win32 wrappers (win32/virtual.c) call these with the values they were
 * given, so they pay no copies in and out of their own locals; the answers are the NT
 * calls'.  wv_nt_protect proves old_out writable as the NT call does. */
NTSTATUS wv_nt_alloc_any(HANDLE process, uintptr_t addr, ULONG_PTR zero_bits, SIZE_T size, ULONG type,
                         ULONG protect, uintptr_t *base, SIZE_T *len);
/* What a commit mm refused with err answers (alloc.c). */
NTSTATUS wv_nt_commit_status(DWORD err, ULONG protect);
/* MEM_COMMIT alone at addr, its checks made: mm's commit with the protection already parsed;
 * *base and *len the pages it covered. */
static inline NTSTATUS wv_nt_commit_at(uintptr_t addr, SIZE_T size, ULONG protect, wv_page_t bits, uintptr_t *base,
                                       SIZE_T *len)
{
    DWORD err = wv_virtual_commit(addr, size, bits, base);
    wv_debug_validate_at(err ? addr : *base);
    if (__builtin_expect(err != 0, 0))
        return wv_nt_commit_status(err, protect);
    *len = wv_page_up(addr + size) - *base;
    return STATUS_SUCCESS;
}
/* What MEM_COMMIT at addr in this process can fail before mm's commit, in wv_nt_alloc_any's
 * order; *bits the protection parsed. */
static inline NTSTATUS wv_nt_commit_check(uintptr_t addr, SIZE_T size, ULONG protect, wv_page_t *bits)
{
    *bits = wv_prot_parse(protect, true);
    if (!*bits)
        return STATUS_INVALID_PAGE_PROTECTION;
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER_2;
    if (size == 0 || size > WV_END_ADDR - addr)
        return STATUS_INVALID_PARAMETER_4;
    return STATUS_SUCCESS;
}
/* wv_nt_alloc_any, with its most frequent call inline: MEM_COMMIT at an address of this
 * process (one per page or few: bench row 4), the checks such a call can fail in
 * wv_nt_alloc_any's order, then mm's commit.  Inline in the wrapper, because on this project's
 * AMD machine each return a thread makes after a system call is mispredicted (~11 ns): the
 * commit's mprotect returns into mm's wv_virtual_commit, which returns into the wrapper. */
static inline NTSTATUS wv_nt_alloc(HANDLE process, uintptr_t addr, ULONG_PTR zero_bits, SIZE_T size, ULONG type,
                                   ULONG protect, uintptr_t *base, SIZE_T *len)
{
    if (!(type == MEM_COMMIT && addr && !zero_bits && wv_nt_self(process)))
        return wv_nt_alloc_any(process, addr, zero_bits, size, type, protect, base, len);
    wv_page_t bits;
    NTSTATUS st = wv_nt_commit_check(addr, size, protect, &bits);
    return st ? st : wv_nt_commit_at(addr, size, protect, bits, base, len);
}
NTSTATUS wv_nt_free(HANDLE process, uintptr_t addr, SIZE_T size, ULONG type, uintptr_t *start, SIZE_T *len);
NTSTATUS wv_nt_protect(HANDLE process, uintptr_t addr, SIZE_T size, ULONG protect, PULONG old_out,
                       uintptr_t *start, SIZE_T *len, ULONG *was);
/* NtQueryVirtualMemory(MemoryBasicInformation) with no return length, its checks in its
 * order (query.c): VirtualQuery's body, inline because VirtualQuery is the hottest call of
 * all (a function call more was measurable). */
static inline NTSTATUS wv_nt_query_basic(HANDLE process, uintptr_t addr, void *buf, SIZE_T cap)
{
    MEMORY_BASIC_INFORMATION m;
    if (cap < sizeof(m))
        return STATUS_INFO_LENGTH_MISMATCH;
    if (!buf)
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    if (addr > WV_MAX_ADDR)
        return STATUS_INVALID_PARAMETER;
    if (!wv_nt_self(process))
        return STATUS_INVALID_HANDLE;
    wv_virtual_query(addr, &m);
    return wv_copy(buf, &m, sizeof(m)) ? (NTSTATUS)STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}
/* Whether h names this process for a call that needs the rights need (or, alt != 0, alt
 * instead): the pseudo handle, or a handle to this process granting them (STATUS_SUCCESS).
 * STATUS_ACCESS_DENIED when a right is missing; STATUS_INVALID_HANDLE when h is no process
 * handle, or another process's (these calls reach only this one).  Windows checks the
 * handle after the arguments it can check without it, so callers ask at that point. */
NTSTATUS wv_nt_this(HANDLE h, DWORD need, DWORD alt);
/* ---- objname.c: OBJECT_ATTRIBUTES and the object namespace ---- */
/* *oa read: its attributes, the root directory (a reference; a handle of another type is
 * STATUS_OBJECT_TYPE_MISMATCH, no handle STATUS_INVALID_HANDLE) and the name (named: an
 * ObjectName was given, len units, malloc'ed).  Free with wv_nt_oa_free. */
struct wv_nt_oa {
    ULONG attrs;
    struct wv_odent *root;
    bool named;
    WCHAR *name;
    size_t len;
};
NTSTATUS wv_nt_oa_read(const OBJECT_ATTRIBUTES *oa, struct wv_nt_oa *r);
void wv_nt_oa_free(struct wv_nt_oa *r);
/* Reads *oa (NULL: unnamed) for a Create (create) or an Open of an object the per-user store
 * keeps (sections, events, ...): the name looked up in the tree (ob.h), *name the store's name
 * in buf (NULL for an unnamed object), *attrs its OBJ_* attributes.  0 or the status (the
 * lookup's; a name the tree's own object holds: STATUS_OBJECT_TYPE_MISMATCH, as Windows since
 * Vista answers for an object of another type).  The full path is this
 * thread's until wv_nt_name_handle gives it to the handle the call made. */
NTSTATUS wv_nt_read_name(const OBJECT_ATTRIBUTES *oa, char *buf, size_t cap, const char **name, ULONG *attrs,
                         bool create);
void wv_nt_name_handle(HANDLE h);
/* A file open's name walked through the tree (links followed) as far as the tree goes: 0 and
 * *out the absolute NT path the file layer reads ("\\??\\C:\\x", "\\Device\\Null", ...;
 * malloc'ed), 0 and *out NULL when the name is the file layer's alone (a file directory's
 * handle as root, a relative name without a root), or the status (a tree object's name:
 * STATUS_OBJECT_TYPE_MISMATCH). */
NTSTATUS wv_nt_file_path(const OBJECT_ATTRIBUTES *oa, char **out);
/* The store's names, one at a time under the namespace lock (first, next until false, end):
 * the name (decoded; hashed long names cannot be), the first 4 bytes (the kind's magic). */
struct wv_store_ent {
    char name[WV_NS_NAME_MAX];
    bool hashed;
    uint32_t magic;
};
void *wv_nt_store_first(void);
bool wv_nt_store_next(void *it, struct wv_store_ent *e);
void wv_nt_store_end(void);
/* The prefix the store's names of objects in dir start with ("" for a BaseNamedObjects). */
NTSTATUS wv_nt_store_prefix(const struct wv_odent *dir, char *buf, size_t cap);
/* NtFreeVirtualMemory with MEM_PRESERVE_PLACEHOLDER or MEM_COALESCE_PLACEHOLDERS, its
 * arguments checked: the status, and the range freed in [*start, *end). */
NTSTATUS wv_nt_free_placeholder(uintptr_t addr, SIZE_T size, ULONG type, uintptr_t *start, uintptr_t *end);

/* ---- alloc_ex.c: the extended parameters of NtAllocateVirtualMemoryEx and NtMapViewOfSectionEx ---- */
struct wv_nt_req {
    uintptr_t lo, top, align; /* MemExtendedParameterAddressRequirements: [lo, top), aligned */
    bool given;
    bool bounded;  /* the requirements ask for something (a bound or an alignment), not all zero */
    bool top_down; /* MEM_TOP_DOWN: the highest fitting address first (the caller sets it) */
};
/* Reads and checks ext[0..count): *r the address requirements, if any. */
NTSTATUS wv_nt_ext_params(const MEM_EXTENDED_PARAMETER *ext, ULONG count, struct wv_nt_req *r);
/* Tries fn at each free aligned address of r's range that has len bytes free, lowest first
 * (highest first with r->top_down), until it succeeds or fails otherwise than
 * ERROR_INVALID_ADDRESS (someone took the range first): its status, STATUS_NO_MEMORY when
 * nothing fits. */
typedef DWORD (*wv_nt_try_fn)(uintptr_t a, void *ctx, uintptr_t *out);
NTSTATUS wv_nt_within(const struct wv_nt_req *r, size_t len, wv_nt_try_fn fn, void *ctx, uintptr_t *out);

/* ---- sectinfo.c ---- */
/* SectionImageInformation of an image as Windows fills it (also ProcessImageInformation's). */
void wv_nt_image_info(const struct wv_image *img, SECTION_IMAGE_INFORMATION *ii);
/* What NtMapViewOfSection(Ex) returns for a view of img it mapped: an image of another machine
 * that contains code is mapped and reported STATUS_IMAGE_MACHINE_TYPE_MISMATCH (a success
 * status: the view is there; 64-bit Windows, for an i386 image in a 64-bit process), else
 * STATUS_IMAGE_NOT_AT_BASE when it is not at its base, else STATUS_SUCCESS. */
NTSTATUS wv_nt_image_map_status(const struct wv_image *img, bool not_at_base);

/* ---- wsinfo.c: NtQueryVirtualMemory's working-set list and image classes ---- */
NTSTATUS wv_query_ws_list(void *buf, SIZE_T cap, SIZE_T *len);
NTSTATUS wv_query_image(uintptr_t addr, void *buf, SIZE_T *len);

/* ---- copy.c: the way up to process handles (set by runtime/process_vmchan.c) ----
 * The Linux pid of the process h names, given the handle grants every right in need: 0 when
 * h is no process handle (STATUS_INVALID_HANDLE), -1 when a right is missing
 * (STATUS_ACCESS_DENIED); *chan true when copies must skip process_vm_readv/writev (the
 * kernel refused them before).  NULL until the runtime is initialised. */
extern int (*wv_nt_process_pid)(HANDLE h, DWORD need, bool *chan);
/* Whether the process h names has ended (its pidfd says so): a copy by pid is done only
 * between two looks that both say it lives, so the pid was its own throughout (a pid is
 * reused only after its process ended).  NULL until the runtime is initialised. */
extern bool (*wv_nt_process_gone)(HANDLE h);
/* The copy through the target's control channel when the kernel refuses process_vm_readv/
 * writev: n bytes between local and remote, *done the count; the same statuses as the fast
 * copy (STATUS_PARTIAL_COPY at the first page the target cannot read or write,
 * STATUS_ACCESS_VIOLATION for a bad local buffer, STATUS_ACCESS_DENIED without a channel). */
extern NTSTATUS (*wv_nt_copy_chan)(HANDLE process, uintptr_t local, uintptr_t remote, size_t n, bool read,
                                   size_t *done);

/* The way up to another process's own memory manager (set by runtime/procchan_call.c): the
 * *Ex calls on a handle that is not the pseudo handle hand it one operation.  It checks the
 * handle's rights for the operation and returns 0 (out fields set), a Win32 error
 * (ERROR_INVALID_HANDLE, ERROR_ACCESS_DENIED, or the target core's), or WV_REMOTE_SELF when
 * the handle names this process (the caller then does the local call). */
enum wv_remote_op { WV_REMOTE_ALLOC = 1, WV_REMOTE_FREE, WV_REMOTE_PROTECT, WV_REMOTE_QUERY, WV_REMOTE_FLUSH };
struct wv_remote {
    uint32_t op, type, protect, old; /* old: PROTECT's result */
    uint64_t addr, size;             /* ALLOC's result in addr */
    MEMORY_BASIC_INFORMATION mbi;    /* QUERY's result */
};
#define WV_REMOTE_SELF 0xFFFFFFFFu
extern DWORD (*wv_nt_remote)(HANDLE process, struct wv_remote *r);

/* The way up for views in another process (set by runtime/procchan_view.c): NtMapViewOfSection
 * (ex false) or NtMapViewOfSectionEx (ex true) of section, or an unmap (section NULL), on a
 * handle that is not the pseudo handle, the arguments checked here first.  The target makes
 * the same call on its own memory manager; its status comes back (base and size set on
 * success), or STATUS_INVALID_HANDLE / STATUS_ACCESS_DENIED (no PROCESS_VM_OPERATION), or
 * WV_REMOTE_VIEW_SELF when the handle names this process (the local call follows). */
struct wv_remote_view {
    HANDLE section;
    uint64_t base, off, size, zero_bits, commit;
    uint32_t type, protect, inherit, flags; /* flags: the unmap's */
    bool ex;
    struct wv_nt_req req; /* NtMapViewOfSectionEx's address requirements */
};
#define WV_REMOTE_VIEW_SELF ((NTSTATUS)0x7fff0001)
extern NTSTATUS (*wv_nt_remote_view)(HANDLE process, struct wv_remote_view *v);
/* The way up for NtAllocateVirtualMemory and NtFreeVirtualMemory on a handle to another
 * process (set by runtime/procchan_ntvm.c): the target makes the same call on its own memory
 * manager and its status comes back (addr and size its *BaseAddress and *RegionSize), or
 * STATUS_ACCESS_DENIED (no PROCESS_VM_OPERATION), or WV_REMOTE_VIEW_SELF when the handle names
 * no other process (the local call follows: this process, or a bad handle it refuses). */
struct wv_remote_vm {
    uint32_t free, type, protect; /* free: NtFreeVirtualMemory, else NtAllocateVirtualMemory */
    uint64_t zero_bits, addr, size;
};
extern NTSTATUS (*wv_nt_remote_vm)(HANDLE process, struct wv_remote_vm *v);
/* view.c: the hook's call, the base and size written back on success (size_io may be NULL). */
NTSTATUS wv_map_remote(HANDLE process, struct wv_remote_view *v, PVOID *base_io, PSIZE_T size_io);

#endif
