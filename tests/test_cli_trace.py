"""`trace PROJECT OP`, `trace ops`, `trace explain` through the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.source import FIXTURES


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_draft_to_stdout_from_the_bundled_fixture(run):
    result = run("nova", "pause", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("title pause a server\n")
    assert "nova_api->>nova_compute: pause_instance" in result.stdout
    assert "bundled fixture tree 'liberty'" in result.stderr


@pytest.mark.parametrize("op, title", [
    ("pause", "pause a server"),            # an action: the rules' title
    ("servers.index", "servers.index"),     # a resource method: its resource_title
    ("create", "create a server"),          # servers.create asked for by its catalogue alias: an action's title
    ("list", "list servers"),               # servers.index by its alias, titled by the rules' own title for it
])
def test_actions_and_resource_methods_are_titled_by_their_own_templates(run, op: str, title: str):
    result = run("nova", op, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"title {title}"


def test_an_action_of_another_resource_is_titled_by_the_file_serving_it(run, tmp_path: Path):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    (tree / "nova/api/openstack/compute/aggregates.py").write_text(
        "from nova.api.openstack import wsgi\n\n\n"
        "class AggregateController(wsgi.Controller):\n"
        "    @wsgi.action('add_host')\n"
        "    def _add_host(self, req, id, body):\n"
        "        return body\n")
    titles = {op: run("nova", op, "--source", str(tree), "-o", "-").stdout.partition("\n")[0]
              for op in ("add_host", "pause")}
    assert titles == {"add_host": "title add_host a host aggregate", "pause": "title pause a server"}


def test_default_path_and_no_overwrite_without_force(run, tmp_path: Path):
    first = run("nova", "lock")
    target = tmp_path / "diagrams" / "nova" / "lock.wsd"
    assert first.exit_code == 0 and target.is_file()
    target.write_text("title my hand edits\n")
    second = run("nova", "lock")
    assert second.exit_code == 1
    assert "exists and may hold hand edits" in second.stderr and "--force" in second.stderr
    assert target.read_text() == "title my hand edits\n"
    third = run("nova", "lock", "--force")
    assert third.exit_code == 0 and target.read_text().startswith("title lock a server")
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_source_from_the_environment(run, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACER_NOVA_SOURCE", str(FIXTURES / "liberty"))
    result = run("nova", "unlock", "-o", "-")
    assert result.exit_code == 0
    assert "$TRACER_NOVA_SOURCE" in result.stderr


def test_unknown_operation_suggests_the_closest(run):
    result = run("nova", "paus", "-o", "-")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("no operation 'paus' in nova; did you mean 'pause'?")


def test_tree_without_the_package_is_a_clear_error(run, tmp_path: Path):
    result = run("nova", "pause", "--source", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path}: no 'nova/' package in this tree" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    missing = run("nova", "pause", "--source", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "no such directory" in missing.stderr


def unprivileged() -> list[str]:
    """The command that runs a program without root's power to read any
    file (nothing when not root), or skips the test."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root reads any folder and setpriv, which drops that power, is not installed")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


@pytest.mark.parametrize("mode", [0o000, 0o111])
def test_a_tree_that_cannot_be_read_is_a_clear_error(tmp_path: Path, mode: int):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    trace = str(Path(sys.executable).with_name("trace"))
    tree.chmod(mode)
    try:
        result = subprocess.run([*unprivileged(), trace, "nova", "pause", "--source", str(tree), "-o", "-"],
                                capture_output=True, text=True, timeout=300)
    finally:
        tree.chmod(0o755)
    if result.stderr.startswith("setpriv:"):
        pytest.skip(f"setpriv cannot drop root's power here: {result.stderr.strip()}")
    assert result.returncode == 2, result.stderr  # was 3: PermissionError
    assert result.stderr == f"trace: {tree}: cannot read (Permission denied); check the tree's permissions: " \
                            "you need to read its folders and files\n"


