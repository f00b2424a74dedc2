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
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(HERE.parent))

import grading  # noqa: E402
import manifest  # noqa: E402
import regions  # noqa: E402
import runner  # noqa: E402

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

def grade_tool(root, *args, env=None):
    cmd = [sys.executable, str(HERE.parent / "grade.py"), *args, "--root", str(root),
           "--chapters", str(CHAPTER.relative_to(root)), "--timeout", TIMEOUT]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")} | (env or {})
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
    null = {**solved, "src/list.c": ref("src/list.c").replace(
        "for (; head; head = head->next)\n        n++;", "for (;; head = head->next)\n        n++;")}
    sub("e-null-dereference", null)
    sub("f-wild-pointer", {**solved, "src/calc.c": ref("src/calc.c").replace(
        "uint32_t best = 0;", "uint32_t best = *(volatile uint32_t *)(uintptr_t)64;")})
    sub("g-tampered-tests", {"tests/host/test_list.c": "// nothing to see here\n"})
    sub("h-missing-file", solved, remove=["src/list.c"])
    # Not a chapter at all: must not stop the batch either.
    (subs / "i-empty").mkdir(parents=True)
    sub("b2-untouched")  # the same as b-untouched: graded once
    # The code of a-solved and of e-null-dereference, with a comment: other
    # text, the same code. The first passes without running its tests; the
    # second runs them again, and its crash names its own line.
    commented = lambda files: {rel: "// my work\n" + text for rel, text in files.items()}  # noqa
    sub("n-solved-commented", commented(solved))
    sub("o-null-dereference-commented", commented(null))
    # Hostile ones: each must be contained, and reported as what it is.
    calc, length = ref("src/calc.c"), "for (; head; head = head->next)\n        n++;"
    writes = "".join(f'    {{ FILE *f = fopen("{t}", "w"); if (f) fclose(f); }}\n'
                     for t in outside_targets(root, work))
    sub("j-writes-outside", {**solved, "src/calc.c": "#include <stdio.h>\n" + calc.replace(
        "    uint64_t sum = 0;\n", "    uint64_t sum = 0;\n" + writes)})
    sub("k-forks-forever", {**solved, "src/calc.c": "#include <unistd.h>\n" + calc.replace(
        "    uint32_t best = 0;", "    uint32_t best = 0; // how many forks worked\n"
        "    for (pid_t p; best < 1000 && (p = fork()) >= 0; best++)\n"
        "        while (p == 0)\n            pause();\n    return best / 64; // 0: fewer than 64")})
    def forever(body):
        return ref("src/list.c").replace(length, "while (head)\n        " + body)
    sub("l-allocates-forever", {**solved, "src/list.c": "#include <stdlib.h>\n#include <string.h>\n"
        + forever("memset(malloc(1 << 20), 1, 1 << 20);")})
    sub("m-prints-forever", {**solved, "src/list.c": "#include <stdio.h>\n"
        + forever('fputs("spam, spam, spam, spam\\n", stdout);')})
    return subs

def outside_targets(root, work):
    """Where j-writes-outside tries to write: a file it may not change and
    one it may not create in the build folder, another student's work, the
    workbook, the grader's home. Where grade-all has no sandbox (no bwrap,
    or a clone that its user nobody cannot reach, as in a mktemp -d folder
    of root's), those writes would succeed: then it writes to scratch files,
    so that a-solved stays solved for the later runs and the workbook and
    the home stay clean (the containment checks are skipped there)."""
    if runner.Sandbox(root).mode != "bwrap":
        return [work / "unsandboxed" / name for name in ("keep", "new", "other", "workbook",
                                                          "home")]
    return [work / "outside" / "keep.txt", work / "outside" / "new.txt",
            work / "submissions" / "a-solved" / "src" / "calc.c", CHAPTER / "pwned.txt",
            Path.home() / ".grade-selftest-pwned"]

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

