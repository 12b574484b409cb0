#!/bin/sh
# Installs the Debian packages winvm needs to build and test, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -eu
# Test dependencies too: mingw-w64 g++ (and the posix thread model) and clang/lld/llvm (PE test programs: C++ exceptions,
# __try/__except), Linux zlib and Debian's own PE packages (zlib1.dll, libgcrypt, gpg-error, gdbserver.exe),
# rustc and its Windows standard library (a Rust program for Windows: tests/images/rust_std.rs).
PACKAGES="cmake make gcc pkg-config libbsd-dev libcriterion-dev gcc-mingw-w64-x86-64 python3
          g++-mingw-w64-x86-64-win32 clang lld llvm zlib1g-dev libz-mingw-w64 libz-mingw-w64-dev
          libgcrypt-mingw-w64-dev libgpg-error-mingw-w64-dev librsvg2-bin gcc-mingw-w64-x86-64-posix
          gdb-mingw-w64-target rustc libstd-rust-dev-windows"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "winvm needs:$missing" >&2
    echo "as root, run:  apt-get install -y --no-install-recommends$missing" >&2
    echo "(for example: su -c 'apt-get install -y --no-install-recommends$missing'), then run make again" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing || { apt-get update && apt-get install -y --no-install-recommends $missing; }
