/* SPDX-License-Identifier: MIT */
/* unwind.c - RtlVirtualUnwind: one frame of x64 code unwound from its unwind info.
 *
 * The unwind info (UNWIND_INFO, version 1 or 2) lists what the prologue did, last first; the
 * unwinder undoes those operations whose instruction has run (in a prologue, only the codes at
 * or before the offset reached), follows chained info (UNW_FLAG_CHAININFO) to the primary
 * entry, then pops the return address, unless a machine frame (UWOP_PUSH_MACHFRAME) gave rip
 * and rsp.  Outside the prologue, code at pc that reads as an epilogue (add rsp / lea rsp,
 * pops, then ret or a jmp out of the function: the only forms the x64 ABI allows there) is
 * run forward instead, as Windows does, since the frame is already partly gone.
 *
 * Every read of unwind info, code or stack goes through wv_copy: corrupt info or a wild stack
 * is STATUS_BAD_FUNCTION_TABLE or STATUS_BAD_STACK and leaves the context as it was.
 */
#include "seh/seh.h"

#include <stddef.h>
#include <string.h>

enum { WV_PUSH_NONVOL, WV_ALLOC_LARGE, WV_ALLOC_SMALL, WV_SET_FPREG, WV_SAVE_NONVOL, WV_SAVE_NONVOL_FAR,
       WV_EPILOG, WV_SPARE, WV_SAVE_XMM128, WV_SAVE_XMM128_FAR, WV_PUSH_MACHFRAME };

/* What a decoded operation does (struct wv_unwind_op.what). */
enum { WV_DO_POP, WV_DO_ALLOC, WV_DO_SET_FP, WV_DO_LOAD, WV_DO_LOAD_XMM, WV_DO_MACHFRAME };

struct wv_info {
    BYTE version, flags, prolog, count, frame_reg, frame_off;
    WORD code[256];
    DWORD64 trailer; /* address of the handler RVA, or of the chained RUNTIME_FUNCTION */
};

/* What one frame's unwind changes, apart from the CONTEXT: the integer registers and rip,
 * the XMM registers the frame saved (xmm_set), and a machine frame's selectors and flags.
 * The CONTEXT (1,232 bytes) is read once and written once, only on success: copying it whole
 * three times per frame was most of a C++ throw's time (bench row 21). */
struct wv_unwinder {
    DWORD64 r[17]; /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15 (x64 numbering), rip */
    M128A xmm[16];
    WORD xmm_set;  /* bit i: xmm[i] was restored */
    WORD cs, ss;
    DWORD eflags;
    bool mach;
    KNONVOLATILE_CONTEXT_POINTERS *ptrs;
    DWORD64 frame;
};

/* Register r in x64 numbering, 16 for rip: the CONTEXT holds them in that order from Rax. */
_Static_assert(offsetof(CONTEXT, Rip) - offsetof(CONTEXT, Rax) == 16 * sizeof(DWORD64), "CONTEXT layout");
static DWORD64 *wv_reg(struct wv_unwinder *u, unsigned r) { return &u->r[r <= 16 ? r : 0]; }

static void wv_unwinder_load(struct wv_unwinder *u, const CONTEXT *c)
{
    memcpy(u->r, &c->Rax, sizeof(u->r));
    u->xmm_set = 0, u->mach = false;
}

static void wv_unwinder_store(const struct wv_unwinder *u, CONTEXT *c)
{
    memcpy(&c->Rax, u->r, sizeof(u->r));
    for (unsigned set = u->xmm_set; set; set &= set - 1) {
        unsigned i = (unsigned)__builtin_ctz(set);
        c->FltSave.XmmRegisters[i] = u->xmm[i];
    }
    if (u->mach)
        c->SegCs = u->cs, c->EFlags = u->eflags, c->SegSs = u->ss;
}

/* The header and its codes; one read of 16 bytes covers the header and up to six codes (most
 * functions), the rest or a read near the end of a mapping are read exactly. */
