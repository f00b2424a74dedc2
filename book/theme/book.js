/* book.js: the sidebar drawer, the table of contents' current section, and search.
   Hand-written, no libraries, no network: the search index is a <script> file
   (search-index.js) that sets window.BOOK_SEARCH_INDEX, so it works from file://. */
(function () {
  'use strict';

  var root = document.documentElement;

  /* ---- the "Contents" button on phones ------------------------------------------ */
  function setupMenu() {
    var button = document.querySelector('.menu-toggle');
    if (!button) return;
    function close() {
      root.classList.remove('nav-open');
      button.setAttribute('aria-expanded', 'false');
    }
    button.addEventListener('click', function (e) {
      var open = root.classList.toggle('nav-open');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      e.stopPropagation();
    });
    document.addEventListener('click', function (e) {
      var side = document.getElementById('sidebar');
      if (root.classList.contains('nav-open') && side && !side.contains(e.target)) close();
    });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') close();
    });
  }

  /* ---- highlight the section being read in the table of contents --------------------- */
  function setupTocSpy() {
    var links = document.querySelectorAll('.toc a[href^="#"]');
    if (!links.length || !('IntersectionObserver' in window)) return;
    var byId = {};
    var headings = [];
    Array.prototype.forEach.call(links, function (a) {
      var id = decodeURIComponent(a.getAttribute('href').slice(1));
      var h = document.getElementById(id);
      if (h) { byId[id] = a; headings.push(h); }
    });
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) { visible[en.target.id] = en.isIntersecting; });
      var current = null;
      for (var i = 0; i < headings.length; i++) {
        if (visible[headings[i].id]) { current = headings[i].id; break; }
      }
      if (!current) return;
      Object.keys(byId).forEach(function (id) {
        byId[id].classList.toggle('active', id === current);
      });
    }, { rootMargin: '0px 0px -60% 0px' });
    headings.forEach(function (h) { observer.observe(h); });
  }

  /* ---- search ------------------------------------------------------------------------- */
  var index = window.BOOK_SEARCH_INDEX || null;
  var WORD = /[^\p{L}\p{N}_]+/u;

  /* A word's stem, so that one form finds the others: "pinning" and "pinned"
     find "pin", "wakers" finds "waker" and "waking". Light suffix stripping;
     the stem is then matched as a substring, so "pin" still finds "pinned". */
  function stem(t) {
    var m = /^(.{3,}?)(?:ations?|ings?|edly|ed|ers?|ies|es|s|ly)$/.exec(t);
    if (!m) return t;
    var s = m[1];
    if (/([b-df-hj-np-tv-z])\1$/.test(s) && !/(ll|ss|zz)$/.test(s)) s = s.slice(0, -1);
    return s;
  }

  function terms(query) {
    return query.toLowerCase().split(WORD).filter(function (t) { return t.length > 0; }).map(stem);
  }

  function countOf(haystack, term) {
    var n = 0, at = haystack.indexOf(term);
    while (at !== -1 && n < 50) { n++; at = haystack.indexOf(term, at + term.length); }
    return n;
  }

  function startsWord(haystack, term) {
    var at = haystack.indexOf(term);
    while (at !== -1) {
      if (at === 0 || WORD.test(haystack.charAt(at - 1))) return true;
      at = haystack.indexOf(term, at + 1);
    }
    return false;
  }

  /* Sections that contain every term, best first. */
  function search(query) {
    var ts = terms(query);
    if (!index || !ts.length) return [];
    var hits = [];
    index.sections.forEach(function (s) {
      if (s.lh === undefined) {
        s.lh = s.h.toLowerCase();
        s.lt = s.t.toLowerCase();
        s.lp = index.pages[s.p].title.toLowerCase();
      }
      var score = 0;
      for (var i = 0; i < ts.length; i++) {
        var t = ts[i];
        var inHead = countOf(s.lh, t), inText = countOf(s.lt, t), inPage = countOf(s.lp, t);
        if (!inHead && !inText && !inPage) return;
        score += 10 * inHead + 3 * inPage + Math.min(inText, 10);
        if (startsWord(s.lh + ' ' + s.lt, t)) score += 5;
      }
      hits.push({ section: s, score: score });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.section.p - b.section.p; });
    return hits;
  }

  /* Append text to el, with every occurrence of the terms in <mark>. */
  function appendMarked(el, text, ts) {
    var lower = text.toLowerCase(), pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      ts.forEach(function (t) {
        var at = lower.indexOf(t, pos);
        if (at !== -1 && (best === -1 || at < best)) { best = at; len = t.length; }
      });
      if (best === -1) { el.appendChild(document.createTextNode(text.slice(pos))); return; }
      el.appendChild(document.createTextNode(text.slice(pos, best)));
      var m = document.createElement('mark');
      m.textContent = text.slice(best, best + len);
      el.appendChild(m);
      pos = best + len;
    }
  }

  function snippet(text, ts) {
    var lower = text.toLowerCase(), at = -1;
    for (var i = 0; i < ts.length && at === -1; i++) at = lower.indexOf(ts[i]);
    if (at === -1) return text.slice(0, 160);
    var start = Math.max(0, at - 60), end = Math.min(text.length, at + 120);
    return (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : '');
  }

  function resultItem(hit, ts) {
    var s = hit.section, page = index.pages[s.p];
    var li = document.createElement('li');
    li.className = 'search-result';
    var a = document.createElement('a');
    a.href = page.href + (s.id ? '#' + s.id : '');
    var title = document.createElement('span');
    title.className = 'search-result-title';
    appendMarked(title, s.h || page.title, ts);
    a.appendChild(title);
    if (s.h) {
      var where = document.createElement('span');
      where.className = 'search-result-page';
      where.textContent = page.title;
      a.appendChild(where);
    }
    var text = document.createElement('span');
    text.className = 'search-result-text';
    appendMarked(text, snippet(s.t, ts), ts);
    a.appendChild(text);
    li.appendChild(a);
    return li;
  }

  function fillList(list, hits, ts, limit) {
    while (list.firstChild) list.removeChild(list.firstChild);
    hits.slice(0, limit).forEach(function (h) { list.appendChild(resultItem(h, ts)); });
  }

  function searchPageHref(query) {
    return 'search.html#q=' + encodeURIComponent(query);
  }

  function queryFromUrl() {
    var m = /[#&?]q=([^&#]*)/.exec(location.hash) || /[?&]q=([^&#]*)/.exec(location.search);
    if (!m) return '';
    try { return decodeURIComponent(m[1].replace(/\+/g, ' ')); } catch (e) { return m[1]; }
  }

  /* The results page: search.html#q=words */
  function setupSearchPage() {
    var list = document.getElementById('search-results');
    var status = document.getElementById('search-status');
    var input = document.getElementById('search-page-input');
    if (!list || !status || !input) return false;
    function run(query, fromUrl) {
      var ts = terms(query);
      if (!index) {
        status.textContent = 'The search index (search-index.js) did not load.';
        return;
      }
      if (!ts.length) {
        fillList(list, [], ts, 0);
        status.textContent = 'Type one or more words; every page of the book is searched, in your browser.';
        root.setAttribute('data-search-results', '0');
        return;
      }
      var hits = search(query);
      fillList(list, hits, ts, 100);
      status.textContent = hits.length === 0 ? 'Nothing found for “' + query + '”.'
        : hits.length + (hits.length === 1 ? ' section' : ' sections') + ' found for “' + query + '”.';
      root.setAttribute('data-search-results', String(hits.length));
      if (!fromUrl) {
        try { history.replaceState(null, '', searchPageHref(query)); } catch (e) { /* file:// may refuse */ }
      }
    }
    var q = queryFromUrl();
    input.value = q;
    run(q, true);
    input.addEventListener('input', function () { run(input.value, false); });
    input.form.addEventListener('submit', function (e) { e.preventDefault(); run(input.value, false); });
    window.addEventListener('hashchange', function () {
      var q2 = queryFromUrl();
      input.value = q2;
      run(q2, true);
    });
    var side = document.getElementById('search-input');
    if (side) {
      side.form.addEventListener('submit', function (e) {
        e.preventDefault();
        input.value = side.value;
        run(side.value, false);
      });
    }
    return true;
  }

  /* The box in the sidebar: results drop down under it; Enter opens the results page. */
  function setupSearchBox(onSearchPage) {
    var input = document.getElementById('search-input');
    var popup = document.getElementById('search-popup');
    if (!input || !popup) return;
    if (onSearchPage) return;
    var list = document.createElement('ol');
    list.className = 'search-results';
    var more = document.createElement('a');
    more.className = 'search-more';
    popup.appendChild(list);
    popup.appendChild(more);
    function update() {
      var query = input.value, ts = terms(query);
      if (!ts.length) { popup.hidden = true; return; }
      var hits = search(query);
      fillList(list, hits, ts, 8);
      more.href = searchPageHref(query);
      more.textContent = !index ? 'The search index did not load.'
        : hits.length === 0 ? 'Nothing found.'
        : hits.length > 8 ? 'All ' + hits.length + ' results' : 'Open the results page';
      popup.hidden = false;
    }
    input.addEventListener('input', update);
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { input.value = ''; popup.hidden = true; }
    });
    input.form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (terms(input.value).length) location.href = searchPageHref(input.value);
    });
  }

  function init() {
    setupMenu();
    setupTocSpy();
    setupSearchBox(setupSearchPage());
    if (index) root.setAttribute('data-search-index', String(index.sections.length));
    // For tools/book/browser-check.sh: how many code blocks are wider than
    // their box at this window size (they scroll instead of showing it all).
    var clipped = 0;
    document.querySelectorAll('pre').forEach(function (pre) {
      if (pre.scrollWidth > pre.clientWidth + 1) clipped++;
    });
    root.setAttribute('data-code-clipped', String(clipped));
    root.setAttribute('data-book-js', 'ok');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
