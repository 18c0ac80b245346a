"""The [[plugins]] rule: a call loading a plugin by namespace and name
(`DriverManager('demo.flows', name, invoke_on_load=True)`) is a call of
what the tree's entry points (setup.cfg, pyproject.toml) or the rule's
`target` name; and the [[flows]] rule's tasks drawn in the if arms and
loops they were added in."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from treehelp import MINIMAL_RULES, write_tree  # noqa: E402

from tracer.entrypoints import entry_points  # noqa: E402
from tracer.index.tree import SourceTree  # noqa: E402
from tracer.pipeline import Project  # noqa: E402
from tracer.problems import TracerError  # noqa: E402
from tracer.rulecheck import Names, unmatched  # noqa: E402
from tracer.rules import parse_rules  # noqa: E402
from tracer.wsd.model import Group, Message, Note, walk  # noqa: E402

TREE = {
    "demo/api/things.py": """
        from stevedore import driver
        from taskflow import engines

        class ThingsController(object):
            @action('make')
            def _make(self, req, body):
                flow = driver.DriverManager('demo.flows', body.kind, invoke_on_load=True).driver
                engine = engines.load(flow)
                engine.run()

            @action('named')
            def _named(self, req, body):
                driver.DriverManager('demo.flows', 'other', invoke_on_load=True)

            @action('loaded')
            def _loaded(self, req, body):
                driver.DriverManager('demo.flows', 'make')
        """,
    "demo/flows.py": """
        from taskflow.patterns import linear_flow

        from demo import db

        class Reserve(object):
            def execute(self):
                db.reserve()

        class Fetch(object):
            def execute(self):
                db.download()

        class Copy(object):
            def execute(self):
                db.copy()

        class Record(object):
            def execute(self):
                db.record()

        def get_flow(kind, stores):
            flow = linear_flow.Flow('make')
            flow.add(Reserve())
            if kind == 'web':
                flow.add(Fetch())
            else:
                flow.add(Copy())
            for store in stores:
                flow.add(Record())
            last = Reserve()
            flow.add(last, plugin_from_config())
            return flow

        def other_flow():
            db.record()
        """,
    "demo/db.py": """
        def reserve():
            pass

        def download():
            pass

        def copy():
            pass

        def record():
            pass
        """,
}
PYPROJECT = """
[project]
name = "demo"

[project.entry-points."demo.flows"]
make = "demo.flows:get_flow"
other = "demo.flows:other_flow"
"""
EXTRA = """
[[participants]]
name = "database"
modules = ["demo.db"]

[[plugins]]
namespace = "demo.flows"
loaders = ["stevedore.driver.DriverManager"]
name = "make"

