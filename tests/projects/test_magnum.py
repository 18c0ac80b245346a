"""Magnum's cluster create from the hand-written tree in fixtures/magnum:
pecan controller, conductor RPC, cluster conductor, Heat-based driver."""

from __future__ import annotations

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES

from projectlayers import Layers, assert_layers

CREATE = Layers(
    anchors=("magnum/api/controllers/v1/cluster.py post()",
             "magnum/conductor/api.py cluster_create_async()",
             "magnum/conductor/handlers/cluster_conductor.py cluster_create()",
             "magnum/drivers/heat/driver.py create_cluster()"),
    messages=(("client", "magnum_api", "create_cluster"),
              ("magnum_api", "database", "get cluster template by uuid"),
              ("magnum_api", "magnum_conductor", "cluster_create"),
              ("magnum_conductor", "database", "create cluster"),
              ("magnum_conductor", "heat_driver", "create cluster"),
              ("heat_driver", "heat", "stacks create"),   # through heatclient, made in OpenStackClients.heat()
              ("magnum_conductor", "database", "save cluster")),
    notes=(("magnum_api", "check policy: cluster:create"),),
)


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("magnum"), FIXTURES / "magnum")


def test_controller_methods_are_resource_operations(project: Project):
    assert sorted(op.name for op in project.operations()) == ["clusters.create", "clusters.delete"]


def test_create_cluster_passes_every_layer(project: Project):
    draft = project.draft("create_cluster")
    assert_layers(draft.diagram, CREATE)
    assert lint_anchors(draft.diagram, "create_cluster.wsd", FIXTURES / "magnum") == []
