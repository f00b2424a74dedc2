#!/usr/bin/env python3
"""The exercise tools the make targets call (grade.mk at the top, chapter.mk
in a chapter): start, grade, grade-all, grade-merge, bench, watch, hint,
invariants, check (manifest and regions only). `grade.py -h` lists options."""

import argparse
import fnmatch
import glob
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))

import chapters as ch_mod  # noqa: E402
import grading  # noqa: E402
import regions as regions_mod  # noqa: E402
import report as report_mod  # noqa: E402
import runner  # noqa: E402
import starter as starter_mod  # noqa: E402
import submissions as sub_mod  # noqa: E402
from manifest import ManifestError  # noqa: E402

HERE = Path(__file__).resolve().parent
HINTS_SEEN = ".hints.json"  # in a learner's folder: how many hints were shown
DEFAULT_ROOT = HERE.parent.parent

# ---- which folder, which chapter --------------------------------------------

def resolve_target(args, say=True):
    """(folder to grade, its reference chapter, the program's name, label
    of its build folder: "reference", "workspace" or None) from --ch and
    --dir. Says so when CH= falls back to the reference."""
    root = Path(args.root)
    if args.ch:
        chapter = ch_mod.find_chapter(root, args.chapters, args.ch)
        if args.dir:
            folder = Path(args.dir)
        else:
            workspace = ch_mod.workspace_for(root, chapter)
            folder = workspace if workspace.is_dir() else chapter
            if folder == chapter and say:
                print(f"You have no workspace for chapter {chapter.name} "
                      f"({ch_mod.display_path(workspace, root)}; make start CH={args.ch} "
                      f"writes it), so this is the reference.")
    elif args.dir:
        folder = Path(args.dir)
        chapter = ch_mod.reference_for(root, args.chapters, folder)
    else:
        raise ch_mod.UsageError("say which chapter: CH=NN (or DIR=path)")
    if not folder.is_dir():
        raise ch_mod.UsageError(f"{folder}: no such folder (make start CH=... writes one)")
    if not ch_mod.has_exercises(folder) and not (chapter and ch_mod.has_exercises(chapter)):
        raise ch_mod.UsageError(f"{ch_mod.display_path(folder, root)} has no exercise manifest "
                                f"('exercises'): nothing to grade")
    name = ch_mod.program_name(chapter or folder)
    if chapter and folder.resolve() == Path(chapter).resolve():
        label = "reference"
    elif chapter and folder.resolve() == ch_mod.workspace_for(root, chapter).resolve():
        label = "workspace"
    else:
        label = None
    return folder, chapter, name, label

def hint_command(args, folder, label):
    """How to ask for the next hint of an exercise, from where one stands."""
    if os.environ.get("MAKELEVEL") and not args.ch and not args.chapters:
        return "make hint EX={id}"  # make inside the graded folder
    if label == "workspace" or label == "reference":
        return f"make hint CH={args.ch or ch_mod.program_name(folder)} EX={{id}}"
    return f"make hint DIR={folder} EX={{id}}"

