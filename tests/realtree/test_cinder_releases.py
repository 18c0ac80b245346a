"""Cinder's catalogue on the oldest PyPI release (10.0.8, Ocata) and the
newest (29.0.0): each operation drafts, lints clean and passes its layers.
create follows the TaskFlow flows of the API, the scheduler and the volume
manager task by task down to the LVM driver."""

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

OLD, NEW = "10.0.8", "29.0.0"
VERSIONS = (OLD, NEW)
API, SCHED, VOL, BACKUP = "cinder_api", "cinder_scheduler", "cinder_volume", "cinder_backup"
BOTH = {
    "create": Layers(
        anchors=("cinder/volume/api.py create()",
                 "cinder/volume/flows/api/create_volume.py execute()",
                 "cinder/scheduler/manager.py create_volume()",
                 "cinder/scheduler/flows/create_volume.py execute()",
                 "cinder/volume/manager.py create_volume()",
                 "cinder/volume/flows/manager/create_volume.py execute()",
                 "cinder/volume/drivers/lvm.py create_volume()"),
        messages=(("client", API, "create"), (API, SCHED, "create_volume"),
                  (SCHED, VOL, "create_volume"), (VOL, "lvm", "create volume"))),
    "delete": Layers(anchors=("cinder/volume/manager.py delete_volume()", "cinder/volume/drivers/lvm.py delete_volume()"),
                     messages=((API, VOL, "delete_volume"), (VOL, "lvm", "remove export"),
                               (VOL, "lvm", "delete volume"))),
    "extend": Layers(messages=((API, SCHED, "extend_volume"), (SCHED, VOL, "extend_volume"),
                               (VOL, "lvm", "extend volume"))),
    "attach": Layers(anchors=("cinder/api/contrib/volume_actions.py _attach()",
                              "cinder/volume/manager.py attach_volume()"),
                     messages=((API, VOL, "attach_volume"), (VOL, API, "attach_volume result"))),
    "detach": Layers(messages=((API, VOL, "detach_volume"), (VOL, "lvm", "remove export"),
                               (VOL, API, "detach_volume result"))),
    "snapshot": Layers(anchors=("cinder/volume/manager.py create_snapshot()",),
                       messages=((VOL, "lvm", "create snapshot"),)),
    "backup": Layers(anchors=("cinder/backup/manager.py create_backup()",),
                     messages=((BACKUP, VOL, "get_backup_device"), (VOL, "lvm", "get backup device"),
                               (BACKUP, VOL, "initialize_connection"))),
    "retype": Layers(messages=((API, SCHED, "retype"), (SCHED, VOL, "retype"), (VOL, "lvm", "retype"))),
    # the scheduler client picks the RPC method name into a local by version
    # (`method = 'migrate_volume'`, else the older name): the first is drawn
    "migrate": Layers(anchors=("cinder/api/contrib/admin_actions.py _migrate_volume()",
                               "cinder/volume/api.py migrate_volume()"),
                      messages=(("client", API, "migrate"), (API, SCHED, "migrate_volume"),
                                (SCHED, VOL, "migrate_volume"), (VOL, "lvm", "migrate volume"))),
}
# Pike on: snapshots and backups pass through the scheduler
PER_RELEASE = {
    (OLD, "snapshot"): Layers(messages=((API, VOL, "create_snapshot"),), absent=(SCHED,)),
    (NEW, "snapshot"): Layers(messages=((API, SCHED, "create_snapshot"), (SCHED, VOL, "create_snapshot"))),
    (OLD, "backup"): Layers(messages=((API, BACKUP, "create_backup"),)),
    (NEW, "backup"): Layers(messages=((API, SCHED, "create_backup"), (SCHED, BACKUP, "create_backup"))),
}


def project(version: str) -> Project:
    return release_project("cinder", version)


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
def test_ops_lists_the_catalogue(version: str):
    proj = project(version)
    names = {op.name for op in proj.operations()}
    assert {proj.rules.alias(op) or op for op in proj.rules.catalogue} <= names


FLOW_TASKS = [
    "cinder.volume.flows.api.create_volume." + t
    for t in ("ExtractVolumeRequestTask", "QuotaReserveTask", "EntryCreateTask", "QuotaCommitTask", "VolumeCastTask")
] + ["cinder.scheduler.flows.create_volume." + t for t in ("ExtractSchedulerSpecTask", "ScheduleCreateVolumeTask")] + [
    "cinder.volume.flows.manager.create_volume." + t
    for t in ("ExtractVolumeRefTask", "OnFailureRescheduleTask", "ExtractVolumeSpecTask", "NotifyVolumeActionTask",
              "CreateVolumeFromSpecTask", "CreateVolumeOnFinishTask")
]


@pytest.mark.parametrize("version", VERSIONS)
def test_create_walks_every_flow_task_in_the_order_added(version: str):
    """API flow, then (through the casts) the scheduler's and the volume
    manager's: each task's execute, as `get_flow` adds them."""
    walked = [callee for _, callee, data in project(version).draft("create").walk.edges if data["via"] == "rule flows"]
    # 10.0.8 runs the manager's flow from both sides of an `if` (with or
    # without a lock): walked twice, the same tasks in the same order
    assert list(dict.fromkeys(walked)) == [f"{task}.execute" for task in FLOW_TASKS]
