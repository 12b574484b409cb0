#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

MEMORY_BASIC_INFORMATION tu_query(const void *addr)
{
    MEMORY_BASIC_INFORMATION mbi;
    memset(&mbi, 0xcc, sizeof(mbi));
    SIZE_T r = VirtualQuery(addr, &mbi, sizeof(mbi));
    cr_assert_eq(r, sizeof(mbi), "VirtualQuery(%p) failed: %u", addr, GetLastError());
    return mbi;
}

int tu_host_prot(const void *addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    char line[512];
    int prot = -1;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof(line), f)) {
        uintptr_t s, e;
        char perm[5];
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &s, &e, perm) != 3)
            continue;
        if (a >= s && a < e) {
            prot = (perm[0] == 'r') | (perm[1] == 'w') << 1 | (perm[2] == 'x') << 2;
            break;
        }
    }
    fclose(f);
    return prot;
}

static bool tu_faults(volatile char *p, bool write)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        if (write)
            *p = 1;
        else
            (void)*p;
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS);
}

bool tu_read_faults(const void *addr) { return tu_faults((volatile char *)addr, false); }
bool tu_write_faults(void *addr) { return tu_faults((volatile char *)addr, true); }

bool tu_resident(const void *addr)
{
    int fd = open("/proc/self/pagemap", O_RDONLY);
    cr_assert(fd >= 0);
    uint64_t ent = 0;
    cr_assert_eq(pread(fd, &ent, 8, (off_t)((uintptr_t)addr / 4096 * 8)), 8);
    close(fd);
    return (ent >> 63) & 1;
}
