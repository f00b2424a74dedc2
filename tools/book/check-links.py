#!/usr/bin/env python3
"""Check that every internal link, anchor, image and script of the rendered book resolves.

usage: check-links.py BOOK_DIR

For every .html file under BOOK_DIR: each href/src that is not an external
link must name a file that exists inside BOOK_DIR, and its #fragment (if any)
must be an id in that file. Resources the page loads (img, script, stylesheet)
must be local: the book has to work offline. Prints one line per problem and
exits 1 if there is any.
"""
import html.parser
import os
import sys
import urllib.parse

EXTERNAL = ("http:", "https:", "mailto:")
LOADED = {("img", "src"), ("script", "src"), ("link", "href"), ("source", "src"),
          ("iframe", "src"), ("embed", "src"), ("object", "data")}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.refs = []      # (line, tag, attr, url)

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif name in ("href", "src", "data") or (tag == "form" and name == "action"):
                self.refs.append((line, tag, name, value))

    handle_startendtag = handle_starttag


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    root = os.path.realpath(argv[1])
    pages = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                page = Page()
                with open(path, encoding="utf-8") as f:
                    page.feed(f.read())
                page.close()
                pages[path] = page
    if not pages:
        sys.exit("check-links: no HTML pages under %s" % root)

    problems = []
    checked = 0
    for path, page in sorted(pages.items()):
        rel = os.path.relpath(path, root)
        for line, tag, attr, url in page.refs:
            checked += 1
            where = "%s:%d: <%s %s=\"%s\">" % (rel, line, tag, attr, url)
            if url.startswith(EXTERNAL) or url.startswith("//"):
                if (tag, attr) in LOADED:
                    problems.append(where + " loads a resource from the network; the book must work offline")
                continue
            if url.startswith(("javascript:", "data:")):
                problems.append(where + " uses a " + url.split(":")[0] + ": URL")
                continue
            parts = urllib.parse.urlsplit(url)
            if parts.scheme:
                problems.append(where + " uses an unexpected URL scheme")
                continue
            target = path
            if parts.path:
                target = os.path.realpath(os.path.join(os.path.dirname(path),
                                                       urllib.parse.unquote(parts.path)))
                if not (target == root or target.startswith(root + os.sep)):
                    problems.append(where + " points outside the book")
                    continue
                if not os.path.isfile(target):
                    problems.append(where + " points to a missing file")
                    continue
            frag = urllib.parse.unquote(parts.fragment)
            if frag and target.endswith(".html"):
                if frag not in pages[target].ids:
                    problems.append(where + " points to a missing anchor #" + frag)
    for p in problems:
        print("check-links: " + p)
    print("check-links: %d pages, %d links, %d broken" % (len(pages), checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
