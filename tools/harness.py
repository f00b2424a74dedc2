#!/usr/bin/env python3
"""Build and run the clang-built harnesses of tests/ (tests/README.md says
how a harness names its sources): `fuzz [--seconds S]` runs every
tests/fuzz/NAME/fuzz.c under libFuzzer, ASan and UBSan from its seeds (new
inputs go to build/fuzz/NAME/corpus, a crash's input and its replay command
are kept); `tsan` runs every tests/tsan/NAME.c stress program once under
ThreadSanitizer, which must exit 0 without a report. A harness whose sources
name {chapter} is built once per chapter that has them, and skipped when a
chapter carries the same bytes as an earlier one. Exits 1 if any fails.
"""
import argparse
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common import ROOT, chapters

COMMON = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-g", "-O1", "-DHOST",
          "-fno-omit-frame-pointer"]
CFLAGS = {
    "fuzz": COMMON + ["-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all"],
    "tsan": COMMON + ["-fsanitize=thread", "-pthread"],
}

# Harnesses run in parallel (fuzz): each one's messages are collected and
# printed together when it is done, not interleaved with the others'.
_out = threading.local()

def say(text):
    if getattr(_out, "lines", None) is None:
        print(text)
    else:
        _out.lines.append(text)

def header_paths(source, kind, key):
    """The paths of every `// KIND-KEY:` line of a harness."""
    with open(source) as f:
        return [p for m in re.finditer(rf"^[ \t]*//[ \t]*{kind}-{key}:(.*)", f.read(), re.M)
                for p in m.group(1).split()]

def variants(kind, name, main):
    """(name, sources, includes) for each build of one harness, and a note
    when it has none."""
    sources = header_paths(main, kind, "sources")
    includes = header_paths(main, kind, "include")
    requires = header_paths(main, kind, "requires")
    if not any("{chapter}" in p for p in sources + includes + requires):
        return [(name, sources, includes)], None
    found = []
    for chapter in chapters():
        need = [p.format(chapter=chapter) for p in sources + requires if "{chapter}" in p]
        if all(glob.glob(os.path.join(ROOT, p)) for p in need):
            found.append((f"{name}-{os.path.basename(chapter)}",
                          [p.format(chapter=chapter) for p in sources],
                          [p.format(chapter=chapter) for p in includes]))
    note = None if found else (f"{name}: skipped, no chapter has "
                               f"{' '.join(p for p in sources + requires if '{chapter}' in p)}")
    return found, note

def expand(name, sources):
    """The files a harness's source patterns match, or None (and a message)."""
    files = []
    for pattern in sources:
        matched = sorted(glob.glob(os.path.join(ROOT, pattern)))
        if not matched:
            say(f"{name}: BUILD FAILED: no file matches {pattern}")
            return None
        files += matched
    return files

def code_hash(kind, main, files, includes):
    """A hash of every file the build reads (from clang -MM), so that a
    chapter that carries code forward byte-identical is not tested twice."""
    cmd = (["clang", "-MM", "-DHOST"] + [f"-I{os.path.join(ROOT, i)}" for i in includes]
           + [main] + files)
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        return None
    deps = sorted({os.path.realpath(d) for d in result.stdout.replace("\\\n", " ").split()
                   if not d.endswith(":")})
    digest = hashlib.sha256(kind.encode())
    for dep in deps:
        with open(dep, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()

def build(kind, name, main, files, includes, out):
    os.makedirs(out, exist_ok=True)
    binary = os.path.join(out, name if kind == "tsan" else "fuzzer")
    cmd = (["clang"] + CFLAGS[kind] + [f"-I{os.path.join(ROOT, i)}" for i in includes]
           + ["-o", binary, main] + files)
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        say(f"{name}: BUILD FAILED\n  {' '.join(cmd)}\n{result.stdout}{result.stderr}")
        return None
    return binary

def print_failure(name, text, log_path, patterns):
    """The lines of a log worth reading: the complaints, and the stack frames
    in the project's own code (not libFuzzer's or libc's)."""
    say(f"{name}: FAILED; log {os.path.relpath(log_path, ROOT)}")
    lines = [l for l in text.splitlines()
             if any(p in l for p in patterns)
             or (re.match(r"\s*#\d+ ", l) and ROOT in l and "/build/" not in l)]
    for line in lines[:16] or text.splitlines()[-5:]:
        say(f"    | {line.replace(ROOT + '/', '')}")

def fuzz(name, binary, harness_dir, out, seconds):
    """Fuzz for `seconds`; return (ok, executions, corpus size)."""
    seeds = os.path.join(harness_dir, "corpus")
    if not os.path.isdir(seeds) or not os.listdir(seeds):
        say(f"{name}: FAILED: no seeds in {os.path.relpath(seeds, ROOT)}/ (a harness starts "
              "from a few meaningful inputs, committed)")
        return False, 0, 0
    work = os.path.join(out, "corpus")
    os.makedirs(work, exist_ok=True)
    for kind in ("crash", "leak", "timeout", "oom"):
        for old in glob.glob(os.path.join(out, kind + "-*")):
            os.remove(old)  # an earlier run's crash would be reported again
    log_path = os.path.join(out, "fuzz.log")
    # The first corpus folder receives new inputs; the seeds are only read.
    cmd = [binary, f"-max_total_time={seconds}", "-print_final_stats=1", "-timeout=10",
           "-rss_limit_mb=2048", f"-artifact_prefix={out}/", work, seeds]
    with open(log_path, "w") as log:
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                              timeout=seconds + 120).returncode
    with open(log_path, errors="replace") as log:
        text = log.read()
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
    execs = int(m.group(1)) if m else 0
    if code != 0:
        print_failure(name, text, log_path, ["fuzz:", "ERROR", "runtime error", "PANIC", "SUMMARY"])
        for artifact in sorted(glob.glob(os.path.join(out, "*-*"))):
            if os.path.isfile(artifact):
                say(f"    replay: {os.path.relpath(binary, ROOT)} "
                      f"{os.path.relpath(artifact, ROOT)}")
        say(f"    (then keep the input as a seed in {os.path.relpath(seeds, ROOT)}/)")
    return code == 0, execs, len(os.listdir(work))

