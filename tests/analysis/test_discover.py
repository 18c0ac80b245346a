"""Operation names found in a tree: one name per handler, clashes told apart."""

from __future__ import annotations

from pathlib import Path

from tracer.analysis.discover import discover
from tracer.index.tree import SourceTree
from tracer.rules import parse_rules

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


def names(tmp_path: Path, prefer: str = "") -> dict[str, str]:
    """{operation name: handler} of a tree of two action modules."""
    root = write_tree(tmp_path, {"demo/wsgi.py": "def action(name):\n    return lambda f: f\n",
                                 "demo/api/admin_actions.py": ADMIN, "demo/api/volume_actions.py": OTHER})
    text = MINIMAL_RULES.replace('action_decorator = "action"', 'action_decorator = "wsgi.action"')
    if prefer:
        text = text.replace("[discovery]\n", f"[discovery]\nprefer = [{prefer!r}]\n")
    return {op.name: op.handler for op in discover(SourceTree(root), parse_rules(text, "rules/demo.toml"))}


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
