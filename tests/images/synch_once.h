/* SPDX-License-Identifier: MIT */
/* synch_once.h - synch.exe's checks of one-time initialisation, waits on an address and
 * fiber-local storage (included by synch.c once; the list of checks is there). */

/* ---- one-time initialisation ---- */

static INIT_ONCE once = INIT_ONCE_STATIC_INIT;
static volatile LONG once_calls, once_seen;

static BOOL WINAPI once_cb(PINIT_ONCE o, PVOID param, PVOID *ctx)
{
    InterlockedIncrement(&once_calls);
    Sleep(20); /* the others arrive meanwhile and must wait */
    *ctx = param;
    return ((UINT_PTR)o->Ptr & 3) == 1; /* being initialised (waiters may have marked it) */
}

static DWORD WINAPI once_thread(LPVOID arg)
{
    (void)arg;
    void *ctx = NULL;
    if (InitOnceExecuteOnce(&once, once_cb, (void *)0x1000, &ctx) && ctx == (void *)0x1000)
        InterlockedIncrement(&once_seen);
    return 0;
}

static void once_execute(void)
{
    HANDLE t[8];
    for (int i = 0; i < 8; i++)
        t[i] = start(once_thread, NULL);
    BOOL ok = TRUE;
    for (int i = 0; i < 8; i++)
        ok &= join(t[i]);
    check("once_execute", ok && once_calls == 1 && once_seen == 8 && once.Ptr == (void *)0x1002);
}

static BOOL WINAPI once_fail_cb(PINIT_ONCE o, PVOID param, PVOID *ctx)
{
    (void)o, (void)param, (void)ctx;
    InterlockedIncrement(&once_calls);
    return FALSE;
}

static void once_failed(void)
{
    INIT_ONCE o;
    InitOnceInitialize(&o);
    once_calls = 0;
    SetLastError(0xdeadbeef);
    BOOL r1 = InitOnceExecuteOnce(&o, once_fail_cb, NULL, NULL);
    BOOL ok = !r1 && GetLastError() == 0xdeadbeef && o.Ptr == NULL;
    BOOL r2 = InitOnceExecuteOnce(&o, once_fail_cb, NULL, NULL);
    check("once_failed", ok && !r2 && once_calls == 2 && o.Ptr == NULL);
}

/* Whether the call failed with err, the word left at ptr. */
static BOOL fails(BOOL r, DWORD err, INIT_ONCE *o, UINT_PTR ptr)
{
    return !r && GetLastError() == err && (UINT_PTR)o->Ptr == ptr;
}

static void once_states(void)
{
    INIT_ONCE o = INIT_ONCE_STATIC_INIT;
    BOOL pending = FALSE, ok;
    void *ctx = NULL;
    ok = InitOnceBeginInitialize(&o, 0, &pending, &ctx) && pending && o.Ptr == (void *)1;
    ok = ok && fails(InitOnceBeginInitialize(&o, INIT_ONCE_CHECK_ONLY, &pending, &ctx), ERROR_GEN_FAILURE, &o, 1);
    ok = ok && fails(InitOnceComplete(&o, INIT_ONCE_INIT_FAILED, (void *)0xdeadbee0), ERROR_INVALID_PARAMETER, &o, 1);
    ok = ok && fails(InitOnceComplete(&o, 0, (void *)0xdeadbeef), ERROR_INVALID_PARAMETER, &o, 1);
    ok = ok && fails(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &pending, &ctx), ERROR_INVALID_PARAMETER, &o, 1);
    ok = ok && InitOnceComplete(&o, 0, (void *)0xdeadbee0) && o.Ptr == (void *)0xdeadbee2;
    ok = ok && InitOnceBeginInitialize(&o, INIT_ONCE_CHECK_ONLY, &pending, &ctx) && !pending &&
         ctx == (void *)0xdeadbee0;
    ok = ok && fails(InitOnceBeginInitialize(&o, INIT_ONCE_CHECK_ONLY | INIT_ONCE_ASYNC, &pending, &ctx),
                     ERROR_INVALID_PARAMETER, &o, 0xdeadbee2);
    InitOnceInitialize(&o);
    ok = ok && fails(InitOnceComplete(&o, INIT_ONCE_INIT_FAILED, NULL), ERROR_GEN_FAILURE, &o, 0);
    ok = ok && InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &pending, &ctx) && pending && o.Ptr == (void *)3;
    ok = ok && InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &pending, &ctx) && pending && o.Ptr == (void *)3;
    ok = ok && fails(InitOnceBeginInitialize(&o, 0, &pending, &ctx), ERROR_INVALID_PARAMETER, &o, 3);
    ok = ok && fails(InitOnceComplete(&o, INIT_ONCE_INIT_FAILED, NULL), ERROR_INVALID_PARAMETER, &o, 3);
    ok = ok && InitOnceComplete(&o, INIT_ONCE_ASYNC, (void *)0xdeadbee0) && o.Ptr == (void *)0xdeadbee2;
    check("once_states", ok);
}

