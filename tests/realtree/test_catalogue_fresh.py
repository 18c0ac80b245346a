"""The committed catalogue is what the current tracer and rules draft.

diagrams/<project>/<release>/<op>.wsd must equal a fresh draft from that
release, and output/<project>/<release>/<op>.svg a fresh rendering of it.
A failure here means the catalogue is stale: run `make catalogue` (and fix
the rules, not the diagram).

A release PyPI does not serve (nova liberty) comes from the tree `trace fetch
PROJECT RELEASE --git URL|PATH` put in the tracer's cache: its diagrams are
checked when that tree is there, and skipped with the command otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import release_project
from tracer.fetch import cache_root, cached, fetch_command, tree_path
from tracer.pipeline import Project
from tracer.releases import resolve
from tracer.render.batch import RenderOptions, draw_offline
from tracer.rules import load_rules
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_file

pytestmark = pytest.mark.realtree

ROOT = Path(__file__).resolve().parents[2]
USER_CACHE = cache_root()  # read before the tests swap in a private cache: where `trace fetch` puts trees


def committed() -> list[Path]:
    return sorted((ROOT / "diagrams").glob("*/*/*.wsd"))


_FROM_GIT: dict[tuple[str, str], Project] = {}


def project_for(project: str, release: str) -> Project:
    """The release's tree (downloaded once), one Project per release; a
    release PyPI does not serve is taken from the tracer's cache, or skipped."""
    target = resolve(project, release)
    if target.pypi:
        return release_project(project, target.version)
    if (project, release) not in _FROM_GIT:
        tree = cached(target, USER_CACHE)
        if tree is None:
            pytest.skip(f"{target.label} is not on PyPI and not in the cache ({tree_path(target, USER_CACHE)}): "
                        f"run {fetch_command(target)}")
        _FROM_GIT[project, release] = Project(load_rules(project), tree)
    return _FROM_GIT[project, release]


def from_pypi(project: str, folder: Path) -> bool:
    return resolve(project, folder.name).pypi


@pytest.mark.parametrize("project", sorted(p.name for p in (ROOT / "diagrams").iterdir() if p.is_dir()))
def test_the_catalogue_covers_two_releases(project: str):
    rules = load_rules(project)
    releases = [p for p in (ROOT / "diagrams" / project).iterdir() if p.is_dir() and from_pypi(project, p)]
    assert len(releases) == 2
    for folder in releases:
        assert_covers(project, folder, rules.catalogue)


def test_the_liberty_catalogue_covers_the_operations_liberty_serves():
    """diagrams/nova/liberty, drafted from the liberty-eol tree, when both exist."""
    folder = ROOT / "diagrams" / "nova" / "liberty"
    if not folder.is_dir():
        pytest.skip(f"{folder.relative_to(ROOT)} is not drafted yet")
    tree = project_for("nova", "liberty")
    served = {op.name for op in tree.operations()}
    catalogue = [name for name in load_rules("nova").catalogue
                 if (load_rules("nova").alias(name) or name) in served]
    assert_covers("nova", folder, tuple(catalogue))


def assert_covers(project: str, folder: Path, catalogue: tuple[str, ...]) -> None:
    drafted = {p.stem for p in folder.glob("*.wsd")}
    missing = {name for name in set(catalogue) - drafted
               if not project_for(project, folder.name).find(name).removed}
    assert not missing, (folder, missing)


@pytest.mark.parametrize("path", committed(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def test_committed_diagram_is_fresh(path: Path):
    project, release = path.parent.parent.name, path.parent.name
    fresh = emit(project_for(project, release).draft(path.stem).diagram)
    assert path.read_text(encoding="utf-8") == fresh, f"{path} is stale: run `make catalogue`"
    svg = ROOT / "output" / project / release / f"{path.stem}.svg"
    assert svg.read_bytes() == draw_offline(parse_file(path).diagram, "svg", RenderOptions()), \
        f"{svg} is stale: run `make catalogue`"
