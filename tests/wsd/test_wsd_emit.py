"""The emitter: exact canonical text, and round trips through the parser."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from tracer.wsd.emit import emit, quote
from tracer.wsd.model import (
    Branch, Comment, Diagram, Directive, Group, Lifeline, Message, Note, Participant,
)
from tracer.wsd.parse import parse_file, parse_text


def test_canonical_text() -> None:
    diagram = Diagram("pause a server", (
        Participant("client"),
        Participant("api", "Nova\\nAPI"),
        Directive("autonumber"),
        Comment("nova/compute/api.py pause()"),
        Message("client", "api", "pause", activation="+"),
        Message("api", "client", "202", style="dotted"),
        Group("alt", (
            Branch("if locked", (
                Note("over", ("api", "client"), "refuse\nand log", multiline=True),
                Group("opt", (Branch("", (Lifeline("deactivate", "api"),)),)),
            )),
            Branch("", (Note("right of", ("api",), "ok: go"),)),
        )),
        Comment("done", 2),
    ))
    assert emit(diagram) == dedent("""\
        title pause a server

        participant client
        participant "Nova\\nAPI" as api

        autonumber

        # nova/compute/api.py pause()
        client->+api: pause
        api-->client: 202
        alt if locked
            note over api,client
                refuse
                and log
            end note
            opt
                deactivate api
            end
        else
            note right of api: ok: go
        end

        ## done
        """)


def test_quote_only_when_needed() -> None:
    assert [quote(n) for n in ["nova_api", "nova-api", "a.b", "end", "my api", "a:b", "x-"]] == [
        "nova_api", "nova-api", "a.b", '"end"', '"my api"', '"a:b"', '"x-"'
    ]


def test_arrows_round_trip() -> None:
    text = "A->B: 1\nA-->B: 2\nA->>B: 3\nA-->>B: 4\nA<->B: 5\nA<-->B: 6\nA->*B: 7\nB->-A: 8\n"
    assert emit(parse_text(text).diagram) == text


def test_reference_round_trip(reference_wsd: Path) -> None:
    diagram = parse_file(reference_wsd).diagram
    text = emit(diagram)
    again = parse_text(text)
    assert again.diagram == diagram
    assert emit(again.diagram) == text
    assert not [p for p in again.problems if "unknown statement" in p.message]