static INIT_ONCE once_w = INIT_ONCE_STATIC_INIT;
static volatile LONG waiter_done;

static DWORD WINAPI once_waiter(LPVOID arg)
{
    (void)arg;
    BOOL pending = TRUE;
    void *ctx = NULL;
    if (InitOnceBeginInitialize(&once_w, 0, &pending, &ctx) && !pending && ctx == (void *)0x4440)
        waiter_done = 1;
    else
        waiter_done = 2;
    return 0;
}

static void once_wait(void)
{
    BOOL pending = FALSE;
    BOOL ok = InitOnceBeginInitialize(&once_w, 0, &pending, NULL) && pending;
    HANDLE t = start(once_waiter, NULL);
    Sleep(100);
    BOOL waited = waiter_done == 0;
    ok = ok && InitOnceComplete(&once_w, 0, (void *)0x4440);
    ok &= join(t);
    check("once_wait", ok && waited && waiter_done == 1);
}

typedef LONG(WINAPI *rtl_begin)(PINIT_ONCE, ULONG, PVOID *);

static void once_rtl(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    rtl_begin begin = (rtl_begin)GetProcAddress(nt, "RtlRunOnceBeginInitialize");
    rtl_begin complete = (rtl_begin)GetProcAddress(nt, "RtlRunOnceComplete"); /* its third: a PVOID */
    INIT_ONCE o = INIT_ONCE_STATIC_INIT;
    BOOL ok = begin && complete;
    ok = ok && begin(&o, INIT_ONCE_CHECK_ONLY, NULL) == (LONG)0xC0000001;   /* STATUS_UNSUCCESSFUL */
    ok = ok && begin(&o, 0, NULL) == 0x103;                                  /* STATUS_PENDING */
    ok = ok && begin(&o, INIT_ONCE_ASYNC, NULL) == (LONG)0xC000000D;        /* STATUS_INVALID_PARAMETER */
    ok = ok && ((LONG(WINAPI *)(PINIT_ONCE, ULONG, PVOID))complete)(&o, 0, (void *)0x40) == 0;
    check("once_rtl", ok && o.Ptr == (void *)0x42);
}

static void once_tests(void)
{
    once_execute();
    once_failed();
    once_states();
    once_wait();
    once_rtl();
}

/* ---- waits on an address ---- */

static void wa_args(void)
{
    LONG64 v = 0, cmp = 0, other = 1;
    SetLastError(0);
    BOOL ok = !WaitOnAddress(&v, &cmp, 3, 0) && GetLastError() == ERROR_INVALID_PARAMETER;
    check("wa_args", ok && WaitOnAddress(&v, &other, 8, INFINITE));
}

static void wa_timeout(void)
{
    LONG64 v = 0x1122334455667788, cmp = v;
    BOOL ok = TRUE;
    for (SIZE_T size = 1; size <= 8; size *= 2) {
        SetLastError(0);
        ok = ok && !WaitOnAddress(&v, &cmp, size, 10) && GetLastError() == ERROR_TIMEOUT;
    }
    check("wa_timeout", ok);
}

static volatile LONG wa_value, wa_entered, wa_woken;

static DWORD WINAPI wa_waiter(LPVOID arg)
{
    (void)arg;
    LONG zero = 0;
    InterlockedIncrement(&wa_entered);
    if (WaitOnAddress(&wa_value, &zero, sizeof(zero), INFINITE))
        InterlockedIncrement(&wa_woken);
    return 0;
}

static void wa_wake_counts(void)
{
    HANDLE t[3];
    for (int i = 0; i < 3; i++)
        t[i] = start(wa_waiter, NULL);
    while (wa_entered < 3)
        Sleep(1);
    Sleep(200); /* into their waits: the value is unchanged, so they sleep */
    WakeByAddressSingle((PVOID)&wa_value);
    Sleep(200);
    LONG one = wa_woken;
    WakeByAddressAll((PVOID)&wa_value);
    BOOL ok = TRUE;
    for (int i = 0; i < 3; i++)
        ok &= join(t[i]);
    check("wa_wake_counts", ok && one == 1 && wa_woken == 3);
}

static void wa_api_set(void)
{
    HMODULE set = GetModuleHandleA("api-ms-win-core-synch-l1-2-0.dll");
    HMODULE kb = GetModuleHandleA("kernelbase.dll");
    check("wa_api_set", set && set == kb && GetProcAddress(set, "WaitOnAddress") &&
                            GetProcAddress(LoadLibraryA("api-ms-win-core-synch-l1-1-0.dll"), "AcquireSRWLockShared"));
}

typedef LONG(WINAPI *rtl_wait)(const void *, const void *, SIZE_T, const LARGE_INTEGER *);
typedef void(WINAPI *rtl_wake)(const void *);

