"""Neutron's catalogue on the oldest PyPI release (10.0.5, Ocata) and the
newest (29.0.0). Each operation starts at the plugin method named by
[discovery] entry_points (the generic REST controller dispatches by name at
run time), drafts, lints clean and passes its layers."""

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

OLD, NEW = "10.0.5", "29.0.0"
VERSIONS = (OLD, NEW)
SRV, MECH, L2 = "neutron_server", "ml2_mechanism_drivers", "l2_agent"
PLUGIN = "neutron/plugins/ml2/plugin.py"
BOTH = {
    "create_network": Layers(
        anchors=(f"{PLUGIN} create_network()",),
        messages=(("client", SRV, "create_network"), (SRV, MECH, "create network segments"),
                  (SRV, MECH, "create network precommit"), (SRV, MECH, "create network postcommit"))),
    "delete_network": Layers(anchors=(f"{PLUGIN} delete_network()",)),
    "create_subnet": Layers(anchors=(f"{PLUGIN} create_subnet()",),
                            messages=((SRV, MECH, "create subnet precommit"), (SRV, MECH, "create subnet postcommit"))),
    "delete_subnet": Layers(messages=(("client", SRV, "delete_subnet"),)),
    "create_port": Layers(anchors=(f"{PLUGIN} create_port()",),
                          messages=((SRV, MECH, "create port precommit"), (SRV, MECH, "create port postcommit"),
                                    (SRV, MECH, "bind port"))),
    "delete_port": Layers(anchors=(f"{PLUGIN} delete_port()",),
                          messages=((SRV, MECH, "delete port precommit"), (SRV, MECH, "delete port postcommit"))),
    "create_router": Layers(anchors=("neutron/db/l3_db.py create_router()",),
                            messages=(("client", SRV, "create_router"),)),
    "delete_router": Layers(anchors=("neutron/db/l3_db.py delete_router()", "neutron/db/l3_db.py notify_router_deleted()"),
                            messages=((SRV, "database", "delete router"), (SRV, "l3_agent", "router_deleted"))),
    "create_floatingip": Layers(anchors=("neutron/services/l3_router/l3_router_plugin.py create_floatingip()",),
                                messages=((SRV, "database", "create floating ip"),)),
    "delete_floatingip": Layers(anchors=("neutron/db/l3_db.py delete_floatingip()",),
                                messages=(("client", SRV, "delete_floatingip"),)),
}
# Ocata's ML2 casts to the L2 agents itself; later releases notify through
# callbacks the walk does not follow
PER_RELEASE = {
    (OLD, "delete_network"): Layers(messages=((SRV, MECH, "delete network precommit"),
                                              (SRV, MECH, "delete network postcommit"), (SRV, L2, "network_delete"))),
    # (no port_update: _bind_port_if_needed sends one only when allow_notify, False when left out)
    (OLD, "create_port"): Layers(messages=((SRV, L2, "security_groups_member_updated"),)),
    (OLD, "delete_port"): Layers(messages=((SRV, L2, "port_delete"),)),
    (NEW, "delete_network"): Layers(messages=((SRV, MECH, "delete port precommit"),), absent=(L2,)),
    (NEW, "delete_port"): Layers(absent=(L2,)),
    (OLD, "delete_subnet"): Layers(messages=((SRV, MECH, "update port precommit"), (SRV, L2, "port_update"))),
    (NEW, "delete_subnet"): Layers(messages=((SRV, "database", "delete alloc by subnet id"),
                                             (SRV, "database", "delete object")),
                                   notes=((SRV, "publish: SUBNET AFTER_DELETE"),), absent=(MECH,)),
}


def project(version: str) -> Project:
    return release_project("neutron", version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("op", list(BOTH))
def test_operation_passes_its_layers_and_lints_clean(version: str, op: str):
    proj = project(version)
    draft = proj.draft(op)
    assert_layers(draft.diagram, BOTH[op])
    if (version, op) in PER_RELEASE:
        assert_layers(draft.diagram, PER_RELEASE[version, op])
    assert lint_anchors(draft.diagram, f"{op}.wsd", proj.tree.root) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_ops_lists_every_entry_point(version: str):
    proj = project(version)
    assert {op.name for op in proj.operations()} == set(proj.rules.catalogue)
