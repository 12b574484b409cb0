#!/usr/bin/env bash
# check-layers.sh [BUILD_DIR] - winvm's dependency rule (docs/architecture.md, "Layers").
#
# 1. Includes: a file of src/LAYER/ includes only its own layer's header (and the layer's own
#    private headers, src/LAYER/*.h, which no other layer may include) and the headers of
#    the layers LAYER stands on; tools/ and bench/ include only winvm.h, src/tool.h and their
#    own headers.
# 2. Symbols, when BUILD_DIR holds the library's objects (default: build): every symbol an
#    object uses from another layer is defined in a layer below it (no call goes up, so no
#    cycle between layers); only host/ calls the kernel's mapping functions (by symbol, and
#    by system-call number in the source); below win32/ no
#    code calls a public entry point (it calls the entry point's core: the last error is set
#    at the public boundary only).
# Prints each violation and the layer-level cycle count; exits 1 on any violation.
set -eu
cd "$(dirname "$0")/.."
exec python3 - "${1:-build}" <<'PY'
import glob, os, re, subprocess, sys

# Each layer and the layers it may use (bottom up).
BELOW = {
    "base": [],
    "host": ["base"],
    "pe": ["base"],
    "ob": ["base"],
    "mm": ["base", "host"],
    "fault": ["base", "host", "mm"],
    "section": ["base", "host", "pe", "ob", "mm", "fault"],
    "nt": ["base", "host", "pe", "ob", "mm", "fault", "section"],
    "loader": ["base", "host", "pe", "ob", "mm", "fault", "section", "nt"],
    "seh": ["base", "host", "pe", "ob", "mm", "fault", "section", "nt", "loader"],
    "win32": ["base", "host", "pe", "ob", "mm", "fault", "section", "nt"],
    "runtime": ["base", "host", "pe", "ob", "mm", "fault", "section", "nt", "loader", "seh", "win32"],
}
# tool.h, the tools' one private header, includes pe/pe.h: usable from pe up.
TOOL_OK = {l for l, below in BELOW.items() if "pe" in below or l == "pe"}
PUBLIC_CALLERS = {"win32", "runtime"}  # the public boundary: may call public entry points
MAPPING_CALLS = {"mmap", "mmap64", "mprotect", "munmap", "madvise", "mremap", "mincore", "msync"}
errors = []

def layer_of(path):
    m = re.match(r"src/([a-z0-9]+)/", path)
    return m.group(1) if m else None

inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# The public headers next to winvm.h (include/ is not in every copy the checker is run on).
PUBLIC = {"winvm/ntdll.h", "winvm/psapi.h", "winvm/placeholder.h", "winvm/ntsysinfo.h", "winvm/process.h"}
PUBLIC |= {"winvm/" + os.path.basename(h) for h in glob.glob("include/winvm/*.h")}
for path in sorted(glob.glob("src/**/*.[ch]", recursive=True)):
    layer = layer_of(path)
    if path == "src/tool.h":
        allowed = {"winvm.h", "pe/pe.h"}
    elif layer not in BELOW:
        errors.append(f"{path}: not in a layer folder")
        continue
    else:
        allowed = {"winvm.h", f"{layer}/{layer}.h"} | {f"{l}/{l}.h" for l in BELOW[layer]}
        allowed |= {f"{layer}/{os.path.basename(h)}" for h in glob.glob(f"src/{layer}/*.h")}
        allowed |= PUBLIC  # the public headers next to winvm.h
        if layer in TOOL_OK:
            allowed.add("tool.h")
    for inc in inc_re.findall(open(path, encoding="utf-8").read()):
        if inc not in allowed:
            errors.append(f"{path}: includes \"{inc}\" (layer {layer} may include {sorted(allowed)})")

# The mapping calls issued as raw system calls (host.h's inline mprotect): host's source only.
sys_re = re.compile(r"\bSYS_(" + "|".join(sorted(MAPPING_CALLS | {"pkey_mprotect"})) + r")\b")
for path in sorted(glob.glob("src/**/*.[ch]", recursive=True)):
    if layer_of(path) != "host" and sys_re.search(open(path, encoding="utf-8").read()):
        errors.append(f"{path}: issues a mapping system call (only host/ maps)")

for path in sorted(glob.glob("tools/*.[ch]") + glob.glob("bench/*.[ch]")):
    own = {os.path.basename(p) for p in glob.glob(os.path.dirname(path) + "/*.h")}
    for inc in inc_re.findall(open(path, encoding="utf-8").read()):
        if inc not in own | {"winvm.h", "tool.h"} | PUBLIC:
            errors.append(f"{path}: includes private header \"{inc}\" (tools: winvm.h and tool.h only)")

objdir = os.path.join(sys.argv[1], "CMakeFiles", "winvm_objects.dir", "src")
# Only the objects of today's sources (a build tree may keep objects of removed files).
objs = sorted(o for o in glob.glob(objdir + "/*/*.c.o")
              if os.path.exists(os.path.join("src", os.path.relpath(o, objdir)[:-2])))
cycles = None
if objs:
    defs, uses, public = {}, {}, set()
    for o in objs:
        layer = os.path.relpath(o, objdir).split(os.sep)[0]
        # Public entry points: defined with default visibility (winvm.h's WINBASEAPI).
        syms = subprocess.run(["readelf", "-sW", o], capture_output=True, text=True, check=True).stdout
        for line in syms.splitlines():
            f = line.split()
            if len(f) >= 8 and f[4] == "GLOBAL" and f[5] == "DEFAULT" and f[6] != "UND":
                public.add(f[7])
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        u = uses.setdefault(o, (layer, set()))[1]
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBRCV":
                defs[f[2]] = (layer, o)
            elif len(f) == 2 and f[0] == "U":
                u.add(f[1])
    edges = {}
    for o, (layer, used) in uses.items():
        name = os.path.relpath(o, objdir).replace(".c.o", ".c")
        for sym in sorted(used):
            if sym in MAPPING_CALLS and layer != "host":
                errors.append(f"src/{name}: calls {sym} (only host/ maps)")
            if sym not in defs:
                continue
            if sym in public and layer not in PUBLIC_CALLERS:
                errors.append(f"src/{name}: calls the public entry point {sym} (call its core)")
            to = defs[sym][0]
            if to == layer:
                continue
            edges.setdefault(layer, set()).add(to)
            if to not in BELOW.get(layer, []):
                where = os.path.relpath(defs[sym][1], objdir).replace(".c.o", ".c")
                errors.append(f"src/{name}: uses {sym} of src/{where} (layer {to} is not below {layer})")
    # Cycles between layers: strongly connected groups of the layer graph.
    index, low, stack, on, groups, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            g = []
            while True:
                w = stack.pop(); on.discard(w); g.append(w)
                if w == v: break
            groups.append(g)
    for v in list(edges):
        if v not in index:
            visit(v)
    cycles = [sorted(g) for g in groups if len(g) > 1]
else:
    print(f"check-layers: no objects under {objdir}: includes checked, symbols not", file=sys.stderr)

for e in errors:
    print(e)
if cycles is not None:
    print(f"check-layers: {len(cycles)} cycles between layers" + "".join(f"\n  {' <-> '.join(c)}" for c in cycles))
print(f"check-layers: {len(errors)} violations")
sys.exit(1 if errors else 0)
PY
