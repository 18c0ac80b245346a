"""Sahara's create_cluster from the hand-written tree in fixtures/sahara:
the v2 route function, the service API, the conductor writes, the plugin's
validation, the ops RPC to sahara_engine and the Heat engine."""

from __future__ import annotations

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES

from tracer.wsd.model import Message, walk

from projectlayers import Layers, assert_layers

CREATE = Layers(
    anchors=("sahara/api/v2/clusters.py clusters_create()",
             "sahara/service/api/v2/clusters.py _cluster_create()",
             "sahara/service/ops.py provision_cluster()",
             "sahara/service/heat/heat_engine.py create_cluster()"),
    messages=(("client", "sahara_api", "create_cluster"),
              ("sahara_api", "database", "cluster create"),
              ("sahara_api", "plugin", "validate"),
              ("sahara_api", "database", "status = Validating"),
              ("sahara_api", "sahara_engine", "provision_cluster"),
              ("sahara_engine", "database", "status = InfraUpdating"),
              ("sahara_engine", "engine", "create cluster"),
              ("engine", "database", "status = Spawning"),
              ("sahara_engine", "database", "status = Active")),
    notes=(("sahara_api", "check policy: data-processing:clusters:create"),),
)


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("sahara"), FIXTURES / "sahara")


def test_route_functions_are_operations_named_by_function(project: Project):
    names = {op.name: op.handler for op in project.operations()}
    assert names == {"clusters_create": "clusters_create", "clusters_delete": "clusters_delete",
                     "clusters_list": "clusters_list"}
    assert project.find("create_cluster").name == "clusters_create"


def test_create_cluster_passes_every_layer(project: Project):
    draft = project.draft("create_cluster")
    assert_layers(draft.diagram, CREATE)
    assert lint_anchors(draft.diagram, "create_cluster.wsd", FIXTURES / "sahara") == []


def test_rpc_is_a_boundary_not_a_call_inside_the_engine(project: Project):
    """RemoteOps runs in its caller: the cast is the only way into sahara_engine."""
    diagram = project.draft("create_cluster").diagram
    into_engine = [m for m in walk(diagram.statements) if isinstance(m, Message)
                   and m.target == "sahara_engine" and m.source != "sahara_engine"]
    assert [(m.source, m.text) for m in into_engine if m.text != "done"] == [("sahara_api", "provision_cluster")]
