"""Cinder from the hand-written tree in fixtures/cinder: the REST
controllers and actions, the volume API, the scheduler and volume RPC, the
volume manager and the LVM driver; create runs three TaskFlow flows (API,
scheduler, volume manager), walked task by task by the [[flows]] rule."""

from __future__ import annotations

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES
from tracer.wsd.model import Comment, Message, walk

from projectlayers import Layers, assert_layers

API, SCHED, VOL = "cinder_api", "cinder_scheduler", "cinder_volume"
OPS = {
    "create": Layers(
        anchors=("cinder/api/v3/volumes.py create()",
                 "cinder/volume/flows/api/create_volume.py execute()",
                 "cinder/scheduler/manager.py create_volume()",
                 "cinder/scheduler/flows/create_volume.py execute()",
                 "cinder/volume/manager.py create_volume()",
                 "cinder/volume/flows/manager/create_volume.py execute()",
                 "cinder/volume/drivers/lvm.py create_volume()"),
        messages=(("client", API, "create"), (API, "database", "volume create"),
                  (API, SCHED, "create_volume"), (SCHED, "database", "volume update"),
                  (SCHED, VOL, "create_volume"), (VOL, "lvm", "create volume"),
                  (VOL, "database", "status = 'available'")),
        notes=((API, "check policy: volume:create"), (VOL, "notify: create.end"))),
    "delete": Layers(
        messages=((API, VOL, "delete_volume"), (VOL, "lvm", "remove export"), (VOL, "lvm", "delete volume")),
        notes=((API, "check policy: volume:delete"), (VOL, "notify: delete.start")), absent=(SCHED,)),
    "extend": Layers(messages=((API, SCHED, "extend_volume"), (SCHED, VOL, "extend_volume"),
                               (VOL, "lvm", "extend volume"))),
    "attach": Layers(messages=((API, VOL, "attach_volume"), (VOL, "lvm", "attach volume"),
                               (VOL, API, "attach_volume result"))),
    "detach": Layers(messages=((API, VOL, "detach_volume"), (VOL, "lvm", "detach volume"),
                               (VOL, API, "detach_volume result"))),
    "snapshot": Layers(messages=((API, "database", "snapshot create"), (API, VOL, "create_snapshot"),
                                 (VOL, "lvm", "create snapshot"))),
    "backup": Layers(messages=((API, "cinder_backup", "create_backup"),
                               ("cinder_backup", VOL, "get_backup_device"), (VOL, "lvm", "get backup device"))),
    "retype": Layers(messages=((API, SCHED, "retype"), (SCHED, VOL, "retype"), (VOL, "lvm", "retype"))),
    "migrate": Layers(messages=((API, SCHED, "migrate_volume"), (SCHED, VOL, "migrate_volume"),
                                (VOL, "lvm", "migrate volume"))),
}


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("cinder"), FIXTURES / "cinder")


def test_every_catalogue_operation_is_served(project: Project):
    assert set(project.rules.catalogue) == set(OPS)
    names = {op.name for op in project.operations()}
    assert {project.rules.alias(op) for op in OPS} <= names


@pytest.mark.parametrize("op", sorted(OPS))
def test_operation_passes_its_layers_and_lints_clean(project: Project, op: str):
    draft = project.draft(op)
    assert_layers(draft.diagram, OPS[op])
    assert lint_anchors(draft.diagram, f"{op}.wsd", FIXTURES / "cinder") == []


def test_create_runs_each_flow_task_in_the_order_added(project: Project):
    """Not a stop at `flow_engine.run()`: every task's execute, API then
    scheduler then volume manager, in the order `add` put them."""
    steps = list(walk(project.draft("create").diagram.statements))
    order = [s.text for s in steps if isinstance(s, Comment) and "flows" in s.text]
    assert order[0].startswith("cinder/volume/flows/api/")
    texts = [f"{m.source}->{m.target}: {m.text}" for m in steps if isinstance(m, Message)]
    at = texts.index
    assert at(f"{API}->database: volume create") < at(f"{API}->{SCHED}: create_volume") \
        < at(f"{SCHED}->{VOL}: create_volume") < at(f"{VOL}->lvm: create volume") \
        < at(f"{VOL}->database: status = 'available'")
    assert not any("flow_engine.run" in getattr(s, "text", "") for s in steps)
