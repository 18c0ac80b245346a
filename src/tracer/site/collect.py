"""What the site shows: diagrams/<project>/<release>/<op>.wsd, their pictures
under the pictures folder (same layout, `.svg`), and each release's version.

Release folders are ordered as in the release table (oldest first); a folder
the table does not know comes last and gets no source links.

A project, release or diagram whose name the site cannot carry (bytes that are
not UTF-8, a line break or another control character: no page, link or line of
the site's list could hold it) is left out, with a warning naming it.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tracer.problems import TracerError
from tracer.releases import Table, load_table

OPENDEV = "https://opendev.org/{repo}/src/tag/{tag}/{path}"


@dataclass(frozen=True)
class Release:
    name: str  # the folder name, as in diagrams/<project>/<name>/
    version: str | None  # the project's version in that release, its git tag
    repo: str | None  # owner/name, for source links

    @property
    def label(self) -> str:
        return f"{self.name} ({self.version})" if self.version else self.name

    def source_url(self, path: str) -> str | None:
        if not (self.version and self.repo):
            return None
        return OPENDEV.format(repo=self.repo, tag=self.version, path=path)


@dataclass(frozen=True)
class Op:
    """One operation's diagram from one release."""

    project: str
    release: Release
    name: str
    wsd: Path
    svg: Path | None  # None when it has not been rendered

    @property
    def page(self) -> str:
        """Its page, relative to the site folder."""
        return f"{self.project}/{self.release.name}/{self.name}.html"


@dataclass(frozen=True)
class Project:
    name: str
    releases: tuple[Release, ...]  # oldest first
    ops: tuple[Op, ...]  # by release, then name

    @property
    def names(self) -> tuple[str, ...]:
        """Every operation name in any release, case-insensitively sorted."""
        return tuple(sorted({o.name for o in self.ops}, key=lambda n: (n.lower(), n)))

    def find(self, release: Release, name: str) -> Op | None:
        return next((o for o in self.ops if o.release == release and o.name == name), None)


def collect(diagrams: Path, pictures: Path, table: Table | None = None,
            left_out: list[str] | None = None) -> tuple[Project, ...]:
    """Every project with at least one release folder of diagrams, by name.
    Each diagram or folder left out for its name adds a line to `left_out`."""
    if not diagrams.is_dir():
        raise TracerError(f"{diagrams}: no such folder of diagrams")
    table = table or load_table()
    left_out = [] if left_out is None else left_out
    projects = [_project(d, pictures, table, left_out) for d in sorted(diagrams.iterdir())
                if d.is_dir() and _fit(d, left_out, "*/*.wsd")]
    found = tuple(p for p in projects if p.ops)
    if not found:
        raise TracerError(f"{diagrams}: no diagrams in PROJECT/RELEASE/OP.wsd folders")
    return found


def _project(folder: Path, pictures: Path, table: Table, left_out: list[str]) -> Project:
    name = folder.name
    releases = sorted((_release(name, d.name, table) for d in sorted(folder.iterdir())
                       if d.is_dir() and _fit(d, left_out, "*.wsd")),
                      key=lambda r: _order(r, table))
    ops = tuple(
        Op(name, r, wsd.stem, wsd, _picture(pictures / name / r.name / f"{wsd.stem}.svg"))
        for r in releases for wsd in sorted((folder / r.name).glob("*.wsd")) if _fit(wsd, left_out, "")
    )
    return Project(name, tuple(r for r in releases if any(o.release == r for o in ops)), ops)


def unfit(name: str) -> str | None:
    """Why the site cannot carry a file or folder named `name`, or None when it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not UTF-8"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        return "its name holds a line break or another control character"
    return None


def shown(path: Path | str) -> str:
    """`path` as one printable line: a byte that is not UTF-8 as \\xff, a control character escaped (\\n)."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _fit(path: Path, left_out: list[str], diagrams: str) -> bool:
    """Whether `path` can be in the site; if not, why goes to `left_out`. `diagrams`
    is the pattern of the diagrams a folder holds ("" for a diagram itself): a folder
    without any is left out silently."""
    why = unfit(path.name)
    if why is None:
        return True
    if not diagrams:
        left_out.append(f"{shown(path)}: {why}; left out of the site. Rename it to have its page")
    elif next(path.glob(diagrams), None) is not None:
        left_out.append(f"{shown(path)}: {why}; its diagrams are left out of the site. Rename it to have them")
    return False


def _release(project: str, folder: str, table: Table) -> Release:
    release = table.release(folder)
    entry = release.entry(project) if release else None
    repo = next((p.repo for p in table.projects if p.name == project), None)
    return Release(folder, entry.version if entry else None, repo)


def _order(release: Release, table: Table) -> tuple[int, str]:
    known = table.release(release.name)
    return (table.releases.index(known) if known else len(table.releases), release.name)


def _picture(path: Path) -> Path | None:
    return path if path.is_file() else None
