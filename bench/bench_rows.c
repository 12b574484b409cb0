/* SPDX-License-Identifier: MIT */
/* bench_rows.c - the bench's row numbers and names, and the --rows filter over them.
 *
 * --rows takes a comma-separated list of row numbers (7), ranges (1-4) and names (alloc);
 * `winvm-bench --list` prints the table.  Rows measured together by one function (12-15,
 * 16-17, 18-20, 21-22, 23-24) run together when any of them is chosen: their setup is shared.
 */
#include "bench.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct bench_row rows[] = {
    {1, "alloc", "VirtualAlloc+VirtualFree 64 KiB"},
    {2, "protect", "VirtualProtect one page"},
    {3, "query", "VirtualQuery among N live allocations"},
    {4, "commit", "reserve 1 GiB + 1000 commits"},
    {5, "threads", "2-thread scaling (and rows 1, 2, 4 after it)"},
    {6, "guard", "guard-page hit"},
    {7, "av", "access violation caught by winvm_try"},
    {8, "watch", "write watch, 10000 pages"},
    {9, "section", "pagefile section create+map"},
    {10, "cow_query", "VirtualQuery on a write-copy view"},
    {11, "pss", "16 processes share one section"},
    {12, "load", "LoadLibrary of bigdll.dll (with 13-15)"},
    {13, "load_taken", "the same, base taken (with 12-15)"},
    {14, "image_procs", "processes with bigdll.dll loaded (with 12-15)"},
    {15, "relocated", "private pages of relocated children (with 12-15)"},
    {16, "run_hello", "winvm run hello.exe (with 17)"},
    {17, "run_pss", "8 concurrent demo apps (with 16)"},
    {18, "nt_alloc", "NtAllocate/NtFreeVirtualMemory (with 19-20)"},
    {19, "nt_protect", "NtProtectVirtualMemory (with 18, 20)"},
    {20, "working_set", "QueryWorkingSetEx (with 18-19)"},
    {21, "seh_throw", "C++ throw+catch in a PE program (with 22)"},
    {22, "seh_av", "__try/__except of an access violation (with 21)"},
    {23, "programs", "real programs under winvm run (with 24)"},
    {24, "programs_pss", "Pss of a waiting program (with 23)"},
    {25, "pe_alloc", "alloc loop in a PE program vs the same from C"},
    {26, "touch", "64 KiB alloc + first touch + free (with 27-28)"},
    {27, "scale", "4 KiB reservations and VirtualQuery at 1,000,000 live (with 26, 28)"},
    {28, "watch_uffd", "write watch against uffd + PAGEMAP_SCAN (with 26-27)"},
};
#define NROWS (int)(sizeof(rows) / sizeof(rows[0]))

static bool chosen[BENCH_MAX_ROW + 1];
static bool filtered; /* false: every row */

int bench_rows_count(void) { return NROWS; }
const struct bench_row *bench_row_at(int i) { return i >= 0 && i < NROWS ? &rows[i] : NULL; }

bool bench_row_on(int num)
{
    return num >= 1 && num <= BENCH_MAX_ROW && (!filtered || chosen[num]);
}

bool bench_rows_any(int first, int last)
{
    for (int n = first; n <= last; n++)
        if (bench_row_on(n))
            return true;
    return false;
}

static int row_by_name(const char *s, size_t len)
{
    for (int i = 0; i < NROWS; i++)
        if (strlen(rows[i].name) == len && !strncmp(rows[i].name, s, len))
            return rows[i].num;
    return 0;
}

/* A known row number from s[0..len), or 0. */
static int row_number(const char *s, size_t len)
{
    if (len == 0 || len > 3)
        return 0;
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        n = n * 10 + (s[i] - '0');
    }
    for (int i = 0; i < NROWS; i++)
        if (rows[i].num == n)
            return n;
    return 0;
}

/* One token: "7", "1-4" or "alloc". */
static bool parse_token(const char *s, size_t len, bool *sel)
{
    const char *dash = memchr(s, '-', len);
    int lo, hi;
    if (dash) {
        lo = row_number(s, (size_t)(dash - s));
        hi = row_number(dash + 1, len - (size_t)(dash - s) - 1);
    } else {
        lo = hi = row_number(s, len) ? row_number(s, len) : row_by_name(s, len);
    }
    if (!lo || !hi || lo > hi)
        return false;
    for (int n = lo; n <= hi; n++)
        sel[n] = true;
    return true;
}

bool bench_rows_parse(const char *spec, char *bad, size_t bad_cap)
{
    bool sel[BENCH_MAX_ROW + 1] = {false};
    bool any = false;
    for (const char *p = spec;; p++) {
        size_t len = strcspn(p, ",");
        if (!parse_token(p, len, sel)) {
            snprintf(bad, bad_cap, "%.*s", (int)len, p);
            return false;
        }
        any = true;
        p += len;
        if (!*p)
            break;
    }
    if (!any)
        return false;
    memcpy(chosen, sel, sizeof(chosen));
    filtered = true;
    return true;
}

void bench_rows_list(FILE *f)
{
    for (int i = 0; i < NROWS; i++)
        fprintf(f, "%3d  %-13s %s%s\n", rows[i].num, rows[i].name, rows[i].what,
                bench_row_on(rows[i].num) ? "" : "  (not chosen)");
}
