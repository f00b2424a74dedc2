"""grade-all: a class graded on all cores, each submission in a sandbox, its
exercise files laid over a copy of the reference (whose tests count), the
same content graded once; slices (SHARD=i/N); make bench-grading's class."""

import copy
import dataclasses
import filecmp
import hashlib
import os
import queue
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grading
import regions as regions_mod
import report as report_mod
import runner
from starter import COPY_IGNORE, copy_reference, fix_makefile, make_starter

IGNORED_DIFFERENCES = {"Makefile", ".starter.json", ".hints.json"}

class NotASubmission(Exception):
    """A folder with none of the chapter's exercise files: nothing to grade."""

def exercise_files(regions):
    return sorted({r.path for r in regions})

def find_chapter_root(submission, files):
    """A submission is a copy of a chapter folder, perhaps wrapped in one
    more folder (an unpacked archive): find the folder holding the files."""
    submission = Path(submission)
    subdirs = [d for d in submission.iterdir() if d.is_dir() and not d.name.startswith(".")]
    for d in [submission] + subdirs:
        if any((d / f).is_file() for f in files):
            return d
    return submission

def content_key(submission, files):
    """What a submission's grade depends on: the content of each exercise
    file (None when missing); None when it holds none of them."""
    source = find_chapter_root(submission, files)
    key = tuple(hashlib.sha1((source / f).read_bytes()).hexdigest() if (source / f).is_file()
                else None for f in files)
    return key if any(key) else None

def overlay(reference, regions, submission, dest):
    """dest: the reference with the submission's exercise files (the
    starter's for a missing one, never the reference's solution)."""
    reference, dest = Path(reference), Path(dest)
    files = exercise_files(regions)
    source = find_chapter_root(submission, files)
    if not dest.exists():
        shutil.copytree(reference, dest, ignore=COPY_IGNORE)
        fix_makefile(dest)
    missing = [f for f in files if not (source / f).is_file()]
    for rel in files:
        shutil.copyfile(reference / rel if rel in missing else source / rel, dest / rel)
    regions_mod.strip_folder(dest, [r for r in regions if r.path in missing])
    for rel in files:
        shutil.copystat(reference / rel, dest / rel)

def notes(reference, regions, submission):
    """For the instructor: files missing from the submission, and changes
    that were ignored."""
    files = exercise_files(regions)
    source = find_chapter_root(submission, files)
    missing = [str(f) for f in files if not (source / f).is_file()]
    found = ["missing (graded as not done): " + " ".join(missing)] if missing else []
    ignored = ignored_changes(reference, source, set(files))
    if ignored:
        found.append("ignored changes to: " + " ".join(ignored[:8])
                     + (f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""))
    return found

def ignored_changes(reference, source, exercise_paths):
    """Files of the submission, other than its exercise files, that differ
    from the reference or that the reference does not have."""
    changed = []
    for path in sorted(Path(source).rglob("*")):
        rel = path.relative_to(source)
        if (not path.is_file() or rel in exercise_paths or str(rel) in IGNORED_DIFFERENCES
                or any(p in ("build", ".git") or p.endswith(".backup") for p in rel.parts)):
            continue
        ref = Path(reference) / rel
        if not ref.is_file() or not filecmp.cmp(ref, path, shallow=False):
            changed.append(str(rel))
    return changed

def shard(submissions, spec):
    """SHARD=i/N: every N-th submission from the i-th, and what grade-merge
    checks (the slice, and its class)."""
    try:
        i, n = (int(x) for x in spec.split("/"))
        assert 1 <= i <= n
    except (ValueError, AssertionError):
        raise NotASubmission(f"SHARD={spec}: write SHARD=i/N, with 1 <= i <= N")
    names = hashlib.sha1("\n".join(s.name for s in submissions).encode()).hexdigest()
    return submissions[i - 1::n], {"index": i, "of": n, "class": names,
                                   "submissions": len(submissions)}

def grade_class(root, chapter, exercises, submissions, work, *, seed, timeout, jobs, hide=()):
    """The class report of submissions graded `jobs` at once, a line each
    printed in order, then the cost."""
    started, regions = time.monotonic(), regions_mod.scan(chapter)
    grading.REUSED.update(exercises=0, stress=0)
    files = exercise_files(regions)
    box = runner.Sandbox(root, hide)
    print("Each submission runs in a sandbox (bubblewrap): no network, nothing writable but its "
          "build folder, limits on processes, memory, file size, output and CPU time"
          if box.mode == "bwrap" else f"No sandbox ({box.why}): submissions run with limits on "
          f"CPU time, file size, memory and output only, and can write wherever you can")
    ref, grade_one = grader(root, chapter, exercises, regions, work, box, seed=seed,
                            timeout=timeout, jobs=jobs)
    keys, first = {sub: content_key(sub, files) for sub in submissions}, {}
    for sub, key in keys.items():
        first.setdefault(key, sub)  # one of each content is graded
    first.pop(None, None)
    reports, width = [], max([len(s.name) for s in submissions] + [10])
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = {key: pool.submit(grade_one, sub, key) for key, sub in first.items()}
        for sub in submissions:
            reports.append(submission_report(sub, graded.get(keys[sub]), chapter, regions,
                                             exercises, seed))
            report_mod.print_row(reports[-1], width)
    compiled = sum(f.result()["build"]["compiled"] for f in graded.values() if not f.exception())
    took, n = time.monotonic() - started, len(submissions)
    print(f"{n} submissions in {took:.1f} s ({took / n:.2f} s each, {jobs} at once); "
          f"{len(graded)} distinct ones graded; {compiled} files compiled where one build per "
          f"submission of its {len(files)} exercise files compiles {len(files) * n}: "
          f"{100 * (1 - compiled / (len(files) * n)):.0f}% reused; not run again, as the same "
          f"code passed them before: the tests of {grading.REUSED['exercises']} exercises, "
          f"{grading.REUSED['stress']} ThreadSanitizer programs")
    return {"chapter": chapter.name, "seed": seed, "reference_score": ref["score"],
            "max_score": ref["max_score"], "sandbox": box.mode,
            "exercises": [{"id": x.id, "title": x.title, "points": x.points} for x in exercises],
            "submissions": reports}

