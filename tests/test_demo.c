/* SPDX-License-Identifier: MIT */
/* test_demo.c - `winvm demo sharing`: the seed's figures, measured on real processes, checked
 * from the JSON the demo writes (and the SVG it draws from the same data). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_DEMO_DIR
#define WINVM_DEMO_DIR "/nonexistent"
#endif

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* The value text after "key": in the object starting at from (first occurrence). */
static const char *field(const char *from, const char *key)
{
    char k[64];
    snprintf(k, sizeof(k), "\"%s\": ", key);
    const char *p = strstr(from, k);
    cr_assert_not_null(p, "no %s in the demo's JSON", key);
    return p + strlen(k);
}

static bool is_true(const char *from, const char *key) { return !strncmp(field(from, key), "true", 4); }

static bool same_list(const char *a, const char *b)
{
    size_t n = strcspn(a, "]");
    return n == strcspn(b, "]") && !strncmp(a, b, n);
}

Test(demo, seed_figures_measured, .timeout = 60)
{
#ifdef __SANITIZE_ADDRESS__
    cr_skip_test("the demo's image bases lie in AddressSanitizer's shadow gap");
#endif
    if (access(WINVM_DEMO_DIR "/app.exe", R_OK) != 0)
        cr_skip_test("demo images not built (mingw-w64 missing)");
    char out[64], cmd[512];
    snprintf(out, sizeof(out), "/tmp/winvm-demo-test.%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "%s demo sharing %s %s > %s.log 2>&1", WINVM_CLI, WINVM_DEMO_DIR, out, out);
    int st = system(cmd);
    char path[128];
    snprintf(path, sizeof(path), "%s/sharing.json", out);
    const char *j = slurp(path);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "demo failed: %s", j);
    cr_assert(is_true(j, "figure1"));
    cr_assert(is_true(j, "figure2"));
    cr_assert(is_true(j, "classic_equals_fixups"));
    cr_assert(is_true(j, "shared_no_copies"));
    cr_assert(is_true(j, "same_sum"), "demolib_sum() differs between instances: a bad fixup");
    /* The raw figures behind the flags. */
    const char *a = strstr(j, "\"name\": \"A\""), *b = strstr(j, "\"name\": \"B\""), *c = strstr(j, "\"name\": \"C\"");
    const char *d = strstr(j, "\"name\": \"D\""), *e = strstr(j, "\"name\": \"E\"");
    cr_assert(a && b && c && d && e);
    cr_assert_eq(strtoull(field(a, "hinstance"), NULL, 10), strtoull(field(b, "hinstance"), NULL, 10));
    cr_assert_eq(strtoull(field(a, "dll"), NULL, 10), strtoull(field(j, "dll_base"), NULL, 10));
    cr_assert(same_list(field(a, "dll_copied_rvas"), "[]"));
    cr_assert(same_list(field(b, "dll_copied_rvas"), field(j, "written_rvas")));
    cr_assert(same_list(field(c, "dll_copied_rvas"), field(j, "fixup_pages")));
    cr_assert_neq(strtoull(field(c, "dll"), NULL, 10), strtoull(field(j, "dll_base"), NULL, 10));
    cr_assert(same_list(field(d, "dll_copied_rvas"), "[]"));
    cr_assert(same_list(field(e, "dll_copied_rvas"), "[]"));
    cr_assert_eq(strtoull(field(d, "dll"), NULL, 10), strtoull(field(e, "dll"), NULL, 10));
    cr_assert_gt(strtoull(field(j, "de_shared_pages"), NULL, 10), 0);
    snprintf(path, sizeof(path), "%s/sharing.svg", out);
    const char *svg = slurp(path);
    cr_assert(strstr(svg, "<svg") && strstr(svg, "physical memory") && strstr(svg, "</svg>"));
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s.log", out, out);
    cr_assert_eq(system(cmd), 0);
}
