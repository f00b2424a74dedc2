#!/usr/bin/env python3
"""Summarise the exhaustive interrupt-point tests: per protocol, the points
walked, the interrupts landed and the wakeups lost.

The convention (a test that walks an interrupt through every point of a
protocol prints one line per walk to stderr or stdout):

    points: PROTOCOL walked=N landed=N lost=N
    points: PROTOCOL naive walked=N landed=N lost=N

PROTOCOL is a short name without spaces (byte_ring.pop, poll_next, ...).
walked is the number of interrupt points the protocol passed with no
interrupt (the test asserts it, so a new point fails the test), landed the
number of runs in which the interrupt landed inside it, lost the runs that
ended with a wakeup lost. A real protocol must lose none; a naive one (the
version the book shows failing) must lose at least one, or the test that
should prove the point cannot see a loss.

Every program (kernel-base and chapters/NN-name) has its host tests built
into build/points/NAME and run once; the lines from all its tests are
summed per protocol. Exits 1 if a test fails, a real protocol loses a
wakeup, a naive one loses none, or no test reports any points.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("BUILD", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
LINE = re.compile(r"^points: (\S+)( naive)? walked=(\d+) landed=(\d+) lost=(\d+)\s*$", re.M)


def programs():
    chapters = sorted(os.path.dirname(os.path.relpath(m, ROOT))
                      for m in glob.glob(os.path.join(ROOT, "chapters", "[0-9][0-9]-*", "Makefile")))
    return ["kernel-base"] + chapters


def run_program(program):
    """Build and run one program's host tests; (ok, output)."""
    build = os.path.join(ROOT, "build", "points", os.path.basename(program))
    made = subprocess.run(["make", "--no-print-directory", "-C", program, "host-tests",
                           f"BUILD={build}"], cwd=ROOT, env=CLEAN_ENV, capture_output=True,
                          text=True)
    if made.returncode != 0:
        return False, made.stdout + made.stderr
    ran = subprocess.run([os.path.join(build, "host-tests")], cwd=os.path.join(ROOT, program),
                         env=CLEAN_ENV, capture_output=True, text=True, timeout=600)
    return ran.returncode == 0, ran.stdout + ran.stderr


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
            print("\n".join("    | " + l for l in out.strip().splitlines()[-15:]))
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
