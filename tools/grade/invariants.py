"""The grading invariants of every chapter with exercises: its manifest and
regions agree; the reference scores full marks; the starter compiles and
scores 0; each exercise stripped alone fails its own tests while every other
passes. Work goes to build/grade-invariants/NAME/, each copy starting from
the reference's objects."""

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import chapters as ch_mod
import grading
import regions as regions_mod
import report as report_mod
import starter as starter_mod
from manifest import ManifestError

class Checks:
    def __init__(self, color):
        self.passed = self.failed = 0
        self.color = color

    def record(self, ok, what, details=()):
        word = report_mod.paint("PASS" if ok else "FAIL", "green" if ok else "red", self.color)
        print(f"{word}  {what}", flush=True)
        if not ok:
            for line in details:
                print(f"        {line}")
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

def scores(rep):
    return ", ".join(f"{e['id']} {e['earned']}/{e['points']} ({e['status']})"
                     for e in rep["exercises"])

def explain(rep, ids=None):
    """The messages of the exercises that matter to a failed check."""
    lines = []
    if not rep["build"]["ok"]:
        lines += ["does not compile:"] + ["  " + line for line in rep["build"]["errors"]]
    lines += [f"warning: {p}" for p in rep.get("problems", [])]
    for e in rep["exercises"]:
        if ids is None or e["id"] in ids:
            lines += [f"{e['id']}: {m}" for m in e["messages"][:3]]
    return lines

def check_chapter(args, chapter, checks):
    root = Path(args.root)
    name = ch_mod.program_name(chapter)
    label = chapter.name
    try:
        exercises = grading.load_exercises(chapter)
        regions = regions_mod.scan(chapter)
    except ManifestError as e:
        checks.record(False, f"{label}: manifest and exercise regions agree",
                      str(e).splitlines())
        return
    checks.record(True, f"{label}: manifest and exercise regions agree "
                        f"({len(exercises)} exercises, {len(regions)} regions)")
    if not starter_mod.INCLUDE_CHAPTER_MK.search((chapter / "Makefile").read_text()):
        print(f"        note: {label}/Makefile does not include $(ROOT)/tools/grade/chapter.mk: "
              f"make grade, watch and hint do not work inside the chapter (starters add it)")
    work = root / "build" / "grade-invariants" / name
    if args.dir:  # a chapter from elsewhere (a copy): its own work folder
        work = ch_mod.build_dir_for(root, name, chapter).parent.parent.parent / \
            "grade-invariants" / ch_mod.build_dir_for(root, name, chapter).name
    with grading.locked(work.with_name(work.name + ".lock")):
        check_work(args, chapter, checks, work, name, label, exercises, regions)

def check_work(args, chapter, checks, work, name, label, exercises, regions):
    root = Path(args.root)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    options = dict(seed=args.seed, timeout=args.timeout, chapter=name)

    ref_dir, ref_build = work / "reference", work / "reference-build"
    starter_mod.copy_reference(root, chapter, ref_dir)
    ref = grading.grade(ref_dir, exercises, ref_build, jobs=args.jobs, **options)
    ok = ref["build"]["ok"] and ref["score"] == ref["max_score"] and not ref["problems"]
    checks.record(ok, f"{label}: the reference scores full marks "
                      f"({ref['score']}/{ref['max_score']})", explain(ref))
    if not ref["build"]["ok"]:
        return

    # The starter and each stripped copy are independent: grade them two at
    # a time (each with half the jobs), then report in order.
    variants = [("starter", None)] + [(f"strip-{ex.id}", ex.id) for ex in exercises]
    for variant, ex_id in variants:
        dest = work / variant
        if ex_id is None:
            starter_mod.make_starter(root, chapter, dest, force=True)
        else:
            shutil.copytree(ref_dir, dest)
            regions_mod.strip_folder(dest, regions, {ex_id})

    def run(variant):
        return grading.grade(work / variant[0], exercises, work / (variant[0] + "-build"),
                             jobs=max(1, args.jobs // 2), seed_build=ref_build, reference=chapter,
                             **options)

    with ThreadPoolExecutor(max_workers=2 if args.jobs > 1 else 1) as pool:
        reports = list(pool.map(run, variants))

    starter = reports[0]
    checks.record(starter["build"]["ok"], f"{label}: the full starter compiles", explain(starter))
    if starter["build"]["ok"]:
        scored = [e for e in starter["exercises"] if e["earned"] > 0]
        checks.record(not scored, f"{label}: the full starter scores 0 on every exercise",
                      [f"exercise {e['id']} scores {e['earned']}/{e['points']} on its stub: "
                       f"its tests pass without the solution" for e in scored])
        odd = [e for e in starter["exercises"] if e["status"] not in ("not done", "ok")]
        for e in odd:
            print(f"        note: on the starter, exercise {e['id']} fails with "
                  f"'{e['messages'][0] if e['messages'] else e['status']}' rather than "
                  f"'not done'")

    for (variant, ex_id), rep in zip(variants[1:], reports[1:]):
        own = next(e for e in rep["exercises"] if e["id"] == ex_id)
        needs = {ex.id: ex.needs for ex in exercises}
        others = [e for e in rep["exercises"] if e["id"] != ex_id and e["status"] != "ok"
                  and ex_id not in needs.get(e["id"], [])]
        problems = []
        if not rep["build"]["ok"]:
            problems += ["stripped alone, it does not compile"] + explain(rep)
        else:
            if own["status"] == "ok":
                problems.append(f"exercise {ex_id} scores {own['earned']}/{own['points']} on its "
                                f"stub: its tests do not test it")
            else:
                problems += [f"test {t['name']} passes on exercise {ex_id}'s stub: it does not "
                             f"test exercise {ex_id}" for t in own["tests"]
                             if t["status"] in ("PASSED", "SKIPPED")]
                problems += [f"test {t['name']} was not run: a test before it hung on the stub"
                             for t in own["tests"] if t["status"] == "NOT RUN"]
            problems += [f"exercise {e['id']} fails when only {ex_id} is stripped: "
                         f"{e['messages'][0] if e['messages'] else e['status']}" for e in others]
        checks.record(not problems, f"{label}: exercise {ex_id} stripped alone fails each of its "
                                    f"{len(own['tests'])} tests ({own['status']}), every other "
                                    f"exercise passes",
                      problems)

def main(args):
    root = Path(args.root)
    started = time.monotonic()
    if args.dir:
        chapters = [Path(args.dir).resolve()]
    elif args.ch:
        chapters = [ch_mod.find_chapter(root, args.chapters, args.ch)]
    else:
        chapters = [c for c in ch_mod.chapter_list(root, args.chapters)
                    if ch_mod.has_exercises(c)]
    checks = Checks(report_mod.use_color())
    print(f"Grading invariants for {len(chapters)} chapter(s), seed {args.seed} "
          f"(SEED={args.seed} repeats it)")
    for chapter in chapters:
        check_chapter(args, chapter, checks)
    print(f"invariants took {time.monotonic() - started:.0f}s")
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0