def grade_one(args, folder, chapter, name, label, quiet=False, report_path=None):
    """Grade a folder, print it, write its JSON report; returns the report."""
    root = Path(args.root)
    build_dir = ch_mod.build_dir_for(root, name, folder, label)
    manifest_from = folder if ch_mod.has_exercises(folder) else chapter
    graded = folder
    if args.strict and chapter and Path(chapter).resolve() != folder.resolve():
        manifest_from = chapter
        graded = build_dir / "graded"
        shutil.rmtree(graded, ignore_errors=True)
        sub_mod.overlay(chapter, regions_mod.scan(chapter), folder, graded)
        notes = sub_mod.notes(chapter, regions_mod.scan(chapter), folder)
    else:
        notes = []
    is_reference = chapter is not None and Path(manifest_from).resolve() == Path(chapter).resolve()
    if chapter is not None and not is_reference:
        grading.load_exercises(chapter)  # the reference must be sound
    exercises = grading.load_exercises(manifest_from, check_regions=is_reference)
    rep = grading.grade(graded, exercises, build_dir, seed=args.seed, timeout=args.timeout,
                        jobs=args.jobs, chapter=name, reference=chapter)
    rep["dir"] = str(folder.resolve())
    rep["whose"] = label or "other"
    rep["notes"] = notes
    # Each graded folder has its own report, beside its own build.
    path = Path(report_path or args.report or build_dir / "report.json").resolve()
    report_mod.write_json(rep, path)
    if not quiet:
        what = report_mod.describe(label, ch_mod.display_path(folder, root))
        for line in report_mod.text_report(rep, what, hints=args.hint,
                                           more=hint_command(args, folder, label)):
            print(line)
        for note in notes:
            print(f"note: {note}")
        print(f"Report: {path}")
    return rep

# ---- commands ----------------------------------------------------------------

def cmd_start(args):
    root = Path(args.root)
    if not args.ch:
        raise ch_mod.UsageError("say which chapter: make start CH=NN [DIR=path]")
    chapter = ch_mod.find_chapter(root, args.chapters, args.ch)
    grading.load_exercises(chapter)
    dest = Path(args.dir) if args.dir else ch_mod.workspace_for(root, chapter)
    ids, backup = starter_mod.make_starter(root, chapter, dest, args.force)
    shown = ch_mod.display_path(dest, root)
    if backup:
        print(f"Your previous folder is kept as {ch_mod.display_path(backup, root)}")
    print(f"Starter for chapter {chapter.name} written to {shown}: exercises {', '.join(ids)}.")
    again = f"DIR={shown}" if args.dir else f"CH={args.ch}"
    print(f"  boot it:   make run DIR={shown}   (or: cd {shown} && make run)")
    print(f"             each exercise panics until it is done; make run CH={args.ch} boots "
          f"the reference")
    print(f"  grade it:  make grade {again}   (or: cd {shown} && make grade)")
    return 0

def cmd_grade(args):
    if args.ch or args.dir:
        folder, chapter, name, label = resolve_target(args)
        rep = grade_one(args, folder, chapter, name, label)
        status = 0 if rep["score"] == rep["max_score"] and rep["max_score"] > 0 else 1
    else:
        status = grade_every_chapter(args)
    # GNU make prints "*** [grade] Error 1" for any non-zero exit, and
    # nothing can stop it; say what it means before it does.
    if status and os.environ.get("MAKELEVEL"):
        print("Not full marks yet, so the exit status is 1: make reports that as an error "
              "below. Nothing else went wrong.")
    return status

def grade_every_chapter(args):
    """No CH: every chapter with exercises, its workspace if there is one."""
    root = Path(args.root)
    rows, everything_full = [], True
    chapters = [c for c in ch_mod.chapter_list(root, args.chapters) if ch_mod.has_exercises(c)]
    if not chapters:
        print("No chapter has exercises yet.")
        return 0
    for chapter in chapters:
        workspace = ch_mod.workspace_for(root, chapter)
        folder = workspace if workspace.is_dir() else chapter
        name = ch_mod.program_name(chapter)
        label = "workspace" if folder == workspace else "reference"
        rep = grade_one(args, folder, chapter, name, label)
        print()
        everything_full &= rep["score"] == rep["max_score"]
        rows.append((name, rep["score"], rep["max_score"], label,
                     report_mod.describe(label, ch_mod.display_path(folder, root))))
    for line in report_mod.summary_table(rows):
        print(line)
    return 0 if everything_full else 1

