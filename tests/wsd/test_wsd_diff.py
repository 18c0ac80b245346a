"""diff_diagrams: steps pair by meaning within anchor sections; formatting noise ignored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.wsd.diff import diff_diagrams, format_json, format_stat, format_unified, normalise
from tracer.wsd.emit import emit
from tracer.wsd.model import Branch, Diagram, Message, Note
from tracer.wsd.parse import parse_file, parse_text
from tracer.wsd.wording import similarity, words

REPO = Path(__file__).resolve().parents[2]
DRAFTS = REPO / "diagrams" / "nova" / "ocata"

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


def diff(a: str, b: str, aliases: dict[str, str] | None = None):
    return diff_diagrams(parse_text(dedent(a)).diagram, parse_text(dedent(b)).diagram, aliases)


def ops(a: str, b: str) -> list[tuple[str, str]]:
    return [(e.op, str(e.b or e.a)) for e in diff(a, b).entries if e.op != "equal"]


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_formatting_noise_is_ignored() -> None:
    noisy = """\
        title something else

        ## nova/api/openstack/compute/pause_server.py _pause()
            client -> api:pause
        activate client
        note over api:check   policy
        api->db:task_state =   PAUSING

        db->api: done
        # nova/compute/manager.py pause_instance()
        api->compute:   pause_instance
        deactivate api
        note over compute: notify:  pause.start
        """
    assert ops(BASE, noisy) == []
    assert diff(BASE, noisy).same


def test_whitespace_around_line_breaks_is_ignored() -> None:
    assert normalise("a \\n  b\n c ") == "a\\nb\\nc"
    assert ops("A->B: x\\ny", "A->B: x \\n y") == []


def test_wording_that_differs_only_in_case_camel_case_underscores_plurals_punctuation_is_equal() -> None:
    assert words("getInstance_by-UUIDs:") == ("get", "instance", "by", "uuid")
    assert words("notify shelve.start") == words("notify: shelve.start")
    assert words("task_state=SHELVING") == words("task_state = SHELVING")
    assert words("Update image properties") == words("update_image_property")
    assert words("addresses") == ("address",) and words("status") == ("status",)
    result = diff("A->B: getInstanceByUUID\nnote over B: Notify shelve.start",
                  "A->B: get_instances by uuid\nnote over B: notify: shelve.start.")
    assert [e.op for e in result.entries] == ["equal", "equal"] and result.same


def test_similarity_scores_shared_content_words() -> None:
    assert similarity(words("pause_instance"), words("unpause_instance")) > 0.8
    assert similarity(words("notify shelve.start"), words("audit period bounds")) == 0.0
    assert similarity(words("check policy"), words("check policy: POLICY_ROOT % 'pause'")) >= 0.5
    assert similarity(words("the domain"), words("domain")) == 1.0  # little words do not count
    assert similarity(words("get xml"), words("get info")) == 0.5


def test_changed_text_on_same_endpoints_is_changed_not_removed_and_added() -> None:
    changed = BASE.replace("PAUSING", "UNPAUSING").replace("notify: pause", "notify: unpause")
    assert ops(BASE, changed) == [
        ("changed", "api->db: task_state = UNPAUSING"),
        ("changed", "note over compute: notify: unpause.start"),
    ]


def test_unrelated_text_is_removed_and_added_never_changed() -> None:
    """The issue's case: a draft's `notify: shelve.start` six steps lower is found, not
    the unrelated step that happens to stand at the same place."""
    ref = """\
        # nova/compute/manager.py shelve_instance()
        note over compute: notify shelve.start
        compute->libvirt: power off
        """
    draft = """\
        # nova/compute/manager.py shelve_instance()
        note over compute: audit period bounds
        note over compute: get bandwidth usage
        note over compute: get network info
        note over compute: record usage
        note over compute: update cells
        note over compute: notify: shelve.start
        compute->libvirt: power off
        """
    result = diff(ref, draft)
    pairs = [(e.op, e.a.text, e.b.text) for e in result.entries if e.a and e.b]
    assert pairs == [("equal", "notify shelve.start", "notify: shelve.start"),
                     ("equal", "power off", "power off")]
    assert [e.op for e in result.entries].count("added") == 5
    assert not any(e.op == "changed" for e in result.entries)


def test_added_removed_and_other_endpoints() -> None:
    other = BASE.replace("db->api: done\n", "db->api: done\napi->neutron: ports\n")
    other = other.replace("note over api: check policy\n", "")
    other = other.replace("api->compute: pause_instance", "api->conductor: pause_instance")
    assert ops(BASE, other) == [
        ("removed", "note over api: check policy"),
        ("added", "api->neutron: ports"),
        ("removed", "api->compute: pause_instance"),
        ("added", "api->conductor: pause_instance"),
    ]


def test_arrow_style_is_formatting_and_direction_a_difference() -> None:
    # a dashed reply, an asynchronous cast, lifeline marks: drawing style only
    assert ops("A->B: x\nB->A: done", "A->>+B: x\nB-->-A: done") == []
    assert ops("A->B: x", "B->A: x") == [("removed", "A->B: x"), ("added", "B->A: x")]


def test_a_reply_pairs_only_with_its_request() -> None:
    """Two `done`s are not the same step when what they answer is not."""
    a = "A->B: reserve volume\nB->A: done\n"
    b = "A->B: fetch image\nB->A: done\n"
    assert ops(a, b) == [("removed", "A->B: reserve volume"), ("removed", "B->A: done"),
                         ("added", "A->B: fetch image"), ("added", "B->A: done")]
    assert ops(a, a.replace("reserve volume", "reserve volumes")) == []


def test_one_hunk_per_section_headed_by_its_anchor() -> None:
    changed = BASE.replace("compute: pause_instance", "compute: unpause_instance").replace(
        "check policy", "check the policy rules")
    result = diff_diagrams(parse_text(BASE).diagram, parse_text(changed).diagram)
    text = format_unified(result, "a.wsd", "b.wsd", context=1)
    assert text == dedent("""\
        --- a.wsd
        +++ b.wsd
        @@ -5 +5 @@ nova/api/openstack/compute/pause_server.py _pause()
          client->api: pause
        ~ note over api: "check policy" -> "check the policy rules"
          api->db: task_state = PAUSING
        @@ -10 +10 @@ nova/compute/manager.py pause_instance()
        ~ api->compute: "pause_instance" -> "unpause_instance"
          note over compute: notify: pause.start
        """)
    assert "\x1b[" in format_unified(result, "a", "b", color=True)
    same = parse_text(BASE).diagram
    assert format_unified(diff_diagrams(same, same), "a", "b") == ""


def test_group_context_is_shown_in_the_hunk() -> None:
    a = """\
        # nova/compute/api.py shelve()
        note over api: check lock
        alt not volume backed
            api->glance: create image
            opt force
                api->glance: upload data
            end
            api->db: save
        else
            api->compute: offload
        end
        """
    b = a.replace("upload data", "send bits").replace("offload", "shelve offload")
    text = format_unified(diff(a, b), "a", "b", context=0)
    assert text.splitlines()[2:] == [
        "@@ -6 +6 @@ nova/compute/api.py shelve()",
        "  alt not volume backed",
        "    opt force",
        "-     api->glance: upload data",
        "+     api->glance: send bits",
        "  ...",
        "  else (alt not volume backed)",
        '~   api->compute: "offload" -> "shelve offload"',
    ]


def test_reordered_sections_pair_by_anchor_and_are_reported_moved() -> None:
    a = """\
        # a.py one()
        A->B: first
        B->A: done
        # b.py two()
        note over B: second
        # c.py three()
        B->C: third
        """
    b = """\
        # c.py three()
        B->C: third
        # a.py one()
        A->B: first
        B->A: done
        # b.py two()
        note over B: second
        """
    result = diff(a, b)
    assert [e.op for e in result.entries] == ["equal"] * 4
    assert not result.same
    text = format_unified(result, "a", "b")
    assert text == "--- a\n+++ b\n@@ -7 +2 @@ c.py three() (moved)\n  (1 equal step)\n"
    assert diff(a, a).same


def test_a_step_drawn_under_another_anchor_is_found_and_marked() -> None:
    a = """\
        # api.py pause()
        note over api: check lock
        api->db: get instance
        """
    b = """\
        # api.py _get_instance()
        api->db: get instance
        # api.py pause()
        note over api: check lock
        """
    result = diff(a, b)
    assert [e.op for e in result.entries] == ["equal", "equal"]
    moved = [e for e in result.entries if e.moved]
    assert [(e.a.line, str(e.b.anchor)) for e in moved] == [(3, "api.py _get_instance()")]
    assert not result.same
    assert "  api->db: get instance  (A:3 api.py pause())" in format_unified(result, "a", "b")


def test_a_renamed_anchor_pairs_its_sections() -> None:
    result = diff("# api.py pause()\nnote over api: check lock\napi->db: pausing\n",
                  "# api.py unpause()\nnote over api: check lock\napi->db: unpausing\n")
    assert [h.only for h in result.hunks] == [""]
    assert "@@ -2 +2 @@ api.py pause() -> unpause()" in format_unified(result, "a", "b")


def test_renamed_participants_pair_through_aliases() -> None:
    a = "nova_api->glance_api: get image meta\nglance_api->nova_api: done\n"
    b = "nova_api->glance: get image meta\nglance->nova_api: done\n"
    assert not diff(a, b).same
    assert diff(a, b, {"glance_api": "glance"}).same
    assert [e.a.who for e in diff(a, b, {"glance_api": "glance"}).entries] == ["nova_api->glance", "glance->nova_api"]


def test_statement_types_diff_does_not_know_are_ignored() -> None:
    @dataclass(frozen=True)
    class Divider:
        text: str
        line: int = 0

    @dataclass(frozen=True)
    class Parallel:
        branches: tuple[Branch, ...]
        line: int = 0

    inner = Branch("", (Message("A", "B", "x", line=3), Divider("== later ==")))
    a = Diagram(None, (Divider("== start =="), Parallel((inner,)), Note("over", ("B",), "y")))
    b = Diagram(None, (Message("A", "B", "x"), Note("over", ("B",), "y")))
    result = diff_diagrams(a, b)
    assert [e.op for e in result.entries] == ["equal", "equal"]
    assert result.entries[0].a.groups == ("parallel",) or result.entries[0].a.groups == ("group",)


def test_stat_and_json_carry_the_pairing() -> None:
    other = BASE.replace("PAUSING", "X").replace("db->api: done\n", "")
    result = diff_diagrams(parse_text(BASE).diagram, parse_text(other).diagram)
    assert result.stat()["message"] == {"matched": 2, "only_a": 1, "only_b": 0, "changed": 1,
                                        "total_a": 4, "total_b": 3}
    stat = format_stat(result, "a", "b")
    assert "80.0% of b's 5 steps found in a (100.0% counting changed text)" in stat
    assert "66.7% of a's 6 steps found in b (83.3% counting changed text)" in stat
    doc = json.loads(format_json(result, "a", "b"))
    assert list(doc) == ["a", "b", "same", "stat", "found_in_a_percent", "found_or_changed_percent",
                         "shares", "warnings", "steps"]
    assert doc["shares"] == {"b_equal_in_a": 80.0, "b_found_in_a": 100.0,
                             "a_equal_in_b": 66.7, "a_found_in_b": 83.3}
    assert [(s["op"], s["a"]["text"]) for s in doc["steps"] if s["op"] in ("removed", "changed")] == [
        ("changed", "task_state = PAUSING"), ("removed", "done")]
    assert [s["similarity"] for s in doc["steps"] if s["op"] == "changed"] == [0.667]
    step = doc["steps"][0]
    assert step == {"op": "equal", "kind": "message", "similarity": 1.0, "moved": False,
                    "section": "nova/api/openstack/compute/pause_server.py _pause()",
                    "a": {"who": "client->api", "text": "pause", "line": 5, "groups": [],
                          "anchor": "nova/api/openstack/compute/pause_server.py _pause()"},
                    "b": {"who": "client->api", "text": "pause", "line": 5, "groups": [],
                          "anchor": "nova/api/openstack/compute/pause_server.py _pause()"}}


def test_reference_is_same_as_its_canonical_form(reference_wsd: Path) -> None:
    diagram = parse_file(reference_wsd).diagram
    assert diff_diagrams(diagram, parse_text(emit(diagram)).diagram).same


def test_sibling_operations_pause_unpause_pair_section_by_section(reference_dir: Path) -> None:
    a = parse_file(reference_dir / "nova" / "pause.wsd").diagram
    b = parse_file(reference_dir / "nova" / "unpause.wsd").diagram
    result = diff_diagrams(a, b)
    changed = {(e.a.text, e.b.text) for e in result.entries if e.op == "changed" and e.a and e.b}
    assert ("pause_instance", "unpause_instance") in changed
    assert ("task_state = PAUSING", "task_state = UNPAUSING") in changed
    assert all(e.a and e.b for e in result.entries)  # every step has its counterpart
    assert not any(e.moved for e in result.entries)
    headers = [line for line in format_unified(result, "a", "b").splitlines() if line.startswith("@@")]
    assert "@@ -17 +16 @@ nova/compute/api.py pause() -> unpause()" in headers
    assert len(headers) == 6


def test_reference_against_its_draft(reference_dir: Path) -> None:
    """The hand-drawn pause against the catalogue's draft: the steps both draw are found,
    wherever the draft's anchors put them, and nothing unrelated is called changed."""
    draft_file = DRAFTS / "pause.wsd"
    if not draft_file.is_file():
        pytest.skip(f"no draft at {draft_file}")
    ref = parse_file(reference_dir / "nova" / "pause.wsd").diagram
    result = diff_diagrams(ref, parse_file(draft_file).diagram)
    equal = {e.a.text for e in result.entries if e.op == "equal" and e.a}
    assert {"notify: pause.start", "notify: pause.end", "get instance by uuid", "task_state = PAUSING",
            "check instance lock", "pause_instance"} <= equal
    for e in result.entries:
        if e.op == "changed":
            assert e.a and e.b and e.a.who == e.b.who and e.similarity >= 0.5
            assert set(words(e.a.text)) & set(words(e.b.text)) or e.similarity >= 0.8
    # what only the hand-drawn one says: Liberty's authorize step, its bare "check policy" (the draft
    # names the policy: os_compute_api:os-pause-server:pause), a libvirt call the draft leaves in its driver
    assert {e.a.text for e in result.entries if e.op == "removed" and e.a} == \
        {"authorize context", "check policy", "domain.suspend()"}