static bool wv_read_info(DWORD64 at, struct wv_info *in)
{
    BYTE h[16];
    bool whole = wv_seh_read(h, at, sizeof(h));
    if (!whole && !wv_seh_read(h, at, 4))
        return false;
    in->version = h[0] & 7, in->flags = h[0] >> 3, in->prolog = h[1], in->count = h[2];
    in->frame_reg = h[3] & 15, in->frame_off = h[3] >> 4;
    if (in->version != 1 && in->version != 2)
        return false;
    in->trailer = at + 4 + (DWORD64)((in->count + 1u) & ~1u) * 2;
    if (whole && in->count <= 6) {
        memcpy(in->code, h + 4, (size_t)in->count * 2);
        return true;
    }
    return !in->count || wv_seh_read(in->code, at + 4, (size_t)in->count * 2);
}

static size_t wv_code_slots(BYTE op, BYTE info)
{
    switch (op) {
    case WV_ALLOC_LARGE: return info ? 3 : 2;
    case WV_SAVE_NONVOL: case WV_EPILOG: case WV_SAVE_XMM128: return 2;
    case WV_SAVE_NONVOL_FAR: case WV_SPARE: case WV_SAVE_XMM128_FAR: return 3;
    default: return 1;
    }
}

static bool wv_pop(struct wv_unwinder *u, unsigned r)
{
    DWORD64 v, at = u->r[4];
    if (!wv_seh_read64(&v, at))
        return false;
    *wv_reg(u, r) = v;
    if (u->ptrs && r < 16)
        u->ptrs->IntegerContext[r] = (DWORD64 *)(uintptr_t)at;
    u->r[4] += 8;
    return true;
}

static bool wv_load_reg(struct wv_unwinder *u, unsigned r, DWORD64 at)
{
    if (!wv_seh_read64(wv_reg(u, r), at))
        return false;
    if (u->ptrs)
        u->ptrs->IntegerContext[r] = (DWORD64 *)(uintptr_t)at;
    return true;
}

static bool wv_load_xmm(struct wv_unwinder *u, unsigned r, DWORD64 at)
{
    if (!wv_seh_read(&u->xmm[r & 15], at, 16))
        return false;
    u->xmm_set |= (WORD)(1u << (r & 15));
    if (u->ptrs)
        u->ptrs->FloatingContext[r & 15] = (PM128A)(uintptr_t)at;
    return true;
}

static bool wv_machframe(struct wv_unwinder *u, BYTE info)
{
    DWORD64 at = u->r[4] + (info ? 8 : 0), m[5];
    if (info > 1 || !wv_seh_read(m, at, sizeof(m)))
        return false;
    u->r[16] = m[0], u->cs = (WORD)m[1], u->eflags = (DWORD)m[2], u->r[4] = m[3];
    u->ss = (WORD)m[4];
    u->mach = true;
    return true;
}

/* ---- decoding: unwind codes to operations ---- */

/* Appends the operation of code slot i of in to p: 0, STATUS_BAD_FUNCTION_TABLE for a code
 * Windows rejects, WV_PLAN_FULL when p has no room.  Epilogue descriptions (version 2) add
 * nothing: the code at pc is read instead. */
