#!/usr/bin/env python3
"""The book's checks (book/Makefile's check, make test's book-check):
  check.py pages SRC OUT   links, anchors and images resolve, nothing loads from
      the network, every page listed and every figure shown, diagram text no
      smaller than the body's, no measured figure typed by hand (it comes from
      filters/bench-data.lua, sits in code, or in a `one-machine` note);
  check.py commands        every `make`/`cd` command the book shows works here;
  check.py filter [PANDOC] the tests of filters/include-code.lua."""
import argparse
import html
import html.parser
import os
import re
import shlex
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

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

def check_links(root):
    """Every internal link, anchor, image and script of the rendered book
    resolves, and nothing is loaded from the network (the book works offline)."""
    root = os.path.realpath(root)
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
        sys.exit("check-book: no HTML pages under %s" % root)

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
    print("check-book: %d pages, %d links, %d broken" % (len(pages), checked, len(problems)))
    return problems

BODY_PX = 16  # the body text: font-size 100 %

def small_diagram_text(src, out):
    """Diagrams whose smallest label is drawn smaller than the body text."""
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

def listed_pages(src):
    """The pages book/pages.txt lists, in order."""
    with open(os.path.join(src, "pages.txt"), encoding="utf-8") as f:
        return [l.strip() for l in f if re.fullmatch(r"[A-Za-z0-9._-]+\.md", l.strip())]

def typed_figures(src, out):
    """Figures typed into a page's prose, where book/data should give them."""
    problems = []
    for page in listed_pages(src):
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

def check_pages(src, out):
    problems = check_links(out)
    listed = listed_pages(src)
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
    problems += small_diagram_text(src, out) + typed_figures(src, out)
    for p in problems:
        print("check-book: " + p)
    return 1 if problems else 0

FENCE = re.compile(r"^(\s*)```+\s*\{?\.?([A-Za-z]*)[^\n]*\n(.*?)^\1```+\s*$", re.M | re.S)
INLINE = re.compile(r"(?<!`)`((?:make|cd) [^`\n]+)`(?!`)")
SHELL = {"", "sh", "shell", "bash", "console"}
PLACEHOLDER = re.compile(r"\bNN\b|N\.M|<|>|\.\.\.|\bnn\b|~|\$")
LEARNER_DIRS = ("workspace/", "~", "/tmp", "handout", "submissions", "../")
GRADING = {"start", "grade", "watch", "hint", "grade-all"}

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

def run_make(root, folder, args, timeout=120):
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
    if args is None or any(PLACEHOLDER.search(a) or (a.startswith("DIR=") and
                                                     a[4:].startswith(LEARNER_DIRS)) for a in args):
        return None
    words = list(args)
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
        rc, out = run_make(root, root, ["-s", "check-program", f"CH={ch}"])
        if rc != 0:
            return out or f"CH={ch} names no program"
        if GRADING & set(targets):
            done = subprocess.run([sys.executable, str(root / "tools" / "grade" / "grade.py"),
                                   "check", "--root", str(root), "--ch", ch],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                return (done.stdout + done.stderr).strip()
    rc, out = run_make(root, folder, ["-n", *flags, *targets, *variables])
    if rc != 0:
        return "\n".join(out.splitlines()[-4:]) or "make -n failed"
    return None

def check_commands(root):
    root = Path(root).resolve()
    seen, failed, checked = {}, 0, 0
    for page in (root / "book" / name for name in listed_pages(root / "book")):
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

FILTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "book", "filters",
                      "include-code.lua")

FIXTURES = {
    "src/demo.c": """\
#include "demo.h"

// region: setup
static int counter;

void demo_setup(void)
{
    // region: inner
    counter = 0;
    // endregion: inner
    if (counter == 0) {
        // exercise: 2.3 begin
        counter = 42;   /* the solution */
        // exercise: 2.3 end
    }
}
// endregion: setup

/*
 * Add one, the slow way.
 */
static enum poll
demo_poll(struct future *self,
          struct context *cx)
{
    const char *s = "}";   /* a brace in a string: { */
    (void)self; (void)cx;
    return s[0] == '}' ? POLL_READY : POLL_PENDING;
}

void demo_prototype_only(void);

// Tell the world.
int demo_hello(void) { return 1; }

// region: open
int never_closed;
""",
    "src/Makefile": """\
all:
# region: flags
\tCFLAGS += -O2
# endregion: flags
""",
    "src/plain.h": "#pragma once\nint plain(void);\n",
    "src/ex-open.c": "// region: r\nint x;\n// exercise: 1.1 begin\nint y;\n// endregion: r\n// exercise: 1.1 end\n",
}

