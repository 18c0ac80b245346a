"""Heat's catalogue on the oldest PyPI release (openstack-heat 11.0.2,
Rocky) and the newest (27.0.1): each operation drafts, lints clean and
passes its layers. Create and delete run the convergence engine's walk:
the stack's sync points and one check_resource cast per leaf resource to
the workers, whose check propagates to the next resources."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.wsd.model import Message, walk

from conftest import release_project, release_tree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "projects"))
from projectlayers import Layers, assert_layers  # noqa: E402

pytestmark = pytest.mark.realtree

OLD, NEW = "11.0.2", "27.0.1"
VERSIONS = (OLD, NEW)
API, ENGINE, WORKER, DB = "heat_api", "heat_engine", "heat_worker", "database"
WALK = ((ENGINE, DB, "create sync point"), (ENGINE, WORKER, "check_resource"),
        (WORKER, DB, "sync point update input data"))
BOTH = {
    "stack_create": Layers(
        anchors=("heat/api/openstack/v1/stacks.py create()", "heat/rpc/client.py create_stack()",
                 "heat/engine/service.py create_stack()", "heat/engine/stack.py converge_stack()",
                 "heat/engine/stack.py _converge_create_or_update()", "heat/engine/worker.py check_resource()"),
        messages=(("client", API, "stack_create"), (API, ENGINE, "create_stack"), (ENGINE, DB, "store stack"),
                  *WALK, (ENGINE, API, "create_stack result"))),
    "stack_update": Layers(anchors=("heat/engine/service.py update_stack()",),
                           messages=((API, ENGINE, "update_stack"), (ENGINE, API, "update_stack result"))),
    "stack_delete": Layers(anchors=("heat/engine/service.py delete_stack()", "heat/engine/stack.py converge_stack()"),
                           messages=((API, ENGINE, "delete_stack"), *WALK)),
}


def project(version: str) -> Project:
    return release_project("heat", version)


def test_the_tree_comes_from_openstack_heat_and_holds_heat():
    root = release_tree("heat", NEW)
    assert root.name == f"heat-{NEW}" and (root / "heat" / "engine" / "service.py").is_file()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("op", list(BOTH))
def test_operation_passes_its_layers_and_lints_clean(version: str, op: str):
    proj = project(version)
    draft = proj.draft(op)
    assert_layers(draft.diagram, BOTH[op])
    assert lint_anchors(draft.diagram, f"{op}.wsd", proj.tree.root) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_ops_lists_the_catalogue(version: str):
    proj = project(version)
    names = {op.name for op in proj.operations()}
    assert {proj.rules.alias(op) or op for op in proj.rules.catalogue} <= names


@pytest.mark.parametrize("version", VERSIONS)
def test_check_resource_is_cast_to_the_workers(version: str):
    steps = [s for s in walk(project(version).draft("stack_create").diagram.statements) if isinstance(s, Message)]
    cast = next(s for s in steps if s.text == "check_resource")
    assert (cast.source, cast.target, cast.head) == (ENGINE, WORKER, "open")
