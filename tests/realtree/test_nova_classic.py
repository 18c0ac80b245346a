"""The classic operations on real Nova releases from PyPI: 15.1.5 (Ocata,
Python-2-era code) and 34.0.0. Each draft must pass every layer the real
code passes, name only functions that exist (lint-clean), and read the
files Python 3 rejects."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import release_project
from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from layers import CLASSIC, assert_layers  # noqa: E402

pytestmark = pytest.mark.realtree

VERSIONS = {"15.1.5": "nova_15", "34.0.0": "nova_34"}
@pytest.fixture
def tree(request: pytest.FixtureRequest) -> tuple[str, Path]:
    version = request.param
    return version, request.getfixturevalue(VERSIONS[version])


def project_for(version: str, root: Path) -> Project:
    """One project per release for the session: its index is shared."""
    return release_project("nova", version)


@pytest.mark.parametrize("tree", list(VERSIONS), indirect=True)
@pytest.mark.parametrize("op", sorted(CLASSIC))
def test_classic_operation_on_a_real_release(tree: tuple[str, Path], op: str):
    version, root = tree
    draft = project_for(version, root).draft(op)
    assert_layers(draft.diagram, CLASSIC[op][version])
    assert lint_anchors(draft.diagram, f"{op}.wsd", root) == []
    text = emit(draft.diagram)
    parsed = parse_text(text)
    assert parsed.problems == () and parsed.diagram == draft.diagram


@pytest.mark.parametrize("tree", list(VERSIONS), indirect=True)
def test_python2_era_files_are_read_and_reported(tree: tuple[str, Path]):
    version, root = tree
    draft = project_for(version, root).draft("pause")
    reported = [p for p in draft.problems if "'async' used as a name" in p]
    if version == "15.1.5":
        assert "nova/virt/libvirt/guest.py: read 'async' used as a name on line 730" in reported
    assert all(": cannot read" not in p for p in draft.problems)


@pytest.mark.parametrize("tree", list(VERSIONS), indirect=True)
def test_ops_discovers_the_classic_operations(tree: tuple[str, Path]):
    version, root = tree
    proj = project_for(version, root)
    names = {op.name for op in proj.operations()}
    for alias in CLASSIC:
        target = proj.rules.alias(alias) or alias
        assert target in names, (alias, target)
    assert "servers.update" in names
