/* SPDX-License-Identifier: MIT */
/* ntdll_objdir_query.c - NtQueryDirectoryObject: a directory's entries, its own (directories,
 * links, debug objects) and, from the user's store (nt/objname.c), the sections, events, ...
 * named in it, with Windows' type names.  The layout is Windows': an array of
 * DIRECTORY_BASIC_INFORMATION ended by a zeroed entry, the NUL-terminated strings after it.
 * Facts: Wine's ntdll/tests/om.c test_query_directory, as run on Windows.
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>
#include "nt/nt.h"
#include <winvm/ntdll.h>

#define WV_DQ_MAX 512 /* entries listed (store and tree together) */

/* The store's kinds by the magic each file starts with (section/section.c, runtime/nsync.c,
 * runtime/ntdll_keyed.c). */
static const char *wv_dq_type_of_magic(uint32_t m)
{
    switch (m) {
    case 0x6d767677u: return "Section";
    case 0x76657677u: return "Event";
    case 0x786d7677u: return "Mutant";
    case 0x6d737677u: return "Semaphore";
    case 0x6d747677u: return "Timer";
    case 0x656b7677u: return "KeyedEvent";
    default: return NULL;
    }
}

static const char *wv_dq_type_of_kind(int kind)
{
    return kind == WV_KIND_DIRECTORY ? "Directory" : kind == WV_KIND_SYMLINK ? "SymbolicLink" : "DebugObject";
}

struct wv_dq_ent {
    WCHAR name[WV_OD_LEAF_MAX];
    size_t nlen;
    const char *type;
};

/* The store's names in dir, after the tree's n entries of list. */
static size_t wv_dq_store(const struct wv_odent *dir, struct wv_dq_ent *list, size_t n)
{
    char prefix[64];
    struct wv_store_ent e;
    if (wv_nt_store_prefix(dir, prefix, sizeof(prefix)))
        return n;
    size_t pl = strlen(prefix);
    for (void *it = wv_nt_store_first(); it && n < WV_DQ_MAX && wv_nt_store_next(it, &e);) {
        const char *type = wv_dq_type_of_magic(e.magic);
        bool mine = pl ? !strncmp(e.name, prefix, pl) : strncmp(e.name, "\xed\xbf\xbfod", 5) != 0;
        size_t len = 0;
        if (e.hashed || !type || !mine ||
            wv_utf8_to_utf16(e.name + pl, strlen(e.name + pl), list[n].name, WV_OD_LEAF_MAX, WV_TEXT_WTF8, &len))
            continue;
        list[n].nlen = len, list[n].type = type;
        n++;
    }
    wv_nt_store_end();
    return n;
}

/* dir's entries into list (WV_DQ_MAX): how many. */
static size_t wv_dq_list(const struct wv_odent *dir, struct wv_dq_ent *list)
{
    struct wv_od_entry *own = malloc(WV_DQ_MAX * sizeof(*own));
    if (!own)
        return 0;
    size_t n = wv_od_entries(dir, own, WV_DQ_MAX);
    n = n < WV_DQ_MAX ? n : WV_DQ_MAX;
    for (size_t i = 0; i < n; i++) {
        memcpy(list[i].name, own[i].name, own[i].nlen * sizeof(WCHAR));
        list[i].nlen = own[i].nlen, list[i].type = wv_dq_type_of_kind(own[i].kind);
    }
    free(own);
    return dir->shared || dir->parent ? wv_dq_store(dir, list, n) : n;
}

/* The bytes entry e's strings take. */
static ULONG wv_dq_strings(const struct wv_dq_ent *e)
{
    return (ULONG)((e->nlen + 1 + strlen(e->type) + 1) * sizeof(WCHAR));
}

