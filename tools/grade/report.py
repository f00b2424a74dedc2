"""Printing grades for people, and writing them for programs (JSON, CSV) and
for instructors (grades.html, a class at a glance)."""

import csv
import html
import json
import os
import re
import sys
import textwrap
from collections import Counter
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

def overall_status(rep):
    """One word or so for a submission: full marks, compile error, or the
    kinds of failure among its exercises."""
    if rep.get("not_graded"):
        return "not graded"
    if not rep["build"]["ok"]:
        return "compile error"
    if rep["score"] == rep["max_score"]:
        return "full marks"
    return ",".join(sorted({e["status"] for e in rep["exercises"] if e["status"] != "ok"}))

def print_row(rep, width):
    """grade-all's line for a submission, and its notes."""
    per = " ".join(f"{e['id']}:{e['earned']}" for e in rep["exercises"])
    print(f"  {rep['submission']:<{width}}  {rep['score']:>4}/{rep['max_score']:<4} "
          f"{overall_status(rep):<14} {per}", flush=True)
    for note in rep["notes"]:
        print(f"  {'':<{width}}  note: {note}")

def compile_note(rep):
    """The compiler's first error, for the CSV's notes, when a file did
    not compile."""
    errors = rep.get("build", {}).get("errors") or []
    first = next((e for e in errors if re.search(r"\berror\b", e)), errors[0] if errors else "")
    return [f"compile error: {first.strip()}"] if first else []

def write_class(out, cls):
    """grades.csv, grades.json and grades.html of a class report."""
    out = Path(out)
    ids = [x["id"] for x in cls["exercises"]]
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission"] + ids + ["total", "max", "status", "notes"])
        for r in cls["submissions"]:
            points = {e["id"]: e["earned"] for e in r["exercises"]}
            w.writerow([r["submission"]] + [points.get(i, 0) for i in ids]
                       + [r["score"], r["max_score"], overall_status(r),
                          "; ".join(r["notes"] + compile_note(r))])
    write_json(cls, out / "grades.json")
    (out / "grades.html").write_text(html_page(cls), encoding="utf-8")

# ---- grades.html: one self-contained page, charts as inline SVG ------------

COLORS = {"ok": "#2e7d32", "fail": "#c62828", "crashed": "#7b1fa2", "timed out": "#ef6c00",
          "output limit": "#00838f", "compile error": "#5d4037", "not done": "#b0b7bf",
          "waits for another": "#dde2e6"}
WAITS = re.compile(r"exercise \S+ is not done yet")  # the stub of another exercise was reached
CSS = """body{font:15px/1.45 system-ui,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
main{max-width:1100px;margin:auto;padding:1.5em}h1{margin:.2em 0}h2{margin:1.6em 0 .5em}
.cards{display:flex;gap:.8em;flex-wrap:wrap}.card{background:#fff;border-radius:8px;padding:.6em
1em;box-shadow:0 1px 3px #0002;min-width:8em}.card b{display:block;font-size:1.6em}
section{background:#fff;border-radius:8px;padding:.4em 1.2em 1em;margin-top:1.2em;
box-shadow:0 1px 3px #0002}table{border-collapse:collapse;width:100%}th,td{text-align:left;
padding:.3em .5em;border-bottom:1px solid #e4e7eb;vertical-align:top}th[data-sort]{cursor:pointer}
th[data-sort]:after{content:" ↕";color:#9aa5b1}td.n{text-align:right;white-space:nowrap}
.bar{display:flex;height:14px;min-width:180px;border-radius:3px;overflow:hidden;background:#eef}
.bar i{display:block}.key i{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em;
border-radius:2px}.cell{display:inline-block;min-width:2.2em;text-align:center;border-radius:3px;
color:#fff;padding:0 .2em}.cell.not,.cell.wai{color:#3e4c59}
code,pre{font:13px ui-monospace,monospace}pre{background:#f0f2f5;
padding:.5em;overflow:auto}details{border-bottom:1px solid #e4e7eb;padding:.3em 0}
details:target,details[open]{background:#fbfcfd}summary{cursor:pointer}input{font:inherit;
padding:.3em .6em;width:20em;margin-bottom:.5em}.muted{color:#616e7c}"""
JS = """const root = document.documentElement;
window.addEventListener('error', e => { root.dataset.jsErrors += e.message + '; '; });
function sortBy(th) {
  const body = th.closest('table').tBodies[0], i = th.cellIndex;
  const dir = th.dataset.dir = th.dataset.dir === 'up' ? 'down' : 'up';
  const value = r => r.cells[i].dataset.v ?? r.cells[i].textContent;
  const rows = [...body.rows].sort((a, b) => (th.dataset.sort === 'num'
    ? value(a) - value(b) : value(a).localeCompare(value(b))) * (dir === 'up' ? 1 : -1));
  rows.forEach(r => body.appendChild(r));
}
document.querySelectorAll('th[data-sort]').forEach(th => th.onclick = () => sortBy(th));
document.getElementById('filter').oninput = e => {
  const q = e.target.value.toLowerCase();
  document.querySelectorAll('#students tbody tr').forEach(r => {
    r.hidden = !r.textContent.toLowerCase().includes(q); });
};
function openTarget() {
  const d = document.getElementById(location.hash.slice(1));
  if (d && d.tagName === 'DETAILS') d.open = true;
}
window.addEventListener('hashchange', openTarget);
openTarget();
root.dataset.charts = [...document.querySelectorAll('svg.chart')]
  .filter(s => s.getBoundingClientRect().width > 0).length;
root.dataset.gradesJs = 'ok';"""

