"""`make test` on a machine that cannot reach the package index: the
real-tree tests skip with one reason each, and fail under CI=true."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.fetch import MARKER

CONFTEST = Path(__file__).resolve().parent / "realtree" / "conftest.py"


@pytest.fixture
def realtree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The real-tree download helpers, pointed at an index nobody answers on
    (a closed loopback port) and an empty cache ($TRACER_TEST_CACHE)."""
    spec = importlib.util.spec_from_file_location("realtree_conftest", CONFTEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("TRACER_TEST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    return module


def test_no_index_skips_with_one_reason(realtree, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as first:
        realtree.release_tree("nova", "34.0.0")
    assert "cannot reach the package index to download nova==34.0.0" in str(first.value)
    with pytest.raises(pytest.skip.Exception) as second:  # no second attempt: the same reason at once
        realtree.release_tree("cinder", "29.0.0")
    assert str(second.value) == str(first.value)


def test_no_index_fails_loudly_under_ci(realtree, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        realtree.release_tree("nova", "34.0.0")
    assert "cannot reach the package index" in str(failed.value) and "CI=true" in str(failed.value)


def test_a_tree_trace_fetch_placed_needs_no_index(realtree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The tests find what `trace fetch` put in the same cache, and `trace
    fetch` finds what the tests put there (without asking the index)."""
    monkeypatch.setenv("CI", "true")
    tree = tmp_path / "cache" / "sources" / "nova-34.0.0"
    (tree / "nova").mkdir(parents=True)
    (tree / "nova" / "__init__.py").write_text("")
    (tree / MARKER).write_text('{"project": "nova", "version": "34.0.0"}\n')
    assert realtree.release_tree("nova", "34.0.0") == tree
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["fetch", "nova", "34.0.0"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(tree)


def test_a_half_made_tree_is_not_taken(realtree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder without the mark `trace fetch` writes last is no tree: the
    tests try the index (here out of reach) instead of tracing half a release."""
    monkeypatch.delenv("CI", raising=False)
    (tmp_path / "cache" / "sources" / "nova-34.0.0" / "nova").mkdir(parents=True)
    with pytest.raises(pytest.skip.Exception, match="cannot reach the package index"):
        realtree.release_tree("nova", "34.0.0")