def test_cli_alias_and_folder_table(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "sub").mkdir(parents=True)
    (b / "sub").mkdir(parents=True)
    (a / "pause.wsd").write_text("# api.py pause()\nnova_api->glance_api: get image\nnote over nova_api: lock\n")
    (b / "pause.wsd").write_text("# api.py pause()\nnova_api->glance: get images\nnote over nova_api: lock\n")
    (a / "sub" / "stop.wsd").write_text("A->B: stop\nA->B: power off\n")
    (b / "sub" / "stop.wsd").write_text("A->B: stop\n")
    (a / "lock.wsd").write_text("A->B: lock\n")
    (b / "unlock.wsd").write_text("A->B: unlock\n")
    single = run("diff", "--alias", "glance_api=glance", a / "pause.wsd", b / "pause.wsd")
    assert (single.exit_code, single.stdout) == (0, "")
    assert run("diff", a / "pause.wsd", b / "pause.wsd").exit_code == 1
    table = run("diff", "--alias", "glance_api=glance", a, b)
    assert table.exit_code == 1
    rows = {line.split()[0]: line.split()[1:] for line in table.stdout.splitlines()[1:-1]}
    assert rows["pause"] == ["2", "0", "0", "0", "100.0%", "100.0%"]
    assert rows["sub/stop"] == ["1", "0", "1", "0", "50.0%", "100.0%"]
    assert rows["lock"][-3:] == ["only", "in", str(a)] and rows["unlock"][-3:] == ["only", "in", str(b)]
    assert table.stdout.splitlines()[-1].startswith("3 of 4 diagrams differ")
    doc = json.loads(run("diff", "--json", a, b).stdout)
    assert doc["same"] is False and doc["operations"]["lock"] == {"only_in": "a"}
    assert doc["operations"]["sub/stop"]["shares"]["a_found_in_b"] == 50.0
    (a / "lock.wsd").unlink()
    (b / "unlock.wsd").unlink()
    (b / "sub" / "stop.wsd").write_text("A->B: stop\nA->B: power off\n")
    assert run("diff", "--alias", "glance_api=glance", a, b).exit_code == 0


