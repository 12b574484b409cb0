/* SPDX-License-Identifier: MIT */
/* threads.c - threads.exe: Windows threads in a `winvm run` program.  CRT-free (mingw-w64,
 * -nostdlib -e start -Wl,--subsystem,console, -lkernel32 only), built by tests/CMakeLists.txt
 * into WINVM_PE_IMAGES_DIR.  Default EXE layout (ImageBase 0x140000000, DYNAMIC_BASE, .reloc;
 * stack reserve 2 MiB, commit 4 KiB: ld's defaults, which CreateThread(stack size 0) uses).
 *
 * Imports KERNEL32.dll: GetStdHandle, WriteFile, CreateThread, ExitThread,
 * WaitForSingleObject, GetExitCodeThread, ResumeThread, CloseHandle, GetCurrentThreadId, Sleep,
 * TlsAlloc, TlsFree, TlsSetValue, TlsGetValue, VirtualAlloc, VirtualFree.  ___chkstk_ms (gcc's
 * stack probe for frames over 4 KiB, normally from libgcc) is defined below as in vm.c.
 *
 * Static TLS exactly as tlsdata.c: this file declares _tls_used (DataDirectory[9]) with
 *   StartAddressOfRawData/EndAddressOfRawData = a 16-byte template in .tls,
 *     bytes 5a 5b 5c 5d 01 02 ... 0c
 *   SizeOfZeroFill = 4096 (each thread's block is 16 + 4096 bytes)
 *   AddressOfIndex = &_tls_index (a ULONG in .data, initialised to 0x7777)
 *   AddressOfCallBacks = { tls_cb, NULL }: tls_cb counts its calls per reason (0..3) with
 *     atomic increments and, for DLL_THREAD_ATTACH, checks that the calling thread's static
 *     TLS block (gs:[0x58][_tls_index]) already exists and starts with 5a 5b 5c 5d.
 *
 * Threads created (7 in all, every one with stack size 0, i.e. the EXE's default):
 *   4 workers (i = 0..3, flags 0), 1 "waiter" (spins on a volatile flag with Sleep(1)),
 *   1 "exiter" (ExitThread(77) from a nested function), 1 "suspended" (CREATE_SUSPENDED).
 * Each worker: records GetCurrentThreadId, %gs:0x30 (TEB Self) and its static TLS block
 * address; checks the block holds the template + zero fill; TlsGetValue(slot) of a TlsAlloc'ed
 * slot is NULL, then TlsSetValue(slot, 0x1000+i); writes its thread id into block[16..19] and
 * into the shared VirtualAlloc'ed page (DWORD [i]); waits (Sleep(1) loop, at most ~2 s) until
 * all 4 workers got that far, Sleep(10), then reads back its block's id and TlsGetValue(slot);
 * recurses 50 frames of 4 KiB each (~205 KiB, as vm.c); returns 100+i.
 * The main thread first stores its own id in its block[16..19] and TlsSetValue(slot, 0x77).
 *
 * Output: one line per check, in this order, "ok NAME\n" or "FAIL NAME\n" (nothing else):
 *   tls_alloc          TlsAlloc() != TLS_OUT_OF_INDEXES; VirtualAlloc of the shared page
 *                      (4 KiB, MEM_RESERVE|MEM_COMMIT, PAGE_READWRITE) != NULL
 *   create             4 CreateThread calls returned non-NULL handles and nonzero thread ids
 *   wait               WaitForSingleObject(h[i], INFINITE) == WAIT_OBJECT_0 (0) for each
 *   exit_code          GetExitCodeThread(h[i]) succeeds and gives 100+i
 *   thread_id          each worker's GetCurrentThreadId == the id CreateThread returned for
 *                      it, != the main thread's, and the 4 ids are pairwise different
 *   teb_self           each worker's %gs:0x30 is non-NULL, its +0x30 field equals it, it differs
 *                      from the main thread's and the 4 are pairwise different
 *   tls_block          each worker's static TLS block is non-NULL, is not the image's template,
 *                      differs from the main thread's block and the 4 are pairwise different
 *   tls_template       each worker's block held the 16 template bytes then 4096 zero bytes
 *   tls_private        each worker read back its own id from its block after Sleep(10) while
 *                      the others wrote theirs; the main thread's block still holds its id
 *   tls_dynamic        each worker's TlsGetValue(slot) was NULL before its TlsSetValue and
 *                      0x1000+i after the Sleep(10); the main thread still reads 0x77
 *   shared_memory      the main thread sees each worker's id in the shared page
 *   thread_stack       each worker's 50-frame recursion returned intact, deepest frame
 *                      >= 49 * 4 KiB below the first (the thread's stack grew)
 *   close              CloseHandle of the 4 worker handles returns nonzero
 *   still_active       the waiter (flag not yet set): GetExitCodeThread gives STILL_ACTIVE (259)
 *   wait_timeout       WaitForSingleObject(waiter, 50) == WAIT_TIMEOUT (258) while it waits
 *   wait_finish        after the flag is set: WaitForSingleObject(waiter, INFINITE) == 0,
 *                      exit code 5, WaitForSingleObject(waiter, 0) == 0 again, CloseHandle ok
 *   exit_thread        the exiter ran up to ExitThread(77) (called two functions deep), never
 *                      past it, and its exit code is 77; CloseHandle ok
 *   suspended          CREATE_SUSPENDED: its flag is still 0 after Sleep(50) (and
 *                      GetExitCodeThread gives STILL_ACTIVE), ResumeThread returns 1 (the
 *                      previous suspend count), then it runs: wait == 0, flag 1, exit code 9,
 *                      its GetCurrentThreadId == the id CreateThread returned; CloseHandle ok
 *   suspended_attach   no DLL_THREAD_ATTACH callback ran while it stayed suspended (Windows
 *                      runs it in the new thread, when the thread first runs)
 *   tls_callback_process  after all 7 threads ended: exactly 1 DLL_PROCESS_ATTACH (1) call and
 *                      no DLL_PROCESS_DETACH (0) call
 *   tls_callback_attach   exactly 7 DLL_THREAD_ATTACH (2) calls: one per thread created
 *   tls_callback_detach   exactly 7 DLL_THREAD_DETACH (3) calls: one per thread created
 *   tls_callback_block    every DLL_THREAD_ATTACH call found its thread's static TLS block set
 *                         up (non-NULL, not the main thread's, template head 5a 5b 5c 5d)
 *   cleanup            TlsFree(slot) and VirtualFree(page, 0, MEM_RELEASE) succeed
 * Exit code: the number of FAIL lines (0 when everything passed).  A check whose thread could
 * not be created FAILs without waiting on it.
 */
