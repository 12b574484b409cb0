/* SPDX-License-Identifier: MIT */
/* test_winsock.c - what Debian's gdbserver.exe needs, from PE programs under `winvm run`:
 * wsock.exe (Winsock's server side in one process: listener, client, select, accept, names,
 * options, and Windows' WSA errors) and gdbneeds.exe (msvcrt's data exports and stream limit,
 * IsWow64Process, CharLowerBuffA, int3 and trap-flag exceptions), wsaio.exe (the calls Rust's std
 * adds: WSASocketW, WSADuplicateSocketW, WSASend, WSARecv, sendto, recvfrom), wsname.exe (names, services,
 * protocols, address text, WSASocketA, WSACleanup) and dbg_regs.exe (a debugger
 * reading and changing its debuggee's registers at events); their whole output compared.
 * gdbserver itself is driven by tests/gdbserver_remote.py (CTest gdbserver_remote). */
#define _GNU_SOURCE
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef WINVM_PE_IMAGES
#define WINVM_PE_IMAGES "/nonexistent"
#endif
#define EXE(name) WINVM_PE_IMAGES "/" name

/* `winvm run exe` in the images directory with env set: its stdout (malloc'ed), *status. */
static char *run(const char *env, const char *exe, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cd %s && %s WINVM_CACHE_DIR=" TU_RUN_CACHE " %s run %s", WINVM_PE_IMAGES,
             env, WINVM_CLI, exe);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, n = 0, r;
    char *out = calloc(1, cap);
    while ((r = fread(out + n, 1, cap - 1 - n, p)) > 0)
        n += r;
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return out;
}

static void setup(void)
{
    tu_need_pe(EXE("wsock.exe"), NULL);
}

TestSuite(winsock, .init = setup, .timeout = 120);

Test(winsock, server_calls_with_windows_errors)
{
    int status;
    char *out = run("", "wsock.exe", &status);
    cr_expect_str_eq(out,
        "startup_1_0=ok\n"
        "getaddrinfo=ok\n"
        "setsockopt_reuseaddr=ok\n"
        "listen_unbound=-1 10022\n"       /* WSAEINVAL: Linux would bind it */
        "getsockname_unbound=-1 10022\n"  /* WSAEINVAL */
        "bind=ok\n"
        "listen=ok\n"
        "getsockname=ok\n"
        "getsockopt_reuseaddr=ok\n"
        "getsockopt_type=ok\n"
        "getsockopt_acceptconn=ok\n"
        "setsockopt_linger=ok\n"
        "getsockopt_linger=ok\n"
        "setsockopt_rcvtimeo=ok\n"
        "getsockopt_rcvtimeo=ok\n"
        "setsockopt_unknown=-1 10042\n"   /* WSAENOPROTOOPT */
        "setsockopt_short=-1 10014\n"     /* WSAEFAULT */
        "setsockopt_keepalive_one_byte=ok\n"
        "getsockopt_keepalive_one_byte=ok\n"
        "setsockopt_nodelay_first_byte=ok\n"
        "getsockopt_nodelay_first_byte=ok\n" /* 0x100's first byte: off */
        "setsockopt_nodelay_no_length=-1 10014\n"
        "setsockopt_ttl_negative_length=-1 10055\n" /* WSAENOBUFS */
        "setsockopt_ttl_256=-1 10022\n"
        "setsockopt_linger_null=-1 10014\n"
        "setsockopt_reuseaddr_no_length=ok\n"
        "setsockopt_dontlinger=ok\n"
        "getsockopt_dontlinger_sets_linger=ok\n"
        "getsockopt_rcvbuf_as_set=ok\n"
        "getsockopt_error_short=-1 10014\n"
        "getsockopt_protocol_info=ok\n"
        "getsockopt_protocol_info_short=-1 10014\n"
        "getsockopt_protocol_info_short_len=ok\n"
        "getsockopt_dontfragment_tcp=ok\n"
        "setsockopt_hdrincl_tcp=-1 10022\n"
        "accept_nothing_pending=-1 10035\n" /* WSAEWOULDBLOCK */
        "select_idle=ok\n"
        "connect=ok\n"
        "select_pending=ok\n"
        "accept_short_addr=-1 10014\n"
        "accept=ok\n"
        "accepted_inherits_nonblocking=-1 10035\n"
        "send=ok\n"
        "select_read_write=ok\n"
        "recv=ok\n"
        "getpeername=ok\n"
        "getnameinfo=ok\n"
        "shutdown=ok\n"
        "recv_end=ok\n"
        "shutdown_bad_how=-1 10022\n"
        "bind_in_use=-1 10048\n"          /* WSAEADDRINUSE */
        "accept_not_listening=-1 10022\n"
        "bind_short=-1 10014\n"
        "select_empty=-1 10022\n"
        "select_not_socket=-1 10038\n"    /* WSAENOTSOCK */
        "getaddrinfo_bad_flags=10022 10022\n"
        "getaddrinfo_not_numeric=11001\n" /* WSAHOST_NOT_FOUND */
        "getaddrinfo_nothing=11001\n"
        "getaddrinfo_after_cleanup=10093\n" /* WSANOTINITIALISED */
        "fails=0\n");
    cr_expect_eq(status, 0);
    free(out);
}

