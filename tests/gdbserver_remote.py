#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debian's gdbserver.exe (gdb-mingw-w64-target) under `winvm run`, driven by a scripted
GDB remote-protocol client: gdbserver starts gdbtarget.exe with the Win32 debug API
(CreateProcess DEBUG_PROCESS, WaitForDebugEvent, Get/SetThreadContext, Read/WriteProcessMemory)
and serves it over a Winsock listener.  Checked: the registers ('g': rip and rsp), memory ('m':
work()'s bytes as in the file), a software breakpoint ('Z0') hit twice with work()'s argument in
rcx and the global counter as it should be, single steps ('vCont;s', the trap flag), the third
hit in a second thread with the main thread's registers readable then ('Hg', 'g'), removing
the breakpoint ('z0') and the exit code ('W07').  Like gdb, the client steps over a breakpoint
itself: z0, one step, Z0, continue.

usage: gdbserver_remote.py WINVM GDBSERVER_EXE GDBTARGET_EXE NM
Exit 77 (skipped) without gdbserver.exe."""
import os
import re
import socket
import subprocess
import sys
import time


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Remote:
    """The remote serial protocol with acknowledgements: $data#checksum, '+' for each packet."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def _byte(self):
        while not self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                fail("gdbserver closed the connection")
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send(self, data):
        pkt = "$%s#%02x" % (data, sum(data.encode()) % 256)
        self.s.sendall(pkt.encode())
        while True:
            b = self._byte()
            if b == b"+":
                return
            if b == b"-":
                self.s.sendall(pkt.encode())

    def recv(self):
        while self._byte() != b"$":
            pass
        data = b""
        while True:
            b = self._byte()
            if b == b"#":
                break
            data += b
        self._byte(), self._byte()  # checksum
        self.s.sendall(b"+")
        return self._expand(data.decode())

    @staticmethod
    def _expand(text):
        """Run-length encoding: 'c*n' is c followed by ord(n) - 29 more of it."""
        out, i = [], 0
        while i < len(text):
            if text[i] == "*" and out and i + 1 < len(text):
                out.append(out[-1][-1] * (ord(text[i + 1]) - 29))
                i += 2
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def ask(self, data):
        self.send(data)
        reply = self.recv()
        while reply.startswith("O") and reply != "OK":  # console output packets
            reply = self.recv()
        return reply


def symbols(nm, exe):
    out = subprocess.run([nm, exe], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def file_bytes(exe, va, n):
    """n bytes at virtual address va as the PE file holds them (section headers read here)."""
    data = open(exe, "rb").read()
    pe = int.from_bytes(data[0x3C:0x40], "little")
    nsect = int.from_bytes(data[pe + 6:pe + 8], "little")
    optsize = int.from_bytes(data[pe + 20:pe + 22], "little")
    base = int.from_bytes(data[pe + 24 + 24:pe + 24 + 32], "little")
    sect = pe + 24 + optsize
    for i in range(nsect):
        h = data[sect + 40 * i:sect + 40 * (i + 1)]
        vaddr = int.from_bytes(h[12:16], "little")
        raw = int.from_bytes(h[20:24], "little")
        rsize = int.from_bytes(h[16:20], "little")
        if vaddr <= va - base < vaddr + rsize:
            off = raw + va - base - vaddr
            return data[off:off + n]
    fail("address %#x not in the file" % va)


def reg(regs_hex, index):
    """The index-th 64-bit register of a 'g' reply (amd64: rax rbx rcx rdx rsi rdi rbp rsp r8..r15 rip)."""
    return int.from_bytes(bytes.fromhex(regs_hex[index * 16:(index + 1) * 16]), "little")


RAX, RCX, RSP, RIP = 0, 2, 7, 16


def start(winvm, gdbserver, target):
    env = dict(os.environ)
    # Every import gdbserver.exe has must be served: no stub option here.
    probe = subprocess.run([winvm, "run", gdbserver, "--version"], capture_output=True, text=True, env=env)
    if probe.returncode != 0:
        fail("gdbserver.exe does not start: " + probe.stderr.strip())
    p = subprocess.Popen([winvm, "run", gdbserver, ":0", target], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env, cwd=os.path.dirname(target))
    lines = []
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"Listening on port (\d+)", line)
        if m:
            return p, int(m.group(1)), lines
    p.kill()
    fail("gdbserver did not listen: " + "".join(lines))


def main():
    winvm, gdbserver, target, nm = sys.argv[1:5]
    if not os.path.exists(gdbserver):
        print("skipped: %s missing (Debian package gdb-mingw-w64-target)" % gdbserver)
        sys.exit(77)
    syms = symbols(nm, target)
    work, counter = syms["work"], syms["counter"]
    p, port, lines = start(winvm, gdbserver, target)
    try:
        r = Remote(port)
        stop = r.ask("?")
        if not re.match(r"[ST][0-9a-f]{2}", stop):  # the loader's initial breakpoint
            fail("first stop: " + stop)
        regs = r.ask("g")
        if len(regs) < 17 * 16 or reg(regs, RIP) == 0 or reg(regs, RSP) == 0:
            fail("registers: " + regs[:300])
        mem = r.ask("m%x,10" % work)
        if bytes.fromhex(mem) != file_bytes(target, work, 16):
            fail("memory at work: %s, file %s" % (mem, file_bytes(target, work, 16).hex()))
        if r.ask("Z0,%x,1" % work) != "OK":
            fail("breakpoint not set")
        first = None
        for x in (1, 2, 3):
            stop = r.ask("c")
            if not stop.startswith("T05"):
                fail("continue %d: %s" % (x, stop))
            thread = re.search(r"thread:([0-9a-f.p]+);", stop).group(1)
            first = first or thread
            if (thread == first) != (x < 3):
                fail("hit %d in thread %s (main thread %s)" % (x, thread, first))
            if x == 3:  # the main thread, frozen in its wait, is readable while this event waits
                main_regs = r.ask("Hg" + first) == "OK" and r.ask("g")
                if not main_regs or main_regs.startswith("E") or reg(main_regs, RSP) == 0:
                    fail("main thread's registers at hit 3: %s" % main_regs)
                if r.ask("Hg" + thread) != "OK":
                    fail("Hg back to thread " + thread)
            regs = r.ask("g")
            if reg(regs, RIP) != work or reg(regs, RCX) != x:
                fail("hit %d: rip %#x (work %#x) rcx %d" % (x, reg(regs, RIP), work, reg(regs, RCX)))
            got = int.from_bytes(bytes.fromhex(r.ask("m%x,4" % counter)), "little")
            if got != x * (x - 1) // 2:
                fail("counter at hit %d: %d" % (x, got))
            # over the breakpoint as gdb steps over it: out, one instruction (trap flag), back in
            if r.ask("z0,%x,1" % work) != "OK":
                fail("breakpoint not removed")
            stop = r.ask("vCont;s:" + thread)  # win32-low steps only a named thread
            regs = r.ask("g")
            if not stop.startswith("T05") or not work < reg(regs, RIP) < work + 16:
                fail("single step: %s, rip %#x" % (stop, reg(regs, RIP)))
            if x < 3 and r.ask("Z0,%x,1" % work) != "OK":
                fail("breakpoint not set again")
        end = r.ask("c")
        if end != "W07":
            fail("end: " + end)
        r.s.close()  # as gdb leaves: then gdbserver ends too
        out = p.communicate(timeout=30)[0]
    finally:
        if p.poll() is None:
            p.kill()
    if "result 20" not in out:
        fail("the debuggee's output: " + out)
    print("gdbserver served registers, memory, a breakpoint in two threads, a step and the exit")


if __name__ == "__main__":
    main()
