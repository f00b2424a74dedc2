#!/usr/bin/env python3
"""The grader's own tests, on the tiny chapter next to this file
(01-selftest: exercises 1.1 and 1.2 in src/calc.c, 1.3 in src/list.c).

Marker and manifest errors, the starter generator, grading the reference
and the starter, scoring a solved exercise, and a batch of broken
submissions (a syntax error, an endless loop, a NULL dereference, a wild
pointer, tampered tests, a missing file) that must each get a clear report
without stopping the batch. Finally, the invariants must catch a test that
does not test its exercise. Work goes to $(ROOT)/build/grade-selftest/.
"""

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE.parent))

import manifest  # noqa: E402
import regions  # noqa: E402

CHAPTER = HERE / "01-selftest"
TIMEOUT = "2"  # seconds per test: the endless loop costs this much


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, output=""):
        print(f"{'PASS' if ok else 'FAIL'}  {what}", flush=True)
        if not ok and output:
            print("\n".join("        " + line for line in output.rstrip().splitlines()[-40:]))
        self.passed += bool(ok)
        self.failed += not ok
        return ok


def grade_tool(root, *args):
    cmd = [sys.executable, str(HERE.parent / "grade.py"), *args, "--root", str(root),
           "--chapters", str(CHAPTER.relative_to(root)), "--timeout", TIMEOUT]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    env["NO_COLOR"] = "1"
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    return done.returncode, done.stdout + done.stderr


