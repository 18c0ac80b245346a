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
