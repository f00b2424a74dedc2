#!/bin/sh
# browser-check.sh [BOOK_DIR]: the rendered book in headless Chromium: every
# page loads from file:// with no console message, script error or failed
# resource, and its script ran (data-book-js="ok"); at 800, 1200 and 1600 px
# no figure or code block is cut off (from 1200 px figures fit the column);
# search finds a word the book has (SEARCH_WORD) and not one it lacks.
# browser-check.sh --grades FILE: grade-all's grades.html loads without
# errors and draws its charts. CI runs it; CHROMIUM= names the browser.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
grades=""
if [ "${1:-}" = --grades ]; then
    grades=${2:-}
    shift 2 || shift
fi
book=${1:-$root/build/book}
word=${SEARCH_WORD:-multiboot}
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
    done
fi
if [ -z "$browser" ]; then
    echo "browser-check: no Chromium found (Debian package: chromium)" >&2
    exit 1
fi
if [ -n "$grades" ] && [ ! -f "$grades" ]; then
    echo "browser-check: $grades not found; make test-grading writes one" >&2
    exit 1
elif [ -z "$grades" ] && [ ! -f "$book/index.html" ]; then
    echo "browser-check: $book/index.html not found; run 'make book' first" >&2
    exit 1
fi
[ -n "$grades" ] || book=$(cd "$book" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1: $2"; }

# load URL: dump the DOM after scripts ran into $work/dom, the browser's log into $work/log
# (WINDOW=W,H: the window size; EXTRA: one more browser flag)
load() {
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
        --window-size="${WINDOW:-1280,900}" ${EXTRA:+"$EXTRA"} \
        --virtual-time-budget=3000 --dump-dom "$1" >"$work/dom" 2>"$work/log"
}

# What is cut off, measured in one browser load: cut.html holds an iframe per
# page and width (each iframe is a window of that width to the page inside),
# and cut.js measures every one of them once they have all loaded. The column
# is the content box of the text (.content). A code block's lines may overflow
# it only into a scroll bar that is there; a figure or code block whose box
# reaches past the column must sit in a scroller with a scroll bar; and from
# 1200 px on, a figure may not scroll at all: it must fit. cut.js writes one
# line per iframe, "PAGE WIDTH COUNT WHAT...", into <pre id="cut">.
cat >"$work/cut.js" <<'EOF'
function cutOff(win) {
  var doc = win.document, col = doc.querySelector('.content'), cut = [];
  if (!col) return cut;
  var colRight = col.getBoundingClientRect().right -
    parseFloat(win.getComputedStyle(col).paddingRight);
  function px(x) { return Math.round(x) + ' px'; }
  // A horizontal scroller whose scroll bar is not hidden. (Whether the bar is
  // drawn yet is not asked: Chromium adds it some layouts after the overflow.)
  function hasBar(e) {
    var s = win.getComputedStyle(e);
    return /auto|scroll/.test(s.overflowX) && s.scrollbarWidth !== 'none';
  }
  function clipper(e) {  // the nearest box inside the column that clips e
    for (var a = e.parentElement; a && a !== col; a = a.parentElement)
      if (win.getComputedStyle(a).overflowX !== 'visible') return a;
    return null;
  }
  col.querySelectorAll('img, svg, object, pre').forEach(function (e) {
    var r = e.getBoundingClientRect(), figure = e.tagName !== 'PRE';
    if (!r.width || e.parentElement.closest('svg')) return;
    var name = e.tagName.toLowerCase() + ' ' + (e.getAttribute('src') ||
      e.getAttribute('data') || '"' + e.textContent.trim().split('\n')[0].slice(0, 40) + '"');
    if (!figure && e.scrollWidth > e.clientWidth + 1 && !hasBar(e))
      cut.push(name + ': ' + px(e.scrollWidth) + ' of lines in ' + px(e.clientWidth) +
        ' with no scroll bar');
    if (r.right <= colRight + 1) return;
    var a = clipper(e), where = px(r.width) + ' wide, its right edge at ' +
      px(r.right) + ', past the column, which ends at ' + px(colRight);
    if (figure && win.innerWidth >= 1200)
      cut.push(name + ': ' + where + (a && hasBar(a) ? ' (it scrolls; it should fit)' : ''));
    else if (!a || !hasBar(a))
      cut.push(name + ': ' + where + ', with no scroll bar to show the rest');
  });
  return cut;
}
// The load event comes once every iframe has loaded, pictures included.
addEventListener('load', function () {
  var lines = [];
  document.querySelectorAll('iframe').forEach(function (f) {
    var cut = cutOff(f.contentWindow);
    lines.push(f.src.replace(/.*\//, '') + ' ' + f.width + ' ' + cut.length + ' ' + cut.join(' | '));
  });
  var pre = document.createElement('pre');
  pre.id = 'cut';
  pre.textContent = lines.join('\n');
  document.body.appendChild(pre);
});
EOF

# attribute NAME: the value of data-NAME on the dumped page's <html>, or nothing
attribute() {
    sed -n "s/.*<html[^>]* data-$1=\"\([^\"]*\)\".*/\1/p" "$work/dom" | head -n 1
}

if [ -n "$grades" ]; then
    page="$(cd "$(dirname "$grades")" && pwd)/$(basename "$grades")"
    if ! load "file://$page"; then
        fail "$grades" "the browser failed or timed out"
    elif [ -n "$(attribute js-errors)" ] || grep -q ':CONSOLE' "$work/log"; then
        fail "$grades" "errors: $(attribute js-errors) $(grep ':CONSOLE' "$work/log" | head -n 3)"
    elif [ "$(attribute grades-js)" != ok ] || [ "$(attribute charts)" -lt 1 ]; then
        fail "$grades" "its script did not finish, or drew no chart"
    else
        pass "$grades: loads without errors, $(attribute charts) chart(s) drawn"
    fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

for page in "$book"/*.html; do
    name=$(basename "$page")
    if ! load "file://$page"; then
        fail "$name" "the browser failed or timed out"
        continue
    fi
    errors=$(attribute js-errors)
    console=$(grep ':CONSOLE' "$work/log" | sed 's/^[^]]*] //' | head -n 3)
    if [ -n "$errors" ]; then
        fail "$name" "errors on the page: $errors"
    elif [ -n "$console" ]; then
        fail "$name" "console: $console"
    elif [ "$(attribute book-js)" != ok ]; then
        fail "$name" "book.js did not finish (is it loaded?)"
    elif [ -z "$(attribute search-index)" ]; then
        fail "$name" "the search index did not load"
    else
        pass "$name"
    fi
done

# figures and code blocks at three widths: a narrow window, a laptop, a wide
# screen. The harness reads the pages' documents: file:// needs a flag for that.
{
    echo '<!DOCTYPE html><html><body><script src="cut.js"></script>'
    for page in "$book"/*.html; do
        for width in 800 1200 1600; do
            echo "<iframe src=\"file://$page\" width=\"$width\" height=\"900\"></iframe>"
        done
    done
} >"$work/cut.html"
if ! EXTRA=--allow-file-access-from-files load "file://$work/cut.html"; then
    fail "figures and code blocks" "the browser failed or timed out"
fi
sed -n '/<pre id="cut">/,/<\/pre>/p' "$work/dom" |
    sed 's/<[^>]*>//g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' >"$work/cut"
[ -s "$work/cut" ] || fail "figures and code blocks" "the measure did not run"
while read -r name width count what; do
    if [ "$count" = 0 ]; then
        pass "$name at $width px: no figure or code block is cut off"
    else
        fail "$name at $width px" "$count cut off: $what"
    fi
done <"$work/cut"

# code: on a wide window (1600 px), no code block of a chapter page is cut off
for page in "$book"/0*.html; do
    name=$(basename "$page")
    if WINDOW=1600,1000 load "file://$page" && [ "$(attribute code-clipped)" = 0 ]; then
        pass "$name: every line of code fits at 1600 px"
    else
        fail "$name" "$(attribute code-clipped) code blocks are cut off at 1600 px"
    fi
done

# search: a word the book contains is found, with links to pages; nonsense is not
if load "file://$book/search.html#q=$word"; then
    hits=$(attribute search-results)
    links=$(grep -c 'class="search-result"' "$work/dom")
    if [ -n "$hits" ] && [ "$hits" -gt 0 ] && [ "$links" -gt 0 ]; then
        pass "search finds \"$word\" ($hits sections)"
    else
        fail "search" "no result for \"$word\""
    fi
else
    fail "search" "the browser failed on search.html"
fi
# by stem: "pinning" finds the section that says "pinned" and "Pin"
if load "file://$book/search.html#q=pinning" &&
    grep -q 'futures-that-point-into-themselves' "$work/dom"; then
    pass "search finds word stems (\"pinning\" finds the section on pinned futures)"
else
    fail "search" "\"pinning\" does not find the section on pinned futures"
fi
if load "file://$book/search.html#q=zzqxjv" && [ "$(attribute search-results)" = 0 ]; then
    pass "search finds nothing for nonsense"
else
    fail "search" "nonsense \"zzqxjv\" gave results or the page failed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
