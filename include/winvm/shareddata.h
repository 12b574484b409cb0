/* SPDX-License-Identifier: MIT */
/* winvm/shareddata.h - KUSER_SHARED_DATA, the read-only page Windows maps at 0x7ffe0000 in
 * every process (ntddk.h's layout, x64), and the processor features it lists.
 * Part of <winvm.h>.
 *
 * `winvm run` maps the page before the program's first instruction; a C program that wants it
 * (it runs PE code that reads the page, or reads it itself) asks with
 * winvm_map_user_shared_data().  docs/shareddata.md says what each field holds and how the
 * time fields are kept current. */
#ifndef WINVM_SHAREDDATA_H
#define WINVM_SHAREDDATA_H

#include <winvm/base.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MM_SHARED_USER_DATA_VA 0x7FFE0000
#define PROCESSOR_FEATURE_MAX 64

/* The processor features (IsProcessorFeaturePresent, KUSER_SHARED_DATA.ProcessorFeatures). */
#define PF_COMPARE_EXCHANGE_DOUBLE 2
#define PF_MMX_INSTRUCTIONS_AVAILABLE 3
#define PF_XMMI_INSTRUCTIONS_AVAILABLE 6
#define PF_3DNOW_INSTRUCTIONS_AVAILABLE 7
#define PF_RDTSC_INSTRUCTION_AVAILABLE 8
#define PF_PAE_ENABLED 9
#define PF_XMMI64_INSTRUCTIONS_AVAILABLE 10
#define PF_SSE_DAZ_MODE_AVAILABLE 11
#define PF_NX_ENABLED 12
#define PF_SSE3_INSTRUCTIONS_AVAILABLE 13
#define PF_COMPARE_EXCHANGE128 14
#define PF_XSAVE_ENABLED 17
#define PF_RDWRFSGSBASE_AVAILABLE 22
#define PF_FASTFAIL_AVAILABLE 23
#define PF_RDRAND_INSTRUCTION_AVAILABLE 28
#define PF_RDTSCP_INSTRUCTION_AVAILABLE 32
#define PF_RDPID_INSTRUCTION_AVAILABLE 33
#define PF_SSSE3_INSTRUCTIONS_AVAILABLE 36
#define PF_SSE4_1_INSTRUCTIONS_AVAILABLE 37
#define PF_SSE4_2_INSTRUCTIONS_AVAILABLE 38
#define PF_AVX_INSTRUCTIONS_AVAILABLE 39
#define PF_AVX2_INSTRUCTIONS_AVAILABLE 40
#define PF_AVX512F_INSTRUCTIONS_AVAILABLE 41
#define PF_ERMS_AVAILABLE 42

/* A time the kernel updates while user code reads it: read High1Time, LowPart, High2Time and
 * read again while the two high parts differ. */
typedef struct _KSYSTEM_TIME {
    ULONG LowPart;
    LONG High1Time;
    LONG High2Time;
} KSYSTEM_TIME, *PKSYSTEM_TIME;

