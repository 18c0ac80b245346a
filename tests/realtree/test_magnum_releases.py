"""Magnum cluster create on the oldest (5.0.2) and newest (23.0.0) PyPI
releases. 23.0.0 no longer ships the Heat drivers in its tree (they are
separate packages), so its draft ends at the conductor's driver lookup."""

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

COMMON = dict(
    anchors=("magnum/conductor/api.py cluster_create_async()",
             "magnum/conductor/handlers/cluster_conductor.py cluster_create()"),
    messages=(("client", "magnum_api", "create_cluster"),
              ("magnum_api", "magnum_conductor", "cluster_create"),
              ("magnum_conductor", "database", "create cluster"),
              # the cluster's save lists the fields its helpers set (the certificates)
              ("magnum_conductor", "database", "magnum_cert_ref = magnum_cert_ref")),
    notes=(("magnum_api", "check policy: cluster:create"),
           ("magnum_conductor", "select driver for cluster")),
)
WANT = {
    "5.0.2": Layers(**{**COMMON, "anchors": COMMON["anchors"] + (
        "magnum/api/controllers/v1/cluster.py post()", "magnum/drivers/heat/driver.py create_cluster()"),
        "messages": COMMON["messages"] + (("magnum_conductor", "heat_driver", "create cluster"),
                                          ("heat_driver", "heat", "stacks create"))}),
    "23.0.0": Layers(**{**COMMON, "anchors": COMMON["anchors"] + (
        "magnum/api/controllers/v1/cluster.py post()",), "absent": ("heat_driver",)}),
}


def project(version: str) -> Project:
    return release_project("magnum", version)


@pytest.mark.parametrize("version", sorted(WANT))
def test_create_cluster_passes_every_layer_and_lints_clean(version: str):
    proj = project(version)
    draft = proj.draft("create_cluster")
    assert_layers(draft.diagram, WANT[version])
    assert lint_anchors(draft.diagram, "create_cluster.wsd", proj.tree.root) == []
