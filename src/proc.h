/* proc.h - the kernel's view of this process's mappings (proc.c). */
#ifndef WV_PROC_H
#define WV_PROC_H

#include "internal.h"

struct wv_mapping {
    uintptr_t start, end;   /* start == 0: no mapping at or above the address asked */
    int prot;               /* 1 read, 2 write, 4 execute */
    bool shared, file;
    uint64_t inode;
    char name[256];
};

/* The mapping containing addr, or else the first one above it. */
bool wv_proc_mapping(uintptr_t addr, struct wv_mapping *m);
/* The same from /proc/self/maps text, the path taken on kernels without PROCMAP_QUERY. */
bool wv_proc_mapping_text(uintptr_t addr, struct wv_mapping *m);

#endif
