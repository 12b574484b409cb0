/* SPDX-License-Identifier: MIT */
/* procchan_host.c - a Linux program linked with libwinvm and the control channel
 * (docs/processes.md): it serves the channel from its first CreateProcess on (its PE
 * children often OpenProcess their parent: ReadProcessMemory, DuplicateHandle out of it, wait
 * on it), or from winvm_serve_channel() for a program reached by pid without being a parent.
 * The socket is removed at its exit.
 */
#include "runtime/procchan.h"

BOOL winvm_serve_channel(void)
{
    wv_runtime_init();
    DWORD err = wv_chan_serve_once(true);
    return err ? wv_fail(err) : TRUE;
}