def html_page(cls):
    """The class report people look at: the score distribution, pass rates
    per exercise and per test, compile errors grouped by message, what
    hangs, and a row per student linking to their details."""
    subs, top = cls["submissions"], cls["max_score"]
    graded = [s for s in subs if not s.get("not_graded")]
    scores = sorted(s["score"] for s in graded)
    cards = [("submissions", len(subs)), ("median", f"{median(scores)}/{top}"),
             ("full marks", sum(s["score"] == top for s in graded)),
             ("compile errors", sum(bool(s["build"].get("errors")) for s in graded)),
             ("hanging", sum(bool(hangs(s)) for s in graded)),
             ("not graded", len(subs) - len(graded))]
    body = [f"<h1>Chapter {esc(cls['chapter'])}: grades</h1><p class=muted>Seed {cls['seed']}, "
            f"the reference scores {cls['reference_score']}/{top}, sandbox: {esc(cls['sandbox'])}"
            f".</p><div class=cards>" + "".join(f"<div class=card><b>{v}</b>{k}</div>"
                                                for k, v in cards) + "</div>",
            section("Score distribution", histogram(scores, top)),
            section("Exercises", exercise_table(cls["exercises"], graded)),
            section("Tests that fail most (in exercises attempted)", failing_tests(graded)),
            section("Compile errors", grouped(subs, compile_error, "Nothing failed to compile.")),
            section("Hanging exercises", grouped(subs, hangs, "Nothing timed out.")),
            section("Students", student_table(cls["exercises"], subs)),
            section("Details", "".join(details(i, s) for i, s in enumerate(subs)))]
    return (f"<!doctype html><html lang=en data-js-errors=''><head><meta charset=utf-8><meta "
            f"name=viewport content='width=device-width'><title>Grades of {esc(cls['chapter'])}"
            f"</title><style>{CSS}</style></head><body><main>{''.join(body)}</main>"
            f"<script>{JS}</script></body></html>\n")

def shown_status(e):
    """An exercise's status, "waits for another" when its tests reached the
    stub of an exercise it needs (graded "fail")."""
    waits = e["status"] == "fail" and e["messages"] and WAITS.fullmatch(e["messages"][0])
    return "waits for another" if waits else e["status"]

def esc(text):
    return html.escape(str(text), quote=True)