def cmd_hint(args):
    """The next hint of one exercise (or hints 1 to HINT=n). How many a
    folder has seen is kept beside its build, so each ask goes one further."""
    folder, chapter, name, label = resolve_target(args, say=False)
    exercises = grading.load_exercises(folder if ch_mod.has_exercises(folder) else chapter,
                                       check_regions=False)
    ids = ", ".join(e.id for e in exercises)
    ex = next((e for e in exercises if e.id == args.ex), None)
    if ex is None:
        raise ch_mod.UsageError(f"say which exercise: EX=N.M (one of {ids})" if not args.ex
                                else f"no exercise {args.ex} here (exercises: {ids})")
    # A learner's copy keeps the count itself (a new starter starts again);
    # the reference, which is not to be written to, keeps it in its build.
    state_path = (ch_mod.build_dir_for(Path(args.root), name, folder, label) / "hints.json"
                  if label == "reference" else folder / HINTS_SEEN)
    try:
        seen = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {}
    upto = args.hint_given or min(len(ex.hints), max(seen.get(ex.id, 1), 1) + 1)
    upto = max(1, min(upto, len(ex.hints)))
    print(f"Exercise {ex.id}: {ex.title}")
    for line in report_mod.hint_lines({"hints": ex.hints}, upto):
        print(line)
    if upto == len(ex.hints):
        print("    (that is the last hint)")
    seen[ex.id] = max(seen.get(ex.id, 1), upto)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(seen) + "\n", encoding="utf-8")
    return 0

def cmd_grade_all(args):
    root = Path(args.root)
    if not args.ch or not args.submissions:
        raise ch_mod.UsageError("make grade-all CH=NN SUBMISSIONS=folder")
    chapter = ch_mod.find_chapter(root, args.chapters, args.ch)
    exercises = grading.load_exercises(chapter)
    subs_dir = Path(args.submissions)
    if not subs_dir.is_dir():
        raise ch_mod.UsageError(f"SUBMISSIONS={subs_dir}: no such folder")
    submissions = sorted(d for d in subs_dir.iterdir() if d.is_dir() and not d.name.startswith(".")
                         and fnmatch.fnmatchcase(d.name, args.only or "*"))
    if not submissions:
        raise ch_mod.UsageError(f"SUBMISSIONS={subs_dir}: no submission folders in it (one "
                                f"folder per student, each a copy of the starter)" +
                                (f" named ONLY={args.only}" if args.only else ""))
    part = None
    if args.shard:
        try:
            submissions, part = sub_mod.shard(submissions, args.shard)
        except sub_mod.NotASubmission as e:
            raise ch_mod.UsageError(str(e))
    out = output_folder(args, root, chapter.name)
    work = root / "build" / "grade-all" / chapter.name / "work"
    # Two batches of one chapter at once (two make test) take turns: they
    # share the work folder.
    with grading.locked(work.with_name("work.lock")):
        print(f"Grading {len(submissions)} submissions of chapter {chapter.name} from "
              f"{subs_dir.resolve()} (seed {args.seed}"
              + (f", slice {args.shard} of the class" if part else "") + ")")
        cls = sub_mod.grade_class(root, chapter, exercises, submissions, work, seed=args.seed,
                                  timeout=args.timeout, jobs=args.jobs, hide=[subs_dir, out])
    return write_grades(out, dict(cls, shard=part) if part else cls)

def output_folder(args, root, name):
    """OUT=, which must not hold grades unless FORCE=1; else a new dated
    folder: grades are never overwritten."""
    if args.out:
        out = Path(args.out).resolve()
        if (out / "grades.csv").exists() and not args.force:
            raise ch_mod.UsageError(f"OUT={out} already holds grades.csv: choose another OUT= "
                                    f"or add FORCE=1 to replace it")
        return out
    out = root / "build" / "grade-all" / name / time.strftime("%Y%m%d-%H%M%S")
    n = 1
    while out.exists():
        out = out.with_name(f"{out.name.split('~')[0]}~{n}")
        n += 1
    return out