def clean_env(**extra):
    """The environment of a learner's shell: no make flags, no workbook."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MAKELEVEL", "ROOT", "WORKBOOK")}
    env.update(extra)
    return env

def make(folder, *targets, env=None):
    done = subprocess.run(["make", "-C", str(folder), *targets], capture_output=True, text=True,
                          env=env or clean_env(), timeout=600)
    return done.returncode, done.stdout + done.stderr

def hint_ladder(c, root, starter):
    """A failure shows the first hint; make hint shows the next, one more
    each time; HINT=n shows n; HINTS=0 none."""
    rc, out = grade_tool(root, "hint", "--dir", str(starter), "--ex", "1.2")
    c.check(rc == 0 and "hint 2 of 3: Track" in out and "hint 3" not in out,
            "hint: the first ask shows the second hint, not the third", out)
    rc, out = grade_tool(root, "hint", "--dir", str(starter), "--ex", "1.2")
    c.check(rc == 0 and "hint 3 of 3: Start best" in out and "last hint" in out,
            "hint: the next ask shows the third, the last", out)
    rc, out = grade_tool(root, "hint", "--dir", str(starter), "--ex", "9.9")
    c.check(rc == 2 and "1.1, 1.2, 1.3" in out, "hint: an unknown exercise lists the ids", out)
    rc, out = grade_tool(root, "grade", "--dir", str(starter), "--no-hints")
    c.check(rc == 1 and "hint" not in out and "Score: 10/30" in out,
            "grade --no-hints (HINTS=0): no hint at all", out)
    rc, out = grade_tool(root, "grade", "--dir", str(starter), "--hint", "2")
    c.check("hint 2 of 3: Track" in out and "hint 3 of 3" not in out,
            "grade --hint 2 (HINT=2): the first two hints", out)

def chapter_names(c, root):
    """CH=1, 01, 01-name and base mean the same to every command."""
    for ch in ("1", "01", "01-selftest", str(CHAPTER.relative_to(root))):
        rc, out = grade_tool(root, "check", "--ch", ch)
        c.check(rc == 0 and "01-selftest" in out, f"CH={ch} names the chapter", out)
    rc, out = grade_tool(root, "check", "--ch", "base")
    c.check(rc == 2 and "kernel-base" in out and "no exercises" in out,
            "CH=base is known, and has no exercises", out)
    rc, out = grade_tool(root, "start", "--ch", "7")
    c.check(rc == 2 and "base, 1/01/01-selftest" in out,
            "an unknown CH lists the accepted names, base included", out)
    chapters = sorted((root / "chapters").glob("[0-9][0-9]-*/Makefile"))
    if not chapters:
        return
    first = chapters[0].parent
    number = first.name.split("-")[0]
    for ch in (str(int(number)), number, first.name):
        for target in ("run", "debug"):
            rc, out = make(root, "-n", target, f"CH={ch}")
            c.check(rc == 0 and f"-C chapters/{first.name} {target}" in out
                    and f"the reference in chapters/{first.name}" in out,
                    f"make {target} CH={ch} boots the reference of {first.name}, and says so",
                    out)
    rc, out = make(root, "check-program", "CH=99")
    c.check(rc != 0 and "base" in out and first.name in out,
            "make run CH=99: the accepted names, base included", out)

def book_target(c, root):
    """make book installs what the book needs (not Criterion) and says
    where the result is."""
    rc, out = make(root, "-n", "book", "MAKE=true")  # not the book's own Makefile
    c.check(rc == 0 and "deps.sh book" in out and "deps.sh test" not in out
            and "open build/book/index.html" in out,
            "make book: needs only the book's tools, and says to open build/book/index.html", out)

def whose_code(c, root, work, starter):
    """Each command says whose code it acts on."""
    rc, out = grade_tool(root, "grade", "--ch", "01")
    c.check("no workspace for chapter 01-selftest" in out and
            f"Grading the reference in {CHAPTER.relative_to(root)}" in out,
            "grade CH=01 without a workspace says it grades the reference", out)
    rc, out = grade_tool(root, "grade")
    c.check("total" not in out and "references' scores" in out,
            "grade of every chapter never counts a reference as the learner's score", out)
    rc, out = make(root, "-n", "run", f"DIR={starter}")
    c.check(rc == 0 and f"your copy in {starter}" in out and f"-C {starter} run" in out,
            "make run DIR=copy boots the copy, and says so", out)
    rc, out = grade_tool(root, "grade", "--dir", str(starter), "--seed", "5")
    path = re.findall(r"^Report: (\S+)$", out, re.M)
    c.check(path and Path(path[0]).is_absolute() and "/build/grade/01-selftest/" in path[0]
            and Path(path[0]).parent.name != "reference" and Path(path[0]).is_file(),
            "grade: the report of a folder outside the repo is its own, printed absolute", out)

def editors(c, root, starter):
    """compile_commands.json covers a workspace, from a dry run."""
    out_file = starter.parent / "compile_commands.json"
    done = subprocess.run([sys.executable, str(root / "tools" / "compdb.py"), "--root", str(root),
                           "-o", str(out_file), str(starter)], capture_output=True, text=True,
                          env=clean_env(), timeout=120)
    entries = json.loads(out_file.read_text()) if out_file.is_file() else []
    files = {e["file"] for e in entries}
    c.check(done.returncode == 0 and str(starter / "src" / "calc.c") in files
            and not (root / "build" / "compdb" / starter.name).exists(),
            "compile_commands.json: a workspace's files are in it, and nothing was built",
            done.stdout + done.stderr + " ".join(sorted(files)))

def golden_columns(c, root, work, starter):
    """The golden test fails a kernel that prints a line wider than the
    80-column screen, and passes one of exactly 80."""
    wide = work / "wide"
    shutil.copytree(starter, wide, symlinks=True)  # with its objects: only main.c is rebuilt
    (wide / "src" / "main.c").write_text(
        '// Prints a line that fits the screen and one that does not.\n'
        '#include "boot.h"\n#include "cpu.h"\n#include "kprintf.h"\n\n'
        'void kmain(void)\n{\n'
        f'    kprintf("{"a" * 80}\\n");\n'
        f'    kprintf("{"b" * 81}\\n");\n'
        '    for (;;)\n        cpu_halt();\n}\n')
    (wide / "golden.txt").write_text("re: a{80}\nre: b{81}\n")
    rc, out = make(wide, "kernel")
    done = subprocess.run([sys.executable, str(root / "tools" / "qemu-test.py"), "--kernel",
                           str(wide / "build" / "kernel32.elf"), "--name", "wide", "--no-ktests",
                           "--golden", str(wide / "golden.txt")],
                          capture_output=True, text=True, timeout=120)
    text = out + done.stdout + done.stderr
    c.check(done.returncode == 1 and "golden output ... ok" in done.stdout
            and re.search(r"80 columns \.\.\. FAILED: line 2 is 81 columns", done.stdout),
            "qemu-test: a golden boot that prints an 81-column line fails, naming the line", text)

def issue_20(c, root, work, starter):
    """Grading that sees every race and says everything: a fixed default
    seed; every failing test's message; a compile error reported in a
    kernel-base header (a katomic_* macro) costs only the file gcc was
    compiling; a workspace builds under the clone's build/; and the
    ThreadSanitizer stress of an exercise (3.1's ring) fails a push whose
    tail is stored relaxed, which only real threads see."""
    ref = lambda rel: (CHAPTER / rel).read_text()  # noqa: E731
    two = work / "two-failures"
    shutil.copytree(starter, two, ignore=shutil.ignore_patterns("build"))
    (two / "src" / "calc.c").write_text(ref("src/calc.c").replace(
        "    for (unsigned i = 0; i < n; i++)\n        sum += values[i];",
        "    sum = 7;\n    for (unsigned i = 0; i < n; i++)\n        sum += values[i];"))
    rc, out = grade_tool(root, "grade", "--dir", str(two), "--report", str(work / "two.json"))
    rep = json.loads((work / "two.json").read_text()) if (work / "two.json").is_file() else {}
    sums = next((e for e in rep.get("exercises", []) if e["id"] == "1.1"), {"messages": []})
    said = " ".join(sums["messages"])
    c.check(rep.get("seed") == grading.DEFAULT_SEED and "seed 1;" in out,
            "grade: without SEED= the seed is the fixed default, never a random pick", out)
    c.check("(test calc/sum_of_random_values)" in said and "(test calc/sum_of_nothing)" in said
            and "(test calc/sum_of_nothing)" in out and "2 of its 2 tests failed" in said,
            "grade: both failing tests of 1.1 have their message, in the report and on screen",
            out)

    macro = work / "macro-error"
    shutil.copytree(starter, macro, ignore=shutil.ignore_patterns("build"))
    (macro / "src" / "list.c").write_text(ref("src/list.c"))
    (macro / "src" / "calc.c").write_text('#include "katomic.h"\n' + ref("src/calc.c").replace(
        "    uint64_t sum = 0;\n", "    uint64_t sum = 0;\n    katomic_store(sum, 1, "
        "memory_order_relaxed);\n"))
    rc, out = grade_tool(root, "grade", "--dir", str(macro), "--report",
                         str(work / "macro.json"))
    rep = json.loads((work / "macro.json").read_text()) if (work / "macro.json").is_file() else {}
    statuses = {e["id"]: e["status"] for e in rep.get("exercises", [])}
    c.check(statuses == {"1.1": "compile error", "1.2": "compile error", "1.3": "ok"}
            and "katomic.h" in out and "Score: 15/30" in out,
            "grade: an error that gcc reports in kernel-base's katomic.h, in a macro that "
            "calc.c uses, costs calc.c's exercises only", out)

    inside = root / "workspace" / f".selftest-{os.getpid()}"
    try:
        shutil.copytree(starter, inside, ignore=shutil.ignore_patterns("build"))
        done = subprocess.run(["make", "-s", "-C", str(inside), "--eval",
                               "where-built: ; @echo $(BUILD)", "where-built"],
                              capture_output=True, text=True, env=clean_env(), timeout=60)
        c.check(done.stdout.strip() == str(root / "build" / "workspace" / inside.name),
                "a copy in workspace/ builds under the clone's build/workspace/",
                done.stdout + done.stderr)
    finally:
        shutil.rmtree(inside, ignore_errors=True)

    chapter = root / "chapters" / "03-keyboard"
    if not (chapter / "src" / "byte_ring.c").is_file() or not shutil.which("clang"):
        print("SKIP  the ThreadSanitizer stress: no chapter 03 or no clang here")
        return
    exercises = {e.id: e for e in manifest.parse(chapter / "exercises")}
    relaxed = work / "relaxed-tail"
    shutil.copytree(chapter / "src", relaxed / "src")
    ring = (relaxed / "src" / "byte_ring.c").read_text()
    (relaxed / "src" / "byte_ring.c").write_text(ring.replace(
        "katomic_store(&r->tail, tail + 1, memory_order_release)",
        "katomic_store(&r->tail, tail + 1, memory_order_relaxed)"))
    ok_ref, _ = grading.stress("ring", chapter, work / "tsan-ref")
    ok_bad, said = grading.stress("ring", relaxed, work / "tsan-bad")
    alone = grading.alone(exercises["3.2"], relaxed, chapter, work / "tsan-3.2" / "code")
    ok_pop, _ = grading.stress("ring", alone, work / "tsan-3.2")
    c.check(exercises["3.1"].tsan == ["ring"] and ok_ref and not ok_bad and ok_pop
            and "ThreadSanitizer reports a race" in said[0]
            and re.search(r"byte_ring_p\w+ src/byte_ring.c:\d+", " ".join(said)),
            "tsan: 3.1's ring stress passes the reference and fails a push that stores tail "
            "relaxed (a race in byte_ring.c that the walks cannot see); 3.2's runs the "
            "reference's push, so it passes", json.dumps(said))

    # grade-all keeps passes by code, not by text: a comment changes the
    # text and not the code, so the stress passed once is not run again;
    # a failure always runs again (its report names lines).
    def variant(name, folder):
        dest = work / name
        shutil.copytree(folder / "src", dest / "src")
        path = dest / "src" / "byte_ring.c"
        path.write_text(path.read_text().replace("tail + 1, memory_order_", "tail + 1, /* now */ "
                                                 "memory_order_"))
        return dest
    batch = grading.Batch(None, work / "tsan-store", None)
    batch.store.mkdir()
    grading.REUSED.update(exercises=0, stress=0)
    results = [grading.stress("ring", folder, work / f"tsan-batch-{i}", batch) for i, folder in
               enumerate([chapter, variant("commented", chapter), relaxed,
                          variant("relaxed-commented", relaxed)])]
    c.check([ok for ok, _ in results] == [True, True, False, False] and grading.REUSED[
        "stress"] == 1 and "ThreadSanitizer reports a race" in results[3][1][0],
            "tsan in grade-all: the reference's code with a comment added is not stressed again "
            "(it passed before); the relaxed push with a comment added is (failures never are "
            "taken from before)", json.dumps([results, grading.REUSED]))

def book_commands(c, root, work):
    """The book's commands are checked against the tree: a chapter that
    does not exist, a folder that is not there or a target nobody defines
    fails the check; a command that works, or a placeholder, does not."""
    tree = work / "book-tree"
    (tree / "book").mkdir(parents=True)
    (tree / "chapters").mkdir()
    shutil.copy(root / "Makefile", tree / "Makefile")
    for part in ("tools", "kernel-base"):
        (tree / part).symlink_to(root / part)
    (tree / "chapters" / "01-selftest").symlink_to(CHAPTER)
    (tree / "book" / "pages.txt").write_text("page.md\n")
    (tree / "book" / "page.md").write_text(
        "Run it: `make run CH=1`, then grade it:\n\n```sh\nmake start CH=01   # a comment\n"
        "make grade CH=NN\nmake run CH=09\ncd chapters/09-later && make run\n"
        "make start CH=base\nmake no-such-target\n```\n")
    done = subprocess.run([sys.executable, str(root / "tools" / "book" / "check.py"), "commands",
                           "--root", str(tree)], capture_output=True, text=True, env=clean_env(),
                          timeout=300)
    out = done.stdout + done.stderr
    bad = re.findall(r"^book/page\.md:(\d+): `([^`]*)`", out, re.M)
    c.check(done.returncode == 1 and [b[1] for b in bad] == [
        "make run CH=09", "cd chapters/09-later && make run", "make start CH=base",
        "make no-such-target"],
        "book commands: each one the tree cannot run is named, the others pass", out)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def debugger_stops(c, root, starter):
    """make debug: continue, then Ctrl-C (SIGINT to the terminal's
    foreground process group: the script and gdb) stops the kernel, and
    QEMU is alive to say so; the monitor works while the kernel runs; QEMU
    is gone when gdb exits."""
    if not shutil.which("gdb"):
        c.check(False, "make debug: gdb is installed (tools/deps.sh debug)")
        return
    build = starter / "build"
    script = build / "interrupt.gdb"
    script.write_text("echo RUNNING\\n\ncontinue\necho STOPPED\\n\nmonitor info status\n")
    env = clean_env(GDB_SCRIPT=str(script), GDB_BATCH="1", GDB_PORT=str(free_port()))
    env.pop("DISPLAY", None)
    env.pop("TMUX", None)
    debug = root / "tools" / "qemu.sh"
    proc = subprocess.Popen([str(debug), "debug", str(build / "kernel32.elf"), str(build / "kernel.elf")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    os.set_blocking(proc.stdout.fileno(), False)
    out, monitor, interrupted, deadline = b"", "", False, time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        out += proc.stdout.read() or b""
        if b"RUNNING" in out and not interrupted:
            time.sleep(0.5)  # gdb is in `continue`: the kernel runs
            done = subprocess.run([str(debug), "monitor", str(build), "info status"],
                                  capture_output=True, text=True, timeout=20)
            monitor = done.stdout + done.stderr
            os.killpg(proc.pid, signal.SIGINT)
            interrupted = True
        time.sleep(0.05)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    out += proc.stdout.read() or b""
    text = out.decode(errors="replace")
    pid = re.search(r"QEMU is paused \(pid (\d+)\)", text)
    time.sleep(0.3)
    gone = pid and not Path(f"/proc/{pid.group(1)}").exists()
    c.check("VM status: running" in monitor, "make debug: the QEMU monitor answers while the "
                                              "kernel runs (to type keys without a desktop)",
            monitor)
    c.check(interrupted and "STOPPED" in text and "VM status: paused" in text
            and "terminating on signal" not in text and proc.returncode == 0,
            "make debug: continue, then Ctrl-C stops the kernel in gdb, with QEMU alive", text)
    c.check(bool(gone), "make debug: QEMU is stopped when gdb exits", text)

def portable_starter(c, root, work, starter):
    """A starter holds no path of the clone that wrote it: handed out alone
    and unpacked next to another clone, it builds and grades there."""
    text = (starter / "Makefile").read_text()
    c.check(str(root) not in text and "WORKBOOK" in text,
            "start: the starter's Makefile names no absolute path of this clone", text)
    away = work / "away"
    clone = away / "clone2"
    for part in ("kernel-base", "tools"):
        shutil.copytree(root / part, clone / part,
                        ignore=shutil.ignore_patterns("build", "__pycache__"))
    handout = away / "01-selftest"
    shutil.copytree(starter, handout, ignore=shutil.ignore_patterns("build"))
    rc, out = make(handout, "grade", "SEED=7")
    reports = list((clone / "build" / "grade").rglob("report.json"))
    c.check(rc != 0 and "Score: 10/30" in out and reports,
            "a starter handed out next to another clone builds and grades with that clone", out)
    alone = work / "alone" / "deep" / "01-selftest"
    shutil.copytree(starter, alone, ignore=shutil.ignore_patterns("build"))
    rc, out = make(alone, "-n", "kernel")
    c.check(rc != 0 and "WORKBOOK=" in out and "No workbook found" in out,
            "a starter with no clone near it says to set WORKBOOK=", out)
    rc, out = make(alone, "-n", "kernel", env=clean_env(WORKBOOK=str(clone)))
    c.check(rc == 0 and str(clone / "kernel-base") in out,
            "WORKBOOK=path names the clone a lone starter builds with", out)

def end_to_end(c, root):
    work = root / "build" / "grade-selftest"
    # Two self-tests at once (two make test) would remove each other's work.
    with grading.locked(root / "build" / "grade-selftest.lock"):
        end_to_end_in(c, root, work)

def end_to_end_in(c, root, work):
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
    rc, out = make(starter, "kernel", "grade", "SEED=7")
    c.check((starter / "build" / "kernel32.elf").is_file() and "Score: 0/30" in out
            and "make reports that as an error" in out,
            "make kernel and make grade work inside the starter; the score's exit status is "
            "explained before make's error line", out)
    debugger_stops(c, root, starter)
    golden_columns(c, root, work, starter)
    book_commands(c, root, work)

    # A solution restored from a backup (cp -a, an unzipped archive) is older
    # than the objects of the stubs it replaces: make alone would keep them.
    solved = (starter / "src" / "calc.c").read_text().replace(
        'exercise_not_done("1.1");', "for (unsigned i = 0; i < n; i++)\n        sum += values[i];")
    (starter / "src" / "calc.c").write_text(solved)
    os.utime(starter / "src" / "calc.c", (1_000_000_000, 1_000_000_000))
    rc, out = grade_tool(root, "grade", "--dir", str(starter))
    c.check(rc == 1 and "Score: 10/30" in out, "grade: a solution of 1.1 restored with an old "
                                               "time stamp is graded, not the stale objects", out)

    portable_starter(c, root, work, starter)
    issue_20(c, root, work, starter)
    chapter_names(c, root)
    whose_code(c, root, work, starter)
    book_target(c, root)
    editors(c, root, starter)

    rc, out = grade_tool(root, "watch", "--dir", str(starter), "--once")
    c.check(rc == 1 and "Next: exercise 1.2" in out and "hint 1 of 3: What must" in out
            and "Track" not in out,
            "watch --once: shows the next unsolved exercise and its first hint only", out)
    hint_ladder(c, root, starter)
    modes = [["--poll", "--interval", "0.2"]]
    if shutil.which("inotifywait"):
        modes.append([])
    for how in modes:
        watch_regrades(c, root, starter, how)

    batch_checks(c, root, work, subs)

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

def grade_all(root, subs, out, *args, env=None):
    """grade-all of subs into out (seed 7, 2 at once); its exit status,
    output, CSV rows and JSON reports by name. A test may use 64 MiB, not
    256: the endless allocation reaches the limit long before the time
    limit, however busy the machine."""
    started = time.monotonic()
    env = {"ASAN_OPTIONS": "hard_rss_limit_mb=64"} | (env or {})
    rc, text = grade_tool(root, "grade-all", "--ch", "01", "--submissions", str(subs), "--out",
                          str(out), "--seed", "7", "--jobs", "2", *args, env=env)
    text += f"\n({time.monotonic() - started:.0f}s)"
    rows, batch = {}, {}
    if (out / "grades.csv").is_file():
        with open(out / "grades.csv") as f:
            rows = {r["submission"]: r for r in csv.DictReader(f)}
        batch = {s["submission"]: s for s in json.loads((out / "grades.json").read_text())[
            "submissions"]}
    return rc, text, rows, batch

def grades_files(out):
    return [(out / f).read_bytes() if (out / f).is_file() else f for f in
            ("grades.csv", "grades.json", "grades.html")]

def batch_checks(c, root, work, subs):
    """grade-all: every kind of broken and hostile submission, each with a
    clear report, nothing outside its folder changed; the same grades one
    at a time, in slices joined again, and without the sandbox."""
    (work / "outside").mkdir()
    (work / "outside" / "keep.txt").write_text("untouched")
    rc, out, rows, batch = grade_all(root, subs, work / "batch")
    c.check(rc == 1 and len(rows) == 16 and "could not be graded at all: i-empty" in out
            and "13 distinct ones graded" in out,
            "grade-all: every submission in the CSV, the 3 identical ones graded once; exit 1 "
            "as one could not be graded at all", out)
    c.check("the tests of 3 exercises, 0 ThreadSanitizer programs" in out,
            "grade-all: the tests that passed with a-solved's code are not run again for "
            "n-solved-commented (the same code, other text): 3 exercises", out)
    box = re.search(r"^(Each submission runs in a sandbox|No sandbox \((.*?)\))", out, re.M)
    sandboxed = bool(box and box.group(1).startswith("Each"))
    rc, again = grade_tool(root, "grade-all", "--ch", "01", "--submissions", str(subs),
                           "--out", str(work / "batch"))
    c.check(rc == 2 and "FORCE=1" in again and (work / "batch" / "grades.csv").stat().st_size,
            "grade-all: an OUT= that holds grades is not overwritten without FORCE=1", again)
    (work / "no-submissions").mkdir()
    rc, empty = grade_tool(root, "grade-all", "--ch", "01", "--submissions",
                           str(work / "no-submissions"))
    c.check(rc == 2 and "no submission folders" in empty,
            "grade-all: an empty submissions folder is an error", empty)
    verdicts(c, rows, batch, sandboxed)
    html = (work / "batch" / "grades.html").read_text() if rows else ""
    c.check(all(s in html for s in ("<svg class=chart", "Compile errors", "c-syntax-error",
                                    "Hanging exercises", "href='#s")) and not re.search(
        r"""(src|href)=["']?(https?:)?//""", html),
        "grade-all: grades.html, self-contained, has its chart, its sections and a row per "
        "student linking to their details", html[:2000])
    if sandboxed:
        contained(c, root, work, rows, batch)
    else:
        print(f"SKIP  the sandbox's own checks: there is no sandbox here ({box and box.group(2)})")

    rc, serial, _, _ = grade_all(root, subs, work / "serial", "--jobs", "1")
    lines = lambda text: [line for line in text.splitlines() if line.startswith("  ")]  # noqa
    c.check(lines(serial) == lines(out) and grades_files(work / "serial") == grades_files(
        work / "batch"), "grade-all: one at a time (JOBS=1), the same lines in the same order and "
                         "the same CSV, JSON and HTML as 2 at once", serial)
    for i in (1, 2):
        grade_all(root, subs, work / f"slice-{i}", "--shard", f"{i}/2")
    rc, merged = grade_tool(root, "grade-merge", "--in", f"{work}/slice-*", "--out",
                            str(work / "merged"))
    c.check(rc == 1 and grades_files(work / "merged") == grades_files(work / "batch"),
            "grade-all SHARD=1/2 and 2/2, joined by grade-merge: the same CSV, JSON and HTML as "
            "one run", merged)
    rc, only_one = grade_tool(root, "grade-merge", "--in", str(work / "slice-1"), "--out",
                              str(work / "merged-1"))
    c.check(rc == 2 and "slices [1] of 2" in only_one, "grade-merge: a missing slice is an error",
            only_one)

    rlimits = work / "rlimits-submissions"
    for name in ("a-solved", "d-endless-loop", "l-allocates-forever", "m-prints-forever"):
        shutil.copytree(subs / name, rlimits / name)
    rc, out, rows, fallback = grade_all(root, rlimits, work / "rlimits",
                                        env={"GRADE_SANDBOX": "rlimits"})
    c.check(out.count("No sandbox (GRADE_SANDBOX=rlimits)") == 1 and all(
        fallback.get(n, {}).get("exercises") == batch.get(n, {}).get("exercises")
        for n in rows) and len(rows) == 4,
        "grade-all without the sandbox (GRADE_SANDBOX=rlimits): says so once; the endless loop, "
        "the endless allocation and the endless printing get the same grades", out)