/* WSASocketW, WSADuplicateSocketW, WSASend, WSARecv, sendto, recvfrom (what Rust's std imports):
 * their errors for bad input, duplicates taken once, gather/scatter, the overlapped attribute. */
Test(winsock, wsa_socket_duplicate_send_recv)
{
    int status;
    char *out = run("", "wsaio.exe", &status);
    cr_expect_str_eq(out,
        "wsasocket_before_startup=-1 10093\n"  /* WSANOTINITIALISED */
        "wsasocket_bad_family=-1 10047\n"  /* WSAEAFNOSUPPORT */
        "wsasocket_bad_type=-1 10044\n"  /* WSAESOCKTNOSUPPORT */
        "wsasocket_bad_protocol=-1 10043\n"  /* WSAEPROTONOSUPPORT */
        "wsasocket_bad_family_and_type=-1 10044\n"
        "wsasocket_unspec_no_protocol=-1 10022\n"  /* WSAEINVAL */
        "wsasocket_stream_udp=-1 10043\n"
        "wsasocket_dgram_tcp=-1 10043\n"
        "wsasocket_unspec_udp_is_dgram=ok\n"
        "wsasocket_default_stream=ok\n"
        "wsasocket_registered_io=-1 10022\n"
        "wsasocket_group=-1 10022\n"
        "wsasocket_bad_info=-1 10014\n"  /* WSAEFAULT */
        "wsasocket_info_bad_family=-1 10047\n"
        "wsasocket_from_info=ok\n"
        "wsasocket_arguments_over_info=ok\n"
        "dup_not_socket=-1 10038\n"  /* WSAENOTSOCK */
        "dup_pid_0_no_info=-1 10022\n"  /* WSAEINVAL: the process is checked first */
        "dup_bad_pid=-1 10022\n"
        "dup_no_info=-1 10014\n"  /* WSAEFAULT */
        "dup_bad_info=-1 10014\n"
        "dup_tcp=ok\n"
        "dup_taken=ok\n"
        "dup_taken_twice=-1 10022\n"  /* WSAEINVAL */
        "dup_udp=ok\n"
        "dup_udp_taken=ok\n"
        "dup_udp_sendto=ok\n"
        "dup_udp_recvfrom=ok\n"
        "wsasend_not_socket=-1 10038\n"
        "wsasend_no_buffers=-1 10022\n"
        "wsasend_null_buffers=-1 10014\n"
        "wsasend_no_count=-1 10014\n"
        "wsasend_bad_count=-1 10014\n"
        "wsasend_bad_buffer=-1 10014\n"
        "wsasend_overlapped=-1 10045\n"  /* WSAEOPNOTSUPP: no overlapped socket I/O */
        "wsasend_gather=ok\n"
        "wsarecv_no_flags=-1 10014\n"
        "wsarecv_unknown_flag=-1 10022\n"
        "wsarecv_no_buffers=-1 10022\n"
        "wsarecv_no_count=-1 10014\n"
        "wsarecv_overlapped=-1 10045\n"
        "wsarecv_peek=ok\n"
        "wsarecv_scatter=ok\n"
        "wsarecv_nothing_nonblocking=-1 10035\n"  /* WSAEWOULDBLOCK */
        "wsasend_sync_socket_ignores_overlapped=ok\n"
        "wsarecv_sync_socket_ignores_overlapped=ok\n"
        "recvfrom_not_socket=-1 10038\n"
        "recvfrom_unbound=-1 10022\n"  /* WSAEINVAL: Linux would bind it */
        "sendto_not_socket=-1 10038\n"
        "sendto_short_address=-1 10014\n"
        "sendto_bad_address=-1 10014\n"
        "sendto=ok\n"
        "recvfrom_short_fromlen=-1 10014\n"
        "recvfrom_no_fromlen=-1 10014\n"
        "recvfrom_unknown_flag=-1 10022\n"
        "recvfrom_truncated=-1 10040\n"  /* WSAEMSGSIZE */
        "recvfrom_truncated_filled=ok\n"
        "recvfrom=ok\n"
        "recvfrom_timeout=-1 10060\n"  /* WSAETIMEDOUT: Linux says EAGAIN */
        "wsasendto_short_address=-1 10014\n"
        "wsasendto_bad_address=-1 10014\n"
        "wsasendto=ok\n"
        "wsarecvfrom_short_fromlen=-1 10014\n"
        "wsarecvfrom=ok\n"
        "fails=0\n");
    cr_expect_eq(status, 0);
    free(out);
}

