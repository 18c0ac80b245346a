"""`trace fetch` and `trace compare` on real Nova releases from PyPI.

`trace fetch` uses the cache the suite's own downloads went into, so it
finds the tree the suite fetched (only the first run downloads).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.fetch import MARKER

from conftest import cache_dir

pytestmark = pytest.mark.realtree


@pytest.fixture
def fetch_cache(monkeypatch: pytest.MonkeyPatch, nova_15: Path) -> Path:
    root = cache_dir()  # the suite's own downloads
    monkeypatch.setenv("TRACER_CACHE_DIR", str(root))
    return root


def test_fetch_nova_from_pypi(fetch_cache: Path):
    result = CliRunner().invoke(main, ["fetch", "nova", "15.1.5"])
    assert result.exit_code == 0, result.stderr
    root = Path(result.stdout.strip())
    assert root == fetch_cache / "sources" / "nova-15.1.5"
    assert (root / "nova" / "compute" / "api.py").is_file()
    marker = json.loads((root / MARKER).read_text())
    assert marker["url"].endswith("/nova-15.1.5.tar.gz") and len(marker["sha256"]) == 64
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".")]


def test_compare_pause_between_ocata_and_2026_2(fetch_cache: Path):
    result = CliRunner().invoke(main, ["compare", "nova", "pause", "15.1.5", "34.0.0"])
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["--- nova 15.1.5 (ocata)", "+++ nova 34.0.0 (2026.2)"]
    changes = [line for line in lines if line[:2] in ("- ", "+ ", "~ ")]
    assert changes, result.stdout
    assert any(line.startswith("anchors: ") for line in lines)
