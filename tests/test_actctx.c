/* SPDX-License-Identifier: MIT */
/* test_actctx.c - activation contexts (runtime/actctx*.c), ideal processors and priority boost
 * (thread_ideal.c), msvcrt's _control87 (msvcrt_fpu.c): from PE code under `winvm run`
 * (actctx.exe lists its checks), run in a directory of its own since it writes manifests into
 * its current directory; and the manifest reader on its own. */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "testutil.h"
#include "runtime/actctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(actctx, .timeout = 120);

static char out[16384];

Test(actctx, pe_contexts_stacks_inheritance_ideal_processors)
{
    const char *exe = WINVM_PE_IMAGES "/actctx.exe";
    if (access(exe, R_OK) != 0)
        cr_skip_test("test programs not built (mingw-w64 gcc missing)");
    char dir[] = "/tmp/winvm-actctx-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cd %s && %s run %s 2>&1", dir, WINVM_CLI, exe);
    int st = tu_capture(cmd, out, sizeof(out));
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(st, 0, "status %d:\n%s", st, out);
    cr_assert_null(strstr(out, "FAIL"), "%s", out);
    static const char *const names[] = {"actctx_create", "actctx_errors", "actctx_stack", "actctx_raise",
                                        "actctx_inherit", "ideal_processor", "priority_boost", "control87", "stack_limits",
                                        "thread_error_mode"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char line[128];
        snprintf(line, sizeof(line), "ok %s\n", names[i]);
        cr_assert_not_null(strstr(out, line), "%s missing:\n%s", names[i], out);
    }
}

static DWORD parse(const char *text, struct wv_manifest *m)
{
    return wv_manifest_parse(text, strlen(text), m);
}

#define ASM "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"

/* What the reader keeps: the identity, the dependencies, the files; entities decoded. */
Test(actctx, manifest_identity_dependencies_and_files)
{
    struct wv_manifest m;
    cr_assert_eq(parse("\xef\xbb\xbf<?xml version=\"1.0\"?>" ASM
                       "<assemblyIdentity name=\"A&amp;B\" version=\"1.2.3.4\" type=\"win32\" "
                       "processorArchitecture=\"amd64\" publicKeyToken=\"6595b64144ccf1df\"/>"
                       "<file name=\"a.dll\"/><file name=\"b.dll\"></file>"
                       "<dependency><dependentAssembly><assemblyIdentity name=\"D\" version=\"6.0.0.0\"/>"
                       "</dependentAssembly></dependency><trustInfo><anything/></trustInfo></assembly>\n",
                       &m),
                 0);
    cr_assert_str_eq(m.id.name, "A&B");
    cr_assert_str_eq(m.id.version, "1.2.3.4");
    cr_assert_str_eq(m.id.arch, "amd64");
    cr_assert_str_eq(m.id.token, "6595b64144ccf1df");
    cr_assert_null(m.id.lang);
    cr_assert_eq(m.n_files, 2);
    cr_assert_eq(m.n_deps, 1);
    cr_assert_str_eq(m.deps[0].name, "D");
    wv_manifest_free(&m);
}

/* UTF-16 with its byte-order mark reads as the same manifest. */
Test(actctx, manifest_utf16)
{
    const char *text = ASM "<assemblyIdentity name=\"W\"/></assembly>";
    size_t n = strlen(text);
    unsigned char *w = calloc(2 * n + 2, 1);
    w[0] = 0xff, w[1] = 0xfe;
    for (size_t i = 0; i < n; i++)
        w[2 + 2 * i] = (unsigned char)text[i];
    struct wv_manifest m;
    cr_assert_eq(wv_manifest_parse(w, 2 * n + 2, &m), 0);
    cr_assert_str_eq(m.id.name, "W");
    wv_manifest_free(&m);
    free(w);
}

/* What Windows refuses (Wine's kernel32 actctx.c wrong_manifest1-8, run on Windows). */
Test(actctx, manifest_refusals)
{
    static const char *const bad[] = {
        "<assembly manifestVersion=\"1.0\"><assemblyIdentity name=\"x\"/></assembly>",
        "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v1\"><assemblyIdentity name=\"x\"/></assembly>",
        "<assembly test=\"t\" xmlns=\"urn:schemas-microsoft-com:asm.v1\" manifestVersion=\"1.0\">"
        "<assemblyIdentity name=\"x\"/></assembly>",
        ASM "<assemblyIdentity name=\"x\"/><test></test></assembly>",
        ASM "<assemblyIdentity name=\"x\"/></assembly><test></test>",
        "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v5\" manifestVersion=\"1.0\"><assemblyIdentity name=\"x\"/></assembly>",
        ASM "<assemblyIdentity name=\"x\"/><file></file></assembly>",
        ASM "<assemblyIdentity name=\"x\" version=\"1.2.3\"/></assembly>",
        ASM "<assemblyIdentity name=\"x\"/>",
        ASM "<assemblyIdentity name=\"x\"/></assemblyx>",
        ASM "</assembly>",
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct wv_manifest m;
        cr_assert_eq(parse(bad[i], &m), ERROR_SXS_CANT_GEN_ACTCTX, "manifest %zu accepted", i);
    }
}
