/* SPDX-License-Identifier: MIT */
/* pageout.c - MADV_PAGEOUT, EmptyWorkingSet's way of taking pages out of the process's
 * resident set (Linux 5.4+). */
#include "host/host.h"

#include <sys/mman.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

int wv_os_pageout(uintptr_t addr, size_t size) { return madvise((void *)addr, size, MADV_PAGEOUT) == 0 ? 0 : -1; }