/* Lays out list[first, first + count) at base (the caller's address) into b (size bytes). */
static void wv_dq_layout(const struct wv_dq_ent *list, size_t first, size_t count, char *b, ULONG size, char *base)
{
    DIRECTORY_BASIC_INFORMATION *info = (DIRECTORY_BASIC_INFORMATION *)b;
    size_t off = (count + 1) * sizeof(*info);
    memset(b, 0, size);
    for (size_t i = 0; i < count; i++) {
        const struct wv_dq_ent *e = &list[first + i];
        WCHAR *w = (WCHAR *)(b + off);
        memcpy(w, e->name, e->nlen * sizeof(WCHAR));
        info[i].ObjectName = (UNICODE_STRING){(USHORT)(e->nlen * 2), (USHORT)(e->nlen * 2 + 2), (LPWSTR)(base + off)};
        off += (e->nlen + 1) * sizeof(WCHAR);
        size_t tl = strlen(e->type);
        w = (WCHAR *)(b + off);
        for (size_t k = 0; k < tl; k++)
            w[k] = (WCHAR)e->type[k];
        info[i].ObjectTypeName = (UNICODE_STRING){(USHORT)(tl * 2), (USHORT)(tl * 2 + 2), (LPWSTR)(base + off)};
        off += (tl + 1) * sizeof(WCHAR);
    }
}

/* How many entries from first fit in len bytes (single: at most one), *need their size. */
static size_t wv_dq_fit(const struct wv_dq_ent *list, size_t n, size_t first, ULONG len, bool single, ULONG *need)
{
    size_t count = 0;
    ULONG size = sizeof(DIRECTORY_BASIC_INFORMATION);
    for (size_t i = first; i < n && (!single || count < 1); i++) {
        ULONG more = size + sizeof(DIRECTORY_BASIC_INFORMATION) + wv_dq_strings(&list[i]);
        if (more > len) {
            *need = count ? size : more;
            return count;
        }
        size = more, count++;
    }
    *need = size;
    return count;
}

NTSTATUS NTAPI NtQueryDirectoryObject(HANDLE h, PVOID buf, ULONG len, BOOLEAN single, BOOLEAN restart, PULONG context,
                                      PULONG ret)
{
    ULONG ctx = 0, need = 0;
    NTSTATUS st = STATUS_SUCCESS;
    if (!context || wv_copy(&ctx, context, sizeof(ctx)) || wv_nt_probe_out(buf, len) ||
        (ret && wv_nt_probe_out(ret, sizeof(*ret))))
        return (NTSTATUS)STATUS_ACCESS_VIOLATION;
    DWORD granted = 0;
    struct wv_object *o = wv_handle_get(h, WV_KIND_ANY, &granted);
    if (!o || o->kind != WV_KIND_DIRECTORY || !(granted & DIRECTORY_QUERY)) {
        wv_object_unref(o);
        return !o ? STATUS_INVALID_HANDLE : o->kind != WV_KIND_DIRECTORY ? STATUS_OBJECT_TYPE_MISMATCH
                                                                        : STATUS_ACCESS_DENIED;
    }
    struct wv_dq_ent *list = malloc(WV_DQ_MAX * sizeof(*list));
    size_t n = list ? wv_dq_list((struct wv_odent *)o, list) : 0;
    wv_object_unref(o);
    size_t first = restart ? 0 : ctx;
    size_t count = first < n ? wv_dq_fit(list, n, first, len, single, &need) : 0;
    if (first >= n) {
        need = sizeof(DIRECTORY_BASIC_INFORMATION), st = STATUS_NO_MORE_ENTRIES;
    } else if (!count && single) {
        st = STATUS_BUFFER_TOO_SMALL; /* *ret the size the entry needs, nothing else changes */
    } else {
        st = first + count < n && !single ? STATUS_MORE_ENTRIES : STATUS_SUCCESS;
        if (!count)
            need = sizeof(DIRECTORY_BASIC_INFORMATION);
        ctx = (ULONG)(first + count);
        wv_nt_out(context, &ctx, sizeof(ctx));
    }
    char *b = st != STATUS_BUFFER_TOO_SMALL && len >= need ? calloc(1, need) : NULL;
    if (b) {
        wv_dq_layout(list, first, count, b, need, buf);
        wv_nt_out_copy(buf, b, need);
    }
    free(b);
    free(list);
    if (ret)
        wv_nt_out(ret, &need, sizeof(need));
    return st;
}
