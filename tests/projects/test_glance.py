"""Glance from the hand-written tree in fixtures/glance: the v2 controllers,
the policy checks, the gateway's layered proxies (notifier -> quota ->
location -> database repository) walked layer by layer, the store library
as glance_store, and the import task handed to the thread pool."""

from __future__ import annotations

import pytest

from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES
from tracer.wsd.model import Comment, Group, Message, Note, walk

from projectlayers import Layers, assert_layers

API, DB, STORE = "glance_api", "database", "glance_store"
OPS = {
    "image_create": Layers(
        anchors=("glance/api/v2/images.py create()", "glance/api/v2/policy.py add_image()",
                 "glance/notifier.py add()"),
        messages=(("client", API, "image_create"), (API, DB, "image create"), (API, DB, "image tag set all")),
        notes=((API, "check policy: add_image"), (API, "notify: image.create")), absent=(STORE,)),
    "image_upload": Layers(
        anchors=("glance/api/v2/image_data.py upload()", "glance/location.py set_data()",
                 "glance/quota/__init__.py set_data()", "glance/notifier.py set_data()"),
        messages=((API, DB, "image get"), (API, DB, "image update"), (API, STORE, "add to backend with multihash")),
        notes=((API, "check policy: upload_image"), (API, "check quota"), (API, "notify: image.upload"))),
    "image_delete": Layers(
        messages=((API, DB, "image get"), (API, DB, "image destroy")),
        notes=((API, "check policy: delete_image"), (API, "delete image data from the store"),
               (API, "notify: image.delete"))),
    "image_import": Layers(
        messages=((API, DB, "image set property atomic"), (API, DB, "task create")),
        notes=((API, "check policy: modify_image"), (API, "notify: task.create"), (API, "notify: task.run"))),
}


@pytest.fixture(scope="module")
def project() -> Project:
    return Project(load_rules("glance"), FIXTURES / "glance")


def test_every_catalogue_operation_is_served(project: Project):
    assert set(project.rules.catalogue) == set(OPS)
    names = {op.name for op in project.operations()}
    assert {project.rules.alias(op) for op in OPS} <= names
    assert {"images.create", "images.delete", "images.import", "image_data.upload"} <= names


@pytest.mark.parametrize("op", sorted(OPS))
def test_operation_passes_its_layers_and_lints_clean(project: Project, op: str):
    draft = project.draft(op)
    assert_layers(draft.diagram, OPS[op])
    assert lint_anchors(draft.diagram, f"{op}.wsd", FIXTURES / "glance") == []


def test_the_repository_layers_are_walked_one_after_another(project: Project):
    """image_repo.add() is the notifier's, whose super().add() is the shared
    proxy.Repo.add: its self.base is the quota layer, whose super().add()
    is proxy.Repo.add again (another receiver, not a recursion), on to the
    location layer and the database repository that writes the row."""
    draft = project.draft("image_create")
    chain = [callee for _, callee, _ in draft.walk.edges if callee.endswith(".add")]
    assert chain[:7] == ["glance.notifier.ImageRepoProxy.add", "glance.domain.proxy.Repo.add",
                         "glance.quota.ImageRepoProxy.add", "glance.domain.proxy.Repo.add",
                         "glance.location.ImageRepoProxy.add", "glance.domain.proxy.Repo.add",
                         "glance.db.ImageRepo.add"]
    assert not any("recursion" in u.reason for u in draft.walk.unresolved)
    drawn = [s for s in walk(draft.diagram.statements) if isinstance(s, Message)]
    # the row is written once, after the policy check and before the notification
    assert [m.text for m in drawn if m.target == DB] == ["image create", "image tag set all"]


def test_upload_writes_the_data_to_the_store_between_its_two_saves(project: Project):
    texts = [f"{m.source}->{m.target}: {m.text}" for m in walk(project.draft("image_upload").diagram.statements)
             if isinstance(m, Message)]
    store = texts.index(f"{API}->{STORE}: add to backend with multihash")
    saves = [i for i, t in enumerate(texts) if t == f"{API}->{DB}: image update"]
    assert len(saves) == 2 and saves[0] < store < saves[1]


@pytest.mark.parametrize("method, request_, operation", [
    ("images.create", "POST /v2/images", "images.create"),
    ("image_members.create", "POST /v2/images/{id}/members", "image_members.create"),
    ("schemas.get", "GET /v2/schemas/image", None),
])
def test_glanceclients_controllers_route_to_their_own_requests(method: str, request_: str, operation: str | None):
    """Nova names the controller by keyword (`controller='image_members'`):
    each controller's method has its own request."""
    assert load_rules("glance").route(method) == (request_, operation)


def test_import_runs_the_flow_the_entry_point_names_task_by_task(project: Project):
    """The executor loads `task.type` of `glance.flows` through stevedore;
    setup.cfg names get_flow, whose tasks the engine's run() draws in the
    order added: the one added under `if` in an opt, the one added in a
    loop in a loop, each led by its note and followed into the database
    and the store."""
    draft = project.draft("image_import")
    steps = list(walk(draft.diagram.statements))
    tasks = [s.text for s in steps if isinstance(s, Note) and s.text.startswith("task: ")]
    assert tasks == ["task: web download", "task: verify staging", "task: import to store", "task: complete task"]
    groups = {g.kind: g.branches[0].label for g in steps if isinstance(g, Group)}
    assert groups["opt"] == "import_method == 'web-download'"
    assert groups["loop"].startswith("store in kwargs.get('backend'")
    texts = [f"{m.source}->{m.target}: {m.text}" for m in steps if isinstance(m, Message)]
    run = texts.index(f"{API}->{DB}: task update")
    assert f"{API}->{STORE}: add to backend with multihash" in texts[:run]
    reasons = [u.reason for u in draft.walk.unresolved]
    assert any("task.type is known only at run time: the rules' 'api_image_import'" in r for r in reasons)
    assert lint_anchors(draft.diagram, "image_import.wsd", FIXTURES / "glance") == []


def test_import_tasks_act_through_the_action_wrapper(project: Project):
    """`with self.action_wrapper as action`: the wrapper's __enter__ reads
    the image, `action` is the _ImportActions it returns (its set_image_data
    uploads to the store), the wrapper's __exit__ saves the image; get_flow's
    own `with` sets the status, drawn by the rules' note."""
    draft = project.draft("image_import")
    steps = list(walk(draft.diagram.statements))
    texts = [f"{s.source}->{s.target}: {s.text}" if isinstance(s, Message) else s.text
             for s in steps if isinstance(s, (Message, Note))]
    assert texts.index("set image status=importing") < texts.index("task: import to store")
    task = texts[texts.index("task: import to store"):texts.index("task: complete task")]
    get, upload = task.index(f"{API}->{DB}: image get"), task.index(f"{API}->{STORE}: add to backend with multihash")
    assert get < upload < task.index(f"{API}->{DB}: image update")
    assert Comment("glance/async_/flows/api_image_import.py __exit__()") in steps
    assert not [u for u in draft.walk.unresolved if "'action'" in u.reason]
