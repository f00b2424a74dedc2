"""Grading one folder: build its host tests, run every exercise's tests,
give each exercise a verdict. The result is the JSON report's content."""

import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import manifest as manifest_mod
import regions as regions_mod
import runner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import harness  # noqa: E402  (tools/harness.py: the ThreadSanitizer programs)

DEFAULT_TIMEOUT = 5.0  # seconds per test
# The tests' random inputs: fixed unless SEED= says otherwise, so that a
# verdict never depends on a random pick.
DEFAULT_SEED = 1
STRESS_TIMEOUT = 120  # seconds for a ThreadSanitizer program's build, and for its run

def default_jobs():
    return max(1, min(os.cpu_count() or 1, 8))

def load_exercises(chapter, check_regions=True):
    """The manifest of a chapter, checked against its regions (a reference
    has one for every exercise; a learner's copy has none left)."""
    exercises = manifest_mod.parse(Path(chapter) / manifest_mod.MANIFEST_NAME)
    if not check_regions:
        return exercises
    problems = regions_mod.check_against_manifest(exercises, regions_mod.scan(chapter))
    if problems:
        raise manifest_mod.ManifestError("\n".join(problems))
    return exercises

def exercise_entry(ex, status, earned=0, seconds=0.0, messages=None, tests=None):
    return {"id": ex.id, "title": ex.title, "points": ex.points, "earned": earned,
            "status": status, "time_s": round(seconds, 2), "messages": messages or [],
            "hint": ex.hint, "hints": ex.hints, "tests": tests or []}

@dataclass
class Batch:
    """How grade-all grades a submission: in box (a runner.Sandbox), objects
    shared through store (a folder), the reference's tests. untouched: ids
    of exercises whose files are the starter's (not run: the invariants
    prove their stubs fail)."""
    box: object
    store: Path
    tests: list
    untouched: frozenset = frozenset()

def grade(folder, exercises, build_dir, *, seed, timeout=DEFAULT_TIMEOUT, jobs=None,
          chapter="", seed_build=None, reference=None, batch=None):
    """The report (a dict) of folder graded against exercises; never raises
    for a broken folder. reference: the chapter it copies, if known: the
    starter's version of a file that does not compile stands in for it."""
    folder, build_dir = Path(folder), Path(build_dir)
    jobs = jobs or default_jobs()
    started = time.monotonic()
    report = {"chapter": chapter, "dir": str(folder.resolve()), "seed": seed,
              "score": 0, "max_score": sum(ex.points for ex in exercises),
              "build": {"ok": False, "errors": [], "compiled": 0}, "problems": [],
              "exercises": []}
    build_dir.mkdir(parents=True, exist_ok=True)
    with locked(build_dir / ".lock"):
        return _grade(folder, exercises, build_dir, report, seed=seed, timeout=timeout,
                      jobs=jobs, seed_build=seed_build, started=started, reference=reference,
                      batch=batch)

class locked:
    """An exclusive lock on a file, held for a with-block: two gradings of
    one folder at once (watch and make grade, two make test) take turns."""

    def __init__(self, path):
        self.path = Path(path)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, "w")
        fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()

