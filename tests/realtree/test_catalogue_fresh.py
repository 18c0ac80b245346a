"""The committed catalogue is what the current tracer and rules draft.

diagrams/<project>/<release>/<op>.wsd must equal a fresh draft from that
release, and output/<project>/<release>/<op>.svg a fresh rendering of it.
A failure here means the catalogue is stale: run `make catalogue` (and fix
the rules, not the diagram)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.pipeline import Project
from tracer.render.batch import RenderOptions, draw_offline
from tracer.rules import load_rules
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_file

pytestmark = pytest.mark.realtree

ROOT = Path(__file__).resolve().parents[2]
RELEASES = {"ocata": "nova_15", "2026.2": "nova_34"}
_projects: dict[str, Project] = {}


def committed() -> list[Path]:
    return sorted((ROOT / "diagrams" / "nova").glob("*/*.wsd"))


def test_the_catalogue_covers_both_releases():
    rules = load_rules("nova")
    for release in RELEASES:
        names = {p.stem for p in (ROOT / "diagrams" / "nova" / release).glob("*.wsd")}
        missing = set(rules.catalogue) - names
        assert missing <= {"reset_network"} if release == "2026.2" else not missing, (release, missing)


@pytest.mark.parametrize("path", committed(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_diagram_is_fresh(path: Path, request: pytest.FixtureRequest):
    release = path.parent.name
    if release not in _projects:
        _projects[release] = Project(load_rules("nova"), request.getfixturevalue(RELEASES[release]))
    fresh = emit(_projects[release].draft(path.stem).diagram)
    assert path.read_text(encoding="utf-8") == fresh, f"{path} is stale: run `make catalogue`"
    svg = ROOT / "output" / "nova" / release / f"{path.stem}.svg"
    assert svg.read_bytes() == draw_offline(parse_file(path).diagram, "svg", RenderOptions()), \
        f"{svg} is stale: run `make catalogue`"
