"""Where things are: chapters, workspaces, build folders, report paths."""

import hashlib
import json
import re
from pathlib import Path

from manifest import MANIFEST_NAME

STARTER_INFO = ".starter.json"  # written by `make start` into every starter

class UsageError(Exception):
    """A wrong CH=, DIR= or similar: printed without a traceback."""

def chapter_list(root, chapters):
    """The chapter folders, from CHAPTERS (words) or else chapters/*."""
    root = Path(root)
    if chapters:
        folders = [root / c if not Path(c).is_absolute() else Path(c) for c in chapters.split()]
    else:
        folders = sorted(p for p in (root / "chapters").glob("[0-9]*") if p.is_dir())
    return [f for f in folders if (f / "Makefile").is_file()]

BASE_NAMES = ("base", "kernel-base")

def find_chapter(root, chapters, ch):
    """CH=01, CH=1, CH=01-futures or CH=chapters/01-futures -> its folder.
    CH=base names kernel-base, which has no exercises: said so, not "unknown"."""
    folders = chapter_list(root, chapters)
    want = ch.strip().rstrip("/")
    for folder in folders:
        number = folder.name.split("-", 1)[0]
        if want in (folder.name, str(folder), ch_relative(folder, root)):
            return folder
        if want.isdigit() and number.isdigit() and int(want) == int(number):
            return folder
    if want in BASE_NAMES:
        graded = [f for f in folders if has_exercises(f)]
        raise UsageError(f"kernel-base (CH=base) has no exercises; these chapters do: "
                         f"{accepted_names(graded)}")
    raise UsageError(f"no chapter '{ch}'; CH= takes {accepted_names(folders, base=True)}")

def accepted_names(folders, base=False):
    """'base, 1/01/01-futures, 2/02-executor': what CH= accepts."""
    names = ["base"] if base else []
    for folder in folders:
        number = folder.name.split("-", 1)[0]
        short = str(int(number)) if number.isdigit() else number
        names.append("/".join(dict.fromkeys([short, number, folder.name])))
    return ", ".join(names) or "none yet"

def ch_relative(folder, root):
    try:
        return str(Path(folder).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return None

def has_exercises(folder):
    return (Path(folder) / MANIFEST_NAME).is_file()

def program_name(folder):
    """NAME := ... from the folder's Makefile, else the folder's name."""
    try:
        text = (Path(folder) / "Makefile").read_text(encoding="utf-8")
    except OSError:
        return Path(folder).name
    m = re.search(r"^\s*NAME\s*[:?]?=\s*(\S+)", text, re.M)
    return m.group(1) if m else Path(folder).name

def workspace_for(root, chapter):
    return Path(root) / "workspace" / Path(chapter).name

def starter_info(folder):
    """What `make start` recorded in a starter, or {}."""
    try:
        return json.loads((Path(folder) / STARTER_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

def reference_for(root, chapters, folder):
    """The reference chapter folder a graded folder is a copy of, or None."""
    folder = Path(folder).resolve()
    for chapter in chapter_list(root, chapters):
        if chapter.resolve() == folder:
            return chapter
    # By name, never by path: the copy may come from another clone.
    info = starter_info(folder)
    for chapter in chapter_list(root, chapters):
        if info.get("chapter") == chapter.name:
            return chapter
    name = program_name(folder)
    for chapter in chapter_list(root, chapters):
        if program_name(chapter) == name:
            return chapter
    return None

def build_dir_for(root, name, folder, label=None):
    """A build folder of its own for every graded folder: objects built from
    one folder must never be taken as up to date for another."""
    folder = Path(folder).resolve()
    if label is None:
        digest = hashlib.sha1(str(folder).encode()).hexdigest()[:8]
        label = f"{re.sub(r'[^A-Za-z0-9_.-]', '_', folder.name)}-{digest}"
    return Path(root) / "build" / "grade" / name / label

def display_path(path, root):
    """A path as a person would type it from the repo's top."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