/* The name calls (wsname.exe): hosts, services and Windows' protocol table with per-thread results,
 * address text both ways in Windows' forms, GetAddrInfoW/GetNameInfoW, the ANSI socket calls,
 * WSAStartup's versions and the last WSACleanup closing every socket; bad pointers WSAEFAULT. */
Test(winsock, names_and_address_text)
{
    int status;
    char *out = run("", "wsname.exe", &status);
    cr_expect_str_eq(out,
        "wsasocketa_before_startup=-1 10093\n"  /* WSANOTINITIALISED */
        "gethostbyname_before_startup=0 10093\n"
        "gethostname_before_startup=-1 10093\n"
        "getservbyname_before_startup=0 10093\n"
        "getprotobynumber_before_startup=0 10093\n"
        "enumprotocols_before_startup=-1 10093\n"
        "stringtoaddress_before_startup=-1 10093\n"
        "gethostbyname_localhost=ok\n"
        "gethostbyname_layout=ok\n"
        "gethostbyname_numeric=ok\n"
        "gethostbyname_bad_pointer=0 10014\n"  /* WSAEFAULT */
        "gethostbyaddr_loopback=ok\n"
        "gethostbyaddr_short=0 10014\n"
        "gethostbyaddr_bad_family=0 10047\n"  /* WSAEAFNOSUPPORT */
        "gethostbyaddr_bad_pointer=0 10014\n"
        "gethostname_null=-1 10014\n"
        "gethostname=ok\n"
        "gethostname_short=-1 10014\n"
        "gethostname_short_unchanged=ok\n"
        "gethostname_exact=ok\n"
        "gethostname_bad_pointer=-1 10014\n"
        "gethostnamew=ok\n"
        "gethostbyname_empty_is_this_computer=ok\n"
        "getservbyname_http=ok\n"
        "getservbyname_same_block=ok\n"
        "getservbyname_per_thread=ok\n"
        "getservbyport_80=ok\n"
        "getservbyname_unknown=0 11004\n"  /* WSANO_DATA */
        "getservbyname_bad_pointer=0 10014\n"
        "getprotobyname_tcp=ok\n"
        "getprotobyname_any_case=ok\n"
        "getprotobynumber_udp=ok\n"
        "getprotobynumber_2=0 11004\n"
        "getprotobyname_unknown=0 11004\n"
        "inet_ntoa=ok\n"
        "inet_addr_three_parts=ok\n"
        "inet_addr_hex_octal=ok\n"
        "inet_addr_trailing_space=ok\n"
        "inet_addr_port=ok\n"
        "inet_addr_null=-1 10014\n"
        "inet_pton_v4=ok\n"
        "inet_pton_leading_zero=ok\n"
        "inet_pton_trailing_text=ok\n"
        "inet_pton_unspec=-1 10047\n"
        "inet_pton_null=-1 10014\n"
        "inet_pton_bad_pointer=-1 10014\n"
        "inet_pton_v6=ok\n"
        "inet_pton_v6_two_gaps=ok\n"
        "inetptonw_not_address=0 10022\n"  /* WSAEINVAL */
        "inetptonw_v4=ok\n"
        "inet_ntop_v6_0=::ffff:129.144.52.38\n"
        "inet_ntop_v6_1=::1\n"
        "inet_ntop_v6_2=::204.152.189.116\n"
        "inet_ntop_v6_3=2030:a4b1::\n"
        "inet_ntop_v6_4=1111:0:3333:0:5555:0:7777:0\n"
        "inet_ntop_v6_5=1111:2222:3333:4444:0:5efe:129.144.52.38\n"
        "inet_ntop_short_buffer=0 -1073741811\n"  /* STATUS_INVALID_PARAMETER, as Windows 8 and later */
        "inet_ntop_short_buffer_error=0xc000000d\n"
        "inet_ntop_bad_family=0 10047\n"
        "inet_ntop_bad_pointer=0 10014\n"
        "inetntopw=ok\n"
        "stringtoaddress_no_room=-1 10014\n"
        "stringtoaddress_no_room_len=ok\n"
        "stringtoaddress_port=ok\n"
        "stringtoaddress_port_0=-1 10022\n"
        "stringtoaddress_port_0_cleared=ok\n"
        "stringtoaddress_v6=ok\n"
        "stringtoaddress_v6_unbracketed_port=-1 10022\n"
        "stringtoaddress_bad_family=-1 10022\n"
        "stringtoaddress_bad_pointer=-1 10014\n"
        "stringtoaddress_bad_len=-1 10014\n"
        "addresstostring_no_room=-1 10014\n"
        "addresstostring_no_room_len=ok\n"
        "addresstostring_v4=ok\n"
        "addresstostring_v6=ok\n"
        "addresstostring_v6_no_port=ok\n"
        "addresstostring_short_address=-1 10022\n"
        "addresstostring_bad_pointer=-1 10014\n"
        "addresstostring_bad_buffer=-1 10014\n"
        "getaddrinfo_hints_echoed=ok\n"
        "getaddrinfo_no_hints_one_entry=ok\n"
        "getaddrinfo_brackets=ok\n"
        "getaddrinfo_unmatched_bracket=11001 11001\n"  /* WSAHOST_NOT_FOUND */
        "getaddrinfo_bad_socktype=10044 10044\n"  /* WSAESOCKTNOSUPPORT */
        "getaddrinfo_nothing=11001 11001\n"
        "getaddrinfo_nothing_res_null=ok\n"
        "getaddrinfow=ok\n"
        "getnameinfow=ok\n"
        "getnameinfow_short=10014 10014\n"
        "enumprotocolsa_no_buffer=-1 10055\n"  /* WSAENOBUFS */
        "enumprotocolsa_len=2232\n"  /* six WSAPROTOCOL_INFOA */
        "enumprotocolsa=ok\n"
        "enumprotocolsw_udp_only=ok\n"
        "enumprotocolsw_short=-1 10055\n"
        "enumprotocolsw_len=3768\n"
        "enumprotocolsa_bad_list=-1 10014\n"
        "wsasocketa=ok\n"
        "wsaduplicatesocketa=ok\n"
        "wsasocketa_from_info=ok\n"
        "wsasocketa_taken_twice=-1 10022\n"
        "wsaduplicatesocketa_bad_info=-1 10014\n"
        "wsasocketa_bad_info=-1 10014\n"
        "cleanup_not_last_keeps=ok\n"
        "cleanup_last=ok\n"
        "cleanup_closed_socket=-1 10038\n"  /* WSAENOTSOCK */
        "cleanup_closed_duplicate=-1 10038\n"
        "startup_0_1=10092 0\n"
        "startup_0_1_filled=ok\n"
        "startup_1_2=ok\n"
        "startup_null_data=10014 0\n"
        "fails=0\n");
    cr_expect_eq(status, 0);
    free(out);
}

