"""Real Nova 15.1.5 drafts the same bytes however it is drafted: without the
index cache, with a cold and a warm one, in one process or two. Each run is
the real `trace` in a child process (about three minutes in all on two
cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sameness import assert_same, assert_same_text, drafts, trace

pytestmark = pytest.mark.realtree

OPS = ["pause", "snapshot", "live_migrate", "create"]


def draft(tree: Path, op: str, cache: Path | None) -> bytes:
    return trace("nova", op, "--source", tree, "-o", "-", cache=cache).stdout


def test_operations_are_the_same_without_cache_cold_and_warm(nova_15: Path, tmp_path: Path):
    """One cache for the operations in turn: the first meets it empty, the
    later ones find some of their modules there; then each again, warm."""
    cache = tmp_path / "cache"
    plain = {op: draft(nova_15, op, None) for op in OPS}
    cold = {op: draft(nova_15, op, cache) for op in OPS}
    warm = {op: draft(nova_15, op, cache) for op in OPS}
    for op in OPS:
        assert_same_text({f"{op}, no cache": plain[op], f"{op}, cold": cold[op], f"{op}, warm": warm[op]})
        assert plain[op].startswith(f"title {op}".encode())


def test_the_catalogue_is_the_same_in_two_processes_and_in_one(nova_15: Path, tmp_path: Path):
    """The rules' catalogue (34 operations): two workers filling one cold
    cache, then one process reading it; each operation as drafted alone."""
    cache = tmp_path / "cache"
    trace("nova", "--catalogue", "--source", nova_15, "-o", tmp_path / "two", "-j", "2", cache=cache)
    trace("nova", "--catalogue", "--source", nova_15, "-o", tmp_path / "one", "-j", "1", cache=cache)
    two, one = drafts(tmp_path / "two"), drafts(tmp_path / "one")
    assert_same({"cold cache, -j 2": two, "warm cache, -j 1": one})
    assert {f"{op}.wsd" for op in OPS} <= two.keys()
    alone = {f"{op}.wsd": draft(nova_15, op, cache) for op in OPS}
    assert_same({"drafted alone": alone, "--catalogue -j 2": {name: two[name] for name in alone}})