def write_grades(out, cls):
    """Write the class's CSV, JSON and HTML; exit status 1 when some
    submission could not be graded at all."""
    report_mod.write_class(out, cls)
    print(f"Wrote {out / 'grades.csv'}, grades.json and grades.html")
    lost = [r["submission"] for r in cls["submissions"] if r.get("not_graded")]
    if lost:
        print(f"{len(lost)} submission(s) could not be graded at all: {', '.join(lost)}",
              file=sys.stderr)
    return 1 if lost else 0

def cmd_grade_merge(args):
    """The grades.json of every slice of a class (SHARD=i/N), joined into
    the CSV, JSON and HTML that one run over the whole class writes."""
    paths = [Path(p) / "grades.json" if Path(p).is_dir() else Path(p)
             for pattern in args.inputs.split() for p in sorted(glob.glob(pattern)) or [pattern]]
    try:
        parts = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    except (OSError, ValueError) as e:
        raise ch_mod.UsageError(f"IN=: {e}")
    same = [{k: v for k, v in c.items() if k != "submissions"} for c in parts]
    for c in same:
        c["shard"] = dict(c.get("shard") or {}, index=0)
    if not parts or any(c != same[0] for c in same) or not same[0]["shard"].get("of"):
        raise ch_mod.UsageError("IN= must name the grades.json of slices of one class, graded "
                                "with the same SEED= (make grade-all SHARD=i/N SEED=n)")
    got, of = sorted(c["shard"]["index"] for c in parts), same[0]["shard"]["of"]
    if got != list(range(1, of + 1)):
        raise ch_mod.UsageError(f"IN=: slices {got} of {of}: each slice once, none missing")
    cls = {k: v for k, v in parts[0].items() if k != "shard"}
    cls["submissions"] = sorted((s for c in parts for s in c["submissions"]),
                                key=lambda s: s["submission"])
    out = output_folder(args, Path(args.root), cls["chapter"])
    print(f"Joined {len(paths)} slices: {len(cls['submissions'])} submissions")
    return write_grades(out, cls)

def cmd_bench(args):
    """make bench-grading: a made-up class of N submissions, graded."""
    root = Path(args.root)
    chapter = ch_mod.find_chapter(root, args.chapters, args.ch or "03")
    dest = root / "build" / "bench-grading" / f"{chapter.name}-{args.n}"
    if dest.exists():
        shutil.rmtree(dest)
    kinds = sub_mod.make_class(root, chapter, regions_mod.scan(chapter), dest / "submissions",
                               args.n, random.Random(args.n))
    print(f"A class of {args.n}: " + ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(
        sorted(kinds))))
    args.ch, args.submissions, args.out, args.force = chapter.name, dest / "submissions", \
        dest / "grades", True
    # From nothing, the reference's build included, as an instructor's first run.
    shutil.rmtree(root / "build" / "grade-all" / chapter.name / "work", ignore_errors=True)
    started = time.monotonic()
    status = cmd_grade_all(args)
    took = time.monotonic() - started
    print(f"bench-grading: {args.n} submissions of {chapter.name} in {took:.1f} s, "
          f"{took / args.n:.2f} s each, {args.jobs} at once (JOBS=)")
    print("Worker time by program: " + ", ".join(
        f"{kind} {runner.SPENT[kind]:.0f} s in {runner.STARTED[kind]}"
        for kind, _ in runner.SPENT.most_common()))
    return status if status != 1 else 0  # the class has no folder that is not graded

def cmd_check(args):
    """Manifest and regions of every chapter (or CH): no build."""
    root = Path(args.root)
    chapters = ([ch_mod.find_chapter(root, args.chapters, args.ch)] if args.ch else
                [c for c in ch_mod.chapter_list(root, args.chapters) if ch_mod.has_exercises(c)])
    failed = 0
    for chapter in chapters:
        try:
            exercises = grading.load_exercises(chapter)
            print(f"ok    {chapter.name}: {len(exercises)} exercises, "
                  f"{sum(e.points for e in exercises)} points")
        except ManifestError as e:
            failed += 1
            print(f"FAIL  {chapter.name}:\n" + "\n".join("      " + l for l in str(e).splitlines()))
    return 1 if failed else 0

