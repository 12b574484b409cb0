/* SPDX-License-Identifier: MIT */
/* delayload.c - delay-loaded imports resolved by the system, as Windows 8+ does for programs
 * whose delay-load helper calls it (MSVC's "system" helper, Wine's winecrt0): ntdll's
 * LdrResolveDelayLoadedAPI (kernel32's ResolveDelayLoadedAPI is the same function) and
 * kernel32's DelayLoadFailureHook.  (mingw-w64's helper is linked into the program and needs
 * only LoadLibrary and GetProcAddress.)
 *
 * One call resolves one import: the DLL is loaded on first use and its handle kept in the
 * descriptor's module slot (a second thread's load of the same DLL is given back), the
 * procedure looked up by name or ordinal and written into the import's thunk.  On failure the
 * program's DLL hook is asked first (DELAYLOAD_GPA_FAILURE, with a DELAYLOAD_INFO), then the
 * system routine; what they give is written into the thunk too, so the failure is reported
 * once.  DelayLoadFailureHook gives a function that fails every call: it returns 0 with
 * ERROR_MOD_NOT_FOUND when the DLL is not loaded, ERROR_PROC_NOT_FOUND when only the procedure
 * is missing (docs/semantics.md, "Delay-loaded imports"). */
#include "runtime/runtime.h"
#include "runtime/thunk.h"

#include <stdlib.h>
#include <string.h>
#include <winvm/delayload.h>

/* The stubs DelayLoadFailureHook hands out: called by PE code in place of the import, with
 * whatever arguments it had (the caller cleans up, so none are read). */
static __attribute__((ms_abi, no_stack_protector)) ULONG_PTR wv_dload_no_module(void)
{
    wv_seg_check();
    wv_set_error(ERROR_MOD_NOT_FOUND);
    return 0;
}

static __attribute__((ms_abi, no_stack_protector)) ULONG_PTR wv_dload_no_proc(void)
{
    wv_seg_check();
    wv_set_error(ERROR_PROC_NOT_FOUND);
    return 0;
}

PVOID WINAPI DelayLoadFailureHook(LPCSTR dll, LPCSTR proc)
{
    (void)proc;
    char *name = NULL;
    DWORD saved = GetLastError();
    bool loaded = dll && !wv_user_str(dll, &name) && GetModuleHandleA(name);
    free(name);
    SetLastError(saved);
    return loaded ? (PVOID)wv_dload_no_proc : (PVOID)wv_dload_no_module;
}

/* What one import names: the DLL (a pointer into the image), the thunk's index and its
 * name-table entry. */
struct wv_dload {
    IMAGE_DELAYLOAD_DESCRIPTOR d;
    const char *dll;
    HMODULE *slot;
    ULONGLONG entry; /* IMAGE_THUNK_DATA64: an ordinal (top bit) or the RVA of hint + name */
};

static bool wv_dload_read(BYTE *base, const IMAGE_DELAYLOAD_DESCRIPTOR *desc, ULONGLONG *thunk, struct wv_dload *o)
{
    if (!base || wv_copy(&o->d, desc, sizeof(o->d)))
        return false;
    /* RVAs whether or not Attributes says so: a 32-bit VA cannot name a 64-bit image's data */
    ULONGLONG *iat = (ULONGLONG *)(base + o->d.ImportAddressTableRVA);
    ULONGLONG *names = (ULONGLONG *)(base + o->d.ImportNameTableRVA);
    if (thunk < iat || ((uintptr_t)thunk - (uintptr_t)iat) % sizeof(*thunk))
        return false;
    o->dll = (const char *)(base + o->d.DllNameRVA);
    o->slot = (HMODULE *)(base + o->d.ModuleHandleRVA);
    return !wv_copy(&o->entry, names + (thunk - iat), sizeof(o->entry));
}

/* The DLL's handle, loaded and kept in the slot on first use; NULL (the last error set). */
static HMODULE wv_dload_module(const struct wv_dload *o)
{
    HMODULE h = NULL, mine;
    if (wv_copy(&h, o->slot, sizeof(h)))
        return wv_set_error(ERROR_NOACCESS), NULL;
    if (h)
        return h;
    char *name = NULL;
    DWORD err = wv_user_str(o->dll, &name);
    if (err)
        return wv_set_error(err), NULL;
    mine = LoadLibraryA(name);
    free(name);
    if (!mine)
        return NULL;
    HMODULE expect = NULL;
    if (__atomic_compare_exchange_n(o->slot, &expect, mine, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return mine;
    FreeLibrary(mine); /* another thread kept its load first */
    return expect;
}

/* The procedure's address in h; NULL (the last error set). */
static PVOID wv_dload_proc(BYTE *base, HMODULE h, const struct wv_dload *o)
{
    if (o->entry >> 63)
        return (PVOID)GetProcAddress(h, (LPCSTR)(ULONG_PTR)(WORD)o->entry);
    char *name = NULL;
    DWORD err = wv_user_str((const char *)(base + (DWORD)o->entry + 2), &name); /* past the hint */
    if (err)
        return wv_set_error(err), NULL;
    PVOID p = (PVOID)GetProcAddress(h, name);
    free(name);
    return p;
}

PVOID NTAPI LdrResolveDelayLoadedAPI(PVOID image, const IMAGE_DELAYLOAD_DESCRIPTOR *desc,
                                     PDELAYLOAD_FAILURE_DLL_CALLBACK dllhook, PDELAYLOAD_FAILURE_SYSTEM_ROUTINE syshook,
                                     ULONGLONG *thunk, ULONG flags)
{
    (void)flags;
    BYTE *base = image;
    struct wv_dload o;
    if (!wv_dload_read(base, desc, thunk, &o))
        return NULL;
    DWORD saved = GetLastError();
    HMODULE h = wv_dload_module(&o);
    PVOID p = h ? wv_dload_proc(base, h, &o) : NULL;
    if (p) {
        SetLastError(saved);
        ULONGLONG v = (ULONGLONG)(ULONG_PTR)p;
        return wv_user_put(thunk, &v, sizeof(v)) ? NULL : p;
    }
    bool by_name = !(o.entry >> 63);
    DELAYLOAD_INFO info = {sizeof(info), desc, thunk, o.dll, {by_name, {NULL}}, h, NULL, GetLastError()};
    if (by_name)
        info.TargetApiDescriptor.Description.Name = (LPCSTR)(base + (DWORD)o.entry + 2);
    else
        info.TargetApiDescriptor.Description.Ordinal = (WORD)o.entry;
    if (dllhook)
        p = dllhook(DELAYLOAD_GPA_FAILURE, &info);
    if (!p && syshook)
        p = syshook(o.dll, by_name ? info.TargetApiDescriptor.Description.Name
                                   : (LPCSTR)(ULONG_PTR)info.TargetApiDescriptor.Description.Ordinal);
    ULONGLONG v = (ULONGLONG)(ULONG_PTR)p;
    if (p && wv_user_put(thunk, &v, sizeof(v)))
        return NULL;
    return p;
}

PVOID WINAPI ResolveDelayLoadedAPI(PVOID image, const IMAGE_DELAYLOAD_DESCRIPTOR *desc,
                                   PDELAYLOAD_FAILURE_DLL_CALLBACK dllhook, PDELAYLOAD_FAILURE_SYSTEM_ROUTINE syshook,
                                   ULONGLONG *thunk, ULONG flags)
{
    return LdrResolveDelayLoadedAPI(image, desc, dllhook, syshook, thunk, flags);
}
