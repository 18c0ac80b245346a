"""Heat from the hand-written tree in fixtures/heat: the v1 stack
controller, the engine RPC (`make_msg('create_stack', ...)` handed to
`call`), the engine service and its stack's convergence walk: sync points,
one check_resource cast per leaf resource to the workers, and the worker's
check propagating to the next resources and the stack's completion."""

from __future__ import annotations

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES
from tracer.wsd.model import Message, walk

from projectlayers import Layers, assert_layers

API, ENGINE, WORKER, DB = "heat_api", "heat_engine", "heat_worker", "database"
WALK = ((ENGINE, DB, "sync point create"), (ENGINE, WORKER, "check_resource"),
        (WORKER, DB, "sync point update input data"))
OPS = {
    "stack_create": Layers(
        anchors=("heat/api/openstack/v1/stacks.py create()", "heat/rpc/client.py create_stack()",
                 "heat/engine/service.py create_stack()", "heat/engine/stack.py converge_stack()",
                 "heat/engine/stack.py _converge_create_or_update()", "heat/engine/worker.py check_resource()",
                 "heat/engine/check_resource.py check()"),
        messages=(("client", API, "stack_create"), (API, ENGINE, "create_stack"), (ENGINE, API, "create_stack result"),
                  (ENGINE, DB, "store stack"), *WALK, (ENGINE, DB, "create stack lock"))),
    "stack_update": Layers(
        anchors=("heat/engine/service.py update_stack()",),
        messages=((API, ENGINE, "update_stack"), (ENGINE, API, "update_stack result"))),
    "stack_delete": Layers(
        anchors=("heat/engine/service.py delete_stack()", "heat/engine/stack.py converge_stack()"),
        messages=((API, ENGINE, "delete_stack"), (ENGINE, DB, "store stack"), *WALK)),
}


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("heat"), FIXTURES / "heat")


def test_every_catalogue_operation_is_served(project: Project):
    assert set(project.rules.catalogue) == set(OPS)
    names = {op.name for op in project.operations()}
    assert {project.rules.alias(op) for op in OPS} <= names


@pytest.mark.parametrize("op", sorted(OPS))
def test_operation_passes_its_layers_and_lints_clean(project: Project, op: str):
    draft = project.draft(op)
    assert_layers(draft.diagram, OPS[op])
    assert lint_anchors(draft.diagram, f"{op}.wsd", FIXTURES / "heat") == []


def test_the_resource_walk_is_a_cast_to_the_workers(project: Project):
    """check_resource is a cast (the engine does not wait): an open arrow,
    and what the worker does is drawn after it, as the worker's."""
    steps = list(walk(project.draft("stack_create").diagram.statements))
    cast = next(s for s in steps if isinstance(s, Message) and s.text == "check_resource")
    assert (cast.source, cast.target, cast.head) == (ENGINE, WORKER, "open")
    worker = [s for s in steps if isinstance(s, Message) and s.source == WORKER]
    assert worker and all(steps.index(w) > steps.index(cast) for w in worker)


def test_magnums_stack_create_walks_on_into_heat():
    """`trace magnum create_cluster --source heat=TREE`: heatclient's
    stacks.create is routed to Heat's stack.create, walked from Heat's API
    through the engine to the workers with Heat's own rules (its database
    is `heat_database`), and answered back to Magnum's driver."""
    magnum = Project(load_rules("magnum"), FIXTURES / "magnum")
    magnum.with_service(Project(load_rules("heat"), FIXTURES / "heat"))
    draft = magnum.draft("create_cluster")
    got = [(m.source, m.target, m.text) for m in walk(draft.diagram.statements) if isinstance(m, Message)]
    start = got.index(("heat_driver", "heat", "stacks create: POST /v1/{tenant_id}/stacks"))
    end = got.index(("heat", "heat_driver", "done"), start)
    inside = got[start + 1:end]
    assert inside[0] == ("heat", API, "stack.create")
    assert (API, ENGINE, "create_stack") in inside and (ENGINE, "heat_database", "store stack") in inside
    assert (ENGINE, WORKER, "check_resource") in inside
    assert ("magnum_conductor", "database", "save cluster") in [m for m in got[end:]]  # Magnum goes on
    assert lint_anchors(draft.diagram, "create_cluster.wsd", FIXTURES / "magnum", FIXTURES / "heat") == []
