"""The persistent index cache: hits, misses, damaged entries, concurrent writers, the CLI options."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import main
from tracer.index import cache as cache_mod
from tracer.index.cache import IndexCache
from tracer.index.tree import SourceTree
from tracer.source import FIXTURES

LIBERTY = FIXTURES / "liberty"
MODULE = "nova.compute.api"


def entries(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pickle"))


def load(root: Path, name: str = MODULE, tree: Path = LIBERTY) -> tuple[object, IndexCache]:
    cache = IndexCache(root)
    return SourceTree(tree, cache).module(name), cache


def test_miss_then_hit_gives_the_same_module(tmp_path: Path):
    fresh = SourceTree(LIBERTY).module(MODULE)
    first, c1 = load(tmp_path)
    second, c2 = load(tmp_path)
    assert (c1.misses, c1.hits, c2.misses, c2.hits) == (1, 0, 0, 1)
    assert first == fresh and second == fresh
    assert len(entries(tmp_path)) == 1


def test_changed_source_is_a_new_entry(tmp_path: Path):
    tree = tmp_path / "tree"
    shutil.copytree(LIBERTY, tree)
    load(tmp_path / "c", tree=tree)
    target = tree / "nova" / "compute" / "api.py"
    target.write_text(target.read_text() + "\ndef added_later():\n    pass\n")
    module, cache = load(tmp_path / "c", tree=tree)
    assert cache.misses == 1 and "added_later" in module.functions
    assert len(entries(tmp_path / "c")) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped byte"])
def test_a_damaged_entry_is_rejected_and_rebuilt(tmp_path: Path, damage: str):
    fresh = SourceTree(LIBERTY).module(MODULE)
    load(tmp_path)
    [entry] = entries(tmp_path)
    blob = entry.read_bytes()
    damaged = {"garbage": b"not a cache entry at all" * 50, "truncated": blob[: len(blob) // 2],
               "empty": b"", "flipped byte": blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:]}[damage]
    entry.write_bytes(damaged)
    module, cache = load(tmp_path)
    assert (cache.rejected, cache.hits) == (1, 0)
    assert module == fresh
    again, cache = load(tmp_path)  # the rebuilt entry was written back
    assert cache.hits == 1 and again == fresh


def test_another_tracer_build_neither_reads_nor_shares_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    load(tmp_path)
    key = IndexCache(tmp_path).key(MODULE, "nova/compute/api.py", False, (LIBERTY / "nova/compute/api.py").read_bytes())
    monkeypatch.setattr(cache_mod, "build_id", lambda: b"\x01" * 32)
    _, cache = load(tmp_path)
    assert (cache.misses, cache.hits) == (1, 0)  # a new key
    assert IndexCache(tmp_path).load(key) is None  # and the old entry fails the header check
    assert len(entries(tmp_path)) == 2


def test_a_file_that_cannot_be_parsed_is_cached_as_its_problem(tmp_path: Path):
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "pkg" / "broken.py").write_text("def f(:\n")
    for expected_hits in (0, 1):
        cache = IndexCache(tmp_path / "c")
        source = SourceTree(tree, cache)
        assert source.module("pkg.broken") is None
        assert len(source.problems) == 1 and "pkg/broken.py:1: cannot parse" in source.problems[0]
        assert cache.hits == expected_hits


def test_an_unwritable_cache_is_skipped(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    module, cache = load(blocker / "cache")
    assert module == SourceTree(LIBERTY).module(MODULE) and cache.write_errors == 1


def _index_everything(root: str) -> int:
    source = SourceTree(LIBERTY, IndexCache(Path(root)))
    names = [source.module_name(p) for p in sorted((LIBERTY / "nova").rglob("*.py"))]
    return sum(source.module(n) is not None for n in names)


def test_processes_writing_at_once_leave_whole_entries(tmp_path: Path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        counts = pool.map(_index_everything, [str(tmp_path)] * 4)
    assert len(set(counts)) == 1 and counts[0] > 10
    assert not list(tmp_path.rglob(".tmp-*"))
    reader = IndexCache(tmp_path)
    source = SourceTree(LIBERTY, reader)
    for path in sorted((LIBERTY / "nova").rglob("*.py")):
        name = source.module_name(path)
        assert source.module(name) == SourceTree(LIBERTY).module(name)
    assert reader.misses == 0 and reader.hits == counts[0]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACER_NOVA_SOURCE", raising=False)
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "env-cache"))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_no_cache_writes_nothing(run, tmp_path: Path):
    result = run("nova", "pause", "-o", "-", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "env-cache").exists()


def test_cache_dir_option_and_environment(run, tmp_path: Path):
    assert run("nova", "pause", "-o", "-").exit_code == 0
    assert entries(tmp_path / "env-cache")
    assert run("nova", "pause", "-o", "-", "--cache-dir", str(tmp_path / "opt")).exit_code == 0
    assert entries(tmp_path / "opt")


def test_drafts_are_identical_without_cache_cold_and_warm(run):
    plain = run("nova", "reboot", "-o", "-", "--no-cache").stdout
    cold = run("nova", "reboot", "-o", "-").stdout
    warm = run("nova", "reboot", "-o", "-").stdout
    assert plain.startswith("title reboot") and plain == cold == warm


def test_default_location_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("TRACER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.default_dir() == tmp_path / "xdg" / "tracer"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_mod.default_dir() == tmp_path / "home" / ".cache" / "tracer"
