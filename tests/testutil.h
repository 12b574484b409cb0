/* testutil.h - helpers shared by the tests: the kernel's view of a range, and queries. */
#ifndef WV_TESTUTIL_H
#define WV_TESTUTIL_H

#include <winvm.h>
#include <stdbool.h>
#include <stdint.h>

/* VirtualQuery that must succeed. */
MEMORY_BASIC_INFORMATION tu_query(const void *addr);

/* Host protection of the page at addr from /proc/self/maps: bits 1 r, 2 w, 4 x;
 * -1 when no mapping contains the address. */
int tu_host_prot(const void *addr);

/* True when reading / writing one byte at addr faults (tested in a forked child). */
bool tu_read_faults(const void *addr);
bool tu_write_faults(void *addr);

/* True when the page at addr is resident (/proc/self/pagemap). */
bool tu_resident(const void *addr);

#endif
