"""Printing grades for people, and writing them for programs (JSON, CSV)."""

import csv
import json
import os
import sys
import textwrap
from pathlib import Path

WIDTH = 62  # the column where the verdicts start


def use_color(stream=sys.stdout):
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def paint(text, color, on):
    codes = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}
    return f"\033[{codes[color]}m{text}\033[0m" if on else text


def exercise_line(e, id_width, points_width, color):
    left = f"Exercise {e['id']:<{id_width}}  {e['title']} "
    dots = "." * max(3, WIDTH - len(left))
    word = "OK" if e["status"] == "ok" else "FAIL"
    word = paint(f"{word:<4}", "green" if word == "OK" else "red", color)
    score = f"{e['earned']:>{points_width}}/{e['points']:<{points_width}}"
    return f"{left}{dots} {word} {score}  ({e['time_s']:.1f}s)"


def wrap(prefix, text, indent="    "):
    return textwrap.fill(text, width=100, initial_indent=indent + prefix,
                         subsequent_indent=indent + " " * len(prefix), break_long_words=False,
                         break_on_hyphens=False)


def hint_lines(e, upto):
    """Hints 1 to upto of an exercise, each numbered when there are more."""
    hints = e.get("hints") or ([e["hint"]] if e.get("hint") else [])
    lines = []
    for n, text in enumerate(hints[:upto], 1):
        lines.append(wrap(f"hint {n} of {len(hints)}: " if len(hints) > 1 else "hint: ", text))
    return lines


def exercise_details(e, color, hints=1, more=""):
    """The lines under a failed exercise: what went wrong, then the hints
    (the first `hints` rungs of its ladder), and how to ask for the next."""
    if e["status"] in ("ok", "compile error"):
        return []
    lines = []
    if e["messages"]:
        lines.append("    " + paint(e["messages"][0], "bold", color))
        lines += ["      " + m for m in e["messages"][1:]]
    lines += hint_lines(e, hints)
    if hints and more and len(e.get("hints") or []) > hints:
        lines.append("    " + paint(f"another hint: {more.format(id=e['id'])}", "dim", color))
    return lines


def describe(label, shown_dir):
    """Whose code a command acts on, in words."""
    if label == "reference":
        return f"the reference in {shown_dir}"
    if label == "workspace":
        return f"your workspace in {shown_dir}"
    return shown_dir


def text_report(report, what, color=None, hints=1, more=""):
    """The whole human-readable grade of one folder, as a list of lines;
    `what` says whose code it is (describe())."""
    color = use_color() if color is None else color
    out = [f"Grading {what} (chapter {report['chapter']}, seed {report['seed']}; "
           f"SEED={report['seed']} repeats it)"]
    for p in report.get("problems", []):
        out.append(paint(f"warning: {p}", "yellow", color))
    broken = report["build"].get("broken", [])
    if not report["build"]["ok"]:
        out.append(paint("The code does not compile, so every exercise scores 0. "
                         "The compiler said:", "red", color))
        out += ["    " + line for line in report["build"]["errors"]]
    elif broken:
        out.append(paint(f"{', '.join(broken)} does not compile: its exercises score 0, and "
                         f"the others are graded with the starter's version of it. The "
                         f"compiler said:", "red", color))
        out += ["    " + line for line in report["build"]["errors"]]
    exercises = report["exercises"]
    id_width = max((len(e["id"]) for e in exercises), default=3)
    points_width = max((len(str(e["points"])) for e in exercises), default=2)
    for e in exercises:
        out.append(exercise_line(e, id_width, points_width, color))
        out += exercise_details(e, color, hints, more)
    score = f"Score: {report['score']}/{report['max_score']}"
    full = report["score"] == report["max_score"]
    out.append(paint(score, "green" if full else "bold", color))
    return out


def next_unsolved(report):
    return next((e for e in report["exercises"] if e["status"] != "ok"), None)


def write_json(report, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def summary_table(rows, color=None):
    """rows: (label, score, max_score, whose, note), whose being "workspace"
    or "reference". One line each; a total of the workspaces only: a
    reference's full marks are not the learner's."""
    color = use_color() if color is None else color
    width = max([len(r[0]) for r in rows] + [7])
    out = [f"{'chapter':<{width}}  {'score':>9}  graded"]
    for label, score, max_score, whose, note in rows:
        mark = paint("OK  ", "green", color) if score == max_score else paint("FAIL", "red", color)
        out.append(f"{label:<{width}}  {score:>4}/{max_score:<4}  {mark} {note}")
    mine = [r for r in rows if r[3] == "workspace"]
    if mine:
        total, most = sum(r[1] for r in mine), sum(r[2] for r in mine)
        out.append(f"{'total':<{width}}  {total:>4}/{most:<4}  your workspaces only"
                   + (" (the references are not counted)" if len(mine) < len(rows) else ""))
    else:
        out.append("No workspace yet, so these are the references' scores: "
                   "make start CH=NN writes your copy.")
    return out


def write_csv(path, exercise_ids, rows):
    """rows: dicts with submission, status, notes, score, max_score and a
    points entry per exercise id."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission"] + exercise_ids + ["total", "max", "status", "notes"])
        for r in rows:
            w.writerow([r["submission"]] + [r["points"].get(i, 0) for i in exercise_ids]
                       + [r["score"], r["max_score"], r["status"], r["notes"]])
