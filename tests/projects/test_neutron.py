"""Neutron from the hand-written tree in fixtures/neutron. The REST layer
is generic (one controller calls `getattr(plugin, 'create_network')`), so
each operation starts at the plugin method named by [discovery]
entry_points: the ML2 plugin (mechanism manager pre/postcommit, the agent
notifier's casts to the L2 agent) and the L3 router plugin."""

from __future__ import annotations

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES

from projectlayers import Layers, assert_layers

SRV, MECH, L2 = "neutron_server", "ml2_mechanism_drivers", "l2_agent"
PLUGIN = "neutron/plugins/ml2/plugin.py"
OPS = {
    "create_network": Layers(
        anchors=(f"{PLUGIN} create_network()", f"{PLUGIN} _create_network_db()",
                 "neutron/plugins/ml2/managers.py create_network_precommit()"),
        messages=(("client", SRV, "create_network"), (SRV, "database", "add network_db"),
                  (SRV, MECH, "create network segments"), (SRV, MECH, "create network precommit"),
                  (SRV, MECH, "create network postcommit")),
        notes=((SRV, "notify: network after_create"),), absent=(L2,)),
    "delete_network": Layers(messages=((SRV, MECH, "delete network precommit"), (SRV, "database", "delete network"),
                                       (SRV, MECH, "delete network postcommit"), (SRV, L2, "network_delete"))),
    "create_subnet": Layers(messages=((SRV, "database", "add subnet_db"), (SRV, MECH, "create subnet precommit"),
                                      (SRV, MECH, "create subnet postcommit"))),
    "delete_subnet": Layers(messages=((SRV, MECH, "delete subnet precommit"), (SRV, "database", "delete subnet"),
                                      (SRV, MECH, "delete subnet postcommit"))),
    "create_port": Layers(messages=((SRV, "database", "add port_db"), (SRV, MECH, "create port precommit"),
                                    (SRV, MECH, "create port postcommit"), (SRV, MECH, "bind port"),
                                    (SRV, L2, "port_update"))),
    "delete_port": Layers(messages=((SRV, MECH, "delete port precommit"), (SRV, "database", "delete port"),
                                    (SRV, MECH, "delete port postcommit"), (SRV, L2, "port_delete"))),
    "create_router": Layers(anchors=("neutron/db/l3_db.py create_router()",),
                            messages=((SRV, "database", "add router_db"),), absent=(MECH,)),
    # the mixins reach the L3 notifier through a property (with a setter)
    "delete_router": Layers(messages=((SRV, "database", "delete router"), (SRV, "l3_agent", "router_deleted")),
                            notes=((SRV, "notify: router after_delete"),)),
    # a floating IP's external port is an ML2 port
    "create_floatingip": Layers(anchors=("neutron/services/l3_router/l3_router_plugin.py create_floatingip()",),
                                messages=((SRV, MECH, "create port precommit"), (SRV, "database", "add floatingip_db"))),
    "delete_floatingip": Layers(messages=((SRV, MECH, "delete port precommit"), (SRV, L2, "port_delete"))),
}


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("neutron"), FIXTURES / "neutron")


def test_operations_are_the_entry_points(project: Project):
    ops = {op.name: op for op in project.operations()}
    assert set(ops) == set(OPS) == set(project.rules.catalogue)
    assert ops["create_network"].handler == "Ml2Plugin.create_network"
    # inherited: defined on a mixin, `self` is still the named class
    assert ops["delete_router"].handler == "L3_NAT_db_mixin.delete_router"
    assert ops["create_floatingip"].ref.bound == "neutron.services.l3_router.l3_router_plugin.L3RouterPlugin"


@pytest.mark.parametrize("op", sorted(OPS))
def test_operation_passes_its_layers_and_lints_clean(project: Project, op: str):
    draft = project.draft(op)
    assert_layers(draft.diagram, OPS[op])
    assert lint_anchors(draft.diagram, f"{op}.wsd", FIXTURES / "neutron") == []