static void wa_rtl(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    rtl_wait wait = (rtl_wait)GetProcAddress(nt, "RtlWaitOnAddress");
    rtl_wake single = (rtl_wake)GetProcAddress(nt, "RtlWakeAddressSingle");
    rtl_wake all = (rtl_wake)GetProcAddress(nt, "RtlWakeAddressAll");
    LONG64 v = 5, cmp = 5;
    LARGE_INTEGER to;
    to.QuadPart = -100000; /* 10 ms */
    BOOL ok = wait && single && all;
    if (ok) {
        single(NULL), all(NULL), single(&v), all(&v); /* nobody waits: nothing happens */
        ok = wait(&v, &cmp, 5, NULL) == (LONG)0xC000000D && wait(&v, &cmp, 8, &to) == 0x102;
        cmp = 6;
        ok = ok && wait(&v, &cmp, 8, NULL) == 0 && v == 5;
    }
    check("wa_rtl", ok);
}

/* ---- fiber-local storage ---- */

static volatile LONG fls_calls;
static volatile LONG_PTR fls_sum;
static volatile DWORD fls_cb_thread;

static void WINAPI fls_cb(PVOID v)
{
    InterlockedIncrement(&fls_calls);
    InterlockedExchangeAdd64((LONG64 *)&fls_sum, (LONG_PTR)v);
    fls_cb_thread = GetCurrentThreadId();
}

static void fls_basic(void)
{
    SetLastError(0);
    BOOL ok = !FlsGetValue(0) && GetLastError() == ERROR_INVALID_PARAMETER;
    ok = ok && !FlsSetValue(0, (void *)1) && GetLastError() == ERROR_INVALID_PARAMETER;
    ok = ok && !FlsFree(0) && GetLastError() == ERROR_INVALID_PARAMETER;
    DWORD i = FlsAlloc(NULL);
    ok = ok && i != FLS_OUT_OF_INDEXES && i != 0 && !FlsGetValue(i) && FlsSetValue(i, (void *)0xdeadbeef);
    SetLastError(0xdeadbeef);
    ok = ok && FlsGetValue(i) == (void *)0xdeadbeef && GetLastError() == ERROR_SUCCESS;
    ok = ok && FlsFree(i) && !FlsFree(i) && GetLastError() == ERROR_INVALID_PARAMETER;
    DWORD j = FlsAlloc(NULL);
    check("fls_basic", ok && j == i && !FlsGetValue(j) && FlsFree(j));
}

static DWORD fls_index;
static HANDLE fls_set, fls_go;

static DWORD WINAPI fls_holder(LPVOID arg)
{
    FlsSetValue(fls_index, arg);
    SetEvent(fls_set);
    WaitForSingleObject(fls_go, 10000);
    return 0;
}

static void fls_free(void)
{
    fls_index = FlsAlloc(fls_cb);
    fls_set = CreateEventA(NULL, FALSE, FALSE, NULL);
    fls_go = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE a = start(fls_holder, (void *)0x10);
    WaitForSingleObject(fls_set, 10000);
    HANDLE b = start(fls_holder, (void *)0x200);
    WaitForSingleObject(fls_set, 10000);
    HANDLE c = start(fls_holder, NULL); /* NULL: no call */
    WaitForSingleObject(fls_set, 10000);
    FlsSetValue(fls_index, (void *)0x3000);
    fls_calls = 0, fls_sum = 0;
    BOOL freed = FlsFree(fls_index);
    LONG calls = fls_calls;
    LONG_PTR sum = fls_sum;
    SetEvent(fls_go);
    BOOL ok = join(a) & join(b) & join(c);
    check("fls_free", ok && freed && calls == 3 && sum == 0x3210 && fls_calls == 3);
}

static DWORD WINAPI fls_ender(LPVOID arg)
{
    FlsSetValue(fls_index, arg);
    return 0;
}

static void fls_thread_exit(void)
{
    fls_index = FlsAlloc(fls_cb);
    fls_calls = 0, fls_sum = 0, fls_cb_thread = 0;
    DWORD tid = 0;
    HANDLE t = CreateThread(NULL, 0, fls_ender, (void *)0x55, 0, &tid);
    BOOL ok = join(t);
    LONG calls = fls_calls;
    DWORD on = fls_cb_thread;
    ok = ok && join(start(fls_ender, NULL)) && fls_calls == 1; /* a NULL value: no call */
    FlsFree(fls_index);
    check("fls_thread_exit", ok && calls == 1 && fls_sum == 0x55 && on == tid);
}

static void wa_tests(void)
{
    wa_args();
    wa_timeout();
    wa_wake_counts();
    wa_api_set();
    wa_rtl();
}

static void fls_tests(void)
{
    fls_basic();
    fls_free();
    fls_thread_exit();
}
