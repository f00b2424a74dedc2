#!/usr/bin/env python3
"""Every program's QEMU tests N times (`make soak N=50 LOAD=2`) in a copy of the tree, beside
--load busy processes; a failing run's output and serial logs go to build/soak/failures/NAME/run-K/.
A failure is never retried; exits 1 on any."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

from common import GENERATED, ROOT, programs, sh

OUT = os.path.join(ROOT, "build", "soak")
TIMEOUT = 600  # seconds per make target

def make(tree, program, target, timeout):
    """(exit code, output) of one make target; code None when it timed out."""
    return sh(["make", "--no-print-directory", "-C", program, target], tree, timeout)

def logs_dir(tree, program):
    return os.path.join(tree, "build", os.path.basename(program), "qemu-test")

def keep_failure(tree, program, run, output, out_dir):
    """Copy a failing run's output and serial logs aside; return the folder."""
    dest = os.path.join(out_dir, "failures", os.path.basename(program), f"run-{run}")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    with open(os.path.join(dest, "output.txt"), "w") as f:
        f.write(output)
    logs = logs_dir(tree, program)
    if os.path.isdir(logs):
        for log in os.listdir(logs):
            shutil.copy2(os.path.join(logs, log), dest)
    return dest

def report_failure(program, run, code, output, dest):
    """Print the failing tests and the serial log each of them names."""
    print(f"FLAKE {program} run {run}: make test-qemu exited {code}")
    named = set()
    for line in output.splitlines():
        if "FAILED" in line or "soak:" in line or "rror" in line:
            print(f"    {line}")
        m = re.search(r"\(serial log: (.*)\)", line)
        if m:
            named.add(os.path.basename(m.group(1)))
    for log in sorted(named or set(os.listdir(dest)) - {"output.txt"}):
        path = os.path.join(dest, log)
        if not os.path.exists(path):
            continue
        print(f"    serial log {os.path.relpath(path, ROOT)}:")
        with open(path, errors="replace") as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
        for line in lines[-20:]:
            print(f"      | {line}")
    print(f"    all of it: {os.path.relpath(dest, ROOT)}/")

@contextmanager
def busy_processes(n):
    """n processes that spin until the soak ends, competing for the cores."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=50)
    parser.add_argument("--only", help="only programs whose folder name starts with this")
    parser.add_argument("--load", type=int, default=0, help="busy processes beside the soak")
    args = parser.parse_args()
    with busy_processes(args.load):
        return soak(args)

def soak(args):
    started = time.monotonic()
    shutil.rmtree(os.path.join(OUT, "failures"), ignore_errors=True)
    tree = os.path.join(OUT, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ROOT, tree, ignore=GENERATED)
    progs = [p for p in programs(tree)
             if not args.only or os.path.basename(p).startswith(args.only)]
    print(f"soak: {args.runs} runs of {' '.join(progs)} in {os.path.relpath(tree, ROOT)}"
          f", {args.load} busy processes beside it")

    # Build once up front: a program that does not build is reported as such,
    # not as fifty flakes.
    runnable, broken = [], []
    for program in progs:
        code, output = make(tree, program, "kernel", TIMEOUT)
        if code == 0:
            runnable.append(program)
        else:
            broken.append(program)
            print(f"BUILD FAILED {program}:\n{output}")

    failures = {p: [] for p in runnable}
    seconds = {p: 0.0 for p in runnable}
    for run in range(1, args.runs + 1):
        for program in runnable:
            shutil.rmtree(logs_dir(tree, program), ignore_errors=True)
            start = time.monotonic()
            code, output = make(tree, program, "test-qemu", TIMEOUT)
            seconds[program] += time.monotonic() - start
            if code != 0:
                dest = keep_failure(tree, program, run, output, OUT)
                failures[program].append(run)
                report_failure(program, run, code, output, dest)
        if run % 10 == 0 or run == args.runs:
            total = sum(len(f) for f in failures.values())
            print(f"soak: {run}/{args.runs} runs done, {total} failures so far", flush=True)

    width = max(len(p) for p in progs)
    print(f"\n{'program':{width}} {'runs':>5} {'failures':>9} {'s/run':>6}  failed runs")
    for program in runnable:
        runs = ", ".join(map(str, failures[program])) or "-"
        print(f"{program:{width}} {args.runs:5d} {len(failures[program]):9d} "
              f"{seconds[program] / args.runs:6.2f}  {runs}")
    for program in broken:
        print(f"{program:{width}} {0:5d} {'-':>9} {'-':>6}  does not build")
    minutes = (time.monotonic() - started) / 60
    print(f"soak: {sum(map(len, failures.values()))} flakes in {args.runs} runs of "
          f"{len(runnable)} programs, load {args.load}, {minutes:.1f} minutes")
    if any(failures.values()):
        print(f"failing runs' output and serial logs: "
              f"{os.path.relpath(os.path.join(OUT, 'failures'), ROOT)}/")
    return 1 if broken or any(failures.values()) else 0

if __name__ == "__main__":
    sys.exit(main())
