"""Generic engine extensions new projects needed: handlers that are module
functions named by an `action_name` template, and module globals typed by
`[[attributes]]` whose owner is a module."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from treehelp import MINIMAL_RULES, write_tree  # noqa: E402

from tracer.pipeline import Project  # noqa: E402
from tracer.problems import TracerError  # noqa: E402
from tracer.rules import parse_rules  # noqa: E402
from tracer.wsd.model import Message, walk  # noqa: E402

ROUTES = {
    "demo/api/things.py": """
        from demo import service

        rest = Rest()

        @rest.post('/things')
        def things_create(data):
            return service.create(data)

        @rest.get('/things')
        def things_list():
            pass
        """,
    "demo/service.py": """
        OPS = None

        def create(data):
            OPS.provision(data)
        """,
    "demo/engine.py": """
        class Ops(object):
            def provision(self, data):
                pass
        """,
}


def rules(discovery: str, extra: str = ""):
    text = MINIMAL_RULES.replace('action_decorator = "action"', discovery) + textwrap.dedent(extra)
    return parse_rules(text, "rules/demo.toml")


def test_module_function_handlers_named_by_literal_by_default(tmp_path: Path):
    proj = Project(rules('action_decorator = "rest.*"'), write_tree(tmp_path, ROUTES))
    # both routes share '/things' in one module: the literal clashes, so does
    # the module's name, and each takes its function's
    assert sorted(op.name for op in proj.operations()) == ["things_create./things", "things_list./things"]


def test_action_name_template_names_handlers_by_function(tmp_path: Path):
    proj = Project(rules('action_decorator = "rest.*"\naction_name = "{function}"'), write_tree(tmp_path, ROUTES))
    ops = {op.name: op for op in proj.operations()}
    assert sorted(ops) == ["things_create", "things_list"]
    assert ops["things_create"].ref.kind == "function"


def test_action_name_with_an_unknown_field_is_reported():
    with pytest.raises(TracerError, match=r"\[discovery\]: 'action_name' may use only"):
        rules('action_decorator = "rest.*"\naction_name = "{verb}"')


def test_module_global_typed_by_an_attribute_rule(tmp_path: Path):
    extra = """
        [[participants]]
        name = "engine"
        modules = ["demo.engine"]

        [[attributes]]
        owner = "demo.service"
        name = "OPS"
        type = "demo.engine.Ops"
        """
    proj = Project(rules('action_decorator = "rest.*"\naction_name = "{function}"', extra),
                   write_tree(tmp_path, ROUTES))
    steps = [s for s in walk(proj.draft("things_create").diagram.statements) if isinstance(s, Message)]
    assert ("api", "engine", "provision") in [(m.source, m.target, m.text) for m in steps]


def test_library_global_typed_by_an_attribute_rule(tmp_path: Path):
    """`pecan.request.rpcapi` lives outside the tree; the rules say what it holds."""
    files = dict(ROUTES)
    files["demo/service.py"] = """
        import pecan

        def create(data):
            pecan.request.rpcapi.provision(data)
        """
    extra = """
        [[participants]]
        name = "engine"
        modules = ["demo.engine"]

        [[attributes]]
        owner = "pecan.request"
        name = "rpcapi"
        type = "demo.engine.Ops"
        """
    proj = Project(rules('action_decorator = "rest.*"\naction_name = "{function}"', extra),
                   write_tree(tmp_path, files))
    steps = [s for s in walk(proj.draft("things_create").diagram.statements) if isinstance(s, Message)]
    assert ("api", "engine", "provision") in [(m.source, m.target, m.text) for m in steps]


# [discovery] entry_points: operations that start at a named method, where
# the REST layer dispatches by name at run time (`getattr(plugin, action)`).
PLUGIN_TREE = {
    "demo/plugin.py": """
        from demo import engine

        class BaseMixin(object):
            def create_thing(self, context, thing):
                self._store(thing)

        class Plugin(BaseMixin):
            def __init__(self):
                self.engine = engine.Ops()

            def _store(self, thing):
                self.engine.provision(thing)

            def delete_thing(self, context, id):
                pass

        def purge(context):
            pass
        """,
    "demo/engine.py": """
        class Ops(object):
            def provision(self, data):
                pass
        """,
}
ENTRY = """
api_modules = []
entry_points = { create_thing = "demo.plugin.Plugin.create_thing", delete_thing = "demo.plugin.Plugin.delete_thing", purge = "demo.plugin.purge", gone = "demo.plugin.Plugin.gone" }
"""
ENGINE = """
[[participants]]
name = "engine"
modules = ["demo.engine"]
"""


def entry_rules(entry: str = ENTRY):
    text = MINIMAL_RULES.replace('action_decorator = "action"', "").replace(
        'api_modules = ["demo/api/*.py"]', entry) + textwrap.dedent(ENGINE)
    return parse_rules(text, "rules/demo.toml")


def test_entry_points_name_operations_by_method(tmp_path: Path):
    proj = Project(entry_rules(), write_tree(tmp_path, PLUGIN_TREE))
    ops = {op.name: op for op in proj.operations()}
    assert sorted(ops) == ["create_thing", "delete_thing", "purge"]  # `gone` is not in this tree
    assert ops["create_thing"].handler == "BaseMixin.create_thing"     # inherited, found through the MRO
    assert ops["create_thing"].path == "demo/plugin.py"
    assert ops["purge"].ref.kind == "function"


def test_an_inherited_entry_point_runs_with_self_as_the_named_class(tmp_path: Path):
    proj = Project(entry_rules(), write_tree(tmp_path, PLUGIN_TREE))
    steps = [s for s in walk(proj.draft("create_thing").diagram.statements) if isinstance(s, Message)]
    assert [(m.source, m.target, m.text) for m in steps][:2] == [("client", "api", "create_thing"),
                                                                ("api", "engine", "provision")]


def test_entry_points_must_be_qualified_names():
    with pytest.raises(TracerError, match=r"rules/demo.toml:\d+: \[discovery\]: 'entry_points' must map "
                                          r"operation names to qualified names"):
        entry_rules('entry_points = { make = "create_thing" }\n')


def test_without_entry_points_api_modules_is_still_required():
    with pytest.raises(TracerError, match=r"\[discovery\]: 'api_modules' is required"):
        entry_rules("")
