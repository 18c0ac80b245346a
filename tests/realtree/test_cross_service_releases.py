"""Drafts across services, end to end on real PyPI releases: `trace nova
create --source nova=A --source neutron=B` on the oldest and the newest of
each (Nova's compute service creates the instance's port through
neutronclient, and the draft follows the request into Neutron's ML2 plugin,
its mechanism drivers and back), and volume_attach with Cinder's tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.lint import lint_anchors
from tracer.wsd.model import Message, walk
from tracer.wsd.parse import parse_text

from conftest import index_dir, release_tree

pytestmark = pytest.mark.realtree

PAIRS = [("15.1.5", "10.0.5"), ("34.0.0", "29.0.0")]
REQUEST = ("nova_compute", "neutron", "create port: POST /v2.0/ports")


@pytest.fixture(scope="module", params=PAIRS, ids=[f"nova-{n}+neutron-{q}" for n, q in PAIRS])
def crossing(request) -> tuple[Path, Path, str]:
    nova, neutron = release_tree("nova", request.param[0]), release_tree("neutron", request.param[1])
    runner = CliRunner()
    result = runner.invoke(main, ["nova", "create", "--source", f"nova={nova}", "--source", f"neutron={neutron}",
                                  "--cache-dir", str(index_dir()), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    return nova, neutron, result.stdout


def _messages(text: str) -> list[tuple[str, str, str]]:
    diagram = parse_text(text).diagram
    return [(s.source, s.target, s.text) for s in walk(diagram.statements) if isinstance(s, Message)]


def test_the_port_is_created_inside_neutron(crossing):
    _, _, text = crossing
    got = _messages(text)
    start = got.index(REQUEST)
    end = got.index(("neutron", "nova_compute", "done"), start)
    inside = got[start + 1:end]
    assert inside[0] == ("neutron", "neutron_server", "create_port")
    precommit = ("neutron_server", "ml2_mechanism_drivers", "create port precommit")
    postcommit = ("neutron_server", "ml2_mechanism_drivers", "create port postcommit")
    assert inside.index(precommit) < inside.index(postcommit)
    assert any(t == "neutron_database" for _, t, _ in inside)  # the port row, in Neutron's database
    assert "# neutron/plugins/ml2/plugin.py create_port()" in text


def test_nova_goes_on_after_neutron_answers(crossing):
    _, _, text = crossing
    got = _messages(text)
    after = got[got.index(REQUEST):]
    assert ("nova_compute", "libvirt", "spawn") in after  # the walk was not cut short by Neutron's steps
    assert ("nova_compute", "neutron", "update port: PUT /v2.0/ports/{id}") in after  # binding the port
    assert "walk stopped" not in text


def test_the_crossing_draft_is_lint_clean_against_both_trees(crossing):
    nova, neutron, text = crossing
    diagram = parse_text(text).diagram
    assert lint_anchors(diagram, "create.wsd", nova, neutron) == []


def test_volume_attach_goes_on_into_cinder_on_the_newest_releases():
    """The same mechanism with cinderclient: Nova's API creates the volume
    attachment, served by Cinder's attachments controller, which asks its
    volume service (RPC) and the LVM driver."""
    nova, cinder = release_tree("nova", "34.0.0"), release_tree("cinder", "29.0.0")
    result = CliRunner().invoke(main, ["nova", "volume_attach", "--source", f"nova={nova}",
                                       "--source", f"cinder={cinder}",
                                       "--cache-dir", str(index_dir()), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    got = _messages(result.stdout)
    start = got.index(("nova_api", "cinder", "attachments create: POST /v3/attachments"))
    end = got.index(("cinder", "nova_api", "done"), start)
    inside = got[start + 1:end]
    assert inside[0] == ("cinder", "cinder_api", "attachments.create")
    assert any(s == "cinder_api" and t == "cinder_volume" for s, t, _ in inside)  # its RPC to the volume service
    assert any(t == "lvm" for _, t, _ in inside)
    assert lint_anchors(parse_text(result.stdout).diagram, "volume_attach.wsd", nova, cinder) == []


def test_cinder_extend_goes_on_into_nova_on_the_newest_releases():
    """And the other way: Cinder tells Nova an attached volume grew
    (novaclient's server_external_events.create), which Nova's routes carry
    into its external events handler and on to the compute service."""
    nova, cinder = release_tree("nova", "34.0.0"), release_tree("cinder", "29.0.0")
    result = CliRunner().invoke(main, ["cinder", "extend", "--source", f"cinder={cinder}",
                                       "--source", f"nova={nova}",
                                       "--cache-dir", str(index_dir()), "-o", "-"])
    assert result.exit_code == 0, result.stderr
    got = _messages(result.stdout)
    request = ("cinder_volume", "nova", "server external events create: POST /v2.1/os-server-external-events")
    start = got.index(request)
    end = got.index(("nova", "cinder_volume", "done"), start)
    inside = got[start + 1:end]
    assert inside[0] == ("nova", "nova_api", "server_external_events.create")
    assert ("nova_api", "nova_compute", "external_instance_event") in inside  # Nova's RPC cast
    assert lint_anchors(parse_text(result.stdout).diagram, "extend.wsd", cinder, nova) == []
