"""The release table, `rules/_releases.toml`: OpenStack release names ->
each project's version, and where that version's source can be downloaded.

`resolve(project, "liberty")` and `resolve(project, "12.0.6")` both give a
Target: the version, the release it belongs to, and the candidate URLs
(PyPI through its index when PyPI still has it, else the OpenStack tarball
site and GitHub's tagged archives). A bad table is a TracerError naming
`file:line`, like the project rules.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tracer.problems import TracerError
from tracer.rules import rules_dir
from tracer.tomlread import TomlReader, load_toml, read_toml

CHECKS = ("git", "pypi", "unverified")
_VERSION = re.compile(r"^\d+(\.\d+)*([.-]?(a|b|rc|dev)\d*)*$")
LONGEST = 64  # characters of a release name or version; a tree's folder is named after it


@dataclass(frozen=True)
class ProjectSource:
    name: str
    package: str
    pypi_from: str
    repo: str
    checked: str
    dist: str = ""  # its name on PyPI where that differs from the project's


@dataclass(frozen=True)
class Entry:
    """One project's version in one release."""

    version: str
    eol: str | None  # a git tag on the same commit as `version`
    checked: str


@dataclass(frozen=True)
class Release:
    name: str
    aliases: tuple[str, ...]
    versions: tuple[tuple[str, Entry], ...]  # project -> entry

    def entry(self, project: str) -> Entry | None:
        return dict(self.versions).get(project)


@dataclass(frozen=True)
class Table:
    path: str
    tarball: str  # URL template: {project} {version}
    archive: str  # URL template: {repo} {tag}
    projects: tuple[ProjectSource, ...]
    releases: tuple[Release, ...]
    git: str | None = None  # URL template of a project's public git repository: {repo}

    def project(self, name: str) -> ProjectSource:
        for p in self.projects:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.projects)
        raise TracerError(f"no releases of '{name}' in {self.path} (known: {known})")

    def release(self, name: str) -> Release | None:
        low = name.lower()
        return next((r for r in self.releases if low == r.name or low in r.aliases), None)

    def release_of(self, project: str, version: str) -> Release | None:
        """The release whose series (major version) holds `version`."""
        major = version.split(".")[0]
        for r in self.releases:
            e = r.entry(project)
            if e and e.version.split(".")[0] == major:
                return r
        return None


@dataclass(frozen=True)
class Target:
    """What `trace fetch PROJECT WHAT` downloads."""

    project: str
    package: str
    version: str
    release: str | None
    checked: str  # how the table's entry was checked; "" for a version given as such
    pypi: bool  # ask the PyPI index first
    urls: tuple[str, ...]  # direct archive URLs, tried in order after PyPI
    tag: str = ""  # the git tag of this version (the release's eol tag where it has one)
    git: str | None = None  # the project's public git repository
    dist: str = ""  # the distribution's name on PyPI, where it is not the project's

    @property
    def distribution(self) -> str:
        return self.dist or self.project

    @property
    def label(self) -> str:
        return f"{self.project} {self.version}" + (f" ({self.release})" if self.release else "")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version.split("rc")[0].split("b")[0])[:4])


def resolve(project: str, what: str, table: Table | None = None) -> Target:
    """A release name (`liberty`, `2024.1`, `caracal`) or a version (`15.1.5`)."""
    check_name(what)
    table = table or load_table()
    src = table.project(project)
    release = table.release(what)
    if release is not None:
        entry = release.entry(project)
        if entry is None:
            raise TracerError(f"{table.path}: release '{release.name}' has no {project} version "
                              f"(pass a version instead, e.g. `trace fetch {project} X.Y.Z`)")
        version, name = entry.version, release.name
    elif _VERSION.match(what) and what[0].isdigit() and "." in what:
        version, release = what, table.release_of(project, what)
        entry = release.entry(project) if release else None
        entry = entry if entry and entry.version == version else None
        name = release.name if release else None
    else:
        names = [n for r in table.releases for n in (r.name, *r.aliases)]
        close = difflib.get_close_matches(what.lower(), names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(r.name for r in table.releases)})"
        raise TracerError(f"'{what}' is neither a release in {table.path} nor a version{hint}")
    tags = [version] + ([entry.eol] if entry and entry.eol else [])
    urls = [table.tarball.format(project=project, version=version)]
    urls += [table.archive.format(repo=src.repo, tag=t) for t in tags]
    return Target(project, src.package, version, name, entry.checked if entry else "",
                  version_key(version) >= version_key(src.pypi_from), tuple(urls), tags[-1],
                  table.git.format(repo=src.repo) if table.git else None, src.dist)


