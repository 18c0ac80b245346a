"""A draft that crosses services, on the hand-written trees: Nova's delete
deletes the instance's ports through neutronclient; with Neutron's tree
given (`--source neutron=TREE`) the walk goes on in Neutron's delete_port."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.lint import lint_anchors
from tracer.pipeline import Project
from tracer.rules import load_rules
from tracer.source import FIXTURES
from tracer.wsd.model import Message, walk

NEUTRON = FIXTURES / "neutron"


def _messages(project: Project, op: str) -> list[tuple[str, str, str]]:
    draft = project.draft(op)
    return [(s.source, s.target, s.text) for s in walk(draft.diagram.statements) if isinstance(s, Message)]


def _nova(with_neutron: bool) -> Project:
    nova = Project(load_rules("nova"), FIXTURES / "liberty")
    if with_neutron:
        nova.with_service(Project(load_rules("neutron"), NEUTRON))
    return nova


def test_without_neutrons_tree_the_request_is_one_message_named_by_neutrons_routes():
    got = _messages(_nova(False), "delete")
    request = ("nova_compute", "neutron", "delete port: DELETE /v2.0/ports/{id}")
    assert request in got
    after = got[got.index(request) + 1]
    assert after == ("neutron", "nova_compute", "done")


def test_with_neutrons_tree_the_port_is_deleted_inside_neutron_too():
    got = _messages(_nova(True), "delete")
    start = got.index(("nova_compute", "neutron", "delete port: DELETE /v2.0/ports/{id}"))
    end = got.index(("neutron", "nova_compute", "done"), start)
    inside = got[start + 1:end]
    assert inside[0] == ("neutron", "neutron_server", "delete_port")   # the REST front hands it on
    order = [("neutron_server", "ml2_mechanism_drivers", "delete port precommit"),
             ("neutron_server", "neutron_database", "delete port"),       # Neutron's own database
             ("neutron_server", "ml2_mechanism_drivers", "delete port postcommit"),
             ("neutron_server", "l2_agent", "port_delete")]               # the RPC cast to the agents
    assert [m for m in inside if m in order] == order
    # Nova's database stays Nova's: the instance's steps after the request
    # the field is set from a parameter: the draft shows what the caller passed (an empty NetworkInfo)
    assert ("nova_compute", "database", "network_info = network_model.NetworkInfo()") in got[end:]


def test_the_crossing_draft_is_lint_clean_against_both_trees():
    draft = _nova(True).draft("delete")
    anchors = [a.path for a in draft.diagram.anchors()]
    assert any(p.startswith("neutron/") for p in anchors) and any(p.startswith("nova/") for p in anchors)
    assert lint_anchors(draft.diagram, "delete.wsd", FIXTURES / "liberty", NEUTRON) == []
    # against Nova's tree alone, Neutron's anchors are the problems
    alone = lint_anchors(draft.diagram, "delete.wsd", FIXTURES / "liberty")
    assert alone and all("anchor 'neutron/" in str(p) for p in alone)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    return lambda *args: CliRunner().invoke(main, list(args))


def test_the_cli_takes_service_trees_as_source_name_equals_tree(run):
    result = run("nova", "delete", "--source", f"neutron={NEUTRON}", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert "neutron->+neutron_server: delete_port" in result.stdout
    assert f"tracing neutron from {NEUTRON}, for requests to neutron" in result.stderr
    own = run("nova", "delete", "--source", f"nova={FIXTURES / 'liberty'}", "--source", f"neutron={NEUTRON}",
              "-o", "-")
    assert own.exit_code == 0 and own.stdout == result.stdout


@pytest.mark.parametrize("sources, message", [
    (["bogus=/tmp"], "no rules for service 'bogus'"),
    ([f"neutron={NEUTRON}", f"neutron={NEUTRON}"], "neutron's tree given twice"),
    (["neutron=/no/such/tree"], "/no/such/tree: no such directory"),
    ([f"neutron={FIXTURES / 'liberty'}"], "no 'neutron/' package in this tree"),
])
def test_bad_service_trees_are_one_line_and_a_non_zero_exit(run, sources, message):
    args = [a for s in sources for a in ("--source", s)]
    result = run("nova", "delete", *args, "-o", "-")
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_lint_takes_several_trees(run, tmp_path: Path):
    drafted = run("nova", "delete", "--source", f"neutron={NEUTRON}", "-o", str(tmp_path / "d.wsd"))
    assert drafted.exit_code == 0
    both = run("lint", str(tmp_path / "d.wsd"), "--source", str(FIXTURES / "liberty"), "--source", str(NEUTRON))
    assert both.exit_code == 0, both.stdout
    one = run("lint", str(tmp_path / "d.wsd"), "--source", str(FIXTURES / "liberty"))
    assert one.exit_code == 1 and "neutron/plugins/ml2/plugin.py delete_port()" in one.stdout


def test_all_operations_in_worker_processes_walk_into_the_service_too(run, tmp_path: Path):
    result = run("nova", "--all", "--source", f"neutron={NEUTRON}", "-o", str(tmp_path / "all"), "-j", "2")
    assert result.exit_code == 0, result.stderr
    crossing = sorted(p.name for p in (tmp_path / "all").glob("*.wsd") if "neutron_server" in p.read_text())
    assert crossing == ["servers.delete.wsd"]
