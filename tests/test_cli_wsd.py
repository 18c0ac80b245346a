"""`trace diff` and `trace lint` through click: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.wsd.emit import emit
from tracer.wsd.parse import parse_file


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_diff_against_itself_is_same(reference_wsd: Path) -> None:
    result = run("diff", reference_wsd, reference_wsd)
    assert (result.exit_code, result.stdout) == (0, "")


def test_diff_against_reformatted_copies_is_same(reference_wsd: Path, tmp_path: Path) -> None:
    canonical = tmp_path / "canonical.wsd"
    canonical.write_text(emit(parse_file(reference_wsd).diagram))
    spaced = tmp_path / "spaced.wsd"
    spaced.write_text("\n\n".join(_respace(line) for line in reference_wsd.read_text().splitlines()))
    for copy in (canonical, spaced):
        result = run("diff", reference_wsd, copy)
        assert result.exit_code == 0, result.stdout


def _respace(line: str) -> str:
    """Indent, space the first arrow and the first `:` of a message: noise for diff."""
    line = re.sub(r"^(\w+)->(\+?\w+):\s*", r"\1  ->  \2 :   ", line)
    return "  " + line + "  "


def test_diff_pause_unpause(reference_dir: Path) -> None:
    nova = reference_dir / "nova"
    result = run("diff", "--no-color", nova / "pause.wsd", nova / "unpause.wsd")
    assert result.exit_code == 1
    assert '~ nova_api->nova_compute: "pause_instance" -> "unpause_instance"' in result.stdout
    assert '~ nova_api->database: "task_state = PAUSING" -> "task_state = UNPAUSING"' in result.stdout
    assert "\x1b[" not in result.stdout


def test_diff_colour_on_request(reference_dir: Path) -> None:
    nova = reference_dir / "nova"
    result = run("diff", "--color", nova / "pause.wsd", nova / "unpause.wsd")
    assert result.exit_code == 1 and "\x1b[33m~" in result.stdout


def test_diff_stat_and_json(reference_dir: Path) -> None:
    a, b = reference_dir / "nova" / "pause.wsd", reference_dir / "nova" / "unpause.wsd"
    stat = run("diff", "--stat", a, b)
    assert stat.exit_code == 1
    assert stat.stdout.splitlines()[1].split() == ["message", "5", "0", "0", "5"]
    doc = json.loads(run("diff", "--json", a, b).stdout)
    assert doc["same"] is False and doc["stat"]["note"]["changed"] == 5
    assert json.loads(run("diff", "--json", a, a).stdout)["same"] is True


def test_diff_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "good.wsd"
    good.write_text("A->B: x\n")
    bad = tmp_path / "bad.wsd"
    bad.write_bytes(b"A->B: \xff\n")
    for args in [(good, tmp_path / "missing.wsd"), (bad, good), (good, tmp_path)]:
        result = run("diff", *args)
        assert result.exit_code == 2
        assert result.stderr.startswith("trace: ") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.output


def test_diff_stat_with_json_is_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "a.wsd"
    f.write_text("A->B: x\n")
    assert run("diff", "--stat", "--json", f, f).exit_code == 2


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    servers = tmp_path / "src" / "nova" / "api" / "openstack" / "compute" / "servers.py"
    servers.parent.mkdir(parents=True)
    servers.write_text("class ServersController:\n    def _stop_server(self):\n        pass\n")
    return tmp_path / "src"


def test_lint_clean_and_dirty(tree: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean.wsd"
    clean.write_text("# nova/api/openstack/compute/servers.py ServersController._stop_server()\nA->B: x\n")
    dirty = tmp_path / "dirty.wsd"
    dirty.write_text("A->B: x\n# nova/api/compute/servers.py _stop_server()\n")
    assert (run("lint", clean, "--source", tree).exit_code, run("lint", clean, "--source", tree).stdout) == (0, "")
    result = run("lint", clean, dirty, "--source", tree)
    assert result.exit_code == 1
    assert result.stdout == (
        f"{dirty}:2: anchor 'nova/api/compute/servers.py _stop_server()': no such file under {tree};"
        " defined in nova/api/openstack/compute/servers.py\n"
    )


def test_lint_trouble_exit_2(tree: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.wsd"
    f.write_text("# x.py f()\n")
    for args in [(f, "--source", tmp_path / "nope"), (tmp_path / "missing.wsd", "--source", tree)]:
        result = run("lint", *args)
        assert result.exit_code == 2 and result.stderr.startswith("trace: "), result.output


def test_lint_reference_stop_against_small_tree(reference_dir: Path, tree: Path) -> None:
    result = run("lint", reference_dir / "nova" / "stop.wsd", "--source", tree)
    assert result.exit_code == 1
    assert "stop.wsd:10: anchor 'nova/api/compute/servers.py _stop_server()'" in result.stdout


def test_lint_names_a_comment_written_like_an_anchor_that_is_not_one(tree: Path, tmp_path: Path) -> None:
    f = tmp_path / "near.wsd"
    f.write_text("# nova/api/openstack/compute/servers.py ServersController._stop_server\nA->B: x\n"
                 "# nova/api/openstack/compute/servers ServersController._stop_server\n"
                 "# and/or a note in prose\n# see https://example.org/a/b\n# read/write/execute bits\n"
                 "# 2024/01/02 release\n# docs/admin/guide here\n# /etc/nova/nova.conf option\n"
                 "# nova/api/ servers\n")  # prose, and paths that start in no folder of the tree
    result = run("lint", f, "--source", tree)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{f}:1: comment '# nova/api/openstack/compute/servers.py ServersController._stop_server' looks like an "
        "anchor but is not one (its name lacks ()); write "
        "'# nova/api/openstack/compute/servers.py ServersController._stop_server()'",
        f"{f}:3: comment '# nova/api/openstack/compute/servers ServersController._stop_server' looks like an "
        "anchor but is not one (its path names no .py file); write "
        "'# nova/api/openstack/compute/servers.py ServersController._stop_server()'"]
