#!/usr/bin/env python3
"""Check that the book's sources and its rendering agree.

usage: check-pages.py BOOK_SRC_DIR BOOK_OUT_DIR

- every markdown file in BOOK_SRC_DIR (but README.md, the authors' guide) is
  listed in pages.txt (a page that is not listed would silently never be
  rendered);
- every diagram, screenshot and chart that the build made is used by some page;
- the smallest text of every diagram, at the zoom the stylesheet draws
  diagrams with, is no smaller than the body text (16 px at 100 %);
- no page types a measured figure by hand: a number followed by one of the
  units book/data measures (ns, polls, instructions, %, lost) must be a
  value put there by filters/bench-data.lua (it is then inside
  <span class="bench">), sit in code, or sit in a block or span of class
  `one-machine` (a note that says whose machine measured it and shows the
  command that measures it on the reader's).
"""
import html.parser
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


# A figure: a number, perhaps "million", then a unit that book/data measures.
FIGURE = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?:\s+(?:thousand|million|billion))?"
                    r"\s*(?:ns\b|polls?\b|instructions\b|%|lost\b)")
NOT_PROSE = {"code", "pre", "script", "style", "nav", "head"}
EXEMPT_CLASSES = {"bench", "one-machine"}


class Prose(html.parser.HTMLParser):
    """The text of a page outside code, navigation, measured values and
    one machine's notes. An element left out leaves a break, so that a value
    from the data and a unit typed after it never read as one figure."""

    VOID = {"br", "img", "hr", "meta", "link", "input", "col", "area", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.skipping, self.text = [], 0, []
        self.notes = []  # one machine's notes: [has a command], innermost last
        self.bare_notes = 0  # those that show no command

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skip = tag in NOT_PROSE or bool(classes & EXEMPT_CLASSES)
        note = "one-machine" in classes
        self.stack.append((tag, skip, note))
        if note:
            self.notes.append(False)
        if tag == "code" and self.notes:
            self.notes[-1] = True
        if skip:
            self.skipping += 1
            self.text.append(" | ")

    def handle_endtag(self, tag):
        if tag in self.VOID:  # <col /> reaches here too
            return
        while self.stack:
            name, skip, note = self.stack.pop()
            self.skipping -= skip
            if note:
                self.bare_notes += not self.notes.pop()
            if name == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.text.append(data)


def typed_figures(src, out):
    """Figures typed into a page's prose, where book/data should give them."""
    problems = []
    with open(os.path.join(src, "pages.txt"), encoding="utf-8") as f:
        pages = [l.strip() for l in f if re.fullmatch(r"[A-Za-z0-9._-]+\.md", l.strip())]
    for page in pages:
        path = os.path.join(out, page[:-3] + ".html")
        if not os.path.exists(path):
            continue
        prose = Prose()
        with open(path, encoding="utf-8") as f:
            prose.feed(f.read())
        if prose.bare_notes:
            problems.append("book/%s: %d `.one-machine` note(s) without the command that "
                            "measures the figure (in `code`)" % (page, prose.bare_notes))
        for m in FIGURE.finditer(re.sub(r"\s+", " ", "".join(prose.text))):
            problems.append("book/%s: the figure \"%s\" is typed by hand: take it from book/data "
                            "([..]{.bench key=...}), or put it in a `.one-machine` note with "
                            "the command that measures it" % (page, m.group(0)))
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
    problems += typed_figures(src, out)

    for p in problems:
        print("check-pages: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