static DWORD wv_decode(const struct wv_info *in, size_t i, struct wv_plan *p)
{
    BYTE op = (in->code[i] >> 8) & 15, info = (BYTE)(in->code[i] >> 12);
    DWORD next = i + 1 < in->count ? in->code[i + 1] : 0;
    DWORD far = i + 2 < in->count ? next | (DWORD)in->code[i + 2] << 16 : 0;
    struct wv_unwind_op o = {.reg = info};
    switch (op) {
    case WV_PUSH_NONVOL: o.what = WV_DO_POP; break;
    case WV_ALLOC_LARGE:
        if (info > 1)
            return STATUS_BAD_FUNCTION_TABLE;
        o.what = WV_DO_ALLOC, o.arg = info ? far : next * 8;
        break;
    case WV_ALLOC_SMALL: o.what = WV_DO_ALLOC, o.arg = info * 8u + 8; break;
    case WV_SET_FPREG:
        if (!in->frame_reg)
            return STATUS_BAD_FUNCTION_TABLE;
        o.what = WV_DO_SET_FP, o.reg = in->frame_reg, o.arg = in->frame_off * 16u;
        break;
    case WV_SAVE_NONVOL: o.what = WV_DO_LOAD, o.arg = next * 8; break;
    case WV_SAVE_NONVOL_FAR: o.what = WV_DO_LOAD, o.arg = far; break;
    case WV_EPILOG: case WV_SPARE: return 0;
    case WV_SAVE_XMM128: o.what = WV_DO_LOAD_XMM, o.arg = next * 16; break;
    case WV_SAVE_XMM128_FAR: o.what = WV_DO_LOAD_XMM, o.arg = far; break;
    case WV_PUSH_MACHFRAME: o.what = WV_DO_MACHFRAME; break;
    default: return STATUS_BAD_FUNCTION_TABLE;
    }
    if (p->nops == p->cap)
        return WV_PLAN_FULL;
    p->ops[p->nops++] = o;
    return 0;
}

/* Decodes in's codes whose instruction ran (offset <= reached; ~0: all). */
static DWORD wv_decode_all(const struct wv_info *in, DWORD reached, struct wv_plan *p)
{
    for (size_t i = 0; i < in->count;) {
        BYTE op = (in->code[i] >> 8) & 15, info = (BYTE)(in->code[i] >> 12);
        size_t n = wv_code_slots(op, info);
        if (i + n > in->count)
            return STATUS_BAD_FUNCTION_TABLE;
        if ((in->code[i] & 0xff) <= reached) {
            DWORD st = wv_decode(in, i, p);
            if (st)
                return st;
        }
        i += n;
    }
    return 0;
}

/* Runs one operation on u: false when the stack could not be read. */
static bool wv_do(struct wv_unwinder *u, const struct wv_unwind_op *o)
{
    switch (o->what) {
    case WV_DO_POP: return wv_pop(u, o->reg);
    case WV_DO_ALLOC: u->r[4] += o->arg; return true;
    case WV_DO_SET_FP: u->r[4] = *wv_reg(u, o->reg) - o->arg; return true;
    case WV_DO_LOAD: return wv_load_reg(u, o->reg, u->frame + o->arg);
    case WV_DO_LOAD_XMM: return wv_load_xmm(u, o->reg, u->frame + o->arg);
    default: return wv_machframe(u, o->reg);
    }
}

/* ---- epilogues ---- */

/* Whether b[i..n) (code at pc + i) is an epilogue's last instruction: ret, or a jmp out of the
 * function [lo, hi) (a tail call; a jump inside is ordinary code). */
static bool wv_epilog_end(const BYTE *b, size_t i, size_t n, DWORD64 pc, DWORD64 lo, DWORD64 hi)
{
    if (i + 1 < n && b[i] == 0xf3 && b[i + 1] == 0xc3)
        i++; /* rep ret */
    if (i < n && (b[i] == 0xc3 || b[i] == 0xc2))
        return true;
    if (i + 4 < n && b[i] == 0xe9) {
        int32_t d;
        memcpy(&d, b + i + 1, 4);
        DWORD64 t = pc + i + 5 + (DWORD64)(int64_t)d;
        return t < lo || t >= hi;
    }
    if (i + 1 < n && b[i] == 0xeb) {
        DWORD64 t = pc + i + 2 + (DWORD64)(int64_t)(int8_t)b[i + 1];
        return t < lo || t >= hi;
    }
    size_t k = i + (i < n && (b[i] & 0xf0) == 0x40); /* REX */
    return k + 1 < n && b[k] == 0xff && ((b[k + 1] >> 3) & 7) == 4; /* jmp through memory or a register */
}

/* Whether the code in b[0..n) (read at pc) is (the rest of) an epilogue of the function
 * [lo, hi); when run is set, runs it on u. */
