#!/bin/sh
# Installs winvm into a scratch prefix and builds a consumer of it twice: through
# pkg-config and through CMake's find_package.  Run from the top of the tree.
set -eu
BUILD=${BUILD:-build}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$BUILD" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n 1)

# pkg-config, static and shared
PKG_CONFIG_PATH=$libdir cc -o "$prefix/pc" examples/guarded_buffer.c \
    $(PKG_CONFIG_PATH=$libdir pkg-config --cflags --libs winvm)
LD_LIBRARY_PATH=$(dirname "$libdir") "$prefix/pc" >/dev/null

# CMake package
mkdir -p "$prefix/consumer"
cat >"$prefix/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(winvm 0.1 REQUIRED)
add_executable(consumer $(pwd)/examples/guarded_buffer.c)
target_link_libraries(consumer PRIVATE winvm::winvm_static)
CMAKE
cmake -S "$prefix/consumer" -B "$prefix/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer/build" >/dev/null
"$prefix/consumer/build/consumer" >/dev/null
echo "install check: pkg-config and CMake consumers built and ran"

# What a user of the installed tool gets: the man pages, completion, licence, the demo's images
# (so `winvm demo sharing` works without the build tree), help on stdout.
for f in share/man/man1/winvm.1 share/man/man3/winvm.3 share/bash-completion/completions/winvm \
         share/doc/winvm/LICENSE share/winvm/demo/app.exe share/winvm/demo/demolib.dll; do
    [ -s "$prefix/$f" ] || { echo "install check: $f missing" >&2; exit 1; }
done
"$prefix/bin/winvm" --help | grep -q "usage: winvm" || { echo "install check: winvm --help" >&2; exit 1; }
bash -n "$prefix/share/bash-completion/completions/winvm"
echo "install check: man pages, completion, licence, demo images and help installed"