def median(values):
    return values[len(values) // 2] if values else 0

def section(title, content):
    return f"<section><h2>{esc(title)}</h2>{content}</section>"

def histogram(scores, top):
    """Counts of scores in tenths of the maximum, full marks apart: SVG."""
    bins = [0] * 11
    for s in scores:
        bins[10 if s >= top else int(10 * s / max(top, 1))] += 1
    w, h, most = 60, 160, max(bins + [1])
    bars = []
    for i, n in enumerate(bins):
        y = h - round(h * n / most)
        label = "100%" if i == 10 else f"{10 * i}-{10 * i + 9}%"
        bars.append(f"<rect x={i * w + 8} y={y + 20} width={w - 16} height={h - y} rx=3 fill="
                    f"'{COLORS['ok'] if i == 10 else '#3e7cb1'}'><title>{n} with {label}</title>"
                    f"</rect><text x={i * w + w / 2} y={y + 14} text-anchor=middle>{n}</text>"
                    f"<text x={i * w + w / 2} y={h + 40} text-anchor=middle "
                    f"font-size=12>{label}</text>")
    return (f"<svg class=chart viewBox='0 0 {11 * w} {h + 50}' width='100%' role=img "
            f"aria-label='score distribution' font-family=system-ui>{''.join(bars)}</svg>")

def status_bar(counts, total):
    """A bar of statuses, each as wide as its share."""
    return "<div class=bar>" + "".join(
        f"<i style='width:{100 * n / max(total, 1):.2f}%;background:{COLORS.get(k, '#607d8b')}' "
        f"title='{esc(k)}: {n}'></i>" for k, n in counts.items() if n) + "</div>"

def exercise_table(exercises, graded):
    rows = []
    for x in exercises:
        found = Counter(shown_status(e) for s in graded for e in s["exercises"]
                        if e["id"] == x["id"])
        ok = found.get("ok", 0)
        counts = {k: found.get(k, 0) for k in COLORS} | found
        rows.append(f"<tr><td>{esc(x['id'])}</td><td>{esc(x['title'])}</td><td class=n>"
                    f"{x['points']}</td><td class=n data-v={ok}>{ok}/{len(graded)}</td><td>"
                    f"{status_bar(counts, len(graded))}</td><td class=muted>" + ", ".join(
                        f"{n} {esc(k)}" for k, n in counts.items() if n) + "</td></tr>")
    key = "<p class='key muted'>" + "".join(f"<i style='background:{c}'></i>{k}"
                                            for k, c in COLORS.items()) + "</p>"
    return (key + "<table><thead><tr><th>exercise</th><th>title</th><th>points</th><th>passed"
            "</th><th>statuses</th><th></th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")

def failing_tests(graded):
    """Per test: of the students whose exercise got to it, how many failed
    it, and the message most of them saw."""
    ran, failed, said = Counter(), Counter(), {}
    for s in graded:
        for e in s["exercises"]:
            if shown_status(e) in ("not done", "waits for another", "compile error"):
                continue
            tests = [t for t in e["tests"] if t["status"] != "NOT RUN"]
            ran.update(t["name"] for t in tests)
            first = next((t["name"] for t in tests if t["status"] not in ("PASSED", "SKIPPED")),
                         None)
            if first and e["messages"]:
                failed[first] += 1
                said.setdefault(first, Counter())[e["messages"][0]] += 1
    if not failed:
        return "<p>No test failed in an exercise that was attempted.</p>"
    rows = []
    for name, n in failed.most_common(15):
        message, times = said[name].most_common(1)[0]
        rows.append(f"<tr><td><code>{esc(name)}</code></td><td class=n data-v={n}>{n}/{ran[name]}"
                    f"</td><td>{status_bar({'fail': n, 'ok': ran[name] - n}, ran[name])}</td>"
                    f"<td>{esc(message)} <span class=muted>({times}&times;)</span></td></tr>")
    return ("<table><thead><tr><th>test</th><th>failed</th><th></th><th>most common message"
            "</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")

def compile_error(s):
    """The compiler's first error, without its file:line (to group by)."""
    first = next((line for line in s["build"].get("errors", []) if "error" in line), None)
    return first and [re.sub(r"^\S+?:\d+(:\d+)?: ", "", first)]

def hangs(s):
    return [f"exercise {e['id']}" for e in s["exercises"] if e["status"] == "timed out"]

def grouped(subs, keys_of, nothing):
    """Students grouped by what keys_of finds in their report."""
    groups = {}
    for i, s in enumerate(subs):
        for key in keys_of(s) or []:
            groups.setdefault(key, []).append(f"<a href='#s{i}'>{esc(s['submission'])}</a>")
    if not groups:
        return f"<p>{nothing}</p>"
    return "<table><tbody>" + "".join(
        f"<tr><td><code>{esc(k)}</code></td><td class=n>{len(v)}</td><td>{', '.join(v)}</td></tr>"
        for k, v in sorted(groups.items(), key=lambda kv: -len(kv[1]))) + "</tbody></table>"

def student_table(exercises, subs):
    head = "".join(f"<th data-sort=num>{esc(x['id'])}</th>" for x in exercises)
    rows = []
    for i, s in enumerate(subs):
        cells = "".join(f"<td data-v={e['earned']}><span class='cell {shown_status(e)[:3]}' "
                        f"style='background:{COLORS.get(shown_status(e), '#607d8b')}' "
                        f"title='{esc(e['status'])}'>"
                        f"{e['earned']}</span></td>" for e in s["exercises"])
        rows.append(f"<tr><td><a href='#s{i}'>{esc(s['submission'])}</a></td><td class=n "
                    f"data-v={s['score']}>{s['score']}/{s['max_score']}</td>{cells}<td>"
                    f"{esc(overall_status(s))}</td></tr>")
    return ("<input id=filter placeholder='filter: a name, a status...'><table id=students>"
            "<thead><tr><th data-sort=text>student</th><th data-sort=num>score</th>" + head
            + "<th data-sort=text>status</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")

def details(i, s):
    """A student's notes, compiler messages and failed exercises."""
    parts = [f"<p class=muted>{esc(n)}</p>" for n in s["notes"]]
    if s["build"].get("errors"):
        parts.append("<pre>" + esc("\n".join(s["build"]["errors"])) + "</pre>")
    for e in s["exercises"]:
        if e["status"] != "ok":
            parts.append(f"<p><b>{esc(e['id'])} {esc(e['title'])}</b>: {esc(e['status'])}</p>"
                         f"<pre>" + esc("\n".join(e["messages"])) + "</pre>")
    return (f"<details id=s{i}><summary>{esc(s['submission'])}: {s['score']}/{s['max_score']}"
            f", {esc(overall_status(s))}</summary>{''.join(parts)}</details>")
