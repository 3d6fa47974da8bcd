"""The built site in a real browser: headless Chromium over every page of the toc.

``make browser`` (part of ``make test``) runs this after the site build. It
serves the site on a free loopback port and, for each page of ``_toc.yml`` and
each page the site's navigation lists (the API pages), checks that

* the page loads (HTTP 200) and the browser console reports no error;
* the page requests nothing outside the site (the book must work offline:
  MathJax, fonts and scripts are served by the site itself);
* every image has a non-zero natural width;
* every formula is typeset by MathJax (an ``mjx-container`` in each ``.math``
  element, no ``mjx-merror``);
* every chapter states the versions its outputs were produced with;
* every link to the site itself resolves: the file exists and so does the
  ``#fragment`` it points at;

saves a full-page screenshot of a page that fails (of every page with
``make screenshots``), and checks that the site search finds glossary terms.
Settings (environment variables):

* ``TFBOOK_SITE``: the built site, default ``_build/html``;
* ``TFBOOK_SCREENSHOTS``: where screenshots go, default ``screenshots/`` beside
  the site folder (``_build/screenshots``); when set, every page is shot
  (full-page shots of long chapters took a third of this test's time);
* ``CHROMIUM``: the browser, default ``/usr/bin/chromium`` (Debian's package;
  ``scripts/get-browser.sh`` installs it); ``conftest.py`` launches it.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("TFBOOK_SITE", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = Path(os.environ.get("TFBOOK_SCREENSHOTS", SITE.parent / "screenshots")).resolve()
SHOOT_EVERY_PAGE = "TFBOOK_SCREENSHOTS" in os.environ
#: Glossary terms the site search must find on the glossary page.
SEARCH_TERMS = ["overfitting", "反向传播", "early stopping"]
#: Milliseconds to wait for a page, MathJax or the search.
TIMEOUT_MS = 30_000
#: Milliseconds after the load event for which console errors count at least.
LATE_ERRORS_MS = 200


def toc_pages() -> list[str]:
    """Site paths (``chapters/x.html``) of every file listed in ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)

    walk(toc)
    return [re.sub(r"\.(md|ipynb|rst)$", "", f) + ".html" for f in files]


class _NavLinks(html.parser.HTMLParser):
    """Collect the hrefs of the primary sidebar's navigation."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth:
            self.depth += tag not in ("br", "img", "input", "meta", "link", "hr")
            if tag == "a" and attrs.get("href"):
                self.hrefs.append(attrs["href"])
        elif tag == "nav" and "bd-docs-nav" in (attrs.get("class") or ""):
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def site_pages() -> list[str]:
    """The toc's pages, then the other pages the navigation lists, in order."""
    pages = toc_pages()
    root = SITE / pages[0]
    if root.is_file():
        parser = _NavLinks()
        parser.feed(root.read_text(encoding="utf-8"))
        base = urllib.parse.urljoin("http://site/", pages[0])
        for href in parser.hrefs:
            url = urllib.parse.urljoin(base, href)
            if url.startswith("http://site/"):
                path = urllib.parse.urldefrag(url)[0][len("http://site/") :]
                if path.endswith(".html") and path not in pages:
                    pages.append(path)
    return pages


#: The Chinese edition (tfbook.i18n) lives under zh/ and has the same pages.
ZH = "zh/"
PAGES = site_pages()
PAGES += [ZH + path for path in PAGES]
#: Chinese words the Chinese site search must find, and the chapter that teaches each.
ZH_SEARCHES = {
    "反向传播": "chapters/backpropagation.html",
    "过拟合": "chapters/overfitting.html",
    "早停": "chapters/overfitting.html",
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="session")
def server():
    """Base URL of the site, served from a thread on a free loopback port."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No site at {SITE}: build it first (`make book`) or set TFBOOK_SITE.")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _new_tab(context, server):
    """A page that records what goes wrong in ``problems``.

    What counts: a request outside the site, a request of the site that
    fails, a console error, a JavaScript exception. The requests are watched,
    not intercepted: Playwright turns the browser's HTTP cache off once a route
    intercepts them, and every page then fetched and compiled the theme's
    scripts and MathJax again (the 91 tests of this file, 78 of them pages:
    113 against 85 CPU-seconds). A request outside the site fails anyway:
    ``conftest.py`` starts Chromium with no host name resolving.
    """
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.problems = []

    # A request that fails is the test's that started it: leaving a page aborts
    # its requests, and the browser may report that after the next test began.
    page.test = 0
    started = {}

    def on_request(request):
        started[request] = page.test
        if not request.url.startswith((server, "data:", "blob:")):
            page.problems.append(f"request outside the site (would fail offline): {request.url}")

    page.on("request", on_request)
    page.on(
        "console",
        lambda msg: msg.type == "error"
        and page.problems.append(f"console error: {msg.text} at {msg.location.get('url', '')}"),
    )
    page.on("pageerror", lambda exc: page.problems.append(f"JavaScript exception: {exc}"))
    page.on(
        "requestfailed",
        lambda req: started.pop(req, None) == page.test
        and req.url.startswith(server)
        and page.problems.append(f"request failed: {req.url} ({req.failure})"),
    )
    page.on("requestfinished", lambda req: started.pop(req, None))
    return page


@pytest.fixture(scope="session")
def _tabs(browser, server):
    """The worker's browser context and its one tab (``tabs["page"]``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Every page as a first visit shows it: the site keeps state in the browser
    # (a search saves its words, which the next page highlights).
    context.add_init_script("try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}")
    tabs = {"context": context, "page": _new_tab(context, server)}
    yield tabs
    context.close()


