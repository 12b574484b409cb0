/* SPDX-License-Identifier: MIT */
/* vunwind.c - vunwind.exe: ntdll's RtlVirtualUnwind from PE code on a function of its own
 * (push rbx; sub rsp,0x20; nop; add rsp,0x20; pop rbx; ret) described by an unwind info with
 * an exception handler.  Windows returns the handler and its data only for a pc past the
 * prologue and outside the epilogue, and leaves *HandlerData untouched otherwise.
 * Prints "ok NAME" / "FAIL NAME"; exits with the failures (tests/test_vunwind.c). */
#include <stdio.h>
#include <string.h>
#include <windows.h>

static int failures;

static void check(const char *name, int ok)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", name);
    failures += !ok;
}

static const BYTE code[] = {
    0x53,                   /* 0: push rbx */
    0x48, 0x83, 0xec, 0x20, /* 1: sub rsp, 0x20 */
    0x90,                   /* 5: nop */
    0x48, 0x83, 0xc4, 0x20, /* 6: add rsp, 0x20 */
    0x5b,                   /* a: pop rbx */
    0xc3,                   /* b: ret */
};

/* version 1, UNW_FLAG_EHANDLER; prologue 5 bytes; two codes; handler RVA 0x300, data 0x11223344 */
static const BYTE info[] = {
    1 | (1 << 3), 5, 2, 0,
    5, 2 | (3 << 4),        /* at 5: UWOP_ALLOC_SMALL (3 + 1) * 8 */
    1, 0 | (3 << 4),        /* at 1: UWOP_PUSH_NONVOL rbx */
    0x00, 0x03, 0x00, 0x00, /* handler RVA */
    0x44, 0x33, 0x22, 0x11, /* handler data */
};

static BYTE *mem;
static RUNTIME_FUNCTION fn = {0x100, 0x100 + sizeof(code), 0x200};
static ULONG64 stack[16];

/* Unwinds from code offset off with rsp at stack[0]: the handler, and the context after. */
static void *unwind_at(int off, CONTEXT *c, void **data, ULONG64 *frame)
{
    memset(c, 0, sizeof(*c));
    c->Rsp = (ULONG64)stack;
    c->Rbx = 0x77;
    *data = (void *)0xdeadbeef;
    return RtlVirtualUnwind(UNW_FLAG_EHANDLER, (ULONG64)mem, (ULONG64)mem + 0x100 + off, &fn, c, data, frame, NULL);
}

int main(void)
{
    CONTEXT c;
    void *data, *h;
    ULONG64 frame;
    mem = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    memcpy(mem + 0x100, code, sizeof(code));
    memcpy(mem + 0x200, info, sizeof(info));
    for (int i = 0; i < 16; i++)
        stack[i] = 0x1000 + i;

    h = unwind_at(5, &c, &data, &frame); /* the body: rbx at stack[4], return address at stack[5] */
    check("body_handler", h == mem + 0x300);
    check("body_data", data == mem + 0x200 + 12 && *(DWORD *)data == 0x11223344);
    check("body_context", c.Rip == 0x1005 && c.Rsp == (ULONG64)&stack[6] && c.Rbx == 0x1004);
    check("body_frame", frame == (ULONG64)stack);

    h = unwind_at(1, &c, &data, &frame); /* in the prologue, after push rbx */
    check("prologue_no_handler", h == NULL);
    check("prologue_data_untouched", data == (void *)0xdeadbeef);
    check("prologue_context", c.Rip == 0x1001 && c.Rsp == (ULONG64)&stack[2] && c.Rbx == 0x1000);

    h = unwind_at(0xa, &c, &data, &frame); /* in the epilogue, at pop rbx */
    check("epilogue_no_handler", h == NULL);
    check("epilogue_data_untouched", data == (void *)0xdeadbeef);
    check("epilogue_context", c.Rip == 0x1001 && c.Rsp == (ULONG64)&stack[2] && c.Rbx == 0x1000);
    return failures;
}