def check_name(what: str) -> None:
    """A release name or version that can name a folder in the cache: not
    empty, printable, not longer than any release's (a tree's folder is named
    after it)."""
    if not what.strip():
        raise TracerError("the release is empty: give a release name (liberty, 2024.1) or a version (15.1.5)")
    if not what.isprintable():  # a newline or a control character: no release has one
        raise TracerError(f"{what!r} is no release or version (it holds a character that is not printable): "
                          "give a release name (liberty, 2024.1) or a version (15.1.5)")
    if len(what) > LONGEST:
        raise TracerError(f"'{what[:24]}...' ({len(what)} characters) is too long for a release or a version "
                          f"(at most {LONGEST}): give a release name (liberty, 2024.1) or a version (15.1.5)")


def table_path() -> Path:
    return rules_dir() / "_releases.toml"


def load_table(path: Path | None = None) -> Table:
    path = path or table_path()
    if not path.is_file():
        raise TracerError(f"{path}: no release table (needed for release names and download sites)")
    return _cached(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _cached(path: str, _mtime: int) -> Table:
    return parse_table(read_toml(Path(path)), path)


def parse_table(text: str, path: str) -> Table:
    return _TableReader(text, path).table(load_toml(text, path))


class _TableReader(TomlReader):
    """Reads this table's shape."""

    def table(self, data: dict) -> Table:
        names = data.get("projects") if isinstance(data.get("projects"), dict) else {}
        self.shape(data, {"sites": {"tarball", "archive", "git"}, "projects": None},
                   {"releases": {"name", "aliases", *names}})
        sites = data.get("sites", {})
        projects = tuple(self._project(name, d) for name, d in data.get("projects", {}).items())
        by_name = {p.name: p for p in projects}
        releases = tuple(self._release(i, d, by_name) for i, d in
                         self.entries(data, "releases", {"name", "aliases", *by_name}))
        names = [n for r in releases for n in (r.name, *r.aliases)]
        for i, r in enumerate(releases):
            if names.count(r.name) > 1:
                raise self.fail("releases", i, "name", f"'{r.name}' is used twice")
        return Table(self.path, self.get(sites, "sites", None, "tarball", str),
                     self.get(sites, "sites", None, "archive", str), projects, releases,
                     self.get(sites, "sites", None, "git", str, None))

    def _project(self, name: str, d: object) -> ProjectSource:
        table = f"projects.{name}"
        if not isinstance(d, dict):
            raise self.fail("projects", None, name, f"must be a table (write [{table}])")
        self.known_keys(d, table, None, {"package", "pypi", "pypi_from", "repo", "checked"})
        g = lambda k, default=...: self.get(d, table, None, k, str, default)  # noqa: E731
        checked = self._checked(d, table, None, g("checked", "unverified"))
        return ProjectSource(name, g("package", name), g("pypi_from"), g("repo"), checked, g("pypi", ""))

    def _release(self, i: int, d: dict, projects: dict[str, ProjectSource]) -> Release:
        versions = []
        for name, src in projects.items():
            if name not in d:
                continue
            value = d[name]
            if isinstance(value, str):
                value = {"version": value}
            if not isinstance(value, dict) or set(value) - {"version", "eol", "checked"}:
                raise self.fail("releases", i, name, "must be \"VERSION\" or { version, eol, checked }")
            version = self.get(value, "releases", i, "version", str)
            if not _VERSION.match(version):
                raise self.fail("releases", i, name, f"has '{version}', which is not a version")
            checked = self._checked(value, "releases", i, value.get("checked", src.checked))
            versions.append((name, Entry(version, self.get(value, "releases", i, "eol", str, None), checked)))
        aliases = tuple(a.lower() for a in self.get(d, "releases", i, "aliases", list, ()))
        return Release(self.get(d, "releases", i, "name", str).lower(), aliases, tuple(versions))

    def _checked(self, d: dict, table: str, i: int | None, value: object) -> str:
        if value not in CHECKS:
            raise self.fail(table, i, "checked", f"must be one of {', '.join(CHECKS)}")
        return str(value)
