"""Operation names found in a tree: one name per handler, clashes told apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.analysis.discover import discover
from tracer.index.tree import SourceTree
from tracer.pipeline import Project
from tracer.problems import TracerError
from tracer.rules import Rules, parse_rules
from tracer.wsd.model import Message, walk

from treehelp import MINIMAL_RULES, write_tree

ADMIN = """
    from demo import wsgi


    class VolumeAdminController(object):
        @wsgi.action('os-force_delete')
        def _force_delete(self, req, id, body):
            pass

        @wsgi.action('os-reset_status')
        def _reset_status(self, req, id, body):
            pass


    class SnapshotAdminController(object):
        @wsgi.action('os-force_delete')
        def _force_delete(self, req, id, body):
            pass


    class BackupsController(object):
        @wsgi.action('os-force_delete')
        def force(self, req, id, body):
            pass

        @wsgi.action('os-force_delete')
        def force_again(self, req, id, body):
            pass
"""

OTHER = """
    from demo import wsgi


    class VolumeActionsController(object):
        @wsgi.action('os-reset_status')
        def _reset(self, req, id, body):
            pass

        @wsgi.action('os-extend')
        def _extend(self, req, id, body):
            pass
"""


def action_tree(tmp_path: Path, modules: dict[str, str]) -> Path:
    """A tree of `modules` (path: text) with the `wsgi.action` decorator they use."""
    return write_tree(tmp_path, {"demo/wsgi.py": "def action(name):\n    return lambda f: f\n", **modules})


def action_rules(extra: str = "", prefer: str = "") -> Rules:
    """The minimal rules, handlers found by `@wsgi.action('name')`."""
    text = MINIMAL_RULES.replace('action_decorator = "action"', 'action_decorator = "wsgi.action"')
    if prefer:
        text = text.replace("[discovery]\n", f"[discovery]\nprefer = [{prefer!r}]\n")
    return parse_rules(text + extra, "rules/demo.toml")


def names(tmp_path: Path, prefer: str = "") -> dict[str, str]:
    """{operation name: handler} of a tree of two action modules."""
    root = action_tree(tmp_path, {"demo/api/admin_actions.py": ADMIN, "demo/api/volume_actions.py": OTHER})
    return {op.name: op.handler for op in discover(SourceTree(root), action_rules(prefer=prefer))}


def test_an_action_on_several_controllers_of_one_module_is_named_by_each_controller(tmp_path: Path):
    found = names(tmp_path)
    assert found == {
        "volume_admin.os-force_delete": "VolumeAdminController._force_delete",
        "snapshot_admin.os-force_delete": "SnapshotAdminController._force_delete",
        "BackupsController.force.os-force_delete": "BackupsController.force",
        "BackupsController.force_again.os-force_delete": "BackupsController.force_again",
        "admin_actions.os-reset_status": "VolumeAdminController._reset_status",
        "volume_actions.os-reset_status": "VolumeActionsController._reset",
        "os-extend": "VolumeActionsController._extend",
    }


def test_a_preferred_module_keeps_a_name_it_holds_once(tmp_path: Path):
    found = names(tmp_path, prefer="demo/api/admin_actions.py")
    assert found["os-reset_status"] == "VolumeAdminController._reset_status"
    assert found["volume_actions.os-reset_status"] == "VolumeActionsController._reset"
    assert found["snapshot_admin.os-force_delete"] == "SnapshotAdminController._force_delete"
    assert len(found) == 7


INHERITED = """
    from demo import db
    from demo import wsgi


    class AdminController(object):
        collection = None

        def _get(self, id):
            raise NotImplementedError()

        @wsgi.action('os-force_delete')
        def _force_delete(self, req, id, body):
            self._get(id)

        @wsgi.action('os-reset_status')
        def _reset_status(self, req, id, body):
            self._get(id)


    class VolumeAdminController(AdminController):
        collection = 'volumes'

        def _get(self, id):
            db.volume_get(id)


    class SnapshotAdminController(AdminController):
        def _get(self, id):
            db.snapshot_get(id)

        @wsgi.action('os-reset_status')
        def _reset_status(self, req, id, body):
            db.snapshot_reset(id)


    class ExtraSnapshotController(SnapshotAdminController):
        pass
