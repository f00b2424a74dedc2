#!/usr/bin/env python3
"""Plant each bug of tests/mutants.txt (`--only NAME,...`: those) in a copy
of the tree (build/mutants/treeN, one per core); the tests its caught-by:
line names must fail, and their output match expect: (the format is at the
top of the list). The run fails when a mutant's old text is not in its file
exactly once (the list cannot rot), when a mutant does not compile, and when
a caught-by command fails on the unmodified tree (then failing proves
nothing). A mutated tree that is not caught is kept in build/mutants/kept/.
"""
import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import sys
import time

from common import GENERATED, ROOT, program_name, programs, sh, tail

JOBS = os.cpu_count() or 2
LIST = os.path.join(ROOT, "tests", "mutants.txt")
OUT = os.path.join(ROOT, "build", "mutants")
TIMEOUT = 240  # seconds per test command

class ListError(Exception):
    pass

class Mutant:
    def __init__(self, name, line):
        self.name, self.line, self.bug, self.caught_by, self.expect = name, line, "", None, None
        self.edits = []  # [file, old, new]

def parse(path):
    """Read the mutant list: `key: value` lines, and text blocks whose every
    line is `|` followed by the line of code exactly as it is in the file."""
    mutants, current, block = [], None, None
    with open(path) as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines, 1):
        where = f"{os.path.relpath(path, ROOT)}:{number}"
        if block is not None and line.startswith("|"):
            block.append(line[1:])
            continue
        block = None
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        value = value.strip()
        if not sep:
            raise ListError(f"{where}: expected 'key: value', got {line!r}")
        if key == "mutant":
            current = Mutant(value, where)
            mutants.append(current)
            continue
        if current is None:
            raise ListError(f"{where}: {key}: before the first mutant:")
        if key == "file":
            current.edits.append([value, None, None])
        elif key in ("old", "new"):
            if not current.edits or value:
                raise ListError(f"{where}: {key}: goes after a file: line, alone, "
                                "with its text on the lines below")
            block = []
            current.edits[-1][1 if key == "old" else 2] = block
        elif key in ("bug", "caught-by", "expect"):
            setattr(current, key.replace("-", "_"), value)
        else:
            raise ListError(f"{where}: unknown key {key!r}")
    for m in mutants:
        if not m.edits or not m.caught_by:
            raise ListError(f"{m.line}: mutant {m.name} needs file:, old:, new: and caught-by:")
        for edit in m.edits:
            if edit[1] is None or edit[2] is None or not edit[1]:
                raise ListError(f"{m.line}: mutant {m.name}: {edit[0]} needs old: and new: text")
    names = [m.name for m in mutants]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ListError(f"mutant names used twice: {', '.join(sorted(dupes))}")
    return mutants

def apply(tree, mutant, originals=None):
    """Apply a mutant's edits to the files of tree (in order: each old text
    is looked for as the edits before it leave the file), saving each file's
    text in originals first; with originals None, only check that they
    apply, writing nothing. Returns an error message or None."""
    texts = {}
    for file, old, new in mutant.edits:
        path = os.path.join(tree, file)
        if path not in texts:
            if not os.path.isfile(path):
                return f"STALE: {file} does not exist"
            with open(path) as f:
                texts[path] = f.read()
        old_text, count = "\n".join(old), texts[path].count("\n".join(old))
        if count != 1:
            first = old[0].strip()
            return (f"STALE: the old text ({first!r}...) is not in {file}" if count == 0 else
                    f"AMBIGUOUS: the old text ({first!r}...) is in {file} {count} times")
        if originals is not None:
            originals.setdefault(path, texts[path])
        texts[path] = texts[path].replace(old_text, "\n".join(new))
    if originals is not None:
        write(texts)
    return None

def write(texts):
    """Write {path: text}; undoing a mutant so leaves its files newer than the
    mutant's objects, and make builds them again."""
    for path, text in texts.items():
        with open(path, "w") as f:
            f.write(text)

def run_tests(tree, caught_by, timeout):
    """Run what a caught-by line names in a tree. Returns (status, output)
    with status 'pass', 'fail', 'timeout' or 'nobuild'."""
    words = shlex.split(caught_by)
    if words[0] == "host":
        program, args = words[1], words[2:]
        code, out = sh(["make", "--no-print-directory", f"-j{JOBS}", "-C", program,
                        "host-tests"], tree, timeout)
        if code != 0:
            return "nobuild", out
        binary = os.path.join(tree, "build", program_name(tree, program), "host-tests")
        code, out = sh(["env", "ASAN_OPTIONS=detect_leaks=0", binary] + args,
                       os.path.join(tree, program), timeout)
    else:
        code, out = sh(caught_by, tree, timeout)
    if code is None:
        return "timeout", out
    return ("pass" if code == 0 else "fail"), out

def failed_tests(output):
    """The Criterion tests that failed, from their [FAIL] lines."""
    names = re.findall(r"^\[FAIL\] (\S+?):? ", output + "\n", re.M)
    return sorted(set(names))