def grader(root, chapter, exercises, regions, work, box, *, seed, timeout, jobs):
    """The reference's report (its build and tests start each submission's),
    and a function that grades a submission in a slot of work/."""
    for old in [work / "objects", work / "_starter", *work.glob("slot-*")]:
        shutil.rmtree(old, ignore_errors=True)
    files = exercise_files(regions)
    batch = grading.Batch(box, work / "objects", None)
    batch.store.mkdir(parents=True)
    copy_reference(root, chapter, work / "_reference")
    ref = grading.grade(work / "_reference", exercises, work / "_reference-build", seed=seed,
                        timeout=timeout, jobs=jobs, chapter=chapter.name, batch=batch)
    if ref["score"] != ref["max_score"]:
        print(f"warning: the reference itself scores {ref['score']}/{ref['max_score']}: "
              f"these grades are not to be trusted")
    batch.tests = runner.list_tests(work / "_reference-build" / "host-tests", work / "_reference",
                                    box) if ref["build"]["ok"] else []
    make_starter(root, chapter, work / "_starter")
    stubs = content_key(work / "_starter", files)
    slots, cpus = queue.Queue(), sorted(os.sched_getaffinity(0))
    for i in range(jobs):
        slots.put(i)

    def grade_one(sub, key):
        touched = {f for f, digest, stub in zip(files, key, stubs) if digest not in (None, stub)}
        untouched = frozenset(r.id for r in regions) - {r.id for r in regions if r.path in touched}
        i = slots.get()
        # A worker on one core: its processes' memory maps change without
        # the other cores being interrupted to hear of it (10% faster).
        os.sched_setaffinity(0, {cpus[i % len(cpus)]})
        slot = work / f"slot-{i}"
        try:
            overlay(chapter, regions, sub, slot / "src")
            return grading.grade(slot / "src", exercises, slot / "build",
                                 seed=seed, timeout=timeout, jobs=1, chapter=chapter.name,
                                 seed_build=work / "_reference-build", reference=chapter,
                                 batch=dataclasses.replace(batch, untouched=untouched))
        finally:
            slots.put(i)
    return ref, grade_one

def submission_report(sub, graded, chapter, regions, exercises, seed):
    """A submission's report: its content's, with its own notes, without
    the run's times and counts."""
    try:
        if graded is None:
            files = " ".join(str(f) for f in exercise_files(regions))
            raise NotASubmission(f"none of the exercise files ({files}) is in it: not a copy of "
                                 f"the chapter?")
        rep, found = copy.deepcopy(graded.result()), notes(chapter, regions, sub)
    except Exception as e:  # a broken submission never stops the batch
        found = [f"not graded: {e}" if isinstance(e, NotASubmission)
                 else f"grader error: {type(e).__name__}: {e}"]
        rep = {"chapter": chapter.name, "score": 0, "seed": seed, "not_graded": True,
               "max_score": sum(x.points for x in exercises), "build": {"ok": False, "errors": []},
               "exercises": [grading.exercise_entry(x, "fail", messages=found)
                             for x in exercises]}
    rep.pop("time_s", None)
    rep["build"].pop("compiled", None)
    for e in rep["exercises"]:
        e.pop("time_s", None)
        for t in e["tests"]:
            t.pop("time_s", None)
    rep.update(dir=str(sub.resolve()), submission=sub.name, notes=found)
    return rep

def make_class(root, chapter, regions, dest, n, rng):
    """make bench-grading's class of n: a quarter untouched, half partly
    done, a few that do not compile or never end, the rest solved."""
    by_file = {f: [r for r in regions if r.path == f] for f in exercise_files(regions)}
    kinds = (["starter"] * (n // 4) + ["partial"] * (n // 2) + ["broken"] * max(1, n // 50)
             + ["hanging"] * max(1, n // 50))
    kinds = (kinds + ["solved"] * n)[:n]
    rng.shuffle(kinds)
    starter = dest / "_starter"
    make_starter(root, chapter, starter, force=True)
    for i, kind in enumerate(kinds):
        sub = dest / f"student-{i:03d}"
        shutil.copytree(starter, sub)
        worked = [f for f in by_file if kind != "partial" or rng.random() < 0.5]
        for f in worked if kind != "starter" else []:
            text = (chapter / f).read_text()
            stubs = [r for r in by_file[f] if kind == "partial" and rng.random() < 0.4]
            lines = (regions_mod.strip_text(text, stubs) if stubs else text).splitlines(True)
            if kind == "hanging" and f == worked[0]:
                lines.insert(by_file[f][0].begin, "for (;;) {}\n")  # before its first solution
            inside, statements = False, []
            for i, line in enumerate(lines):
                inside = "begin" in line if "// exercise:" in line else inside
                statements += [i] if inside and line.rstrip().endswith(";") else []
            if kind == "partial" and statements and rng.random() < 0.3:
                del lines[rng.choice(statements)]  # a wrong attempt: one statement lost
            text = f"// {sub.name}'s work\n" + "".join(lines)
            broken = kind == "broken" and f == worked[0]
            (sub / f).write_text(text + ("this does not compile\n" if broken else ""))
    shutil.rmtree(starter)
    return kinds
