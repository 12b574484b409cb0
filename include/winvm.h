/* SPDX-License-Identifier: MIT */
/* winvm.h - Windows' virtual-memory API on the Linux MMU.
 *
 * Names, types, constant values and error codes are Win32's, so code written for
 * <windows.h> memory APIs compiles unchanged.  Functions use the platform's C calling
 * convention (WINAPI expands to nothing); PE code reaches them through ms_abi thunks.
 */
#ifndef WINVM_H
#define WINVM_H

#include <winvm/base.h>
#include <winvm/memory.h>
#include <winvm/sysinfo.h>
#include <winvm/kernel32.h>
#include <winvm/file.h>
#include <winvm/process.h>
#include <winvm/text.h>
#include <winvm/console.h> /* console input records */
#include <winvm/pipe.h> /* named pipes and overlapped I/O */
#include <winvm/sysname.h>
#include <winvm/heap.h>
#include <winvm/procmem.h>
#include <winvm/namedsync.h> /* named events, mutexes, semaphores across processes */
#include <winvm/timer.h> /* waitable timers */
#include <winvm/procview.h> /* views in another process, PulseEvent */
#include <winvm/debug.h>
#include <winvm/registry.h> /* advapi32: the registry and tokens */
#include <winvm/wow64.h> /* IsWow64Process: never, x86-64 only */
#include <winvm/threadctl.h> /* TerminateThread, process image names and execute flags */
#include <winvm/shareddata.h> /* KUSER_SHARED_DATA at 0x7ffe0000, processor features */
#include <winvm/synch.h> /* SRW locks, condition variables, InitOnce, WaitOnAddress, FLS */
#include <winvm/slist.h> /* interlocked singly linked lists, timer queues */

#endif /* WINVM_H */
