"""The committed catalogue is what the current tracer and rules draft.

diagrams/<project>/<release>/<op>.wsd must equal a fresh draft from that
release, and output/<project>/<release>/<op>.svg a fresh rendering of it.
A failure here means the catalogue is stale: run `make catalogue` (and fix
the rules, not the diagram)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import release_project
from tracer.pipeline import Project
from tracer.releases import resolve
from tracer.render.batch import RenderOptions, draw_offline
from tracer.rules import load_rules
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_file

pytestmark = pytest.mark.realtree

ROOT = Path(__file__).resolve().parents[2]
def committed() -> list[Path]:
    return sorted((ROOT / "diagrams").glob("*/*/*.wsd"))


def project_for(project: str, release: str) -> Project:
    """The release's tree (downloaded once), one Project per release."""
    return release_project(project, resolve(project, release).version)


@pytest.mark.parametrize("project", sorted(p.name for p in (ROOT / "diagrams").iterdir() if p.is_dir()))
def test_the_catalogue_covers_two_releases(project: str):
    rules = load_rules(project)
    releases = [p for p in (ROOT / "diagrams" / project).iterdir() if p.is_dir()]
    assert len(releases) == 2
    for folder in releases:
        drafted = {p.stem for p in folder.glob("*.wsd")}
        missing = {name for name in set(rules.catalogue) - drafted
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
