"""Watch mode: grade, show the next unsolved exercise with its hint, wait
for a source file to change, and again. inotifywait (Debian's
inotify-tools) when it is there, else a look at the files every second."""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import chapters as ch_mod
import grading
import report as report_mod

WATCHED_SUFFIXES = {".c", ".h", ".S", ".mk", ".ld"}
WATCHED_NAMES = {"Makefile", "exercises"}
SKIP_DIRS = {"build", ".git"}

def snapshot(folder):
    """(path, mtime, size) of every file whose change should re-grade."""
    state = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if Path(name).suffix in WATCHED_SUFFIXES or name in WATCHED_NAMES:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                state.append((path, st.st_mtime_ns, st.st_size))
    return sorted(state)

def wait_for_change(folder, before, interval, use_inotify):
    """Return once the snapshot differs from `before`; returns the new one."""
    while True:
        if use_inotify:
            inotify_wait(folder, before)
        else:
            time.sleep(interval)
        now = snapshot(folder)
        if now != before:
            return now

def inotify_wait(folder, before):
    """Block until something happens in folder (or a minute passes, as a
    safety net). The watches are set up before the files are compared with
    `before`, so a change made while grading is never missed."""
    top = re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", str(Path(folder).resolve()))
    proc = subprocess.Popen(["inotifywait", "-r", "-t", "60", "-e",
                             "close_write,moved_to,moved_from,create,delete", "--exclude",
                             f"^{top}/(build|\\.git)(/|$)", str(Path(folder).resolve())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if "Watches established" in line:
                break
        if snapshot(folder) != before:
            return
        proc.wait()
        time.sleep(0.2)  # let an editor finish writing
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()

def show(rep, folder, root, hints=1, label=None):
    """The compact view: one line per exercise, then the next to do."""
    color = report_mod.use_color()
    what = report_mod.describe(label, ch_mod.display_path(folder, root))
    lines = [f"{time.strftime('%H:%M:%S')}  {what}  (seed {rep['seed']})"]
    if not rep["build"]["ok"]:
        lines.append(report_mod.paint("Does not compile:", "red", color))
        lines += ["    " + line for line in rep["build"]["errors"]]
    id_width = max((len(e["id"]) for e in rep["exercises"]), default=3)
    points_width = max((len(str(e["points"])) for e in rep["exercises"]), default=2)
    for e in rep["exercises"]:
        lines.append(report_mod.exercise_line(e, id_width, points_width, color))
    lines.append(f"Score: {rep['score']}/{rep['max_score']}")
    nxt = report_mod.next_unsolved(rep)
    if nxt is None:
        lines.append(report_mod.paint("Every exercise is done. Well done!", "green", color))
    elif rep["build"]["ok"]:
        lines.append("")
        lines.append(f"Next: exercise {nxt['id']}, {nxt['title']}")
        lines += report_mod.exercise_details(nxt, color, hints)
    return lines

def watch(args, folder, chapter, name, label, grade_one):
    root = Path(args.root)
    use_inotify = shutil.which("inotifywait") is not None and not args.poll
    state = snapshot(folder)
    rounds = 0
    while True:
        rounds += 1
        rep = grade_one(args, folder, chapter, name, label, quiet=True)
        if sys.stdout.isatty() and not args.once:
            print("\033[H\033[2J", end="")
        print("\n".join(show(rep, folder, root, args.hint, label)))
        if args.once or (args.rounds and rounds >= args.rounds):
            return 0 if rep["score"] == rep["max_score"] else 1
        how = "inotifywait" if use_inotify else f"polling every {args.interval:g}s"
        print(f"\nWatching {ch_mod.display_path(folder, root)} for changes ({how}; Ctrl-C stops)",
              flush=True)
        state = wait_for_change(folder, state, args.interval, use_inotify)