def render(root, attrs, pandoc):
    page = os.path.join(root, "page.md")
    with open(page, "w") as f:
        f.write("```{%s}\n```\n" % attrs)
    env = dict(os.environ, BOOK_ROOT=root, BOOK_DEPFILE=os.path.join(root, "page.d"),
               BOOK_TARGET="page.html")
    p = subprocess.run([pandoc, "--lua-filter", FILTER, "-t", "html", page],
                       capture_output=True, text=True, env=env)

    def text(pattern):
        m = re.search(pattern, p.stdout, re.S)
        return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))) if m else ""
    return (p.returncode, text(r"<code[^>]*>(.*?)</code>"),
            text(r'<div class="listing-caption">(.*?)</div>'), p.stderr)

def test_filter(pandoc):
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="book-filter-") as root:
        for name, body in FIXTURES.items():
            os.makedirs(os.path.join(root, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(root, name), "w") as f:
                f.write(body)

        def expect_code(title, attrs, code, caption=None):
            rc, text, cap, err = render(root, attrs, pandoc)
            problems = []
            if rc != 0:
                problems.append("pandoc failed: " + err.strip())
            elif text != code:
                problems.append("got:\n%s\nwanted:\n%s" % (text, code))
            if caption is not None and rc == 0 and cap.split() != caption.split():
                problems.append("caption %r, wanted %r" % (cap, caption))
            report(title, problems)

        def expect_error(title, attrs, *words):
            rc, _, _, err = render(root, attrs, pandoc)
            missing = [w for w in words if w not in err]
            report(title, (["the include did not fail"] if rc == 0 else []) +
                   (["message %r does not name %s" % (err.strip(), missing)] if missing else []))

        def report(title, problems):
            nonlocal passed, failed
            if problems:
                failed += 1
                print("FAIL  %s\n      %s" % (title, "\n      ".join("\n".join(problems).splitlines())))
            else:
                passed += 1
                print("ok    %s" % title)

        expect_code("region: markers hidden, exercise replaced, dedented",
                    '.c include="src/demo.c" region="setup"',
                    "static int counter;\n\nvoid demo_setup(void)\n{\n    counter = 0;\n"
                    "    if (counter == 0) {\n        // Exercise 2.3: your code goes here\n    }\n}",
                    "src/demo.c lines 4–16")
        expect_code("nested region alone, dedented",
                    '.c include="src/demo.c" region="inner"', "counter = 0;")
        expect_code("function: comment above, return type line, braces in strings",
                    '.c include="src/demo.c" function="demo_poll"',
                    "/*\n * Add one, the slow way.\n */\nstatic enum poll\ndemo_poll(struct future *self,\n"
                    "          struct context *cx)\n{\n    const char *s = \"}\";   /* a brace in a string: { */\n"
                    "    (void)self; (void)cx;\n    return s[0] == '}' ? POLL_READY : POLL_PENDING;\n}",
                    "src/demo.c demo_poll() lines 19–29")
        expect_code("function on one line with a // comment",
                    '.c include="src/demo.c" function="demo_hello"',
                    "// Tell the world.\nint demo_hello(void) { return 1; }")
        expect_code("# markers in a Makefile; tabs expanded",
                    'include="src/Makefile" region="flags"', "CFLAGS += -O2")
        expect_code("whole file", 'include="src/plain.h"', "#pragma once\nint plain(void);",
                    "src/plain.h")
        expect_error("missing file is named", '.c include="src/nope.c" region="x"', "src/nope.c")
        expect_error("missing region is named with its file", '.c include="src/demo.c" region="nope"',
                     '"nope"', "src/demo.c")
        expect_error("region without its end", '.c include="src/demo.c" region="open"',
                     '"open"', "endregion")
        expect_error("exercise cut by the region's end", '.c include="src/ex-open.c" region="r"',
                     "exercise: 1.1")
        expect_error("a prototype is not a definition", '.c include="src/demo.c" function="demo_prototype_only"',
                     '"demo_prototype_only"', "src/demo.c")
        expect_error("missing function", '.c include="src/demo.c" function="nope"', '"nope"')

        # the dependency file lists what was included
        render(root, '.c include="src/plain.h"', pandoc)
        with open(os.path.join(root, "page.d")) as f:
            deps = f.read()
        report("dependency file names the included source",
               [] if os.path.join(root, "src/plain.h") in deps else ["page.d is %r" % deps])

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["pages", "commands", "filter"])
    p.add_argument("args", nargs="*")
    p.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    args = p.parse_args()
    if args.what == "pages":
        return check_pages(*args.args)
    if args.what == "commands":
        return check_commands(args.root)
    return test_filter(args.args[0] if args.args else "pandoc")

if __name__ == "__main__":
    sys.exit(main())
