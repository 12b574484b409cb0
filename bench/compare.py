#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""compare.py - the rows that moved between two winvm-bench JSON results.

    bench/compare.py OLD.json NEW.json [--floor 0.05]

Figures compared, per row id present in both files:
  - a row with a "ratio" (winvm against its raw baseline, measured in the same run): that
    ratio, and its "wine_ratio" (winvm/Wine) when both runs have one.  Ratios are what to
    compare across runs: the baseline ran alongside, so machine load cancels out of them.
  - a row without one: its absolute figures (ns, ms, KiB: see ABSOLUTE), which do not cancel
    load; read them with that in mind.
  - rows with "points" (virtual_query, wine_pe_memory): each point, named by its n or op.

Noise: a figure moved when |new/old - 1| exceeds the larger of --floor (default 5%) and the
half interquartile range, relative to the median, of the per-round figures of either run
(the JSON's ratio_q1/ratio_q3 or q1_ns/q3_ns).  A change inside the middle half of the rounds'
spread is not a move.  Exit status: 0 nothing moved, 1 something moved, 2 bad input.
"""
import argparse
import json
import sys

# Absolute figures of rows without a ratio, and whether higher is better.
ABSOLUTE = {
    "winvm_ns": False, "warm_cache": False, "cold_cache": False, "winvm": False,
    "total_pss": False, "page0_ns": False, "random_page_ns": False,
    "winvm_speedup_over_raw_speedup": True,
}


def spread(row, q1, q3, med):
    """Half the interquartile range relative to the median, or 0 when the row has none."""
    if q1 in row and q3 in row and med:
        return abs(row[q3] - row[q1]) / 2 / abs(med)
    return 0.0


def figures(row):
    """{name: (value, relative spread, higher_is_better)} for one row."""
    out = {}
    if isinstance(row.get("ratio"), (int, float)):
        out["ratio"] = (row["ratio"], spread(row, "ratio_q1", "ratio_q3", row["ratio"]), False)
        if isinstance(row.get("wine_ratio"), (int, float)):
            out["wine_ratio"] = (row["wine_ratio"], 0.0, False)
    else:
        for key, higher in ABSOLUTE.items():
            if isinstance(row.get(key), (int, float)):
                out[key] = (row[key], 0.0, higher)
    for p in row.get("points", []):
        name = "n=%s" % p["n"] if "n" in p else p.get("op", "?")
        if isinstance(p.get("ratio"), (int, float)):
            out[name] = (p["ratio"], 0.0, False)
        elif isinstance(p.get("winvm_ns"), (int, float)):
            out[name] = (p["winvm_ns"], spread(p, "q1_ns", "q3_ns", p["winvm_ns"]), False)
        if isinstance(p.get("wine_ratio"), (int, float)):
            out[name + " wine_ratio"] = (p["wine_ratio"], 0.0, False)
    return out


def moves(old, new, floor):
    """The moved figures: (row id, figure, old, new, change, noise, 'better'|'worse')."""
    old_rows = {r["id"]: r for r in old.get("rows", [])}
    found = []
    for row in new.get("rows", []):
        prev = old_rows.get(row["id"])
        if prev is None:
            continue
        a, b = figures(prev), figures(row)
        for name in a:
            if name not in b or a[name][0] == 0:
                continue
            (va, sa, higher), (vb, sb, _) = a[name], b[name]
            change = vb / va - 1
            noise = max(floor, sa, sb)
            if abs(change) > noise:
                better = (change > 0) == higher
                found.append((row["id"], name, va, vb, change, noise, "better" if better else "worse"))
    return found


def only_in(a, b):
    ids = {r["id"] for r in b.get("rows", [])}
    return [r["id"] for r in a.get("rows", []) if r["id"] not in ids]


def main(argv):
    ap = argparse.ArgumentParser(description="rows that moved between two winvm-bench JSON files")
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--floor", type=float, default=0.05,
                    help="smallest relative change reported (default 0.05)")
    args = ap.parse_args(argv)
    try:
        with open(args.old) as f:
            old = json.load(f)
        with open(args.new) as f:
            new = json.load(f)
    except (OSError, ValueError) as e:
        print("compare.py: %s" % e, file=sys.stderr)
        return 2
    if old.get("mode") != new.get("mode"):
        print("note: modes differ (%s, %s): quick figures are indicative only"
              % (old.get("mode"), new.get("mode")))
    if old.get("machine", {}).get("cpu") != new.get("machine", {}).get("cpu"):
        print("note: different machines (%s; %s)"
              % (old.get("machine", {}).get("cpu"), new.get("machine", {}).get("cpu")))
    found = moves(old, new, args.floor)
    for rid, name, va, vb, change, noise, verdict in found:
        print("%-40s %-22s %12.4g -> %-12.4g %+7.1f%%  (noise %.1f%%)  %s"
              % (rid, name, va, vb, 100 * change, 100 * noise, verdict))
    for path, ids in ((args.old, only_in(old, new)), (args.new, only_in(new, old))):
        if ids:  # a --rows run has only its rows: one line, not one per row
            print("only in %s: %s" % (path, ", ".join(ids)))
    if not found:
        print("no row moved by more than its noise (floor %.0f%%)" % (100 * args.floor))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
