#!/usr/bin/env python3
"""Run every program's QEMU tests many times and report each flake.

A QEMU test that fails once in fifty runs is a bug (a race in the kernel, a
timeout too tight, a lost wakeup): this finds it, and keeps its serial logs.

Programs are kernel-base and every chapters/NN-name with a Makefile, found
when the soak starts. The tree is copied first (without build/ and other
generated folders) to build/soak/tree, so that edits made while the soak runs
neither break it nor mix two versions of the code into one result; --in-place
soaks the working tree instead.

Each run is `make -C PROGRAM test-qemu`, as make test runs it. A failing run's
output and its serial logs (tools/qemu-test.py writes them to
build/NAME/qemu-test/) are copied to build/soak/failures/NAME/run-K/ before
the next run overwrites them. Ends with runs and failures per program; exits
1 on any failure. A failure is never retried.

--load N starts N busy processes (each a loop that never sleeps) for the
whole soak, so QEMU competes for the cores as on a loaded CI machine: a test
whose verdict depends on the host's speed shows up here.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GENERATED = shutil.ignore_patterns("build", "workspace", ".git", "__pycache__")
# The outer make's settings would point the copy's builds back at this tree
# (ROOT, BUILD) or at its jobserver.
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("ROOT", "BUILD", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}


def programs(tree):
    chapters = sorted(os.path.dirname(os.path.relpath(m, tree))
                      for m in glob.glob(os.path.join(tree, "chapters", "[0-9][0-9]-*", "Makefile")))
    return ["kernel-base"] + chapters


def make(tree, program, target, timeout):
    """Run one make target; return (exit code, output). A make that outlives
    its timeout counts as a failure with code None."""
    try:
        result = subprocess.run(["make", "--no-print-directory", "-C", program, target],
                                cwd=tree, env=CLEAN_ENV, capture_output=True, text=True,
                                timeout=timeout)
        return result.returncode, result.stdout + result.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out + f"\nsoak: make {target} still running after {timeout}s: killed\n"


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
    parser.add_argument("--in-place", action="store_true", help="soak the working tree itself")
    parser.add_argument("--only", help="only programs whose folder name starts with this")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per make test-qemu")
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "soak"))
    parser.add_argument("--load", type=int, default=0, help="busy processes beside the soak")
    args = parser.parse_args()
    with busy_processes(args.load):
        return soak(args)


def soak(args):
    started = time.monotonic()
    shutil.rmtree(os.path.join(args.out, "failures"), ignore_errors=True)
    if args.in_place:
        tree = ROOT
    else:
        tree = os.path.join(args.out, "tree")
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(ROOT, tree, ignore=GENERATED)
    progs = [p for p in programs(tree)
             if not args.only or os.path.basename(p).startswith(args.only)]
    print(f"soak: {args.runs} runs of {' '.join(progs)} in {os.path.relpath(tree, ROOT) or '.'}"
          f", {args.load} busy processes beside it")

    # Build once up front: a program that does not build is reported as such,
    # not as fifty flakes.
    runnable, broken = [], []
    for program in progs:
        code, output = make(tree, program, "kernel", args.timeout)
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
            code, output = make(tree, program, "test-qemu", args.timeout)
            seconds[program] += time.monotonic() - start
            if code != 0:
                dest = keep_failure(tree, program, run, output, args.out)
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
              f"{os.path.relpath(os.path.join(args.out, 'failures'), ROOT)}/")
    return 1 if broken or any(failures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
