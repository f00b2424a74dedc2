#!/usr/bin/env python3
"""Tests of the book's code-inclusion filter (book/filters/include-code.lua).

usage: test-filter.py [PANDOC]

Each test renders a one-block markdown page against fixture sources in a
temporary folder and checks the code block, or the error message when the
include must fail. Ends with "N passed, N failed".
"""
import html
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FILTER = os.path.join(HERE, "..", "..", "book", "filters", "include-code.lua")

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
    code = re.search(r"<code[^>]*>(.*?)</code>", p.stdout, re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", code.group(1))) if code else ""
    caption = re.search(r'<div class="listing-caption">(.*?)</div>', p.stdout, re.S)
    cap = html.unescape(re.sub(r"<[^>]+>", "", caption.group(1))) if caption else ""
    return p.returncode, text, cap, p.stderr


def main(argv):
    pandoc = argv[1] if len(argv) > 1 else "pandoc"
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="book-filter-") as root:
        for name, body in FIXTURES.items():
            os.makedirs(os.path.join(root, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(root, name), "w") as f:
                f.write(body)

        def expect_code(title, attrs, code, caption=None):
            nonlocal passed, failed
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
            problems = []
            if rc == 0:
                problems.append("the include did not fail")
            missing = [w for w in words if w not in err]
            if missing:
                problems.append("message %r does not name %s" % (err.strip(), missing))
            report(title, problems)

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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