Test(winsock, crt_data_wow64_user32_and_traps)
{
    int status;
    char *out = run("GDBNEEDS=here", "gdbneeds.exe", &status);
    cr_expect_str_eq(out,
        "environ=ok\n"
        "environ_after_putenv=ok\n"
        "sys_nerr=ok\n"
        "sys_errlist=ok\n"
        "getmaxstdio=ok\n"
        "setmaxstdio_low=ok\n"
        "setmaxstdio_high=ok\n"
        "setmaxstdio=ok\n"
        "stream_limit=ok\n"
        "stream_after_close=ok\n"
        "lconv_before=ok\n"
        "lconv_init=ok\n"
        "iswow64_self=ok\n"
        "iswow64_bad_handle=ok\n"
        "syswow64_dir=ok\n"
        "charlowerbuff=ok\n"
        "charupperbuff=ok\n"
        "int3=ok\n"
        "single_step=ok\n"
        "fails=0\n");
    cr_expect_eq(status, 0);
    free(out);
}

Test(winsock, debugger_reads_and_sets_debuggee_registers)
{
    int status;
    char *out = run("", "dbg_regs.exe", &status);
    cr_expect_str_eq(out,
        "create: get 1 rip set, same 1, changed 0 err 50\n" /* ERROR_NOT_SUPPORTED */
        "int3: get 1 address at int3 rip past it\n"
        "int3: set 1\n"
        "int3: segs windows'\n"
        "step: get 1 address next rip next rcx 0x1234 tf 0\n"
        "step: set dr7 1\n"
        "hw: get 1 address at it rip at it dr6 1 dr0 set dr7 1\n"
        "hw: clear 1\n"
        "exit: 0x34\n"
        "plain: get 1 err 0\n");
    cr_expect_eq(status, 0);
    free(out);
}
