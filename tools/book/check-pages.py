#!/usr/bin/env python3
"""Check that the book's sources and its rendering agree.

usage: check-pages.py BOOK_SRC_DIR BOOK_OUT_DIR

- every markdown file in BOOK_SRC_DIR (but README.md, the authors' guide) is
  listed in pages.txt (a page that is not listed would silently never be
  rendered);
- every diagram, screenshot and chart that the build made is used by some page;
- the smallest text of every diagram, at the zoom the stylesheet draws
  diagrams with, is no smaller than the body text (16 px at 100 %).
"""
import os
import re
import sys


BODY_PX = 16  # the body text: font-size 100 %


def small_diagram_text(src, out):
    """Diagrams whose smallest label is drawn smaller than the body text.
    graphviz writes sizes in points (1 pt = 4/3 px); the stylesheet's zoom
    for diagrams scales them, and diagrams are never shrunk to fit."""
    with open(os.path.join(src, "theme", "book.css"), encoding="utf-8") as f:
        css = f.read()
    m = re.search(r'img\[src\^="diagrams/"\]\s*\{[^}]*\bzoom:\s*([\d.]+)', css)
    zoom = float(m.group(1)) if m else 1.0
    problems = []
    folder = os.path.join(out, "diagrams")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            svg = f.read()
        sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg)]
        width = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg)
        scale = re.search(r'transform="scale\(([\d.]+)', svg)
        # px of one SVG unit: the page size in points over the viewBox, times
        # the scale graphviz applied to fit a size= attribute.
        unit = (float(width.group(1)) * 4 / 3 / float(width.group(2)) if width else 4 / 3) \
            * (float(scale.group(1)) if scale else 1.0)
        px = min(sizes) * unit * zoom if sizes else BODY_PX
        if px < BODY_PX:
            problems.append("diagrams/%s: its smallest text (%g) is drawn at %.1f px, smaller "
                            "than the body text (%d px): raise its fontsize or the zoom in "
                            "theme/book.css" % (name, min(sizes), px, BODY_PX))
    return problems


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    src, out = argv[1], argv[2]
    problems = []

    listed = set()
    with open(os.path.join(src, "pages.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if re.fullmatch(r"[A-Za-z0-9._-]+\.md", line):
                listed.add(line)
    for name in sorted(os.listdir(src)):
        if name.endswith(".md") and name not in listed and name != "README.md":
            problems.append("book/%s is not listed in book/pages.txt" % name)

    used = set()
    for name in os.listdir(out):
        if name.endswith(".html"):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                used.update(re.findall(r'(?:src|href|data)="([^"#?]+)', f.read()))
    for folder in ("diagrams", "screenshots", "charts"):
        path = os.path.join(out, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if folder + "/" + name not in used:
                problems.append("%s/%s is made but no page shows it" % (folder, name))

    problems += small_diagram_text(src, out)

    for p in problems:
        print("check-pages: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