def expect_error(text, files, pattern):
    """Write files into a scratch chapter, scan it; the error must match."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            (Path(tmp) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / name).write_text(content)
        try:
            if "exercises" in files:
                manifest.parse(Path(tmp) / "exercises")
            else:
                regions.scan(tmp)
        except manifest.ManifestError as e:
            return re.search(pattern, str(e)) is not None, str(e)
        return False, "no error"


def unit_checks(c):
    fn = "int f(int x)\n{\n"
    cases = [
        ("nested regions are an error with file:line",
         {"src/a.c": fn + "// exercise: 1.1 begin\n// exercise: 1.2 begin\n"
                           "// exercise: 1.2 end\n// exercise: 1.1 end\n}\n"},
         r"src/a.c:4: exercise 1.2 begins inside exercise 1.1"),
        ("an unclosed region is an error",
         {"src/a.c": fn + "    // exercise: 1.1 begin\n    return x;\n}\n"},
         r"src/a.c:3: exercise 1.1 begins but never ends"),
        ("an end without a begin is an error",
         {"src/a.c": fn + "    return x;\n    // exercise: 1.1 end\n}\n"},
         r"src/a.c:4: exercise 1.1 ends but never began"),
        ("mismatched ids are an error",
         {"src/a.c": fn + "// exercise: 1.1 begin\n// exercise: 1.2 end\n}\n"},
         r"src/a.c:4: exercise 1.2 ends, but the open region is exercise 1.1"),
        ("a misspelt marker is an error",
         {"src/a.c": fn + "    // exercise 1.1 begin\n}\n"},
         r"src/a.c:3: malformed exercise marker"),
        ("a region outside a function body is an error",
         {"src/a.c": "// exercise: 1.1 begin\nint y;\n// exercise: 1.1 end\n"},
         r"src/a.c:1: .* not inside a function body"),
        ("a region that leaves a brace open is an error",
         {"src/a.c": fn + "    // exercise: 1.1 begin\n    if (x) {\n    // exercise: 1.1 end\n"
                           "    }\n}\n"},
         r"src/a.c:3: .* opens or closes a brace"),
        ("a manifest without points is an error with file:line",
         {"exercises": "exercise 1.1: A\ntests: a/b\nhint: h\n"},
         r"exercises:1: exercise 1.1 has no points:"),
        ("a duplicate exercise is an error",
         {"exercises": "exercise 1.1: A\npoints: 1\ntests: a/b\nhint: h\n\n"
                       "exercise 1.1: B\npoints: 1\ntests: a/c\nhint: h\n"},
         r"exercises:6: exercise 1.1 is listed twice"),
        ("an unknown manifest line is an error",
         {"exercises": "exercise 1.1: A\npoints: 1\ntest: a/b\nhint: h\n"},
         r"exercises:3: expected one of"),
    ]
    for what, files, pattern in cases:
        ok, got = expect_error(what, files, pattern)
        c.check(ok, what, got)

    source = ('// top\n#include "a.h"\n#ifdef HOST\n#include <stdio.h>\n#endif\n\n'
              'int f(int x)\n{\n    int y = 0;\n    // exercise: 2.1 begin\n    // region: r\n'
              '    y = x;\n    // endregion: r\n    // exercise: 2.1 end\n    return y;\n}\n')
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "a.c").write_text(source)
        found = regions.scan(tmp)
        out = regions.strip_text(source, found)
    expected = ('// top\n#include "a.h"\n#include "exercise.h"\n#ifdef HOST\n#include <stdio.h>\n'
                '#endif\n\nint f(int x)\n{\n    int y = 0;\n    exercise_not_done("2.1");\n'
                '    // region: r\n    // endregion: r\n    return y;\n}\n')
    c.check(out == expected, "a stub replaces the region at its indentation, exercise.h goes "
                             "after the last top-level #include, book markers stay", out)


def make_submissions(root, work, starter):
    """A folder of submissions, each a copy of the starter with a twist."""
    subs = work / "submissions"
    ref = lambda rel: (CHAPTER / rel).read_text()  # noqa: E731

    def sub(name, files=None, remove=()):
        dest = subs / name
        shutil.copytree(starter, dest, ignore=shutil.ignore_patterns("build"))
        for rel, text in (files or {}).items():
            (dest / rel).write_text(text)
        for rel in remove:
            (dest / rel).unlink()

    solved = {"src/calc.c": ref("src/calc.c"), "src/list.c": ref("src/list.c")}
    sub("a-solved", solved)
    sub("b-untouched")
    sub("c-syntax-error", {**solved, "src/calc.c": ref("src/calc.c").replace(
        "sum += values[i];", "sum += values[i]")})
    sub("d-endless-loop", {**solved, "src/list.c": ref("src/list.c").replace(
        "for (; head; head = head->next)\n        n++;", "while (head)\n        n++;")})
    sub("e-null-dereference", {**solved, "src/list.c": ref("src/list.c").replace(
        "for (; head; head = head->next)\n        n++;",
        "for (;; head = head->next)\n        n++;")})
    sub("f-wild-pointer", {**solved, "src/calc.c": ref("src/calc.c").replace(
        "uint32_t best = 0;", "uint32_t best = *(volatile uint32_t *)(uintptr_t)64;")})
    sub("g-tampered-tests", {"tests/host/test_list.c": "// nothing to see here\n"})
    sub("h-missing-file", solved, remove=["src/list.c"])
    # Not a chapter at all: must not stop the batch either.
    (subs / "i-empty").mkdir(parents=True)
    return subs


def watch_regrades(c, root, starter, how):
    """watch grades, waits, and grades again when a source file changes."""
    calc = starter / "src" / "calc.c"
    original = calc.read_text()
    cmd = [sys.executable, str(HERE.parent / "grade.py"), "watch", "--root", str(root),
           "--dir", str(starter), "--timeout", TIMEOUT, "--rounds", "2", "--seed", "3", *how]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    log = starter.parent / "watch.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 120
        while "Watching" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        calc.write_text(original.replace('exercise_not_done("1.2");', "uint32_t best = 0;\n"
                        "    for (unsigned i = 0; i < n; i++)\n        if (values[i] > best)\n"
                        "            best = values[i];\n    return best;"))
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log.read_text()
    calc.write_text(original)
    scores = re.findall(r"^Score: (\d+)/30", text, re.M)
    mode = "polling" if how else "inotifywait"
    c.check(scores[-2:] == ["10", "15"] and "Next: exercise 1.3" in text,
            f"watch ({mode}): a saved solution of 1.2 is graded at once (10 -> 15), "
            f"next is 1.3", text)


def end_to_end(c, root):
    work = root / "build" / "grade-selftest"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    starter = work / "starter"

    rc, out = grade_tool(root, "check", "--ch", "01")
    c.check(rc == 0, "check: the self-test chapter's manifest and regions agree", out)

    rc, out = grade_tool(root, "grade", "--ch", "01", "--dir", str(CHAPTER),
                         "--report", str(work / "ref.json"))
    c.check(rc == 0 and "Score: 30/30" in out, "grade: the reference scores 30/30, exit 0", out)
    rep = json.loads((work / "ref.json").read_text())
    fields = {"chapter", "dir", "seed", "score", "max_score", "exercises"}
    ex_fields = {"id", "title", "points", "earned", "status", "time_s", "messages"}
    c.check(fields <= rep.keys() and all(ex_fields <= e.keys() for e in rep["exercises"]),
            "grade: the JSON report has its fields", json.dumps(rep)[:400])

    rc, out = grade_tool(root, "start", "--ch", "01", "--dir", str(starter))
    c.check(rc == 0 and (starter / "src" / "calc.c").is_file(), "start: writes the starter", out)
    calc = (starter / "src" / "calc.c").read_text()
    c.check('exercise_not_done("1.1");' in calc and "sum += values" not in calc
            and '#include "exercise.h"' in calc, "start: regions are stubs, exercise.h included",
            calc)
    (starter / "mine.txt").write_text("my work")
    rc, out = grade_tool(root, "start", "--ch", "01", "--dir", str(starter))
    c.check(rc != 0 and (starter / "mine.txt").exists() and "FORCE=1" in out,
            "start: refuses to overwrite existing work without FORCE", out)
    rc, out = grade_tool(root, "start", "--ch", "01", "--dir", str(starter), "--force")
    backups = list(work.glob("starter.backup-*"))
    c.check(rc == 0 and backups and (backups[0] / "mine.txt").exists()
            and not (starter / "mine.txt").exists(),
            "start: FORCE=1 starts over and keeps a backup", out)

    subs = make_submissions(root, work, starter)
    rc, out = grade_tool(root, "grade", "--dir", str(starter), "--report",
                         str(work / "starter.json"))
    rep = json.loads((work / "starter.json").read_text())
    c.check(rc == 1 and "Score: 0/30" in out
            and all(e["status"] == "not done" for e in rep["exercises"])
            and "exercise 1.1 is not done yet" in out and "hint: " in out,
            "grade: the starter scores 0/30 ('not done' with hints), exit 1", out)

    # make inside the starter: the same targets as in a chapter folder.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "-C", str(starter), "kernel", "grade", "SEED=7"],
                          capture_output=True, text=True, env=env, timeout=600)
    c.check((starter / "build" / "kernel32.elf").is_file() and "Score: 0/30" in done.stdout,
            "make kernel and make grade work inside the starter", done.stdout + done.stderr)

    solved = (starter / "src" / "calc.c").read_text().replace(
        'exercise_not_done("1.1");', "for (unsigned i = 0; i < n; i++)\n        sum += values[i];")
    (starter / "src" / "calc.c").write_text(solved)
    rc, out = grade_tool(root, "grade", "--dir", str(starter))
    c.check(rc == 1 and "Score: 10/30" in out, "grade: solving exercise 1.1 raises the score "
                                               "by its 10 points", out)

    rc, out = grade_tool(root, "watch", "--dir", str(starter), "--once")
    c.check(rc == 1 and "Next: exercise 1.2" in out and "hint: Track" in out,
            "watch --once: shows the next unsolved exercise and its hint", out)
    modes = [["--poll", "--interval", "0.2"]]
    if shutil.which("inotifywait"):
        modes.append([])
    for how in modes:
        watch_regrades(c, root, starter, how)

    started = time.monotonic()
    rc, out = grade_tool(root, "grade-all", "--ch", "01", "--submissions", str(subs),
                         "--out", str(work / "batch"))
    took = time.monotonic() - started
    rows = {}
    if (work / "batch" / "grades.csv").is_file():
        with open(work / "batch" / "grades.csv") as f:
            rows = {r["submission"]: r for r in csv.DictReader(f)}
    c.check(rc == 0 and len(rows) == 9, f"grade-all: every submission graded, CSV written "
                                        f"({took:.0f}s)", out)
    batch = {}
    if (work / "batch" / "grades.json").is_file():
        batch = {s["submission"]: s for s in
                 json.loads((work / "batch" / "grades.json").read_text())["submissions"]}

    def ex(name, ex_id):
        return next((e for e in batch.get(name, {}).get("exercises", []) if e["id"] == ex_id),
                    {"status": "?", "messages": []})

    def row(name):
        return rows.get(name, {})

    c.check(row("a-solved").get("total") == "30", "grade-all: a solved submission scores 30",
            out)
    c.check(row("b-untouched").get("total") == "0", "grade-all: an untouched starter scores 0",
            out)
    syntax = batch.get("c-syntax-error", {})
    c.check(row("c-syntax-error").get("status") == "compile error"
            and any("error" in line for line in syntax.get("build", {}).get("errors", []))
            and all(e["status"] == "compile error" for e in syntax.get("exercises", [])),
            "grade-all: a syntax error: 0, 'compile error', the compiler's first error kept",
            json.dumps(syntax.get("build", {}), indent=1))
    loop = ex("d-endless-loop", "1.3")
    c.check(loop["status"] == "timed out" and f"timed out after {TIMEOUT}s" in loop["messages"][0]
            and row("d-endless-loop").get("total") == "15",
            "grade-all: an endless loop: 'timed out after 2s' for 1.3 only", json.dumps(loop))
    null = ex("e-null-dereference", "1.3")
    c.check(null["status"] == "crashed" and "SIGSEGV" in null["messages"][0]
            and "src/list.c:" in " ".join(null["messages"])
            and row("e-null-dereference").get("total") == "15",
            "grade-all: a NULL dereference: 'crashed (SIGSEGV)' at src/list.c for 1.3 only",
            json.dumps(null))
    wild = ex("f-wild-pointer", "1.2")
    c.check(wild["status"] == "crashed" and "SIGSEGV" in wild["messages"][0]
            and "calc_max" in " ".join(wild["messages"]),
            "grade-all: a wild pointer: 'crashed (SIGSEGV)' in calc_max()", json.dumps(wild))
    c.check(row("g-tampered-tests").get("total") == "0"
            and "tests/host/test_list.c" in row("g-tampered-tests").get("notes", ""),
            "grade-all: edited tests are ignored and named in the notes",
            json.dumps(row("g-tampered-tests")))
    c.check(row("h-missing-file").get("total") == "15"
            and "missing" in row("h-missing-file").get("notes", ""),
            "grade-all: a missing file is graded as not done, never as the reference",
            json.dumps(row("h-missing-file")))
    c.check(row("i-empty").get("total") == "0", "grade-all: an empty folder scores 0",
            json.dumps(row("i-empty")))

    # The invariants must catch a test that passes on its stub.
    weak = work / "weakened" / "01-selftest"
    shutil.copytree(CHAPTER, weak)
    test = weak / "tests" / "host" / "test_calc.c"
    test.write_text(test.read_text().replace(
        "uint32_t got = calc_max(v, n);", "uint32_t got = expected;"))
    rc, out = grade_tool(root, "invariants", "--dir", str(weak))
    c.check(rc == 1 and re.search(r"FAIL .*exercise 1\.2 stripped alone", out)
            and "exercise 1.2 scores 5/5 on its stub" in out,
            "invariants: a test weakened on purpose (1.2 no longer calls calc_max) is caught",
            out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=str(HERE.parent.parent.parent))
    args = p.parse_args()
    root = Path(args.root).resolve()
    started = time.monotonic()
    c = Checks()
    print("The grader's self-test")
    unit_checks(c)
    end_to_end(c, root)
    print(f"selftest took {time.monotonic() - started:.0f}s")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
