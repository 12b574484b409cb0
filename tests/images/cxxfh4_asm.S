/* SPDX-License-Identifier: MIT */
/* cxxfh4_asm.S - functions whose language handler is __CxxFrameHandler4, with FuncInfo4
 * tables encoded by hand (cxxfh4.cpp drives them).
 *
 * int fh4_run(int mode):
 *   Track A;                       // state 0   (unwind: destructor with the object, frame+32)
 *   Track *P = &fh4_p_obj;         // state 1   (unwind: destructor of *(frame+40))
 *   try {                          // T1: states 2-5, its catches 6-8
 *       Track B;                   // state 3   (unwind: a funclet, fh4_unwind_b)
 *       try {                      // T2: state 4, its catch 5
 *           fh4_throw_in_t2(mode);
 *       } catch (int i) {          // fh4_c2: i at frame+56; 2: throw;  3: throw Thing(3)
 *       }                          //         continuation returned by the funclet
 *       fh4_throw_in_t1(mode);
 *   } catch (double d) {           // fh4_c1d: d at frame+64
 *   } catch (Thing &t) {           // fh4_c1: &t at frame+72; continuation in the tables
 *       if (t.v == 7) throw;
 *       if (t.v == 4) try { fh4_throw(40); }       // T3: state 7
 *                     catch (...) { note("all") }  // fh4_c3: state 8, separated IP map,
 *       note("back");                              //   two continuations, returns 1
 *   }
 *   destroy P, A
 *
 * fh4_bad1..3: Track X at frame+32, then fh4_throw(1); bad1's unwind entry leads to itself,
 * bad2's IP map names state 5 of a one-entry map, bad3's handler data is an RVA outside the
 * image. */

/* A compressed unsigned integer in its two-byte form (values below 16384). */
.macro CU2 v
    .byte ((((\v) << 2) | 1) & 0xff), (((\v) >> 6) & 0xff)
.endm

.macro FUNCLET_PROLOGUE
    movq %rdx, 16(%rsp)
    pushq %rbp
    .seh_pushreg %rbp
    subq $32, %rsp
    .seh_stackalloc 32
    .seh_endprologue
    movq %rdx, %rbp
.endm

.macro FUNCLET_EPILOGUE
    addq $32, %rsp
    popq %rbp
    retq
.endm

    .text
    .globl fh4_run
    .p2align 4
fh4_run:
    .seh_proc fh4_run
    .seh_handler __CxxFrameHandler4, @unwind, @except
    pushq %rbx
    .seh_pushreg %rbx
    subq $80, %rsp
    .seh_stackalloc 80
    .seh_endprologue
    movl %ecx, %ebx
    leaq 32(%rsp), %rcx
    movl $0x41, %edx
    callq fh4_track_ctor
    nop
R_S0:
    leaq fh4_p_obj(%rip), %rcx
    movq %rcx, 40(%rsp)
    movl $0x50, %edx
    callq fh4_track_ctor
    nop
R_S1:
    nop
R_S2:
    leaq 48(%rsp), %rcx
    movl $0x42, %edx
    callq fh4_track_ctor
    nop
R_S3:
    nop
R_S4:
    movl %ebx, %ecx
    callq fh4_throw_in_t2
    nop
R_AFTER_T2:
    movl %ebx, %ecx
    callq fh4_throw_in_t1
    nop
    leaq 48(%rsp), %rcx
    callq fh4_track_dtor
    nop
R_AFTER_T1:
    movq 40(%rsp), %rcx
    callq fh4_track_dtor
    nop
R_AFTER_P:
    leaq 32(%rsp), %rcx
    callq fh4_track_dtor
    nop
R_END:
    xorl %eax, %eax
    addq $80, %rsp
    popq %rbx
    retq
    .seh_handlerdata
    .long fi_run@IMGREL
    .text
    .seh_endproc

/* catch (int i) of T2 */
    .p2align 4
fh4_c2:
    .seh_proc fh4_c2
    .seh_handler __CxxFrameHandler4, @unwind, @except
    FUNCLET_PROLOGUE
    leaq str_int(%rip), %rcx
    movl 56(%rbp), %edx
    callq fh4_note
    nop
    cmpl $2, 56(%rbp)
    jne 1f
    xorl %ecx, %ecx
    xorl %edx, %edx
    callq _CxxThrowException
    nop
1:  cmpl $3, 56(%rbp)
    jne 2f
    movl $103, %ecx
    callq fh4_throw
    nop
2:  leaq R_AFTER_T2(%rip), %rax
    FUNCLET_EPILOGUE
    .seh_handlerdata
    .long fi_c2@IMGREL
    .text
    .seh_endproc

/* catch (double d) of T1 */
    .p2align 4
