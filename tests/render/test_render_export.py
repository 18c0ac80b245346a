"""PlantUML and Mermaid exports, with Mermaid checked against its grammar's rules.

No Mermaid parser runs in Python, so `mermaid_problems` applies the rules of
Mermaid's sequenceDiagram.jison that our output can break: statement forms,
arrows, ids the lexer reads as one name, text free of `#`, `;` and a bare
`end`, notes over at most two participants, blocks and their dividers
balanced, no deactivation of an inactive participant.
"""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner
from render_checks import reference_files

from tracer.cli import main
from tracer.render.export import export, mermaid_id, mermaid_text
from tracer.wsd.parse import parse_file, parse_text

REFS = [pytest.param(f, id=f"{f.parent.name}/{f.stem}") for f in reference_files()] or [
    pytest.param(None, marks=pytest.mark.skip(reason="reference diagrams not found"))
]

ID = r"[A-Za-z_][A-Za-z0-9_]*"
TEXT = r"(?:[^#;\n]|#\w+;)+"  # raw '#' starts a comment, ';' ends a statement
KEYWORDS = ("participant", "actor", "create", "destroy", "box", "loop", "rect", "opt", "alt",
            "else", "par", "and", "critical", "option", "break", "end", "links", "link",
            "properties", "details", "over", "note", "activate", "deactivate", "title",
            "autonumber", "off")
FORMS = {
    "participant": re.compile(rf"^(?:create )?(participant|actor) (?P<id>{ID})(?: as {TEXT})?$"),
    "message": re.compile(rf"^(?P<src>{ID})(?P<arrow>->>|-->>|-\)|--\)|->|-->|-x|--x)(?P<act>[+-]?)"
                          rf"(?P<dst>{ID}): (?P<text>{TEXT})$"),
    "note": re.compile(rf"^Note (?:(?:left of|right of) (?P<one>{ID})|over (?P<over>{ID}(?:,{ID})*))"
                       rf": (?P<text>{TEXT})$"),
    "life": re.compile(rf"^(?P<action>activate|deactivate|destroy) (?P<id>{ID})$"),
    "open": re.compile(rf"^(?P<kw>alt|opt|loop|par|critical|break|rect)(?: {TEXT})?$"),
    "divider": re.compile(rf"^(?P<kw>else|and|option)(?: {TEXT})?$"),
    "end": re.compile(r"^end$"),
    "other": re.compile(rf"^(%%.*|title {TEXT}|autonumber(?: \d+| off)?)$"),
}
DIVIDES = {"else": "alt", "and": "par", "option": "critical"}


def _id_ok(ident: str) -> bool:
    return not any(ident.lower().startswith(k) for k in KEYWORDS)


def mermaid_problems(text: str) -> list[str]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0] != "sequenceDiagram":
        return ["does not start with sequenceDiagram"]
    out, stack, active = [], [], {}
    for n, line in enumerate(lines[1:], start=2):
        form, m = next(((k, r.match(line)) for k, r in FORMS.items() if r.match(line)), (None, None))
        if m is None:
            out.append(f"{n}: not a statement: {line!r}")
            continue
        ids = [v for k, v in m.groupdict().items() if k in ("id", "src", "dst", "one") and v]
        if m.groupdict().get("over"):
            ids += m["over"].split(",")
            if len(ids) > 2:
                out.append(f"{n}: note over more than 2 participants")
        out += [f"{n}: id {i!r} starts with a keyword" for i in ids if not _id_ok(i)]
        text = m.groupdict().get("text") or ""
        if re.search(r"\bend\b", text, re.IGNORECASE):
            out.append(f"{n}: bare 'end' in text {text!r}")
        if form == "open":
            stack.append(m["kw"])
        elif form == "divider" and (not stack or stack[-1] != DIVIDES[m["kw"]]):
            out.append(f"{n}: {m['kw']} outside {DIVIDES[m['kw']]}")
        elif form == "end":
            if not stack:
                out.append(f"{n}: end without a block")
            else:
                stack.pop()
        elif form == "message":
            who = m["src"] if m["act"] == "-" else m["dst"]
            active[who] = active.get(who, 0) + {"+": 1, "-": -1, "": 0}[m["act"]]
        elif form == "life" and m["action"] != "destroy":
            active[m["id"]] = active.get(m["id"], 0) + (1 if m["action"] == "activate" else -1)
        if any(v < 0 for v in active.values()):
            out.append(f"{n}: deactivates an inactive participant")
            active = {k: max(v, 0) for k, v in active.items()}
    return out + [f"block {kw!r} never ended" for kw in stack]


def plantuml_problems(text: str) -> list[str]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = [] if lines[0] == "@startuml" and lines[-1] == "@enduml" else ["not @startuml..@enduml"]
    depth = 0
    for line in lines:
        if re.match(r"^(alt|opt|loop|par|group|critical|break)\b", line):
            depth += 1
        elif line == "end":
            depth -= 1
        if depth < 0:
            out.append("end without a block")
    return out + (["unbalanced blocks"] if depth else [])