def tsan(name, binary, out, timeout):
    """Run a stress program once; return (ok, its last line of output)."""
    log_path = os.path.join(out, f"{name}.log")
    env = dict(os.environ, TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1")
    try:
        r = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=timeout)
        code, text = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        code = None
        text = (e.stdout or b"").decode(errors="replace") + f"\nkilled after {timeout} s\n"
    with open(log_path, "w") as log:
        log.write(text)
    lines = [l for l in text.splitlines() if l.strip()]
    if code != 0:
        why = "a ThreadSanitizer report" if code == 66 else \
            f"exit {code}" if code is not None else f"still running after {timeout} s"
        print_failure(f"{name} ({why})", text, log_path,
                      ["WARNING", "ERROR", "SUMMARY", "lost", "stuck", "PANIC", "Previous", "of size"])
    if code == 0:
        return True, lines[-1] if lines else ""
    # The result of a failed run is its first complaint, not the last line.
    complaints = [l.strip() for l in lines if re.search(r"WARNING|lost|stuck|PANIC|killed", l)]
    return False, (complaints or lines or [""])[0]

def tsan_build_command(name, folder, binary):
    """The clang command that builds tests/tsan/NAME.c with the sources of
    folder (a chapter or a learner's copy of one) in place of {chapter}: the
    grader's stress of an exercise. None when a source is missing."""
    main = os.path.join(ROOT, "tests", "tsan", name + ".c")
    at = lambda paths: [p.format(chapter=os.path.abspath(folder))  # noqa: E731
                        for p in header_paths(main, "tsan", paths)]
    files = expand(name, at("sources") + ["tests/tsan/cpu_threads.c"])
    return files and (["clang"] + CFLAGS["tsan"] + [f"-I{os.path.join(ROOT, i)}"
                                                    for i in at("include")]
                      + ["-o", str(binary), main] + files)

def harnesses(kind):
    """(name, main file) of each harness of a kind."""
    if kind == "fuzz":
        mains = glob.glob(os.path.join(ROOT, "tests", "fuzz", "*", "fuzz.c"))
        return sorted((os.path.basename(os.path.dirname(m)), m) for m in mains)
    mains = glob.glob(os.path.join(ROOT, "tests", "tsan", "*.c"))
    return sorted((os.path.basename(m)[:-2], m) for m in mains
                  if header_paths(m, "tsan", "sources"))

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["fuzz", "tsan"])
    parser.add_argument("--seconds", type=int, default=60, help="fuzz: time per harness")
    parser.add_argument("--timeout", type=int, default=900,
                        help="tsan: a backstop per program (each has its own watchdog for a hang)")
    parser.add_argument("--only", help="only harnesses whose name starts with this")
    args = parser.parse_args()
    kind = args.kind

    if not shutil.which("clang"):
        print(f"{kind}: clang is missing (tools/deps.sh {kind} installs it)")
        return 1
    jobs, tested = [], {}
    for base, main_file in harnesses(kind):
        found, note = variants(kind, base, main_file)
        if note:
            print(note)
        for name, sources, includes in found:
            if args.only and not name.startswith(args.only):
                continue
            if kind == "tsan":
                sources = sources + ["tests/tsan/cpu_threads.c"]
            files = expand(name, sources)
            digest = files and code_hash(kind, main_file, files, includes)
            if digest and digest in tested:
                print(f"{name}: skipped, the same code as {tested[digest]}")
                continue
            if digest:
                tested[digest] = name
            jobs.append((name, main_file, files, includes))

    def run_job(job):
        name, main_file, files, includes = job
        _out.lines = []
        out = os.path.join(ROOT, "build", kind, name)
        binary = files and build(kind, name, main_file, files, includes, out)
        start = time.monotonic()
        if not binary:
            ok, row = False, ("BUILD FAILED", "")
        elif kind == "fuzz":
            ok, execs, corpus = fuzz(name, binary, os.path.dirname(main_file), out, args.seconds)
            row = (execs, corpus, "ok" if ok else "CRASH")
        else:
            ok, last = tsan(name, binary, out, args.timeout)
            row = ("ok" if ok else "FAILED", last)
        return ok, (name, time.monotonic() - start) + row, _out.lines

    # Fuzzers are single-threaded: one per core. The stress programs are
    # threaded and timed: one at a time.
    workers = (os.cpu_count() or 1) if kind == "fuzz" else 1
    results, failed = [], False
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for ok, row, lines in pool.map(run_job, jobs):
            for line in lines:
                print(line)
            failed |= not ok
            results.append(row)
    if not results:
        print(f"{kind}: no harness to run")
        return 1
    head = ("program", "seconds", "verdict", "result") if kind == "tsan" else \
        ("harness", "seconds", "executions", "exec/s", "corpus", "verdict")
    print(f"{head[0]:32} " + " ".join(f"{h:>10}" for h in head[1:]))
    for name, spent, *rest in results:
        if kind == "fuzz" and len(rest) == 3:
            rest = [rest[0], f"{rest[0] / max(spent, 1e-9):.0f}", rest[1], rest[2]]
        print(f"{name:32} {spent:10.1f} " + " ".join(f"{r:>10}" for r in rest))
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