fh4_c1d:
    .seh_proc fh4_c1d
    .seh_handler __CxxFrameHandler4, @unwind, @except
    FUNCLET_PROLOGUE
    leaq str_dbl(%rip), %rcx
    cvttsd2si 64(%rbp), %edx
    callq fh4_note
    nop
    leaq R_AFTER_T1(%rip), %rax
    FUNCLET_EPILOGUE
    .seh_handlerdata
    .long fi_c1d@IMGREL
    .text
    .seh_endproc

/* catch (Thing &t) of T1 */
    .p2align 4
fh4_c1:
    .seh_proc fh4_c1
    .seh_handler __CxxFrameHandler4, @unwind, @except
    FUNCLET_PROLOGUE
    leaq str_thing(%rip), %rcx
    movq 72(%rbp), %rax
    movl (%rax), %edx
    callq fh4_note
    nop
    movq 72(%rbp), %rax
    cmpl $7, (%rax)
    jne 1f
    xorl %ecx, %ecx
    xorl %edx, %edx
    callq _CxxThrowException
    nop
1:  movq 72(%rbp), %rax
    cmpl $4, (%rax)
    jne C1_DONE
C1_T3:
    movl $40, %ecx
    callq fh4_throw
    nop
C1_CONT:
    leaq str_back(%rip), %rcx
    movl $-1, %edx
    callq fh4_note
    nop
C1_DONE:
    xorl %eax, %eax
    FUNCLET_EPILOGUE
    .seh_handlerdata
    .long fi_c1@IMGREL
    .text
    .seh_endproc

/* catch (...) of T3, inside fh4_c1 */
    .p2align 4
fh4_c3:
    .seh_proc fh4_c3
    .seh_handler __CxxFrameHandler4, @unwind, @except
    FUNCLET_PROLOGUE
    leaq str_all(%rip), %rcx
    movl $-1, %edx
    callq fh4_note
    nop
    movl $1, %eax
    FUNCLET_EPILOGUE
    .seh_handlerdata
    .long fi_c3@IMGREL
    .text
    .seh_endproc

/* B's unwind funclet: (unused, establisher frame) */
    .p2align 4
fh4_unwind_b:
    .seh_proc fh4_unwind_b
    movq %rdx, 16(%rsp)
    subq $40, %rsp
    .seh_stackalloc 40
    .seh_endprologue
    leaq 48(%rdx), %rcx
    callq fh4_track_dtor
    nop
    addq $40, %rsp
    retq
    .seh_endproc

.macro BADFN name, info
    .globl \name
    .p2align 4
\name:
    .seh_proc \name
    .seh_handler __CxxFrameHandler4, @unwind, @except
    subq $56, %rsp
    .seh_stackalloc 56
    .seh_endprologue
    leaq 32(%rsp), %rcx
    movl $0x58, %edx
    callq fh4_track_ctor
    nop
\name\()_s0:
    movl $1, %ecx
    callq fh4_throw
    nop
\name\()_end:
    addq $56, %rsp
    retq
    .seh_handlerdata
    .long \info
    .text
    .seh_endproc
.endm

    BADFN fh4_bad1, fi_bad1@IMGREL
    BADFN fh4_bad2, fi_bad2@IMGREL
    BADFN fh4_bad3, 0x7ffffff0

    .section .rdata,"dr"
str_int:   .asciz "int"
str_dbl:   .asciz "dbl"
str_thing: .asciz "thing"
str_back:  .asciz "back"
str_all:   .asciz "all"

/* header: 0x01 catch funclet, 0x02 separated IP map, 0x08 unwind map, 0x10 try map */
fi_run: .byte 0x18
    .long uw_map@IMGREL, try_map@IMGREL, ip_run@IMGREL
fi_c2: .byte 0x19
    .long uw_map@IMGREL, try_map@IMGREL, ip_c2@IMGREL
    .byte 56 << 1              /* the parent's frame: at the funclet's frame + 56 */
fi_c1d: .byte 0x19
    .long uw_map@IMGREL, try_map@IMGREL, ip_c1d@IMGREL
    .byte 56 << 1
fi_c1: .byte 0x19
    .long uw_map@IMGREL, try_map@IMGREL, ip_c1@IMGREL
    .byte 56 << 1
fi_c3: .byte 0x1b
    .long uw_map@IMGREL, try_map@IMGREL, sep_c3@IMGREL
    .byte 56 << 1

/* unwind map: (offset back to the next state's entry << 2 | type), [action RVA, [object]] */
uw_map: .byte 9 << 1
U0: CU2 ((1 << 2) | 1)                     /* A: -> -1, destructor of frame+32 */
    .long fh4_track_dtor@IMGREL
    .byte 32 << 1