def _grade(folder, exercises, build_dir, report, *, seed, timeout, jobs, seed_build, started,
           reference, batch):
    if seed_build:
        seed_objects(seed_build, build_dir)
    ok, errors, files = _build(folder, build_dir, jobs, batch, report)
    report["build"].update(ok=ok, errors=errors, broken=[])
    broken_ids = set()
    if not ok and reference is not None and files:
        patched = with_starter_files(folder, reference, files, build_dir / "partial")
        if patched is not None and _build(patched, build_dir, jobs, batch, report)[0]:
            regions = regions_mod.scan(reference)
            broken_ids = {r.id for r in regions if str(r.path) in files}
            report["build"].update(ok=True, broken=files)
            folder = patched
    if not report["build"]["ok"]:
        report["exercises"] = [exercise_entry(ex, "compile error",
                                              messages=["the code does not compile"])
                               for ex in exercises]
        return finish(report, started)

    binary = build_dir / "host-tests"
    box = batch and batch.box
    try:
        names = (batch and batch.tests) or runner.list_tests(binary, folder, box)
    except RuntimeError as e:
        report["problems"].append(str(e))
        names = []
    report["problems"] += manifest_mod.check_tests(exercises, names, "exercises")
    untouched = batch.untouched if batch else ()
    todo = [ex for ex in exercises if ex.id not in broken_ids | set(untouched)]
    passed = PassedBefore(batch, binary, names, timeout, seed)
    results = passed.take(todo)
    results.update(run_exercises([ex for ex in todo if ex.id not in passed.found], names,
                                 binary, folder, timeout, seed, batch))
    passed.keep(todo, results)
    for ex in exercises:
        if ex.id in broken_ids:
            report["exercises"].append(exercise_entry(
                ex, "compile error", messages=[f"{', '.join(report['build']['broken'])} does "
                                               f"not compile (see the compiler's message above)"]))
            continue
        if ex.id in untouched:
            report["exercises"].append(exercise_entry(ex, "not done", messages=[
                f"exercise {ex.id} is not done yet", "its code is the starter's, untouched"]))
            continue
        try:
            entry = verdict(ex, ex.resolve(names), results, binary, folder,
                            ex.timeout or timeout, seed, box)
            if entry["status"] == "ok" and ex.tsan:
                entry = stressed(ex, entry, folder, build_dir, batch, reference)
        except Exception as e:  # a grader bug costs this exercise, not the run
            entry = exercise_entry(ex, "fail", messages=[f"grader error: {type(e).__name__}: {e}"])
        report["exercises"].append(entry)
    return finish(report, started)

def _build(folder, build_dir, jobs, batch, report):
    """Build folder into build_dir, trusting objects by content (and, in a
    batch, sharing them through its store)."""
    sources = forget_changed_objects(folder, build_dir)
    if batch:
        share_objects(batch.store, build_dir, sources, fetch=True)
        batch.box.own(build_dir)
    ok, errors, files, compiled = runner.build(folder, build_dir, jobs, batch and batch.box)
    if batch:
        share_objects(batch.store, build_dir, sources, fetch=False)
    write_stamp(build_dir, sources)
    report["build"]["compiled"] += compiled
    return ok, errors, files

# What grade-all did not run again because the same code passed it before:
# "exercises" (their tests) and "stress" (ThreadSanitizer programs).
REUSED, _reused_lock = {"exercises": 0, "stress": 0}, threading.Lock()

def count_reused(kind):
    with _reused_lock:
        REUSED[kind] += 1

