"""Grading what learners hand in, without trusting anything but their
solutions: a submission's exercise files are laid over a fresh copy of the
reference, whose tests, manifest and Makefile are the ones that count."""

import filecmp
import os
import shutil
from pathlib import Path

import regions as regions_mod
from starter import COPY_IGNORE, fix_makefile

IGNORED_DIFFERENCES = {"Makefile", ".starter.json", ".hints.json"}


class NotASubmission(Exception):
    """A folder with none of the chapter's exercise files: nothing to grade."""


def holds_any(submission, regions):
    """Whether the submission (or the one folder it is wrapped in) holds at
    least one of the exercise files."""
    files = sorted({r.path for r in regions})
    source = find_chapter_root(submission, files)
    return any((Path(source) / f).is_file() for f in files)


def exercise_files(reference, regions):
    return sorted({r.path for r in regions})


def find_chapter_root(submission, files):
    """A submission is a copy of a chapter folder, perhaps wrapped in one
    more folder (an unpacked archive): find the folder holding the files."""
    submission = Path(submission)
    if any((submission / f).is_file() for f in files):
        return submission
    subdirs = [d for d in submission.iterdir() if d.is_dir() and not d.name.startswith(".")]
    for d in subdirs:
        if any((d / f).is_file() for f in files):
            return d
    return submission


def overlay(root, reference, regions, submission, dest):
    """Build the folder to grade at dest. Returns notes for the instructor:
    files missing from the submission, changes that were ignored."""
    reference, dest = Path(reference), Path(dest)
    files = exercise_files(reference, regions)
    source = find_chapter_root(submission, files)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(reference, dest, ignore=COPY_IGNORE)
    notes, missing = [], []
    for rel in files:
        theirs = source / rel
        if theirs.is_file():
            shutil.copyfile(theirs, dest / rel)  # a new mtime: make must rebuild it
            os.utime(dest / rel)
        else:
            missing.append(rel)
    if missing:
        # Never the reference's solution: the starter's stubs stand in.
        regions_mod.strip_folder(dest, [r for r in regions if r.path in missing])
        notes.append("missing (graded as not done): " + " ".join(str(m) for m in missing))
    fix_makefile(dest)
    ignored = ignored_changes(reference, source, set(files))
    if ignored:
        notes.append("ignored changes to: " + " ".join(ignored[:8])
                     + (f" and {len(ignored) - 8} more" if len(ignored) > 8 else ""))
    return notes


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
