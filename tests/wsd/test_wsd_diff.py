"""diff_diagrams: steps aligned, formatting noise ignored, changed steps paired up."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

from tracer.wsd.diff import diff_diagrams, format_json, format_stat, format_unified, normalise
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_file, parse_text

BASE = """\
title pause
participant client
participant api
# nova/api/openstack/compute/pause_server.py _pause()
client->+api: pause
note over api: check policy
api->db: task_state = PAUSING
db->api: done
# nova/compute/manager.py pause_instance()
api->compute: pause_instance
note over compute: notify: pause.start
"""


def ops(a: str, b: str) -> list[tuple[str, str]]:
    result = diff_diagrams(parse_text(dedent(a)).diagram, parse_text(dedent(b)).diagram)
    return [(e.op, str(e.b or e.a)) for e in result.entries if e.op != "equal"]


def test_formatting_noise_is_ignored() -> None:
    noisy = """\
        title something else

        ## nova/api/openstack/compute/pause_server.py _pause()
            client -> api:pause
        activate client
        note over api:check   policy
        api->db:task_state =   PAUSING

        db->api: done
        api->compute:   pause_instance
        deactivate api
        note over compute: notify:  pause.start
        """
    assert ops(BASE, noisy) == []


def test_whitespace_around_line_breaks_is_ignored() -> None:
    assert normalise("a \\n  b\n c ") == "a\\nb\\nc"
    assert ops("A->B: x\\ny", "A->B: x \\n y") == []


def test_changed_text_on_same_endpoints_is_changed_not_removed_and_added() -> None:
    changed = BASE.replace("PAUSING", "UNPAUSING").replace("notify: pause", "notify: unpause")
    assert ops(BASE, changed) == [
        ("changed", "api->db: task_state = UNPAUSING"),
        ("changed", "note over compute: notify: unpause.start"),
    ]


def test_added_removed_and_other_endpoints() -> None:
    other = BASE.replace("db->api: done\n", "db->api: done\napi->neutron: ports\n")
    other = other.replace("note over api: check policy\n", "")
    other = other.replace("api->compute: pause_instance", "api->conductor: pause_instance")
    assert ops(BASE, other) == [
        ("removed", "note over api: check policy"),
        ("removed", "api->compute: pause_instance"),
        ("added", "api->neutron: ports"),
        ("added", "api->conductor: pause_instance"),
    ]


def test_arrow_style_is_a_difference() -> None:
    assert ops("A->B: x", "A-->B: x") == [("removed", "A->B: x"), ("added", "A-->B: x")]


def test_unified_output_has_anchor_hunk_headers_and_marks() -> None:
    changed = BASE.replace("compute: pause_instance", "compute: unpause_instance")
    result = diff_diagrams(parse_text(BASE).diagram, parse_text(changed).diagram)
    text = format_unified(result, "a.wsd", "b.wsd", context=1)
    assert text == dedent("""\
        --- a.wsd
        +++ b.wsd
        @@ -8 +8 @@ nova/compute/manager.py pause_instance()
          db->api: done
        ~ api->compute: "pause_instance" -> "unpause_instance"
          note over compute: notify: pause.start
        """)
    assert "\x1b[" in format_unified(result, "a", "b", color=True)
    same = parse_text(BASE).diagram
    assert format_unified(diff_diagrams(same, same), "a", "b") == ""


def test_stat_and_json() -> None:
    other = BASE.replace("PAUSING", "X").replace("db->api: done\n", "")
    result = diff_diagrams(parse_text(BASE).diagram, parse_text(other).diagram)
    assert result.stat()["message"] == {"matched": 2, "only_a": 1, "only_b": 0, "changed": 1, "total_b": 3}
    assert "80.0% of b's 5 steps found in a (100.0% counting changed text)" in format_stat(result, "a", "b")
    doc = json.loads(format_json(result, "a", "b"))
    assert list(doc) == ["a", "b", "same", "stat", "found_in_a_percent", "found_or_changed_percent", "steps"]
    assert doc["same"] is False and doc["found_in_a_percent"] == 80.0
    changed = [s for s in doc["steps"] if s["op"] == "changed"]
    assert changed == [{
        "op": "changed", "kind": "message",
        "a": {"who": "api->db", "text": "task_state = PAUSING", "line": 7,
              "anchor": "nova/api/openstack/compute/pause_server.py _pause()"},
        "b": {"who": "api->db", "text": "task_state = X", "line": 7,
              "anchor": "nova/api/openstack/compute/pause_server.py _pause()"},
    }]


def test_reference_is_same_as_its_canonical_form(reference_wsd: Path) -> None:
    diagram = parse_file(reference_wsd).diagram
    assert diff_diagrams(diagram, parse_text(emit(diagram)).diagram).same


def test_pause_vs_unpause_pairs_the_changed_messages(reference_dir: Path) -> None:
    a = parse_file(reference_dir / "nova" / "pause.wsd").diagram
    b = parse_file(reference_dir / "nova" / "unpause.wsd").diagram
    result = diff_diagrams(a, b)
    changed = {(e.a.text, e.b.text) for e in result.entries if e.op == "changed" and e.a and e.b}
    assert ("pause_instance", "unpause_instance") in changed
    assert ("task_state = PAUSING", "task_state = UNPAUSING") in changed
    assert not result.same
