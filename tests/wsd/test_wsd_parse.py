"""The WSD parser: each statement form, the corpus quirks, warnings, file errors."""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent

import pytest

from tracer.problems import TracerError
from tracer.wsd.model import (
    Autonumber, Branch, Comment, Delay, Diagram, Directive, Divider, Group, Lifeline, LostFound,
    Message, Note, Parallel, Participant,
)
from tracer.wsd.parse import parse_file, parse_text


def one(line: str):
    """The single statement a line parses to."""
    statements = parse_text(line).diagram.statements
    assert len(statements) == 1, f"{line!r} -> {statements}"
    return statements[0]


@pytest.mark.parametrize("line, expected", [
    ("participant client", Participant("client")),
    ('participant "Long\\nname" as L', Participant("L", "Long\\nname")),
    ("participant Nova API as api", Participant("api", "Nova API")),
    ('participant "nova-api v2"', Participant("nova-api v2")),
    ("actor user", Participant("user", kind="actor")),
    ("A->B: text", Message("A", "B", "text")),
    ("A-->B: reply", Message("A", "B", "reply", style="dotted")),
    ("A->>B: cast", Message("A", "B", "cast", head="open")),
    ("A-->>B: x", Message("A", "B", "x", style="dotted", head="open")),
    ("A<->B: x", Message("A", "B", "x", both_ways=True)),
    ("A<-->B: x", Message("A", "B", "x", style="dotted", both_ways=True)),
    ("A->+B: x", Message("A", "B", "x", activation="+")),
    ("A->-B: x", Message("A", "B", "x", activation="-")),
    ("A->*B: x", Message("A", "B", "x", activation="*")),
    ("A->A: self", Message("A", "A", "self")),
    ("A->B", Message("A", "B", "")),
    ("nova_api->database:task_state=SHELVING", Message("nova_api", "database", "task_state=SHELVING")),
    ("client -> nova_api: GET \"/servers\"", Message("client", "nova_api", 'GET "/servers"')),
    ("a: b->c: d: e", None),  # not a message: a name cannot hold ':'
    ("nova-api->nova.db: x", Message("nova-api", "nova.db", "x")),
    ('"my api"->"the db": x', Message("my api", "the db", "x")),
    ("A->B: notify: pause.start", Message("A", "B", "notify: pause.start")),
    ("note over A: t", Note("over", ("A",), "t")),
    ("note over A,B:t", Note("over", ("A", "B"), "t")),
    ("note left of A: t", Note("left of", ("A",), "t")),
    ("note right of A: t", Note("right of", ("A",), "t")),
    ("state over A: s", Note("over", ("A",), "s", kind="state")),
    ("ref over A, B: r", Note("over", ("A", "B"), "r", kind="ref")),
    ("activate A", Lifeline("activate", "A")),
    ("deactivate A", Lifeline("deactivate", "A")),
    ("destroy A", Lifeline("destroy", "A")),
    ("# nova/compute/api.py pause()", Comment("nova/compute/api.py pause()", 1)),
    ("#nova/openstack/compute/shelve.py ", Comment("nova/openstack/compute/shelve.py", 1)),
    ("### nova-api", Comment("nova-api", 3)),
    ("autonumber", Autonumber(1)),
    ("autonumber 10", Autonumber(10)),
    ("AUTONUMBER off", Autonumber(None)),
    ("autonumber ten", None),
    ("option footer=none", Directive("option footer=none")),
    ("== Phase 2 ==", Divider("Phase 2")),
    ("==Phase: a == b==", Divider("Phase: a == b")),
    ("====", Divider("")),
    ("...", Delay("")),
    ("...5 minutes later...", Delay("5 minutes later")),
    ("[->A: request", LostFound("found", "A", "request")),
    ("[-->>nova_api", LostFound("found", "nova_api", "", style="dotted", head="open")),
    ("A->]: lost", LostFound("lost", "A", "lost")),
    ('"my api"-->]: gone', LostFound("lost", "my api", "gone", style="dotted")),
    ('"["->"]": names in quotes', Message("[", "]", "names in quotes")),
    ("[->]: x", None),
    ("[->+A: x", None),
    ("}", None),
])
def test_statement_forms(line: str, expected) -> None:
    if expected is None:
        assert isinstance(one(line), Directive) and not one(line).known
    else:
        assert one(line) == expected


def test_title_and_lines_kept() -> None:
    parsed = parse_text("title pause a server\n\n  client->nova_api: pause  \n")
    assert parsed.diagram.title == "pause a server"
    assert parsed.diagram.statements[0].line == 3
    assert parsed.problems == ()


def test_multiline_note_and_ref_block() -> None:
    text = dedent("""\
        note over A,B
            first line
            second: line
        end note
        ref over A
          see other
        end ref
        """)
    note, ref = parse_text(text).diagram.statements
    assert note == Note("over", ("A", "B"), "first line\nsecond: line", multiline=True)
    assert ref == Note("over", ("A",), "see other", kind="ref", multiline=True)
    assert (note.line, ref.line) == (1, 5)


def test_note_missing_its_colon_does_not_swallow_the_file() -> None:
    parsed = parse_text("note over A check policy\nA->B: x\n", "d.wsd")
    assert parsed.diagram.statements[1] == Message("A", "B", "x")
    assert [str(p) for p in parsed.problems] == [
        "d.wsd:1: unknown statement 'note over A check policy', kept as is"
    ]