def seed_build(tree):
    """Start a copy's build/ with the programs' builds of the tree itself
    (make test has just made them all), so that a baseline runs its tests
    without compiling everything again. Copies keep their times, and make
    rebuilds only what a mutant's edit makes older than its sources; a .d
    file names its object by absolute path, so it is rewritten to the
    copy's, or a mutated header would rebuild nothing."""
    for program in programs(tree):
        name = program_name(tree, program)
        for build in (name, f"{name}-naive"):
            src = os.path.join(ROOT, "build", build)
            if not os.path.isdir(src):
                continue
            dest = os.path.join(tree, "build", build)
            shutil.copytree(src, dest, symlinks=True)
            for folder, _, files in os.walk(dest):
                for d in (os.path.join(folder, f) for f in files if f.endswith(".d")):
                    with open(d) as f:
                        text = f.read()
                    with open(d, "w") as f:
                        f.write(text.replace(os.path.join(ROOT, "build", ""),
                                             os.path.join(tree, "build", "")))
                    shutil.copystat(os.path.join(src, os.path.relpath(d, dest)), d)

def run_share(index, mutants):
    """Plant `mutants` one after another in a copy of the tree of its own.
    Each test command must pass on the copy unmodified first (which builds
    what seed_build did not bring), or its failing on a mutant proves
    nothing: None then."""
    tree = os.path.join(OUT, f"tree{index}")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ROOT, tree, ignore=GENERATED)
    seed_build(tree)
    baseline = [(c, run_tests(tree, c, TIMEOUT)) for c in sorted({m.caught_by for m in mutants})]
    for caught_by, (status, out) in baseline:
        if status != "pass":
            print(f"BASELINE FAILS ({status}): {caught_by}\n{tail(out)}", flush=True)
    if any(status != "pass" for _, (status, _) in baseline):
        return None
    rows = []
    for m in mutants:
        t0 = time.monotonic()
        originals = {}
        error = apply(tree, m, originals)
        if error:
            verdict, detail, out = error, "", ""
        else:
            status, out = run_tests(tree, m.caught_by, TIMEOUT)
            names = failed_tests(out)
            if status == "nobuild":
                verdict, detail = "BROKEN: does not compile", ""
            elif status == "pass":
                verdict, detail = "MISSED: the tests pass", ""
            elif m.expect and not re.search(m.expect, out):
                verdict, detail = f"WRONG REASON: no output matches {m.expect!r}", ""
            else:
                verdict = "caught" if status == "fail" else "caught (by the timeout)"
                detail = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
                if not detail and m.expect:
                    detail = re.search(f".*{m.expect}.*", out).group(0).strip(" |")[:70]
        rows.append((m.name, m.caught_by, verdict, detail, time.monotonic() - t0))
        report = f"{m.name}: {verdict}{' (' + detail + ')' if detail else ''}"
        if not verdict.startswith("caught"):
            report += f"\n    {m.bug}" + (f"\n{tail(out)}" if out else "")
        if originals and not verdict.startswith("caught"):
            kept = os.path.join(OUT, "kept", m.name)
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(tree, kept, ignore=GENERATED)
            report += f"\n    the mutated tree: {os.path.relpath(kept, ROOT)}"
        print(report, flush=True)
        write(originals)
    return rows

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated mutant names")
    args = parser.parse_args()

    start = time.monotonic()
    try:
        mutants = parse(LIST)
    except ListError as e:
        print(f"mutants: {e}")
        return 1
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m.name for m in mutants}
        if unknown:
            print(f"mutants: no mutant named {', '.join(sorted(unknown))}")
            return 1
        mutants = [m for m in mutants if m.name in wanted]

    # Every old text must still be in its file before anything runs: a list
    # that has fallen behind the code is reported at once, all of it.
    stale = [(m, e) for m in mutants for e in [apply(ROOT, m)] if e]
    for m, error in stale:
        print(f"{m.name}: {error}")
    if stale:
        print(f"mutants: {len(stale)} mutants no longer match the code; update them in "
              f"{os.path.relpath(LIST, ROOT)}")
        return 1

    # Mutants that share a caught-by share a copy of the tree (which then
    # builds only what its commands run); the copies run side by side.
    groups = {}
    for m in mutants:
        groups.setdefault(m.caught_by, []).append(m)
    shares = [[] for _ in range(max(1, min(JOBS, len(groups))))]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(shares, key=len).extend(group)
    with concurrent.futures.ThreadPoolExecutor(len(shares)) as pool:
        results = list(pool.map(lambda job: run_share(*job), enumerate(shares)))
    if None in results:
        print("mutants: the unmodified tree fails the tests above; fix that first")
        return 1
    rows = [row for r in results for row in r]
    bad = sum(not row[2].startswith("caught") for row in rows)

    width = max([len(r[0]) for r in rows] + [6])
    cwidth = max([len(r[1]) for r in rows] + [9])
    print(f"\n{'mutant':{width}}  {'caught-by':{cwidth}}  {'s':>5}  verdict")
    for name, caught_by, verdict, detail, spent in rows:
        print(f"{name:{width}}  {caught_by:{cwidth}}  {spent:5.1f}  {verdict}"
              + (f": {detail}" if detail else ""))
    total = time.monotonic() - start
    print(f"{len(rows) - bad} of {len(rows)} planted bugs caught in {total:.0f} s")
    return 1 if bad or not rows else 0

if __name__ == "__main__":
    sys.exit(main())
