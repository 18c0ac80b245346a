"""The command line's manners: help that lists projects and operations,
suggestions for a mistyped command, shell completion, NO_COLOR, --driver."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.rules import available_projects, load_rules, rules_dir

TRACE = Path(sys.executable).parent / "trace"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def _listed(help_text: str) -> tuple[list[str], list[str]]:
    """The names `trace --help` lists under Commands and under Projects."""
    commands, projects = help_text.split("Commands:")[1].split("Projects:")
    names = lambda part: re.findall(r"^  (\S+)", part, re.M)  # noqa: E731
    return names(commands), names(projects)


def test_help_lists_the_projects_apart_from_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    commands, projects = _listed(result.stdout)
    shipped = sorted(p.stem for p in rules_dir().glob("*.toml") if not p.stem.startswith("_"))
    assert projects == available_projects() == shipped and "nova" in projects
    assert not set(projects) & set(commands)
    assert "diff" in commands and "render" in commands


def test_a_rules_file_added_is_a_project_help_lists(tmp_path: Path):
    for path in rules_dir().glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "demo.toml").write_text('[project]\nname = "demo"\npackage = "demo"\n', encoding="utf-8")
    _, projects = _listed(run("--help", env={"TRACER_RULES_DIR": str(tmp_path)}).stdout)
    assert projects == sorted([*available_projects(), "demo"])


def test_project_help_lists_its_operations():
    result = run("nova", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for op in load_rules("nova").catalogue:
        assert op in text
    assert "Operations: create, delete, list," in text


@pytest.mark.parametrize("typed, meant", [("novaa", "nova"), ("rendr", "render"), ("cindr", "cinder")])
def test_a_mistyped_command_gets_a_suggestion(typed: str, meant: str):
    result = run(typed, "pause")
    assert result.exit_code == 2
    assert f"No such command '{typed}'. Did you mean '{meant}'?" in result.stderr


def test_nothing_close_points_to_help():
    result = run("xyzzy")
    assert result.exit_code == 2 and "`trace --help` lists the commands and projects" in result.stderr


def complete(*words: str) -> list[str]:
    """What bash completion offers after `trace WORDS...` (the last word is being typed)."""
    env = {**os.environ, "_TRACE_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(["trace", *words]),
           "COMP_CWORD": str(len(words))}
    out = subprocess.run([str(TRACE)], env=env, capture_output=True, text=True, timeout=120, check=True)
    return [line.split(",", 1)[1] for line in out.stdout.splitlines()]


def test_completion_offers_projects_and_commands():
    assert complete("n") == ["neutron", "nova"]
    assert "render" in complete("")


def test_completion_offers_a_projects_operations():
    assert complete("nova", "pa") == ["pause"]
    assert {"create", "delete"} <= set(complete("nova", ""))
    assert complete("cinder", "ext") == ["extend"]


def test_the_documented_completion_script_loads():
    env = {**os.environ, "_TRACE_COMPLETE": "bash_source"}
    out = subprocess.run([str(TRACE)], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "_trace_completion" in out.stdout and "complete " in out.stdout


def test_no_color_is_honoured_on_a_terminal(monkeypatch: pytest.MonkeyPatch):
    from tracer.cli import app

    monkeypatch.setattr(app.sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert app.color_default(None) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert app.color_default(None) is False
    assert app.color_default(True) is True  # an explicit --color still wins


def test_diff_has_no_colour_codes_under_no_color(tmp_path: Path):
    (tmp_path / "a.wsd").write_text("A->B: one\n")
    (tmp_path / "b.wsd").write_text("A->B: two\n")
    # a real terminal is what turns colour on: run under `script` when it is there
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}
    cmd = f"{TRACE} diff {tmp_path / 'a.wsd'} {tmp_path / 'b.wsd'}"
    if not Path("/usr/bin/script").exists():
        pytest.skip("util-linux `script` not found: no terminal to run under")
    plain = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert "two" in plain.stdout and "\x1b[" not in plain.stdout
    env.pop("NO_COLOR")
    coloured = subprocess.run(["script", "-qec", cmd, "/dev/null"], env=env, capture_output=True, text=True,
                              timeout=120)
    assert "\x1b[" in coloured.stdout


def test_an_unknown_driver_is_refused_with_the_list(tmp_path: Path):
    result = run("nova", "pause", "--driver", "vmwar", "-o", "-")
    assert result.exit_code == 2
    assert "unknown driver 'vmwar' for nova; known: one of fake, hyperv, ironic, libvirt, vmware, xenapi" \
        in result.stderr
    assert result.stdout == ""


def test_a_project_without_driver_choices_says_so():
    result = run("neutron", "create_port", "--driver", "ovs", "-o", "-")
    assert result.exit_code == 2 and "neutron's rules offer no driver choice" in result.stderr


@pytest.mark.parametrize("driver, participant", [
    ("vmware", "vmware"), ("xenapi", "xenapi"), ("hyperv", "hyperv"), ("libvirt", "libvirt"),
])
def test_each_driver_draws_its_hypervisor(tmp_path: Path, driver: str, participant: str):
    """The fixture holds only libvirt's driver; each other driver gets a small
    module of its own, written here, so the binding has a class to go to."""
    from tracer.source import FIXTURES
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "liberty", tree)
    package = {"vmware": "vmwareapi", "xenapi": "xenapi", "hyperv": "hyperv"}.get(driver)
    if package:
        cls = {"vmware": "VMwareVCDriver", "xenapi": "XenAPIDriver", "hyperv": "HyperVDriver"}[driver]
        (tree / "nova" / "virt" / package).mkdir()
        (tree / "nova" / "virt" / package / "__init__.py").write_text("")
        (tree / "nova" / "virt" / package / "driver.py").write_text(
            f"class {cls}(object):\n    def pause(self, instance):\n        self._session.call('pause', instance)\n")
    result = run("nova", "pause", "--source", str(tree), "--driver", driver, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert f"participant {participant}\n" in result.stdout
    assert re.search(rf"^nova_compute-+>+\+?{participant}: pause$", result.stdout, re.M)


@pytest.mark.parametrize("args", [["diff", "NAME", "NAME"], ["render", "NAME"], ["nova", "pause", "-o", "NAME.wsd"]])
def test_a_path_the_system_refuses_is_one_line_not_a_bug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         args: list[str]):
    """A name longer than a file system allows was an internal error (OSError,
    exit 3): the path and the system's reason, exit 2."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_DEBUG", raising=False)
    name = "a" * 300
    result = run(*[a.replace("NAME", name) for a in args])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"trace: {name}") and ": File name too long; check that path" in result.stderr
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    assert list(tmp_path.iterdir()) == []