typedef struct _KUSER_SHARED_DATA {
    ULONG TickCountLowDeprecated;        /* 0x000 */
    ULONG TickCountMultiplier;           /* 0x004: ms = ticks * this >> 24 */
    volatile KSYSTEM_TIME InterruptTime; /* 0x008: 100 ns since boot */
    volatile KSYSTEM_TIME SystemTime;    /* 0x014: 100 ns since 1601, UTC */
    volatile KSYSTEM_TIME TimeZoneBias;  /* 0x020: UTC - local, 100 ns */
    USHORT ImageNumberLow;               /* 0x02c */
    USHORT ImageNumberHigh;              /* 0x02e */
    WCHAR NtSystemRoot[260];             /* 0x030 */
    ULONG MaxStackTraceDepth;            /* 0x238 */
    ULONG CryptoExponent;                /* 0x23c */
    ULONG TimeZoneId;                    /* 0x240 */
    ULONG LargePageMinimum;              /* 0x244 */
    ULONG Reserved244[6];                /* 0x248 */
    ULONG NtBuildNumber;                 /* 0x260 */
    ULONG NtProductType;                 /* 0x264 */
    BYTE ProductTypeIsValid;          /* 0x268 */
    BYTE Reserved269;
    USHORT NativeProcessorArchitecture;  /* 0x26a */
    ULONG NtMajorVersion;                /* 0x26c */
    ULONG NtMinorVersion;                /* 0x270 */
    BYTE ProcessorFeatures[PROCESSOR_FEATURE_MAX]; /* 0x274 */
    ULONG Reserved2b4[5];                /* 0x2b4 */
    ULONGLONG SystemExpirationDate;        /* 0x2c8 */
    ULONG SuiteMask;                     /* 0x2d0 */
    BYTE KdDebuggerEnabled;           /* 0x2d4 */
    BYTE NXSupportPolicy;                /* 0x2d5 */
    USHORT CyclesPerYield;               /* 0x2d6 */
    volatile ULONG ActiveConsoleId;      /* 0x2d8 */
    volatile ULONG DismountCount;        /* 0x2dc */
    ULONG ComPlusPackage;                /* 0x2e0 */
    ULONG LastSystemRITEventTickCount;   /* 0x2e4 */
    ULONG NumberOfPhysicalPages;         /* 0x2e8 */
    BYTE SafeBootMode;                /* 0x2ec */
    BYTE VirtualizationFlags;            /* 0x2ed */
    BYTE Reserved2ee[2];
    ULONG SharedDataFlags;               /* 0x2f0 */
    ULONG DataFlagsPad;
    ULONGLONG TestRetInstruction;          /* 0x2f8 */
    LONGLONG QpcFrequency;                 /* 0x300 */
    ULONG SystemCall;                    /* 0x308 */
    ULONG UserCetAvailableEnvironments;  /* 0x30c */
    ULONGLONG SystemCallPad[2];            /* 0x310 */
    union {
        volatile KSYSTEM_TIME TickCount; /* 0x320: clock ticks since boot */
        volatile ULONGLONG TickCountQuad;
    };
    ULONG Cookie;                        /* 0x330 */
    ULONG CookiePad;
    BYTE Reserved338[0x3b0 - 0x338];
    volatile ULONGLONG InterruptTimeBias;  /* 0x3b0 */
    volatile ULONGLONG QpcBias;            /* 0x3b8 */
    ULONG ActiveProcessorCount;          /* 0x3c0 */
    volatile BYTE ActiveGroupCount;      /* 0x3c4 */
    BYTE Reserved3c5;
    USHORT QpcData;                      /* 0x3c6 */
    LARGE_INTEGER TimeZoneBiasEffectiveStart; /* 0x3c8 */
    LARGE_INTEGER TimeZoneBiasEffectiveEnd;   /* 0x3d0 */
    BYTE XState[0x338];                  /* 0x3d8: XSTATE_CONFIGURATION (winvm: x87 and SSE only) */
} KUSER_SHARED_DATA, *PKUSER_SHARED_DATA;

/* Maps the page at MM_SHARED_USER_DATA_VA in this process (once; later calls return the same
 * page) and keeps its time fields current.  The page, or NULL with the last error
 * (ERROR_INVALID_ADDRESS: something else is mapped there). */
const KUSER_SHARED_DATA *winvm_map_user_shared_data(void);

WINBASEAPI BOOL WINAPI IsProcessorFeaturePresent(DWORD ProcessorFeature);
/* The XSTATE features enabled for thread contexts: x87 and SSE (XSTATE_MASK_LEGACY, 3).  winvm's
 * CONTEXTs carry no extended state (no CONTEXT_XSTATE), so AVX and later parts are not among
 * them even where the CPU has them, as on a Windows whose XSAVE support is off.  ntdll's
 * RtlGetEnabledExtendedFeatures(mask) is this & mask. */
WINBASEAPI DWORD64 WINAPI GetEnabledXStateFeatures(void);
/* The page's InterruptTime less InterruptTimeBias: 100 ns units since boot, at the last tick. */
WINBASEAPI BOOL WINAPI QueryUnbiasedInterruptTime(ULONGLONG *UnbiasedTime);

#ifdef __cplusplus
}
#endif

#endif /* WINVM_SHAREDDATA_H */
