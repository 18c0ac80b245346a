"""Sahara create_cluster on the oldest PyPI release with the v2 API
(7.0.3, Pike: sahara/api/v2/clusters.py) and the newest (19.0.0)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project

from conftest import release_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "projects"))
from projectlayers import Layers, assert_layers  # noqa: E402

pytestmark = pytest.mark.realtree

VERSIONS = ("7.0.3", "19.0.0")
CREATE = Layers(
    anchors=("sahara/api/v2/clusters.py clusters_create()",
             "sahara/service/api/v2/clusters.py _cluster_create()",
             "sahara/service/ops.py provision_cluster()",
             "sahara/service/ops.py _provision_cluster()",
             "sahara/service/heat/heat_engine.py create_cluster()"),
    messages=(("client", "sahara_api", "create_cluster"),
              ("sahara_api", "database", "cluster create"),
              ("sahara_api", "database", "status = Validating"),
              ("sahara_api", "plugin", "validate"),
              ("sahara_api", "sahara_engine", "provision_cluster"),
              ("sahara_engine", "database", "status = InfraUpdating"),
              ("sahara_engine", "engine", "create cluster"),
              ("engine", "heat", "stacks create"),        # handed to execute_with_retries
              ("sahara_engine", "plugin", "start cluster"),  # the plugin, through the unpacked (plugin, ...) pair
              ("sahara_engine", "database", "status = Active")),
    notes=(("sahara_api", "check policy: data-processing:cluster"),),
)


def project(version: str) -> Project:
    return release_project("sahara", version)


@pytest.mark.parametrize("version", VERSIONS)
def test_create_cluster_passes_every_layer_and_lints_clean(version: str):
    proj = project(version)
    draft = proj.draft("create_cluster")
    assert_layers(draft.diagram, CREATE)
    assert lint_anchors(draft.diagram, "create_cluster.wsd", proj.tree.root) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_ops_lists_the_v2_routes(version: str):
    names = {op.name for op in project(version).operations()}
    assert {"clusters_create", "clusters_delete", "clusters_list"} <= names
