/* SPDX-License-Identifier: MIT */
/* test_iocp.c - I/O completion ports: a PE program (tests/images/iocp.c) under `winvm run`
 * checks kernel32's and ntdll's calls: FIFO packets, timeouts, waiters released last-first,
 * the wait a close abandons, overlapped file and named pipe requests posting to their port
 * (a failed one's packet, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, hEvent's bit 0), named ports.
 * Expected values: Wine's ntdll/tests/file.c and kernel32/tests/file.c as run on Windows. */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <string.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif

TestSuite(iocp, .timeout = 60);

Test(iocp, pe_program_uses_completion_ports)
{
    static char out[16384];
    tu_run_checks(WINVM_PE_IMAGES "/iocp.exe", out, sizeof(out));
    const char *must[] = {"ok new_port", "ok poll_times_out", "ok timeout_waits", "ok fifo", "ok query_depth",
                          "ok failed_packet", "ok get_ex_takes_several", "ok duplicated_handle",
                          "ok event_is_no_port", "ok closed_port_is_invalid", "ok waiters_released_last_first",
                          "ok close_abandons_wait", "ok write_posts", "ok associated_once",
                          "ok event_bit0_posts_nothing", "ok nt_write_posts_its_context",
                          "ok nt_write_without_context_posts_nothing", "ok skip_on_success", "ok skip_refused_on_synchronous_handle", "ok pending_read_posts",
                          "ok failed_read_posts_its_error", "ok nt_open_named", "ok nt_create_collision",
                          "ok nt_remove_through_open", "ok nt_remove_ex_timeout_count", "ok nt_remove_ex_two",
                          "ok nt_remove_ex_alertable_apc", "ok nt_name_gone_with_handles", "ok nt_name_of_an_event",
                          "\n0 failures"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++)
        cr_assert(strstr(out, must[i]), "%s missing in:\n%s", must[i], out);
}