class PassedBefore:
    """grade-all's exercises whose tests all passed with a program of the
    same code (code_digest), kept in the batch's store: they pass again
    without running. Only passes are kept: a failure's messages name lines
    that the code digest does not see, so a failed exercise runs again."""

    def __init__(self, batch, binary, names, timeout, seed):
        self.store, self.names, self.found = batch and Path(batch.store), names, set()
        self.code, self.timeout = self.store and f"{code_digest(binary)} {seed}", timeout

    def path(self, ex):
        key = f"{self.code} {ex.timeout or self.timeout:g} {' '.join(ex.tests)}"
        return self.store / f"passed-{hashlib.sha1(key.encode()).hexdigest()}.json"

    def take(self, exercises):
        """{test: runner.TestResult} of the exercises that passed before."""
        results = {}
        for ex in exercises if self.store else ():
            try:
                statuses = json.loads(self.path(ex).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            results.update({n: runner.TestResult(n, status) for n, status in statuses.items()})
            self.found.add(ex.id)
            count_reused("exercises")
        return results

    def keep(self, exercises, results):
        for ex in exercises if self.store else ():
            own = [results.get(n) for n in ex.resolve(self.names)]
            statuses = {r.status for r in own if r}
            if ex.id in self.found or None in own or not statuses <= {"PASSED", "SKIPPED"} \
                    or "PASSED" not in statuses:
                continue  # kept only what verdict() calls ok
            path = self.path(ex)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
            tmp.write_text(json.dumps({r.name: r.status for r in own}) + "\n", encoding="utf-8")
            tmp.replace(path)

def run_exercises(exercises, names, binary, folder, timeout, seed, batch):
    """{test: runner.TestResult}: a Criterion run per distinct timeout, run
    again without an exercise whose test hung (or, in a batch, failed: its
    points are all or nothing). A run again asks only for the globs with a
    test not yet run: each test process costs about 50 ms under ASan, and
    the filter is globs, not names (Criterion's matcher takes a second and
    100 MB for a dozen names)."""
    results, by_timeout = {}, {}
    for ex in exercises:
        by_timeout.setdefault(ex.timeout or timeout, []).append(ex)
    left = lambda n: n not in results or results[n].status == "NOT RUN"  # noqa: E731
    for t, pending in by_timeout.items():
        while pending:
            globs = list(dict.fromkeys(p for ex in pending for p in ex.tests if any(
                left(n) and fnmatch.fnmatchcase(n, p) for n in names)))
            tests = [n for n in names if left(n) and any(fnmatch.fnmatchcase(n, p) for p in globs)]
            results.update(runner.run_tests(binary, tests, folder, t, seed, batch and batch.box,
                                            bool(batch), globs))
            pending = [ex for ex in pending if not any(
                results[n].failed for n in ex.resolve(names)) and any(
                results[n].status == "NOT RUN" for n in ex.resolve(names))]
    return results

def code_digest(program):
    """sha1 of what an ELF program does when run: the sections it loads
    (code, data, the tests' table), not its debug information, symbols or
    build id. Two programs built from code that differs only in comments
    (or in the names and line numbers of a stack trace) get one digest, so
    a test that passed with one passes with the other: grade-all runs it
    once. A line moved changes __LINE__ in a panic's message, and the
    digest with it."""
    data = Path(program).read_bytes()
    digest = hashlib.sha1()
    if data[:5] != b"\x7fELF\x02":  # not a 64-bit ELF: all of it
        digest.update(data)
        return digest.hexdigest()
    at, (size, count, names) = struct.unpack_from("<Q", data, 0x28)[0], \
        struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, at + i * size) for i in range(count)]
    table = headers[names][4]
    for name, kind, flags, address, offset, length in headers:
        label = data[table + name:data.index(b"\0", table + name)]
        loaded, nobits = flags & 0x2, kind == 8  # SHF_ALLOC; SHT_NOBITS (.bss)
        if loaded and label != b".note.gnu.build-id":
            digest.update(label + struct.pack("<QQ", address, length))
            digest.update(b"" if nobits else data[offset:offset + length])
    return digest.hexdigest()

def verdict(ex, tests, results, binary, folder, timeout, seed, box=None):
    """One exercise's entry: ok when every one of its tests passed."""
    own = [results[t] for t in tests if t in results]
    seconds = sum(r.seconds for r in own)
    table = [{"name": r.name, "status": r.status, "time_s": round(r.seconds, 3)} for r in own]
    if not own:
        return exercise_entry(ex, "fail", 0, 0.0, ["no test of this exercise was found in the "
                                                   "built tests: " + " ".join(ex.tests)], table)
    failed = [r for r in own if r.failed]
    if not failed and any(r.status == "PASSED" for r in own):
        return exercise_entry(ex, "ok", ex.points, seconds, [], table)
    if not failed:
        return exercise_entry(ex, "fail", 0, seconds, ["every test of this exercise was "
                                                       "skipped"], table)
    status, messages = None, []
    for result in failed:
        d = diagnosis(result, binary, folder, timeout, seed, box)
        said = [d.headline] + d.details
        if status is None:
            status, messages = d.status, said
            if d.status == "not done" and d.other_exercise != ex.id:
                status = "fail"
                messages.append(f"exercise {ex.id}'s tests need exercise {d.other_exercise} "
                                f"done first")
        elif d.status != "not done":  # each stub reached says the same: once is enough
            messages += said
    if len(failed) > 1:
        ran = sum(r.status != "NOT RUN" for r in own)
        messages.append(f"{len(failed)} of its {ran} tests failed")
    return exercise_entry(ex, status, 0, seconds, messages, table)

def diagnosis(first, binary, folder, timeout, seed, box):
    """Why one failed test failed (runner.Diagnosis)."""
    if first.error == "timeout":
        d = runner.Diagnosis("timed out", f"timed out after {timeout:g}s",
                             [first.messages[0] if first.status == "MISSING" and first.messages
                              else "an endless loop, or a wait that nothing ends?",
                              f"(test {first.name})"])
    elif first.error == "output":
        d = runner.Diagnosis("output limit", first.messages[0],
                             ["a loop that prints without end? (its tests stopped there)"])
    else:
        d = runner.diagnose(binary, first.name, folder, timeout, seed, folder, first, box)
    return d