def verdicts(c, rows, batch, sandboxed):
    """What each submission of the batch must get."""
    def ex(name, ex_id):
        return next((e for e in batch.get(name, {}).get("exercises", []) if e["id"] == ex_id),
                    {"status": "?", "messages": [""]})

    def total(name):
        return rows.get(name, {}).get("total")

    c.check(total("a-solved") == "30", "grade-all: a solved submission scores 30", str(rows))
    c.check(total("b-untouched") == total("b2-untouched") == "0",
            "grade-all: an untouched starter scores 0", str(rows))
    syntax = batch.get("c-syntax-error", {})
    statuses = {e["id"]: e["status"] for e in syntax.get("exercises", [])}
    c.check(any("error" in line for line in syntax.get("build", {}).get("errors", []))
            and statuses == {"1.1": "compile error", "1.2": "compile error", "1.3": "ok"}
            and total("c-syntax-error") == "15"
            and "compile error: src/calc.c:" in rows.get("c-syntax-error", {}).get("notes", ""),
            "grade-all: a syntax error in calc.c: its exercises 'compile error' with the "
            "compiler's first error (in the CSV's notes too), list.c's exercise still graded (15)",
            json.dumps(syntax, indent=1)[:3000])
    loop = ex("d-endless-loop", "1.3")
    c.check(loop["status"] == "timed out" and f"timed out after {TIMEOUT}s" in loop["messages"][0]
            and total("d-endless-loop") == "15",
            "grade-all: an endless loop: 'timed out after 2s' for 1.3 only", json.dumps(loop))
    null = ex("e-null-dereference", "1.3")
    c.check(null["status"] == "crashed" and "SIGSEGV" in null["messages"][0]
            and "src/list.c:" in " ".join(null["messages"])
            and total("e-null-dereference") == "15",
            "grade-all: a NULL dereference: 'crashed (SIGSEGV)' at src/list.c for 1.3 only",
            json.dumps(null))
    lines = [re.findall(r"src/list\.c:(\d+)", " ".join(ex(name, "1.3")["messages"]))
             for name in ("e-null-dereference", "o-null-dereference-commented")]
    c.check(batch.get("n-solved-commented", {}).get("exercises") == batch.get(
        "a-solved", {}).get("exercises") and lines[0] and lines[1] == [
        str(int(n) + 1) for n in lines[0]],
        "grade-all: the same code with a comment line added: a-solved's grade for "
        "n-solved-commented; e-null-dereference's crash, one line lower, for "
        "o-null-dereference-commented (a failure is never taken from before)",
        json.dumps([lines, batch.get("n-solved-commented", {}).get("exercises")])[:3000])
    wild = ex("f-wild-pointer", "1.2")
    c.check(wild["status"] == "crashed" and "SIGSEGV" in wild["messages"][0]
            and "calc_max" in " ".join(wild["messages"]),
            "grade-all: a wild pointer: 'crashed (SIGSEGV)' in calc_max()", json.dumps(wild))
    c.check(total("g-tampered-tests") == "0"
            and "tests/host/test_list.c" in rows.get("g-tampered-tests", {}).get("notes", ""),
            "grade-all: edited tests are ignored and named in the notes",
            json.dumps(rows.get("g-tampered-tests")))
    c.check(total("h-missing-file") == "15"
            and "missing" in rows.get("h-missing-file", {}).get("notes", ""),
            "grade-all: a missing file is graded as not done, never as the reference",
            json.dumps(rows.get("h-missing-file")))
    c.check(total("i-empty") == "0" and rows.get("i-empty", {}).get("status") == "not graded",
            "grade-all: a folder with no exercise file scores 0, 'not graded'",
            json.dumps(rows.get("i-empty")))
    memory = ex("l-allocates-forever", "1.3")
    c.check(memory["status"] == "crashed" and "out of memory" in memory["messages"][0]
            and total("l-allocates-forever") == "15",
            "grade-all: an endless allocation: 'crashed: out of memory' for 1.3 only",
            json.dumps(memory))
    spam = ex("m-prints-forever", "1.3")
    c.check(spam["status"] == "output limit" and "printed more than" in spam["messages"][0]
            and total("m-prints-forever") == "15",
            "grade-all: endless printing: 'output limit' for 1.3 only", json.dumps(spam))

