"""Every name of the original catalogue on real Nova 15.1.5 and 34.0.0: the
RPC messages between Nova's services each operation sends, in order, as the
real code sends them (conductor, scheduler, compute by host role), the
services it reaches, and a clean lint. The classic ten are checked layer by
layer in test_nova_classic.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import release_project
from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.wsd.model import Diagram, Message, walk

pytestmark = pytest.mark.realtree

API, COND, SCHED = "nova_api", "nova_conductor", "nova_scheduler"
COMP, SRC, DEST = "nova_compute", "nova_compute_src", "nova_compute_dest"
COLD_MIGRATION = [(API, COND, "migrate_server"), (COND, SCHED, "select_destinations"),
                  (COND, DEST, "prep_resize"), (DEST, SRC, "resize_instance"),
                  (SRC, DEST, "finish_resize")]


def both(*rpc):
    return {"15.1.5": list(rpc), "34.0.0": list(rpc)}


# The RPC messages between Nova services, in the order the code sends them.
RPC = {
    "backup": both((API, COMP, "backup_instance")),
    "changePassword": both((API, COMP, "set_admin_password")),
    "create": {
        # cells v1's build_instances is the other case of a configuration branch: not drawn by default
        "15.1.5": [(API, COND, "schedule_and_build_instances"), (COND, SCHED, "select_destinations"),
                   (COND, COMP, "build_and_run_instance")],
        "34.0.0": [(API, COND, "schedule_and_build_instances"), (COND, SCHED, "select_destinations"),
                   (COND, COMP, "build_and_run_instance")],
    },
    # reclaim_instance_interval is 0 by default: no soft delete; one host only: plain nova_compute
    "delete": both((API, COMP, "terminate_instance")),
    "evacuate": both((API, COND, "rebuild_instance"), (COND, SCHED, "select_destinations"),
                     (COND, COMP, "rebuild_instance")),
    "interface-attach": both((API, COMP, "attach_interface")),
    "interface-detach": both((API, COMP, "detach_interface")),
    "live_migrate": both((API, COND, "live_migrate_instance"), (COND, SCHED, "select_destinations"),
                         (COND, DEST, "check_can_live_migrate_destination"),
                         (DEST, SRC, "check_can_live_migrate_source")),
    "migrate": both(*COLD_MIGRATION),
    "resize": both(*COLD_MIGRATION),
    "rebuild": both((API, COND, "rebuild_instance"), (COND, COMP, "rebuild_instance")),
    "refresh_network": both((API, COMP, "external_instance_event")),
    "rescue": both((API, COMP, "rescue_instance")),
    "unrescue": both((API, COMP, "unrescue_instance")),
    "reset_network": {"15.1.5": [(API, COMP, "reset_network")], "34.0.0": None},
    "reset_state": both(),
    "shelve": both((API, COMP, "shelve_instance")),
    "shelve_offload": both((API, COMP, "shelve_offload_instance")),
    # the start (shelved, not offloaded) and the unshelve on a new host are alternatives: one host
    "unshelve": both((API, COND, "unshelve_instance"), (COND, SCHED, "select_destinations"),
                     (COND, COMP, "unshelve_instance")),
    "snapshot": both((API, COMP, "snapshot_instance")),
    "volume_attach": {"15.1.5": [(API, COMP, "reserve_block_device_name"), (API, COMP, "attach_volume")],
                      "34.0.0": [(API, COND, "attach_volume"), (COND, COMP, "reserve_block_device_name"),
                                 (COND, COMP, "attach_volume")]},
    "volume_detach": both((API, COMP, "detach_volume")),
    "list_simple": both(),
    "list": both(),
}

# Other services each operation must reach (beyond nova_api and the database).
SERVICES = {
    # (create only reads images from Glance, inside helpers drawn for their purpose)
    "create": {"neutron", "nova_conductor", "nova_scheduler", "nova_compute"},
    "interface-attach": {"neutron", "libvirt"},
    "volume_attach": {"cinder", "libvirt"},
    "volume_detach": {"cinder", "libvirt"},
    "snapshot": {"glance", "libvirt"},
    "list": {"nova_compute_api", "objects", "db_api", "database"},
}

VERSIONS = {"15.1.5": "nova_15", "34.0.0": "nova_34"}


def project(version: str, request: pytest.FixtureRequest) -> tuple[Project, Path]:
    proj = release_project("nova", version)
    return proj, proj.tree.root


def rpc_messages(diagram: Diagram) -> list[tuple[str, str, str]]:
    nova = lambda p: p.startswith("nova_") and p != "nova_compute_api"  # noqa: E731
    return [(s.source, s.target, s.text) for s in walk(diagram.statements)
            if isinstance(s, Message) and nova(s.source) and nova(s.target) and s.source != s.target
            and not s.text.endswith(" result") and s.text != "done"]


def in_order(expected: list, actual: list) -> bool:
    it = iter(actual)
    return all(any(step == got for got in it) for step in expected)


@pytest.mark.parametrize("version", list(VERSIONS))
@pytest.mark.parametrize("op", sorted(RPC))
def test_catalogue_operation(op: str, version: str, request: pytest.FixtureRequest):
    proj, root = project(version, request)
    expected = RPC[op][version]
    if expected is None:  # removed in this release: refused, with the release
        with pytest.raises(TracerError, match=r"was removed in \d+\.\d+\.\d+"):
            proj.draft(op)
        return
    draft = proj.draft(op)
    actual = rpc_messages(draft.diagram)
    assert in_order(expected, actual), f"expected in order {expected}\n     drafted {actual}"
    if not expected:
        assert not [m for m in actual if m[1].startswith("nova_compute")]
    names = {p.name for p in draft.diagram.participants()}
    assert SERVICES.get(op, set()) <= names, names
    assert lint_anchors(draft.diagram, f"{op}.wsd", root) == []


@pytest.mark.parametrize("version", list(VERSIONS))
def test_every_catalogue_name_is_listed_by_ops(version: str, request: pytest.FixtureRequest):
    proj, _ = project(version, request)
    names = {op.name for op in proj.operations()}
    for name in proj.rules.catalogue:
        assert (proj.rules.alias(name) or name) in names, name


def test_delete_reaches_terminate_on_the_newest_release(request: pytest.FixtureRequest):
    proj, _ = project("34.0.0", request)
    assert (API, COMP, "terminate_instance") in rpc_messages(proj.draft("delete").diagram)