def test_cli_bad_alias_and_file_beside_folder_are_one_line(tmp_path: Path) -> None:
    f = tmp_path / "a.wsd"
    f.write_text("A->B: x\n")
    bad = run("diff", "--alias", "glance_api", f, f)
    assert bad.exit_code == 2 and "NAME=OTHER" in bad.stderr
    mixed = run("diff", f, tmp_path)
    assert mixed.exit_code == 2 and mixed.stderr.startswith("trace: ") and mixed.stderr.count("\n") == 1
    empty_a, empty_b = tmp_path / "x", tmp_path / "y"
    empty_a.mkdir()
    empty_b.mkdir()
    empty = run("diff", empty_a, empty_b)
    assert empty.exit_code == 2 and "no .wsd files" in empty.stderr


def _long(steps: int, changed_every: int = 0) -> str:
    """A diagram of `steps` messages between two participants, one section;
    every `changed_every`-th one reworded."""
    lines = ["participant api", "participant compute"]
    for n in range(steps):
        text = f"step {n} reworded entirely" if changed_every and n % changed_every == 0 else f"step {n} of the work"
        lines.append(f"api->compute: {text}")
    return "\n".join(lines) + "\n"


def test_too_many_pairs_to_weigh_pair_equal_steps_only_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import tracer.wsd.diff as wsd_diff

    a, b = _long(60), _long(60, changed_every=7)
    exact = diff(a, b)
    assert not exact.coarse
    assert {e.op for e in exact.entries} == {"equal", "changed"}  # 'step 7 of the work' ~ 'step 7 reworded'
    monkeypatch.setattr(wsd_diff, "MOST_WEIGHED", 60 * 60 - 1)
    first_coarse = diff(a, b)  # the whole section by equal wording; the 9 x 9 left over weighed as ever
    assert len(first_coarse.coarse) == 1 and "60 x 60 steps" in first_coarse.coarse[0]
    assert first_coarse.entries == exact.entries
    monkeypatch.setattr(wsd_diff, "MOST_WEIGHED", 9 * 9 - 1)
    coarse = diff(a, b)
    assert [n.split(" steps")[0] for n in coarse.coarse] == ["60 x 60"]  # the largest alignment said once
    ops = [e.op for e in coarse.entries]
    assert ops.count("equal") == sum(1 for n in range(60) if n % 7) and "changed" not in ops
    assert ops.count("removed") == ops.count("added") == 9


