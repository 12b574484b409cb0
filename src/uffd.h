/* uffd.h - the kernel's own write tracking (Linux 6.7+): userfaultfd write protection in
 * asynchronous mode (a write to a protected page just clears the protection, in the kernel,
 * with no signal and no message), read back and re-armed with the PAGEMAP_SCAN ioctl of
 * /proc/self/pagemap.  Used by watch.c; see docs/semantics.md, "Write watches".
 */
#ifndef WV_UFFD_H
#define WV_UFFD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when new write-watch views can be tracked by the kernel.  Decided once, at the first
 * call: false when WINVM_WRITE_WATCH=fallback is set, when the kernel lacks any piece, or when
 * a self-test of the whole round trip fails; false in a child forked afterwards. */
bool wv_uffd_usable(void);

/* Registers [addr, addr+len) with the process's userfaultfd in write-protect mode.  0 or an
 * errno value. */
int wv_uffd_register(uintptr_t addr, size_t len);
void wv_uffd_unregister(uintptr_t addr, size_t len);

/* Write-protects [addr, addr+len): the pages count as not written until the next write.
 * Unpopulated pages get markers, so a read never counts and a first write does.  0 or errno;
 * 0 without doing anything in a forked child, whose mappings are no longer registered. */
int wv_uffd_protect(uintptr_t addr, size_t len);

/* The pages of [*pos, end) written since they were last protected, in address order: at most
 * max of them are stored in out, and *pos moves past the last page examined (just after the
 * last one stored when max was reached).  With reset, exactly the pages stored are protected
 * again in the same walk, atomically with the report.  With out NULL (reset only), every
 * written page of the range is protected and 0 is returned.  Returns the number stored, or
 * -errno.  In a forked child the kernel no longer tracks inherited views: every resident page
 * then counts as written, and reset does nothing. */
long wv_uffd_written(uintptr_t *pos, uintptr_t end, bool reset, void **out, size_t max);

#endif
