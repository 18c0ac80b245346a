"""The built site in a real headless Chromium, from disk and over http.server.

From index.html, every internal link is followed once: each page and picture
must load (no net error, no HTTP error), every <img> must have a natural
width, every #fragment must name an element of its page, and no page may log
an error. Needs /usr/bin/chromium (`make test` installs it); skipped without
it, except in CI (CI=true), where a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from site_checks import DIAGRAMS, PICTURES, wsd_files

from tracer.site.build import build_site

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("TRACER_CHROMIUM", "/usr/bin/chromium")
_IMAGES = "Array.from(document.images, i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
_LINKS = "Array.from(document.links, a => a.href)"
_IDS = "Array.from(document.querySelectorAll('[id]'), e => e.id)"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (`make test` installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def tab(tmp_path_factory: pytest.TempPathFactory):
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from cdp import Browser
    except ImportError:
        _missing("websocket-client is not installed: pip install -e '.[test]'")
    browser = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium") / "profile")
    try:
        yield browser.tab
    finally:
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(DIAGRAMS, PICTURES, out)
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """`python -m http.server` on 127.0.0.1, a free port, serving the site."""
    proc = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                             "--directory", str(site)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        port = re.search(r" port (\d+)", line)
        assert port, f"http.server said {line!r}"
        yield f"http://127.0.0.1:{port.group(1)}/"
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class Crawl:
    pages: int = 0
    pictures: int = 0
    images: int = 0
    problems: list[str] = field(default_factory=list)


def crawl(tab, start: str, base: str) -> Crawl:
    """Follow every link under `base` from `start`, once each, and check what loads."""
    out, queue, seen = Crawl(), [start], set()
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []  # (from page, to page, fragment)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        visit = tab.navigate(url)
        if visit.error or (visit.status or 0) >= 400:
            out.problems.append(f"{url}: {visit.error or visit.status}")
            continue
        if url.endswith(".svg"):
            out.pictures += 1
        else:
            out.pages += 1
            ids[url] = set(tab.evaluate(_IDS))
            out.problems += _bad_images(tab, url, out)
            for link in tab.evaluate(_LINKS):
                if link.startswith(base):
                    page, fragment = urldefrag(link)
                    queue.append(page)
                    if fragment:
                        fragments.append((url, page, fragment))
        out.problems += [f"{url}: {e}" for e in tab.errors()]
    out.problems += [f"{src}: #{frag} is not an id in {page}"
                     for src, page, frag in fragments if frag not in ids.get(page, set())]
    return out


def _bad_images(tab, url: str, out: Crawl) -> list[str]:
    images = tab.evaluate(_IMAGES)
    out.images += len(images)
    return [f"{url}: <img src={src}> complete={done} naturalWidth={width}"
            for src, done, width in images if not done or width <= 0]


def _check(result: Crawl) -> None:
    diagrams = len(wsd_files())
    assert result.problems == []
    # the index, a page per diagram (the same pages reached by their index URL or by "/")
    assert result.pages >= 1 + diagrams
    assert result.pictures == diagrams
    assert result.images == diagrams


def test_index_loads_from_disk(tab, site: Path) -> None:
    visit = tab.navigate((site / "index.html").as_uri())
    assert visit.error is None
    assert tab.evaluate("document.title") == "tracer: catalogue"
    assert tab.evaluate("document.querySelectorAll('table.ops tbody tr').length") == \
        len({(w.parent.parent.name, w.stem) for w in wsd_files()})  # a row per project's operation
    assert tab.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # style.css applied
    assert tab.errors() == []


def test_every_page_picture_and_link_from_disk(tab, site: Path) -> None:
    base = site.as_uri() + "/"
    _check(crawl(tab, base + "index.html", base))


def test_every_page_picture_and_link_over_http_server(tab, served: str) -> None:
    visit = tab.navigate(served)
    assert visit.status == 200 and tab.evaluate("document.title") == "tracer: catalogue"
    _check(crawl(tab, served + "index.html", served))


def test_the_crawl_sees_broken_pictures_links_and_console_errors(tab, tmp_path: Path) -> None:
    diagrams = tmp_path / "diagrams" / "nova" / "ocata"
    diagrams.mkdir(parents=True)
    shutil.copy(DIAGRAMS / "nova" / "ocata" / "pause.wsd", diagrams)
    out = tmp_path / "site"
    build_site(tmp_path / "diagrams", PICTURES, out)
    page = out / "nova" / "ocata" / "pause.html"
    (page.with_suffix(".svg")).write_text("not a picture")
    html = page.read_text().replace("</body>", '<a href="gone.html">x</a><a href="#nowhere">y</a>'
                                    '<script>console.error("boom")</script></body>')
    page.write_text(html)
    base = out.as_uri() + "/"
    problems = "\n".join(crawl(tab, base + "index.html", base).problems)
    assert "<img src=pause.svg> complete=True naturalWidth=0" in problems
    assert "gone.html: net::ERR_FILE_NOT_FOUND" in problems
    assert "#nowhere is not an id" in problems
    assert "console: boom" in problems
