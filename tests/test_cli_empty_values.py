"""An empty value for a path (or a release) is a usage error naming the
option, never the current folder in disguise: `-o ''` wrote ./pause.wsd,
`--source ''` traced `.`, `trace diff '' ''` compared `.` with itself,
`--release ''` was ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main

GOOD = "title t\nA->B: hello\n"

TREE = "give the folder that holds the project's package (a checkout or an unpacked sdist)"
RELEASE = "give a release name (liberty, 2024.1) or a version (15.1.5)"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder: a diagram in it and in diagrams/, so that a command
    taking '' for '.' would find something to work on."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    (tmp_path / "pause.wsd").write_text(GOOD)
    (tmp_path / "diagrams").mkdir()
    (tmp_path / "diagrams" / "lock.wsd").write_text(GOOD)
    return tmp_path


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("args, said", [
    (["nova", "pause", "-o", ""], "-o/--output is empty: give a file (FILE.wsd, .svg, .png, .puml, .mmd), "
                                  "a folder (DIR/), or - to print it"),
    (["nova", "--all", "-o", " "], "-o/--output is empty: give a file"),
    (["nova", "pause", "--source", ""], f"--source is empty: {TREE}, or SERVICE=TREE"),
    (["nova", "pause", "--source", "nova="], "--source nova= names no tree: give nova=TREE"),
    (["nova", "pause", "--source", "cinder="], "--source cinder= names no tree: give cinder=TREE"),
    (["nova", "pause", "--release", ""], f"--release is empty: {RELEASE}, or leave the option out"),
    (["ops", "nova", "--source", ""], f"--source is empty: {TREE}"),
    (["ops", "nova", "--release", ""], "--release is empty: "),
    (["explain", "nova", "pause", "--source", ""], "--source is empty: "),
    (["explain", "nova", "pause", "--release", ""], "--release is empty: "),
    (["diff", "", ""], "A is empty: give a .wsd file, a folder of them, or - for standard input"),
    (["diff", "pause.wsd", ""], "B is empty: "),
    (["lint", "", "--source", "."], "FILES is empty: give a .wsd file"),
    (["lint", "pause.wsd", "--source", ""], "--source is empty: give the root of the source tree"),
    (["render", ""], "PATHS is empty: give a .wsd file or a folder of them (leave it out for diagrams/)"),
    (["render", "pause.wsd", "-o", ""], "-o/--output is empty: give a folder (DIR/), FILE.svg or FILE.png, "
                                        "or - for standard output"),
    (["render", "-o", ""], "-o/--output is empty: "),
    (["export", ""], "FILE is empty: give a .wsd file, or - for standard input"),
    (["export", "pause.wsd", "-o", ""], "-o/--output is empty: give FILE.puml or FILE.mmd"),
    (["fetch", "nova", ""], f"RELEASE is empty: {RELEASE}"),
    (["compare", "nova", "pause", "", "liberty"], "OLD is empty: give a release name (liberty, 2024.1), a "
                                                  "version (15.1.5) or a folder holding a tree"),
    (["compare", "nova", "pause", "liberty", " "], "NEW is empty: "),
])
def test_an_empty_value_is_a_usage_error_naming_it(here: Path, args: list[str], said: str):
    before = listing(here)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert f"Error: {said}" in result.stderr, result.stderr
    assert "tracing" not in result.stderr and result.stdout == ""  # refused before any work
    assert listing(here) == before  # nothing written here


def test_an_empty_cache_dir_is_still_refused(here: Path):
    result = CliRunner().invoke(main, ["ops", "nova", "--cache-dir", ""])
    assert result.exit_code == 2 and "Invalid value for '--cache-dir'" in result.stderr


def test_the_current_folder_named_as_such_still_works(here: Path):
    """`.` is a folder given on purpose: only the empty name is refused."""
    result = CliRunner().invoke(main, ["diff", ".", "."])
    assert result.exit_code == 0, result.stderr
    drafted = CliRunner().invoke(main, ["nova", "lock", "-o", "./"])
    assert drafted.exit_code == 0 and (here / "lock.wsd").is_file()
