#!/usr/bin/env bash
# check_layers_test.sh REPO accept|reject - tests scripts/check-layers.sh on a copy of REPO's
# src/, scripts/, tools/ and bench/ in a temporary directory (the real tree is never written).
#
#   accept: the copy as it is passes (exit 0) with a build directory that does not exist, so
#           only the include rule is checked;
#   reject: the copy with an upward include appended to src/mm/protect.c (mm may not include
#           the runtime's header) fails with exit status 1 and names that file and header.
set -u

repo=${1:?usage: check_layers_test.sh REPO accept|reject}
mode=${2:?usage: check_layers_test.sh REPO accept|reject}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "check_layers_test ($mode): $*" >&2
    exit 1
}

for d in src scripts tools bench; do
    if [ -d "$repo/$d" ]; then
        cp -R "$repo/$d" "$tmp/$d" || fail "cannot copy $d"
    fi
done
[ -x "$tmp/scripts/check-layers.sh" ] || fail "no scripts/check-layers.sh in $repo"

case $mode in
accept) ;;
reject)
    target=src/mm/protect.c
    [ -f "$tmp/$target" ] || fail "no $target to break"
    printf '#include "runtime/runtime.h"\n' >>"$tmp/$target"
    ;;
*) fail "unknown mode (accept or reject)" ;;
esac

out=$("$tmp/scripts/check-layers.sh" "$tmp/no-such-build" 2>&1)
rc=$?
printf '%s\n' "$out"

case $mode in
accept)
    [ "$rc" -eq 0 ] || fail "the unmodified copy failed (exit $rc)"
    printf '%s\n' "$out" | grep -q 'check-layers: 0 violations' || fail "no '0 violations' line"
    ;;
reject)
    [ "$rc" -eq 1 ] || fail "an upward include was not refused (exit $rc, want 1)"
    printf '%s\n' "$out" | grep -qF "src/mm/protect.c: includes \"runtime/runtime.h\"" ||
        fail "the output does not name src/mm/protect.c and runtime/runtime.h"
    printf '%s\n' "$out" | grep -q 'check-layers: 1 violations' || fail "want exactly 1 violation"
    ;;
esac
# The real tree is untouched: its protect.c has no such include.
if grep -qF '#include "runtime/runtime.h"' "$repo/src/mm/protect.c"; then
    fail "the real src/mm/protect.c includes runtime/runtime.h"
fi
echo "check_layers_test ($mode): ok"
