"""The [[flows]] rule: tasks added to a flow (`flow.add(TaskA(), TaskB())`)
in one function and run later (`engine.run()`) are walked, each task's
method in the order added, as calls made where the flow runs."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from treehelp import MINIMAL_RULES, write_tree  # noqa: E402

from tracer.analysis.walk import Limits
from tracer.pipeline import Project  # noqa: E402
from tracer.problems import TracerError  # noqa: E402
from tracer.rules import FlowRule, parse_rules  # noqa: E402
from tracer.wsd.model import Comment, Message, walk  # noqa: E402

TREE = {
    "demo/api/things.py": """
        from demo import service

        class ThingsController(object):
            @action('make')
            def _make(self, req, body):
                service.create(body)
        """,
    "demo/service.py": """
        from demo import flows

        def create(body):
            engine = flows.get_flow(body)
            engine.run()
        """,
    "demo/flows.py": """
        import taskflow.engines
        from taskflow.patterns import linear_flow

        from demo import db, worker

        class Base(object):
            def execute(self, **kw):
                self._step()

        class Reserve(Base):
            def _step(self):
                db.reserve()

        class Record(object):
            def execute(self, body):
                db.record(body)

        class Cast(object):
            def __init__(self, client):
                self.client = client

            def execute(self, body):
                worker.Worker().build(body)

        class NotATask(object):
            pass

        def get_flow(body):
            flow = linear_flow.Flow('make')
            flow.add(Reserve(), Record())
            flow.add(NotATask(), Cast(None))
            return taskflow.engines.load(flow, store={'body': body})
        """,
    "demo/db.py": """
        def reserve():
            pass

        def record(body):
            pass
        """,
    "demo/worker.py": """
        class Worker(object):
            def build(self, body):
                pass
        """,
}
EXTRA = """
[[participants]]
name = "worker"
modules = ["demo.worker"]

[[participants]]
name = "database"
modules = ["demo.db"]

[[flows]]
add = "*flow.add"
run = ["engine.run"]
"""


def project(tmp_path: Path, extra: str = EXTRA) -> Project:
    rules = parse_rules(MINIMAL_RULES + textwrap.dedent(extra), "rules/demo.toml")
    return Project(rules, write_tree(tmp_path, TREE))


def messages(proj: Project) -> list[str]:
    steps = walk(proj.draft("make").diagram.statements)
    return [f"{m.source}->{m.target}: {m.text}" for m in steps if isinstance(m, Message) and m.text != "done"]


def test_tasks_run_in_the_order_added_where_the_flow_runs(tmp_path: Path):
    proj = project(tmp_path)
    # `reserve`: `self` in the inherited execute is the task (Reserve._step)
    assert messages(proj) == ["client->api: make", "api->database: reserve", "api->database: record",
                              "api->worker: build"]
    # each task's own method is anchored (in full detail: at normal a task that only notes folds)
    anchors = [s.text for s in walk(proj.draft("make", Limits(detail="full")).diagram.statements)
               if isinstance(s, Comment)]
    assert anchors.count("demo/flows.py execute()") == 3


def test_without_the_rule_the_walk_stops_at_run(tmp_path: Path):
    proj = project(tmp_path, EXTRA.split("[[flows]]")[0])
    assert messages(proj) == ["client->api: make"]


def test_method_names_the_task_entry_point(tmp_path: Path):
    proj = project(tmp_path, EXTRA + 'method = "build"\n')
    assert messages(proj) == ["client->api: make"]  # no task class has a `build`


def test_rules_are_validated_with_file_and_line():
    rules = parse_rules(MINIMAL_RULES + EXTRA, "rules/demo.toml")
    assert rules.flows == (FlowRule("*flow.add", ("engine.run",), "execute"),)
    with pytest.raises(TracerError, match=r"rules/demo.toml:\d+: \[\[flows\]\] #1: 'run' must be a list of strings"):
        parse_rules(MINIMAL_RULES + '[[flows]]\nadd = "*.add"\nrun = "engine.run"\n', "rules/demo.toml")
    with pytest.raises(TracerError, match=r"\[\[flows\]\] #1: 'add' is required"):
        parse_rules(MINIMAL_RULES + '[[flows]]\nrun = ["engine.run"]\n', "rules/demo.toml")
    with pytest.raises(TracerError, match=r"\[\[flows\]\] #1: 'runs' is not a known field"):
        parse_rules(MINIMAL_RULES + '[[flows]]\nadd = "*.add"\nruns = ["x"]\n', "rules/demo.toml")
