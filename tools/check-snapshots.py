#!/usr/bin/env python3
"""Chapters are snapshots of the runtime their kernel runs:
1. a file chapter N+1 carries over from chapter N is byte-identical, unless
   its `snapshot-changes` file says why (`src/task.h: a task gains an id`);
   Makefile, exercises, src/main.c and tests/expected-output.txt may differ;
2. every file under a chapter's src/ and tests/ is used by its own build.
So `diff -r` of two chapters shows the lesson. Ends with `N passed, N failed`.
"""
import filecmp
import re
import subprocess
import sys
from pathlib import Path

CHANGES_FILE = "snapshot-changes"
ALWAYS_DIFFERENT = {"Makefile", "exercises", "src/main.c", "tests/expected-output.txt", CHANGES_FILE}
NOT_BUILT = {"tests/expected-output.txt"}  # read by the QEMU test, not compiled

def declared_changes(chapter):
    """{path: reason} from the chapter's snapshot-changes file."""
    path = chapter / CHANGES_FILE
    changes, problems = {}, []
    if not path.is_file():
        return changes, problems
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = re.fullmatch(r"\s*(\S+?):\s*(\S.*)", line)
        if not m:
            problems.append(f"{path.name}:{n}: write 'path: why it changed'")
            continue
        changes[m.group(1)] = m.group(2)
    return changes, problems

def files(chapter):
    return {p.relative_to(chapter).as_posix() for p in chapter.rglob("*")
            if p.is_file() and "build" not in p.relative_to(chapter).parts}

def build_files(chapter):
    """The chapter's own files that its build compiles or includes."""
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(chapter),
                          "print-build-files"], capture_output=True, text=True, check=True)
    info = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    sources = sorted(set(info["sources"].split()))
    used = set(sources)
    for flags in (info["kernel-flags"], info["host-flags"]):
        deps = subprocess.run(["gcc", "-MM", "-MG", "-std=gnu11", *flags.split(), *sources],
                              cwd=chapter, capture_output=True, text=True)
        if deps.returncode:
            raise RuntimeError(f"{chapter.name}: gcc -MM failed:\n{deps.stderr}")
        for word in deps.stdout.replace("\\\n", " ").split():
            if word.endswith(":"):
                continue
            path = (chapter / word).resolve()
            if path.is_relative_to(chapter.resolve()):
                used.add(path.relative_to(chapter.resolve()).as_posix())
    return used

def check_carried(before, after):
    changes, problems = declared_changes(after)
    carried = sorted(files(before) & files(after))
    for f in carried:
        if f in ALWAYS_DIFFERENT or f in changes:
            continue
        if not filecmp.cmp(before / f, after / f, shallow=False):
            problems.append(f"{f} differs from {before.name}'s (fix both chapters, or say why "
                            f"in {after.name}/{CHANGES_FILE})")
    for f in sorted(changes):
        if f not in carried:
            problems.append(f"{CHANGES_FILE} names {f}, which {after.name} does not carry "
                            f"from {before.name}")
        elif filecmp.cmp(before / f, after / f, shallow=False):
            problems.append(f"{CHANGES_FILE} names {f}, but it is unchanged")
    return carried, problems

def check_used(chapter):
    used = build_files(chapter)
    mine = {f for f in files(chapter) if f.split("/")[0] in ("src", "tests")}
    return [f"{f} is not used by {chapter.name}'s build (an exhibit left behind?)"
            for f in sorted(mine - used - NOT_BUILT)]

def report(ok, title, problems):
    print(f"{'PASS' if ok else 'FAIL'}  {title}")
    for p in problems:
        print(f"        {p}")

def main():
    root = Path(__file__).resolve().parent.parent
    chapters = sorted(p.parent for p in root.glob("chapters/[0-9][0-9]-*/Makefile"))
    passed = failed = 0
    for chapter in chapters:
        problems = check_used(chapter)
        report(not problems, f"{chapter.name}: every file is used by its build", problems)
        passed, failed = passed + (not problems), failed + bool(problems)
    for before, after in zip(chapters, chapters[1:]):
        carried, problems = check_carried(before, after)
        report(not problems, f"{after.name} carries {before.name}'s files unchanged "
               f"({len(carried)} files)", problems)
        passed, failed = passed + (not problems), failed + bool(problems)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
