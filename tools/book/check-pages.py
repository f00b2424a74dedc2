#!/usr/bin/env python3
"""Check that the book's sources and its rendering agree.

usage: check-pages.py BOOK_SRC_DIR BOOK_OUT_DIR

- every markdown file in BOOK_SRC_DIR (but README.md, the authors' guide) is
  listed in pages.txt (a page that is not listed would silently never be
  rendered);
- every diagram and screenshot that the build made is used by some page.
"""
import os
import re
import sys


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
    for folder in ("diagrams", "screenshots"):
        path = os.path.join(out, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if folder + "/" + name not in used:
                problems.append("%s/%s is made but no page shows it" % (folder, name))

    for p in problems:
        print("check-pages: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
