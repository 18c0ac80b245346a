"""Pure functions over drawn steps, and the stop note they never lose."""

from __future__ import annotations

from tracer.analysis.steps import STOPPED, brief, common_ends, has_message, messages_only
from tracer.analysis.walk import Limits, Walker
from tracer.analysis.resolve import Ref, Resolver
from tracer.index.tree import SourceTree
from tracer.wsd.model import Branch, Comment, Group, Lifeline, Message, Note
from tracer.wsd.model import walk as walk_all

from treehelp import rules_from

STOP = Note("over", ("a",), f"{STOPPED} step limit 3 reached")


def test_a_stop_note_counts_as_something_to_keep():
    assert not has_message([Note("over", ("a",), "detail")])
    assert has_message([STOP])
    assert has_message([Group("opt", (Branch("x", (STOP,)),))])
    assert messages_only([Note("over", ("a",), "detail"), STOP], "a") == [STOP]


def test_shared_ends_are_split_off_but_a_reply_stays_with_its_message():
    ask, reply = Message("a", "b", "ask"), Message("b", "a", "done")
    tail = Message("a", "c", "tail")
    head, left, right, end = common_ends([ask, reply, tail], [Note("over", ("a",), "n"), reply, tail])
    assert (head, end) == ([], [tail])
    assert left == [ask, reply]


def test_a_walk_stopped_inside_a_deep_helpers_branch_says_so(make_tree):
    # a deep helper's branch that only makes notes is left out, but not when
    # the walk stopped there: the reader must see where the draft ends
    tree = SourceTree(make_tree({"demo/api.py": """
        class API(object):
            def go(self, x):
                self._one(x)

            def _one(self, x):
                self._two(x)

            def _two(self, x):
                if x:
                    self._a()
                    self._b()
                    self._c()
                    self._d()

            def _a(self):
                pass

            def _b(self):
                pass

            def _c(self):
                pass

            def _d(self):
                pass
    """}))
    rules = rules_from('[[participants]]\nname = "api"\nmodules = ["demo.api"]\n')
    walk = Walker(Resolver(tree, rules), rules, Limits(steps=2)).walk(Ref("method", "demo.api.API.go"), "api", "go")
    texts = [s.text for s in _flat(walk.statements) if isinstance(s, Note)]
    assert any(t.startswith(STOPPED) for t in texts), texts


def _flat(steps):
    for s in steps:
        yield s
        if isinstance(s, Group):
            for b in s.branches:
                yield from _flat(b.steps)


def test_brief_keeps_the_messages_between_services_and_nothing_else():
    db = "database"
    steps = [
        Comment("a.py go()"),
        Message("a", "b", "ask"),
        Note("over", ("b",), "detail"),
        Comment("a.py helper()"),               # only a database step under it: goes with it
        Message("a", db, "save"),
        Message(db, "a", "done"),
        Comment("a.py other()"),
        Group("alt", (Branch("x", (Message("a", db, "read"),)), Branch("", (Message("a", "c", "cast"),)))),
        Group("loop", (Branch("i", (Note("over", ("a",), "n"),)),)),
        STOP,
    ]
    assert brief(steps, {db}) == [
        Comment("a.py go()"),
        Message("a", "b", "ask"),
        Comment("a.py other()"),
        Group("alt", (Branch("x", ()), Branch("", (Message("a", "c", "cast"),)))),
        STOP,
    ]


def test_brief_drafts_through_the_cli_are_the_full_drafts_messages_between_services(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tracer.cli import main
    from tracer.wsd.parse import parse_text

    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    runner = CliRunner()
    full = parse_text(runner.invoke(main, ["nova", "reboot", "-o", "-"]).stdout).diagram
    short = runner.invoke(main, ["nova", "reboot", "--brief", "-o", "-"])
    assert short.exit_code == 0, short.stderr
    diagram = parse_text(short.stdout).diagram
    kept = [s for s in walk_all(diagram.statements) if isinstance(s, (Message, Note))]
    assert kept and all(isinstance(s, Message) and "database" not in (s.source, s.target) for s in kept)
    between = [s for s in walk_all(full.statements)
               if isinstance(s, Message) and "database" not in (s.source, s.target)]
    assert kept == between
    assert "database" not in {p.name for p in diagram.participants()}


def test_what_starts_or_ends_a_lifeline_stays_in_its_arm():
    cast = [Message("api", "compute", "go", head="open"), Lifeline("activate", "compute"),
            Note("over", ("compute",), "work"), Lifeline("deactivate", "compute")]
    other = [Note("over", ("api",), "else"), Lifeline("activate", "compute"), Lifeline("deactivate", "compute")]
    head, a, b, tail = common_ends(cast, other)
    assert head == [] and tail == [] and a == cast and b == other
    call = [Message("a", "b", "x", activation="+"), Note("over", ("b",), "n"), Message("b", "a", "done", activation="-")]
    call2 = [Message("a", "b", "y", activation="+"), Message("b", "a", "done", activation="-")]
    assert common_ends(call, call2)[3] == []  # the reply that ends the activation is not shared