def stressed(ex, entry, folder, build_dir, batch, reference=None):
    """entry (its tests passed) after its tsan: programs, each built with
    folder's code and run a few seconds: a report, a lost wakeup or a hang
    fails it with the program's first complaint."""
    for name in ex.tsan:
        started = time.monotonic()
        out = Path(build_dir) / "tsan" / name
        code = alone(ex, Path(folder), reference, out / "code")
        ok, messages = stress(name, code, out, batch)
        took = time.monotonic() - started
        entry["tests"].append({"name": f"tsan/{name}", "status": "PASSED" if ok else "FAILED",
                               "time_s": round(took, 3)})
        entry["time_s"] = round(entry["time_s"] + took, 2)
        if not ok:
            return dict(entry, status="fail", earned=0, messages=messages)
    return entry

def alone(ex, folder, reference, dest):
    """folder's src/, copied, with the reference's version of each function
    that holds another exercise (3.2's ring runs the reference's push)."""
    if reference is None or Path(reference).resolve() == folder.resolve():
        return folder
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(folder / "src", dest / "src")
    for r in regions_mod.scan(reference):
        mine = dest / r.path
        if r.id == ex.id or r.path.parts[0] != "src" or not mine.is_file():
            continue
        theirs = (Path(reference) / r.path).read_text(encoding="utf-8").splitlines()
        name = next(m[1] for line in reversed(theirs[:r.begin])
                    if (m := FUNCTION.match(line)))
        lines = mine.read_text(encoding="utf-8", errors="replace").splitlines()
        span, ref_span = function_span(lines, name), function_span(theirs, name)
        if span and ref_span:
            lines[span[0]:span[1]] = theirs[ref_span[0]:ref_span[1]]
            mine.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest

FUNCTION = re.compile(r"^(?:__attribute__\(\(.*?\)\)\s*)?[A-Za-z_][^;(=]*?\b(\w+)\s*\(")

def function_span(lines, name):
    """[first, last + 1) of the definition of function name: its first
    line, at the left margin, to the closing brace at the left margin."""
    start = next((i for i, line in enumerate(lines) if (m := FUNCTION.match(line))
                  and m[1] == name and not line.rstrip().endswith(";")), None)
    end = start is not None and next((j for j in range(start, len(lines))
                                      if lines[j].startswith("}")), None)
    return (start, end + 1) if end else None

def stress(name, folder, out, batch=None):
    """(ok, messages) of tests/tsan/NAME.c built with folder's sources."""
    if not shutil.which("clang"):  # installed on first use, as make test-tsan does
        runner.run([Path(harness.ROOT) / "tools" / "deps.sh", "tsan"], timeout=900)
    if not shutil.which("clang"):
        return False, ["clang is missing, so the ThreadSanitizer stress of this exercise "
                       "cannot run", "tools/deps.sh tsan installs it"]
    binary = out / name
    cmd = harness.tsan_build_command(name, folder, binary)
    if not cmd:
        return False, [f"the ThreadSanitizer program {name} has a source missing"]
    store = Path(batch.store if batch else out)
    at = cmd.index(str(binary))
    flags, sources = cmd[1:at - 1], [Path(f) for f in cmd[at + 1:]]
    context = tsan_context(flags, sources, folder)
    digest = hashlib.sha1(context + b"".join(f.read_bytes() for f in sources)).hexdigest()
    cache = store / f"tsan-{name}-{digest}.json"
    if cache.is_file():
        return tuple(json.loads(cache.read_text(encoding="utf-8")))
    (out / "tsan-objects").mkdir(parents=True, exist_ok=True)
    box = batch and batch.box
    if box:
        box.own(out)
    done = tsan_build(flags, sources, context, binary, folder, store, box)
    built = not (done.returncode or done.timed_out)
    passed = built and store / f"tsan-{name}-passed-{code_digest(binary)}"
    if not built:
        result = False, [f"the ThreadSanitizer program {name} does not build with this code:"] \
            + runner.first_errors(done.output, folder, 6)
    elif passed.is_file():  # the same code passed before (only passes are kept: see PassedBefore)
        result = True, []
        count_reused("stress")
    else:
        env = runner.child_env({"STRESS_SHORT": "1", "TSAN_OPTIONS": "halt_on_error=1 "
                                "exitcode=66 second_deadlock_stack=1"})
        done = runner.run([binary], folder, env, STRESS_TIMEOUT, box and (box, out, False))
        result = True, []
        if done.returncode or done.timed_out:
            result = False, stress_complaint(name, done, folder)
        else:
            passed.touch()
    cache.write_text(json.dumps(result) + "\n", encoding="utf-8")
    return result