U1: CU2 (((U1 - U0) << 2) | 2)             /* P: -> 0, destructor of *(frame+40) */
    .long fh4_track_dtor@IMGREL
    .byte 40 << 1
U2: CU2 (((U2 - U1) << 2) | 0)             /* T1: -> 1 */
U3: CU2 (((U3 - U2) << 2) | 3)             /* B: -> 2, funclet */
    .long fh4_unwind_b@IMGREL
U4: CU2 (((U4 - U3) << 2) | 0)             /* T2: -> 3 */
U5: CU2 (((U5 - U3) << 2) | 0)             /* T2's catch: -> 3 */
U6: CU2 (((U6 - U1) << 2) | 0)             /* T1's catch: -> 1 */
U7: CU2 (((U7 - U6) << 2) | 0)             /* T3: -> 6 */
U8: CU2 (((U8 - U6) << 2) | 0)             /* T3's catch: -> 6 */

/* try map, inner first: low, high, catch high, handlers RVA */
try_map: .byte 3 << 1
    .byte 4 << 1, 4 << 1, 5 << 1
    .long h_t2@IMGREL
    .byte 7 << 1, 7 << 1, 8 << 1
    .long h_t3@IMGREL
    .byte 2 << 1, 5 << 1, 8 << 1
    .long h_t1@IMGREL

/* handlers: header (0x01 adjectives, 0x02 type, 0x04 catch object, 0x08 continuations are
 * RVAs, 0x10 one continuation, 0x20 two), fields, handler RVA, continuations */
h_t2: .byte 1 << 1
    .byte 0x06
    .long "??_R0H@8"@IMGREL
    .byte 56 << 1
    .long fh4_c2@IMGREL
h_t1: .byte 2 << 1
    .byte 0x06
    .long "??_R0N@8"@IMGREL
    .byte 64 << 1
    .long fh4_c1d@IMGREL
    .byte 0x17
    .byte 8 << 1                           /* adjectives: reference */
    .long "??_R0?AUThing@@@8"@IMGREL
    .byte 72 << 1
    .long fh4_c1@IMGREL
    CU2 (R_AFTER_T1 - fh4_run)             /* function-relative continuation */
h_t3: .byte 1 << 1
    .byte 0x28
    .long fh4_c3@IMGREL
    .long C1_DONE@IMGREL, C1_CONT@IMGREL

/* IP maps: (delta from the previous IP, state + 1) */
ip_run: .byte 9 << 1
    CU2 (R_S0 - fh4_run)
    .byte 1 << 1
    CU2 (R_S1 - R_S0)
    .byte 2 << 1
    CU2 (R_S2 - R_S1)
    .byte 3 << 1
    CU2 (R_S3 - R_S2)
    .byte 4 << 1
    CU2 (R_S4 - R_S3)
    .byte 5 << 1
    CU2 (R_AFTER_T2 - R_S4)
    .byte 4 << 1
    CU2 (R_AFTER_T1 - R_AFTER_T2)
    .byte 2 << 1
    CU2 (R_AFTER_P - R_AFTER_T1)
    .byte 1 << 1
    CU2 (R_END - R_AFTER_P)
    .byte 0
ip_c2: .byte 1 << 1
    .byte 0, 6 << 1
ip_c1d: .byte 1 << 1
    .byte 0, 7 << 1
ip_c1: .byte 3 << 1
    .byte 0, 7 << 1
    CU2 (C1_T3 - fh4_c1)
    .byte 8 << 1
    CU2 (C1_CONT - C1_T3)
    .byte 7 << 1
sep_c3: .byte 1 << 1
    .long fh4_c3@IMGREL, ip_c3@IMGREL
ip_c3: .byte 1 << 1
    .byte 0, 9 << 1

/* corrupt tables */
fi_bad1: .byte 0x08
    .long uw_bad1@IMGREL, ip_bad1@IMGREL
uw_bad1: .byte 1 << 1
    CU2 ((0 << 2) | 1)                     /* leads to itself */
    .long fh4_track_dtor@IMGREL
    .byte 32 << 1
ip_bad1: .byte 2 << 1
    CU2 (fh4_bad1_s0 - fh4_bad1)
    .byte 1 << 1
    CU2 (fh4_bad1_end - fh4_bad1_s0)
    .byte 0
fi_bad2: .byte 0x08
    .long uw_bad2@IMGREL, ip_bad2@IMGREL
uw_bad2: .byte 1 << 1
    CU2 ((1 << 2) | 1)
    .long fh4_track_dtor@IMGREL
    .byte 32 << 1
ip_bad2: .byte 2 << 1
    CU2 (fh4_bad2_s0 - fh4_bad2)
    .byte 6 << 1                           /* state 5: the map has one entry */
    CU2 (fh4_bad2_end - fh4_bad2_s0)
    .byte 0
