"""The normal level of detail on real Nova releases: each mechanism the
fixture tests pin (tests/analysis/test_detail.py), where the real code has it."""

from __future__ import annotations

import pytest

from conftest import release_project
from tracer.analysis.walk import Limits
from tracer.wsd.emit import emit
from tracer.wsd.model import Comment, Group, Lifeline, Message, Note, walk
from tracer.wsd.parse import parse_text

pytestmark = pytest.mark.realtree

VERSIONS = ["15.1.5", "34.0.0"]


def draft(version: str, op: str, detail: str = "normal"):
    return release_project("nova", version).draft(op, Limits(detail=detail)).diagram


def lines(diagram) -> list[str]:
    return [f"{s.source}->{s.target}: {s.text}" if isinstance(s, Message) else
            f"note over {','.join(s.participants)}: {s.text}" if isinstance(s, Note) else
            f"# {s.text}" for s in walk(diagram.statements) if isinstance(s, (Message, Note, Comment))]


def depth(statements, level: int = 0) -> int:
    return max([level] + [depth(b.steps, level + 1) for s in statements if isinstance(s, Group)
                          for b in s.branches])


@pytest.mark.parametrize("version", VERSIONS)
def test_rebuild_takes_the_fallback_the_driver_leaves_unimplemented(version: str):
    drawn = lines(draft(version, "rebuild"))
    assert "# nova/compute/manager.py _rebuild_default_impl()" in drawn


@pytest.mark.parametrize("version", VERSIONS)
def test_snapshot_draws_the_managers_callback_where_the_driver_calls_it(version: str):
    drawn = lines(draft(version, "snapshot"))
    pending = drawn.index("libvirt->database: task_state = IMAGE_PENDING_UPLOAD")
    assert drawn.index("libvirt->database: task_state = IMAGE_UPLOADING") > pending


@pytest.mark.parametrize("version", VERSIONS)
def test_delete_follows_the_configured_defaults(version: str):
    normal, full = lines(draft(version, "delete")), lines(draft(version, "delete", "full"))
    assert "note over nova_api: reclaim_instance_interval = 0 by default (the other case is not drawn)" in normal
    assert not any("soft_delete_instance" in line for line in normal)  # the soft delete is the other case
    assert any("soft_delete_instance" in line for line in full)


@pytest.mark.parametrize("version", VERSIONS)
def test_live_migration_draws_two_hosts_each_with_its_hypervisor(version: str):
    diagram = draft(version, "live_migrate")
    names = {p.name for p in diagram.participants()}
    assert {"nova_compute_src", "nova_compute_dest", "libvirt_src", "libvirt_dest"} <= names
    assert "nova_compute" not in names and "libvirt" not in names


@pytest.mark.parametrize("version", VERSIONS)
def test_pause_has_lifelines_and_the_cast_does_not_wait(version: str):
    diagram = draft(version, "pause")
    steps = list(walk(diagram.statements))
    cast = next(s for s in steps if isinstance(s, Message) and s.text == "pause_instance")
    assert cast.head == "open"
    answered = next(i for i, s in enumerate(steps) if isinstance(s, Lifeline) and s.participant == "nova_api")
    assert steps.index(cast) < answered < next(i for i, s in enumerate(steps)
                                               if isinstance(s, Note) and s.text == "notify: pause.start")
    parsed = parse_text(emit(diagram))
    assert parsed.problems == ()  # every lifeline opened is closed


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("op", ["create", "delete", "live_migrate", "shelve", "unshelve", "resize"])
def test_long_operations_nest_groups_at_most_two_deep_and_are_shorter_than_in_full(version: str, op: str):
    normal, full = draft(version, op), draft(version, op, "full")
    assert depth(normal.statements) <= 2 < depth(full.statements)
    assert len(lines(normal)) < len(lines(full))
