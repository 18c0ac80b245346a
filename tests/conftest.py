"""Shared fixtures: the hand-written reference diagrams in ../shared (skipped if absent),
and a private index cache for every test."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

# A run started in the background by a shell without job control ignores SIGINT, and
# the processes it starts inherit that: the tests that press Ctrl-C need what a
# terminal gives (a handler is reset to the default in the programs started).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
REFERENCE = SHARED / "reference" / "openstack-workflow"


def reference_files() -> list[Path]:
    """All reference .wsd files, sorted; empty when the shared folder is absent."""
    return sorted(REFERENCE.glob("*/*.wsd")) if REFERENCE.is_dir() else []


@pytest.fixture
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference diagrams not found at {REFERENCE}")
    return REFERENCE


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`reference_wsd`: one test per reference file (one skipped test if none)."""
    if "reference_wsd" not in metafunc.fixturenames:
        return
    files = reference_files()
    params = [pytest.param(f, id=f"{f.parent.name}/{f.stem}") for f in files] or [
        pytest.param(None, marks=pytest.mark.skip(reason=f"no reference diagrams at {REFERENCE}"))
    ]
    metafunc.parametrize("reference_wsd", params)


@pytest.fixture(autouse=True)
def _private_index_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write into the user's index cache: one shared cache per session."""
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "index-cache"))