def test_cli_diff_of_long_diagrams_warns_when_pairing_coarsely(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import tracer.wsd.diff as wsd_diff

    monkeypatch.setattr(wsd_diff, "MOST_WEIGHED", 15)
    (tmp_path / "a.wsd").write_text(_long(20))
    (tmp_path / "b.wsd").write_text(_long(20, changed_every=5))
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "a.wsd"), str(tmp_path / "b.wsd")])
    assert result.exit_code == 1
    assert "warning: 20 x 20 steps to align at once" in result.stderr
    as_json = CliRunner().invoke(main, ["diff", "--json", str(tmp_path / "a.wsd"), str(tmp_path / "b.wsd")])
    assert json.loads(as_json.stdout)["warnings"] == [result.stderr.strip().splitlines()[-1][len("warning: "):]]
    assert result.stdout.count("\n- ") == result.stdout.count("\n+ ") == 4 and "\n~" not in result.stdout


def test_past_the_limit_repeated_steps_still_pair_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """No step worded once on each side to anchor on: equal steps pair greedily, in order."""
    import tracer.wsd.diff as wsd_diff

    monkeypatch.setattr(wsd_diff, "MOST_WEIGHED", 10)
    body = "".join("api->db: get instance\napi->db: save instance\n" for _ in range(40))
    result = diff(body, "api->db: validate\n" + body + "api->db: finish\n")
    ops = [e.op for e in result.entries]
    assert result.coarse and ops.count("equal") == 80 and ops.count("added") == 2 and "removed" not in ops


def test_thousands_of_sections_under_two_anchors_pair_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import tracer.wsd.diff as wsd_diff

    monkeypatch.setattr(wsd_diff, "MOST_WEIGHED", 100)
    text = "".join("# nova/compute/api.py f()\na->b: step\n# nova/compute/api.py g()\na->b: other\n"
                   for _ in range(30))
    result = diff(text, text)
    assert result.same and len(result.hunks) == 60
