"""Glance's catalogue on the oldest PyPI release (15.0.2, Pike) and the
newest (33.0.0): each operation drafts, lints clean and passes its layers;
the upload writes the image data through the store library, and the image
repository's proxy layers are walked one after another (with the policy
layer, on the release that has one)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.wsd.model import Comment, Message, Note, walk

from conftest import release_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "projects"))
from projectlayers import Layers, assert_layers  # noqa: E402

pytestmark = pytest.mark.realtree

OLD, NEW = "15.0.2", "33.0.0"
VERSIONS = (OLD, NEW)
API, DB, STORE = "glance_api", "database", "glance_store"
BOTH = {
    "image_create": Layers(anchors=("glance/api/v2/images.py create()", "glance/notifier.py add()"),
                           messages=(("client", API, "image_create"), (API, DB, "image create")),
                           notes=((API, "notify: image.create"),)),
    "image_upload": Layers(anchors=("glance/api/v2/image_data.py upload()", "glance/location.py set_data()"),
                           messages=((API, DB, "image get"), (API, DB, "image update"), (API, STORE, "add to backend")),
                           notes=((API, "notify: image.upload"),)),
    "image_delete": Layers(anchors=("glance/api/v2/images.py delete()",),
                           messages=((API, DB, "image destroy"),), notes=((API, "notify: image.delete"),)),
    "image_import": Layers(anchors=("glance/api/v2/images.py import_image()",),
                           messages=((API, DB, "task create"),),
                           notes=((API, "notify: task.create"), (API, "notify: task.run"))),
}
# Glance 24 on checks policy in the API (api/v2/policy.py); before, in a
# proxy layer (api/policy.py) the rules name as a variant of the next one
PER_RELEASE = {
    (NEW, "image_create"): Layers(notes=((API, "check policy: add_image"),)),
    (NEW, "image_upload"): Layers(notes=((API, "check policy: upload_image"),)),
    (NEW, "image_delete"): Layers(notes=((API, "check policy: delete_image"),)),
    (OLD, "image_create"): Layers(notes=((API, "check policy: add_image"),)),
    (OLD, "image_upload"): Layers(anchors=("glance/api/policy.py set_data()",),
                                  notes=((API, "check policy: upload_image"),)),
    (OLD, "image_delete"): Layers(notes=((API, "check policy: get_image"), (API, "check policy: delete_image"))),
    (OLD, "image_import"): Layers(notes=((API, "check policy: add_task"),)),
}


def project(version: str) -> Project:
    return release_project("glance", version)


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


@pytest.mark.parametrize("version", VERSIONS)
def test_the_repository_layers_are_walked_one_after_another(version: str):
    """notifier -> (policy ->) quota -> location -> database: each layer's
    add, each through the shared proxy.Repo.add, none taken for a recursion."""
    draft = project(version).draft("image_create")
    chain = [callee for _, callee, _ in draft.walk.edges
             if callee.startswith(("glance.notifier.ImageRepoProxy.", "glance.api.policy.ImageRepoProxy.",
                                   "glance.quota.ImageRepoProxy.", "glance.location.ImageRepoProxy.",
                                   "glance.db.ImageRepo."))
             and callee.endswith(".add")]
    policy = ["glance.api.policy.ImageRepoProxy.add"] if version == OLD else []
    assert chain == ["glance.notifier.ImageRepoProxy.add", *policy, "glance.quota.ImageRepoProxy.add",
                     "glance.location.ImageRepoProxy.add", "glance.db.ImageRepo.add"]
    assert not any("recursion" in u.reason for u in draft.walk.unresolved)


# The import's tasks, in the order get_flow adds them (the flow the
# glance.flows entry point api_image_import names, loaded by stevedore)
TASKS = {
    OLD: ["verify staging", "import to store", "delete from fs", "save image", "complete task"],
    NEW: ["image lock", "import metadata", "verify staging", "verify staged image signature task",
          "parallel store import task", "import to store", "delete from fs", "verify image state", "complete task"],
}


@pytest.mark.parametrize("version", VERSIONS)
def test_import_runs_the_flow_tasks_in_order(version: str):
    """The task executor's run goes on into the flow the entry point names
    (glance/async/ on Pike, glance/async_/ later), each task's execute()
    anchored and led by its note; the last one completes the task row (and,
    from Glance 20 on, drops the image's import lock)."""
    draft = project(version).draft("image_import")
    steps = list(walk(draft.diagram.statements))
    tasks = [s.text.removeprefix("task: ") for s in steps if isinstance(s, Note) and s.text.startswith("task: ")]
    assert tasks == TASKS[version]
    package = "glance/async/flows" if version == OLD else "glance/async_/flows"
    assert Comment(f"{package}/api_image_import.py execute()") in steps
    texts = [m.text for m in steps if isinstance(m, Message) and m.target == DB]
    last = ["task update"] if version == OLD else \
        ["task update", "image get", "image tag get all", "image delete property atomic"]
    assert texts[-len(last):] == last
    if version == OLD:  # the image's data goes to the store, then the image is saved
        stores = [i for i, m in enumerate(steps) if isinstance(m, Message) and m.target == STORE]
        assert stores and texts.count("image update") >= 2


def test_new_import_tasks_act_through_the_action_wrapper():
    """From Glance 20 on the tasks work through `with self.action_wrapper as
    action:`: the import-to-store task reads the image (the wrapper's
    __enter__), uploads it to the store through `action`, and saves it (its
    __exit__); get_flow marks the image importing the same way."""
    draft = project(NEW).draft("image_import")
    steps = list(walk(draft.diagram.statements))
    texts = [f"{s.source}->{s.target}: {s.text}" if isinstance(s, Message) else s.text
             for s in steps if isinstance(s, (Message, Note))]
    assert texts.index("set image status=importing") < texts.index("task: image lock")
    task = texts[texts.index("task: import to store"):texts.index("task: delete from fs")]
    upload = task.index(f"{API}->{STORE}: add to backend with multihash")
    assert task.index(f"{API}->{DB}: image get") < upload < task.index(f"{API}->{DB}: image update")
    assert Comment("glance/async_/flows/api_image_import.py __exit__()") in steps
    assert not [u for u in draft.walk.unresolved if "'action'" in u.reason]