def contained(c, root, work, rows, batch):
    """The sandbox held: nothing outside a submission's folder changed, and
    the process limit stopped the fork bomb."""
    keep, new, other, workbook, home = outside_targets(root, work)
    c.check(keep.read_text() == "untouched" and not new.exists() and not workbook.exists()
            and not home.exists() and other.read_text() == (CHAPTER / "src/calc.c").read_text()
            and rows.get("j-writes-outside", {}).get("total") == "30",
            "grade-all's sandbox: a submission that writes to the build folder, another "
            "student's work, the workbook and the home folder changes none of them (and scores "
            "30)", f"{keep.read_text()} {new.exists()} {workbook.exists()} {home.exists()}")
    for path in (new, workbook, home):  # never leave what a broken sandbox let through
        path.unlink(missing_ok=True)
    forks = next((e for e in batch.get("k-forks-forever", {}).get("exercises", [])
                  if e["id"] == "1.2"), {"messages": [""]})
    c.check("got 0," in forks["messages"][0] and rows["k-forks-forever"]["total"] == "25",
            "grade-all's sandbox: a fork bomb gets fewer than 64 processes (calc_max returns "
            "how many it forked / 64), its other exercises are graded", json.dumps(forks))

def bench(c, root):
    """make bench-grading's small run: the class it makes is graded as it
    was made, and it says what it cost."""
    rc, out = grade_tool(root, "bench", "--ch", "01", "--n", "6", "--seed", "3")
    counts = re.search(r"A class of 6: (.*)", out)
    c.check(rc == 0 and counts and "1 hanging" in counts.group(1) and "1 broken" in out
            and re.search(r"bench-grading: 6 submissions of 01-selftest in [\d.]+ s", out)
            and "timed out" in out and "compile error" in out and "reused" in out,
            "make bench-grading N=6: a class with one that hangs and one that does not "
            "compile, graded, with the time it took and the share of compiles reused", out)

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
    bench(c, root)
    print(f"selftest took {time.monotonic() - started:.0f}s")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0

if __name__ == "__main__":
    sys.exit(main())
