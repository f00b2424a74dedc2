#!/usr/bin/env python3
"""Every `make ...` and `cd ...` command the book shows must work on the tree
it is built from: a command for a chapter that does not exist yet, or a
target nobody defines, fails here.

  tools/book/check-commands.py --root .      (part of make test)

Commands are taken from the pages listed in book/pages.txt: shell code
blocks (one command per line, `&&` and `;` chains, `# comments`) and inline
code that starts with `make ` or `cd `. For each command: a `cd` folder must
exist; `CH=` must name a program (`make check-program`), and a chapter with
exercises for the grading targets; then `make -n` must accept the targets.
Words with placeholders (NN, N.M, <...>, ...) and folders a learner creates
(workspace/, ~/) are not resolved.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

FENCE = re.compile(r"^(\s*)```+\s*\{?\.?([A-Za-z]*)[^\n]*\n(.*?)^\1```+\s*$", re.M | re.S)
INLINE = re.compile(r"(?<!`)`((?:make|cd) [^`\n]+)`(?!`)")
SHELL = {"", "sh", "shell", "bash", "console"}
PLACEHOLDER = re.compile(r"\bNN\b|N\.M|<|>|\.\.\.|\bnn\b|~|\$")
LEARNER_DIRS = ("workspace/", "~", "/tmp", "handout", "submissions", "../")
GRADING = {"start", "grade", "watch", "hint", "grade-all"}


def pages(root):
    listing = (root / "book" / "pages.txt").read_text(encoding="utf-8").splitlines()
    return [root / "book" / line.strip() for line in listing
            if line.strip().endswith(".md") and not line.lstrip().startswith("#")]


def commands(page):
    """(line number, command words) of every command on a page."""
    text = page.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        if m.group(2).lower() not in SHELL:
            continue
        first = text.count("\n", 0, m.start(3)) + 1
        for n, line in enumerate(m.group(3).splitlines()):
            found += [(first + n, c) for c in split_line(line)]
    for m in INLINE.finditer(FENCE.sub(lambda f: "\n" * f.group(0).count("\n"), text)):
        found += [(text.count("\n", 0, m.start()) + 1, c) for c in split_line(m.group(1))]
    return found


def split_line(line):
    """The commands of one shell line, as word lists; a `cd` stays glued to
    the command after it, whose folder it sets."""
    line = re.sub(r"(^|\s)#.*$", "", line).strip()
    if not line.startswith(("make", "cd ")) and not re.match(r"^\w+=\S*\s", line):
        return []
    try:
        words = shlex.split(line)
    except ValueError:
        return []
    chains, current = [], []
    for w in words:
        if w in ("&&", ";", "||"):
            chains.append(current)
            current = []
        else:
            current.append(w)
    chains.append(current)
    out, cwd = [], None
    for chain in chains:
        while chain and re.fullmatch(r"[A-Z_]+=.*", chain[0]):
            chain = chain[1:]  # VAR=value make ...
        if chain[:1] == ["cd"] and len(chain) == 2:
            cwd = chain[1]
            continue
        if chain[:1] == ["make"]:
            out.append((cwd, chain[1:]))
    if cwd and not out:
        out.append((cwd, None))
    return out


def make(root, folder, args, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    try:
        done = subprocess.run(["make", "--no-print-directory", "-C", str(folder), *args],
                              capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 1, f"make {' '.join(args)} took more than {timeout}s"
    return done.returncode, (done.stdout + done.stderr).strip()


def check(root, cwd, args):
    """None when the command resolves, else why not."""
    folder = root
    if cwd:
        if cwd.startswith(LEARNER_DIRS) or PLACEHOLDER.search(cwd):
            return None
        folder = (root / cwd).resolve()
        if not (folder / "Makefile").is_file():
            return f"cd {cwd}: no such folder with a Makefile"
    if args is None:
        return None
    if any(PLACEHOLDER.search(a) for a in args):
        return None
    words = []
    for a in args:
        if a.startswith("DIR=") and a[4:].startswith(LEARNER_DIRS):
            return None
        words.append(a)
    flags = [a for a in words if a.startswith("-") and a != "-C"]
    if "-C" in words:
        i = words.index("-C")
        folder = (folder / words[i + 1]).resolve()
        del words[i:i + 2]
        if not (folder / "Makefile").is_file():
            return f"-C {folder}: no such folder with a Makefile"
    targets = [a for a in words if "=" not in a and not a.startswith("-")]
    variables = [a for a in words if "=" in a]
    ch = next((v[3:] for v in variables if v.startswith("CH=")), None)
    if ch is not None and folder == root:
        rc, out = make(root, root, ["-s", "check-program", f"CH={ch}"])
        if rc != 0:
            return out or f"CH={ch} names no program"
        if GRADING & set(targets):
            done = subprocess.run([sys.executable, str(root / "tools" / "grade" / "grade.py"),
                                   "check", "--root", str(root), "--ch", ch],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                return (done.stdout + done.stderr).strip()
    rc, out = make(root, folder, ["-n", *flags, *targets, *variables])
    if rc != 0:
        return "\n".join(out.splitlines()[-4:]) or "make -n failed"
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    args = p.parse_args()
    root = Path(args.root).resolve()
    seen, failed, checked = {}, 0, 0
    for page in pages(root):
        for line, (cwd, words) in commands(page):
            key = (cwd, tuple(words) if words is not None else None)
            if key not in seen:
                seen[key] = check(root, cwd, words)
                checked += 1
            why = seen[key]
            if why:
                failed += 1
                shown = " ".join(filter(None, [f"cd {cwd} &&" if cwd else "", "make" if words is
                                               not None else "", " ".join(words or [])]))
                print(f"book/{page.name}:{line}: `{shown}` does not work on this tree:")
                print("    " + why.replace("\n", "\n    "))
    print(f"book commands: {checked} checked, {failed} do not work")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
