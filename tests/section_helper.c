/* SPDX-License-Identifier: MIT */
/* section_helper - a separate program for the multi-process section tests (exec'd, not just
 * forked): opens a named section, maps it FILE_MAP_COPY, writes its own copy of page 0, then
 * answers on stdout after each line on stdin:
 *   "<pfn page0 before write> <pfn page0 after> <pfn page1> <protect page0> <protect page1> <page2 text>"
 */
#define _GNU_SOURCE
#include <winvm.h>
#include "pfn.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


static DWORD protect_of(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    return VirtualQuery(p, &m, sizeof(m)) ? m.Protect : 0;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, argv[1]);
    char *c = h ? MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0) : NULL;
    if (!c)
        return 3;
    (void)*(volatile char *)c;
    (void)*(volatile char *)(c + 4096);
    uint64_t before = pfn_of(c);
    snprintf(c, 64, "%s", argv[2]); /* this process's own copy of page 0 */
    char line[16];
    while (fgets(line, sizeof(line), stdin)) {
        printf("%" PRIu64 " %" PRIu64 " %" PRIu64 " %#x %#x %.40s\n", before, pfn_of(c),
               pfn_of(c + 4096), protect_of(c), protect_of(c + 4096), c + 2 * 4096);
        fflush(stdout);
    }
    return 0;
}
