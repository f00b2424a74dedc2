#!/usr/bin/env python3
"""Summarise the exhaustive interrupt-point tests (`make test-points`): per
program and protocol, the points walked, the interrupts landed and the
wakeups lost, from the `points:` lines of each program's host tests (the
convention is in tests/README.md). Exits 1 if a test fails, a real protocol
loses a wakeup, a naive one loses none, or no test reports any points.
"""
import argparse
import os
import re
import sys

from common import ROOT, program_name, programs, sh, tail

LINE = re.compile(r"^points: (\S+)( naive)? walked=(\d+) landed=(\d+) lost=(\d+)\s*$", re.M)

def run_program(program):
    """Build and run one program's host tests; (ok, output). Its own build
    folder: in make test, the host tests have just built it, so nothing is
    compiled again."""
    code, out = sh(["make", "--no-print-directory", "-C", program, "host-tests"])
    if code != 0:
        return False, out
    binary = os.path.join(ROOT, "build", program_name(ROOT, program), "host-tests")
    code, out = sh(["env", "ASAN_OPTIONS=detect_leaks=0", binary], os.path.join(ROOT, program), 600)
    return code == 0, out

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args()
    rows = {}  # (program, protocol, naive) -> [walks, walked, landed, lost]
    failed = []
    for program in programs():
        ok, out = run_program(program)
        if not ok:
            failed.append(program)
            print(f"{program}: host tests FAILED")
            print(tail(out))
        for m in LINE.finditer(out):
            key = (os.path.basename(program), m.group(1), bool(m.group(2)))
            row = rows.setdefault(key, [0, 0, 0, 0])
            row[0] += 1
            for i in range(3):
                row[i + 1] += int(m.group(3 + i))
    if not rows:
        print("points: no test printed a 'points:' line (see tools/points.py for the convention)")
        return 1
    bad = 0
    names = {k: k[1] + (" (naive)" if k[2] else "") for k in rows}
    pw = max(len(k[0]) for k in rows)
    nw = max(len(n) for n in names.values())
    print(f"{'program':{pw}}  {'protocol':{nw}} {'walks':>6} {'walked':>7} {'landed':>7} "
          f"{'lost':>5}  verdict")
    for key, (walks, walked, landed, lost) in sorted(rows.items()):
        if key[2]:
            verdict = "ok (the naive version loses)" if lost else "FAIL: the naive version lost none"
        else:
            verdict = "ok" if lost == 0 else "FAIL: wakeups lost"
        bad += not verdict.startswith("ok")
        print(f"{key[0]:{pw}}  {names[key]:{nw}} {walks:6d} {walked:7d} {landed:7d} {lost:5d}  "
              f"{verdict}")
    real_lost = sum(r[3] for k, r in rows.items() if not k[2])
    print(f"wakeups lost by the real protocols: {real_lost}")
    return 1 if bad or failed else 0

if __name__ == "__main__":
    sys.exit(main())
