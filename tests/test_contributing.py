"""CONTRIBUTING.md, followed to the letter in a temporary copy of the rules."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.rules import rules_dir

ROOT = Path(__file__).resolve().parents[1]


def guide_block(language: str, after: str) -> str:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text[text.index(after):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir(), copy)
    monkeypatch.setenv("TRACER_RULES_DIR", str(copy))
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    return copy


def test_a_newcomer_adds_an_alias_and_sees_its_draft(rules_copy: Path):
    block = guide_block("toml", "## Add an operation name")
    header, line = block.strip().splitlines()
    nova = rules_copy / "nova.toml"
    text = nova.read_text(encoding="utf-8")
    nova.write_text(text.replace(header + "\n", f"{header}\n{line}\n", 1), encoding="utf-8")
    alias = line.split("=")[0].strip()
    result = CliRunner().invoke(main, ["nova", alias, "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"title {alias} a server")
    assert "nova_api->>nova_compute: stop_instance" in result.stdout
    assert CliRunner().invoke(main, ["rules", "check"]).exit_code == 0


def test_rules_check_reports_a_broken_example(rules_copy: Path):
    nova = rules_copy / "nova.toml"
    text = nova.read_text(encoding="utf-8")
    nova.write_text(text.replace('steps = ["note over nova_compute: notify: pause.start"]',
                                 'steps = ["note over nova_compute: notify: pause.begin"]', 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 1
    assert "notes #1: example draws other steps" in result.stdout
    assert "expected: note over nova_compute: notify: pause.begin" in result.stdout
    assert "drawn:    note over nova_compute: notify: pause.start" in result.stdout


def test_rules_check_reports_a_bad_file(rules_copy: Path):
    (rules_copy / "broken.toml").write_text('[project]\nname = "broken"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 1
    assert "broken.toml:1: [discovery]: 'api_modules' is required" in result.stdout


def test_every_file_and_helper_the_add_a_project_steps_name_exists():
    """The steps point at files to copy and helpers to call: they must be there."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    steps = text[text.index("## Add a project"):]
    paths = [p for p in re.findall(r"`([\w./-]+/[\w./-]*)`", steps) if "PROJECT" not in p]  # a placeholder
    assert "tests/realtree/conftest.py" in paths and "rules/_releases.toml" in paths
    assert [p for p in paths if not (ROOT / p).exists()] == []
    assert "def release_project(" in (ROOT / "tests" / "realtree" / "conftest.py").read_text(encoding="utf-8")
    assert "def assert_layers(" in (ROOT / "tests" / "projects" / "projectlayers.py").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^CATALOGUE :=", makefile, re.M) and re.search(r"^catalogue:", makefile, re.M)
    assert "-m tracer.readme" in makefile and importlib.util.find_spec("tracer.readme") is not None