def tsan_context(flags, sources, folder):
    """What every object of a ThreadSanitizer program depends on besides its
    source: the flags (with folder's place left out) and the headers it can
    include, by content."""
    dirs = [Path(f[2:]) for f in flags if f.startswith("-I")] + [s.parent for s in sources]
    headers = [h for d in dict.fromkeys(dirs) for h in sorted(d.rglob("*.h"))]
    text = " ".join(flags).replace(str(Path(folder).resolve()), "{chapter}").encode()
    return hashlib.sha1(text + b"".join(h.read_bytes() for h in headers)).hexdigest().encode()

def tsan_build(flags, sources, context, binary, folder, store, box):
    """Build a ThreadSanitizer program one object per source, each kept in
    store by content: a class compiles the program's own files once and
    then only each learner's code (0.2 s a file, where the whole program
    takes 0.9 s). runner.Completed of the step that failed or the link."""
    objects, env, where = [], runner.child_env(), box and (box, binary.parent, True)
    for src in sources:
        key = hashlib.sha1(context + src.read_bytes()).hexdigest()
        obj, kept = (d / "tsan-objects" / f"{key}.o" for d in (binary.parent, store))
        objects.append(obj)
        if not obj.exists() and kept.is_file():
            shutil.copyfile(kept, obj)
        if obj.exists():
            continue
        part = obj.with_suffix(".part")  # a compile killed midway leaves no object behind
        done = runner.run(["clang", *flags, f"-ffile-prefix-map={Path(folder).resolve()}=.",
                           "-c", src, "-o", part], folder, env, STRESS_TIMEOUT, where)
        if done.returncode or done.timed_out:
            return done
        part.replace(obj)
        if kept == obj:
            continue
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f"{kept.name}.{os.getpid()}.{threading.get_ident()}")
        shutil.copyfile(obj, tmp)
        tmp.replace(kept)  # whole or not at all: two workers may put the same object
    link = ["clang", *flags, *runner.GOLD.split(), "-o", binary, *objects]
    return runner.run(link, folder, env, STRESS_TIMEOUT, where)

def stress_complaint(name, done, folder):
    """The first lines of a failed stress run: ThreadSanitizer's report
    (what raced, and where in the learner's code), or the program's own."""
    text = re.sub(r"(?<![\w/.])(?:\./)+", "", done.output.replace(str(folder.resolve()) + "/", ""))
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    report = next((i for i, line in enumerate(lines) if "ThreadSanitizer:" in line), None)
    if done.returncode == 66 and report is not None:
        keep = [re.sub(r" \(\S+\+0x\w+\)| \(BuildId: \w+\)| at 0x\w+| \(pid=\d+\)", "",
                       line.strip()) for line in lines[report:report + 12]
                if not line.lstrip().startswith(("#", "Thread ")) or "/tests/tsan/" not in line]
        return [f"ThreadSanitizer reports a race in {name} (tests/tsan/{name}.c, a few seconds "
                f"of real threads)"] + keep[:keep.index(next((k for k in keep if k.startswith(
                    "Location")), keep[-1])) + 1]
    if done.timed_out:
        return [f"the ThreadSanitizer program {name} was still running after "
                f"{STRESS_TIMEOUT} s: a wait that nothing ends?"]
    return [f"the ThreadSanitizer program {name} failed (exit {done.returncode})"] + lines[-3:]