def test_nested_groups_and_else_branches() -> None:
    text = dedent("""\
        alt if a
            A->B: 1
            opt maybe
                loop for x in y
                    B->C: 2
                end
            end
        else if b
            A->C: 3
        else
        end
        """)
    (group,) = parse_text(text).diagram.statements
    inner_loop = Group("loop", (Branch("for x in y", (Message("B", "C", "2"),)),))
    inner_opt = Group("opt", (Branch("maybe", (inner_loop,)),))
    assert group == Group("alt", (
        Branch("if a", (Message("A", "B", "1"), inner_opt)),
        Branch("if b", (Message("A", "C", "3"),)),
        Branch("", ()),
    ))
    assert [b.line for b in group.branches] == [1, 8, 10]


@pytest.mark.parametrize("kind", ["par", "group", "critical", "break"])
def test_other_group_kinds(kind: str) -> None:
    (group,) = parse_text(f"{kind} label\nA->B: x\nend\n").diagram.statements
    assert group.kind == kind and group.branches[0].label == "label"


def warnings(text: str) -> list[str]:
    return [str(p) for p in parse_text(dedent(text), "d.wsd").problems]


def test_unclosed_group_is_closed_with_a_warning_naming_its_line() -> None:
    text = "A->B: x\nalt if y\n    B->C: z\n"
    parsed = parse_text(text, "d.wsd")
    assert isinstance(parsed.diagram.statements[1], Group)
    assert parsed.diagram.statements[1].branches[0].steps == (Message("B", "C", "z"),)
    assert warnings(text) == ["d.wsd:2: 'alt' group opened here is never closed; closed at the end"]


def test_unclosed_note_is_closed_with_a_warning() -> None:
    parsed = parse_text("note over A\nsome text\n", "d.wsd")
    assert parsed.diagram.statements == (Note("over", ("A",), "some text", multiline=True),)
    assert [p.line for p in parsed.problems] == [1]


def test_undeclared_participant_warns_once_at_first_use() -> None:
    assert warnings("""\
        participant A
        A->B: x
        B->A: y
        """) == ["d.wsd:2: participant 'B' used but never declared"]


def test_no_declarations_at_all_is_not_warned() -> None:
    assert warnings("A->B: x\nB->A: y\n") == []


def test_lifeline_warnings() -> None:
    assert warnings("""\
        A->+B: x
        B->-A: y
        deactivate A
        activate C
        """) == [
        "d.wsd:3: deactivate A: A is not active",
        "d.wsd:4: C activated here is still active at the end",
    ]


def test_unknown_statement_and_stray_end_are_kept_with_warnings() -> None:
    parsed = parse_text("frobnicate A\nend\nelse\n", "d.wsd")
    assert [s.text for s in parsed.diagram.statements] == ["frobnicate A", "end", "else"]
    assert all(not s.known for s in parsed.diagram.statements)
    assert [p.line for p in parsed.problems] == [1, 2, 3]


def test_reference_file_parses_with_only_known_statements(reference_wsd: Path) -> None:
    parsed = parse_file(reference_wsd)
    assert parsed.diagram.title
    unknown = [p for p in parsed.problems if "unknown statement" in p.message]
    assert unknown == []
    assert any(isinstance(s, Message) for s in Diagram(None, parsed.diagram.statements).statements)


def test_shelve_reference_has_its_unclosed_group(reference_dir: Path) -> None:
    parsed = parse_file(reference_dir / "nova" / "shelve.wsd")
    assert [p.line for p in parsed.problems if "never closed" in p.message] == [30]


@pytest.mark.parametrize("setup, fragment", [
    (lambda p: None, "no such file"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: p.write_bytes(b"title x\nA->B: caf\xe9\n"), "not UTF-8 (bad byte at offset 17)"),
    (lambda p: p.write_text("  \n\n"), "empty file"),
])
def test_parse_file_errors_are_one_line(tmp_path: Path, setup, fragment: str) -> None:
    path = tmp_path / "d.wsd"
    setup(path)
    with pytest.raises(TracerError) as err:
        parse_file(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and fragment in message and "\n" not in message
    assert err.value.exit_code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "d.wsd"
    path.write_text("A->B: x\n")
    path.chmod(0)
    with pytest.raises(TracerError, match="cannot read"):
        parse_file(path)


def test_a_text_with_no_wsd_statement_is_not_a_diagram(tmp_path):
    from tracer.problems import TracerError
    from tracer.wsd.parse import parse_file
    notes = tmp_path / "notes.txt"
    notes.write_text("hello world\nthis is not a diagram\n", encoding="utf-8")
    with pytest.raises(TracerError, match=r"notes.txt: not a diagram: no line is a WSD statement "
                                          r"\(line 1: 'hello world'\); give a .wsd file"):
        parse_file(notes)
    odd = tmp_path / "odd.wsd"
    odd.write_text("a->b: x\nthis line is unknown\n", encoding="utf-8")
    assert len(parse_file(odd).problems) == 1  # a diagram with an unknown line is still a diagram


def test_lines_may_end_in_crlf_or_a_lone_cr():
    unix = parse_text("title t\na->b: hi\nb-->a: ok\n")
    for ending in ("\r\n", "\r"):
        parsed = parse_text("title t" + ending + "a->b: hi" + ending + "b-->a: ok" + ending)
        assert parsed.diagram == unix.diagram and not parsed.problems