@pytest.fixture()
def page(_tabs, server):
    """The worker's tab, on a blank page and with no problems recorded.

    The tests of a worker go from page to page in one tab, as a reader does: a
    new tab for each test, with a renderer process that compiles the theme's
    scripts and MathJax again, took twice the CPU time (1.3 against 0.6
    CPU-seconds a page). Going to about:blank first ends the requests the last
    test left running (leaving a page aborts a MathJax font still loading, which
    is no fault of the site's); what went wrong is recorded from then on, and a
    request counts for the test that started it. A tab that cannot leave its
    page (it crashed) is replaced.
    """
    try:
        _tabs["page"].goto("about:blank")
    except Exception:
        with contextlib.suppress(Exception):
            _tabs["page"].close()
        _tabs["page"] = _new_tab(_tabs["context"], server)
    page = _tabs["page"]
    page.test += 1
    page.problems = []
    return page


@functools.cache
def _fetch(url: str) -> tuple[int, str]:
    """Status and (for HTML) text of a URL of the local site."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "")
            return response.status, body.decode("utf-8", "replace") if "html" in kind else ""
    except urllib.error.HTTPError as e:
        return e.code, ""


def _has_anchor(text: str, fragment: str) -> bool:
    fragment = urllib.parse.unquote(fragment)
    return re.search(r'\b(id|name)="' + re.escape(fragment) + '"', text) is not None


#: Run in the page: make lazy images load, wait for every image, return the broken ones.
_BROKEN_IMAGES = """async () => {
  const images = Array.from(document.images);
  for (const img of images) { img.loading = "eager"; }
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(done => { img.onload = img.onerror = done; })));
  return images.filter(img => img.naturalWidth === 0)
               .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 120));
}"""

#: Run in the page: wait for MathJax, return formulas it did not typeset.
_UNTYPESET_MATH = """async () => {
  const formulas = Array.from(document.querySelectorAll(".math"));
  if (formulas.length === 0) return {count: 0, untypeset: [], errors: []};
  for (let i = 0; i < 300 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    return {count: formulas.length, untypeset: ["MathJax did not load"], errors: []};
  }
  await MathJax.startup.promise;
  return {
    count: formulas.length,
    untypeset: formulas.filter(f => !f.querySelector("mjx-container"))
                       .map(f => f.textContent.trim().slice(0, 80)),
    errors: Array.from(document.querySelectorAll("mjx-merror"))
                 .map(e => (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 80)),
  };
}"""


def test_toc_pages_are_built():
    missing = [p for base in ("", ZH) for p in toc_pages() if not (SITE / base / p).is_file()]
    assert not missing, f"pages of _toc.yml missing from {SITE}: {missing}"


_STRAY_EMPHASIS = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("pre, code, script, style, mjx-container, .output, dl.py")
    .forEach(e => e.remove());
  const hits = [];
  for (const m of main.textContent.matchAll(/.{0,20}\\*\\*.{0,20}/g)) hits.push(m[0]);
  return hits;
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page(page, server, path):
    url = server + path
    response = page.goto(url, wait_until="load")
    loaded = time.monotonic()
    assert response is not None and response.status == 200, (
        f"{path} did not load: status {response and response.status}"
    )
    problems = page.problems

    broken = page.evaluate(_BROKEN_IMAGES)
    problems += [f"image with zero natural width: {src}" for src in broken]

    math = page.evaluate(_UNTYPESET_MATH)
    problems += [f"math not typeset by MathJax: {text!r}" for text in math["untypeset"]]
    problems += [f"MathJax error: {text!r}" for text in math["errors"]]
    if math["count"] and page.locator("mjx-container").count() == 0:
        problems.append(f"{math['count']} formulas on the page, no mjx-container")

    # Markdown emphasis the parser did not take (as `**` between a Chinese
    # character and a role) shows its asterisks as text; API signatures (dl.py)
    # write `**kwargs` on purpose.
    stray = page.evaluate(_STRAY_EMPHASIS)
    problems += [f"Markdown emphasis shown as text: {text!r}" for text in stray]

    if path.startswith("chapters/"):
        text = page.inner_text("main")
        if not re.search(r"Outputs on this page were produced with TensorFlow [\d.]+, Keras", text):
            problems.append("no line stating the TensorFlow, Keras and NumPy versions")

    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    for href in sorted(set(hrefs)):
        if not href.startswith(server):
            continue
        target, fragment = urllib.parse.urldefrag(href)
        status, text = _fetch(target)
        if status != 200:
            problems.append(f"broken link: {href[len(server):]} (HTTP {status})")
        elif fragment and text and not _has_anchor(text, fragment):
            problems.append(f"broken link: {href[len(server):]} (no #{fragment} on the page)")

    # Console errors count until the assert below, and for at least
    # LATE_ERRORS_MS after the load event (the checks above usually take longer).
    page.wait_for_timeout(max(0.0, LATE_ERRORS_MS - 1000 * (time.monotonic() - loaded)))
    shot = SCREENSHOTS / (path.replace("/", "__").removesuffix(".html") + ".png")
    if problems or SHOOT_EVERY_PAGE:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    assert not problems, f"{path} (screenshot: {shot}):\n  " + "\n  ".join(problems)


def _search(page, url: str) -> list[str]:
    """The addresses the site search at ``url`` lists (none if no result appears)."""
    page.goto(url, wait_until="load")
    results = page.locator("#search-results ul.search li a")
    try:
        results.first.wait_for(state="attached")
    except Exception:
        return []
    return results.evaluate_all("links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_finds_glossary_term(page, server, term):
    found = _search(page, server + "search.html?q=" + urllib.parse.quote(term))
    assert found, f"the site search found nothing for {term!r}"
    assert any("glossary.html" in href for href in found), (
        f"the site search for {term!r} did not list the glossary; it found {found}"
    )
    assert not page.problems, "\n".join(page.problems)


@pytest.mark.parametrize("term", ZH_SEARCHES)
def test_chinese_search_finds_the_chapter(page, server, term):
    found = _search(page, server + ZH + "search.html?q=" + urllib.parse.quote(term))
    chapter = ZH_SEARCHES[term]
    assert any(href.split("#")[0].endswith(chapter) for href in found), (
        f"the Chinese site search for {term!r} did not list {chapter}; it found {found}"
    )
    assert not page.problems, "\n".join(page.problems)


def test_chinese_pages_have_a_chinese_interface(page, server):
    page.goto(server + ZH + "chapters/layers.html", wait_until="load")
    assert page.get_attribute("html", "lang") == "zh-CN"
    placeholder = page.get_attribute("input[name='q']", "placeholder") or ""
    assert re.search(r"[\u4e00-\u9fff]", placeholder), f"search box not in Chinese: {placeholder!r}"


@pytest.mark.parametrize("path", ["chapters/layers.html", "book/glossary.html", "book/intro.html"])
def test_language_switch_leads_to_the_same_page_both_ways(page, server, path):
    # networkidle, not load: MathJax fetches its fonts after the load event, and
    # leaving the page then aborts them (a request failure that is not the site's).
    page.goto(server + path, wait_until="networkidle")
    page.click("a.btn-edition-switch-zh")
    page.wait_for_load_state("networkidle")
    assert page.url == server + ZH + path
    page.click("a.btn-edition-switch-en")
    page.wait_for_load_state("networkidle")
    assert page.url == server + path
    assert not page.problems, "\n".join(page.problems)


@pytest.mark.parametrize(("prefix", "pdf_name", "words"), [
    ("", "tensorflow-keras-book.pdf", "Download"),
    (ZH, "tensorflow-keras-book-zh.pdf", "下载"),
])
def test_landing_page_links_the_offline_editions_of_its_language(page, server, prefix, pdf_name, words):
    page.goto(server + prefix + "book/intro.html", wait_until="load")
    hrefs = page.eval_on_selector_all("main a[href*='_downloads/']", "links => links.map(a => a.href)")
    names = {href.rsplit("/", 1)[-1] for href in hrefs}
    assert any(name.endswith("-notebooks.zip") for name in names), names
    if (SITE / prefix / "_downloads" / pdf_name).is_file():  # the site was built after `make pdf`
        assert pdf_name in names, names
    assert words in page.inner_text("main")
    menu = page.eval_on_selector_all("a[class*='download-book-']", "links => links.map(a => a.href)")
    assert any(href.endswith("-notebooks.zip") for href in menu), menu
    assert not page.problems, "\n".join(page.problems)