def with_starter_files(folder, reference, files, dest):
    """A copy of folder at dest with the starter's version of each of files
    (that did not compile); None if one holds no exercise."""
    regions = regions_mod.scan(reference)
    by_file = {}
    for r in regions:
        by_file.setdefault(str(r.path), []).append(r)
    if any(f not in by_file for f in files):
        return None
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("build", ".git"))
    for rel in files:
        text = (Path(reference) / rel).read_text(encoding="utf-8", errors="surrogateescape")
        (dest / rel).write_text(regions_mod.strip_text(text, by_file[rel]), encoding="utf-8",
                                errors="surrogateescape")
    return dest

def finish(report, started):
    report["score"] = sum(e["earned"] for e in report["exercises"])
    report["time_s"] = round(time.monotonic() - started, 2)
    return report

def seed_objects(source_build, build_dir):
    """Start build_dir from another build's objects, so that make compiles
    only what differs (the dependency files rewritten to name build_dir)."""
    source_build, build_dir = Path(source_build), Path(build_dir)
    if (source_build / STAMP).is_file() and not (build_dir / STAMP).exists():
        shutil.copy2(source_build / STAMP, build_dir / STAMP)
    for sub in ("host",):
        src = source_build / sub
        if not src.is_dir() or (build_dir / sub).exists():
            continue
        shutil.copytree(src, build_dir / sub, copy_function=shutil.copy2)
        old, new = str(source_build.resolve()), str(build_dir.resolve())
        for dep in (build_dir / sub).rglob("*.d"):
            text = dep.read_text(encoding="utf-8", errors="surrogateescape")
            dep.write_text(text.replace(old, new), encoding="utf-8", errors="surrogateescape")
            os.utime(dep, (dep.stat().st_atime, dep.with_suffix(".o").stat().st_mtime)
                     if dep.with_suffix(".o").exists() else None)

# ---- objects are trusted by content, not by time stamps: a folder restored
# from a backup (cp -a, an archive) has sources older than its old objects.
STAMP = "sources.json"
OWN = (".c", ".S")  # the sources of a folder's own objects
SKIP_PARTS = {"build", ".git", "__pycache__"}

def source_hashes(folder):
    """{relative path: sha1} of every file of the folder outside build/."""
    folder, hashes = Path(folder), {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        # Not build/ and not the grader's own notes (.starter.json, .hints.json).
        if path.is_file() and not SKIP_PARTS & set(rel.parts) and not rel.name.startswith("."):
            hashes[str(rel)] = hashlib.sha1(path.read_bytes()).hexdigest()
    return hashes

def forget_changed_objects(folder, build_dir):
    """Remove the objects of sources changed since the last build (all of the
    folder's own when anything else changed, or nothing records it); returns
    the hashes."""
    now = source_hashes(folder)
    try:
        before = json.loads((Path(build_dir) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = None
    own = [Path(build_dir) / sub / "obj" for sub in ("host", "kernel")]
    if before is None:
        changed = None
    else:
        changed = {p for p in now.keys() | before.keys() if now.get(p) != before.get(p)}
    if changed is None or any(not p.endswith(OWN) for p in changed):
        for obj in own:
            shutil.rmtree(obj, ignore_errors=True)
    else:
        for rel in changed:
            for obj in own:
                (obj / (rel + ".o")).unlink(missing_ok=True)
    return now

def share_objects(store, build_dir, sources, fetch):
    """grade-all's objects by content: fetch=True takes from store what
    build_dir lacks, fetch=False gives store what it lacks. An object is
    known by its source and the folder's other files."""
    context = json.dumps(sorted(kv for kv in sources.items() if not kv[0].endswith(OWN)))
    context = hashlib.sha1(context.encode()).hexdigest()
    for rel, digest in sources.items():
        obj = Path(build_dir) / "host" / "obj" / (rel + ".o")
        kept = Path(store) / (hashlib.sha1(f"{context} {rel} {digest}".encode()).hexdigest() + ".o")
        src, dst = (kept, obj) if fetch else (obj, kept)
        if rel.endswith(OWN) and src.is_file() and not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f"{dst.name}.{os.getpid()}.{threading.get_ident()}")
            shutil.copyfile(src, tmp)
            tmp.replace(dst)  # whole or not at all: two workers may put the same object

def write_stamp(build_dir, sources):
    (Path(build_dir) / STAMP).write_text(json.dumps(sources, indent=0) + "\n", encoding="utf-8")