#include "exe_util.h"

EU_DEFINE_CHKSTK

#define TLS_TEMPLATE_SIZE 16
#define TLS_ZERO_FILL 4096
#define TLS_INDEX_UNSET 0x7777
#define NWORKERS 4
#define NTHREADS (NWORKERS + 3)

/* ---- static TLS, as tlsdata.c ---- */
__attribute__((section(".tls"), used)) unsigned char tls_template[TLS_TEMPLATE_SIZE] = {
    0x5a, 0x5b, 0x5c, 0x5d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
static const unsigned char tls_expected[TLS_TEMPLATE_SIZE] = {
    0x5a, 0x5b, 0x5c, 0x5d, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};

ULONG _tls_index = TLS_INDEX_UNSET;

static volatile LONG cb_count[4]; /* per reason: 0 process detach .. 3 thread detach */
static volatile LONG cb_other;    /* calls with any other reason */
static volatile LONG cb_block_bad;
static unsigned char *volatile main_block;

static inline ULONG64 gs_qword(ULONG off)
{
    ULONG64 v;
    __asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"((ULONG64)off));
    return v;
}

/* This thread's static TLS block (NULL when there is none or the index was never set). */
static volatile unsigned char *my_block(void)
{
    ULONG index = *(volatile ULONG *)&_tls_index;
    void **arr = (void **)gs_qword(0x58);
    if (!arr || index == TLS_INDEX_UNSET)
        return NULL;
    return (volatile unsigned char *)arr[index];
}

static void NTAPI tls_cb(PVOID h, DWORD reason, PVOID reserved)
{
    (void)h, (void)reserved;
    if (reason < 4)
        __atomic_add_fetch(&cb_count[reason], 1, __ATOMIC_SEQ_CST);
    else
        __atomic_add_fetch(&cb_other, 1, __ATOMIC_SEQ_CST);
    if (reason == DLL_THREAD_ATTACH) {
        volatile unsigned char *b = my_block();
        if (!b || b == (volatile unsigned char *)main_block || b[0] != 0x5a || b[1] != 0x5b ||
            b[2] != 0x5c || b[3] != 0x5d)
            __atomic_add_fetch(&cb_block_bad, 1, __ATOMIC_SEQ_CST);
    }
}

PIMAGE_TLS_CALLBACK tls_callbacks[2] = {tls_cb, 0};

__attribute__((used)) const IMAGE_TLS_DIRECTORY64 _tls_used = {
    (ULONGLONG)(ULONG_PTR)&tls_template[0],
    (ULONGLONG)(ULONG_PTR)&tls_template[TLS_TEMPLATE_SIZE],
    (ULONGLONG)(ULONG_PTR)&_tls_index,
    (ULONGLONG)(ULONG_PTR)tls_callbacks,
    TLS_ZERO_FILL,
    0};

/* ---- shared state ---- */
static DWORD tls_slot = TLS_OUT_OF_INDEXES;
static volatile DWORD *shared_page;
static volatile LONG workers_ready;

struct worker {
    int i;
    DWORD tid;           /* GetCurrentThreadId in the thread */
    ULONG64 teb;         /* %gs:0x30 in the thread */
    int teb_ok;          /* the TEB's Self field equals %gs:0x30 */
    volatile unsigned char *block;
    int template_ok, private_ok, dyn_null, dyn_ok, stack_ok;
};
static struct worker workers[NWORKERS];

/* As vm.c: not inlined, not a tail call, each frame keeps its 4 KiB until the inner calls
 * return. */
__attribute__((noinline)) static int recurse(int depth, volatile char **deepest)
{
    volatile char buf[4096];
    int ok;
    for (int i = 0; i < 4096; i += 128)
        buf[i] = (char)(depth * 3 + i / 128);
    buf[4095] = (char)depth;
    ok = depth > 1 ? recurse(depth - 1, deepest) : (*deepest = buf, 0);
    int intact = buf[4095] == (char)depth;
    for (int i = 0; i < 4096; i += 128)
        intact &= buf[i] == (char)(depth * 3 + i / 128);
    return ok + intact;
}

static int stack_grows(void)
{
    volatile char top[16];
    volatile char *deepest = NULL;
    top[0] = 1;
    int frames = recurse(50, &deepest);
    return frames == 50 && deepest && (ULONG_PTR)top - (ULONG_PTR)deepest >= 49 * 4096 &&
           top[0] == 1;
}

static DWORD WINAPI worker_proc(LPVOID arg)
{
    struct worker *w = arg;
    int i = w->i;
    DWORD tid = GetCurrentThreadId();
    w->tid = tid;
    w->teb = gs_qword(0x30);
    w->teb_ok = w->teb != 0 && *(volatile ULONG64 *)(w->teb + 0x30) == w->teb;

    volatile unsigned char *b = my_block();
    w->block = b;
    int ok = b != NULL;
    for (int k = 0; ok && k < TLS_TEMPLATE_SIZE; k++)
        ok = b[k] == tls_expected[k];
    for (int k = 0; ok && k < TLS_ZERO_FILL; k++)
        ok = b[TLS_TEMPLATE_SIZE + k] == 0;
    w->template_ok = ok;

    w->dyn_null = TlsGetValue(tls_slot) == NULL;
    TlsSetValue(tls_slot, (LPVOID)(ULONG_PTR)(0x1000 + i));

    if (b)
        *(volatile DWORD *)(b + TLS_TEMPLATE_SIZE) = tid;
    if (shared_page)
        shared_page[i] = tid;

    /* All workers have written theirs (or ~2 s went by), then a little more time. */
    __atomic_add_fetch(&workers_ready, 1, __ATOMIC_SEQ_CST);
    for (int n = 0; n < 2000 && __atomic_load_n(&workers_ready, __ATOMIC_SEQ_CST) < NWORKERS; n++)
        Sleep(1);
    Sleep(10);

    w->private_ok = b && *(volatile DWORD *)(b + TLS_TEMPLATE_SIZE) == tid && my_block() == b;
    w->dyn_ok = TlsGetValue(tls_slot) == (LPVOID)(ULONG_PTR)(0x1000 + i);
    w->stack_ok = stack_grows();
    return 100 + i;
}

static volatile int waiter_go;
static DWORD WINAPI waiter_proc(LPVOID arg)
{
    (void)arg;
    while (!waiter_go)
        Sleep(1);
    return 5;
}

static volatile int exiter_before, exiter_after;
__attribute__((noinline)) static void exiter_inner(void)
{
    exiter_before = 1;
    ExitThread(77);
}
__attribute__((noinline)) static void exiter_outer(void)
{
    exiter_inner();
    exiter_after = 1; /* never runs */
}
static DWORD WINAPI exiter_proc(LPVOID arg)
{
    (void)arg;
    exiter_outer();
    exiter_after = 2; /* never runs */
    return 1;
}

static volatile int susp_ran;
static volatile DWORD susp_tid;
static DWORD WINAPI susp_proc(LPVOID arg)
{
    (void)arg;
    susp_tid = GetCurrentThreadId();
    susp_ran = 1;
    return 9;
}

int start(void)
{
    int ok;
    DWORD code;
    DWORD main_tid = GetCurrentThreadId();
    ULONG64 main_teb = gs_qword(0x30);
    volatile unsigned char *mb = my_block();
    main_block = (unsigned char *)mb;
    if (mb)
        *(volatile DWORD *)(mb + TLS_TEMPLATE_SIZE) = main_tid;

    tls_slot = TlsAlloc();
    ok = tls_slot != TLS_OUT_OF_INDEXES && TlsSetValue(tls_slot, (LPVOID)0x77);
    shared_page = VirtualAlloc(NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    eu_check("tls_alloc", ok && shared_page != NULL);

    /* ---- 4 workers ---- */
    HANDLE h[NWORKERS];
    DWORD ids[NWORKERS];
    int created = 1;
    for (int i = 0; i < NWORKERS; i++) {
        workers[i].i = i;
        ids[i] = 0;
        h[i] = CreateThread(NULL, 0, worker_proc, &workers[i], 0, &ids[i]);
        created &= h[i] != NULL && ids[i] != 0;
    }
    eu_check("create", created);

    ok = 1;
    for (int i = 0; i < NWORKERS; i++)
        ok &= h[i] && WaitForSingleObject(h[i], INFINITE) == WAIT_OBJECT_0;
    eu_check("wait", ok);

    ok = 1;
    for (int i = 0; i < NWORKERS; i++) {
        code = 0;
        ok &= h[i] && GetExitCodeThread(h[i], &code) && code == (DWORD)(100 + i);
    }
    eu_check("exit_code", ok);

    ok = created;
    for (int i = 0; ok && i < NWORKERS; i++) {
        ok = workers[i].tid == ids[i] && workers[i].tid != main_tid;
        for (int j = 0; ok && j < i; j++)
            ok = workers[i].tid != workers[j].tid;
    }
    eu_check("thread_id", ok);

    ok = created && main_teb != 0;
    for (int i = 0; ok && i < NWORKERS; i++) {
        ok = workers[i].teb_ok && workers[i].teb != main_teb;
        for (int j = 0; ok && j < i; j++)
            ok = workers[i].teb != workers[j].teb;
    }
    eu_check("teb_self", ok);

    ok = created && mb != NULL;
    for (int i = 0; ok && i < NWORKERS; i++) {
        ok = workers[i].block && workers[i].block != mb && workers[i].block != tls_template;
        for (int j = 0; ok && j < i; j++)
            ok = workers[i].block != workers[j].block;
    }
    eu_check("tls_block", ok);

    ok = created;
    for (int i = 0; ok && i < NWORKERS; i++)
        ok = workers[i].template_ok;
    eu_check("tls_template", ok);

    ok = created && mb && *(volatile DWORD *)(mb + TLS_TEMPLATE_SIZE) == main_tid &&
         my_block() == mb;
    for (int i = 0; ok && i < NWORKERS; i++)
        ok = workers[i].private_ok;
    eu_check("tls_private", ok);

    ok = created && tls_slot != TLS_OUT_OF_INDEXES && TlsGetValue(tls_slot) == (LPVOID)0x77;
    for (int i = 0; ok && i < NWORKERS; i++)
        ok = workers[i].dyn_null && workers[i].dyn_ok;
    eu_check("tls_dynamic", ok);

    ok = created && shared_page;
    for (int i = 0; ok && i < NWORKERS; i++)
        ok = shared_page[i] == ids[i];
    eu_check("shared_memory", ok);

    ok = created;
    for (int i = 0; ok && i < NWORKERS; i++)
        ok = workers[i].stack_ok;
    eu_check("thread_stack", ok);

    ok = 1;
    for (int i = 0; i < NWORKERS; i++)
        ok &= h[i] && CloseHandle(h[i]);
    eu_check("close", ok);

    /* ---- a thread that is still running ---- */
    HANDLE hw = CreateThread(NULL, 0, waiter_proc, NULL, 0, NULL);
    code = 0;
    eu_check("still_active", hw && GetExitCodeThread(hw, &code) && code == STILL_ACTIVE);
    eu_check("wait_timeout", hw && WaitForSingleObject(hw, 50) == WAIT_TIMEOUT);
    waiter_go = 1;
    code = 0;
    ok = hw && WaitForSingleObject(hw, INFINITE) == WAIT_OBJECT_0 && GetExitCodeThread(hw, &code) &&
         code == 5 && WaitForSingleObject(hw, 0) == WAIT_OBJECT_0 && CloseHandle(hw);
    eu_check("wait_finish", ok);

    /* ---- ExitThread from a nested function ---- */
    HANDLE he = CreateThread(NULL, 0, exiter_proc, NULL, 0, NULL);
    code = 0;
    ok = he && WaitForSingleObject(he, INFINITE) == WAIT_OBJECT_0 && GetExitCodeThread(he, &code) &&
         code == 77 && exiter_before == 1 && exiter_after == 0 && CloseHandle(he);
    eu_check("exit_thread", ok);

    /* ---- CREATE_SUSPENDED ---- */
    DWORD sid = 0;
    LONG attach_before = __atomic_load_n(&cb_count[DLL_THREAD_ATTACH], __ATOMIC_SEQ_CST);
    HANDLE hs = CreateThread(NULL, 0, susp_proc, NULL, CREATE_SUSPENDED, &sid);
    Sleep(50);
    int not_run = hs && susp_ran == 0;
    code = 0;
    not_run = not_run && GetExitCodeThread(hs, &code) && code == STILL_ACTIVE;
    LONG attach_suspended = __atomic_load_n(&cb_count[DLL_THREAD_ATTACH], __ATOMIC_SEQ_CST);
    ok = not_run && ResumeThread(hs) == 1;
    code = 0;
    ok = ok && WaitForSingleObject(hs, INFINITE) == WAIT_OBJECT_0 && susp_ran == 1 &&
         GetExitCodeThread(hs, &code) && code == 9 && sid != 0 && susp_tid == sid &&
         CloseHandle(hs);
    eu_check("suspended", ok);
    eu_check("suspended_attach", hs && attach_suspended == attach_before);

    /* ---- the TLS callback's counts, all threads having ended ---- */
    eu_check("tls_callback_process", cb_count[DLL_PROCESS_ATTACH] == 1 &&
                                         cb_count[DLL_PROCESS_DETACH] == 0 && cb_other == 0);
    eu_check("tls_callback_attach", cb_count[DLL_THREAD_ATTACH] == NTHREADS);
    eu_check("tls_callback_detach", cb_count[DLL_THREAD_DETACH] == NTHREADS);
    eu_check("tls_callback_block", cb_count[DLL_THREAD_ATTACH] > 0 && cb_block_bad == 0);

    ok = tls_slot != TLS_OUT_OF_INDEXES && TlsFree(tls_slot) && shared_page &&
         VirtualFree((void *)shared_page, 0, MEM_RELEASE);
    eu_check("cleanup", ok);
    return *eu_failures();
}