def test_a_handler_folder_that_cannot_be_listed_is_named(tmp_path: Path):
    """Its operations are missing: `ops` and `no operation` say which folder
    was not read, instead of listing nothing and saying nothing."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    handlers = tree / "nova" / "api" / "openstack" / "compute"
    trace = str(Path(sys.executable).with_name("trace"))
    handlers.chmod(0o000)
    try:
        ops, pause = (subprocess.run([*unprivileged(), trace, *args, "--source", str(tree), "--no-cache"],
                                     capture_output=True, text=True, timeout=300)
                      for args in (["ops", "nova"], ["nova", "pause", "-o", "-"]))
    finally:
        handlers.chmod(0o755)
    if ops.stderr.startswith("setpriv:"):
        pytest.skip(f"setpriv cannot drop root's power here: {ops.stderr.strip()}")
    said = "nova/api/openstack/compute: cannot read (Permission denied); skipped"
    assert f"warning: {said}" in ops.stderr.splitlines()
    assert pause.returncode != 0
    assert pause.stderr.strip().endswith(f"(1 file of the tree not read: {said})"), pause.stderr


def test_unknown_project(run):
    result = run("keystone", "pause")
    assert result.exit_code == 2
    assert "No such command 'keystone'" in result.stderr


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_a_rules_folder_with_no_rules_is_named_when_a_project_is_unknown(tmp_path: Path, folder: str):
    (tmp_path / "empty").mkdir()
    trace = Path(sys.executable).with_name("trace")
    env = {**os.environ, "TRACER_RULES_DIR": str(tmp_path / folder)}
    result = subprocess.run([str(trace), "nova", "pause"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: No such command 'nova'. TRACER_RULES_DIR={tmp_path / folder} holds no rules (PROJECT.toml "
        "files): point it at a folder of them, or unset it for the rules trace ships with.")


def test_ops_lists_discovered_operations_with_handlers(run):
    result = run("ops", "nova")
    assert result.exit_code == 0
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["pause"] == "nova/api/openstack/compute/pause_server.py:22 PauseServerController._pause"
    assert lines["os-start"].endswith("ServersController._start_server  (also: start)")
    assert "servers.create" in lines and "servers.index" in lines


def test_explain_shows_the_graph_and_what_was_not_followed(run):
    result = run("explain", "nova", "pause")
    assert result.exit_code == 0
    out = result.stdout
    assert "PauseServerController._pause -> nova.compute.api.API.pause  " \
        "[call, self-attribute (rule binding), class]" in out
    assert "ComputeManager.pause_instance -> nova.virt.libvirt.driver.LibvirtDriver.pause  " \
        "[call, self-attribute (rule binding), class]" in out
    assert "ComputeAPI.pause_instance -> nova.compute.manager.ComputeManager.pause_instance  [rpc-cast" in out
    assert "\nunresolved: " in out and "\nnot followed (limits): " in out


def test_explain_lists_folded_helpers_as_followed_not_as_stopped(run):
    out = run("explain", "nova", "pause").stdout
    limits = out.split("\nnot followed (limits): ")[1].split("\nfollowed, drawn folded: ")[0]
    folded = out.split("\nfollowed, drawn folded: ")[1]
    line = "nova/compute/rpcapi.py:49: _compute_host: followed; only what it sends and its landmarks drawn"
    assert line in folded and "_compute_host" not in limits
    assert "ComputeAPI.pause_instance -> nova.compute.rpcapi._compute_host" in out  # walked: in the graph


def test_driver_choice_comes_from_the_rules(run):
    result = run("explain", "nova", "pause", "--driver", "fake")
    assert result.exit_code == 0
    assert "LibvirtDriver" not in result.stdout


def test_an_empty_cache_dir_is_refused_and_nothing_is_written_here(run, tmp_path: Path):
    result = run("nova", "pause", "--cache-dir", "", "-o", "-")
    assert result.exit_code == 2
    assert "Invalid value for '--cache-dir': an empty path names no folder" in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert run("nova", "pause", "--cache-dir", "here", "-o", "-").exit_code == 0
    assert (tmp_path / "here" / "index").is_dir()
