/* SPDX-License-Identifier: MIT */
/* winvm/procmem.h - memory of another process beyond winvm.h's *Ex calls: Windows' names,
 * types and values (docs/processes.md says how another process is reached). */
#ifndef WINVM_PROCMEM_H
#define WINVM_PROCMEM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Another process: its handle needs PROCESS_VM_WRITE; x86-64 keeps instruction caches
 * coherent, so nothing more is done. */
WINBASEAPI BOOL WINAPI FlushInstructionCache(HANDLE hProcess, LPCVOID lpBaseAddress, SIZE_T dwSize);

#ifdef __cplusplus
}
#endif
#endif