[[flows]]
add = "taskflow.patterns.*.Flow().add"
run = ["engine.run"]
text = "task: {task}"
arms = true
"""


def project(tmp_path: Path, extra: str = EXTRA, files: dict[str, str] | None = None) -> Project:
    rules = parse_rules(MINIMAL_RULES + textwrap.dedent(extra), "rules/demo.toml")
    return Project(rules, write_tree(tmp_path, {**TREE, **(files if files is not None else {"pyproject.toml": PYPROJECT})}))


def drawn(proj: Project, op: str) -> list[str]:
    out = []
    for s in walk(proj.draft(op).diagram.statements):
        if isinstance(s, Message) and s.text != "done":
            out.append(f"{s.source}->{s.target}: {s.text}")
        elif isinstance(s, Note) and not s.text.endswith("()"):  # a library object's call: `engine.run()`
            out.append(f"note: {s.text}")
        elif isinstance(s, Group):
            out.append(f"{s.kind} {' / '.join(b.label for b in s.branches)}")
    return out


def test_the_entry_point_the_rule_names_is_walked_and_its_tasks_run_in_their_arms(tmp_path: Path):
    proj = project(tmp_path)
    assert drawn(proj, "make") == [
        "client->api: make",
        "note: task: reserve", "api->database: reserve",
        "alt kind == 'web' / ", "note: task: fetch", "api->database: download", "note: task: copy", "api->database: copy",
        "loop store in stores", "note: task: record", "api->database: record",
        "note: task: reserve", "api->database: reserve"]
    reasons = {u.call: u.reason for u in proj.draft("make").walk.unresolved}
    assert "body.kind is known only at run time: the rules' 'make' is drawn" in reasons["driver.DriverManager"]
    assert reasons["flow.add"] == "flow task 'plugin_from_config()': no class with execute() known"


def test_a_literal_name_is_the_plugin_loaded_and_setup_cfg_is_read_too(tmp_path: Path):
    setup = "[metadata]\nname = demo\n\n[entry_points]\ndemo.flows =\n    other = demo.flows:other_flow\n"
    proj = project(tmp_path, files={"setup.cfg": setup})
    assert drawn(proj, "named") == ["client->api: named", "api->database: record"]


def test_without_an_entry_point_the_rules_target_is_used(tmp_path: Path):
    proj = project(tmp_path, EXTRA.replace('name = "make"', 'name = "make"\ntarget = ["demo.gone", "demo.flows.other_flow"]'),
                   files={})
    assert drawn(proj, "make") == ["client->api: make", "api->database: record"]


def test_no_entry_point_and_no_target_is_said_not_drawn(tmp_path: Path):
    proj = project(tmp_path, files={})
    assert drawn(proj, "make") == ["client->api: make"]
    assert any("no entry point 'make' in demo.flows" in u.reason for u in proj.draft("make").walk.unresolved)


def test_a_plugin_only_loaded_is_not_called(tmp_path: Path):
    proj = project(tmp_path)
    assert drawn(proj, "loaded") == ["client->api: loaded"]
    assert any("loads plugin 'make' without calling it" in u.reason for u in proj.draft("loaded").walk.unresolved)


def test_without_the_rule_the_walk_stops_at_the_loader(tmp_path: Path):
    proj = project(tmp_path, EXTRA.split("[[plugins]]")[0])
    assert drawn(proj, "make") == ["client->api: make"]


def test_entry_points_of_both_files(tmp_path: Path):
    setup = "[entry_points]\ndemo.flows =\n    make = demo.flows:get_flow\n    bad = not a reference\n"
    write_tree(tmp_path, {"setup.cfg": setup, "pyproject.toml": PYPROJECT})
    assert entry_points(SourceTree(tmp_path)) == {"demo.flows": {"make": "demo.flows.get_flow",
                                                                 "other": "demo.flows.other_flow"}}
    (tmp_path / "pyproject.toml").write_text("not [ toml", encoding="utf-8")
    assert entry_points(SourceTree(tmp_path)) == {"demo.flows": {"make": "demo.flows.get_flow"}}


@pytest.mark.parametrize("entry, message", [
    ('loaders = ["x.Loader"]\n', r"rules/demo.toml:\d+: \[\[plugins\]\] #1: 'namespace' is required"),
    ('namespace = "demo.flows"\n', r"rules/demo.toml:\d+: \[\[plugins\]\] #1: 'loaders' is required"),
    ('namespace = "demo.flows"\nloaders = []\n', r"'loaders' must name at least one loading call"),
    ('namespace = "demo.flows"\nloaders = ["x"]\ntarget = "not qualified"\n', r"'target' must be a qualified name"),
    ('namespace = "demo.flows"\nloaders = ["x"]\nnames = "y"\n', r"'names' is not a known field"),
])
def test_bad_plugin_rules_name_file_and_line(entry: str, message: str):
    with pytest.raises(TracerError, match=message):
        parse_rules(MINIMAL_RULES + "[[plugins]]\n" + entry, "rules/demo.toml")


def test_bad_flow_text_names_file_and_line():
    with pytest.raises(TracerError, match=r"rules/demo.toml:\d+: \[\[flows\]\] #1: 'text' may use only \{task\}"):
        parse_rules(MINIMAL_RULES + '[[flows]]\nadd = "*.add"\nrun = ["r"]\ntext = "{cls}"\n', "rules/demo.toml")


def test_rules_check_reports_a_loader_that_matches_nothing(tmp_path: Path):
    rules = parse_rules(MINIMAL_RULES + textwrap.dedent(EXTRA), str(tmp_path / "demo.toml"))
    (tmp_path / "demo.toml").write_text(MINIMAL_RULES + textwrap.dedent(EXTRA), encoding="utf-8")
    names = Names(frozenset({"demo.db"}), frozenset({"stevedore.driver.DriverManager"}), frozenset())
    assert not [u for u in unmatched(rules, names) if u.pattern.table == "plugins"]
    missing = [u for u in unmatched(rules, Names(frozenset(), frozenset(), frozenset()))
               if u.pattern.table == "plugins"]
    assert [(u.pattern.key, u.pattern.glob) for u in missing] == [("loaders", "stevedore.driver.DriverManager")]
    assert missing[0].line == (MINIMAL_RULES + textwrap.dedent(EXTRA)).splitlines().index(
        'loaders = ["stevedore.driver.DriverManager"]') + 1


def test_without_arms_the_tasks_are_drawn_one_after_another(tmp_path: Path):
    proj = project(tmp_path, EXTRA.replace("arms = true\n", ""))
    assert [t for t in drawn(proj, "make") if not t.startswith("api->")] == [
        "client->api: make", "note: task: reserve", "note: task: fetch", "note: task: copy", "note: task: record",
        "note: task: reserve"]


@pytest.mark.parametrize("name", ["setup.cfg", "pyproject.toml"])
def test_a_kept_draft_is_drawn_again_when_its_entry_point_moves(tmp_path: Path, name: str):
    """The entry points are read through the tree: editing one in place
    (the file list the same) makes the kept draft stale."""
    from tracer.index.cache import IndexCache
    texts = {"setup.cfg": "[entry_points]\ndemo.flows =\n    other = demo.flows:other_flow\n",
             "pyproject.toml": PYPROJECT}
    rules = parse_rules(MINIMAL_RULES + textwrap.dedent(EXTRA), "rules/demo.toml")
    root = write_tree(tmp_path / "tree", {**TREE, name: texts[name]})
    cache = IndexCache(tmp_path / "cache")
    first = Project(rules, root, cache=cache).drafted("named")
    assert not first.kept and "api->+database: record" in first.text
    assert Project(rules, root, cache=cache).drafted("named").kept
    moved = texts[name].replace("demo.flows:other_flow", "demo.flows:get_flow")
    (root / name).write_text(moved, encoding="utf-8")
    again = Project(rules, root, cache=cache).drafted("named")
    assert not again.kept and "record" not in again.text  # get_flow builds a flow that `_named` never runs
    assert again.text == Project(rules, root).drafted("named").text
