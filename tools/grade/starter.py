"""The learner's starter copy of a chapter: the reference with every
exercise region replaced by a stub, and a Makefile that finds kernel-base
from wherever the copy lives."""

import json
import re
import shutil
import time
from pathlib import Path

import regions as regions_mod
from chapters import STARTER_INFO, UsageError

COPY_IGNORE = shutil.ignore_patterns("build", ".git", "*.o", "*.d", "__pycache__")
KERNEL_BASE_LINE = re.compile(r"^\s*KERNEL_BASE\s*[:?+]?=.*\n?", re.M)
INCLUDE_BUILD_MK = re.compile(r"^\s*-?include\s+\S*build\.mk\s*$", re.M)
INCLUDE_CHAPTER_MK = re.compile(r"^\s*-?include\s+\S*/grade/chapter\.mk\s*$", re.M)

# A copy finds the workbook by itself, never by an absolute path (moved, or
# handed out and unpacked next to another clone).
FIND_WORKBOOK = """\
# This folder builds with a clone of the workbook: WORKBOOK=path names it;
# else the nearest one: a clone next to this folder (a handout unpacked
# beside it), or the clone this folder sits in (workspace/NN-name).
WORKBOOK ?= $(firstword $(patsubst %/kernel-base/build.mk,%,$(abspath $(wildcard \\
    $(CURDIR)/../kernel-base/build.mk $(CURDIR)/../*/kernel-base/build.mk \\
    $(CURDIR)/../../kernel-base/build.mk $(CURDIR)/../../../kernel-base/build.mk \\
    $(CURDIR)/../../../../kernel-base/build.mk))))
ifeq ($(wildcard $(WORKBOOK)/kernel-base/build.mk),)
$(error No workbook found$(if $(WORKBOOK), at WORKBOOK=$(WORKBOOK)), in or next to $(CURDIR). \\
    Put this folder in (or next to) a clone of the workbook, or say where the \\
    clone is: make WORKBOOK=/path/to/clone ... (or export WORKBOOK=/path/to/clone))
endif
ROOT := $(abspath $(WORKBOOK))
KERNEL_BASE := $(ROOT)/kernel-base
# What it builds goes under the clone's build/ (workspace/NN-name builds in
# build/workspace/NN-name); a copy outside the clone, or in its build/
# already, builds in a build/ folder of its own.
BUILD ?= $(if $(filter $(ROOT)/%,$(CURDIR)),$(if $(filter $(ROOT)/build/%,$(CURDIR)),$(CURDIR)/build,\
    $(ROOT)/build/$(patsubst $(ROOT)/%,%,$(CURDIR))),$(CURDIR)/build)
include $(KERNEL_BASE)/build.mk"""

def starter_makefile(text):
    """The chapter's Makefile, made to work outside chapters/: the workbook
    found from where the copy lives, build output in the copy's own build/
    folder, and the grading targets (`make grade`, `make watch`, `make hint`)."""
    if not INCLUDE_BUILD_MK.search(text):
        raise UsageError("the chapter's Makefile does not include build.mk")
    text = KERNEL_BASE_LINE.sub("", text)
    text = INCLUDE_BUILD_MK.sub(lambda _: FIND_WORKBOOK, text, count=1)
    grading = "include $(ROOT)/tools/grade/chapter.mk"
    if INCLUDE_CHAPTER_MK.search(text):
        text = INCLUDE_CHAPTER_MK.sub(lambda _: grading, text, count=1)
    else:
        text = text.rstrip("\n") + "\n" + grading + "\n"
    return text.rstrip("\n") + "\n"

def make_starter(root, chapter, dest, force=False):
    """Write the starter of chapter to dest; returns (exercise ids, backup).
    Existing work is kept unless force, and then moved to a backup."""
    root, chapter, dest = Path(root).resolve(), Path(chapter).resolve(), Path(dest).absolute()
    regions = regions_mod.scan(chapter)  # raises on a bad marker, before touching anything
    if dest.resolve() == chapter or chapter in dest.resolve().parents:
        raise UsageError(f"DIR={dest} is inside the reference chapter; choose another folder")
    backup = None
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        if not force:
            raise UsageError(f"{dest} already exists and may hold your work: nothing was "
                             f"written. Use FORCE=1 to start over (your folder is kept as a "
                             f"backup), or DIR=another/folder.")
        backup = dest.with_name(f"{dest.name}.backup-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while backup.exists():
            backup = backup.with_name(f"{backup.name.split('~')[0]}~{n}")
            n += 1
        dest.rename(backup)
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(chapter, partial, ignore=COPY_IGNORE)
    regions_mod.strip_folder(partial, regions)
    fix_makefile(partial)
    info = {"chapter": chapter.name, "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            "exercises": sorted({r.id for r in regions}, key=_id_key)}
    (partial / STARTER_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    if dest.exists():
        dest.rmdir()  # empty, checked above
    partial.rename(dest)
    return info["exercises"], backup

def _id_key(ex_id):
    """1.2 before 1.10; a letter suffix (1.2a) after its number."""
    return [(int(re.match(r"\d*", p).group() or 0), p) for p in ex_id.split(".")]

def copy_reference(root, chapter, dest):
    """The chapter, copied with its Makefile pointed at kernel-base (a copy
    to build and grade outside chapters/, as the reference)."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(chapter, dest, ignore=COPY_IGNORE)
    fix_makefile(dest)

def fix_makefile(folder):
    makefile = Path(folder) / "Makefile"
    makefile.write_text(starter_makefile(makefile.read_text(encoding="utf-8")), encoding="utf-8")
