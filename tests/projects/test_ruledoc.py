"""The README's table of supported projects is what `trace rules table`
prints from the rules, kept between its two marker comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.ruledoc import END, START, projects_table
from tracer.rules import available_projects

README = Path(__file__).resolve().parents[2] / "README.md"


def test_table_has_a_row_per_rules_file_with_its_catalogue():
    rows = projects_table().splitlines()[2:]
    assert [r.split(" | ")[0].removeprefix("| ") for r in rows] == available_projects()
    assert "`create_cluster`" in next(r for r in rows if r.startswith("| sahara |"))
    # nova's client calls reach neutron, cinder and glance, whose rules route them on
    assert next(r for r in rows if r.startswith("| nova |")).endswith("| neutron*, cinder*, glance* |")
    assert next(r for r in rows if r.startswith("| magnum |")).endswith("| heat* |")
    assert next(r for r in rows if r.startswith("| heat |")).startswith("| heat | rocky (11.0.2) to 2026.2 (27.0.1) |")


def test_cli_prints_the_table():
    result = CliRunner().invoke(main, ["rules", "table"])
    assert result.exit_code == 0, result.output
    assert result.output == projects_table()


def test_readme_holds_exactly_the_generated_table():
    text = README.read_text(encoding="utf-8")
    if START not in text:
        pytest.skip(f"README.md has no {START} marker yet")
    between = text.split(START, 1)[1].split(END, 1)[0]
    assert between.strip("\n") == projects_table().strip("\n"), "run `.venv/bin/python -m tracer.readme` (or `make catalogue`)"


def _rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, releases: str | None) -> None:
    import shutil
    from tracer.rules import rules_dir
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    (folder / "_releases.toml").unlink()
    if releases is not None:
        (folder / "_releases.toml").write_text(releases)
    monkeypatch.setenv("TRACER_RULES_DIR", str(folder))


def test_a_rules_folder_without_a_release_table_covers_no_releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _rules_copy(tmp_path, monkeypatch, None)
    result = CliRunner().invoke(main, ["rules", "table"])
    assert result.exit_code == 0, result.output
    assert next(r for r in result.output.splitlines() if r.startswith("| nova |")).startswith("| nova | — |")


def test_a_broken_release_table_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _rules_copy(tmp_path, monkeypatch, "[[release]\nname = 'x'\n")
    result = CliRunner().invoke(main, ["rules", "table"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"trace: {tmp_path / 'rules' / '_releases.toml'}:1: not valid TOML")
    assert result.stderr.count("\n") == 1
