"""Requests into Glance and Heat, end to end on real PyPI releases: Nova's
snapshot walks on into Glance (`--source glance=TREE`) and Magnum's and
Sahara's cluster create into Heat's stack create (`--source heat=TREE`),
each draft lint-clean against both trees."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.lint import lint_anchors
from tracer.wsd.model import Message, walk
from tracer.wsd.parse import parse_text

from conftest import index_dir, release_tree

pytestmark = pytest.mark.realtree


def _draft(caller: str, op: str, mine: Path, service: str, theirs: Path) -> str:
    result = CliRunner().invoke(main, [caller, op, "--source", f"{caller}={mine}", "--source", f"{service}={theirs}",
                                       "--cache-dir", str(index_dir()), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert lint_anchors(parse_text(result.stdout).diagram, f"{op}.wsd", mine, theirs) == []
    return result.stdout


def _inside(text: str, request: tuple[str, str, str]) -> list[tuple[str, str, str]]:
    """The messages between the request and its answer."""
    got = [(s.source, s.target, s.text) for s in walk(parse_text(text).diagram.statements) if isinstance(s, Message)]
    start = got.index(request)
    end = got.index((request[1], request[0], "done"), start)
    return got[start + 1:end]


def test_nova_snapshot_uploads_into_glance_on_the_oldest_releases():
    """Nova 15.1.5's image API uploads the snapshot (glanceclient's
    images.upload): Glance 15.0.2's image_data.upload, through its proxy
    layers to the store."""
    text = _draft("nova", "snapshot", release_tree("nova", "15.1.5"), "glance", release_tree("glance", "15.0.2"))
    inside = _inside(text, ("nova_api", "glance", "images upload: PUT /v2/images/{id}/file"))
    assert inside[0] == ("glance", "glance_api", "image_data.upload")
    assert ("glance_api", "glance_store", "add to backend") in inside
    assert ("glance_api", "glance_database", "image update") in inside  # Glance's own database
    assert "# glance/location.py set_data()" in text


def test_nova_snapshot_creates_and_updates_the_image_in_glance_on_the_newest_releases():
    """Nova 34.0.0 creates the image record in Glance 33.0.0 (images.create)
    and the libvirt driver updates it when the snapshot is taken."""
    text = _draft("nova", "snapshot", release_tree("nova", "34.0.0"), "glance", release_tree("glance", "33.0.0"))
    created = _inside(text, ("nova_api", "glance", "images create: POST /v2/images"))
    assert created[0] == ("glance", "glance_api", "images.create")
    assert ("glance_api", "glance_database", "image create") in created
    updated = _inside(text, ("libvirt", "glance", "images update: PATCH /v2/images/{id}"))
    assert updated[0] == ("glance", "glance_api", "images.update")


def test_nova_snapshot_shares_the_image_through_glances_members_on_the_newest_releases():
    """`call(context, 2, 'create', controller='image_members')` is a request
    to add a member, served by Glance's image_members.create, not a second
    image create."""
    text = _draft("nova", "snapshot", release_tree("nova", "34.0.0"), "glance", release_tree("glance", "33.0.0"))
    shared = _inside(text, ("nova_api", "glance", "image members create: POST /v2/images/{id}/members"))
    assert shared[0] == ("glance", "glance_api", "image_members.create")
    assert ("glance_api", "glance_database", "image member create") in shared
    lines = text.splitlines()
    asked = [lines[i + 1].strip() for i, line in enumerate(lines) if line.strip().endswith("_add_image_member()")]
    assert asked and all("image members create" in line for line in asked)


HEAT_REQUEST = "stacks create: POST /v1/{tenant_id}/stacks"
CLUSTERS = [("magnum", "5.0.2", "heat_driver", "11.0.2"), ("sahara", "19.0.0", "engine", "27.0.1")]


@pytest.mark.parametrize("caller, version, sender, heat", CLUSTERS, ids=[f"{c[0]}-{c[1]}+heat-{c[3]}" for c in CLUSTERS])
def test_cluster_create_walks_on_into_heats_stack_create(caller: str, version: str, sender: str, heat: str):
    """Magnum's Heat driver (Pike; Magnum 23 keeps no Heat driver in its
    tree) and Sahara's Heat engine create the cluster's stack: Heat's API,
    the engine RPC, the stack's convergence walk to the workers."""
    text = _draft(caller, "create_cluster", release_tree(caller, version), "heat", release_tree("heat", heat))
    inside = _inside(text, (sender, "heat", HEAT_REQUEST))
    assert inside[0] == ("heat", "heat_api", "stack.create")
    assert ("heat_api", "heat_engine", "create_stack") in inside
    assert ("heat_engine", "heat_worker", "check_resource") in inside
    assert any(t == "heat_database" for _, t, _ in inside)
