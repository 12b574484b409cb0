/* SPDX-License-Identifier: MIT */
/* actctx.h - activation contexts (private to actctx*.c, k32_exports.c, ntdll.c and thread.c).
 *
 * An activation context is what a manifest describes: the root assembly's identity and the
 * assemblies it depends on, each found and parsed when the context is made (actctx_xml.c
 * parses, actctx.c finds and makes, actctx_res.c reads a module's RT_MANIFEST resource).  Its
 * HANDLE is the address of its object, as on Windows (not a kernel handle: CloseHandle refuses
 * it); the object lives while references are held (CreateActCtx's, AddRefActCtx's,
 * GetCurrentActCtx's, and every activation's).  Each thread has a stack of activations
 * (actctx_stack.c), reached from TEB->ActivationContextStackPointer laid out as Windows lays it
 * out; a new thread starts with its creator's active context activated (CreateThread).
 */
#ifndef WV_RUNTIME_ACTCTX_H
#define WV_RUNTIME_ACTCTX_H

#include "runtime/runtime.h"
#include "seh/seh.h"

/* Windows' codes for what goes wrong (winerror.h, ntstatus.h). */
#ifndef ERROR_RESOURCE_DATA_NOT_FOUND
#define ERROR_RESOURCE_DATA_NOT_FOUND 1812L
#define ERROR_RESOURCE_TYPE_NOT_FOUND 1813L
#define ERROR_RESOURCE_NAME_NOT_FOUND 1814L
#define ERROR_RESOURCE_LANG_NOT_FOUND 1815L
#endif
#ifndef ERROR_SXS_CANT_GEN_ACTCTX
#define ERROR_SXS_CANT_GEN_ACTCTX 14001L
#endif
#define WV_STATUS_SXS_EARLY_DEACTIVATION 0xC015000Fu
#define WV_STATUS_SXS_INVALID_DEACTIVATION 0xC0150010u

/* One assembly's identity, as its <assemblyIdentity> names it (UTF-8, NULL when absent). */
struct wv_asm_id {
    char *name, *version, *type, *arch, *lang, *token;
};

/* A parsed manifest: the assembly's identity and those of the assemblies it depends on. */
struct wv_manifest {
    struct wv_asm_id id;
    struct wv_asm_id *deps;
    size_t n_deps;
    size_t n_files; /* its <file> elements */
};

/* actctx_xml.c: parses the n bytes of a manifest (UTF-8, or UTF-16 with its byte-order mark)
 * into m: 0, ERROR_SXS_CANT_GEN_ACTCTX (not one Windows accepts) or ERROR_NOT_ENOUGH_MEMORY. */
DWORD wv_manifest_parse(const void *text, size_t n, struct wv_manifest *m);
void wv_manifest_free(struct wv_manifest *m);
void wv_asm_id_free(struct wv_asm_id *id);

/* actctx_res.c: the RT_MANIFEST resource `name` (an integer resource id when its high bits are
 * 0, else the caller's string, wide when wide) of the image mapped at base: its bytes in *data,
 * *size.  0, ERROR_RESOURCE_DATA_NOT_FOUND (no resources), ERROR_RESOURCE_TYPE_NOT_FOUND,
 * ERROR_RESOURCE_NAME_NOT_FOUND, ERROR_NOACCESS. */
DWORD wv_res_manifest(uintptr_t base, const void *name, bool wide, const void **data, DWORD *size);

#define WV_ACTCTX_MAGIC 0x78746341u /* "Actx" */

struct wv_actctx {
    uint32_t magic;
    LONG refs;
    struct wv_manifest root;
    size_t n_assemblies;    /* the root and every dependency found */
    WCHAR *manifest_path;   /* the root manifest's Windows path (NULL for a module's resource) */
    WCHAR *app_dir;         /* the directory its dependencies were looked for in, ending in '\\' */
    struct wv_actctx *next; /* the registry of live contexts (actctx.c) */
};

/* actctx.c: the live context h names, with a reference; NULL for anything else. */
struct wv_actctx *wv_actctx_get(HANDLE h);
void wv_actctx_addref(struct wv_actctx *c);
void wv_actctx_release(struct wv_actctx *c);

/* actctx_stack.c: the calling thread's active context, with a reference (NULL: none). */
struct wv_actctx *wv_actctx_active(void);
/* A new thread's first activation: c (its creator's active context, with the reference the
 * creator took, which this takes over; NULL: none).  Called on the new thread before its code. */
void wv_actctx_thread_start(struct wv_actctx *c);
/* The calling thread ends: every activation left is dropped. */
void wv_actctx_thread_end(void);

/* kernel32's and ntdll's faces (ms_abi, for the export tables). */
WV_MSABI HANDLE k32_CreateActCtxA(const void *actctx);
WV_MSABI HANDLE k32_CreateActCtxW(const void *actctx);
WV_MSABI void k32_AddRefActCtx(HANDLE h);
WV_MSABI void k32_ReleaseActCtx(HANDLE h);
WV_MSABI BOOL k32_QueryActCtxW(DWORD flags, HANDLE h, PVOID sub, ULONG cls, PVOID buf, SIZE_T len, SIZE_T *ret);
WV_MSABI BOOL k32_ActivateActCtx(HANDLE h, ULONG_PTR *cookie);
WV_MSABI BOOL k32_GetCurrentActCtx(HANDLE *out);
WV_MSABI void wv_nt_RtlAddRefActivationContext(HANDLE h);
WV_MSABI void wv_nt_RtlReleaseActivationContext(HANDLE h);
WV_MSABI LONG wv_nt_RtlActivateActivationContext(ULONG flags, HANDLE h, ULONG_PTR *cookie);
WV_MSABI LONG wv_nt_RtlGetActiveActivationContext(HANDLE *out);
WV_MSABI LONG wv_nt_RtlQueryInformationActivationContext(ULONG flags, HANDLE h, PVOID sub, ULONG cls, PVOID buf,
                                                         SIZE_T len, SIZE_T *ret);
/* Assembly entries, with WV_CAPTURING (a bad cookie raises in the caller's frame). */
WV_MSABI BOOL k32_DeactivateActCtx(DWORD flags, ULONG_PTR cookie);
WV_MSABI void wv_nt_RtlDeactivateActivationContext(ULONG flags, ULONG_PTR cookie);

#endif