"""


def test_handlers_an_abstract_base_leaves_to_its_subclasses_are_theirs(tmp_path: Path):
    """A handler defined on a class of the module is an operation of each
    subclass that inherits it (`self` the subclass); the family's root is
    taken for abstract (its own handlers that a subclass inherits are not
    listed for it), a class between keeps its own."""
    root = action_tree(tmp_path, {"demo/db.py": "def volume_get(id):\n    pass\n\n\ndef snapshot_get(id):\n    pass\n",
                                  "demo/api/admin_actions.py": INHERITED})
    proj = Project(action_rules('\n[[participants]]\nname = "database"\nmodules = ["demo.db"]\n'), root)
    ops = {op.name: op for op in proj.operations()}
    assert {name: (op.handler, op.inherited) for name, op in ops.items()} == {
        "volume_admin.os-force_delete": ("VolumeAdminController._force_delete", "AdminController"),
        "snapshot_admin.os-force_delete": ("SnapshotAdminController._force_delete", "AdminController"),
        "extra_snapshot.os-force_delete": ("ExtraSnapshotController._force_delete", "AdminController"),
        "volume_admin.os-reset_status": ("VolumeAdminController._reset_status", "AdminController"),
        "snapshot_admin.os-reset_status": ("SnapshotAdminController._reset_status", ""),
        "extra_snapshot.os-reset_status": ("ExtraSnapshotController._reset_status", "SnapshotAdminController"),
    }
    assert "(defined in AdminController)" in ops["volume_admin.os-force_delete"].describe()
    assert "admin_actions.py:13 " in ops["volume_admin.os-force_delete"].describe()  # where it is defined
    drawn = {name: [s.text for s in walk(proj.draft(name).diagram.statements) if isinstance(s, Message)]
             for name in ("volume_admin.os-force_delete", "snapshot_admin.os-force_delete")}
    assert "volume get" in drawn["volume_admin.os-force_delete"]
    assert "snapshot get" in drawn["snapshot_admin.os-force_delete"]
    assert "volume get" not in drawn["snapshot_admin.os-force_delete"]
    with pytest.raises(TracerError, match=r"no operation 'os-force_delete' in demo; did you mean "
                                          r"'extra_snapshot.os-force_delete' or 'snapshot_admin.os-force_delete' "
                                          r"or 'volume_admin.os-force_delete'\?"):
        proj.find("os-force_delete")


def test_a_name_an_alias_gives_another_operation_is_qualified(tmp_path: Path):
    """`create = "volume.create"` in [aliases]: a handler discovered as
    `create` elsewhere would be out of reach; it takes its module's name."""
    root = action_tree(tmp_path, {"demo/api/admin_actions.py": ADMIN, "demo/api/volume_actions.py": OTHER})
    proj = Project(action_rules('\n[aliases]\nos-extend = "volume_admin.os-force_delete"\n'), root)
    names = {op.name: op.handler for op in proj.operations()}
    assert "os-extend" not in names and names["volume_actions.os-extend"] == "VolumeActionsController._extend"
    assert proj.find("os-extend").handler == "VolumeAdminController._force_delete"
    assert proj.find("volume_actions.os-extend").handler == "VolumeActionsController._extend"


def test_an_action_named_with_a_line_break_or_an_escape_names_no_operation(tmp_path: Path):
    """Names come from the tree: one that would break a diagram's lines or
    drive the terminal is not an operation's."""
    other = OTHER.replace("'os-extend'", "'x\\ntitle injected'").replace("'os-reset_status'", "'\\x1b]0;pwned\\x07'")
    root = action_tree(tmp_path, {"demo/api/volume_actions.py": other})
    assert discover(SourceTree(root), action_rules()) == []
