#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_compare.py - CTest bench_compare: bench/compare.py's verdicts on made-up results, and
winvm-bench's --rows parsing (through --list, which measures nothing).

    test_compare.py PATH/TO/winvm-bench
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def pair(rid, ratio, q1, q3, wine=None):
    return {"id": rid, "ratio": ratio, "ratio_q1": q1, "ratio_q3": q3, "wine_ratio": wine,
            "raw_ns": 1000.0, "winvm_ns": 1000.0 * ratio}


def result(rows, mode="full"):
    return {"benchmark": "winvm-bench", "mode": mode, "machine": {"cpu": "test"}, "rows": rows}


def compare(old, new, *extra):
    with tempfile.TemporaryDirectory() as d:
        a, b = os.path.join(d, "old.json"), os.path.join(d, "new.json")
        with open(a, "w") as f:
            json.dump(old, f)
        with open(b, "w") as f:
            json.dump(new, f)
        p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), a, b, *extra],
                           capture_output=True, text=True)
        return p.returncode, p.stdout


def lines_for(out, rid):
    return [l for l in out.splitlines() if l.startswith(rid + " ")]


def test_compare():
    base = [pair("alloc_free_64k", 1.00, 0.99, 1.01, wine=0.80),
            pair("protect_1page", 1.00, 0.70, 1.30),
            {"id": "virtual_query", "points": [{"n": 10, "winvm_ns": 10.0, "q1_ns": 9.9, "q3_ns": 10.1},
                                               {"n": 100000, "winvm_ns": 50.0, "q1_ns": 49.0, "q3_ns": 51.0}]},
            {"id": "run_hello", "warm_cache": 10.0, "cold_cache": 30.0},
            {"id": "scaling_2_threads", "winvm_speedup_over_raw_speedup": 1.00},
            pair("gone_row", 1.0, 1.0, 1.0)]
    rc, out = compare(result(base), result(base))
    check(rc == 0 and "no row moved" in out, "identical results: nothing moved (rc %d)\n%s" % (rc, out))

    new = [pair("alloc_free_64k", 1.20, 1.19, 1.21, wine=0.60),  # +20%, tight spread: worse
           pair("protect_1page", 1.20, 0.84, 1.56),               # +20% inside a +-30% spread: noise
           {"id": "virtual_query", "points": [{"n": 10, "winvm_ns": 10.2, "q1_ns": 10.1, "q3_ns": 10.3},
                                              {"n": 100000, "winvm_ns": 100.0, "q1_ns": 99.0, "q3_ns": 101.0}]},
           {"id": "run_hello", "warm_cache": 10.3, "cold_cache": 20.0},  # +3% under the floor; -33%
           {"id": "scaling_2_threads", "winvm_speedup_over_raw_speedup": 1.20},  # higher is better
           pair("new_row", 1.0, 1.0, 1.0)]
    rc, out = compare(result(base), result(new))
    check(rc == 1, "moved rows give exit 1 (got %d)" % rc)
    alloc = lines_for(out, "alloc_free_64k")
    check(any(" ratio " in l and "worse" in l and "+20.0%" in l for l in alloc),
          "alloc ratio +20%% with a 1%% spread is reported worse:\n%s" % out)
    check(any("wine_ratio" in l and "better" in l for l in alloc),
          "alloc wine_ratio 0.80 -> 0.60 is reported better:\n%s" % out)
    check(not lines_for(out, "protect_1page"), "a change inside the rounds' spread is not a move:\n%s" % out)
    vq = lines_for(out, "virtual_query")
    check(any("n=100000" in l and "worse" in l for l in vq) and not any("n=10 " in l for l in vq),
          "virtual_query: n=100000 doubled is reported, n=10 +2%% is not:\n%s" % out)
    hello = lines_for(out, "run_hello")
    check(any("cold_cache" in l and "better" in l for l in hello) and not any("warm_cache" in l for l in hello),
          "run_hello: cold -33%% reported better, warm +3%% under the floor not reported:\n%s" % out)
    check(any("better" in l for l in lines_for(out, "scaling_2_threads")),
          "a higher speedup ratio is better:\n%s" % out)
    check(any(l.startswith("only in") and "old.json" in l and "gone_row" in l and "new_row" not in l
              for l in out.splitlines()) and
          any(l.startswith("only in") and "new.json" in l and "new_row" in l and "gone_row" not in l
              for l in out.splitlines()),
          "rows present on one side only are named:\n%s" % out)

    rc, out = compare(result(base), result(new), "--floor", "0.5")
    check(not lines_for(out, "alloc_free_64k") and lines_for(out, "virtual_query"),
          "--floor 0.5 hides the 20%% move but not the doubling:\n%s" % out)


def chosen(bench, spec):
    """The row numbers winvm-bench --rows spec --list marks chosen, or the exit status."""
    p = subprocess.run([bench, "--rows", spec, "--list"], capture_output=True, text=True)
    if p.returncode != 0:
        return p.returncode
    return {int(l.split()[0]) for l in p.stdout.splitlines() if l.strip() and "(not chosen)" not in l}


def test_rows(bench):
    check(chosen(bench, "1-3,watch,25") == {1, 2, 3, 8, 25}, "--rows 1-3,watch,25: %s" % chosen(bench, "1-3,watch,25"))
    check(chosen(bench, "query") == {3}, "--rows query: %s" % chosen(bench, "query"))
    check(chosen(bench, "12,alloc") == {1, 12}, "--rows 12,alloc: %s" % chosen(bench, "12,alloc"))
    for bad in ["0", "1-x", "4-2", "nosuch", "", "1,,2", "99", "-3"]:
        check(chosen(bench, bad) == 64, "--rows '%s' is refused with 64 (got %s)" % (bad, chosen(bench, bad)))
    p = subprocess.run([bench, "--list"], capture_output=True, text=True)
    check(p.returncode == 0 and "(not chosen)" not in p.stdout and " 25  pe_alloc" in p.stdout,
          "--list without --rows: every row chosen:\n%s" % p.stdout)


if __name__ == "__main__":
    test_compare()
    test_rows(sys.argv[1])
    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)