def cmd_watch(args):
    import watch
    folder, chapter, name, label = resolve_target(args)
    return watch.watch(args, folder, chapter, name, label, grade_one)

def cmd_invariants(args):
    import invariants
    return invariants.main(args)

# ---- the command line ---------------------------------------------------------

COMMANDS = {"start": cmd_start, "grade": cmd_grade, "grade-all": cmd_grade_all,
            "grade-merge": cmd_grade_merge, "bench": cmd_bench, "watch": cmd_watch,
            "hint": cmd_hint, "invariants": cmd_invariants, "check": cmd_check}

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=sorted(COMMANDS))
    p.add_argument("--root", default=str(DEFAULT_ROOT), help="the repository's top folder")
    p.add_argument("--chapters", default="", help="chapter folders (make's CHAPTERS)")
    p.add_argument("--ch", default="", help="chapter: 01, 1 or 01-futures")
    p.add_argument("--dir", default="", help="the folder to write or grade")
    p.add_argument("--force", action="store_true",
                   help="start: replace, keeping a backup; grade-all: replace OUT's grades")
    p.add_argument("--seed", type=int, default=grading.DEFAULT_SEED,
                   help="the tests' random seed (a fixed default)")
    p.add_argument("--timeout", type=float, default=grading.DEFAULT_TIMEOUT,
                   help="seconds each test may run")
    p.add_argument("--jobs", type=int, default=0,
                   help="compilers at once; grade-all: submissions at once")
    p.add_argument("--strict", action="store_true",
                   help="grade only the exercise files, with the reference's tests")
    p.add_argument("--report", default="", help="where the JSON report goes")
    p.add_argument("--submissions", default="", help="grade-all: the folder of submissions")
    p.add_argument("--out", default="", help="grade-all: where the CSV, JSON and HTML go")
    p.add_argument("--shard", default="", help="grade-all: i/N, the i-th of N slices")
    p.add_argument("--only", default="", help="grade-all: the submissions named so (a glob)")
    p.add_argument("--in", dest="inputs", default="", help="grade-merge: the slices' grades")
    p.add_argument("--n", type=int, default=200, help="bench: submissions in the class")
    p.add_argument("--ex", default="", help="hint: the exercise, N.M")
    p.add_argument("--hint", type=int, default=0,
                   help="show hints 1 to n of each failed exercise (default 1)")
    p.add_argument("--no-hints", action="store_true", help="show no hints (exams)")
    p.add_argument("--once", action="store_true", help="watch: grade once and stop")
    p.add_argument("--interval", type=float, default=1.0, help="watch: seconds between polls")
    p.add_argument("--poll", action="store_true", help="watch: poll even if inotifywait exists")
    p.add_argument("--rounds", type=int, default=0, help="watch: stop after this many gradings")
    p.add_argument("--keep", action="store_true", help="invariants: keep the stripped copies")
    args = p.parse_args(argv)
    args.root = str(Path(args.root).resolve())  # the builds run in other folders
    args.dir = args.dir and str(Path(args.dir).absolute())
    # Every copy this grader builds (a starter, a submission) builds with
    # this clone's kernel-base and tools, wherever the copy sits.
    os.environ["WORKBOOK"] = args.root
    os.environ.pop("ROOT", None)
    args.jobs = args.jobs or grading.default_jobs()
    args.hint_given = max(args.hint, 0)
    args.hint = 0 if args.no_hints else (args.hint_given or 1)
    return args

def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return COMMANDS[args.command](args)
    except (ch_mod.UsageError, ManifestError) as e:
        print(f"{args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

if __name__ == "__main__":
    sys.exit(main())
