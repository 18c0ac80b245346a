"""Helpers shared by the site tests: build the committed catalogue, read pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
DIAGRAMS = ROOT / "diagrams"
PICTURES = ROOT / "output"


@dataclass
class PageInfo:
    """What one HTML file links to and declares."""

    links: list[tuple[str, str]] = field(default_factory=list)  # (tag.attr, url)
    ids: set[str] = field(default_factory=set)
    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.info = PageInfo()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.info.tags.append((tag, a))
        if "id" in a:
            self.info.ids.add(a["id"])
        for attr in ("href", "src"):
            if attr in a:
                self.info.links.append((f"{tag}.{attr}", a[attr]))


def read_page(path: Path) -> PageInfo:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.info


def is_internal(url: str) -> bool:
    return not urlsplit(url).scheme


def target(page: Path, url: str) -> tuple[Path, str]:
    """The file an internal URL on `page` names, and its fragment."""
    parts = urlsplit(url)
    path = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
    return path, unquote(parts.fragment)


def broken_links(site: Path) -> list[str]:
    """Every internal href/src, in every page, whose file or fragment is missing."""
    pages = {p.resolve(): read_page(p) for p in sorted(site.rglob("*.html"))}
    broken = []
    for page, info in pages.items():
        for what, url in info.links:
            if not is_internal(url):
                continue
            path, fragment = target(page, url)
            if not path.is_file() or (fragment and fragment not in pages.get(path, PageInfo()).ids):
                broken.append(f"{page.relative_to(site.resolve())}: {what}={url}")
    return broken


def wsd_files(diagrams: Path = DIAGRAMS) -> list[Path]:
    return sorted(diagrams.glob("*/*/*.wsd"))


class _TextGrab(HTMLParser):
    """The text of each element `<tag class="cls">`, markup stripped."""

    def __init__(self, tag: str, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.want, self.cls, self.depth = tag, cls, 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag == self.want
        elif tag == self.want and self.cls in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == self.want:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data


def texts(path: Path, tag: str, cls: str) -> list[str]:
    grab = _TextGrab(tag, cls)
    grab.feed(path.read_text(encoding="utf-8"))
    return grab.found
