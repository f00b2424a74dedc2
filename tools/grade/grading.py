"""Grading one folder: build its host tests, run every exercise's tests,
give each exercise a verdict. The result is the JSON report's content."""

import fcntl
import os
import random
import shutil
import time
from pathlib import Path

import manifest as manifest_mod
import regions as regions_mod
import runner

DEFAULT_TIMEOUT = 5.0  # seconds per test


def default_jobs():
    return max(1, min(os.cpu_count() or 1, 8))


def new_seed():
    return random.SystemRandom().randrange(1, 2**31)


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
            "hint": ex.hint, "tests": tests or []}


def grade(folder, exercises, build_dir, *, seed, timeout=DEFAULT_TIMEOUT, jobs=None,
          chapter="", seed_build=None):
    """Grade folder (a chapter or a copy of one) against exercises.
    Returns the report as a dict; never raises for a broken folder."""
    folder, build_dir = Path(folder), Path(build_dir)
    jobs = jobs or default_jobs()
    started = time.monotonic()
    report = {"chapter": chapter, "dir": str(folder.resolve()), "seed": seed,
              "score": 0, "max_score": sum(ex.points for ex in exercises),
              "build": {"ok": False, "errors": []}, "problems": [], "exercises": []}
    build_dir.mkdir(parents=True, exist_ok=True)
    with locked(build_dir / ".lock"):
        return _grade(folder, exercises, build_dir, report, seed=seed, timeout=timeout,
                      jobs=jobs, seed_build=seed_build, started=started)


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


def _grade(folder, exercises, build_dir, report, *, seed, timeout, jobs, seed_build, started):
    if seed_build:
        seed_objects(seed_build, build_dir)
    ok, errors = runner.build(folder, build_dir, jobs)
    report["build"] = {"ok": ok, "errors": errors}
    if not ok:
        report["exercises"] = [exercise_entry(ex, "compile error",
                                              messages=["the code does not compile"])
                               for ex in exercises]
        return finish(report, started)

    binary = build_dir / "host-tests"
    try:
        names = runner.list_tests(binary, folder)
    except RuntimeError as e:
        report["problems"].append(str(e))
        names = []
    report["problems"] += manifest_mod.check_tests(exercises, names, "exercises")

    # One Criterion run per distinct timeout (normally a single run).
    results = {}
    by_timeout = {}
    for ex in exercises:
        for name in ex.resolve(names):
            by_timeout.setdefault(ex.timeout or timeout, []).append(name)
    for t, tests in by_timeout.items():
        tests = list(dict.fromkeys(tests))
        got, _ = runner.run_tests(binary, tests, folder, jobs, t, seed,
                                  build_dir / f"results-{t:g}.xml")
        results.update(got)

    for ex in exercises:
        try:
            entry = verdict(ex, ex.resolve(names), results, binary, folder,
                            ex.timeout or timeout, seed)
        except Exception as e:  # a grader bug costs this exercise, not the run
            entry = exercise_entry(ex, "fail", messages=[f"grader error: {type(e).__name__}: {e}"])
        report["exercises"].append(entry)
    return finish(report, started)


def verdict(ex, tests, results, binary, folder, timeout, seed):
    """One exercise's entry: ok when every one of its tests passed."""
    own = [results[t] for t in tests if t in results]
    seconds = sum(r.seconds for r in own)
    table = [{"name": r.name, "status": r.status, "time_s": round(r.seconds, 3)} for r in own]
    if not own:
        return exercise_entry(ex, "fail", 0, 0.0, ["no test of this exercise was found in the "
                                                   "built tests: " + " ".join(ex.tests)], table)
    failed = [r for r in own if not r.passed]
    if not failed and any(r.status == "PASSED" for r in own):
        return exercise_entry(ex, "ok", ex.points, seconds, [], table)
    if not failed:
        return exercise_entry(ex, "fail", 0, seconds, ["every test of this exercise was "
                                                       "skipped"], table)
    first = failed[0]
    if first.error == "timeout":
        d = runner.Diagnosis("timed out", f"timed out after {timeout:g}s",
                             [first.messages[0] if first.status == "MISSING" and first.messages
                              else "an endless loop, or a wait that nothing ends?",
                              f"(test {first.name})"])
    else:
        d = runner.diagnose(binary, first.name, folder, timeout, seed, folder, first)
    status = d.status
    messages = [d.headline] + d.details
    if d.status == "not done" and d.other_exercise != ex.id:
        status = "fail"
        messages.append(f"exercise {ex.id}'s tests need exercise {d.other_exercise} done first")
    if len(failed) > 1:
        messages.append(f"{len(failed)} of its {len(own)} tests failed")
    return exercise_entry(ex, status, 0, seconds, messages, table)


def finish(report, started):
    report["score"] = sum(e["earned"] for e in report["exercises"])
    report["time_s"] = round(time.monotonic() - started, 2)
    return report


def seed_objects(source_build, build_dir):
    """Start build_dir from the objects of another build of the same
    chapter, so that make recompiles only what differs. Dependency files
    name their own build folder: rewrite them, or make would not know which
    headers an object depends on."""
    source_build, build_dir = Path(source_build), Path(build_dir)
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
