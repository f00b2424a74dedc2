#!/usr/bin/env python3
"""Chapters are snapshots: a file that chapter N+1 carries over from chapter N
must be byte-identical, unless chapter N+1 means to change it. The files every
chapter rewrites (its Makefile, main.c, exercise manifest, expected output)
are expected to differ; any other change is declared in the later chapter's
Makefile as `SNAPSHOT_CHANGES := path path ...`. A fix made in one chapter and
forgotten in the next fails here. Ends with `N passed, N failed`.
"""
import filecmp
import re
import sys
from pathlib import Path

ALWAYS_DIFFERENT = {"Makefile", "exercises", "src/main.c", "tests/expected-output.txt"}


def declared_changes(chapter):
    text = (chapter / "Makefile").read_text()
    m = re.search(r"^SNAPSHOT_CHANGES\s*[:+]?=\s*((?:.*\\\n)*.*)$", text, re.M)
    return set(m.group(1).replace("\\\n", " ").split()) if m else set()


def files(chapter):
    return {p.relative_to(chapter).as_posix() for p in chapter.rglob("*")
            if p.is_file() and "build" not in p.relative_to(chapter).parts}


def main():
    root = Path(__file__).resolve().parent.parent
    chapters = sorted(p.parent for p in root.glob("chapters/[0-9][0-9]-*/Makefile"))
    passed = failed = 0
    for before, after in zip(chapters, chapters[1:]):
        allowed = ALWAYS_DIFFERENT | declared_changes(after)
        carried = sorted(files(before) & files(after))
        bad = [f for f in carried
               if f not in allowed and not filecmp.cmp(before / f, after / f, shallow=False)]
        stale = sorted(f for f in declared_changes(after) if f not in carried)
        if bad or stale:
            failed += 1
            print(f"FAIL  {after.name} carries {before.name}'s files unchanged")
            for f in bad:
                print(f"        {f} differs (fix both chapters, or list it in "
                      f"{after.name}/Makefile's SNAPSHOT_CHANGES)")
            for f in stale:
                print(f"        SNAPSHOT_CHANGES names {f}, which {before.name} does not have")
        else:
            passed += 1
            print(f"PASS  {after.name} carries {before.name}'s files unchanged "
                  f"({len(carried)} files)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
