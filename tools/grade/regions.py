"""Exercise regions in a chapter's sources, and the starter made from them.

A region is a run of whole lines inside a function body, between
`// exercise: 1.1 begin` and `// exercise: 1.1 end`. It belongs to the
chapter its id names: the solved regions of earlier chapters that a chapter
carries are left out. The starter replaces a region with
`exercise_not_done("1.1");` at its indentation, includes exercise.h after the
last top-level #include, and keeps the book's `// region:` markers found
inside it, so that they stay balanced."""

import re
from dataclasses import dataclass
from pathlib import Path

from manifest import ID_RE, ManifestError

MARKER = re.compile(r"^(\s*)//\s*exercise:\s*(" + ID_RE + r")\s+(begin|end)\s*$")
LOOKS_LIKE_MARKER = re.compile(r"^\s*//\s*exercise\b")
BOOK_MARKER = re.compile(r"^\s*//\s*(region|endregion):")
INCLUDE = re.compile(r"^\s*#\s*include\b")
COND_OPEN = re.compile(r"^\s*#\s*if(n?def)?\b")
COND_CLOSE = re.compile(r"^\s*#\s*endif\b")
PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\b")
STUB_INCLUDE = '#include "exercise.h"'
SOURCE_SUFFIXES = (".c", ".h")
SKIP_DIRS = {"build", ".git"}

@dataclass
class Region:
    id: str
    path: Path  # relative to the chapter folder
    begin: int  # 1-based line numbers of the markers
    end: int
    indent: str

def source_files(folder):
    """Every .c and .h file under folder, skipping build output."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in SKIP_DIRS for part in rel.parts[:-1]):
            continue
        if path.suffix in SOURCE_SUFFIXES and path.is_file():
            found.append(rel)
    return found

def _brace_depths(lines):
    """The brace depth at the start of each line, ignoring comments,
    strings and character literals (a rough C lexer, enough to tell a
    function body from file scope)."""
    depths, depth, in_block = [], 0, False
    for line in lines:
        depths.append(depth)
        i, n = 0, len(line)
        while i < n:
            c = line[i]
            if in_block:
                if line.startswith("*/", i):
                    in_block, i = False, i + 2
                    continue
                i += 1
                continue
            if line.startswith("//", i):
                break
            if line.startswith("/*", i):
                in_block, i = True, i + 2
                continue
            if c in "\"'":
                i += 1
                while i < n and line[i] != c:
                    i += 2 if line[i] == "\\" else 1
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            i += 1
    return depths

def scan_file(folder, rel):
    """The regions of one file; raises ManifestError on a bad marker."""
    path = Path(folder) / rel
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    depths = None
    regions, open_region = [], None
    for lineno, line in enumerate(lines, 1):
        m = MARKER.match(line)
        if not m:
            if LOOKS_LIKE_MARKER.match(line):
                raise ManifestError(f"{rel}:{lineno}: malformed exercise marker "
                                    f"(write '// exercise: N.M begin' or '... end')")
            continue
        indent, ex_id, kind = m.groups()
        if kind == "begin":
            if open_region:
                raise ManifestError(f"{rel}:{lineno}: exercise {ex_id} begins inside exercise "
                                    f"{open_region.id} (begun at line {open_region.begin}); "
                                    f"regions do not nest")
            open_region = Region(ex_id, Path(rel), lineno, 0, indent)
            continue
        if not open_region:
            raise ManifestError(f"{rel}:{lineno}: exercise {ex_id} ends but never began")
        if open_region.id != ex_id:
            raise ManifestError(f"{rel}:{lineno}: exercise {ex_id} ends, but the open region "
                                f"is exercise {open_region.id} (line {open_region.begin})")
        open_region.end = lineno
        depths = depths or _brace_depths(lines)
        b, e = open_region.begin - 1, lineno - 1
        if depths[b] < 1:
            raise ManifestError(f"{rel}:{open_region.begin}: exercise {ex_id}'s region is not "
                                f"inside a function body")
        if depths[e] != depths[b] or min(depths[b:e + 1]) < depths[b]:
            raise ManifestError(f"{rel}:{open_region.begin}: exercise {ex_id}'s region opens or "
                                f"closes a brace it does not close or open (lines "
                                f"{open_region.begin}-{lineno})")
        regions.append(open_region)
        open_region = None
    if open_region:
        raise ManifestError(f"{rel}:{open_region.begin}: exercise {open_region.id} begins but "
                            f"never ends")
    return regions

def chapter_number(folder):
    """The number a reference chapter folder's name starts with (01-futures
    is 1); for a folder not named that way (a copy), the number its
    manifest's exercises share; else None."""
    m = re.match(r"(\d+)-", Path(folder).resolve().name)
    if m:
        return int(m.group(1))
    try:
        text = (Path(folder) / "exercises").read_text(encoding="utf-8")
    except OSError:
        return None
    numbers = {int(n) for n in re.findall(r"^exercise\s+(\d+)\.", text, re.M)}
    return numbers.pop() if len(numbers) == 1 else None

def scan(folder):
    """The chapter's own regions in the chapter folder, in file then line
    order; every marker is still checked, carried ones included."""
    own = chapter_number(folder)
    regions = []
    for rel in source_files(folder):
        regions.extend(r for r in scan_file(folder, rel)
                       if own is None or int(r.id.split(".")[0]) == own)
    return regions

def check_against_manifest(exercises, regions):
    """Every exercise has a region and every region an exercise."""
    problems = []
    region_ids = {r.id for r in regions}
    for ex in exercises:
        if ex.id not in region_ids:
            problems.append(f"exercises:{ex.line}: exercise {ex.id} has no "
                            f"'// exercise: {ex.id} begin' region in the sources")
    known = {ex.id for ex in exercises}
    for r in regions:
        if r.id not in known:
            problems.append(f"{r.path}:{r.begin}: exercise {r.id} is not in the manifest")
    return problems

def _include_point(lines):
    """Index after which the stub's #include goes: after the last #include
    at the top level (not inside #if), else after #pragma once, else 0."""
    point, depth, pragma = None, 0, None
    for i, line in enumerate(lines):
        if COND_OPEN.match(line):
            depth += 1
        elif COND_CLOSE.match(line):
            depth -= 1
        elif depth == 0 and INCLUDE.match(line):
            point = i + 1
        elif pragma is None and PRAGMA_ONCE.match(line):
            pragma = i + 1
    if point is not None:
        return point
    return pragma or 0

def strip_text(text, regions):
    """The starter version of one file's text, given its regions."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    out, i = [], 0
    for r in sorted(regions, key=lambda r: r.begin):
        out.extend(lines[i:r.begin - 1])
        out.append(f'{r.indent}exercise_not_done("{r.id}");{newline}')
        out.extend(line for line in lines[r.begin:r.end - 1] if BOOK_MARKER.match(line))
        i = r.end
    out.extend(lines[i:])
    if not any(line.strip() == STUB_INCLUDE for line in out):
        point = _include_point([line.rstrip("\r\n") for line in out])
        out.insert(point, STUB_INCLUDE + newline)
    return "".join(out)

def strip_folder(folder, regions, ids=None):
    """Rewrite, in place, every file of folder that has a region of one of
    ids (all ids when None). Returns the files changed, relative."""
    folder = Path(folder)
    by_file = {}
    for r in regions:
        if ids is None or r.id in ids:
            by_file.setdefault(r.path, []).append(r)
    for rel, file_regions in by_file.items():
        path = folder / rel
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(strip_text(text, file_regions))
    return sorted(by_file)