@pytest.mark.parametrize("path", REFS)
def test_reference_exports_follow_the_grammars(path: Path) -> None:
    diagram = parse_file(path).diagram
    mermaid = export(diagram, "mermaid", str(path))
    assert mermaid_problems(mermaid.text) == []
    messages = sum(1 for ln in path.read_text().splitlines() if "->" in ln and not ln.strip().startswith("#"))
    assert len(re.findall(r"^\s*\w+(->>|-->>|-\)|--\))", mermaid.text, re.M)) == messages
    plant = export(diagram, "plantuml", str(path))
    assert plantuml_problems(plant.text) == []
    assert plant.text.count(" -> ") + plant.text.count(" --> ") == messages


def test_the_checker_rejects_broken_mermaid() -> None:
    bad = "sequenceDiagram\n A->>B: the end\n Note over A,B,C: x\n deactivate A\n opt x\n"
    found = " ".join(mermaid_problems(bad))
    for piece in ("bare 'end'", "more than 2", "inactive", "never ended"):
        assert piece in found


DIAGRAM = dedent("""\
    title Ends & means; #1
    participant "Nova\\nAPI" as api
    participant end_point
    # nova/compute/api.py pause()
    api->+end_point: send; the end
    end_point-->>-api: reply # not a comment
    api->>end_point: cast
    note over api,end_point,extra: wide
    state over api: busy
    ref over api: elsewhere
    deactivate api
    alt if end
        api->api: loop
    else
        api<->end_point: both
    end
    par
        api->extra: a
    else
        api->extra: b
    end
    autonumber 5
    option footer=none
    """)


def test_mermaid_escapes_and_keeps_what_it_cannot_say() -> None:
    result = export(parse_text(DIAGRAM).diagram, "mermaid", "d.wsd")
    assert mermaid_problems(result.text) == []
    text = result.text
    assert "participant api as Nova<br/>API" in text
    assert "participant p_end_point as end_point" in text
    assert "api->>+p_end_point: send#59; the #101;nd" in text
    assert "p_end_point--)-api: reply #35; not a comment" in text
    assert "api-)p_end_point: cast" in text
    assert "Note over api,extra: wide" in text
    assert "%% state over api: busy" in text and "%% ref over api: elsewhere" in text
    assert "%% deactivate api" in text
    assert re.search(r"^\s*and$", text, re.M) and "autonumber 5" in text
    dropped = {p.message.split(";")[0]: p.line for p in result.dropped}
    assert dropped == {
        "no Mermaid equivalent for notes over more than 2 participants (spanned first to last)": 8,
        "no Mermaid equivalent for 'state over'": 9,
        "no Mermaid equivalent for 'ref over'": 10,
        "no Mermaid equivalent for 'deactivate' of an inactive participant": 11,
        "no Mermaid equivalent for both-way arrows (drawn one way)": 15,
        "no Mermaid equivalent for 'option'": 23,
    }


def test_plantuml_speaks_the_table() -> None:
    result = export(parse_text(DIAGRAM).diagram, "plantuml", "d.wsd")
    text = result.text
    assert plantuml_problems(text) == []
    for piece in ('participant "Nova\\nAPI" as api', "api -> end_point ++ : send; the end",
                  "end_point -->> api -- : reply # not a comment", "api ->> end_point : cast",
                  "hnote over api : busy", "ref over api : elsewhere", "api <-> end_point : both",
                  "' nova/compute/api.py pause()", "autonumber 5", "hide footbox"):
        assert piece in text
    assert re.search(r"par\n(.*\n)*?\s*else\n", text)
    assert result.dropped == ()


def test_mermaid_multiline_note_and_destroy() -> None:
    text = dedent("""\
        A->B: bye
        destroy B
        note over A
        first
        second
        end note
        """)
    out = export(parse_text(text).diagram, "mermaid").text
    assert mermaid_problems(out) == []
    assert out.index("destroy B") < out.index("A->>B: bye")
    assert "Note over A: first<br/>second" in out


@pytest.mark.parametrize("name", ["end", "loopy", "Option", "note_taker", "with space", "1st"])
def test_mermaid_ids_are_single_names(name: str) -> None:
    ident = mermaid_id(name, set())
    assert re.fullmatch(ID, ident) and _id_ok(ident)


def test_mermaid_text_never_has_a_bare_end() -> None:
    assert not re.search(r"\bend\b", mermaid_text("End of the end, END"), re.I)


def test_cli_export_writes_file_and_warns_once(tmp_path: Path) -> None:
    src = tmp_path / "d.wsd"
    src.write_text("A->B: x\nstate over A: s\nstate over B: t\n")
    out = tmp_path / "o" / "d.mmd"
    result = CliRunner().invoke(main, ["export", str(src), "--to", "mermaid", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith("sequenceDiagram")
    assert result.stderr.count("no Mermaid equivalent") == 1
    assert f"{src}:2: warning:" in result.stderr and "(and 1 more)" in result.stderr


def test_cli_export_to_stdout_and_bad_file(tmp_path: Path) -> None:
    src = tmp_path / "d.wsd"
    src.write_text("A->B: x\n")
    result = CliRunner().invoke(main, ["export", str(src), "--to", "plantuml"])
    assert result.exit_code == 0 and result.stdout.startswith("@startuml")
    missing = CliRunner().invoke(main, ["export", str(tmp_path / "no.wsd"), "--to", "plantuml"])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
