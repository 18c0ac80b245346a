"""Kept drafts: a draft whose text was changed on disk is drawn anew, not served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_a_kept_draft_whose_text_changed_on_disk_is_drawn_anew(run, tmp_path: Path):
    first = run("nova", "pause", "-o", "-")
    assert first.exit_code == 0, first.stderr
    [kept] = (tmp_path / "cache" / "drafts").rglob("*.json")
    good = kept.read_text()
    record = json.loads(good)
    assert "pause_instance" in record["text"]
    record["text"] = record["text"].replace("pause_instance", "pause_imstance")  # one letter: still JSON
    kept.write_text(json.dumps(record))
    again = run("nova", "pause", "-o", "-")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout and "pause_imstance" not in again.stdout
    assert json.loads(kept.read_text()) == json.loads(good)  # drawn anew and kept again