static bool wv_epilog(struct wv_unwinder *u, unsigned frame_reg, const BYTE *b, size_t n, DWORD64 pc,
                      DWORD64 lo, DWORD64 hi, bool run)
{
    if (n < 1)
        return false;
    size_t i = 0;
    /* add rsp, imm8 / imm32 */
    if (n >= 4 && b[0] == 0x48 && b[1] == 0x83 && b[2] == 0xc4) {
        if (run)
            u->r[4] += (DWORD64)(int64_t)(int8_t)b[3];
        i = 4;
    } else if (n >= 7 && b[0] == 0x48 && b[1] == 0x81 && b[2] == 0xc4) {
        int32_t d;
        memcpy(&d, b + 3, 4);
        if (run)
            u->r[4] += (DWORD64)(int64_t)d;
        i = 7;
    } else if (n >= 4 && (b[0] & 0xfe) == 0x48 && b[1] == 0x8d && (b[2] & 0x38) == 0x20 && (b[2] & 7) != 4) {
        /* lea rsp, [frame register + disp8 / disp32] */
        unsigned mod = b[2] >> 6, rm = (b[2] & 7) | (b[0] & 1) << 3;
        if ((mod != 1 && mod != 2) || rm != frame_reg || !frame_reg)
            return false;
        int32_t d = 0;
        if (mod == 1)
            d = (int8_t)b[3], i = 4;
        else if (n >= 7)
            memcpy(&d, b + 3, 4), i = 7;
        else
            return false;
        if (run)
            u->r[4] = *wv_reg(u, rm) + (DWORD64)(int64_t)d;
    }
    /* pops of nonvolatile registers */
    for (;;) {
        if (i < n && b[i] >= 0x58 && b[i] <= 0x5f) {
            if (run && !wv_pop(u, b[i] - 0x58u))
                return false;
            i += 1;
        } else if (i + 1 < n && b[i] == 0x41 && b[i + 1] >= 0x58 && b[i + 1] <= 0x5f) {
            if (run && !wv_pop(u, 8u + b[i + 1] - 0x58u))
                return false;
            i += 2;
        } else
            break;
    }
    bool end = wv_epilog_end(b, i, n, pc, lo, hi);
    if (end && run && !wv_pop(u, 16)) /* the return address: into rip (slot 16 of the context) */
        return false;
    return end;
}

/* Reads the code at pc into b (WV_EPILOG_MAX bytes, fewer near the end of its mapping). */
static size_t wv_read_code(BYTE *b, DWORD64 pc)
{
    size_t n = WV_EPILOG_MAX;
    while (n && !wv_seh_read(b, pc, n))
        n /= 2;
    return n;
}

/* ---- the frame ---- */

static bool wv_read_fe(DWORD64 base, const RUNTIME_FUNCTION *fe, RUNTIME_FUNCTION *f)
{
    if (!wv_seh_read(f, (uintptr_t)fe, sizeof(*f)))
        return false;
    for (int k = 0; k < 8 && (f->UnwindData & 1); k++) /* an indirect entry */
        if (!wv_seh_read(f, base + (f->UnwindData & ~1u), sizeof(*f)))
            return false;
    return !(f->UnwindData & 1) && f->BeginAddress < f->EndAddress;
}

/* Whether the SET_FPREG of in ran by prolog offset reached (the frame register is set). */
static bool wv_fp_set(const struct wv_info *in, DWORD reached)
{
    for (size_t i = 0; i < in->count; i += wv_code_slots((in->code[i] >> 8) & 15, (BYTE)(in->code[i] >> 12)))
        if (((in->code[i] >> 8) & 15) == WV_SET_FPREG)
            return (in->code[i] & 0xff) <= reached;
    return false;
}

DWORD wv_seh_plan(DWORD64 base, DWORD64 pc, const RUNTIME_FUNCTION *fe, struct wv_plan *p)
{
    struct wv_info in; /* filled by wv_read_info; its 512 bytes of codes only as far as count */
    RUNTIME_FUNCTION f;
    p->nops = 0, p->epilog = 0, p->flags = 0, p->handler = NULL, p->data = NULL;
    if (!wv_read_fe(base, fe, &f) || !wv_read_info(base + f.UnwindData, &in))
        return STATUS_BAD_FUNCTION_TABLE;
    p->lo = base + f.BeginAddress, p->hi = base + f.EndAddress;
    DWORD reached = pc >= p->lo && pc - p->lo < in.prolog ? (DWORD)(pc - p->lo) : ~0u;
    p->frame_reg = in.frame_reg, p->frame_off = in.frame_off;
    p->fp = in.frame_reg && (reached == ~0u || wv_fp_set(&in, reached));
    size_t n = reached == ~0u ? wv_read_code(p->code, pc) : 0;
    if (n && wv_epilog(NULL, in.frame_reg, p->code, n, pc, p->lo, p->hi, false)) {
        p->epilog = (BYTE)n; /* no handler runs for a frame that is leaving */
        return 0;
    }
    for (int depth = 0;; depth++) {
        DWORD st = wv_decode_all(&in, depth ? ~0u : reached, p);
        if (st)
            return st;
        if (!(in.flags & UNW_FLAG_CHAININFO))
            break;
        if (depth == 32 || !wv_read_fe(base, (const RUNTIME_FUNCTION *)(uintptr_t)in.trailer, &f) ||
            !wv_read_info(base + f.UnwindData, &in))
            return STATUS_BAD_FUNCTION_TABLE;
    }
    DWORD rva;
    p->flags = in.flags & (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER);
    if (reached == ~0u && p->flags && wv_seh_read(&rva, in.trailer, 4)) {
        p->handler = (PEXCEPTION_ROUTINE)(uintptr_t)(base + rva);
        p->data = (PVOID)(uintptr_t)(in.trailer + 4);
    }
    return 0;
}

DWORD wv_seh_plan_run(const struct wv_plan *p, DWORD64 pc, DWORD type, CONTEXT *ctx, PEXCEPTION_ROUTINE *handler,
                      PVOID *data, DWORD64 *frame, KNONVOLATILE_CONTEXT_POINTERS *ptrs)
{
    struct wv_unwinder u;
    u.ptrs = ptrs;
    wv_unwinder_load(&u, ctx);
    *handler = NULL;
    if (data)
        *data = NULL;
    u.frame = p->fp ? *wv_reg(&u, p->frame_reg) - p->frame_off * 16u : u.r[4];
    *frame = u.frame;
    if (p->epilog) {
        if (!wv_epilog(&u, p->frame_reg, p->code, p->epilog, pc, p->lo, p->hi, true))
            return STATUS_BAD_STACK;
    } else {
        for (unsigned i = 0; i < p->nops; i++)
            if (!wv_do(&u, &p->ops[i]))
                return STATUS_BAD_STACK;
        if (!u.mach && !wv_pop(&u, 16))
            return STATUS_BAD_STACK;
        if (p->handler && (p->flags & type)) {
            *handler = p->handler;
            if (data)
                *data = p->data;
        }
    }
    wv_unwinder_store(&u, ctx);
    return 0;
}

DWORD wv_seh_virtual_unwind(DWORD type, DWORD64 base, DWORD64 pc, const RUNTIME_FUNCTION *fe, CONTEXT *ctx,
                            PEXCEPTION_ROUTINE *handler, PVOID *data, DWORD64 *frame,
                            KNONVOLATILE_CONTEXT_POINTERS *ptrs)
{
    struct wv_unwind_op ops[WV_UNWIND_OPS_MAX];
    struct wv_plan p = {.ops = ops, .cap = WV_UNWIND_OPS_MAX};
    *handler = NULL;
    if (data)
        *data = NULL;
    if (wv_seh_plan(base, pc, fe, &p))
        return STATUS_BAD_FUNCTION_TABLE;
    return wv_seh_plan_run(&p, pc, type, ctx, handler, data, frame, ptrs);
}
